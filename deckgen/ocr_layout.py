"""Layout of one slide's OCR: lines in reading order, broken words joined, the title.

``ocr.py`` turns Tesseract's TSV into ``Line``s of words with boxes; this module decides
how they read. Rows are rebuilt from the boxes (sparse page segmentation cuts a row into
many blocks), columns read one after the other (a recursive XY-cut), a word hyphenated
at a line end is joined, and the title is found by size and position, per slide and
(``with_deck_titles``) by the deck's template. What this module reads into a slide's
text is OCR output: a change here that changes it bumps ``ocr.VERSION``.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, replace

import numpy as np

from deckgen.records import OcrResult, Word

# a gap across the page this many line heights tall parts title, body and footer
# (bullets and paragraphs sit closer); ``_layout_order`` cuts there before columns
_SECTION_GAP = 2.0


@dataclass
class Line:
    """Words read as one line; its geometry is worked out once (words are not added later)."""

    key: tuple[int, int, int]
    words: list[Word]

    @functools.cached_property
    def top(self) -> float:
        return min(w.box[1] for w in self.words)

    @functools.cached_property
    def left(self) -> float:
        return min(w.box[0] for w in self.words)

    @functools.cached_property
    def right(self) -> float:
        return max(w.box[0] + w.box[2] for w in self.words)

    @functools.cached_property
    def height(self) -> float:
        return float(np.median([w.box[3] for w in self.words]))

    @functools.cached_property
    def middle(self) -> float:
        return float(np.mean([w.box[1] + w.box[3] / 2 for w in self.words]))

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)


def reading_order(lines: list[Line]) -> list[Line]:
    """Merge fragments that sit on one visual row, then order them as a reader would.

    Sparse modes (psm 11/12) cut a row into many blocks; Tesseract's block
    order then jumps around. Rows are rebuilt from the boxes themselves, and
    text set in columns reads one column after the other (``_layout_order``).
    """
    merged: list[Line] = []
    open_rows: list[int] = []  # the merged lines a later fragment may still join
    for line in sorted(lines, key=lambda ln: (ln.top, ln.left)):
        # later fragments start lower still: a row a line height above this one is closed
        open_rows = [i for i in open_rows if merged[i].middle >= line.top - line.height]
        for i in open_rows:
            if _same_row(merged[i], line):
                words = sorted(merged[i].words + line.words, key=lambda w: w.box[0])
                merged[i] = Line(merged[i].key, words)
                break
        else:
            open_rows.append(len(merged))
            merged.append(line)
    return _layout_order(merged)


def _layout_order(lines: list[Line]) -> list[Line]:
    """Recursive XY-cut: wide gaps across the page first, then columns, then rows.

    A slide's "Today | With us" comparison or a team grid reads each column
    whole; read row by row it interleaves two unrelated sentences. A gap across
    the page wider than two lines parts things that do not belong together (the
    title, the body, the footer); inside a part, a cut down the page makes
    columns; failing both, the part splits at its widest gap across, and each
    part is cut again.
    """
    if len(lines) < 2:
        return lines
    line_height = float(np.median([ln.height for ln in lines]))
    bands = _band_cut(lines)
    if bands is None or bands[2] < _SECTION_GAP * line_height:
        columns = _column_cut(lines, line_height)
        if columns is not None:
            return [ln for part in columns for ln in _layout_order(part)]
    if bands is not None:
        return [ln for part in bands[:2] for ln in _layout_order(part)]
    return _row_order(lines)


def _widest_gap(spans: list[tuple[float, float]]) -> tuple[float, float] | None:
    """The widest empty stretch between intervals (start, end), or None if they all touch."""
    spans = sorted(spans)
    best: tuple[float, float] | None = None
    reach = spans[0][1]
    for start, end in spans[1:]:
        if start > reach and (best is None or start - reach > best[1] - best[0]):
            best = (reach, start)
        reach = max(reach, end)
    return best


def _column_cut(lines: list[Line], line_height: float) -> tuple[list[Line], list[Line]] | None:
    """Split at an empty vertical strip when both sides are columns of text.

    Both sides need two lines or more (a page number beside the body is not a
    column) and must start level (a centred title above them is not the top of
    one column); neither may be mostly figures: a table's label column and its
    numbers read best row by row ("Revenue $1.2M").
    """
    gap = _widest_gap([(ln.left, ln.right) for ln in lines])
    if gap is None or gap[1] - gap[0] < line_height:
        return None
    left = [ln for ln in lines if ln.right <= gap[0]]
    right = [ln for ln in lines if ln.left >= gap[1]]
    if min(len(left), len(right)) < 2 or _mostly_figures(left) or _mostly_figures(right):
        return None
    first_left, first_right = (min(side, key=lambda ln: ln.top) for side in (left, right))
    if abs(first_left.top - first_right.top) > max(first_left.height, first_right.height):
        return None
    return left, right


def _mostly_figures(lines: list[Line]) -> bool:
    figures = sum(sum(ch.isdigit() for ch in ln.text) >= sum(ch.isalpha() for ch in ln.text)
                  for ln in lines)
    return figures > len(lines) / 2


def _band_cut(lines: list[Line]) -> tuple[list[Line], list[Line], float] | None:
    """Split across the page at the widest empty horizontal strip: above, below, its height."""
    gap = _widest_gap([(ln.top, ln.top + ln.height) for ln in lines])
    if gap is None:
        return None
    above = [ln for ln in lines if ln.top + ln.height <= gap[0]]
    return above, [ln for ln in lines if ln.top >= gap[1]], gap[1] - gap[0]


def _row_order(lines: list[Line]) -> list[Line]:
    """Top to bottom; lines whose centres lie within half a line height read left to right."""
    lines = sorted(lines, key=lambda ln: ln.top + ln.height / 2)
    ordered: list[tuple[int, float, Line]] = []
    row, row_centre = 0, None
    for line in lines:
        centre = line.top + line.height / 2
        if row_centre is not None and centre - row_centre > 0.5 * line.height:
            row += 1
            row_centre = centre
        row_centre = centre if row_centre is None else row_centre
        ordered.append((row, line.left, line))
    ordered.sort(key=lambda item: (item[0], item[1]))
    return [line for _, _, line in ordered]


def _same_row(a: Line, b: Line) -> bool:
    """Same visual row and close enough horizontally to read as one line."""
    ha, hb = a.height, b.height
    if max(ha, hb) > 1.6 * max(1.0, min(ha, hb)):
        return False
    if abs(a.middle - b.middle) > 0.5 * min(ha, hb):
        return False
    gap = max(b.left - a.right, a.left - b.right)
    return gap < 2.5 * max(ha, hb)


_HYPHEN_END = re.compile(r"[A-Za-z]{2,}[-\u00ad]$")


def dehyphenate(texts: list[str]) -> list[str]:
    """Join a word broken with a hyphen at a line end onto the next line's first word.

    A word with a hyphen inside already ("go-to-" / "market") is a compound broken
    at one of its own hyphens: it keeps that hyphen ("go-to-market").
    """
    out = list(texts)
    for i in range(len(out) - 1):
        head, nxt = out[i], out[i + 1]
        if not _HYPHEN_END.search(head) or not nxt or not nxt[0].islower():
            continue
        first, _, rest = nxt.partition(" ")
        compound = "-" in head.rsplit(" ", 1)[-1][:-1]
        out[i] = (head if compound else head[:-1]) + first
        out[i + 1] = rest
    return out  # same length as the input: word.line indices stay valid


def _mostly_letters(line: Line) -> bool:
    text = line.text.replace(" ", "")
    return sum(ch.isalpha() for ch in text) >= 0.6 * len(text)


def _sure_words(line: Line) -> list[Word]:
    """The line without its doubtful words (a logo read as "wees" beside a title)."""
    return [w for w in line.words if w.conf >= 50] or line.words


def _looks_like_words(line: Line) -> bool:
    """A title candidate: mostly letters, a real word in it, read with some confidence.

    Judged on the words a title shows (``_sure_words``): a logo beside the heading, read
    as a doubtful word, does not make the heading doubtful.
    """
    sure = _sure_words(line)
    has_word = any(sum(ch.isalpha() for ch in w.text) >= 3 for w in sure)
    confident = float(np.mean([w.conf for w in sure])) >= 60
    return has_word and confident and _mostly_letters(line)


def find_title(lines: list[Line], page_height: float) -> str:
    """The largest wordy text near the top of the slide (wrapped onto 2 lines at most).

    Big numbers ("$4.2B", "54%") are not titles; among word lines, size
    dominates and a higher position breaks near-ties.
    """
    wordy = [ln for ln in lines if _looks_like_words(ln)]
    if not wordy:
        return ""
    top = [ln for ln in wordy if ln.top < 0.45 * page_height] or wordy
    best = max(top, key=lambda ln: ln.height * (1.2 - 0.5 * ln.top / page_height))
    return _title_from(lines, best)


def _title_from(lines: list[Line], best: Line) -> str:
    """The title line, with the line its title wraps onto when there is one.

    Found by geometry, not reading order: a column beside a two-line title reads in
    between its lines, and the biggest line may be the title's second line.
    """
    wrapped = _wrapped_line(lines, best)
    title = sorted([best, wrapped] if wrapped else [best], key=lambda ln: ln.top)
    return " ".join(t for t in dehyphenate([_sure_text(ln) for ln in title]) if t)


def _gap(a: Line, b: Line) -> float:
    """Vertical white space between two lines (negative when they overlap)."""
    return max(b.top - (a.top + a.height), a.top - (b.top + b.height))


def _wrapped_line(lines: list[Line], best: Line) -> Line | None:
    """The closest line right above or below ``best`` in its size, overlapping it across."""

    h = best.height

    def wraps(ln: Line) -> bool:
        return (
            -0.3 * h < _gap(best, ln) < 0.8 * h  # not beside it on its row
            and abs(ln.height - h) < 0.25 * h
            and ln.left < best.right
            and best.left < ln.right
            and _mostly_letters(ln)
            # a lone glyph is a logo mark or a bullet read as "O" or "A", not half a title
            and any(sum(ch.isalnum() for ch in w.text) >= 2 for w in ln.words)
        )

    return min(filter(wraps, lines), key=lambda ln: _gap(best, ln), default=None)


def _sure_text(line: Line) -> str:
    return " ".join(w.text for w in _sure_words(line))


def _lines_of(result: OcrResult) -> list[Line]:
    """The result's lines in reading order, rebuilt from its words (each names its line)."""
    by_line: dict[int, list[Word]] = {}
    for word in result.words:
        by_line.setdefault(word.line, []).append(word)
    return [Line((0, 0, n), words) for n, words in sorted(by_line.items())]


def _same_style(a: Line, b: Line) -> bool:
    return abs(a.top - b.top) <= 0.5 * a.height and abs(a.height - b.height) <= 0.2 * a.height


def with_deck_titles(results: list[OcrResult]) -> list[OcrResult]:
    """One deck's OCR results (page order), titled by the deck's title style.

    A template puts every heading at one place in one size. Some set it small (an
    all-caps line along the top edge) above bigger text, where the largest-text rule
    of ``find_title`` picks a logo or a quote instead. When the topmost word lines
    of at least half the slides share a position and size and say different things
    (a running header or a logo says the same thing on every slide), that line is
    the title of every slide that has it. Other decks come back unchanged.
    """
    lines = [_lines_of(r) for r in results]
    tops = [
        min((ln for ln in ls if _looks_like_words(ln)), key=lambda ln: ln.top, default=None)
        for ls in lines
    ]
    present = [ln for ln in tops if ln is not None]
    style: list[Line] = []
    for candidate in present:
        members = [ln for ln in present if _same_style(candidate, ln)]
        distinct = {re.sub(r"\W", "", ln.text.lower()) for ln in members}
        if len(distinct) >= 0.8 * len(members) and len(members) > len(style):
            style = members
    if len(style) < max(3, len(results) / 2):
        return results
    in_style = {id(ln) for ln in style}
    return [
        replace(r, title=_title_from(ls, top)) if top is not None and id(top) in in_style else r
        for r, ls, top in zip(results, lines, tops, strict=True)
    ]
