"""The work one slide needs, as a worker runs it: upscale, OCR, and encoding the images
the site and the dataset publish, each unless cached (``run_slide``); and the same
pipeline on loose slides, with no corpus and no cache (``inspect_images``).

``deckgen build`` maps ``run_slide`` over the slides on its executor; the parent
alone writes the cache, so a worker only reads it and returns bytes. A Dask worker
first runs ``WorkerCheck`` (``worker_problem``): its results are cached under the
parent's keys, so it must be able to make the same ones.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from deckgen import bundle_images, classify, ocr, ocr_layout, site_images, upscale
from deckgen.cache import Cache, stage_key
from deckgen.config import Config
from deckgen.corpus import DOCUMENT_EXTENSIONS
from deckgen.corpus_pdf import (
    PdfPageTooCostly,
    TextLayer,
    is_pdf_page,
    read_source,
    read_source_and_text,
    source_text_layer,
)
from deckgen.errors import DeckgenError, SlideError
from deckgen.files import atomic_write
from deckgen.records import OcrResult, Slide, UpscaleResult

# Everything that decides a slide's published image bytes besides its upscaled pixels.
IMAGES_VERSION = (
    f"{site_images.ENCODER}|dataset:{bundle_images.VERSION}:webp:{bundle_images.WEBP_QUALITY}:"
    f"{bundle_images.WEBP_METHOD}"
)
# IMAGES_VERSION as the build records and names it ("4+1a2b3c4d"): the variants' version
# and a digest of the rest, so an upgrade that encodes every slide again says so (QA-68)
IMAGES_VERSION_ID = (f"{site_images.VARIANTS_VERSION}+"
                     f"{hashlib.sha256(IMAGES_VERSION.encode()).hexdigest()[:8]}")
# the bundle's upscaled image, beside site_images.encode_variants' files
DATASET_IMAGE = "dataset.webp"
# the cache's kind for Tesseract's own output of a slide (``ocr.read``)
TESSERACT_OUTPUT = "tesseract"


@dataclass(frozen=True)
class SlideTask:
    """Everything a worker needs for one slide; small and picklable."""

    corpus_root: str
    cache_root: str
    source: str
    upscale_params: upscale.UpscaleParams
    upscale_key: str
    cached_upscale: dict | None  # the UpscaleResult when the image is already in the cache
    ocr_params: ocr.OcrParams | None  # None: OCR is cached, nothing to do
    encode_images: bool  # False: the published images are cached
    # Tesseract's output kept from an earlier build: OCR reads it instead of running Tesseract
    tesseract_output: str | None = None

    @property
    def runs_tesseract(self) -> bool:
        return self.ocr_params is not None and self.tesseract_output is None


def worker_problem(
    expected_versions: Mapping[str, str], corpus_root: str, lang: str | None
) -> str | None:
    """Why this machine cannot build the slides as the deckgen host would (None: it can):
    Tesseract or a language missing (``lang``; None: no slide needs OCR), the corpus not at
    ``corpus_root``, or other stage versions than ``expected_versions`` (the parent's
    ``manifest.stage_versions``), whose results would be cached under the parent's keys."""
    from deckgen.manifest import stage_versions

    if lang is not None:
        try:
            ocr.check_tesseract(lang)
        except DeckgenError as exc:
            return str(exc)
    root = Path(corpus_root)
    if not root.is_dir() or not os.access(root, os.R_OK | os.X_OK):
        return (f"the corpus folder {corpus_root} is not a readable folder on the worker (mount or "
                "copy the corpus at the same absolute path as on the deckgen host)")
    here = stage_versions()
    # the Tesseract release only matters to slides that need OCR
    ignored = {"tesseract"} if lang is None else set()
    differ = [f"{name} {here.get(name) or 'missing'} on the worker, {want or 'missing'} "
              "on the deckgen host"
              for name, want in expected_versions.items()
              if name not in ignored and here.get(name) != want]
    if differ:
        return ("other versions (" + "; ".join(differ) + "): its results would be cached "
                "as the host's")
    return None


@dataclass(frozen=True)
class WorkerCheck:
    """``worker_problem`` with a build's arguments: the executor's ``preflight``, hashable
    by value, so each worker process runs it until it passes, then no more."""

    versions: tuple[tuple[str, str], ...]  # sorted items of manifest.stage_versions()
    corpus_root: str
    lang: str | None

    def __call__(self) -> str | None:
        return worker_problem(dict(self.versions), self.corpus_root, self.lang)


def encode_images(png: bytes) -> dict[str, bytes]:
    """Every image the site and the dataset bundle publish of one upscaled slide."""
    return {**site_images.encode_variants(png),
            DATASET_IMAGE: bundle_images.encode_upscaled(png, "webp")}


def images_key(upscale_key: str) -> str:
    return stage_key("images", IMAGES_VERSION, None, upscale_key)


def cached_images(
    cache: Cache, slide: Slide, get_png: Callable[[Slide], bytes]
) -> dict[str, bytes]:
    """A slide's published images from the cache; encoded from ``get_png`` (and kept)
    when missing or corrupt."""
    key = images_key(slide.fingerprints["upscale"])
    files = cache.get_files(key)
    if files is None:
        files = encode_images(get_png(slide))
        cache.put_files(key, files)
    return files


def run_slide(task: SlideTask) -> dict[str, Any]:
    """Upscale, OCR and encode one slide, each unless cached. Runs in a worker."""
    out: dict[str, Any] = {}
    png = None
    up = None
    # a PDF page's text layer, read where OCR runs (in the same child as its rendering)
    text_layer = None
    pdf_page = is_pdf_page(task.source)
    wants_layer = task.ocr_params is not None and pdf_page
    if task.cached_upscale is not None:
        store = Cache(Path(task.cache_root))
        png = store.get(task.upscale_key, "png")
        up = UpscaleResult.from_dict(task.cached_upscale)
        if store.corrupt_entries:  # the parent counts it in the report
            out["corrupt_cache_entries"] = store.corrupt_entries
        elif png is None:  # a Dask worker that does not see build/ where the parent does
            out["cache_not_on_worker"] = True
    if png is None:
        try:
            if wants_layer:
                data, text_layer = read_source_and_text(Path(task.corpus_root), task.source)
            else:
                data = read_source(Path(task.corpus_root), task.source)
            png, up = upscale.upscale(data, task.upscale_params, pdf_page=pdf_page)
        except PdfPageTooCostly as exc:  # the same next time: the parent remembers it
            return {"failed": "upscale", "reason": reason(exc), "lasting": True}
        except Exception as exc:
            return {"failed": "upscale", "reason": reason(exc)}
        out["upscale"] = (png, up.to_dict())
    if task.ocr_params is not None:
        if wants_layer and "upscale" not in out:  # the upscaled image was cached: the
            # page is not rendered again, its text is read alone
            try:
                text_layer = source_text_layer(Path(task.corpus_root), task.source)
            except SlideError:  # its layer unreadable (PdfPageTooCostly too): OCR alone
                text_layer = None
        try:
            result, output = ocr.read_slide(png, task.ocr_params, scale=up.scale,
                                            text_layer=text_layer,
                                            tesseract_output=task.tesseract_output)
            if task.tesseract_output is None:
                out["tesseract"] = output
            out["ocr"] = result.to_dict()
        except Exception as exc:
            return {**out, "failed": "ocr", "reason": reason(exc)}
    if task.encode_images:
        started = time.perf_counter()
        try:
            out["images"] = encode_images(png)
        except Exception as exc:  # reported; the site stage tries once more in the parent
            return {**out, "failed": "images", "reason": reason(exc)}
        out["images_seconds"] = time.perf_counter() - started
    return out


def reason(exc: BaseException) -> str:
    return str(exc) if isinstance(exc, DeckgenError) else f"{type(exc).__name__}: {exc}"


def inspect_images(
    sources: list[tuple[str, int, Callable[[], tuple[bytes, TextLayer | None]]]],
    config: Config,
    save_dir: Path | None = None,
) -> Iterator[dict[str, Any]]:
    """Run upscale → OCR → classify on loose slides (no corpus, no cache); one dict per slide.
    Each source loads as (image bytes, a PDF page's text layer or None), as ``run_slide``
    reads it."""
    upscale.validate(config.upscale)
    ocr.check_tesseract(config.ocr.lang)
    rows: list[dict[str, Any]] = []
    results: list[OcrResult] = []
    saved: Counter[str] = Counter()  # file names given out: a/001.jpg, b/001.jpg
    for path, page, load in sources:
        row: dict[str, Any] = {"path": path, "page": page}
        try:
            data, text_layer = load()
            pdf_page = Path(path).suffix.lower() in DOCUMENT_EXTENSIONS
            png, up = upscale.upscale(data, config.upscale, pdf_page=pdf_page)
            result = ocr.ocr(png, config.ocr, scale=up.scale, text_layer=text_layer)
        except Exception as exc:
            row["error"] = reason(exc)
            rows.append(row)
            continue
        if save_dir is not None:  # 001-001.png, then 001-001-2.png for another 001.jpg
            name = f"{Path(path).stem}-{page:03d}"
            saved[name] += 1
            name += f"-{saved[name]}" if saved[name] > 1 else ""
            row["upscaled_file"] = str(Path(save_dir) / f"{name}.png")
            atomic_write(Path(row["upscaled_file"]), png)
        row.update(
            width=up.source_width,
            height=up.source_height,
            upscale={"method": up.method, "scale": up.scale, "seconds": round(up.seconds, 3)},
        )
        rows.append(row)
        results.append(result)
    results = ocr_layout.with_deck_titles(results)
    sections = classify.classify_deck(results, config.classify) if results else []
    read = iter(zip(results, sections, strict=True))
    for row in rows:
        if "error" not in row:
            result, section = next(read)
            row.update(ocr=result.to_dict(), section=section.to_dict())
        yield row
