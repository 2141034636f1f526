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
import unicodedata
from dataclasses import dataclass, replace

import numpy as np

from deckgen.records import OcrResult, Word
from deckgen.text import CJK_LETTERS, UNSPACED

# lines of one column sit this many line heights apart at most, or no more than thrice
# as far apart as the lines of the column beside them (``_column_cut``)
_COLUMN_GAP = 6.0
# fragments on one row closer than this many line heights are one line; KPI figures
# side by side (two heights apart) are not
_SAME_LINE_GAP = 1.5
# a word's box spans what its letters reach: "Where" a capital's height, "we" less, "going"
# more (above and below the line). This share of it is a capital's height (DejaVu Sans;
# other faces are close), keyed by (reaches up, reaches down), so lines compare by their
# type's size whatever letters they hold (QA-84: a title wrapped onto "going")
_CAP_SHARE = {(True, False): 1.0, (True, True): 0.75, (False, False): 1.35, (False, True): 0.95}
_ASCENDERS = frozenset("bdfhijklt")  # the dots of i and j reach about as high
_DESCENDERS = frozenset("gjpqy")


@dataclass
class Line:
    """Words read as one line; its geometry is worked out once (words are not added later)."""

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
    def bottom(self) -> float:
        return max(w.box[1] + w.box[3] for w in self.words)

    @functools.cached_property
    def size(self) -> float:
        """The height of a capital in the line's type (``_cap_height``), to compare lines by."""
        return float(np.median([_cap_height(w) for w in self.words]))

    @functools.cached_property
    def middle(self) -> float:
        return float(np.mean([w.box[1] + w.box[3] / 2 for w in self.words]))

    @property
    def text(self) -> str:
        return line_text(self.words)


def _cap_height(word: Word) -> float:
    """A capital's height in the word's type, from its box (``_CAP_SHARE``), read from its
    letters and figures: a quote ("‘European") reaches no further, but a comma reaches down
    as a descender does, brackets both ways and an accent up ("Größe"); the box's own height for
    words of other scripts, or of no letter."""
    core = [unicodedata.normalize("NFD", ch)[0] for ch in word.text if ch.isalnum()]
    if not core or not all(ch.isascii() for ch in core):
        return word.box[3]
    accented = any(ch.isalnum() and not ch.isascii() for ch in word.text)
    brackets = any(ch in "()[]{}|" for ch in word.text)
    up = brackets or accented or any(
        ch.isupper() or ch.isdigit() or ch in _ASCENDERS for ch in core)
    down = brackets or any(ch in _DESCENDERS for ch in core) or any(ch in ",;" for ch in word.text)
    return word.box[3] * _CAP_SHARE[up, down]


def is_letter(ch: str) -> bool:
    """A letter, or a mark that is part of one: Devanagari and Thai vowel signs, Arabic
    vowels, Hebrew points (``str.isalpha`` says no to those: "बाज़ार" has 3 of 6)."""
    return ch.isalpha() or unicodedata.category(ch)[0] == "M"


def line_text(words: list[Word]) -> str:
    """Words (left to right) as a line of text: spaced, except between Chinese or Japanese
    characters (Tesseract reads them a character or two per word; Korean syllables read
    apart are joined into their word by ``ocr._tsv_words``, as Tesseract's text spaces them)."""
    parts: list[str] = []
    for before, word in zip([None, *words], words, strict=False):
        if before is not None and not _unspaced(before, word):
            parts.append(" ")
        parts.append(word.text)
    return "".join(parts)


def _unspaced(a: Word, b: Word) -> bool:
    return bool(a.text and b.text and UNSPACED.match(a.text[-1]) and UNSPACED.match(b.text[0]))


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
                merged[i] = Line(words)
                break
        else:
            open_rows.append(len(merged))
            merged.append(line)
    return _layout_order(merged)


def layer_lines(drawn: list[list[Word]]) -> list[Line]:
    """A PDF text layer's lines, each in the order it is drawn, as fragments like Tesseract's
    sparse blocks: a line is cut where its next word does not go on to the right within a
    fragment's gap (text set in columns side by side, a line drawn back to front), and
    ``reading_order`` joins the fragments of one row as it joins Tesseract's. Hebrew and
    Arabic words come in the order they are read, stepping right to left: such a run stays
    one fragment in that order, as Tesseract gives a right-to-left line."""
    lines: list[Line] = []
    for words in drawn:
        run: list[Word] = []
        for word in words:
            if run:
                before = run[-1]
                height = max(before.box[3], word.box[3])
                gap = word.box[0] - (before.box[0] + before.box[2])
                if word.box[0] < before.box[0] and _right_to_left(before.text + word.text):
                    gap = before.box[0] - (word.box[0] + word.box[2])
                # a jump down or up of half a line: the next row (a line drawn without
                # a break between, as pdfium gives a word hyphenated at a line end)
                jump = abs(word.box[1] + word.box[3] / 2 - (before.box[1] + before.box[3] / 2))
                if not -0.5 * height <= gap < _SAME_LINE_GAP * height or jump > 0.5 * height:
                    lines.append(Line(run))
                    run = []
            run.append(word)
        if run:
            lines.append(Line(run))
    return lines


def _right_to_left(text: str) -> bool:
    """Letters that all read right to left (Hebrew, Arabic); figures go with them."""
    directions = {unicodedata.bidirectional(ch) for ch in text if is_letter(ch)}
    return bool(directions) and directions <= {"R", "AL", "NSM"}


def without_covered(lines: list[Line], cover: list[Word], share: float = 0.3) -> list[Line]:
    """``lines`` without their words that ``cover``'s boxes cover by ``share`` of their area
    or more, or that hold half of a cover box or more (Tesseract's box of a word can take in
    the edge of a picture beside it: QA-79 read "across all" twice): a PDF page's text layer
    has read those exactly; what it lacks (text in its pictures: a chart, a logo, a
    screenshot) stays."""
    words = [word for line in lines for word in line.words]
    covered, holds = _covered_shares(np.array([w.box for w in words], float).reshape(-1, 4),
                                     np.array([c.box for c in cover], float).reshape(-1, 4))
    read = iter((covered < share) & (holds < 0.5))
    kept = [Line([w for w in line.words if next(read)]) for line in lines]
    return [line for line in kept if line.words]


# Tesseract reads a list's bullet disc as "e", "o" or "¢" at 60-92 (QA-80: 81-86); the
# words of a line beside it, at 95 or more
_BULLET_CONF = 95.0


def without_bullets(lines: list[Line], layer: list[Line]) -> list[Line]:
    """Tesseract's ``lines`` on a PDF page without the bullets it read as words: a word of
    one character (not a figure) it is not sure of, smaller than the ``layer`` line on whose
    row it sits, just left of where that line starts (3 of its heights at most). A PDF
    draws a bullet as a shape, so its layer lacks it and ``without_covered`` keeps it; text
    in a picture is words, or a letter no smaller than the text beside it."""

    def bullet(word: Word) -> bool:
        x, y, w, h = word.box
        return (len(word.text) == 1 and not word.text.isdigit() and word.conf < _BULLET_CONF
                and any(h < line.height and abs(y + h / 2 - line.middle) <= 0.5 * line.height
                        and -0.25 * line.height <= line.left - (x + w) <= 3 * line.height
                        for line in layer))

    kept = [Line([w for w in line.words if not bullet(w)]) for line in lines]
    return [line for line in kept if line.words]


def _covered_shares(boxes: np.ndarray, cover: np.ndarray,
                    chunk: int = 256) -> tuple[np.ndarray, np.ndarray]:
    """For each of ``boxes`` (x, y, w, h rows): the area ``cover``'s boxes overlap, summed, as
    a share of its own; and the most of one cover box it holds, as a share of that box. A
    matrix of overlaps a chunk of boxes at a time (a page of thousands of words against
    thousands: seconds one by one, not a gigabyte at once)."""
    shares, holds = np.zeros(len(boxes)), np.zeros(len(boxes))
    left, top = cover[:, 0], cover[:, 1]
    right, bottom = left + cover[:, 2], top + cover[:, 3]
    area = np.maximum(cover[:, 2] * cover[:, 3], 1)
    for start in range(0, len(boxes), chunk):
        x, y, w, h = boxes[start:start + chunk, :, None].transpose(1, 0, 2)
        across = np.clip(np.minimum(x + w, right) - np.maximum(x, left), 0, None)
        down = np.clip(np.minimum(y + h, bottom) - np.maximum(y, top), 0, None)
        shares[start:start + chunk] = (across * down).sum(axis=1) / np.maximum(w * h, 1)[:, 0]
        if len(cover):
            holds[start:start + chunk] = (across * down / area).max(axis=1)
    return shares, holds


def _layout_order(lines: list[Line], columns: bool = True) -> list[Line]:
    """Recursive XY-cut: columns where the lines part into columns, else bands, else rows.

    A slide's "Today | With us" comparison, a row of KPI figures with their labels
    or a team grid reads each column whole; read row by row it interleaves
    unrelated sentences. Where no cut down the page makes columns, the lines split
    at the widest gap across the page (the title from the body, the body from the
    footer), and each part is cut again. Inside a table (``columns`` False) the
    rows split into bands, never into columns.
    """
    if len(lines) < 2:
        return lines
    line_height = float(np.median([ln.height for ln in lines]))
    if columns:
        parts, table = _column_cut(lines, line_height)
        if parts is not None:
            return [ln for part in parts for ln in _layout_order(part)]
        columns = not table
    bands = _band_cut(lines)
    if bands is None:
        return _row_order(lines)
    return [ln for part in bands for ln in _layout_order(part, columns)]


def _gaps(spans: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """The empty stretches between intervals (start, end), widest first."""
    spans = sorted(spans)
    gaps = []
    reach = spans[0][1]
    for start, end in spans[1:]:
        if start > reach:
            gaps.append((reach, start))
        reach = max(reach, end)
    return sorted(gaps, key=lambda gap: gap[0] - gap[1])


def _column_cut(
    lines: list[Line], line_height: float
) -> tuple[tuple[list[Line], list[Line]] | None, bool]:
    """Split at the widest empty vertical strip whose two sides are columns of text.

    Both sides need lines on two rows or more (a page number beside the body, or
    names across a header, are not a column), must start level (a centred title
    above them is not the top of one column) and be spaced alike (a logo at the top
    and a footer at the bottom are not a column beside the body). A table reads
    best row by row ("Q3 2015 Company founded Done", "Revenue $1.2M"): no cut where
    one side is mostly figures, or where every line of one side is level with a
    line of the other. Returns the two sides (or None), and whether a table was seen.
    """
    table = False
    for start, end in _gaps([(ln.left, ln.right) for ln in lines]):
        if end - start < line_height:
            break  # narrower still: the space between words, not between columns
        left = [ln for ln in lines if ln.right <= start]
        right = [ln for ln in lines if ln.left >= end]
        if _one_row(left, line_height) or _one_row(right, line_height):
            continue
        first_left, first_right = (min(side, key=lambda ln: ln.top) for side in (left, right))
        if abs(first_left.top - first_right.top) > max(first_left.height, first_right.height):
            continue
        loose, tight = sorted((_loosest(left), _loosest(right)), reverse=True)
        if loose > max(_COLUMN_GAP * line_height, 3 * tight):
            continue
        if (_mostly_figures(left) or _mostly_figures(right)
                or _table_rows(left, right, line_height)):
            table = True  # columns by their shape: its rows, not its columns, read as one
            continue
        return (left, right), table
    return None, table


def _one_row(lines: list[Line], line_height: float) -> bool:
    return len(lines) < 2 or max(ln.top for ln in lines) - min(ln.top for ln in lines) < line_height


def _table_rows(left: list[Line], right: list[Line], line_height: float) -> bool:
    """Three lines or more on each side, all short and of one size, evenly spaced, every
    line of the shorter side level with one of the other: the cells of a table's rows
    (or of a grid of names that reads as well row by row). Not a row of big KPI figures
    over their captions (their sizes differ), nor cards of a team grid (name, role and
    bio close together, cards apart), nor columns of sentences that line up."""
    fewer, more = sorted((left, right), key=len)
    heights = [ln.height for ln in left + right]
    centres = [ln.top + ln.height / 2 for ln in more]
    tops = sorted(ln.top for ln in fewer)
    pitches = [b - a for a, b in zip(tops, tops[1:], strict=False)]
    even = bool(pitches) and max(pitches) <= 1.5 * max(1.0, min(pitches))
    short = all(len(ln.words) <= 3 for ln in left + right)  # a card's bio is longer
    return (len(fewer) >= 3 and short and even and max(heights) <= 2 * min(heights) and all(
        any(abs(ln.top + ln.height / 2 - c) <= 0.5 * line_height for c in centres)
        for ln in fewer))


def _loosest(lines: list[Line]) -> float:
    """The widest vertical gap between one line of a column and the next."""
    ordered = sorted(lines, key=lambda ln: ln.top)
    return max((b.top - (a.top + a.height) for a, b in zip(ordered, ordered[1:], strict=False)),
               default=0.0)


def _mostly_figures(lines: list[Line]) -> bool:
    figures = sum(sum(ch.isdigit() for ch in ln.text) >= sum(map(is_letter, ln.text))
                  for ln in lines)
    return figures > len(lines) / 2


def _band_cut(lines: list[Line]) -> tuple[list[Line], list[Line]] | None:
    """Split across the page at the widest empty horizontal strip: above it, below it."""
    gaps = _gaps([(ln.top, ln.top + ln.height) for ln in lines])
    if not gaps:
        return None
    top, bottom = gaps[0]
    return ([ln for ln in lines if ln.top + ln.height <= top],
            [ln for ln in lines if ln.top >= bottom])


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
    return gap < _SAME_LINE_GAP * max(ha, hb)


# two letters of any script ("Grö-", "Управ-"), then a hyphen: ASCII's, a soft one, or
# Unicode's U+2010 that some PDF exporters write
_HYPHENS = "-\u00ad\u2010"
_HYPHEN_END = re.compile(rf"[^\W\d_]{{2,}}[{_HYPHENS}]$")


def dehyphenate(texts: list[str]) -> list[str]:
    """Join a word broken with a hyphen at a line end onto the next line's first word.

    A compound broken at one of its own hyphens keeps that hyphen: one with a hyphen
    inside already on either side ("go-to-" / "market", "point-" / "of-sale").
    """
    out = list(texts)
    for i in range(len(out) - 1):
        head, nxt = out[i], out[i + 1]
        if not _HYPHEN_END.search(head) or not nxt or not nxt[0].islower():
            continue
        first, _, rest = nxt.partition(" ")
        compound = any(h in head.rsplit(" ", 1)[-1][:-1] + first for h in "-\u2010")
        out[i] = (head if compound else head[:-1]) + first
        out[i + 1] = rest
    return out  # same length as the input: word.line indices stay valid


def _mostly_letters(line: Line) -> bool:
    text = line.text.replace(" ", "")
    return sum(map(is_letter, text)) >= 0.6 * len(text)


def _sure_words(line: Line) -> list[Word]:
    """The line without its doubtful words that stand apart (a logo read as "wees" beside
    a title). A doubtful word of letters set at word spacing next to a sure one, in its
    size, stays: Tesseract is often least sure of a heading's first word ("SMALL LAW
    FIRMS ARE STUCK" lost "SMALL" at 45)."""
    words = sorted(line.words, key=lambda w: w.box[0])
    keep = [w.conf >= 50 for w in words]
    if not any(keep):
        return line.words
    h = float(np.median([w.box[3] for w, sure in zip(words, keep, strict=True) if sure]))

    def joins(word: Word, neighbour: Word) -> bool:
        gap = max(word.box[0] - neighbour.box[0] - neighbour.box[2],
                  neighbour.box[0] - word.box[0] - word.box[2])
        return (sum(map(is_letter, word.text)) >= 2 and all(map(is_letter, word.text))
                and abs(word.box[3] - h) <= 0.3 * h and gap <= 0.8 * h)

    grown = True
    while grown:  # outwards from the sure words, one neighbour at a time
        grown = False
        for i, word in enumerate(words):
            if not keep[i] and any(0 <= j < len(words) and keep[j] and joins(word, words[j])
                                   for j in (i - 1, i + 1)):
                keep[i] = grown = True
    kept = {id(w) for w, k in zip(words, keep, strict=True) if k}
    return [w for w in line.words if id(w) in kept]


def _looks_like_words(line: Line) -> bool:
    """A title candidate: mostly letters, a real word in it, read with some confidence.

    Judged on the words a title shows (``_sure_words``): a logo beside the heading, read
    as a doubtful word, does not make the heading doubtful.
    """
    sure = _sure_words(line)
    # a word of 3 letters, or 2 of Chinese, Japanese or Korean, which Tesseract reads a
    # character or two per word ("市 場 規 模")
    cjk_runs = CJK_LETTERS.findall(line_text(sure))
    has_word = (any(sum(map(is_letter, w.text)) >= 3 for w in sure)
                or any(len(run) >= 2 for run in cjk_runs))
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
    best = max(top, key=lambda ln: ln.size * (1.2 - 0.5 * ln.top / page_height))
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
    return max(b.top - a.bottom, a.top - b.bottom)


def _wrapped_line(lines: list[Line], best: Line) -> Line | None:
    """The closest line right above or below ``best`` in its size, overlapping it across."""

    h = best.size

    def wraps(ln: Line) -> bool:
        return (
            -0.3 * h < _gap(best, ln) < 0.8 * h  # not beside it on its row
            and abs(ln.size - h) < 0.25 * h
            and ln.left < best.right
            and best.left < ln.right
            and _mostly_letters(ln)
            # a lone glyph is a logo mark or a bullet read as "O" or "A", not half a title
            and any(sum(ch.isalnum() for ch in w.text) >= 2 for w in ln.words)
        )

    return min(filter(wraps, lines), key=lambda ln: _gap(best, ln), default=None)


def _sure_text(line: Line) -> str:
    return line_text(_sure_words(line))


def _lines_of(result: OcrResult) -> list[Line]:
    """The result's lines in reading order, rebuilt from its words (each names its line)."""
    by_line: dict[int, list[Word]] = {}
    for word in result.words:
        by_line.setdefault(word.line, []).append(word)
    return [Line(words) for _, words in sorted(by_line.items())]


def _same_style(a: Line, b: Line) -> bool:
    return abs(a.top - b.top) <= 0.5 * a.size and abs(a.size - b.size) <= 0.2 * a.size


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
