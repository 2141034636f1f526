"""Curation benchmark: does training on hand-labelled real decks help the next deck?

    nice .venv/bin/python benchmarks/bench_curation.py       # what `make bench-curation` runs

Leave one deck of ../shared/eval-dev out: train the classifier on its shipped data
plus the other decks' slides (their OCR text as the default pipeline reads it, and
their true labels, as ``--curated`` would add them), each repeated WEIGHT times;
then label the held-out deck with the deck decoding and compare with the shipped
model. One fit per deck and weight with the shipped temperature (about 2 minutes
each on 2 cores). Results go to bench-out/curation.json and docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.doc_section import publish  # noqa: E402
from benchmarks.eval_dev import EVAL_DEV, located  # noqa: E402
from deckgen import classify, ocr, ocr_layout  # noqa: E402
from deckgen import evaluate as ev  # noqa: E402
from deckgen.records import OcrResult  # noqa: E402
from deckgen.training import classifier as training  # noqa: E402
from deckgen.upscale import UpscaleParams  # noqa: E402

START, END = "<!-- bench-curation:start -->", "<!-- bench-curation:end -->"


def read_decks(eval_dev: Path) -> dict[str, list[tuple[str, OcrResult]]]:
    """(true section, OCR result with the deck's titles) per slide, per deck, in page order."""
    items = ev.load_dataset(eval_dev)
    read = [
        OcrResult.from_dict(
            ev._run_slide(ev._Task(str(it.image), UpscaleParams(), ocr.OcrParams()))["ocr"]
        )
        for it in items
    ]
    decks: dict[str, list[tuple[str, OcrResult]]] = {}
    for deck in sorted({it.deck for it in items}):
        idx = [i for i, it in enumerate(items) if it.deck == deck]
        titled = ocr_layout.with_deck_titles([read[i] for i in idx])
        decks[deck] = [(items[i].section, r) for i, r in zip(idx, titled, strict=True)]
    return decks


def labels_with(model: dict, slides: list[OcrResult]) -> list[str]:
    return [r.label for r in classify.classify_deck(slides, model=model)]


def run(eval_dev: Path, weights: list[int]) -> dict:
    decks = read_decks(eval_dev)
    shipped = classify.load_model()
    rows = []
    for deck, slides in decks.items():
        truth = [s for s, _ in slides]
        before = labels_with(shipped, [r for _, r in slides])
        others = [(s, r.title, r.text) for d, sl in decks.items() if d != deck for s, r in sl]
        row = {
            "deck": deck, "slides": len(slides), "curated": len(others), "weights": {},
            "shipped": sum(p == t for p, t in zip(before, truth, strict=True)),
        }  # fmt: skip
        for weight in weights:
            start = time.perf_counter()
            model = training.train(curated=others * weight, temperature=shipped["temperature"])
            after = labels_with(classify.parse_model(json.dumps(model)), [r for _, r in slides])
            row["weights"][str(weight)] = {
                "right": sum(p == t for p, t in zip(after, truth, strict=True)),
                "labels_changed": sum(a != b for a, b in zip(after, before, strict=True)),
                "seconds": round(time.perf_counter() - start),
            }
            print(deck, weight, row["weights"][str(weight)], flush=True)
        rows.append(row)
    command = " ".join(["nice .venv/bin/python benchmarks/bench_curation.py", *sys.argv[1:]])
    return {"rows": rows, "weights": weights, "command": f"`{command}`", "when": time.ctime()}


def markdown(res: dict) -> str:
    weights = res["weights"]
    head = " | ".join(f"with the other decks ×{w}: right (labels changed)" for w in weights)
    out = [
        START,
        "## Training on hand-labelled real decks (leave one eval-dev deck out)",
        "",
        f"Made by {res['command']} ({res['when']}). Each held-out deck is labelled by the "
        "shipped model and by models trained on the shipped data plus the other eval-dev "
        "decks' slides (OCR text and true labels, as `--curated` adds them), repeated ×w.",
        "",
        f"| held-out deck | slides | curated slides added | shipped: right | {head} |",
        "|---|---:|---:|---:|" + "---:|" * len(weights),
    ]
    for r in res["rows"]:
        cells = " | ".join(
            f"{r['weights'][str(w)]['right']} ({r['weights'][str(w)]['labels_changed']})"
            for w in weights
        )
        out.append(f"| {r['deck']} | {r['slides']} | {r['curated']} | {r['shipped']} | {cells} |")
    total = sum(r["slides"] for r in res["rows"])
    shipped = sum(r["shipped"] for r in res["rows"])
    sums = " | ".join(
        str(sum(r["weights"][str(w)]["right"] for r in res["rows"])) for w in weights
    )
    out += [
        f"| all | {total} | | {shipped} | {sums} |",
        "",
        "Right: labels equal to eval-dev's. Labels changed: held-out slides whose label "
        "differs from the shipped model's.",
        "",
        END,
    ]
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eval-dev", type=Path, default=None,
                        help=f"the labelled decks (default: {EVAL_DEV})")
    parser.add_argument("--weights", type=int, nargs="+", default=[1, 20])
    parser.add_argument("--out", type=Path, default=ROOT / "bench-out")
    parser.add_argument("--no-docs", action="store_true", help="do not touch docs/benchmarks.md")
    args = parser.parse_args()
    eval_dev = located(parser, args.eval_dev, "the curation benchmark")
    if eval_dev is None:  # it measures nothing else
        return
    args.out.mkdir(exist_ok=True)
    results = run(eval_dev, args.weights)
    publish(results, args.out / "curation.json", markdown(results), START, END, not args.no_docs)


if __name__ == "__main__":
    main()
