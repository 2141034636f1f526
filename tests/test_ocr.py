"""OCR stage: real Tesseract on slides drawn here, and fault-injecting fake tesseracts."""

from __future__ import annotations

import io
import os
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from deckgen import ocr, ocr_layout, upscale
from deckgen.errors import MissingDependencyError, SlideError
from deckgen.ocr import OcrParams
from deckgen.records import Word

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
BOLD = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"


def _png(image: Image.Image) -> bytes:
    buf = io.BytesIO()
    image.save(buf, "PNG")
    return buf.getvalue()


def slide(title: str, body: list[str], *, dark: bool = False, size=(1280, 720)) -> bytes:
    """A slide with a big title at the top and smaller body lines (dark: white on navy)."""
    bg, fg = ((20, 30, 60), (250, 250, 250)) if dark else ((255, 255, 255), (20, 20, 20))
    image = Image.new("RGB", size, bg)
    draw = ImageDraw.Draw(image)
    draw.text((80, 60), title, fill=fg, font=ImageFont.truetype(BOLD, 64))
    for i, line in enumerate(body):
        draw.text((80, 240 + 60 * i), line, fill=fg, font=ImageFont.truetype(FONT, 34))
    return _png(image)


def words_of(text: str) -> set[str]:
    return {w.strip(".,:;").lower() for w in text.split()}


def test_title_and_body_are_read_with_boxes_in_source_pixels():
    png = slide("Market Opportunity", ["Restaurants spend billions", "on paper every year"])
    result = ocr.ocr(png, OcrParams(), scale=2.0)
    assert result.title == "Market Opportunity"
    assert {"restaurants", "spend", "billions", "paper"} <= words_of(result.text)
    assert result.lines[0] == "Market Opportunity"
    assert 0 < result.mean_confidence <= 100
    market = next(w for w in result.words if w.text == "Market")
    # drawn at x=80, y~60 in a 1280 px image that was "upscaled" 2x: source px are half
    assert 30 <= market.box[0] <= 50 and 25 <= market.box[1] <= 45
    assert market.box[2] > 0 and market.box[3] > 0
    assert result.lines[market.line] == "Market Opportunity"
    assert result.lang == "eng" and result.seconds > 0


def drawn(*texts: tuple[tuple[int, int], str, str, int]) -> bytes:
    """A white 1280x720 slide with each (position, text, font file, size) drawn on it."""
    image = Image.new("RGB", (1280, 720), "white")
    draw = ImageDraw.Draw(image)
    for xy, text, font, size in texts:
        draw.text(xy, text, fill="black", font=ImageFont.truetype(font, size))
    return _png(image)


def test_title_is_the_largest_text_not_the_first_line():
    result = ocr.ocr(
        drawn(
            ((80, 30), "Confidential draft", FONT, 26),
            ((80, 110), "Business Model", BOLD, 70),
            ((80, 300), "Subscription per seat per month", FONT, 34),
        ),
        OcrParams(),
    )
    assert result.lines[0] == "Confidential draft"
    assert result.title == "Business Model"


def test_a_title_wrapped_over_two_lines_is_read_whole_beside_a_column():
    column = [
        ((760, 75 + 45 * i), line, FONT, 30)  # its lines read between the title's two
        for i, line in enumerate(["Licensing fees", "Per seat pricing", "Annual contracts"])
    ]
    png = drawn(((80, 60), "BUSINESS", BOLD, 60), ((80, 140), "MODEL", BOLD, 60), *column)
    assert ocr.ocr(png, OcrParams()).title == "BUSINESS MODEL"


def test_the_bigger_second_line_of_a_title_takes_its_first_line_along():
    png = drawn(
        ((80, 60), "TEAM AND", BOLD, 58),
        ((80, 135), "ADVISORS", BOLD, 64),
        ((80, 300), "Ana Ruiz, CEO", FONT, 30),
    )
    assert ocr.ocr(png, OcrParams()).title == "TEAM AND ADVISORS"


def test_a_smaller_subtitle_or_a_line_off_to_the_side_is_not_part_of_the_title():
    png = drawn(
        ((80, 60), "Traction", BOLD, 64),
        ((80, 145), "Growing every month", FONT, 36),
        ((760, 145), "Seed", BOLD, 64),
    )
    assert ocr.ocr(png, OcrParams()).title == "Traction"


def test_a_logo_mark_above_the_name_read_as_a_letter_is_not_part_of_the_title():
    image = Image.new("RGB", (1280, 720), "white")
    draw = ImageDraw.Draw(image)
    draw.polygon([(120, 60), (80, 140), (160, 140)], fill=(40, 180, 120))  # Tesseract: "A"
    draw.text((80, 160), "Pylonbase", fill="black", font=ImageFont.truetype(BOLD, 90))
    draw.text((80, 300), "The operating system for pet owners", fill="black",
              font=ImageFont.truetype(FONT, 34))
    result = ocr.ocr(_png(image), OcrParams())
    assert result.lines[:2] == ["A", "Pylonbase"]  # the mark is read, as a line of its own
    assert result.title == "Pylonbase"


def test_light_on_dark_slide_is_read():
    png = slide("Our Vision", ["Every kitchen runs on clean energy"], dark=True)
    result = ocr.ocr(png, OcrParams())
    assert result.title == "Our Vision"
    assert {"every", "kitchen", "clean", "energy"} <= words_of(result.text)


def test_dark_title_bar_is_inverted_and_the_white_body_is_not():
    image = Image.new("RGB", (1280, 720), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 1280, 160), fill=(200, 40, 60))
    draw.text((80, 45), "Go To Market", fill="white", font=ImageFont.truetype(BOLD, 60))
    draw.text(
        (80, 300), "Partners resell to clinics", fill="black", font=ImageFont.truetype(FONT, 34)
    )
    gray = np.asarray(image.convert("L"))
    mask = ocr.dark_background_mask(gray)
    assert mask[20:140, 40:1240].mean() > 0.9  # the bar flips
    assert mask[250:700].mean() < 0.05  # the page does not
    result = ocr.ocr(_png(image), OcrParams())
    assert result.title == "Go To Market"
    assert {"partners", "resell", "clinics"} <= words_of(result.text)


def test_hyphenated_line_end_is_joined():
    image = Image.new("RGB", (1280, 720), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(FONT, 40)
    draw.text((80, 200), "We automate invoice manage-", fill="black", font=font)
    draw.text((80, 260), "ment for small shops", fill="black", font=font)
    result = ocr.ocr(_png(image), OcrParams())
    assert "management" in words_of(result.text)
    assert "manage-" not in result.text
    assert any(w.text == "manage-" for w in result.words)  # the boxes keep what was printed


def test_a_compound_broken_at_its_own_hyphen_keeps_it():
    joined = ocr_layout.dehyphenate(["Our go-to-", "market plan", "year-over-", "year growth"])
    assert joined == ["Our go-to-market", "plan", "year-over-year", "growth"]
    assert ocr_layout.dehyphenate(["invoice manage-", "ment for shops"]) == ["invoice management",
                                                                       "for shops"]  # fmt: skip


def test_words_of_any_script_broken_at_a_line_end_are_joined():
    # "[A-Za-z]{2}-" missed "Grö-", every Cyrillic word, and Unicode's own hyphen U+2010
    assert ocr_layout.dehyphenate(["Marktgrö-", "ße in Europa", "Управ-", "ление", "manage\u2010",
                                   "ment"]) == ["Marktgröße", "in Europa", "Управление", "",
                                                "management", ""]
    # a compound whose next half holds a hyphen of its own keeps the broken one
    assert ocr_layout.dehyphenate(["our point-", "of-sale app"]) == ["our point-of-sale", "app"]
    # not a broken word: figures, a dash, a capital after
    assert ocr_layout.dehyphenate(["B2B-", "sales", "Revenue -", "up", "Europe-", "Wide"]) == [
        "B2B-", "sales", "Revenue -", "up", "Europe-", "Wide"]


def test_low_confidence_words_are_dropped():
    png = slide("Traction", ["Revenue doubled since spring"])
    everything = ocr.ocr(png, OcrParams(min_conf=0))
    strict = ocr.ocr(png, OcrParams(min_conf=99.9))
    assert len(strict.words) < len(everything.words)
    assert all(w.conf >= 99.9 for w in strict.words)


def test_blank_slide_gives_empty_result():
    result = ocr.ocr(_png(Image.new("RGB", (800, 450), "white")), OcrParams())
    assert result.text == "" and result.title == "" and result.words == []


def test_undecodable_bytes_are_a_slide_error():
    with pytest.raises(SlideError, match="not a decodable image"):
        ocr.ocr(b"definitely not a png", OcrParams())


def test_reading_order_puts_columns_of_one_row_together():
    image = Image.new("RGB", (1600, 900), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(FONT, 36)
    draw.text((80, 300), "Revenue", fill="black", font=font)
    draw.text((600, 300), "Margin", fill="black", font=font)
    draw.text((80, 500), "Customers", fill="black", font=font)
    result = ocr.ocr(_png(image), OcrParams(psm=11))
    order = [w.text for w in result.words]
    assert order.index("Revenue") < order.index("Margin") < order.index("Customers")


def _text_image(blocks: list[tuple[int, int, str]], size: int = 32) -> bytes:
    image = Image.new("RGB", (1600, 900), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(FONT, size)
    for x, y, text in blocks:
        draw.text((x, y), text, fill="black", font=font)
    return _png(image)


def test_two_columns_under_a_title_read_one_column_after_the_other():
    left = ["Data sits in ten tools", "nobody owns the process", "mistakes go unnoticed"]
    right = ["One shared workspace", "alerts before it costs", "a full audit trail"]
    blocks = [(560, 60, "Before and after")]
    blocks += [(80, 260 + 50 * i, text) for i, text in enumerate(left)]
    blocks += [(860, 260 + 50 * i, text) for i, text in enumerate(right)]
    blocks += [(80, 800, "Confidential")]
    lines = ocr.ocr(_text_image(blocks), OcrParams()).lines
    assert lines[0] == "Before and after"
    assert lines[1:7] == left + right  # not "Data sits in ten tools One shared workspace"
    assert lines[-1] == "Confidential"


def _line(left: int, top: int, text: str, height: int = 10) -> ocr_layout.Line:
    words, x = [], left
    for word in text.split():
        words.append(ocr.Word(word, 95.0, [x, top, 6 * len(word), height]))
        x += 6 * len(word) + 4
    return ocr_layout.Line(words)


def _order(lines: list[ocr_layout.Line]) -> list[str]:
    return [ln.text for ln in ocr_layout.reading_order(lines)]


def test_a_table_of_labels_and_figures_reads_row_by_row():
    rows = [("Revenue", "$1.2M"), ("Gross margin", "64%"), ("Customers", "310")]
    lines = [_line(20, 40 + 14 * i, label) for i, (label, _) in enumerate(rows)]
    lines += [_line(300, 40 + 14 * i, fig) for i, (_, fig) in enumerate(rows)]
    assert _order(lines) == ["Revenue", "$1.2M", "Gross margin", "64%", "Customers", "310"]


def test_a_centred_title_over_columns_is_not_the_top_of_one_column():
    lines = [_line(210, 10, "FUNDING", height=20)]
    lines += [_line(40, 60 + 14 * i, t) for i, t in enumerate(["Series Seed", "$3M"])]
    lines += [_line(220, 60 + 14 * i, t) for i, t in enumerate(["Series A", "now $10M"])]
    assert _order(lines) == ["FUNDING", "Series Seed", "$3M", "Series A", "now $10M"]


def test_kpi_figures_side_by_side_read_each_with_its_caption():
    # big figures two heights apart are not one line: each reads with its caption
    figures = [(40, "$23B", "market"), (124, "$6.9B", "served"), (208, "28%", "growth")]
    lines = [_line(x, 40, fig, height=30) for x, fig, _ in figures]
    lines += [_line(x, 80, cap, height=8) for x, _, cap in figures]
    assert _order(lines) == ["$23B", "market", "$6.9B", "served", "28%", "growth"]


def test_a_table_of_short_words_reads_row_by_row():
    rows = [("Spring", "Company founded", "Done"), ("Summer", "Seed round closed", "Done"),
            ("Autumn", "Expansion to Europe", "Planned")]  # fmt: skip
    lines = [_line((20, 150, 330)[c], 40 + 14 * r, cell)
             for r, row in enumerate(rows) for c, cell in enumerate(row)]
    assert _order(lines) == [cell for row in rows for cell in row]


def test_team_cards_side_by_side_read_person_by_person():
    # OCR often keeps only a few words of a bio: one card's lines can all be short
    people = [("Ana Dahl", "CEO Co-founder", "ran energy", "projects"),
              ("Dev Baker", "Lead Engineer", "seven years building logistics", "software")]
    lines = [_line(40 + 200 * c, 40 + 12 * r, text)
             for c, card in enumerate(people) for r, text in enumerate(card)]
    assert _order(lines) == [*people[0], *people[1]]  # evenly spaced, but a bio is no cell


def test_a_logo_above_and_a_footer_below_are_not_a_column_beside_the_body():
    body = ["Automated workflows", "Rules route the work", "Weekly reports",
            "your board will read"]  # fmt: skip
    lines = [_line(320, 70 + 14 * i, t) for i, t in enumerate(body)]
    lines += [_line(30, 68, "eeo"), _line(30, 250, "Acme Confidential")]
    assert _order(lines) == ["eeo", *body, "Acme Confidential"]


def test_a_lone_line_beside_the_body_is_not_a_column():
    body = ["Our market is large", "and it keeps growing", "every single year"]
    lines = [_line(40, 40 + 14 * i, t) for i, t in enumerate(body)]
    lines.append(_line(400, 54, "12"))  # a page number level with the second line
    assert _order(lines) == ["Our market is large", "and it keeps growing", "12",
                             "every single year"]  # fmt: skip


# --------------------------------------------------------------------------- failures

FAKE = """#!/bin/sh
for arg in "$@"; do
  if [ "$arg" = "--list-langs" ]; then echo 'List of available languages (1):'; echo eng; exit 0; fi
done
{action}
"""


def _fake_tesseract(tmp_path: Path, monkeypatch, action: str) -> Path:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "tesseract"
    fake.write_text(FAKE.format(action=action))
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    return bin_dir


def test_hung_tesseract_is_killed_after_the_timeout(tmp_path, monkeypatch):
    bin_dir = _fake_tesseract(tmp_path, monkeypatch, f"touch {tmp_path}/started; exec sleep 30")
    with pytest.raises(SlideError, match=r"timed out after 0\.5 s"):
        ocr.ocr(slide("x", []), OcrParams(timeout=0.5))
    assert (tmp_path / "started").exists()  # the fake really ran
    assert shutil.which("tesseract") == str(bin_dir / "tesseract")


def test_crashing_tesseract_gives_a_clear_slide_error(tmp_path, monkeypatch):
    _fake_tesseract(
        tmp_path, monkeypatch, "echo 'Segmentation fault in page layout' >&2; kill -SEGV $$"
    )
    with pytest.raises(SlideError, match=r"tesseract crashed \(signal 11\)"):
        ocr.ocr(slide("x", []), OcrParams())


def test_a_tesseract_stopped_from_outside_is_run_once_more(tmp_path, monkeypatch):
    # QA-83: a SIGINT to the process group killed tesseract, the slide failed and
    # dropped out of the site; the real tesseract reads it the second time
    real = shutil.which("tesseract")
    _fake_tesseract(tmp_path, monkeypatch, f"if [ ! -e {tmp_path}/once ]; then touch "
                    f"{tmp_path}/once; kill -TERM $$; fi; exec {real} \"$@\"")
    result = ocr.ocr(slide("Traction", ["Revenue doubled"]), OcrParams())
    assert result.title == "Traction" and (tmp_path / "once").exists()
    # stopped twice: a clear error, not a loop
    (tmp_path / "again").mkdir()
    _fake_tesseract(tmp_path / "again", monkeypatch, "kill -KILL $$")
    with pytest.raises(SlideError, match=r"tesseract crashed \(signal 9\)"):
        ocr.ocr(slide("x", []), OcrParams())


def test_failing_tesseract_names_its_exit_status_and_message(tmp_path, monkeypatch):
    _fake_tesseract(tmp_path, monkeypatch, "echo 'Error in pixReadMem' >&2; exit 3")
    with pytest.raises(SlideError, match=r"crashed \(exit 3\): Error in pixReadMem"):
        ocr.ocr(slide("x", []), OcrParams())


def test_an_image_too_tall_for_tesseract_says_so():
    buf = io.BytesIO()
    Image.new("RGB", (40, 33_000), "white").save(buf, "PNG")  # Tesseract: 32,767 px a side
    with pytest.raises(SlideError, match=r"40x33000 px; Tesseract reads at most 32,767 px a"):
        ocr.ocr(buf.getvalue(), OcrParams())  # not "crashed (exit 1): Image too large"


def test_tesseract_runs_with_one_thread(tmp_path, monkeypatch):
    _fake_tesseract(tmp_path, monkeypatch, f'echo "$OMP_THREAD_LIMIT" > {tmp_path}/threads; exit 0')
    ocr.ocr(slide("x", []), OcrParams())
    assert (tmp_path / "threads").read_text().strip() == "1"


def test_missing_binary_names_the_apt_command(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty folder: no tesseract anywhere
    with pytest.raises(MissingDependencyError, match="apt-get install -y tesseract-ocr"):
        ocr.check_tesseract()
    with pytest.raises(MissingDependencyError, match="not installed"):
        ocr.ocr(slide("x", []), OcrParams())


def test_a_deckgen_tesseract_that_is_not_there_is_named_not_path(tmp_path, monkeypatch):
    monkeypatch.setenv("DECKGEN_TESSERACT", "/opt/tess/bin/tesseract")
    with pytest.raises(MissingDependencyError,
                       match=r"DECKGEN_TESSERACT='/opt/tess/bin/tesseract' is not an executable"):
        ocr.ocr(slide("x", []), OcrParams())


def test_thai_named_after_another_language_is_warned_about():
    # Tesseract spaces Thai letters apart with eng first ("ต ล า ด"), not with tha first
    assert ocr.lang_order_note("eng+tha") == (
        "--lang eng+tha: with eng first, Tesseract reads Thai a letter at a time, spaced "
        "apart, and search cannot find those words; use --lang tha+eng")
    assert "use --lang khm+eng+deu" in ocr.lang_order_note("eng+khm+deu")
    for fine in ("tha+eng", "tha", "eng", "eng+jpn", "eng+deu", "lao+tha"):
        assert ocr.lang_order_note(fine) is None, fine


def test_missing_language_pack_names_its_package():
    installed = ocr._installed_langs(ocr._tesseract_path())
    code = next(c for c in ("chi_sim", "chi_tra", "amh", "khm") if c not in installed)
    package = "tesseract-ocr-" + code.replace("_", "-")
    with pytest.raises(MissingDependencyError, match=f"apt-get install -y {package}"):
        ocr.check_tesseract(code)
    with pytest.raises(MissingDependencyError, match="tesseract-ocr-klingon"):
        ocr.ocr(slide("x", []), OcrParams(lang="klingon"))
    ocr.check_tesseract("eng")  # the installed one passes


def eyebrow_slide(heading: str, big: str) -> bytes:
    """A template that sets the heading small along the top edge, over bigger text."""
    image = Image.new("RGB", (1280, 720), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    draw.text((420, 30), heading, fill=(20, 20, 20), font=ImageFont.truetype(BOLD, 30))
    draw.text((300, 300), big, fill=(20, 20, 20), font=ImageFont.truetype(FONT, 72))
    draw.text((300, 500), "one small caption under it", fill=(20, 20, 20),
              font=ImageFont.truetype(FONT, 28))  # fmt: skip
    return _png(image)


def test_deck_title_style_beats_bigger_text_on_the_slide():
    pages = [
        ("THE PROBLEM", "Inboxes overflow"),
        ("SELECT CUSTOMERS", "Northwind"),
        ("THE PRODUCT COMES FIRST", "Support agents"),
        ("LOW CHURN", "Retention"),
    ]
    results = [ocr.ocr(eyebrow_slide(h, big), OcrParams()) for h, big in pages]
    assert results[1].title == "Northwind"  # slide by slide, the biggest text wins
    titled = ocr_layout.with_deck_titles(results)
    assert [r.title for r in titled] == [h for h, _ in pages]
    assert [r.text for r in titled] == [r.text for r in results]  # only titles change


def _result(*lines: tuple[str, int, int]) -> ocr.OcrResult:
    """An OCR result from (text, top, height) lines, one word box per word."""
    words = [
        ocr.Word(text=w, conf=90.0, box=[40 + 60 * j, top, 50, height], line=i)
        for i, (text, top, height) in enumerate(lines)
        for j, w in enumerate(text.split())
    ]
    title = max(lines, key=lambda ln: ln[2])[0]
    return ocr.OcrResult(text="\n".join(t for t, _, _ in lines), title=title,
                         mean_confidence=90.0, words=words)  # fmt: skip


def test_a_running_header_is_not_taken_for_the_deck_title_style():
    deck = [
        _result(("ACME CONFIDENTIAL", 8, 12), (heading, 60, 30), ("body text here", 150, 14))
        for heading in ("Problem today", "Our solution", "Market size", "The team")
    ]
    assert ocr_layout.with_deck_titles(deck) == deck


def eyebrow_result(n: str) -> ocr.OcrResult:
    return _result((f"TOP LINE {n}", 8, 12), (f"Big words {n}", 80, 30))


def test_deck_title_style_needs_half_the_slides():
    free = [_result((f"Heading {n}", top, height), ("small body", 300, 12))
            for n, top, height in (("c", 40, 20), ("d", 120, 40), ("e", 200, 28))]  # fmt: skip
    two = [eyebrow_result(n) for n in "ab"] + free
    assert ocr_layout.with_deck_titles(two) == two
    four = [eyebrow_result(n) for n in "abfg"] + free
    titles = [r.title for r in ocr_layout.with_deck_titles(four)]
    assert titles == ["TOP LINE a", "TOP LINE b", "TOP LINE f", "TOP LINE g"] + [
        r.title for r in free
    ]
    assert ocr_layout.with_deck_titles([]) == []


def test_a_logo_read_as_a_doubtful_word_beside_the_heading_keeps_the_heading_the_title():
    # a real slide's words, as OCR gave them: the logo left of the heading read as "ues"
    # at 32 % confidence, and a chart's tiny legend far below it read confidently
    heading = [ocr.Word("ues", 32.5, [42, 46, 36, 8]), ocr.Word("oMartPhones,", 51.2,
               [99, 34, 166, 24]), ocr.Word("Aug2008", 90.6, [274, 34, 106, 25])]  # fmt: skip
    legend = [ocr.Word("Requests", 40.3, [238, 82, 22, 5]), ocr.Word("by", 84.0, [262, 82, 6, 4]),
              ocr.Word("US", 91.4, [279, 82, 7, 4])]  # fmt: skip
    lines = [ocr_layout.Line(heading), ocr_layout.Line(legend)]
    assert ocr_layout.find_title(lines, 270) == "oMartPhones, Aug2008"  # the logo's word left out


def test_a_doubtful_first_word_at_word_spacing_stays_in_the_title_a_logo_apart_does_not():
    # Tesseract was 45 % sure of "SMALL" in a real sample heading, 96 % of the rest
    heading = _line(100, 20, "SMALL LAW FIRMS ARE STUCK", height=15)
    heading.words[0].conf = 45.0
    assert ocr_layout.find_title([heading], 300) == "SMALL LAW FIRMS ARE STUCK"
    # the same doubt on a word set three heights away, or in another size, is a logo
    logo = ocr.Word("wees", 45.0, [20, 20, 24, 15])
    small = ocr.Word("oeo", 45.0, [156, 24, 18, 6])  # at word spacing, a third the size
    apart = ocr_layout.Line([logo, *_line(100, 20, "LAW FIRMS", 15).words, small])
    assert ocr_layout.find_title([apart], 300) == "LAW FIRMS"



def test_ai_read_as_al_is_ai_and_names_stay_names():
    # Tesseract's TSV: level page block par line word left top width height conf text
    header = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight" \
             "\tconf\ttext"
    words = ["Al", "assistant,", "Al-powered", "Al.", "Alan", "Also", "AL"]
    rows = [f"5\t1\t1\t1\t1\t{i}\t{10 + 60 * i}\t10\t50\t12\t95\t{w}" for i, w in enumerate(words)]
    lines = ocr._parse_tsv("\n".join([header, *rows]), 1.0, 30.0)
    assert [w.text for w in lines[0].words] == [
        "AI", "assistant,", "AI-powered", "AI.", "Alan", "Also", "AL"]


# --------------------------------------------------------------------------- signs set apart

TSV_HEADER = "\t".join(["level", "page_num", "block_num", "par_num", "line_num", "word_num",
                        "left", "top", "width", "height", "conf", "text"])  # fmt: skip


def _tsv_words(*words: tuple[str, float]) -> list[str]:
    """The words ``_parse_tsv`` keeps from one TSV line of (text, confidence) words."""
    rows = [f"5\t1\t1\t1\t1\t{i}\t{10 + 60 * i}\t10\t50\t12\t{conf}\t{text}"
            for i, (text, conf) in enumerate(words)]  # fmt: skip
    return [w.text for line in ocr._parse_tsv("\n".join([TSV_HEADER, *rows]), 1.0, 30.0)
            for w in line.words]  # fmt: skip


def test_a_currency_or_percent_sign_read_as_a_word_of_its_own_is_kept():
    signs = ["€", "$", "£", "¥", "₹", "%", "‰", "%.", "€)"]
    assert _tsv_words(("30", 93.0), *((sign, 93.0) for sign in signs)) == ["30", *signs]


def test_noise_marks_and_an_unsure_lone_sign_are_still_dropped():
    noise = [("|", 95.0), ("—", 95.0), ("•", 95.0), ("-", 95.0), ("€€", 95.0), (".", 95.0)]
    # an icon read as "$" at 40 is as doubtful as a two-letter word at 40: the short-word rule
    assert _tsv_words(("Revenue", 96.0), *noise, ("$", 40.0), ("%", 55.0)) == ["Revenue"]


def test_a_percent_and_a_euro_sign_set_apart_stay_in_the_text_in_reading_order():
    # French, German and Spanish put a space before the sign: Tesseract reads it alone
    png = drawn(
        ((80, 60), "Pricing", BOLD, 64),
        ((80, 240), "Bakeries waste 30 % of their dough", FONT, 34),
        ((80, 300), "Plans start at 49 € a month", FONT, 34),
    )
    result = ocr.ocr(png, OcrParams(lang="eng"), scale=2.0)
    assert "30 % of" in result.lines[1] and "49 € a" in result.lines[2]
    assert "Bakeries waste 30 % of" in result.text and "at 49 € a month" in result.text
    assert result.title == "Pricing"
    by_text = {w.text: w for w in result.words}
    percent, euro = by_text["%"], by_text["€"]
    # boxes for highlighting: in source pixels (half the drawn ones), right of their figure
    assert result.lines[percent.line] == result.lines[1]
    assert result.lines[euro.line] == result.lines[2]
    assert by_text["30"].box[0] < percent.box[0] < by_text["of"].box[0]
    assert 110 <= percent.box[1] <= 130 and 140 <= euro.box[1] <= 160
    assert percent.box[2] > 0 and euro.box[3] > 0 and euro.conf >= 60


def test_an_ampersand_and_a_plus_between_words_are_kept():
    assert _tsv_words(("Acme", 93.0), ("&", 93.0), ("Beta", 93.0), ("+", 96.0), ("Gamma", 96.0)) \
        == ["Acme", "&", "Beta", "+", "Gamma"]


def test_a_plus_first_or_last_on_its_line_or_an_unsure_ampersand_is_dropped():
    # a "+" bullet, a decorative cross: Tesseract reads both as "+" at 90 and more
    assert _tsv_words(("+", 97.0), ("Faster", 93.0), ("onboarding", 89.0)) \
        == ["Faster", "onboarding"]
    assert _tsv_words(("Revenue", 96.0), ("+", 95.0)) == ["Revenue"]
    assert _tsv_words(("+", 95.0)) == []
    assert _tsv_words(("R", 90.0), ("&", 40.0), ("D", 92.0)) == ["R", "D"]


def test_an_ampersand_and_a_plus_in_a_title_and_the_text_are_read_a_plus_bullet_is_not():
    image = Image.new("RGB", (1920, 1080), "white")
    draw = ImageDraw.Draw(image)
    draw.text((120, 90), "Sales & Marketing", fill="black", font=ImageFont.truetype(BOLD, 96))
    for i, line in enumerate(["Our R & D team ships weekly", "Hardware + Software in one box",
                              "+ Faster onboarding"]):
        draw.text((120, 360 + 90 * i), line, fill="black", font=ImageFont.truetype(FONT, 50))
    for x, y in [(1500, 700), (1700, 900)]:  # decorative crosses
        draw.line((x - 30, y, x + 30, y), fill="black", width=8)
        draw.line((x, y - 30, x, y + 30), fill="black", width=8)
    result = ocr.ocr(_png(image), OcrParams(), scale=2.0)
    assert result.title == "Sales & Marketing"
    assert result.lines == ["Sales & Marketing", "Our R & D team ships weekly",
                            "Hardware + Software in one box", "Faster onboarding"]
    amp = next(w for w in result.words if w.text == "&" and w.line == 1)
    assert 140 <= amp.box[0] <= 160 and amp.conf >= 60  # between "R" and "D", source pixels


def test_a_small_sign_first_on_its_line_is_a_bullet_a_sign_as_tall_as_the_letters_is_not():
    def line(*words: tuple[str, float, list[int]]) -> list[str]:
        rows = [f"5\t1\t1\t1\t1\t{i}\t" + "\t".join(map(str, box)) + f"\t{conf}\t{text}"
                for i, (text, conf, box) in enumerate(words)]  # fmt: skip
        return [w.text for ln in ocr._parse_tsv("\n".join([TSV_HEADER, *rows]), 1.0, 30.0)
                for w in ln.words]  # fmt: skip

    # QA-85: a "•" read as "¢", its box 4 px beside capitals of 11
    assert line(("¢", 60.7, [30, 76, 4, 4]), ("TAM", 96.0, [40, 72, 28, 11]),
                ("$68B", 95.0, [72, 71, 34, 13])) == ["TAM", "$68B"]
    assert line(("$", 92.0, [30, 70, 8, 13]), ("5M", 96.0, [44, 71, 16, 11]),
                ("raised", 96.0, [66, 71, 40, 11])) == ["$", "5M", "raised"]
    # an "&" is kept between two words only: first on its line, or alone, it is most often
    # a logo or an icon (QA-87: two linked circles, a hexagon)
    assert line(("&", 93.0, [30, 71, 10, 11]), ("more", 96.0, [46, 74, 30, 8])) == ["more"]
    assert line(("&", 61.0, [30, 40, 60, 60])) == []
    assert line(("R", 93.0, [30, 71, 8, 11]), ("&", 93.0, [42, 71, 10, 11]),
                ("D", 96.0, [56, 71, 8, 11])) == ["R", "&", "D"]
    assert line(("Revenue", 96.0, [30, 70, 50, 11]), ("¢", 70.0, [84, 74, 4, 4]),
                ("30", 96.0, [94, 70, 14, 11])) == ["Revenue", "¢", "30"]  # not first


def test_a_round_bullet_read_as_a_letter_goes_a_word_of_one_letter_stays():
    def lines(*rows: tuple[int, str, list[int]]) -> list[str]:
        tsv = [f"5\t1\t1\t1\t{line}\t{i}\t" + "\t".join(map(str, box)) + f"\t90.0\t{text}"
               for i, (line, text, box) in enumerate(rows)]  # fmt: skip
        return [" ".join(w.text for w in ln.words)
                for ln in ocr._parse_tsv("\n".join([TSV_HEADER, *tsv]), 1.0, 30.0)]

    # QA-87: "•" read as "e", "a" or "o" on a line of its own, or as "e" before a capitalised
    # word; a close icon as "x"
    assert lines((1, "e", [30, 70, 8, 8]), (2, "Revenue", [44, 70, 60, 11]),
                 (2, "grew", [108, 70, 30, 11]), (3, "x", [400, 10, 8, 8])) == ["Revenue grew"]
    assert lines((1, "e", [30, 70, 8, 8]), (1, "Buyers", [44, 70, 50, 11]),
                 (1, "want", [98, 70, 30, 11])) == ["Buyers want"]
    # a capital alone (a chart's axis), an "e" before a word in lower case, "a" before a name
    assert lines((1, "A", [30, 70, 8, 11]), (2, "e", [30, 90, 8, 8]),
                 (2, "commerce", [44, 90, 60, 11]), (3, "a", [30, 110, 8, 8]),
                 (3, "Series", [44, 110, 40, 11])) == ["A", "e commerce", "a Series"]


LIBERATION = "/usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf"


def small_slide(lines: list[str], font: str) -> bytes:
    """A 480 px wide JPEG as decks are scraped: a title, then ``lines`` at 15 px."""
    image = Image.new("RGB", (480, 270), "white")
    draw = ImageDraw.Draw(image)
    draw.text((24, 14), "Market Size", fill="black", font=ImageFont.truetype(BOLD, 26))
    for i, text in enumerate(lines):
        draw.text((30, 60 + 25 * i), text, fill="black", font=ImageFont.truetype(font, 15))
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=85)
    return buf.getvalue()


def read_as_a_build_does(source: bytes) -> ocr.OcrResult:
    png, up = upscale.upscale(source, upscale.UpscaleParams())
    return ocr.ocr(png, OcrParams(), up.scale)


@pytest.mark.parametrize("font", [FONT, LIBERATION], ids=["dejavu", "liberation"])
def test_round_bullets_read_as_cent_signs_leave_the_text_and_words(font):
    items = ["Partner with delivery fleets", "TAM $68B in 2025", "Traction 9,000 users",
             "Expand to Europe next year"]
    result = read_as_a_build_does(small_slide([f"• {item}" for item in items], font))
    assert result.lines == ["Market Size", *items]
    assert "¢" not in result.text and not any("¢" in w.text for w in result.words)
    partner = next(w for w in result.words if w.text == "Partner")
    assert 38 <= partner.box[0] <= 46  # its own box, in source pixels, right of the bullet


@pytest.mark.parametrize("font", [FONT, LIBERATION], ids=["dejavu", "liberation"])
def test_a_currency_or_percent_sign_starting_a_line_stays(font):
    lines = ["$ 5M raised last year", "€ 49 pro Monat", "£ 2.1bn market", "% of revenue"]
    assert read_as_a_build_does(small_slide(lines, font)).lines == ["Market Size", *lines]


# --------------------------------------------------------------------------- --lang mistakes


def test_languages_given_with_spaces_or_commas_are_told_to_join_with_a_plus():
    for value in ("eng deu", "eng,deu", "eng, deu"):
        with pytest.raises(MissingDependencyError, match=r"joined with '\+': use eng\+deu") as e:
            ocr.check_tesseract(value)
        assert "tesseract-ocr-eng deu" not in str(e.value) and "installed: " in str(e.value)
    with pytest.raises(MissingDependencyError, match=r"use eng\+deu, not 'english german'"):
        ocr.check_tesseract("english german")


def test_a_language_name_is_told_its_tesseract_code_and_what_is_installed():
    with pytest.raises(MissingDependencyError) as e:
        ocr.check_tesseract("german")
    said = str(e.value)
    assert "Tesseract names languages by code: deu for German" in said
    assert "eng" in said.split("installed:")[1]  # the codes that are there
    assert "tesseract-ocr-german" not in said
    with pytest.raises(MissingDependencyError, match=r"jpn for Japanese\. Use eng\+jpn") as e:
        ocr.check_tesseract("eng+Japanese")
    assert "tesseract-ocr-japanese" not in str(e.value)


def test_an_iso_639_1_code_is_told_tesseracts_code():  # the dataset card writes "de"
    with pytest.raises(MissingDependencyError, match=r"fra for fr\. Use eng\+fra") as e:
        ocr.check_tesseract("eng+fr")
    assert "tesseract-ocr-fr " not in str(e.value) + " "
    for said, code in (("hebrew", "heb"), ("th", "tha"), ("farsi", "fas")):  # QA-32
        with pytest.raises(MissingDependencyError, match=rf"{code} for "):
            ocr.check_tesseract(said)


def test_an_empty_or_repeated_language_is_told_what_to_use():
    for lang, meant in (("eng+", "eng"), ("eng++german", "eng+deu"), ("+", "eng")):
        with pytest.raises(MissingDependencyError, match=rf"empty part: use {re.escape(meant)} "):
            ocr.check_tesseract(lang)
    with pytest.raises(MissingDependencyError, match=r"Use deu \(installed"):
        ocr.check_tesseract("deu+german")  # once, not deu+deu



def test_an_installed_code_in_capitals_is_told_to_write_it_in_lower_case():
    # "Deu" is no pack to install: the deu that is there is spelt in lower case
    said = ocr._lang_problem("eng+Deu", frozenset({"eng", "deu", "fra"}))
    assert said and "lower case: use eng+deu, not 'eng+Deu'" in said
    assert "apt-get" not in said and "not installed" not in said
    said = ocr._lang_problem("DEU+xyz", frozenset({"eng", "deu"}))  # the one truly missing
    assert "use deu+xyz" in said and "apt-get install -y tesseract-ocr-xyz" in said
    assert "tesseract-ocr-deu" not in said
    with pytest.raises(MissingDependencyError, match=r"lower case: use eng, not 'Eng'") as e:
        ocr.check_tesseract("Eng")  # the real list of installed packs
    assert "apt-get" not in str(e.value)

def test_a_language_name_reaching_tesseract_gets_the_same_hint():
    with pytest.raises(MissingDependencyError, match="deu for German"):
        ocr.ocr(slide("x", []), OcrParams(lang="german"))
    with pytest.raises(MissingDependencyError, match=r"joined with '\+'"):
        ocr.ocr(slide("x", []), OcrParams(lang="eng deu"))


# --------------------------------------------------------------------------- Chinese, Japanese

def test_chinese_and_japanese_words_join_without_spaces_korean_keeps_its_spaces():
    # Tesseract's jpn and chi_sim models read a character or two per word: "市 場 規 模"
    said = [(0, 28, "市 場 規 模"), (1, 12, "国内 の 会 計 ソ フト 市 場 は 3000 億円。"),
            (2, 12, "국내 시장 규모"), (3, 12, "AI 技術 者")]
    rows = []
    for n, height, text in said:
        x = 20
        for i, word in enumerate(text.split()):
            rows.append(f"5\t1\t1\t1\t{n + 1}\t{i + 1}\t{x}\t{20 + 50 * n}\t"
                        f"{height * len(word)}\t{height}\t91\t{word}")
            x += height * (len(word) + 1)
    lines = ocr_layout.reading_order(ocr._parse_tsv("\n".join([TSV_HEADER, *rows]), 1.0, 30.0))
    assert [ln.text for ln in lines] == ["市場規模", "国内の会計ソフト市場は 3000 億円。",
                                         "국내 시장 규모", "AI 技術者"]
    assert ocr_layout.find_title(lines, 270) == "市場規模"  # two such letters are a word
    assert ocr_layout.find_title(lines[2:], 270) == "국내 시장 규모"


def test_korean_syllables_join_where_tesseracts_text_sets_no_space():
    # kor reads some words a syllable per TSV word ("환 자 는") while its text output,
    # from the same run, says "환자는": words are spaced as that text spaces them, however
    # close they are set ("600" 1 px after "는" is still a word of its own)
    said = [("당뇨병", 20, 60, 87), ("환", 87, 20, 91), ("자", 113, 20, 55), ("는", 134, 20, 91),
            ("600", 155, 30, 91), ("沿革", 300, 40, 36), ("fi", 350, 10, 36)]
    rows = [f"5\t1\t1\t1\t1\t{i + 1}\t{x}\t20\t{w}\t20\t{conf}\t{text}"
            for i, (text, x, w, conf) in enumerate(said)]
    tsv = "\n".join([TSV_HEADER, *rows])
    lines = ocr._parse_tsv(tsv, 1.0, 30.0, "당뇨병 환자는 600 沿革 fi\n\f")
    # "자" read at 55 and "沿革" at 36 are kept; "fi" at 36 is an icon's noise, as before
    assert [ln.text for ln in lines] == ["당뇨병 환자는 600 沿革"]
    word = lines[0].words[1]
    assert (word.text, word.box, word.conf) == ("환자는", [87, 20, 67, 20], 79.0)
    # a text that parts ways with the TSV (it should not) leaves the TSV's words as they are
    lines = ocr._parse_tsv(tsv, 1.0, 30.0, "당뇨병 환자는 601")
    assert [ln.text for ln in lines] == ["당뇨병 환자는 600 沿革"]
    lines = ocr._parse_tsv(tsv, 1.0, 30.0, "당뇨병 환자 는 6OO")
    assert [ln.text for ln in lines] == ["당뇨병 환자 는 600 沿革"]


def test_tesseract_output_splits_into_its_tsv_and_its_text():
    tsv, txt = ocr.split_output(ocr._run_tesseract(slide("Problem", ["Costs are rising"]),
                                                   OcrParams()))
    rows = tsv.splitlines()
    assert rows[0].startswith("level\tpage_num") and len(rows) > 5
    assert all(row.count("\t") == 11 for row in rows)
    assert txt.split() == ["Problem", "Costs", "are", "rising"]


_KOREAN_FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"


@pytest.mark.skipif(not os.path.exists(_KOREAN_FONT) or "kor" not in ocr._installed_langs(
    ocr._tesseract_path()), reason="needs tesseract-ocr-kor and fonts-noto-cjk")
def test_korean_lines_keep_their_word_spaces():
    # a gap ratio (ocr-15) read two of these "문제 정의와해결 방안" and "자문단소개"
    said = ["투자 유치 계획과 사용처", "고객 확보 전략 및 성장률", "한국 스타트업 생태계 현황",
            "문제 정의와 해결 방안", "월간 활성 사용자 십만 명 돌파", "경쟁사 대비 우리의 강점",
            "수익 모델은 구독 기반입니다", "핵심 인력과 자문단 소개",
            "시리즈 에이 투자를 유치합니다", "글로벌 시장 진출 전략", "비용 절감과 매출 성장"]
    font = ImageFont.truetype(_KOREAN_FONT, 32, index=1)  # Noto Sans CJK KR
    image = Image.new("RGB", (900, 120 + 80 * len(said)), "white")
    draw = ImageDraw.Draw(image)
    for i, line in enumerate(said):
        draw.text((40, 120 + 80 * i), line, fill="black", font=font)
    result = ocr.ocr(_png(image), OcrParams(lang="kor"))
    assert result.lines == said


# --------------------------------------------------------------------------- Thai, Hindi, Arabic

def _rows(said: list[tuple[str, int, int, int, float]]) -> str:
    """TSV of words (text, line, left, width, confidence) 30 px high."""
    rows = [f"5\t1\t1\t1\t{line}\t{i + 1}\t{x}\t{60 * line}\t{w}\t30\t{conf}\t{text}"
            for i, (text, line, x, w, conf) in enumerate(said)]
    return "\n".join([TSV_HEADER, *rows])


def test_thai_clusters_and_loose_marks_read_on_as_tesseracts_text_joins_them():
    # tha gives a cluster per TSV word and vowel and tone marks as words of their own
    # (a mark alone has no letter: it was dropped as noise, and the line spaced out)
    tsv = _rows([("ต", 1, 10, 20, 91), ("\u0e49", 1, 22, 6, 20), ("นท", 1, 30, 40, 88),
                 ("ุ", 1, 52, 6, 40), ("น", 1, 72, 20, 90), ("สูง", 1, 110, 50, 92),
                 ("AI", 2, 10, 40, 95), ("ต", 2, 60, 20, 91)])
    lines = ocr._parse_tsv(tsv, 1.0, 30.0, "ต้นทุน สูง\n\nAI ต\n")
    assert [ln.text for ln in lines] == ["ต้นทุน สูง", "AI ต"]
    assert [w.box for w in lines[0].words] == [[10, 60, 82, 30], [110, 60, 50, 30]]


def test_right_to_left_marks_are_not_part_of_a_word():
    # Tesseract writes RLM into Arabic and Hebrew words; a search for the word must find it
    tsv = _rows([("\u200fالسوق", 1, 200, 80, 93), ("\u200f", 1, 100, 4, 93),
                 ("٢٠٢٥", 1, 10, 80, 90)])
    lines = ocr._parse_tsv(tsv, 1.0, 30.0, "\u200fالسوق \u200f ٢٠٢٥")
    assert [w.text for w in lines[0].words] == ["السوق", "٢٠٢٥"]
    # its text puts an LRM before an English word in a Hebrew line, the TSV word has none:
    # the two still walk together, so the Thai-style joins after it still work (QA-35)
    tsv = _rows([("שוק", 1, 300, 60, 93), ("Acme", 1, 200, 80, 93), ("Pay\u200f", 1, 140, 50, 93),
                 ("ต", 1, 10, 20, 91), ("\u0e49", 1, 22, 6, 20), ("น", 1, 30, 20, 90)])
    text = "שוק \u200eAcme Pay\u200f ต\u0e49น"
    assert [w.text for w in ocr._parse_tsv(tsv, 1.0, 30.0, text)[0].words] == [
        "שוק", "Acme", "Pay", "ต\u0e49น"]


def test_a_heading_with_vowel_signs_is_a_title():
    # Devanagari vowel signs and Arabic vowels are marks, not letters (str.isalpha): half
    # of "बाज़ार का आकार" was "not letters", so the slide had no title
    for heading, body in (("बाज़ार का आकार", "किसानों को सही बाज़ार नहीं मिलता"),
                          ("الحلّ: منصّة الدفع", "السوق الإقليمي للمدفوعات")):
        words = [Word(w, 90.0, [10 + 120 * i, 20, 100, 48]) for i, w in enumerate(heading.split())]
        small = [Word(w, 90.0, [10 + 90 * i, 120, 80, 24]) for i, w in enumerate(body.split())]
        lines = [ocr_layout.Line(words), ocr_layout.Line(small)]
        assert ocr_layout.find_title(lines, 540) == heading


def test_titles_wrapped_onto_a_word_with_descenders_are_read_whole_per_slide_and_deck():
    # QA-84: "going" reaches above and below the line, "Where we are" only above: its box
    # is half as tall again, yet the two are one type size
    titles = [("Market size",), ("Traction so far",), ("Acme and Beta", "compared"),
              ("Where we are", "going"), ("Why now: market", "timing")]
    results = [ocr.ocr(drawn(*[((60, 60 + 56 * i), line, BOLD, 48) for i, line in enumerate(t)],
                             ((60, 260), "Partners and direct sales", FONT, 26)), OcrParams())
               for t in titles]
    whole = [" ".join(t) for t in titles]
    assert [r.title for r in results] == whole
    assert [r.title for r in ocr_layout.with_deck_titles(results)] == whole


def test_a_smaller_subtitle_whose_letters_reach_lower_is_not_part_of_the_title():
    # "Growing quickly" boxes as tall as "Traction": only its descenders make it so
    png = drawn(((80, 60), "Traction", BOLD, 64), ((80, 145), "Growing quickly", FONT, 44),
                ((80, 300), "Revenue grew 40% quarter over quarter", FONT, 34))
    assert ocr.ocr(png, OcrParams()).title == "Traction"


def test_a_pdf_decks_titles_wrapped_onto_a_word_with_descenders_are_read_whole(tmp_path):
    from test_pdf_text_layer import _layer_ocr

    titles = [("Market size",), ("Traction so far",), ("Acme and Beta", "compared"),
              ("Where we are", "going"), ("Why now: market", "timing")]
    results = []
    for n, title in enumerate(titles):
        (tmp_path / str(n)).mkdir()
        text = "".join(f"BT /F1 40 Tf 60 {460 - 46 * i} Td ({line}) Tj ET\n"
                       for i, line in enumerate(title))
        body = "BT /F1 22 Tf 60 300 Td (Partners) Tj ET\n"
        results.append(_layer_ocr(tmp_path / str(n), text + body)[1])
    whole = [" ".join(t) for t in titles]
    assert [r.title for r in ocr_layout.with_deck_titles(results)] == whole


def test_a_words_punctuation_and_accents_do_not_change_its_lines_size():
    # a quote, a comma or an accent is no letter of another height: "‘European" (a quote over
    # a capital, a descender) is the size of "Target", not the size of its whole box
    def size(text: str, height: int) -> float:
        return ocr_layout.Line([Word(text, 95.0, [0, 0, 10 * len(text), height])]).size

    assert size("‘European", 40) == size("Target", 40) == size("Growth,", 40)
    assert size("(Europe)", 40) == size("Typography", 40)  # brackets reach up and down
    assert size("Größe", 40) == size("Große", 40)
