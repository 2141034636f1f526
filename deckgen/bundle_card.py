"""What the dataset bundle says about itself: the schema, the data card, Croissant, Data Package.

Every document is built from ``FIELDS`` and the rows, never from the clock,
so two builds of one corpus describe it in identical bytes.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from deckgen import __version__
from deckgen.records import SECTION_TITLES, SECTIONS, UNSURE_BELOW, DeckMeta

DATASET_NAME = "deckgen-pitch-deck-slides"
PRETTY_NAME = "deckgen pitch-deck slides"
# licence strings the Hugging Face hub knows by these ids (lower-case SPDX)
_HF_LICENSES = {"cc0-1.0", "cc-by-4.0", "cc-by-sa-4.0", "cc-by-nc-4.0", "cc-by-nc-sa-4.0",
                "cc-by-nd-4.0", "mit", "apache-2.0", "odc-by", "pddl", "odbl", "unlicense"}


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
    Field("original_file_name", "string", "The slide image as found: the file itself if JPEG, "
          "PNG or WebP, else a PNG of it (see source_format).", required=True),
    Field("source_format", "string", "Format of the slide as found: JPEG, PNG, WEBP, GIF, BMP, "
          "TIFF or PDF. GIF (first frame), BMP and TIFF images and PDF pages are stored as "
          "PNG.", required=True),
    Field("deck", "string", "Deck slug.", required=True),
    Field("page", "integer", "1-based page number within the deck.", required=True),
    Field("company", "string", "Company named in the deck's metadata."),
    Field("deck_title", "string", "Title of the deck."),
    Field("year", "integer", "Year the deck was used, if known."),
    Field("stage", "string", "Funding stage (pre-seed, seed, series A, ...)."),
    Field("industry", "string", "Industry of the company."),
    Field("section", "string", "Section type: one of " + ", ".join(SECTIONS) + ".",
          required=True),
    Field("section_source", "string", "Who set the section: 'predicted' (the classifier) or "
          "'curated' (by hand, in the deck's deck.toml).", required=True),
    Field("section_scores", "object", "Classifier score per section (sums to about 1; a "
          "curated slide has 1 on its section).", required=True),
    Field("title", "string", "Slide title as read by OCR."),
    Field("text", "string", "OCR text in reading order, lines joined by newlines."),
    Field("mean_confidence", "number", "Mean Tesseract word confidence, 0-100.", required=True),
    Field("words", "array", "OCR words: {text, conf 0-100, box [x, y, w, h] in original-image "
          "pixels, line index}.", csv=False, required=True),
    Field("source_width", "integer", "Width of the original image in pixels."),
    Field("source_height", "integer", "Height of the original image in pixels."),
    Field("upscale_method", "string", "How the slide was enlarged (model name or resampler)."),
    Field("upscale_scale", "number", "Enlargement factor."),
    Field("source_sha256", "string", "SHA-256 of the slide's source file as found, before "
          "any conversion to PNG (PDF pages: of the PDF's hash, page and render settings).",
          required=True),
    Field("source_url", "string", "Where the deck was published."),
    Field("license", "string", "Licence of the deck, as stated by its source."),
)

SOURCE_FORMATS = ("JPEG", "PNG", "WEBP", "GIF", "BMP", "TIFF", "PDF")

_CROISSANT_TYPES = {"string": "sc:Text", "integer": "sc:Integer", "number": "sc:Float"}
_CROISSANT_CONTEXT: dict[str, Any] = {
    "@language": "en",
    "@vocab": "https://schema.org/",
    "citeAs": "cr:citeAs",
    "column": "cr:column",
    "conformsTo": "dct:conformsTo",
    "cr": "http://mlcommons.org/croissant/",
    "data": {"@id": "cr:data", "@type": "@json"},
    "dataType": {"@id": "cr:dataType", "@type": "@vocab"},
    "dct": "http://purl.org/dc/terms/",
    "equivalentProperty": "cr:equivalentProperty",
    "examples": {"@id": "cr:examples", "@type": "@json"},
    "extract": "cr:extract",
    "field": "cr:field",
    "fileProperty": "cr:fileProperty",
    "fileObject": "cr:fileObject",
    "fileSet": "cr:fileSet",
    "format": "cr:format",
    "includes": "cr:includes",
    "isLiveDataset": "cr:isLiveDataset",
    "jsonPath": "cr:jsonPath",
    "key": "cr:key",
    "md5": "cr:md5",
    "parentField": "cr:parentField",
    "path": "cr:path",
    "rai": "http://mlcommons.org/croissant/RAI/",
    "recordSet": "cr:recordSet",
    "references": "cr:references",
    "regex": "cr:regex",
    "repeated": "cr:repeated",
    "replace": "cr:replace",
    "samplingRate": "cr:samplingRate",
    "sc": "https://schema.org/",
    "separator": "cr:separator",
    "source": "cr:source",
    "subField": "cr:subField",
    "transform": "cr:transform",
}


@dataclass
class CardContext:
    rows: list[dict[str, Any]]
    decks: dict[str, DeckMeta]
    version: str
    mtime: int
    upscaled_format: str
    hashes: dict[str, str] = field(default_factory=dict)  # metadata.jsonl, slides.csv
    sizes: dict[str, int] = field(default_factory=dict)

    @property
    def date(self) -> str:
        return datetime.fromtimestamp(self.mtime, UTC).date().isoformat()

    @property
    def licenses(self) -> list[str]:
        return sorted({d.license.strip() or "unknown" for d in self.decks.values()})

    @property
    def description(self) -> str:
        return (f"{len(self.rows)} pitch-deck slides from {len(self.decks)} decks: the original "
                "low-resolution images, super-resolved versions, Tesseract OCR text with word "
                "boxes, and a predicted section type (problem, market, team, ...) per slide.")


def hf_license(licenses: list[str]) -> str:
    """The Hugging Face licence id for the card header ('other' when mixed or unknown)."""
    if len(licenses) == 1 and licenses[0].lower() in _HF_LICENSES:
        return licenses[0].lower()
    return "other"


def _size_category(n: int) -> str:
    for limit, label in ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K")):
        if n < limit:
            return label
    return "100K<n<1M"


def _yaml_str(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a valid YAML scalar


def _md_cell(value: Any) -> str:
    """Untrusted deck metadata inside a Markdown table: one line, no pipes, no HTML."""
    text = " ".join(str(value if value is not None else "").split())
    for char, escaped in (("\\", "\\\\"), ("|", "\\|"), ("<", "&lt;"), (">", "&gt;")):
        text = text.replace(char, escaped)
    return text or "—"


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
        "language:", "- en",
        "task_categories:", "- image-to-text", "- image-classification",
        "tags:", "- ocr", "- super-resolution", "- pitch-decks", "- document-layout",
        "size_categories:", f"- {_size_category(len(ctx.rows))}",
        "configs:", "- config_name: default", "  data_files:", "  - split: train", "    path:",
        "    - metadata.jsonl", f"    - images/upscaled/**/*.{ctx.upscaled_format}",
        "---",
    ]
    sections = Counter(row["section"] for row in ctx.rows)
    body = [
        f"# {PRETTY_NAME} (v{ctx.version})",
        "",
        ctx.description,
        "",
        "## How it was made",
        "",
        f"Built by deckgen {__version__}, an offline pipeline. Each slide image (often a 480 px "
        "wide JPEG scraped from the web; PDF pages are rendered to PNG) is enlarged by a "
        "super-resolution model run through OpenCV's DNN module, read by Tesseract OCR (words, "
        "boxes, confidences, a title guess), and assigned one of "
        f"{len(SECTIONS)} section types by a small classifier over the OCR text and layout "
        "(or by hand, where a curator set it in the deck's deck.toml). "
        f"Upscaled images are stored as {ctx.upscaled_format.upper()}"
        + (" (quality 90)" if ctx.upscaled_format == "webp" else "")
        + "; JPEG, PNG and WebP originals are stored byte for byte, GIF (first frame), BMP "
        "and TIFF ones as PNG of the image the pipeline read, which the word boxes fit (CMYK, "
        "16-bit and transparency converted to 8-bit RGB on white; `source_format` names the "
        "format as found). Slides whose OCR or classification failed are "
        "left out. The archive is byte-reproducible: rebuilding the same corpus gives the same "
        "SHA-256.",
        "",
        "## Files",
        "",
        "| file | what |",
        "|---|---|",
        "| `metadata.jsonl` | one JSON object per slide, every field below |",
        "| `slides.csv` | the same without word boxes (objects as JSON text) |",
        f"| `images/upscaled/<deck>/<page>.{ctx.upscaled_format}` | super-resolved slide |",
        "| `images/original/<deck>/<page>.<ext>` | slide as found (jpg, png or webp; other "
        "formats and PDF pages as png) |",
        "| `croissant.json` | MLCommons Croissant 1.0 metadata |",
        "| `datapackage.json` | Frictionless Data Package |",
        "| `SHA256SUMS` | checksums; check with `sha256sum -c SHA256SUMS` |",
        "",
        "## Fields",
        "",
        "| field | type | description |",
        "|---|---|---|",
        *(f"| `{f.name}` | {f.type} | {f.description}{'' if f.csv else ' (JSONL only)'} |"
          for f in FIELDS),
        "",
        "## Sections",
        "",
        "| section | slides |",
        "|---|---|",
        *(f"| {SECTION_TITLES[s]} | {sections.get(s, 0)} |" for s in SECTIONS),
        "",
        "## Decks and licences",
        "",
        "Each deck keeps the licence its source states; check it before reuse.",
        "",
        "| deck | company | year | licence | source |",
        "|---|---|---|---|---|",
        *(f"| {_md_cell(slug)} | {_md_cell(d.company)} | {_md_cell(d.year)} | "
          f"{_md_cell(d.license or 'unknown')} | {_md_cell(d.source_url)} |"
          for slug, d in sorted(ctx.decks.items())),
        "",
        "## Limitations",
        "",
        "- OCR makes mistakes, most on stylised fonts, text in pictures and charts; "
        "`mean_confidence` and per-word `conf` say how sure Tesseract was.",
        "- Super-resolution invents detail: do not read small print from the upscaled image "
        "as evidence; the original is the record.",
        f"- Section labels are predictions, not human annotations{_curated_note(ctx.rows)}; "
        "`section_scores` shows the runner-up when a slide fits two sections. On real decks "
        "the classifier is right about 7 times in 10 (deckgen's docs/models.md), and less "
        f"than half the time where the top score is under {UNSURE_BELOW} (shown as unsure "
        "on the site): filter on `section_scores` where precision matters.",
        "- The decks are a convenience sample of what was published, not a representative "
        "sample of startups; company, stage and industry come from the deck's own metadata.",
        "- Text is mostly English; other scripts are read poorly.",
        "- Croissant loaders that decode only JPEG and PNG (mlcroissant 1.1) read the "
        "`slides` record set but not WebP images; open those with Pillow.",
        "",
    ]
    return "\n".join(header + [""] + body)


def croissant(ctx: CardContext) -> dict[str, Any]:
    fmt = ctx.upscaled_format
    fields = []
    for f in FIELDS:
        if f.type not in _CROISSANT_TYPES:
            continue  # nested objects stay in the JSONL; Croissant lists the flat columns
        fields.append({
            "@type": "cr:Field", "@id": f"slides/{f.name}", "name": f.name,
            "description": f.description, "dataType": _CROISSANT_TYPES[f.type],
            "source": {"fileObject": {"@id": "metadata.jsonl"}, "extract": {"column": f.name}},
        })
    return {
        "@context": _CROISSANT_CONTEXT,
        "@type": "sc:Dataset",
        "conformsTo": "http://mlcommons.org/croissant/1.0",
        "name": DATASET_NAME,
        "description": ctx.description,
        "license": ctx.licenses,
        "url": "https://github.com/deckgen/deckgen",
        "version": f"{ctx.version}.0.0",
        "datePublished": ctx.date,
        "creator": {"@type": "sc:Organization", "name": "deckgen"},
        "citeAs": (f"@misc{{deckgen_slides_v{ctx.version}, title={{{PRETTY_NAME}}}, "
                   f"version={{{ctx.version}}}, year={{{ctx.date[:4]}}}}}"),
        "keywords": ["pitch decks", "OCR", "super-resolution", "slides"],
        "distribution": [
            {"@type": "cr:FileObject", "@id": "metadata.jsonl", "name": "metadata.jsonl",
             "contentUrl": "metadata.jsonl", "encodingFormat": "application/jsonlines",
             "contentSize": f"{ctx.sizes['metadata.jsonl']} B",
             "sha256": ctx.hashes["metadata.jsonl"]},
            {"@type": "cr:FileObject", "@id": "slides.csv", "name": "slides.csv",
             "contentUrl": "slides.csv", "encodingFormat": "text/csv",
             "contentSize": f"{ctx.sizes['slides.csv']} B", "sha256": ctx.hashes["slides.csv"]},
            {"@type": "cr:FileSet", "@id": "upscaled-images", "name": "upscaled-images",
             "encodingFormat": f"image/{fmt}", "includes": f"images/upscaled/*/*.{fmt}"},
        ],
        "recordSet": [
            {"@type": "cr:RecordSet", "@id": "slides", "name": "slides",
             "description": "One record per slide.", "key": {"@id": "slides/id"},
             "field": fields},
            {"@type": "cr:RecordSet", "@id": "upscaled_images", "name": "upscaled_images",
             "description": "Upscaled slide images; join on slides/file_name.",
             "field": [
                 {"@type": "cr:Field", "@id": "upscaled_images/path", "name": "path",
                  "dataType": "sc:Text",
                  "source": {"fileSet": {"@id": "upscaled-images"},
                             "extract": {"fileProperty": "fullpath"}}},
                 {"@type": "cr:Field", "@id": "upscaled_images/image", "name": "image",
                  "dataType": "sc:ImageObject",
                  "source": {"fileSet": {"@id": "upscaled-images"},
                             "extract": {"fileProperty": "content"}}},
             ]},
        ],
    }


def _curated_note(rows: list[dict[str, Any]]) -> str:
    curated = sum(row["section_source"] == "curated" for row in rows)
    return f", except the {curated} labelled by hand (`section_source` curated)" if curated else ""


def _frictionless_schema(*, csv: bool) -> dict[str, Any]:
    fields = []
    for f in FIELDS:
        if csv and not f.csv:
            continue
        spec: dict[str, Any] = {"name": f.name, "type": f.type, "description": f.description}
        constraints: dict[str, Any] = {}
        if f.required:
            constraints["required"] = True
        if f.name == "section":
            constraints["enum"] = list(SECTIONS)
        if f.name == "section_source":
            constraints["enum"] = ["predicted", "curated"]
        if f.name == "source_format":
            constraints["enum"] = list(SOURCE_FORMATS)
        if f.name == "page":
            constraints["minimum"] = 1
        if constraints:
            spec["constraints"] = constraints
        fields.append(spec)
    return {"fields": fields, "primaryKey": ["id"]}


def datapackage(ctx: CardContext) -> dict[str, Any]:
    def resource(name: str, path: str, fmt: str, mediatype: str, csv: bool) -> dict[str, Any]:
        return {
            "name": name, "path": path, "profile": "tabular-data-resource", "format": fmt,
            "mediatype": mediatype, "encoding": "utf-8", "bytes": ctx.sizes[path],
            "hash": f"sha256:{ctx.hashes[path]}", "schema": _frictionless_schema(csv=csv),
        }

    return {
        "profile": "tabular-data-package",
        "name": DATASET_NAME,
        "title": PRETTY_NAME,
        "description": ctx.description,
        "version": f"{ctx.version}.0.0",
        "created": f"{ctx.date}T00:00:00Z",
        "licenses": [{"name": _license_id(lic), "title": lic} for lic in ctx.licenses],
        "keywords": ["pitch decks", "OCR", "super-resolution", "slides"],
        "resources": [
            resource("metadata", "metadata.jsonl", "jsonl", "application/jsonl", csv=False),
            resource("slides", "slides.csv", "csv", "text/csv", csv=True),
        ],
    }


def _license_id(license_text: str) -> str:
    cleaned = "".join(c if c.isalnum() or c in "-._" else "-" for c in license_text.lower())
    return cleaned.strip("-") or "unknown"
