"""Figures after upscaling: which upscaler makes OCR read numbers right, and which invents them?

    nice .venv/bin/python benchmarks/bench_figures.py     # part of `make bench-sr`

A reader of the gallery came for the numbers ("$89B", "2019"), and QA-76 saw the x4 model
redraw a chart's tiny "2019" as "2017". Words are scored elsewhere (bench_sr.py); here only
figures, the tokens with a digit, with OCR as the stand-in reader: the build's own OCR
(``ocr.ocr``, psm 11) on the held-out synthetic slides of bench_sr.py (exact text) and on
the real slides of ../shared/eval-dev (truth = the PDF text layer, so a figure inside a
picture counts as wrong when read: compare rows, not absolute values there).

- figures read right: the truth's figures that OCR read exactly (multiset);
- figures read wrong: OCR's figures that are not the truth's, of all it read: a misread
  "2017" for "2019" counts here, and is what a reader of the image can be misled by.

Results go to bench-out/figures.json and docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections import Counter
from pathlib import Path

import cv2

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.bench_sr import eval_dev_slides, run_method, synthetic_slides  # noqa: E402
from benchmarks.doc_section import publish  # noqa: E402
from deckgen import ocr  # noqa: E402
from deckgen.text import fold  # noqa: E402

START, END = "<!-- bench-figures:start -->", "<!-- bench-figures:end -->"
COMMAND = "nice .venv/bin/python benchmarks/bench_figures.py"
METHODS = [("bicubic ×4 (a browser's enlargement)", "bicubic", 4), ("Lanczos ×4", "lanczos", 4),
           ("deckgen model ×2", "model:x2", 2), ("deckgen model ×4", "model:x4", 4),
           ("adaptive (auto, the build's)", "auto", 0)]
_FIGURE = re.compile(r"[^\s]*\d[^\s]*")
_EDGE = ".,;:!?()[]{}\"'“”‘’"


def figures(text: str) -> Counter:
    """The tokens with a digit, their sentence punctuation off: "(2019)," -> "2019"."""
    return Counter(token.strip(_EDGE) for token in _FIGURE.findall(fold(text.lower())))


def score(slides: list, method: str, scale: int) -> dict:
    right = truth_total = read_total = 0
    for _, bgr, truth in slides:
        image, _ = run_method(bgr, method, scale)
        ok, png = cv2.imencode(".png", image)
        text = ocr.ocr(png.tobytes(), ocr.OcrParams(), scale=image.shape[1] / bgr.shape[1]).text
        want, got = figures(truth), figures(text)
        right += sum((want & got).values())
        truth_total += sum(want.values())
        read_total += sum(got.values())
    return {"truth_figures": truth_total, "read_figures": read_total, "right": right,
            "read_right": right / truth_total if truth_total else None,
            "read_wrong": (read_total - right) / read_total if read_total else None}


def markdown(results: dict) -> str:
    lines = [
        START,
        "## Figures after upscaling (`make bench-sr`)",
        "",
        f"Made by `{COMMAND}` ({results['date']}): the build's OCR (psm 11) after each "
        "upscaler, figures only (tokens with a digit). *Read right*: the truth's figures read "
        "exactly; *read wrong*: the figures read that are not the truth's, of all read (a "
        "\"2017\" for \"2019\"). On eval-dev the truth is the PDF text layer, so figures in "
        "pictures count as wrong there: compare rows.",
        "",
        "| set | method | truth figures | read right | read wrong |",
        "|---|---|---:|---:|---:|",
    ]
    for row in results["rows"]:
        lines.append(f"| {row['set']} | {row['method']} | {row['truth_figures']} | "
                     f"{row['read_right']:.3f} | {row['read_wrong']:.3f} |")
    lines += ["", END]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--synthetic", type=int, default=12, help="held-out synthetic slides")
    parser.add_argument("--no-docs", action="store_true")
    args = parser.parse_args()
    sets = {"synthetic": synthetic_slides(args.synthetic)[0]}
    if real := eval_dev_slides(None):
        sets["eval-dev"] = real
    else:
        print("../shared/eval-dev not found: its rows skipped", file=sys.stderr)
    results: dict = {"date": time.ctime(), "rows": []}
    for set_name, slides in sets.items():
        for label, method, scale in METHODS:
            row = {"set": set_name, "method": label, **score(slides, method, scale)}
            print(row, file=sys.stderr, flush=True)
            results["rows"].append(row)
    (ROOT / "bench-out").mkdir(exist_ok=True)
    publish(results, ROOT / "bench-out" / "figures.json", markdown(results), START, END,
            not args.no_docs)


if __name__ == "__main__":
    main()
