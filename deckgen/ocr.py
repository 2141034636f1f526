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
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import time
from dataclasses import dataclass

import cv2
import numpy as np

from deckgen.errors import MissingDependencyError, SlideError
from deckgen.records import OcrResult, Word

VERSION = "ocr-3"

INSTALL_HINT = "sudo apt-get install -y tesseract-ocr"


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
        tail = stderr.splitlines()[-1] if stderr else "no message"
        raise SlideError(f"tesseract crashed ({how}): {tail}")
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
    """True where the local background is dark (light-on-dark text regions).

    The local background is the median of a window several text lines tall:
    text covers a minority of pixels, so the median is the background colour.
    """
    h, w = gray.shape
    step = max(1, round(max(h, w) / 240))  # work on a ~240 px thumbnail
    small = cv2.resize(gray, (max(1, w // step), max(1, h // step)), interpolation=cv2.INTER_AREA)
    k = max(3, (min(small.shape) // 12) | 1)  # odd window, ~1/12 of the short side
    k = min(k, 255)
    background = cv2.medianBlur(small, k)
    mask_small = (background < 110).astype(np.uint8)
    return cv2.resize(mask_small, (w, h), interpolation=cv2.INTER_NEAREST).astype(bool)


def _prepare(gray: np.ndarray) -> np.ndarray:
    """Grey page with every dark-background region inverted to dark-on-light."""
    mask = dark_background_mask(gray)
    if mask.any():
        gray = np.where(mask, 255 - gray, gray).astype(np.uint8)
    return gray


# --------------------------------------------------------------------------- layout


@dataclass
class _Line:
    key: tuple[int, int, int]
    words: list[Word]

    @property
    def top(self) -> float:
        return min(w.box[1] for w in self.words)

    @property
    def left(self) -> float:
        return min(w.box[0] for w in self.words)

    @property
    def height(self) -> float:
        return float(np.median([w.box[3] for w in self.words]))

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
        if not text or conf < min_conf or not any(ch.isalnum() for ch in text):
            continue
        block, par, line = int(cols[2]), int(cols[3]), int(cols[4])
        left, top, width, height = (int(c) for c in cols[6:10])
        box = [round(left / scale), round(top / scale), round(width / scale), round(height / scale)]
        key = (block, par, line)
        lines.setdefault(key, _Line(key, [])).words.append(Word(text, round(conf, 1), box))
    return list(lines.values())


def _reading_order(lines: list[_Line]) -> list[_Line]:
    """Merge fragments that sit on one visual row, then order top-to-bottom, left-to-right.

    Sparse modes (psm 11/12) cut a row into many blocks; Tesseract's block
    order then jumps around. Rows are rebuilt from the boxes themselves.
    """
    merged: list[_Line] = []
    for line in sorted(lines, key=lambda ln: (ln.top, ln.left)):
        target = None
        for other in merged:
            if _same_row(other, line):
                target = other
                break
        if target is None:
            merged.append(_Line(line.key, list(line.words)))
        else:
            target.words.extend(line.words)
            target.words.sort(key=lambda w: w.box[0])
    merged.sort(key=lambda ln: (ln.top, ln.left))
    return merged


def _same_row(a: _Line, b: _Line) -> bool:
    """Same visual row and close enough horizontally to read as one line."""
    ha, hb = a.height, b.height
    if max(ha, hb) > 1.6 * max(1.0, min(ha, hb)):
        return False
    a_mid = np.mean([w.box[1] + w.box[3] / 2 for w in a.words])
    b_mid = np.mean([w.box[1] + w.box[3] / 2 for w in b.words])
    if abs(a_mid - b_mid) > 0.5 * min(ha, hb):
        return False
    a_right = max(w.box[0] + w.box[2] for w in a.words)
    b_right = max(w.box[0] + w.box[2] for w in b.words)
    gap = max(b.left - a_right, a.left - b_right)
    return gap < 2.5 * max(ha, hb)


_HYPHEN_END = re.compile(r"[A-Za-z]{2,}[-\u00ad]$")


def _dehyphenate(texts: list[str]) -> list[str]:
    """Join a word broken with a hyphen at a line end onto the next line's first word."""
    out = list(texts)
    for i in range(len(out) - 1):
        head, nxt = out[i], out[i + 1]
        if not _HYPHEN_END.search(head) or not nxt or not nxt[0].islower():
            continue
        first, _, rest = nxt.partition(" ")
        out[i] = head[:-1] + first
        out[i + 1] = rest
    return out  # same length as the input: word.line indices stay valid


def _find_title(lines: list[_Line], page_height: float) -> str:
    """The tallest text near the top of the slide (wrapped onto 2 lines at most)."""
    if not lines:
        return ""
    candidates = [
        ln
        for ln in lines
        if ln.top < 0.45 * page_height and sum(ch.isalpha() for ch in ln.text) >= 2
    ]
    if not candidates:
        candidates = [ln for ln in lines if sum(ch.isalpha() for ch in ln.text) >= 2] or lines
    # size dominates; a little preference for higher lines breaks near-ties
    best = max(candidates, key=lambda ln: ln.height * (1.15 - 0.3 * ln.top / page_height))
    title = [best]
    idx = lines.index(best)
    if idx + 1 < len(lines):
        nxt = lines[idx + 1]
        close = nxt.top - (best.top + best.height) < 0.8 * best.height
        if close and abs(nxt.height - best.height) < 0.2 * best.height:
            title.append(nxt)
    return " ".join(t for t in _dehyphenate([ln.text for ln in title]) if t)


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
