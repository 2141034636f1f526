"""deckgen.progress: what a stage prints on stderr."""

from __future__ import annotations

import io

from rich.console import Console

from deckgen.progress import Progress


def _printed(quiet: bool, total: int, terminal: bool = False) -> str:
    progress = Progress(quiet=quiet)
    out = io.StringIO()
    progress.console = Console(file=out, force_terminal=terminal, width=100)
    with progress.stage("upscale + ocr", total) as advance:
        for _ in range(total):
            advance()
    return out.getvalue()


def test_without_a_terminal_a_stage_prints_a_line_per_tenth():
    lines = _printed(quiet=False, total=40).splitlines()
    assert [line.split(" (")[0] for line in lines] == [
        f"upscale + ocr: {n}/40" for n in range(4, 41, 4)]
    assert all(line.endswith(" s)") for line in lines)
    assert _printed(quiet=False, total=4).splitlines()[0].startswith("upscale + ocr: 4/4 (")
    assert len(_printed(quiet=False, total=4).splitlines()) == 1  # a short stage: one line


def test_quiet_prints_nothing_and_a_terminal_gets_a_bar():
    assert _printed(quiet=True, total=40) == ""
    bar = _printed(quiet=False, total=40, terminal=True)
    assert "40/40" in bar and "upscale + ocr: " not in bar
