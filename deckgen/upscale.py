"""The upscale stage: enlarge a slide so that Tesseract can read its small text.

``upscale(data, params)`` is a pure function of (source bytes, ``VERSION``,
params): it decodes any common image mode to BGR, estimates the body-text
x-height, picks a scale that brings that text to ``target_x_height`` and runs
the super-resolution model (the project's own ONNX models in
``deckgen/models/``, or an OpenCV dnn_superres ``.pb`` given by path) tile by
tile through ``cv2.dnn`` (``deckgen.superres``). Light-on-dark slides stay as
they are: inverting them for Tesseract is the OCR stage's job (``deckgen.ocr._prepare``,
on the regions ``ocr._background`` finds). Shipped models are part of ``VERSION``,
so retraining one makes cached upscales stale.
"""

from __future__ import annotations

import hashlib
import io
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from deckgen.bundle_images import sniff_format
from deckgen.corpus_pdf import PDF_RENDER_WIDTH
from deckgen.errors import ConfigError, SlideError
from deckgen.files import decompression_bomb_size
from deckgen.ocr import MAX_SIDE
from deckgen.records import UpscaleResult
from deckgen.superres import MODEL_METHOD, SrModel, load_method, shipped_scales

__all__ = [
    "VERSION",
    "SrModel",
    "UpscaleParams",
    "choose_scale",
    "decode_image",
    "estimate_text_height",
    "load_method",
    "read_image",
    "shipped_scales",
    "upscale",
    "upscale_array",
    "validate",
]

# 6: light ink on alpha, value range, a blank first frame skipped; 7: no side past what
# Tesseract reads
_CODE_VERSION = "7"
# in a PDF page's upscale key only (build.py), so no image slide is upscaled again: under
# auto, a page rendered full width (drawn from its vectors, sharp already) is left as it
# is. QA-80: a photo's grain on one, measured as 4 px text, had it super-resolved x4 to
# 7680 px and called "enhanced". A page that is one picture, rendered at its own smaller
# size (corpus_pdf._render_scale), is still enlarged
PDF_PAGE_RULE = "pdf-page-1"

SIMPLE_METHODS = {"none": None, "bicubic": cv2.INTER_CUBIC, "lanczos": cv2.INTER_LANCZOS4}
# A slide whose estimated scale is below this is left alone: gains under ~25 % do not
# change what Tesseract reads, and they cost an OCR pass over a bigger image.
_MIN_USEFUL_SCALE = 1.25
# Slide body text is about 18 pt on a 13.33-inch-wide page: an x-height near width / 107.
_TYPICAL_X_HEIGHT_PER_WIDTH = 1 / 107


@dataclass(frozen=True)
class UpscaleParams:
    # "auto" (adaptive scale + best shipped model, else bicubic), "none", "bicubic",
    # "lanczos", "model:x2", "model:x4", or a path to an OpenCV .pb or an .onnx file
    method: str = "auto"
    max_scale: int = 4
    target_x_height: float = 20.0  # px; body-text x-height wanted after upscaling
    max_pixels: int = 40_000_000  # decoded-image pixel limit (decompression-bomb guard)
    tile: int = 512  # tile size (source px) for DNN inference; tiles overlap


def decode_image(data: bytes, max_pixels: int) -> np.ndarray:
    """Decode image bytes of any common mode into a BGR uint8 array (``read_image``
    without its notes)."""
    return read_image(data, max_pixels)[0]


def read_image(data: bytes, max_pixels: int) -> tuple[np.ndarray, list[str]]:
    """Decode image bytes of any common mode into a BGR uint8 array, and notes for the
    build report on what was left out (the other pages of a multi-page TIFF).

    Grayscale, palette, CMYK, 16-bit, float and alpha images are all converted; alpha is
    flattened on white, or on black for light text on a transparent page. An animated
    GIF (PNG, WebP) gives its first frame that is not blank. Raises ``SlideError`` naming
    the reason for empty, unknown, truncated or oversized input.
    """
    if not data:
        raise SlideError("not an image: the file is empty")
    try:
        with warnings.catch_warnings():
            # our own limit below is the guard; PIL's warning would only be noise
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
    except UnidentifiedImageError:
        if data.lstrip()[:5] == b"%PDF-":  # a PDF saved under an image's name
            raise SlideError("not an image: this is a PDF; rename it .pdf and put it in "
                             "its own deck folder (a deck is images or one PDF)") from None
        raise SlideError("not an image: the format is not recognised") from None
    except Image.DecompressionBombError as exc:
        raise SlideError(
            f"image is {decompression_bomb_size(exc)}, over the {max_pixels / 1e6:.0f} Mpx "
            "limit (--max-pixels)"
        ) from None
    except OSError as exc:
        if "truncat" in str(exc).lower():
            raise SlideError(f"truncated {sniff_format(data) or 'image'}: {exc}{CUT_SHORT}") \
                from None
        raise SlideError(f"not an image: {exc}") from None
    width, height = image.size
    if width * height > max_pixels:
        raise SlideError(
            f"image is {width}x{height} = {width * height / 1e6:.0f} Mpx, over the "
            f"{max_pixels / 1e6:.0f} Mpx limit (--max-pixels)"
        )
    if width == 0 or height == 0:
        raise SlideError(f"image has no pixels ({width}x{height})")
    fmt = image.format or sniff_format(data) or "image"
    notes: list[str] = []
    try:
        frames = getattr(image, "n_frames", 1)
        if fmt == "TIFF" and frames > 1:
            notes.append(f"{frames} pages in this TIFF; only the first is used — split it "
                         "or save it as a PDF")
        if fmt in _ANIMATED_FORMATS and frames > 1:
            # the first frame that is not blank; nothing for the user to fix, so no note
            # (a note is a report line, and --strict fails the build on one)
            image = _slide_frame(image, frames, max_pixels)
        image.load()
        image = ImageOps.exif_transpose(image)
    except OSError as exc:
        cut = "truncated" in str(exc)
        raise SlideError(f"{'truncated' if cut else 'unreadable'} {fmt}: {exc}"
                         f"{CUT_SHORT if cut else ''}") from None
    except (SyntaxError, ValueError, EOFError) as exc:  # corrupt headers inside plugins
        raise SlideError(f"unreadable {fmt}: {exc}") from None
    return _to_bgr(image), notes


# what a user does about a file cut short (a download or copy that stopped), as `add` says
CUT_SHORT = " (the file is cut short; download or export it again)"


# Formats whose frames are an animation, which may start blank. (A TIFF's pages are
# separate slides, an MPO's second picture a preview: those keep the first.)
_ANIMATED_FORMATS = ("GIF", "PNG", "WEBP")
_BLANK_SPREAD = 8  # grey levels: a frame whose pixels all lie this close is blank
_FRAME_PIXEL_BUDGET = 10  # times max_pixels: how much of a long animation is looked at


def _slide_frame(image: Image.Image, frames: int, max_pixels: int) -> Image.Image:
    """The first frame that is not blank: some animated slides begin blank and fade or
    build in. The first frame when all of them are blank."""
    width, height = image.size
    looked_at = min(frames, max(1, _FRAME_PIXEL_BUDGET * max_pixels // (width * height)))
    first: Image.Image | None = None
    for index in range(looked_at):
        image.seek(index)
        frame = image.convert("RGBA")  # the frame as shown, earlier frames composited
        if not _is_blank(frame):
            return frame
        if first is None:
            first = frame
    assert first is not None
    return first


def _is_blank(frame: Image.Image) -> bool:
    """Every band (alpha too) within a few grey levels: nothing drawn."""
    return all(hi - lo <= _BLANK_SPREAD for lo, hi in frame.getextrema())


def _to_bgr(image: Image.Image) -> np.ndarray:
    mode = image.mode
    if mode in ("I;16", "I;16B", "I;16L", "I;16N", "I", "F"):
        gray = np.nan_to_num(np.asarray(image, dtype=np.float64), posinf=0.0, neginf=0.0)
        low, top = _value_range(gray, floating=mode == "F")
        gray8 = np.clip((gray - low) * (255.0 / (top - low)) + 0.5, 0, 255).astype(np.uint8)
        return cv2.cvtColor(gray8, cv2.COLOR_GRAY2BGR)
    has_alpha = mode in ("RGBA", "LA", "PA", "La", "RGBa") or (
        mode == "P" and "transparency" in image.info
    )
    if has_alpha:
        rgba = np.asarray(image.convert("RGBA"), dtype=np.float32)
        alpha = rgba[..., 3:4] / 255.0
        background = _flattening_background(rgba[..., :3], alpha[..., 0])
        rgb = rgba[..., :3] * alpha + background * (1.0 - alpha)
        rgb8 = np.clip(rgb + 0.5, 0, 255).astype(np.uint8)
    else:
        rgb8 = np.asarray(image.convert("RGB"), dtype=np.uint8)
    return np.ascontiguousarray(rgb8[..., ::-1])


# The bit depths 16-bit containers carry: a scanner's or camera's 10, 12 or 14 bits of data
# fill a 16-bit TIFF only up to 1023, 4095 or 16383.
_BIT_DEPTHS = (8, 10, 12, 14, 16)


def _value_range(gray: np.ndarray, floating: bool) -> tuple[float, float]:
    """(black, white) of a 16-bit, 32-bit or float grayscale image.

    The range the data clearly uses, not the container's: 12-bit data in a 16-bit file
    would come out nearly black scaled by 65535, and a float image scaled 0-1 (the usual
    float convention) black scaled by 255. So white is the smallest common bit depth's
    maximum that holds the brightest pixel (1.0 for floats within 0-1); black is 0 unless
    the data goes below it.
    """
    low = min(0.0, float(gray.min(initial=0.0)))
    high = float(gray.max(initial=0.0))
    if floating and high <= 1.0:
        return 0.0, 1.0
    for bits in _BIT_DEPTHS:
        if high <= 2**bits - 1:
            return low, float(2**bits - 1)
    return low, high  # a 32-bit image beyond 16 bits: its own range


# Under this share of opaque pixels the page itself is transparent and the opaque ones are
# the ink; above it they are the slide's own background, which decides.
_INK_SHARE = 0.5


def _flattening_background(rgb: np.ndarray, alpha: np.ndarray) -> float:
    """White, the page colour of slides, unless the ink on a transparent page is light:
    then black, or white text on a transparent PNG would vanish on white."""
    opaque = alpha >= 0.5
    if not opaque.any() or opaque.mean() >= _INK_SHARE:
        return 255.0
    luma = rgb[opaque] @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
    return 0.0 if float(np.median(luma)) > 127.5 else 255.0


def estimate_text_height(bgr: np.ndarray) -> float | None:
    """Body-text x-height in pixels, from character-like connected components.

    Binarises with Otsu, tries both polarities (dark-on-light and light-on-dark)
    and keeps the one with more character-like components. Returns None when the
    image shows too few of them (a photo, an empty slide).
    """
    gray = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY) if bgr.ndim == 3 else bgr
    image_height = gray.shape[0]
    _, binary = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    polarities = []
    for foreground in (cv2.bitwise_not(binary), binary):
        _, labels, stats, _ = cv2.connectedComponentsWithStats(foreground, connectivity=8)
        x, y, w, h, area = (stats[:, i].astype(np.int64) for i in range(5))
        fill = area / np.maximum(w * h, 1)
        glyph_like = (
            (h >= 3) & (h <= image_height / 6) & (w <= 15 * h) & (fill > 0.12) & (fill < 0.95)
        )
        glyph_like[0] = False  # label 0 is the background
        polarities.append((labels, x, y, w, h, glyph_like))
    best: np.ndarray | None = None
    for side, (_, x, y, w, h, glyph_like) in enumerate(polarities):
        # The holes of dark letters (the insides of o, e, A) are light glyph-sized blobs:
        # a blob whose left and right neighbours are the same glyph of the other side is
        # such a hole, not a letter. Light letters on a dark band are kept (a band is no glyph).
        other_labels, *_, other_glyph = polarities[1 - side]
        found = np.flatnonzero(glyph_like)
        middle = y[found] + h[found] // 2
        left = other_labels[middle, np.maximum(x[found] - 1, 0)]
        right = other_labels[middle, np.minimum(x[found] + w[found], gray.shape[1] - 1)]
        hole = (left == right) & other_glyph[left]
        heights = h[found[~hole]].astype(np.float64)
        if heights.size >= 8 and (best is None or heights.size > best.size):
            best = heights
    if best is None:
        return None
    # Most components are x-height letters (or letters merged into words with
    # ascenders); a lower percentile lands near the x-height of the body text.
    return float(np.percentile(best, 40))


def choose_scale(text_height: float | None, params: UpscaleParams, width: int = 0) -> int:
    """The integer scale that brings body text to the target x-height (1 = leave as is).

    With no text measured (a photo, a logo, a title alone), at most a mild enlargement:
    ×2 for a slide ``width`` px wide whose body text would be small if it had any, none
    for a big page (a PDF rendered at 1920 px).
    """
    if text_height is None:
        typical = width * _TYPICAL_X_HEIGHT_PER_WIDTH if width else 1.0
        return min(2, choose_scale(typical, params))
    wanted = params.target_x_height / max(text_height, 1.0)
    if wanted < _MIN_USEFUL_SCALE:
        return 1
    return int(max(1, min(params.max_scale, round(wanted))))


def _fits(width: int, height: int, scale: int, max_pixels: int) -> bool:
    """Within the pixel limit, and within what Tesseract reads (MAX_SIDE px a side)."""
    return width * height * scale * scale <= max_pixels and max(width, height) * scale <= MAX_SIDE


def _cap_scale(scale: int, width: int, height: int, max_pixels: int) -> int:
    """Lower the scale until the output stays within the pixel and side limits."""
    while scale > 1 and not _fits(width, height, scale, max_pixels):
        scale -= 1
    return scale


def upscale(data: bytes, params: UpscaleParams,
            pdf_page: bool = False) -> tuple[bytes, UpscaleResult]:
    """Source image bytes -> PNG bytes of the upscaled BGR image, and how it was done (with
    ``read_image``'s notes on the source for the build report: the other pages of a
    multi-page TIFF are left out). Under auto, a ``pdf_page`` rendered full width is left
    as it is (``PDF_PAGE_RULE``)."""
    start = time.perf_counter()
    bgr, notes = read_image(data, params.max_pixels)
    height, width = bgr.shape[:2]
    text_height = estimate_text_height(bgr)
    if pdf_page and params.method == "auto" and width >= PDF_RENDER_WIDTH:
        method, scale = "none", 1
    else:
        method, scale = _plan(params, text_height, width, height)
    out = upscale_array(bgr, method, scale, tile=params.tile)
    ok, png = cv2.imencode(".png", out, [cv2.IMWRITE_PNG_COMPRESSION, 1])
    if not ok:
        raise SlideError("could not encode the upscaled image as PNG")
    result = UpscaleResult(
        method=_method_label(method),
        scale=float(out.shape[1] / width),
        seconds=round(time.perf_counter() - start, 4),
        width=int(out.shape[1]),
        height=int(out.shape[0]),
        source_width=int(width),
        source_height=int(height),
        text_height=None if text_height is None else round(text_height, 2),
        notes=notes,
    )
    return png.tobytes(), result


def _plan(
    params: UpscaleParams, text_height: float | None, width: int, height: int
) -> tuple[str, int]:
    """(concrete method, integer scale) for this slide."""
    method = params.method
    if method == "auto":
        scale = _cap_scale(
            choose_scale(text_height, params, width), width, height, params.max_pixels
        )
        if scale == 1:
            return "none", 1
        # the shipped model nearest the wanted scale (in ratio; ties go up) beats
        # bicubic at the exact one
        shipped = [
            s
            for s in shipped_scales()
            if s <= params.max_scale and _fits(width, height, s, params.max_pixels)
        ]
        if shipped:
            best = min(shipped, key=lambda s: (abs(np.log(s / scale)), -s))
            return f"model:x{best}", best
        return "bicubic", scale
    if method == "none":
        return "none", 1
    if method in SIMPLE_METHODS:
        return method, _cap_scale(params.max_scale, width, height, params.max_pixels)
    match = MODEL_METHOD.match(method)
    if match:
        scale = int(match.group(1))
    else:
        scale = load_method(method).scale
    if width * height * scale * scale > params.max_pixels:
        raise SlideError(
            f"upscaling {width}x{height} by {scale} would exceed the "
            f"{params.max_pixels / 1e6:.0f} Mpx limit (--max-pixels)"
        )
    if max(width, height) * scale > MAX_SIDE:
        raise SlideError(f"upscaling {width}x{height} by {scale} would pass {MAX_SIDE:,} px, "
                         "the most Tesseract reads a side; use --upscale auto or bicubic")
    return method, scale


def upscale_array(bgr: np.ndarray, method: str, scale: int, tile: int = 512) -> np.ndarray:
    """Enlarge a BGR array by an integer scale with a concrete method."""
    if method == "none" or scale == 1:
        return bgr
    if method in SIMPLE_METHODS:
        height, width = bgr.shape[:2]
        return cv2.resize(
            bgr, (width * scale, height * scale), interpolation=SIMPLE_METHODS[method]
        )
    model = load_method(method)
    return model.run(bgr, tile=tile)


def _method_label(method: str) -> str:
    if method in SIMPLE_METHODS or MODEL_METHOD.match(method):
        return method
    return load_method(method).label


def validate(params: UpscaleParams) -> None:
    """Fail early (before a build) on a method name or model file that cannot work."""
    if params.max_scale < 1 or params.max_scale > 8:
        raise ConfigError(f"max_scale must be between 1 and 8, not {params.max_scale}")
    if params.tile < 64:
        raise ConfigError(f"tile must be at least 64 px, not {params.tile}")
    method = params.method
    if method == "auto" or method in SIMPLE_METHODS:
        return
    if MODEL_METHOD.match(method) or Path(method).suffix.lower() in (".pb", ".onnx"):
        load_method(method)
        return
    raise ConfigError(
        f"unknown upscale method {method!r}: use auto, none, bicubic, lanczos, "
        "model:x2, model:x4, or a path to an .onnx / OpenCV .pb model"
    )


def _shipped_digest() -> str:
    """Short hash of the shipped model files: a retrained model changes VERSION."""
    digest = hashlib.sha256()
    for scale, path in sorted(shipped_scales().items()):
        digest.update(f"x{scale}:".encode() + path.read_bytes())
    return digest.hexdigest()[:12]


# Part of the cache key: bumps when the code's output changes or a shipped model does.
VERSION = f"{_CODE_VERSION}+{_shipped_digest()}"
