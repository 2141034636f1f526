"""A PDF page's text layer read into lines beside Tesseract's words (QA-80): a dash between
words does not cut a line, and a bullet the layer lacks is not read as a word."""

from __future__ import annotations

import pytest
from test_pdf_text_layer import _layer_ocr

from deckgen import ocr
from deckgen.ocr_layout import Line, without_bullets
from deckgen.records import Word

# Helvetica's WinAnsi codes: \x97 an em dash, \x96 an en dash
MARKET = ("BT /F1 40 Tf 60 460 Td (Market \x97 a $4B opportunity) Tj ET\n"
          "BT /F1 20 Tf 60 300 Td (Seed round 2025 \x97 workflow tools) Tj ET\n")
COMPETITION = "BT /F1 40 Tf 60 460 Td (Competition: Acme & Beta \x96 compared) Tj ET\n"


@pytest.mark.parametrize(("content", "title", "lines"), [
    (MARKET, "Market a $4B opportunity",
     ["Market a $4B opportunity", "Seed round 2025 workflow tools"]),
    # the "&" stays, as in Tesseract's words (``ocr._is_lone_sign``); the dash goes
    (COMPETITION, "Competition: Acme & Beta compared", ["Competition: Acme & Beta compared"]),
], ids=["em-dash", "ampersand-en-dash"])
def test_a_dash_or_ampersand_in_a_layer_line_does_not_cut_it(tmp_path, content, title, lines):
    layer, result = _layer_ocr(tmp_path, content)
    assert any(text in {"\u2014", "\u2013", "&"} for line in layer for text, _ in line)
    assert result.title == title
    assert result.lines == lines
    assert all(w.source == "text-layer" for w in result.words)


def test_a_layer_heading_with_a_dash_is_titled_as_ocr_alone_titles_its_picture(tmp_path):
    from deckgen.corpus_pdf import render_pdf_page

    _, result = _layer_ocr(tmp_path, MARKET)
    alone = ocr.ocr(render_pdf_page(tmp_path / "deck.pdf", 1), ocr.OcrParams())
    assert result.title == alone.title == "Market a $4B opportunity"


def _disc(x: float, y: float, r: float) -> str:
    """A filled circle of radius ``r`` at (x, y): a list's bullet as Chromium and LibreOffice
    draw it, a shape, not a character of the text layer."""
    k = 0.5523 * r  # four Bézier quarters
    return (f"{x + r} {y} m {x + r} {y + k} {x + k} {y + r} {x} {y + r} c "
            f"{x - k} {y + r} {x - r} {y + k} {x - r} {y} c "
            f"{x - r} {y - k} {x - k} {y - r} {x} {y - r} c "
            f"{x + k} {y - r} {x + r} {y - k} {x + r} {y} c f\n")


ITEMS = ["Seed round for clinics", "Revenue grew this year", "Clinics without paperwork"]


def test_bullet_discs_beside_layer_lines_are_not_read_as_words(tmp_path):
    content = "BT /F1 40 Tf 60 460 Td (Why now) Tj ET\n"
    for n, (item, radius) in enumerate(zip(ITEMS, (4, 3.5, 4.5), strict=True)):
        y = 380 - 40 * n
        content += _disc(90, y + 8, radius) + f"BT /F1 24 Tf 110 {y} Td ({item}) Tj ET\n"
    _, result = _layer_ocr(tmp_path, content)
    # Tesseract reads the discs ("e", "¢"): what the test is about
    from deckgen.corpus_pdf import render_pdf_page

    # (in Tesseract's own output: OCR alone drops most such bullets too since ocr-23)
    tsv, _ = ocr.split_output(ocr.read_slide(render_pdf_page(tmp_path / "deck.pdf", 1),
                                             ocr.OcrParams())[1])
    rows = [row.split("\t") for row in tsv.splitlines()[1:]]
    assert any(len(r[11].strip()) == 1 and int(r[6]) < 200 for r in rows if len(r) == 12), tsv
    assert result.lines == ["Why now", *ITEMS]


def _word(text: str, x: int, y: int, size: int, conf: float = 80.0) -> Word:
    return Word(text, conf, [x, y, size, size])


LAYER_LINE = Line([Word("Revenue", 100.0, [150, 300, 140, 30], source="text-layer"),
                   Word("grew", 100.0, [300, 305, 80, 30], source="text-layer")])


@pytest.mark.parametrize(("word", "dropped"), [
    (_word("e", 120, 308, 12), True),  # a disc read as "e", just left of the line
    (_word("¢", 120, 308, 12), True),
    (_word("o", 60, 308, 12), True),  # three heights left at most
    (_word("e", 40, 308, 12), False),  # further: not the line's bullet
    (_word("1", 120, 308, 12), False),  # a figure: a numbered list's number
    (_word("A", 110, 300, 30), False),  # as big as the line's text: a letter of a picture
    (_word("e", 120, 308, 12, conf=96.0), False),  # as sure as a word of text
    (_word("e", 120, 360, 12), False),  # the row below
    (_word("e", 400, 308, 12), False),  # after the line's start, not before it
    (_word("ok", 120, 308, 12), False),  # two characters: a word
], ids=["e", "cent", "three-heights", "far", "digit", "big", "sure", "row-below", "after",
        "word"])
def test_only_a_bullet_read_as_a_word_beside_a_layer_line_goes(word, dropped):
    kept = without_bullets([Line([word])], [LAYER_LINE])
    assert kept == ([] if dropped else [Line([word])])
