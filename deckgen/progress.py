"""Progress bars on stderr (rich), one per stage, with counts and ETA; silent with --quiet."""

from __future__ import annotations

import contextlib
import sys
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
        columns = (
            TextColumn("[bold]{task.description:<14}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("eta"),
            TimeRemainingColumn(),
        )
        with _RichProgress(
            *columns, console=self.console, transient=not sys.stderr.isatty()
        ) as bar:
            task = bar.add_task(name, total=total)
            yield lambda: bar.advance(task)
