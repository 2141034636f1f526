"""Search at scale: deckgen's static index vs Pagefind on 15,000 synthetic slides.

    .venv/bin/python benchmarks/bench_search.py             # = make bench-search
    .venv/bin/python benchmarks/bench_search.py --slides 2000 --queries 30   # quick

One run, same records for both (text and metadata only: no images, no OCR):
build time and peak memory (each build in its own process), total index size,
bytes fetched for a first one-word query and for a three-word query in a fresh
browser, and query latency (median / p95) in headless Chromium over varied
queries: cold (fresh browser context, index not loaded) and warm (same page,
engine initialised, first run of each query). A query counts as done when the
top 10 results' display data is loaded. Bytes are counted as served with gzip
(each file gzip -6 or as is, whichever is smaller: Pagefind's files are already
compressed). Results go to bench-out/search.json and the search section of
docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import random
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.doc_section import write_section  # noqa: E402
from deckgen import index as ix  # noqa: E402
from deckgen.records import SECTIONS, DeckMeta, OcrResult, SectionResult, Slide  # noqa: E402

OUT_DIR = ROOT / "bench-out"
START, END = "<!-- bench-search:start -->", "<!-- bench-search:end -->"
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]

BASE_WORDS = """
market size growth revenue customers users platform product team founder engineer
problem solution traction funding investors round seed series raise valuation equity
competition competitors advantage moat pricing subscription enterprise margin gross net
financial forecast projection budget burn runway cash flow profit loss ebitda annual
monthly recurring retention churn cohort acquisition cost lifetime value payback
channel sales marketing partnerships distribution pipeline conversion funnel leads
mobile app web cloud data analytics machine learning artificial intelligence model
security privacy compliance regulation insurance health healthcare patients doctors
hospital clinic pharmacy logistics shipping delivery fleet warehouse supply chain
retail ecommerce marketplace sellers buyers merchants payments fintech banking
lending credit loans savings wallet crypto blockchain energy solar battery climate
carbon emissions food restaurant grocery agriculture farmers education students
teachers learning courses hiring talent recruiting employees workforce software
hardware device sensor robotics automation manufacturing factory construction real
estate property rental housing travel hotel booking mobility vehicles electric cars
media content video music gaming social community network creators advertising
brand consumer global local europe america asia africa india china expansion launch
roadmap milestones vision mission strategy execution operations scale scalable
opportunity billion million thousand percent year quarter month week today future
customer feedback satisfaction engagement active daily weekly adoption usage
integration api developers open source infrastructure storage compute latency
speed fast simple easy affordable secure reliable trusted proven award winning
patent technology research development prototype pilot beta release version
partners clients contracts signed letters intent pipeline backlog bookings
exit acquisition ipo return multiple comparable benchmark industry sector segment
total addressable serviceable obtainable tam sam som bottom top down analysis
why now how works what we do our approach unique proposition value key features
benefits pain points current alternatives status quo manual expensive slow
fragmented inefficient outdated legacy broken complex opaque risky unmet need
advisors board directors ceo cto cfo coo vp head lead senior experience previously
google amazon microsoft apple facebook stanford harvard mit phd mba years
thank contact email questions appendix overview summary introduction agenda
""".split()
STAGES = ["Pre-seed", "Seed", "Series A", "Series B", "Series C"]
INDUSTRIES = ["Fintech", "Health", "Logistics", "Retail", "Energy", "Education", "Media",
              "Mobility", "Real estate", "Security", "Food", "Enterprise software"]
SYLLABLES = "ka lo mi ra ve tu no zi pa qu dex ly fy io ra bo ne xa cor vin tal sen".split()


def zipf_words(rng: random.Random, n: int) -> list[str]:
    weights = [1 / (r + 1) ** 1.05 for r in range(len(BASE_WORDS))]
    return rng.choices(BASE_WORDS, weights=weights, k=n)


def synthetic_corpus(slides: int, seed: int = 1):
    """Deck-level metadata + slide text: Zipfian business words, names, numbers, OCR noise."""
    rng = random.Random(seed)
    sure_rng = random.Random(seed + 1)  # its own stream: the text is the same as before
    metas: dict[str, DeckMeta] = {}
    out: list[Slide] = []
    deck_no = 0
    while len(out) < slides:
        slug = f"deck-{deck_no:05d}"
        name = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).title()
        suffix = rng.choice(["Labs", "Inc", "AI", "Pay", "Health"])
        metas[slug] = DeckMeta(slug=slug, company=f"{name} {suffix}",
                               title=f"{name} pitch deck", year=rng.randint(2008, 2024),
                               stage=rng.choice(STAGES), industry=rng.choice(INDUSTRIES))
        product = "".join(rng.choice(SYLLABLES) for _ in range(2))
        for page in range(1, rng.randint(10, 20) + 1):
            if len(out) >= slides:
                break
            words = []
            for w in zipf_words(rng, rng.randint(15, 90)):
                roll = rng.random()
                if roll < 0.05:
                    unit = rng.choice(["", "M", "k", "%", "B"])
                    w = f"{rng.choice(['$', ''])}{rng.randint(1, 999)}{unit}"
                elif roll < 0.08:
                    w = product if rng.random() < 0.7 else name.lower()
                elif roll < 0.10:  # OCR noise: a garbled word
                    w = "".join(rng.choices("abcdefghijklmnoprstuvwxyz", k=rng.randint(3, 8)))
                words.append(w)
            title = " ".join(zipf_words(rng, rng.randint(1, 4))).title()
            lines = [" ".join(words[i:i + 9]) for i in range(0, len(words), 9)]
            text = title + "\n" + "\n".join(lines)
            out.append(Slide(id=f"{slug}/{page:03d}", deck=slug, page=page, source="", sha256="",
                             ocr=OcrResult(text=text, title=title, mean_confidence=80.0),
                             section=SectionResult(label=(label := rng.choice(SECTIONS)),
                                                   scores={label: sure_rng.uniform(0.2, 1.0)})))
        deck_no += 1
    return out, metas


def make_queries(n: int, seed: int = 2) -> list[str]:
    rng = random.Random(seed)
    queries: list[str] = []
    while len(queries) < n:
        words = rng.randint(1, 3) if len(queries) >= 10 else 1
        pool = BASE_WORDS[:150] if rng.random() < 0.7 else BASE_WORDS
        sample = rng.sample(pool, words)
        q = " ".join(sample)
        if q not in queries:
            queries.append(q)
    return queries


# --- builds, each in its own process so that peak memory is its own -------------------------

def build_ours(out: Path, slides: int) -> dict:
    records, metas = synthetic_corpus(slides)
    urls = {s.id: {"page": f"slide/{s.deck}/{s.page:03d}.html", "thumb": f"img/{s.deck}.jpg"}
            for s in records}
    t0 = time.perf_counter()
    ix.build_index(records, metas, out / "whoosh")
    t1 = time.perf_counter()
    stats = ix.export_client_index(records, metas, out / "site", urls)
    t2 = time.perf_counter()
    return {"whoosh_s": t1 - t0, "export_s": t2 - t1, "build_s": t2 - t0, "stats": stats,
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def build_pagefind(out: Path, slides: int) -> dict:
    from pagefind.index import PagefindIndex

    # pagefind's Python wrapper sleeps 0.1 s before reading each response (one record
    # per 100 ms: 25 min for 15k). Measure Pagefind, not that poll: drop the delay in
    # this child process only.
    real_sleep = asyncio.sleep

    async def no_poll_delay(delay: float, *args, **kwargs):
        return await real_sleep(0 if delay == 0.1 else delay, *args, **kwargs)

    asyncio.sleep = no_poll_delay  # type: ignore[assignment]
    records, metas = synthetic_corpus(slides)

    async def run() -> None:
        # leaving the context writes the files (once) to output_path
        config = {"force_language": "en", "output_path": str(out / "site" / "pagefind")}
        async with PagefindIndex(config=config) as index:
            # the service answers requests in order; keeping many in flight hides the round trips
            for i in range(0, len(records), 500):
                await asyncio.gather(*(index.add_custom_record(
                    url=f"/slide/{s.deck}/{s.page:03d}.html", content=s.ocr.text, language="en",
                    meta={"title": s.ocr.title, "image": f"/img/{s.deck}.jpg",
                          "company": metas[s.deck].company},
                    filters={"section": [s.section.label], "company": [metas[s.deck].company]})
                    for s in records[i:i + 500]))

    t0 = time.perf_counter()
    asyncio.run(run())
    seconds = time.perf_counter() - t0
    peak = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
               resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    return {"build_s": seconds, "peak_rss_mb": peak / 1024}


def in_child(kind: str, out: Path, slides: int) -> dict:
    cmd = [sys.executable, __file__, f"--child={kind}", f"--out={out}", f"--slides={slides}"]
    done = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- the browser side -------------------------------------------------------------------

OURS_JS = """async ([q, cold]) => {
  const m = await import('/static/search.js');
  if (cold || !window.__ours) {
    const load = async (n) => (await fetch('/search/' + n)).json();
    const t0 = performance.now();
    window.__ours = await new m.SearchIndex(load).open();
    if (cold) window.__t0 = t0;
  }
  const t0 = cold ? window.__t0 : performance.now();
  const r = await window.__ours.search(q, {});
  const recs = await window.__ours.records(r.hits.slice(0, 10).map((h) => h.doc));
  return {ms: performance.now() - t0, total: r.total, top: recs.map((x) => x.id)};
}"""
PAGEFIND_JS = """async ([q, cold]) => {
  if (!window.__pf) { window.__pf = await import('/pagefind/pagefind.js'); }
  const t0 = performance.now();
  const s = await window.__pf.search(q);
  const data = await Promise.all(s.results.slice(0, 10).map((r) => r.data()));
  return {ms: performance.now() - t0, total: s.results.length, top: data.map((d) => d.url)};
}"""


class Served:
    def __init__(self, site: Path) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "http.server", str(self.port), "--bind", "127.0.0.1",
             "--directory", str(site)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.url = f"http://127.0.0.1:{self.port}/"
        for _ in range(200):
            try:
                urllib.request.urlopen(self.url + "bench.html", timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)


def gz_size(path: Path, cache: dict[Path, int]) -> int:
    if path not in cache:
        data = path.read_bytes()
        cache[path] = min(len(data), len(gzip.compress(data, 6, mtime=0)))
    return cache[path]


def measure(site: Path, queries: list[str], engine: str) -> dict:
    from playwright.sync_api import sync_playwright

    script = OURS_JS if engine == "ours" else PAGEFIND_JS
    server, sizes = Served(site), {}
    cold, cold_bytes, warm, repeat, totals = [], [], [], [], []
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            for q in queries:  # cold: a fresh context (empty HTTP cache) per query
                ctx = browser.new_context()
                page = ctx.new_page()
                fetched: list[str] = []
                page.on("requestfinished", lambda r, f=fetched: f.append(r.url))
                page.goto(server.url + "bench.html")
                result = page.evaluate(script, [q, True])
                cold.append(result["ms"])
                totals.append(result["total"])
                names = [u[len(server.url):].split("?")[0] for u in fetched]
                cold_bytes.append(sum(gz_size(site / n, sizes) for n in names if n != "bench.html"))
                ctx.close()
            ctx = browser.new_context()
            page = ctx.new_page()
            page.goto(server.url + "bench.html")
            page.evaluate(script, ["zzzz", False])  # initialise the engine
            warm = [page.evaluate(script, [q, False])["ms"] for q in queries]
            repeat = [page.evaluate(script, [q, False])["ms"] for q in queries]
            ctx.close()
            browser.close()
    finally:
        server.close()
    return {"cold_ms": cold, "cold_bytes": cold_bytes, "warm_ms": warm, "repeat_ms": repeat,
            "totals": totals}


def folder_bytes(folder: Path) -> tuple[int, int, int]:
    files = [p for p in folder.rglob("*") if p.is_file()]
    cache: dict[Path, int] = {}
    return len(files), sum(p.stat().st_size for p in files), sum(gz_size(p, cache) for p in files)


def p95(values: list[float]) -> float:
    if len(values) < 2:
        return values[0]
    return statistics.quantiles(values, n=20, method="inclusive")[18]


def report(result: dict) -> str:
    o, p = result["ours"], result["pagefind"]
    qs = result["queries"]
    one = [i for i, q in enumerate(qs) if len(q.split()) == 1]
    three = [i for i, q in enumerate(qs) if len(q.split()) == 3]

    def row(label: str, a: float, b: float, fmt: str) -> str:
        ratio = f"{a / b:.2f}×" if b else "–"
        return f"| {label} | {fmt.format(a)} | {fmt.format(b)} | {ratio} |"

    def med(values: list[float], idx: list[int]) -> float:
        return statistics.median(values[i] for i in idx)

    lines = [
        f"`{result['command']}` — {result['slides']:,} synthetic slides "
        f"({result['decks']:,} decks), {len(qs)} queries ({len(one)} one-word, "
        f"{len(three)} three-word), headless Chromium {result['chromium']}, "
        f"pagefind {result['pagefind_version']}, {result['date']}"
        + (f", deckgen index {result['index']}." if "index" in result else "."),
        "",
        "| | deckgen | Pagefind | deckgen / Pagefind |",
        "|---|---:|---:|---:|",
        row("index files", o["files"], p["files"], "{:,}"),
        row("index size, raw (MB)", o["raw"] / 1e6, p["raw"] / 1e6, "{:.2f}"),
        row("index size, gzip (MB)", o["gz"] / 1e6, p["gz"] / 1e6, "{:.2f}"),
        row("first query, one word: KB fetched (gzip, median)", med(o["cold_bytes"], one) / 1e3,
            med(p["cold_bytes"], one) / 1e3, "{:.1f}"),
        row("three-word query: KB fetched (gzip, median)", med(o["cold_bytes"], three) / 1e3,
            med(p["cold_bytes"], three) / 1e3, "{:.1f}"),
        row("cold query latency, median (ms)", statistics.median(o["cold_ms"]),
            statistics.median(p["cold_ms"]), "{:.1f}"),
        row("cold query latency, p95 (ms)", p95(o["cold_ms"]), p95(p["cold_ms"]), "{:.1f}"),
        row("warm query latency, median (ms)", statistics.median(o["warm_ms"]),
            statistics.median(p["warm_ms"]), "{:.1f}"),
        row("warm query latency, p95 (ms)", p95(o["warm_ms"]), p95(p["warm_ms"]), "{:.1f}"),
        row("repeated query latency, p95 (ms)", p95(o["repeat_ms"]), p95(p["repeat_ms"]), "{:.1f}"),
        row("build time (s)", o["build_s"], p["build_s"], "{:.1f}"),
        row("build peak memory (MB RSS)", o["peak_rss_mb"], p["peak_rss_mb"], "{:.0f}"),
        "",
        f"deckgen build = Whoosh index {o['whoosh_s']:.1f} s + static export "
        f"{o['export_s']:.1f} s. "
        "Cold = fresh browser context (empty cache) per query, timed from opening the index "
        "(deckgen: entry + meta; Pagefind: `search()` incl. its WASM init) to the top 10 "
        "results' display data loaded; its bytes include the engine code (search.js / "
        "pagefind.js + WASM). Warm = same page after initialisation, first run of each query "
        "(its shards still to fetch); repeated = second run. deckgen also computes facet "
        "counts (5 facets) over the whole result set, prefix-matches the last word and "
        "corrects typos; Pagefind here gets section and company as filters but no facet "
        "counts are requested. Served from 127.0.0.1 (no network latency); bytes are what "
        "a gzip-serving CDN would send. Pagefind's Python wrapper waits 100 ms before "
        "reading each reply of its indexing service (25 min for 15k records); the benchmark "
        "removes that wait, so the build time is Pagefind's own.",
    ]
    return "\n".join(lines)


def write_doc(text: str) -> None:
    write_section(f"{START}\n## Search: static index vs Pagefind\n\n{text}\n{END}", START, END)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--slides", type=int, default=15_000)
    ap.add_argument("--queries", type=int, default=100)
    ap.add_argument("--out", type=Path, default=OUT_DIR / "search")
    ap.add_argument("--child", choices=["ours", "pagefind"], help=argparse.SUPPRESS)
    ap.add_argument("--no-doc", action="store_true", help="do not update docs/benchmarks.md")
    ap.add_argument("--from-json", action="store_true",
                    help="only rewrite the docs section from bench-out/search.json")
    args = ap.parse_args()
    if args.from_json:
        write_doc(report(json.loads((OUT_DIR / "search.json").read_text())))
        return
    if args.child:
        fn = build_ours if args.child == "ours" else build_pagefind
        print(json.dumps(fn(args.out, args.slides)))
        return

    out = args.out
    shutil.rmtree(out, ignore_errors=True)
    site = out / "site"
    print(f"building {args.slides:,} slides with deckgen ...", file=sys.stderr)
    ours = in_child("ours", out, args.slides)
    print(f"building with Pagefind ... (deckgen took {ours['build_s']:.1f} s)", file=sys.stderr)
    pagefind = in_child("pagefind", out, args.slides)
    (site / "static").mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "site_templates/static/search.js", site / "static/search.js")
    (site / "bench.html").write_text('<!doctype html><meta charset="utf-8"><title>bench</title>'
                                     '<link rel="icon" href="data:,">')
    queries = make_queries(args.queries)
    for name, res, folders in (("ours", ours, [site / "search", site / "static"]),
                               ("pagefind", pagefind, [site / "pagefind"])):
        sizes = [folder_bytes(f) for f in folders]
        res.update(files=sum(s[0] for s in sizes), raw=sum(s[1] for s in sizes),
                   gz=sum(s[2] for s in sizes))
        print(f"measuring {name} in Chromium ...", file=sys.stderr)
        res.update(measure(site, queries, name))
    from importlib.metadata import version

    chromium = subprocess.run([CHROMIUM, "--version"], capture_output=True,
                              text=True).stdout.split()
    records, metas = synthetic_corpus(args.slides)
    command = "make bench-search" if args.slides == 15_000 and args.queries == 100 else \
        f".venv/bin/python benchmarks/bench_search.py --slides {args.slides} " \
        f"--queries {args.queries}"
    result = {"command": command, "slides": len(records), "decks": len(metas), "queries": queries,
              "chromium": chromium[1] if len(chromium) > 1 else "?",
              "pagefind_version": version("pagefind"), "date": time.strftime("%Y-%m-%d"),
              "index": ix.VERSION,  # what measured it: search.js and the index change bytes
              "ours": ours, "pagefind": pagefind}
    OUT_DIR.mkdir(exist_ok=True)
    (OUT_DIR / "search.json").write_text(json.dumps(result, indent=1))
    text = report(result)
    print(text)
    if not args.no_doc:
        write_doc(text)


if __name__ == "__main__":
    main()
