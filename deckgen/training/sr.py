"""Train the shipped super-resolution models and export them to ONNX for cv2.dnn.

    .venv/bin/pip install -e '.[train]'       # torch==2.13.0 (CPU) + onnx
    deckgen train-sr --scale 4                 # = train(scale=4, seed=0)

The nets work on the Y channel of YCrCb in [0,1] (text lives in luminance; one
channel is three times cheaper than RGB) and end in a pixel shuffle added to
the input repeated scale² times, so they learn only the detail nearest-neighbour
enlargement misses. Training pairs come from ``sr_data``: synthetic slides
rendered at scale × 480 px and degraded the way scraped slides are. The step
count, not the clock, decides the result, so a seed reproduces a model.
"""

from __future__ import annotations

import json
import math
import time
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path

import cv2
import numpy as np

from deckgen.errors import ConfigError, MissingDependencyError
from deckgen.files import temp_file
from deckgen.training.sr_data import make_patches

try:
    import torch
    from torch import nn
except ImportError:  # the runtime never needs torch; only training does
    torch = None  # type: ignore[assignment]
    nn = None  # type: ignore[assignment]

MODELS_DIR = Path(__file__).resolve().parent.parent / "models"
ONNX_OPSET = 13  # DepthToSpace (PixelShuffle) in this opset loads in OpenCV 5.0 dnn


@dataclass
class TrainConfig:
    scale: int = 4
    seed: int = 0
    # shipped: 4 residual blocks of 24 channels, faster in cv2.dnn than OpenCV's ESPCN and
    # FSRCNN at both scales (4 x 32 read a few more words but was slower; docs/models.md)
    arch: str = "resnet-4-24"  # "espcn", "fsrcnn", "resnet" (4 x 32) or "resnet-B-C"
    steps: int = 15000
    minutes: float = 150.0  # safety stop only; the shipped models end by step count
    batch: int = 16
    patch: int = 32  # LR patch side
    slides: int = 500  # synthetic slides rendered for training patches
    patches_per_slide: int = 24
    lr: float = 1e-3
    threads: int = 1  # one thread: the same floats whatever the core count


@dataclass
class TrainReport:
    arch: str
    scale: int
    seed: int
    steps: int
    seconds: float
    parameters: int
    final_loss: float
    onnx_path: str
    onnx_bytes: int


def _require_torch() -> None:
    if torch is None:
        raise MissingDependencyError(
            "training needs PyTorch: .venv/bin/pip install -e '.[train]' (torch==2.13.0, CPU)"
        )


def build_net(arch: str, scale: int) -> nn.Module:
    """One of the compared architectures, ending in anchor + pixel shuffle."""
    _require_torch()
    out = scale * scale
    if arch == "espcn":
        body = nn.Sequential(
            nn.Conv2d(1, 48, 5, padding=2),
            nn.ReLU(),
            nn.Conv2d(48, 24, 3, padding=1),
            nn.ReLU(),
            nn.Conv2d(24, out, 3, padding=1),
        )
    elif arch == "fsrcnn":
        body = nn.Sequential(
            nn.Conv2d(1, 32, 5, padding=2),
            nn.PReLU(32),
            nn.Conv2d(32, 12, 1),
            nn.PReLU(12),
            *[layer for _ in range(3) for layer in (nn.Conv2d(12, 12, 3, padding=1), nn.PReLU(12))],
            nn.Conv2d(12, 32, 1),
            nn.PReLU(32),
            nn.Conv2d(32, out, 3, padding=1),
        )
    else:
        body = _ResBody(*resnet_size(arch), out)
    return _AnchoredShuffle(body, scale)


def resnet_size(arch: str) -> tuple[int, int]:
    """(blocks, channels) of "resnet" (4 x 32) or "resnet-B-C"; a ConfigError for anything
    that is not one of the architectures, checked before the patches are rendered."""
    parts = arch.split("-")
    if arch == "resnet":
        return 4, 32
    if (len(parts) == 3 and parts[0] == "resnet" and parts[1].isdecimal() and parts[2].isdecimal()
            and int(parts[1]) >= 1 and int(parts[2]) >= 1):
        return int(parts[1]), int(parts[2])
    raise ConfigError(f"unknown architecture {arch!r}: espcn, fsrcnn, resnet or resnet-B-C "
                      "(B blocks of C channels, e.g. resnet-4-24)")


if torch is not None:

    class _ResBlock(nn.Module):
        def __init__(self, channels: int) -> None:
            super().__init__()
            self.conv1 = nn.Conv2d(channels, channels, 3, padding=1)
            self.conv2 = nn.Conv2d(channels, channels, 3, padding=1)
            self.act = nn.ReLU()

        def forward(self, x):
            return x + self.conv2(self.act(self.conv1(x)))

    class _ResBody(nn.Module):
        def __init__(self, blocks: int, channels: int, out: int) -> None:
            super().__init__()
            self.head = nn.Conv2d(1, channels, 3, padding=1)
            self.blocks = nn.Sequential(*[_ResBlock(channels) for _ in range(blocks)])
            self.tail = nn.Conv2d(channels, out, 3, padding=1)

        def forward(self, x):
            head = self.head(x)
            return self.tail(self.blocks(head) + head)

    class _AnchoredShuffle(nn.Module):
        """body(x) + x repeated scale² times, then pixel shuffle: a learned residual
        over nearest-neighbour enlargement."""

        def __init__(self, body: nn.Module, scale: int) -> None:
            super().__init__()
            self.body, self.scale = body, scale
            self.shuffle = nn.PixelShuffle(scale)
            last = [m for m in body.modules() if isinstance(m, nn.Conv2d)][-1]
            nn.init.zeros_(last.weight)  # start as nearest-neighbour, learn the rest
            nn.init.zeros_(last.bias)

        def forward(self, x):
            anchor = torch.cat([x] * (self.scale * self.scale), dim=1)
            return self.shuffle(self.body(x) + anchor)


def parameter_count(net: nn.Module) -> int:
    return int(sum(p.numel() for p in net.parameters()))


def train(
    scale: int = 4,
    seed: int = 0,
    out: Path | None = None,
    minutes: float | None = None,
    steps: int | None = None,
    arch: str = TrainConfig.arch,
    log=print,
) -> TrainReport:
    """Train one model and write ``out`` (default deckgen/models/sr_x{scale}.onnx)."""
    config = TrainConfig(scale=scale, seed=seed, arch=arch)
    if minutes is not None:
        config.minutes = minutes
    if steps is not None:
        config.steps = steps
    return train_config(config, out, log)


def check_onnx_out(out: Path) -> None:
    """Refuse an ``out`` that export would reject, before the (long) training starts."""
    if out.is_dir():
        raise ConfigError(f"--out {out} is a folder: give the .onnx file's path, "
                          f"e.g. --out {out / 'my_sr.onnx'}")
    if out.suffix.lower() != ".onnx":  # the .json beside it would overwrite a "x.json" model
        raise ConfigError(f"--out {out}: the model's file path must end in .onnx")
    if not out.parent.is_dir():
        raise ConfigError(f"--out {out}: folder {out.parent} does not exist")


def train_config(config: TrainConfig, out: Path | None = None, log=print) -> TrainReport:
    out = Path(out) if out else MODELS_DIR / f"sr_x{config.scale}.onnx"
    check_onnx_out(out)  # first: a bad path or network fails now, not after the training
    if config.arch not in ("espcn", "fsrcnn"):
        resnet_size(config.arch)
    _require_torch()
    torch.manual_seed(config.seed)
    torch.set_num_threads(config.threads)
    start = time.perf_counter()
    lows, highs = make_patches(
        config.scale, config.slides, config.patches_per_slide, config.patch, config.seed
    )
    log(f"{len(lows)} patch pairs rendered in {time.perf_counter() - start:.0f}s")
    net = build_net(config.arch, config.scale)
    optimiser = torch.optim.Adam(net.parameters(), lr=config.lr)
    rng = np.random.default_rng(config.seed + 1)
    deadline = start + config.minutes * 60
    train_start = time.perf_counter()
    losses: list[float] = []
    step = 0
    for step in range(1, config.steps + 1):
        # cosine decay over the planned steps, or over the time left if that is shorter
        now = time.perf_counter()
        progress = max(step / config.steps, (now - train_start) / max(deadline - train_start, 1))
        for group in optimiser.param_groups:
            group["lr"] = config.lr * 0.5 * (1 + math.cos(math.pi * min(progress, 1.0)))
        index = rng.integers(0, len(lows), config.batch)
        low = torch.from_numpy(lows[index].astype(np.float32) / 255.0)
        high = torch.from_numpy(highs[index].astype(np.float32) / 255.0)
        loss = nn.functional.l1_loss(net(low), high)
        optimiser.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(net.parameters(), 1.0)
        optimiser.step()
        losses.append(loss.item())
        if step % 200 == 0:
            log(f"step {step}: L1 {np.mean(losses[-200:]):.5f} ({now - start:.0f}s)")
        if progress >= 1.0 and step < config.steps:
            log(f"time limit reached at step {step}: the result depends on machine speed")
            break
    seconds = time.perf_counter() - start
    export_onnx(net, out)
    report = TrainReport(
        arch=config.arch,
        scale=config.scale,
        seed=config.seed,
        steps=step,
        seconds=round(seconds, 1),
        parameters=parameter_count(net),
        final_loss=round(float(np.mean(losses[-200:])), 6),
        onnx_path=str(out),
        onnx_bytes=out.stat().st_size,
    )
    meta = {"train": {**asdict(report), "onnx_path": out.name}, "config": asdict(config)}
    out.with_suffix(".json").write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n")
    return report


def export_onnx(net: nn.Module, out: Path) -> None:
    """Export with dynamic H/W, then check cv2.dnn loads it and agrees with torch."""
    net.eval()
    out.parent.mkdir(parents=True, exist_ok=True)
    example = torch.rand(1, 1, 24, 40)
    # torch writes the file itself: to files.temp_file's path, moved over ``out`` once
    # cv2.dnn agrees (a failed export or check leaves no temp file behind)
    with temp_file(out) as (fh, tmp):
        fh.close()
        _export_checked(net, example, tmp)


def _export_checked(net: nn.Module, example: torch.Tensor, tmp: Path) -> None:
    """``net`` exported to ``tmp``, then loaded by cv2.dnn, which must agree with torch."""
    with warnings.catch_warnings():
        # the TorchScript exporter is deprecated, but it needs no onnxscript and writes
        # the plain opset-13 graph (DepthToSpace, dynamic H/W) that cv2.dnn reads
        warnings.simplefilter("ignore", DeprecationWarning)
        torch.onnx.export(
            net,
            (example,),
            str(tmp),
            opset_version=ONNX_OPSET,
            input_names=["y"],
            output_names=["y_up"],
            dynamic_axes={
                "y": {2: "height", 3: "width"},
                "y_up": {2: "out_height", 3: "out_width"},
            },
            dynamo=False,
        )
    probe = torch.rand(1, 1, 37, 29)
    with torch.no_grad():
        expected = net(probe).numpy()
    cv_net = cv2.dnn.readNetFromONNX(str(tmp))
    cv_net.setInput(probe.numpy())
    got = cv_net.forward()
    if got.shape != expected.shape or float(np.abs(got - expected).max()) > 1e-3:
        raise RuntimeError(
            f"cv2.dnn disagrees with torch on the exported model: {got.shape} vs "
            f"{expected.shape}"
        )
