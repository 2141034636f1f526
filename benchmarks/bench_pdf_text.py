"""PDF decks with a text layer: OCR of the rendered pages alone, or the layer's own words?

    nice .venv/bin/python benchmarks/bench_pdf_text.py    # part of `make bench-pdf`

The real decks of ../shared/eval-dev are PDFs whose pages carry text. Each is built
twice by ``deckgen build`` (upscale ``auto``, psm 11, the processes executor):

- "page images": every page rendered to a PNG first, as ``deckgen add`` stored PDFs
  before it kept them whole, so Tesseract alone reads each page;
- "deck.pdf": the PDF itself in the deck folder, so each page's text layer gives its
  words and Tesseract adds only what the layer lacks (text in pictures).

Both are scored against eval-dev's truth (the layer as pdftotext reads it, page numbers
included) and labels with ``deckgen eval``'s own measures. Results go to
bench-out/pdf-text.json and docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.doc_section import publish  # noqa: E402
from benchmarks.eval_dev import located  # noqa: E402
from deckgen import evaluate as ev  # noqa: E402
from deckgen.corpus_pdf import pdf_page_count, render_pdf_page  # noqa: E402
from deckgen.records import OcrResult  # noqa: E402

START, END = "<!-- bench-pdf-text:start -->", "<!-- bench-pdf-text:end -->"
COMMAND = "nice .venv/bin/python benchmarks/bench_pdf_text.py"


def make_corpora(eval_dev: Path, out: Path) -> dict[str, Path]:
    """Two corpora of eval-dev's PDFs: pages rendered to PNGs, and the PDFs kept whole."""
    corpora = {"page images": out / "corpus-images", "deck.pdf": out / "corpus-pdf"}
    for folder in corpora.values():
        shutil.rmtree(folder, ignore_errors=True)
    for pdf in sorted((eval_dev / "decks").glob("*.pdf")):
        for folder in corpora.values():
            (folder / pdf.stem).mkdir(parents=True)
            (folder / pdf.stem / "deck.toml").write_text(f'company = "{pdf.stem}"\n')
        shutil.copyfile(pdf, corpora["deck.pdf"] / pdf.stem / "deck.pdf")
        for page in range(1, pdf_page_count(pdf) + 1):
            png = render_pdf_page(pdf, page)
            (corpora["page images"] / pdf.stem / f"{page:03d}.png").write_bytes(png)
    return corpora


def build(corpus: Path, out: Path) -> Path:
    """``deckgen build`` of ``corpus`` from an empty cache; the build's manifest."""
    cache, site = out / f"{corpus.name}-build", out / f"{corpus.name}-site"
    for folder in (cache, site):
        shutil.rmtree(folder, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "deckgen", "build", "-q", "--corpus", str(corpus),
                    "--cache", str(cache), "--out", str(site)], check=True, cwd=ROOT,
                   stdout=subprocess.DEVNULL)
    return cache / "manifest.json"


def score(eval_dev: Path, manifest: Path) -> dict:
    with open(eval_dev / "labels.csv", newline="") as fh:
        labels = {(r["deck_id"], int(r["page"])): r for r in csv.DictReader(fh)}
    slides = json.loads(manifest.read_text())["slides"]
    items, results, truth, predicted = [], [], [], []
    for slide in slides:
        row = labels[(slide["deck"], slide["page"])]
        text = eval_dev / "truth" / slide["deck"] / f"{slide['page']:03d}.txt"
        items.append(SimpleNamespace(truth=text.read_text() if text.exists() else "",
                                     title=row["title"]))
        results.append(OcrResult.from_dict(slide["ocr"]))
        truth.append(row["section"])
        predicted.append(slide["section"]["label"])
    return {
        "slides": len(slides),
        "ocr": ev._ocr_scores(items, results),
        "titles": ev._title_scores(items, [r.title for r in results]),
        "classification": ev._classification_scores(truth, predicted, [None] * len(truth)),
    }


def markdown(results: dict) -> str:
    lines = [
        START,
        "## PDF decks with a text layer (`make bench-pdf`)",
        "",
        f"Made by `{COMMAND}` ({results['date']}): the {results['slides']} pages of "
        "../shared/eval-dev's four real PDFs, built by `deckgen build` from page images "
        "(OCR alone) and from the PDFs themselves (text layer + OCR of pictures), scored "
        "against the truth text (pdftotext of the same layer, page numbers included) and "
        "labels.",
        "",
        "| deck stored as | word recall | precision | CER | titles found | accuracy "
        "| macro-F1 |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, r in results["variants"].items():
        ocr, cls = r["ocr"], r["classification"]
        lines.append(
            f"| {name} | {ocr['word_recall']:.3f} | {ocr['word_precision']:.3f} | "
            f"{ocr['cer']:.3f} | {r['titles']['accuracy']:.3f} | {cls['accuracy']:.3f} | "
            f"{cls['macro_f1']:.3f} |")
    lines += ["", END]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eval-dev", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=ROOT / "bench-out" / "pdf-text")
    parser.add_argument("--no-docs", action="store_true")
    args = parser.parse_args()
    eval_dev = located(parser, args.eval_dev, "the PDF text-layer benchmark")
    if eval_dev is None:
        return
    args.out.mkdir(parents=True, exist_ok=True)
    corpora = make_corpora(eval_dev, args.out)
    results: dict = {"date": time.ctime(), "variants": {}}
    for name, corpus in corpora.items():
        results["variants"][name] = result = score(eval_dev, build(corpus, args.out))
        results["slides"] = result["slides"]
    publish(results, args.out.parent / "pdf-text.json", markdown(results), START, END,
            not args.no_docs)


if __name__ == "__main__":
    main()
