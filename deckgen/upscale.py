"""The upscale stage: enlarge a slide so that Tesseract can read its small text.

``upscale(data, params)`` is a pure function of (source bytes, ``VERSION``,
params): it decodes any common image mode to BGR, estimates the body-text
x-height, picks a scale that brings that text to ``target_x_height`` and runs
the super-resolution model (the project's own ONNX models in
``deckgen/models/``, or an OpenCV dnn_superres ``.pb`` given by path) tile by
tile through ``cv2.dnn``. Light-on-dark slides stay as they are: inverting
them for Tesseract is the OCR stage's job.
"""

from __future__ import annotations

import hashlib
import io
import re
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from deckgen.errors import ConfigError, DeckgenError, MissingDependencyError, SlideError
from deckgen.records import UpscaleResult

_CODE_VERSION = "4"

SIMPLE_METHODS = {"none": None, "bicubic": cv2.INTER_CUBIC, "lanczos": cv2.INTER_LANCZOS4}
_MODEL_METHOD = re.compile(r"^model:x(\d)$")
# A slide whose estimated scale is below this is left alone: gains under ~25 % do not
# change what Tesseract reads, and they cost an OCR pass over a bigger image.
_MIN_USEFUL_SCALE = 1.25


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
    """Decode image bytes of any common mode into a BGR uint8 array.

    Grayscale, palette, CMYK, 16-bit and alpha images are all converted; alpha is
    flattened on white (slides are drawn on white). Raises ``SlideError`` naming
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
        raise SlideError("not an image: the format is not recognised") from None
    except Image.DecompressionBombError as exc:
        found = re.search(r"\((\d+) pixels\)", str(exc))
        size = f"{int(found.group(1)) / 1e6:.0f} Mpx" if found else "too large"
        raise SlideError(
            f"image is {size}, over the {max_pixels / 1e6:.0f} Mpx limit (--max-pixels)"
        ) from None
    except OSError as exc:
        if "truncat" in str(exc).lower():
            raise SlideError(f"truncated {_sniff_format(data)}: {exc}") from None
        raise SlideError(f"not an image: {exc}") from None
    width, height = image.size
    if width * height > max_pixels:
        raise SlideError(
            f"image is {width}x{height} = {width * height / 1e6:.0f} Mpx, over the "
            f"{max_pixels / 1e6:.0f} Mpx limit (--max-pixels)"
        )
    if width == 0 or height == 0:
        raise SlideError(f"image has no pixels ({width}x{height})")
    fmt = image.format or _sniff_format(data)
    try:
        image.load()
        image = ImageOps.exif_transpose(image)
    except OSError as exc:
        reason = "truncated" if "truncated" in str(exc) else "unreadable"
        raise SlideError(f"{reason} {fmt}: {exc}") from None
    except (SyntaxError, ValueError, EOFError) as exc:  # corrupt headers inside plugins
        raise SlideError(f"unreadable {fmt}: {exc}") from None
    return _to_bgr(image)


def _sniff_format(data: bytes) -> str:
    for magic, name in _MAGIC:
        if data.startswith(magic):
            return name
    return "image"


_MAGIC = (
    (b"\xff\xd8", "JPEG"),
    (b"\x89PNG", "PNG"),
    (b"GIF8", "GIF"),
    (b"RIFF", "WEBP"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
    (b"BM", "BMP"),
)


def _to_bgr(image: Image.Image) -> np.ndarray:
    mode = image.mode
    if mode in ("I;16", "I;16B", "I;16L", "I;16N", "I", "F"):
        gray = np.asarray(image, dtype=np.float64)
        top = 65535.0 if gray.max(initial=0) > 255 else 255.0
        gray8 = np.clip(gray * (255.0 / top) + 0.5, 0, 255).astype(np.uint8)
        return cv2.cvtColor(gray8, cv2.COLOR_GRAY2BGR)
    has_alpha = mode in ("RGBA", "LA", "PA", "La", "RGBa") or (
        mode == "P" and "transparency" in image.info
    )
    if has_alpha:
        rgba = np.asarray(image.convert("RGBA"), dtype=np.float32)
        alpha = rgba[..., 3:4] / 255.0
        rgb = rgba[..., :3] * alpha + 255.0 * (1.0 - alpha)
        rgb8 = np.clip(rgb + 0.5, 0, 255).astype(np.uint8)
    else:
        rgb8 = np.asarray(image.convert("RGB"), dtype=np.uint8)
    return np.ascontiguousarray(rgb8[..., ::-1])


def estimate_text_height(bgr: np.ndarray) -> float | None:
    """Body-text x-height in pixels, from character-like connected components.

    Binarises with Otsu, tries both polarities (dark-on-light and light-on-dark)
    and keeps the one with more character-like components. Returns None when the
    image shows too few of them (a photo, an empty slide).
    """
    gray = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY) if bgr.ndim == 3 else bgr
    image_height = gray.shape[0]
    _, binary = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    best: np.ndarray | None = None
    for foreground in (cv2.bitwise_not(binary), binary):
        _, _, stats, _ = cv2.connectedComponentsWithStats(foreground, connectivity=8)
        w = stats[1:, cv2.CC_STAT_WIDTH].astype(np.float64)
        h = stats[1:, cv2.CC_STAT_HEIGHT].astype(np.float64)
        area = stats[1:, cv2.CC_STAT_AREA].astype(np.float64)
        fill = area / np.maximum(w * h, 1.0)
        glyph_like = (
            (h >= 3) & (h <= image_height / 6) & (w <= 15 * h) & (fill > 0.12) & (fill < 0.95)
        )
        heights = h[glyph_like]
        if heights.size >= 8 and (best is None or heights.size > best.size):
            best = heights
    if best is None:
        return None
    # Most components are x-height letters (or letters merged into words with
    # ascenders); a lower percentile lands near the x-height of the body text.
    return float(np.percentile(best, 40))


def choose_scale(text_height: float | None, params: UpscaleParams) -> int:
    """The integer scale that brings body text to the target x-height (1 = leave as is)."""
    if text_height is None:
        return min(2, params.max_scale)  # no text found: a mild, cheap enlargement
    wanted = params.target_x_height / max(text_height, 1.0)
    if wanted < _MIN_USEFUL_SCALE:
        return 1
    return int(max(1, min(params.max_scale, round(wanted))))


def _cap_scale(scale: int, width: int, height: int, max_pixels: int) -> int:
    """Lower the scale until the output stays within the pixel limit."""
    while scale > 1 and width * height * scale * scale > max_pixels:
        scale -= 1
    return scale


def upscale(data: bytes, params: UpscaleParams) -> tuple[bytes, UpscaleResult]:
    """Source image bytes -> PNG bytes of the upscaled BGR image, and how it was done."""
    start = time.perf_counter()
    bgr = decode_image(data, params.max_pixels)
    height, width = bgr.shape[:2]
    text_height = estimate_text_height(bgr)
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
    )
    return png.tobytes(), result


def _plan(
    params: UpscaleParams, text_height: float | None, width: int, height: int
) -> tuple[str, int]:
    """(concrete method, integer scale) for this slide."""
    method = params.method
    if method == "auto":
        scale = _cap_scale(choose_scale(text_height, params), width, height, params.max_pixels)
        if scale == 1:
            return "none", 1
        # the shipped model nearest the wanted scale (in ratio; ties go up) beats
        # bicubic at the exact one
        shipped = [
            s
            for s in shipped_scales()
            if s <= params.max_scale and width * height * s * s <= params.max_pixels
        ]
        if shipped:
            best = min(shipped, key=lambda s: (abs(np.log(s / scale)), -s))
            return f"model:x{best}", best
        return "bicubic", scale
    if method == "none":
        return "none", 1
    if method in SIMPLE_METHODS:
        return method, _cap_scale(params.max_scale, width, height, params.max_pixels)
    match = _MODEL_METHOD.match(method)
    if match:
        scale = int(match.group(1))
    else:
        scale = load_method(method).scale
    if width * height * scale * scale > params.max_pixels:
        raise SlideError(
            f"upscaling {width}x{height} by {scale} would exceed the "
            f"{params.max_pixels / 1e6:.0f} Mpx limit (--max-pixels)"
        )
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
    if method in SIMPLE_METHODS or _MODEL_METHOD.match(method):
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
    if _MODEL_METHOD.match(method) or Path(method).suffix.lower() in (".pb", ".onnx"):
        load_method(method)
        return
    raise ConfigError(
        f"unknown upscale method {method!r}: use auto, none, bicubic, lanczos, "
        "model:x2, model:x4, or a path to an .onnx / OpenCV .pb model"
    )


# --- super-resolution models run by cv2.dnn ------------------------------------------

MODELS_DIR = Path(__file__).resolve().parent / "models"
_SHIPPED = re.compile(r"^sr_x(\d)\.onnx$")
_PB_NAME = re.compile(r"^(EDSR|ESPCN|FSRCNN|FSRCNN-small|LapSRN)_x(\d)\.pb$", re.IGNORECASE)
_DIV2K_MEAN_BGR = np.array([103.1545782, 111.561547, 114.35629928], dtype=np.float32)
# Context (source px) added around each tile: at least the receptive-field radius,
# so tiled output equals whole-image output.
_TILE_MARGIN = {"deckgen": 16, "espcn": 8, "fsrcnn": 8, "fsrcnn-small": 8, "lapsrn": 32, "edsr": 40}
_LOADED: dict[tuple[str, int, int], SrModel] = {}


@dataclass
class SrModel:
    """A loaded super-resolution network and how to feed it."""

    label: str  # "model:x4", "pb:FSRCNN_x2", "onnx:my_model"
    scale: int
    family: str  # "deckgen" or the OpenCV family name, lowercase
    colour: str  # "y": Y of YCrCb in [0,1]; "bgr": BGR in [0,1]; "bgr-mean": EDSR's BGR - mean
    net: cv2.dnn.Net

    def run(self, bgr: np.ndarray, tile: int = 512) -> np.ndarray:
        height, width = bgr.shape[:2]
        size = (width * self.scale, height * self.scale)
        if self.colour == "y":
            ycrcb = cv2.cvtColor(bgr, cv2.COLOR_BGR2YCrCb)
            luma = ycrcb[..., 0].astype(np.float32)[None] / 255.0
            out_y = np.clip(self._tiled(luma, tile)[0] * 255.0 + 0.5, 0, 255).astype(np.uint8)
            chroma = cv2.resize(ycrcb[..., 1:], size, interpolation=cv2.INTER_LINEAR)
            return cv2.cvtColor(np.dstack([out_y, chroma]), cv2.COLOR_YCrCb2BGR)
        planes = bgr.astype(np.float32).transpose(2, 0, 1)
        if self.colour == "bgr-mean":
            out = self._tiled(planes - _DIV2K_MEAN_BGR[:, None, None], tile)
            out += _DIV2K_MEAN_BGR[:, None, None]
        else:
            out = self._tiled(planes / 255.0, tile) * 255.0
        return np.clip(out.transpose(1, 2, 0) + 0.5, 0, 255).astype(np.uint8)

    def _forward(self, planes: np.ndarray) -> np.ndarray:
        self.net.setInput(np.ascontiguousarray(planes[None], dtype=np.float32))
        return self.net.forward()[0]

    def _tiled(self, planes: np.ndarray, tile: int) -> np.ndarray:
        """Run the net tile by tile with overlapping context, so memory stays bounded."""
        _, height, width = planes.shape
        if height <= tile and width <= tile:
            return self._forward(planes)
        s, margin = self.scale, _TILE_MARGIN.get(self.family, 32)
        out = np.empty((planes.shape[0], height * s, width * s), dtype=np.float32)
        for y0 in range(0, height, tile):
            for x0 in range(0, width, tile):
                y1, x1 = min(y0 + tile, height), min(x0 + tile, width)
                top, left = max(0, y0 - margin), max(0, x0 - margin)
                bottom, right = min(height, y1 + margin), min(width, x1 + margin)
                result = self._forward(planes[:, top:bottom, left:right])
                oy, ox = (y0 - top) * s, (x0 - left) * s
                out[:, y0 * s : y1 * s, x0 * s : x1 * s] = result[
                    :, oy : oy + (y1 - y0) * s, ox : ox + (x1 - x0) * s
                ]
        return out


def shipped_scales() -> dict[int, Path]:
    """Scales of the models shipped in deckgen/models/ (sr_x2.onnx, sr_x4.onnx, ...)."""
    if not MODELS_DIR.is_dir():
        return {}
    found = {}
    for path in MODELS_DIR.iterdir():
        match = _SHIPPED.match(path.name)
        if match:
            found[int(match.group(1))] = path
    return found


def _shipped_digest() -> str:
    """Short hash of the shipped model files: a retrained model changes VERSION."""
    digest = hashlib.sha256()
    for scale, path in sorted(shipped_scales().items()):
        digest.update(f"x{scale}:".encode() + path.read_bytes())
    return digest.hexdigest()[:12]


# Part of the cache key: bumps when the code's output changes or a shipped model does.
VERSION = f"{_CODE_VERSION}+{_shipped_digest()}"


def load_method(method: str) -> SrModel:
    """The model for "model:xN" or a model-file path, loaded once per process."""
    match = _MODEL_METHOD.match(method)
    if match:
        scale = int(match.group(1))
        path = shipped_scales().get(scale)
        if path is None:
            have = ", ".join(f"model:x{s}" for s in sorted(shipped_scales())) or "none"
            raise MissingDependencyError(
                f"no shipped super-resolution model for x{scale} in {MODELS_DIR} "
                f"(shipped: {have}); train one with `deckgen train-sr --scale {scale}`"
            )
        return _load(path, label=method)
    return _load(Path(method).expanduser(), label=None)


def _load(path: Path, label: str | None) -> SrModel:
    try:
        stat = path.stat()
    except OSError:
        raise MissingDependencyError(f"super-resolution model not found: {path}") from None
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    if key not in _LOADED:
        suffix = path.suffix.lower()
        if suffix == ".pb":
            model = _load_pb(path)
        elif suffix == ".onnx":
            model = _load_onnx(path, label)
        else:
            raise ConfigError(f"unknown model file type {path}: expected .onnx or .pb")
        _LOADED[key] = model
    return _LOADED[key]


def _load_onnx(path: Path, label: str | None) -> SrModel:
    try:
        net = cv2.dnn.readNetFromONNX(str(path))
    except cv2.error as exc:
        raise _corrupt(path, exc) from None
    family = "deckgen"
    for colour, channels in (("y", 1), ("bgr", 3)):
        model = SrModel(label or f"onnx:{path.stem}", 1, family, colour, net)
        try:
            probe = model._forward(np.zeros((channels, 16, 16), dtype=np.float32))
        except cv2.error:
            continue
        scale = probe.shape[-1] // 16
        if probe.shape[0] == channels and scale >= 1 and probe.shape[-2] == 16 * scale:
            model.scale = scale
            return model
    raise DeckgenError(
        f"{path} is not a deckgen super-resolution model: it must map a [1,1,H,W] (Y) or "
        "[1,3,H,W] (BGR) float blob in [0,1] to the same channels at an integer scale"
    )


def _load_pb(path: Path) -> SrModel:
    match = _PB_NAME.match(path.name)
    if not match:
        raise ConfigError(
            f"cannot tell the model family of {path.name}: name OpenCV dnn_superres files "
            "as they are published, e.g. FSRCNN_x4.pb, ESPCN_x2.pb, LapSRN_x4.pb, EDSR_x3.pb"
        )
    family, scale = match.group(1).lower(), int(match.group(2))
    try:
        graph = _patch_depth_to_space(path.read_bytes())
        net = cv2.dnn.readNetFromTensorflow(np.frombuffer(graph, dtype=np.uint8))
    except (cv2.error, ValueError, IndexError) as exc:
        raise _corrupt(path, exc) from None
    colour = "bgr-mean" if family == "edsr" else "y"
    canonical = {"edsr": "EDSR", "espcn": "ESPCN", "fsrcnn": "FSRCNN", "lapsrn": "LapSRN"}
    name = canonical.get(family, "FSRCNN-small")
    return SrModel(f"pb:{name}_x{scale}", scale, family, colour, net)


def _corrupt(path: Path, exc: Exception) -> MissingDependencyError:
    first_line = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
    return MissingDependencyError(f"cannot load super-resolution model {path}: {first_line}")


# OpenCV 5.0's DepthToSpace layer reads the attribute "blocksize"; TensorFlow graphs
# carry "block_size". We copy it under the new name by rewriting the protobuf wire
# format directly (GraphDef.node = 1; NodeDef.op = 2, NodeDef.attr = 5 as map entries
# {key = 1, value = 2}), so no TensorFlow or protobuf package is needed.


def _varint(buf: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        byte = buf[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7


def _encode_varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _fields(buf: bytes) -> list[tuple[int, int, bytes]]:
    """(field number, wire type, raw field bytes including the tag) for one message."""
    fields, pos = [], 0
    while pos < len(buf):
        start = pos
        tag, pos = _varint(buf, pos)
        wire = tag & 7
        if wire == 0:
            _, pos = _varint(buf, pos)
        elif wire == 1:
            pos += 8
        elif wire == 2:
            length, pos = _varint(buf, pos)
            pos += length
        elif wire == 5:
            pos += 4
        else:
            raise ValueError(f"unsupported protobuf wire type {wire}")
        if pos > len(buf):
            raise ValueError("truncated protobuf")
        fields.append((tag >> 3, wire, buf[start:pos]))
    return fields


def _payload(raw: bytes) -> bytes:
    """The bytes of a length-delimited field, without its tag and length."""
    _, pos = _varint(raw, 0)
    _, pos = _varint(raw, pos)
    return raw[pos:]


def _len_field(number: int, payload: bytes) -> bytes:
    return _encode_varint(number << 3 | 2) + _encode_varint(len(payload)) + payload


def _patch_depth_to_space(graph: bytes) -> bytes:
    out = bytearray()
    for number, wire, raw in _fields(graph):
        if number == 1 and wire == 2:
            raw = _len_field(1, _patch_node(_payload(raw)))
        out += raw
    return bytes(out)


def _patch_node(node: bytes) -> bytes:
    fields = _fields(node)
    ops = [_payload(raw) for number, wire, raw in fields if number == 2 and wire == 2]
    if ops != [b"DepthToSpace"]:
        return node
    attrs = {}
    for number, wire, raw in fields:
        if number == 5 and wire == 2:
            entry = {n: _payload(r) for n, w, r in _fields(_payload(raw)) if w == 2}
            attrs[entry.get(1, b"")] = entry.get(2, b"")
    if b"block_size" not in attrs or b"blocksize" in attrs:
        return node
    extra = _len_field(5, _len_field(1, b"blocksize") + _len_field(2, attrs[b"block_size"]))
    return node + extra
