"""deckgen.progress: what a stage prints on stderr."""

from __future__ import annotations

import io

from rich.console import Console

from deckgen.progress import Progress


def _printed(quiet: bool, total: int, terminal: bool = False, step: float = 0.0) -> str:
    ticks = iter(range(10_000))  # a clock that moves `step` seconds per slide
    progress = Progress(quiet=quiet, clock=lambda: next(ticks) * step)
    out = io.StringIO()
    progress.console = Console(file=out, force_terminal=terminal, width=100)
    with progress.stage("upscale + ocr", total) as advance:
        for _ in range(total):
            advance()
    return out.getvalue()


def test_without_a_terminal_a_stage_prints_a_line_per_tenth():
    lines = _printed(quiet=False, total=40, step=0.5).splitlines()  # 2 s per tenth
    assert [line.split(" (")[0] for line in lines] == [
        f"upscale + ocr: {n}/40" for n in range(4, 41, 4)]
    assert lines[0].endswith(" (2.0 s, 2.0/s, eta 18.0 s)")
    assert lines[-1].endswith(" (20.0 s)")  # done: no rate, no eta
    fast = _printed(quiet=False, total=40, step=0.01).splitlines()  # done in 0.4 s
    assert fast == ["upscale + ocr: 40/40 (0.4 s)"]  # only the last line


def test_without_a_terminal_a_slow_stage_prints_a_line_every_half_minute_with_an_eta():
    # 10 s a slide, 1000 slides: a tenth takes 1000 s; a line comes every 30 s instead
    lines = _printed(quiet=False, total=1000, step=10.0).splitlines()
    assert lines[0] == "upscale + ocr: 3/1000 (30.0 s, 10.0 s each, eta 2:46:10)"
    assert lines[1] == "upscale + ocr: 6/1000 (1:00, 10.0 s each, eta 2:45:40)"
    assert "upscale + ocr: 300/1000 (50:00, 10.0 s each, eta 1:56:40)" in lines
    assert lines[-1] == "upscale + ocr: 1000/1000 (2:46:40)"
    counts = [int(line.split(": ")[1].split("/")[0]) for line in lines]
    assert max(b - a for a, b in zip([0, *counts], counts, strict=False)) == 3  # <= 30 s apart
    assert {100 * n for n in range(1, 11)} <= set(counts)  # and each tenth


def test_quiet_prints_nothing_and_a_terminal_gets_a_bar():
    assert _printed(quiet=True, total=40) == ""
    bar = _printed(quiet=False, total=40, terminal=True)
    assert "40/40" in bar and "upscale + ocr: " not in bar


def test_a_stage_can_advance_by_a_batch():
    # deploy deletes 1000 keys a request: one advance for the batch, one line a tenth
    progress = Progress(clock=iter(range(0, 10_000, 2)).__next__)
    out = io.StringIO()
    progress.console = Console(file=out, width=100)
    with progress.stage("delete", 2500) as advance:
        for batch in (1000, 1000, 500):
            advance(batch)
    assert [line.split(" (")[0] for line in out.getvalue().splitlines()] == [
        "delete: 1000/2500", "delete: 2000/2500", "delete: 2500/2500"]
