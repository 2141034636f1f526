"""Regenerate deckgen.text._MARK_RANGES and the decimal digits' zeros (text._DIGIT_ZEROS,
search.js DIGIT_ZEROS) from this Python's unicodedata.

    .venv/bin/python tools/mark_ranges.py   # rewrites the blocks in text.py and search.js

The ranges are a literal because scanning the code points at import cost every CLI call and
worker about 25 ms. The zeros are one table written into both files, so Python and the
browser read the same digits as 0-9 (a browser's own Unicode may be newer than Python's).
tests/test_index.py regenerates both and compares, so a Python whose Unicode data is newer
is noticed (then run this, and rerun the tests of search.js).
"""

from __future__ import annotations

import re
import sys
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEXT = ROOT / "deckgen" / "text.py"
SEARCH_JS = ROOT / "site_templates" / "static" / "search.js"
BEGIN = "# --- begin mark ranges (tools/mark_ranges.py writes this block) ---\n"
END = "# --- end mark ranges ---\n"
DIGITS_BEGIN = "# --- begin digit zeros (tools/mark_ranges.py writes this block) ---\n"
DIGITS_END = "# --- end digit zeros ---\n"
JS_DIGITS_BEGIN = "// --- begin digit zeros (tools/mark_ranges.py writes this block) ---\n"
JS_DIGITS_END = "// --- end digit zeros ---\n"


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


def digit_zeros() -> list[int]:
    """The zero of every block of decimal digits (Unicode Nd) but ASCII's: each block is
    the ten digits 0-9 from its zero on (checked here, so a table of zeros is enough)."""
    zeros = [c for c in range(0x80, sys.maxunicode + 1)
             if unicodedata.category(chr(c)) == "Nd" and unicodedata.decimal(chr(c)) == 0]
    for c in range(0x80, sys.maxunicode + 1):
        if unicodedata.category(chr(c)) == "Nd":
            zero = c - unicodedata.decimal(chr(c))
            assert zero in zeros, f"U+{c:04X}: a decimal digit outside a block of ten"
    return zeros


def _cells(cells: list[str], indent: str) -> str:
    """``cells`` on lines of at most 99 characters, each line after ``indent``."""
    lines, line = [], ""
    for cell in cells:
        if line and len(indent) + len(line) + 1 + len(cell) > 99:
            lines.append(indent + line)
            line = ""
        line += (" " if line else "") + cell
    lines.append(indent + line)
    return "\n".join(lines)


def render_digits() -> str:
    """The block of text.py that holds the digits' zeros, begin and end lines included."""
    body = _cells([f"0x{z:04X}," for z in digit_zeros()], "    ")
    return f"{DIGITS_BEGIN}_DIGIT_ZEROS: tuple[int, ...] = (\n{body}\n)\n{DIGITS_END}"


def render_js_digits() -> str:
    """The same zeros as search.js's DIGIT_ZEROS, begin and end lines included."""
    body = _cells([f"0x{z:04x}," for z in digit_zeros()], "  ")
    return f"{JS_DIGITS_BEGIN}const DIGIT_ZEROS = [\n{body}\n];\n{JS_DIGITS_END}"


def render() -> str:
    """The block of text.py that holds the ranges, begin and end lines included."""
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


def block_in(source: str, begin: str, end: str) -> str | None:
    """The block between ``begin`` and ``end`` (both included) in ``source``, or None."""
    found = re.search(re.escape(begin) + ".*?" + re.escape(end), source, re.DOTALL)
    return found[0] if found else None


def rewrite(path: Path, blocks: list[tuple[str, str, str]]) -> None:
    """Replace each (begin, end, new text) block of the file at ``path``."""
    source = path.read_text(encoding="utf-8")
    for begin, end, text in blocks:
        old = block_in(source, begin, end)
        if old is None:
            sys.exit(f"{path}: no block between {begin.strip()!r} and {end.strip()!r}")
        source = source.replace(old, text, 1)
    path.write_text(source, encoding="utf-8")


def main() -> None:
    rewrite(TEXT, [(BEGIN, END, render()), (DIGITS_BEGIN, DIGITS_END, render_digits())])
    rewrite(SEARCH_JS, [(JS_DIGITS_BEGIN, JS_DIGITS_END, render_js_digits())])
    print(f"{TEXT}, {SEARCH_JS}: marks and digits of Unicode {unicodedata.unidata_version}")


if __name__ == "__main__":
    main()
