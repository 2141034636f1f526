"""Faults: a build killed at any instant, a corrupted cache, a hung Tesseract, Ctrl-C.

Each test runs the real ``deckgen build`` (a subprocess, real Tesseract, real
OpenCV) on the tiny drawn corpus and compares what it leaves with the output
of one uninterrupted build: every site file byte for byte, and every manifest
record minus its timing fields.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import DECKS, build_cmd

from deckgen.slide_task import images_key

N_SLIDES = sum(len(d["slides"]) for d in DECKS.values())
TIMING_FIELDS = {"upscale": "seconds", "ocr": "seconds"}


def run_build(
    root: Path, corpus: Path, *extra: str, env: dict | None = None
) -> subprocess.CompletedProcess:
    result = subprocess.run(
        build_cmd(root, corpus, *extra), capture_output=True, text=True, env=env, timeout=600
    )
    assert "Traceback" not in result.stderr, result.stderr
    return result


def site_files(site: Path) -> dict[str, bytes]:
    return {
        p.relative_to(site).as_posix(): p.read_bytes()
        for p in sorted(site.rglob("*"))
        if p.is_file()
    }


def manifest_records(build: Path) -> dict:
    """The manifest without the fields that measure time (never identical twice) and the
    corpus and site folders' paths (each build here reads and writes its own)."""
    manifest = json.loads((build / "manifest.json").read_text())
    manifest.pop("corpus")
    manifest.pop("out")
    for slide in manifest["slides"]:
        for stage, name in TIMING_FIELDS.items():
            if slide.get(stage):
                slide[stage].pop(name, None)
    return manifest


def assert_same_output(root: Path, reference: Path) -> None:
    got, want = site_files(root / "site"), site_files(reference / "site")
    assert sorted(got) == sorted(want)
    differing = [name for name in want if got[name] != want[name]]
    assert not differing, f"site files differ from the uninterrupted build: {differing[:10]}"
    assert manifest_records(root / "build") == manifest_records(reference / "build")


def report(root: Path) -> dict:
    return json.loads((root / "build" / "report.json").read_text())


@pytest.fixture(scope="module")
def reference(tmp_path_factory, tiny_corpus_master) -> tuple[Path, float]:
    """One uninterrupted build (the local process pool, 2 workers) and how long it took."""
    root = tmp_path_factory.mktemp("reference")
    started = time.monotonic()
    result = run_build(root, tiny_corpus_master, "--workers", "2")
    assert result.returncode == 0, result.stderr
    assert report(root)["slides_built"] == N_SLIDES
    return root, time.monotonic() - started


def test_killed_builds_leave_their_temp_folders_under_pytests_folder(tmp_path_factory):
    # conftest's TMPDIR: the SIGKILLed builds below cannot remove their pymp-* folders
    import multiprocessing.util
    import tempfile

    assert Path(tempfile.gettempdir()).is_relative_to(tmp_path_factory.getbasetemp())
    # where an in-process pool puts its forkserver's socket (cached once made)
    assert Path(multiprocessing.util.get_temp_dir()).is_relative_to(
        tmp_path_factory.getbasetemp())
    probe = subprocess.run([sys.executable, "-c", "import tempfile; print(tempfile.gettempdir())"],
                           capture_output=True, text=True, check=True, timeout=60)
    assert Path(probe.stdout.strip()).is_relative_to(tmp_path_factory.getbasetemp())


def test_sigkill_at_random_points_then_rerun_gives_the_uninterrupted_output(
    tmp_path, tiny_corpus, reference
):
    ref_root, ref_seconds = reference
    rng = random.Random(20261126)
    kill_after = sorted(rng.uniform(0.1, 1.0) * ref_seconds for _ in range(4))
    outcomes = []
    for delay in kill_after:
        # A new session: SIGKILL the whole group (parent, workers, tesseract), as a crash would.
        proc = subprocess.Popen(
            build_cmd(tmp_path, tiny_corpus, "--workers", "2"),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        time.sleep(delay)
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        outcomes.append(proc.wait(timeout=120))
    result = run_build(tmp_path, tiny_corpus, "--workers", "2")
    assert result.returncode == 0, (outcomes, result.stderr)
    assert report(tmp_path)["slides_built"] == N_SLIDES
    assert_same_output(tmp_path, ref_root)
    leftovers = [p for p in (tmp_path / "site").rglob("*") if p.name.endswith(".tmp")]
    assert not leftovers, f"temp files of killed writes left in the site: {leftovers}"


def test_corrupted_cache_entries_are_detected_and_recomputed_never_served(
    tmp_path, tiny_corpus, reference
):
    ref_root, _ = reference
    assert run_build(tmp_path, tiny_corpus, "--workers", "2").returncode == 0
    manifest = json.loads((tmp_path / "build" / "manifest.json").read_text())
    slides = {s["id"]: s for s in manifest["slides"]}
    objects = tmp_path / "build" / "cache" / "objects"

    def entry(key: str, kind: str) -> Path:
        return objects / key[:2] / f"{key}.{kind}"

    # A flipped word in an OCR result that is still valid JSON: served, it would change the site.
    ocr_entry = entry(slides["alpha-robotics/002"]["fingerprints"]["ocr"], "json")
    raw = ocr_entry.read_bytes()
    assert b"aisles" in raw
    ocr_entry.write_bytes(raw.replace(b"aisles", b"aislez"))
    # ...and its upscaled image with one flipped bit: the worker that reads it must redo it.
    worker_png = entry(slides["alpha-robotics/002"]["fingerprints"]["upscale"], "png")
    data = bytearray(worker_png.read_bytes())
    data[len(data) // 2] ^= 0x01
    worker_png.write_bytes(bytes(data))
    # A truncated upscaled image (a torn write from a tool that is not atomic), which the
    # worker reads to encode the slide's published images, gone from the cache.
    up_key = slides["beta-health/002"]["fingerprints"]["upscale"]
    png_entry = entry(up_key, "png")
    png_entry.write_bytes(png_entry.read_bytes()[:5000])
    entry(images_key(up_key), "files").unlink()
    # A classification result with one byte gone.
    classify_entry = entry(slides["beta-health/001"]["fingerprints"]["classify"], "json")
    classify_entry.write_bytes(classify_entry.read_bytes()[:-1])
    # One slide's published images with one flipped bit: the site stage must encode them again.
    images_entry = entry(images_key(slides["beta-health/001"]["fingerprints"]["upscale"]), "files")
    data = bytearray(images_entry.read_bytes())
    data[-100] ^= 0x01
    images_entry.write_bytes(bytes(data))
    shutil.rmtree(tmp_path / "site")  # the site is re-rendered from the (checked) cache

    result = run_build(tmp_path, tiny_corpus, "--workers", "2")
    assert result.returncode == 0, result.stderr
    rep = report(tmp_path)
    assert rep["corrupt_cache_entries"] == 5
    assert "5 damaged cache entries were found and computed again" in result.stderr
    assert rep["stages"]["ocr"]["processed"] == 1
    assert rep["stages"]["upscale"]["processed"] == 2
    assert rep["stages"]["upscale"]["cached"] == N_SLIDES - 2
    assert rep["stages"]["images"]["processed"] == 1
    assert rep["stages"]["classify"]["processed"] == len(DECKS["beta-health"]["slides"])
    assert_same_output(tmp_path, ref_root)
    html = (tmp_path / "site" / "slide" / "alpha-robotics" / "002.html").read_text()
    assert "aisles" in html and "aislez" not in html


HUNG_ONCE_TESSERACT = """#!/bin/sh
# A Tesseract that hangs on the first slide it is given, then behaves.
case "$1" in --*) exec {real} "$@";; esac
if mkdir "{state}/hung" 2>/dev/null; then exec sleep 600; fi
exec {real} "$@"
"""

SLOW_TESSERACT = """#!/bin/sh
# The real Tesseract, a second late on every slide: a build long enough to interrupt.
case "$1" in --*) exec {real} "$@";; esac
sleep 1
exec {real} "$@"
"""


def fake_tesseract(tmp_path: Path, script: str) -> tuple[dict, Path]:
    """An environment whose ``tesseract`` is ``script`` (which runs the real one)."""
    fake_dir = tmp_path / "fake-bin"
    fake_dir.mkdir()
    fake = fake_dir / "tesseract"
    fake.write_text(script.format(real=shutil.which("tesseract"), state=fake_dir))
    fake.chmod(0o755)
    env = dict(os.environ, PATH=f"{fake_dir}{os.pathsep}{os.environ['PATH']}")
    env.pop("DECKGEN_TESSERACT", None)
    return env, fake_dir


def test_hung_tesseract_is_timed_out_per_slide_and_reported(tmp_path, tiny_corpus):
    env, fake_dir = fake_tesseract(tmp_path, HUNG_ONCE_TESSERACT)
    result = run_build(tmp_path, tiny_corpus, "--workers", "2", "--ocr-timeout", "2", env=env)
    assert result.returncode == 0, result.stderr
    assert (fake_dir / "hung").is_dir()  # the fake really was the tesseract used
    rep = report(tmp_path)
    failed = rep["stages"]["ocr"]["failed"]
    assert len(failed) == 1, failed
    assert "timed out after 2 s" in failed[0]["reason"]
    assert failed[0]["file"] in result.stderr and "timed out" in result.stderr
    assert rep["slides_built"] == N_SLIDES - 1

    # A failure is never cached: the next run retries just that slide (the fake hangs only once).
    again = run_build(
        tmp_path, tiny_corpus, "--workers", "2", "--ocr-timeout", "2", "--strict", env=env
    )
    assert again.returncode == 0, again.stderr
    assert report(tmp_path)["stages"]["ocr"]["processed"] == 1
    assert report(tmp_path)["slides_built"] == N_SLIDES


def _count(folder: Path, pattern: str) -> int:
    return sum(1 for _ in folder.rglob(pattern)) if folder.exists() else 0


def test_ctrl_c_exits_130_and_the_next_run_resumes(tmp_path, tiny_corpus, reference):
    ref_root, _ = reference
    objects = tmp_path / "build" / "cache" / "objects"
    # A slow Tesseract keeps the build running well after the first slide is stored,
    # however loaded the machine: the interrupt always lands mid-build.
    env, _ = fake_tesseract(tmp_path, SLOW_TESSERACT)
    # Ctrl-C in a terminal signals the whole foreground group: do the same.
    proc = subprocess.Popen(
        build_cmd(tmp_path, tiny_corpus, "--workers", "2"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        env=env,
        # as from a terminal: a test run started in the background inherits SIGINT ignored
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    deadline = time.monotonic() + 300
    # The parent stores a slide as png, upscale json, OCR json: two json = one slide done.
    while _count(objects, "*.json") < 2 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGINT)
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 130, stderr
    assert "interrupted; finished work is cached" in stderr and "Traceback" not in stderr

    result = run_build(tmp_path, tiny_corpus, "--workers", "2")
    assert result.returncode == 0, result.stderr
    ocr_stage = report(tmp_path)["stages"]["ocr"]
    assert ocr_stage["cached"] >= 1, "nothing finished before Ctrl-C was kept"
    assert ocr_stage["processed"] + ocr_stage["cached"] == N_SLIDES  # only what was left
    assert_same_output(tmp_path, ref_root)


def _descendants(pid: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # gone meanwhile
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"  # a zombie has exited; only its parent's wait is missing


@pytest.mark.parametrize("how", ["SIGKILL", "SIGTERM"])
def test_a_build_killed_alone_takes_its_workers_with_it(tmp_path, tiny_corpus, how):
    # a slow Tesseract: the build is mid-OCR, its workers busy, when the parent is killed
    env, _ = fake_tesseract(tmp_path, SLOW_TESSERACT)
    proc = subprocess.Popen(build_cmd(tmp_path, tiny_corpus, "--workers", "2"),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            start_new_session=True, env=env)
    deadline = time.monotonic() + 120
    workers: set[int] = set()
    while len(workers) < 3 and time.monotonic() < deadline:  # fork server and 2 workers
        time.sleep(0.2)
        workers = _descendants(proc.pid)
    assert len(workers) >= 3, "the pool never started"
    proc.send_signal(getattr(signal, how))  # the parent only, as OOM killers and CI do
    proc.wait(timeout=60)
    if how == "SIGTERM":  # told to stop: it stops like Ctrl-C, saying how to resume
        assert proc.returncode == 130 and "interrupted" in proc.stderr.read()
    deadline = time.monotonic() + 30
    while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.2)
    left = [pid for pid in workers if _alive(pid)]
    for pid in left:
        os.kill(pid, signal.SIGKILL)  # never leave them to the next test
    assert not left, f"{how} of the build left {len(left)} of its processes running"


def test_temp_files_of_writes_killed_mid_site_are_swept(tmp_path, tiny_corpus, reference):
    """A kill during the site stage leaves `.<name>.<random>.tmp` files and no site.key."""
    ref_root, _ = reference
    assert run_build(tmp_path, tiny_corpus, "--workers", "2").returncode == 0
    site = tmp_path / "site"
    planted = [
        site / ".index.html.k1ll3d.tmp",
        site / "search" / ".entry.json.k1ll3d.tmp",
        site / "dataset" / ".deckgen-dataset-v1.tar.gz.k1ll3d.tmp",
        site / "slide" / "alpha-robotics" / ".001.html.k1ll3d.tmp",
    ]
    for path in planted:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"half a file")
    (tmp_path / "build" / "site.key").unlink()
    assert run_build(tmp_path, tiny_corpus, "--workers", "2").returncode == 0
    assert not [p for p in planted if p.exists()]
    assert_same_output(tmp_path, ref_root)


POOL_AFTER_SERIAL = """
import sys
from pathlib import Path
from deckgen.build import Builder
from deckgen.config import load_config

def build(executor):
    out = Path(sys.argv[2]) / executor
    cfg = load_config(None, {"build": {"corpus": sys.argv[1], "out": str(out / "site"),
                                       "cache": str(out / "build"), "executor": executor,
                                       "workers": 2}})
    return Builder(cfg, quiet=True).run().slides_built

if __name__ == "__main__":
    print(build("serial"), build("processes"))
"""


def test_a_pool_build_after_an_in_process_build_does_not_hang(tmp_path, tiny_corpus):
    """A forked worker of a parent whose OpenCV thread pool has run used to deadlock."""
    script = tmp_path / "two_builds.py"
    script.write_text(POOL_AFTER_SERIAL)
    result = subprocess.run(
        [sys.executable, str(script), str(tiny_corpus), str(tmp_path)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [str(N_SLIDES), str(N_SLIDES)]


def _build_into(corpus: Path, site: Path, cache: Path) -> list[str]:
    cmd = build_cmd(site.parent, corpus, "--workers", "2")
    cmd[cmd.index("--out") + 1], cmd[cmd.index("--cache") + 1] = str(site), str(cache)
    return cmd


def _wait_for_a_stored_slide(proc: subprocess.Popen, cache: Path) -> None:
    """Until the build stores its first slide (upscale and OCR json): it is mid-build."""
    objects, deadline = cache / "cache" / "objects", time.monotonic() + 300
    while _count(objects, "*.json") < 2 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert proc.poll() is None, "the build ended before it could be interrupted"


def test_two_builds_into_one_site_folder_the_second_is_refused_at_once(tmp_path, tiny_corpus):
    env, _ = fake_tesseract(tmp_path, SLOW_TESSERACT)
    site = tmp_path / "site"
    first = subprocess.Popen(_build_into(tiny_corpus, site, tmp_path / "build"),
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                             start_new_session=True, env=env)
    try:
        _wait_for_a_stored_slide(first, tmp_path / "build")
        started = time.monotonic()
        second = run_build(tmp_path, tiny_corpus, "--cache", str(tmp_path / "build2"))
        assert second.returncode == 7, second.stderr  # busy
        assert (f"another deckgen run (pid {first.pid}) is using {site}/; wait for it "
                "to finish, or give this one another --out") in second.stderr
        assert time.monotonic() - started < 60  # refused, not after its own OCR
        assert not (tmp_path / "build2" / "site-folders.txt").exists()
        _, stderr = first.communicate(timeout=300)
    finally:
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)
            first.wait()
    assert first.returncode == 0, stderr
    assert report(tmp_path)["slides_built"] == N_SLIDES


def test_a_build_stopped_by_sigterm_leaves_a_report_that_says_so(tmp_path, tiny_corpus):
    env, _ = fake_tesseract(tmp_path, SLOW_TESSERACT)
    build = tmp_path / "build"
    build.mkdir()
    # the last build's report: a monitoring script must not read it as this build's
    (build / "report.json").write_text(json.dumps({"slides": 173, "slides_built": 173}))
    proc = subprocess.Popen(build_cmd(tmp_path, tiny_corpus, "--workers", "2"),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            start_new_session=True, env=env)
    try:
        _wait_for_a_stored_slide(proc, build)
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode == 130 and "interrupted; finished work is cached" in stderr, stderr
    rep = report(tmp_path)
    assert rep["interrupted"] is True and rep["error"] == ""
    assert rep["slides"] == N_SLIDES and rep["slides_built"] == 0
    assert rep["stages"]["upscale"]["processed"] >= 1  # what it had done by then
    # the next build, finished, says so
    assert run_build(tmp_path, tiny_corpus, "--workers", "2").returncode == 0
    assert report(tmp_path)["interrupted"] is False
    assert report(tmp_path)["slides_built"] == N_SLIDES


@contextlib.contextmanager
def _small_disk(folder: Path, size: str, *, read_only: bool = False):
    """A real tmpfs of ``size`` mounted on ``folder`` (read-only if asked); the test is
    skipped where mounting is not permitted (not root, a container without the right)."""
    folder.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs",
                              str(folder)], capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        if read_only:
            (folder / "site").mkdir()  # a folder that exists, as a deployed share's would
            (folder / "build").mkdir()
            subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


@pytest.mark.parametrize("full", ["--out", "--cache"])
def test_a_full_disk_names_the_folder_and_says_to_free_space(tmp_path, tiny_corpus, full):
    with _small_disk(tmp_path / "small", "512k") as small:  # the tiny build needs ~1 MB each
        site = (small if full == "--out" else tmp_path) / "site"
        cache = (small if full == "--cache" else tmp_path) / "build"
        result = subprocess.run(_build_into(tiny_corpus, site, cache), capture_output=True,
                                text=True, timeout=600)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    said = " ".join(result.stderr.split())  # rich wraps long lines
    assert "error: no space left on the disk of " in said, said
    if full == "--out":  # the dataset archive's write, whose path the error lacks, names both
        assert f"the site folder {site}/ (--out)" in said
    else:  # a cache entry's write names its file
        assert f"the cache folder {cache}/ (--cache) (writing {cache}/cache/" in said
    assert "finished work is cached: free space there, then run the same command again" in said
    if full == "--out":  # the report, in the cache, says the build stopped, and why
        assert "no space left" in report(tmp_path)["error"]


@pytest.mark.parametrize("read_only", ["--out", "--cache"])
def test_a_read_only_folder_is_refused_before_any_work(tmp_path, tiny_corpus, read_only):
    with _small_disk(tmp_path / "ro", "1m", read_only=True) as ro:
        site = (ro if read_only == "--out" else tmp_path) / "site"
        cache = (ro if read_only == "--cache" else tmp_path) / "build"
        started = time.monotonic()
        result = subprocess.run(_build_into(tiny_corpus, site, cache), capture_output=True,
                                text=True, timeout=600)
        took = time.monotonic() - started
    assert result.returncode == 2, result.stderr
    said = " ".join(result.stderr.split())
    folder = site if read_only == "--out" else cache
    assert f"error: {read_only} {folder} cannot be written (Read-only file system)" in said, said
    assert not (cache / "cache" / "objects").exists()  # no slide was processed
    assert took < 60, took


def test_a_read_only_folder_inside_the_site_is_the_machines_to_fix_not_bad_input(
        tmp_path, tiny_corpus):
    # a subfolder another user or a read-only mount holds: found only when a page is written
    site, cache = tmp_path / "site", tmp_path / "build"
    first = subprocess.run(_build_into(tiny_corpus, site, cache), capture_output=True, text=True,
                           timeout=600)
    assert first.returncode == 0, first.stderr
    shutil.rmtree(site / "slide")  # the pages are written again, into a read-only folder
    held = site / "slide"
    held.mkdir()
    bound = subprocess.run(["mount", "--bind", str(held), str(held)], capture_output=True,
                           text=True)
    if bound.returncode != 0:
        pytest.skip(f"cannot bind-mount here: {bound.stderr.strip()}")
    try:
        subprocess.run(["mount", "-o", "remount,bind,ro", str(held)], check=True)
        result = subprocess.run(_build_into(tiny_corpus, site, cache), capture_output=True,
                                text=True, timeout=600)
    finally:
        subprocess.run(["umount", "-l", str(held)], check=False)
    assert result.returncode == 2, result.stderr
    said = " ".join(result.stderr.split())
    assert "Read-only file system" in said and "give a folder this user can write" in said, said
