"""OCR stage: Tesseract's TSV output -> words, boxes, confidences, lines, title.

The stage is a pure function of (upscaled PNG bytes, ``VERSION``, ``OcrParams``).

Tesseract reads dark text on a light background best. Slides are full of the
opposite (dark full-bleed slides, coloured title bars with white text), so
``_prepare`` inverts every *region* whose local background is dark before
Tesseract sees the page: the inversion happens here, in ocr.py, and nowhere
else. Word boxes are returned in *source* slide pixels (divided by ``scale``).

Tesseract runs as a subprocess with ``OMP_THREAD_LIMIT=1`` (one thread per
worker, so a process pool does not oversubscribe the cores) and a per-slide
timeout that kills a hung process.

The call is the one pytesseract's ``image_to_data`` makes (``tesseract ... tsv``),
made here directly: the slide goes in on stdin rather than through two temporary
files, the thread limit is set for that process only rather than in ``os.environ``,
the binary is looked up per call rather than held in a module global, and a crash,
a hang or a missing language pack each become their own clear error. pytesseract
stays a dependency for the benchmarks that reproduce its baseline numbers.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import time
from dataclasses import dataclass, replace

import cv2
import numpy as np

from deckgen.errors import MissingDependencyError, SlideError
from deckgen.records import OcrResult, Word

# ocr-8: columns read one after the other (XY-cut); compounds keep their hyphen
VERSION = "ocr-8"

INSTALL_HINT = "sudo apt-get install -y tesseract-ocr"
# words of 1-2 letters need this confidence: on real slides it removed a tenth of the
# false words for a quarter of a point of recall (docs/benchmarks.md)
_SHORT_WORD_CONF = 60.0
# a gap across the page this many line heights tall parts title, body and footer
# (bullets and paragraphs sit closer); ``_layout_order`` cuts there before columns
_SECTION_GAP = 2.0


@dataclass(frozen=True)
class OcrParams:
    lang: str = "eng"
    # psm 11 (sparse text) read the most words on real slides; see docs/benchmarks.md
    psm: int = 11
    min_conf: float = 30.0  # drop words Tesseract is less sure of than this (0..100)
    timeout: float = 60.0  # seconds per slide; a hung tesseract is killed


# --------------------------------------------------------------------------- tesseract


def _tesseract_path() -> str:
    """The tesseract binary on PATH (looked up per call: tests swap PATH)."""
    path = shutil.which(os.environ.get("DECKGEN_TESSERACT", "tesseract"))
    if path is None:
        raise MissingDependencyError(
            f"Tesseract is not installed (no `tesseract` on PATH). Install it: {INSTALL_HINT}"
        )
    return path


def tesseract_version() -> str:
    """First line of ``tesseract --version`` ("tesseract 5.3.0"); "" when it cannot run."""
    try:
        out = subprocess.run([_tesseract_path(), "--version"], capture_output=True, text=True,
                             timeout=30, check=False)
    except (MissingDependencyError, OSError, subprocess.TimeoutExpired):
        return ""
    lines = (out.stdout or out.stderr).strip().splitlines()
    return lines[0].strip() if lines else ""


def _lang_package(lang: str) -> str:
    return "tesseract-ocr-" + lang.lower().replace("_", "-")


@functools.lru_cache(maxsize=32)
def _installed_langs(binary: str) -> frozenset[str]:
    try:
        out = subprocess.run(
            [binary, "--list-langs"], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise MissingDependencyError(f"cannot run {binary}: {exc}. {INSTALL_HINT}") from exc
    lines = (out.stdout + out.stderr).splitlines()
    return frozenset(line.strip() for line in lines[1:] if line.strip())


def check_tesseract(lang: str = "eng") -> None:
    """Raise MissingDependencyError (with the apt command) if tesseract or ``lang`` is missing."""
    binary = _tesseract_path()
    installed = _installed_langs(binary)
    missing = [part for part in lang.split("+") if part not in installed]
    if missing:
        packages = " ".join(_lang_package(m) for m in missing)
        raise MissingDependencyError(
            f"Tesseract language pack(s) {', '.join(missing)} not installed "
            f"(have: {', '.join(sorted(installed)) or 'none'}). "
            f"Install: sudo apt-get install -y {packages}"
        )


def _run_tesseract(png: bytes, params: OcrParams) -> str:
    binary = _tesseract_path()
    cmd = [binary, "stdin", "stdout", "-l", params.lang, "--psm", str(params.psm), "tsv"]
    env = dict(os.environ, OMP_THREAD_LIMIT="1")
    try:
        proc = subprocess.run(
            cmd, input=png, capture_output=True, timeout=params.timeout, env=env, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise SlideError(
            f"tesseract timed out after {params.timeout:g} s (killed); "
            "raise the OCR timeout or check the image"
        ) from exc
    except OSError as exc:
        raise SlideError(f"tesseract could not start: {exc}") from exc
    stderr = proc.stderr.decode("utf-8", "replace").strip()
    if "Failed loading language" in stderr or "couldn't load any languages" in stderr:
        raise MissingDependencyError(
            f"Tesseract language pack '{params.lang}' not installed. "
            f"Install: sudo apt-get install -y {_lang_package(params.lang)}"
        )
    if proc.returncode != 0:
        how = f"signal {-proc.returncode}" if proc.returncode < 0 else f"exit {proc.returncode}"
        lines = stderr.splitlines()
        # its reason ("Image too large: (571, 34272)") comes first, a generic line last
        said = "; ".join(dict.fromkeys(lines[:1] + lines[-1:])) if lines else "no message"
        raise SlideError(f"tesseract crashed ({how}): {said}")
    return proc.stdout.decode("utf-8", "replace")


# --------------------------------------------------------------------------- image


def _decode_gray(image_png: bytes) -> np.ndarray:
    arr = np.frombuffer(image_png, dtype=np.uint8)
    img = cv2.imdecode(arr, cv2.IMREAD_UNCHANGED)
    if img is None:
        raise SlideError("OCR input is not a decodable image")
    if img.ndim == 3 and img.shape[2] == 4:  # flatten transparency onto white
        alpha = img[:, :, 3:4].astype(np.float32) / 255.0
        img = (img[:, :, :3] * alpha + 255 * (1 - alpha)).astype(np.uint8)
    if img.ndim == 3:
        img = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
    if img.dtype != np.uint8:
        img = cv2.normalize(img, None, 0, 255, cv2.NORM_MINMAX).astype(np.uint8)
    return img


def dark_background_mask(gray: np.ndarray) -> np.ndarray:
    """True over background regions that carry light text (light-on-dark)."""
    return _background(gray)[0]


def _background(gray: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """(mask of light-on-dark regions, background level after inversion, per pixel).

    The page is cut into small blocks; each block's median is its background.
    Neighbouring blocks of similar background form one region (flood fill), so
    a title bar or a dark panel is decided as a whole and inverted cleanly.
    Text blocks vote: a background nearer the block's darkest pixel than its
    lightest means light text. Regions without text follow their brightness.
    """
    h, w = gray.shape
    block = max(4, round(max(h, w) / 120))
    bh, bw = h // block, w // block
    if bh < 2 or bw < 2:
        return np.zeros_like(gray, dtype=bool), None
    tiles = gray[: bh * block, : bw * block].reshape(bh, block, bw, block).transpose(0, 2, 1, 3)
    tiles = tiles.reshape(bh, bw, block * block)
    bg = np.median(tiles, axis=2).astype(np.uint8)
    lo = tiles.min(axis=2).astype(np.int16)
    hi = tiles.max(axis=2).astype(np.int16)
    contrast = hi - lo
    vote = np.where(contrast > 60, np.sign((hi - bg) - (bg - lo)) * contrast, 0)  # + light text

    labels = _background_regions(bg)
    sizes = np.bincount(labels.ravel())
    light_votes = np.bincount(labels.ravel(), weights=vote.ravel(), minlength=len(sizes))
    any_votes = np.bincount(labels.ravel(), weights=np.abs(vote).ravel(), minlength=len(sizes))
    mean_bg = np.bincount(labels.ravel(), weights=bg.ravel(), minlength=len(sizes)) / sizes
    decide = np.where(any_votes > 0, light_votes > 0, mean_bg < 100)
    # a few blocks (the inside of a bold letter, a bullet) follow the region around them
    small = sizes < max(8, 0.01 * bh * bw)
    for label in np.nonzero(small)[0]:
        ring = cv2.dilate((labels == label).astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
        around = labels[ring & ~small[labels]]
        if around.size:
            decide[label] = np.bincount(decide[around].astype(np.int64), minlength=2).argmax()
    invert = decide[labels]
    # background after inversion; the brightest nearby block, so text-filled blocks do not count
    level = cv2.dilate(np.where(invert, 255 - bg, bg).astype(np.uint8), np.ones((3, 3), np.uint8))
    return _to_pixels(invert.astype(np.uint8), block, h, w).astype(bool), _to_pixels(
        level, block, h, w, cv2.INTER_LINEAR
    )


def _to_pixels(blocks: np.ndarray, block: int, h: int, w: int, interp: int = cv2.INTER_NEAREST):
    """Blow a per-block map up to the page size (edge blocks extend to the border)."""
    bh, bw = blocks.shape
    grown = cv2.resize(blocks, (bw * block, bh * block), interpolation=interp)
    return cv2.copyMakeBorder(grown, 0, h - bh * block, 0, w - bw * block, cv2.BORDER_REPLICATE)


def _background_regions(bg: np.ndarray) -> np.ndarray:
    """Label connected blocks whose background is within 20 grey levels of a seed."""
    bh, bw = bg.shape
    labels = np.full((bh, bw), -1, np.int64)
    mask = np.zeros((bh + 2, bw + 2), np.uint8)
    flags = 4 | cv2.FLOODFILL_MASK_ONLY | cv2.FLOODFILL_FIXED_RANGE | (1 << 8)
    next_label = 0
    for y in range(bh):
        for x in range(bw):
            if labels[y, x] >= 0:
                continue
            mask[:] = 0
            mask[1:-1, 1:-1] = labels >= 0  # already labelled blocks act as walls
            cv2.floodFill(bg, mask, (x, y), 0, 20, 20, flags)
            labels[(mask[1:-1, 1:-1] > 0) & (labels < 0)] = next_label
            next_label += 1
    return labels


def _prepare(gray: np.ndarray, invert: bool = True, flatten: bool = True) -> np.ndarray:
    """Dark-on-light page for Tesseract: light-on-dark regions inverted, background evened out.

    Tesseract binarises with one global threshold; a grey title bar next to a
    white page would go black entirely, so every region's background is
    stretched to white (text / background level) after the inversion.
    """
    mask, level = _background(gray)
    if level is None:
        return gray
    out = np.where(mask, 255 - gray, gray) if invert else gray
    if flatten:
        ratio = out.astype(np.float32) * 255.0 / np.maximum(level.astype(np.float32), 48.0)
        out = np.clip(ratio, 0, 255)
    return out.astype(np.uint8)


# --------------------------------------------------------------------------- layout


@dataclass
class _Line:
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


def _parse_tsv(tsv: str, scale: float, min_conf: float) -> list[_Line]:
    lines: dict[tuple[int, int, int], _Line] = {}
    for row in tsv.splitlines()[1:]:
        cols = row.split("\t")
        if len(cols) < 12 or cols[0] != "5":
            continue
        text = cols[11].strip()
        try:
            conf = float(cols[10])
        except ValueError:
            continue
        alnum = sum(ch.isalnum() for ch in text)
        if not alnum or conf < min_conf:
            continue
        if alnum <= 2 and conf < max(min_conf, _SHORT_WORD_CONF):
            continue  # icons and bullets read as "fi", "E®": short and unsure is noise
        block, par, line = int(cols[2]), int(cols[3]), int(cols[4])
        left, top, width, height = (int(c) for c in cols[6:10])
        box = [round(left / scale), round(top / scale), round(width / scale), round(height / scale)]
        key = (block, par, line)
        lines.setdefault(key, _Line(key, [])).words.append(Word(text, round(conf, 1), box))
    return list(lines.values())


def _reading_order(lines: list[_Line]) -> list[_Line]:
    """Merge fragments that sit on one visual row, then order them as a reader would.

    Sparse modes (psm 11/12) cut a row into many blocks; Tesseract's block
    order then jumps around. Rows are rebuilt from the boxes themselves, and
    text set in columns reads one column after the other (``_layout_order``).
    """
    merged: list[_Line] = []
    open_rows: list[int] = []  # the merged lines a later fragment may still join
    for line in sorted(lines, key=lambda ln: (ln.top, ln.left)):
        # later fragments start lower still: a row a line height above this one is closed
        open_rows = [i for i in open_rows if merged[i].middle >= line.top - line.height]
        for i in open_rows:
            if _same_row(merged[i], line):
                words = sorted(merged[i].words + line.words, key=lambda w: w.box[0])
                merged[i] = _Line(merged[i].key, words)
                break
        else:
            open_rows.append(len(merged))
            merged.append(line)
    return _layout_order(merged)


def _layout_order(lines: list[_Line]) -> list[_Line]:
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


def _column_cut(lines: list[_Line], line_height: float) -> tuple[list[_Line], list[_Line]] | None:
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


def _mostly_figures(lines: list[_Line]) -> bool:
    figures = sum(sum(ch.isdigit() for ch in ln.text) >= sum(ch.isalpha() for ch in ln.text)
                  for ln in lines)
    return figures > len(lines) / 2


def _band_cut(lines: list[_Line]) -> tuple[list[_Line], list[_Line], float] | None:
    """Split across the page at the widest empty horizontal strip: above, below, its height."""
    gap = _widest_gap([(ln.top, ln.top + ln.height) for ln in lines])
    if gap is None:
        return None
    above = [ln for ln in lines if ln.top + ln.height <= gap[0]]
    return above, [ln for ln in lines if ln.top >= gap[1]], gap[1] - gap[0]


def _row_order(lines: list[_Line]) -> list[_Line]:
    """Top to bottom; lines whose centres lie within half a line height read left to right."""
    lines = sorted(lines, key=lambda ln: ln.top + ln.height / 2)
    ordered: list[tuple[int, float, _Line]] = []
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


def _same_row(a: _Line, b: _Line) -> bool:
    """Same visual row and close enough horizontally to read as one line."""
    ha, hb = a.height, b.height
    if max(ha, hb) > 1.6 * max(1.0, min(ha, hb)):
        return False
    if abs(a.middle - b.middle) > 0.5 * min(ha, hb):
        return False
    gap = max(b.left - a.right, a.left - b.right)
    return gap < 2.5 * max(ha, hb)


_HYPHEN_END = re.compile(r"[A-Za-z]{2,}[-\u00ad]$")


def _dehyphenate(texts: list[str]) -> list[str]:
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


def _mostly_letters(line: _Line) -> bool:
    text = line.text.replace(" ", "")
    return sum(ch.isalpha() for ch in text) >= 0.6 * len(text)


def _sure_words(line: _Line) -> list[Word]:
    """The line without its doubtful words (a logo read as "wees" beside a title)."""
    return [w for w in line.words if w.conf >= 50] or line.words


def _looks_like_words(line: _Line) -> bool:
    """A title candidate: mostly letters, a real word in it, read with some confidence.

    Judged on the words a title shows (``_sure_words``): a logo beside the heading, read
    as a doubtful word, does not make the heading doubtful.
    """
    sure = _sure_words(line)
    has_word = any(sum(ch.isalpha() for ch in w.text) >= 3 for w in sure)
    confident = float(np.mean([w.conf for w in sure])) >= 60
    return has_word and confident and _mostly_letters(line)


def _find_title(lines: list[_Line], page_height: float) -> str:
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


def _title_from(lines: list[_Line], best: _Line) -> str:
    """The title line, with the line its title wraps onto when there is one.

    Found by geometry, not reading order: a column beside a two-line title reads in
    between its lines, and the biggest line may be the title's second line.
    """
    wrapped = _wrapped_line(lines, best)
    title = sorted([best, wrapped] if wrapped else [best], key=lambda ln: ln.top)
    return " ".join(t for t in _dehyphenate([_sure_text(ln) for ln in title]) if t)


def _gap(a: _Line, b: _Line) -> float:
    """Vertical white space between two lines (negative when they overlap)."""
    return max(b.top - (a.top + a.height), a.top - (b.top + b.height))


def _wrapped_line(lines: list[_Line], best: _Line) -> _Line | None:
    """The closest line right above or below ``best`` in its size, overlapping it across."""

    h = best.height

    def wraps(ln: _Line) -> bool:
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


def _sure_text(line: _Line) -> str:
    return " ".join(w.text for w in _sure_words(line))


def _lines_of(result: OcrResult) -> list[_Line]:
    """The result's lines in reading order, rebuilt from its words (each names its line)."""
    by_line: dict[int, list[Word]] = {}
    for word in result.words:
        by_line.setdefault(word.line, []).append(word)
    return [_Line((0, 0, n), words) for n, words in sorted(by_line.items())]


def _same_style(a: _Line, b: _Line) -> bool:
    return abs(a.top - b.top) <= 0.5 * a.height and abs(a.height - b.height) <= 0.2 * a.height


def with_deck_titles(results: list[OcrResult]) -> list[OcrResult]:
    """One deck's OCR results (page order), titled by the deck's title style.

    A template puts every heading at one place in one size. Some set it small (an
    all-caps line along the top edge) above bigger text, where the largest-text rule
    of ``_find_title`` picks a logo or a quote instead. When the topmost word lines
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
    style: list[_Line] = []
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


# --------------------------------------------------------------------------- stage


def ocr(image_png: bytes, params: OcrParams, scale: float = 1.0) -> OcrResult:
    """OCR one (upscaled) slide; word boxes come back in source-slide pixels."""
    start = time.perf_counter()
    gray = _decode_gray(image_png)
    prepared = _prepare(gray)
    ok, encoded = cv2.imencode(".png", prepared)
    if not ok:
        raise SlideError("could not encode the slide for tesseract")
    tsv = _run_tesseract(encoded.tobytes(), params)
    scale = scale if scale > 0 else 1.0
    lines = _reading_order(_parse_tsv(tsv, scale, params.min_conf))
    joined = _dehyphenate([ln.text for ln in lines])
    texts: list[str] = []
    words: list[Word] = []
    for line, text in zip(lines, joined, strict=True):
        if text:  # a line emptied by de-hyphenation: its word now belongs to the line above
            texts.append(text)
        for word in line.words:
            word.line = max(0, len(texts) - 1)
            words.append(word)
    title = _find_title(lines, gray.shape[0] / scale)
    mean_conf = float(np.mean([w.conf for w in words])) if words else 0.0
    return OcrResult(
        text="\n".join(texts),
        title=title,
        mean_confidence=round(mean_conf, 2),
        words=words,
        lines=texts,
        seconds=round(time.perf_counter() - start, 4),
        lang=params.lang,
    )
