"""Build throughput and memory: serial vs the local pool vs a Dask LocalCluster.

    nice .venv/bin/python benchmarks/bench_build.py --pdf-build   # everything, corpus/ (173 slides)
    nice .venv/bin/python benchmarks/bench_build.py --decks 4     # the first 4 decks only
    nice .venv/bin/python benchmarks/bench_build.py --executors processes --skip-memory

Throughput: one real ``deckgen build`` per executor (a subprocess, fresh cache
each run, 2 workers), wall time, slides/second, CPU seconds, the per-stage
split from build/report.json, and the peak RSS of every process of the build
(parent, each worker, each tesseract), sampled from /proc (``VmHWM``).

Memory: the worker's own code path (``run_slide``: read/render, upscale, OCR)
in a fresh process, on a 4K slide and on a 300-page PDF, with the peak RSS of
the worker and of its tesseract. ``--pdf-build`` also builds the 300-page PDF
deck end to end.

Cost: ``--cpu-slides N`` runs the worker task on N corpus slides in one process and
reports CPU seconds per slide (its own + tesseract's); with the parent's CPU per
slide from the first pool build, that gives the time and cost estimate for 15k and
1M slides. Prints Markdown for docs/benchmarks.md and writes bench-out/build.json.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
EXECUTORS = ("serial", "processes", "dask")
USD_PER_VCPU_HOUR = 0.0446  # c7i on-demand, us-east-1 list price (c7i.xlarge $0.1785/h, 4 vCPU)


# --------------------------------------------------------------------------- process tree
class TreeMemory:
    """Peak RSS (VmHWM) of every process under ``pid``, sampled until stopped.

    A process is counted per (pid, name): exec starts a fresh VmHWM, and a fork that has
    not exec'd tesseract yet (same command line as its parent) is not a worker.
    """

    def __init__(self, pid: int, every: float = 0.2):
        self.root = psutil.Process(pid)
        self.every = every
        self.peaks: dict[tuple[int, str], tuple[str, int]] = {}
        self.root_cpu_s = 0.0  # the parent's own CPU (not its children's), last sample
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _role(self, proc: psutil.Process) -> str | None:
        if proc.pid == self.root.pid:
            return "parent"
        if "tesseract" in proc.name():
            return "tesseract"
        cmdline = proc.cmdline()
        parent = proc.parent()
        parent_cmdline = parent.cmdline() if parent else []
        if "forkserver" in " ".join(cmdline):  # the fork server, or a pool worker it forked
            return "worker" if "forkserver" in " ".join(parent_cmdline) else "helper"
        if "resource_tracker" in " ".join(cmdline):
            return "helper"
        if cmdline == parent_cmdline:
            return None  # forked to exec tesseract, not yet exec'd: its RSS is its parent's
        return "worker"

    def _sample(self) -> None:
        try:
            procs = [self.root, *self.root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return
        try:
            times = self.root.cpu_times()
            self.root_cpu_s = times.user + times.system
        except psutil.Error:
            pass
        for proc in procs:
            try:
                with open(f"/proc/{proc.pid}/status") as fh:
                    hwm = next(int(line.split()[1]) for line in fh if line.startswith("VmHWM"))
                key = (proc.pid, proc.name())
                role = self.peaks[key][0] if key in self.peaks else self._role(proc)
            except (OSError, StopIteration, psutil.Error):
                continue
            if role is not None:
                self.peaks[key] = (role, max(hwm, self.peaks.get(key, ("", 0))[1]))

    def _run(self) -> None:
        while not self._stop.is_set():
            self._sample()
            self._stop.wait(self.every)

    def stop(self) -> dict[str, dict]:
        self._stop.set()
        self._thread.join()
        by_role: dict[str, list[int]] = {}
        for role, kib in self.peaks.values():
            by_role.setdefault(role, []).append(kib)
        return {
            role: {
                "processes": len(v),
                "max_mib": round(max(v) / 1024, 1),
                "median_mib": round(statistics.median(v) / 1024, 1),
            }
            for role, v in sorted(by_role.items())
        }


def run_measured(cmd: list[str], env: dict | None = None) -> dict:
    load = os.getloadavg()[0]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    memory = TreeMemory(proc.pid)
    out, err = proc.communicate()
    wall = time.perf_counter() - started
    peaks = memory.stop()
    parent_cpu = memory.root_cpu_s
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{err[-3000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {
        "wall_s": round(wall, 2),
        "cpu_s": round(cpu, 2),
        "parent_cpu_s": round(parent_cpu, 2),
        "peak_rss": peaks,
        "load_before": round(load, 2),
        "load_after": round(os.getloadavg()[0], 2),
        "stdout": out,
    }


# --------------------------------------------------------------------------- throughput
def subset_corpus(corpus: Path, decks: int | None, into: Path) -> Path:
    chosen = sorted(p for p in corpus.iterdir() if p.is_dir() and not p.name.startswith("."))
    if decks:
        chosen = chosen[:decks]
    for deck in chosen:
        shutil.copytree(deck, into / deck.name)
    return into


def build_once(executor: str, corpus: Path, work: Path, workers: int) -> dict:
    shutil.rmtree(work, ignore_errors=True)
    cmd = [
        sys.executable,
        "-m",
        "deckgen.cli",
        "build",
        "--quiet",
        "--executor",
        executor,
        "--workers",
        str(workers),
        "--corpus",
        str(corpus),
        "--out",
        str(work / "site"),
        "--cache",
        str(work / "build"),
    ]
    run = run_measured(cmd)
    report = json.loads((work / "build" / "report.json").read_text())
    manifest = json.loads((work / "build" / "manifest.json").read_text())
    slides = [s for s in manifest["slides"] if s.get("ocr")]
    pngs = list((work / "build" / "cache" / "objects").rglob("*.png"))
    run.pop("stdout")
    run.update(
        executor=executor,
        slides=report["slides"],
        slides_built=report["slides_built"],
        slides_per_s=round(report["slides_built"] / run["wall_s"], 3),
        stages={
            name: {"processed": st["processed"], "seconds": round(st["seconds"], 2)}
            for name, st in report["stages"].items()
        },
        median_upscale_s=round(statistics.median(s["upscale"]["seconds"] for s in slides), 3),
        median_ocr_s=round(statistics.median(s["ocr"]["seconds"] for s in slides), 3),
        mean_upscaled_png_mib=round(
            sum(p.stat().st_size for p in pngs) / max(len(pngs), 1) / 2**20, 2
        ),
    )
    return run


def throughput(
    corpus: Path, decks: int | None, workers: int, runs: int, work: Path, executors: list[str]
) -> list[dict]:
    subset = subset_corpus(corpus, decks, work / "corpus")
    results = []
    for executor in executors:
        attempts = []
        for i in range(runs):
            result = build_once(
                executor, subset, work / f"{executor}-{i}", 1 if executor == "serial" else workers
            )
            print(
                f"  {executor} run {i + 1}: {result['slides_per_s']} slides/s "
                f"(load {result['load_before']})",
                file=sys.stderr,
            )
            attempts.append(result)
        attempts.sort(key=lambda r: r["wall_s"])
        results.append(attempts[len(attempts) // 2])  # the median run
    return results


# --------------------------------------------------------------------------- memory
def draw_4k_slide(path: Path) -> None:
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("RGB", (3840, 2160), "white")
    draw = ImageDraw.Draw(image)
    draw.text(
        (160, 140), "Market Size and Growth", fill="black", font=ImageFont.truetype(FONT, 150)
    )
    body = ImageFont.truetype(FONT, 56)
    for row in range(14):
        draw.text(
            (160, 480 + row * 110),
            f"Line {row + 1}: total addressable market grows "
            f"{row + 12} percent a year in every region we serve",
            fill=(40, 40, 40),
            font=body,
        )
    image.save(path, "JPEG", quality=90)


def write_long_pdf(path: Path, pages: int) -> None:
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(FONT, 40)
    images = []
    for n in range(1, pages + 1):
        page = Image.new("RGB", (960, 540), "white")
        draw = ImageDraw.Draw(page)
        draw.text((50, 50), f"Page {n}: traction", fill="black", font=font)
        draw.text((50, 160), "Revenue grew every quarter", fill="black", font=font)
        images.append(page)
    buf = io.BytesIO()
    images[0].save(buf, "PDF", save_all=True, append_images=images[1:], resolution=72)
    path.write_bytes(buf.getvalue())


_PROBE = r"""
import json, resource, sys
from pathlib import Path
from deckgen.slide_task import SlideTask, run_slide
from deckgen.config import load_config
from deckgen.corpus_pdf import read_source
from deckgen.executor import limit_worker_threads

limit_worker_threads()
corpus, cache, mode, *sources = sys.argv[1:]
cfg = load_config(None, {})
def peak():
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss across exec, from the forked parent.
    with open("/proc/self/status") as fh:
        return round(next(int(l.split()[1]) for l in fh if l.startswith("VmHWM")) / 1024, 1)
def cpu(who):
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime
rows = []
start = cpu(resource.RUSAGE_SELF), cpu(resource.RUSAGE_CHILDREN)
for i, source in enumerate(sources):
    if mode == "render":
        read_source(Path(corpus), source)
    else:
        task = SlideTask(corpus, cache, source, cfg.upscale, "probe%d" % i, None, cfg.ocr, True)
        result = run_slide(task)
        assert "failed" not in result, result
    if i == 0 or i == len(sources) - 1:
        rows.append({"after": i + 1, "worker_mib": peak()})
rows[-1]["cpu_s"] = cpu(resource.RUSAGE_SELF) - start[0]  # the slides, not the imports
rows[-1]["tesseract_cpu_s"] = cpu(resource.RUSAGE_CHILDREN) - start[1]
print(json.dumps(rows))
"""


def probe(corpus: Path, mode: str, sources: list[str]) -> dict:
    """Run the worker's code path in a fresh process; its peak RSS and its tesseracts'."""
    with tempfile.TemporaryDirectory() as cache:
        run = run_measured([sys.executable, "-c", _PROBE, str(corpus), cache, mode, *sources])
    # ru_maxrss of a child counts the pages it shared with the worker before exec, so
    # tesseract's own peak comes from /proc (VmHWM, sampled while it runs).
    tesseract = run["peak_rss"].get("tesseract", {}).get("max_mib", "-")
    return {"rows": json.loads(run["stdout"]), "tesseract_mib": tesseract, "wall_s": run["wall_s"]}


def worker_cpu(corpus: Path, decks: int | None, slides: int) -> dict:
    """CPU seconds per slide of the worker task (upscale + OCR), one thread, nothing else."""
    decks_dirs = sorted(p for p in corpus.iterdir() if p.is_dir() and not p.name.startswith("."))
    sources = [
        str(image.relative_to(corpus))
        for deck in decks_dirs[: decks or None]
        for image in sorted(deck.glob("*.jpg"))
    ][:slides]
    run = probe(corpus, "task", sources)
    last = run["rows"][-1]
    return {
        "slides": len(sources),
        "worker_cpu_per_slide_s": round(last["cpu_s"] / len(sources), 3),
        "tesseract_cpu_per_slide_s": round(last["tesseract_cpu_s"] / len(sources), 3),
        "wall_per_slide_s": round(run["wall_s"] / len(sources), 3),
    }


def memory(work: Path, pdf_pages: int, ocr_pages: int, pdf_build: bool, workers: int) -> dict:
    corpus = work / "memory-corpus"
    (corpus / "four-k").mkdir(parents=True)
    (corpus / "long-pdf").mkdir()
    draw_4k_slide(corpus / "four-k" / "001.jpg")
    write_long_pdf(corpus / "long-pdf" / "deck.pdf", pdf_pages)
    step = max(1, pdf_pages // ocr_pages)
    result = {
        "four_k_slide": probe(corpus, "task", ["four-k/001.jpg"]),
        "pdf_pages": pdf_pages,
        "pdf_bytes": (corpus / "long-pdf" / "deck.pdf").stat().st_size,
        "pdf_render_all": probe(
            corpus, "render", [f"long-pdf/deck.pdf#p{n}" for n in range(1, pdf_pages + 1)]
        ),
        "pdf_tasks": probe(
            corpus, "task", [f"long-pdf/deck.pdf#p{n}" for n in range(1, pdf_pages + 1, step)]
        ),
    }
    scan_code = (
        "import sys\nfrom deckgen.corpus import scan\n"
        "def hwm():\n"
        "    lines = open('/proc/self/status').read().splitlines()\n"
        "    return next(int(l.split()[1]) for l in lines if l.startswith('VmHWM'))\n"
        "before = hwm()\n"
        "n = len(scan(sys.argv[1]).slides)\n"
        "print(n, before / 1024, hwm() / 1024)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", scan_code, str(corpus)], capture_output=True, text=True, check=True
    ).stdout.split()
    result["scan"] = {
        "slides": int(out[0]),
        "before_mib": round(float(out[1]), 1),
        "after_mib": round(float(out[2]), 1),
    }
    if pdf_build:
        only_pdf = work / "pdf-corpus"
        (only_pdf / "long-pdf").mkdir(parents=True)
        shutil.copy(corpus / "long-pdf" / "deck.pdf", only_pdf / "long-pdf" / "deck.pdf")
        result["pdf_build"] = build_once("processes", only_pdf, work / "pdf-build", workers)
    return result


# --------------------------------------------------------------------------- report
def estimate(worker: dict, pool_run: dict) -> list[dict]:
    """Time and cost for big corpora, from measured per-slide CPU seconds.

    CPU, not wall: on this shared machine a slide waits for a core far longer than
    it computes, while on dedicated vCPUs wall ~= CPU for these single-threaded
    tasks. Worker: the CPU probe (upscale + OCR incl. tesseract + encoding the published
    images, one thread). Parent: the pool build's parent process CPU (ingest, receiving,
    cache, classify, index, site pages and image copies, bundle), startup included, per
    slide.
    """
    per_slide_worker = worker["worker_cpu_per_slide_s"] + worker["tesseract_cpu_per_slide_s"]
    per_slide_parent = pool_run["parent_cpu_s"] / pool_run["slides_built"]
    rows = []
    for total in (15_000, 1_000_000):
        for n in (16, 64, 256):
            hours = (total * per_slide_worker / n + total * per_slide_parent) / 3600
            rows.append(
                {
                    "slides": total,
                    "workers": n,
                    "hours": round(hours, 2),
                    "worker_only_hours": round(total * per_slide_worker / n / 3600, 2),
                    "usd": round(hours * (n + 1) * USD_PER_VCPU_HOUR, 2),
                }
            )
    return [
        {
            "per_slide_worker_s": round(per_slide_worker, 3),
            "per_slide_parent_s": round(per_slide_parent, 4),
            "wall_over_cpu": round(worker["wall_per_slide_s"] / per_slide_worker, 2),
        },
        *rows,
    ]


def markdown(args, results: dict) -> str:
    lines = [f"Command: `nice .venv/bin/python benchmarks/bench_build.py {' '.join(sys.argv[1:])}`"]
    if "throughput" in results:
        rows = results["throughput"]
        base = rows[0]["wall_s"]
        lines += [
            "",
            "| executor | slides | wall | slides/s | vs serial | CPU s | per-stage s "
            "(ingest/upscale/ocr/images/classify/index/site) "
            "| peak RSS MiB parent / worker / tesseract | load avg |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for r in rows:
            st = r["stages"]
            split = "/".join(
                f"{st[s]['seconds']:.1f}"
                for s in ("ingest", "upscale", "ocr", "images", "classify", "index", "site")
                if s in st
            )
            rss = r["peak_rss"]
            # getrusage sees the serial build whole; pool and Dask workers are not its children
            cpu = f"{r['cpu_s']:.0f}" if r["executor"] == "serial" else "-"
            mem = " / ".join(
                str(rss.get(k, {}).get("max_mib", "-")) for k in ("parent", "worker", "tesseract")
            )
            lines.append(
                f"| {r['executor']} | {r['slides_built']} | {r['wall_s']:.1f} s "
                f"| {r['slides_per_s']:.2f} "
                f"| {base / r['wall_s']:.2f}x | {cpu} | {split} | {mem} "
                f"| {r['load_before']:.1f} → {r['load_after']:.1f} |"
            )
    if "estimate" in results:
        costs, *rows = results["estimate"]
        lines += [
            "",
            f"Per slide (CPU seconds): {costs['per_slide_worker_s']} s in a worker "
            f"(upscale + OCR + image encoding), {costs['per_slide_parent_s']} s in the parent "
            f"(ingest, classify, index, site pages, bundle); wall/CPU here was "
            f"{costs['wall_over_cpu']}x (the shared machine). "
            f"At ${USD_PER_VCPU_HOUR}/vCPU-hour, one worker per vCPU, plus one for the parent:",
            "",
            "| slides | workers | hours | of which workers | cost |",
            "|---|---|---|---|---|",
        ]
        lines += [
            f"| {r['slides']:,} | {r['workers']} | {r['hours']} | {r['worker_only_hours']} "
            f"| ${r['usd']} |"
            for r in rows
        ]
    if "memory" in results:
        m = results["memory"]
        four_k, render, tasks = m["four_k_slide"], m["pdf_render_all"], m["pdf_tasks"]
        pages = m["pdf_pages"]
        lines += [
            "",
            "| peak RSS | worker MiB | its tesseract MiB |",
            "|---|---|---|",
            f"| one 4K slide (3840x2160 JPEG): read, upscale, OCR | "
            f"{four_k['rows'][0]['worker_mib']} | {four_k['tesseract_mib']} |",
        ]
        lines += [
            f"| {pages}-page PDF: after {row['after']} page tasks (render, upscale, OCR) "
            f"| {row['worker_mib']} | {tasks['tesseract_mib']} |"
            for row in tasks["rows"]
        ]
        lines += [
            f"| {pages}-page PDF: after rendering {row['after']} pages | {row['worker_mib']} | - |"
            for row in render["rows"]
        ]
        scan = m["scan"]
        lines.append(
            f"| ingest (scan) of the {pages}-page PDF + the 4K slide ({scan['slides']} slides), "
            f"parent | {scan['before_mib']} → {scan['after_mib']} | - |"
        )
        if "pdf_build" in m:
            b, rss = m["pdf_build"], m["pdf_build"]["peak_rss"]
            lines.append(
                f"| end-to-end build of the PDF deck ({b['slides_built']} slides, "
                f"{b['wall_s']} s), "
                f"parent / worker | {rss.get('parent', {}).get('max_mib')} / "
                f"{rss.get('worker', {}).get('max_mib')} "
                f"| {rss.get('tesseract', {}).get('max_mib')} |"
            )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=ROOT / "corpus")
    parser.add_argument("--decks", type=int, default=None, help="Only the first N decks (sorted).")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--runs", type=int, default=1, help="Builds per executor; the median is kept."
    )
    parser.add_argument("--pdf-pages", type=int, default=300)
    parser.add_argument(
        "--ocr-pages", type=int, default=10, help="PDF pages run through the whole worker task."
    )
    parser.add_argument(
        "--pdf-build", action="store_true", help="Also build the 300-page PDF deck end to end."
    )
    parser.add_argument("--skip-throughput", action="store_true")
    parser.add_argument("--skip-memory", action="store_true")
    parser.add_argument("--executors", nargs="+", default=list(EXECUTORS), choices=EXECUTORS)
    parser.add_argument(
        "--cpu-slides", type=int, default=40, help="Corpus slides for the per-slide CPU probe."
    )
    parser.add_argument("--out", type=Path, default=ROOT / "bench-out" / "build.json")
    args = parser.parse_args()

    results: dict = {"cpus": os.cpu_count(), "load_at_start": os.getloadavg()}
    with tempfile.TemporaryDirectory(prefix="bench-build-") as tmp:
        work = Path(tmp)
        if not args.skip_throughput:
            results["throughput"] = throughput(
                args.corpus, args.decks, args.workers, args.runs, work, args.executors
            )
        if args.cpu_slides:
            results["worker_cpu"] = worker_cpu(args.corpus, args.decks, args.cpu_slides)
        pool = [r for r in results.get("throughput", []) if r["executor"] != "serial"]
        if "worker_cpu" in results and pool:
            results["estimate"] = estimate(results["worker_cpu"], pool[0])
        if not args.skip_memory:
            results["memory"] = memory(
                work, args.pdf_pages, args.ocr_pages, args.pdf_build, args.workers
            )
    results["load_at_end"] = os.getloadavg()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2))
    print(markdown(args, results))
    print(json.dumps({k: v for k, v in results.items() if k != "throughput"}, indent=2))


if __name__ == "__main__":
    main()
