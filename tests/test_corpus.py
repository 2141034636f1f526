import hashlib
import io
import os
import tomllib
import unicodedata
from pathlib import Path

import pytest
from PIL import Image

from deckgen.corpus import SLUG_RE, printable, safe_slug, scan
from deckgen.corpus_edit import add_deck, label_slide, set_section
from deckgen.corpus_pdf import (
    PDF_RENDER_MAX_PIXELS,
    PDF_RENDER_MAX_SIDE,
    read_source,
    render_pdf_page,
)
from deckgen.errors import BadInputError


def jpeg(color=(200, 30, 30)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (48, 27), color).save(buf, "JPEG")
    return buf.getvalue()


def make_pdf(path, pages=2):
    images = [Image.new("RGB", (320, 180), (255, 255, 255)) for _ in range(pages)]
    images[0].save(path, "PDF", save_all=True, append_images=images[1:])


def test_scan_orders_pages_and_reads_meta(tmp_path):
    deck = tmp_path / "acme"
    deck.mkdir()
    (deck / "deck.toml").write_text('company = "Acme <b>"\nyear = 2020\nstage = "seed"\n')
    for name in ("10.jpg", "2.jpg", "1.jpg"):
        (deck / name).write_bytes(jpeg())
    corpus = scan(tmp_path)
    assert [s.source for s in corpus.slides] == ["acme/1.jpg", "acme/2.jpg", "acme/10.jpg"]
    assert [s.id for s in corpus.slides] == ["acme/001", "acme/002", "acme/003"]
    assert corpus.decks["acme"].company == "Acme <b>"
    assert corpus.decks["acme"].year == 2020
    assert corpus.problems == []


def test_sections_set_by_hand_are_read_and_bad_entries_reported(tmp_path):
    deck = tmp_path / "acme"
    deck.mkdir()
    (deck / "deck.toml").write_text(
        'company = "Acme"\n[sections]\n2 = "market"\n3 = "Pricng"\n'
        'x = "team"\n9 = "team"\n1 = "cover"\n4 = "Business Model"\n5 = "Roadmap"\n'
    )
    for name in ("1.jpg", "2.jpg", "3.jpg", "4.jpg", "5.jpg"):
        (deck / name).write_bytes(jpeg())
    flat = tmp_path / "flat"
    flat.mkdir()
    (flat / "deck.toml").write_text('sections = "market"\n')
    (flat / "1.jpg").write_bytes(jpeg())
    typo = tmp_path / "typo"
    typo.mkdir()
    (typo / "deck.toml").write_text('comapny = "Typo Inc"\nyear = "2019"\n')
    (typo / "1.jpg").write_bytes(jpeg())
    corpus = scan(tmp_path)
    said = sorted(p.reason for p in corpus.problems if p.path == "typo/deck.toml")
    assert said[0].startswith("unknown field 'comapny' ignored; the fields are company, title")
    assert said[1] == "year must be an integer like 2019, got '2019'; year left empty"
    assert corpus.decks["typo"].company == "Typo"  # from the folder name
    corpus.problems = [p for p in corpus.problems if p.path != "typo/deck.toml"]
    # another name for a section, as `deckgen label` takes it: a roadmap is milestones
    assert corpus.decks["acme"].sections == {"1": "cover", "2": "market", "4": "business-model",
                                             "5": "milestones"}
    assert corpus.decks["flat"].sections == {}
    reasons = sorted(p.reason for p in corpus.problems)
    assert reasons[:2] == [
        'sections must be a table: [sections] then 3 = "market"',
        "sections: 'x' is not a page number; ignored",
    ]
    assert reasons[2].startswith("sections: page 3: 'Pricng' is not a section (one of cover, ")
    assert reasons[3:] == [
        "sections: the deck has no page 9; ignored (`deckgen label acme/009 --clear` removes it)"]
    assert {p.path for p in corpus.problems} == {"acme/deck.toml", "flat/deck.toml"}


def test_bad_entries_are_reported_and_the_rest_kept(tmp_path):
    good = tmp_path / "good"
    good.mkdir()
    (good / "deck.toml").write_bytes("company = 'Caf\xe9'\n".encode("latin-1"))  # not UTF-8
    (good / "001.jpg").write_bytes(jpeg())
    (good / "002.jpg").write_bytes(b"")
    (good / "003.jpg").write_bytes(jpeg())
    (good / "notes.txt").write_text("hi")
    (tmp_path / "empty").mkdir()
    (tmp_path / "Bad Name").mkdir()
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "deck.toml").write_text("company = [unclosed\n")
    (tmp_path / "broken" / "001.jpg").write_bytes(jpeg())
    outside = tmp_path.parent / f"{tmp_path.name}-outside"
    outside.mkdir(exist_ok=True)
    (outside / "001.jpg").write_bytes(jpeg())
    os.symlink(outside, tmp_path / "escape")
    os.symlink("loop", tmp_path / "loop")  # links a build must survive, each reported
    os.symlink("gone", tmp_path / "dangling")
    os.symlink("good", tmp_path / "twin")
    os.symlink("004.jpg", good / "004.jpg")
    (tmp_path / "selfish").mkdir()
    os.symlink("deck.toml", tmp_path / "selfish" / "deck.toml")
    (tmp_path / "selfish" / "001.jpg").write_bytes(jpeg())
    corpus = scan(tmp_path)
    reasons = {p.path: p.reason for p in corpus.problems}
    assert "not UTF-8" in reasons["good/deck.toml"]
    assert "0 bytes" in reasons["good/002.jpg"]
    assert "not a slide image" in reasons["good/notes.txt"]
    assert "no slides" in reasons["empty"]
    assert "bad-name" in reasons["Bad Name"]
    assert "malformed TOML" in reasons["broken/deck.toml"]
    assert reasons["selfish/deck.toml"] == "symlink loop; metadata ignored"
    assert "outside the corpus" in reasons["escape"]
    assert reasons["loop"] == reasons["good/004.jpg"] == "symlink loop; skipped"
    assert reasons["dangling"] == "broken symlink (no target); skipped"
    assert reasons["twin"] == "symlink to the deck good; skipped (it would be published twice)"
    assert sorted(corpus.decks) == ["broken", "good", "selfish"]
    # the empty file keeps its place: the slide after it is still page 3, under its own name
    assert [(s.id, s.source) for s in corpus.slides] == [
        ("broken/001", "broken/001.jpg"), ("good/001", "good/001.jpg"),
        ("good/003", "good/003.jpg"), ("selfish/001", "selfish/001.jpg")]
    with pytest.raises(BadInputError, match="good has no slide 2: its slides are 1, 3"):
        label_slide(tmp_path, "good", 2, "team")


def test_pdf_pages_are_slides(tmp_path):
    deck = tmp_path / "pdfdeck"
    deck.mkdir()
    make_pdf(deck / "deck.pdf", pages=3)
    corpus = scan(tmp_path)
    assert [s.source for s in corpus.slides] == [f"pdfdeck/deck.pdf#p{n}" for n in (1, 2, 3)]
    assert len({s.sha256 for s in corpus.slides}) == 3
    # each page is one 320 px picture: rendered at its own size, for the upscaler (not
    # blurred to 1920 px here); pages with real text render 1920 px wide (the pptx test)
    png = read_source(tmp_path, corpus.slides[1].source)
    assert Image.open(io.BytesIO(png)).size == (320, 180)


def test_corrupt_pdf_is_reported(tmp_path):
    deck = tmp_path / "bad"
    deck.mkdir()
    (deck / "deck.pdf").write_bytes(b"%PDF-1.4 garbage")
    corpus = scan(tmp_path)
    assert corpus.slides == []
    assert any("not a readable PDF" in p.reason for p in corpus.problems)


def test_safe_slug():
    assert safe_slug("Ünïcode Café, Inc.") == "unicode-cafe-inc"
    assert safe_slug("../../etc/passwd") == "etc-passwd"
    assert safe_slug("<script>") == "script"
    assert safe_slug("!!!") == "deck"


def test_a_slug_is_never_a_name_windows_keeps_for_a_device(tmp_path):
    # a folder named aux or com1 cannot be made on Windows: the site and dataset archive
    # holding img/aux/ would not unpack there (QA-43)
    assert [safe_slug(n) for n in ("Aux", "CON", "nul", "Com1", "LPT9", "Prn.", "com0")] == [
        "aux-deck", "con-deck", "nul-deck", "com1-deck", "lpt9-deck", "prn-deck", "com0-deck"]
    assert [safe_slug(n) for n in ("Aux Labs", "com10", "console")] == [
        "aux-labs", "com10", "console"]
    (tmp_path / "aux").mkdir()  # made by hand on Linux: built, and the report says why to rename
    (tmp_path / "aux" / "1.jpg").write_bytes(jpeg())
    (tmp_path / "aux" / "deck.toml").write_text('company = "Aux"\n')
    corpus = scan(tmp_path)
    assert [s.id for s in corpus.slides] == ["aux/001"]
    assert [str(p) for p in corpus.problems] == [
        "aux: Windows keeps this name for a device, so the site and dataset cannot be unpacked "
        "there; rename the folder to 'aux-deck'"]


def test_safe_slug_spells_out_latin_letters_and_parts_words_at_every_dash():
    assert safe_slug("Großmann Fußball AG") == "grossmann-fussball-ag"
    assert safe_slug("GROSSE ẞTRASSE") == "grosse-sstrasse"
    assert safe_slug("Øresund Energi ApS") == "oresund-energi-aps"
    assert safe_slug("Łódź Robotics") == "lodz-robotics"
    assert safe_slug("Æble & Œuvre") == "aeble-oeuvre"
    assert safe_slug("œil ǽ ø") == "oeil-ae-o"
    assert safe_slug("ÞÓR Ðis þð") == "thor-dis-thd"
    assert safe_slug("Đakovo đ Istanbulı") == "dakovo-d-istanbuli"
    assert safe_slug("Éco-Vélo Québec–Lyon") == "eco-velo-quebec-lyon"  # an en dash
    assert safe_slug("A—B·C’D") == "a-b-c-d"
    assert safe_slug("Gr\u00fcnwerk") == safe_slug("Gru\u0308nwerk") == "grunwerk"  # NFC, NFD


def test_safe_slug_of_a_name_in_another_script_is_stable_and_its_own():
    sakura, hana = safe_slug("株式会社さくらテック"), safe_slug("株式会社はなテック")
    assert sakura == "deck-" + hashlib.sha256("株式会社さくらテック".encode()).hexdigest()[:8]
    assert hana.startswith("deck-") and hana != sakura
    assert safe_slug(" 株式会社さくらテック ") == sakura
    assert safe_slug("Ооо Ромашка") != safe_slug("Ооо Василёк")  # Cyrillic
    # decomposed kana (NFD) is the same name, so the same slug
    assert safe_slug(unicodedata.normalize("NFD", "デジタル")) == safe_slug("デジタル")
    mixed = safe_slug("さくら AI")
    assert mixed.startswith("ai-") and mixed != safe_slug("はな AI")
    rocket = safe_slug("🚀🚀")  # no letters at all, but a name of its own all the same
    assert rocket.startswith("deck-") and rocket != safe_slug("🌱") and safe_slug("!!!") == "deck"
    long = safe_slug("x" * 80 + " 東京")
    assert len(long) == 64 and SLUG_RE.match(long) and SLUG_RE.match(sakura)


def test_add_pdf_and_images(tmp_path):
    pdf = tmp_path / "in.pdf"
    make_pdf(pdf, pages=2)
    corpus_root = tmp_path / "corpus"
    deck_dir = add_deck(
        corpus_root, [pdf], meta={"company": "Zeta Labs", "year": 2021,
                                  "source_url": 'https://example.com/x"y',
                                  "title": "Seed\r\ndeck\x7f\\ 2021"}  # pasted control chars
    )
    assert deck_dir.name == "zeta-labs"
    assert sorted(p.name for p in deck_dir.iterdir()) == ["001.png", "002.png", "deck.toml"]
    corpus = scan(corpus_root)
    assert corpus.problems == []
    assert corpus.decks["zeta-labs"].year == 2021
    assert corpus.decks["zeta-labs"].source_url == 'https://example.com/x"y'
    assert corpus.decks["zeta-labs"].title == "Seed deck \\ 2021"
    folder = tmp_path / "imgs"
    folder.mkdir()
    (folder / "b.jpg").write_bytes(jpeg())
    (folder / "a.jpg").write_bytes(jpeg((0, 0, 255)))
    second = add_deck(corpus_root, [folder], slug="Second Deck")
    assert sorted(p.name for p in second.iterdir()) == ["001.jpg", "002.jpg", "deck.toml"]
    assert (second / "001.jpg").read_bytes() == (folder / "a.jpg").read_bytes()
    with pytest.raises(BadInputError, match="already exists"):
        add_deck(corpus_root, [folder], slug="second-deck")
    with pytest.raises(BadInputError, match="does not exist"):
        add_deck(corpus_root, [tmp_path / "nope.pdf"])


# --- presentations, converted by a real LibreOffice -------------------------------------
def make_pptx(path, slides):
    from pptx import Presentation
    from pptx.util import Inches

    deck = Presentation()
    deck.slide_width, deck.slide_height = Inches(13.333), Inches(7.5)
    for title, body in slides:
        slide = deck.slides.add_slide(deck.slide_layouts[1])
        slide.shapes.title.text = title
        slide.placeholders[1].text = body
    deck.save(path)


def test_add_a_presentation_keeps_its_pdf_with_its_text(tmp_path):
    from deckgen.corpus_pdf import pdf_text_layer, render_pdf_page

    pptx = tmp_path / "Acme board deck (final).pptx"
    make_pptx(pptx, [("The Problem", "Clinics lose one appointment in five"),
                     ("Our Team", "Ada Lovelace, CEO")])
    deck_dir = add_deck(tmp_path / "corpus", [pptx], meta={"company": "Acme"})
    # its slides carry text: kept whole, as LibreOffice's PDF of them
    assert sorted(p.name for p in deck_dir.iterdir()) == ["deck.pdf", "deck.toml"]
    assert Image.open(io.BytesIO(render_pdf_page(deck_dir / "deck.pdf", 1))).size[0] == 1920
    words = [word for line in pdf_text_layer(deck_dir / "deck.pdf", 1) for word, _ in line]
    assert "Problem" in words and "appointment" in words
    assert [p.name for p in (tmp_path / "corpus").iterdir()] == ["acme"]  # no staging left


def test_a_broken_presentation_is_a_clear_error_and_adds_nothing(tmp_path):
    broken = tmp_path / "deck.pptx"
    broken.write_bytes(b"PK\x03\x04 this is not a presentation")
    with pytest.raises(BadInputError, match="deck.pptx: LibreOffice could not convert it to PDF"):
        add_deck(tmp_path / "corpus", [broken], meta={"company": "Broken"})
    assert list((tmp_path / "corpus").iterdir()) == []


def test_a_presentation_without_libreoffice_says_what_to_install(tmp_path):
    import subprocess
    import sys

    pptx = tmp_path / "deck.pptx"
    make_pptx(pptx, [("Title", "Body")])
    deckgen = [sys.executable, "-m", "deckgen"]
    env = {**os.environ, "PATH": str(tmp_path / "empty")}  # no soffice on it
    done = subprocess.run([*deckgen, "add", str(pptx), "--corpus", str(tmp_path / "corpus")],
                          capture_output=True, text=True, env=env)
    assert done.returncode == 4, done.stderr
    assert "needs LibreOffice" in done.stderr and "export the deck as PDF" in done.stderr
    assert "Traceback" not in done.stderr


def test_inspect_reads_a_presentation(tmp_path):
    import json
    import subprocess
    import sys

    pptx = tmp_path / "deck.pptx"
    make_pptx(pptx, [("The Problem", "Clinics lose one appointment in five"),
                     ("Our Team", "Ada Lovelace, CEO")])
    done = subprocess.run([sys.executable, "-m", "deckgen", "inspect", str(pptx), "--json",
                           "--upscale", "none"], capture_output=True, text=True, check=True)
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    assert [(r["page"], r["ocr"]["title"]) for r in rows] == [(1, "The Problem"), (2, "Our Team")]


def test_set_section_edits_deck_toml_as_text_and_keeps_its_comments(tmp_path):
    toml = tmp_path / "deck.toml"
    toml.write_text('company = "Acme"  # as on the cover\n[sections]\n"3" = "market" # checked\n'
                    '\n[extra]\nnote = "kept"\n')
    set_section(tmp_path, 4, "team")
    set_section(tmp_path, 3, "traction")
    assert toml.read_text() == ('company = "Acme"  # as on the cover\n[sections]\n'
                                '3 = "traction"  # checked\n4 = "team"\n\n[extra]\n'
                                'note = "kept"\n')
    set_section(tmp_path, 4, None)
    assert '4 = "team"' not in toml.read_text()
    (tmp_path / "plain").mkdir()
    (tmp_path / "plain/deck.toml").write_text('company = "Plain"\n')
    set_section(tmp_path / "plain", 2, None)  # nothing set by hand: the file stays as it is
    assert (tmp_path / "plain/deck.toml").read_text() == 'company = "Plain"\n'
    (tmp_path / "fresh").mkdir()
    set_section(tmp_path / "fresh", 2, "problem")  # no deck.toml yet
    assert (tmp_path / "fresh/deck.toml").read_text() == '[sections]\n2 = "problem"\n'


@pytest.mark.parametrize(("text", "section"), [
    ('sections = {3 = "market"}\n', "team"), ('sections = {4 = "market"}\n', None),
    ("company = [broken\n", "team"), ('sections = "market"\n', "team")])
def test_set_section_leaves_a_file_it_cannot_edit_as_it_was(tmp_path, text, section):
    toml = tmp_path / "deck.toml"
    toml.write_text(text)
    with pytest.raises(BadInputError, match="by hand|fix it first"):
        set_section(tmp_path, 4, section)
    assert toml.read_text() == text


def test_set_section_finds_a_page_however_it_is_written_and_keeps_crlf(tmp_path):
    toml = tmp_path / "deck.toml"
    toml.write_bytes(b'company = "Acme"\r\n[sections]\r\n\t003 = "market" # by Jo\r\n'
                     b'# more later\r\n')
    set_section(tmp_path, 3, "competition")  # replaces "003", keeps indent, comment, CRLF
    assert toml.read_bytes() == (b'company = "Acme"\r\n[sections]\r\n'
                                 b'\t3 = "competition"  # by Jo\r\n# more later\r\n')
    set_section(tmp_path, 5, "team")  # a new entry goes after the last entry, not a comment
    assert b'# by Jo\r\n5 = "team"\r\n# more later' in toml.read_bytes()
    set_section(tmp_path, 3, None)
    set_section(tmp_path, 5, None)
    assert tomllib.loads(toml.read_text())["sections"] == {}
    # the same page twice: the build says which one it keeps
    (tmp_path / "acme").mkdir()
    (tmp_path / "acme/deck.toml").write_text('[sections]\n3 = "market"\n003 = "team"\n')
    (tmp_path / "acme/1.jpg").write_bytes(jpeg())
    corpus = scan(tmp_path)
    assert [p.reason for p in corpus.problems if p.path == "acme/deck.toml"][0] == (
        "sections: page 3 is labelled twice; 003 = 'team' wins")


def test_add_each_imports_every_pdf_as_its_own_deck_and_reports_the_bad_ones(tmp_path):
    import subprocess
    import sys

    folder = tmp_path / "downloads"
    folder.mkdir()
    make_pdf(folder / "Acme Seed Deck.pdf", pages=2)
    make_pdf(folder / "zeta.pdf", pages=3)
    (folder / "broken.pdf").write_bytes(b"%PDF-1.4 not really")
    (folder / "notes.txt").write_text("not a deck")  # not a deck: left alone
    add = [sys.executable, "-m", "deckgen", "add", "--corpus", str(tmp_path / "corpus")]
    done = subprocess.run([*add, str(folder), "--each", "--year", "2019"],
                          capture_output=True, text=True)
    assert done.returncode == 3, done.stderr
    assert "broken.pdf: not a readable PDF" in done.stderr
    corpus = scan(tmp_path / "corpus")
    assert {slug: len([s for s in corpus.slides if s.deck == slug]) for slug in corpus.decks} == {
        "acme-seed-deck": 2, "zeta": 3}
    assert corpus.decks["acme-seed-deck"].company == "Acme Seed Deck"
    assert {d.year for d in corpus.decks.values()} == {2019}
    assert done.stdout.split() == [str(tmp_path / "corpus" / s) for s in ("acme-seed-deck", "zeta")]
    named = subprocess.run([*add, str(folder), "--each", "--company", "Acme"],
                           capture_output=True, text=True)
    assert named.returncode == 2 and "--each names every deck after its file" in named.stderr
    (tmp_path / "a.jpg").write_bytes(jpeg())
    images = subprocess.run([*add, str(tmp_path / "a.jpg"), "--each"], capture_output=True,
                            text=True)
    assert images.returncode == 3 and "a folder of slide images is one deck" in images.stderr
    # again, once the broken file is gone: what is imported already is left alone
    (folder / "broken.pdf").unlink()
    again = subprocess.run([*add, str(folder), "--each"], capture_output=True, text=True)
    assert again.returncode == 0 and again.stdout == "", again.stderr
    assert "zeta.pdf: already in the corpus as" in again.stderr
    assert "deckgen build" not in again.stderr  # nothing new to build
    (tmp_path / "corpus" / "zeta").rename(tmp_path / "corpus" / "zeta-labs")  # renamed
    renamed = subprocess.run([*add, str(folder), "--each"], capture_output=True, text=True)
    assert renamed.returncode == 0 and renamed.stdout == "", renamed.stderr
    assert "zeta-labs (the same slides); remove that deck first" in renamed.stderr
    assert sorted(scan(tmp_path / "corpus").decks) == ["acme-seed-deck", "zeta-labs"]
    # without --each, several PDFs are not silently merged into one deck, and a broken one
    # is named; the corpus comes from deckgen.toml when --corpus is not given
    (tmp_path / "deckgen.toml").write_text('[build]\ncorpus = "from-config"\n')
    (folder / "broken.pdf").write_bytes(b"%PDF-1.4 not really")
    plain = [sys.executable, "-m", "deckgen", "add"]
    for args, said in [((folder / "zeta.pdf", folder / "Acme Seed Deck.pdf"), "use --each"),
                       ((folder,), "use --each"),
                       ((folder / "broken.pdf",), f"{folder / 'broken.pdf'}: not a readable PDF")]:
        wrong = subprocess.run([*plain, *map(str, args)], capture_output=True, text=True,
                               cwd=tmp_path)
        assert wrong.returncode == 3 and said in wrong.stderr, (args, wrong.stderr)
    one = subprocess.run([*plain, str(folder / "zeta.pdf")], capture_output=True, text=True,
                         cwd=tmp_path)
    assert one.returncode == 0 and (tmp_path / "from-config" / "zeta" / "003.png").exists()


def test_a_freak_pdf_page_size_renders_within_the_pixel_budget(tmp_path):
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument.new()
    pdf.new_page(240, 14400)  # a few hundred bytes; 1920 px wide it would be 221 Mpx
    pdf.save(tmp_path / "strip.pdf")
    pdf.close()
    with Image.open(io.BytesIO(render_pdf_page(tmp_path / "strip.pdf", 1))) as image:
        width, height = image.size
    assert width * height <= PDF_RENDER_MAX_PIXELS and height / width == pytest.approx(60, 0.02)
    assert height <= PDF_RENDER_MAX_SIDE  # Tesseract reads at most 32,767 px a side



@pytest.mark.parametrize("limit", ["PDF_RENDER_MAX_PIXELS", "PDF_RENDER_MAX_SIDE"])
def test_a_pdf_pages_identity_changes_with_the_render_limits(tmp_path, monkeypatch, limit):
    """The limits change the rendered page, so a slide made under others is stale."""
    from deckgen import corpus_pdf

    (tmp_path / "zeta").mkdir()
    make_pdf(tmp_path / "zeta" / "deck.pdf")
    before = [s.sha256 for s in scan(tmp_path).slides]
    monkeypatch.setattr(corpus_pdf, limit, getattr(corpus_pdf, limit) // 2)
    after = [s.sha256 for s in scan(tmp_path).slides]
    assert len(set(before + after)) == 4  # two pages, each under two limits
    assert after == [corpus_pdf.source_identity(tmp_path, s.source)
                     for s in scan(tmp_path).slides]


def test_a_pdf_pages_identity_names_the_pdfium_build(monkeypatch):
    import pypdfium2 as pdfium

    from deckgen import corpus_pdf

    here = corpus_pdf.pdf_page_identity("ab" * 32, 1)
    assert corpus_pdf.pdfium_version() == pdfium.PDFIUM_INFO.version
    monkeypatch.setattr(corpus_pdf, "pdfium_version", lambda: "1.0.0.0@elsewhere")
    assert corpus_pdf.pdf_page_identity("ab" * 32, 1) != here

def test_deck_toml_values_that_would_mislead_or_bloat_the_site_are_reported(tmp_path):
    deck = tmp_path / "acme"
    deck.mkdir()
    (deck / "001.jpg").write_bytes(jpeg())
    big = "A" * 600
    (deck / "deck.toml").write_bytes(  # with the byte-order mark Windows Notepad writes
        f'\ufeffcompany = "{big}"\nstage = true\namount_raised = inf\nyear = 2020\n'
        'title = "Seed \u202edeck"\n'.encode())
    corpus = scan(tmp_path)
    meta = corpus.decks["acme"]
    assert meta.company == "A" * 500 and meta.year == 2020
    assert meta.stage == "" and meta.amount_raised == "" and meta.title == "Seed deck"
    assert sorted(p.reason for p in corpus.problems) == [
        "amount_raised must be text, got inf; left empty",
        "company is 600 characters; only the first 500 are kept",
        "stage must be text, got True; left empty",
        "title: invisible control characters removed",
    ]


def test_deck_toml_line_breaks_c1_controls_blanks_and_deep_nesting_are_reported(tmp_path):
    for slug, toml in (
        ("nel", 'company = "Next\\u0085Line Co"\nindustry = "Fin\\u2028tech"\n'
                'license = "CC-BY-4.0\\u009b"\ntitle = "   "\n'),
        # 1 KB that overflows Python's TOML parser: it once stopped every build
        ("deep", 'company = "Deep"\nnotes = ' + "[" * 500 + "]" * 500 + "\n"),
    ):
        (tmp_path / slug).mkdir()
        (tmp_path / slug / "001.jpg").write_bytes(jpeg())
        (tmp_path / slug / "deck.toml").write_text(toml)
    corpus = scan(tmp_path)
    nel = corpus.decks["nel"]
    # str.splitlines breaks at U+0085 and U+2028 (the dataset's JSONL was read as cut in
    # two); a C1 control is not allowed in YAML (the dataset card)
    assert (nel.company, nel.industry, nel.license, nel.title) == (
        "Next Line Co", "Fin tech", "CC-BY-4.0", "")
    assert sorted(p.reason for p in corpus.problems if p.path.startswith("nel")) == [
        "company: line breaks and tabs read as spaces",
        "industry: line breaks and tabs read as spaces",
        "license: invisible control characters removed", "title is blank; left as if not given"]
    deep = [p.reason for p in corpus.problems if p.path.startswith("deep")]
    assert deep == ["malformed TOML (nested too deeply); metadata ignored"], deep
    assert [s.id for s in corpus.slides if s.deck == "deep"] == ["deep/001"]  # still built


def test_deck_toml_text_typed_decomposed_is_read_composed(tmp_path):
    nfd = {"company": "Gru\u0308nwerk", "title": "Cafe\u0301 deck", "industry": "E\u0301nergie",
           "license": "CC-BY-4.0", "source_url": "https://example.com/gru\u0308n"}
    for slug, fields in (("nfd", nfd), ("nfc", {"industry": "\u00c9nergie"})):
        (tmp_path / slug).mkdir()
        (tmp_path / slug / "001.jpg").write_bytes(jpeg())
        (tmp_path / slug / "deck.toml").write_text(
            "".join(f'{key} = "{value}"\n' for key, value in fields.items()), encoding="utf-8")
    corpus = scan(tmp_path)
    meta = corpus.decks["nfd"]
    assert (meta.company, meta.title, meta.source_url) == (
        "Gr\u00fcnwerk", "Caf\u00e9 deck", "https://example.com/gr\u00fcn")
    # one filter, not two that look alike
    assert corpus.decks["nfd"].industry == corpus.decks["nfc"].industry == "\u00c9nergie"
    assert corpus.problems == []  # nothing lost: not worth a line


def test_a_source_url_that_is_no_web_address_is_reported_and_dropped(tmp_path):
    urls = {"js": "javascript:alert(1)", "data": "data:text/html,<b>x</b>",
            "bare": "www.acme.com/deck.pdf", "spaced": "https://exa mple.com/x javascript:x",
            "ok": "https://example.com/deck.pdf"}
    for slug, url in urls.items():
        (tmp_path / slug).mkdir()
        (tmp_path / slug / "001.jpg").write_bytes(jpeg())
        (tmp_path / slug / "deck.toml").write_text(
            f'company = "Acme"\nsource_url = "{url}"\nlicense = "CC0-1.0"\n', encoding="utf-8")
    corpus = scan(tmp_path)
    said = {p.path: p.reason for p in corpus.problems}
    assert said.keys() == {"js/deck.toml", "data/deck.toml", "bare/deck.toml",
                           "spaced/deck.toml"}
    assert "one web address, without spaces" in said["spaced/deck.toml"]  # QA-70
    assert said["js/deck.toml"] == ("source_url must be a web address starting with https:// "
                                    "or http://, got 'javascript:alert(1)'; left empty")
    assert "(write https://www.acme.com/deck.pdf)" in said["bare/deck.toml"]
    assert [corpus.decks[s].source_url for s in urls] == ["", "", "", "", urls["ok"]]
    # the rest of the deck.toml is read: only the bad field is dropped
    assert corpus.decks["js"].license == "CC0-1.0" and "js" not in corpus.unread_meta


def test_stages_and_industries_spelled_two_ways_are_one_filter(tmp_path):
    for slug, stage, industry in (("a", "Seed", "Fintech"), ("b", "Seed", "fintech"),
                                  ("c", "seed", "FinTech"), ("d", "series-a", "health")):
        (tmp_path / slug).mkdir()
        (tmp_path / slug / "001.jpg").write_bytes(jpeg())
        (tmp_path / slug / "deck.toml").write_text(f'stage = "{stage}"\nindustry = "{industry}"\n')
    decks = scan(tmp_path).decks
    assert [decks[s].stage for s in "abcd"] == ["Seed", "Seed", "Seed", "series-a"]
    # three spellings once each: the first in sorted order, the same on every build
    assert [decks[s].industry for s in "abcd"] == ["FinTech", "FinTech", "FinTech", "health"]


def test_stages_and_industries_in_other_scripts_stay_apart(tmp_path):
    values = {"a": ("Финтех", "Посевная"), "b": ("Медицина", "Серия А"), "c": ("医疗", "种子轮"),
              "d": ("ФИНТЕХ", "Série A"), "e": ("Santé", "Serie A")}
    for slug, (industry, stage) in values.items():
        (tmp_path / slug).mkdir()
        (tmp_path / slug / "001.jpg").write_bytes(jpeg())
        (tmp_path / slug / "deck.toml").write_text(
            f'stage = "{stage}"\nindustry = "{industry}"\n', encoding="utf-8")
    decks = scan(tmp_path).decks
    # only a difference of case joins two values; other words and accents stay apart (of
    # two spellings once each, the one not in capitals)
    assert [decks[s].industry for s in "abcde"] == ["Финтех", "Медицина", "医疗", "Финтех",
                                                     "Santé"]
    assert [decks[s].stage for s in "abcde"] == ["Посевная", "Серия А", "种子轮", "Série A",
                                                  "Serie A"]


def test_add_refuses_a_deck_already_imported_under_another_name_and_a_fake_image(tmp_path):
    from deckgen.corpus_edit import AlreadyImported

    pdf = tmp_path / "in.pdf"
    make_pdf(pdf, pages=2)
    corpus_root = tmp_path / "corpus"
    first = add_deck(corpus_root, [pdf], meta={"company": "Zeta Labs"})
    first.rename(corpus_root / "zeta")  # the curator renamed its folder
    with pytest.raises(AlreadyImported, match=r"in.pdf: already in the corpus as .*zeta \("):
        add_deck(corpus_root, [pdf])
    assert sorted(p.name for p in corpus_root.iterdir()) == ["zeta"]  # nothing half-added
    fake = tmp_path / "slide.jpg"
    fake.write_text("not a picture")
    with pytest.raises(BadInputError, match=r"slide.jpg: not an image"):
        add_deck(corpus_root, [fake], slug="fake")
    pdf_named_jpg = tmp_path / "deck.jpg"
    pdf_named_jpg.write_bytes(pdf.read_bytes())
    with pytest.raises(BadInputError, match=r"not an image \(a PDF; import the .pdf"):
        add_deck(corpus_root, [pdf_named_jpg], slug="fake")
    assert sorted(p.name for p in corpus_root.iterdir()) == ["zeta"]


def test_file_names_with_other_digits_and_ties_sort_the_same_on_every_disk(tmp_path):
    deck = tmp_path / "acme"
    deck.mkdir()
    names = ["slide_1²2.jpg", "slide_2.jpg", "a.jpg", "A.JPG", "1.jpg", "01.jpg", "١٠.jpg"]
    for name in names:
        (deck / name).write_bytes(jpeg())
    corpus = scan(tmp_path)  # "²" is a digit to str.isdigit, but no number to int()
    assert [s.source.removeprefix("acme/") for s in corpus.slides] == [
        "01.jpg", "1.jpg", "١٠.jpg", "A.JPG", "a.jpg", "slide_1²2.jpg", "slide_2.jpg"]
    from deckgen.corpus import natural_key

    assert sorted(["b10", "b9", "B9"], key=natural_key) == ["B9", "b9", "b10"]



@pytest.mark.parametrize("names", [
    ["slide.png", "slide (1).png", "slide (2).png", "slide (10).png"],  # a browser's downloads
    ["Slide1.jpg", "Slide 2.jpg", "Slide3.jpg"],  # a space before a number parts nothing
    ["slide_1.jpg", "slide-2.jpg", "slide 3.jpg", "slide4.jpg"],
    ["IMG_0001.jpg", "IMG_0001(1).jpg", "IMG_0002.jpg"],
    ["deck.pdf", "deck2.pdf"],
    ["v1.jpg", "v1-2.jpg", "v1-10.jpg", "v12.jpg"],  # two numbers stay two
    ["cover.jpg", "Cover.png", "cover.png", "cover1.jpg"],  # the extension only breaks ties
])
def test_file_names_sort_by_their_name_before_their_extension(names):
    from deckgen.corpus import natural_key

    for shuffled in (sorted(names), sorted(names, reverse=True)):
        assert sorted(shuffled, key=natural_key) == names


def test_a_browsers_downloads_are_slides_with_the_first_download_first(tmp_path):
    deck = tmp_path / "acme"
    deck.mkdir()
    names = ["slide.png", "slide (1).png", "slide (2).png", "slide (10).png"]
    for n, name in enumerate(names):  # told apart by their bytes
        Image.new("RGB", (48, 27), (60 * n, 30, 30)).save(deck / name)
    assert [s.source for s in scan(tmp_path).slides] == [f"acme/{n}" for n in names]
    for given in ([deck], [deck / n for n in reversed(names)]):  # a folder, or files
        added = add_deck(tmp_path / f"corpus{len(given)}", given, slug="acme")
        assert [(added / f"{n:03d}.png").read_bytes() for n in range(1, 5)] == [
            (deck / name).read_bytes() for name in names]
    pdfs = tmp_path / "pdf-corpus" / "pdfs"
    pdfs.mkdir(parents=True)
    make_pdf(pdfs / "deck.pdf", pages=1)
    make_pdf(pdfs / "deck2.pdf", pages=2)
    assert [s.source for s in scan(pdfs.parent).slides] == [
        "pdfs/deck.pdf#p1", "pdfs/deck2.pdf#p1", "pdfs/deck2.pdf#p2"]


def test_files_an_operating_system_leaves_in_a_deck_folder_are_skipped_unsaid(tmp_path):
    deck = tmp_path / "src" / "acme"
    deck.mkdir(parents=True)
    (deck / "deck.toml").write_text('company = "Acme"\n')
    (deck / "001.jpg").write_bytes(jpeg())
    for name in ("Thumbs.db", "THUMBS.DB", "desktop.ini", "Desktop.ini", "ehthumbs.db",
                 ".DS_Store", "._001.jpg"):
        (deck / name).write_bytes(b"\x00\x05\x16\x07 not a slide")
    corpus = scan(deck.parent)
    assert [s.source for s in corpus.slides] == ["acme/001.jpg"]
    assert corpus.problems == []  # so `build --strict` does not fail on them
    skipped = []
    add_deck(tmp_path / "corpus", [deck], slug="copy", skipped=skipped)
    assert [Path(p.path).name for p in skipped] == ["deck.toml"]  # `add` lists no junk either
    (deck / "notes.db").write_bytes(b"")  # any other file is still said
    assert [p.path for p in scan(deck.parent).problems] == ["acme/notes.db"]


def zero_page_pdf() -> bytes:
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [] /Count 0 >>"]
    out, offsets = io.BytesIO(), []
    out.write(b"%PDF-1.4\n")
    for number, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    xref = out.tell()
    out.write(b"xref\n0 3\n0000000000 65535 f \n")
    out.write(b"".join(b"%010d 00000 n \n" % o for o in offsets))
    out.write(b"trailer\n<< /Size 3 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % xref)
    return out.getvalue()


def test_unreadable_pdfs_say_why_each_and_the_deck_is_not_called_empty(tmp_path):
    good = tmp_path / "good.pdf"
    make_pdf(good, pages=3)
    # a truncated PDF first: PDFium keeps its error code for the next failure that sets none
    for slug, data in (("a-truncated", good.read_bytes()[:300]), ("b-empty", zero_page_pdf()),
                       ("c-text", b"hello"), ("d-blank", b""),
                       ("e-html", b"<!DOCTYPE html>\n<html><body>Sign in</body></html>")):
        (tmp_path / slug).mkdir()
        (tmp_path / slug / "deck.pdf").write_bytes(data)
        (tmp_path / slug / "deck.toml").write_text('company = "X"\n')
    good.unlink()
    said = {p.path: p.reason for p in scan(tmp_path).problems}
    assert said["a-truncated/deck.pdf"].startswith("not a readable PDF (truncated")
    assert said["b-empty/deck.pdf"] == "not a readable PDF (it has no pages)"
    assert said["c-text/deck.pdf"].startswith("not a readable PDF (it does not start with %PDF-")
    # an empty file and a web page saved as .pdf say so, as they do for images (QA-42)
    assert said["d-blank/deck.pdf"].startswith("not a readable PDF (the file is empty)")
    assert said["e-html/deck.pdf"] == "not a PDF (HTML page? save the PDF itself, not the web page)"
    assert not any("PDFium" in reason for reason in said.values())
    for slug in ("a-truncated", "b-empty", "c-text", "e-html"):
        assert said[slug] == "none of its slide files could be read; deck skipped"
    with pytest.raises(BadInputError, match=r"zero.pdf: not a readable PDF \(it has no pages\)"):
        (tmp_path / "zero.pdf").write_bytes(zero_page_pdf())
        add_deck(tmp_path / "corpus", [tmp_path / "zero.pdf"])


def test_presentations_and_a_second_pdf_in_a_deck_folder_are_explained(tmp_path):
    deck = tmp_path / "acme"
    deck.mkdir()
    make_pdf(deck / "deck.pdf", pages=2)
    make_pdf(deck / "deck (1).pdf", pages=2)
    (deck / "deck.pptx").write_bytes(b"PK\x03\x04")
    (deck / "deck.toml").write_text('company = "Acme"\n')
    corpus = scan(tmp_path)
    said = {p.path: p.reason for p in corpus.problems}
    assert "import it with `deckgen add FILE`" in said["acme/deck.pptx"]
    assert said["acme"].startswith("2 PDFs, their pages joined in file-name order as one deck "
                                   "(deck.pdf, deck (1).pdf); remove any that is a copy")
    assert len(corpus.slides) == 4


def test_a_new_deck_whose_deck_toml_cannot_be_read_is_left_out_not_published_bare(tmp_path):
    from deckgen.corpus import skip_unread_decks

    for slug, toml in (("broken", 'company = "Acme\nlicense = "CC-BY-4.0"\n'),
                       ("listed", 'company = "Beta"\nlicense = ["CC-BY-4.0", "MIT"]\n'),
                       ("kept", 'company = "Gamma\n'), ("fine", 'company = "Delta"\n')):
        (tmp_path / slug).mkdir()
        (tmp_path / slug / "001.jpg").write_bytes(jpeg())
        (tmp_path / slug / "deck.toml").write_text(toml)
    corpus = scan(tmp_path)
    assert corpus.unread_meta == {"broken", "listed", "kept"}
    said = {p.path: p.reason for p in corpus.problems}
    assert said["listed/deck.toml"].startswith(
        "license must be text like \"CC-BY-4.0\", got ['CC-BY-4.0', 'MIT']; metadata ignored")
    # "kept" was in the last build: the build gives it that build's metadata
    assert skip_unread_decks(corpus, keep={"kept", "gone"}) == ["broken", "listed"]
    assert sorted(corpus.decks) == ["fine", "kept"]
    assert {s.deck for s in corpus.slides} == {"fine", "kept"}
    said = {p.path: p.reason for p in corpus.problems}
    assert said["broken/deck.toml"].startswith("malformed TOML")
    assert said["broken/deck.toml"].endswith("; deck left out until it is fixed (never "
                                             "published without its licence)")
    assert said["kept/deck.toml"].endswith("metadata ignored")  # for the build to say more
    assert skip_unread_decks(corpus, keep={"kept"}) == []


def test_printable_keeps_the_marks_and_joiners_of_rtl_and_indic_text():
    # Tesseract puts RLM marks in Arabic and Hebrew; Persian and Hindi words hold ZWNJ/ZWJ
    arabic = "\u200fشركة الدفع السريع\u200f 2024"
    persian, hindi = "می\u200cخواهم", "क्\u200dष"
    for text in (arabic, persian, hindi, "\u200eAcme\u061c", "שלום\u200f"):
        assert printable(text) == text


def test_printable_still_escapes_controls_and_bidi_overrides():
    # an override or isolate reorders the rest of a terminal line (spoofing); ESC starts
    # a terminal escape sequence; C1 controls act as ones too
    assert printable("evil\u202etxt.exe") == "evil\\u202etxt.exe"
    assert printable("a\u2066b\u2069c\u202ad\u202c") == "a\\u2066b\\u2069c\\u202ad\\u202c"
    assert printable("\x1b[31mred\x1b[0m") == "\\x1b[31mred\\x1b[0m"
    assert printable("line\nbreak\x9b") == "line\\nbreak\\x9b"


def _facet_decks(root: Path, values: dict[str, tuple[str, str]]) -> dict:
    """Scan a corpus of one-slide decks, each with its (stage, industry)."""
    for slug, (stage, industry) in values.items():
        (root / slug).mkdir(parents=True)
        (root / slug / "001.jpg").write_bytes(jpeg())
        (root / slug / "deck.toml").write_text(
            f'stage = "{stage}"\nindustry = "{industry}"\n', encoding="utf-8")
    return scan(root).decks


@pytest.mark.parametrize(("stage", "industry"), [
    ("SERIES__A", "\uff28\uff32\uff0d\uff34\uff25\uff23\uff28"),  # ＨＲ－ＴＥＣＨ, fullwidth
    ("SERIES__A", "HR (TECH)"),
    ("SERIES A", "HR TECH"),
    ("series--a", "hr  tech"),
])
@pytest.mark.parametrize("attacker", ["aaa-deck", "zzz-deck"])  # before and after in order
def test_one_decks_odd_spelling_never_rewrites_another_decks_stage_and_industry(
        tmp_path, stage, industry, attacker):
    decks = _facet_decks(tmp_path, {"brindlestack": ("Series A", "HR tech"),
                                    attacker: (stage, industry)})
    # one filter still, spelled the plain way on both decks
    assert [(d.stage, d.industry) for d in decks.values()] == [("Series A", "HR tech")] * 2


def test_a_fullwidth_spelling_never_wins_and_more_decks_win_over_plainness(tmp_path):
    fullwidth = "\uff28\uff32\uff0d\uff34\uff25\uff23\uff28"  # ＨＲ－ＴＥＣＨ
    decks = _facet_decks(tmp_path, {
        "a": ("SERIES__A", fullwidth), "b": ("SERIES__A", fullwidth), "c": ("SERIES__A", "x"),
        "d": ("Series A", "HR tech"), "e": ("AI", "ai"), "f": ("ai", "AI")})
    # a compatibility form is never how a value is meant, however many decks use it
    assert {decks[s].industry for s in "abd"} == {"HR tech"}
    # three decks that write "SERIES__A" against one: the corpus's own way of writing it
    assert {decks[s].stage for s in "abcd"} == {"SERIES__A"}
    # an acronym is not shouting: of equals, the existing order ("AI" sorts first)
    assert {decks[s].stage for s in "ef"} == {decks[s].industry for s in "ef"} == {"AI"}
