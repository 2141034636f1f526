"""The dataset's machine-readable descriptions: MLCommons Croissant and a Frictionless
Data Package, both from ``bundle_card.FIELDS`` (the data card is ``bundle_card``)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

from deckgen.bundle_card import (
    DATASET_NAME,
    FIELDS,
    PRETTY_NAME,
    SOURCE_FORMATS,
    CardContext,
    Field,
    data_card,
)
from deckgen.bundle_guide import bibtex, dataset_page_url, publisher
from deckgen.records import SECTIONS

_CROISSANT_TYPES = {"string": "sc:Text", "integer": "sc:Integer", "number": "sc:Float",
                    "boolean": "sc:Boolean"}
_IMAGE_MEDIA = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}
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


def croissant(ctx: CardContext) -> dict[str, Any]:
    return {
        "@context": _CROISSANT_CONTEXT,
        "@type": "sc:Dataset",
        "conformsTo": "http://mlcommons.org/croissant/1.0",
        "name": DATASET_NAME,
        "description": ctx.description,
        "license": ctx.licenses,
        # the site's dataset page when the site has a base_url; no made-up address otherwise
        **({"url": dataset_page_url(ctx.base_url)} if ctx.base_url else {}),
        "version": ctx.full_version,
        "identifier": f"{DATASET_NAME}-{ctx.full_version}",
        # SOURCE_DATE_EPOCH's day; none when unset (the archive's fixed time dates nothing)
        **({"datePublished": ctx.date} if ctx.date else {}),
        "creator": {"@type": "sc:Organization", "name": publisher(ctx.site_title) or "deckgen"},
        "citeAs": bibtex(ctx),
        "keywords": ["pitch decks", "OCR", "super-resolution", "slides"],
        "distribution": [
            _file_object(ctx, "metadata.jsonl", "application/jsonlines"),
            _file_object(ctx, "slides.csv", "text/csv"),
            _file_object(ctx, "provenance.json", "application/json",
                         "How the dataset was made: stage versions and settings, tool "
                         "versions, deck counts, the slides left out."),
            *_image_file_sets(ctx),
        ],
        "recordSet": [
            {"@type": "cr:RecordSet", "@id": "slides", "name": "slides",
             "description": "One record per slide. The images are files named by file_name "
                            "and original_file_name (the file sets upscaled-images and "
                            "original-images-*): open them with Pillow.",
             "key": {"@id": "slides/id"}, "field": _croissant_fields()},
        ],
    }


def _file_object(ctx: CardContext, name: str, media: str, description: str = "") -> dict:
    return {"@type": "cr:FileObject", "@id": name, "name": name, "contentUrl": name,
            "encodingFormat": media, **({"description": description} if description else {}),
            "contentSize": f"{ctx.sizes[name]} B", "sha256": ctx.hashes[name]}


def _image_file_sets(ctx: CardContext) -> list[dict[str, Any]]:
    """The images as file sets, one per format (a file set has one encodingFormat).

    No record set reads them: mlcroissant 1.1 decodes only JPEG and PNG, and a record set
    over WebP files fails to load; the slides' file_name columns point at them instead."""
    fmt = ctx.upscaled_format
    sets = [{"@type": "cr:FileSet", "@id": "upscaled-images", "name": "upscaled-images",
             "description": "Super-resolved slides; slides/file_name names each.",
             "encodingFormat": _IMAGE_MEDIA[fmt], "includes": f"images/upscaled/*/*.{fmt}"}]
    originals = sorted({row["original_file_name"].rsplit(".", 1)[-1] for row in ctx.rows})
    for ext in originals:
        sets.append({
            "@type": "cr:FileSet", "@id": f"original-images-{ext}",
            "name": f"original-images-{ext}",
            "description": "Slides as found; slides/original_file_name names each.",
            "encodingFormat": _IMAGE_MEDIA[ext], "includes": f"images/original/*/*.{ext}"})
    return sets


def _croissant_fields() -> list[dict[str, Any]]:
    fields = []
    for f in FIELDS:
        if f.name == "section_scores":
            fields.append(_scores_field(f))
        elif f.name == "words":
            fields.append(_words_field(f))
        else:
            fields.append({**_leaf(f"slides/{f.name}", f.name, _CROISSANT_TYPES[f.type], f.name),
                           "description": f.description})
    return fields


def _leaf(field_id: str, name: str, data_type: str, column: str, json_path: str = "",
          *, repeated: bool = False) -> dict[str, Any]:
    extract: dict[str, Any] = {"fileObject": {"@id": "metadata.jsonl"},
                               "extract": {"column": column}}
    if json_path:
        extract["transform"] = {"jsonPath": json_path}
    return {"@type": "cr:Field", "@id": field_id, "name": name, "dataType": data_type,
            **({"repeated": True} if repeated else {}), "source": extract}


def _scores_field(f: Field) -> dict[str, Any]:
    """One sub-field per section: the reference loader gives a dict of floats."""
    return {"@type": "cr:Field", "@id": f"slides/{f.name}", "name": f.name,
            "description": f.description,
            "subField": [_leaf(f"slides/{f.name}/{s}", s, "sc:Float", f.name, f"'{s}'")
                         for s in SECTIONS]}


def _words_field(f: Field) -> dict[str, Any]:
    """A repeated field: the loader gives a list of {text, conf, box, line, source} per slide."""
    parts = (("text", "sc:Text", False), ("conf", "sc:Float", False),
             ("box", "sc:Integer", True), ("line", "sc:Integer", False),
             ("source", "sc:Text", False))
    return {"@type": "cr:Field", "@id": f"slides/{f.name}", "name": f.name,
            "description": f.description, "repeated": True,
            "subField": [_leaf(f"slides/{f.name}/{name}", name, kind, f.name, name,
                               repeated=repeated) for name, kind, repeated in parts]}


def _csv_schema() -> dict[str, Any]:
    """slides.csv's Table Schema (metadata.jsonl adds the words; the card lists every field)."""
    fields = []
    for f in FIELDS:
        if not f.csv:
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
    """A Data Package (v1) that plain implementations read: only slides.csv is tabular.

    A v1 Tabular Data Resource is CSV (or inline JSON), so metadata.jsonl, which holds the
    word boxes, is a plain data resource; its row schema is the card's "Fields" table."""
    readme = data_card(ctx).encode()  # the card's bytes, as the archive stores them
    sizes, hashes = {**ctx.sizes, "README.md": len(readme)}, {**ctx.hashes}
    hashes["README.md"] = hashlib.sha256(readme).hexdigest()

    def resource(name: str, path: str, fmt: str, mediatype: str, description: str,
                 **extra: Any) -> dict[str, Any]:
        return {"name": name, "path": path, "profile": "data-resource", "format": fmt,
                "mediatype": mediatype, "description": description, **extra,
                "bytes": sizes[path], "hash": f"sha256:{hashes[path]}"}

    return {
        "profile": "data-package",
        "name": DATASET_NAME,
        "title": PRETTY_NAME,
        "description": ctx.description,
        "version": ctx.full_version,
        # SOURCE_DATE_EPOCH to the second, as the archive's file times have it
        **({"created": f"{datetime.fromtimestamp(ctx.mtime, UTC):%Y-%m-%dT%H:%M:%SZ}"}
           if ctx.date else {}),
        **({"homepage": dataset_page_url(ctx.base_url)} if ctx.base_url else {}),
        "licenses": [{"name": _license_id(lic), "title": lic} for lic in ctx.licenses],
        "keywords": ["pitch decks", "OCR", "super-resolution", "slides"],
        "resources": [
            resource("metadata", "metadata.jsonl", "jsonl", "application/jsonl",
                     "One JSON object per line and slide: every field of slides.csv plus "
                     "the OCR word boxes (words), as the data card's Fields table says.",
                     # frictionless reads a jsonl resource as a table (needing its json
                     # extra) unless told it is a file; other readers ignore the hint
                     encoding="utf-8", type="file"),
            {**resource("slides", "slides.csv", "csv", "text/csv", "One row per slide, "
                        "without word boxes (objects as JSON text; a text that starts with =, "
                        "+, - or @ starts with ' here, so spreadsheets show it instead of "
                        "running it as a formula: metadata.jsonl has it as read).",
                        encoding="utf-8"),
             "profile": "tabular-data-resource", "schema": _csv_schema()},
            resource("provenance", "provenance.json", "json", "application/json",
                     "How the dataset was made: stage versions and settings, tool versions, "
                     "deck counts, the slides left out.", encoding="utf-8"),
            resource("readme", "README.md", "md", "text/markdown", "The data card.",
                     encoding="utf-8"),
            *_image_resources(ctx, resource),
        ],
    }


def _image_resources(ctx: CardContext, resource) -> list[dict[str, Any]]:
    """One resource per image whose checksum the build handed over (a resource without one
    could not be checked against SHA256SUMS); slides.csv's file_name columns name them."""
    out = []
    for row in ctx.rows:
        for column, kind in (("original_file_name", "original"), ("file_name", "upscaled")):
            path = row[column]
            if path not in ctx.hashes:
                continue
            ext = path.rsplit(".", 1)[-1]
            name = f"{kind}-{row['id'].replace('/', '-')}".lower()
            out.append(resource(_resource_name(name), path, ext, _IMAGE_MEDIA[ext],
                                f"{kind.capitalize()} image of slide {row['id']}."))
    return out


def _resource_name(name: str) -> str:
    # v1 names: lower-case alphanumerics and -._ only
    return "".join(c if c.isascii() and c.isalnum() or c in "-._" else "-" for c in name)


def _license_id(license_text: str) -> str:
    cleaned = "".join(c if c.isalnum() or c in "-._" else "-" for c in license_text.lower())
    return cleaned.strip("-") or "unknown"
