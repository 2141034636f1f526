"""Write one benchmark's marked section of docs/benchmarks.md, leaving the others alone."""

from __future__ import annotations

import json
from pathlib import Path

DOC = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"


def write_section(section: str, start: str, end: str, path: Path = DOC) -> None:
    """Replace the text from ``start`` to ``end`` with ``section`` (which carries both
    markers), or append it the first time."""
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    if start in text and end in text:
        head, rest = text.split(start, 1)
        text = head + section + rest.split(end, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    path.write_text(text, encoding="utf-8")


def publish(results: dict, saved: Path, section: str, start: str, end: str, docs: bool) -> None:
    """Save the raw results as JSON, print the section, and write it into the doc."""
    saved.write_text(json.dumps(results, indent=1, sort_keys=True, default=str))
    print(section)
    if docs:
        write_section(section, start, end)
