"""Read a corpus of decks (``deckgen add`` imports new ones: ``corpus_edit``).

Layout::

    corpus/<deck-slug>/deck.toml     company, title, year, stage, industry,
                                     amount_raised, source_url, license,
                                     fictional (true: a made-up deck),
                                     and optionally [sections]: labels set
                                     by hand, page = "section" (3 = "market")
    corpus/<deck-slug>/001.jpg ...   slide images in file-name order
    corpus/<deck-slug>/deck.pdf      or a PDF instead of images

Everything here is untrusted: a deck whose ``deck.toml`` cannot be read is built
with the last build's metadata, or left out when new (``skip_unread_decks``), a
file that is not a slide is reported and skipped, and nothing outside the corpus
is ever read (symlinks leaving it are refused). PDF decks (counting, rendering their
pages) and reading a slide's source bytes are ``corpus_pdf``'s.
"""

from __future__ import annotations

import errno
import hashlib
import math
import os
import re
import tomllib
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import groupby
from pathlib import Path
from urllib.parse import urlsplit

from deckgen.corpus_pdf import (
    PDF_EXTENSION,
    pdf_page_count,
    pdf_page_identity,
)
from deckgen.errors import BadInputError
from deckgen.files import is_system_file, sha256_file
from deckgen.records import SECTIONS, DeckMeta, Slide, section_meant, slide_id
from deckgen.text import facet_key, fold


def _pillow_reads_avif() -> bool:
    from PIL import features

    return bool(features.check("avif"))


# .jfif and .jpe are JPEG under the names some browsers and cameras save it by
IMAGE_EXTENSIONS = {".jpg", ".jpeg", ".jfif", ".jpe", ".png", ".webp", ".gif", ".bmp", ".tif",
                    ".tiff"}
if _pillow_reads_avif():
    IMAGE_EXTENSIONS.add(".avif")
# phone photos Pillow cannot read without a plug-in: named, with what to do
UNREAD_IMAGE_EXTENSIONS = {".heic", ".heif"}
UNREAD_IMAGE_ADVICE = "HEIC photos are not read; convert it to JPEG or PNG"
# presentations `add` converts to PDF with LibreOffice, then renders like any PDF
PRESENTATION_EXTENSIONS = {".pptx", ".ppt", ".odp", ".key"}
DOCUMENT_EXTENSIONS = {PDF_EXTENSION} | PRESENTATION_EXTENSIONS  # one file holds a whole deck
META_IGNORED = "metadata ignored"  # ends the report line of a deck.toml that was not read
# C0 and C1 controls, DEL, and the bidi embeddings, overrides and isolates: in a company
# name they only spoof what a page or terminal shows ("Trojan Source"), and a C1 control
# is not allowed in the dataset card's YAML; marks like ZWJ stay
_HIDDEN_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# line and paragraph breaks (U+2028 and U+0085 too: str.splitlines breaks there) read as
# a space in a one-line field
_LINE_BREAKS = re.compile("[\t\n\x0b\x0c\r\x1c-\x1e\x85\u2028\u2029]+")
MAX_FIELD_CHARS = 500  # a deck.toml text field: a company, a title, a source URL
META_KEYS = (
    "company",
    "title",
    "year",
    "stage",
    "industry",
    "amount_raised",
    "source_url",
    "license",
    "fictional",
)
SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
MAX_PDF_PAGES = 1000


@dataclass
class Problem:
    """One line of the build report: a file we skipped and why."""

    path: str
    reason: str

    def __post_init__(self) -> None:
        # A file name that is not UTF-8 arrives with surrogates; the report must stay JSON.
        self.path = self.path.encode("utf-8", "surrogateescape").decode("utf-8", "replace")

    def __str__(self) -> str:
        return f"{printable(self.path)}: {self.reason}"


# Invisible format characters that belong in text and move nothing they do not touch: the
# directional marks Tesseract puts in Arabic and Hebrew (LRM, RLM, ALM) and the joiners
# inside Persian and Hindi words (ZWNJ, ZWJ). Other format characters stay escaped: the
# bidi embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069) reorder the rest
# of a terminal line, so a title could pose as another id or command.
_TEXT_MARKS = frozenset("\u200c\u200d\u200e\u200f\u061c")


def printable(text: str) -> str:
    """One terminal line: control characters in file names (a newline, ESC) and bidi
    overrides shown escaped; letters, and the marks and joiners of RTL and Indic text, kept."""
    return "".join(ch if ch.isprintable() or ch in _TEXT_MARKS else ascii(ch)[1:-1]
                   for ch in text)


@dataclass
class Corpus:
    root: Path
    decks: dict[str, DeckMeta] = field(default_factory=dict)
    slides: list[Slide] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    # decks whose deck.toml exists but could not be read (the build may keep the last
    # metadata it read, rather than publish the deck without its licence and source)
    unread_meta: set[str] = field(default_factory=set)


MAX_SLUG_CHARS = 64
# Names Windows keeps for devices: a folder so named cannot be made there, so a site or
# dataset archive holding img/aux/ would not unpack on Windows
WINDOWS_DEVICE_NAMES = frozenset({"con", "prn", "aux", "nul", *(f"com{n}" for n in range(10)),
                                  *(f"lpt{n}" for n in range(10))})


def safe_slug(text: str) -> str:
    """A lowercase ASCII slug safe as a folder name and a URL segment.

    Accents go ("Éco" is "eco"), Latin letters without an ASCII base are spelled out
    ("Fußball" is "fussball"), and every other character (a space, an en dash, an
    apostrophe) parts words. Letters of other scripts cannot be spelled in ASCII: a name
    with any gets 8 hex digits of its SHA-256 appended, so that two companies written
    in Japanese do not both become "deck" (same name, same slug, on every machine)."""
    name = text.strip()
    decomposed = unicodedata.normalize("NFKD", fold(name.lower()))
    kept: list[str] = []
    dropped_letters = False
    for ch in decomposed:
        if ch.isascii() and ch.isalnum():
            kept.append(ch)
        elif unicodedata.category(ch).startswith("M"):
            continue  # an accent split off its letter by NFKD: "é" is "e" + U+0301
        else:
            dropped_letters = dropped_letters or ch.isalnum()
            kept.append("-")
    slug = re.sub("-+", "-", "".join(kept)).strip("-")
    # an emoji name ("🚀🚀") leaves nothing either, and is as much a name of its own
    dropped_letters = dropped_letters or (not slug and any(not ch.isascii() for ch in name))
    if not dropped_letters:
        slug = slug[:MAX_SLUG_CHARS].strip("-") or "deck"
        return f"{slug}-deck" if slug in WINDOWS_DEVICE_NAMES else slug
    digest = hashlib.sha256(unicodedata.normalize("NFC", name).encode("utf-8", "surrogatepass"))
    base = slug[: MAX_SLUG_CHARS - 9].strip("-") or "deck"  # room for "-" and 8 hex digits
    return f"{base}-{digest.hexdigest()[:8]}"


# a space, "_" or "-" right before a number parts nothing: "Slide 2" sits between
# "Slide1" and "Slide3", as it reads
_BEFORE_NUMBER = re.compile(r"[\s_-]+$")


def natural_key(name: str) -> tuple[list, str, str]:
    """File-name order as people read it: "2.jpg" before "10.jpg", "slide.png" (a browser's
    first download) before "slide (1).png", "deck.pdf" before "deck2.pdf". The name without
    its extension is compared first, case-insensitively, its runs of decimal digits as
    numbers (isdecimal: "²" is no number to int()) and a space, "_" or "-" before a number
    ignored; then the extension; then the name itself breaks ties ("01.jpg" and "1.jpg",
    "A.JPG" and "a.jpg"), so the order never depends on the disk."""
    stem, extension = os.path.splitext(name)
    parts = re.split(r"(\d+)", stem.lower())  # digits at the odd places: same types compared
    key: list[str | int] = [parts[-1]]  # the text after the last number (or the whole stem)
    for i in range(len(parts) - 2, 0, -2):
        key[:0] = [_BEFORE_NUMBER.sub("", parts[i - 1]), int(parts[i])]
    return key, extension.lower(), name


def link_problem(path: Path, root: Path, where: str = "the corpus") -> str | None:
    """Why a symlink cannot be part of ``root``, ``where`` in words (None: not a link, or
    one to a file inside it)."""
    if not path.is_symlink():
        return None
    try:
        target = path.resolve(strict=True)
    except RuntimeError:  # Python 3.11's "Symlink loop"
        return "symlink loop"
    except OSError as exc:
        return "symlink loop" if exc.errno == errno.ELOOP else "broken symlink (no target)"
    if not target.is_relative_to(root.resolve()):
        return f"symlink pointing outside {where}"
    return None


TOML_ERRORS = (tomllib.TOMLDecodeError, RecursionError)  # [[[[…]]]] overflows the parser


def source_url_problem(url: str) -> str | None:
    """Why ``url`` cannot be a deck's source_url (None: it can): only an absolute http(s)
    address is one; a ``javascript:`` or ``data:`` one would reach the dataset's files as
    a link (the site drops it, a reader of metadata.jsonl may not)."""
    text = url.strip()
    try:
        parts = urlsplit(text)
    except ValueError:  # "http://[::1": a broken address
        parts = None
    if parts and parts.scheme in ("http", "https") and parts.netloc:
        if not any(ch.isspace() or not ch.isprintable() for ch in text):
            return None
        return (f"must be one web address, without spaces (%20 for one in it), got "
                f"{printable(text[:60])!r}")
    host = text.split("/")[0]
    hint = (f" (write https://{printable(text[:60])})"
            if parts and not parts.scheme and "." in host and " " not in text else "")
    return (f"must be a web address starting with https:// or http://, got "
            f"{printable(text[:60])!r}{hint}")


def toml_error(exc: Exception) -> str:
    return "nested too deeply" if isinstance(exc, RecursionError) else str(exc)


def read_deck_meta(deck_dir: Path, problems: list[Problem], root: Path) -> DeckMeta:
    meta = DeckMeta(slug=deck_dir.name, company=deck_dir.name.replace("-", " ").title())
    toml_path = deck_dir / "deck.toml"
    rel = str(toml_path.relative_to(root))
    if bad_link := link_problem(toml_path, root):
        problems.append(Problem(rel, f"{bad_link}; {META_IGNORED}"))
        return meta
    if not toml_path.exists():
        problems.append(Problem(rel, "missing deck.toml; using the folder name as company"))
        return meta
    if not toml_path.is_file():  # a folder, or a FIFO that would block the read forever
        problems.append(Problem(rel, f"not a regular file; {META_IGNORED}"))
        return meta
    try:
        data = tomllib.loads(toml_path.read_bytes().decode("utf-8-sig"))  # Notepad's BOM too
    except UnicodeDecodeError:
        problems.append(Problem(rel, f"not UTF-8 text; save it as UTF-8; {META_IGNORED}"))
        return meta
    except TOML_ERRORS as exc:
        problems.append(Problem(rel, f"malformed TOML ({toml_error(exc)}); {META_IGNORED}"))
        return meta
    if "slug" in data:
        problems.append(Problem(rel, "slug field ignored: a deck's slug is its folder name"))
    for key in sorted(set(data) - set(META_KEYS) - {"slug", "sections"}):  # a typo: "comapny"
        problems.append(Problem(rel, f"unknown field {printable(key[:40])!r} ignored; the fields "
                                f"are {', '.join(META_KEYS)} and [sections]"))
    for key in META_KEYS:
        value = data.get(key)
        if value is None:
            continue
        if key == "year":
            if isinstance(value, int) and 1900 <= value <= 2100:
                meta.year = value
            else:
                problems.append(Problem(rel, f"year must be an integer like 2019, got {value!r}; "
                                        "year left empty"))
        elif key == "fictional":
            if isinstance(value, bool):
                meta.fictional = value
            else:
                problems.append(Problem(rel, f"fictional must be true or false, got {value!r}; "
                                        "left as not stated"))
        elif isinstance(value, bool) or not isinstance(value, (str, int, float)) or (
                isinstance(value, float) and not math.isfinite(value)):  # a list, a date, nan
            got = printable(repr(value)[:60])
            if key == "license":  # a deck is never published without the licence it states
                problems.append(Problem(rel, f'license must be text like "CC-BY-4.0", got '
                                        f"{got}; {META_IGNORED}"))
                return DeckMeta(slug=meta.slug, company=deck_dir.name.replace("-", " ").title())
            problems.append(Problem(rel, f"{key} must be text, got {got}; left empty"))
        else:
            # NFC: "ü" typed as "u" + U+0308 (a Mac's paste) is one letter in the pages,
            # the dataset and the search index, and "grünwerk" typed normally finds it
            text = unicodedata.normalize("NFC", str(value))
            if _LINE_BREAKS.search(text.strip()):
                problems.append(Problem(rel, f"{key}: line breaks and tabs read as spaces"))
            text = _LINE_BREAKS.sub(" ", text).strip()
            if _HIDDEN_CONTROLS.search(text):  # a right-to-left override reverses what follows
                problems.append(Problem(rel, f"{key}: invisible control characters removed"))
                text = _HIDDEN_CONTROLS.sub("", text).strip()
            if not text:  # a blank company would be a blank heading and link
                problems.append(Problem(rel, f"{key} is blank; left as if not given"))
                continue
            if key == "source_url" and (bad_url := source_url_problem(text)):
                problems.append(Problem(rel, f"source_url {bad_url}; left empty"))
                continue
            if len(text) > MAX_FIELD_CHARS:  # it would sit in every page and search shard
                problems.append(Problem(rel, f"{key} is {len(text):,} characters; only the "
                                        f"first {MAX_FIELD_CHARS} are kept"))
                text = text[:MAX_FIELD_CHARS]
            setattr(meta, key, text)
    if "sections" in data:
        meta.sections = _curated_sections(data["sections"], rel, problems)
    return meta


def _curated_sections(table: object, rel: str, problems: list[Problem]) -> dict[str, str]:
    """deck.toml's ``[sections]``: page number -> section; a bad entry is reported and dropped."""
    if not isinstance(table, dict):
        problems.append(Problem(rel, 'sections must be a table: [sections] then 3 = "market"'))
        return {}
    curated = {}
    for page, label in table.items():
        if not re.fullmatch(r"[0-9]{1,4}", page) or int(page) < 1:
            problems.append(
                Problem(rel, f"sections: {printable(page[:40])!r} is not a page number; ignored")
            )
        # "roadmap" in a hand-written [sections] means milestones, as `deckgen label` takes it
        elif (section := section_meant(label)) is None:
            problems.append(
                Problem(
                    rel,
                    f"sections: page {page}: {printable(str(label)[:40])!r} is not a section "
                    f"(one of {', '.join(SECTIONS)}); ignored",
                )
            )
        else:
            if str(int(page)) in curated:
                problems.append(Problem(rel, f"sections: page {int(page)} is labelled twice; "
                                        f"{page} = {section!r} wins"))
            curated[str(int(page))] = section
    return curated


def scan(root: Path) -> Corpus:
    """List every deck and slide of the corpus; report (never raise on) bad entries."""
    root = Path(root)
    if not root.is_dir():
        raise BadInputError(
            f"corpus folder {root} does not exist; run `deckgen sample` or `deckgen add`"
        )
    corpus = Corpus(root=root)
    for deck_dir in sorted(root.iterdir(), key=lambda p: p.name):
        name = deck_dir.name
        if name.startswith("."):
            continue
        if bad_link := link_problem(deck_dir, root):
            corpus.problems.append(Problem(name, f"{bad_link}; skipped"))
            continue
        if not deck_dir.is_dir():
            continue
        if deck_dir.is_symlink() and deck_dir.resolve().parent == root.resolve():
            corpus.problems.append(Problem(name, f"symlink to the deck {deck_dir.resolve().name}"
                                                 "; skipped (it would be published twice)"))
            continue
        if not SLUG_RE.match(name):
            corpus.problems.append(
                Problem(
                    name, f"deck folder name is not a safe slug; rename it to {safe_slug(name)!r}"
                )
            )
            continue
        if name in WINDOWS_DEVICE_NAMES:  # built all the same: it is only Windows that balks
            corpus.problems.append(Problem(name, f"Windows keeps this name for a device, so the "
                                           "site and dataset cannot be unpacked there; rename "
                                           f"the folder to {safe_slug(name)!r}"))
        known = len(corpus.problems)
        meta = read_deck_meta(deck_dir, corpus.problems, root)
        if any(p.reason.endswith(META_IGNORED) for p in corpus.problems[known:]):
            corpus.unread_meta.add(name)
        said = len(corpus.problems)
        slides = scan_deck(deck_dir, root, corpus.problems)
        if not slides:
            unread = any(Path(p.path).suffix.lower() in IMAGE_EXTENSIONS | {PDF_EXTENSION}
                         for p in corpus.problems[said:])  # slides there, none readable
            corpus.problems.append(Problem(name, "none of its slide files could be read; deck "
                                           "skipped" if unread else
                                           "deck has no slides (no images or PDF); skipped"))
            continue
        pages = {str(s.page) for s in slides}
        for page in sorted(set(meta.sections) - pages, key=int):
            del meta.sections[page]
            corpus.problems.append(Problem(
                f"{name}/deck.toml", f"sections: the deck has no page {page}; ignored (`deckgen "
                f"label {name}/{int(page):03d} --clear` removes it)"))
        corpus.decks[name] = meta
        corpus.slides.extend(slides)
    unify_spellings(corpus.decks)
    return corpus


def skip_unread_decks(corpus: Corpus, keep: Iterable[str] = ()) -> list[str]:
    """Leave out every deck whose deck.toml could not be read, but those in ``keep`` (the
    build gives them the metadata of its last build): published with the folder's name as
    its only metadata, a new deck would have no licence, source or hand labels. Each is
    said once, on its deck.toml's line. Returns the slugs left out."""
    left_out = sorted(corpus.unread_meta & set(corpus.decks) - set(keep))
    if not left_out:
        return []
    for slug in left_out:
        del corpus.decks[slug]
        corpus.unread_meta.discard(slug)
    gone = set(left_out)
    corpus.slides = [s for s in corpus.slides if s.deck not in gone]
    for i, problem in enumerate(corpus.problems):
        if problem.path.partition("/")[0] in gone and problem.reason.endswith(META_IGNORED):
            corpus.problems[i] = Problem(problem.path, problem.reason.removesuffix(META_IGNORED)
                                         + "deck left out until it is fixed (never published "
                                         "without its licence)")
    return left_out


# A deck sharing at least this share of its slides with another deck is reported
SHARED_SLIDES_REPORTED = 0.5
# A slide file in more decks than this is a template's (a "Thank you" page every deck of a
# firm ends on): it alone never makes two decks candidates, so the pairs stay few
_TEMPLATE_SLIDE_DECKS = 20


def shared_slide_problems(slides: list[Slide]) -> list[Problem]:
    """One warning per pair of decks of which one has at least half its slides in the other
    (same source SHA-256: byte-identical files): a copied folder, or an updated deck
    beside the deck it re-uses. Each shared slide is published twice, on the section pages
    and in the dataset, where a duplicate can fall into both the train and the test split.

    Only a warning: both decks are still built. Nothing here says which of the two is the
    copy or whether both are wanted (a re-issue with its own metadata), and leaving one
    out would drop a deck the user asked for without being told; the user decides."""
    by_deck: dict[str, list[str]] = {}
    decks_of: dict[str, set[str]] = {}
    for slide in slides:
        by_deck.setdefault(slide.deck, []).append(slide.sha256)
        decks_of.setdefault(slide.sha256, set()).add(slide.deck)
    pairs = {
        (a, b)
        for owners in decks_of.values() if 1 < len(owners) <= _TEMPLATE_SLIDE_DECKS
        for a in owners for b in owners if a < b
    }
    problems = []
    for first, second in sorted(pairs):
        files = set(by_deck[first]) & set(by_deck[second])
        shared = {deck: sum(h in files for h in by_deck[deck]) for deck in (first, second)}
        # said of the deck with the larger share (of two whole copies, the later name:
        # "fablelane-reissue", not "fablelane")
        deck, other = max([(first, second), (second, first)],
                          key=lambda pair: (shared[pair[0]] / len(by_deck[pair[0]]), pair[0]))
        count, total = shared[deck], len(by_deck[deck])
        if count < SHARED_SLIDES_REPORTED * total:
            continue
        if count == total:
            slides_are = "its one slide is the same file" if total == 1 else (
                f"all {total} slides are the same files")
            said = (f"{slides_are} as {other}'s (a copy? remove one folder, or keep both on "
                    "purpose)")
        else:
            said = (f"{count} of {total} slides are the same files as {other}'s, so they are "
                    "published twice (an update re-using them? remove the old deck, or keep "
                    "both on purpose)")
        problems.append(Problem(deck, said))
    return problems


def unify_spellings(decks: dict[str, DeckMeta]) -> None:
    """Stages and industries that differ only in case and spacing ("seed" beside "Seed",
    "series-a" beside "Series A") are one filter on the site: each takes one spelling for
    every deck (``_spelling_rank``): a compatibility form ("ＨＲ－ＴＥＣＨ") never, then the
    one most decks use, then the plainest. One deck's odd spelling so never rewrites
    another's; a spelling more decks use does (it is the corpus's way of writing it)."""
    for name in ("stage", "industry"):
        spellings: dict[str, Counter[str]] = {}
        for meta in decks.values():
            if value := getattr(meta, name):
                spellings.setdefault(facet_key(value), Counter())[value] += 1
        for meta in decks.values():
            if value := getattr(meta, name):
                counts = spellings[facet_key(value)]
                setattr(meta, name, min(counts, key=lambda v: _spelling_rank(v, counts[v])))


# what may stand between two words of a plain stage or industry: "Health & Wellness",
# "E-commerce", "B2B/SaaS", "Series A, B", "St. Gallen", "Women's health"
_PLAIN_SEPARATORS = frozenset({" ", "-", "/", " / ", "&", " & ", "+", " + ", ", ", ".", ". ",
                               "'", "\u2019"})
_LONG_WORD = re.compile(r"[^\W\d_]{4,}")  # "TECH", not "HR" or "B2B" (acronyms)


def _spelling_rank(value: str, decks: int) -> tuple:
    """How ``unify_spellings`` orders the spellings of one facet value (least first), so a
    deck's spelling wins only by its count or its plainness, never by its place in code
    point order (capitals and fullwidth forms sort first): its own NFKC form (a
    compatibility character is never how a value is meant), then more decks, then with no
    doubled or odd punctuation, then not shouting, then code point order (the same on every
    build, in any deck order)."""
    return (unicodedata.normalize("NFKC", value) != value, -decks, _odd_punctuation(value),
            _shouting(value), value)


def _odd_punctuation(value: str) -> bool:
    """Whether ``value`` begins or ends with anything but a letter, digit or mark (a
    trailing "+", "Series B+", is plain), or has between two words anything but one of
    ``_PLAIN_SEPARATORS``: "SERIES__A", "HR (TECH)", "Seed  stage"."""
    runs = [(is_word, "".join(chars)) for is_word, chars in
            groupby(value.removesuffix("+"), lambda ch: unicodedata.category(ch)[0] in "LNM")]
    if not runs or not runs[0][0] or not runs[-1][0]:
        return True
    return any(not is_word and run not in _PLAIN_SEPARATORS for is_word, run in runs)


def _shouting(value: str) -> bool:
    """All capitals with a word of four letters or more ("SERIES A", "HR TECH"); an
    acronym ("AI", "B2B") is how the word is spelt, not shouting."""
    return value == value.upper() != value.lower() and bool(_LONG_WORD.search(value))


def unread_file_reason(suffix: str) -> str:
    """Why a file in a deck folder is not a slide, and what to do with it."""
    if suffix in UNREAD_IMAGE_EXTENSIONS:
        return UNREAD_IMAGE_ADVICE
    if suffix in PRESENTATION_EXTENSIONS:
        return (f"a presentation ({suffix}) is not read from the corpus; import it with "
                "`deckgen add FILE` (converted to slide images) or export it as PDF")
    # said every build (and counted by --strict) while it stays: a note kept with the deck
    return (f"not a slide image or PDF ({suffix or 'no extension'}); keep notes outside the "
            "deck folders")


def scan_deck(deck_dir: Path, root: Path, problems: list[Problem]) -> list[Slide]:
    images: list[Path] = []
    pdfs: list[Path] = []
    for path in sorted(deck_dir.iterdir(), key=lambda p: natural_key(p.name)):
        rel = str(path.relative_to(root))
        if path.name == "deck.toml" or path.name.startswith(".") or is_system_file(path.name):
            continue
        if bad_link := link_problem(path, root):
            problems.append(Problem(rel, f"{bad_link}; skipped"))
            continue
        if not path.is_file():
            problems.append(Problem(rel, "not a regular file; skipped"))
            continue
        if rel != Problem(rel, "").path:
            problems.append(Problem(rel, "file name is not valid UTF-8; rename it; skipped"))
            continue
        suffix = path.suffix.lower()
        if suffix in IMAGE_EXTENSIONS:
            images.append(path)
        elif suffix == PDF_EXTENSION:
            pdfs.append(path)
        else:
            problems.append(Problem(rel, f"{unread_file_reason(suffix)}; skipped"))
    if images and pdfs:
        for pdf in pdfs:
            problems.append(Problem(str(pdf.relative_to(root)), "deck has images too; PDF ignored"))
        pdfs = []
    if len(pdfs) > 1:  # "deck.pdf" beside "deck (1).pdf": a download saved twice?
        names = ", ".join(printable(p.name) for p in pdfs)
        problems.append(Problem(str(deck_dir.relative_to(root)), (
            f"{len(pdfs)} PDFs, their pages joined in file-name order as one deck ({names}); "
            "remove any that is a copy")))
    # (page, source, sha256); an image's page is its place in the folder, so a bad file
    # leaves a gap instead of moving every later slide's id, URL and hand-set label
    sources: list[tuple[int, str, str]] = []
    for page, path in enumerate(images, start=1):
        rel = str(path.relative_to(root))
        if path.stat().st_size == 0:
            problems.append(Problem(rel, f"empty file (0 bytes); slide {page} skipped"))
            continue
        sources.append((page, rel, sha256_file(path)))  # streamed: never all in memory
    pdf_pages = 0
    for path in pdfs:
        rel = str(path.relative_to(root))
        try:
            count = pdf_page_count(path)
        except BadInputError as exc:
            problems.append(Problem(rel, str(exc)))
            continue
        if pdf_pages + count > MAX_PDF_PAGES:  # per deck: five PDFs are not 5,000 slides
            problems.append(Problem(rel, f"{pdf_pages + count:,} PDF pages in the deck with "
                                         f"this one; only the first {MAX_PDF_PAGES} are read"))
            count = MAX_PDF_PAGES - pdf_pages
        pdf_pages += count
        pdf_hash = sha256_file(path)
        first = len(sources) + 1
        sources.extend(
            (first + n - 1, f"{rel}#p{n}", pdf_page_identity(pdf_hash, n))
            for n in range(1, count + 1)
        )
    deck = deck_dir.name
    return [
        Slide(id=slide_id(deck, page), deck=deck, page=page, source=src, sha256=digest)
        for page, src, digest in sources
    ]
