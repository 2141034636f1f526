"""What the dataset bundle says about itself: the schema of its rows and the data card.

Every document is built from ``FIELDS`` and the rows, never from the clock,
so two builds of one corpus describe it in identical bytes.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from deckgen import __version__, bundle_guide
from deckgen.records import SECTION_TITLES, SECTIONS, UNSURE_BELOW, DeckMeta

ARCHIVE_STEM = "deckgen-dataset"
# the members that describe the others (and carry their content id)
DOCUMENTS = ("README.md", "croissant.json", "datapackage.json")
DATASET_NAME = "deckgen-pitch-deck-slides"
PRETTY_NAME = "deckgen pitch-deck slides"
# the classifier (code and model file: classify.VERSION) on which deckgen measured the card's
# accuracy on real decks (eval-dev, docs/models.md); the card gives the figures for it only.
# A new model or classify version: measure again (make bench-ocr), then change this
MEASURED_CLASSIFIER = "classify-9+e70e5b295f"
MEASURED_RIGHT = "right about 7 times in 10"
MEASURED_ON = "48 of 66 slides of 4 real decks"
# licence strings the Hugging Face hub knows by these ids (lower-case SPDX)
_HF_LICENSES = {"cc0-1.0", "cc-by-4.0", "cc-by-sa-4.0", "cc-by-nc-4.0", "cc-by-nc-sa-4.0",
                "cc-by-nd-4.0", "mit", "apache-2.0", "odc-by", "pddl", "odbl", "unlicense"}


def sums_text(sums: Mapping[str, str], leave_out: Collection[str] = ()) -> str:
    """SHA256SUMS lines, ``<hex>  <name>`` in name order (what ``sha256sum -c`` reads)."""
    return "".join(f"{sums[n]}  {n}\n" for n in sorted(sums) if n not in leave_out)


def content_digest(sums: Mapping[str, str]) -> str:
    """12 hex digits naming the data: SHA-256 of the SHA256SUMS lines of every member but
    the documents describing them (which carry it)."""
    return hashlib.sha256(sums_text(sums, DOCUMENTS).encode()).hexdigest()[:12]


@dataclass(frozen=True)
class Field:
    name: str
    type: str  # Frictionless type: string, integer, number, object, array
    description: str
    csv: bool = True  # word boxes are too bulky for the CSV
    required: bool = False  # null is an error


FIELDS: tuple[Field, ...] = (
    Field("id", "string", "Slide id: <deck>/<page:03d>.", required=True),
    Field("file_name", "string", "Upscaled slide image, relative to the bundle root.",
          required=True),
    Field("original_file_name", "string", "The slide image as found: a JPEG, PNG or WebP "
          "file with its metadata removed (the same pixels and colours; unless EXIF turns it "
          "or it is animated), else a PNG of the image the pipeline read (see "
          "source_format).", required=True),
    Field("source_format", "string", "Format of the slide as found: JPEG, PNG, WEBP, GIF, BMP, "
          "TIFF, AVIF or PDF. GIF (its first frame that is not blank), BMP, TIFF and AVIF images, "
          "PDF pages, and EXIF-turned or animated JPEG, PNG and WebP files are stored as PNG.",
          required=True),
    Field("deck", "string", "Deck slug.", required=True),
    Field("page", "integer", "1-based page number within the deck.", required=True),
    Field("company", "string", "Company named in the deck's metadata; \"\" when not stated."),
    Field("deck_title", "string", "Title of the deck; \"\" when not stated."),
    Field("year", "integer", "Year the deck was used; null (empty in the CSV) when not stated."),
    Field("stage", "string", "Funding stage (pre-seed, seed, series A, ...); \"\" when not "
          "stated."),
    Field("industry", "string", "Industry of the company; \"\" when not stated."),
    Field("amount_raised", "string", "Amount the deck's round raised, as deck.toml states it "
          "(\"$12.5M\"); \"\" when not stated."),
    Field("section", "string", "Section type: one of " + ", ".join(SECTIONS) + ".",
          required=True),
    Field("section_source", "string", "Who set the section: 'predicted' (the classifier) or "
          "'curated' (by hand, in the deck's deck.toml).", required=True),
    Field("section_scores", "object", "Classifier score per section (sums to about 1; a "
          "curated slide has 1 on its section).", required=True),
    Field("title", "string", "Slide title as read by OCR; \"\" when OCR found none."),
    Field("text", "string", "OCR text in reading order, lines joined by newlines; \"\" when "
          "OCR read none."),
    Field("mean_confidence", "number", "Mean word confidence, 0-100: Tesseract's, and 100 for "
          "words from a PDF page's text layer (exact), so such a slide's reads high.",
          required=True),
    Field("words", "array", "OCR words: {text, conf 0-100 (100: from a PDF page's text "
          "layer, exact), box [x, y, w, h] in original-image pixels (multiply by "
          "upscale_scale for the upscaled image), line index, source: \"ocr\" (read by "
          "Tesseract) or \"text-layer\" (a PDF page's own text)}. Words Tesseract was less "
          "sure of than the OCR min_conf (provenance.json) are dropped.",
          csv=False, required=True),
    # null or "" only where a slide has no upscale record
    Field("source_width", "integer", "Width of the original image in pixels; null (empty in "
          "the CSV) when not recorded."),
    Field("source_height", "integer", "Height of the original image in pixels; null (empty in "
          "the CSV) when not recorded."),
    Field("upscale_method", "string", "How the slide was enlarged (model name or resampler); "
          "\"\" when not recorded."),
    Field("upscale_scale", "number", "Enlargement factor of this slide (varies per slide: "
          "upscaled width / source_width); null (empty in the CSV) when not recorded."),
    Field("source_sha256", "string", "SHA-256 of the slide's source file as the corpus "
          "holds it (PDF pages: of the PDF's hash, page and render settings), not of the "
          "stored original: one whose metadata was removed, or that was converted to PNG, "
          "no longer matches it.", required=True),
    Field("source_url", "string", "Where the deck came from, as its deck.toml states it; \"\" "
          "when not stated."),
    Field("license", "string", "Licence of the deck: its SPDX id where the text names a "
          "known licence in any case or spacing (\"cc by-sa 4.0\" is CC-BY-SA-4.0), else the "
          "text as its source states it; null (empty in the CSV) when none is stated ('none "
          "stated' in the data card)."),
    Field("license_open", "boolean", "True when the deck's licence allows reuse and "
          "redistribution (an open licence: CC0, CC-BY, CC-BY-SA, MIT, ...); false when none "
          "is stated or it does not (\"All rights reserved\", CC-BY-NC, CC-BY-ND): such a "
          "slide stays its owner's, so filter on this before reuse.", required=True),
    Field("fictional", "boolean", "True when the deck is made up (deck.toml fictional = true, "
          "as `deckgen sample` writes): its company, people, numbers and text are invented. "
          "False when its deck.toml says fictional = false; null (empty in the CSV) when it "
          "does not say (read it as not marked fictional, not as known to be real)."),
)

SOURCE_FORMATS = ("JPEG", "PNG", "WEBP", "GIF", "BMP", "TIFF", "AVIF", "PDF")
# a text cell a spreadsheet would run as a formula (OCR text and deck metadata are
# anyone's): slides.csv starts it with an apostrophe, metadata.jsonl keeps it as read
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> str:
    """A field's value as slides.csv holds it (objects as JSON text)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return str(value)


# sections as the project's training briefs define them (/work/notes/brief_data.md wording)
SECTION_DEFINITIONS: dict[str, str] = {
    "cover": "first slide: company name and tagline, date, \"investor presentation\"",
    "problem": "the pain, the status quo, why today is broken",
    "solution": "the idea or approach that removes the pain, at a high level",
    "product": "what it is and how it works: features, screenshots, how-it-works steps, "
               "tech, specs, demo",
    "market": "market size (TAM/SAM/SOM), segments, trends, why now, customer demand data",
    "competition": "competitors, comparison tables, 2x2 maps, alternatives, moats and "
                   "differentiation",
    "go-to-market": "how customers will be acquired: channels, sales motion, launch plan, "
                    "partnerships, rollout geography and target cities",
    "business-model": "how it makes money: pricing, revenue streams, unit economics, take rate",
    "traction": "evidence it works: users, revenue growth, customers and logos, pilots, press, "
                "retention, KPIs achieved",
    "team": "founders, staff, advisors, board, hiring",
    "financials": "projections, P&L, revenue forecast, burn, runway, historical spend",
    "funding": "the ask, round size, use of funds, investors, cap table, previous rounds",
    "milestones": "roadmap, timeline, dated plans and achievements in sequence",
    "vision": "mission, long-term future, the big picture, where this goes",
    "conclusion": "summary, thank-you, contact, closing \"why us / why now\" recap",
    "other": "agenda, section dividers, disclaimers, appendix, legal and confidentiality "
             "notices, Q&A, filler quotes",
}
# licences that allow reuse and redistribution (Open Definition), as license_key spells them;
# others, and none, do not. "cc-by" and "cc-by-sa" name no version: open in every one
OPEN_LICENSES = frozenset({
    "cc0-1.0", "cc0", "cc-by-4.0", "cc-by-3.0", "cc-by-2.5", "cc-by-2.0", "cc-by-1.0", "cc-by",
    "cc-by-sa-4.0", "cc-by-sa-3.0", "cc-by-sa-2.5", "cc-by-sa-2.0", "cc-by-sa-1.0", "cc-by-sa",
    "mit", "apache-2.0", "bsd-2-clause", "bsd-3-clause", "odc-by", "odc-by-1.0", "pddl",
    "pddl-1.0", "odbl", "odbl-1.0", "unlicense", "public-domain",
})
NO_LICENSE = "none stated"
# SPDX ids a deck.toml names often, each with what it lets a founder do in plain words (the
# site's licence line); the open ones are in OPEN_LICENSES
LICENCE_HINTS = {
    "CC0-1.0": "no rights reserved",
    "PDDL-1.0": "no rights reserved",
    "Unlicense": "no rights reserved",
    "CC-BY-4.0": "reuse with credit",
    "CC-BY-3.0": "reuse with credit",
    "CC-BY-2.5": "reuse with credit",
    "CC-BY-2.0": "reuse with credit",
    "CC-BY-1.0": "reuse with credit",
    "ODC-By-1.0": "reuse with credit",
    "MIT": "reuse with credit",
    "Apache-2.0": "reuse with credit",
    "BSD-2-Clause": "reuse with credit",
    "BSD-3-Clause": "reuse with credit",
    "CC-BY-SA-4.0": "reuse with credit, under the same licence",
    "CC-BY-SA-3.0": "reuse with credit, under the same licence",
    "CC-BY-SA-2.5": "reuse with credit, under the same licence",
    "CC-BY-SA-2.0": "reuse with credit, under the same licence",
    "CC-BY-SA-1.0": "reuse with credit, under the same licence",
    "ODbL-1.0": "reuse with credit, under the same licence",
    "CC-BY-NC-4.0": "not an open licence: non-commercial reuse only, with credit",
    "CC-BY-NC-SA-4.0": "not an open licence: non-commercial reuse only, with credit",
    "CC-BY-ND-4.0": "not an open licence: no changes, with credit",
    "CC-BY-NC-ND-4.0": "not an open licence: non-commercial, no changes, with credit",
}
SPDX_IDS = {spdx.casefold(): spdx for spdx in LICENCE_HINTS}
# licences named without a version that only ever had one, so their SPDX id is certain (CC0,
# ODbL, ODC-By and PDDL all stop at 1.0); "cc-by" and "cc-by-sa" had five: they get none
_ONLY_VERSION = {"cc0": "CC0-1.0", "odbl": "ODbL-1.0", "odc-by": "ODC-By-1.0",
                 "pddl": "PDDL-1.0"}
_KNOWN_KEYS = OPEN_LICENSES | SPDX_IDS.keys() | {"cc-by-nc", "cc-by-nd", "cc-by-nc-sa",
                                                 "cc-by-nc-nd"}
# a licence's page: creativecommons.org/licenses/by-sa/4.0/deed.en, .../publicdomain/zero/1.0/
_CC_URL = re.compile(r"(?:https?://)?(?:www\.)?creativecommons\.org/(licenses|publicdomain)/"
                     r"([a-z-]+)(?:/(\d+(?:\.\d+)?))?(?:[/?#].*)?")
_ID_URL = re.compile(r"(?:https?://)?(?:www\.)?(?:spdx|opensource)\.org/licenses/"
                     r"([\w.+-]+?)(?:\.html|\.php)?/?")
# long names, as words: "Creative Commons Attribution-ShareAlike" is "cc by sa"
_PHRASES = (
    (r"\bcreative commons\b", "cc"), (r"\bcc zero\b", "cc0"), (r"\battribution\b", "by"),
    (r"\bshare ?alike\b", "sa"), (r"\bnon ?commercial\b", "nc"),
    (r"\bno ?deriv(?:ative)?s?\b", "nd"), (r"\bopen database\b", "odbl"),
    (r"\bopen data commons (?:by|attribution)\b", "odc-by"),
    (r"\bopen data commons odbl\b", "odbl"),
    (r"\bpublic domain dedication and\b", "pddl"), (r"\bpublic license\b", "license"),
    (r"\blicence\b", "license"), (r"\bv(?=\d)", ""),
)
# words a licence's name carries that do not change which licence it is
_FILLER = frozenset({"the", "license", "version", "international", "universal", "unported",
                     "generic", "deed", "legal", "code"})


def license_key(license_text: str) -> str:
    """A licence text as one lower-case, hyphen-joined key that is_open_license, spdx_id and
    the site read: "CC BY_SA 4.0", "Creative Commons Attribution-ShareAlike 4.0
    International" and https://creativecommons.org/licenses/by-sa/4.0/ are all cc-by-sa-4.0;
    "MIT License" is mit, "CC0 1.0 Universal" cc0-1.0, "CC BY" cc-by (no version)."""
    text = " ".join(license_text.casefold().replace("_", " ").split())
    if not text:
        return ""
    whole = _words_key(re.sub(r"\([^()]*\)", " ", text))  # "... 4.0 International (CC BY 4.0)"
    if whole in _KNOWN_KEYS:
        return whole
    for inner in re.findall(r"\(([^()]*)\)", text):
        if _words_key(inner) in _KNOWN_KEYS:
            return _words_key(inner)
    return whole or "-".join(text.split())


def _words_key(text: str) -> str:
    text = text.strip()
    if url := _CC_URL.fullmatch(text):
        kind, code, version = url.groups()
        name = {"zero": "cc0", "mark": "public-domain"}.get(code, f"cc-{code}")
        if kind == "publicdomain" and code == "mark":
            return name
        return f"{name}-{version}" if version else name
    if url := _ID_URL.fullmatch(text):
        text = url.group(1)
    for pattern, replacement in _PHRASES:
        text = re.sub(pattern, replacement, text)
    words = [w for w in re.split(r"[\s,;:/\-]+", text) if w and w not in _FILLER]
    if words[:1] == ["by"]:  # "Attribution 4.0 International" names CC's licence
        words.insert(0, "cc")
    key = "-".join(words)
    if re.fullmatch(r"(cc|apache).*-\d+", key) and f"{key}.0" in _KNOWN_KEYS:
        key += ".0"  # "CC BY 4", "Apache 2"
    return key


def is_open_license(license_text: str) -> bool:
    return license_key(license_text) in OPEN_LICENSES


def spdx_id(license_text: str) -> str | None:
    """The SPDX id a licence text names, in any of license_key's spellings ("cc-by-sa-4.0",
    "Creative Commons Attribution-ShareAlike 4.0 International": CC-BY-SA-4.0; "CC0" and
    "ODbL", which only ever had version 1.0: CC0-1.0, ODbL-1.0); None when it names none of
    LICENCE_HINTS, or no version of one that had several ("CC BY")."""
    key = license_key(license_text)
    return SPDX_IDS.get(key) or _ONLY_VERSION.get(key)


def dataset_license(license_text: str) -> str | None:
    """A deck's licence as the dataset states it: its SPDX id when known, else the text as
    written (spaces collapsed); None when none is stated."""
    text = " ".join(license_text.split())
    return (spdx_id(text) or text) if text else None


@dataclass
class CardContext:
    rows: list[dict[str, Any]]
    decks: dict[str, DeckMeta]
    version: str
    mtime: int
    upscaled_format: str
    hashes: dict[str, str] = field(default_factory=dict)  # metadata.jsonl, slides.csv, ...
    sizes: dict[str, int] = field(default_factory=dict)
    provenance: dict[str, Any] = field(default_factory=dict)  # provenance.json's content
    content_id: str = ""  # short digest of the data files' checksums (see content_digest)
    base_url: str = ""  # the site's, when set: Croissant's url
    site_title: str = ""  # the site's [site] title: the citation's publisher unless default
    # whether SOURCE_DATE_EPOCH set mtime: else it is a fixed placeholder, not a date to publish
    dated: bool = True
    # decks with no open licence whose slides [bundle] open_only left out of the archive
    left_out_not_open: list[str] = field(default_factory=list)

    @property
    def date(self) -> str:
        """The dataset's date (SOURCE_DATE_EPOCH's day); "" when the build set none."""
        if not self.dated:
            return ""
        return datetime.fromtimestamp(self.mtime, UTC).date().isoformat()

    @property
    def full_version(self) -> str:
        """Semantic version whose build part names the content: two datasets never share it."""
        return f"{self.version}.0.0+{self.content_id}" if self.content_id else f"{self.version}.0.0"

    @property
    def licenses(self) -> list[str]:
        return sorted({dataset_license(d.license) or NO_LICENSE for d in self.decks.values()})

    @property
    def ocr_lang(self) -> str:
        return str(self.provenance.get("ocr", {}).get("lang") or "eng")

    @property
    def languages(self) -> list[str]:
        """The OCR languages as the card's metadata names them ("en", "de")."""
        return bundle_guide.languages(self.ocr_lang)

    @property
    def fictional(self) -> int:
        """Decks marked fictional (``fictional`` None, not stated, counts as not)."""
        return sum(d.fictional is True for d in self.decks.values())

    @property
    def not_open(self) -> int:
        """Decks with no open licence: none stated, or one that forbids reuse."""
        return len(self.not_open_decks)

    @property
    def not_open_decks(self) -> list[str]:
        """The slugs of the decks in the archive with no open licence, in order."""
        return sorted(slug for slug, d in self.decks.items() if not is_open_license(d.license))

    @property
    def empty_reason(self) -> str:
        """Why an archive holds no slide ([bundle] open_only, or an empty corpus)."""
        gone = len(self.left_out_not_open)
        if gone:
            return ("no deck has an open licence, and `[bundle] open_only = true` leaves "
                    f"such decks out ({_n_decks_count(gone)} left out), so this archive holds "
                    "only its documents.")
        return "the corpus had no slide to put in it, so this archive holds only its documents."

    @property
    def description(self) -> str:
        if not self.rows:
            return f"No pitch-deck slides: {self.empty_reason}"
        kind = {0: "", len(self.decks): "fictional "}.get(self.fictional, "")
        mixed = (f" ({self.fictional} of them fictional)"
                 if 0 < self.fictional < len(self.decks) else "")
        decks = "deck" if len(self.decks) == 1 else "decks"
        return (f"{len(self.rows)} pitch-deck slides from {len(self.decks)} {kind}{decks}{mixed}: "
                "the original low-resolution images, super-resolved versions, Tesseract OCR "
                "text with word boxes, and a predicted section type (problem, market, team, "
                "...) per slide.")


def hf_license(licenses: list[str]) -> str:
    """The Hugging Face licence id for the card header ('other' when mixed or unknown)."""
    if len(licenses) != 1:
        return "other"
    # Hugging Face names the licences that only had a 1.0 without it (spdx_id gives the 1.0)
    hf_id = {"odbl-1.0": "odbl", "odc-by-1.0": "odc-by", "pddl-1.0": "pddl"}.get(
        licenses[0].lower(), licenses[0].lower())
    return hf_id if hf_id in _HF_LICENSES else "other"


def _size_category(n: int) -> str:
    for limit, label in ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K")):
        if n < limit:
            return label
    return "100K<n<1M"


def _yaml_str(value: str) -> str:
    # a JSON string with \u escapes is a valid YAML scalar (raw, U+FFFF or a control is not)
    return json.dumps(value)


# Markdown's own punctuation, backslash-escaped in deck metadata: a company named
# "[Claim your grant](https://evil.example)" must stay text in the published card, not
# become a link (nor an image, emphasis, code, strike-through or a heading); | ends a cell
_MD_PUNCTUATION = re.compile(r"([\\`*_\[\]()!#~|])")


def _md_cell(value: Any) -> str:
    """Untrusted deck metadata inside a Markdown table: one line of plain text, no HTML."""
    text = " ".join(str(value if value is not None else "").split())
    return _no_html(_MD_PUNCTUATION.sub(r"\\\1", text)) or "—"


def _no_html(text: str) -> str:
    """``<deck>`` as text: Markdown passes tags through as HTML and links ``<a:b>``."""
    return text.replace("<", "&lt;").replace(">", "&gt;")


def data_card(ctx: CardContext) -> str:
    licenses = ctx.licenses
    header = [
        "---",
        f"pretty_name: {_yaml_str(PRETTY_NAME)}",
        f"license: {hf_license(licenses)}",
    ]
    if hf_license(licenses) == "other":
        header.append(f"license_name: {_yaml_str('per-deck: ' + ', '.join(licenses))}")
    header += [
        *(["language:", *(f"- {code}" for code in ctx.languages)] if ctx.languages else []),
        "task_categories:", "- image-to-text", "- image-classification",
        "tags:", "- ocr", "- super-resolution", "- pitch-decks", "- document-layout",
        *(["- synthetic"] if ctx.fictional else []),
        "size_categories:", f"- {_size_category(len(ctx.rows))}",
        # one split holding everything: split by company yourself (the card's "Splits")
        "configs:", "- config_name: default", "  data_files:", "  - split: train", "    path:",
        "    - metadata.jsonl", f"    - images/upscaled/**/*.{ctx.upscaled_format}",
        "---",
    ]
    body = [
        f"# {PRETTY_NAME} (v{ctx.full_version})",
        "",
        ctx.description,
        "",
        f"Version {ctx.full_version}, {_dated(ctx)}. The part after `+` is the content id: "
        "the first 12 hex digits of the SHA-256 of the `SHA256SUMS` lines of every file "
        "except `README.md`, `croissant.json` and `datapackage.json`, so two datasets with "
        "different contents never share a version.",
        "",
        "## What the decks are",
        "",
        *_origin(ctx),
        "",
        "## How it was made",
        "",
        *_how_made(ctx),
        "",
        "## Files",
        "",
        "| file | what |",
        "|---|---|",
        "| `metadata.jsonl` | one JSON object per slide, every field below |",
        "| `slides.csv` | the same without word boxes (objects as JSON text; a text that "
        "starts with `=`, `+`, `-` or `@` starts with `'` there, so spreadsheets show it "
        "instead of running it as a formula) |",
        f"| `images/upscaled/<deck>/<page>.{ctx.upscaled_format}` | super-resolved slide |",
        "| `images/original/<deck>/<page>.<ext>` | slide as found, its metadata removed (jpg, "
        "png or webp; other formats and PDF pages as png) |",
        "| `provenance.json` | how it was made, machine-readable: stage versions and "
        "settings, tool versions, deck counts, the slides left out |",
        "| `croissant.json` | MLCommons Croissant 1.0 metadata |",
        "| `datapackage.json` | Frictionless Data Package |",
        "| `SHA256SUMS` | checksums; check with `sha256sum -c SHA256SUMS` |",
        "",
        "Hugging Face `datasets.load_dataset(\"<folder>\")` loads the rows with `file_name` "
        "renamed to `image` and `original_file_name` to `original`, both as images; "
        "`metadata.jsonl`, `slides.csv` and `croissant.json` keep the names below.",
        "",
        "## How to cite",
        "",
        *bundle_guide.citation(ctx),
        "",
        "## Check the download",
        "",
        *bundle_guide.check_download(f"{ARCHIVE_STEM}-v{ctx.version}"),
        "",
        "## Fields",
        "",
        "| field | type | description |",
        "|---|---|---|",
        *(f"| `{f.name}` | {f.type} | {_no_html(f.description)}"
          f"{'' if f.csv else ' (JSONL only)'} |"
          for f in FIELDS),
        "",
        "An `id` is a deck and a page number, so it moves when a later version inserts or "
        "reorders slides; `source_sha256` stays with the same image across versions (a PDF "
        "page's changes with its PDF).",
        "",
        "## Sections",
        "",
        *_sections(ctx),
        "",
        "## Splits",
        "",
        *bundle_guide.splits(ctx),
        "",
        "## Decks and licences",
        "",
        *_licences(ctx),
        "",
        "## Left out",
        "",
        *_left_out(ctx),
        "",
        "## Limitations",
        "",
        *_limitations(ctx),
        "",
    ]
    return "\n".join(header + [""] + body)


def _dated(ctx: CardContext) -> str:
    """The card's words on the dataset's date: SOURCE_DATE_EPOCH's, or none."""
    if ctx.dated:
        return (f"dated {ctx.date} (`SOURCE_DATE_EPOCH`, which whoever built it set: not "
                "the build date)")
    return ("undated: the build did not set `SOURCE_DATE_EPOCH`, so neither this card nor "
            "`croissant.json` (`datePublished`) nor `datapackage.json` (`created`) states a "
            "date, and the files' times in the archive are a fixed placeholder "
            f"({bundle_guide.FIXED_DATE}) that dates nothing")


def _origin(ctx: CardContext) -> list[str]:
    total, fictional = len(ctx.decks), ctx.fictional
    made_up = ("`deckgen sample` drew them with Pillow (each slide rendered at 1920 px, then "
               "shrunk to a 480 px wide JPEG at quality 75, the way slides scraped from the web "
               "arrive); their companies, people, numbers and text are invented, and their "
               "`source_url` is a placeholder. " + _classifier_on_made_up(classifier_facts(ctx)))

    others = [d for d in ctx.decks.values() if d.fictional is not True]
    if not total:
        return [f"The archive holds no deck: {ctx.empty_reason}"]
    if fictional == total:
        return [f"{_every(total)} {_is(total)} fictional (`fictional` is true on every slide): "
                + made_up]
    if fictional == 0:
        which = "The deck is not" if total == 1 else "No deck is"
        return [f"{which} marked fictional (`fictional = true` in its deck.toml). "
                + _unmarked(others)]
    return [f"{fictional} of the {total} decks {_is(fictional)} fictional (`fictional` is true "
            f"on their slides): {made_up}", "",
            f"The other {_n_decks(len(others))} {_is(len(others))} not marked fictional. "
            + _unmarked(others)]


@dataclass(frozen=True)
class ClassifierFacts:
    """What the card may say of the classifier that labelled the slides."""

    version: str  # classify's version, as provenance.json records it; "" when it does not
    curated: int | None  # real slides labelled by hand it learnt from; None: not known
    # fictional decks' slides labelled by hand it learnt from (--with-fictional)
    curated_fictional: int
    sample: bool | None  # whether it learnt from `deckgen sample` decks; None: not known

    @property
    def measured(self) -> bool:
        """The classifier deckgen's accuracy figures were measured on (the shipped one)."""
        return self.version == MEASURED_CLASSIFIER

    @property
    def named(self) -> str:
        """It, as the card names one that is not the shipped one."""
        name = f"`{self.version}`"
        if self.curated is None:
            return name
        learnt = [f"{n} {what} slide{'' if n == 1 else 's'}"
                  for n, what in ((self.curated, "real"), (self.curated_fictional, "fictional"))
                  if n]
        return (f"{name}, retrained with {' and '.join(learnt)} labelled by hand" if learnt
                else f"{name}, retrained")


def classifier_facts(ctx: CardContext) -> ClassifierFacts:
    """The classifier that labelled ``ctx``'s slides: the shipped one (no real deck, the
    generator's decks), or another whose training the model file tells when known."""
    version = str(ctx.provenance.get("classify", {}).get("version") or "")
    if version == MEASURED_CLASSIFIER:
        return ClassifierFacts(version, curated=0, curated_fictional=0, sample=True)
    training = _installed_training(version)
    if training is None:
        return ClassifierFacts(version, curated=None, curated_fictional=0, sample=None)
    fictional = int(training.get("curated_fictional_slides") or 0)
    sample = training.get("sample_slides")  # recorded by --curated retraining only
    return ClassifierFacts(version, curated=int(training.get("curated_real_slides") or 0),
                           curated_fictional=fictional,
                           # fictional decks' hand labels are the generator's decks too
                           sample=bool(fictional) or (None if sample is None else bool(sample)))


def _installed_training(version: str) -> dict[str, Any] | None:
    """The installed model's "training" record, when it is the model of ``version``
    (classify's version carries the model file's hash)."""
    from deckgen import classify  # loads the model: only for a classifier not measured

    if not version or version != classify.VERSION:
        return None
    return dict(classify.load_model().get("training") or {})


def _classifier_on_made_up(facts: ClassifierFacts) -> str:
    """What the labels on the generator's decks are worth, for the classifier that set them."""
    if facts.measured:
        return ("deckgen's section classifier was trained in part on decks from the same "
                "generator (with another seed), so its labels on them are far more accurate "
                "than on real decks: they say nothing about real decks.")
    if not facts.version:
        return ("This bundle does not record which classifier labelled them: its labels on "
                "them say nothing about real decks.")
    learnt = ("; it learnt in part from decks of the same generator, so its labels on them are "
              "likely far more accurate than on real decks: they say" if facts.sample else
              "; it did not learn from the generator's decks, but its labels on them say"
              if facts.sample is False else ": its labels on them say")
    return (f"The classifier that labelled them is not the one deckgen ships ({facts.named})"
            f"{learnt} nothing about real decks.")


def _unmarked(decks: list[DeckMeta]) -> str:
    """What deckgen knows of decks not marked fictional: their deck.toml, no more."""
    one = len(decks) == 1
    given = sum(bool(d.source_url.strip()) for d in decks)
    if given == len(decks):
        urls = "It gives a source URL." if one else "Each gives a source URL."
    elif given == 0:
        urls = "It gives no source URL." if one else "None gives a source URL."
    else:
        rest = len(decks) - given
        urls = f"{given} of them {_give(given)} a source URL; {rest} {_give(rest)} none."
    return (f"deckgen knows of {'it' if one else 'them'} only what the curator wrote in "
            "deck.toml (under \"Decks and licences\"), not whether "
            f"{'it is' if one else 'they are'} real or published. {urls}{_unstated(decks)}")


def _unstated(decks: list[DeckMeta]) -> str:
    """How many of the unmarked decks say `fictional = false`, and how many say nothing."""
    silent = sum(d.fictional is None for d in decks)
    if not silent:
        return (" Its deck.toml says `fictional = false`." if len(decks) == 1 else
                " Each deck.toml says `fictional = false`.")
    which = ("Its deck.toml does not say whether it is fictional" if len(decks) == 1 else
             "None of their deck.toml files says whether the deck is fictional"
             if silent == len(decks) else
             f"{silent} of their deck.toml files {'does' if silent == 1 else 'do'} not say "
             f"whether the deck is fictional (the {_others(len(decks) - silent)} `fictional = "
             "false`)")
    return (f" {which}: `fictional` is null (empty in the CSV) on those slides, which means "
            "not stated, not known to be real.")


def _others(n: int) -> str:
    return "other says" if n == 1 else "others say"


def _give(n: int) -> str:
    return "gives" if n == 1 else "give"


def _n_decks(n: int) -> str:
    return "deck" if n == 1 else f"{n} decks"


def _is(n: int) -> str:
    return "is" if n == 1 else "are"


def _every(n: int) -> str:
    """"All 14 decks", or "The deck" for one (never "All 1 decks")."""
    return "The deck" if n == 1 else f"All {n} decks"


def _how_made(ctx: CardContext) -> list[str]:
    fictional, total = ctx.fictional, len(ctx.decks)
    found = {total: "a 480 px wide JPEG drawn by `deckgen sample`",
             0: "as the corpus holds it; PDF pages are rendered to PNG"}
    source = found.get(fictional, "a 480 px wide JPEG drawn by `deckgen sample` for the "
                       "fictional decks; for the others as the corpus holds it, or a PDF page "
                       "rendered to PNG")
    prov = ctx.provenance
    ocr, up, cls = prov.get("ocr", {}), prov.get("upscale", {}), prov.get("classify", {})
    pdf = prov.get("pdf", {})
    has_pdf = any(row.get("source_format") == "PDF" for row in ctx.rows)
    lines = [
        f"Built by deckgen {prov.get('deckgen') or __version__}, an offline pipeline. "
        f"Each slide image ({source}) is "
        "enlarged by a super-resolution model run through OpenCV's DNN module, read by "
        "Tesseract OCR (words, boxes, confidences, a title guess), and assigned one of "
        f"{len(SECTIONS)} section types by a small classifier over the OCR text and layout "
        "(or by hand, where a curator set it in the deck's deck.toml). "
        f"Upscaled images are stored as {ctx.upscaled_format.upper()}"
        + (" (quality 90)" if ctx.upscaled_format == "webp" else "")
        + "; JPEG, PNG and WebP originals are stored with their image data kept as it is, their "
        "metadata (EXIF, XMP, comments, text chunks) removed, so the pixels are identical "
        "(unless EXIF turns them or they are animated, or their structure cannot be followed: "
        "then as PNG) and their colour profile kept with its text and device fields blanked "
        "(name, description, copyright, device maker and model, dates, creator, preferred "
        "CMM, profile ID, and every tag that does not define colours), so the colours are the "
        "same too; GIF (the first frame that is not blank), BMP, TIFF "
        "and AVIF ones as PNG of the image the pipeline read, which the word boxes fit (CMYK, "
        "16-bit and transparency converted to 8-bit RGB: on white, or on black under light "
        "ink on a transparent page; `source_format` names the format as found). Slides whose "
        "OCR or classification failed, or whose images could not be read, are left out "
        "(listed below).",
        "",
        f"- Upscaling (`{up.get('version', '?')}`, method `{up.get('method', '?')}`): the "
        "factor varies per slide (`upscale_scale`)"
        + (": `auto` picks 1 (text already large enough), 2 or 4 from the size of the "
           f"slide's text, at most {up.get('max_scale', '?')}" if up.get("method") == "auto"
           else "") + f". OpenCV {up.get('opencv', '?')}.",
        f"- OCR (`{ocr.get('version', '?')}`): {ocr.get('tesseract', 'Tesseract ?')}, "
        f"`--psm {ocr.get('psm', '?')}`, `-l {ocr.get('lang', '?')}`. Words Tesseract is "
        f"less sure of than {ocr.get('min_conf', '?')} (of 100) are dropped; a PDF page's "
        "words come from its own text layer where it has a usable one, with `conf` 100 "
        "(exact) and `source` \"text-layer\", and Tesseract reads only the rest (text in "
        "pictures, `source` \"ocr\"). Word boxes are "
        "in the ORIGINAL image's pixels: multiply x, y, w and h by `upscale_scale` to draw "
        "them on the upscaled image.",
        *([f"- PDF pages: rendered to PNG by PDFium {pdf.get('pdfium') or '?'}, their text "
           f"layer read by `{pdf.get('text_layer') or '?'}`."] if has_pdf else []),
        f"- Classifier (`{cls.get('version', '?')}`): a slide whose top score is below "
        f"min_confidence = {cls.get('min_confidence', '?')} is labelled `other`.",
        f"- Images: Pillow {prov.get('images', {}).get('pillow', '?')}, libwebp "
        f"{prov.get('images', {}).get('libwebp', '?')}.",
        "",
        "`provenance.json` holds the same, machine-readable. The archive is byte-reproducible: "
        "the same corpus and settings with the same Tesseract, OpenCV and libwebp versions "
        + ("(and PDFium, for the PDF pages) " if has_pdf else "")
        + "give the same SHA-256; other versions may read or encode slides differently.",
    ]
    return lines


def _sections(ctx: CardContext) -> list[str]:
    counts = Counter(row["section"] for row in ctx.rows)
    threshold = ctx.provenance.get("classify", {}).get("min_confidence", "?")
    lines = ["| section | slides | what it holds |", "|---|---|---|"]
    for s in SECTIONS:
        meaning = SECTION_DEFINITIONS[s]
        if s == "other":
            meaning += ("; also any slide whose top classifier score is below the "
                        f"classifier's min_confidence ({threshold} in this build)")
        lines.append(f"| `{s}` ({SECTION_TITLES[s]}) | {counts.get(s, 0)} | {meaning} |")
    return lines


_FICTIONAL_CELL = {True: "yes", False: "no", None: "not stated"}


def _licences(ctx: CardContext) -> list[str]:
    total, closed = len(ctx.decks), ctx.not_open
    if not total:
        return ["The archive holds no deck, so no licence applies to it." + _left_out_decks(ctx)]
    carry = {True: "carries", False: "carry"}
    some = _every(total) if closed == total else f"{closed} of the {total} decks"
    count = (f"{some} {carry[closed == 1]} no open licence (none stated, or one that "
             "does not allow reuse, such as \"All rights reserved\" or a non-commercial one): "
             "`license_open` is false on their slides, so filter on it before reuse."
             if closed else f"{_every(total)} {carry[total == 1]} an open licence.")
    return [
        count + _left_out_decks(ctx) + " The parts derived from a slide (OCR text, word "
        "boxes, section labels, the upscaled image) come from its deck and are shared under "
        f"that deck's terms; a deck with no stated licence (`license` null, \"{NO_LICENSE}\" "
        "below) stays all rights reserved with its owner. `license` is the SPDX id where "
        "the deck's text names a known licence (in any case or spacing), else its text as "
        "written. Check a deck's licence before reuse.",
        "",
        "| deck | company | year | amount raised | fictional | licence | source |",
        "|---|---|---|---|---|---|---|",
        *(f"| {_md_cell(slug)} | {_md_cell(d.company)} | {_md_cell(d.year)} | "
          f"{_md_cell(d.amount_raised)} | {_FICTIONAL_CELL.get(d.fictional, 'not stated')} | "
          f"{_md_cell(dataset_license(d.license) or NO_LICENSE)} | {_md_cell(d.source_url)} |"
          for slug, d in sorted(ctx.decks.items())),
    ]


def _left_out_decks(ctx: CardContext) -> str:
    """What [bundle] open_only left out: the decks with no open licence, counted and named."""
    gone = ctx.left_out_not_open
    if not gone:
        return ""
    names = ", ".join(_md_cell(slug) for slug in gone)
    return (f" This build left out every slide of {_n_decks_count(len(gone))} with no open "
            f"licence (`[bundle] open_only = true`): {names}. The site still shows "
            f"{'it' if len(gone) == 1 else 'them'}; this archive does not hold "
            f"{'it' if len(gone) == 1 else 'them'}.")


def _n_decks_count(n: int) -> str:
    return f"{n} deck" if n == 1 else f"{n} decks"


def _left_out(ctx: CardContext) -> list[str]:
    skipped = ctx.provenance.get("skipped", [])
    gone = ctx.left_out_not_open
    decks = ([f"Every slide of {_n_decks_count(len(gone))} with no open licence is left out "
              "(`[bundle] open_only = true`; named under \"Decks and licences\" and in "
              "`provenance.json`)."] if gone else [])
    if not skipped:
        return [*decks, *([""] if decks else []),
                "No other slide was left out." if decks else "No slide was left out."]
    return [*decks, *([""] if decks else []),
            f"{len(skipped)} slide{'' if len(skipped) == 1 else 's'} of the corpus "
            f"{'is' if len(skipped) == 1 else 'are'} not in the archive "
            "(also in `provenance.json`):", "",
            "| slide | why |", "|---|---|",
            *(f"| {_md_cell(item['id'])} | {_md_cell(item['reason'])} |" for item in skipped)]


def _limitations(ctx: CardContext) -> list[str]:
    fictional, total = ctx.fictional, len(ctx.decks)
    facts = classifier_facts(ctx)
    # the slides labelled by hand here that a retrained model may have learnt (fictional
    # decks' only with --with-fictional)
    learnable = [row for row in ctx.rows
                 if facts.curated_fictional or row.get("fictional") is not True]
    real_accuracy = _real_accuracy(facts, _curated_count(learnable))
    # how much better than on real decks, when it learnt from the generator's decks
    trained_on_generator = (None if not facts.sample else "far more accurate" if facts.measured
                            else "likely far more accurate")
    if fictional == total and total:
        accuracy = (f"On these fictional decks they are {trained_on_generator} than on real "
                    "decks, since the classifier was trained on decks from the same generator: "
                    "do not report them as its accuracy. " if trained_on_generator else
                    "On these fictional decks they say nothing about real decks: do not report "
                    "them as its accuracy. ") + real_accuracy
    elif fictional:
        accuracy = (f"On the fictional decks they are {trained_on_generator} than on the "
                    "others, since the classifier was trained on decks from the same "
                    "generator. " if trained_on_generator else
                    "On the fictional decks they say nothing about real decks. ") + real_accuracy
    else:
        accuracy = real_accuracy
    sample = []
    if fictional:
        sample.append("- The fictional decks are no sample of startups: one generator's "
                      "templates, phrase banks and invented numbers.")
    if fictional < total:
        chosen = "deck is the one" if total - fictional == 1 else "decks are the ones"
        sample.append(f"- The{' other' if fictional else ''} {chosen} the curator chose, not a "
                      "representative sample of startups; company, stage and industry come "
                      "from each deck's deck.toml.")
    return [
        "- OCR makes mistakes, most on stylised fonts, text in pictures and charts; "
        "`mean_confidence` and per-word `conf` say how sure Tesseract was (100 for words "
        "from a PDF page's text layer, so such a slide's `mean_confidence` reads high; a "
        "word's `source` says which).",
        "- Super-resolution invents detail: do not read small print from the upscaled image "
        "as evidence; the original is the record.",
        f"- Section labels are predictions, not human annotations{_curated_note(ctx.rows)}; "
        "`section_scores` shows the runner-up when a slide fits two sections. "
        + accuracy + ": filter on `section_scores` where precision matters.",
        *sample,
        f"- Tesseract read the text as `-l {ctx.ocr_lang}`; text in other languages and "
        "scripts is read poorly, and the section classifier learnt from English slides only: "
        "on slides in another language its labels are weak guesses.",
        "- `croissant.json` declares the images as file sets that `file_name` and "
        "`original_file_name` name, not as a record set: Croissant loaders that decode only "
        "JPEG and PNG (mlcroissant 1.1) fail on WebP. Open the images with Pillow.",
    ]


def _curated_count(rows: list[dict[str, Any]]) -> int:
    return sum(row["section_source"] == "curated" for row in rows)


def _curated_note(rows: list[dict[str, Any]]) -> str:
    curated = _curated_count(rows)
    return f", except the {curated} labelled by hand (`section_source` curated)" if curated else ""


def _real_accuracy(facts: ClassifierFacts, curated_here: int) -> str:
    """The accuracy on real decks, stated only for the classifier it was measured on."""
    if facts.measured:
        return (f"On real decks the classifier was {MEASURED_RIGHT} ({MEASURED_ON}, in "
                "deckgen's own evaluation), and less than half the time where the label's "
                f"score is under {UNSURE_BELOW} (shown as unsure on the site)")
    text = (f"deckgen's shipped classifier (`{MEASURED_CLASSIFIER}`) was {MEASURED_RIGHT} on "
            f"real decks ({MEASURED_ON}, in deckgen's own evaluation); " + (
                f"the one that labelled these slides ({facts.named}) was not measured, and "
                "that figure does not apply to it" if facts.version else
                "this bundle does not record which classifier labelled these slides, so that "
                "figure may not apply to them"))
    if (facts.curated or facts.curated_fictional) and curated_here:
        text += (f". If it learnt from this dataset's {curated_here} slide"
                 f"{'' if curated_here == 1 else 's'} labelled by hand, those carry their hand "
                 "labels here anyway, not its predictions; its labels on the other slides were "
                 "not measured")
    return text
