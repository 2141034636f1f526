"""A new OCR version on a built gallery: the rebuild with Tesseract's kept output and without.

    nice .venv/bin/python benchmarks/bench_rebuild.py --decks 4   # part of `make bench-build`

The first decks of corpus/ are built once (serial, an empty cache). Then, in turn, the
build runs again as after an upgrade whose ``ocr.VERSION`` is new (patched in this
process): once with the cache as the first build left it ("kept": Tesseract's output of
each slide read again), once with those ``.tesseract`` entries deleted ("run": Tesseract
reads every slide, as every deckgen before 1051ab6 did). Each pair runs ``--rounds``
times, the two kinds taking turns, each with a version of its own; medians and their ratio.
Results go to bench-out/rebuild.json and docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.bench_build import subset_corpus  # noqa: E402
from benchmarks.doc_section import publish  # noqa: E402
from deckgen import ocr  # noqa: E402
from deckgen.build import Builder  # noqa: E402
from deckgen.config import load_config  # noqa: E402
from deckgen.slide_task import TESSERACT_OUTPUT  # noqa: E402

START, END = "<!-- bench-rebuild:start -->", "<!-- bench-rebuild:end -->"
COMMAND = "nice .venv/bin/python benchmarks/bench_rebuild.py"


def timed_build(config, version: str) -> tuple[float, dict]:
    ocr.VERSION = version  # what an upgrade with another OCR reading does to every slide
    started = time.perf_counter()
    report = Builder(config, quiet=True).run()
    seconds = time.perf_counter() - started
    stage = report.stages["ocr"]
    return seconds, {"processed": stage.processed, "from_kept_output": report.ocr_from_kept_output,
                     "failed": len(stage.failed)}


def run(decks: int, rounds: int) -> dict:
    work = Path(tempfile.mkdtemp(prefix="bench-rebuild-"))
    try:
        corpus = subset_corpus(ROOT / "corpus", decks, work / "corpus")
        config = load_config(None, {"build": {
            "corpus": str(corpus), "out": str(work / "site"), "cache": str(work / "build"),
            "executor": "serial"}})  # fmt: skip
        released = ocr.VERSION
        first, first_report = timed_build(config, released)
        times: dict[str, list[float]] = {"kept": [], "run": []}
        reports = {}
        for n in range(rounds):
            for kind in ("kept", "run"):
                if kind == "run":  # the cache as a deckgen that kept no output leaves it
                    for entry in (work / "build").rglob(f"*.{TESSERACT_OUTPUT}"):
                        entry.unlink()
                seconds, reports[kind] = timed_build(config, f"{released}-bench-{kind}-{n}")
                times[kind].append(seconds)
        return {"decks": decks, "slides": first_report["processed"], "rounds": rounds,
                "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                "first_build_s": round(first, 1), "reports": reports,
                "median_s": {kind: round(statistics.median(t), 2) for kind, t in times.items()},
                "runs_s": {kind: [round(s, 2) for s in t] for kind, t in times.items()}}
    finally:
        ocr.VERSION = released
        shutil.rmtree(work, ignore_errors=True)


def markdown(results: dict) -> str:
    kept, ran = results["median_s"]["kept"], results["median_s"]["run"]
    return "\n".join([
        START,
        "### A new OCR version on a built gallery",
        "",
        f"`{COMMAND} --decks {results['decks']} --rounds {results['rounds']}` "
        f"({results['date']}; {results['slides']} slides of corpus/, serial, one core; the "
        f"first build {results['first_build_s']} s). Each rebuild follows a new "
        f"`ocr.VERSION`; medians of {results['rounds']} rebuilds each, the two kinds taking "
        "turns:",
        "",
        "| rebuild | median s | s per slide |",
        "|---|---:|---:|",
        f"| Tesseract's output kept in the cache, read again | {kept} | "
        f"{kept / results['slides']:.3f} |",
        f"| Tesseract run on every slide (no kept output, as before 1051ab6) | {ran} | "
        f"{ran / results['slides']:.3f} |",
        "",
        f"The kept output makes such a rebuild {ran / kept:.1f}× faster here; the rest of "
        "it (classify, index, site) is the same in both.",
        "",
        END,
    ])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--decks", type=int, default=4, help="the first N decks of corpus/")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--out", type=Path, default=ROOT / "bench-out" / "rebuild.json")
    parser.add_argument("--no-docs", action="store_true")
    args = parser.parse_args()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    results = run(args.decks, args.rounds)
    publish(results, args.out, markdown(results), START, END, not args.no_docs)


if __name__ == "__main__":
    main()
