"""Shared fixtures: a tiny corpus of slides drawn here, with text Tesseract can read."""

from __future__ import annotations

import io
import os
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
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


def pdf_of(*objects: bytes) -> bytes:
    """A PDF of ``objects``, numbered from 1 (the catalog, the page tree, ...), with its
    cross-reference table: PDFs written byte by byte, as no exporter would write them."""
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % at for at in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref)
    return bytes(out)


def pdf_stream(data: bytes, head: bytes = b"") -> bytes:
    """A PDF stream object of ``data``, ``head`` its dictionary's other entries."""
    return b"<< %s /Length %d >>\nstream\n%s\nendstream" % (head, len(data), data)


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


# -- end-to-end in Chromium: these run, never skip (no Playwright fails them: pip install
# playwright; Debian's chromium) -------------------------------------------------------------
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@contextmanager
def serving(out: Path) -> Iterator[str]:
    """``out`` served as `deckgen serve` serves it (its CSP too) on a free port: its URL."""
    import threading

    from deckgen import site_serve

    server = site_serve.make_server(out, port=0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
