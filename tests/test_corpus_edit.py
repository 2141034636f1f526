import io
import json
import re
import shutil
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from conftest import build_cmd
from PIL import Image, features

from deckgen.corpus import IMAGE_EXTENSIONS, scan
from deckgen.corpus_edit import add_deck, set_section
from deckgen.errors import EXIT_BAD_INPUT, BadInputError
from deckgen.files import exclusive_lock
from deckgen.site_urls import slide_page_path


def image_bytes(color, fmt="JPEG", size=(48, 27)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, fmt)
    return buf.getvalue()


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that says it is width x height: Pillow refuses a bomb from its header alone."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body)))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b""))
            + chunk(b"IEND", b""))


def test_loose_files_are_imported_in_file_name_order_like_a_folder(tmp_path):
    shots = tmp_path / "shots"
    shots.mkdir()
    colors = {"slide 1.jpg": (255, 0, 0), "slide 2.jpg": (0, 255, 0),
              "slide 02b.jpg": (0, 0, 255), "slide 10.jpg": (255, 255, 0)}
    for name, color in colors.items():
        (shots / name).write_bytes(image_bytes(color))
    # the order a shell's `shots/*.jpg` gives: "slide 02b", "slide 1", "slide 10", "slide 2"
    given = [shots / n for n in sorted(colors)]
    loose = add_deck(tmp_path / "one", given, slug="loose")
    folder = add_deck(tmp_path / "two", [shots], slug="folder")  # else: "already imported"
    order = ["slide 1.jpg", "slide 2.jpg", "slide 02b.jpg", "slide 10.jpg"]
    for deck in (loose, folder):
        got = [(deck / f"{n:03d}.jpg").read_bytes() for n in range(1, 5)]
        assert got == [(shots / name).read_bytes() for name in order], deck.name


def test_a_folder_keeps_jpeg_under_other_names_and_lists_what_it_skips(tmp_path):
    shots = tmp_path / "shots"
    shots.mkdir()
    (shots / "1.jpg").write_bytes(image_bytes((255, 0, 0)))
    (shots / "2.jfif").write_bytes(image_bytes((0, 255, 0)))
    (shots / "3.jpe").write_bytes(image_bytes((0, 0, 255)))
    (shots / "4.heic").write_bytes(b"\x00\x00\x00\x18ftypheic")
    (shots / "notes.txt").write_text("speaker notes")
    (shots / "old").mkdir()
    skipped = []
    deck = add_deck(tmp_path / "corpus", [shots], slug="acme", skipped=skipped)
    assert sorted(p.name for p in deck.iterdir()) == ["001.jpg", "002.jpg", "003.jpg",
                                                       "deck.toml"]
    assert (deck / "002.jpg").read_bytes() == (shots / "2.jfif").read_bytes()
    said = {p.path.rpartition("/")[2]: p.reason for p in skipped}
    assert said.keys() == {"4.heic", "notes.txt", "old"}
    assert "convert it to JPEG or PNG" in said["4.heic"]
    assert "(.txt)" in said["notes.txt"]
    assert scan(tmp_path / "corpus").problems == []
    with pytest.raises(BadInputError, match=r"4.heic: HEIC photos are not read; convert it"):
        add_deck(tmp_path / "corpus", [shots / "4.heic"], slug="heic")
    done = subprocess.run([sys.executable, "-m", "deckgen", "add", "--corpus",
                           str(tmp_path / "corpus2"), str(shots)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "added" in done.stderr and "(3 slides)" in done.stderr
    listed = [line for line in done.stderr.splitlines() if "skipped" in line]
    assert len(listed) == 3 and "4.heic: HEIC photos are not read" in done.stderr


def test_jpeg_under_other_names_is_read_in_the_corpus(tmp_path):
    deck = tmp_path / "acme"
    deck.mkdir()
    for name in ("1.jfif", "2.JPE", "3.heic"):
        (deck / name).write_bytes(image_bytes((9, 9, 9)))
    corpus = scan(tmp_path)
    assert [s.source for s in corpus.slides] == ["acme/1.jfif", "acme/2.JPE"]
    assert [str(p) for p in corpus.problems if p.path == "acme/3.heic"] == [
        "acme/3.heic: HEIC photos are not read; convert it to JPEG or PNG; skipped"]


@pytest.mark.skipif(not features.check("avif"), reason="this Pillow reads no AVIF")
def test_avif_is_imported_as_png(tmp_path):
    assert ".avif" in IMAGE_EXTENSIONS
    (tmp_path / "cover.avif").write_bytes(image_bytes((200, 30, 30), "AVIF", (64, 36)))
    deck = add_deck(tmp_path / "corpus", [tmp_path / "cover.avif"], slug="avif")
    with Image.open(deck / "001.png") as image:
        assert image.format == "PNG" and image.size == (64, 36)


def test_a_poster_too_large_to_be_a_slide_is_one_line_and_exit_3(tmp_path):
    poster = tmp_path / "poster.png"
    poster.write_bytes(png_header_only(16000, 12000))
    with pytest.raises(BadInputError, match=r"poster.png: image is 192 Mpx, too large"):
        add_deck(tmp_path / "corpus", [poster])
    done = subprocess.run([sys.executable, "-m", "deckgen", "add", "--corpus",
                           str(tmp_path / "corpus"), str(poster)], capture_output=True, text=True)
    assert done.returncode == EXIT_BAD_INPUT, done.stderr
    assert "Traceback" not in done.stderr and "too large to be a slide" in done.stderr
    assert not (tmp_path / "corpus").exists() or not any((tmp_path / "corpus").iterdir())


def test_clearing_the_last_hand_label_gives_deck_toml_back_as_it_was(tmp_path):
    original = 'company = "Acme"  # as the curator wrote it\nyear = 2021\n'
    (tmp_path / "deck.toml").write_text(original)
    set_section(tmp_path, 3, "traction")
    set_section(tmp_path, 5, "team")
    set_section(tmp_path, 3, None)
    assert "[sections]" in (tmp_path / "deck.toml").read_text()  # page 5 is still labelled
    set_section(tmp_path, 5, None)
    assert (tmp_path / "deck.toml").read_text() == original
    commented = original + "\n[sections]\n# pages set by hand\n3 = \"team\"\n"
    (tmp_path / "deck.toml").write_text(commented)
    set_section(tmp_path, 3, None)
    assert (tmp_path / "deck.toml").read_text() == original + "\n[sections]\n# pages set by hand\n"


def test_add_and_label_write_composed_text(tmp_path):
    shots = tmp_path / "shots"
    shots.mkdir()
    (shots / "1.jpg").write_bytes(image_bytes((10, 200, 10)))
    deck = add_deck(tmp_path / "corpus", [shots],
                    meta={"company": "Gru\u0308nwerk", "title": "Se\u0301rie A"})  # a Mac's paste
    assert deck.name == "grunwerk"
    written = (deck / "deck.toml").read_text(encoding="utf-8")
    assert 'company = "Gr\u00fcnwerk"' in written and 'title = "S\u00e9rie A"' in written
    assert "\u0308" not in written and "\u0301" not in written
    (deck / "deck.toml").write_text('company = "Gru\u0308nwerk"  # by hand\n', encoding="utf-8")
    set_section(deck, 1, "cover")
    assert (deck / "deck.toml").read_text(encoding="utf-8") == (
        'company = "Gr\u00fcnwerk"  # by hand\n\n[sections]\n1 = "cover"\n')


def test_a_deck_toml_with_notepads_byte_order_mark_is_labelled_and_keeps_it(tmp_path):
    deck = tmp_path / "bom-deck"
    deck.mkdir()
    (deck / "deck.toml").write_bytes(b'\xef\xbb\xbfcompany = "Bom Co"\r\n')  # builds read it
    set_section(deck, 1, "market")
    assert (deck / "deck.toml").read_bytes() == (
        b'\xef\xbb\xbfcompany = "Bom Co"\r\n\r\n[sections]\r\n1 = "market"\r\n')
    (deck / "deck.toml").write_text('notes = ' + "[" * 500 + "]" * 500 + "\n")
    with pytest.raises(BadInputError, match="does not read as TOML \\(nested too deeply\\)"):
        set_section(deck, 1, "team")


def _blank_pdf(path, pages: int) -> None:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument.new()
    for _ in range(pages):
        pdf.new_page(960, 540)
    pdf.save(path)
    pdf.close()


def test_add_shows_a_pdfs_pages_rendering_as_it_goes(tmp_path, capsys):
    # QA-80: a 300-page PDF rendered for 37 s in silence
    from deckgen.progress import Progress

    _blank_pdf(tmp_path / "three.pdf", 3)
    add_deck(tmp_path / "corpus", [tmp_path / "three.pdf"], progress=Progress())
    assert "pages: 3/3" in capsys.readouterr().err  # (a log's line; a terminal's bar)


def test_a_pdf_longer_than_a_build_reads_is_refused_before_rendering(tmp_path):
    _blank_pdf(tmp_path / "huge.pdf", 1001)  # rendered, 5,000 pages took minutes and GBs
    with pytest.raises(BadInputError, match="huge.pdf: 1,001 pages; deckgen imports a deck "
                                            "of up to 1,000"):
        add_deck(tmp_path / "corpus", [tmp_path / "huge.pdf"])
    assert not any((tmp_path / "corpus").iterdir())  # no staging folder left behind


def test_an_interrupted_add_leaves_the_corpus_as_it_was_and_does_not_promise_a_cache(tmp_path):
    import signal
    import time

    # pages enough that the signal lands mid-import on a busy machine too (400 were all
    # imported before a loaded test run sent it)
    _blank_pdf(tmp_path / "long.pdf", 1000)
    corpus = tmp_path / "corpus"
    proc = subprocess.Popen([sys.executable, "-m", "deckgen", "add", "--corpus", str(corpus),
                             str(tmp_path / "long.pdf")], stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not list(corpus.glob(".*.adding/*.png")) and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    assert "interrupted" in stderr and "cached" not in stderr and "Traceback" not in stderr
    assert list(corpus.iterdir()) == []


def test_adding_a_deck_twice_never_advises_a_slug_that_cannot_help(tmp_path):
    folder = tmp_path / "acme"
    folder.mkdir()
    for n, color in enumerate(["red", "blue"], start=1):
        (folder / f"{n}.jpg").write_bytes(image_bytes(color))
    corpus = tmp_path / "corpus"

    def add(*args):
        return subprocess.run([sys.executable, "-m", "deckgen", "add", "--corpus", str(corpus),
                               str(folder), "--company", "Acme Corp", *args],
                              capture_output=True, text=True)

    assert add().returncode == 0
    again = add()
    assert again.returncode == EXIT_BAD_INPUT, again.stderr
    assert "already exists with the same slides" in again.stderr
    assert "--slug" not in again.stderr  # another name would import the same slides twice
    renamed = add("--slug", "acme-two")
    assert renamed.returncode == EXIT_BAD_INPUT and "already in the corpus as" in renamed.stderr
    assert sorted(p.name for p in corpus.iterdir()) == ["acme-corp"]


def test_a_company_named_in_another_script_is_told_how_to_get_a_readable_folder(tmp_path):
    shot = tmp_path / "1.jpg"
    shot.write_bytes(image_bytes("red"))

    def add(company: str, corpus: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "deckgen", "add", "--corpus",
                               str(tmp_path / corpus), str(shot), "--company", company],
                              capture_output=True, text=True, check=True)

    hashed = add("上海智造科技", "c1")
    folder = hashed.stdout.strip()
    assert re.fullmatch(r".*/deck-[0-9a-f]{8}", folder)
    assert f"its folder and URLs are named {Path(folder).name}" in hashed.stderr
    assert "--slug" in hashed.stderr
    assert "its folder and URLs" not in add("Acme Corp", "c2").stderr
    # no --company: the folder's name as written, not its hashed slug
    folder_named = tmp_path / "東京テック"
    folder_named.mkdir()
    (folder_named / "1.jpg").write_bytes(image_bytes("blue"))
    done = subprocess.run([sys.executable, "-m", "deckgen", "add", "--corpus",
                           str(tmp_path / "c3"), str(folder_named)],
                          capture_output=True, text=True, check=True)
    deck_toml = (Path(done.stdout.strip()) / "deck.toml").read_text(encoding="utf-8")
    assert 'company = "東京テック"' in deck_toml


def test_a_slug_given_without_a_company_leaves_the_company_to_the_file_name(tmp_path):
    folder = tmp_path / "Ñandú Compañía"
    folder.mkdir()
    (folder / "1.jpg").write_bytes(image_bytes("red"))
    done = subprocess.run([sys.executable, "-m", "deckgen", "add", "--corpus",
                           str(tmp_path / "corpus"), str(folder), "--slug", "nandu-es"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    deck = Path(done.stdout.strip())
    assert deck.name == "nandu-es"  # --slug names the folder, not the company
    assert 'company = "Ñandú Compañía"' in (deck / "deck.toml").read_text(encoding="utf-8")
    # and says so: a name made from a file name is a guess (QA-71)
    assert ("company 'Ñandú Compañía', from the file name (--company or its deck.toml sets "
            "it)") in done.stderr
    (tmp_path / "acme_q3.jpg").write_bytes(image_bytes("blue"))
    ascii_named = add_deck(tmp_path / "corpus", [tmp_path / "acme_q3.jpg"], slug="acme")
    assert (ascii_named / "deck.toml").read_text() == 'company = "Acme Q3"\n'  # not "Acme"


@pytest.mark.parametrize("url", ["javascript:alert(1)", "data:text/html,x", "acme.com/deck"])
def test_add_refuses_a_source_url_that_is_no_web_address(tmp_path, url):
    shot = tmp_path / "1.jpg"
    shot.write_bytes(image_bytes("red"))
    done = subprocess.run([sys.executable, "-m", "deckgen", "add", "--corpus",
                           str(tmp_path / "corpus"), str(shot), "--source-url", url],
                          capture_output=True, text=True)
    assert done.returncode == EXIT_BAD_INPUT, done.stderr
    assert "--source-url must be a web address starting with https://" in done.stderr
    assert url in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "corpus").exists() or not any((tmp_path / "corpus").iterdir())
    deck = add_deck(tmp_path / "corpus", [shot], meta={"source_url": "https://acme.com/d"})
    assert 'source_url = "https://acme.com/d"' in (deck / "deck.toml").read_text()


def test_each_refuses_a_bad_source_url_once_not_once_a_deck(tmp_path):
    for name in ("a.pdf", "b.pdf"):
        _blank_pdf(tmp_path / name, 1)
    done = subprocess.run([sys.executable, "-m", "deckgen", "add", "--each", "--corpus",
                           str(tmp_path / "corpus"), str(tmp_path / "a.pdf"),
                           str(tmp_path / "b.pdf"), "--source-url", "javascript:alert(1)"],
                          capture_output=True, text=True)
    assert done.returncode == EXIT_BAD_INPUT, done.stderr
    assert done.stderr.count("--source-url must be a web address") == 1, done.stderr
    assert not (tmp_path / "corpus").exists()


@pytest.mark.parametrize(("slug", "safe"), [("../evil", "evil"), ("Acme Corp", "acme-corp"),
                                           ("aux", "aux-deck")])
def test_a_slug_that_is_not_safe_is_refused_with_the_safe_form(tmp_path, slug, safe):
    shot = tmp_path / "1.jpg"
    shot.write_bytes(image_bytes("red"))
    result = subprocess.run([sys.executable, "-m", "deckgen", "add", "--corpus",
                             str(tmp_path / "corpus"), str(shot), "--slug", slug],
                            capture_output=True, text=True)
    assert result.returncode == 2, result.stderr
    assert f"use --slug {safe}" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "corpus").exists() and not (tmp_path / "evil").exists()


def test_clearing_a_slide_without_a_hand_label_says_so(tmp_path):
    deck = tmp_path / "corpus" / "acme"
    deck.mkdir(parents=True)
    for n, color in enumerate(["red", "blue"], start=1):
        (deck / f"{n:03d}.jpg").write_bytes(image_bytes(color))
    (deck / "deck.toml").write_text('company = "Acme"\n\n[sections]\n1 = "cover"\n')

    def label(*args):
        return subprocess.run([sys.executable, "-m", "deckgen", "label", *args, "--corpus",
                               str(tmp_path / "corpus"), "--cache", str(tmp_path / "build")],
                              capture_output=True, text=True)

    nothing = label("acme/002", "--clear")
    assert nothing.returncode == 0, nothing.stderr
    assert "acme/002 had no hand label" in nothing.stderr
    assert "no longer labelled by hand" not in nothing.stderr
    cleared = label("acme/001", "--clear")
    assert cleared.returncode == 0 and "acme/001 no longer labelled by hand" in cleared.stderr
    assert "cover" not in (deck / "deck.toml").read_text()


def sideways(fmt: str) -> bytes:
    """A slide stored lying on its side, upright by its EXIF Orientation 6 (turn 90° right),
    as a phone writes it: 64 x 36 pixels red left, blue right; shown 36 x 64, red on top."""
    image = Image.new("RGB", (64, 36), (220, 20, 20))
    image.paste((20, 20, 220), (32, 0, 64, 36))
    exif = Image.Exif()
    exif[0x0112] = 6
    buf = io.BytesIO()
    image.save(buf, fmt, exif=exif.tobytes(), quality=95)
    return buf.getvalue()


def assert_upright(image: Image.Image) -> None:
    from PIL import ImageOps

    shown = ImageOps.exif_transpose(image).convert("RGB")  # as the build reads it
    assert shown.size == (36, 64)
    red, blue = shown.getpixel((18, 8)), shown.getpixel((18, 56))
    assert red[0] > 150 > red[2] and blue[2] > 150 > blue[0], (red, blue)


def test_an_image_turned_by_its_metadata_is_imported_upright(tmp_path):
    (tmp_path / "photo.jpg").write_bytes(sideways("JPEG"))
    deck = add_deck(tmp_path / "c1", [tmp_path / "photo.jpg"], slug="jpeg")
    with Image.open(deck / "001.jpg") as image:  # the same bytes: its Orientation kept
        assert_upright(image)
    if not features.check("avif"):
        pytest.skip("this Pillow reads no AVIF")
    (tmp_path / "photo.avif").write_bytes(sideways("AVIF"))
    with Image.open(tmp_path / "photo.avif") as original:
        assert original.getexif().get(0x0112) == 6  # its rotation, as Pillow exposes it
    deck = add_deck(tmp_path / "c2", [tmp_path / "photo.avif"], slug="avif")
    with Image.open(deck / "001.png") as image:  # a PNG keeps no orientation: turned now
        assert image.getexif().get(0x0112) in (None, 1)
        assert_upright(image)
        assert image.size == (36, 64)


def noisy_jpeg(size=(320, 240)) -> bytes:
    """A JPEG large enough that a cut copy of it is missing image data, not just a header."""
    import random

    image = Image.frombytes("RGB", size, random.Random(7).randbytes(size[0] * size[1] * 3))
    buf = io.BytesIO()
    image.save(buf, "JPEG")
    return buf.getvalue()


BAD_FILES = {
    "s2_empty.jpg": (b"", "the file is empty"),
    "s3_html.jpg": (b"<!DOCTYPE html>\n<html><head><title>Slide 3</title></head></html>",
                    "not an image (HTML page?"),
    "s4_cut.jpg": (noisy_jpeg()[:4000], "truncated image"),
    "s5_text.png": (b"slide five, to be drawn", "not an image (no image format"),
}


def test_a_folder_with_bad_files_imports_the_good_ones_and_lists_the_rest(tmp_path):
    shots = tmp_path / "shots"
    shots.mkdir()
    (shots / "s1.jpg").write_bytes(image_bytes((255, 0, 0)))
    (shots / "s6.jpg").write_bytes(image_bytes((0, 0, 255)))
    for name, (data, _) in BAD_FILES.items():
        (shots / name).write_bytes(data)
    skipped = []
    deck = add_deck(tmp_path / "corpus", [shots], slug="acme", skipped=skipped)
    assert sorted(p.name for p in deck.iterdir()) == ["001.jpg", "002.jpg", "deck.toml"]
    said = {Path(p.path).name: p.reason for p in skipped}
    assert said.keys() == BAD_FILES.keys()
    for name, (_, reason) in BAD_FILES.items():
        assert said[name].startswith(reason), said[name]
    assert not any("object at 0x" in reason or "<_io" in reason for reason in said.values())
    done = subprocess.run([sys.executable, "-m", "deckgen", "add", "--corpus",
                           str(tmp_path / "corpus2"), str(shots)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr  # as for a HEIC photo skipped
    assert "(2 slides)" in done.stderr and "object at 0x" not in done.stderr
    listed = [line for line in done.stderr.splitlines() if line.strip().startswith("skipped")]
    assert len(listed) == 4 and any("s3_html.jpg: not an image (HTML page?" in ln for ln in listed)


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_a_bad_image_given_by_name_is_an_error_in_plain_words(tmp_path, name):
    data, reason = BAD_FILES[name]
    (tmp_path / name).write_bytes(data)
    with pytest.raises(BadInputError, match=re.escape(f"{name}: {reason}")):
        add_deck(tmp_path / "corpus", [tmp_path / name], slug="bad")
    done = subprocess.run([sys.executable, "-m", "deckgen", "add", "--corpus",
                           str(tmp_path / "corpus"), str(tmp_path / name)],
                          capture_output=True, text=True)
    assert done.returncode == EXIT_BAD_INPUT, done.stderr
    assert reason in done.stderr and "object at 0x" not in done.stderr
    assert "Traceback" not in done.stderr
    assert not any((tmp_path / "corpus").iterdir())  # no staging folder left behind
    # named beside a good one: the good one is not imported either, and that is said
    (tmp_path / "good.png").write_bytes(image_bytes("red", "PNG"))
    said = re.escape(f"{name}: {reason}") + ".*; nothing was imported"
    with pytest.raises(BadInputError, match=said):
        add_deck(tmp_path / "corpus", [tmp_path / "good.png", tmp_path / name], slug="bad")


def test_a_folder_of_only_bad_files_is_an_error_naming_them(tmp_path):
    shots = tmp_path / "shots"
    shots.mkdir()
    for name, (data, _) in BAD_FILES.items():
        (shots / name).write_bytes(data)
    with pytest.raises(BadInputError, match=r"none of the slide images .* could be read "
                                            r"\(.*s2_empty.jpg: the file is empty; "):
        add_deck(tmp_path / "corpus", [shots], slug="bad")
    assert not any((tmp_path / "corpus").iterdir())


def test_a_multi_page_tiff_is_imported_with_a_note_that_only_its_first_page_is_used(tmp_path):
    pages = [Image.new("RGB", (48, 27), color) for color in ("red", "green", "blue")]
    pages[0].save(tmp_path / "scan.tif", save_all=True, append_images=pages[1:])
    (tmp_path / "one.tif").write_bytes(image_bytes("red", "TIFF"))
    notes = []
    add_deck(tmp_path / "corpus", [tmp_path / "scan.tif"], slug="scan", notes=notes)
    assert [str(n) for n in notes] == [f"{tmp_path / 'scan.tif'}: 3 pages in this TIFF; only "
                                       "the first is used (split it, or save it as a PDF)"]
    notes = []
    add_deck(tmp_path / "corpus", [tmp_path / "one.tif"], slug="one", notes=notes)
    assert notes == []
    # and `deckgen add` says so
    said = subprocess.run([sys.executable, "-m", "deckgen", "add", "--corpus",
                           str(tmp_path / "cli-corpus"), str(tmp_path / "scan.tif")],
                          capture_output=True, text=True)
    assert said.returncode == 0, said.stderr
    assert "note: " in said.stderr and "3 pages in this TIFF; only the first is used" in said.stderr


def test_a_folder_s_link_to_a_file_outside_it_is_skipped_never_imported(tmp_path):
    # a shared zip unpacks 002.jpg -> ../private.jpg: the curator's own file must not become
    # a public slide, as the build skips such a link in the corpus (QA-45)
    private = tmp_path / "private.jpg"
    private.write_bytes(image_bytes((0, 255, 0)))
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "001.jpg").write_bytes(image_bytes((255, 0, 0)))
    (shared / "002.jpg").symlink_to("../private.jpg")
    (shared / "003.jpg").symlink_to("001.jpg")  # a link inside the folder is its own file
    skipped = []
    deck = add_deck(tmp_path / "corpus", [shared], slug="shared", skipped=skipped)
    assert [(Path(p.path).name, p.reason) for p in skipped] == [
        ("002.jpg", "symlink pointing outside the folder")]
    imported = sorted(p.name for p in deck.iterdir() if p.suffix == ".jpg")
    assert imported == ["001.jpg", "002.jpg"]  # 001 and the inside link, renumbered
    assert all(p.read_bytes() != private.read_bytes() for p in deck.iterdir())


def test_each_skips_a_folder_s_link_to_a_pdf_outside_it(tmp_path):
    private = tmp_path / "private"
    private.mkdir()
    Image.new("RGB", (320, 180), "red").save(private / "secret.pdf")
    shared = tmp_path / "shared"
    shared.mkdir()
    Image.new("RGB", (320, 180), "blue").save(shared / "ok.pdf")
    (shared / "linked.pdf").symlink_to(private / "secret.pdf")
    done = subprocess.run([sys.executable, "-m", "deckgen", "add", "--each", "--corpus",
                           str(tmp_path / "corpus"), str(shared)], capture_output=True, text=True)
    said = " ".join(done.stderr.split())
    assert done.returncode == 0, said
    assert f"skipped {shared / 'linked.pdf'}: symlink pointing outside the folder" in said
    assert sorted(p.name for p in (tmp_path / "corpus").iterdir()) == ["ok"]


def _deckgen(*args, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "deckgen", *args], capture_output=True,
                          text=True, cwd=cwd, timeout=120)


def _two_slide_deck(corpus: Path, slug: str = "acme", sections: str = "") -> Path:
    deck = corpus / slug
    deck.mkdir(parents=True)
    for n, color in enumerate(["red", "blue"], start=1):
        (deck / f"{n:03d}.jpg").write_bytes(image_bytes(color))
    (deck / "deck.toml").write_text(f'company = "Acme"\n{sections}')
    return deck


def test_review_leaves_out_slides_labelled_since_the_build_and_decks_gone(tmp_path, tiny_corpus):
    built = subprocess.run(build_cmd(tmp_path, tiny_corpus), capture_output=True, text=True)
    assert built.returncode == 0, built.stderr
    cache = ["--cache", str(tmp_path / "build")]
    before = [json.loads(line) for line in _deckgen("review", "--json", *cache).stdout.splitlines()]
    listed = {r["id"] for r in before}
    assert {"alpha-robotics/002", "beta-health/001"} <= listed
    assert _deckgen("label", "alpha-robotics/002", "team", *cache).returncode == 0
    shutil.rmtree(tiny_corpus / "beta-health")  # gone since the build: `label` would fail
    after = _deckgen("review", "--json", *cache)
    assert after.returncode == 0, after.stderr
    rows = [json.loads(line) for line in after.stdout.splitlines()]  # one object a line
    assert {r["id"] for r in rows} == {i for i in listed
                                       if i != "alpha-robotics/002" and "beta-health" not in i}
    assert ("1 slide labelled by hand since the last build and 1 deck no longer in the corpus "
            "(beta-health) are left out; run `deckgen build" in after.stderr)
    text = _deckgen("review", *cache)
    assert "alpha-robotics/002" not in text.stdout and "beta-health" not in text.stdout
    assert "are left out" in text.stderr


def test_review_gives_each_slide_s_page_and_its_scores_best_first(tmp_path, tiny_corpus):
    built = subprocess.run(build_cmd(tmp_path, tiny_corpus), capture_output=True, text=True)
    assert built.returncode == 0, built.stderr
    cache = ["--cache", str(tmp_path / "build")]
    listed = _deckgen("review", "--json", *cache)
    rows = [json.loads(line) for line in listed.stdout.splitlines()]
    assert rows and listed.stdout == _deckgen("review", "--json", *cache).stdout  # the same
    for row in rows:
        scores = list(row["scores"].values())
        assert scores == sorted(scores, reverse=True), row  # not alphabetical
        assert row["page"] == slide_page_path(row["id"])
        assert (tmp_path / "site" / row["page"]).is_file()
    text = _deckgen("review", "--limit", "1", *cache)
    first = text.stdout.splitlines()[0]
    assert first.startswith(f"{rows[0]['id']}  {rows[0]['section']}  (")
    assert f"  {rows[0]['page']}" in first
    assert f"(pages under {tmp_path / 'site'}/)" in text.stderr


def test_label_says_which_hand_label_it_replaces(tmp_path):
    corpus = tmp_path / "corpus"
    _two_slide_deck(corpus, sections='\n[sections]\n2 = "Go to market"\n')
    where = ["--corpus", str(corpus), "--cache", str(tmp_path / "build")]
    replaced = _deckgen("label", "acme/002", "traction", *where)
    assert replaced.returncode == 0, replaced.stderr
    assert "acme/002 labelled traction (was go-to-market, set by hand) in" in replaced.stderr
    again = _deckgen("label", "acme/002", "traction", *where)
    # no build has seen the slide: nothing confirmed, and none said (QA-64)
    assert "labelled traction (so set by hand already) in" in again.stderr
    fresh = _deckgen("label", "acme/001", "cover", *where)
    assert "acme/001 labelled cover in" in fresh.stderr and "(was" not in fresh.stderr
    cleared = _deckgen("label", "acme/002", "--clear", *where)
    assert "acme/002 no longer labelled by hand (was traction) in" in cleared.stderr


def test_clear_removes_a_hand_label_past_the_deck_s_end(tmp_path):
    corpus = tmp_path / "corpus"
    deck = _two_slide_deck(corpus, sections='\n[sections]\n1 = "cover"\n99 = "team"\n')
    where = ["--corpus", str(corpus), "--cache", str(tmp_path / "build")]
    cleared = _deckgen("label", "acme/99", "--clear", *where)
    assert cleared.returncode == 0, cleared.stderr
    assert "acme/099 no longer labelled by hand (was team)" in cleared.stderr
    assert (deck / "deck.toml").read_text() == 'company = "Acme"\n\n[sections]\n1 = "cover"\n'
    # setting one there still says the deck's range
    refused = _deckgen("label", "acme/99", "team", *where)
    assert refused.returncode == EXIT_BAD_INPUT, refused.stderr
    assert "acme has no slide" in refused.stderr and "its slides are 1-2" in refused.stderr
    # clearing it again is what clearing any page without a label is (QA-63: it was exit 3)
    again = _deckgen("label", "acme/99", "--clear", *where)
    assert again.returncode == 0 and "had no hand label" in again.stderr


def test_label_in_a_corpus_moved_away_says_so_not_that_the_deck_is_missing(tmp_path):
    where = ["--corpus", str(tmp_path / "moved"), "--cache", str(tmp_path / "build")]
    moved = _deckgen("label", "acme/001", "cover", *where)
    assert moved.returncode == EXIT_BAD_INPUT
    assert f"corpus folder {tmp_path / 'moved'} not found" in moved.stderr
    assert "no deck" not in moved.stderr


def test_label_suggests_the_section_meant_and_takes_one_in_several_words(tmp_path):
    corpus = tmp_path / "corpus"
    deck = _two_slide_deck(corpus)
    where = ["--corpus", str(corpus), "--cache", str(tmp_path / "build")]
    typo = _deckgen("label", "acme/002", "tracton", *where)
    assert typo.returncode == 2
    assert "unknown section 'tracton'" in typo.stderr
    assert "did you mean 'traction'?" in typo.stderr
    for word in ("zzzz", "tem"):  # "tem" is no slip of "team" (QA-64)
        nowhere = _deckgen("label", "acme/002", word, *where)
        assert nowhere.returncode == 2 and "did you mean" not in nowhere.stderr
    empty = _deckgen("label", "acme/002", "", "--clear", *where)  # "" is no section (QA-63)
    assert empty.returncode == 0 and "not both" not in empty.stderr
    words = _deckgen("label", "acme/002", "business", "model", *where)  # unquoted
    assert words.returncode == 0, words.stderr
    assert '2 = "business-model"' in (deck / "deck.toml").read_text()
    both = _deckgen("label", "acme/002", "team", "--clear", *where)
    assert both.returncode == 2 and "not both" in both.stderr


def test_label_takes_the_other_names_the_site_s_search_knows_for_a_section(tmp_path):
    """"roadmap", "gtm", "use of funds": search.js offers the section for them (QA-85)."""
    corpus = tmp_path / "corpus"
    deck = _two_slide_deck(corpus)
    where = ["--corpus", str(corpus), "--cache", str(tmp_path / "build")]
    for words, section in ((["roadmap"], "milestones"), (["GTM"], "go-to-market"),
                           (["use", "of", "funds"], "funding"), (["tam"], "market")):
        named = _deckgen("label", "acme/002", *words, *where)
        assert named.returncode == 0, named.stderr
        assert f"acme/002 labelled {section}" in named.stderr
        assert f'2 = "{section}"' in (deck / "deck.toml").read_text()  # its own name kept
    for typed, meant in (("raodmap", "milestones"), ("milestone", "milestones"),
                         ("fundrasing", "funding")):
        slip = _deckgen("label", "acme/002", typed, *where)
        assert slip.returncode == 2 and f"did you mean {meant!r}?" in slip.stderr, slip.stderr


def test_label_suggests_the_deck_a_slug_typed_wrong_means(tmp_path):
    corpus = tmp_path / "corpus"
    _two_slide_deck(corpus, slug="lumenfarm")
    _two_slide_deck(corpus, slug="acme")
    where = ["--corpus", str(corpus), "--cache", str(tmp_path / "build")]
    for slide in ("LumenFarm/002", "lumenfram/2"):  # its case, or a slip in its spelling
        wrong = _deckgen("label", slide, "vision", *where)
        assert wrong.returncode == EXIT_BAD_INPUT
        assert wrong.stderr.rstrip().endswith("did you mean lumenfarm/002?"), wrong.stderr
    nowhere = _deckgen("label", "zzzz/001", "vision", *where)
    assert "no deck 'zzzz'" in nowhere.stderr and "did you mean" not in nowhere.stderr
    assert "[sections]" not in (corpus / "lumenfarm" / "deck.toml").read_text()


def test_label_refused_under_a_build_says_to_run_it_again_not_to_use_another_cache(tmp_path):
    corpus = tmp_path / "corpus"
    deck = _two_slide_deck(corpus)
    (tmp_path / "build").mkdir()
    with exclusive_lock(tmp_path / "build" / "lock"):  # as a build running on that cache
        busy = _deckgen("label", "acme/001", "cover", "--corpus", str(corpus), "--cache",
                        str(tmp_path / "build"))
    assert busy.returncode != 0 and "another deckgen run" in busy.stderr, busy.stderr
    assert "wait for it to finish, then run the same command again" in busy.stderr
    assert "--cache" not in busy.stderr.partition("another deckgen run")[2]
    assert "[sections]" not in (deck / "deck.toml").read_text()


def test_adding_a_deck_again_says_its_hand_labels_would_go_with_it(tmp_path):
    folder = tmp_path / "acme"
    folder.mkdir()
    for n, color in enumerate(["red", "blue"], start=1):
        (folder / f"{n}.jpg").write_bytes(image_bytes(color))
    corpus = tmp_path / "corpus"
    add = ["add", "--corpus", str(corpus), str(folder), "--company", "Acme"]
    assert _deckgen(*add).returncode == 0
    plain = _deckgen(*add)
    assert "remove that deck first" in plain.stderr and "set by hand" not in plain.stderr
    toml = corpus / "acme" / "deck.toml"
    toml.write_text(toml.read_text() + '\n[sections]\n1 = "cover"\n2 = "team"\n')
    again = _deckgen(*add)
    assert again.returncode == EXIT_BAD_INPUT
    assert ("its deck.toml holds 2 labels set by hand, which go with it: copy them first"
            in again.stderr)
    renamed = _deckgen(*add[:-1], "Acme Two")  # the same slides under another name
    assert "already in the corpus as" in renamed.stderr
    assert "holds 2 labels set by hand" in renamed.stderr


# --- a new export of a deck: `add --replace` (QA-85 #2) --------------------------------
HAND_WRITTEN_TOML = ('# from the founders, 2023\ncompany = "Quillpay"\nlicense = "CC-BY-4.0"\n'
                     'source_url = "https://example.com/quillpay"\n\n'
                     '[sections]\n1 = "cover"\n2 = "team"\n')


def _quillpay(corpus: Path) -> Path:
    """A deck of two image slides with a deck.toml written by hand."""
    deck = _two_slide_deck(corpus, "quillpay")
    (deck / "deck.toml").write_text(HAND_WRITTEN_TOML)
    (deck / "notes.txt").write_text("the curator's notes")
    return deck


def _files(deck: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(deck.iterdir())}


def test_replace_swaps_a_deck_s_slides_for_a_new_export_and_keeps_its_deck_toml(tmp_path):
    corpus = tmp_path / "corpus"
    deck = _quillpay(corpus)
    _blank_pdf(tmp_path / "quillpay deck v3.pdf", 3)
    replaced = _deckgen("add", str(tmp_path / "quillpay deck v3.pdf"), "--corpus", str(corpus),
                        "--replace", "quillpay", "--year", "2023")
    assert replaced.returncode == 0, replaced.stderr
    assert (f"replaced the 2 slides of quillpay with 3 from {tmp_path}/quillpay deck v3.pdf; "
            "deck.toml kept, with year set (its [sections] hand labels are on page numbers: "
            "the next build warns of any whose slide moved)") in " ".join(replaced.stderr.split())
    assert "deckgen build" in replaced.stderr and replaced.stdout.strip() == str(deck)
    assert sorted(p.name for p in deck.iterdir()) == ["001.png", "002.png", "003.png",
                                                       "deck.toml", "notes.txt"]
    assert (deck / "deck.toml").read_text() == HAND_WRITTEN_TOML.replace(
        'quillpay"\n\n', 'quillpay"\nyear = 2023\n\n')
    assert (deck / "notes.txt").read_text() == "the curator's notes"
    assert [p.name for p in corpus.iterdir()] == ["quillpay"]  # no temp folder left
    built = scan(corpus)
    assert len(built.slides) == 3 and built.decks["quillpay"].license == "CC-BY-4.0"
    assert [p.path for p in built.problems] == ["quillpay/notes.txt"]  # kept, as it was

    kept = _files(deck)  # the very same export again: nothing to do, and said
    again = _deckgen("add", str(tmp_path / "quillpay deck v3.pdf"), "--corpus", str(corpus),
                     "--replace", "quillpay")
    assert again.returncode == 0, again.stderr
    assert "quillpay has these very slides already" in again.stderr
    assert "nothing replaced" in again.stderr and "deckgen build" not in again.stderr
    assert _files(deck) == kept and [p.name for p in corpus.iterdir()] == ["quillpay"]


@pytest.mark.parametrize("bad", ["html.jpg", "corrupt.pdf"])
def test_a_replace_that_fails_leaves_the_deck_as_it_was(tmp_path, bad):
    corpus = tmp_path / "corpus"
    deck = _quillpay(corpus)
    before = _files(deck)
    (tmp_path / "html.jpg").write_text("<!DOCTYPE html><html><body>Quillpay</body></html>")
    (tmp_path / "corrupt.pdf").write_bytes(b"%PDF-1.4\n1 0 obj<<>>\ngarbage")
    failed = _deckgen("add", str(tmp_path / bad), "--corpus", str(corpus), "--replace",
                      "quillpay", "--year", "2023")
    assert failed.returncode == EXIT_BAD_INPUT, failed.stderr
    assert bad in failed.stderr and "Traceback" not in failed.stderr
    assert _files(deck) == before
    assert [p.name for p in corpus.iterdir()] == ["quillpay"]


def test_replace_refuses_a_deck_not_there_or_slides_of_another_deck(tmp_path):
    corpus = tmp_path / "corpus"
    _quillpay(corpus)
    other = _two_slide_deck(corpus, "acme")
    typo = _deckgen("add", str(other), "--corpus", str(corpus), "--replace", "quilpay")
    assert typo.returncode == EXIT_BAD_INPUT
    assert "no deck 'quilpay'" in typo.stderr and "did you mean --replace quillpay?" in typo.stderr
    before = _files(corpus / "quillpay")
    twice = _deckgen("add", str(other), "--corpus", str(corpus), "--replace", "quillpay")
    assert twice.returncode == EXIT_BAD_INPUT and "already in the corpus as" in twice.stderr
    assert _files(corpus / "quillpay") == before
    both = _deckgen("add", str(other), "--corpus", str(corpus), "--replace", "quillpay",
                    "--slug", "quillpay")
    assert both.returncode != 0 and "leave out --slug" in both.stderr


def test_a_replace_killed_between_its_renames_is_put_right_by_the_next(tmp_path):
    corpus = tmp_path / "corpus"
    deck = _quillpay(corpus)
    deck.rename(corpus / ".quillpay.replaced")  # what a kill after the first rename leaves
    _blank_pdf(tmp_path / "v3.pdf", 3)
    done = _deckgen("add", str(tmp_path / "v3.pdf"), "--corpus", str(corpus), "--replace",
                    "quillpay")
    assert done.returncode == 0, done.stderr
    assert "replaced the 2 slides of quillpay with 3" in done.stderr
    assert (deck / "deck.toml").read_text() == HAND_WRITTEN_TOML
    assert [p.name for p in corpus.iterdir()] == ["quillpay"]


def test_an_interrupted_replace_leaves_the_deck_as_it_was(tmp_path):
    import signal
    import time

    corpus = tmp_path / "corpus"
    deck = _quillpay(corpus)
    before = _files(deck)
    _blank_pdf(tmp_path / "long.pdf", 1000)  # pages enough to be mid-import when signalled
    proc = subprocess.Popen([sys.executable, "-m", "deckgen", "add", "--corpus", str(corpus),
                             str(tmp_path / "long.pdf"), "--replace", "quillpay"],
                            stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not list(corpus.glob(".*/*.png")) and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    assert _files(deck) == before and [p.name for p in corpus.iterdir()] == ["quillpay"]


def test_a_deck_that_exists_is_told_of_replace_and_never_to_pass_the_slug_it_has(tmp_path):
    corpus = tmp_path / "corpus"
    _quillpay(corpus)
    shot = tmp_path / "quillpay.jpg"
    shot.write_bytes(image_bytes("green"))
    plain = _deckgen("add", str(shot), "--corpus", str(corpus))
    assert plain.returncode == EXIT_BAD_INPUT
    said = " ".join(plain.stderr.split())
    assert (f"{corpus}/quillpay already exists: add it as another deck with --slug NEW-NAME, or "
            "replace that deck's slides (keeping its deck.toml) with --replace quillpay") in said
    slugged = _deckgen("add", str(shot), "--corpus", str(corpus), "--slug", "quillpay")
    assert slugged.returncode == EXIT_BAD_INPUT
    assert "--replace quillpay" in slugged.stderr and "--slug NEW-NAME" not in slugged.stderr
    assert "pass --slug" not in slugged.stderr


def test_a_new_deck_of_a_company_already_in_the_corpus_is_noted_with_replace(tmp_path):
    corpus = tmp_path / "corpus"
    _quillpay(corpus)
    shot = tmp_path / "v3.jpg"
    shot.write_bytes(image_bytes("green"))
    added = _deckgen("add", str(shot), "--corpus", str(corpus), "--company", "QuillPay",
                     "--slug", "quillpay-2024")
    assert added.returncode == 0, added.stderr  # two decks of one company are legitimate
    assert ("note: deck quillpay has the same company (Quillpay); to update that deck instead, "
            "use --replace quillpay") in " ".join(added.stderr.split())
    assert sorted(p.name for p in corpus.iterdir()) == ["quillpay", "quillpay-2024"]
    (tmp_path / "other.jpg").write_bytes(image_bytes("yellow"))
    unrelated = _deckgen("add", str(tmp_path / "other.jpg"), "--corpus", str(corpus))
    assert unrelated.returncode == 0 and "same company" not in unrelated.stderr
