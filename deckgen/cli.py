"""The ``deckgen`` command: thin wrappers that parse options and call the library.

Data goes to stdout (JSON where asked), progress and messages to stderr.
Errors print one line and exit with the code from ``deckgen.errors``;
``-v`` shows the traceback.
"""

from __future__ import annotations

import contextlib
import json
import re
import shlex
import shutil
import signal
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from deckgen import __version__
from deckgen.errors import (
    EXIT_BAD_INPUT,
    EXIT_INTERRUPTED,
    EXIT_SLIDES_FAILED,
    BadInputError,
    DeckgenError,
)

app = typer.Typer(
    help="Turn low-resolution pitch-deck slides into a searchable static gallery.",
    context_settings={"help_option_names": ["-h", "--help"]},
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
# markup off: file names, OCR text and error messages are printed as written ("[draft]"
# stays, "[/b]" cannot crash a print); styled words go through Text.assemble.
# soft_wrap: a message is one line however narrow the terminal (or a log file: 80 columns)
err = Console(stderr=True, markup=False, soft_wrap=True)
_state = {"verbose": False}

ConfigOpt = Annotated[
    Path | None,
    typer.Option("--config", help="deckgen.toml to read (default: ./deckgen.toml if present)."),
]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars.")]
LangOpt = Annotated[
    str | None, typer.Option(help="Tesseract language(s), e.g. eng or eng+deu.")
]
PsmOpt = Annotated[int | None, typer.Option(help="Tesseract page segmentation mode.")]
# review and label work on the last build, and on the deck.toml files of the corpus it read
BuiltCorpusOpt = Annotated[
    Path | None, typer.Option("--corpus", help="Corpus folder (default: the one the build read).")
]
BuildOpt = Annotated[Path | None, typer.Option("--cache", help="Build folder (default: build).")]


def _version(value: bool) -> None:
    if value:
        print(f"deckgen {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Show tracebacks on errors.")
    ] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    _state["verbose"] = verbose


def _config(path: Path | None, **tables):
    from deckgen.config import load_config

    return load_config(path, tables)


def _section(value: str | None) -> str | None:
    """A section as the site writes it ("Business model") or as a slug; else exit 2."""
    from deckgen.records import SECTIONS, section_named

    slug = section_named(value)
    if value is not None and slug is None:
        raise DeckgenError(f"unknown section {value!r}; use one of: {', '.join(SECTIONS)}")
    return slug


def _upscale_overrides(upscale: str | None, sr_model: Path | None, max_pixels: int | None) -> dict:
    method = str(sr_model) if sr_model else upscale
    return {"method": method, "max_pixels": max_pixels}


@app.command(short_help="Build the site from the corpus; cached stages are reused.")
def build(
    corpus: Annotated[Path | None, typer.Option(help="Corpus folder (default: corpus).")] = None,
    out: Annotated[Path | None, typer.Option(help="Site output folder (default: site).")] = None,
    cache: Annotated[Path | None, typer.Option(help="Build/cache folder (default: build).")] = None,
    executor: Annotated[
        str | None, typer.Option(help="serial | processes | dask (default: processes).")
    ] = None,
    workers: Annotated[
        int | None, typer.Option(help="Worker processes (default: all cores).")
    ] = None,
    scheduler: Annotated[
        str | None, typer.Option(help="Dask scheduler address, e.g. tcp://host:8786 (implies "
                                 "--executor dask).")
    ] = None,
    upscale: Annotated[
        str | None, typer.Option(help="auto | none | bicubic | lanczos | model:x2 | model:x4.")
    ] = None,
    sr_model: Annotated[
        Path | None,
        typer.Option(help="An OpenCV dnn_superres .pb (e.g. FSRCNN_x2.pb) or .onnx model."),
    ] = None,
    max_pixels: Annotated[
        int | None, typer.Option(help="Refuse images with more pixels than this.")
    ] = None,
    lang: LangOpt = None,
    psm: PsmOpt = None,
    ocr_timeout: Annotated[
        float | None, typer.Option(help="Seconds before OCR of one slide is abandoned.")
    ] = None,
    strict: Annotated[
        bool, typer.Option("--strict", help="Exit 5 if any file was skipped or any slide failed.")
    ] = False,
    quiet: QuietOpt = False,
    config: ConfigOpt = None,
) -> None:
    """Build the site from the corpus, reusing every cached stage result.

    Example: deckgen build --corpus corpus --out site
    """
    from deckgen.build import Builder, report_problems

    cfg = _config(
        config,
        build={
            "corpus": corpus and str(corpus),
            "out": out and str(out),
            "cache": cache and str(cache),
            "executor": executor or ("dask" if scheduler else None),  # a scheduler means Dask
            "workers": workers,
            "scheduler": scheduler,
            "strict": strict or None,
        },
        upscale=_upscale_overrides(upscale, sr_model, max_pixels),
        ocr={"lang": lang, "psm": psm, "timeout": ocr_timeout},
    )
    report = Builder(cfg, quiet=quiet).run()
    table = Table("stage", "processed", "cached", "failed", "seconds", title="deckgen build")
    for name, stage in report.stages.items():
        table.add_row(
            name,
            str(stage.processed),
            str(stage.cached),
            str(len(stage.failed)),
            f"{stage.seconds:.1f}",
        )
    err.print(table, soft_wrap=False)  # a table fits the terminal
    for line in report_problems(report):
        err.print(Text.assemble(("warning: ", "yellow"), line))  # each line says what was left
    if report.decks_removed:
        err.print(f"gone since the last build: {', '.join(report.decks_removed)} (its pages, "
                  "images and dataset rows too; `deckgen deploy --delete` takes them off the "
                  "live site)", highlight=False)
    # a command that runs from here: `make site` calls .venv/bin/deckgen, which is not on PATH
    invoked = sys.argv[0] if Path(sys.argv[0]).name == "deckgen" else "deckgen"
    program = "deckgen" if shutil.which("deckgen") else invoked
    site = cfg.build.out
    preview = f"{program} serve" + ("" if site == "site" else f" --site {shlex.quote(site)}")
    err.print(
        f"{report.slides_built} of {report.slides} slides from {report.decks} "
        f"deck{'' if report.decks == 1 else 's'} built into "
        f"{cfg.build.out}/ (report: {cfg.build.cache}/report.json). Preview: {preview}"
    )
    if cfg.build.strict and report.failures:
        err.print(f"--strict: {report.failures} problem(s)")
        raise typer.Exit(EXIT_SLIDES_FAILED)


@app.command(short_help="Generate the fictional sample corpus.")
def sample(
    out: Annotated[Path, typer.Option(help="Where to write the decks.")] = Path("corpus"),
    seed: Annotated[int, typer.Option(help="Random seed: same seed, same bytes.")] = 2026,
    decks: Annotated[int, typer.Option(help="Number of decks.")] = 14,
    truth: Annotated[
        Path | None,
        typer.Option(help="Also write an evaluation set (exact text, labels, 1920 px renders)."),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Write into OUT even if it holds decks already.")
    ] = False,
) -> None:
    """Generate the fictional sample corpus (made-up companies, deterministic).

    Example: deckgen sample --out corpus --truth build/sample-truth
    """
    from deckgen.sample import generate

    if out.is_dir() and any(out.iterdir()) and not force:  # a corpus with labels set by hand
        raise DeckgenError(f"{out}/ is not empty: the sample decks would overwrite its "
                           "deck.toml files; give another --out, or --force")
    slugs = generate(out, seed=seed, n_decks=decks, truth_dir=truth)
    decks_written = f"{len(slugs)} deck{'' if len(slugs) == 1 else 's'}"
    err.print(f"wrote {decks_written} to {out}/" + (f" and truth to {truth}/" if truth else ""))


@app.command(short_help="Import a deck (PDF, pptx or slide images) into the corpus.")
def add(
    paths: Annotated[
        list[Path],
        typer.Argument(
            help="A PDF, a presentation (.pptx, .ppt, .odp, .key: needs LibreOffice), "
            "a folder of slide images, or image files."
        ),
    ],
    corpus: Annotated[Path | None, typer.Option(help="Corpus folder (default: corpus).")] = None,
    slug: Annotated[str | None, typer.Option(help="Folder name (default: from --company).")] = None,
    company: Annotated[str | None, typer.Option()] = None,
    title: Annotated[str | None, typer.Option()] = None,
    year: Annotated[int | None, typer.Option(min=1900, max=2100)] = None,
    stage: Annotated[str | None, typer.Option(help="e.g. seed, series-a.")] = None,
    industry: Annotated[str | None, typer.Option()] = None,
    amount_raised: Annotated[str | None, typer.Option()] = None,
    source_url: Annotated[str | None, typer.Option()] = None,
    license: Annotated[str | None, typer.Option(help="e.g. CC-BY-4.0.")] = None,
    each: Annotated[
        bool,
        typer.Option(
            "--each",
            help="Import every PDF or presentation given (or found in a given folder) as "
            "its own deck, named after its file; decks already imported are left alone.",
        ),
    ] = False,
    config: ConfigOpt = None,
) -> None:
    """Import a deck into the corpus as corpus/<slug>/ with a deck.toml.

    PDF pages are rendered 1920 px wide; a page that is one picture (a scraped deck saved
    as PDF) at the picture's own size, for the build to super-resolve. A presentation is
    converted to PDF first by LibreOffice (headless), which must be installed. With
    --each, a file that cannot be imported is reported and the others are still added
    (exit 3 at the end).

    Example: deckgen add ~/Downloads/acme.pdf --company "Acme" --year 2021 --stage seed
    """
    from deckgen.corpus import safe_slug
    from deckgen.corpus_edit import AlreadyImported, add_deck, decks_in

    if each and (slug or company or title):
        raise DeckgenError("--each names every deck after its file: leave out --slug, "
                           "--company and --title")
    corpus = Path(_config(config, build={"corpus": corpus and str(corpus)}).build.corpus)
    meta = {
        "company": company,
        "title": title,
        "year": year,
        "stage": stage,
        "industry": industry,
        "amount_raised": amount_raised,
        "source_url": source_url,
        "license": license,
    }
    failed = added = 0
    for deck in [[p] for p in decks_in(paths)] if each else [paths]:
        if each and (corpus / safe_slug(deck[0].stem)).exists():
            err.print(f"{deck[0]}: already in the corpus as {corpus / safe_slug(deck[0].stem)}; "
                      "left alone", highlight=False)
            continue
        try:
            deck_dir = add_deck(corpus, deck, slug=slug, meta=meta)
        except AlreadyImported as exc:
            if not each:
                raise
            err.print(f"{exc}; left alone", highlight=False)  # a renamed folder, run again
            continue
        except BadInputError as exc:
            if not each:
                raise
            failed += 1
            err.print(Text.assemble(("✗ ", "red"), str(exc)))  # names the file
            continue
        slides = len([p for p in deck_dir.iterdir() if p.name != "deck.toml"])
        err.print(f"added {deck_dir} ({slides} slides)", highlight=False)
        print(deck_dir)
        added += 1
    if added:
        err.print("run `deckgen build` to process the new slides")
    if failed:
        raise typer.Exit(EXIT_BAD_INPUT)


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

    Example: deckgen inspect slide.jpg --upscale model:x4 --json
    """
    import tempfile

    from deckgen.build import inspect_images
    from deckgen.corpus import (
        DOCUMENT_EXTENSIONS,
        IMAGE_EXTENSIONS,
        as_pdf,
        natural_key,
        pdf_page_count,
        render_pdf_page,
    )

    cfg = _config(config, upscale={"method": upscale}, ocr={"lang": lang, "psm": psm})
    sources = []
    with tempfile.TemporaryDirectory(prefix="deckgen-inspect-") as converted:
        for k, path in enumerate(paths):
            if path.is_dir():
                files = sorted(
                    (p for p in path.iterdir() if p.suffix.lower() in IMAGE_EXTENSIONS),
                    key=lambda p: natural_key(p.name),
                )
                sources.extend((str(p), i, p.read_bytes) for i, p in enumerate(files, 1))
            elif path.suffix.lower() in DOCUMENT_EXTENSIONS and path.is_file():
                pdf = as_pdf(path, Path(converted) / str(k))
                sources.extend(
                    (str(path), n, lambda n=n, p=pdf: render_pdf_page(p, n))
                    for n in range(1, pdf_page_count(pdf) + 1)
                )
            elif path.is_file():
                sources.append((str(path), 1, path.read_bytes))
            else:
                raise BadInputError(f"{path} does not exist")
        if not sources:
            raise BadInputError("no slide images, PDF or presentation in "
                                + ", ".join(map(str, paths)))
        failed = 0
        for row in inspect_images(sources, cfg, save_upscaled):
            print(json.dumps(row, ensure_ascii=False, indent=None if as_json else 2))
            failed += "error" in row
    if failed:  # each one's reason is in its JSON object
        err.print(f"{failed} of {len(sources)} slides could not be read")
        raise typer.Exit(EXIT_BAD_INPUT)


@app.command()
def serve(
    site_dir: Annotated[Path, typer.Option("--site", help="Site folder.")] = Path("site"),
    port: Annotated[int, typer.Option()] = 8000,
) -> None:
    """Serve the built site on http://127.0.0.1:PORT/ for preview.

    Example: deckgen serve --port 8000
    """
    from deckgen.site import serve as serve_site

    if not (site_dir / "index.html").exists():
        raise DeckgenError(
            f"{site_dir}/index.html not found; run `make site` or `deckgen build` first"
        )
    err.print(f"serving {site_dir}/ on http://127.0.0.1:{port}/ (Ctrl-C to stop)")
    serve_site(site_dir, port=port)


@app.command()
def search(
    query: Annotated[str, typer.Argument(help='Words; "quoted phrases" allowed.')],
    section: Annotated[str | None, typer.Option(help="Only this section, e.g. problem.")] = None,
    company: Annotated[str | None, typer.Option()] = None,
    year: Annotated[str | None, typer.Option()] = None,
    stage: Annotated[str | None, typer.Option(help="e.g. seed, series-a.")] = None,
    industry: Annotated[str | None, typer.Option()] = None,
    deck: Annotated[str | None, typer.Option(help="Deck slug.")] = None,
    limit: Annotated[int, typer.Option(min=1, help="How many hits to print.")] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="JSON lines on stdout.")] = False,
    cache: BuildOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Search the built index from the terminal.

    Filters match whatever the case and spacing ("series-a" is "Series A"). An empty
    query with --section lists every slide labelled so.

    Example: deckgen search "market size" --section market
    """
    from deckgen.corpus import printable
    from deckgen.index import search as run_search
    from deckgen.index import unknown_filter
    from deckgen.records import section_named

    cfg = _config(config, build={"cache": cache and str(cache)})
    index_dir = Path(cfg.build.cache) / "whoosh"
    if not index_dir.exists():
        raise DeckgenError(f"no index at {index_dir}; run `deckgen build` first")
    slug = _section(section)
    wanted = {
        "section": slug,
        "company": company,
        "year": year,
        "stage": stage,
        "industry": industry,
        "deck": deck,
    }
    filters = {k: v for k, v in wanted.items() if v}
    if not query.strip() and not filters:
        raise DeckgenError('give words to search for, or a filter: deckgen search "" --section '
                           "problem")
    hits = run_search(index_dir, query, filters=filters, limit=limit)
    for rank, hit in enumerate(hits, 1):
        if as_json:
            print(json.dumps(hit, ensure_ascii=False, sort_keys=True))
        else:
            label = hit["section"] + (", unsure" if hit["unsure"] else "")
            print(
                f"{rank:>2}. {hit['id']}  [{label}]  "
                f"{printable(hit['title'])}  ({hit['score']:.2f})"
            )
            if hit["excerpt"]:
                print(f"    {printable(hit['excerpt'])}")
    if not hits and (unknown := unknown_filter(index_dir, filters)):
        raise BadInputError(unknown)
    if not hits and not as_json:
        err.print("no matches")
    named = section_named(query)
    if named and not section:  # the words find only the slides that say them
        err.print(f'tip: `deckgen search "" --section {named}` lists every slide labelled {named}')


@app.command(short_help="List the least sure section labels, to check first.")
def review(
    limit: Annotated[int, typer.Option(min=1, help="How many slides to list.")] = 20,
    deck: Annotated[str | None, typer.Option(help="Only this deck (slug).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON lines on stdout.")] = False,
    corpus: BuiltCorpusOpt = None,
    cache: BuildOpt = None,
    config: ConfigOpt = None,
) -> None:
    """List the slides whose section the classifier is least sure of, to check first.

    A wrong one is set right with `deckgen label` (or by hand in its deck.toml:
    [sections], then page = "section"); the next build keeps it.

    Example: deckgen review --limit 10
    """
    from deckgen.build import load_manifest
    from deckgen.corpus import printable
    from deckgen.records import UNSURE_BELOW

    cfg = _config(config, build={"corpus": corpus and str(corpus), "cache": cache and str(cache)})
    slides, decks = load_manifest(Path(cfg.build.cache))
    if deck is not None and deck not in decks:
        raise BadInputError(f"no deck {deck!r} in the last build; deck slugs: {', '.join(decks)}")
    predicted = [
        s for s in slides
        if s.section is not None and not s.section.curated and deck in (None, s.deck)
    ]  # fmt: skip
    predicted.sort(key=lambda s: (s.section.sureness, s.id))  # type: ignore[union-attr]
    if predicted and not as_json:
        unsure = sum(s.section.unsure for s in predicted)  # type: ignore[union-attr]
        err.print(
            f"{unsure} of {len(predicted)} predicted labels are unsure (top score under "
            f"{UNSURE_BELOW}); the {min(limit, len(predicted))} least sure:",
            highlight=False,
        )
    for s in predicted[:limit]:
        ranked = s.section.ranked()
        title = s.ocr.title if s.ocr else ""
        if as_json:
            row = {"id": s.id, "section": s.section.label, "scores": dict(ranked), "title": title}
            print(json.dumps(row, ensure_ascii=False, sort_keys=True))
            continue
        guesses = ", ".join(f"{label} {score:.2f}" for label, score in ranked)
        print(f"{s.id}  {s.section.label}  ({guesses})  {printable(title)[:60]}")
        where = f" --corpus {shlex.quote(str(corpus))}" if corpus else ""
        where += f" --cache {shlex.quote(str(cache))}" if cache else ""
        print(f"    wrong? deckgen label {s.id} <section>{where}")
    if not predicted and not as_json:
        err.print("no predicted labels to review")


@app.command(short_help="Delete cache entries the last build did not use.")
def prune(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Only say how much would be deleted.")
    ] = False,
    cache: BuildOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Delete the cache entries the last build did not use.

    The cache keeps every result it computed, so a setting changed back costs nothing,
    but over weeks of removed, replaced and relabelled slides it only grows. This keeps
    what the last build used: run it after a build you are happy with.

    Example: deckgen prune --dry-run
    """
    from deckgen.build import used_cache_keys
    from deckgen.cache import Cache
    from deckgen.files import exclusive_lock

    root = Path(_config(config, build={"cache": cache and str(cache)}).build.cache)
    keep = used_cache_keys(root)  # no build there: says so
    with exclusive_lock(root / "lock"):  # never under a running build
        count, size = Cache(root / "cache").prune(keep, dry_run=dry_run)
    verb = "would delete" if dry_run else "deleted"
    err.print(f"{verb} {count} cache entries ({size / 1e6:.1f} MB) the last build did not use; "
              f"kept what it used ({len(keep)} stage results)", highlight=False)


@app.command(short_help="Set a slide's section by hand (in its deck.toml).")
def label(
    slide: Annotated[str, typer.Argument(help='The slide as review lists it, e.g. "acme/006".')],
    section: Annotated[
        str | None, typer.Argument(help='Its section, e.g. traction or "Business model".')
    ] = None,
    clear: Annotated[
        bool, typer.Option("--clear", help="Remove the label set by hand: the model decides.")
    ] = False,
    corpus: BuiltCorpusOpt = None,
    cache: BuildOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Set a slide's section by hand, under [sections] in its deck's deck.toml.

    The next build keeps it, decodes the slides around it knowing it, and marks it
    "Labelled by hand" on the site and in the dataset.

    Example: deckgen label acme/006 traction
    """
    from deckgen.build import built_corpus
    from deckgen.corpus_edit import label_slide

    if clear and section is not None:
        raise DeckgenError("give a section or --clear, not both")
    if not clear and section is None:
        raise DeckgenError("give a section, or --clear to remove the one set by hand")
    named = _section(section)
    deck, _, page = slide.strip().rpartition("/")
    if not deck or not re.fullmatch(r"[0-9]{1,4}", page):
        raise BadInputError(f"{slide!r} is not a slide; write it as review lists it: acme/006")
    cfg = _config(config, build={"corpus": corpus and str(corpus), "cache": cache and str(cache)})
    if corpus is None:  # the corpus the last build read, when there was one
        with contextlib.suppress(DeckgenError):
            corpus = built_corpus(Path(cfg.build.cache))
    corpus = corpus or Path(cfg.build.corpus)
    toml = label_slide(corpus, deck, int(page), named).absolute()
    if toml.is_relative_to(Path.cwd()):
        toml = toml.relative_to(Path.cwd())
    done = f"labelled {named}" if named else "no longer labelled by hand"
    rebuild = "deckgen build"  # the build that reads this corpus into this cache
    if Path(corpus).resolve() != Path(cfg.build.corpus).resolve():
        rebuild += f" --corpus {shlex.quote(str(corpus))}"
    rebuild += f" --cache {shlex.quote(str(cache))}" if cache else ""
    err.print(f"{deck}/{int(page):03d} {done} in {toml}; `{rebuild}` applies it",
              highlight=False)


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
    config: ConfigOpt = None,
) -> None:
    """Measure OCR (word recall, precision, CER) and section accuracy/macro-F1 on a labelled set.

    Also the share of labelled titles read (and those read differently), a confusion matrix,
    the mislabelled slides, and what checking the least sure slides by hand (deckgen review)
    would fix.

    Example: deckgen eval ../shared/eval-dev --json
    """
    from deckgen import evaluate as ev

    cfg = _config(config, upscale={"method": upscale}, ocr={"lang": lang, "psm": psm})
    result = ev.evaluate(
        dataset, upscale_params=cfg.upscale, ocr_params=cfg.ocr, classify_params=cfg.classify
    )
    if as_json:
        print(json.dumps(result, indent=2, sort_keys=True))
    else:
        ev.print_report(result, console=Console())


bundle_app = typer.Typer(help="Build or verify the open dataset bundle.", no_args_is_help=True)
app.add_typer(bundle_app, name="bundle")


@bundle_app.command("build")
def bundle_build(
    out: Annotated[
        Path | None, typer.Option(help="Site folder; the archive goes to OUT/dataset/.")
    ] = None,
    cache: BuildOpt = None,
    corpus: BuiltCorpusOpt = None,
    config: ConfigOpt = None,
) -> None:
    """(Re)write the dataset archive from the last build's cache, without building.

    `deckgen build` writes it too, with the site's dataset page; this says when that
    page shows another checksum than the archive now has.

    Example: deckgen bundle build
    """
    from deckgen.build import (
        DATASET_IMAGE,
        DATASET_VERSION,
        built_corpus,
        cached_images,
        load_manifest,
        refuse_overlap,
    )
    from deckgen.bundle import build_bundle
    from deckgen.cache import Cache
    from deckgen.corpus import read_source, source_identity

    cfg = _config(config, build={"out": out and str(out), "cache": cache and str(cache),
                                 "corpus": corpus and str(corpus)})
    out, cache = Path(cfg.build.out), Path(cfg.build.cache)
    slides, decks = load_manifest(cache)
    corpus = corpus or built_corpus(cache) or Path(cfg.build.corpus)
    refuse_overlap(out, corpus, cache)  # the archive goes to out/dataset/
    slides = [s for s in slides if s.section is not None]
    store = Cache(cache / "cache")

    def upscaled(slide):
        png = store.get(slide.fingerprints["upscale"], "png")
        if png is None:
            raise DeckgenError(
                f"{slide.id}: upscaled image missing from the cache; run `deckgen build`"
            )
        return png

    def source(slide):
        # the archive pairs the file with the build's text and labels: they must be its own
        if source_identity(corpus, slide.source) != slide.sha256:
            raise DeckgenError(f"{slide.source} changed since the last build; run `deckgen "
                               "build` first")
        return read_source(corpus, slide.source)

    info = build_bundle(
        slides,
        decks,
        source,
        lambda s: cached_images(store, s, upscaled)[DATASET_IMAGE],
        out / "dataset",
        version=DATASET_VERSION,
        max_pixels=cfg.upscale.max_pixels,
        config=cfg,
    )
    print(json.dumps(info, sort_keys=True))
    for item in info["skipped"]:
        line = f"{item['id']} left out of the archive: {item['reason']}"
        err.print(Text.assemble(("warning: ", "yellow"), line))
    page = out / "dataset.html"
    if page.exists() and info["sha256"] not in page.read_text("utf-8", "replace"):
        err.print(f"{page} shows another SHA-256 than the archive now has; run `deckgen "
                  "build` to update it")


@bundle_app.command("verify")
def bundle_verify(
    archive: Annotated[Path, typer.Argument(help="A deckgen-dataset-*.tar.gz.")],
) -> None:
    """Check every checksum and the metadata schema of a dataset archive.

    Example: deckgen bundle verify site/dataset/deckgen-dataset-v1.tar.gz
    """
    from deckgen.bundle import verify_bundle

    problems = verify_bundle(archive)
    for problem in problems:
        err.print(Text.assemble(("✗ ", "red"), problem))
    if problems:
        raise typer.Exit(EXIT_BAD_INPUT)
    err.print(f"{archive}: OK")


@app.command(short_help="Upload the site to S3 and invalidate CloudFront.")
def deploy(
    bucket: Annotated[str | None, typer.Option(help="S3 bucket name.")] = None,
    prefix: Annotated[str | None, typer.Option(help="Key prefix inside the bucket.")] = None,
    distribution_id: Annotated[
        str | None, typer.Option(help="CloudFront distribution to invalidate.")
    ] = None,
    site_dir: Annotated[Path, typer.Option("--site", help="Site folder.")] = Path("site"),
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print what would change; touch nothing.")
    ] = False,
    delete: Annotated[
        bool,
        typer.Option("--delete", help="After uploading, delete every object under the prefix "
                     "that the site does not have: give the site a bucket or prefix of its own."),
    ] = False,
    endpoint_url: Annotated[
        str | None, typer.Option(help="S3 endpoint URL, for S3-compatible stores (CloudFront's "
                                 "is read from AWS_ENDPOINT_URL_CLOUDFRONT).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
    quiet: QuietOpt = False,
    config: ConfigOpt = None,
) -> None:
    """Upload the site to S3 (changed files only) and invalidate CloudFront.

    Example: deckgen deploy --bucket my-decks --distribution-id E123ABC --delete
    """
    from deckgen.deploy import deploy as run_deploy

    cfg = _config(
        config, deploy={"bucket": bucket, "prefix": prefix, "distribution_id": distribution_id}
    )
    if not cfg.deploy.bucket:
        raise DeckgenError("no bucket: pass --bucket NAME or set [deploy] bucket in deckgen.toml")
    from deckgen.build import unfinished_site

    if why := unfinished_site(site_dir, Path(cfg.build.cache)):  # with --delete, gone live
        raise DeckgenError(f"{why}: run `deckgen build --out {site_dir}` first, so a half-written "
                           "or damaged site never goes live")
    from rich.progress import Progress as RichProgress

    with RichProgress(console=err, disable=quiet, transient=True) as bar:
        task = bar.add_task("upload", total=None)

        def progress(done: int, total: int, key: str) -> None:
            bar.update(task, completed=done, total=total, description=f"upload {key[-40:]}")

        summary = run_deploy(
            site_dir,
            cfg.deploy.bucket,
            prefix=cfg.deploy.prefix,
            distribution_id=cfg.deploy.distribution_id or None,
            dry_run=dry_run,
            delete=delete,
            endpoint_url=endpoint_url,
            progress=progress,
        )
    if as_json:
        print(json.dumps(summary, sort_keys=True, default=str))
    from deckgen.deploy import describe_groups

    upload, deleted = ("would upload", "would be deleted") if dry_run else ("uploaded", "deleted")
    invalidation, paths = summary.get("invalidation_id"), summary["invalidation_paths"]
    stale = "" if delete else f", {summary['stale']} stale kept" + (
        " (use --delete)" if summary["stale"] else "")
    err.print(
        f"{upload} {summary['uploaded']} files ({summary['bytes'] / 1e6:.1f} MB), "
        f"{summary['unchanged']} unchanged, {summary['deleted']} {deleted}{stale}"
        + (f"; invalidation {invalidation}" if invalidation else "")
        + (f"; would invalidate {len(paths)} paths" if dry_run and paths else ""),
        highlight=False,
    )
    for label, groups in (("stale", summary["stale_groups"]),
                          ("would delete" if dry_run else "deleted", summary["deleted_groups"])):
        if groups:
            err.print(f"{label}: {describe_groups(groups)}", highlight=False, soft_wrap=True)


@app.command("train-sr", short_help="Train a super-resolution model (the [train] extra).")
def train_sr(
    scale: Annotated[int, typer.Option(help="2, 3 or 4.")] = 4,
    seed: Annotated[int, typer.Option()] = 0,
    out: Annotated[
        Path | None, typer.Option(help="Where to write the .onnx (default: deckgen/models/).")
    ] = None,
    arch: Annotated[
        str, typer.Option(help="Network: resnet-B-C (B blocks, C channels), resnet (4-32), espcn.")
    ] = "resnet-4-24",
    steps: Annotated[
        int | None, typer.Option(help="Training steps (default: the shipped models' 15000).")
    ] = None,
    minutes: Annotated[float | None, typer.Option(help="Stop after this many minutes.")] = None,
) -> None:
    """Train a super-resolution model (needs the [train] extra: pip install 'deckgen[train]').

    Example: deckgen train-sr --scale 4 --seed 0
    """
    try:
        from deckgen.training.sr import train
    except ImportError as exc:
        raise DeckgenError(f"training needs PyTorch: pip install 'torch==2.13.0' ({exc})") from exc
    print(train(scale=scale, seed=seed, out=out, minutes=minutes, steps=steps, arch=arch))


def _stop_as_if_interrupted(*_: object) -> None:
    raise KeyboardInterrupt  # SIGTERM (CI timeouts, systemd, kill): stop as Ctrl-C does


def main() -> None:
    signal.signal(signal.SIGTERM, _stop_as_if_interrupted)
    try:
        code = app(standalone_mode=False)
    except DeckgenError as exc:
        if _state["verbose"]:
            raise
        err.print(Text.assemble(("error: ", "red"), str(exc)))
        sys.exit(exc.exit_code)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.TyperException as exc:  # a usage error ("No such option"), shown as typer does
        if hasattr(exc, "show"):
            exc.show()
        else:
            err.print(exc.format_message(), highlight=False)
        sys.exit(exc.exit_code)
    except (KeyboardInterrupt, typer.Abort):
        code = EXIT_INTERRUPTED
    except OSError as exc:  # a folder that is a file, read-only, full: say which, not how
        if _state["verbose"]:
            raise
        where = f": {exc.filename}" if exc.filename else ""
        err.print(Text.assemble(("error: ", "red"), f"{exc.strerror or exc}{where}"))
        sys.exit(EXIT_BAD_INPUT)
    if code == EXIT_INTERRUPTED:  # typer turns Ctrl-C into a returned 130, silently
        err.print("interrupted; finished work is cached, run the same command again to resume")
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    main()
