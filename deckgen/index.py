"""Search index: Whoosh at build time, exported to static shards for search.js.

Python and the browser must agree on every result, so the two share one
definition of everything that decides a ranking:

* tokens: Whoosh's ``StemmingAnalyzer`` (regex ``W+(\\.?W+)*``, W a letter, digit, ``_``,
  combining mark or ZWNJ/ZWJ: ``text.WORD_CHARS``; each token in its NFKC form, Chinese,
  Japanese, Korean, Thai, Lao, Khmer and Myanmar runs cut into pairs of characters, the
  other runs between them without their end dots: "พ.ศ.2567" is "2567", as the query cuts
  it (``text.search_pieces``); lower case, Latin accents and Arabic/Hebrew spellings
  folded (``fold``), Whoosh's stop words and "our" + minimum length 2, an amount as its
  value ("$4.2M", "4.2 million": "4200000", with "4.2" beside it in the index:
  ``_AmountFilter``), then ``stem_word``: Porter from ``whoosh.lang.porter``, the article
  off Arabic and Hebrew words; "R&D" is one token); ``tests/tokenize_cases.json`` pins it
  for both sides;
* the query: free words and ``"quoted phrases"``, every clause required
  (AND), each clause matched in any of ``SEARCH_FIELDS`` (OR); a run of letters cut
  into pairs (``text.PAIRED_LETTERS``) is a phrase of its pairs, and a quoted phrase
  steps over the free position left between two Chinese or Japanese runs as the text
  does ("東京・京都": 東京, then 京都 two positions on);
* the score: Whoosh's BM25F (per field ``idf * tf(K1+1) / (tf + K1(1-B+B*dl/avgdl))``,
  with Whoosh's one-byte field lengths) times the field boost, summed;
* browsing a section (a section filter and no words): the sure labels in doc
  order, then the unsure ones (``SectionResult.unsure``), as the section pages do.

The export is shaped like Pagefind's: ``search/entry.json`` (tiny, not hashed)
names term shards split by term range, vocabulary files (prefix, typo and
"did you mean" expansion), position shards (phrases only), display-record
chunks and one facet file, all named by content hash.
"""

from __future__ import annotations

import json
import random
import re
import shutil
import tempfile
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index
from whoosh import query as Q
from whoosh.analysis import STOP_WORDS as WHOOSH_STOP_WORDS
from whoosh.analysis import Filter, LowercaseFilter, RegexTokenizer, StemFilter, StopFilter
from whoosh.fields import ID, NUMERIC, STORED, TEXT, Schema
from whoosh.highlight import ContextFragmenter, NullFormatter
from whoosh.lang.porter import stem
from whoosh.scoring import BM25F
from whoosh.util.numeric import length_to_byte

from .errors import ConfigError, DeckgenError
from .files import sha256_bytes, write_if_changed
from .records import SECTION_TITLES, DeckMeta, SectionResult, Slide
from .text import (
    AMOUNT_WORD,
    AMPERSAND_SPACES,
    AMPERSAND_WORD,
    DECIMAL_COMMA,
    DIGIT_GROUPS,
    PAIRED_LETTERS,
    PHRASE_GAP,
    THOUSANDS,
    UNSPACED_PAIR,
    WORD_CHARS,
    amount_forms,
    facet_key,
    fold,
    search_runs,
)

VERSION = "18"  # bump when the schema, tokenization or export format changes
# of search/entry.json and the files it names. Bump it too whenever tokenization changes in a
# way an old page would search wrongly: besides VERSION (search.js's INDEX_VERSION), which only
# pages of index 8 on check, a page left open from before checks this number only, and only a
# new one makes it say the index was updated (search.js's FORMAT_VERSION is held to it).
FORMAT_VERSION = 6

# Whoosh's stop words and "our": "our team", "our solution" ask for the section, and few
# slides that show one say "our" (search.js's STOP_WORDS is the same list)
STOP_WORDS = frozenset(WHOOSH_STOP_WORDS | {"our"})

class _FoldFilter(Filter):
    """``text.fold``: "equipe" finds "L'équipe" (search.js's fold is the same); "1,200"
    is "1200" (after _PiecesFilter, so a mark still spans the separators), "4,2m" "4.2m";
    "R & D" is "r&d"."""

    def __call__(self, tokens):
        for token in tokens:
            text = THOUSANDS.sub("", DECIMAL_COMMA.sub(".", fold(token.text)))
            token.text = AMPERSAND_SPACES.sub("&", text)
            yield token


class _PiecesFilter(Filter):
    """``text.search_runs``: each token in its NFKC form ("ＡＩ" is "AI"), a Chinese,
    Japanese, Korean or Thai run of it as pairs of characters (search.js's analyze does the
    same); a lone such character is dropped with the other one-letter words."""

    def __call__(self, tokens):
        shift = 0  # positions added so far: a phrase of pairs stays a phrase
        for token in tokens:
            pieces = search_runs(token.text)
            start = getattr(token, "startchar", 0)
            pos = token.pos + shift if token.positions else 0
            for i, (text, a, b, starts_run) in enumerate(pieces):
                token.text = text
                token.starts_run = starts_run
                if token.positions:
                    token.pos = pos + i
                if token.chars:
                    token.startchar, token.endchar = start + a, start + b
                yield token
            shift += len(pieces) - 1


class _RunBreakFilter(Filter):
    """A free position before a run of Chinese or Japanese pairs that follows another such
    run (``text.UNSPACED_PAIR``): "東京都" (東京 京都) is not found on "東京・京都".
    After the stop words, whose renumbering would close it; ``token.gap`` says it is there
    (parse_query's phrase offsets step over it; search.js's analyze sets the same ``gap``)."""

    def __call__(self, tokens):
        shift = 0
        after_pair = False
        for token in tokens:
            pair = bool(UNSPACED_PAIR.match(token.text))
            token.gap = pair and after_pair and token.starts_run
            shift += token.gap
            if token.positions:
                token.pos += shift
            after_pair = pair
            yield token


class _AmountFilter(Filter):
    """``text.amount_forms``: "$4.2M", "4.2 million" and "4,200,000" are "4200000". The index
    (Whoosh's mode "index") also holds, at the same position, the number as written, so "4.2"
    finds "$4.2M", and a magnitude written apart ("million"); a query asks for the amount
    only. ``token.stacked``: a term at the position of the one before (search.js's analyze
    gives them as a token's ``also``). Last: the stop words' renumbering would part them."""

    def __call__(self, tokens):
        for token in tokens:
            amount, *also = amount_forms(token.text)
            token.text, token.stacked = amount, False
            yield token
            if token.mode != "index":
                continue
            for word in also:  # the "4" of "$4M" is too short, as any one-letter word
                if len(word) >= 2 and word not in STOP_WORDS:
                    token.text, token.stacked, token.gap = word, True, False
                    yield token


# Whoosh's StemmingAnalyzer with the fold before the stop words (and their two-letter minimum)
# Whoosh's \w+(\.?\w+)* with marks and joiners inside words, and a number's thousands
# separators ("1,200", "$10,000,000": they go in _FoldFilter; split, "2,000 users" was
# "000" and found every number in thousands) (search.js's TOKEN_RE)
# A word's letters end where a number with separators starts ("売上1,200万円", "INR1,000",
# and after a stop, "Rs.12,000"): a query cuts Chinese, Japanese and Thai runs off first, and
# so reads "1,200" whole too. First, an amount ("4.2 million", "€4,2M") and letters joined
# by "&" ("R&D"): each one token (text.AMOUNT_WORD, AMPERSAND_WORD).
_TOKENS = (rf"{AMOUNT_WORD}|{AMPERSAND_WORD}"
           rf"|{DIGIT_GROUPS}(\.?[{WORD_CHARS}]+)*|[{WORD_CHARS}]+?(?={DIGIT_GROUPS})"
           rf"|[{WORD_CHARS}]+(\.(?!{DIGIT_GROUPS})[{WORD_CHARS}]+)*")
_UNSTEMMED = (RegexTokenizer(_TOKENS) | _PiecesFilter() | LowercaseFilter() | _FoldFilter()
              | StopFilter(stoplist=STOP_WORDS) | _RunBreakFilter() | _AmountFilter())


# Arabic: the article comes off, alone or after و ب ك ف (and, with, as, so) or as لل (for
# the), where 3 letters remain: "السوق", "والسوق", "للسوق" are "سوق". No more: Lucene's
# light10 also takes a lone "و" and the suffixes, which merged common words ("ولاية", state,
# with "لا", no; "وحدة", unit, with "حد", limit; Persian "سرمایه", capital, with "سرما",
# cold: QA-41). A word whose own first letters are alef-lam once text.fold has made "إ"
# "ا" ("إلكترونية", electronic) loses them too, and with the article before it loses both
# ("الإلكترونية"): the word is found with or without its article, typed with or without
# the hamza. search.js's stemArabic is the same.
_ARABIC_ARTICLES = ("وال", "بال", "كال", "فال", "ال", "لل")
_ALEF_LAM = "ال"
# Hebrew: "ו" (and), then "ה" (the) up to twice, each where 3 letters remain: "והשוק",
# "השוק" and "שוק" are "שוק", "ההכנסות" and "הכנסות" "כנסות" (a word of its own starting
# with ה takes the article as one more). ב ל מ כ ש start too many words to be cut off.
_HEBREW_PREFIXES = ("ו", "ה", "ה")
_SHORTEST_STEM = 3


def _stem_arabic(word: str) -> str:
    for article in _ARABIC_ARTICLES:
        if word.startswith(article) and len(word) - len(article) >= _SHORTEST_STEM:
            word = word[len(article):]
            if word.startswith(_ALEF_LAM) and len(word) - 2 >= _SHORTEST_STEM:
                word = word[2:]  # the word's own alef-lam, as it loses it alone
            break
    return word


def _stem_hebrew(word: str) -> str:
    for prefix in _HEBREW_PREFIXES:
        if word.startswith(prefix) and len(word) - 1 >= _SHORTEST_STEM:
            word = word[1:]
    return word


def stem_word(word: str) -> str:
    """A folded word's index term: by the script of its first letter, Arabic (U+0600-U+06FF)
    and Hebrew (U+05D0-U+05EA) lightly stemmed, every other word by Whoosh's Porter stemmer
    (search.js's stem dispatches the same way)."""
    if word.isascii() or not word:  # English: Porter, and fast
        return stem(word)
    if "\u0600" <= word[0] <= "\u06ff":
        return _stem_arabic(word)
    if "\u05d0" <= word[0] <= "\u05ea":
        return _stem_hebrew(word)
    return stem(word)


ANALYZER = _UNSTEMMED | StemFilter(stemfn=stem_word, cachesize=50000)

# section_name: the name of a slide's section when its label is sure ("Team" for a founders
# slide that never says "team"), so a search for a section's name ranks its slides first
SEARCH_FIELDS: tuple[str, ...] = ("text", "title", "company", "industry", "section_name")
FIELD_BOOSTS: dict[str, float] = {"text": 1.0, "title": 2.0, "company": 1.5, "industry": 1.0,
                                  "section_name": 2.0}
BM25_B = 0.75
BM25_K1 = 1.2
FACETS: tuple[str, ...] = ("section", "company", "year", "stage", "industry")
_FACET_FIELDS = {"section": "section", "company": "company_facet", "year": "year",
                 "stage": "stage", "industry": "industry_facet", "deck": "deck"}
RECORD_FIELDS: tuple[str, ...] = ("id", "title", "section", "company", "deck", "page", "year",
                                  "stage", "industry", "url", "thumb", "text", "text_lang",
                                  "title_lang")
# the BCP 47 tags of a hit's text and title, as its slide page sets them (site.text_lang):
# last in a record and left off it when "" (English, or not told), so an English slide's
# record is no longer than before; a title without the text's script ("Market size" over
# Japanese) has none of its own
_LANG_FIELDS = ("text_lang", "title_lang")

SHARD_BYTES = 16_000  # target size of a term shard before gzip
VOCAB_TERMS = 1_500  # terms per vocabulary file
RECORDS_PER_CHUNK = 8  # display records per chunk: balances chunk-list size vs bytes per result
HASH_CHARS = 12  # hex digits of SHA-256 in file names: 48 bits, ample for one site
HASHED_FILE = re.compile(rf"^[a-z]+\.[0-9a-f]{{{HASH_CHARS}}}\.json$")
_VLQ = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


class IndexMissingError(DeckgenError):
    pass


def tokenize(text: str, *, query: bool = False) -> list[str]:
    """The index terms of ``text``, exactly as Whoosh indexes them; ``query``: as a query
    reads it (an amount without the terms the index adds at its place: ``_AmountFilter``)."""
    return [t.text for t in ANALYZER(text, mode="" if query else "index")]


_stem = lru_cache(maxsize=200_000)(stem_word)  # a corpus has few distinct words; stemming is slow


def _surface_stems_at(text: str) -> list[tuple[str, str, int]]:
    """(word, term, position) of each token, the positions Whoosh gives them (counted from
    0): one apart, two across a ``_RunBreakFilter`` gap."""
    out = []
    pos = -1
    for t in _UNSTEMMED(text, mode="index"):
        pos += 0 if t.stacked else 1 + t.gap
        out.append((t.text, _stem(t.text), pos))
    return out


# --- documents ---------------------------------------------------------------

def _documents(slides: list[Slide], decks: dict[str, DeckMeta]) -> list[dict[str, Any]]:
    """One flat dict per searchable slide, in deck and page order (= doc number): by
    number, so a deck's slide 1000 comes after its slide 101 (ids compare as text)."""
    docs = []
    for slide in sorted(slides, key=lambda s: (s.deck, s.page)):
        if slide.ocr is None or slide.section is None:
            continue  # failed upstream; the build report already names it
        meta = decks.get(slide.deck) or DeckMeta(slug=slide.deck)
        docs.append({
            "id": slide.id, "deck": slide.deck, "page": slide.page,
            "text": slide.ocr.text or "", "title": slide.ocr.title or "",
            "company": meta.company or "", "industry": meta.industry or "",
            "section": slide.section.label, "section_name": _section_name(slide.section),
            "year": str(meta.year) if meta.year else "",
            "stage": meta.stage or "", "unsure": slide.section.unsure,
        })
    return docs


def _section_name(section: SectionResult) -> str:
    """The section's name for search, when its label is sure (an unsure or flat label would
    bring a slide to searches it does not answer)."""
    if section.label == "other" or section.unsure:
        return ""
    return SECTION_TITLES[section.label]


def _schema() -> Schema:
    return Schema(
        id=ID(stored=True, unique=True), deck=ID(stored=True), page=NUMERIC(stored=True),
        text=TEXT(analyzer=ANALYZER, stored=True), title=TEXT(analyzer=ANALYZER, stored=True),
        company=TEXT(analyzer=ANALYZER, stored=True), industry=TEXT(analyzer=ANALYZER, stored=True),
        section_name=TEXT(analyzer=ANALYZER),
        section=ID(stored=True), year=ID(stored=True), stage=ID(stored=True),
        company_facet=ID(stored=True), industry_facet=ID(stored=True), unsure=STORED,
    )


# --- Whoosh: build and query ---------------------------------------------------

# the index says which deckgen.index.VERSION wrote it: another version cuts words otherwise
# (a search would miss silently), and Whoosh's pickled schema names this module's classes
_VERSION_FILE = "deckgen-index-version.txt"


def _open(index_dir: Path):
    """The Whoosh index in ``index_dir``, if this deckgen wrote it (else a clear error)."""
    index_dir = Path(index_dir)
    if not whoosh_index.exists_in(index_dir):
        raise IndexMissingError(f"no search index in {index_dir}: run `deckgen build` first")
    try:
        built = (index_dir / _VERSION_FILE).read_text(encoding="utf-8").strip()
    except OSError:
        built = "an older one"
    if built != VERSION:
        raise IndexMissingError(
            f"the search index in {index_dir} was built by another deckgen version ({built}; "
            f"this one reads {VERSION}): run `deckgen build` to rebuild it")
    return whoosh_index.open_dir(index_dir)


def build_index(slides: list[Slide], decks: dict[str, DeckMeta], index_dir: Path) -> None:
    """Rebuild the Whoosh index from scratch in a temp dir, then swap it in."""
    index_dir = Path(index_dir)
    index_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=index_dir.parent, prefix=f".{index_dir.name}."))
    # Whoosh names segments with the global `random`: seed it (then restore it) so the
    # same slides give a byte-identical index.
    saved = random.getstate()
    random.seed(f"deckgen-index-{VERSION}")
    try:
        ix = whoosh_index.create_in(tmp, _schema())
        writer = ix.writer(compound=False)  # a compound file records mtimes: not reproducible
        for doc in _documents(slides, decks):
            fields = dict(doc, company_facet=doc["company"], industry_facet=doc["industry"])
            writer.add_document(**{k: v for k, v in fields.items() if v != ""})
        writer.commit()
        (tmp / _VERSION_FILE).write_text(VERSION + "\n", encoding="utf-8")
        old = index_dir.with_name(f".{index_dir.name}.old")
        shutil.rmtree(old, ignore_errors=True)
        if index_dir.exists():
            index_dir.rename(old)
        tmp.rename(index_dir)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        random.setstate(saved)
        shutil.rmtree(tmp, ignore_errors=True)


_QUERY_PART = re.compile(r'"([^"]*)"?|([^"]+)')


# A required clause: ("term", (t,), (0,)) or ("phrase", (t1, t2, ...), (0, 1, ...)), the
# terms' positions after the first's: one more across a gap ("東京・京都": (0, 2))
Clause = tuple[str, tuple[str, ...], tuple[int, ...]]


def parse_query(query: str) -> list[Clause]:
    """Split a query into required clauses, terms and phrases (``Clause``).

    Quoted text is a phrase (a missing closing quote ends it at the end);
    repeated clauses count once. search.js implements the same grammar.
    """
    clauses: list[Clause] = []

    def phrase_of(text: str) -> None:
        terms, offsets = [], []
        for token in ANALYZER(text):  # the index's positions, a gap included ("東京・京都")
            offsets.append(offsets[-1] + 1 + token.gap if offsets else 0)
            terms.append(token.text)
        if terms:
            clauses.append(("phrase" if len(terms) > 1 else "term", tuple(terms), tuple(offsets)))

    def terms_of(text: str) -> None:
        clauses.extend(("term", (t,), (0,)) for t in tokenize(text, query=True))

    for phrase, free in _QUERY_PART.findall(query):
        if not free:
            phrase_of(PHRASE_GAP.sub(r"\1", phrase))  # "人手 不足" as the text has it
            continue
        # a Chinese, Japanese, Korean or Thai word is its pairs side by side: "東京都" is
        # not "京都" and "東京" anywhere on the slide
        at = 0
        for run in PAIRED_LETTERS.finditer(free):
            terms_of(free[at:run.start()])
            phrase_of(run[0])
            at = run.end()
        terms_of(free[at:])
    return list(dict.fromkeys(clauses))


def _in_order(field: str, terms: tuple[str, ...], offsets: tuple[int, ...],
              boost: float) -> Q.Query:
    """The phrase's terms at exactly their offsets; ``Q.Phrase`` when they are adjacent.
    Scored as Phrase is, the sum of its terms' scores (search.js phraseScores)."""
    if offsets == tuple(range(len(terms))):
        return Q.Phrase(field, list(terms), boost=boost)
    query: Q.Query = Q.Term(field, terms[0], boost=boost)
    for term, step in zip(terms[1:], map(int.__sub__, offsets[1:], offsets), strict=True):
        query = Q.SpanNear2([query, Q.Term(field, term, boost=boost)], slop=step, mindist=step)
    return query


def _whoosh_query(clauses: list[Clause]) -> Q.Query:
    required = []
    for kind, terms, offsets in clauses:
        if kind == "term":
            alts = [Q.Term(f, terms[0], boost=FIELD_BOOSTS[f]) for f in SEARCH_FIELDS]
        else:
            alts = [_in_order(f, terms, offsets, FIELD_BOOSTS[f]) for f in SEARCH_FIELDS]
        required.append(Q.Or(alts))
    return Q.And(required) if len(required) > 1 else required[0]


class Hits(list):
    """The hits ``search`` returns, and ``total``: how many slides it found in all (more
    than the hits where ``limit`` cut them short; the site's "Show more")."""

    def __init__(self, hits=(), total: int = 0):
        super().__init__(hits)
        self.total = total


def search(index_dir: Path, query: str, *, filters: dict[str, str] | None = None,
           limit: int = 10) -> Hits:
    """Top ``limit`` slides for ``query``, best first; ``filters`` = {facet: exact value}."""
    ix = _open(index_dir)
    for name in filters or {}:
        if name not in _FACET_FIELDS:
            raise ConfigError(f"unknown filter {name!r}: use one of {', '.join(_FACET_FIELDS)}")
    # NFC: "é" pasted as "e" + a combining mark is one letter (search.js does the same)
    clauses = parse_query(unicodedata.normalize("NFC", query))
    if not clauses and not filters:
        return Hits()
    q = _whoosh_query(clauses) if clauses else Q.Every()
    browse_section = not clauses and "section" in (filters or {})
    with ix.searcher(weighting=BM25F(B=BM25_B, K1=BM25_K1)) as searcher:
        filter_terms = [Q.Term(_FACET_FIELDS[name], _facet_value(searcher, name, str(value)))
                        for name, value in (filters or {}).items()]
        hits = searcher.search(q, limit=None if browse_section else limit,
                               filter=Q.And(filter_terms) if filter_terms else None)
        # the excerpt is the text around the matched words, as plain text
        hits.fragmenter = ContextFragmenter(maxchars=EXCERPT_CHARS, surround=EXCERPT_CHARS // 3)
        hits.formatter = NullFormatter()
        total = len(hits)  # every match, not only the scored `limit` (Whoosh counts them)
        if browse_section:  # sure labels first (sorted() is stable: doc order within each)
            hits = sorted(hits, key=lambda hit: bool(hit.get("unsure")))[:limit]
        return Hits(({
            "rank": rank, "id": hit["id"], "score": round(hit.score, 6),
            "deck": hit["deck"], "page": hit["page"], "title": hit.get("title", ""),
            "section": hit.get("section", ""), "company": hit.get("company_facet", ""),
            "year": hit.get("year", ""), "stage": hit.get("stage", ""),
            "industry": hit.get("industry_facet", ""), "unsure": bool(hit.get("unsure")),
            "excerpt": _excerpt(hit),
        } for rank, hit in enumerate(hits, 1)), total)


def _facet_value(searcher, name: str, value: str) -> str:
    """The indexed value a filter means: "series-a" and "series a" are "Series A"; and
    "eclat sante" is "Éclat Santé" when no other value is that without its accents."""
    known = list(searcher.reader().field_terms(_FACET_FIELDS[name]))
    key = facet_key(value)  # "" (only punctuation) means no value, not every such value
    same = [v for v in known if v == value] or [v for v in known if key and facet_key(v) == key]
    if not same and key:  # "eclat sante" typed without accents, as text search takes it
        bare = _accentless_key(value)
        same = [v for v in known if _accentless_key(v) == bare]
        same = same if len(same) == 1 else []  # two values it could mean: neither is guessed
    return same[0] if same else value


def _accentless_key(value: str) -> str:
    """``facet_key`` folded as search folds words: "Éclat Santé" is "eclat-sante"; Latin
    accents only ("й" is no "и"). search.js facetIndex does the same."""
    return fold(facet_key(value))


# words around a stage's name that do not change it (search.js's STAGE_FILLER)
_STAGE_FILLER = frozenset({"the", "our", "round", "rounds", "stage", "funding",
                           "slide", "slides", "deck", "decks"})


def stage_named(index_dir: Path, query: str, filters: dict[str, str] | None = None) -> str | None:
    """The funding stage a whole query names ("Series A", "series-a round") when some slide
    under the other ``filters`` has it, as search.js's stageNamed: a stage is deck metadata,
    and "Series A" as words searches for "series"."""
    def said(text: str) -> str:  # its words, accents folded, less those around a stage's name
        words = re.findall(r"[^\W_]+", fold(unicodedata.normalize("NFC", text).lower()))
        return "".join(w for w in words if w not in _STAGE_FILLER)

    if not (typed := said(query)):
        return None
    with _open(index_dir).searcher() as searcher:
        named = [v for v in searcher.reader().field_terms("stage") if said(v) == typed]
    if not named or not search(index_dir, "", filters={**(filters or {}), "stage": named[0]},
                               limit=1):
        return None
    return named[0]


def unknown_filter(index_dir: Path, filters: dict[str, str]) -> str | None:
    """Says which filter value no slide has, and the values there are; None if all exist."""
    with _open(index_dir).searcher() as searcher:
        for name, value in filters.items():
            known = list(searcher.reader().field_terms(_FACET_FIELDS[name]))
            if _facet_value(searcher, name, value) not in known:
                listed = ", ".join(known[:30]) + (", …" if len(known) > 30 else "")
                return f"no slide has {name} {value!r}; there are: {listed or 'none'}"
    return None


EXCERPT_CHARS = 200


def _excerpt(hit) -> str:
    """One line of the slide's text: around the matched words, else its start."""
    text = " ".join(hit.get("text", "").split())
    around = " ".join(hit.highlights("text", top=1).split()) if text else ""
    if not around or text.startswith(around):
        return text[:EXCERPT_CHARS]
    return "… " + around + (" …" if not text.endswith(around) else "")


# --- static export -------------------------------------------------------------

def vlq(numbers: Iterable[int]) -> str:
    """Unsigned base64 VLQ (5 data bits per char, low bits first): compact, JSON-safe."""
    out = []
    for n in numbers:
        while True:
            digit, n = n & 31, n >> 5
            out.append(_VLQ[digit | (32 if n else 0)])
            if not n:
                break
    return "".join(out)


def _dumps(obj: Any) -> bytes:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


class _Writer:
    """Writes content-hashed files into search/, remembering names and bytes."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.names: set[str] = set()
        self.bytes = 0

    def put(self, kind: str, obj: Any) -> str:
        data = _dumps(obj)
        name = f"{kind}.{sha256_bytes(data)[:HASH_CHARS]}.json"
        write_if_changed(self.folder / name, data)
        if name not in self.names:
            self.names.add(name)
            self.bytes += len(data)
        return name


def _postings(docs: list[dict[str, Any]]):
    """term -> field index -> [(doc, positions, length byte)], plus corpus statistics."""
    postings: dict[str, dict[int, list]] = defaultdict(lambda: defaultdict(list))
    surfaces: dict[str, Counter] = defaultdict(Counter)
    totals = [0] * len(SEARCH_FIELDS)
    for doc_no, doc in enumerate(docs):
        for f, field in enumerate(SEARCH_FIELDS):
            tokens = _surface_stems_at(doc[field])
            if not tokens:
                continue
            totals[f] += len(tokens)
            lbyte = length_to_byte(len(tokens))
            positions: dict[str, list[int]] = defaultdict(list)
            for word, term, pos in tokens:
                positions[term].append(pos)
                surfaces[term][word] += 1
            for term, plist in positions.items():
                postings[term][f].append((doc_no, plist, lbyte))
    return postings, surfaces, totals


def _encode_term(fields: dict[int, list]) -> tuple[list[str], list[str]]:
    """Per field: postings as VLQ (doc delta, tf, length byte)... and positions as VLQ deltas."""
    post, pos = [], []
    for f in range(len(SEARCH_FIELDS)):
        nums, pnums, last = [], [], 0
        for doc_no, plist, lbyte in fields.get(f, []):
            nums += (doc_no - last, len(plist), lbyte)
            last = doc_no
            prev = 0
            for p in plist:
                pnums.append(p - prev)
                prev = p
        post.append(vlq(nums))
        pos.append(vlq(pnums))
    return post, pos


def _safe_url(url: str) -> str:
    """Only site-relative URLs may reach the page (no scheme, no //host)."""
    return "" if re.match(r"^\s*([a-zA-Z][a-zA-Z0-9+.-]*:|//|\\)", url or "") else (url or "")


def export_client_index(slides: list[Slide], decks: dict[str, DeckMeta], out_dir: Path,
                        urls: dict[str, dict[str, str]]) -> dict:
    """Write ``out_dir/search/entry.json`` and its hashed files; drop stale ones."""
    folder = Path(out_dir) / "search"
    folder.mkdir(parents=True, exist_ok=True)
    docs = _documents(slides, decks)
    postings, surfaces, totals = _postings(docs)
    writer = _Writer(folder)

    terms = sorted(postings)
    shard_files, shard_starts, pos_files = [], [], []
    shard: dict[str, list[str]] = {}
    shard_pos: dict[str, list[str]] = {}
    size = 0

    def flush() -> None:
        nonlocal shard, shard_pos, size
        if shard:
            shard_starts.append(min(shard))
            shard_files.append(writer.put("t", shard))
            pos_files.append(writer.put("p", shard_pos))
        shard, shard_pos, size = {}, {}, 0

    for term in terms:
        post, pos = _encode_term(postings[term])
        shard[term], shard_pos[term] = post, pos
        size += len(term) + sum(map(len, post)) + 12
        if size >= SHARD_BYTES:
            flush()
    flush()
    if shard_starts:
        shard_starts[0] = ""  # the first shard covers everything before the second

    vocab_files, vocab_starts = [], []
    for i in range(0, len(terms), VOCAB_TERMS):
        block = terms[i:i + VOCAB_TERMS]
        df = [len({d for plist in postings[t].values() for d, _, _ in plist}) for t in block]
        surface = [_best_surface(t, surfaces[t]) for t in block]
        vocab_starts.append("" if i == 0 else block[0])
        vocab_files.append(writer.put("v", {"t": block, "d": df, "s": surface}))

    langs = _languages(slides)
    record_hashes = []
    for i in range(0, len(docs), RECORDS_PER_CHUNK):
        rows = []
        for doc in docs[i:i + RECORDS_PER_CHUNK]:
            link = urls.get(doc["id"], {})
            rows.append(_record_row({**doc, **langs.get(doc["id"], {})}, link))
        record_hashes.append(writer.put("r", rows)[2:2 + HASH_CHARS])

    meta = {
        "docs": len(docs), "fields": list(SEARCH_FIELDS),
        "boosts": [FIELD_BOOSTS[f] for f in SEARCH_FIELDS], "B": BM25_B, "K1": BM25_K1,
        "lengths": totals,
        "terms": {"starts": shard_starts, "files": shard_files, "pos": pos_files},
        "vocab": {"starts": vocab_starts, "files": vocab_files},
        # chunk k is "r.<hashes[k*H:(k+1)*H]>.json": one string, not a list of names
        "records": {"size": RECORDS_PER_CHUNK, "fields": list(RECORD_FIELDS),
                    "hashes": "".join(record_hashes)},
        "facets": writer.put("f", _facets(docs)),
    }
    # made-up decks (deck.toml fictional): the result cards say so; true when all are
    fictional = sorted({d["deck"] for d in docs if (m := decks.get(d["deck"])) and m.fictional})
    if fictional:
        meta["fictional"] = True if len(fictional) == len({d["deck"] for d in docs}) else fictional
    # The entry is tiny and fetched fresh; everything it names is cacheable forever.
    entry = {"version": FORMAT_VERSION, "builder": VERSION, "hash": HASH_CHARS,
             "meta": writer.put("m", meta)}
    entry_bytes = _dumps(entry)
    write_if_changed(folder / "entry.json", entry_bytes)
    for stale in folder.iterdir():
        if HASHED_FILE.match(stale.name) and stale.name not in writer.names:
            stale.unlink()
    return {"docs": len(docs), "terms": len(terms), "files": len(writer.names) + 1,
            "bytes": writer.bytes + len(entry_bytes), "entry_bytes": len(entry_bytes),
            "shards": len(shard_files), "record_chunks": len(record_hashes)}


def _best_surface(term: str, counts: Counter) -> str:
    """The commonest word behind a stem ("" when it is the stem itself)."""
    word = min(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0]
    return "" if word == term else word


def _languages(slides: list[Slide]) -> dict[str, dict[str, str]]:
    """Each slide's ``_LANG_FIELDS``, as its slide page's ``lang`` (SlideView.text_lang and
    .title_lang)."""
    from .site import text_lang, title_lang  # here: `deckgen search` loads no Jinja (80 ms)

    return {s.id: {"text_lang": text_lang(s.ocr.lang, s.ocr.text), "title_lang": title_lang(s.ocr)}
            for s in slides if s.ocr is not None}


def _record_row(doc: dict[str, Any], link: dict[str, str]) -> list[Any]:
    """A display record in ``RECORD_FIELDS`` order, less its trailing empty languages."""
    row = [_record_value(doc, k, link) for k in RECORD_FIELDS]
    while len(row) > len(RECORD_FIELDS) - len(_LANG_FIELDS) and row[-1] == "":
        row.pop()
    return row


def _record_value(doc: dict[str, Any], key: str, link: dict[str, str]) -> Any:
    if key == "url":
        return _safe_url(link.get("page", ""))
    if key == "thumb":
        return _safe_url(link.get("thumb", ""))
    return doc[key]


def _facets(docs: list[dict[str, Any]]) -> dict[str, Any]:
    """Per facet: sorted values, and each doc's value+1 (0 = none) as VLQ, direct or in runs;
    for the section, also the unsure labels' doc numbers (as VLQ gaps)."""
    out: dict[str, Any] = {}
    for name in FACETS:
        values = sorted({d[name] for d in docs} - {""})
        index = {v: i + 1 for i, v in enumerate(values)}  # 0 = no value
        runs: list[int] = []
        for doc in docs:
            code = index.get(doc[name], 0)
            if runs and runs[-2] == code:
                runs[-1] += 1
            else:
                runs += (code, 1)
        direct = vlq(index.get(d[name], 0) for d in docs)
        entry: dict[str, Any] = {"values": values}
        if len(direct) <= len(vlq(runs)):
            entry["codes"] = direct  # one value per doc (section: changes every slide)
        else:
            entry["runs"] = vlq(runs)  # (value, run length) pairs (deck-level facets)
        if name == "section":
            entry["labels"] = [SECTION_TITLES.get(v, v) for v in values]
            unsure = [i for i, d in enumerate(docs) if d["unsure"]]
            entry["unsure"] = vlq(b - a - 1 for a, b in zip([-1, *unsure], unsure, strict=False))
        out[name] = entry
    return out
