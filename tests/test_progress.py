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
    assert lines[0].endswith(" (2.0 s)") and lines[-1].endswith(" (20.0 s)")
    fast = _printed(quiet=False, total=40, step=0.01).splitlines()  # done in 0.4 s
    assert fast == ["upscale + ocr: 40/40 (0.4 s)"]  # only the last line


def test_quiet_prints_nothing_and_a_terminal_gets_a_bar():
    assert _printed(quiet=True, total=40) == ""
    bar = _printed(quiet=False, total=40, terminal=True)
    assert "40/40" in bar and "upscale + ocr: " not in bar
