"""Progress on stderr, one bar per stage with counts and ETA (rich); silent with --quiet.

Without a terminal (a CI log, a pipe, cron) a bar cannot redraw, so a stage prints a plain
line with its count, rate and ETA instead: each time another tenth of it is done, and at
least every half minute while it runs (a slow stage's tenth can take twenty minutes), but
at most one a second.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Iterator

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.progress import Progress as _RichProgress


class Output(Console):
    """A console that, when its reader goes (`deckgen build 2>&1 | head -2`), turns
    output off and lets the command go on to its own exit code; rich's own would stop it
    with exit 1 (a build halfway, its report.json saying "error": "1"). A build's report
    is in report.json all the same."""

    def on_broken_pipe(self) -> None:
        self.quiet = True
        with contextlib.suppress(OSError, ValueError):  # no file descriptor: quiet is enough
            closed = os.fstat(self.file.fileno())
            devnull = os.open(os.devnull, os.O_WRONLY)
            for fd in (1, 2):  # stdout and stderr, where they are that pipe: to /dev/null
                if os.path.samestat(os.fstat(fd), closed):
                    os.dup2(devnull, fd)
            os.close(devnull)


class Progress:
    def __init__(self, quiet: bool = False, clock: Callable[[], float] = time.perf_counter):
        self.quiet = quiet
        self.console = Output(stderr=True)
        self.clock = clock

    @contextlib.contextmanager
    def stage(self, name: str, total: int) -> Iterator[Callable[..., None]]:
        """Yield an ``advance(steps=1)`` callable for one stage of ``total`` steps."""
        if self.quiet or total == 0:
            yield lambda steps=1: None
            return
        if not self.console.is_terminal:
            with self._lines(name, total) as advance:
                yield advance
            return
        columns = (
            TextColumn("[bold]{task.description:<14}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("eta"),
            TimeRemainingColumn(),
        )
        with _RichProgress(*columns, console=self.console) as bar:
            task = bar.add_task(name, total=total)
            yield lambda steps=1: bar.advance(task, steps)

    @contextlib.contextmanager
    def _lines(self, name: str, total: int) -> Iterator[Callable[..., None]]:
        started = last = self.clock()
        done = tenths = 0

        def advance(steps: int = 1) -> None:
            nonlocal done, tenths, last
            done += steps
            now = self.clock()
            due = done * 10 // total > tenths or now - last >= LINE_EVERY_S
            # at most a line a second: a fast stage prints only its last one
            if done >= total or (due and now - last >= 1.0):
                tenths, last = done * 10 // total, now
                self.console.print(_line(name, done, total, now - started), highlight=False)

        yield advance


LINE_EVERY_S = 30.0  # without a terminal, the longest silence while a stage moves


def _line(name: str, done: int, total: int, elapsed: float) -> str:
    """"upscale + ocr: 300/15000 (5:00, 1.0/s, eta 4:05:00)"; the last without rate and eta."""
    if done == total or elapsed <= 0:
        return f"{name}: {done}/{total} ({_duration(elapsed)})"
    rate = f"{done / elapsed:.1f}/s" if done >= elapsed else f"{elapsed / done:.1f} s each"
    eta = _duration((total - done) * elapsed / done)
    return f"{name}: {done}/{total} ({_duration(elapsed)}, {rate}, eta {eta})"


def _duration(seconds: float) -> str:
    """12.3 s, 4:05, 1:02:03."""
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


SILENT = Progress(quiet=True)  # the default for library calls that take a progress
