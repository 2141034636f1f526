"""Super-resolution networks run by ``cv2.dnn``: deckgen's ONNX models and OpenCV's .pb files.

``load_method("model:x4")`` loads a model shipped in ``deckgen/models/``
(``sr_x4.onnx``: Y channel of YCrCb in [0,1] in, enlarged Y out);
``load_method("/path/FSRCNN_x2.pb")`` loads an OpenCV dnn_superres file with the
pre/post-processing its family needs (Y channel for ESPCN/FSRCNN/LapSRN, BGR minus
the DIV2K mean for EDSR). Each file is read once per process. ``SrModel.run``
runs the net tile by tile with overlapping context, so memory stays bounded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from deckgen.errors import ConfigError, DeckgenError, MissingDependencyError

MODEL_METHOD = re.compile(r"^model:x(\d)$")
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


def load_method(method: str) -> SrModel:
    """The model for "model:xN" or a model-file path, loaded once per process."""
    match = MODEL_METHOD.match(method)
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
