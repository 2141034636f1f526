"""Hostile input: whatever a scraper feeds the builder, it reports or builds, never crashes.

One corpus holds every kind of bad (and odd-but-legitimate) input; one real
``deckgen build --strict`` runs over it. Then, for each input: a clear report
line naming the file (or the slide built correctly, where the input is
legitimate), nothing written outside the build and site folders, and nothing
executable from the data in the site.
"""

from __future__ import annotations

import io
import json
import os
import re
import struct
import subprocess
import sys
import tarfile
import zlib
from html.parser import HTMLParser
from pathlib import Path

import cv2
import numpy as np
import pytest
from conftest import DECKS, FONT, build_cmd, draw_slide, pdf_of, pdf_stream, write_deck
from PIL import Image, ImageDraw, ImageFont

from deckgen.corpus import scan
from deckgen.corpus_edit import add_deck
from deckgen.corpus_pdf import read_source

XSS = '<script>alert("pwned")</script> "Quote" \'Apos\' & <b>Co</b>'
ATTR_BREAK = '"><img src=x onerror=alert(1)>'
SECRET = "TOPSECRET"


# --------------------------------------------------------------------------- input makers
def slide_image(title: str, body: str = "Revenue grows every quarter") -> Image.Image:
    return Image.open(io.BytesIO(draw_slide(title, body))).convert("RGB")


def damaged_exif_jpeg(title: str) -> bytes:
    """A JPEG whose EXIF block is cut short (Pillow warns "Truncated File Read")."""
    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = "A camera maker", "A camera model name"
    out = io.BytesIO()
    slide_image(title).save(out, "JPEG", exif=exif.tobytes()[:-12])
    return out.getvalue()


def png_bomb(width: int, height: int) -> bytes:
    """A valid 1-bit PNG of width x height that compresses to a few kilobytes."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    row = b"\x00" * (1 + (width + 7) // 8)
    packer = zlib.compressobj(9)
    idat = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    )


def cmyk_jpeg(title: str) -> bytes:
    buf = io.BytesIO()
    slide_image(title).convert("CMYK").save(buf, "JPEG", quality=92)
    return buf.getvalue()


def png_16bit(title: str, gray: bool = False) -> bytes:
    code = cv2.COLOR_RGB2GRAY if gray else cv2.COLOR_RGB2BGR
    pixels = cv2.cvtColor(np.asarray(slide_image(title)), code).astype(np.uint16) * 257
    ok, data = cv2.imencode(".png", pixels)
    assert ok
    return data.tobytes()


def animated_gif(first: str, second: str) -> bytes:
    frames = [slide_image(first).convert("P"), slide_image(second).convert("P")]
    buf = io.BytesIO()
    frames[0].save(buf, "GIF", save_all=True, append_images=frames[1:], duration=500, loop=0)
    return buf.getvalue()


SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="640" height="360">'
    '<script>alert("svg")</script><text x="10" y="40" onload="alert(2)">SVGDATA</text></svg>'
)


def pdf_of_pages(texts: list[str], size=(960, 540)) -> bytes:
    pages = []
    for text in texts:
        page = Image.new("RGB", size, "white")
        ImageDraw.Draw(page).text((40, 40), text, fill="black", font=ImageFont.truetype(FONT, 48))
        pages.append(page)
    buf = io.BytesIO()
    pages[0].save(buf, "PDF", save_all=True, append_images=pages[1:], resolution=72)
    return buf.getvalue()


def encrypted_pdf() -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf_of_pages(["Locked deck"]))))
    writer.encrypt(user_password="secret", owner_password="owner")
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def make_hostile_tree(root: Path) -> None:
    """root/corpus (every hostile input) and root/outside (what symlinks point at)."""
    corpus, outside = root / "corpus", root / "outside"
    outside.mkdir(parents=True)
    (outside / "secret.jpg").write_bytes(draw_slide(SECRET, f"{SECRET} password list"))
    (outside / "secret.toml").write_text(f'company = "{SECRET} Corp"\n')
    write_deck(
        outside,
        "elsewhere",
        {"meta": f'company = "{SECRET} Elsewhere"\n', "slides": [(SECRET, "x")]},
    )

    write_deck(corpus, "alpha-robotics", DECKS["alpha-robotics"])

    odd = corpus / "odd-formats"  # legitimate: must be built
    odd.mkdir()
    (odd / "deck.toml").write_text('company = "Odd Formats"\n')
    (odd / "001 cover slide.jpg").write_bytes(draw_slide("Spaces Cover", "Name with spaces"))
    (odd / "002 café ünïcode.jpg").write_bytes(draw_slide("Unicode Market", "Name in unicode"))
    (odd / "003 new\nline.jpg").write_bytes(draw_slide("Newline Team", "Name with a newline"))
    (odd / "004 cmyk.jpg").write_bytes(cmyk_jpeg("Cyan Magenta"))
    (odd / "005 sixteen.png").write_bytes(png_16bit("Sixteen Bits"))
    (odd / "006 animated.gif").write_bytes(animated_gif("First Frame", "Second Frame"))
    (odd / "007 #p1 hash.jpg").write_bytes(draw_slide("Hash Name", "Looks like a PDF page"))
    (odd / "008 gray16.png").write_bytes(png_16bit("Gray Sixteen", gray=True))
    (odd / "009 bad exif.jpg").write_bytes(damaged_exif_jpeg("Damaged Metadata"))
    pdf_deck = corpus / "pdf-deck"
    pdf_deck.mkdir()
    (pdf_deck / "deck.pdf").write_bytes(pdf_of_pages(["Page One Problem", "Page Two Team"]))
    (pdf_deck / "deck.toml").write_text('company = "PDF Deck"\n')

    bad = corpus / "bad-images"
    bad.mkdir()
    (bad / "deck.toml").write_text('company = "Bad Images"\n')
    (bad / "001.jpg").write_bytes(draw_slide("Good Slide", "Among bad ones"))
    (bad / "002 bomb.png").write_bytes(png_bomb(30_000, 30_000))
    (bad / "003 bomb-small.png").write_bytes(png_bomb(8_000, 6_000))
    (bad / "004 empty.jpg").write_bytes(b"")
    (bad / "005 truncated.jpg").write_bytes(draw_slide("Truncated", "cut")[:1500])
    (bad / "006 vector.svg").write_text(SVG)
    (bad / "007 svg-as.png").write_text(SVG)
    (bad / "008 broken\nname.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a JPEG")
    (bad / "009 [draft].jpg").write_bytes(b"junk")  # brackets: rich markup, if not escaped

    for slug, data in {
        "locked-pdf": encrypted_pdf(),
        "broken-pdf": b"%PDF-1.7\n1 0 obj <<>>\ngarbage",
    }.items():
        (corpus / slug).mkdir()
        (corpus / slug / "deck.pdf").write_bytes(data)

    (corpus / "dir-toml" / "deck.toml").mkdir(parents=True)
    (corpus / "dir-toml" / "001.jpg").write_bytes(
        draw_slide("Folder Toml", "deck.toml is a folder")
    )
    (corpus / "fifo-toml").mkdir()
    os.mkfifo(corpus / "fifo-toml" / "deck.toml")  # reading it would block forever
    os.mkfifo(corpus / "fifo-toml" / "001.jpg")
    (corpus / "fifo-toml" / "002.jpg").write_bytes(draw_slide("Fifo Toml", "deck.toml is a FIFO"))

    latin = corpus / "latin1-toml"
    latin.mkdir()
    (latin / "deck.toml").write_bytes('company = "Société Générale"\n'.encode("latin-1"))
    (latin / "001.jpg").write_bytes(draw_slide("Latin Deck", "Metadata not in UTF-8"))

    sneaky = corpus / "sneaky-slug"
    sneaky.mkdir()
    (sneaky / "deck.toml").write_text('company = "Sneaky"\nslug = "../../escaped"\n')
    (sneaky / "001.jpg").write_bytes(draw_slide("Sneaky Slug", "Tries to leave the site"))
    traversal = corpus / "evil..%2F..%2Fescaped"
    traversal.mkdir()
    (traversal / "001.jpg").write_bytes(draw_slide("Traversal", "folder"))

    xss = corpus / "xss-deck"
    xss.mkdir()
    (xss / "deck.toml").write_text(
        f"company = {json.dumps(XSS)}\ntitle = {json.dumps(XSS)}\n"
        f"industry = {json.dumps(ATTR_BREAK)}\n"
        f'stage = {json.dumps(ATTR_BREAK)}\nsource_url = "javascript:alert(1)"\nyear = 2020\n'
    )
    (xss / "001.jpg").write_bytes(draw_slide("Script Deck", "<script>alert(3)</script>"))

    (corpus / "escape-link").symlink_to(outside / "elsewhere", target_is_directory=True)
    links = corpus / "symlinks"
    links.mkdir()
    (links / "001.jpg").write_bytes(draw_slide("Linked Deck", "One real slide"))
    (links / "002.jpg").symlink_to(outside / "secret.jpg")
    (links / "deck.toml").symlink_to(outside / "secret.toml")


# --------------------------------------------------------------------------- checks
def snapshot(root: Path, skip: set[str]) -> dict[str, tuple]:
    """Every entry under root (symlinks not followed) except the skipped top-level folders."""
    state = {}
    for path in root.rglob("*"):
        rel = path.relative_to(root)
        if rel.parts[0] in skip:
            continue
        st = path.lstat()
        state[str(rel)] = (st.st_mode, st.st_size, st.st_mtime_ns)
    return state


class _ActiveContent(HTMLParser):
    """Collects anything in a page that could run: inline scripts, handlers, js: URLs, svg."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script":
            self._in_script = True
            if not dict(attrs).get("src"):
                self.found.append("inline <script>")
        slide_box = tag == "svg" and dict(attrs).get("class") == "slide-box"  # empty: below
        if tag in ("svg", "iframe", "object", "embed") and not slide_box:
            self.found.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"{tag} {name}=")
            if name in ("href", "src", "action") and (value or "").strip().lower().startswith(
                "javascript:"
            ):
                self.found.append(f"{tag} {name}={value}")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.found.append("inline script text")


def problem_lines(report: dict) -> list[str]:
    lines = [f"{p['path']}: {p['reason']}" for p in report["problems"]]
    for name, stage in report["stages"].items():
        lines += [f"{f['file']}: {name} failed: {f['reason']}" for f in stage["failed"]]
    return lines


def line_for(lines: list[str], path: str) -> str:
    found = [line for line in lines if line.startswith(path + ":")]
    assert len(found) == 1, (path, lines)
    return found[0]


# --------------------------------------------------------------------------- the build
@pytest.fixture(scope="module")
def hostile_build(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    make_hostile_tree(root)
    before = snapshot(root, skip={"build", "site"})
    neighbours = sorted(p.name for p in root.parent.iterdir())
    result = subprocess.run(
        build_cmd(root, root / "corpus", "--strict", "--workers", "2"),
        capture_output=True,
        text=True,
        timeout=900,
    )
    return {
        "root": root,
        "result": result,
        "before": before,
        "neighbours": neighbours,
        "report": json.loads((root / "build" / "report.json").read_text()),
        "manifest": json.loads((root / "build" / "manifest.json").read_text()),
    }


def test_build_survives_and_exits_5_under_strict(hostile_build):
    result = hostile_build["result"]
    assert result.returncode == 5, result.stderr
    assert "Traceback" not in result.stderr
    assert "UserWarning" not in result.stderr  # a library's, naming no file (damaged EXIF)


EXPECTED_LINES = {
    "bad-images/002 bomb.png": "Mpx limit",
    "bad-images/003 bomb-small.png": "Mpx limit",
    "bad-images/004 empty.jpg": "0 bytes",
    "bad-images/005 truncated.jpg": "truncated",
    "bad-images/006 vector.svg": "not a slide image",
    "bad-images/007 svg-as.png": "not an image",
    "bad-images/008 broken\nname.jpg": "truncated JPEG",
    "bad-images/009 [draft].jpg": "not an image",
    "locked-pdf/deck.pdf": "password",
    "broken-pdf/deck.pdf": "not a readable PDF",
    "latin1-toml/deck.toml": "not UTF-8",
    "dir-toml/deck.toml": "not a regular file",
    "fifo-toml/deck.toml": "not a regular file",
    "fifo-toml/001.jpg": "not a regular file",
    "sneaky-slug/deck.toml": "slug",
    "evil..%2F..%2Fescaped": "not a safe slug",
    "escape-link": "symlink pointing outside the corpus",
    "symlinks/002.jpg": "symlink pointing outside the corpus",
    "symlinks/deck.toml": "symlink pointing outside the corpus",
}


@pytest.mark.parametrize("path", sorted(EXPECTED_LINES))
def test_each_hostile_input_gets_one_clear_report_line(hostile_build, path):
    lines = problem_lines(hostile_build["report"])
    line = line_for(lines, path)
    assert EXPECTED_LINES[path] in line
    assert "Traceback" not in line
    shown = path.replace("\n", "\\n")  # one terminal line, even for a name with a newline
    assert shown in hostile_build["result"].stderr.replace("\n", "")


def test_legitimate_odd_inputs_are_built_correctly(hostile_build):
    slides = {s["id"]: s for s in hostile_build["manifest"]["slides"]}
    expected = {
        "odd-formats/001": "Spaces Cover",
        "odd-formats/002": "Unicode Market",
        "odd-formats/003": "Newline Team",
        "odd-formats/004": "Cyan Magenta",
        "odd-formats/005": "Sixteen Bits",
        "odd-formats/006": "First Frame",
        "odd-formats/007": "Hash Name",
        "odd-formats/008": "Gray Sixteen",
        "odd-formats/009": "Damaged Metadata",
        "pdf-deck/001": "Page One",
        "pdf-deck/002": "Page Two",
    }
    for slide_id, words in expected.items():
        slide = slides[slide_id]
        assert slide["section"] is not None, slide_id
        assert words.lower() in slide["ocr"]["text"].lower(), (slide_id, slide["ocr"]["text"])
    assert "second" not in slides["odd-formats/006"]["ocr"]["text"].lower()  # GIF: first frame only
    assert slides["odd-formats/003"]["source"] == "odd-formats/003 new\nline.jpg"
    report = hostile_build["report"]
    assert not [line for line in problem_lines(report) if line.startswith("odd-formats")]
    assert (hostile_build["root"] / "site" / "slide" / "odd-formats" / "006.html").exists()
    # Decks with odd metadata or bad neighbours still build their good slides...
    for slide_id in ("bad-images/001", "sneaky-slug/001", "xss-deck/001"):
        assert slides[slide_id]["section"] is not None, slide_id
    # ...but a new deck whose deck.toml cannot be read waits until it is fixed: published
    # with its folder's name alone, it would have no licence
    for deck in ("latin1-toml", "symlinks", "dir-toml", "fifo-toml"):
        assert deck not in hostile_build["manifest"]["decks"], deck
        assert not any(s.startswith(deck + "/") for s in slides), deck
        assert "deck left out until it is fixed" in line_for(problem_lines(report),
                                                            f"{deck}/deck.toml")


def test_nothing_is_written_outside_the_build_and_site_folders(hostile_build):
    root = hostile_build["root"]
    assert snapshot(root, skip={"build", "site"}) == hostile_build["before"]
    assert sorted(p.name for p in root.parent.iterdir()) == hostile_build["neighbours"]
    assert not list(root.rglob("escaped")) and not (root / "escaped").exists()


def test_nothing_from_outside_the_corpus_is_read(hostile_build):
    root = hostile_build["root"]
    for folder in ("site", "build"):
        for path in (root / folder).rglob("*"):
            if path.is_file() and path.suffix in {".html", ".json", ".txt", ".xml", ".csv"}:
                assert SECRET not in path.read_text(errors="replace"), path
    ids = {s["id"] for s in hostile_build["manifest"]["slides"]}
    assert "symlinks/002" not in ids and not any(i.startswith("escape-link/") for i in ids)
    assert "symlinks" not in hostile_build["manifest"]["decks"]  # its deck.toml is a link out


def test_nothing_executable_from_the_data_reaches_the_site(hostile_build):
    site = hostile_build["root"] / "site"
    pages = sorted(site.rglob("*.html"))
    assert pages
    for page in pages:
        text = page.read_text()
        parser = _ActiveContent()
        parser.feed(text)
        assert not parser.found, (page, parser.found)
        assert "<script>alert" not in text and "<img src=x" not in text
    xss_page = (site / "deck" / "xss-deck.html").read_text()
    assert "&lt;script&gt;alert(" in xss_page  # shown, as text
    assert "javascript:" not in xss_page
    for path in site.rglob("*"):
        if path.is_file() and path.suffix.lower() in {".js", ".css", ".xml", ".txt"}:
            assert "alert(" not in path.read_text(errors="replace"), path
    # SVG never reaches the site from data: the only SVG file is the site's own favicon, and
    # the only SVG in a page is the slide page's empty box that holds the image's place
    box = re.compile(rb'<svg class="slide-box" width="\d+" height="\d+" viewBox="0 0 \d+ \d+" '
                     rb'aria-hidden="true" focusable="false"></svg>')
    svgs = [p for p in site.rglob("*") if p.is_file()
            and b"<svg" in box.sub(b"", p.read_bytes())[:4096]]
    assert all(p.name.startswith("favicon.") for p in svgs), svgs
    assert any(box.search(p.read_bytes()) for p in site.rglob("slide/*/*.html"))
    assert not [p for p in site.rglob("*") if p.is_file() and b"SVGDATA" in p.read_bytes()]


def test_dataset_archive_holds_no_hostile_names_or_svg(hostile_build):
    archives = list((hostile_build["root"] / "site" / "dataset").glob("*.tar.gz"))
    assert len(archives) == 1
    with tarfile.open(archives[0]) as tar:
        for member in tar.getmembers():
            assert not member.name.startswith("/") and ".." not in member.name.split("/"), (
                member.name
            )
            assert "\n" not in member.name and member.isfile() or member.isdir(), member.name
            assert not member.name.lower().endswith(".svg"), member.name


# --------------------------------------------------------------------------- without a build
def test_add_with_a_traversal_slug_stays_inside_the_corpus(tmp_path):
    source = tmp_path / "in"
    source.mkdir()
    (source / "001.jpg").write_bytes(draw_slide("Added", "slide"))
    corpus = tmp_path / "corpus"
    deck = add_deck(corpus, [source], slug="../../escaped", meta={"company": XSS})
    assert deck.parent == corpus and deck.name == "escaped"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["corpus", "in"]
    scanned = scan(corpus)
    assert scanned.decks["escaped"].company == XSS  # kept as data; escaped when rendered


def test_300_page_pdf_is_listed_without_rendering_and_rendered_one_page_at_a_time(tmp_path):
    deck = tmp_path / "corpus" / "long-deck"
    deck.mkdir(parents=True)
    (deck / "deck.pdf").write_bytes(pdf_of_pages([f"Page {n}" for n in range(1, 301)]))
    corpus = scan(tmp_path / "corpus")
    assert [s.id for s in corpus.slides] == [f"long-deck/{n:03d}" for n in range(1, 301)]
    assert len({s.sha256 for s in corpus.slides}) == 300
    # Render every page in a child process, as a worker would, and watch its peak memory:
    # all 300 pages held at once would be 300 x 960x540 RGB = 470 MB.
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss over exec from the (big) forked parent.
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from deckgen.corpus_pdf import read_source\n"
        "def peak_kib():\n"
        "    lines = Path('/proc/self/status').read_text().splitlines()\n"
        "    return next(int(l.split()[1]) for l in lines if l.startswith('VmHWM'))\n"
        "root = Path(sys.argv[1])\n"
        "read_source(root, 'long-deck/deck.pdf#p1')\n"
        "first = peak_kib()\n"
        "for n in range(2, 301):\n"
        "    read_source(root, f'long-deck/deck.pdf#p{n}')\n"
        "print(first, peak_kib())\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "corpus")],
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    first_kib, peak_kib = map(int, out.stdout.split())
    assert peak_kib - first_kib < 100 * 1024, (first_kib, peak_kib)
    last = read_source(tmp_path / "corpus", "long-deck/deck.pdf#p300")
    assert last != read_source(tmp_path / "corpus", "long-deck/deck.pdf#p299")
    assert Image.open(io.BytesIO(last)).size[0] == 960  # each page is one 960 px picture


def test_non_utf8_file_name_is_reported_not_crashing(tmp_path):
    corpus = tmp_path / "corpus"
    write_deck(corpus, "alpha-robotics", DECKS["alpha-robotics"])
    odd = os.fsencode(corpus / "alpha-robotics") + b"/005-\xff\xfe.jpg"
    with open(odd, "wb") as fh:
        fh.write(draw_slide("Bytes Name", "not UTF-8"))
    result = subprocess.run(
        build_cmd(tmp_path, corpus, "--executor", "serial"),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    report = json.loads((tmp_path / "build" / "report.json").read_text())
    line = line_for(problem_lines(report), "alpha-robotics/005-\ufffd\ufffd.jpg")
    assert "not valid UTF-8" in line
    assert report["slides_built"] == len(DECKS["alpha-robotics"]["slides"])


# ------------------------------------------------------------ PDFs that cost hours or gigabytes


def _pdf(page_tree: bytes, *objects: bytes) -> bytes:
    """A PDF whose page tree (object 2) and further objects (4, 5, ...) are given; object 3
    is a page whose content is object 4."""
    return pdf_of(b"<< /Type /Catalog /Pages 2 0 R >>", page_tree, *objects)


_stream = pdf_stream


def _one_page(content: bytes, resources: bytes = b"<<>>", *objects: bytes) -> bytes:
    page = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 960 540] /Contents 4 0 R /Resources %s >>"
    return _pdf(b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>", page % resources,
                _stream(zlib.compress(content), b"/Filter /FlateDecode"), *objects)


def self_filling_pdf(fills: int) -> bytes:
    """A 1 KB page that fills itself ``fills`` times: seconds to hours of rendering."""
    return _one_page(b"0.5 g\n" + b"1 1 958 538 re f\n" * fills)


def nested_forms_pdf(depth: int) -> bytes:
    """Forms that each draw the next twice: 2**depth fills, memory growing with them."""
    forms = []
    for level in range(depth):
        inner = 5 + level + 1
        if level < depth - 1:
            body = b"q .5 0 0 .5 0 0 cm /F Do Q q .5 0 0 .5 480 270 cm /F Do Q"
            resources = b"<< /XObject << /F %d 0 R >> >>" % inner
        else:
            body, resources = b"0 0 960 540 re f", b"<<>>"
        forms.append(_stream(body, b"/Type /XObject /Subtype /Form /BBox [0 0 960 540] "
                                   b"/Resources " + resources))
    return _one_page(b"/F Do", b"<< /XObject << /F 5 0 R >> >>", *forms)


def many_kids_pdf(kids: int) -> bytes:
    """One page listed ``kids`` times in the page tree."""
    return _pdf(b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b"3 0 R " * kids, kids),
                b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 960 540] >>")


def test_a_pdf_page_that_renders_for_hours_fails_alone_in_seconds(tmp_path, monkeypatch):
    import time

    from deckgen import corpus_pdf
    from deckgen.errors import SlideError

    monkeypatch.setattr(corpus_pdf, "PDF_PAGE_SECONDS", 2.0)  # 60 s in use
    # the processor-time limit, not the wall clock's, even on a loaded machine (2 cores
    # shared with a test run beside it once took the "did not finish in 6 s" path)
    monkeypatch.setattr(corpus_pdf, "_WALL_CLOCK_FACTOR", 10)
    (tmp_path / "slow.pdf").write_bytes(self_filling_pdf(40_000))
    (tmp_path / "fine.pdf").write_bytes(self_filling_pdf(3))
    started = time.monotonic()
    with pytest.raises(SlideError, match=r"cannot render PDF page 1: it took over 2 s of "
                                         r"processor time \(a drawing far too complex"):
        corpus_pdf.render_pdf_page(tmp_path / "slow.pdf", 1)
    assert time.monotonic() - started < 30  # not the hours it would take
    png = corpus_pdf.render_pdf_page(tmp_path / "fine.pdf", 1)  # and the next page renders
    assert Image.open(io.BytesIO(png)).size == (1920, 1080)


def test_a_pdf_page_that_needs_gigabytes_fails_alone(tmp_path, monkeypatch):
    from deckgen import corpus_pdf
    from deckgen.errors import SlideError

    # 4 GB in use; the child may also reuse heap its parent freed: a bomb far past both
    monkeypatch.setattr(corpus_pdf, "PDF_MEMORY_BYTES", 128 << 20)
    (tmp_path / "bomb.pdf").write_bytes(nested_forms_pdf(20))  # 1.5 GB and 35 s to render
    with pytest.raises(SlideError, match=r"it needs over 0.125 GB of memory"):
        corpus_pdf.render_pdf_page(tmp_path / "bomb.pdf", 1)
    (tmp_path / "fine.pdf").write_bytes(nested_forms_pdf(3))
    assert corpus_pdf.render_pdf_page(tmp_path / "fine.pdf", 1).startswith(b"\x89PNG")


def compressed_kids_pdf(kids: int) -> bytes:
    """The page tree in a compressed object stream (PDF 1.5): 9 KB a million pages, about
    90 bytes of pdfium's memory each (QA-45's 525 KB one aborted the build)."""
    import struct

    tree = b"<< /Type /Pages /Kids [" + b"3 0 R " * kids + b"] /Count %d >>" % kids
    packed = zlib.compress(b"2 0 " + tree, 9)
    out, at = bytearray(b"%PDF-1.7\n"), {}
    for number, body in ((1, b"<< /Type /Catalog /Pages 2 0 R >>"),
                         (3, b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 960 540] >>"),
                         (4, _stream(packed, b"/Type /ObjStm /N 1 /First 4 /Filter /FlateDecode"))):
        at[number] = len(out)
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    at[5] = len(out)
    rows = b"".join(struct.pack(">BIH", *row) for row in (
        (0, 0, 65535), (1, at[1], 0), (2, 4, 0), (1, at[3], 0), (1, at[4], 0), (1, at[5], 0)))
    out += b"5 0 obj\n%s\nendobj\n" % _stream(rows, b"/Type /XRef /Size 6 /W [1 4 2] /Root 1 0 R")
    out += b"startxref\n%d\n%%%%EOF\n" % at[5]
    return bytes(out)


def test_a_page_tree_that_needs_gigabytes_is_reported_and_the_rest_scanned(
        tmp_path, monkeypatch):
    from deckgen import corpus_pdf

    monkeypatch.setattr(corpus_pdf, "PDF_MEMORY_BYTES", 32 << 20)  # 4 GB in use
    (tmp_path / "trap").mkdir()
    (tmp_path / "trap" / "deck.pdf").write_bytes(compressed_kids_pdf(10_000_000))  # ~900 MB
    (tmp_path / "fine").mkdir()
    (tmp_path / "fine" / "deck.pdf").write_bytes(pdf_of_pages(["Problem", "Solution"]))
    corpus = scan(tmp_path)  # counted in this process, it would take the build with it
    assert [s.id for s in corpus.slides] == ["fine/001", "fine/002"]
    assert [str(p) for p in corpus.problems if p.path.startswith("trap/deck.pdf")] == [
        "trap/deck.pdf: not read: opening it needs over 0.03125 GB of memory (a damaged or "
        "hostile file)"]


def test_a_deck_of_many_pdfs_reads_a_thousand_pages_in_all(tmp_path):
    deck = tmp_path / "many"
    deck.mkdir()
    for n in range(3):
        (deck / f"part{n}.pdf").write_bytes(many_kids_pdf(400))
    corpus = scan(tmp_path)
    assert len(corpus.slides) == 1000 and corpus.slides[-1].source == "many/part2.pdf#p200"
    assert "many/part2.pdf: 1,200 PDF pages in the deck with this one; only the first 1000 " \
           "are read" in [str(p) for p in corpus.problems]


def _children_of(pid: int) -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        found |= {int(c) for c in (task / "children").read_text().split()}
    return found


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs Linux's /proc")
def test_an_interrupt_while_a_page_renders_kills_its_child_at_once(tmp_path):
    import signal
    import time

    from deckgen import corpus_pdf

    (tmp_path / "slow.pdf").write_bytes(self_filling_pdf(400_000))  # minutes to render

    def interrupt(*_):
        raise KeyboardInterrupt

    before = _children_of(os.getpid())
    previous = signal.signal(signal.SIGALRM, interrupt)
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.5)  # Ctrl-C, half a second in
        started = time.monotonic()
        with pytest.raises(KeyboardInterrupt):
            corpus_pdf.render_pdf_page(tmp_path / "slow.pdf", 1)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert time.monotonic() - started < 5  # not the whole render's wait
    assert _children_of(os.getpid()) == before  # killed and reaped: no orphan renders on


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs Linux's /proc")
def test_a_render_never_outlives_the_process_that_asked_for_it(tmp_path):
    import time

    (tmp_path / "slow.pdf").write_bytes(self_filling_pdf(400_000))
    asker = subprocess.Popen([sys.executable, "-c", (
        "import sys; from pathlib import Path; from deckgen.corpus_pdf import render_pdf_page;"
        "render_pdf_page(Path(sys.argv[1]), 1)"), str(tmp_path / "slow.pdf")])
    try:
        deadline = time.monotonic() + 20
        while not (child := _children_of(asker.pid)) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert child, "the render's child never started"
    finally:
        asker.kill()  # SIGKILL: no chance to clean up
        asker.wait()
    (render,) = child
    deadline = time.monotonic() + 10
    while Path(f"/proc/{render}").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not Path(f"/proc/{render}").exists(), "the render went on without its parent"


def test_pdfs_open_under_a_users_own_memory_limit(tmp_path):
    # ulimit -v on a shared machine: the child's limit stays within it, never fails to set
    (tmp_path / "fine.pdf").write_bytes(pdf_of_pages(["Problem", "Solution"]))
    script = ("import resource, sys; from pathlib import Path;"
              "resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30));"
              "from deckgen.corpus_pdf import pdf_page_count, render_pdf_page;"
              "p = Path(sys.argv[1]); print(pdf_page_count(p), len(render_pdf_page(p, 2)) > 0)")
    done = subprocess.run([sys.executable, "-c", script, str(tmp_path / "fine.pdf")],
                          capture_output=True, text=True, timeout=120)
    assert done.stdout.split() == ["2", "True"], done.stderr


def test_a_child_that_crashes_or_raises_oddly_is_said_in_plain_words():
    import ctypes

    from deckgen import corpus_pdf

    with pytest.raises(corpus_pdf._TooCostly, match=r"crashed the PDF reader"):
        corpus_pdf._contained(ctypes.string_at, 0, seconds=10)  # a segfault

    class Odd(Exception):
        def __init__(self, a, b):
            super().__init__(f"{a} {b}")

    def raise_odd():
        raise Odd("two", "parts")

    with pytest.raises(RuntimeError, match="Odd: two parts"):
        corpus_pdf._contained(raise_odd, seconds=10)


def test_a_pdf_page_refused_for_its_cost_is_remembered_not_tried_every_build(
        tmp_path, tiny_corpus, monkeypatch):
    # a deck of 999 such pages cost a minute each, on every build (QA-46)
    from conftest import config_for

    from deckgen import corpus_pdf
    from deckgen.build import Builder

    monkeypatch.setattr(corpus_pdf, "PDF_PAGE_SECONDS", 2.0)
    # remembered only when the processor-time limit ends it: the wall clock's must not come
    # first on a loaded machine (it did once, beside other test runs on 2 cores)
    monkeypatch.setattr(corpus_pdf, "_WALL_CLOCK_FACTOR", 10)
    deck = tiny_corpus / "trap"
    deck.mkdir()
    (deck / "deck.pdf").write_bytes(self_filling_pdf(400_000))
    cfg = config_for(tmp_path, tiny_corpus)
    first = Builder(cfg, quiet=True).run()
    (failed,) = first.stages["upscale"].failed
    assert failed["id"] == "trap/001" and "took over 2 s" in failed["reason"]
    again = Builder(cfg, quiet=True).run()
    (failed,) = again.stages["upscale"].failed
    assert failed["reason"].endswith("(in an earlier build: not tried again until the file "
                                     "or deckgen's limits change)")
    monkeypatch.setattr(corpus_pdf, "PDF_PAGE_SECONDS", 3.0)  # a new limit: tried again
    assert "took over 3 s" in Builder(cfg, quiet=True).run().stages["upscale"].failed[0]["reason"]


def test_a_page_the_machine_was_too_busy_for_is_tried_again_next_build(
        tmp_path, tiny_corpus, monkeypatch):
    # a laptop asleep, or more workers than cores: the wall clock runs out before the page's
    # processor time does; that is no reason to refuse the page for good (QA-47)
    from conftest import config_for

    from deckgen import corpus_pdf
    from deckgen.build import Builder

    monkeypatch.setattr(corpus_pdf, "PDF_PAGE_SECONDS", 2.0)
    monkeypatch.setattr(corpus_pdf, "_WALL_CLOCK_FACTOR", 0.5)  # 1 s of waiting, 2 s of CPU
    deck = tiny_corpus / "busy"
    deck.mkdir()
    (deck / "deck.pdf").write_bytes(self_filling_pdf(400_000))
    cfg = config_for(tmp_path, tiny_corpus)
    for _ in range(2):
        (failed,) = Builder(cfg, quiet=True).run().stages["upscale"].failed
        assert "did not finish in 1 s" in failed["reason"], failed
        assert "tried again next build" in failed["reason"]
        assert "in an earlier build" not in failed["reason"]  # it was tried again


def test_a_page_over_the_users_own_memory_limit_is_said_so_and_not_remembered(tmp_path):
    (tmp_path / "big.pdf").write_bytes(nested_forms_pdf(20))  # 1.5 GB to render
    script = ("import resource, sys; from pathlib import Path;"
              "resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30));"
              "from deckgen.corpus_pdf import render_pdf_page\n"
              "try: render_pdf_page(Path(sys.argv[1]), 1)\n"
              "except Exception as exc: print(type(exc).__name__, exc)")
    done = subprocess.run([sys.executable, "-c", script, str(tmp_path / "big.pdf")],
                          capture_output=True, text=True, timeout=300)
    assert done.stdout.startswith("SlideError cannot render PDF page 1: it needs more memory "
                                  "than this process may have (ulimit -v 1048576)"), done
