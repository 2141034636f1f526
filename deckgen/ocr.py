"""OCR stage: Tesseract's TSV and text output -> words, boxes, confidences, lines, title.

The stage is a pure function of (upscaled PNG bytes, ``VERSION``, ``OcrParams``).

Tesseract reads dark text on a light background best. Slides are full of the
opposite (dark full-bleed slides, coloured title bars with white text), so
``_prepare`` inverts every *region* whose local background is dark before
Tesseract sees the page: the inversion happens here, in ocr.py, and nowhere
else. Word boxes are returned in *source* slide pixels (divided by ``scale``); how the
lines read (columns, rows, the title) is ``ocr_layout``'s part.

Tesseract runs as a subprocess with ``OMP_THREAD_LIMIT=1`` (one thread per
worker, so a process pool does not oversubscribe the cores) and a per-slide
timeout that kills a hung process.

The call is the one pytesseract's ``image_to_data`` makes (``tesseract ... tsv``), with
Tesseract's plain text asked for in the same run (``tsv txt``: where it sets a space between
words, which the TSV does not say), made here directly: the slide goes in on stdin rather
than through two temporary files, the thread limit is set for that process only rather
than in ``os.environ``, the binary is looked up per call rather than held in a module
global, and a crash, a hang or a missing language pack each become their own clear error.
pytesseract stays a dependency for the benchmarks that reproduce its baseline numbers.
"""

from __future__ import annotations

import functools
import io
import os
import re
import shutil
import signal
import subprocess
import time
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING

import cv2
import numpy as np
from PIL import Image

from deckgen.errors import MissingDependencyError, SlideError
from deckgen.ocr_layout import (
    Line,
    dehyphenate,
    find_title,
    is_letter,
    layer_lines,
    reading_order,
    without_bullets,
    without_covered,
)
from deckgen.records import TEXT_LAYER, OcrResult, Word
from deckgen.text import CJK_LETTERS, HAN_KANA

if TYPE_CHECKING:
    from deckgen.corpus_pdf import TextLayer

# ocr-8: columns read one after the other (XY-cut); compounds keep their hyphen
# ocr-9: figures two heights apart are not one line; tables stay row by row; a logo and a
# footer are not a column
# ocr-10: a table needs short cells on both sides and evenly spaced rows (team cards are not)
# ocr-11: a title keeps a doubtful word set at word spacing beside a sure one, in its size
# ocr-12: a word read "Al" (alone, or before a hyphen or a stop) is "AI"
# ocr-13: a currency or percent sign set apart ("30 %", "49 €") is kept, not dropped as noise
# ocr-14: Chinese and Japanese words join without spaces; two such letters make a title word
# ocr-15: Korean syllables set as one word join; the short-word rule spares Chinese,
# Japanese and Korean characters
# ocr-16: Korean words are spaced as Tesseract's own text spaces them, not by a gap ratio
# ocr-17: so are Thai words and loose marks; right-to-left marks are dropped; marks count
# as letters in the title rules (Hindi, Arabic)
# ocr-18: direction marks leave the text before it is walked (an LRM before an English word
# in a Hebrew line parted the two); bidi embeddings, overrides and isolates are dropped
# ocr-19: a word broken at a line end is joined in any script ("Grö-ße", Cyrillic) and at
# U+2010; "point-" / "of-sale" keeps its hyphen; titles wrapped over a line of one word
# join (lines compare by type size, not by how far their letters reach: "going")
# ocr-20: an "&" set apart is kept ("Sales & Marketing", "R & D"), and a "+" between two words
# ocr-21: a round bullet read as "¢" goes: a lone sign first on its line, a third of its size
# ocr-22: a lone "&" is kept only between two words, as "+" is (a logo read as "&" went in)
# ocr-23: a round bullet read as a lone lower-case letter on a line of its own ("e", "a") or as
# "e" / "o" before a capitalised word goes (QA-87: 9 of 36 rendered slides), as does an "x" icon
VERSION = "ocr-23"
# What Tesseract is given (``tesseract_input``: light-on-dark regions and backgrounds made
# plain; the command line). The build keeps Tesseract's output under it, apart from VERSION,
# so that a new way of reading that output into lines and a title reads it again in
# seconds instead of running Tesseract on every slide.
INPUT_VERSION = "ocr-input-1"

MAX_SIDE = 32_767  # Tesseract reads no image wider or taller ("Image too large")
INSTALL_HINT = "sudo apt-get install -y tesseract-ocr"
# words of 1-2 letters need this confidence: on real slides it removed a tenth of the
# false words for a quarter of a point of recall (docs/benchmarks.md)
_SHORT_WORD_CONF = 60.0


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
    chosen = os.environ.get("DECKGEN_TESSERACT")
    path = shutil.which(chosen or "tesseract")
    if path is None and chosen:
        raise MissingDependencyError(
            f"DECKGEN_TESSERACT={chosen!r} is not an executable Tesseract: set it to the "
            "binary's path (or a name on PATH), or unset it to use `tesseract` from PATH"
        )
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


# language names people type for --lang, and the Tesseract code each one means
_LANGUAGE_CODES = {
    "english": "eng", "german": "deu", "french": "fra", "spanish": "spa", "italian": "ita",
    "portuguese": "por", "dutch": "nld", "japanese": "jpn", "chinese": "chi_sim",
    "korean": "kor", "russian": "rus", "arabic": "ara", "hindi": "hin", "polish": "pol",
    "turkish": "tur", "swedish": "swe", "hebrew": "heb", "thai": "tha", "persian": "fas",
    "farsi": "fas", "bengali": "ben", "vietnamese": "vie", "indonesian": "ind",
    "ukrainian": "ukr", "greek": "ell",
    # ISO 639-1, as the dataset card writes them
    "en": "eng", "de": "deu", "fr": "fra", "es": "spa", "it": "ita", "pt": "por", "nl": "nld",
    "ja": "jpn", "zh": "chi_sim", "ko": "kor", "ru": "rus", "ar": "ara", "hi": "hin",
    "pl": "pol", "tr": "tur", "sv": "swe", "he": "heb", "th": "tha", "fa": "fas", "bn": "ben",
    "vi": "vie", "id": "ind", "uk": "ukr", "el": "ell",
}
_LANG_SEPARATORS = re.compile(r"[\s,]+")


def _as_codes(parts: list[str], installed: frozenset[str] = frozenset()) -> str:
    """The ``--lang`` value meant: parts joined with "+", language names as their codes,
    an installed code typed in another case as it is spelt ("Deu": "deu"), each once."""
    return "+".join(dict.fromkeys(_LANGUAGE_CODES.get(part.lower())
                                  or _installed_spelling(part, installed) or part
                                  for part in parts))


def _installed_spelling(part: str, installed: frozenset[str]) -> str | None:
    """The installed code ``part`` is in another case ("Deu", "DEU": "deu"); None if none.
    Tesseract's codes are case-sensitive: "Deu" is no pack, and installing it would not help."""
    same = [code for code in installed if code.lower() == part.lower() and code != part]
    return same[0] if len(same) == 1 else None


def _lang_problem(lang: str, installed: frozenset[str]) -> str | None:
    """What is wrong with ``lang`` ("eng+deu") and what to do, or None when all is there."""
    have = ", ".join(sorted(installed)) or "none"
    if _LANG_SEPARATORS.search(lang.strip()):
        meant = _as_codes([part for part in _LANG_SEPARATORS.split(lang.strip()) if part],
                          installed)
        return (
            f"Tesseract languages are joined with '+': use {meant}, not '{lang}' "
            f"(installed: {have})"
        )
    if "" in lang.split("+"):  # "eng+" or "eng++deu": no package is called tesseract-ocr-
        meant = _as_codes([part for part in lang.split("+") if part], installed) or "eng"
        return f"--lang {lang!r} has an empty part: use {meant} (installed: {have})"
    missing = [part for part in lang.split("+") if part not in installed]
    named = [part for part in missing if part.lower() in _LANGUAGE_CODES]
    if named:
        codes = [_LANGUAGE_CODES[name.lower()] for name in named]
        said = ", ".join(
            f"{code} for {name if len(name) == 2 else name.capitalize()}"
            for code, name in zip(codes, named, strict=True)
        )
        absent = " ".join(_lang_package(code) for code in codes if code not in installed)
        install = f"; install: sudo apt-get install -y {absent}" if absent else ""
        return (
            f"Tesseract names languages by code: {said}. Use "
            f"{_as_codes(lang.split('+'), installed)} (installed: {have}){install}"
        )
    if recased := [part for part in missing if _installed_spelling(part, installed)]:
        codes = [_installed_spelling(part, installed) or part for part in recased]
        case = "lower case" if all(code == code.lower() for code in codes) else "case-sensitive"
        absent = " ".join(_lang_package(m) for m in missing if m not in recased)
        install = f"; install: sudo apt-get install -y {absent}" if absent else ""
        return (
            f"Tesseract language codes are {case}: use {_as_codes(lang.split('+'), installed)}"
            f", not {lang!r} (installed: {have}){install}"
        )
    if missing:
        packages = " ".join(_lang_package(m) for m in missing)
        return (
            f"Tesseract language pack(s) {', '.join(missing)} not installed "
            f"(have: {have}). Install: sudo apt-get install -y {packages}"
        )
    return None


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


# scripts written without spaces between words that Tesseract splits letter by letter when
# another language is named first ("eng+tha": "ต ล า ด"; "tha+eng": "ตลาด")
_UNSPACED_LANGS = {"tha": "Thai", "lao": "Lao", "khm": "Khmer", "mya": "Myanmar"}


def lang_order_note(lang: str) -> str | None:
    """A warning for a ``--lang`` that names Thai (Lao, Khmer, Myanmar) after another
    language: those words come out a letter apart, and search cannot find them."""
    parts = lang.split("+")
    late = [code for code in parts[1:] if code in _UNSPACED_LANGS]
    if not late or parts[0] in _UNSPACED_LANGS:
        return None
    first = "+".join([late[0], *(p for p in parts if p != late[0])])
    return (f"--lang {lang}: with {parts[0]} first, Tesseract reads {_UNSPACED_LANGS[late[0]]} "
            f"a letter at a time, spaced apart, and search cannot find those words; use "
            f"--lang {first}")


def check_tesseract(lang: str = "eng") -> None:
    """Raise MissingDependencyError (with the apt command) if tesseract or ``lang`` is missing,
    or if ``lang`` is not what Tesseract takes ("german" for deu, "eng deu" for eng+deu)."""
    problem = _lang_problem(lang, _installed_langs(_tesseract_path()))
    if problem:
        raise MissingDependencyError(problem)


# a tesseract ended by one of these was stopped from outside (a signal to the process
# group, the kernel's OOM killer), not crashed by the slide: it is run once more, since a
# slide that fails drops out of the site until the next build (QA-83)
_STOPPED_FROM_OUTSIDE = {getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGKILL")
                         if hasattr(signal, name)}  # no SIGKILL on Windows


def _run_tesseract(png: bytes, params: OcrParams) -> str:
    binary = _tesseract_path()
    cmd = [binary, "stdin", "stdout", "-l", params.lang, "--psm", str(params.psm), "tsv", "txt"]
    env = dict(os.environ, OMP_THREAD_LIMIT="1")
    for attempt in (1, 2):
        proc = _tesseract_once(cmd, png, params, env)
        if -proc.returncode not in _STOPPED_FROM_OUTSIDE or attempt == 2:
            break
    stderr = proc.stderr.decode("utf-8", "replace").strip()
    if "Failed loading language" in stderr or "couldn't load any languages" in stderr:
        check_tesseract(params.lang)  # says what is wrong with the value ("german", "eng deu")
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


def _tesseract_once(cmd: list[str], png: bytes, params: OcrParams,
                    env: dict[str, str]) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(
            cmd, input=png, capture_output=True, timeout=params.timeout, env=env, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise SlideError(
            f"tesseract timed out after {params.timeout:g} s (killed); "
            "raise the OCR timeout or check the image"
        ) from exc
    except OSError as exc:
        raise SlideError(f"tesseract could not start: {exc}") from exc


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


# --------------------------------------------------------------------------- tsv


# "AI" in a sans-serif face is read "Al" (capital I as small L) on nearly every slide that
# says it; on a pitch deck the word alone, or before a hyphen or a stop, is AI, not Al
_READ_AS_AL = re.compile(r"^Al(?=$|[-\u2013.,:;!?)/'\u2019])")


# French, German and Spanish set "30 %" and "49 €" with a space: Tesseract reads the sign
# as a word of its own, with no letter or digit in it, and it is still part of the text;
# so is "&" ("Sales & Marketing"), which no bullet, icon or rule was read as on slides
_LONE_SIGNS = frozenset("%\u2030&")  # %, per mille and ampersand
_SENTENCE_MARKS = "([.,;:!?)]"


def _is_lone_sign(text: str) -> bool:
    """A currency sign (Unicode Sc: € $ £ ¥ ₹ ...), % / ‰ or "&", alone or with the
    sentence's punctuation ("%.", "€)"); not a bar, dash or bullet, which are noise."""
    sign = text.strip(_SENTENCE_MARKS)
    return len(sign) == 1 and (sign in _LONE_SIGNS or unicodedata.category(sign) == "Sc")


def _has_alnum(text: str) -> bool:
    return any(ch.isalnum() for ch in text)


# Tesseract reads a round bullet "•" as "¢" at 60-81 (QA-85), its box a third as tall as a
# capital of the line's type (0.36-0.42 on 480 px slides drawn in four faces); a real sign
# first on a line ("$ 5M", "€ 49", "£ 2.1bn", "% of", "& more") is as tall (0.83 and up)
_BULLET_SIGN_SIZE = 0.6


def _is_bullet_sign(first: Word, rest: list[Word]) -> bool:
    """Whether a lone sign (``_is_lone_sign``) that starts its line, before a word, is a
    bullet: smaller than the line's letters (``_BULLET_SIGN_SIZE``)."""
    return (_is_lone_sign(first.text) and _has_alnum(rest[0].text)
            and first.box[3] < _BULLET_SIGN_SIZE * Line(rest).size)


# kept only between two words: a "+" bullet or cross, a logo or icon read as "&" (QA-87:
# two linked circles, a hexagon, a decorative "&") start or end their line, or stand alone
_JOINING_SIGNS = frozenset("+&")


def _without_noise(words: list[Word]) -> list[Word]:
    """A line's words without the noise among them: words of no letter or figure (a bar, a
    dash, a bullet) but a lone sign (``_is_lone_sign``) and a "+" between two words
    ("Hardware + Software") or an "&" ("R & D"). Tesseract reads a "+" bullet and a
    decorative cross as "+" at 90 and more, a logo as "&": those start or end their line,
    or stand alone (``_JOINING_SIGNS``); a round bullet as a small "¢" first on its line
    (``_is_bullet_sign``)."""
    kept = [w for w in words if _has_alnum(w.text) or _is_lone_sign(w.text) or w.text == "+"]
    if len(kept) > 1 and _is_bullet_sign(kept[0], kept[1:]):
        kept = kept[1:]
    return [w for i, w in enumerate(kept) if w.text not in _JOINING_SIGNS or (
        0 < i < len(kept) - 1 and _has_alnum(kept[i - 1].text) and _has_alnum(kept[i + 1].text))]


# Tesseract reads a round bullet as a lone small letter, most often "e" (also "o", "a"), and
# a close icon as "x": alone on a line of its own, or "e" / "o" before a capitalised word
_BULLET_LETTERS = frozenset("eo")


def _without_bullet_letters(words: list[Word]) -> list[Word]:
    """A Tesseract line's words without a round bullet read as a letter: a line that is one
    lower-case letter alone, or an "e" or "o" before a word that starts with a capital
    ("e Buyers want one tool"). Upper-case letters alone stay ("A", "B": a chart's axes)."""
    first = words[0].text if words else ""
    if len(words) == 1 and len(first) == 1 and first.islower():
        return []
    if first in _BULLET_LETTERS and len(words) > 1 and words[1].text[:1].isupper():
        return words[1:]
    return words


def split_output(out: str) -> tuple[str, str]:
    """``tesseract ... stdout tsv txt`` writes the TSV (every row 12 tab-separated
    fields), then the plain text (no tabs): the two apart."""
    rows = out.split("\n")
    n = 1
    while n < len(rows) and rows[n].count("\t") == 11:
        n += 1
    return "\n".join(rows[:n]), "\n".join(rows[n:])


def _spaced_before(words: list[str], text: str) -> list[bool]:
    """For each TSV word in order, whether Tesseract's text sets whitespace before it.

    Tesseract's kor model reads some Korean words a syllable per TSV word ("계 획 과"),
    while its text output joins them ("계획과"): the text is written from the same words
    in the same order, so walking both finds its spaces (with the direction marks gone from
    both: the text puts an LRM before an English word in a Hebrew line, its TSV word has
    none). If the two part ways, every word from there on counts as spaced, as the TSV
    alone says."""
    spaced: list[bool] = []
    at = 0
    for word in words:
        start = at
        while at < len(text) and text[at].isspace():
            at += 1
        if not text.startswith(word, at):
            return spaced + [True] * (len(words) - len(spaced))
        spaced.append(at > start or start == 0)
        at += len(word)
    return spaced


def _tsv_words(tsv: str, txt: str | None) -> list[tuple[tuple[int, int, int], Word]]:
    """Every word row as (block, paragraph, line) and Word, in Tesseract's order; pieces
    that its text sets on without a space are one Word (``_reads_on``)."""
    rows = [cols for cols in (row.split("\t") for row in tsv.splitlines()[1:])
            if len(cols) >= 12 and cols[0] == "5" and cols[11].translate(_DIRECTION_MARKS).strip()]
    texts = [cols[11].translate(_DIRECTION_MARKS).strip() for cols in rows]
    spaced = (_spaced_before(texts, txt.translate(_DIRECTION_MARKS)) if txt is not None
              else [True] * len(rows))
    words: list[tuple[tuple[int, int, int], Word]] = []
    for cols, text, space in zip(rows, texts, spaced, strict=True):
        try:
            conf = float(cols[10])
        except ValueError:
            continue
        key = (int(cols[2]), int(cols[3]), int(cols[4]))
        box = [int(c) for c in cols[6:10]]
        if words and not space and words[-1][0] == key and _reads_on(words[-1][1].text, text):
            _join(words[-1][1], Word(text, conf, box))
        else:
            words.append((key, Word(text, conf, box)))
    return words


# Tesseract writes direction marks into Arabic and Hebrew words: they say how to show the
# text, they are not in it (a search for the word would not find it). The embeddings,
# overrides and isolates go too: no slide shows them, and one would reorder a page's line
_DIRECTION_MARKS = dict.fromkeys(map(ord, "\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e"
                                      "\u2066\u2067\u2068\u2069"))


def _reads_on(before: str, after: str) -> bool:
    """Whether a word that Tesseract's text sets right after ``before`` is part of it. Its
    TSV gives Korean a syllable per word at times ("계 획 과"), Thai a cluster per word and
    loose vowel and tone marks as words of their own; its text joins them. Chinese and
    Japanese stay as read, a character or two per word (``line_text`` joins them): their
    boxes mark a search hit closely."""
    a, b = before[-1], after[0]
    if HAN_KANA.match(a) or HAN_KANA.match(b):
        return False
    return unicodedata.category(b)[0] == "M" or (is_letter(a) and is_letter(b))


def _join(word: Word, syllables: Word) -> None:
    """``syllables`` read on as part of ``word``: one box, confidence by letter."""
    n, m = len(word.text), len(syllables.text)
    word.conf = (word.conf * n + syllables.conf * m) / (n + m)
    left, top = min(word.box[0], syllables.box[0]), min(word.box[1], syllables.box[1])
    right = max(word.box[0] + word.box[2], syllables.box[0] + syllables.box[2])
    bottom = max(word.box[1] + word.box[3], syllables.box[1] + syllables.box[3])
    word.text += syllables.text
    word.box = [left, top, right - left, bottom - top]


def _parse_tsv(tsv: str, scale: float, min_conf: float, txt: str | None = None) -> list[Line]:
    lines: dict[tuple[int, int, int], Line] = {}
    for key, word in _tsv_words(tsv, txt):
        text, conf = word.text, word.conf
        alnum = sum(ch.isalnum() for ch in text)
        if conf < min_conf:
            continue
        if alnum <= 2 and conf < max(min_conf, _SHORT_WORD_CONF) and not CJK_LETTERS.search(text):
            # icons and bullets read as "fi", "E®" or "$": short and unsure is noise; not a
            # Chinese, Japanese or Korean character, which Tesseract reads one or two per word
            continue
        text = _READ_AS_AL.sub("AI", text)
        box = [round(c / scale) for c in word.box]
        lines.setdefault(key, Line([])).words.append(Word(text, round(conf, 1), box))
    return [Line(words) for line in lines.values()
            if (words := _without_bullet_letters(_without_noise(line.words)))]


# --------------------------------------------------------------------------- stage


def tesseract_input(gray: np.ndarray) -> bytes:
    """The slide as Tesseract is given it: prepared (``_prepare``), as PNG bytes."""
    ok, encoded = cv2.imencode(".png", _prepare(gray))
    if not ok:
        raise SlideError("could not encode the slide for tesseract")
    return encoded.tobytes()


def _text_layer_lines(text_layer: TextLayer) -> list[Line]:
    """A PDF page's text layer as lines of words read for sure (confidence 100), without
    what Tesseract's words would lose as noise too (a bullet, a rule, a lone dash).
    The lines are cut before the noise goes: the hole a dash leaves ("Market — a $4B
    opportunity") is wider than the gap that parts two lines, and cut headings (QA-80)."""
    lines = layer_lines([[Word(text, 100.0, list(box), source=TEXT_LAYER) for text, box in line]
                         for line in text_layer])
    return [Line(words) for line in lines if (words := _without_noise(line.words))]


def ocr(image_png: bytes, params: OcrParams, scale: float = 1.0,
        text_layer: TextLayer | None = None) -> OcrResult:
    """OCR one (upscaled) slide; word boxes come back in source-slide pixels.

    A PDF page's ``text_layer`` (``corpus_pdf.read_source_and_text``: its words in source
    pixels) gives the words it has as they are; Tesseract's words outside them (text in the
    page's pictures, not a bullet read as a letter: ``without_bullets``) join them, and
    both are read into lines and a title alike.
    """
    return read_slide(image_png, params, scale, text_layer)[0]


def _image_height(image_png: bytes) -> int:
    try:
        with Image.open(io.BytesIO(image_png)) as image:  # its header only
            return image.height
    except (OSError, ValueError) as exc:
        raise SlideError("OCR input is not a decodable image") from exc


def read_slide(image_png: bytes, params: OcrParams, scale: float = 1.0,
               text_layer: TextLayer | None = None,
               tesseract_output: str | None = None) -> tuple[OcrResult, str]:
    """``ocr``, and Tesseract's own output of the slide, which the build keeps (under
    ``INPUT_VERSION``); given that output back (``tesseract_output``), Tesseract is not
    run, and the result's seconds are deckgen's reading of it alone."""
    start = time.perf_counter()
    if tesseract_output is None:
        gray = _decode_gray(image_png)
        if max(gray.shape) > MAX_SIDE:  # Tesseract would fail with "Image too large"
            raise SlideError(f"the slide is {gray.shape[1]}x{gray.shape[0]} px; Tesseract "
                             f"reads at most {MAX_SIDE:,} px a side: crop or split it")
        tesseract_output = _run_tesseract(tesseract_input(gray), params)
        height = gray.shape[0]
    else:
        height = _image_height(image_png)
    tsv, txt = split_output(tesseract_output)
    scale = scale if scale > 0 else 1.0
    lines = _parse_tsv(tsv, scale, params.min_conf, txt)
    if text_layer:
        cover = [Word(text, 100.0, list(box)) for line in text_layer for text, box in line]
        layer = _text_layer_lines(text_layer)
        lines = without_bullets(without_covered(lines, cover), layer) + layer
    lines = reading_order(lines)
    joined = dehyphenate([ln.text for ln in lines])
    texts: list[str] = []
    words: list[Word] = []
    for line, text in zip(lines, joined, strict=True):
        if text:  # a line emptied by de-hyphenation: its word now belongs to the line above
            texts.append(text)
        for word in line.words:
            word.line = max(0, len(texts) - 1)
            words.append(word)
    title = find_title(lines, height / scale)
    mean_conf = float(np.mean([w.conf for w in words])) if words else 0.0
    return OcrResult(
        text="\n".join(texts),
        title=title,
        mean_confidence=round(mean_conf, 2),
        words=words,
        lines=texts,
        seconds=round(time.perf_counter() - start, 4),
        lang=params.lang,
    ), tesseract_output
