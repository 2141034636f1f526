"""Dataset bundle benchmark: archive size and build time with WebP vs PNG upscaled images.

    .venv/bin/python benchmarks/bench_bundle.py                 # ../shared/eval-dev slides
    .venv/bin/python benchmarks/bench_bundle.py --slides DIR    # any folder of <deck>/<page>.jpg

Upscales every slide once with deckgen's default upscaler (the cached PNG the
pipeline would hand to the bundle), encodes it once per format (a build does
that in its workers and keeps it in its cache), then builds the bundle three times per
format and reports the encoding time, the median build time, the archive size, the verify time
and whether two builds gave the same SHA-256. Prints a Markdown section for
docs/benchmarks.md and writes bench-out/bundle.json.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.eval_dev import EVAL_DEV, located  # noqa: E402
from deckgen.bundle import build_bundle, verify_bundle  # noqa: E402
from deckgen.bundle_images import encode_upscaled  # noqa: E402
from deckgen.records import (  # noqa: E402
    SECTIONS,
    DeckMeta,
    OcrResult,
    SectionResult,
    Slide,
    slide_id,
)
from deckgen.upscale import UpscaleParams, upscale  # noqa: E402


def load(slides_dir: Path) -> tuple[list[Slide], dict[str, DeckMeta], dict, dict]:
    slides, decks, sources, upscaled = [], {}, {}, {}
    params = UpscaleParams()
    for path in sorted(slides_dir.glob("*/*.jpg")):
        deck, page = path.parent.name, int(path.stem)
        data = path.read_bytes()
        png, result = upscale(data, params)
        s = Slide(slide_id(deck, page), deck, page, f"{deck}/{path.name}",
                  hashlib.sha256(data).hexdigest(), upscale=result,
                  ocr=OcrResult(text="benchmark text", title="t", mean_confidence=80.0),
                  section=SectionResult("other", {k: 1 / len(SECTIONS) for k in SECTIONS}))
        slides.append(s)
        decks[deck] = DeckMeta(deck, company=deck, license="unknown")
        sources[s.id], upscaled[s.id] = data, png
    return slides, decks, sources, upscaled


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--slides", type=Path, default=None,
                        help=f"a folder of <deck>/<page>.jpg (default: {EVAL_DEV / 'lowres'})")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    folder = located(parser, args.slides, "the dataset bundle benchmark",
                     default=EVAL_DEV / "lowres", flag="--slides")
    if folder is None:
        return
    if not any(folder.glob("*/*.jpg")):  # a table of 0 slides would read as a measurement
        parser.error(f"--slides {folder}: no <deck>/<page>.jpg slides in it")
    t0 = time.perf_counter()
    slides, decks, sources, upscaled = load(folder)
    upscale_s = time.perf_counter() - t0
    methods = sorted({s.upscale.method for s in slides if s.upscale})
    results = {}
    for fmt in ("webp", "png"):
        start = time.perf_counter()  # a build does this once per slide, in its workers
        stored = {sid: encode_upscaled(png, fmt) for sid, png in upscaled.items()}
        encode_s = time.perf_counter() - start
        times, hashes = [], set()
        for _ in range(args.runs):
            with tempfile.TemporaryDirectory() as tmp:
                start = time.perf_counter()
                info = build_bundle(slides, decks, lambda s: sources[s.id],
                                    lambda s, stored=stored: stored[s.id], Path(tmp),
                                    upscaled_format=fmt)
                times.append(time.perf_counter() - start)
                hashes.add(info["sha256"])
                start = time.perf_counter()
                problems = verify_bundle(Path(tmp) / Path(info["file"]).name)
                verify_s = time.perf_counter() - start
                assert not problems, problems
        results[fmt] = {"bytes": info["bytes"], "encode_s": encode_s,
                        "build_s": statistics.median(times), "verify_s": verify_s,
                        "reproducible": len(hashes) == 1}
    source_bytes = sum(len(v) for v in sources.values())
    png_bytes = sum(len(v) for v in upscaled.values())
    report = {"slides": len(slides), "decks": len(decks), "upscale_methods": methods,
              "source_bytes": source_bytes, "upscaled_png_bytes": png_bytes,
              "upscale_s": upscale_s, "formats": results}
    out = ROOT / "bench-out"
    out.mkdir(exist_ok=True)
    (out / "bundle.json").write_text(json.dumps(report, indent=2))
    webp, png = results["webp"], results["png"]
    print(f"### Dataset bundle ({len(slides)} slides, {len(decks)} decks, upscaled with "
          f"{', '.join(methods)})\n")
    print("| upscaled stored as | archive | encoding, all slides (once, in the build's "
          f"workers) | archive write (median of {args.runs}) | verify | same hash twice |")
    print("|---|---|---|---|---|---|")
    for fmt, r in (("WebP q90", webp), ("PNG (as cached)", png)):
        print(f"| {fmt} | {r['bytes'] / 1e6:.1f} MB | {r['encode_s']:.2f} s | "
              f"{r['build_s']:.2f} s | {r['verify_s']:.2f} s | "
              f"{'yes' if r['reproducible'] else 'NO'} |")
    print(f"\nWebP/PNG archive size ratio: {webp['bytes'] / png['bytes']:.2f}; "
          f"original JPEGs alone: {source_bytes / 1e6:.1f} MB.")


if __name__ == "__main__":
    main()
