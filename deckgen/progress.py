"""Progress on stderr, one bar per stage with counts and ETA (rich); silent with --quiet.

Without a terminal (a CI log, a pipe) a bar cannot redraw, so a stage prints a plain line
each time another tenth of it is done instead, at most one a second.
"""

from __future__ import annotations

import contextlib
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


class Progress:
    def __init__(self, quiet: bool = False, clock: Callable[[], float] = time.perf_counter):
        self.quiet = quiet
        self.console = Console(stderr=True)
        self.clock = clock

    @contextlib.contextmanager
    def stage(self, name: str, total: int) -> Iterator[Callable[[], None]]:
        """Yield an ``advance()`` callable for one stage of ``total`` steps."""
        if self.quiet or total == 0:
            yield lambda: None
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
            yield lambda: bar.advance(task)

    @contextlib.contextmanager
    def _lines(self, name: str, total: int) -> Iterator[Callable[[], None]]:
        started = last = self.clock()
        done = tenths = 0

        def advance() -> None:
            nonlocal done, tenths, last
            done += 1
            now = self.clock()
            # at most a line a second: a fast stage prints only its last one
            if done == total or (done * 10 // total > tenths and now - last >= 1.0):
                tenths, last = done * 10 // total, now
                line = f"{name}: {done}/{total} ({now - started:.1f} s)"
                self.console.print(line, highlight=False)

        yield advance


SILENT = Progress(quiet=True)  # the default for library calls that take a progress
