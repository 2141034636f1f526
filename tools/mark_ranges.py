"""Regenerate deckgen.records._MARK_RANGES from this Python's unicodedata.

    .venv/bin/python tools/mark_ranges.py          # rewrites the block in deckgen/records.py

The ranges are a literal because scanning the code points at import cost every CLI call and
worker about 25 ms. tests/test_index.py regenerates them and compares, so a Python whose
Unicode data is newer is noticed (then run this, and rerun the tests of search.js).
"""

from __future__ import annotations

import re
import sys
import unicodedata
from pathlib import Path

RECORDS = Path(__file__).resolve().parent.parent / "deckgen" / "records.py"
BEGIN = "# --- begin mark ranges (tools/mark_ranges.py writes this block) ---\n"
END = "# --- end mark ranges ---\n"


def mark_ranges() -> list[tuple[int, int]]:
    """Every combining mark (Unicode M*) this Python knows, as (first, last) code points."""
    ranges: list[list[int]] = []
    for c in range(sys.maxunicode + 1):
        if unicodedata.category(chr(c))[0] != "M":
            continue
        if ranges and ranges[-1][1] == c - 1:
            ranges[-1][1] = c
        else:
            ranges.append([c, c])
    return [(a, b) for a, b in ranges]


def render() -> str:
    """The block of records.py that holds the ranges, begin and end lines included."""
    cells = [f"(0x{a:04X}, 0x{b:04X})," for a, b in mark_ranges()]
    lines, line = [], "   "
    for cell in cells:
        if len(line) + 1 + len(cell) > 99:
            lines.append(line)
            line = "   "
        line += " " + cell
    lines.append(line)
    body = "\n".join(lines)
    return (f"{BEGIN}_MARKS_UNICODE = \"{unicodedata.unidata_version}\"\n"
            f"_MARK_RANGES: tuple[tuple[int, int], ...] = (\n{body}\n)\n{END}")


def main() -> None:
    source = RECORDS.read_text(encoding="utf-8")
    block = re.compile(re.escape(BEGIN) + ".*?" + re.escape(END), re.DOTALL)
    if not block.search(source):
        sys.exit(f"{RECORDS}: no block between {BEGIN.strip()!r} and {END.strip()!r}")
    RECORDS.write_text(block.sub(lambda _: render(), source, count=1), encoding="utf-8")
    print(f"{RECORDS}: mark ranges of Unicode {unicodedata.unidata_version}")


if __name__ == "__main__":
    main()
