"""PDF pages as slides: how deckgen.corpus_pdf renders them."""

import io
import subprocess
import sys

from PIL import Image

from deckgen.corpus import scan
from deckgen.corpus_pdf import read_source


def pdf_of_one_picture(picture: Image.Image, page_size: tuple[int, int], matrix: str) -> bytes:
    """A one-page PDF whose only content is ``picture`` (a JPEG) drawn by ``matrix`` (cm)."""
    jpeg = io.BytesIO()
    picture.save(jpeg, "JPEG", quality=90)
    data = jpeg.getvalue()
    width, height = picture.size
    content = f"q {matrix} cm /Im0 Do Q".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        (f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {page_size[0]} {page_size[1]}] "
         f"/Resources << /XObject << /Im0 4 0 R >> >> /Contents 5 0 R >>").encode(),
        (f"<< /Type /XObject /Subtype /Image /Width {width} /Height {height} "
         f"/ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter /DCTDecode "
         f"/Length {len(data)} >>\nstream\n").encode() + data + b"\nendstream",
        f"<< /Length {len(content)} >>\nstream\n".encode() + content + b"\nendstream",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    out.write(b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets))
    out.write(f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n"
              .encode())
    return out.getvalue()


def test_a_page_that_is_a_picture_turned_sideways_renders_at_the_pictures_own_size(tmp_path):
    # a scanner app stores the scan portrait (1080 x 1920 px) and turns it by the drawing
    # matrix onto a landscape page: its 1920 px run across the page, not its 1080
    deck = tmp_path / "scans"
    deck.mkdir()
    portrait = Image.new("RGB", (1080, 1920), "white")
    (deck / "deck.pdf").write_bytes(pdf_of_one_picture(portrait, (960, 540),
                                                       "0 540 -960 0 960 0"))
    (deck / "straight.pdf").write_bytes(pdf_of_one_picture(portrait.rotate(90, expand=True),
                                                           (960, 540), "960 0 0 540 0 0"))
    corpus = scan(tmp_path)
    sizes = [Image.open(io.BytesIO(read_source(tmp_path, s.source))).size for s in corpus.slides]
    assert sizes == [(1920, 1080), (1920, 1080)]


# --- presentations that link to content outside them: never read, never fetched ----------
ODP_CONTENT = """<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0"
 xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
 xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0"
 xmlns:xlink="http://www.w3.org/1999/xlink" office:version="1.2">
<office:automatic-styles>{page_style}</office:automatic-styles><office:body><office:presentation>
<draw:page draw:name="one" draw:style-name="page">{shapes}</draw:page></office:presentation>
</office:body></office:document-content>"""


def needs_libreoffice():
    import shutil

    import pytest

    if shutil.which("soffice") is None and shutil.which("libreoffice") is None:
        pytest.skip("LibreOffice is not installed")


def png_of(color: str) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (240, 160), color).save(buf, "PNG")
    return buf.getvalue()


def odp_picture(href: str) -> str:
    return ('<draw:frame svg:x="2cm" svg:y="2cm" svg:width="20cm" svg:height="12cm">'
            f'<draw:image xlink:href="{href}" xlink:type="simple" xlink:show="embed" '
            'xlink:actuate="onLoad"/></draw:frame>')


def odp_web_link(url: str, words: str) -> str:
    return ('<draw:frame svg:x="2cm" svg:y="15cm" svg:width="20cm" svg:height="2cm">'
            f'<draw:text-box><text:p><text:a xlink:type="simple" xlink:href="{url}">{words}'
            '</text:a></text:p></draw:text-box></draw:frame>')


def make_odp(path, shapes: str, pictures: dict[str, bytes] | None = None, styles: str = "",
             page_style: str = ""):
    """An .odp of one slide holding ``shapes`` (ODF XML), built part by part; ``page_style``
    is the slide's style (named "page"), ``styles`` the styles.xml part."""
    import zipfile

    pictures = pictures or {}
    parts = {**({"styles.xml": "text/xml"} if styles else {}),
             **dict.fromkeys(pictures, "image/png")}
    entries = "".join(f'<manifest:file-entry manifest:full-path="{name}" '
                      f'manifest:media-type="{kind}"/>' for name, kind in parts.items())
    manifest = ('<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest='
                '"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
                '<manifest:file-entry manifest:full-path="/" manifest:media-type='
                '"application/vnd.oasis.opendocument.presentation"/><manifest:file-entry '
                'manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
                f'{entries}</manifest:manifest>')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("mimetype", "application/vnd.oasis.opendocument.presentation",
                         zipfile.ZIP_STORED)
        package.writestr("META-INF/manifest.xml", manifest)
        package.writestr("content.xml", ODP_CONTENT.format(shapes=shapes,
                                                           page_style=page_style))
        if styles:
            package.writestr("styles.xml", styles)
        for name, data in pictures.items():
            package.writestr(name, data)


def make_pptx_picture(path, picture: bytes, linked_to: str | None = None,
                      web_link: str | None = None, link_type: str | None = None):
    """A .pptx of one slide with ``picture`` embedded, or instead a picture whose
    ``a:blip`` links (``r:link``, TargetMode="External") to ``linked_to``, its relationship
    of ``link_type`` (an image's by default)."""
    from pptx import Presentation
    from pptx.opc.constants import RELATIONSHIP_TYPE
    from pptx.oxml.ns import qn
    from pptx.util import Inches

    deck = Presentation()
    slide = deck.slides.add_slide(deck.slide_layouts[6])
    shape = slide.shapes.add_picture(io.BytesIO(picture), Inches(1), Inches(1), Inches(8),
                                     Inches(5))
    if linked_to:
        blip = shape._element.blipFill.blip
        del blip.attrib[qn("r:embed")]
        blip.set(qn("r:link"), slide.part.relate_to(
            linked_to, link_type or RELATIONSHIP_TYPE.IMAGE, is_external=True))
    if web_link:
        box = slide.shapes.add_textbox(Inches(1), Inches(6.5), Inches(8), Inches(0.8))
        run = box.text_frame.paragraphs[0].add_run()
        run.text = "Our website"
        run.hyperlink.address = web_link
    deck.save(path)


class RecordingServer:
    """A web server on 127.0.0.1 that notes every request it gets (a picture's URL)."""

    def __enter__(self):
        import http.server
        import threading

        requests = self.requests = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (the name http.server calls)
                requests.append(self.path)
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.end_headers()
                self.wfile.write(png_of("red"))

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_port}/x.png?leak=curator"
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def linked_target(kind: str, tmp_path, server: RecordingServer) -> str:
    """Where a hostile deck's picture points: the curator's private file, by URL or by a
    path relative to the copy LibreOffice converts (work/deck.odp), or a local web server."""
    private = tmp_path / "private-passport.png"
    private.write_bytes(png_of("red"))
    return {"file": private.as_uri(), "relative": "../private-passport.png",
            "http": server.url}[kind]


def test_an_odp_that_links_a_picture_outside_it_is_refused_unread(tmp_path):
    import pytest

    from deckgen.corpus_office import presentation_to_pdf
    from deckgen.errors import BadInputError

    needs_libreoffice()
    for kind in ("file", "relative", "http"):
        with RecordingServer() as server:
            href = linked_target(kind, tmp_path, server)
            deck = tmp_path / f"linked-{kind}.odp"
            make_odp(deck, odp_picture(href))
            work = tmp_path / f"work-{kind}"
            with pytest.raises(BadInputError) as refused:
                presentation_to_pdf(deck, work)
            assert str(refused.value) == (
                f"{deck.name}: links to content outside the file ({href}), which deckgen does "
                "not load: embed it in the presentation (or export the deck to PDF yourself) "
                "and add that"), kind
            assert not (work / "deck.pdf").exists() and server.requests == [], kind


def test_a_pptx_that_links_a_picture_outside_it_is_refused_unread(tmp_path):
    import pytest

    from deckgen.corpus_office import presentation_to_pdf
    from deckgen.errors import BadInputError

    needs_libreoffice()
    for kind in ("file", "http"):
        with RecordingServer() as server:
            target = linked_target(kind, tmp_path, server)
            deck = tmp_path / f"linked-{kind}.pptx"
            make_pptx_picture(deck, png_of("blue"), linked_to=target)
            work = tmp_path / f"work-{kind}"
            with pytest.raises(BadInputError, match="links to content outside the file") as no:
                presentation_to_pdf(deck, work)
            assert target in str(no.value), kind
            assert not (work / "deck.pdf").exists() and server.requests == [], kind


def page_colors(pdf) -> set[tuple[int, int, int]]:
    """The colours that cover at least 2% of a PDF's first page."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(str(pdf))
    try:
        image = document[0].render(scale=0.25).to_pil().convert("RGB")
    finally:
        document.close()
    least = image.width * image.height // 50
    return {color for count, color in image.getcolors(1 << 20) if count >= least}


def test_web_links_and_embedded_pictures_convert_but_a_linked_picture_is_refused(tmp_path):
    import pytest

    from deckgen.corpus_office import presentation_to_pdf
    from deckgen.errors import BadInputError

    needs_libreoffice()
    web = "https://example.com/"
    shapes = odp_picture("Pictures/logo.png") + odp_web_link(web, "Visit us")
    make_odp(tmp_path / "fine.odp", shapes, {"Pictures/logo.png": png_of("blue")})
    pdf = presentation_to_pdf(tmp_path / "fine.odp", tmp_path / "work-odp")
    assert (0, 0, 255) in page_colors(pdf)
    assert web.encode() in pdf.read_bytes()  # still a link in the PDF
    make_pptx_picture(tmp_path / "fine.pptx", png_of("blue"), web_link=web)
    assert (0, 0, 255) in page_colors(presentation_to_pdf(tmp_path / "fine.pptx",
                                                          tmp_path / "work-pptx"))
    # the same decks with one picture more, linked to a file outside: refused
    private = tmp_path / "private.png"
    private.write_bytes(png_of("red"))
    make_odp(tmp_path / "more.odp", shapes + odp_picture(private.as_uri()),
             {"Pictures/logo.png": png_of("blue")})
    with pytest.raises(BadInputError, match="links to content outside the file"):
        presentation_to_pdf(tmp_path / "more.odp", tmp_path / "work-more")


def test_a_slide_background_linked_in_styles_xml_is_refused_too(tmp_path):
    import pytest

    from deckgen.corpus_office import presentation_to_pdf
    from deckgen.errors import BadInputError

    needs_libreoffice()
    private = tmp_path / "private.png"
    private.write_bytes(png_of("red"))
    styles = ('<?xml version="1.0" encoding="UTF-8"?><office:document-styles '
              'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
              'xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" '
              'xmlns:xlink="http://www.w3.org/1999/xlink" office:version="1.2">'
              f'<office:styles><draw:fill-image draw:name="Secret" xlink:href="{private.as_uri()}"'
              '/></office:styles></office:document-styles>')
    background = ('<style:style style:name="page" style:family="drawing-page">'
                  '<style:drawing-page-properties draw:fill="bitmap" '
                  'draw:fill-image-name="Secret" style:repeat="stretch"/></style:style>')
    make_odp(tmp_path / "styled.odp", "", styles=styles, page_style=background)
    with pytest.raises(BadInputError, match=r"styled.odp: links to content outside the file"):
        presentation_to_pdf(tmp_path / "styled.odp", tmp_path / "work")
    assert not (tmp_path / "work" / "deck.pdf").exists()


def test_a_presentation_whose_xml_unpacks_too_far_is_refused_unread(tmp_path, monkeypatch):
    import pytest

    from deckgen import corpus_office
    from deckgen.errors import BadInputError

    needs_libreoffice()
    padding = "<!--" + " " * (2 << 20) + "-->"  # 2 MB of nothing: a few kB packed
    make_odp(tmp_path / "bomb.odp", padding + odp_web_link("https://example.com", "Hi"))
    monkeypatch.setattr(corpus_office, "PACKAGE_PART_MAX_BYTES", 1 << 20)
    with pytest.raises(BadInputError, match="bomb.odp: its content.xml unpacks to over 1 MB"):
        corpus_office.presentation_to_pdf(tmp_path / "bomb.odp", tmp_path / "work")
    assert not (tmp_path / "work").exists()
    monkeypatch.setattr(corpus_office, "PACKAGE_PART_MAX_BYTES", 64 << 20)
    monkeypatch.setattr(corpus_office, "PACKAGE_XML_MAX_BYTES", 3 << 20)  # two parts of 2 MB
    styles = '<?xml version="1.0"?>' + padding + "<styles/>"
    make_odp(tmp_path / "two.odp", padding + odp_web_link("https://example.com", "Hi"),
             styles=styles)
    with pytest.raises(BadInputError, match="two.odp: its XML unpacks to over 3 MB in all"):
        corpus_office.presentation_to_pdf(tmp_path / "two.odp", tmp_path / "work")


def test_libreoffice_runs_with_no_network_where_the_machine_allows_it(tmp_path, monkeypatch):
    import subprocess
    import sys

    import pytest

    from deckgen import corpus_office
    from deckgen.errors import BadInputError

    needs_libreoffice()
    sandbox = corpus_office._no_network_prefix()
    if not sandbox:
        pytest.skip("user namespaces are off here: LibreOffice runs as it is")
    with RecordingServer() as server:
        fetch = [sys.executable, "-c", f"import urllib.request; urllib.request.urlopen("
                 f"{server.url!r}, timeout=5)"]
        assert subprocess.run(fetch, capture_output=True).returncode == 0
        assert subprocess.run([*sandbox, *fetch], capture_output=True).returncode != 0
        assert len(server.requests) == 1
    # and in it LibreOffice still converts, within CONVERT_TIMEOUT
    make_pptx_picture(tmp_path / "deck.pptx", png_of("blue"))
    monkeypatch.setattr(corpus_office, "CONVERT_TIMEOUT", 0.2)
    with pytest.raises(BadInputError, match="LibreOffice took over 0 s to convert it"):
        corpus_office.presentation_to_pdf(tmp_path / "deck.pptx", tmp_path / "slow")


def test_past_the_check_libreoffice_still_reads_no_linked_picture_and_fetches_nothing(
        tmp_path, monkeypatch):
    # the links of a format the check cannot read (.ppt) meet LibreOffice's own guards:
    # its profile blocks linked pictures of untrusted documents, and it has no network
    from deckgen import corpus_office

    needs_libreoffice()
    monkeypatch.setattr(corpus_office, "_refuse_outside_links", lambda path, name: None)
    with RecordingServer() as server:
        for kind in ("file", "http"):
            target = linked_target(kind, tmp_path, server)
            make_pptx_picture(tmp_path / f"{kind}.pptx", png_of("blue"), linked_to=target)
            pdf = corpus_office.presentation_to_pdf(tmp_path / f"{kind}.pptx", tmp_path / kind)
            assert (254, 0, 0) not in page_colors(pdf), kind  # the private picture
        if corpus_office._no_network_prefix():
            make_odp(tmp_path / "web.odp", odp_picture(server.url))
            corpus_office.presentation_to_pdf(tmp_path / "web.odp", tmp_path / "web")
        assert server.requests == []


def test_the_links_a_refusal_names_are_shown_cut_and_without_control_codes(tmp_path):
    import pytest

    from deckgen.corpus_office import presentation_to_pdf
    from deckgen.errors import BadInputError

    needs_libreoffice()
    hrefs = ["https://tracker.example/" + "a" * 300, "file:///tmp/gpj.\u202eexe",
             "file:///b.png", "file:///c.png"]
    make_odp(tmp_path / "many.odp", "".join(odp_picture(href) for href in hrefs))
    with pytest.raises(BadInputError) as refused:
        presentation_to_pdf(tmp_path / "many.odp", tmp_path / "work")
    said = str(refused.value)
    assert f"({hrefs[0][:120]}..., file:///tmp/gpj.?exe, file:///b.png, ...)" in said


def test_a_binary_ppt_is_checked_as_the_odp_it_saves_as_then_converted(tmp_path):
    # a .ppt's links cannot be read in place: LibreOffice saves it as .odp first (links stay
    # links there) and that is checked like any .odp before it is rendered
    import subprocess

    from deckgen.corpus_office import presentation_to_pdf

    needs_libreoffice()
    make_odp(tmp_path / "old.odp", odp_picture("Pictures/logo.png"),
             {"Pictures/logo.png": png_of("blue")})
    subprocess.run(["soffice", f"-env:UserInstallation={(tmp_path / 'p').as_uri()}",
                    "--headless", "--convert-to", "ppt", "--outdir", str(tmp_path),
                    str(tmp_path / "old.odp")], capture_output=True, check=True, timeout=300)
    pdf = presentation_to_pdf(tmp_path / "old.ppt", tmp_path / "work")
    assert (0, 0, 255) in page_colors(pdf)
    assert (tmp_path / "work" / "odp" / "deck.odp").is_file()  # what was checked


def test_a_pptx_picture_linked_through_a_hyperlink_typed_relationship_is_refused(tmp_path):
    # LibreOffice resolves r:link by id and ignores the relationship's declared type (QA-46)
    import pytest
    from pptx.opc.constants import RELATIONSHIP_TYPE

    from deckgen.corpus_office import presentation_to_pdf
    from deckgen.errors import BadInputError

    needs_libreoffice()
    private = tmp_path / "private.png"
    private.write_bytes(png_of("red"))
    make_pptx_picture(tmp_path / "sly.pptx", png_of("blue"), linked_to=private.as_uri(),
                      link_type=RELATIONSHIP_TYPE.HYPERLINK)
    with pytest.raises(BadInputError, match="links to content outside the file"):
        presentation_to_pdf(tmp_path / "sly.pptx", tmp_path / "work")
    assert not (tmp_path / "work").exists()
    make_pptx_picture(tmp_path / "web.pptx", png_of("blue"), web_link="https://example.com/")
    assert presentation_to_pdf(tmp_path / "web.pptx", tmp_path / "work-web").is_file()


def test_a_presentation_with_an_encrypted_part_is_a_clear_error(tmp_path):
    import zipfile

    import pytest

    from deckgen.corpus_office import presentation_to_pdf
    from deckgen.errors import BadInputError

    needs_libreoffice()
    with zipfile.ZipFile(tmp_path / "locked.odp", "w") as package:
        package.writestr("mimetype", "application/vnd.oasis.opendocument.presentation")
        package.writestr("content.xml", "<office:document-content/>")
        at = package.getinfo("content.xml").header_offset
    data = bytearray((tmp_path / "locked.odp").read_bytes())
    central = data.rindex(b"PK\x01\x02")  # content.xml's entry, the last one
    data[at + 6] |= 0x1  # "encrypted", in its local header and the central directory:
    data[central + 8] |= 0x1  # reading it asks for a password
    (tmp_path / "locked.odp").write_bytes(bytes(data))
    with pytest.raises(BadInputError, match=r"locked.odp: cannot read its content.xml"):
        presentation_to_pdf(tmp_path / "locked.odp", tmp_path / "work")


def test_a_stop_during_the_fork_of_a_pdf_child_is_not_lost():
    # CI flake: SIGTERM landed in os.fork's at-fork hooks, where Python ignores the
    # KeyboardInterrupt the handler raises, and `deckgen add` went on to the end (exit 0)
    code = (
        "import os, signal, sys\n"
        "from deckgen.cli import _stop_as_if_interrupted\n"
        "from deckgen import corpus_pdf\n"
        "signal.signal(signal.SIGTERM, _stop_as_if_interrupted)\n"
        "os.register_at_fork(after_in_parent=lambda: os.kill(os.getpid(), signal.SIGTERM))\n"
        "try:\n"
        "    corpus_pdf._contained(sum, [1, 2], seconds=5)\n"
        "except KeyboardInterrupt:\n"
        "    sys.exit(130)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 130, done.stderr
