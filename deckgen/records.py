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
# were right 6 times in 13, the others 42 times in 53 (`deckgen eval`, docs/benchmarks.md)
UNSURE_BELOW = 0.5


def section_named(name: object) -> str | None:
    """The section a hand-written label means ("Business Model", "go_to_market" are
    business-model and go-to-market); None when it names none."""
    if not isinstance(name, str):
        return None
    key = section_key(name)
    return key if key in SECTIONS else None


def section_key(name: str) -> str:
    """A hand-written section name as section_named compares it: "Go To Market" is
    "go-to-market"."""
    return re.sub(r"[\s_]+", "-", name.strip().lower())


# other names founders give a section's slide, only names no other section goes by: typed on
# the command line they mean the section (`deckgen label x/004 roadmap` is milestones), and
# the site's search offers the section for them (search.js SECTION_ALIASES, held to this
# table by tests/test_index.py)
SECTION_ALIASES: dict[str, tuple[str, ...]] = {
    "funding": ("fundraising", "fundraise", "raising", "the ask", "use of funds", "investment"),
    "go-to-market": ("gtm", "sales strategy", "sales channels", "customer acquisition",
                     "distribution strategy", "marketing plan"),
    "team": ("founders", "founding team", "management team", "leadership team", "advisors"),
    "competition": ("competitors", "competitive landscape", "competitive advantage", "2x2"),
    "business-model": ("revenue model", "pricing", "monetization", "unit economics"),
    "market": ("tam", "sam som", "market size", "addressable market", "market opportunity"),
    "financials": ("projections", "financial projections", "forecast", "p&l"),
    "traction": ("kpis", "key metrics", "mrr", "arr", "testimonials", "case studies"),
    "milestones": ("roadmap", "timeline"),
    "problem": ("pain point", "pain points"),
    "product": ("demo", "features", "how it works"),
    "vision": ("mission",),
    "conclusion": ("thank you", "thanks", "contact"),
}
# every name a section goes by, as section_key writes it, and the section it means
SECTION_NAMES: dict[str, str] = {
    **{section: section for section in SECTIONS},
    **{section_key(alias): section
       for section, aliases in SECTION_ALIASES.items() for alias in aliases},
}


def section_meant(name: object) -> str | None:
    """The section a name typed on the command line or in deck.toml means: its own
    ("Business Model") or another name for it ("roadmap" is milestones); None when it names
    none (or is no text)."""
    return SECTION_NAMES.get(section_key(name)) if isinstance(name, str) else None


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
    # deck.toml `fictional = true`: a made-up deck (`deckgen sample` writes it), not a real one;
    # None: deck.toml does not say (read as not fictional: test `is True`, never sum it)
    fictional: bool | None = None


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


TEXT_LAYER = "text-layer"  # a Word's source: a PDF page's own text, not Tesseract's reading
WORD_SOURCES = ("ocr", TEXT_LAYER)


@dataclass
class Word(_Record):
    text: str
    conf: float  # 0..100, Tesseract's confidence
    box: list[int]  # [x, y, w, h] in *source* slide pixels (not upscaled)
    line: int = 0  # index into OcrResult.lines
    source: str = "ocr"  # where it was read: "ocr" (Tesseract) or TEXT_LAYER


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
