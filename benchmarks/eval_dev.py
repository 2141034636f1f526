"""Where the benchmarks find the labelled real slides (../shared/eval-dev), and what they
do on a machine without them: say so in one line and skip what needs them."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

EVAL_DEV = Path(__file__).resolve().parent.parent.parent / "shared" / "eval-dev"


def located(parser: argparse.ArgumentParser, given: Path | None, what: str,
            default: Path = EVAL_DEV, flag: str = "--eval-dev") -> Path | None:
    """The folder to read: ``given`` (refused, exit 2, when it is not a folder), or the
    default one; None, after one line saying ``what`` is skipped, when the default is not
    there (a clone without ../shared)."""
    if given is not None:
        if not given.is_dir():
            parser.error(f"{flag} {given}: no such folder")
        return given
    if default.is_dir():
        return default
    print(f"{default} not found: {what} skipped (give one with {flag} DIR)", file=sys.stderr,
          flush=True)
    return None
