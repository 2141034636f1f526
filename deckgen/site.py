"""The static gallery: Jinja2 pages, content-hashed assets, sitemap (images: ``site_images``).

URL scheme: flat ``.html`` pages. Every page is one object whose key is its URL
path (``slide/acme/003.html``), so the site works on S3 behind CloudFront with
Origin Access Control (the S3 REST endpoint, no website hosting) without a
CloudFront Function to map ``dir/`` to ``dir/index.html``; only the site root
needs ``DefaultRootObject: index.html``. Every link is relative (``root`` is
"", "../" or "../../"), so the site works under any prefix and from a plain
file server. The one exception is ``404.html``, which CloudFront serves at
whatever depth was requested: its links are root-relative, from the path of
``base_url`` (``/gallery/static/...``) or ``/`` without one, so a site served
under a prefix must set ``base_url``. Never from its host: the same files are
reached on the ``*.cloudfront.net`` domain and in the preview server, whose CSP
(``'self'``) would block another host's stylesheet. It has no canonical URL.

``base_url`` is checked and normalized by ``site_urls.site_base_url`` (the
config calls it too): its path percent-encoded and its host IDNA-encoded, so
sitemap locations and og: URLs are valid URLs.

Assets and images carry a content hash in their names (cache them forever);
pages keep stable names. Every output goes through ``write_if_changed`` so an
unchanged page keeps its mtime, and files this module owns that the build no longer
produces are removed: everything in its folders (``img/``, ``static/``, ``section/``,
``deck/``, ``slide/``), ``sitemap.xml``, and a root page only when it carries deckgen's
mark for its own path (``<meta name="generator" content="deckgen" data-page=...>``).
Every other file in the site folder is the user's (an Impressum, ``.well-known/``, a
robots.txt without deckgen's first line): kept, and named in the stage's summary
(``summary_lines``). ``search/`` (the client index) and ``dataset/`` (the bundle)
belong to other stages.

The templates may be the user's own (``DECKGEN_TEMPLATES``): their errors are ConfigErrors
naming the template and line, found before any page is written; what the home page lacks
of the contract deckgen relies on is a warning (``contract_warnings``); ``static/search.js``
is always deckgen's, since it must read the index this deckgen writes.

No inline scripts or styles anywhere: the site runs under the strict CSP of
``infra/site.yaml`` (``site_serve.CSP``, which the preview server sends). Every template
is autoescaped, because OCR text and deck metadata are untrusted.
"""

from __future__ import annotations

import bisect
import contextlib
import functools
import hashlib
import itertools
import os
import re
import traceback
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from xml.sax.saxutils import escape as xml_escape

import jinja2
import jinja2.meta

from deckgen.bundle_card import (
    LICENCE_HINTS,
    NO_LICENSE,
    is_open_license,
    license_key,
    spdx_id,
)
from deckgen.bundle_guide import languages
from deckgen.corpus import printable
from deckgen.deploy import is_published, site_files  # what a deploy would upload
from deckgen.errors import ConfigError
from deckgen.files import name_few, sha256_bytes, write_if_changed
from deckgen.progress import SILENT, Progress
from deckgen.records import (
    SECTION_TITLES,
    SECTIONS,
    TEXT_LAYER,
    UNSURE_BELOW,
    DeckMeta,
    OcrResult,
    Slide,
)
from deckgen.site_images import srcset
from deckgen.site_urls import (
    deck_page_path,
    decks_page_path,
    root_for,
    section_page_path,
    site_base_url,
    site_root_path,
    slide_page_path,
)
from deckgen.text import HAN_KANA, HANGUL

VERSION = "10"  # bump when pages, their order or the data card text change
_OWNED_DIRS = ("img", "static", "section", "deck", "slide")
# A figure OCR read below this confidence is listed for a reader to check on the image.
# Tesseract keeps words from ocr.OcrParams.min_conf (30) up. On the sample corpus (640 words
# with a digit) the misreads one can tell ("$898" for "$89B" at 32, "(1496" for "(14%" at 83,
# years read "7017", "2075", "20277" at 81 to 88) scored under 90 nearly all; 398 scored 90
# or more, nearly all right (QA-76). A PDF text layer's words score 100: never listed.
UNSURE_FIGURE_CONF = 90.0
_DIGIT = re.compile(r"\d")
_OWNED_ROOT_FILES = ("sitemap.xml",)
_OTHER_STAGES_DIRS = ("search", "dataset")
_MARK_BYTES = 4096  # base.html writes the mark in the head's first lines
NAMED_FILES = 5  # files named in a summary line; the rest counted
_SUMMARY_CHARS = 200


# -- links from deck metadata --------------------------------------------------------------
def _http_url(url: str | None) -> str:
    """``url`` if it is an absolute http(s) URL, else "" (no javascript: links)."""
    if not url:
        return ""
    parts = urlsplit(url.strip())
    return url.strip() if parts.scheme in ("http", "https") and parts.netloc else ""


# -- a deck's licence, for people -----------------------------------------------------------
# SPDX ids and their plain words are bundle_card's (LICENCE_HINTS), which the dataset shares
# open licences the dataset card knows by names that are not SPDX ids (shown, not linked)
_OPEN_ALIAS_HINTS = {"cc0": "no rights reserved", "public-domain": "no rights reserved",
                     "pddl": "no rights reserved", "odc-by": "reuse with credit",
                     "odbl": "reuse with credit, under the same licence",
                     "cc-by": "reuse with credit",
                     "cc-by-sa": "reuse with credit, under the same licence"}
_ASK = "ask the company before reuse"


@dataclass(frozen=True)
class LicenceView:
    """A deck's licence as its pages show it: ``name`` (deck.toml's text, untrusted, or
    "None stated"), ``url`` (the SPDX page of a known id, else "") and ``hint`` (plain words)."""

    name: str
    url: str
    hint: str


def licence_view(license_text: str) -> LicenceView:
    """The licence line of a deck: a known SPDX id links to its page on spdx.org; none stated,
    "All rights reserved" or any licence the dataset card does not count as open says to
    ask the company first, as the card does."""
    text = " ".join(license_text.split())
    spdx = spdx_id(text)  # as the dataset's `license` names it
    if spdx:
        return LicenceView(spdx, f"https://spdx.org/licenses/{spdx}.html", LICENCE_HINTS[spdx])
    if not text:
        return LicenceView(NO_LICENSE.capitalize(), "", _ASK)
    alias = license_key(text)  # as is_open_license reads it
    if is_open_license(text) and alias in _OPEN_ALIAS_HINTS:
        return LicenceView(text, "", _OPEN_ALIAS_HINTS[alias])
    return LicenceView(text, "", _ASK)


# -- templates and assets ------------------------------------------------------------------
def templates_dir() -> Path:
    """``$DECKGEN_TEMPLATES``, else the repository's ``site_templates/`` beside the package,
    else the copy an installed wheel carries inside it, else ``site_templates/`` in cwd."""
    if env := os.environ.get("DECKGEN_TEMPLATES"):
        return Path(env)
    if shipped := shipped_templates_dir():
        return shipped
    raise ConfigError("site templates not found: set DECKGEN_TEMPLATES to a site_templates folder")


def shipped_templates_dir() -> Path | None:
    """deckgen's own templates (``site_templates/``), wherever it is installed; None if gone."""
    package = Path(__file__).resolve().parent
    for candidate in (package.parent / "site_templates", package / "site_templates",
                      Path.cwd() / "site_templates"):
        if (candidate / "base.html").is_file():
            return candidate
    return None


def _templates_named(root: Path) -> str:
    """The templates folder as an error names it: the setting a user changes, if theirs."""
    return f"DECKGEN_TEMPLATES={root}" if os.environ.get("DECKGEN_TEMPLATES") else str(root)


def templates_fingerprint() -> str:
    """Hash of every template and static file, so a template edit re-renders the site; and of
    deckgen's search.js, published instead of a copy among the user's own templates."""
    digest = hashlib.sha256(VERSION.encode())
    root = templates_dir()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    own = _own_search_js()
    if own is not None and own.parent.resolve() != (root / "static").resolve():
        digest.update(b"deckgen search.js\0" + own.read_bytes())
    return digest.hexdigest()


def _environment(root: Path) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(root),
        autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.globals.update(
        slide_page_path=slide_page_path, deck_page_path=deck_page_path,
        section_page_path=section_page_path, srcset=srcset, SECTION_TITLES=SECTION_TITLES,
        UNSURE_BELOW=UNSURE_BELOW, licence_view=licence_view,
    )
    env.filters["filesize"] = _human_size
    env.filters["isolate"] = bidi_isolate
    return env


# Bidi classes that make text read right to left, or reorder what follows it: R, AL, and
# the explicit embeddings, overrides and isolates (an unclosed U+202E flips the rest)
_BIDI_REORDERING = {"R", "AL", "RLE", "RLO", "LRE", "LRO", "RLI", "LRI", "FSI", "PDF", "PDI"}


def bidi_isolate(text: object) -> str:
    """``text`` between FSI and PDI (Unicode's isolates) where it holds right-to-left letters
    or bidi controls, else as it is. For untrusted text inside a line of ours where no
    element can isolate it (``<title>``, og:title): "شركة · slide 3" keeps the English
    order. A text that holds its own PDI could end the isolate early: OCR text (``ocr``)
    and deck metadata (``corpus``) reach here with their bidi controls taken out. Still a
    ``str``: autoescape applies."""
    value = str(text)
    if any(unicodedata.bidirectional(ch) in _BIDI_REORDERING for ch in value):
        return f"\u2068{value}\u2069"
    return value


def _human_size(size: int) -> str:
    value = float(size)
    for unit in ("bytes", "KB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{int(value)} {unit}" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{size} bytes"


SEARCH_JS = "search.js"  # the search index's reader: always deckgen's own (it must match the index)


def _own_search_js() -> Path | None:
    shipped = shipped_templates_dir()
    path = shipped / "static" / SEARCH_JS if shipped else None
    return path if path is not None and path.is_file() else None


class _Assets(dict):
    """static/ name -> its published path. A missing name is undefined (a template may
    ``| default`` it), and says "lacks static/<name>" when rendered, not Jinja's "'dict
    object' has no attribute 'style.css'"."""

    def __missing__(self, name: str) -> jinja2.StrictUndefined:
        return jinja2.StrictUndefined(
            hint=f"the templates folder lacks static/{name}: copy site_templates/static into "
                 "it with the templates", name=name)


def _static_sources(tdir: Path) -> tuple[dict[str, Path], list[str]]:
    """static/ name -> the file published for it, and warnings: the templates' static/
    files (none hidden), with deckgen's own search.js in place of theirs."""
    sources: dict[str, Path] = {}
    static_dir = tdir / "static"
    for path in sorted(p for p in static_dir.rglob("*") if p.is_file()):
        rel = path.relative_to(static_dir)
        if not any(part.startswith(".") for part in rel.parts):
            sources[rel.as_posix()] = path
    own = _own_search_js()
    if own is None:  # deckgen without its templates: theirs is all there is
        return sources, []
    warnings = []
    theirs = sources.get(SEARCH_JS)
    if theirs is not None and theirs.read_bytes() != own.read_bytes():
        warnings.append(f"{_templates_named(tdir)}: its static/{SEARCH_JS} is not used: deckgen "
                        f"publishes its own {SEARCH_JS}, which must match the search index it "
                        "writes (a copy from another deckgen version refuses the index, and "
                        "search fails); delete it from your templates' static/")
    sources[SEARCH_JS] = own
    return sources, warnings


def _hashed_static(sources: dict[str, Path]) -> tuple[_Assets, dict[str, bytes]]:
    """(the templates' ``assets``: {"style.css": "static/style.<hash>.css"}, {that path: its
    bytes}): named by content, written only once every template has rendered."""
    assets = _Assets()
    files: dict[str, bytes] = {}
    for name, path in sources.items():
        data = path.read_bytes()
        rel = Path(name)
        hashed = rel.with_name(f"{rel.stem}.{sha256_bytes(data)[:10]}{rel.suffix}")
        url = f"static/{hashed.as_posix()}"
        assets[name] = url
        files[url] = data
    return assets, files


# -- what the templates see ----------------------------------------------------------------
# Slides or decks per page of a section or the deck list: a multiple of every column count the
# grid takes (1 to 5, style.css), so full pages end with a full row. A gallery of thousands
# of decks then serves pages of ~100 KB, not one list of megabytes.
LIST_PAGE_SIZE = 120
RELATED = 5  # a slide page shows this many of its section from other decks (a row on desktop)

@dataclass
class SlideView:
    slide: Slide
    deck: DeckMeta
    deck_name: str
    image: dict
    title: str
    alt: str
    summary: str
    label: str
    top_scores: list[tuple[str, float]] = field(default_factory=list)
    # the language of the slide's OCR text (BCP 47, "" for English): picks the right
    # glyphs for Chinese and Japanese, and the voice of a screen reader
    text_lang: str = ""
    prev: SlideView | None = None
    next: SlideView | None = None
    # the same section in other decks (the surest slide of each), and the section's size
    related: list[SlideView] = field(default_factory=list)

    @property
    def title_lang(self) -> str:
        """The OCR title's own language ("" for "Slide 3", or "Market size" over Japanese)."""
        return title_lang(self.slide.ocr)

    @property
    def path(self) -> str:
        return slide_page_path(self.slide.id)

    @property
    def unsure(self) -> bool:
        return self.slide.section is not None and self.slide.section.unsure

    @property
    def word_boxes(self) -> dict | None:
        """The OCR words with their boxes in source pixels: a slide page opened from a
        search marks the words searched for on the image with them."""
        up, ocr = self.slide.upscale, self.slide.ocr
        if up is None or ocr is None or not ocr.words:
            return None
        return {"width": up.source_width, "height": up.source_height,
                "words": [[w.text, *w.box] for w in ocr.words]}

    @property
    def text_sources(self) -> tuple[int, int, float]:
        """(words from a PDF page's text layer, words read by OCR, OCR's mean confidence):
        the page says where its text came from, and the layer's words (confidence 100)
        would lift OCR's mean."""
        words = self.slide.ocr.words if self.slide.ocr is not None else []
        read = [w.conf for w in words if w.source != TEXT_LAYER]
        return len(words) - len(read), len(read), sum(read) / len(read) if read else 0.0

    @property
    def unsure_figures(self) -> list[str]:
        """Words with a digit that OCR read with low confidence, in reading order, each once:
        the page asks to check them on the image (QA-76: "$89B" read "$898", "14%" "1496")."""
        ocr = self.slide.ocr
        words = ocr.words if ocr is not None else []
        return list(dict.fromkeys(w.text for w in words
                                  if w.conf < UNSURE_FIGURE_CONF and _DIGIT.search(w.text)))


def deck_name(meta: DeckMeta) -> str:
    return meta.company or meta.title or meta.slug


def _slide_view(slide: Slide, meta: DeckMeta, image: dict) -> SlideView:
    assert slide.ocr is not None and slide.section is not None
    name = deck_name(meta)
    ocr_title = " ".join(slide.ocr.title.split())
    title = ocr_title or f"Slide {slide.page}"
    text = " ".join(slide.ocr.text.split())
    summary = text if len(text) <= _SUMMARY_CHARS else text[: _SUMMARY_CHARS - 1].rstrip() + "…"
    alt = f"{name}, slide {slide.page}: {ocr_title or SECTION_TITLES.get(slide.section.label, '')}"
    scores = slide.section.ranked()
    return SlideView(slide=slide, deck=meta, deck_name=name, image=image, title=title,
                     alt=alt[:160].rstrip(" :"), summary=summary or f"{name}, slide {slide.page}",
                     label=slide.section.label, top_scores=scores,
                     text_lang=text_lang(slide.ocr.lang, slide.ocr.text))


# Tesseract's Chinese models name their script: a page must say which, or a browser draws
# Traditional characters in a Japanese or Simplified font
_SCRIPT_TAGS = {"chi_sim": "zh-Hans", "chi_sim_vert": "zh-Hans", "chi_tra": "zh-Hant",
                "chi_tra_vert": "zh-Hant", "fas": "fa"}  # Persian: ISO 639-1 has "fa"
# The letters of the scripts whose languages are told by the script, not the --lang alone:
# an "eng+ara" slide is Arabic only if it shows Arabic letters (marks and digits do not count)
_ARABIC = re.compile("[\u0620-\u064a\u066e-\u06d3\u06d5\u06fa-\u06ff\u0750-\u077f"
                     "\u08a0-\u08c9\ufb50-\ufdfb\ufe70-\ufefc]")
_SCRIPTS = {
    "ja": HAN_KANA, "ko": HANGUL, "zh-Hans": HAN_KANA, "zh-Hant": HAN_KANA, "zh": HAN_KANA,
    "ar": _ARABIC, "fa": _ARABIC,
    "he": re.compile("[\u05d0-\u05ea\u05ef-\u05f2\ufb1d-\ufb4f]"),
    "hi": re.compile("[\u0900-\u0963\u0971-\u097f\ua8e0-\ua8ff]"),
    "th": re.compile("[\u0e01-\u0e4e]"),
}


def title_lang(ocr: OcrResult | None) -> str:
    """The BCP 47 tag of a slide's OCR title ("" for none, or one in English)."""
    return text_lang(ocr.lang, ocr.title) if ocr and ocr.title.strip() else ""


def text_lang(lang: str, text: str) -> str:
    """The BCP 47 tag of OCR text read with Tesseract's ``lang`` ("jpn": "ja", "chi_tra":
    "zh-Hant", "ara": "ar"); "" when that is English, mixes other languages, or cannot be
    told: a slide of an "eng+jpn" (or "eng+heb") build is Japanese (Hebrew) only if it shows
    Japanese (Hebrew) letters, and one of an "eng+deu" build may be either."""
    parts = lang.split("+")
    others = {_SCRIPT_TAGS.get(part) or next(iter(languages(part)), "")
              for part in parts if part not in ("eng", "osd")}
    if len(others) != 1:
        return ""
    tag = others.pop()
    if (script := _SCRIPTS.get(tag)) is not None:
        return tag if script.search(text) else ""
    return "" if "eng" in parts else tag


@dataclass
class _Page:
    path: str
    template: str
    context: dict[str, Any]


def _checked_dataset(dataset: dict | None) -> dict | None:
    if not dataset:
        return None
    file = str(dataset.get("file", ""))
    if not file or ":" in file or file.startswith("/") or ".." in file.split("/"):
        raise ValueError(f"dataset file must be a path relative to the site root: {file!r}")
    return dataset


def _ring_point(key: str) -> int:
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big")


def _pick_related(section_views: list[SlideView]) -> None:
    """Each slide page's row of its section in other decks: the surest slide of each deck
    (sure labels only, while there are enough), RELATED of them picked per page on a hash
    ring. A deck added, removed or labelled by hand changes only the rows of the pages
    beside it on the ring (about RELATED in the number of decks), never every page of the
    section: fewer pages to upload and to invalidate on the CDN."""
    surest: dict[str, SlideView] = {}
    for view in section_views:  # surest first
        surest.setdefault(view.slide.deck, view)
    sure = [w for w in surest.values() if not w.unsure]
    ring = sorted(sure if len(sure) > RELATED else surest.values(),
                  key=lambda w: _ring_point(w.slide.deck))
    points = [_ring_point(w.slide.deck) for w in ring]
    for view in section_views:
        start = bisect.bisect(points, _ring_point(view.slide.id))
        others = (ring[(start + k) % len(ring)] for k in range(len(ring)))
        view.related = list(itertools.islice(
            (w for w in others if w.slide.deck != view.slide.deck), RELATED))


def _plan_pages(slides: list[Slide], decks: dict[str, DeckMeta], images: dict[str, dict],
                dataset: dict | None) -> list[_Page]:
    """Gather everything first (views, groupings, counts), then the pages to render."""
    usable = [s for s in slides if s.ocr is not None and s.section is not None and s.id in images]
    usable.sort(key=lambda s: (s.deck, s.page))
    slugs = {*decks, *(s.deck for s in usable)}
    metas = {slug: decks.get(slug) or DeckMeta(slug=slug) for slug in slugs}
    views = [_slide_view(s, metas[s.deck], images[s.id]) for s in usable]
    by_deck: dict[str, list[SlideView]] = {slug: [] for slug in metas}
    for view in views:
        by_deck[view.slide.deck].append(view)
    for deck_views in by_deck.values():
        for earlier, later in zip(deck_views, deck_views[1:], strict=False):
            earlier.next, later.prev = later, earlier
    labels = list(SECTIONS) + sorted({v.label for v in views} - set(SECTIONS))
    # surest first: a visitor browsing "Problem slides" meets the likely-right ones before the
    # doubtful ones (labels set by hand count as sure); the first is the section's cover card
    by_section = {
        label: sorted((v for v in views if v.label == label),
                      key=lambda v: (-v.slide.section.sureness, v.slide.deck, v.slide.page))
        for label in labels
    }
    for label, section_views in by_section.items():
        if label == "other":  # "more other slides" would be a list of anything
            continue
        _pick_related(section_views)
    deck_order = sorted(metas.values(), key=lambda m: (sort_key(deck_name(m)), m.slug))
    recent = sorted(deck_order, key=lambda m: -(m.year or 0))[:12]
    deck_cards = [{"meta": m, "name": deck_name(m), "count": len(by_deck[m.slug]),
                   "cover": by_deck[m.slug][0] if by_deck[m.slug] else None} for m in deck_order]
    cards_by_slug = {c["meta"].slug: c for c in deck_cards}
    stats = {"slides": len(views), "decks": len(metas),
             "fictional": sum(m.fictional is True for m in metas.values())}  # None: unsaid
    pages = [
        _Page("index.html", "home.html", {"sections": [(lb, len(by_section[lb])) for lb in labels],
              "section_covers": {lb: vs[0] for lb, vs in by_section.items() if vs},
              "recent": [cards_by_slug[m.slug] for m in recent], "stats": stats}),
        _Page("about.html", "about.html", {"stats": stats, "dataset": dataset}),
        _Page("dataset.html", "dataset.html", {"dataset": dataset, "stats": stats}),
        _Page("404.html", "404.html", {}),
    ]
    pages += [_Page(path, "decks.html", {"decks": cards, "pager": pager})
              for path, cards, pager in _paged(deck_cards, decks_page_path)]
    for lb in labels:
        paged = _paged(by_section[lb], functools.partial(section_page_path, lb))
        pages += [_Page(path, "section.html", {"label": lb, "views": views, "pager": pager})
                  for path, views, pager in paged]
    pages += [_Page(deck_page_path(m.slug), "deck.html",
                    {"meta": m, "name": deck_name(m), "views": by_deck[m.slug],
                     "outline": _outline(by_deck[m.slug]),
                     "source_url": _http_url(m.source_url)}) for m in deck_order]
    pages += [_Page(v.path, "slide.html", {"v": v}) for v in views]
    return pages


def sort_key(name: str) -> tuple[str, str]:
    """A name's place in a list for people: without accents or case ("Éclat Santé" among
    the E's, not after "Z"), ties in a fixed order by the name as written."""
    decomposed = unicodedata.normalize("NFKD", name)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return bare.casefold(), name


def _paged(items: list, path_for: Callable[[int], str]) -> list[tuple[str, list, dict]]:
    """``items`` cut into pages of LIST_PAGE_SIZE: (path, the page's items, its pager), one
    page even when there are no items."""
    chunks = [items[i : i + LIST_PAGE_SIZE] for i in range(0, len(items), LIST_PAGE_SIZE)] or [[]]
    count = len(chunks)
    pages = []
    for number, chunk in enumerate(chunks, 1):
        first = (number - 1) * LIST_PAGE_SIZE
        # the first, the last and two either side of this one; the template marks the gaps
        shown = sorted({1, count, *range(max(1, number - 2), min(count, number + 2) + 1)})
        pager = {
            "number": number, "count": count, "total": len(items),
            "first": first + 1, "last": first + len(chunk),
            "prev": path_for(number - 1) if number > 1 else None,
            "next": path_for(number + 1) if number < count else None,
            "links": [(n, path_for(n), n > 1 and n - 1 not in shown) for n in shown],
        }
        pages.append((path_for(number), chunk, pager))
    return pages


def _outline(views: list[SlideView]) -> list[dict[str, Any]]:
    """A deck's story: its runs of slides of one section, in order (Cover 1, Problem 2,
    Traction 5-8, ...), each with the view of its first slide."""
    runs: list[dict[str, Any]] = []
    for view in views:
        if runs and runs[-1]["label"] == view.label:
            runs[-1]["last"] = view.slide.page
        else:
            runs.append({"label": view.label, "view": view, "last": view.slide.page})
    return runs


# -- rendering -----------------------------------------------------------------------------
@contextlib.contextmanager
def _template_errors(tdir: Path, doing: str, used_by: str = "") -> Iterator[None]:
    """Jinja's errors (a syntax error, an undefined name or static file, a missing template)
    as one ConfigError line: where in which template (else ``used_by``, the
    template that names a missing one), what, while doing what, and in which folder."""
    try:
        yield
    except jinja2.TemplateError as exc:
        where = _template_line(exc, tdir) or used_by
        message = (f"template {exc.name!r} not found" if isinstance(exc, jinja2.TemplateNotFound)
                   else " ".join((exc.message or type(exc).__name__).split()))
        raise ConfigError(f"site template error{' in ' + where if where else ''}: {message} "
                          f"({doing}; {_templates_named(tdir)})") from exc


def _template_line(exc: BaseException, tdir: Path) -> str:
    """"base.html line 12": where in the templates ``exc`` arose (Jinja puts template lines in
    its tracebacks), or ""."""
    if isinstance(exc, jinja2.TemplateSyntaxError) and exc.name:
        return f"{exc.name} line {exc.lineno}"
    root = tdir.resolve()
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        path = Path(frame.filename).resolve()
        if path.suffix == ".html" and root in path.parents:
            return f"{path.relative_to(root).as_posix()} line {frame.lineno}"
    return ""


def _load_templates(env: jinja2.Environment, tdir: Path, names: set[str]) -> None:
    """Compile ``names`` and every template they extend, include or import: a syntax error
    or a missing template anywhere stops the build before it writes."""
    todo: list[tuple[str, str]] = [(name, "") for name in sorted(names)]  # (name, used by)
    seen: set[str] = set()
    while todo:
        name, used_by = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        with _template_errors(tdir, "loading the templates", used_by):
            env.get_template(name)
            source = env.loader.get_source(env, name)[0] if env.loader else ""
            todo += [(n, name) for n in jinja2.meta.find_referenced_templates(
                env.parse(source, name)) if n and n not in seen]


# the page templates _plan_pages renders (each with what it extends, includes or imports)
PAGE_TEMPLATES = frozenset({"home.html", "about.html", "dataset.html", "decks.html",
                            "404.html", "deck.html", "section.html", "slide.html"})


def check_templates() -> None:
    """Compile every page template and what it uses, and check that there is a static/
    folder: the build calls it before its site stage changes the folder, the search
    index or the archive, so a broken template leaves all three as they were (QA-73).
    ``render_site`` still renders one page of each before writing any."""
    tdir = templates_dir()
    _load_templates(_environment(tdir), tdir, set(PAGE_TEMPLATES))
    if not (tdir / "static").is_dir():
        raise ConfigError(f"{_templates_named(tdir)}: the templates folder lacks static/: copy "
                          "site_templates/static into it with the templates")


def _one_page_per_template(pages: list[_Page]) -> list[_Page]:
    """The first page of each template: rendered as a trial before any page is written."""
    first: dict[str, _Page] = {}
    for page in pages:
        first.setdefault(page.template, page)
    return list(first.values())


class _HomeParts(HTMLParser):
    """What the template contract checks on the home page: meta tags, ids, inline code."""

    def __init__(self) -> None:
        super().__init__()
        self.metas: list[dict[str, str]] = []
        self.ids: set[str] = set()
        self.inline: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        if tag == "meta":
            self.metas.append(attributes)
        if attributes.get("id"):
            self.ids.add(attributes["id"])
        if tag == "script" and not attributes.get("src") and attributes.get("type", "").lower() \
                in _SCRIPT_TYPES:
            self.inline.append("<script> without src")
        if tag == "style":
            self.inline.append("<style>")
        if "style" in attributes:
            self.inline.append(f"style= on <{tag}>")
        self.inline += [f"{name}= on <{tag}>" for name in attributes if name.startswith("on")]


_SCRIPT_TYPES = {"", "module", "text/javascript", "application/javascript"}  # run, so blocked
_SEARCH_IDS = ("search-form", "q", "search-results", "facets")  # search.js's start()


def contract_warnings(home_html: str, search_engines: bool, tdir: Path) -> list[str]:
    """What the templates' home page (index.html) lacks of what deckgen relies on, as warning
    lines (docs/site.md, Templates): deckgen's mark, noindex for a private gallery, the
    elements search.js needs, and no inline code the site's CSP blocks."""
    if not home_html:
        return []
    parts = _HomeParts()
    parts.feed(home_html)
    parts.close()
    named = f"site templates ({_templates_named(tdir)}): index.html"
    warnings = []
    mark = '<meta name="generator" content="deckgen" data-page="index.html">'
    if mark.encode() not in home_html.encode()[:_MARK_BYTES]:
        warnings.append(f"{named} lacks <meta name=\"generator\" content=\"deckgen\" "
                        "data-page=\"{{ page_path }}\"> in the first lines of its <head>: pages "
                        "of these templates are not known as deckgen's, so stale ones are not "
                        "removed; copy the line from site_templates/base.html")
    if not search_engines and not any(
            m.get("name", "").lower() == "robots" and "noindex" in m.get("content", "").lower()
            for m in parts.metas):
        warnings.append(f"{named} lacks <meta name=\"robots\" content=\"noindex\">: with "
                        "[site] search_engines = false search engines may still list its pages; "
                        "copy it from site_templates/base.html")
    if missing := [f'id="{i}"' for i in _SEARCH_IDS if i not in parts.ids]:
        warnings.append(f"{named} lacks the element{'s' if len(missing) > 1 else ''} "
                        f"{', '.join(missing)} that search.js needs: search does not work "
                        f"without {'them' if len(missing) > 1 else 'it'} (see "
                        "site_templates/base.html and home.html)")
    if parts.inline:
        found = ", ".join(dict.fromkeys(parts.inline))
        warnings.append(f"{named} has {found}: blocked by the site's Content-Security-Policy: "
                        "move it to a file in static/")
    return warnings


def render_site(
    slides: list[Slide],
    decks: dict[str, DeckMeta],
    images: dict[str, dict],
    out_dir: Path,
    *,
    dataset: dict | None = None,
    site_title: str = "deckgen",
    base_url: str = "",
    search_engines: bool = True,
    earlier_pages: frozenset[str] = frozenset(),
    progress: Progress = SILENT,
) -> dict:
    """Render every page into ``out_dir``; return counts (pages, written, unchanged, removed)
    and the files removed and kept (``removed_files``, ``kept_files``: ``summary_lines``).
    ``search_engines`` false: robots.txt disallows every path, no sitemap, and every page
    says noindex (a private gallery). ``earlier_pages``: the root pages the last finished
    build made (``Builder._earlier_pages``), removed when not made now even without the
    mark (pages of a deckgen before it, or of templates without it).

    Before it writes anything it compiles every template the pages use and renders the first
    page of each into memory (a trial): a template error (or a static file the templates use
    and lack) is a one-line ConfigError, and the site stays as it was. ``warnings``: lines
    for the build report (deckgen's search.js published over the templates' own, what the
    home page lacks of the templates' contract: ``contract_warnings``, docs/site.md)."""
    out_dir = Path(out_dir)
    base = site_base_url(base_url)
    tdir = templates_dir()
    env = _environment(tdir)
    sources, warnings = _static_sources(tdir)
    assets, static_files = _hashed_static(sources)
    pages = _plan_pages(slides, decks, images, _checked_dataset(dataset))

    def render(page: _Page) -> str:
        # 404.html is served at any depth (/deck/gone.html), so relative links would
        # miss: root-relative ones, on whichever host served it (see the docstring);
        # an error page has no canonical URL
        not_found = page.path == "404.html"
        with _template_errors(tdir, f"rendering {page.path}"):
            return env.get_template(page.template).render(
                **page.context, root=site_root_path(base) if not_found else root_for(page.path),
                page_path=page.path, assets=assets, site_title=site_title, base_url=base,
                canonical=base + page.path if base and not not_found else "",
                search_engines=search_engines,
            )

    # a trial before anything is written: a template that does not load or render stops the
    # build with the site as it was, not half new and half old
    _load_templates(env, tdir, {page.template for page in pages})
    trial = {page.path: render(page) for page in _one_page_per_template(pages)}
    warnings += contract_warnings(trial.get("index.html", ""), search_engines, tdir)
    produced = set(static_files)
    for url, data in static_files.items():
        write_if_changed(out_dir / url, data)
    produced |= {url for entry in images.values() for url in entry.values() if isinstance(url, str)}
    written = 0
    with progress.stage("pages", len(pages)) as advance:
        for page in pages:  # written as rendered: a big gallery's pages are never all in memory
            html = trial.pop(page.path, None) or render(page)
            written += write_if_changed(out_dir / page.path, html.encode())
            advance()
    crawler = _crawler_files(base, [p.path for p in pages if p.path != "404.html"],
                             search_engines)
    if _users_file(out_dir / "robots.txt"):  # the user's own wins: kept, named as kept
        del crawler["robots.txt"]
        if not search_engines and not _KEEPS_ALL_OUT.search((out_dir / "robots.txt").read_text(
                "utf-8", "replace")):  # QA-71: the setting alone was taken to block crawlers
            warnings.append("robots.txt is your own and kept: [site] search_engines = false "
                            "does not change it, and it lets crawlers in; add 'User-agent: *' "
                            "and 'Disallow: /' to it, or delete it for deckgen's")
    written += sum(write_if_changed(out_dir / name, data) for name, data in crawler.items())
    outputs = {p.path for p in pages} | set(crawler)
    others = {"dataset/" + Path(dataset["file"]).name} if dataset and dataset.get("file") else set()
    removed, kept = _remove_stale(out_dir, produced | outputs, earlier_pages, others)
    return {"pages": len(pages), "slides": sum(p.template == "slide.html" for p in pages),
            "written": written, "unchanged": len(outputs) - written, "removed": len(removed),
            "removed_files": removed, "kept_files": kept, "warnings": warnings}


# a robots.txt group for every crawler that disallows the whole site
_KEEPS_ALL_OUT = re.compile(r"(?im)^\s*user-agent:\s*\*\s*$(?:\n(?!\s*user-agent).*)*?"
                            r"\n\s*disallow:\s*/\s*$")
# robots.txt's first line: a robots.txt without it is the user's, never overwritten
ROBOTS_MARK = "# written by deckgen build: delete this line to keep your own version of the file\n"
# what deckgen wrote there before it marked the file, taken for its own
_UNMARKED_ROBOTS = re.compile(rb"(# no sitemap\.xml: it needs absolute URLs \(set base_url\)\n)?"
                              rb"User-agent: \*\nAllow: /\n(Sitemap: \S+\n)?")


def _crawler_files(base: str, page_paths: list[str], search_engines: bool = True
                   ) -> dict[str, bytes]:
    """robots.txt always; sitemap.xml only with a base URL (sitemaps need absolute locs) and
    search engines welcome. Without them, robots.txt disallows everything."""
    if not search_engines:
        return {"robots.txt": (ROBOTS_MARK + "# [site] search_engines = false in deckgen.toml\n"
                               "User-agent: *\nDisallow: /\n").encode()}
    if not base:
        return {"robots.txt": (ROBOTS_MARK + "# no sitemap.xml: it needs absolute URLs "
                               "(set base_url)\nUser-agent: *\nAllow: /\n").encode()}
    locs = "".join(f"  <url><loc>{xml_escape(base + p)}</loc></url>\n" for p in sorted(page_paths))
    sitemap = ('<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns='
               f'"http://www.sitemaps.org/schemas/sitemap/0.9">\n{locs}</urlset>\n')
    robots = f"{ROBOTS_MARK}User-agent: *\nAllow: /\nSitemap: {base}sitemap.xml\n"
    return {"robots.txt": robots.encode(), "sitemap.xml": sitemap.encode()}


def _head(path: Path) -> bytes:
    with path.open("rb") as fh:
        return fh.read(_MARK_BYTES)


def _users_file(robots: Path) -> bool:
    """Whether ``robots`` is a robots.txt the user wrote (not deckgen's, marked or from
    before the mark)."""
    try:
        data = robots.read_bytes()
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        return False
    return not (data.startswith(ROBOTS_MARK.encode()) or _UNMARKED_ROBOTS.fullmatch(data))


def made_by_deckgen(path: Path, rel: str) -> bool:
    """Whether the page at ``rel`` (its path in the site) carries deckgen's mark for that
    path: a copy of one of its pages under another name (an Impressum started from
    about.html) is the user's."""
    mark = f'<meta name="generator" content="deckgen" data-page="{rel}">'.encode()
    try:
        return mark in _head(path)
    except OSError:
        return False


def _remove_stale(out_dir: Path, produced: set[str], earlier_pages: frozenset[str] = frozenset(),
                  others: set[str] | frozenset[str] = frozenset()) -> tuple[list[str], list[str]]:
    """Delete files we own that this build did not produce; never touch search/ or dataset/
    (``others``: the dataset archive; the index's files by their names), but name a file
    there deckgen did not make as kept. Returns (removed, kept): the paths deleted, and
    those of the files deckgen did not make that it left (a deploy uploads them), sorted."""
    removed: list[str] = []
    kept: list[str] = []
    for path, rel in _site_files(out_dir):
        top, _, name = rel.rpartition("/")
        if rel in produced or rel in others or (top == "search" and _index_file(name)):
            continue
        if top.split("/", 1)[0] in _OTHER_STAGES_DIRS:  # not ours to delete: named as kept
            kept.append(rel)
            continue
        ours = ((top.split("/", 1)[0] in _OWNED_DIRS) or rel in _OWNED_ROOT_FILES
                or (not top and rel.endswith(".html")
                    and (rel in earlier_pages or made_by_deckgen(path, rel))))
        if ours:
            path.unlink()
            removed.append(rel)
        else:
            kept.append(rel)
    for name in _OWNED_DIRS:  # then the folders that became empty, deepest first
        for folder in sorted((out_dir / name).rglob("*"), key=lambda p: -len(p.parts)):
            if folder.is_dir() and not any(folder.iterdir()):
                folder.rmdir()
    return sorted(removed), sorted(kept)


def _index_file(name: str) -> bool:
    """Whether ``name`` in search/ is one the client index writes (index.export_client_index
    removes its own stale ones)."""
    from deckgen.index import HASHED_FILE  # here: index imports this module's helpers

    return name == "entry.json" or bool(HASHED_FILE.match(name))


def _site_files(out_dir: Path) -> list[tuple[Path, str]]:
    """(path, its path in the site) of every file a deploy would upload (``deploy``'s own
    walk and rule); links are left to deploy, which refuses them."""
    return [(path, path.relative_to(out_dir).as_posix())
            for path in site_files(out_dir, refuse_links=False) if is_published(out_dir, path)]


def summary_lines(stats: dict) -> list[str]:
    """What the site stage removed and kept, for the terminal: a few files named, the
    rest counted; names shown printable (a file name can hold control characters)."""
    lines = []
    if removed := stats.get("removed_files"):
        lines.append(f"removed {_count(removed)} this build did not make: {_named(removed)}")
    if kept := stats.get("kept_files"):
        lines.append(f"kept {_count(kept)} deckgen did not make: {_named(kept)} "
                     "(deploy uploads them)")
    return lines


def _count(paths: list[str]) -> str:
    return f"{len(paths)} file{'' if len(paths) == 1 else 's'}"


def _named(paths: list[str]) -> str:
    return name_few([printable(p) for p in paths], NAMED_FILES, " and {n} more")
