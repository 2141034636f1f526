"""A PDF page's own text layer: its exact words go into the slide's OCR, Tesseract reads
only what the layer lacks (text in pictures). Real PDFs, pdfium, Tesseract and builds."""

from __future__ import annotations

import io
import json
import tarfile
import unicodedata
import zlib
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import FONT, pdf_of, pdf_stream, write_deck
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


def _picture(words: str) -> bytes:
    """An image XObject: a 600 x 150 px picture with ``words`` drawn into it (a chart's
    caption, a logo), which no text layer has."""
    image = Image.new("RGB", (600, 150), "white")
    ImageDraw.Draw(image).text((20, 40), words, fill="black",
                               font=ImageFont.truetype(FONT, 56))
    return pdf_stream(zlib.compress(image.tobytes()),
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
                    % (page, 9 + 2 * n, resources), pdf_stream(content.encode("latin-1"))]
    return pdf_of(*objects)


# a font whose ToUnicode map gives private-use characters (a generator's own glyph codes)
PRIVATE_USE_FONT = HELVETICA + b" /ToUnicode 5 0 R >>"
PRIVATE_USE_MAP = pdf_stream(
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


def test_each_word_says_where_it_was_read_and_the_slide_page_too(built):
    root, _ = built
    words = _slides(root)["euro-market/001"].ocr.words
    assert {w.text: w.source for w in words if w.text in {"Überweisungen", "Bakery"}} == {
        "Überweisungen": "text-layer", "Bakery": "ocr"}
    assert {w.source for w in _slides(root)["image-deck/001"].ocr.words} == {"ocr"}
    # the page said "Read by OCR ..., mean confidence 9x %" over the layer's words too
    pdf_page = (root / "site/slide/euro-market/001.html").read_text()
    assert ("Read from the PDF's own text layer, and by OCR from the upscaled image where the "
            "layer has none (2 words, mean confidence ") in pdf_page
    archive = next((root / "site/dataset").glob("*.tar.gz"))
    with tarfile.open(archive) as tar:
        jsonl = next(m for m in tar.getmembers() if m.name.endswith("/metadata.jsonl"))
        rows = [json.loads(line) for line in tar.extractfile(jsonl).read().splitlines()]
    sources = {w["text"]: w["source"] for r in rows for w in r["words"]}
    assert (sources["Überweisungen"], sources["Bakery"], sources["Read"]) == (
        "text-layer", "ocr", "ocr")
    image_page = (root / "site/slide/image-deck/001.html").read_text()
    assert "Read by OCR from the upscaled image, mean confidence " in image_page
    assert "text layer" not in image_page


def test_image_slides_keep_their_ocr_cache_keys_and_pdf_pages_get_new_ones(built):
    root, cfg = built
    slides = _slides(root)
    # the OCR key as deckgen makes it without PDF text layers: a change to the layer's
    # rule leaves an image slide's cached OCR alone, nothing is read again
    without_layers = [replace(cfg.ocr, timeout=0.0)]
    for slide_id in ("image-deck/001", "euro-market/001"):
        fingerprints = slides[slide_id].fingerprints
        layerless_key = stage_key("ocr", ocr.VERSION, without_layers, fingerprints["tesseract"])
        assert (fingerprints["ocr"] == layerless_key) == (slide_id == "image-deck/001")
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


def test_a_page_number_in_the_layer_is_left_out_and_a_figure_or_axis_label_kept(tmp_path):
    from deckgen.corpus_pdf import pdf_text_layer

    # a cover's layer holds its page number, drawn too small for Tesseract: kept, it read as
    # a figure and turned the cover into a numeric slide; a chart's axis labels in the
    # bottom margin ("0", "100") and a figure mid-page are no page numbers
    cover = ("BT /F1 40 Tf 60 400 Td (UberCab) Tj ET\n"
             "BT /F1 6 Tf 900 12 Td (Page 1) Tj ET\n"
             "BT /F1 10 Tf 100 20 Td (0) Tj ET\n"
             "BT /F1 10 Tf 100 45 Td (100) Tj ET\n")
    chart = ("BT /F1 40 Tf 60 400 Td (Revenue by year) Tj ET\n"
             "BT /F1 30 Tf 450 250 Td (2) Tj ET\n"  # a figure mid-page
             "BT /F1 6 Tf 900 520 Td (2 / 25) Tj ET\n"
             "BT /F1 10 Tf 100 20 Td (1) Tj ET\n")  # another page's number: an axis label
    (tmp_path / "deck.pdf").write_bytes(text_pdf(cover, chart))

    def texts(page):
        return [" ".join(text for text, _ in line)
                for line in pdf_text_layer(tmp_path / "deck.pdf", page)]

    assert texts(1) == ["UberCab", "0", "100"]
    assert texts(2) == ["Revenue by year", "2", "1"]


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


def _layer_ocr(tmp_path: Path, content: str):
    """A one-page PDF of ``content`` read as a build reads it: its layer and OCR."""
    from deckgen.corpus_pdf import render_pdf_page_and_text

    (tmp_path / "deck.pdf").write_bytes(text_pdf(content))
    png, layer = render_pdf_page_and_text(tmp_path / "deck.pdf", 1)
    return layer, ocr.ocr(png, ocr.OcrParams(), text_layer=layer)


def test_a_word_hyphenated_at_a_line_end_in_the_layer_is_joined(tmp_path):
    # pdfium gives the hyphen as U+0002 with no line break after it
    _, result = _layer_ocr(tmp_path, "BT /F1 40 Tf 60 460 Td (Unsere Ver-) Tj ET\n"
                                     "BT /F1 40 Tf 60 415 Td (waltung ist gut) Tj ET\n")
    assert result.lines == ["Unsere Verwaltung", "ist gut"]
    assert "Verwaltung" in result.title


def test_a_layer_line_running_onto_the_next_row_is_cut_there():
    from deckgen.ocr_layout import layer_lines
    from deckgen.records import Word

    # the next row starts right of this one's end (centred text): no gap cuts it
    drawn = [[Word("Unsere", 100.0, [126, 103, 249, 58]), Word("Ver-", 100.0, [402, 103, 146, 58]),
              Word("waltung", 100.0, [560, 193, 270, 75]), Word("ist", 100.0, [862, 193, 73, 58])]]
    assert [line.text for line in layer_lines(drawn)] == ["Unsere Ver-", "waltung ist"]


# Helvetica whose ToUnicode map reads its letters a-z as Hebrew letters (U+05D0-U+05E9)
HEBREW_FONT = HELVETICA + b" /ToUnicode 6 0 R >>"
HEBREW_MAP = pdf_stream(
    b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap /CMapName /X def\n"
    b"1 begincodespacerange <00> <FF> endcodespacerange\n"
    b"1 beginbfrange <61> <7A> <05D0> endbfrange\n"
    b"endcmap CMapName currentdict /CMap defineresource pop end end")


def test_a_hebrew_line_in_the_layer_reads_in_its_own_order(tmp_path):
    from deckgen.corpus_pdf import render_pdf_page_and_text

    line = "שלום עולם יפה"
    # drawn as a generator draws it: left to right as seen, so the text reversed
    glyphs = "".join(" " if c == " " else chr(0x61 + ord(c) - 0x5D0) for c in reversed(line))
    (tmp_path / "deck.pdf").write_bytes(pdf_of(
        b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 960 540] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        pdf_stream(f"BT /F1 40 Tf 300 460 Td ({glyphs}) Tj ET\n".encode()),
        HEBREW_FONT, HEBREW_MAP))
    png, layer = render_pdf_page_and_text(tmp_path / "deck.pdf", 1)
    result = ocr.ocr(png, ocr.OcrParams(), text_layer=layer)
    assert result.lines == [line]
    assert result.title == line


def test_a_text_layer_pdfium_cannot_read_leaves_the_page_to_ocr(tmp_path, monkeypatch):
    import pypdfium2

    from deckgen import corpus_pdf

    def unreadable(pdf_page):  # a damaged text page (the child is forked: it sees this)
        raise pypdfium2.PdfiumError("Failed to load text page.")

    monkeypatch.setattr(corpus_pdf, "_layer_chars", unreadable)
    (tmp_path / "deck.pdf").write_bytes(text_pdf(TEXT))
    png, layer = corpus_pdf.render_pdf_page_and_text(tmp_path / "deck.pdf", 1)
    assert png.startswith(b"\x89PNG") and layer is None
    assert corpus_pdf.pdf_text_layer(tmp_path / "deck.pdf", 1) is None


def test_a_layer_read_failing_beside_a_cached_upscale_leaves_the_slide_to_ocr(
    tmp_path, monkeypatch,
):
    from deckgen import slide_task
    from deckgen.corpus_pdf import PdfPageTooCostly

    corpus = tmp_path / "corpus"
    _pdf_deck(corpus, "euro-market", text_pdf(TEXT))
    Builder(_config(tmp_path, corpus), quiet=True).run()

    def too_costly(root, source):
        raise PdfPageTooCostly("cannot read the text of PDF page 1: it took too long")

    monkeypatch.setattr(slide_task, "source_text_layer", too_costly)
    report = Builder(_config(tmp_path, corpus, min_conf=35.0), quiet=True).run()
    assert (report.stages["upscale"].cached, report.stages["ocr"].processed) == (1, 1)
    result = _slides(tmp_path)["euro-market/001"].ocr
    assert result.title.endswith("in Europa")  # as Tesseract reads it ("Marktgrolge")
    assert all(w.conf < 100 for w in result.words)  # Tesseract's alone


def _covered_one_by_one(lines, cover, share=0.3):
    """``without_covered`` word by word: each word against each cover box."""
    def overlap(word, c):
        x, y, w, h = word.box
        return (max(0, min(x + w, c.box[0] + c.box[2]) - max(x, c.box[0]))
                * max(0, min(y + h, c.box[1] + c.box[3]) - max(y, c.box[1])))

    def kept(word):
        covered = sum(overlap(word, c) for c in cover) / max(word.box[2] * word.box[3], 1)
        holds = max((overlap(word, c) / max(c.box[2] * c.box[3], 1) for c in cover), default=0)
        return covered < share and holds < 0.5

    return [[w.box for w in line.words if kept(w)] for line in lines]


def _random_words(rng, count, text="w"):
    from deckgen.records import Word

    return [Word(text, 100.0, [rng.randint(0, 1900), rng.randint(0, 1000),
                               rng.randint(0, 200), rng.randint(0, 60)]) for _ in range(count)]


@pytest.mark.parametrize("seed", range(5))
def test_words_covered_by_the_layer_are_those_a_word_by_word_overlap_finds(seed):
    import random

    from deckgen.ocr_layout import Line, without_covered

    rng = random.Random(seed)
    lines = [Line(_random_words(rng, rng.randint(1, 8))) for _ in range(rng.randint(0, 40))]
    cover = _random_words(rng, rng.choice([0, 1, 30, 300]), "c")
    expected = [boxes for boxes in _covered_one_by_one(lines, cover) if boxes]
    assert [[w.box for w in line.words] for line in without_covered(lines, cover)] == expected


def _layer_texts(pdf: Path, page: int = 1) -> list[str]:
    from deckgen.corpus_pdf import pdf_text_layer

    return [" ".join(text for text, _ in line) for line in pdf_text_layer(pdf, page) or []]


def test_text_nobody_sees_on_the_page_is_not_in_the_layer(tmp_path):
    # QA-77: a note under a picture, white text on white and a layer switched off (an
    # optional content group) were published as the slide's text; Tesseract reads what shows
    content = ("BT /F1 40 Tf 60 460 Td (Pricing Plan) Tj ET\n"
               "BT /F1 20 Tf 620 70 Td (hide before sending) Tj ET\n"  # under the picture
               "1 1 1 rg BT /F1 20 Tf 60 300 Td (invisible unicorn) Tj ET 0 0 0 rg\n")
    (tmp_path / "deck.pdf").write_bytes(text_pdf(content, picture="Bakery Orders"))
    assert _layer_texts(tmp_path / "deck.pdf") == ["Pricing Plan"]


def test_text_shrunk_to_a_smear_is_not_in_the_layer(tmp_path):
    # QA-82: a paragraph set in a 1 px font, a grey smear on the page, was published as exact
    # text; a small footnote stays
    content = ("BT /F1 40 Tf 60 460 Td (Pricing Plan) Tj ET\n"
               "BT /F1 1 Tf 60 300 Td (tiny secret note) Tj ET\n"
               "BT /F1 7 Tf 60 40 Td (Source: Gartner 2024) Tj ET\n")
    (tmp_path / "deck.pdf").write_bytes(text_pdf(content))
    assert _layer_texts(tmp_path / "deck.pdf") == ["Pricing Plan", "Source: Gartner 2024"]


def test_a_letter_spaced_heading_and_a_footers_page_number_are_left_to_ocr(tmp_path):
    # QA-77: pdfium reads a heading set with wide tracking as one word a letter; a page number
    # at the end of a footer line ("Acme · Confidential   1") is on the footer's line
    content = ("BT /F1 40 Tf 60 460 Td [(M) -900 (A) -900 (R) -900 (K) -900 (E) -900 (T)] TJ ET\n"
               "BT /F1 20 Tf 60 300 Td (Average contract value) Tj ET\n"
               "BT /F1 8 Tf 60 12 Td (Acme Confidential) Tj ET\n"
               "BT /F1 8 Tf 900 12 Td (1) Tj ET\n")
    (tmp_path / "deck.pdf").write_bytes(text_pdf(content))
    assert _layer_texts(tmp_path / "deck.pdf") == ["Average contract value", "Acme Confidential"]


def test_a_tesseract_word_whose_box_takes_in_a_layer_word_is_not_read_twice():
    # QA-79: Tesseract's box of "across" took in a picture's edge (110 px tall, the layer's
    # word 30 px): under 30 % of it is covered, yet it is the layer's word read again
    from deckgen.ocr_layout import Line, without_covered
    from deckgen.records import Word

    tesseract = [Line([Word("across", 90.0, [100, 100, 120, 110]),
                       Word("Bakery", 90.0, [400, 100, 120, 30])])]
    layer = [Word("across", 100.0, [102, 140, 115, 30])]
    assert [[w.text for w in line.words] for line in without_covered(tesseract, layer)] == [
        ["Bakery"]]


def test_a_line_mixing_right_to_left_words_and_figures_is_left_to_ocr(tmp_path):
    # QA-79: "ההכנסות ב-35% בשנת 2024" and Latin names in a Hebrew line came out in the
    # wrong order from the layer; a line of Hebrew alone keeps it
    def hebrew(text):  # drawn as seen, left to right: the text reversed
        return "".join(c if c == " " or c.isdigit() else chr(0x61 + ord(c) - 0x5D0)
                       for c in reversed(text))

    content = (f"BT /F1 40 Tf 300 460 Td ({hebrew('שלום עולם יפה')}) Tj ET\n"
               f"BT /F1 30 Tf 300 300 Td ({hebrew('בשנת 2024')}) Tj ET\n")
    (tmp_path / "deck.pdf").write_bytes(pdf_of(
        b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 960 540] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        pdf_stream(content.encode()), HEBREW_FONT, HEBREW_MAP))
    texts = _layer_texts(tmp_path / "deck.pdf")
    assert len(texts) == 1 and "2024" not in texts[0]


def test_a_footers_page_label_goes_and_a_charts_axis_stays(tmp_path):
    # QA-79: "Page 2" and "3 / 3" at the end of a footer stayed; an axis "1 2 3 4 5" along
    # the bottom of page 1 lost its "1"
    first = ("BT /F1 40 Tf 60 460 Td (Revenue by year) Tj ET\n"
             + "".join(f"BT /F1 10 Tf {100 + 150 * n} 30 Td ({n + 1}) Tj ET\n" for n in range(5)))
    second = ("BT /F1 40 Tf 60 460 Td (Our team) Tj ET\n"
              "BT /F1 8 Tf 60 12 Td (Brightloom Confidential) Tj ET\n"
              "BT /F1 8 Tf 880 12 Td (Page 2) Tj ET\n")
    (tmp_path / "deck.pdf").write_bytes(text_pdf(first, second))
    assert _layer_texts(tmp_path / "deck.pdf", 1) == ["Revenue by year", "1 2 3 4 5"]
    assert _layer_texts(tmp_path / "deck.pdf", 2) == ["Our team", "Brightloom Confidential"]


# -- QA-80: text hidden under text, right-to-left words in the order drawn, superscripts -----

def _page_pdf(content: str, font: bytes = HELVETICA + b" >>", resources: bytes = b"",
              *objects: bytes) -> bytes:
    """One 960 x 540 pt page of ``content``, ``font`` its /F1 and ``resources`` its other
    resources; ``objects`` are numbered from 6."""
    return pdf_of(
        b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 960 540] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> %s >> >>" % resources,
        pdf_stream(content.encode("latin-1")), font, *objects)


def test_text_hidden_under_other_text_is_not_in_the_layer(tmp_path):
    # QA-80: white text drawn first with black text over it, and white text just under a line
    # whose descenders reach into its box, were published: their boxes changed where the other
    # text's ink left them. A white word on a dark band and a black word show.
    content = ("1 1 1 rg BT /F1 26 Tf 60 460 Td (Underleakword acquisition talks) Tj ET\n"
               "0 0 0 rg BT /F1 30 Tf 60 460 Td (Revenue grew forty percent yearly) Tj ET\n"
               "BT /F1 30 Tf 60 380 Td (Quietly growing typography) Tj ET\n"
               "1 1 1 rg BT /F1 30 Tf 60 356 Td (Belowleakword hidden) Tj ET\n"
               "0.1 0.12 0.3 rg 0 180 960 80 re f\n"
               "1 1 1 rg BT /F1 30 Tf 60 210 Td (Strong pipeline growth) Tj ET\n"
               "0 0 0 rg BT /F1 20 Tf 60 100 Td (Pricing Plan) Tj ET\n")
    (tmp_path / "deck.pdf").write_bytes(text_pdf(content))
    assert _layer_texts(tmp_path / "deck.pdf") == [
        "Revenue grew forty percent yearly", "Quietly growing typography",
        "Strong pipeline growth", "Pricing Plan"]


# an axial shading from red to blue across the page, as a fill pattern /P0
GRADIENT = (b"/Pattern << /P0 << /PatternType 2 /Shading << /ShadingType 2 /ColorSpace "
            b"/DeviceRGB /Coords [0 0 960 0] /Function << /FunctionType 2 /Domain [0 1] "
            b"/C0 [0.8 0 0] /C1 [0 0 0.8] /N 1 >> >> >> >>")


def test_visible_text_sharing_its_box_with_other_text_stays_in_the_layer(tmp_path):
    # two words drawn over each other both show; a heading drawn twice (a faint shadow, white
    # over it: pdfium's text page reads one of the two) shows by its white; a gradient's
    # colour cannot be read (pdfium says white): each of these is drawn alone to be sure
    content = ("0 0 1 rg BT /F1 40 Tf 60 460 Td (Margin) Tj ET\n"
               "0 0 0 rg BT /F1 40 Tf 60 460 Td (Growth) Tj ET\n"
               "0.8 g 0 250 960 100 re f\n"
               "0.75 g BT /F1 40 Tf 60 285 Td (Traction overview) Tj ET\n"
               "1 g BT /F1 40 Tf 60 285 Td (Traction overview) Tj ET\n"
               "/Pattern cs /P0 scn BT /F1 40 Tf 60 100 Td (Gradient heading) Tj ET\n")
    (tmp_path / "deck.pdf").write_bytes(_page_pdf(content, resources=GRADIENT))
    assert _layer_texts(tmp_path / "deck.pdf") == [
        "Margin Growth", "Traction overview", "Gradient heading"]


# Courier (each glyph 24 pt wide at 40 pt) whose ToUnicode map reads codes 41-72 as Arabic
# letters and vowel signs (U+0621-U+0652): glyphs that show, read as Arabic
ARABIC_FONT = (b"<< /Type /Font /Subtype /Type1 /BaseFont /Courier /Encoding /WinAnsiEncoding "
               b"/ToUnicode 6 0 R >>")
ARABIC_MAP = pdf_stream(
    b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap /CMapName /X def\n"
    b"1 begincodespacerange <00> <FF> endcodespacerange\n"
    b"1 beginbfrange <41> <72> <0621> endbfrange\n"
    b"endcmap CMapName currentdict /CMap defineresource pop end end")


def _glyph(letter: str) -> str:
    return "<%02X>" % (0x41 + ord(letter) - 0x621)


def _drawn_left_to_right(text: str, x: int, y: int) -> str:
    """``text`` drawn as Chromium draws a right-to-left run: its glyphs left to right as they
    are seen, each in a span whose /ActualText is its letter; a vowel sign after its letter,
    drawn over it."""
    out = f"BT /F1 40 Tf {x} {y} Td "
    clusters: list[str] = []
    for letter in text:  # a letter and its marks
        if unicodedata.category(letter) == "Mn":
            clusters[-1] += letter
        else:
            clusters.append(letter)
    for cluster in reversed(clusters):
        for n, letter in enumerate(cluster):
            step = "0 0" if n else "24 0"
            glyph = "( )" if letter == " " else _glyph(letter)
            out += (f"/Span << /ActualText <FEFF{ord(letter):04X}> >> BDC {step} Td {glyph} Tj "
                    "EMC ")
    return out + "ET\n"


def _placed_right_to_left(text: str, x: int, y: int) -> str:
    """``text`` drawn letter by letter in the order it is read, each placed left of the one
    before."""
    return "BT /F1 40 Tf " + "".join(
        f"1 0 0 1 {x - 24 * n} {y} Tm {'( )' if letter == ' ' else _glyph(letter)} Tj "
        for n, letter in enumerate(text)) + "ET\n"


def test_right_to_left_words_drawn_in_either_order_read_in_their_own(tmp_path):
    # QA-80: Chromium's Arabic came out letters reversed ("مجح" for "حجم"): pdfium gives its
    # glyphs in the order drawn, left to right; one drawn in reading order reads so too
    from deckgen.corpus_pdf import render_pdf_page_and_text

    content = (_drawn_left_to_right("حجم السوق", 300, 460)
               + _placed_right_to_left("فريق العمل", 700, 380)
               + _drawn_left_to_right("كَتَبَ", 300, 300))
    (tmp_path / "deck.pdf").write_bytes(_page_pdf(content, ARABIC_FONT, b"", ARABIC_MAP))
    png, layer = render_pdf_page_and_text(tmp_path / "deck.pdf", 1)
    assert [" ".join(text for text, _ in line) for line in layer] == [
        "حجم السوق", "فريق العمل", "كَتَبَ"]
    result = ocr.ocr(png, ocr.OcrParams(), text_layer=layer)
    assert result.lines == ["حجم السوق", "فريق العمل", "كَتَبَ"]


def test_a_superscript_is_a_word_of_its_own(tmp_path):
    # QA-80: a footnote's mark stuck to its word ("TAM1": Chromium's raised, smaller "1";
    # "TAM¹": LibreOffice's superscript digit), and `deckgen search TAM` missed the slide.
    # A unit's power (m²), raised letters (an ordinal) and a lowered figure (CO2) stay
    content = ("BT /F1 24 Tf 60 460 Td (TAM) Tj /F1 16 Tf 8 Ts (1) Tj /F1 24 Tf 0 Ts "
               "( $4.2B across firms) Tj ET\n"
               "BT /F1 24 Tf 60 400 Td (SAM\xb9 is 450 m\xb2 per client) Tj ET\n"
               "BT /F1 24 Tf 60 340 Td (Ranked 1) Tj /F1 16 Tf 8 Ts (st) Tj /F1 24 Tf 0 Ts "
               "( and CO) Tj /F1 16 Tf -4 Ts (2) Tj /F1 24 Tf 0 Ts ( neutral) Tj ET\n")
    layer, result = _layer_ocr(tmp_path, content)
    words = [text for line in layer for text, _ in line]
    assert words[:3] == ["TAM", "1", "$4.2B"]
    assert "SAM ¹ is 450 m² per client" in result.lines
    assert "Ranked 1st and CO2 neutral" in result.lines
    assert result.lines[0].startswith("TAM 1 $4.2B")


CHROMIUM_PAGE = """<!doctype html><html><head><meta charset="utf-8"><style>
@page { size: 960px 540px; margin: 0 } body { margin: 0; font: 30px 'DejaVu Sans' }
body { print-color-adjust: exact; background: #fff }  /* else it prints white text grey */
div { position: absolute; left: 60px; white-space: nowrap }
</style></head><body>
<div style="top: 40px; color: #fff; font-size: 26px">Underleakword acquisition talks</div>
<div style="top: 40px">Revenue grew forty percent yearly</div>
<div style="top: 140px" dir="rtl">حجم السوق</div>
<div style="top: 240px">TAM<sup>1</sup> $4.2B across firms</div>
</body></html>"""


def test_a_chromium_pdf_reads_as_it_shows(tmp_path, browser):
    # QA-80's three, as Chromium's print to PDF writes them
    page = browser.new_page()
    try:
        page.set_content(CHROMIUM_PAGE)
        page.pdf(path=str(tmp_path / "deck.pdf"), width="960px", height="540px",
                 print_background=True)
    finally:
        page.close()
    words = " ".join(_layer_texts(tmp_path / "deck.pdf")).split()
    assert not any("leak" in word or "acquisition" in word for word in words)
    assert "Revenue" in words
    assert "حجم" in words and "مجح" not in words
    assert words[words.index("TAM"):][:3] == ["TAM", "1", "$4.2B"]


# -- QA-84: pdfium joins characters of text objects side by side into one word --------------

def _layer(tmp_path: Path, content: str, name: str = "deck.pdf"):
    from deckgen.corpus_pdf import pdf_text_layer

    (tmp_path / name).write_bytes(_page_pdf(content))
    return pdf_text_layer(tmp_path / name, 1)


def _layer_texts_of(layer) -> list[str]:
    return [" ".join(text for text, _ in line) for line in layer or []]


VISIBLE = "0 0 0 rg BT /F1 30 Tf 60 460 Td (Revenue rose sharply) Tj ET\n"


@pytest.mark.parametrize("content", [
    # white text straight after the black, in the same line: "sharplyGlueleak"
    "BT /F1 30 Tf 60 460 Td (Revenue rose sharply) Tj 1 1 1 rg (Glueleak valuation) Tj ET\n",
    # white text under the black, a piece of it starting where "sharply" ends (as Chromium
    # draws a line's shaped runs): "sharplyfidential"
    "1 1 1 rg BT /F1 30 Tf 60 460 Td (Whiteunderblack con) Tj ET "
    "BT /F1 30 Tf 352 460 Td (fidential merger plans) Tj ET\n" + VISIBLE,
], ids=["glued-after", "under-black"])
def test_hidden_text_glued_after_a_visible_word_is_not_in_the_layer(tmp_path, content):
    # QA-84: the word was judged whole, so the white characters were published with it, and
    # `deckgen search sharply` found nothing; "sharply" keeps its own box
    assert _layer(tmp_path, content) == _layer(tmp_path, VISIBLE, "alone.pdf")


def test_hidden_text_glued_before_a_visible_word_is_not_in_the_layer(tmp_path):
    # QA-84: <span style="color:#fff">Prefixleak</span>Margins improved
    content = "1 1 1 rg BT /F1 30 Tf 60 460 Td (Prefixleak) Tj 0 0 0 rg (Margins improved) Tj ET\n"
    assert [[text for text, _ in line] for line in _layer(tmp_path, content)] == [
        ["Margins", "improved"]]


def test_a_visible_word_drawn_by_several_text_objects_stays_whole(tmp_path):
    # a word drawn a few glyphs (or one) at a time, in one colour or two, full stops and
    # commas included, reads as before: none of it is parted from the rest
    content = ("BT /F1 30 Tf 60 460 Td (Pr) Tj 0 0 1 rg (ic) Tj 0 0 0 rg (ing) Tj ( plan) Tj ET\n"
               "BT /F1 8 Tf 60 300 Td "
               + " ".join(f"({char}) Tj" for char in "Acme Inc. revenue, 2024.") + " ET\n")
    assert _layer_texts_of(_layer(tmp_path, content)) == [
        "Pricing plan", "Acme Inc. revenue, 2024."]


def test_text_too_small_to_read_is_not_in_the_layer(tmp_path):
    # QA-84: Chromium's 3 px text (6 px tall at 1920 px) was published; a 6 pt footnote stays
    content = ("BT /F1 30 Tf 60 460 Td (Pricing Plan) Tj ET\n"
               "BT /F1 3 Tf 60 300 Td (three point secret) Tj ET\n"
               "BT /F1 6 Tf 60 40 Td (Source: Gartner 2024) Tj ET\n")
    assert _layer_texts_of(_layer(tmp_path, content)) == ["Pricing Plan", "Source: Gartner 2024"]
