"""Shared fixtures: a tiny corpus of slides drawn here, with text Tesseract can read."""

from __future__ import annotations

import io
import os
import shutil
import sys
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"

DECKS = {
    "alpha-robotics": {
        "meta": 'company = "Alpha Robotics"\nyear = 2019\nstage = "seed"\nindustry = "robotics"\n'
        'source_url = "https://example.com/alpha"\nlicense = "CC0-1.0"\n',
        "slides": [
            ("Alpha Robotics", "Warehouse robots for everyone"),
            ("The Problem", "Warehouses waste hours walking aisles"),
            ("Our Solution", "Robots bring shelves to pickers"),
            ("Meet the Team", "Ada Lovelace CEO and Alan Turing CTO"),
        ],
    },
    "beta-health": {
        "meta": 'company = "Beta <Health> & \\"Co\\""\nyear = 2021\n'
        'stage = "series-a"\nindustry = "health"\n',
        "slides": [
            ("Beta Health", "Clinics without paperwork"),
            ("Market Size", "Total addressable market 40 billion dollars"),
            ("Traction", "Revenue grew 300 percent this year"),
        ],
    },
}


def unpack(archive: Path, dest: Path) -> None:
    """Unpack a test's own archive, with tarfile's "data" filter where this Python has it
    (3.11.4 on; Debian 12's python3 is 3.11.2, which README's "3.11" admits)."""
    import tarfile

    safe = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
    with tarfile.open(archive) as tar:
        tar.extractall(dest, **safe)


def draw_slide(title: str, body: str, size=(640, 360)) -> bytes:
    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)
    draw.text((30, 40), title, fill="black", font=ImageFont.truetype(FONT, 36))
    draw.text((30, 150), body, fill=(30, 30, 30), font=ImageFont.truetype(FONT, 22))
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=90)
    return buf.getvalue()


def write_deck(root: Path, slug: str, spec: dict) -> None:
    deck = root / slug
    deck.mkdir(parents=True, exist_ok=True)
    (deck / "deck.toml").write_text(spec["meta"])
    for page, (title, body) in enumerate(spec["slides"], start=1):
        (deck / f"{page:03d}.jpg").write_bytes(draw_slide(title, body))


def build_cmd(root: Path, corpus: Path, *extra: str) -> list[str]:
    """`deckgen build --quiet` of ``corpus`` into ``root/site`` and ``root/build``."""
    return [
        sys.executable, "-m", "deckgen.cli", "build", "--quiet",
        "--corpus", str(corpus), "--out", str(root / "site"), "--cache", str(root / "build"),
        *extra,
    ]  # fmt: skip


def config_for(root: Path, corpus: Path, **build):
    """A build config of ``corpus`` into ``root/site`` and ``root/build`` (serial by default)."""
    from deckgen.config import load_config

    return load_config(None, {"build": {
        "corpus": str(corpus), "out": str(root / "site"), "cache": str(root / "build"),
        "executor": "serial", **build,
    }})  # fmt: skip


@pytest.fixture(scope="session", autouse=True)
def temp_files_under_pytests_folder(tmp_path_factory):
    """Temp files of the tests and of the builds they start (and kill with SIGKILL: no
    clean-up runs then), such as multiprocessing's pymp-* folders and Dask's scratch space,
    go under pytest's own folder, not into /tmp for good (QA-65)."""
    import tempfile

    before = os.environ.get("TMPDIR")
    os.environ["TMPDIR"] = str(tmp_path_factory.mktemp("tmp"))
    tempfile.tempdir = None  # gettempdir() reads TMPDIR again
    yield
    if before is None:
        os.environ.pop("TMPDIR", None)
    else:
        os.environ["TMPDIR"] = before
    tempfile.tempdir = None


@pytest.fixture(scope="session")
def tiny_corpus_master(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("corpus-master")
    for slug, spec in DECKS.items():
        write_deck(root, slug, spec)
    return root


@pytest.fixture
def tiny_corpus(tmp_path, tiny_corpus_master) -> Path:
    root = tmp_path / "corpus"
    shutil.copytree(tiny_corpus_master, root)
    return root
