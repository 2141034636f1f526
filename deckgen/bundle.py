"""The open dataset bundle: slide images, text, labels, a data card and checksums.

One versioned ``.tar.gz`` under ``site/dataset/``. It is byte-reproducible:
members are sorted, every timestamp is fixed (``SOURCE_DATE_EPOCH`` or a fixed
epoch), owners are 0 and modes fixed, and gzip carries no name or time. Two
builds of the same records give the same archive hash, so the site can print
it and a redeploy uploads nothing. Its documents' version ends in a content id
(``content_digest``), so two archives with other files never share a version even
though the file name stays ``deckgen-dataset-v1.tar.gz``; ``provenance.json`` records
the archive's format (``VERSION``) and the stage versions, settings and tool versions that
made its slides (the build's, as its manifest recorded them).

The field list ``FIELDS`` is the single source of the schema: it drives
``metadata.jsonl``, ``slides.csv``, ``datapackage.json``, ``croissant.json``,
the data card and ``verify_bundle``.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import os
import tarfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from deckgen import __version__, bundle_card, bundle_guide, bundle_schema
from deckgen.bundle_card import (
    ARCHIVE_STEM,
    FIELDS,
    Field,
    content_digest,
    dataset_license,
    is_open_license,
    sums_text,
)
from deckgen.bundle_images import (
    PNG_COMPRESS_LEVEL,
    WEBP_METHOD,
    WEBP_QUALITY,
    image_ext,
    match_stored_scale,
    original_image,
)
from deckgen.bundle_verify import verify_bundle
from deckgen.corpus_pdf import is_pdf_page, pdfium_version
from deckgen.errors import ConfigError
from deckgen.files import OUTPUT_MODE, sha256_file, spool_folder, temp_file
from deckgen.progress import SILENT, Progress
from deckgen.records import DeckMeta, Slide

if TYPE_CHECKING:
    from deckgen.config import Config

VERSION = "15"  # bump when the archive layout or member formats change (part of the site cache key)
FIXED_EPOCH = 1704067200  # 2024-01-01T00:00:00Z, when SOURCE_DATE_EPOCH is unset
SPOOL_PREFIX = "deckgen-bundle-"  # the spool folders of images waiting for the archive

__all__ = [
    "ARCHIVE_STEM", "FIELDS", "VERSION", "Field", "archive_name", "build_bundle",
    "provenance", "verify_bundle",
]


def archive_name(version: str) -> str:
    return f"{ARCHIVE_STEM}-v{version}.tar.gz"


def build_bundle(
    slides: list[Slide],
    decks: dict[str, DeckMeta],
    get_source: Callable[[Slide], bytes],
    get_upscaled: Callable[[Slide], bytes],
    out_dir: Path,
    *,
    version: str = "1",
    upscaled_format: str = "webp",
    max_pixels: int | None = None,
    progress: Progress = SILENT,
    config: Config | None = None,
    spool_dir: Path | None = None,
    failures: Mapping[str, str] | None = None,
    versions: Mapping[str, str] | None = None,
) -> dict:
    """Write ``out_dir/deckgen-dataset-v<version>.tar.gz`` and describe it.

    ``get_upscaled`` gives a slide's upscaled image already in ``upscaled_format``
    (``encode_upscaled`` of its PNG: a build encodes it in the workers and keeps it
    in its cache). JPEG, PNG and WebP originals keep their image data as it is, their
    metadata (EXIF, XMP, comments, text chunks, appended bytes) left out
    (``bundle_images.without_metadata``); GIF, BMP and TIFF ones, and those whose structure
    cannot be followed, as a PNG of what the pipeline decodes (``max_pixels`` bounds that
    decode; default: the upscale stage's). Slides whose OCR or classification failed
    are left out (listed under ``skipped`` with the reason: ``failures``' for that slide
    id, as the build said it), as are slides whose images cannot be read, and, with the
    config's ``[bundle] open_only``, every slide of a deck with no open licence (its slugs
    under ``left_out_not_open``). The archive is rewritten only when its bytes change.
    ``config`` is the build's (its OCR, classifier and upscale settings go into
    ``provenance.json`` and the card, its site base_url into Croissant's url);
    default: deckgen's defaults. ``versions`` are the ``manifest.stage_versions`` the
    slides were built with (the build's own, as its manifest recorded them), for
    ``provenance.json`` and the card; default: the running deckgen's. The images wait
    in a spool folder made in ``spool_dir`` (default: the system's temp folder); one a
    killed run left there is swept (``files.spool_folder``).
    """
    if upscaled_format not in ("webp", "png"):
        raise ValueError(f"upscaled_format must be 'webp' or 'png', not {upscaled_format!r}")
    out_dir = Path(out_dir)
    root = f"{ARCHIVE_STEM}-v{version}"
    mtime = source_date_epoch()
    open_only = config is not None and config.bundle.open_only
    rows: list[dict[str, Any]] = []
    skipped: list[dict[str, str]] = []
    left_out_not_open: set[str] = set()
    with (spool_folder(spool_dir, SPOOL_PREFIX) as spool,
          progress.stage("dataset", len(slides)) as advance):
        images: dict[str, Path] = {}  # member name -> spooled file
        for slide in sorted(slides, key=lambda s: (s.deck, s.page)):
            advance()
            deck = decks.get(slide.deck) or DeckMeta(slug=slide.deck)
            if open_only and not is_open_license(deck.license):
                left_out_not_open.add(slide.deck)  # the site shows it; the archive does not
                continue
            if slide.ocr is None or slide.section is None:
                reason = (failures or {}).get(slide.id, "OCR or classification failed")
                skipped.append({"id": slide.id, "reason": reason})
                continue
            try:
                original_ext, original, source_format = original_image(
                    get_source(slide), max_pixels)
                upscaled = get_upscaled(slide)
                if image_ext(upscaled) != upscaled_format:
                    raise ValueError(f"upscaled image is not a {upscaled_format.upper()}")
            except Exception as exc:  # one unreadable slide never sinks the bundle
                skipped.append({"id": slide.id, "reason": f"image unavailable: {exc}"})
                continue
            stem = f"{slide.deck}/{slide.page:03d}"
            original_name = f"images/original/{stem}.{original_ext}"
            upscaled_name = f"images/upscaled/{stem}.{upscaled_format}"
            for name, data in ((original_name, original), (upscaled_name, upscaled)):
                target = spool / name
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
                images[name] = target
            if is_pdf_page(slide.source):
                source_format = "PDF"  # its bytes are the page rendered to PNG
            row = _row(slide, deck, original_name, upscaled_name, source_format)
            match_stored_scale(row, slide, upscaled)
            rows.append(row)
        skipped.sort(key=lambda item: item["id"])

        used_decks = {r["deck"]: decks.get(r["deck"]) or DeckMeta(slug=r["deck"]) for r in rows}
        ctx = bundle_card.CardContext(
            rows=rows, decks=used_decks, version=version, mtime=mtime,
            upscaled_format=upscaled_format,
            base_url=config.site.base_url if config is not None else "",
            site_title=config.site.title if config is not None else "",
            dated=stated_epoch() is not None, left_out_not_open=sorted(left_out_not_open))
        ctx.provenance = provenance(config, ctx, skipped, versions)
        texts = _data_members(ctx)
        sums = {name: hashlib.sha256(data).hexdigest() for name, data in texts.items()}
        for name, path in images.items():
            sums[name] = sha256_file(path)
        ctx.content_id = content_digest(sums)
        texts.update(_documents(ctx))
        for name in bundle_card.DOCUMENTS:
            sums[name] = hashlib.sha256(texts[name]).hexdigest()
        texts["SHA256SUMS"] = sums_text(sums).encode()
        members: dict[str, bytes | Path] = {**texts, **images}
        archive = out_dir / archive_name(version)
        written = _write_archive(archive, root, members, mtime)
    _remove_other_versions(out_dir, archive)
    return {
        "file": f"dataset/{archive.name}",
        "bytes": archive.stat().st_size,
        "sha256": sha256_file(archive),
        "slides": len(rows),
        "decks": len(used_decks),
        "fictional_decks": ctx.fictional,
        "not_open_decks": ctx.not_open,  # no licence stated, or one that forbids reuse
        "not_open_names": ctx.not_open_decks,  # their slugs (the build's warning names them)
        "left_out_not_open": ctx.left_out_not_open,  # [bundle] open_only: not in the archive
        "version": ctx.full_version,  # carries the content id: differs when the data does
        "date": ctx.date,  # SOURCE_DATE_EPOCH's day; "" when unset (undated)
        "citation": bundle_guide.bibtex(ctx),  # the card's entry, for the dataset page
        "publisher": bundle_guide.publisher(ctx.site_title),
        "written": written,
        "skipped": skipped,
    }


def provenance(config: Config | None, ctx: bundle_card.CardContext,
               skipped: list[dict[str, str]],
               versions: Mapping[str, str] | None = None) -> dict[str, Any]:
    """provenance.json: what made these slides, so OCR and SR results can be compared.
    ``versions``: the stage versions they were built with (default: the running code's)."""
    import PIL
    from PIL import features

    from deckgen.config import Config
    from deckgen.manifest import stage_versions  # runs the upscale stage's imports

    cfg = config or Config()
    made_by = dict(versions) if versions is not None else stage_versions()
    return {  # no date: the content id (which covers this file) names the data, not the day
        "deckgen": made_by.get("deckgen", __version__),
        "dataset_version": ctx.version,
        "bundle_format": VERSION,  # this archive's layout and member formats
        "upscale": {"version": made_by.get("upscale", ""), "method": cfg.upscale.method,
                    "max_scale": cfg.upscale.max_scale,
                    "target_x_height": cfg.upscale.target_x_height,
                    "opencv": made_by.get("opencv", ""),
                    "note": "scale varies per slide (upscale_scale)"},
        "ocr": {"version": made_by.get("ocr", ""), "tesseract": made_by.get("tesseract", ""),
                "lang": cfg.ocr.lang,
                "psm": cfg.ocr.psm, "min_conf": cfg.ocr.min_conf,
                "note": "words below min_conf are dropped; boxes are in original-image pixels "
                        "(multiply by upscale_scale for the upscaled image)"},
        # PDF pages: their originals are PDFium's renderings, their words the text layer's
        "pdf": {"text_layer": made_by.get("pdf-text", ""),
                "page_upscale": made_by.get("pdf-page", ""),
                "pdfium": made_by.get("pdfium") or pdfium_version(),
                "note": "PDF pages are rendered to PNG by PDFium, and their words read from "
                        "their own text layer where it is usable, as text_layer's rule says"},
        "classify": {"version": made_by.get("classify", ""),
                     "min_confidence": cfg.classify.min_confidence,
                     "prior_weight": cfg.classify.prior_weight,
                     "note": "a top score below min_confidence is labelled other"},
        "images": {"pillow": PIL.__version__, "libwebp": features.version("webp") or "",
                   "webp_quality": WEBP_QUALITY, "webp_method": WEBP_METHOD,
                   "png_compress_level": PNG_COMPRESS_LEVEL},
        "decks": {"total": len(ctx.decks), "fictional": ctx.fictional,
                  "without_open_license": ctx.not_open,
                  # [bundle] open_only: decks with no open licence, none of their slides here
                  "left_out_without_open_license": ctx.left_out_not_open},
        "slides": len(ctx.rows),
        "skipped": skipped,
    }


def source_date_epoch() -> int:
    """The archive's file times: ``SOURCE_DATE_EPOCH`` when set, else FIXED_EPOCH."""
    stated = stated_epoch()
    return FIXED_EPOCH if stated is None else stated


# 9999-12-31T23:59:59Z: the last second a date can name (a value in milliseconds is past it)
LAST_EPOCH = 253402300799


def stated_epoch() -> int | None:
    """``SOURCE_DATE_EPOCH`` when set (the dataset's date), else None (unset, empty or 0):
    the documents then state no date, since FIXED_EPOCH only makes the bytes reproducible.
    A value that is no whole number of seconds is a ConfigError, as the reproducible-builds
    specification asks: a typo never gives an undated archive by surprise."""
    value = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not value:
        return None
    if not (value.isascii() and value.isdigit()) or int(value) > LAST_EPOCH:
        raise ConfigError(
            f"SOURCE_DATE_EPOCH={value!r} is not a time: it must be a whole number of seconds "
            f"since 1970-01-01 UTC, 0 to {LAST_EPOCH} (e.g. `date +%s` or "
            "`git log -1 --format=%ct` prints one), or unset for an undated archive")
    return int(value) or None


def _row(
    slide: Slide, deck: DeckMeta, original_name: str, upscaled_name: str, source_format: str
) -> dict[str, Any]:
    ocr, section, up = slide.ocr, slide.section, slide.upscale
    assert ocr is not None and section is not None
    return {
        "id": slide.id,
        "file_name": upscaled_name,
        "original_file_name": original_name,
        "source_format": source_format,
        "deck": slide.deck,
        "page": slide.page,
        "company": deck.company,
        "deck_title": deck.title,
        "year": deck.year,
        "stage": deck.stage,
        "industry": deck.industry,
        "amount_raised": deck.amount_raised,
        "section": section.label,
        "section_source": "curated" if section.curated else "predicted",
        "section_scores": {k: round(float(v), 6) for k, v in sorted(section.scores.items())},
        "title": ocr.title,
        "text": ocr.text,
        "mean_confidence": round(float(ocr.mean_confidence), 3),
        "words": [
            {"text": w.text, "conf": round(float(w.conf), 2), "box": [int(v) for v in w.box],
             "line": int(w.line), "source": w.source}
            for w in ocr.words
        ],
        "source_width": up.source_width if up else None,
        "source_height": up.source_height if up else None,
        "upscale_method": up.method if up else "",
        "upscale_scale": float(up.scale) if up else None,
        "source_sha256": slide.sha256,
        "source_url": deck.source_url,
        "license": dataset_license(deck.license),  # SPDX id when known; none stated: null
        "license_open": is_open_license(deck.license),
        "fictional": None if deck.fictional is None else bool(deck.fictional),  # None: unsaid
    }


def _data_members(ctx: bundle_card.CardContext) -> dict[str, bytes]:
    # keys in schema order: Frictionless reads the JSONL header from the first row
    jsonl = "".join(
        json.dumps({f.name: r[f.name] for f in FIELDS}, ensure_ascii=False) + "\n"
        for r in ctx.rows
    ).encode()
    texts = {"metadata.jsonl": jsonl, "slides.csv": _csv(ctx.rows),
             "provenance.json": _dump(ctx.provenance)}
    ctx.hashes = {n: hashlib.sha256(d).hexdigest() for n, d in texts.items()}
    ctx.sizes = {n: len(d) for n, d in texts.items()}
    return texts


def _documents(ctx: bundle_card.CardContext) -> dict[str, bytes]:
    return {
        "README.md": bundle_card.data_card(ctx).encode(),
        "croissant.json": _dump(bundle_schema.croissant(ctx)),
        "datapackage.json": _dump(bundle_schema.datapackage(ctx)),
    }


def _csv(rows: list[dict[str, Any]]) -> bytes:
    columns = [f.name for f in FIELDS if f.csv]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([bundle_card.csv_cell(row[c]) for c in columns])
    return out.getvalue().encode()


def _dump(doc: dict) -> bytes:
    return (json.dumps(doc, indent=2, ensure_ascii=False, sort_keys=False) + "\n").encode()


def _write_archive(archive: Path, root: str, members: dict[str, bytes | Path], mtime: int) -> bool:
    """Stream a reproducible tar.gz to a temp file; replace ``archive`` only if bytes differ."""
    archive.parent.mkdir(parents=True, exist_ok=True)
    with temp_file(archive, durable=True) as (raw, tmp):
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=6) as gz:
            with tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as tar:
                for name in _with_dirs(members):
                    path = f"{root}/{name}" if name else root
                    _add_member(tar, path, members.get(name), mtime)
        raw.flush()
        if archive.exists() and sha256_file(archive) == sha256_file(tmp):
            tmp.unlink()  # so temp_file keeps the archive as it is
            os.chmod(archive, OUTPUT_MODE)  # one an older build left 0600 (unchanged bytes keep it)
            return False
    return True


def _with_dirs(members: dict[str, bytes | Path]) -> list[str]:
    names = set(members) | {""}
    for name in members:
        parts = name.split("/")[:-1]
        names.update("/".join(parts[: i + 1]) for i in range(len(parts)))
    return sorted(names)


def _add_member(tar: tarfile.TarFile, name: str, content: bytes | Path | None, mtime: int) -> None:
    info = tarfile.TarInfo(name)
    info.mtime = mtime
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    if content is None:
        info.type = tarfile.DIRTYPE
        info.mode = 0o755
        tar.addfile(info)
        return
    info.mode = 0o644
    if isinstance(content, Path):
        info.size = content.stat().st_size
        with open(content, "rb") as fh:
            tar.addfile(info, fh)
    else:
        info.size = len(content)
        tar.addfile(info, io.BytesIO(content))


def _remove_other_versions(out_dir: Path, keep: Path) -> None:
    """A version bump leaves one archive in site/dataset, not two to deploy."""
    for old in out_dir.glob(f"{ARCHIVE_STEM}-v*.tar.gz"):
        if old != keep:
            old.unlink()
