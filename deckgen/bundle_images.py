"""The slide images of the open dataset bundle, as the archive stores them.

Originals stay byte for byte where the pipeline reads the pixels a viewer shows
(JPEG, PNG, WebP); other formats, turned or animated images become a PNG of what
the pipeline decoded, so OCR word boxes fit them. Upscaled images are WebP (a
too-wide one scaled down, its ``upscale_scale`` following) or the PNG unchanged.
Every setting is fixed, so rebuilds give the same bytes.
"""

from __future__ import annotations

import io
import warnings
from typing import Any

from PIL import Image

from deckgen.records import Slide

# the site's WebP settings; WEBP_MAX_SIDE is the format's limit: a wider upscaled image
# is stored scaled down
from deckgen.site_images import MAX_SIDE as WEBP_MAX_SIDE
from deckgen.site_images import WEBP_METHOD

# bump when encode_upscaled's bytes change for the same pixels (part of the images key;
# bundle.VERSION is not: the archive's documents changing re-encodes no image)
VERSION = "1"
WEBP_QUALITY = 90  # measured: ~8x smaller than PNG, text still crisp (docs/benchmarks.md)
PNG_COMPRESS_LEVEL = 9  # originals converted to PNG; fixed so rebuilds give the same bytes
# formats kept byte for byte, and those the corpus accepts that are stored as PNG instead
_KEPT_FORMATS = {"jpg": "JPEG", "png": "PNG", "webp": "WEBP"}
_CONVERTED_FORMATS = ("GIF", "BMP", "TIFF", "AVIF")
ORIENTATION_TAG = 0x0112  # EXIF Orientation


# the leading bytes of each image format deckgen reads, as Pillow names it (WebP: below)
_MAGIC = (
    (b"\xff\xd8\xff", "JPEG"),
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"GIF8", "GIF"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
    (b"BM", "BMP"),
)


def sniff_format(data: bytes) -> str | None:
    """The image format ``data`` starts like ("JPEG", "WEBP", ...), or None."""
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":  # RIFF alone is also WAV or AVI
        return "WEBP"
    return next((name for magic, name in _MAGIC if data.startswith(magic)), None)


def image_ext(data: bytes) -> str:
    fmt = sniff_format(data)
    for ext, name in _KEPT_FORMATS.items():
        if name == fmt:
            return ext
    raise ValueError("source is not a JPEG, PNG or WebP image")


def original_image(data: bytes, max_pixels: int | None) -> tuple[str, bytes, str]:
    """(extension, bytes, source format) of a slide's original as the bundle stores it.

    GIF, BMP and TIFF become a PNG of the image the pipeline itself reads
    (``upscale.decode_image``: the slide's frame, EXIF rotation, CMYK, 16-bit and alpha
    converted), so OCR word boxes fit it. JPEG, PNG and WebP stay byte for byte, unless
    the pipeline reads other pixels than a viewer shows: an EXIF orientation that turns
    them (word boxes and source_width/height are the upright image's) or an animation.
    """
    try:
        ext = image_ext(data)
    except ValueError:
        ext = None
    if ext is not None and not _read_otherwise(data):
        return ext, data, _KEPT_FORMATS[ext]
    png = pixels_png(data, max_pixels)  # names what is wrong
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # decode_image guarded
        with Image.open(io.BytesIO(data)) as image:
            # a camera's multi-picture JPEG is a JPEG to anyone reading source_format
            fmt = "JPEG" if image.format == "MPO" else image.format or "unknown"
    if ext is None and fmt not in _CONVERTED_FORMATS:
        raise ValueError(f"source is a {fmt} image, not JPEG, PNG, WebP, GIF, BMP or TIFF")
    return "png", png, fmt


def pixels_png(data: bytes, max_pixels: int | None) -> bytes:
    """A PNG of the pixels the pipeline reads of ``data`` (``upscale.decode_image``: the slide's
    frame, upright, in RGB). A fresh image carries no metadata: no camera, place, time or
    text chunk of the source goes with it."""
    from deckgen.upscale import UpscaleParams, decode_image  # cv2: not for `bundle verify`

    bgr = decode_image(data, max_pixels or UpscaleParams().max_pixels)
    out = io.BytesIO()
    Image.fromarray(bgr[..., ::-1].copy()).save(
        out, format="PNG", compress_level=PNG_COMPRESS_LEVEL)
    return out.getvalue()


def match_stored_scale(row: dict[str, Any], slide: Slide, upscaled: bytes) -> None:
    """``upscale_scale`` of the image as stored: ``encode_upscaled`` shrinks one over the
    WebP limit, and the word boxes times the scale must still land on its pixels."""
    up = slide.upscale
    if up is None or not up.source_width or max(up.width, up.height) <= WEBP_MAX_SIDE:
        return
    with Image.open(io.BytesIO(upscaled)) as image:  # reads the header only
        width = image.size[0]
    row["upscale_scale"] = width / up.source_width


def _read_otherwise(data: bytes) -> bool:
    """Whether the pipeline reads other pixels than a viewer shows first: an EXIF
    orientation that turns or mirrors the image, or an animation (its slide frame)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # headers only
            with Image.open(io.BytesIO(data)) as image:
                turned = image.getexif().get(ORIENTATION_TAG, 1) != 1
                # an animated PNG or WebP (a camera's MPO JPEG is read at its first picture)
                animated = (image.format not in ("JPEG", "MPO")
                            and getattr(image, "n_frames", 1) > 1)
                return turned or animated
    except Exception:  # unreadable here: decode_image names it, or it is kept as it is
        return False


def encode_upscaled(png: bytes, fmt: str = "webp") -> bytes:
    """A slide's upscaled PNG as the archive stores it (WebP, or the PNG unchanged)."""
    if fmt == "png":
        if not png.startswith(b"\x89PNG\r\n\x1a\n"):
            raise ValueError("not a PNG")
        return png
    with Image.open(io.BytesIO(png)) as image:
        image.load()
        if image.mode not in ("RGB", "RGBA"):
            image = image.convert("RGBA" if "A" in image.getbands() else "RGB")
        longest = max(image.size)
        if longest > WEBP_MAX_SIDE:  # a banner upscaled x4; the row's upscale_scale follows
            image = image.resize(
                tuple(max(1, round(side * WEBP_MAX_SIDE / longest)) for side in image.size),
                Image.Resampling.LANCZOS)
        out = io.BytesIO()
        image.save(out, format="WEBP", quality=WEBP_QUALITY, method=WEBP_METHOD)
    return out.getvalue()
