"""`make bench` and `make lint` on a machine as a fresh clone has it: without ../shared."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.eval_dev import located

ROOT = Path(__file__).resolve().parent.parent


def _bench(name: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "benchmarks" / name), *args],
                          capture_output=True, text=True, timeout=120)


def test_a_missing_default_eval_dev_is_one_line_and_skipped(tmp_path, capsys):
    parser = argparse.ArgumentParser()
    assert located(parser, None, "the curation benchmark", default=tmp_path / "eval-dev") is None
    said = capsys.readouterr().err
    assert said == (f"{tmp_path / 'eval-dev'} not found: the curation benchmark skipped "
                    "(give one with --eval-dev DIR)\n")
    assert located(parser, None, "x", default=tmp_path) == tmp_path


def test_a_given_folder_that_is_missing_or_holds_no_slides_is_refused(tmp_path):
    bundle = _bench("bench_bundle.py", "--slides", str(tmp_path))  # was a table of 0 slides
    assert bundle.returncode == 2 and "no <deck>/<page>.jpg slides in it" in bundle.stderr
    assert "Dataset bundle" not in bundle.stdout
    missing = tmp_path / "nope"
    curation = _bench("bench_curation.py", "--eval-dev", str(missing))  # was a traceback
    assert curation.returncode == 2 and f"--eval-dev {missing}: no such folder" in curation.stderr
    assert "Traceback" not in curation.stderr


@pytest.mark.parametrize(("target", "expected"), [
    ("lint", "ruff check deckgen tests benchmarks tools"),
    ("bench-search", "sh tools/ensure-apt.sh chromium"),  # it launches /usr/bin/chromium
])
def test_make_targets_run_what_they_need(target, expected):
    dry = subprocess.run(["make", "-n", target], cwd=ROOT, capture_output=True, text=True)
    assert any(line.endswith(expected) for line in dry.stdout.splitlines()), dry.stdout
