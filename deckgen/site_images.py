"""The gallery's image variants: every published size of a slide, as JPEG and WebP.

Names hash what decides the bytes (the upscaled image and ``ENCODER``), so images can be
cached forever and an unchanged slide is recognised without reading anything.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from PIL import Image

from deckgen.corpus_pdf import is_pdf_page
from deckgen.files import sha256_bytes, write_if_changed
from deckgen.progress import SILENT, Progress
from deckgen.records import Slide
from deckgen.site_urls import url_segment

# bump when the image variants change: it is in every image's file name, so a bump means
# every image is encoded, uploaded and fetched again (pages alone need site.VERSION only)
VARIANTS_VERSION = "4"
# large: a card as wide as a 3x phone (~1,070 px) would otherwise fetch the full image,
# about twice the bytes of 1280 px
VARIANTS: dict[str, int | None] = {"thumb": 320, "medium": 960, "large": 1280, "full": None}
JPEG_QUALITY = 82
WEBP_QUALITY = 78
WEBP_METHOD = 4  # 6 is ~2x slower for ~1% smaller files; 2 is 2x faster but ~8% larger
# WebP stores at most 16383 px a side; the JPEG of a size is kept the same size as its WebP
MAX_SIDE = 16383
# Everything that decides an image's bytes besides its pixels: part of every image name
# and of the build cache's key for the encoded files.
ENCODER = (f"{VARIANTS_VERSION}|lanczos-chain|jpeg:{JPEG_QUALITY}:opt:prog|"
           f"webp:{WEBP_QUALITY}:{WEBP_METHOD}")
# An enlarged slide's original (a PNG of its pixels, bundle_images.pixels_png: no metadata)
# is published beside its variants, for a reader to check figures super-resolution may have
# redrawn wrong (QA-76). Its name hashes the source's SHA-256 and this: bump it when
# pixels_png makes other bytes of the same source. Not in ENCODER: the variants keep
# their names, so no reader's cache and no build cache is made stale by the original.
ORIGINAL_VERSION = "1"


def _variant_size(width: int, height: int, target: int | None) -> tuple[int, int]:
    """``target`` px wide (never wider than the slide), then within the WebP limit on both
    sides: one banner 16800 px wide (a 4200 px strip upscaled x4) must not sink the build."""
    if target is not None and width > target:
        width, height = target, max(1, round(height * target / width))
    longest = max(width, height)
    if longest > MAX_SIDE:
        width = max(1, round(width * MAX_SIDE / longest))
        height = max(1, round(height * MAX_SIDE / longest))
    return width, height


def _encode(image: Image.Image, fmt: str) -> bytes:
    buf = io.BytesIO()
    if fmt == "JPEG":
        image.save(buf, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    else:
        image.save(buf, "WEBP", quality=WEBP_QUALITY, method=WEBP_METHOD)
    return buf.getvalue()


def _variant_files(width: int, height: int) -> dict[str, tuple[str, tuple[int, int]]]:
    """Per variant: the variant whose file it uses, and its size. A variant the size of a
    smaller one (a slide no wider than 1280 px has no larger "large" or "full") uses that
    one's file, so no byte-identical copy is encoded and published; thumb and medium always
    have their own, as search.js derives the medium's name from the thumb's."""
    out: dict[str, tuple[str, tuple[int, int]]] = {}
    for name, target in VARIANTS.items():
        size = _variant_size(width, height, target)
        same = [other for other, (owner, at) in out.items() if at == size and owner == other]
        out[name] = (same[0] if same and name not in ("thumb", "medium") else name, size)
    return out


def encode_variants(png: bytes) -> dict[str, bytes]:
    """Every published size of one upscaled slide, as ``{"thumb.jpg": bytes, ...}`` (a
    variant that shares a smaller one's file has none of its own: ``_variant_files``).

    Pure, so a build worker runs it beside upscale and OCR: the parent then only
    copies bytes, and its serial share of a large build stays small.
    """
    with Image.open(io.BytesIO(png)) as opened:
        image = opened.convert("RGB")
    files: dict[str, bytes] = {}
    # each from the next larger: faster
    for name, (owner, size) in reversed(_variant_files(*image.size).items()):
        if owner != name:
            continue
        if size != image.size:
            image = image.resize(size, Image.Resampling.LANCZOS)
        files[f"{name}.jpg"] = _encode(image, "JPEG")
        files[f"{name}.webp"] = _encode(image, "WEBP")
    return files


# {file name under out/: [size, mtime_ns]} of the images as the last site stage left them
Written = dict[str, list[int]]


def _stat(path: Path) -> list[int] | None:
    try:
        info = path.stat()
    except OSError:
        return None
    return [info.st_size, info.st_mtime_ns]


def _as_written(path: Path, recorded: list[int] | None) -> bool:
    return recorded is not None and _stat(path) == recorded


def _slide_images(
    slide: Slide, get_variants: Callable[[Slide], dict[str, bytes]], out_dir: Path,
    written: Written,
) -> dict:
    # Names hash what determines the bytes (the upscaled image and the encoder
    # settings), so an unchanged slide is recognised without reading anything.
    files = None
    source_key = slide.fingerprints.get("upscale")
    if not source_key:
        files = get_variants(slide)
        source_key = sha256_bytes(b"".join(files[name] for name in sorted(files)))
    key = sha256_bytes(f"{ENCODER}|{source_key}".encode())[:10]
    stem = _stem(slide)
    # One key for every size: search.js derives a hit's medium and WebP names from its
    # thumb's (the only one the search records hold), so keep <stem>-<size>.<key>.<ext>.
    def url(name: str, ext: str) -> str:
        return f"{stem}-{name}.{key}.{ext}"

    plan = None
    if files is None and slide.upscale:
        # what encode_variants made of an upscaled image this size; its files untouched
        # since they were written (one truncated or rewritten since is written again)
        plan = _variant_files(slide.upscale.width, slide.upscale.height)
        names = [url(owner, ext) for owner in {o for o, _ in plan.values()}
                 for ext in ("jpg", "webp")]
        if not all(_as_written(out_dir / name, written.get(name)) for name in names):
            plan = None
    if plan is None:
        files = files if files is not None else get_variants(slide)
        plan = _plan_of(files)
        for name, ext in (n.split(".") for n in files):
            if name in VARIANTS:
                write_if_changed(out_dir / url(name, ext), files[f"{name}.{ext}"])
                written[url(name, ext)] = _stat(out_dir / url(name, ext)) or [-1, -1]
    entry: dict[str, Any] = {"width": plan["full"][1][0], "height": plan["full"][1][1]}
    for name, (owner, size) in plan.items():
        entry[name], entry[f"{name}_webp"] = url(owner, "jpg"), url(owner, "webp")
        entry[f"{name}_width"], entry[f"{name}_height"] = size
    return entry


def _stem(slide: Slide) -> str:
    deck, _, page = slide.id.rpartition("/")
    return f"img/{url_segment(deck, 'deck slug')}/{url_segment(page, 'page')}"


def _has_original(slide: Slide) -> bool:
    up = slide.upscale
    return up is not None and up.scale > 1 and bool(up.source_width)


def _add_original(slide: Slide, entry: dict, get_source: Callable[[Slide], bytes],
                  max_pixels: int | None, out_dir: Path, written: Written) -> str | None:
    """Add the slide's original to its ``entry``, written unless it stands as last written
    (then the source is not read). Returns why it could not be made (a source gone or
    unreadable since it was upscaled): the page then shows no original, and the build goes
    on, as the slide itself was built from that source before; nothing is recorded in
    ``written``, so the next site stage that runs tries again."""
    from deckgen.bundle_images import pixels_png  # it imports this module

    key = sha256_bytes(f"original:{ORIGINAL_VERSION}|{slide.sha256}".encode())[:10]
    name = f"{_stem(slide)}-original.{key}.png"
    if not _as_written(out_dir / name, written.get(name)):
        try:
            # its pixels, not its file: a phone's photo would publish where it was taken
            data = pixels_png(get_source(slide), max_pixels)
        except Exception as exc:  # one slide's original never sinks the build
            from deckgen.slide_task import reason  # it imports this module

            return ("no original (the image before enlarging) on its page until the site "
                    f"pages are built again: {reason(exc)}")
        write_if_changed(out_dir / name, data)
        written[name] = _stat(out_dir / name) or [-1, -1]
    up = slide.upscale
    assert up is not None  # _has_original
    entry["original"] = name
    entry["original_width"], entry["original_height"] = up.source_width, up.source_height
    return None


def _plan_of(files: dict[str, bytes]) -> dict[str, tuple[str, tuple[int, int]]]:
    """``_variant_files`` as encoded in ``files``: a variant without a file of its own uses
    the next smaller one's (sizes only grow along ``VARIANTS``)."""
    plan: dict[str, tuple[str, tuple[int, int]]] = {}
    owner = None
    for name in VARIANTS:
        if f"{name}.jpg" in files:
            owner = name
            plan[name] = (name, _image_size(files[f"{name}.jpg"]))
        else:
            plan[name] = plan[owner]
    return plan


def _image_size(data: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(data)) as image:  # reads the header only
        return image.size


def write_images(
    slides: list[Slide],
    get_variants: Callable[[Slide], dict[str, bytes]],
    out_dir: Path,
    progress: Progress = SILENT,
    written: Written | None = None,
    get_source: Callable[[Slide], bytes] | None = None,
    max_pixels: int | None = None,
    problems: list[dict[str, str]] | None = None,
) -> dict[str, dict]:
    """Write each slide's ``encode_variants`` files; return URLs and sizes per slide id.

    ``get_variants`` gives a slide's encoded files (from the build cache, or
    ``encode_variants`` of its upscaled image). ``written`` is the last run's record of
    the files (``Written``), updated here: a slide whose files all stand as recorded is
    not read at all. ``get_source`` (a slide's source bytes, as the dataset bundle reads
    them): an enlarged slide's original is published too (``original``, ``_add_original``);
    ``max_pixels``: the build's ``[upscale] max_pixels``, for decoding the source.
    ``problems`` gets ``{"path": source, "reason": ...}`` for each original not made (the
    build goes on without it).
    """
    out_dir = Path(out_dir)
    written = {} if written is None else written
    with_original = {s.id for s in slides if get_source is not None and _has_original(s)}
    # a PDF page's source is rendered in a forked child (corpus_pdf): never fork from the
    # pool's threads, so those are made after it, in this thread
    of_pdf_pages = {s.id for s in slides
                    if s.id in with_original and is_pdf_page(s.source)}

    why_not: dict[str, str] = {}  # slide id: why it has no original

    def add_original(slide: Slide, entry: dict) -> None:
        assert get_source is not None
        reason = _add_original(slide, entry, get_source, max_pixels, out_dir, written)
        if reason:
            why_not[slide.id] = reason

    # Pillow releases the GIL while encoding one the cache missed; a few threads are enough.
    def one(slide: Slide) -> dict:
        entry = _slide_images(slide, get_variants, out_dir, written)
        if slide.id in with_original and slide.id not in of_pdf_pages:
            add_original(slide, entry)
        return entry

    entries = {}
    with progress.stage("site images", len(slides)) as advance:
        with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
            for slide, entry in zip(slides, pool.map(one, slides), strict=True):
                entries[slide.id] = entry
                if slide.id not in of_pdf_pages:
                    advance()
        for slide in slides:
            if slide.id in of_pdf_pages:
                add_original(slide, entries[slide.id])
                advance()
    if problems is not None:  # in slide order, whichever thread was first
        problems.extend({"path": s.source, "reason": f"site images: {why_not[s.id]}"}
                        for s in slides if s.id in why_not)
    return entries


def srcset(image: dict, root: str, webp: bool = False) -> str:
    """The ``srcset`` value for one slide's variants (duplicates dropped for small slides)."""
    parts: dict[int, str] = {}
    for name in VARIANTS:
        url = image[f"{name}_webp" if webp else name]
        parts.setdefault(image[f"{name}_width"], f"{root}{url} {image[f'{name}_width']}w")
    return ", ".join(parts.values())

