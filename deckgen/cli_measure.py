"""Commands that measure the pipeline: inspect, eval, train-sr."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from deckgen.cli_common import (
    ConfigOpt,
    LangOpt,
    PsmOpt,
    QuietOpt,
    app,
    err,
    print_json,
    resolve_config,
)
from deckgen.errors import (
    EXIT_BAD_INPUT,
    BadInputError,
    DeckgenError,
)


@app.command(short_help="Upscale, OCR and classify your own slides (JSON out).")
def inspect(
    paths: Annotated[
        list[Path],
        typer.Argument(help="Images, an image folder, a PDF or a presentation (one deck)."),
    ],
    upscale: Annotated[
        str | None,
        typer.Option(
            help="auto | none | bicubic | lanczos | model:x2 | model:x4 | a .pb/.onnx path."
        ),
    ] = None,
    save_upscaled: Annotated[
        Path | None, typer.Option(help="Write the upscaled images here.")
    ] = None,
    lang: LangOpt = None,
    psm: PsmOpt = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Compact JSON lines (default: indented).")
    ] = False,
    config: ConfigOpt = None,
) -> None:
    """Run upscale → OCR → classify on your own slides; one JSON object per slide on stdout.

    A slide that cannot be read gets {"error": ...}; the command then exits 3.

    Example: deckgen inspect corpus/brindlestack/003.jpg --upscale model:x4 --json
    """
    import tempfile

    from deckgen.corpus import DOCUMENT_EXTENSIONS, IMAGE_EXTENSIONS, natural_key
    from deckgen.corpus_pdf import as_pdf, pdf_page_count, render_pdf_page_and_text
    from deckgen.ocr import lang_order_note
    from deckgen.slide_task import inspect_images

    cfg = resolve_config(config, upscale={"method": upscale}, ocr={"lang": lang, "psm": psm})
    if note := lang_order_note(cfg.ocr.lang):
        err.print(f"warning: {note}", highlight=False)
    sources = []
    with tempfile.TemporaryDirectory(prefix="deckgen-inspect-") as converted:
        for k, path in enumerate(paths):
            if path.is_dir():
                files = sorted(
                    (p for p in path.iterdir() if p.suffix.lower() in IMAGE_EXTENSIONS),
                    key=lambda p: natural_key(p.name),
                )
                sources.extend((str(p), i, lambda p=p: (p.read_bytes(), None))
                               for i, p in enumerate(files, 1))
            elif path.suffix.lower() in DOCUMENT_EXTENSIONS and path.is_file():
                pdf = as_pdf(path, Path(converted) / str(k))
                sources.extend(
                    # its text layer too, as a build reads a PDF page
                    (str(path), n, lambda n=n, p=pdf: render_pdf_page_and_text(p, n))
                    for n in range(1, pdf_page_count(pdf) + 1)
                )
            elif path.is_file():
                sources.append((str(path), 1, lambda p=path: (p.read_bytes(), None)))
            else:
                raise BadInputError(f"{path} does not exist")
        if not sources:
            raise BadInputError("no slide images, PDF or presentation in "
                                + ", ".join(map(str, paths)))
        failed = 0
        for row in inspect_images(sources, cfg, save_upscaled):
            print_json(row, indent=None if as_json else 2)
            failed += "error" in row
    if failed:  # each one's reason is in its JSON object
        err.print(f"{failed} of {len(sources)} slides could not be read")
        raise typer.Exit(EXIT_BAD_INPUT)


@app.command("eval", short_help="Measure OCR and classification on a labelled set.")
def evaluate(
    dataset: Annotated[
        Path, typer.Argument(help="Folder with labels.csv, lowres/ and optional truth/.")
    ],
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the full result as JSON on stdout.")
    ] = False,
    lang: LangOpt = None,
    psm: PsmOpt = None,
    upscale: Annotated[str | None, typer.Option(help="Upscale method to evaluate with.")] = None,
    quiet: QuietOpt = False,
    config: ConfigOpt = None,
) -> None:
    """Measure OCR (word recall, precision, CER) and section accuracy/macro-F1 on a labelled set.

    Also the share of labelled titles read (and those read differently), a confusion matrix,
    the mislabelled slides, and what checking the least sure slides by hand (deckgen review)
    would fix.

    Example: deckgen sample --out my-decks --truth my-evalset && deckgen eval my-evalset
    """
    from deckgen import evaluate as ev
    from deckgen.progress import Progress

    cfg = resolve_config(config, upscale={"method": upscale}, ocr={"lang": lang, "psm": psm})
    result = ev.evaluate(
        dataset, upscale_params=cfg.upscale, ocr_params=cfg.ocr, classify_params=cfg.classify,
        progress=Progress(quiet=quiet),  # on stderr: --json keeps stdout pure JSON
    )
    if as_json:
        print_json(result, indent=2, sort_keys=True)
    else:
        ev.print_report(result, console=Console())


@app.command("train-sr", short_help="Train a super-resolution model (the [train] extra).")
def train_sr(
    scale: Annotated[int, typer.Option(help="2, 3 or 4.")] = 4,
    seed: Annotated[int, typer.Option()] = 0,
    out: Annotated[
        Path | None,
        typer.Option(
            help="The .onnx file to write, in a folder that exists; its .json goes beside it "
            "(default: deckgen/models/sr_x<scale>.onnx)."
        ),
    ] = None,
    arch: Annotated[
        str,
        typer.Option(
            help="Network: resnet-B-C (B blocks of C channels), resnet (= resnet-4-32), "
            "espcn or fsrcnn."
        ),
    ] = "resnet-4-24",
    steps: Annotated[
        int | None, typer.Option(help="Training steps (default: the shipped models' 15000).")
    ] = None,
    minutes: Annotated[float | None, typer.Option(help="Stop after this many minutes.")] = None,
) -> None:
    """Train a super-resolution model (needs the [train] extra: pip install -e '.[train]').

    Example: deckgen train-sr --scale 4 --seed 0
    """
    try:
        from deckgen.training.sr import train
    except ImportError as exc:
        raise DeckgenError(f"training needs PyTorch: pip install 'torch==2.13.0' ({exc})") from exc
    print(train(scale=scale, seed=seed, out=out, minutes=minutes, steps=steps, arch=arch))
