"""The one record that flows through the stages, and each stage's result.

A slide is identified by ``<deck-slug>/<page:03d>`` and by the SHA-256 of its
source bytes. Each stage reads the previous stage's result and adds its own;
nothing goes back. Every result is a plain dataclass that round-trips through
JSON (``to_dict`` / ``from_dict``), which is how the cache stores it.
"""

from __future__ import annotations

import dataclasses
import json
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

SECTIONS: tuple[str, ...] = (
    "cover",
    "problem",
    "solution",
    "product",
    "market",
    "competition",
    "go-to-market",
    "business-model",
    "traction",
    "team",
    "financials",
    "funding",
    "milestones",
    "vision",
    "conclusion",
    "other",
)

# under this score of its own a label is "unsure": on the real decks of eval-dev such labels
# were right 5 times in 12, the others 43 times in 54 (`deckgen eval`, docs/benchmarks.md)
UNSURE_BELOW = 0.5


def section_named(name: object) -> str | None:
    """The section a hand-written label means ("Business Model", "go_to_market" are
    business-model and go-to-market); None when it names none."""
    if not isinstance(name, str):
        return None
    key = re.sub(r"[\s_]+", "-", name.strip().lower())
    return key if key in SECTIONS else None


SECTION_TITLES: dict[str, str] = {
    "cover": "Cover",
    "problem": "Problem",
    "solution": "Solution",
    "product": "Product",
    "market": "Market",
    "competition": "Competition",
    "go-to-market": "Go-to-market",
    "business-model": "Business model",
    "traction": "Traction",
    "team": "Team",
    "financials": "Financials",
    "funding": "Funding",
    "milestones": "Milestones",
    "vision": "Vision",
    "conclusion": "Conclusion",
    "other": "Other",
}


class _Record:
    """JSON round-trip shared by every record (nested dataclasses included)."""

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)  # type: ignore[arg-type]

    @classmethod
    def from_dict(cls, data: dict[str, Any]):
        kwargs = {}
        for f in dataclasses.fields(cls):  # type: ignore[arg-type]
            if f.name not in data:
                continue
            value = data[f.name]
            sub = _NESTED.get((cls.__name__, f.name))
            if sub is not None and value is not None:
                value = (
                    [sub.from_dict(v) for v in value]
                    if isinstance(value, list)
                    else sub.from_dict(value)
                )
            kwargs[f.name] = value
        return cls(**kwargs)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True, ensure_ascii=False)


@dataclass
class DeckMeta(_Record):
    """What deck.toml says about a deck (all strings untrusted)."""

    slug: str
    company: str = ""
    title: str = ""
    year: int | None = None
    stage: str = ""
    industry: str = ""
    amount_raised: str = ""
    source_url: str = ""
    license: str = ""
    # labels set by hand in deck.toml's [sections] table: page number (as text, the way
    # TOML and JSON keys are) -> section; they override the classifier
    sections: dict[str, str] = field(default_factory=dict)
    # deck.toml `fictional = true`: a made-up deck (`deckgen sample` writes it), not a real one
    fictional: bool = False


@dataclass
class UpscaleResult(_Record):
    """How a slide was enlarged. The image itself is a PNG blob in the cache."""

    method: str  # "none", "bicubic", "lanczos", "model:x4", "pb:FSRCNN_x2", ...
    scale: float
    seconds: float
    width: int  # of the upscaled image
    height: int
    source_width: int
    source_height: int
    text_height: float | None = None  # estimated body x-height in source px, if measured
    # what the build report says of the source each build (a TIFF's other pages unused)
    notes: list[str] = field(default_factory=list)


@dataclass
class Word(_Record):
    text: str
    conf: float  # 0..100, Tesseract's confidence
    box: list[int]  # [x, y, w, h] in *source* slide pixels (not upscaled)
    line: int = 0  # index into OcrResult.lines


@dataclass
class OcrResult(_Record):
    text: str  # reading-order text, lines joined by "\n"
    title: str
    mean_confidence: float
    words: list[Word] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    seconds: float = 0.0
    lang: str = "eng"


@dataclass
class SectionResult(_Record):
    label: str
    scores: dict[str, float] = field(default_factory=dict)  # sums to ~1 over SECTIONS
    cues: list[str] = field(default_factory=list)  # human-readable reasons
    curated: bool = False  # set by hand in deck.toml, not predicted

    @property
    def sureness(self) -> float:
        """How sure the label shown is: its own score, not the top one (the joint decoding may
        choose a section that scored less than another). An ``other`` given for flat scores
        has the top score it distrusted (under ``min_confidence``: the least sure); a label
        set by hand is sure. The one order of ``review``, ``eval`` and the site."""
        if self.curated:
            return 1.0
        if self.label == "other" or self.label not in self.scores:
            return max(self.scores.values(), default=0.0)
        return self.scores[self.label]

    def ranked(self, top: int = 3) -> list[tuple[str, float]]:
        """The ``top`` best scores, best first (ties by name, so every page reads the same)."""
        return sorted(self.scores.items(), key=lambda kv: (-kv[1], kv[0]))[:top]

    @property
    def unsure(self) -> bool:
        """Marked "unsure" on the site and listed after the sure ones when browsing a section."""
        return self.sureness < UNSURE_BELOW


@dataclass
class Slide(_Record):
    """One slide as it moves through the pipeline."""

    id: str  # "<deck-slug>/<page:03d>"
    deck: str
    page: int  # 1-based
    source: str  # path relative to the corpus root (a PDF page: "deck.pdf#p3")
    sha256: str  # of the source bytes (a PDF page: corpus_pdf.pdf_page_identity, of the
    # PDF's hash, the page number and how pages are rendered)
    upscale: UpscaleResult | None = None
    ocr: OcrResult | None = None
    section: SectionResult | None = None
    # cache keys of each stage result, so later stages know when they are stale
    fingerprints: dict[str, str] = field(default_factory=dict)


_NESTED: dict[tuple[str, str], type] = {
    ("Slide", "upscale"): UpscaleResult,
    ("Slide", "ocr"): OcrResult,
    ("Slide", "section"): SectionResult,
    ("OcrResult", "words"): Word,
}


def slide_id(deck: str, page: int) -> str:
    return f"{deck}/{page:03d}"


# Latin letters with accents, and those NFD cannot split, fold to plain letters: in search
# on both sides ("equipe" finds "L'équipe", "strasse" "Straße"; search.js's fold is the
# same) and in slugs. Latin only: a mark is a letter of its own in other scripts (й is not и).
_LATIN_ACCENTED = re.compile("[\u00c0-\u024f\u1e00-\u1eff]")
_FOLD_LETTERS = {"ß": "ss", "ø": "o", "ł": "l", "đ": "d", "æ": "ae", "œ": "oe", "þ": "th",
                 "ð": "d", "ı": "i", "ŀ": "l", "ħ": "h", "ŧ": "t", "ƀ": "b", "ƶ": "z", "ŋ": "ng"}


def _fold_letter(match: re.Match) -> str:
    # the accents off, then the letter spelt out ("ǽ": "æ": "ae")
    bare = "".join(c for c in unicodedata.normalize("NFD", match[0])
                   if unicodedata.category(c) != "Mn")
    return _FOLD_LETTERS.get(bare, bare)


def _mark_ranges() -> str:
    """Every combining mark (Unicode M*) as a regex class body: Python's re has no \\p{M}.
    Marks sit in planes 0, 1 and 14 only, so the scan skips the rest (import stays fast)."""
    marks = [c for c in (*range(0x20000), *range(0xE0000, 0xE1000))
             if unicodedata.category(chr(c))[0] == "M"]
    ranges: list[list[int]] = []
    for c in marks:
        if ranges and ranges[-1][1] == c - 1:
            ranges[-1][1] = c
        else:
            ranges.append([c, c])
    return "".join(re.escape(chr(a)) + ("-" + re.escape(chr(b)) if b > a else "")
                   for a, b in ranges)


# A word's letters, digits and combining marks: Devanagari vowel signs and viramas, Thai
# vowels and tone marks, Arabic harakat and Hebrew niqqud are inside words, not between
# them; so are the joiners ZWNJ and ZWJ of Persian and Indic words (fold drops them). LRM
# and RLM are not. search.js's WORD is [\p{L}\p{N}_\p{M}\u200c\u200d]: the same over
# Unicode 14 (Python 3.11's unicodedata); a browser knows marks assigned since then too.
MARKS = _mark_ranges()
JOINERS = "\u200c\u200d"
WORD_CHARS = f"\\w{MARKS}{JOINERS}"  # a regex class body

# Arabic and Hebrew as typed on either side of a search: harakat, tatweel and niqqud go;
# alef with hamza or madda is alef, teh marbuta heh, alef maksura and Farsi yeh are yeh,
# keheh is kaf; the joiners go (a Persian word is found typed with or without its ZWNJ).
# Devanagari and Thai keep their marks: they are vowels there (किसान is not कसन).
# search.js's fold is the same. (Digits are search_pieces': slugs fold too, and a deck
# named "Acme ٢" keeps its slug.)
_SCRIPT_FOLD = str.maketrans({
    **dict.fromkeys([*map(chr, range(0x064B, 0x0660)), "\u0670", "\u0640"]),
    **dict.fromkeys([chr(c) for c in range(0x0591, 0x05C8)
                     if unicodedata.category(chr(c)) == "Mn"]),
    **dict.fromkeys(["\u200c", "\u200d"]),
    **dict.fromkeys("أإآٱ", "ا"), "ة": "ه", "ى": "ي", "ی": "ي", "ک": "ك",
})
# Arabic-Indic and Persian digits are 0-9 in search ("٨٢٠٠" finds "8200"), as NFKC makes
# "２" 2; one character for one, so offsets hold (search.js's searchPieces is the same)
_DIGITS = str.maketrans({chr(base + d): str(d) for base in (0x0660, 0x06F0) for d in range(10)})


def fold(word: str) -> str:
    """A lower-case word as search compares it: Latin accents folded away ("équipe":
    "equipe"), Arabic and Hebrew spelt one way (``_SCRIPT_FOLD``)."""
    return _LATIN_ACCENTED.sub(_fold_letter, word).translate(_SCRIPT_FOLD)


# Chinese and Japanese run their words together: OCR's words there join without spaces, and
# search indexes each pair of neighbouring characters (as Lucene's CJK analyzer does), so
# "請求書" finds a slide that says "請求書の処理". Korean spaces its words but its syllable
# blocks get the same pairs ("시장은" holds "시장"). search.js uses the same ranges.
_HAN_KANA = ("\u3005-\u3007\u3040-\u309f\u30a1-\u30fa\u30fc-\u30ff\u31f0-\u31ff"
             "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f\U00020000-\U0003ffff")
_HANGUL = "\u1100-\u11ff\u3131-\u318e\uac00-\ud7a3"
CJK_LETTERS = re.compile(f"[{_HAN_KANA}{_HANGUL}]+")
# Chinese and Japanese set no space between words, nor around their own punctuation
UNSPACED = re.compile(f"[{_HAN_KANA}\u3000-\u303f\uff01-\uff0f\uff1a-\uff20]")
HANGUL = re.compile(f"[{_HANGUL}]")
HAN_KANA = re.compile(f"[{_HAN_KANA}]")
# the spaces a quoted phrase has between Chinese or Japanese characters: OCR's text has none
PHRASE_GAP = re.compile(f"([{_HAN_KANA}])[ \u3000]+(?=[{_HAN_KANA}])")  # keep group 1


# Thai, Lao, Khmer and Myanmar write no spaces between words either: their runs are cut
# into pairs as Chinese is ("ตลาด" finds "ตลาดอาหารออนไลน์"). Search only: OCR's word
# joining keeps to UNSPACED.
_THAI_LAO_KHMER_MYANMAR = "\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff"
_PAIRED = f"{_HAN_KANA}{_HANGUL}{_THAI_LAO_KHMER_MYANMAR}"
# a run of letters that search cuts into pairs: marks and joiners after one of its letters
# stay in it (search.js's PAIRED_LETTERS is the same)
PAIRED_LETTERS = re.compile(f"[{_PAIRED}][{_PAIRED}{MARKS}{JOINERS}]*")
# A pair is of two characters each with the marks that follow it ("อร่อย" is "อร่",
# "ร่อ", "อย"), so no pair starts with a lone mark (a Thai tone mark, a vowel sign): a
# character starts a new one unless it is a mark or a joiner. No grapheme rules beyond
# that: search.js splits the same way with the same one regex.
_CLUSTER = re.compile(f".[{MARKS}{JOINERS}]*", re.DOTALL)


def search_pieces(token: str) -> list[tuple[str, int, int]]:
    """What one token of text is searched as, (text, start, end): its NFKC form (full-width
    "ＡＩ" is "AI", half-width "ﾌｨﾝﾃｯｸ" "フィンテック") with Arabic-Indic and Persian digits
    as 0-9, cut by ``cjk_pieces``. Offsets are in ``token``; where NFKC changed its length,
    every piece spans the whole token."""
    norm = unicodedata.normalize("NFKC", token).translate(_DIGITS)
    same = len(norm) == len(token)
    return [(norm[a:b], a if same else 0, b if same else len(token)) for a, b in cjk_pieces(norm)]


def cjk_pieces(word: str) -> list[tuple[int, int]]:
    """Where ``word`` (one token) splits for search: each pair of neighbouring characters
    (with their marks) in a run of ``PAIRED_LETTERS`` (a lone one on its own), and the runs
    of other letters whole: "AI技術者" is "AI", "技術", "術者"."""
    pieces, at = [], 0
    for run in PAIRED_LETTERS.finditer(word):
        if run.start() > at:
            pieces.append((at, run.start()))
        chars = [m.span() for m in _CLUSTER.finditer(word, run.start(), run.end())]
        pieces += [(a[0], b[1]) for a, b in zip(chars, chars[1:], strict=False)] or chars
        at = run.end()
    if at < len(word):
        pieces.append((at, len(word)))
    return pieces


def facet_key(value: str) -> str:
    """What a filter value means, whatever its case, width and spacing: "Series A" is
    "series-a", "ФИНТЕХ" is "финтех", "Straße" is "strasse". Letters, digits and marks of
    every script are kept (so "Финтех" and "医疗" stay two values); any other run is "-".

    search.js ``facetKey`` computes the same: NFKC, then upper and lower case (a case fold
    both languages share: "ß" is "ss"), final sigma as sigma; tests/tokenize_cases.json.
    """
    text = unicodedata.normalize("NFKC", value).upper().lower().replace("ς", "σ")
    kept = "".join(ch if unicodedata.category(ch)[0] in "LNM" else " " for ch in text)
    return "-".join(kept.split())
