"""Super-resolution benchmark: how much text Tesseract recovers after each upscaler.

    .venv/bin/python benchmarks/bench_sr.py            # = make bench-sr
    .venv/bin/python benchmarks/bench_sr.py --quick    # fewer slides and methods

Side by side in one run, on (a) held-out synthetic slides whose exact words are
known and (b) the real slides of ../shared/eval-dev (truth = the PDF text layer;
"oracle" = the PDF page rendered at 1920 px): OCR word recall, precision and CER,
seconds per slide (upscale + OCR, median) for no upscaling, bicubic x2/x4,
Lanczos x4, each shipped model, each OpenCV model in ../shared/anchors/sr_models
and the adaptive pipeline; then PSNR/SSIM against bicubic on held-out synthetic
slides and the peak memory of upscaling a 4K slide with and without tiling.
Results go to bench-out/sr.json and to the SR section of docs/benchmarks.md.
A full run takes about an hour on a quiet 2-core machine (LapSRN x4 alone is
~10 s per slide); --only/--sets/--json/--merge split it into parts, and
--render rebuilds the docs section from saved parts without measuring.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.doc_section import write_section  # noqa: E402
from deckgen import upscale as up  # noqa: E402
from deckgen.evaluate import tokens, word_scores  # noqa: E402
from deckgen.training.sr_data import degrade, luma, render_slide  # noqa: E402
from deckgen.training.sr_eval import cer, psnr, ssim  # noqa: E402

SHARED = ROOT.parent / "shared"
EVAL_DEV = SHARED / "eval-dev"
ANCHORS = SHARED / "anchors" / "sr_models"
OUT_DIR = ROOT / "bench-out"
HELD_OUT_SEED = 90_000  # training uses seeds < 1000
START, END = "<!-- bench-sr:start -->", "<!-- bench-sr:end -->"


def ocr_text(bgr: np.ndarray) -> str:
    import pytesseract

    rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
    return pytesseract.image_to_string(rgb, lang="eng", config="--psm 3")


def methods(quick: bool) -> list[tuple[str, str, int]]:
    """(row label, deckgen method, scale); scale 0 = adaptive."""
    rows = [("no upscaling", "none", 1), ("bicubic ×2", "bicubic", 2)]
    rows += [("bicubic ×4", "bicubic", 4), ("Lanczos ×4", "lanczos", 4)]
    for scale in sorted(up.shipped_scales()):
        rows.append((f"deckgen model ×{scale}", f"model:x{scale}", scale))
    if ANCHORS.is_dir():
        for path in sorted(ANCHORS.glob("*.pb")):
            scale = int(path.stem.rsplit("_x", 1)[1])
            slow = path.stem.startswith("LapSRN") and scale > 4
            if not slow and not (quick and path.stem.startswith(("LapSRN", "FSRCNN-small"))):
                rows.append((f"OpenCV {path.stem.replace('_x', ' ×')}", str(path), scale))
    rows.append(("adaptive (auto)", "auto", 0))
    return rows


def run_method(bgr: np.ndarray, method: str, scale: int) -> tuple[np.ndarray, float]:
    start = time.perf_counter()
    if scale == 0:
        text_height = up.estimate_text_height(bgr)
        height, width = bgr.shape[:2]
        concrete, scale = up._plan(up.UpscaleParams(), text_height, width, height)
        out = up.upscale_array(bgr, concrete, scale)
    else:
        out = up.upscale_array(bgr, method, scale)
    return out, time.perf_counter() - start


def eval_dev_slides(limit: int | None) -> list[tuple[str, np.ndarray, str]]:
    slides = []
    for truth in sorted((EVAL_DEV / "truth").glob("*/*.txt")):
        text = truth.read_text(encoding="utf-8", errors="replace")
        if len(tokens(text)) < 5:  # as the anchors: 61 scorable slides
            continue
        image = EVAL_DEV / "lowres" / truth.parent.name / f"{truth.stem}.jpg"
        bgr = up.decode_image(image.read_bytes(), 40_000_000)
        slides.append((f"{truth.parent.name}/{truth.stem}", bgr, text))
    return slides[:limit] if limit else slides


def oracle_pages(slides: list[tuple[str, np.ndarray, str]]) -> dict[str, np.ndarray]:
    """The eval-dev PDF pages rendered at 1920 px wide."""
    import pypdfium2 as pdfium

    pages: dict[str, np.ndarray] = {}
    docs: dict[str, pdfium.PdfDocument] = {}
    for slide_id, _, _ in slides:
        deck, page = slide_id.split("/")
        doc = docs.setdefault(deck, pdfium.PdfDocument(str(EVAL_DEV / "decks" / f"{deck}.pdf")))
        pdf_page = doc[int(page) - 1]
        rgb = np.asarray(pdf_page.render(scale=1920 / pdf_page.get_width()).to_pil().convert("RGB"))
        pages[slide_id] = cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)
    return pages


def synthetic_slides(count: int) -> tuple[list, dict[str, np.ndarray]]:
    rng = np.random.default_rng(HELD_OUT_SEED)
    slides, oracle = [], {}
    for i in range(count):
        hr, words = render_slide(rng, 1920, 1080)
        lr = degrade(hr, 4, rng)
        slide_id = f"synthetic/{i:03d}"
        slides.append((slide_id, cv2.cvtColor(lr, cv2.COLOR_RGB2BGR), " ".join(words)))
        oracle[slide_id] = cv2.cvtColor(hr, cv2.COLOR_RGB2BGR)
    return slides, oracle


def _score_one(task: tuple) -> tuple:
    """Upscale + OCR one slide (runs in a worker process with --jobs)."""
    bgr, truth, oracle_image, method, scale = task
    if scale == -1:
        image, spent = oracle_image, 0.0
    else:
        image, spent = run_method(bgr, method, scale)
    start = time.perf_counter()
    text = ocr_text(image)
    spent += time.perf_counter() - start
    return word_scores(truth, text), cer(truth, text), spent, image.shape[1] / bgr.shape[1]


def score_set(name, slides, oracle, rows, log, pool=None, save=None) -> list[dict]:
    results = []
    if oracle:
        rows = [("oracle (original at 1920 px)", "oracle", -1), *rows]
    for label, method, scale in rows:
        tasks = [
            (bgr, truth, oracle[slide_id] if scale == -1 else None, method, scale)
            for slide_id, bgr, truth in slides
        ]
        done = pool.map(_score_one, tasks, chunksize=1) if pool else map(_score_one, tasks)
        counts, cers, seconds, factors = zip(*done, strict=True)
        scales = Counter(f"x{f:.0f}" for f in factors)
        hits, truths, found = (np.array(c, dtype=float) for c in zip(*counts, strict=True))
        row = {
            "set": name,
            "method": label,
            "recall": float(np.mean(hits / truths)),
            "precision": float(np.mean(hits / np.maximum(found, 1))),
            "recall_pooled": float(hits.sum() / truths.sum()),
            "precision_pooled": float(hits.sum() / max(found.sum(), 1)),
            "cer": statistics.median(cers),
            "s_per_slide": statistics.median(seconds),
            "slides": len(slides),
            "scales": dict(scales),
            "per_slide": counts,
        }
        log(
            f"{name:10s} {label:32s} recall {row['recall']:.3f} precision {row['precision']:.3f}"
            f" (pooled {row['precision_pooled']:.3f}) CER {row['cer']:.3f}"
            f" {row['s_per_slide']:.2f}s"
        )
        results.append(row)
        if save:
            save(row)
    return results


def fidelity(rows, count: int, log) -> list[dict]:
    """PSNR/SSIM (Y channel) of each fixed-scale method on held-out synthetic slides."""
    out = []
    for scale in (2, 3, 4):
        rng = np.random.default_rng(HELD_OUT_SEED + scale)
        pairs = []
        for _ in range(count):
            hr, _ = render_slide(rng, 480 * scale, 270 * scale)
            pairs.append((cv2.cvtColor(degrade(hr, scale, rng), cv2.COLOR_RGB2BGR), luma(hr)))
        for label, method, method_scale in rows:
            if method_scale != scale:
                continue
            p, s = [], []
            for lr, hr_y in pairs:
                got = cv2.cvtColor(up.upscale_array(lr, method, scale), cv2.COLOR_BGR2GRAY)
                p.append(psnr(got, hr_y))
                s.append(ssim(got, hr_y))
            row = {"method": label, "scale": scale, "psnr": np.mean(p), "ssim": np.mean(s)}
            log(f"fidelity x{scale} {label:28s} PSNR {row['psnr']:.2f} SSIM {row['ssim']:.4f}")
            out.append(row)
    return out


def scale_study(name, slides, log) -> dict:
    """OCR recall of every slide at each scale, and what each target x-height would give.

    Shows where the adaptive rule's target comes from: per slide, the text-height
    estimate and the recall at x1..x4 (shipped model where there is one, else bicubic).
    """
    shipped = up.shipped_scales()
    per_slide = []
    for slide_id, bgr, truth in slides:
        estimate = up.estimate_text_height(bgr)
        recalls = {}
        for scale in (1, 2, 3, 4):
            method = (
                "none" if scale == 1 else (f"model:x{scale}" if scale in shipped else "bicubic")
            )
            hit, n_truth, _ = word_scores(truth, ocr_text(up.upscale_array(bgr, method, scale)))
            recalls[scale] = hit / n_truth
        per_slide.append({"slide": slide_id, "estimate": estimate, "recall": recalls})
    targets = {}
    for target in (10, 12, 14, 16, 18, 20, 22, 24, 28, 32):
        params = up.UpscaleParams(target_x_height=float(target))
        chosen = [up.choose_scale(s["estimate"], params) for s in per_slide]
        nearest = [_nearest_available(c, shipped) for c in chosen]
        targets[target] = float(
            np.mean([s["recall"][c] for s, c in zip(per_slide, nearest, strict=True)])
        )
    best_fixed = {k: float(np.mean([s["recall"][k] for s in per_slide])) for k in (1, 2, 3, 4)}
    oracle_choice = float(np.mean([max(s["recall"].values()) for s in per_slide]))
    log(f"{name} fixed scales {best_fixed}; per-slide best {oracle_choice:.3f}; targets {targets}")
    return {
        "set": name,
        "fixed": best_fixed,
        "targets": targets,
        "best_per_slide": oracle_choice,
        "per_slide": per_slide,
    }


def simulate_targets(report: dict, estimates: dict[str, list], log) -> list[dict]:
    """What ``auto`` would score with other target x-heights, from the per-slide rows.

    auto picks, per slide, no upscaling or the shipped model nearest the wanted
    scale; its recall for any target follows from the rows of those methods.
    """
    out = []
    shipped = sorted(up.shipped_scales())
    for name, heights in estimates.items():
        rows = {r["method"]: r for r in report["ocr"] if r["set"] == name}
        by_scale = {1: rows.get("no upscaling")}
        by_scale.update({s: rows.get(f"deckgen model ×{s}") for s in shipped})
        if any(r is None for r in by_scale.values()):
            continue
        recall = {s: [h / t for h, t, _ in r["per_slide"]] for s, r in by_scale.items()}
        precision = {s: [h / max(f, 1) for h, _, f in r["per_slide"]] for s, r in by_scale.items()}
        for target in (12, 14, 16, 18, 20, 22, 24, 28, 32):
            params = up.UpscaleParams(target_x_height=float(target))
            picks = [_nearest_available(up.choose_scale(h, params), shipped) for h in heights]
            row = {
                "set": name,
                "target": target,
                "recall": float(np.mean([recall[p][i] for i, p in enumerate(picks)])),
                "precision": float(np.mean([precision[p][i] for i, p in enumerate(picks)])),
                "scales": dict(Counter(f"x{p}" for p in picks)),
            }
            log(f"target {target}: {name} recall {row['recall']:.3f} {row['scales']}")
            out.append(row)
    return out


def _nearest_available(scale: int, shipped) -> int:
    """What auto does: scale 1 stays 1, else the nearest shipped model scale."""
    if scale == 1 or not shipped:
        return scale
    return min(shipped, key=lambda s: (abs(np.log(s / scale)), -s))


def speed(rows, slides, log, repeats: int = 3) -> list[dict]:
    """Upscale and OCR seconds per slide, methods interleaved slide by slide.

    The OCR rows above time each method in a block of its own, minutes apart, on a
    shared machine whose load swings; here every method runs on the same slide
    back to back, so the medians compare fairly.
    """
    times: dict[str, dict[str, list[float]]] = {}
    for _, bgr, _ in slides:
        for label, method, scale in rows:
            best = float("inf")
            for _ in range(repeats):
                image, spent = run_method(bgr, method, scale)
                best = min(best, spent)
            start = time.perf_counter()
            ocr_text(image)
            entry = times.setdefault(label, {"upscale": [], "ocr": []})
            entry["upscale"].append(best)
            entry["ocr"].append(time.perf_counter() - start)
    out = []
    for label, entry in times.items():
        up_s, ocr_s = statistics.median(entry["upscale"]), statistics.median(entry["ocr"])
        out.append({"method": label, "upscale_s": up_s, "ocr_s": ocr_s, "total_s": up_s + ocr_s})
        log(f"speed {label:32s} upscale {up_s:.3f}s OCR {ocr_s:.2f}s")
    return out


MEMORY_PROBE = """
import sys, time, numpy as np
from deckgen import upscale as up
from deckgen.training.sr_data import render_slide

def status(key):  # kB -> MB, from /proc (ru_maxrss would carry the parent's peak over exec)
    for line in open("/proc/self/status"):
        if line.startswith(key):
            return int(line.split()[1]) / 1024

bgr = np.ascontiguousarray(render_slide(np.random.default_rng(7), 3840, 2160)[0][..., ::-1])
if sys.argv[1] not in up.SIMPLE_METHODS:
    up.load_method(sys.argv[1])
open("/proc/self/clear_refs", "w").write("5")  # reset the peak (VmHWM) to the current RSS
before = status("VmRSS")
start = time.perf_counter()
out = up.upscale_array(bgr, sys.argv[1], int(sys.argv[2]), tile=int(sys.argv[3]))
spent = time.perf_counter() - start
print(before, status("VmHWM"), spent, out.shape[1], out.shape[0])
"""


def memory(log) -> list[dict]:
    """Peak RSS of upscaling one 3840x2160 slide, tiled and untiled, in a fresh process."""
    out = []
    cases = [("model:x2", 2, 512), ("model:x2", 2, 256), ("model:x2", 2, 100_000)]
    cases = [c for c in cases if int(c[0][-1]) in up.shipped_scales()]
    cases.append(("bicubic", 2, 512))
    for method, scale, tile in cases:
        env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_THREAD_LIMIT": "1"}
        done = subprocess.run(
            [sys.executable, "-c", MEMORY_PROBE, method, str(scale), str(tile)],
            capture_output=True,
            text=True,
            env=env,
            check=True,
        )
        before, after, spent, width, height = (float(v) for v in done.stdout.split())
        row = {
            "method": method,
            "tile": tile if tile < 100_000 else None,
            "peak_mb": after,
            "extra_mb": after - before,
            "seconds": spent,
            "output": f"{int(width)}x{int(height)}",
        }
        log(f"memory {method} tile={row['tile']} peak {after:.0f} MB (+{after - before:.0f})")
        out.append(row)
    return out


def markdown(report: dict) -> str:
    lines = [
        START,
        "## Super-resolution: OCR after upscaling (`make bench-sr`)",
        "",
        f"Command: `{report['command']}` — {report['date']}, {report['machine']}.",
        *(
            [
                f"Rows marked run {i} come from `{cmd}`."
                for i, cmd in enumerate(report["runs"][1:], 2)
            ]
            if report.get("runs")
            else []
        ),
        "Tesseract 5.3 `--psm 3`, one thread (`OMP_THREAD_LIMIT=1`), OpenCV "
        f"{cv2.__version__} dnn with its default threads. Recall = mean per-slide share of truth "
        "words (lowercase alphanumeric tokens of 2+ chars, multiset) in the OCR output; "
        "precision = mean per-slide share of OCR words that are truth words (both as in "
        "../shared/anchors/README.md, whose numbers the baseline rows reproduce); "
        "CER = median character error rate of the OCR tokens "
        "against the truth tokens in reading order (on eval-dev the text layer's order differs "
        "from the page's, so CER there is only comparative); s/slide = median upscale + OCR "
        "per row, timed in blocks minutes apart on a machine whose load swung between 8 and "
        "15, so compare speed in the interleaved table below. `tried:` rows are nets trained "
        "by `deckgen.training.sr` with `arch='espcn'` for the architecture comparison (not "
        "shipped; see docs/models.md).",
        "",
    ]
    for name, title in (
        ("synthetic", "held-out synthetic slides (exact text)"),
        ("eval-dev", "real slides, ../shared/eval-dev"),
    ):
        rows = [r for r in report["ocr"] if r["set"] == name]
        if not rows:
            continue
        base = next((r for r in rows if r["method"] == "bicubic ×4" and "run" not in r), None)
        lines += [f"### {title}, {rows[0]['slides']} slides", ""]
        lines += [
            "| method | word recall | precision | CER | s/slide | recall vs bicubic ×4 | run |"
        ]
        lines += ["|---|---:|---:|---:|---:|---:|---:|"]
        for r in rows:
            ratio = f"{r['recall'] / base['recall']:.3f}" if base else ""
            lines.append(
                f"| {r['method']} | {r['recall']:.3f} | {r['precision']:.3f} | {r['cer']:.3f} "
                f"| {r['s_per_slide']:.2f} | {ratio} | {r.get('run', 1)} |"
            )
        auto = next((r for r in rows if r["method"] == "adaptive (auto)"), None)
        if auto:
            lines.append("")
            lines.append(f"Adaptive scales chosen: {auto['scales']}.")
        lines.append("")
    if report.get("targets"):
        lines += ["### Choosing auto's target x-height (from the per-slide rows above)", ""]
        lines += ["| set | target px | word recall | precision | scales chosen |"]
        lines += ["|---|---:|---:|---:|---|"]
        for r in report["targets"]:
            scales = ", ".join(f"{k}: {v}" for k, v in sorted(r["scales"].items()))
            lines.append(
                f"| {r['set']} | {r['target']} | {r['recall']:.3f} | {r['precision']:.3f} "
                f"| {scales} |"
            )
        lines.append("")
    if report.get("speed"):
        lines += [f"### Speed, methods interleaved on the same {report['speed_slides']} slides", ""]
        if report.get("speed_command"):
            lines += [f"Command: `{report['speed_command']}` (eval-dev slides 1, 8, 15, ...).", ""]
        lines += ["| method | upscale s | OCR s | total s/slide |", "|---|---:|---:|---:|"]
        for r in report["speed"]:
            lines.append(
                f"| {r['method']} | {r['upscale_s']:.3f} | {r['ocr_s']:.2f} | {r['total_s']:.2f} |"
            )
        lines.append("")
    if report.get("fidelity"):
        lines += ["### Fidelity on held-out synthetic slides (Y channel)", ""]
        lines += ["| scale | method | PSNR dB | SSIM |", "|---:|---|---:|---:|"]
        for r in report["fidelity"]:
            lines.append(f"| ×{r['scale']} | {r['method']} | {r['psnr']:.2f} | {r['ssim']:.4f} |")
        lines.append("")
    if report.get("memory"):
        lines += ["### Peak memory, one 3840×2160 slide upscaled ×2 (fresh process)", ""]
        lines += ["| method | tile | output | peak RSS MB | added by upscaling MB | seconds |"]
        lines += ["|---|---:|---|---:|---:|---:|"]
        for r in report["memory"]:
            tile = r["tile"] or "none (whole image)"
            lines.append(
                f"| {r['method']} | {tile} | {r['output']} | {r['peak_mb']:.0f} "
                f"| {r['extra_mb']:.0f} | {r['seconds']:.1f} |"
            )
        lines.append("")
    lines.append(END)
    return "\n".join(lines)


def _merged(report: dict, others: list[str]) -> dict:
    """The report plus the OCR rows of earlier runs, each row tagged with its run."""
    number = 1
    for other in others:
        earlier = json.loads(Path(other).read_text())
        if earlier.get("speed") and not report.get("speed"):
            report["speed"], report["speed_slides"] = earlier["speed"], earlier["speed_slides"]
            report["speed_command"] = earlier["command"]
        have = {(r["set"], r["method"]) for r in report["ocr"]}
        rows = [r for r in earlier["ocr"] if (r["set"], r["method"]) not in have]
        if rows:  # rows this run already has (the shared baselines) are not repeated
            number += 1
            report.setdefault("runs", [report["command"]]).append(earlier["command"])
            report["ocr"] += [{**row, "run": number} for row in rows]
        for key in ("fidelity", "memory"):
            if earlier.get(key) and not report.get(key):
                report[key] = earlier[key]
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer slides and methods")
    parser.add_argument("--synthetic", type=int, default=12, help="held-out synthetic slides")
    parser.add_argument("--limit", type=int, default=None, help="at most N eval-dev slides")
    parser.add_argument("--only", default=None, help="comma-separated row labels to keep")
    parser.add_argument("--extra", action="append", default=[], help="also score this model file")
    parser.add_argument("--no-fidelity", action="store_true", help="skip PSNR/SSIM and memory")
    parser.add_argument("--scale-study", action="store_true", help="recall per scale and target")
    parser.add_argument("--no-oracle", action="store_true", help="skip the full-size page rows")
    parser.add_argument("--jobs", type=int, default=2, help="slides scored in parallel")
    parser.add_argument("--json", default="sr.json", help="results file under bench-out/")
    parser.add_argument("--merge", action="append", default=[], help="add rows of an earlier run")
    parser.add_argument("--sets", default="eval-dev,synthetic", help="which slide sets")
    parser.add_argument("--speed", type=int, default=6, help="interleaved timing on N slides")
    parser.add_argument("--speed-only", action="store_true", help="only the interleaved timing")
    parser.add_argument("--render", default=None, help="only write docs from this saved run")
    parser.add_argument("--no-write", action="store_true", help="do not touch docs/benchmarks.md")
    args = parser.parse_args(argv)
    os.environ["OMP_THREAD_LIMIT"] = "1"
    if args.render:  # no measuring: rebuild the docs section from saved runs
        report = _merged(json.loads(Path(args.render).read_text()), args.merge)
        estimates = {
            "synthetic": [up.estimate_text_height(b) for _, b, _ in synthetic_slides(12)[0]]
        }
        if EVAL_DEV.is_dir():
            estimates["eval-dev"] = [
                up.estimate_text_height(b) for _, b, _ in eval_dev_slides(None)
            ]
        report["targets"] = simulate_targets(report, estimates, lambda _: None)
        write_section(markdown(report), START, END)
        return 0
    if args.quick:
        args.synthetic, args.limit = min(args.synthetic, 12), args.limit or 20
    rows = methods(args.quick)
    for extra in args.extra:  # PATH or "LABEL=PATH"
        label, _, path = extra.rpartition("=")
        rows.append((label or f"file {Path(path).name}", path, up.load_method(path).scale))
    if args.only:  # in the order given
        by_label = {r[0]: r for r in rows}
        rows = [
            by_label[label.strip()] for label in args.only.split(",") if label.strip() in by_label
        ]
    log = lambda message: print(message, flush=True)  # noqa: E731
    report: dict = {
        "command": " ".join(["python", "benchmarks/bench_sr.py", *(argv or sys.argv[1:])]),
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": f"{os.cpu_count()} CPU cores (shared)",
        "ocr": [],
    }
    pool = multiprocessing.get_context("fork").Pool(args.jobs) if args.jobs > 1 else None
    slides, oracle = synthetic_slides(args.synthetic)
    if args.scale_study:
        study = [scale_study("synthetic", slides, log)]
        if EVAL_DEV.is_dir():
            study.append(scale_study("eval-dev", eval_dev_slides(args.limit), log))
        OUT_DIR.mkdir(exist_ok=True)
        (OUT_DIR / "sr_scale_study.json").write_text(json.dumps(study, indent=1, default=float))
        return 0
    if args.no_oracle:
        oracle = {}
    OUT_DIR.mkdir(exist_ok=True)
    out_json = OUT_DIR / args.json

    def save(row: dict | None = None) -> None:  # after every row: a killed run keeps its rows
        if row is not None:
            report["ocr"].append(row)
        out_json.write_text(json.dumps(report, indent=2, default=float) + "\n")

    sets = {name.strip() for name in args.sets.split(",")}
    if "synthetic" not in sets:
        slides = []
    if EVAL_DEV.is_dir() and "eval-dev" in sets:
        real = eval_dev_slides(args.limit)
        real_oracle = {} if args.no_oracle or args.speed_only else oracle_pages(real)
        if not args.speed_only:
            score_set("eval-dev", real, real_oracle, rows, log, pool, save)
    elif not EVAL_DEV.is_dir():  # without its rows, the doc's section would lose them
        log(f"{EVAL_DEV} not found: real-slide rows and the docs/benchmarks.md update skipped")
        args.no_write = True
    if slides and not args.speed_only:
        score_set("synthetic", slides, oracle, rows, log, pool, save)
    if args.speed:
        timing_slides = (real if "eval-dev" in sets and EVAL_DEV.is_dir() else slides)[::7]
        report["speed_slides"] = len(timing_slides[: args.speed])
        report["speed"] = speed(rows, timing_slides[: args.speed], log)
        save()
    if not args.no_fidelity:
        every = methods(args.quick) + [r for r in rows if r[0].startswith(("file ", "tried"))]
        report["fidelity"] = fidelity(every, 6 if args.quick else 16, log)
        report["memory"] = memory(log)
    estimates = {"synthetic": [up.estimate_text_height(bgr) for _, bgr, _ in slides]}
    if EVAL_DEV.is_dir() and "eval-dev" in sets:
        estimates["eval-dev"] = [up.estimate_text_height(bgr) for _, bgr, _ in real]
    report["targets"] = simulate_targets(report, estimates, log)
    save()
    if not args.no_write:
        write_section(markdown(_merged(report, args.merge)), START, END)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
