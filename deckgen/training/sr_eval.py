"""How super-resolution output is judged: OCR word recall/precision, CER, PSNR, SSIM.

Words are lowercase alphanumeric tokens of two or more characters, counted as a
multiset (the measure in ../shared/anchors/README.md), in any script: Latin accents
folded, marks inside words (Hindi, Arabic), each word in its NFKC form, and Chinese,
Japanese, Korean and Thai runs cut into pairs of characters, as search cuts them. Needs
no torch.
"""

from __future__ import annotations

import re
from collections import Counter

import cv2
import numpy as np

from deckgen.records import JOINERS, MARKS, fold, search_pieces

# letters, digits and marks of any script, not "_": "équipe" is "equipe" (it was "quipe"),
# "बाज़ार" whole; a sign beside a word is not part of it ("Acme™" is "acme")
_WORD = re.compile(f"(?:[^\\W_]|[{MARKS}{JOINERS}])+")


def tokens(text: str) -> list[str]:
    words = _WORD.findall(fold(text.lower()))
    return [piece for word in words for piece, _, _ in search_pieces(word) if len(piece) >= 2]


def word_scores(truth: str, ocr: str) -> tuple[int, int, int]:
    """(truth words found, truth words, OCR words), multiset matching."""
    want, got = Counter(tokens(truth)), Counter(tokens(ocr))
    hit = sum(min(n, got[word]) for word, n in want.items())
    return hit, sum(want.values()), sum(got.values())


def cer(truth: str, ocr: str) -> float:
    """Character error rate of the OCR tokens against the truth tokens, in reading order."""
    a, b = " ".join(tokens(truth)), " ".join(tokens(ocr))
    if not a:
        return 0.0 if not b else 1.0
    return min(1.0, levenshtein(a, b) / len(a))


def levenshtein(a: str, b: str) -> int:
    """Edit distance, one NumPy row at a time (O(len(a)) vector operations)."""
    if not b:
        return len(a)
    target = np.frombuffer(b.encode("utf-32-le"), dtype=np.uint32)
    index = np.arange(len(b) + 1)
    row = index.copy()
    for i, char in enumerate(a, start=1):
        cost = (target != ord(char)).astype(np.int64)
        best = np.empty_like(row)
        best[0] = i
        best[1:] = np.minimum(row[1:] + 1, row[:-1] + cost)
        # insertions: best[j] = min_k (best[k] + j - k), a running minimum
        row = np.minimum.accumulate(best - index) + index
    return int(row[-1])


def psnr(got: np.ndarray, want: np.ndarray) -> float:
    mse = float(np.mean((got.astype(np.float64) - want.astype(np.float64)) ** 2))
    return 99.0 if mse == 0 else 10 * np.log10(255.0**2 / mse)


def ssim(got: np.ndarray, want: np.ndarray) -> float:
    """Mean SSIM of two grayscale images (Gaussian window, sigma 1.5, as Wang et al.)."""
    x, y = got.astype(np.float64), want.astype(np.float64)
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2

    def blur(v: np.ndarray) -> np.ndarray:
        return cv2.GaussianBlur(v, (11, 11), 1.5)

    mx, my = blur(x), blur(y)
    vx, vy, cov = blur(x * x) - mx * mx, blur(y * y) - my * my, blur(x * y) - mx * my
    value = ((2 * mx * my + c1) * (2 * cov + c2)) / ((mx * mx + my * my + c1) * (vx + vy + c2))
    return float(value.mean())
