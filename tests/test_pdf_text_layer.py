"""A PDF page's own text layer: its exact words go into the slide's OCR, Tesseract reads
only what the layer lacks (text in pictures). Real PDFs, pdfium, Tesseract and builds."""

from __future__ import annotations

import io
import zlib
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import FONT, write_deck
from PIL import Image, ImageDraw, ImageFont

from deckgen import ocr
from deckgen.build import Builder
from deckgen.cache import stage_key
from deckgen.config import load_config
from deckgen.manifest import load_manifest

HELVETICA = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding"
# the title, and a line at 5 pt that Tesseract misreads ("rundungsjahr und Uberweisungen")
TEXT = ("BT /F1 40 Tf 60 460 Td (Marktgr\xf6\xdfe in Europa) Tj ET\n"
        "BT /F1 5 Tf 60 300 Td (Gr\xfcndungsjahr und \xdcberweisungen) Tj ET\n")


def _pdf(*objects: bytes) -> bytes:
    """A PDF of ``objects`` (numbered from 1: the catalog, the page tree, the page...)."""
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


def _stream(data: bytes, head: bytes = b"") -> bytes:
    return b"<< %s /Length %d >>\nstream\n%s\nendstream" % (head, len(data), data)


def _picture(words: str) -> bytes:
    """An image XObject: a 600 x 150 px picture with ``words`` drawn into it (a chart's
    caption, a logo), which no text layer has."""
    image = Image.new("RGB", (600, 150), "white")
    ImageDraw.Draw(image).text((20, 40), words, fill="black",
                               font=ImageFont.truetype(FONT, 56))
    return _stream(zlib.compress(image.tobytes()),
                   b"/Type /XObject /Subtype /Image /Width 600 /Height 150 "
                   b"/ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter /FlateDecode")


def text_pdf(*contents: str, page: bytes = b"/MediaBox [0 0 960 540]",
             picture: str = "") -> bytes:
    """A PDF of one page per content stream in ``contents``, with fonts /F1 (Helvetica, a
    real text layer), /F2 (``PRIVATE_USE_FONT``) and /F3 (``UNNAMED_GLYPHS_FONT``), and on
    its first page ``picture``'s words in a picture at the lower right."""
    resources = b"/Font << /F1 3 0 R /F2 4 0 R /F3 6 0 R >> /XObject << /Im0 7 0 R >>"
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [%s] /Count %d >>" % (
                   b" ".join(b"%d 0 R" % (8 + 2 * n) for n in range(len(contents))),
                   len(contents)),
               HELVETICA + b" >>", PRIVATE_USE_FONT, PRIVATE_USE_MAP, UNNAMED_GLYPHS_FONT,
               _picture(picture or " ")]
    for n, content in enumerate(contents):
        if picture and n == 0:
            content += "q 300 0 0 75 600 40 cm /Im0 Do Q\n"
        objects += [b"<< /Type /Page /Parent 2 0 R %s /Contents %d 0 R /Resources << %s >> >>"
                    % (page, 9 + 2 * n, resources), _stream(content.encode("latin-1"))]
    return _pdf(*objects)


# a font whose ToUnicode map gives private-use characters (a generator's own glyph codes)
PRIVATE_USE_FONT = HELVETICA + b" /ToUnicode 5 0 R >>"
PRIVATE_USE_MAP = _stream(
    b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap /CMapName /X def\n"
    b"1 begincodespacerange <00> <FF> endcodespacerange\n"
    b"1 beginbfrange <20> <7E> <E020> endbfrange\n"
    b"endcmap CMapName currentdict /CMap defineresource pop end end")
# a font with no ToUnicode map whose glyph names say nothing: pdfium reports map errors
UNNAMED_GLYPHS_FONT = (b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding << "
                       b"/Type /Encoding /Differences [32 "
                       + b" ".join(b"/g%d" % n for n in range(32, 127)) + b"] >> >>")


def _config(root: Path, corpus: Path, **ocr_settings):
    # bicubic x2: fast, and an upscaled image whose pixels are not the page's (scale 2)
    return load_config(None, {
        "build": {"corpus": str(corpus), "out": str(root / "site"),
                  "cache": str(root / "build"), "executor": "serial"},
        "upscale": {"method": "bicubic", "max_scale": 2},
        **({"ocr": ocr_settings} if ocr_settings else {}),
    })  # fmt: skip


def _pdf_deck(corpus: Path, slug: str, pdf: bytes) -> None:
    (corpus / slug).mkdir(parents=True)
    (corpus / slug / "deck.toml").write_text(f'company = "{slug}"\n')
    (corpus / slug / "deck.pdf").write_bytes(pdf)


def _slides(root: Path) -> dict:
    return {slide.id: slide for slide in load_manifest(root / "build")[0]}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """One build of a PDF deck with a text layer and a picture, and of an image deck."""
    root = tmp_path_factory.mktemp("layer")
    corpus = root / "corpus"
    _pdf_deck(corpus, "euro-market", text_pdf(TEXT, picture="Bakery Orders"))
    write_deck(corpus, "image-deck", {"meta": 'company = "Image"\n',
                                      "slides": [("Image Slide", "Read by Tesseract")]})
    cfg = _config(root, corpus)
    report = Builder(cfg, quiet=True).run()
    assert report.slides_built == 2
    return root, cfg


def test_a_pdf_pages_words_and_title_come_from_its_text_layer(built):
    root, _ = built
    result = _slides(root)["euro-market/001"].ocr
    assert result.title == "Marktgröße in Europa"
    assert result.lines[:2] == ["Marktgröße in Europa", "Gründungsjahr und Überweisungen"]
    words = {w.text: w for w in result.words}
    assert words["Überweisungen"].conf == 100.0
    # in the rendered page's pixels (1920 px wide: 2 px a point), as OCR boxes are, not in
    # the upscaled image's (x2 again) nor in points
    assert words["Marktgröße"].box == pytest.approx([126, 102, 400, 76], abs=2)


def test_words_in_a_picture_on_a_pdf_page_are_still_read_by_ocr(built):
    root, _ = built
    result = _slides(root)["euro-market/001"].ocr
    assert "Bakery Orders" in result.lines
    assert "Gründungsjahr und Überweisungen" in result.lines  # beside the layer's words
    assert all(w.conf < 100 for w in result.words if w.text in {"Bakery", "Orders"})
    # the page's text is not read twice (its layer's and Tesseract's words)
    assert sum("Europa" in line for line in result.lines) == 1


def test_image_slides_keep_their_ocr_cache_keys_and_pdf_pages_get_new_ones(built):
    root, cfg = built
    slides = _slides(root)
    # the OCR key as deckgen made it before PDF text layers: an image slide's cached OCR
    # still hits, nothing is read again
    before = [replace(cfg.ocr, timeout=0.0), ocr.tesseract_version()]
    for slide_id in ("image-deck/001", "euro-market/001"):
        fingerprints = slides[slide_id].fingerprints
        old_key = stage_key("ocr", ocr.VERSION, before, fingerprints["upscale"])
        assert (fingerprints["ocr"] == old_key) == (slide_id == "image-deck/001")
    again = Builder(cfg, quiet=True).run()
    assert (again.stages["ocr"].processed, again.stages["ocr"].cached) == (0, 2)


def test_a_pdf_page_with_its_upscale_cached_but_not_its_ocr_still_uses_its_layer(tmp_path):
    corpus = tmp_path / "corpus"
    _pdf_deck(corpus, "euro-market", text_pdf(TEXT))
    Builder(_config(tmp_path, corpus), quiet=True).run()
    # another OCR setting: the upscaled image is cached, the page is not rendered again
    report = Builder(_config(tmp_path, corpus, min_conf=35.0), quiet=True).run()
    assert (report.stages["upscale"].cached, report.stages["ocr"].processed) == (1, 1)
    result = _slides(tmp_path)["euro-market/001"].ocr
    assert result.title == "Marktgröße in Europa"
    assert "Gründungsjahr und Überweisungen" in result.lines


@pytest.mark.parametrize("font", ["F2", "F3"], ids=["private-use", "no-tounicode"])
def test_a_garbage_text_layer_is_ignored(tmp_path, font):
    from deckgen.corpus_pdf import pdf_text_layer

    (tmp_path / "deck.pdf").write_bytes(
        text_pdf(f"BT /{font} 40 Tf 60 460 Td (Revenue Growth Plan) Tj ET\n"))
    assert pdf_text_layer(tmp_path / "deck.pdf", 1) is None


def test_a_pdf_page_with_a_garbage_layer_is_read_by_ocr_alone_and_the_next_by_its_layer(
    tmp_path,
):
    corpus = tmp_path / "corpus"
    _pdf_deck(corpus, "growth", text_pdf("BT /F2 40 Tf 60 460 Td (Revenue Growth Plan) Tj ET\n",
                                         TEXT))
    Builder(_config(tmp_path, corpus), quiet=True).run()
    slides = _slides(tmp_path)
    garbage = slides["growth/001"].ocr
    assert garbage.title == "Revenue Growth Plan"
    assert all(w.conf < 100 for w in garbage.words)  # Tesseract's, not the layer's
    assert slides["growth/002"].ocr.title == "Marktgröße in Europa"  # the layer's, per page


def test_hidden_and_cropped_away_text_is_not_in_the_layer_and_boxes_follow_the_rendering(
    tmp_path,
):
    from deckgen.corpus_pdf import render_pdf_page_and_text

    # a page turned a quarter clockwise to be shown, its text drawn a quarter the other way
    # (as a scanner app stores a page), cropped to its left part
    content = ("BT /F1 30 Tf 0 1 -1 0 300 60 Tm (Visible heading here) Tj ET\n"
               "BT /F1 30 Tf 0 1 -1 0 400 60 Tm (2025 plan) Tj ET\n"
               "BT /F1 12 Tf 100 100 Td (sideways axis label) Tj ET\n"  # not upright shown
               "BT 3 Tr /F1 30 Tf 0 1 -1 0 200 60 Tm (scanner layer words) Tj ET\n"  # hidden
               "BT 0 Tr /F1 30 Tf 0 1 -1 0 200 700 Tm (beyond the crop) Tj ET\n")
    (tmp_path / "deck.pdf").write_bytes(text_pdf(
        content, page=b"/MediaBox [0 0 540 960] /CropBox [0 0 540 600] /Rotate 90"))
    png, layer = render_pdf_page_and_text(tmp_path / "deck.pdf", 1)
    assert [[text for text, _ in line] for line in layer] == [["Visible", "heading", "here"],
                                                              ["2025", "plan"]]
    # each box holds its word's ink in the rendered image, and all the ink is in them
    gray = Image.open(io.BytesIO(png)).convert("L").point(lambda v: 255 if v < 128 else 0)
    gray.paste(0, (0, 0, gray.width, 800))  # the axis label, above the heading (y 891)
    left, top, right, bottom = gray.getbbox()
    boxes = [box for line in layer for _, box in line]
    assert min(b[0] for b in boxes) == pytest.approx(left, abs=2)
    assert min(b[1] for b in boxes) == pytest.approx(top, abs=2)
    assert max(b[0] + b[2] for b in boxes) == pytest.approx(right, abs=2)
    assert max(b[1] + b[3] for b in boxes) == pytest.approx(bottom, abs=2)
    for x, y, w, h in boxes:
        assert gray.crop((x, y, x + w, y + h)).getbbox() is not None


def test_a_page_number_in_the_layer_is_left_out_and_a_figure_mid_page_kept():
    # a cover's layer holds its page number, drawn too small for Tesseract: kept, it read as
    # a figure and turned the cover into a numeric slide
    blank = io.BytesIO()
    Image.new("RGB", (960, 540), "white").save(blank, "PNG")
    layer = [[("UberCab", [100, 150, 400, 80])],
             [("Next-Generation", [100, 260, 300, 30]), ("Car", [410, 260, 60, 30])],
             [("42", [450, 330, 40, 30])],  # a figure mid-page stays
             [("Page", [860, 505, 40, 12]), ("1", [905, 505, 8, 12])],
             [("7", [20, 10, 8, 12])]]
    result = ocr.ocr(blank.getvalue(), ocr.OcrParams(), text_layer=layer)
    assert result.lines == ["UberCab", "Next-Generation Car", "42"]
    assert result.title == "UberCab"


def test_add_keeps_a_pdf_with_a_text_layer_whole_and_knows_it_and_its_pages_again(tmp_path):
    from deckgen.corpus_edit import AlreadyImported, add_deck
    from deckgen.corpus_pdf import render_pdf_page

    pdf = tmp_path / "Euro Market.pdf"
    pdf.write_bytes(text_pdf(TEXT, "BT /F1 40 Tf 60 460 Td (Second Page) Tj ET\n"))
    corpus = tmp_path / "corpus"
    notes: list = []
    deck = add_deck(corpus, [pdf], notes=notes)
    assert sorted(p.name for p in deck.iterdir()) == ["deck.pdf", "deck.toml"]
    assert (deck / "deck.pdf").read_bytes() == pdf.read_bytes()
    assert "kept whole as deck.pdf" in notes[0].reason
    # the build reads the page's own words
    Builder(_config(tmp_path, corpus), quiet=True).run()
    assert _slides(tmp_path)["euro-market/001"].ocr.title == "Marktgröße in Europa"
    # imported again, under another name: the same PDF is found
    with pytest.raises(AlreadyImported, match="already in the corpus as"):
        add_deck(corpus, [pdf], slug="again")
    # a deck an older deckgen imported as page images is found too
    old = corpus / "older"
    old.mkdir()
    for page in (1, 2):
        (old / f"{page:03d}.png").write_bytes(render_pdf_page(pdf, page))
    (deck / "deck.pdf").unlink()
    with pytest.raises(AlreadyImported, match="older"):
        add_deck(corpus, [pdf], slug="again")


def test_add_stores_the_pages_of_a_pdf_without_text_as_images(tmp_path):
    from deckgen.corpus_edit import add_deck

    pdf = tmp_path / "scan.pdf"
    pdf.write_bytes(text_pdf("BT /F2 40 Tf 60 460 Td (Revenue Growth Plan) Tj ET\n"))
    notes: list = []
    deck = add_deck(tmp_path / "corpus", [pdf], notes=notes)
    assert sorted(p.name for p in deck.iterdir()) == ["001.png", "deck.toml"]
    assert not notes
