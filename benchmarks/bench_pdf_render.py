"""PDF pages that are pictures: render them at their own size, or blown up to 1920 px?

    nice .venv/bin/python benchmarks/bench_pdf_render.py    # what `make bench-pdf` runs

Scraped decks often arrive as PDFs whose every page is one small picture (the 480 px
slide). The sample truth's low-resolution slides are saved as such a PDF, one per deck;
each page is then rendered both ways and the same `deckgen eval` pipeline (upscale
`auto`, OCR, classify) runs on each set, scored against the same truth text and labels:

- "1920 px": the page rendered 1920 px wide, as every PDF page was before: the
  picture is enlarged by PDFium's resampling, so the upscaler measures big text and
  leaves it alone;
- "picture's own size": ``corpus_pdf.render_pdf_page`` now (the page is rendered no bigger
  than its picture), so the upscaler measures the small text and super-resolves it.

Results go to bench-out/pdf-render.json and docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import csv
import io
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.doc_section import publish  # noqa: E402
from deckgen import evaluate as ev  # noqa: E402
from deckgen import sample  # noqa: E402
from deckgen.corpus_pdf import PDF_RENDER_WIDTH, render_pdf_page  # noqa: E402

START, END = "<!-- bench-pdf:start -->", "<!-- bench-pdf:end -->"
VARIANTS = {"1920 px": "enlarged", "picture's own size": "native"}


def render_enlarged(pdf: Path, page: int) -> bytes:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(pdf))
    try:
        pdf_page = doc[page - 1]
        image = pdf_page.render(scale=PDF_RENDER_WIDTH / pdf_page.get_width()).to_pil()
        buf = io.BytesIO()
        image.convert("RGB").save(buf, format="PNG", compress_level=1)
        return buf.getvalue()
    finally:
        doc.close()


def make_sets(truth: Path, out: Path, n_decks: int) -> dict[str, Path]:
    """One eval set per variant: the truth's text and labels, the pages rendered from PDFs."""
    from PIL import Image

    decks = sorted(p.name for p in (truth / "lowres").iterdir())[:n_decks]
    with open(truth / "labels.csv", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["deck_id"] in decks]
    sets = {name: out / folder for name, folder in VARIANTS.items()}
    for folder in sets.values():
        shutil.rmtree(folder, ignore_errors=True)
        (folder / "lowres").mkdir(parents=True)
        shutil.copytree(truth / "truth", folder / "truth")
        with open(folder / "labels.csv", "w", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
    for deck in decks:
        files = sorted((truth / "lowres" / deck).iterdir())
        pictures = [Image.open(f).convert("RGB") for f in files]
        pdf = out / f"{deck}.pdf"
        pictures[0].save(pdf, "PDF", save_all=True, append_images=pictures[1:], resolution=72)
        for page, file in enumerate(files, 1):
            for name, folder in sets.items():
                render = render_enlarged if VARIANTS[name] == "enlarged" else render_pdf_page
                (folder / "lowres" / deck).mkdir(exist_ok=True)
                (folder / "lowres" / deck / f"{file.stem}.png").write_bytes(render(pdf, page))
    return sets


def markdown(results: dict) -> str:
    lines = [
        START,
        "## PDF pages that are pictures (`make bench-pdf`)",
        "",
        f"Made by `nice .venv/bin/python benchmarks/bench_pdf_render.py` ({results['date']}): "
        f"the sample truth's first {results['decks']} decks ({results['slides']} slides, "
        "480 px) saved as one PDF per deck, each page one picture; the pages rendered two "
        "ways and run through `deckgen eval` (upscale `auto`, psm 11), scored against the "
        "same truth text and labels.",
        "",
        "| pages rendered at | page width | word recall | precision | CER | titles found "
        "| accuracy | upscale s | OCR s |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, r in results["variants"].items():
        lines.append(
            f"| {name} | {r['width']} px | {r['ocr']['word_recall']:.3f} | "
            f"{r['ocr']['word_precision']:.3f} | {r['ocr']['cer']:.3f} | "
            f"{r['titles']['accuracy']:.3f} | {r['classification']['accuracy']:.3f} | "
            f"{r['seconds_per_slide']['upscale_median']:.2f} | "
            f"{r['seconds_per_slide']['ocr_median']:.2f} |"
        )
    lines += ["", END]
    return "\n".join(lines)


def main() -> None:
    from PIL import Image

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample-truth", type=Path, default=ROOT / "bench-out" / "sample-truth")
    parser.add_argument("--decks", type=int, default=4)
    parser.add_argument("--out", type=Path, default=ROOT / "bench-out")
    parser.add_argument("--no-docs", action="store_true")
    args = parser.parse_args()
    if not (args.sample_truth / "labels.csv").exists():
        sample.generate(args.out / "sample-decks", seed=2026, n_decks=14,
                        truth_dir=args.sample_truth)
    sets = make_sets(args.sample_truth, args.out / "pdf-render", args.decks)
    results: dict = {"date": time.ctime(), "decks": args.decks, "variants": {}}
    for name, folder in sets.items():
        result = ev.evaluate(folder)
        first = next((folder / "lowres").rglob("*.png"))
        result["width"] = Image.open(first).width
        results["variants"][name] = result
        results["slides"] = result["slides"]
    publish(results, args.out / "pdf-render.json", markdown(results), START, END,
            not args.no_docs)


if __name__ == "__main__":
    main()
