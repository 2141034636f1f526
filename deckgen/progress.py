"""Progress on stderr, one bar per stage with counts and ETA (rich); silent with --quiet.

Without a terminal (a CI log, a pipe) a bar cannot redraw, so a stage prints a plain line
each time another tenth of it is done instead (only its last line when it is short).
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
    def __init__(self, quiet: bool = False):
        self.quiet = quiet
        self.console = Console(stderr=True)

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
        started = time.perf_counter()
        done = tenths = 0

        def advance() -> None:
            nonlocal done, tenths
            done += 1
            if done == total or (total >= 10 and done * 10 // total > tenths):
                tenths = done * 10 // total
                seconds = time.perf_counter() - started
                self.console.print(f"{name}: {done}/{total} ({seconds:.1f} s)", highlight=False)

        yield advance
