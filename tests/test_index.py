"""deckgen.index: Whoosh build + search, the static export, and Python/JS agreement."""

from __future__ import annotations

import json
import random
import re
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from whoosh.lang.porter import stem

from deckgen import index as ix
from deckgen import text
from deckgen.errors import ConfigError
from deckgen.files import sha256_bytes
from deckgen.records import DeckMeta, OcrResult, SectionResult, Slide

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))  # mark_ranges.py
CASES = json.loads((ROOT / "tests" / "tokenize_cases.json").read_text(encoding="utf-8"))

WORDS = ("market size fintech payments revenue growth customers platform team engineers "
         "product launch traction users monthly recurring retention churn funding round seed "
         "series investors competition incumbents pricing subscription enterprise margin "
         "financial forecast problem solution insurance logistics healthcare patients data "
         "analytics cloud security mobile app marketplace sellers buyers small businesses "
         "distribution partners channel sales pipeline hiring vision mission roadmap").split()
SECTIONS = ("cover", "problem", "solution", "market", "team", "traction", "funding")


def make_slide(deck: str, page: int, text: str, title: str = "", label: str = "problem",
               sureness: float | None = None) -> Slide:
    """A slide whose label has no scores (unsure) unless ``sureness`` gives its own score."""
    scores = {} if sureness is None else {label: sureness}
    return Slide(id=f"{deck}/{page:03d}", deck=deck, page=page, source=f"{deck}/{page:03d}.jpg",
                 sha256="0" * 64, ocr=OcrResult(text=text, title=title, mean_confidence=90.0),
                 section=SectionResult(label=label, scores=scores))


def synthetic_corpus(decks: int = 12, pages: int = 10, seed: int = 7,
                     sureness: float | None = None):
    rng = random.Random(seed)
    metas, slides = {}, []
    for d in range(decks):
        slug = f"deck-{d:02d}"
        metas[slug] = DeckMeta(slug=slug, company=f"{rng.choice(WORDS).title()} Labs {d}",
                               year=2015 + d % 6, stage=rng.choice(["Seed", "Series A"]),
                               industry=rng.choice(["Fintech", "Health", "Logistics"]))
        for p in range(1, pages + 1):
            words = [rng.choice(WORDS) for _ in range(rng.randint(8, 40))]
            title = " ".join(rng.sample(WORDS, 2)).title()
            slides.append(make_slide(slug, p, " ".join(words), title, rng.choice(SECTIONS),
                                     sureness))
    return slides, metas


def urls_for(slides):
    return {s.id: {"page": f"slide/{s.id}.html", "thumb": f"img/{s.id}.jpg"} for s in slides}


@pytest.fixture(scope="module")
def corpus():
    return synthetic_corpus()


@pytest.fixture(scope="module")
def built(tmp_path_factory, corpus):
    slides, metas = corpus
    base = tmp_path_factory.mktemp("index")
    ix.build_index(slides, metas, base / "whoosh")
    stats = ix.export_client_index(slides, metas, base / "site", urls_for(slides))
    return base, stats


# --- tokenization ------------------------------------------------------------------------

def test_golden_texts_tokenize_like_the_table():
    assert CASES["texts"]  # a loop over no case would pass
    for case in CASES["texts"]:
        assert ix.tokenize(case["text"]) == case["tokens"], case["text"]


def test_golden_facet_keys_match_the_table():
    from deckgen.text import facet_key
    assert {v: facet_key(v) for v in CASES["facet_keys"]} == CASES["facet_keys"]


def test_golden_term_order_is_pythons():  # search.js compareCodePoints is held to the same list
    assert sorted(CASES["term_order"]) == CASES["term_order"]
    assert any(ord(c) > 0xFFFF for term in CASES["term_order"] for c in term)


def test_golden_folds_match_the_table():
    assert {c: ix.fold(c.lower()) for c in CASES["folds"]} == CASES["folds"]
    assert len(CASES["folds"]) > 500


def test_golden_queries_parse_like_the_table():  # search.js parseQuery is held to the same table
    parsed = {case["query"]: [[kind, list(terms)] + ([list(at)] if kind == "phrase" else [])
                              for kind, terms, at in ix.parse_query(case["query"])]
              for case in CASES["queries"]}
    assert parsed == {case["query"]: case["clauses"] for case in CASES["queries"]}


def test_the_ascii_fast_path_cuts_and_folds_as_the_full_one(monkeypatch):
    """text.search_pieces and fold skip NFKC, the script fold and the pairs for ASCII:
    the result is the same as without the shortcut, on any ASCII text."""
    rng = random.Random(11)
    alphabet = "abcXYZ019._-'$ \t.."
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 24)))
             for _ in range(3000)] + ["", ".", "..a..", "a.b", "e.g.", "3.5x", "A_b"]
    fast = [(ix.tokenize(t), text.search_pieces(t), text.fold(t.lower())) for t in texts]
    monkeypatch.setattr(ix, "search_runs", text._search_runs_any)  # the long way
    monkeypatch.setattr(ix, "fold", text._fold_any)
    slow = [(ix.tokenize(t), text._search_pieces_any(t), text._fold_any(t.lower()))
            for t in texts]
    assert fast == slow
    assert sum(len(tokens) for tokens, _, _ in fast) > 3000


def test_the_mark_ranges_are_this_pythons_unicode():
    """text._MARK_RANGES is a literal (scanning the code points cost 25 ms an import):
    regenerated here, so a Python with newer Unicode data is noticed."""
    from mark_ranges import mark_ranges  # tools/mark_ranges.py rewrites the literal

    assert text._MARKS_UNICODE == unicodedata.unidata_version, "run tools/mark_ranges.py"
    assert list(text._MARK_RANGES) == mark_ranges(), "run tools/mark_ranges.py"
    marks = re.compile(f"[{text.MARKS}]")
    assert marks.fullmatch("\u0301") and marks.fullmatch("\u0e48") and marks.fullmatch("\U000e0100")
    assert not marks.fullmatch("a") and not marks.fullmatch("-")



def test_the_digit_zeros_are_this_pythons_unicode_in_python_and_search_js():
    """text._DIGIT_ZEROS and search.js DIGIT_ZEROS are one table tools/mark_ranges.py
    writes into both: regenerated here, so the two sides read the same digits as 0-9."""
    import mark_ranges as tool  # tools/mark_ranges.py writes the table into both files

    assert list(text._DIGIT_ZEROS) == tool.digit_zeros(), "run tools/mark_ranges.py"
    in_text = tool.block_in(Path(text.__file__).read_text(encoding="utf-8"),
                            tool.DIGITS_BEGIN, tool.DIGITS_END)
    in_js = tool.block_in(tool.SEARCH_JS.read_text(encoding="utf-8"),
                          tool.JS_DIGITS_BEGIN, tool.JS_DIGITS_END)
    assert in_text == tool.render_digits(), "run tools/mark_ranges.py"
    assert in_js == tool.render_js_digits(), "run tools/mark_ranges.py"
    digits = [chr(c) for c in range(sys.maxunicode + 1) if unicodedata.category(chr(c)) == "Nd"]
    read = {d: text._search_pieces_any(d) for d in digits}
    assert {d: p[0][0] for d, p in read.items()} == {d: str(unicodedata.decimal(d)) for d in digits}
    assert {"\u0966", "\u09e6", "\u0e50", "\u0660", "\u06f0"} <= set(map(chr, text._DIGIT_ZEROS))


def test_every_letter_with_a_nukta_is_searched_as_the_letter_without_it():
    """NFKC splits most letters with a nukta (U+0958-095F are composition exclusions), not
    ऩ ऱ ऴ: search drops the nukta of both kinds, and only search (a slug keeps it)."""
    nuktas = "\u093c\u09bc\u0a3c\u0abc\u0b3c"
    with_nukta = [chr(c) for c in range(0x0900, 0x0b80)
                  if any(n in unicodedata.normalize("NFD", chr(c)) for n in nuktas)
                  and unicodedata.normalize("NFD", chr(c)) not in nuktas]
    assert len(with_nukta) == 22  # ऩ ऱ ऴ and the 19 NFC splits
    searched = {c: "".join(t for t, _, _ in text._search_pieces_any(c)) for c in with_nukta}
    bare = {c: unicodedata.normalize("NFC", "".join(x for x in unicodedata.normalize("NFD", c)
                                                     if x not in nuktas)) for c in with_nukta}
    assert searched == bare
    assert ix.tokenize("बाज़ार") == ix.tokenize("बाजार") == ["बाजार"]
    assert text.fold("बाज़ार २०२५") == "बाज़ार २०२५"  # safe_slug folds: its slugs stay


def test_python_and_search_js_read_every_digit_and_nukta_the_same():
    """search_pieces and search.js searchFold on every decimal digit Python knows (node's
    Unicode knows more: the shared table keeps it to Python's) and every letter with a nukta."""
    nuktas = [chr(c) for c in range(0x0900, 0x0b80)
              if set(unicodedata.normalize("NFD", chr(c))) & set("\u093c\u09bc\u0a3c\u0abc\u0b3c")]
    digits = [chr(c) for c in range(0x80, sys.maxunicode + 1)
              if unicodedata.category(chr(c)) == "Nd"]
    words = [*digits, *nuktas, "बाज़ार२०२५", "\U0001fbf9"]
    script = ("import { searchFold } from '" + (ROOT / "site_templates/static/search.js").as_uri()
              + "'; const words = JSON.parse(process.argv[1]);"
              " process.stdout.write(JSON.stringify(words.map(searchFold)));")
    node = shutil.which("node")
    assert node, "node (v20+) is needed to check search.js"
    run = subprocess.run([node, "--input-type=module", "-e", script, json.dumps(words)],
                         check=True, capture_output=True, text=True, timeout=120)
    in_python = ["".join(t for t, _, _ in text._search_pieces_any(w)) for w in words]
    assert json.loads(run.stdout) == in_python
    assert in_python[-2:] == ["बाजार2025", "9"]


def test_hindi_digits_and_letters_without_their_nukta_are_found_on_both_sides(tmp_path):
    slides = [make_slide("hi", 1, "बाज़ार का आकार २०२५ में", "ज़मीन"),
              make_slide("hi", 2, "बाजार 2024", "जमीन"),
              make_slide("th", 1, "ปี ๒๕๖๗ ตลาด", "ตลาด"),
              make_slide("bn", 1, "বাজার ১৪৩০", "বাজার")]
    queries = ["2025", "२०२५", "बाजार", "बाज़ार", "जमीन", "2567", "๒๕๖๗", "1430", "२०२४"]
    in_python, in_js = found_on_both_sides(tmp_path, slides, queries)
    assert in_python == in_js == [["hi/001"], ["hi/001"], ["hi/001", "hi/002"],
                                  ["hi/001", "hi/002"], ["hi/001", "hi/002"], ["th/001"],
                                  ["th/001"], ["bn/001"], ["hi/002"]]


def found_on_both_sides(tmp_path: Path, slides: list[Slide], queries: list[str], *,
                        ranked: bool = False) -> tuple[list[list[str]], list[list[str]]]:
    """Each query's slide ids from Python's search and from search.js's engine over the
    same slides: in rank order if ``ranked``, else sorted."""
    ix.build_index(slides, {}, tmp_path / "whoosh")
    ix.export_client_index(slides, {}, tmp_path / "site", urls_for(slides))
    order = list if ranked else sorted
    in_python = [order(h["id"] for h in ix.search(tmp_path / "whoosh", q)) for q in queries]
    in_js = [order(r["ids"]) for r in run_node_engine(tmp_path / "site" / "search",
                                                      [{"q": q} for q in queries], tmp_path)]
    return in_python, in_js

def test_a_search_without_accents_finds_the_accented_words_and_back(tmp_path):
    slides = [make_slide("fr", 1, "Une équipe de huit personnes", "L'équipe", label="team"),
              make_slide("de", 1, "Die Marktgröße in Europa", "Marktgröße", label="market"),
              make_slide("es", 1, "Buscamos financiación semilla", "Financiación")]
    queries = ["equipe", "ÉQUIPE", "marktgrosse", "marktgröße", "financiacion", "financiación",
               unicodedata.normalize("NFD", "équipe")]  # pasted with the accent apart
    in_python, in_js = found_on_both_sides(tmp_path, slides, queries, ranked=True)
    assert in_python == in_js == [["fr/001"], ["fr/001"], ["de/001"], ["de/001"], ["es/001"],
                                  ["es/001"], ["fr/001"]]


def test_chinese_japanese_and_korean_are_found_by_their_words_on_both_sides(tmp_path):
    filler = "。" + "会議の資料" * 40  # long enough that the excerpt is a window
    slides = [make_slide("ja", 1, "請求書の処理に毎月40時間かかる" + filler, "課題"),
              make_slide("zh", 1, "中国的云会计市场规模达到300亿元", "市场规模", label="market"),
              make_slide("ko", 1, "국내 회계 소프트웨어 시장은 3조 원 규모", "시장 규모",
                         label="market"),
              make_slide("en", 1, "Invoices take 40 hours a month", "Problem"),
              make_slide("jp", 2, "人手不足をAIで解決、2030年までに", "ﾌｨﾝﾃｯｸ")]
    # "請書" is two of its letters, not a word it says; 規模 is Japanese, the Chinese is 规模
    queries = ["請求書", "請書", '"請求書の処理"', "市场", "规模", "規模", "시장", "AI技術",
               "invoices 請求", "ＡＩ", "２０３０", "フィンテック", '"人手 不足"', "人手 不足"]
    in_python, in_js = found_on_both_sides(tmp_path, slides, queries, ranked=True)
    # full-width and half-width forms are the letters they stand for (NFKC), and a quoted
    # phrase's space between Japanese words is not in the text
    assert in_python == in_js == [["ja/001"], [], ["ja/001"], ["zh/001"], ["zh/001"], [],
                                  ["ko/001"], [], [], ["jp/002"], ["jp/002"], ["jp/002"],
                                  ["jp/002"], ["jp/002"]]
    excerpt = ix.search(tmp_path / "whoosh", "請求書")[0]["excerpt"]
    assert excerpt.startswith("請求書の処理に毎月40時間かかる")


def test_a_chinese_or_japanese_word_is_found_whole_not_as_pairs_anywhere(tmp_path):
    slides = [make_slide("kyoto", 1, "京都と東京の市場", "市場"),  # Kyoto and Tokyo
              make_slide("tokyo", 1, "東京都の市場", "市場")]  # the Tokyo Metropolis
    queries = ["東京都", "東京 京都", "市場"]
    in_python, in_js = found_on_both_sides(tmp_path, slides, queries)
    assert in_python == in_js == [["tokyo/001"], ["kyoto/001", "tokyo/001"],
                                  ["kyoto/001", "tokyo/001"]]


def test_arabic_and_hebrew_words_are_found_with_their_article_on_both_sides(tmp_path):
    slides = [make_slide("ar", 1, "حجم السوق والشركات الناشئة", "السوق"),  # the market
              make_slide("ar", 2, "شركة واحدة", "الفريق"),  # one company
              make_slide("he", 1, "הפתרון שלנו לעסקים", "הפתרון"),  # the solution
              make_slide("he", 2, "גודל השוק", "שוק"),  # the market's size
              make_slide("ar", 3, "لا يوجد منافس في الولايات المتحدة", "المنافسة"),
              make_slide("ar", 4, "سوق التجارة الإلكترونية", "السوق")]  # e-commerce
    queries = ["سوق", "السوق", "شركات", "פתרון", "הפתרון", "ושוק", '"حجم سوق"', "ولاية",
               "إلكترونية", "الكترونية"]
    in_python, in_js = found_on_both_sides(tmp_path, slides, queries)
    # "ولاية" (state) is not "لا" (no): Lucene's light10 cut it to that (QA-41)
    assert in_python == in_js == [["ar/001", "ar/004"], ["ar/001", "ar/004"], ["ar/001"],
                                  ["he/001"], ["he/001"], ["he/002"], ["ar/001"], [],
                                  ["ar/004"], ["ar/004"]]


def test_golden_script_folds_match_the_table():  # search.js fold is held to the same table
    assert {w: ix.fold(w) for w in CASES["script_folds"]} == CASES["script_folds"]


def test_marks_and_joiners_are_inside_words_lrm_and_rlm_are_not():
    # Devanagari vowel signs and virama, Arabic harakat, Hebrew niqqud, Thai tone marks
    # (the nukta is a mark, kept in the word, then dropped by search: "बाजार" finds it)
    assert ix.tokenize("बाज़ार किसान समाधान धन्यवाद") == ["बाजार", "किसान", "समाधान", "धन्यवाद"]
    assert ix.tokenize("السُّوق") == ix.tokenize("السوق") == ["سوق"]  # less its article
    assert ix.tokenize("שָׁלוֹם") == ["שלום"]
    assert ix.tokenize("อร่อย") == ["อร่", "ร่อ", "อย"]  # pairs of letters with their marks
    assert ix.tokenize("می\u200cخواهم") == ix.tokenize("میخواهم") == ["ميخواهم"]
    assert ix.tokenize("\u200fשלום\u200e\u200eעולם") == ["שלום", "עולם"]


def test_python_and_search_js_agree_on_every_word_character():
    """text.WORD_CHARS (Python's \\w and the M* categories of its Unicode) against
    search.js's WORD_CHARS (\\p{L}\\p{N}_\\p{M}), on every code point Python's Unicode
    assigns: node's Unicode is newer, and knows letters and marks Python does not yet."""
    import re
    import sys

    from deckgen.text import WORD_CHARS
    script = ("import { WORD_CHARS } from '" + (ROOT / "site_templates/static/search.js").as_uri()
              + "'; const re = new RegExp(`^[${WORD_CHARS}]$`, 'u'), out = [];"
              " for (let c = 0; c <= 0x10ffff; c++)"
              " if (re.test(String.fromCodePoint(c))) out.push(c);"
              " process.stdout.write(JSON.stringify(out));")
    node = shutil.which("node")
    assert node, "node (v20+) is needed to check search.js"
    run = subprocess.run([node, "--input-type=module", "-e", script], check=True,
                         capture_output=True, text=True, timeout=120)
    in_js = set(json.loads(run.stdout))
    word = re.compile(f"[{WORD_CHARS}]")
    assigned = [c for c in range(sys.maxunicode + 1) if unicodedata.category(chr(c)) != "Cn"]
    differ = [hex(c) for c in assigned if bool(word.fullmatch(chr(c))) != (c in in_js)]
    assert differ == []
    assert {0x093F, 0x064E, 0x05B8, 0x0E48, 0x200C, 0x200D} <= in_js
    assert not {0x200E, 0x200F} & in_js


def test_hindi_arabic_hebrew_and_persian_words_are_found_whole_on_both_sides(tmp_path):
    slides = [make_slide("hi", 1, "धन्यवाद! किसान बाज़ार का समाधान", "किसान"),
              make_slide("hi", 2, "कसन और धनी", "धनी"),
              make_slide("ar", 1, "السُّوق الإلكترونيّة في مـــدرسة أحمد: ٨٢٠٠ مستخدم", "السُّوق"),
              make_slide("ar", 2, "مدرسة على 8200 طالب", "مستشفى"),
              make_slide("he", 1, "\u200fהַשּׁוּק\u200e הַגָּדוֹל", "שָׁלוֹם"),
              make_slide("fa", 1, "می\u200cخواهم کتاب یک ۱۴۰۲", "بازار")]
    queries = ["धन्यवाद", "धन ", "किसान", "कसन", "सम ", "السوق", "الس ", "مدرسه", "احمد",
               "الإلكترونية", "8200", "٨٢٠٠", "۸۲۰۰", "השוק", "הַשּׁוּק", "שלום", "میخواهم",
               "ميخواهم", "كتاب", "1402"]
    in_python, in_js = found_on_both_sides(tmp_path, slides, queries)
    # marks are part of the word (धन्यवाद is no "धन"); Devanagari keeps them (किसान is no
    # कसन); Arabic and Hebrew fold theirs away, and their digits are 0-9
    assert in_python == in_js == [["hi/001"], [], ["hi/001"], ["hi/002"], [], ["ar/001"], [],
                                  ["ar/001", "ar/002"], ["ar/001"], ["ar/001"],
                                  ["ar/001", "ar/002"], ["ar/001", "ar/002"],
                                  ["ar/001", "ar/002"], ["he/001"], ["he/001"], ["he/001"],
                                  ["fa/001"], ["fa/001"], ["fa/001"], ["fa/001"]]


def test_a_thai_word_inside_a_run_is_found_whole_not_as_pairs_anywhere(tmp_path):
    slides = [make_slide("th", 1, "ตลาดอาหารออนไลน์ในประเทศไทย", "อร่อย"),
              make_slide("th", 2, "ไทยตลาด", "ตลาด"),
              make_slide("lo", 1, "ຕະຫຼາດອອນໄລນ໌", "ລາວ"),
              make_slide("km", 1, "ទីផ្សារអនឡាញ", "ខ្មែរ")]
    queries = ["ตลาด", "อาหาร", "ประเทศไทย", "ตลาดไทย", "ตลาด ไทย", "อร่อย", "ร่อ", "ຕະຫຼາດ",
               "ទីផ្សារ", '"ตลาด อาหาร"']  # quoted, a space is a space: Thai text has them
    in_python, in_js = found_on_both_sides(tmp_path, slides, queries)
    # "ตลาดไทย" is not on th/002 ("ไทยตลาด"): a run typed whole is its pairs side by side
    assert in_python == in_js == [["th/001", "th/002"], ["th/001"], ["th/001"], [],
                                  ["th/001", "th/002"], ["th/001"], ["th/001"], ["lo/001"],
                                  ["km/001"], []]
    assert ix.parse_query("ตลาด") == [("phrase", ("ตล", "ลา", "าด"), (0, 1, 2))]


def test_a_word_joined_by_a_dot_to_thai_or_japanese_is_found_as_the_slide_shows_it(tmp_path):
    # the dot stayed in the index's piece (".2567", ".com", "abc.") and the query cut it off
    slides = [make_slide("th", 1, "งบประมาณ พ.ศ.2567", "งบ"),
              make_slide("th", 2, "สั่งซื้อที่ ไทย.com", "ร้าน"),
              make_slide("th", 3, "บริษัท abc.ไทย", "บริษัท"),
              make_slide("jp", 1, "AI.東京 2030", "会社")]
    queries = ["พ.ศ.2567", "2567", "ไทย.com", "com", '"ไทย.com"', "abc.ไทย", "abc", "AI.東京",
               "東京", '"AI.東京"']
    in_python, in_js = found_on_both_sides(tmp_path, slides, queries)
    assert in_python == in_js == [["th/001"], ["th/001"], ["th/002"], ["th/002"], ["th/002"],
                                  ["th/003"], ["th/003"], ["jp/001"], ["jp/001"], ["jp/001"]]


def test_golden_stems_match_whoosh_porter():
    wrong = {w: stem(w) for w, s in CASES["stems"].items() if stem(w) != s}
    assert wrong == {}
    assert len(CASES["stems"]) > 1000
    # the index stems every word not Arabic or Hebrew with Porter, unchanged
    assert {w: ix.stem_word(w) for w in CASES["stems"]} == CASES["stems"]


def test_golden_script_stems_match_the_table():  # search.js stem is held to the same table
    stems = CASES["script_stems"]
    assert {w: ix.stem_word(ix.fold(w)) for w in stems} == stems
    assert {w: ix.tokenize(w) for w in stems} == {w: [s] for w, s in stems.items()}
    # the article comes off, alone or after "و" "ب" "ك" "ف", or as "لل"; nothing else
    assert stems["السوق"] == stems["والسوق"] == stems["بالسوق"] == stems["للسوق"] == "سوق"
    assert stems["وطن"] == "وطن" and stems["وسوق"] == "وسوق"
    assert stems["הפתרון"] == stems["פתרון"] and stems["והשוק"] == stems["השוק"] == "שוק"
    assert stems["ההכנסות"] == stems["הכנסות"]  # a word starting with ה, with its article
    # e-commerce's "electronic" with or without its article, typed with or without the hamza
    assert (stems["إلكترونية"] == stems["الإلكترونية"] == stems["الكترونية"]
            == stems["والإلكترونية"])
    assert stems["التزام"] == stems["الالتزام"]
    # common words stay apart (Lucene's light10 merged each pair: QA-41)
    for one, other in [("ولاية", "لا"), ("الآن", "أن"), ("وحدة", "حد"), ("لبنان", "لبن"),
                       ("الله", "له"), ("سرمایه", "سرما"), ("میزان", "میز")]:
        assert stems[one] != stems[other], (one, other)


def test_export_tokenizer_equals_whoosh_analyzer():
    assert CASES["texts"]  # a loop over no case would pass
    for case in CASES["texts"]:
        assert [t for _, t, _ in ix._surface_stems_at(case["text"])] == case["tokens"]


def test_parse_query_terms_phrases_and_duplicates():
    assert ix.parse_query('Market market "small businesses" the "pay"') == [
        ("term", ("market",), (0,)), ("phrase", ("small", "busi"), (0, 1)),
        ("term", ("pai",), (0,))]
    assert ix.parse_query('"unclosed phrase here') == [
        ("phrase", ("unclos", "phrase", "here"), (0, 1, 2))]
    assert ix.parse_query("the of and") == []


# --- Whoosh build and search ---------------------------------------------------------------

def test_search_ranks_title_matches_and_filters(tmp_path):
    decks = {"acme": DeckMeta(slug="acme", company="Acme Pay", year=2021, stage="Seed",
                              industry="Fintech")}
    slides = [
        make_slide("acme", 1, "We sell insurance to farmers", "Insurance", "solution"),
        make_slide("acme", 2, "Insurance claims take months", "The problem", "problem"),
        make_slide("acme", 3, "Our engineers", "Team", "team"),
        Slide(id="acme/004", deck="acme", page=4, source="x", sha256="0"),  # failed OCR
    ]
    ix.build_index(slides, decks, tmp_path / "ix")
    hits = ix.search(tmp_path / "ix", "insurance")
    assert [h["id"] for h in hits] == ["acme/001", "acme/002"]  # title is boosted
    assert hits[0]["company"] == "Acme Pay" and hits[0]["section"] == "solution"
    only = ix.search(tmp_path / "ix", "insurance", filters={"section": "problem"})
    assert [h["id"] for h in only] == ["acme/002"]
    listed = ix.search(tmp_path / "ix", "", filters={"company": "Acme Pay"}, limit=2)
    assert [h["id"] for h in listed] == ["acme/001", "acme/002"]
    assert [h["id"] for h in ix.search(tmp_path / "ix", '"claims take"')] == ["acme/002"]
    assert ix.search(tmp_path / "ix", '"take claims"') == []
    assert ix.search(tmp_path / "ix", "the") == []
    with pytest.raises(ConfigError):
        ix.search(tmp_path / "ix", "x", filters={"colour": "red"})


def test_a_sure_label_finds_its_slide_by_the_sections_name(tmp_path):
    founders = make_slide("a", 9, "Ana Ruiz CEO ex Stripe Ben Cho CTO", "The founders", "team",
                          sureness=0.9)
    guess = make_slide("b", 9, "Ana again", "People", "team", sureness=0.3)  # unsure
    agenda = make_slide("a", 2, "Problem Solution Team Market Ask", "Agenda", "other", 0.8)
    says = make_slide("b", 3, "our team of engineers", "Team", "team", sureness=0.95)
    ix.build_index([founders, guess, agenda, says], {}, tmp_path / "whoosh")
    ids = [h["id"] for h in ix.search(tmp_path / "whoosh", "team")]
    # the slide that says it and is labelled it, then the founders slide that never says
    # "team"; an unsure label is not searched by its name (it may be wrong)
    assert ids[:2] == ["b/003", "a/009"] and "b/009" not in ids and "a/002" in ids
    # "our" asks for nothing: "our team" is "team"
    assert [h["id"] for h in ix.search(tmp_path / "whoosh", "our team")] == ids
    # search.js ranks the section's name alike
    slides, metas = synthetic_corpus(decks=6, pages=8, seed=5, sureness=0.9)
    ix.build_index(slides, metas, tmp_path / "sure")
    ix.export_client_index(slides, metas, tmp_path / "site", urls_for(slides))
    queries = [{"q": "team"}, {"q": "our market"}, {"q": "funding pipeline"}]
    for query, js in zip(queries, run_node_engine(tmp_path / "site" / "search", queries,
                                                  tmp_path), strict=True):
        assert_same_ranking(ix.search(tmp_path / "sure", query["q"], limit=10), js)
        assert js["ids"], query


def test_search_excerpt_shows_the_matched_words(tmp_path):
    filler = " ".join(f"filler{i}" for i in range(80))
    decks = {"d": DeckMeta(slug="d")}
    slides = [make_slide("d", 1, f"{filler} The lowest price is obtained\nby recycling {filler}"),
              make_slide("d", 2, "Pricing\nfrom $9 a month", "Pricing")]
    ix.build_index(slides, decks, tmp_path / "ix")
    hits = {h["id"]: h for h in ix.search(tmp_path / "ix", "price")}
    deep, short = hits["d/001"], hits["d/002"]
    assert "The lowest price is obtained by recycling" in deep["excerpt"]
    assert deep["excerpt"].startswith("… ") and deep["excerpt"].endswith(" …")
    assert len(deep["excerpt"]) < 250
    assert short["excerpt"] == "Pricing from $9 a month"  # the whole text, from its start
    listed = ix.search(tmp_path / "ix", "", filters={"deck": "d"})
    assert listed[0]["excerpt"].startswith("filler0 filler1")  # no words: the text's start


def test_rebuild_swaps_the_index_and_leaves_no_temp_dirs(tmp_path):
    decks = {"d": DeckMeta(slug="d")}
    ix.build_index([make_slide("d", 1, "alpha")], decks, tmp_path / "ix")
    ix.build_index([make_slide("d", 1, "bravo")], decks, tmp_path / "ix")
    assert ix.search(tmp_path / "ix", "alpha") == []
    assert [h["id"] for h in ix.search(tmp_path / "ix", "bravo")] == ["d/001"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ix"]


def test_same_slides_give_a_byte_identical_index(tmp_path, corpus):
    slides, metas = corpus
    state = random.getstate()
    trees = []
    for name in ("a", "b"):
        ix.build_index(slides, metas, tmp_path / name)
        trees.append({p.name: p.read_bytes() for p in sorted((tmp_path / name).iterdir())})
    assert trees[0] == trees[1] and len(trees[0]) > 3
    assert random.getstate() == state  # the global random state is left as it was


def test_search_without_index_says_what_to_do(tmp_path):
    with pytest.raises(ix.IndexMissingError, match="deckgen build"):
        ix.search(tmp_path / "nothing", "x")


# --- static export -------------------------------------------------------------------------

def test_vlq_encoding():
    assert ix.vlq([0, 1, 31, 32, 1000]) == "ABfgBof"
    assert ix.vlq([]) == ""


def test_search_js_cuts_words_as_this_index_version_does():
    # search.js refuses an entry.json from another builder (a page left open over a deploy)
    said = re.search(r'export const INDEX_VERSION = "([^"]+)"',
                     (ROOT / "site_templates/static/search.js").read_text(encoding="utf-8"))
    assert said and said[1] == ix.VERSION, "bump search.js INDEX_VERSION with index.VERSION"


def test_a_page_left_open_from_before_this_tokenizer_is_told_the_index_was_updated(built):
    # search.js of index 7 and before read any entry.json of format 1 and checked no builder:
    # open over a deploy, it would search this index with its own cuts (and find nothing)
    base, _ = built
    entry = json.loads((base / "site" / "search" / "entry.json").read_text())
    assert entry["version"] == ix.FORMAT_VERSION != 1
    said = re.search(r"export const FORMAT_VERSION = (\d+);",
                     (ROOT / "site_templates/static/search.js").read_text(encoding="utf-8"))
    assert said and int(said[1]) == ix.FORMAT_VERSION, "bump search.js FORMAT_VERSION too"


def test_an_index_another_deckgen_built_is_refused_not_searched(tmp_path):
    # another version cuts words otherwise: 東京都 found nothing, silently (QA-33)
    ix.build_index([make_slide("jp", 1, "東京都の会社")], {}, tmp_path / "whoosh")
    assert [h["id"] for h in ix.search(tmp_path / "whoosh", "東京都")] == ["jp/001"]
    version = tmp_path / "whoosh" / "deckgen-index-version.txt"
    for built, said in (("6", r"another deckgen version \(6; this one reads"),
                        (None, r"another deckgen version \(an older one")):
        if built:
            version.write_text(built)
        else:
            version.unlink()
        for call in (lambda: ix.search(tmp_path / "whoosh", "東京都"),
                     lambda: ix.unknown_filter(tmp_path / "whoosh", {"stage": "Seed"}),
                     lambda: ix.stage_named(tmp_path / "whoosh", "Seed")):
            with pytest.raises(ix.IndexMissingError, match=said + r".*run `deckgen build`"):
                call()


def test_export_names_files_by_content_hash(built):
    base, stats = built
    folder = base / "site" / "search"
    entry = json.loads((folder / "entry.json").read_text())
    assert entry["version"] == ix.FORMAT_VERSION
    meta = json.loads((folder / entry["meta"]).read_text())
    assert meta["docs"] == 120
    h = entry["hash"]
    records = [f"r.{meta['records']['hashes'][i:i + h]}.json"
               for i in range(0, len(meta["records"]["hashes"]), h)]
    named = (meta["terms"]["files"] + meta["terms"]["pos"] + meta["vocab"]["files"]
             + records + [meta["facets"], entry["meta"]])
    on_disk = {p.name for p in folder.iterdir()} - {"entry.json"}
    assert set(named) == on_disk
    for name in on_disk:
        assert name.split(".")[1] == sha256_bytes((folder / name).read_bytes())[:h]
    assert stats["files"] == len(on_disk) + 1
    assert stats["bytes"] == sum(p.stat().st_size for p in folder.iterdir())
    assert meta["terms"]["starts"] == sorted(meta["terms"]["starts"])


def test_export_is_deterministic_and_removes_stale_files(tmp_path, corpus):
    slides, metas = corpus
    ix.export_client_index(slides, metas, tmp_path, urls_for(slides))
    folder = tmp_path / "search"
    before = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in folder.iterdir()}
    ix.export_client_index(slides, metas, tmp_path, urls_for(slides))
    assert {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in folder.iterdir()} == before
    (folder / "t.0123456789ab.json").write_text("{}")
    (folder / "keep-me.txt").write_text("not ours")
    ix.export_client_index(slides[:5], metas, tmp_path, urls_for(slides))
    names = {p.name for p in folder.iterdir()}
    assert "t.0123456789ab.json" not in names and "keep-me.txt" in names
    entry = json.loads((folder / "entry.json").read_text())
    assert json.loads((folder / entry["meta"]).read_text())["docs"] == 5


def test_export_keeps_untrusted_text_as_data_and_drops_unsafe_urls(tmp_path):
    evil = '<img src=x onerror="alert(1)"> </script><script>alert(2)</script>'
    slides = [make_slide("x", 1, evil, evil)]
    urls = {"x/001": {"page": "javascript:alert(1)", "thumb": "//evil.example/a.jpg"}}
    ix.export_client_index(slides, {"x": DeckMeta(slug="x", company=evil)}, tmp_path, urls)
    folder = tmp_path / "search"
    entry = json.loads((folder / "entry.json").read_text())
    meta = json.loads((folder / entry["meta"]).read_text())
    chunk = json.loads((folder / f"r.{meta['records']['hashes']}.json").read_text())
    record = dict(zip(meta["records"]["fields"], chunk[0], strict=False))  # no languages
    assert record["text"] == evil and record["company"] == evil
    assert record["url"] == "" and record["thumb"] == ""


def test_a_record_names_its_title_and_texts_language_and_an_english_one_adds_nothing(tmp_path):
    def slide(deck: str, lang: str, text: str, title: str) -> Slide:
        s = make_slide(deck, 1, text, title)
        s.ocr.lang = lang
        return s

    slides = [slide("ar", "ara", "حجم السوق", "السوق"), slide("en", "eng", "Market size", "Market"),
              slide("ja", "eng+jpn", "市場規模", "市場"),
              slide("mixed", "jpn", "市場の成長", "Market growth"),  # an English title
              slide("zh", "chi_tra", "市場規模", "")]  # no title: the hit shows its id
    ix.export_client_index(slides, {}, tmp_path, urls_for(slides))
    ix.build_index(slides, {}, tmp_path / "whoosh")  # the records' languages are no field there
    assert sorted(h["id"] for h in ix.search(tmp_path / "whoosh", "市場")) == [
        "ja/001", "mixed/001", "zh/001"]
    folder = tmp_path / "search"
    entry = json.loads((folder / "entry.json").read_text())
    meta = json.loads((folder / entry["meta"]).read_text())
    fields = meta["records"]["fields"]
    chunk = json.loads((folder / f"r.{meta['records']['hashes']}.json").read_text())
    rows = {row[0]: row for row in chunk}
    langs = {i: dict(zip(fields, row, strict=False)) for i, row in rows.items()}
    assert {i: (r.get("title_lang"), r.get("text_lang")) for i, r in langs.items()} == {
        "ar/001": ("ar", "ar"), "en/001": (None, None), "ja/001": ("ja", "ja"),
        "mixed/001": (None, "ja"), "zh/001": (None, "zh-Hant")}
    # an English record is as long as before the languages: they are left off, not ""
    assert len(rows["en/001"]) == len(fields) - 2 and len(rows["zh/001"]) == len(fields) - 1


def test_the_index_names_fictional_decks_once_each(tmp_path):
    slides = [make_slide(deck, page, "Some text") for deck in ("a", "b", "c") for page in (1, 2)]

    def meta_for(fictional: set[str]) -> dict:
        metas = {d: DeckMeta(slug=d, fictional=d in fictional) for d in ("a", "b", "c")}
        ix.export_client_index(slides, metas, tmp_path, {})
        entry = json.loads((tmp_path / "search/entry.json").read_text())
        return json.loads((tmp_path / "search" / entry["meta"]).read_text())

    assert "fictional" not in meta_for(set())
    assert meta_for({"c", "a"})["fictional"] == ["a", "c"]
    assert meta_for({"a", "b", "c"})["fictional"] is True  # all of them: one flag, not a list


def test_facets_cover_every_doc(built):
    base, _ = built
    folder = base / "site" / "search"
    entry = json.loads((folder / "entry.json").read_text())
    meta = json.loads((folder / entry["meta"]).read_text())
    facets = json.loads((folder / meta["facets"]).read_text())
    assert set(facets) == set(ix.FACETS)
    assert "codes" in facets["section"] and "runs" in facets["company"]
    for facet in facets.values():
        if "runs" in facet:
            runs = _unvlq(facet["runs"])
            codes = [c for c, n in zip(runs[0::2], runs[1::2], strict=True) for _ in range(n)]
        else:
            codes = _unvlq(facet["codes"])
        assert len(codes) == meta["docs"]
        assert 0 < max(codes) <= len(facet["values"])
    assert facets["section"]["labels"][facets["section"]["values"].index("market")] == "Market"


def _unvlq(text: str) -> list[int]:
    out, n, shift = [], 0, 0
    for ch in text:
        v = ix._VLQ.index(ch)
        n += (v & 31) << shift
        if v & 32:
            shift += 5
        else:
            out.append(n)
            n, shift = 0, 0
    return out


# --- Python and the browser engine agree -----------------------------------------------------

AGREEMENT_QUERIES = [
    {"q": "market"}, {"q": "market size"}, {"q": "payments revenue growth"},
    {"q": "team engineers hiring"}, {"q": "Labs"}, {"q": "fintech"}, {"q": "churn retention"},
    {"q": '"small businesses"'}, {"q": '"recurring revenue" growth'},
    {"q": "customers", "filters": {"section": "problem"}},
    {"q": "data", "filters": {"industry": "Health", "stage": "Seed"}},
    {"q": "platform", "filters": {"year": "2017"}}, {"q": "the and of"},
    {"q": "pricing subscription enterprise margin"}, {"q": "vision mission roadmap"},
    {"q": "market", "filters": {"company": "No Such Company"}},
    {"q": "", "filters": {"year": "2016"}},
]


def run_node_engine(search_dir: Path, queries: list[dict], tmp_path: Path) -> list[dict]:
    node = shutil.which("node")
    assert node, "node (v20+) is needed to check search.js"
    qfile = tmp_path / "queries.json"
    qfile.write_text(json.dumps(queries))
    out = subprocess.run([node, str(ROOT / "tests/js/query_cli.mjs"), str(search_dir), str(qfile)],
                         check=True, capture_output=True, text=True, timeout=120)
    return json.loads(out.stdout)


def assert_same_ranking(py_hits: list[dict], js: dict) -> None:
    """Same ids in the same order; scores equal to float noise (ties may only swap if equal)."""
    rows = zip(js["ids"], js["scores"], js["tiers"], strict=True)
    js_exact = [(i, s) for i, s, tier in rows if tier == 0]
    assert len(js_exact) == len(py_hits), js["q"]
    for (jid, jscore), hit in zip(js_exact, py_hits, strict=False):
        assert jscore == pytest.approx(hit["score"], abs=2e-6), js["q"]
        if jid != hit["id"]:  # only a tie may be ordered differently
            twin = next(h for h in py_hits if h["id"] == jid)
            assert twin["score"] == pytest.approx(hit["score"], abs=2e-6), js["q"]


def test_python_search_and_search_js_agree_on_top_10(built, tmp_path):
    base, _ = built
    results = run_node_engine(base / "site" / "search", AGREEMENT_QUERIES, tmp_path)
    nonempty = 0
    for query, js in zip(AGREEMENT_QUERIES, results, strict=True):
        py = ix.search(base / "whoosh", query["q"], filters=query.get("filters"), limit=10)
        assert_same_ranking(py, js)
        nonempty += bool(py)
    assert nonempty >= 12


def test_a_number_with_thousands_commas_is_found_as_written_and_not_by_its_last_group(tmp_path):
    # "2,000" was the words "000" (the "2" too short): it found every number in thousands
    slides = [make_slide("a", 1, "2,000 schools use it", "Traction"),
              make_slide("b", 1, "raised $1,000,000 so far", "Funding"),
              make_slide("c", 1, "200 staff and 000 typos", "Team"),
              make_slide("d", 1, "売上1,200万円を達成", "実績")]
    metas = {s.deck: DeckMeta(slug=s.deck, company="Acme") for s in slides}
    ix.build_index(slides, metas, tmp_path / "whoosh")
    ix.export_client_index(slides, metas, tmp_path / "site", urls_for(slides))
    # the slide's own words pasted find it ("売上1" and "200万円" once, QA-58)
    queries = ["2,000", "2000", '"$1,000,000"', "1000000", "000", "200", "売上1,200万円", "1,200"]
    expected = [["a/001"], ["a/001"], ["b/001"], ["b/001"], ["c/001"], ["c/001"], ["d/001"],
                ["d/001"]]
    assert [[h["id"] for h in ix.search(tmp_path / "whoosh", q)] for q in queries] == expected
    js = run_node_engine(tmp_path / "site" / "search", [{"q": q} for q in queries], tmp_path)
    exact = [[i for i, tier in zip(r["ids"], r["tiers"], strict=True) if tier == 0] for r in js]
    assert exact == expected  # "200" also completes to "2000" as a prefix, a lower tier


AMOUNT_SLIDES = {"a": "Raised $4.2M seed round", "b": "$2M pre-seed; 226K users",
                 "c": "TAM $77B, SAM 10.5 million", "d": "R&D spend and P&L",
                 "e": "4.2 percent churn", "f": "Umsatz 4,2 Mio. €"}
AMOUNT_QUERIES = {  # QA-86: each way of writing an amount finds the others, exactly
    "4.2": ["a", "e", "f"], "$4.2M": ["a", "f"], "4.2m": ["a", "f"], "4.2 million": ["a", "f"],
    "$4.2 M": ["a", "f"], "4,200,000": ["a", "f"], '"$4.2M seed"': ["a"], '"4.2 seed"': ["a"],
    "2 million": ["b"], "$2 million": ["b"], "$2M seed": ["b"], "226,000": ["b"], "226K": ["b"],
    "77 billion": ["c"], "$77bn": ["c"], "$77B": ["c"], "10.5 million": ["c"], "$10.5M": ["c"],
    "million": ["c"], "R&D": ["d"], "r&d spend": ["d"], "R & D": ["d"], "P&L": ["d"],
    "4.2 percent": ["e"]}


def test_an_amount_is_found_however_it_is_written_and_r_and_d_is_one_word(tmp_path):
    # QA-86: "$4.2M" was one word "4.2m": "4.2", "4.2 million" and "$4.2 M" found no slide,
    # "2 million" no "$2M", "226,000" no "226K"; "R&D" and "P&L" were one-letter words only,
    # "Type at least two letters to search." (the site and `deckgen search` alike)
    slides = [make_slide(deck, 1, said, "Slide") for deck, said in AMOUNT_SLIDES.items()]
    metas = {s.deck: DeckMeta(slug=s.deck, company="Acme") for s in slides}
    ix.build_index(slides, metas, tmp_path / "build" / "whoosh")
    ix.export_client_index(slides, metas, tmp_path / "site", urls_for(slides))
    expected = {q: [f"{deck}/001" for deck in decks] for q, decks in AMOUNT_QUERIES.items()}
    python = {q: sorted(h["id"] for h in ix.search(tmp_path / "build" / "whoosh", q))
              for q in AMOUNT_QUERIES}
    assert python == expected
    js = run_node_engine(tmp_path / "site" / "search", [{"q": q} for q in AMOUNT_QUERIES], tmp_path)
    for query, result in zip(AMOUNT_QUERIES, js, strict=True):  # the same hits, the same scores
        assert_same_ranking(ix.search(tmp_path / "build" / "whoosh", query), result)
    for query, deck in (("$4.2 M", "a/001"), ("P&L", "d/001")):  # as QA typed them
        said = subprocess.run([sys.executable, "-m", "deckgen.cli", "search", query, "--json",
                               "--cache", str(tmp_path / "build")],
                              capture_output=True, text=True, check=True, timeout=120)
        assert deck in [json.loads(line)["id"] for line in said.stdout.splitlines()], said.stderr


def test_search_js_tolerates_typos_and_completes_prefixes(built, tmp_path):
    base, _ = built
    queries = [{"q": "finacial"}, {"q": "custmers"}, {"q": "marketpl"}, {"q": "pricng"},
               {"q": "zzqx"}]
    finacial, custmers, prefix, short_typo, nothing = run_node_engine(
        base / "site" / "search", queries, tmp_path)
    assert finacial["total"] > 0 and finacial["suggestion"] == "financial"
    assert custmers["total"] > 0 and set(custmers["tiers"]) == {1}
    expected = {h["id"] for h in ix.search(base / "whoosh", "marketplace", limit=200)}
    assert prefix["total"] == len(expected) and set(prefix["ids"]) <= expected
    assert short_typo["total"] > 0  # "pricng" (6 letters): one edit from "pricing"
    assert nothing["total"] == 0 and nothing["ids"] == []


def test_search_js_corrects_by_spelling_and_drops_words_no_slide_has(tmp_path):
    slides = [make_slide("a", 1, "every week our teams ship", "Team"),
              make_slide("b", 1, "the team knows financials well crn", "Team"),
              make_slide("c", 1, "every month", "Plan")]
    metas = {s.deck: DeckMeta(slug=s.deck, company="Acme") for s in slides}
    ix.export_client_index(slides, metas, tmp_path / "site", urls_for(slides))
    queries = [{"q": "experience"}, {"q": "team experience"}, {"q": "finacial"},
               {"q": "tean"}, {"q": "teams fintech"}, {"q": "fintech"}, {"q": "churn"},
               {"q": "ship finacial"}, {"q": "every financials"}, {"q": "zzyzx of ship"}]
    results = run_node_engine(tmp_path / "site" / "search", queries, tmp_path)
    (experience, team_experience, finacial, tean, teams_fintech, fintech, churn, ship,
     apart, stop_word) = results
    # "experience" stems to "experi", two edits from "every"'s "everi": not a typo of it
    assert experience["total"] == 0 and experience["suggestion"] is None
    assert team_experience["total"] == 0 and team_experience["suggestion"] == "team"
    assert team_experience["dropped"] == ["experience"]
    assert finacial["ids"] == ["b/001"] and finacial["suggestion"] == "financial"
    assert tean["total"] == 0 and tean["suggestion"] == "team" and tean["dropped"] == []
    assert teams_fintech["suggestion"] == "teams" and teams_fintech["dropped"] == ["fintech"]
    assert fintech["suggestion"] is None and fintech["dropped"] == []
    assert churn["suggestion"] is None  # two edits in five letters ("crn", OCR debris) is too far
    # "ship financials" finds nothing either, so the suggestion leaves the unknown word out
    assert ship["suggestion"] == "ship" and ship["dropped"] == ["finacial"]
    # both words are known but never together: one word fewer, the variant finding the most
    assert apart["total"] == 0 and apart["suggestion"] == "every" and apart["partial"] is True
    assert apart["dropped"] == [] and team_experience["partial"] is False
    assert stop_word["suggestion"] == "ship"  # not "of ship"


def test_search_js_offers_the_section_a_query_names(tmp_path):
    slides = [make_slide("a", 1, "how we sell to banks", "Sales", label="go-to-market"),
              make_slide("a", 2, "channel partners", "Partners", label="go-to-market"),
              make_slide("b", 1, "direct sales team", "Sales", label="go-to-market"),
              make_slide("b", 2, "go to market in one city", "Plan", label="milestones"),
              make_slide("c", 1, "our business grows", "Revenue", label="business-model"),
              make_slide("c", 2, "a model of care", "Care", label="business-model")]
    metas = {d: DeckMeta(slug=d, company=name) for d, name in (("a", "Acme"), ("b", "Bolt"),
                                                                ("c", "Cove"))}
    ix.export_client_index(slides, metas, tmp_path / "site", urls_for(slides))
    queries = [{"q": "go to market"}, {"q": "Go-to-market slides"},
               {"q": "go to market", "filters": {"company": "Acme"}},
               {"q": "go to market", "filters": {"section": "go-to-market"}},
               {"q": "sales"}, {"q": "market"}, {"q": "business model"},
               {"q": "our gtm"}, {"q": "sales strategy"}, {"q": "pricing"}]
    named, slides_word, in_acme, filtered, sales, market, model, gtm_said, strategy, pricing = (
        run_node_engine(tmp_path / "site" / "search", queries, tmp_path))
    gtm = {"value": "go-to-market", "label": "Go-to-market", "count": 3}
    assert named["ids"] == ["b/002"] and named["section"] == gtm  # the words find one slide
    assert slides_word["section"] == gtm
    assert in_acme["section"] == {**gtm, "count": 2}  # counted under the other filters
    assert filtered["section"] is None  # already browsing it
    assert sales["section"] is None  # not a section's name
    assert market["section"] is None  # no slide is labelled market
    # no slide says both words: the section is offered, not "business" or "model" alone
    assert model["total"] == 0 and model["section"]["count"] == 2
    assert model["suggestion"] is None
    # another name founders give the section offers it too
    assert gtm_said["section"] == gtm and strategy["section"] == gtm
    assert pricing["section"]["value"] == "business-model"


def test_python_and_search_js_know_the_same_other_names_of_each_section():
    """records.SECTION_ALIASES (what `deckgen label` and `search --section` take) and
    search.js SECTION_ALIASES (what the site offers a section for) are one list (QA-85)."""
    from deckgen.records import SECTION_ALIASES, SECTIONS

    source = (ROOT / "site_templates/static/search.js").read_text(encoding="utf-8")
    block = re.search(r"^const SECTION_ALIASES = (\{.*?^\});", source, re.M | re.S)
    assert block, "search.js SECTION_ALIASES not found"
    in_js = json.loads(re.sub(r",(\s*[}\]])", r"\1", block[1]))  # JS allows trailing commas
    assert in_js == {section: list(names) for section, names in SECTION_ALIASES.items()}
    names = [name for aliases in SECTION_ALIASES.values() for name in aliases]
    assert set(SECTION_ALIASES) <= set(SECTIONS)
    assert len(set(names)) == len(names) and not set(names) & set(SECTIONS)  # one section each


def test_python_and_search_js_name_the_same_funding_stage(tmp_path):
    slides = [make_slide("a", 1, "our series a round", "The raise", label="funding"),
              make_slide("b", 1, "a series b to grow", "The raise", label="funding"),
              make_slide("c", 1, "two founders", "Team", label="team"),
              make_slide("c", 2, "the seed", "Seed", label="funding")]
    metas = {"a": DeckMeta(slug="a", stage="Series A"), "b": DeckMeta(slug="b", stage="Série B"),
             "c": DeckMeta(slug="c", stage="Pre-seed round")}
    ix.export_client_index(slides, metas, tmp_path / "site", urls_for(slides))
    ix.build_index(slides, metas, tmp_path / "whoosh")
    queries = ["Series A", "series-a round", "SERIE B decks", "preseed", "pre-seed stage",
               "series a team", "series", "seed", "round", ""]
    said = run_node_engine(tmp_path / "site" / "search", [{"q": q} for q in queries], tmp_path)
    in_js = [r["stage"] and r["stage"]["value"] for r in said]
    in_python = [ix.stage_named(tmp_path / "whoosh", q) for q in queries]
    # accents folded, and the words around a stage's name left out of its value too
    assert in_python == in_js == ["Series A", "Series A", "Série B", "Pre-seed round",
                                  "Pre-seed round", None, None, None, None, None]
    assert said[0]["stage"]["count"] == 1 and said[0]["total"] == 2  # "series": A and B


def test_browsing_a_section_lists_its_sure_labels_first_in_python_and_search_js(tmp_path):
    slides = []
    for deck, top in (("a", 0.3), ("b", 0.9), ("c", 0.45), ("d", 0.8)):
        slide = make_slide(deck, 1, "founders engineers", "Team", label="team")
        slide.section.scores = {"team": top, "traction": (1 - top) / 3}
        slides.append(slide)
    metas = {s.deck: DeckMeta(slug=s.deck, company="Acme") for s in slides}
    ix.build_index(slides, metas, tmp_path / "whoosh")
    ix.export_client_index(slides, metas, tmp_path / "site", urls_for(slides))
    queries = [{"q": "", "filters": {"section": "team"}},
               {"q": "", "filters": {"company": "Acme"}}, {"q": "founders"}]
    by_section, by_company, words = run_node_engine(tmp_path / "site" / "search", queries, tmp_path)
    sure_first = ["b/001", "d/001", "a/001", "c/001"]
    assert by_section["ids"] == sure_first
    whoosh = tmp_path / "whoosh"
    py = ix.search(whoosh, "", filters={"section": "team"})
    assert [h["id"] for h in py] == sure_first
    assert [h["unsure"] for h in py] == [False, False, True, True]
    assert ix.search(whoosh, "", filters={"section": "team"}, limit=1)[0]["id"] == "b/001"
    in_order = ["a/001", "b/001", "c/001", "d/001"]  # other filters and words: unchanged
    assert by_company["ids"] == in_order
    assert [h["id"] for h in ix.search(whoosh, "", filters={"company": "Acme"})] == in_order
    assert words["ids"] == in_order


def test_empty_export_searches_to_nothing(tmp_path):
    stats = ix.export_client_index([], {}, tmp_path, {})
    assert stats["docs"] == 0
    (result,) = run_node_engine(tmp_path / "search", [{"q": "market"}], tmp_path)
    assert result["total"] == 0


def _filtering(decks: dict[str, DeckMeta], index_dir):
    """An index of one slide per deck, and a search of it by filters alone (the ids found)."""
    ix.build_index([make_slide(d, 1, "our market") for d in decks], decks, index_dir)
    return lambda **filters: [h["id"] for h in ix.search(index_dir, "", filters=filters)]


def test_filters_in_other_scripts_find_their_own_decks_only(tmp_path):
    decks = {"a": DeckMeta(slug="a", industry="Финтех", stage="Серия А"),
             "b": DeckMeta(slug="b", industry="Медицина", stage="Seed"),
             "c": DeckMeta(slug="c", industry="医疗", stage="Seed")}
    found = _filtering(decks, tmp_path / "ix")
    assert found(industry="финтех") == ["a/001"]  # its case as typed in a URL
    assert found(industry="Медицина") == ["b/001"]
    assert found(industry="医疗") == ["c/001"]
    assert found(stage="серия-а") == ["a/001"]
    assert found(industry="!!!") == []  # a value with no letters matches no value
    assert ix.unknown_filter(tmp_path / "ix", {"industry": "Финтех"}) is None
    assert "no slide has industry" in ix.unknown_filter(tmp_path / "ix", {"industry": "Право"})


def test_a_filter_typed_without_accents_finds_the_one_value_it_can_mean(tmp_path):
    decks = {"a": DeckMeta(slug="a", company="Éclat Santé", industry="Santé"),
             "b": DeckMeta(slug="b", company="Nandu", industry="Énergie"),
             "c": DeckMeta(slug="c", company="Zoe", industry="Energie")}
    found = _filtering(decks, tmp_path / "ix")
    # as text search folds accents, so do filters: "eclat sante" is typed on any keyboard
    assert found(company="eclat sante") == found(company="ECLAT-SANTÉ") == ["a/001"]
    assert ix.unknown_filter(tmp_path / "ix", {"company": "eclat sante"}) is None
    assert found(industry="sante") == ["a/001"]
    # an exact value wins; one that could be either of two is no guess
    assert found(industry="Energie") == ["c/001"] and found(industry="énergie") == ["b/001"]
    assert found(industry="ENERGIÈ") == []
    assert "no slide has industry" in ix.unknown_filter(tmp_path / "ix", {"industry": "energiè"})
    # Latin accents only, as text search folds them: й is a letter of its own, not и (QA-70)
    found = _filtering({"d": DeckMeta(slug="d", industry="Пейзаж")}, tmp_path / "ix2")
    assert found(industry="Пейзаж") == ["d/001"] and found(industry="Пеизаж") == []

def test_docs_are_numbered_in_page_order_past_999(tmp_path):
    decks = {"a": DeckMeta(slug="a")}
    pages = (1000, 101, 99, 1001)
    slides = [make_slide("a", p, f"word{p} common") for p in pages]
    ix.build_index(slides, decks, tmp_path / "ix")
    listed = ix.search(tmp_path / "ix", "", filters={"deck": "a"})
    assert [h["page"] for h in listed] == [99, 101, 1000, 1001]


def test_search_js_offers_the_section_for_founders_other_words(tmp_path):
    labels = ("funding", "traction", "competition", "conclusion", "team", "go-to-market")
    slides = [make_slide("a", k, "some words", "Slide", label=label)
              for k, label in enumerate(labels, 1)]
    ix.export_client_index(slides, {}, tmp_path / "site", urls_for(slides))
    words = ["raising", "MRR", "2x2", "thank you", "advisors", "sales channels", "TAM SAM SOM"]
    results = run_node_engine(tmp_path / "site" / "search", [{"q": q} for q in words], tmp_path)
    offered = {r["q"]: (r["section"] or {}).get("value") for r in results}
    assert offered == {"raising": "funding", "MRR": "traction", "2x2": "competition",
                       "thank you": "conclusion", "advisors": "team",
                       "sales channels": "go-to-market", "TAM SAM SOM": None}


def test_a_chinese_word_is_not_found_across_a_break_between_two_runs(tmp_path):
    # "東京都" is the pairs 東京 京都; "東京・京都" holds both as words side by side, and
    # their neighbouring positions made a phrase of them (QA-37). Quoted, "東京・京都" is
    # the two words in that order across the break: not 東京都, not 京都・東京 (QA-42)
    slides = [make_slide("jp", 1, "本社は東京都にあります", "会社"),
              make_slide("jp", 2, "拠点は東京・京都の二つ", "拠点"),
              make_slide("jp", 3, "東京 京都 大阪", "地図"),
              make_slide("jp", 4, "京都・東京の順", "順番"),
              make_slide("th", 1, "ราคา ถูก", "ขาย")]  # ราคาถูก's pairs: ... "าถ" is not there
    queries = ["東京都", '"東京・京都"', "東京", "京都", "ราคาถูก", '"ราคา ถูก"', "東京・京都",
               '"東京・京都・大阪"', '"京都・東京"']
    in_python, in_js = found_on_both_sides(tmp_path, slides, queries)
    every_jp = ["jp/001", "jp/002", "jp/003", "jp/004"]
    assert in_python == in_js == [["jp/001"], ["jp/002", "jp/003"], every_jp, every_jp, [],
                                  ["th/001"], every_jp, ["jp/003"], ["jp/004"]]
    assert ix.parse_query('"東京・京都"') == [("phrase", ("東京", "京都"), (0, 2))]
    words = ix._surface_stems_at("東京・京都 market")
    assert [pos for *_, pos in words] == [0, 2, 3]  # the export's positions: Whoosh's
