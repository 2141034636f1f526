"""The dataset's machine-readable descriptions: MLCommons Croissant and a Frictionless
Data Package, both from ``bundle_card.FIELDS`` (the data card is ``bundle_card``)."""

from __future__ import annotations

from typing import Any

from deckgen.bundle_card import DATASET_NAME, FIELDS, PRETTY_NAME, SOURCE_FORMATS, CardContext
from deckgen.records import SECTIONS

_CROISSANT_TYPES = {"string": "sc:Text", "integer": "sc:Integer", "number": "sc:Float",
                    "boolean": "sc:Boolean"}
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
        # the site's dataset page when the site has a base_url; no made-up address otherwise
        **({"url": ctx.base_url.rstrip("/") + "/dataset.html"} if ctx.base_url else {}),
        "version": ctx.full_version,
        "identifier": f"{DATASET_NAME}-{ctx.full_version}",
        "datePublished": ctx.date,
        "creator": {"@type": "sc:Organization", "name": "deckgen"},
        "citeAs": (f"@misc{{deckgen_slides_v{ctx.version}, title={{{PRETTY_NAME}}}, "
                   f"version={{{ctx.full_version}}}, year={{{ctx.date[:4]}}}}}"),
        "keywords": ["pitch decks", "OCR", "super-resolution", "slides"],
        "distribution": [
            {"@type": "cr:FileObject", "@id": "metadata.jsonl", "name": "metadata.jsonl",
             "contentUrl": "metadata.jsonl", "encodingFormat": "application/jsonlines",
             "contentSize": f"{ctx.sizes['metadata.jsonl']} B",
             "sha256": ctx.hashes["metadata.jsonl"]},
            {"@type": "cr:FileObject", "@id": "slides.csv", "name": "slides.csv",
             "contentUrl": "slides.csv", "encodingFormat": "text/csv",
             "contentSize": f"{ctx.sizes['slides.csv']} B", "sha256": ctx.hashes["slides.csv"]},
            {"@type": "cr:FileObject", "@id": "provenance.json", "name": "provenance.json",
             "contentUrl": "provenance.json", "encodingFormat": "application/json",
             "description": "How the dataset was made: stage versions and settings, tool "
                            "versions, deck counts, the slides left out.",
             "contentSize": f"{ctx.sizes['provenance.json']} B",
             "sha256": ctx.hashes["provenance.json"]},
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
        "version": ctx.full_version,
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
