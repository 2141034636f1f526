"""How super-resolution output is judged: OCR word recall/precision, CER, PSNR, SSIM.

Words are ``deckgen.evaluate.tokens`` (the measure `deckgen eval` reports, and the one in
../shared/anchors/README.md), counted as a multiset by ``evaluate.word_scores``. Needs
no torch.
"""

from __future__ import annotations

import cv2
import numpy as np

# the OCR word measures are `deckgen eval`'s (a command users run, needing no training code)
from deckgen.evaluate import levenshtein, tokens


def cer(truth: str, ocr: str) -> float:
    """Character error rate of the OCR tokens against the truth tokens, in reading order."""
    a, b = " ".join(tokens(truth)), " ".join(tokens(ocr))
    if not a:
        return 0.0 if not b else 1.0
    return min(1.0, levenshtein(a, b) / len(a))


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
