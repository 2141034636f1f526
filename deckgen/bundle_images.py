"""The slide images of the open dataset bundle, as the archive stores them.

Originals keep their compressed image data as it is where the pipeline reads the pixels a
viewer shows (JPEG, PNG, WebP), with their metadata left out (``without_metadata``: EXIF,
XMP, comments, text chunks, appended bytes) and their colour profile kept with its text and
device fields blanked (``icc_without_metadata``): the pixels and their colours are the same.
Other formats, turned or animated images, and files whose structure cannot be followed
become a PNG of what the pipeline decoded, so OCR word boxes fit them. Upscaled images are WebP (a
too-wide one scaled down, its ``upscale_scale`` following) or the PNG unchanged.
Every setting is fixed, so rebuilds give the same bytes.
"""

from __future__ import annotations

import bisect
import io
import itertools
import struct
import warnings
import zlib
from typing import Any

from PIL import Image

from deckgen.records import Slide

# the site's WebP settings; WEBP_MAX_SIDE is the format's limit: a wider upscaled image
# is stored scaled down
from deckgen.site_images import MAX_SIDE as WEBP_MAX_SIDE
from deckgen.site_images import WEBP_METHOD

# bump when encode_upscaled's bytes change for the same pixels (part of the images key;
# bundle.VERSION is not: the archive's documents changing re-encodes no image)
VERSION = "1"
WEBP_QUALITY = 90  # measured: ~8x smaller than PNG, text still crisp (docs/benchmarks.md)
PNG_COMPRESS_LEVEL = 9  # PNG originals and iCCP profiles: fixed, so rebuilds give the same bytes
# formats kept (their image data as it is, without metadata), and those the corpus accepts
# that are stored as PNG instead
_KEPT_FORMATS = {"jpg": "JPEG", "png": "PNG", "webp": "WEBP"}
_CONVERTED_FORMATS = ("GIF", "BMP", "TIFF", "AVIF")
ORIENTATION_TAG = 0x0112  # EXIF Orientation


# the leading bytes of each image format deckgen reads, as Pillow names it (WebP: below)
_MAGIC = (
    (b"\xff\xd8\xff", "JPEG"),
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"GIF8", "GIF"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
    (b"BM", "BMP"),
)


def sniff_format(data: bytes) -> str | None:
    """The image format ``data`` starts like ("JPEG", "WEBP", ...), or None."""
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":  # RIFF alone is also WAV or AVI
        return "WEBP"
    return next((name for magic, name in _MAGIC if data.startswith(magic)), None)


def image_ext(data: bytes) -> str:
    fmt = sniff_format(data)
    for ext, name in _KEPT_FORMATS.items():
        if name == fmt:
            return ext
    raise ValueError("source is not a JPEG, PNG or WebP image")


def original_image(data: bytes, max_pixels: int | None) -> tuple[str, bytes, str]:
    """(extension, bytes, source format) of a slide's original as the bundle stores it.

    GIF, BMP and TIFF become a PNG of the image the pipeline itself reads
    (``upscale.decode_image``: the slide's frame, EXIF rotation, CMYK, 16-bit and alpha
    converted), so OCR word boxes fit it. JPEG, PNG and WebP keep their image data as it
    is, without metadata (``without_metadata``: no camera, place, time or text of the
    source is published), unless the pipeline reads other pixels than a viewer shows: an
    EXIF orientation that turns them (word boxes and source_width/height are the upright
    image's) or an animation. One whose structure cannot be followed becomes a PNG too:
    bytes not understood are never published.
    """
    try:
        ext = image_ext(data)
    except ValueError:
        ext = None
    # turned ones first: once EXIF is dropped, nothing would turn them in a viewer
    if ext is not None and not _read_otherwise(data):
        try:
            return ext, without_metadata(data), _KEPT_FORMATS[ext]
        except ValueError:
            pass  # cut short or hostile: a PNG of its pixels, or decode_image says what is wrong
    png = pixels_png(data, max_pixels)  # names what is wrong
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # decode_image guarded
        with Image.open(io.BytesIO(data)) as image:
            # a camera's multi-picture JPEG is a JPEG to anyone reading source_format
            fmt = "JPEG" if image.format == "MPO" else image.format or "unknown"
    if ext is None and fmt not in _CONVERTED_FORMATS:
        raise ValueError(f"source is a {fmt} image, not JPEG, PNG, WebP, GIF, BMP or TIFF")
    return "png", png, fmt


def pixels_png(data: bytes, max_pixels: int | None) -> bytes:
    """A PNG of the pixels the pipeline reads of ``data`` (``upscale.decode_image``: the slide's
    frame, upright, in RGB). A fresh image carries no metadata: no camera, place, time or
    text chunk of the source goes with it."""
    from deckgen.upscale import UpscaleParams, decode_image  # cv2: not for `bundle verify`

    bgr = decode_image(data, max_pixels or UpscaleParams().max_pixels)
    out = io.BytesIO()
    Image.fromarray(bgr[..., ::-1].copy()).save(
        out, format="PNG", compress_level=PNG_COMPRESS_LEVEL)
    return out.getvalue()


def without_metadata(data: bytes) -> bytes:
    """``data`` (a JPEG, PNG or WebP) with its compressed image data as it is and no metadata:
    no EXIF, XMP, IPTC, comment, text or time, nor bytes after the image's end (a camera's
    second picture, anything appended). What decodes the pixels stays: tables,
    transparency, and the colour profile (its text and device fields blanked:
    ``icc_without_metadata``). Raises ValueError where the structure cannot be followed."""
    strip = {"JPEG": _jpeg_without_metadata, "PNG": _png_without_metadata,
             "WEBP": _webp_without_metadata}.get(sniff_format(data) or "")
    if strip is None:
        raise ValueError("not a JPEG, PNG or WebP image")
    try:
        return strip(data)
    except (IndexError, struct.error, zlib.error) as exc:  # a length past the end, bad zlib
        raise ValueError(f"cut short ({exc})") from None


# An ICC profile's header fields that name a device, a maker or the profile itself, made
# zeros: (offset, length) of the preferred CMM (zeros: none, ICC.1 7.2.3); the device's
# manufacturer, model and attributes; the creator, the profile ID (zeros: "not computed",
# ICC.1 7.2.18) and the reserved bytes
_ICC_HEADER_BLANKED = ((4, 4), (48, 16), (80, 48))
_ICC_DATE = 24  # the header's creation date: a fixed one (zeros are no date: Pillow refuses)
_ICC_FIXED_DATE = struct.pack(">6H", 1970, 1, 1, 0, 0, 0)  # year, month, day, h, min, s
_ICC_TAG_TABLE = 128  # after the header: the tag count, then (signature, offset, size) each
# tag types holding text, a date or a device's identity, none of them read to convert
# colours: their bytes from this offset on become zeros (lengths kept, so the tag table stays
# valid). text, utf8: the string; desc: its ASCII count kept, the ASCII, Unicode and Mac
# strings go; pseq, psid: profile sequences (devices, descriptions, IDs) left empty; mmod:
# Apple's display make, model and serial number. mluc, dict, dtim (a date): below
_ICC_BLANKED_FROM = {b"text": 8, b"utf8": 8, b"desc": 12, b"pseq": 8, b"psid": 8, b"mmod": 8}
_ICC_TEXT_TYPES = {*_ICC_BLANKED_FROM, b"mluc", b"dict", b"dtim"}
# the tags that define colours (ICC.1:2010 section 9, and those LittleCMS reads: cicp, Argyll's
# arts, Microsoft's MHC2), kept as they are; every other tag (a maker's private one, vcgt,
# targ, ...) keeps its table entry and length, its bytes zeros or, for a text type, above
_ICC_COLOUR_TAGS = {
    *(bytes(f"{kind}{n}", "ascii") for kind in ("A2B", "B2A") for n in range(3)),
    *(bytes(f"{kind}{n}", "ascii") for kind in ("D2B", "B2D") for n in range(4)),
    *(bytes(f"pre{n}", "ascii") for n in range(3)),
    b"rXYZ", b"gXYZ", b"bXYZ", b"rTRC", b"gTRC", b"bTRC", b"kTRC", b"wtpt", b"bkpt",
    b"chad", b"chrm", b"clrt", b"clro", b"clot", b"gamt", b"lumi", b"meas", b"ncl2",
    b"resp", b"rig0", b"rig2", b"ciis", b"tech", b"view", b"cicp", b"arts", b"MHC2"}


def icc_without_metadata(profile: bytes) -> bytes:
    """An ICC colour profile that converts colours as ``profile`` does, without what
    identifies a person, a device or a time: the header's device fields, creator and
    profile ID are zeros, and so are the strings of its text tags (desc, cprt, dmnd, dmdd,
    meta, any other text, mluc or dict tag), the bytes of every other tag that does not
    define colours (``_ICC_COLOUR_TAGS``) and any byte no tag holds; its dates are
    1970-01-01 (``_ICC_FIXED_DATE``). Same length, same offsets: the tag table stays valid.
    Raises ValueError where the structure cannot be followed, or where a blanked tag shares
    bytes with another tag (blanking it would change that one)."""
    if len(profile) < _ICC_TAG_TABLE + 4 or profile[36:40] != b"acsp":
        raise ValueError("the colour profile is not an ICC profile")
    (size,) = struct.unpack(">I", profile[:4])
    (count,) = struct.unpack(">I", profile[_ICC_TAG_TABLE:_ICC_TAG_TABLE + 4])
    table_end = _ICC_TAG_TABLE + 4 + 12 * count
    if not table_end <= size <= len(profile):
        raise ValueError("the colour profile's size or tag count runs past its end")
    # each place once: many entries may name one (the three TRCs), and a hostile table
    # naming one large place a million times must cost no more than naming it once
    entries = {(profile[entry:entry + 4], *struct.unpack(">II", profile[entry + 4:entry + 12]))
               for entry in range(_ICC_TAG_TABLE + 4, table_end, 12)}
    places = {(offset, length) for _, offset, length in entries}
    if any(offset < table_end or length < 8 or offset + length > size
           for offset, length in places):
        raise ValueError("a colour profile tag lies outside the profile")
    # a place a colour tag reads is kept, even where another tag names it too
    colours = {(offset, length) for signature, offset, length in entries
               if signature in _ICC_COLOUR_TAGS}
    blanked = sorted((offset, offset + length) for offset, length in places
                     if profile[offset:offset + 4] in _ICC_TEXT_TYPES
                     or (offset, length) not in colours)
    shared = any(start < end for (_, end), (start, _) in itertools.pairwise(blanked))
    ends = [end for _, end in blanked]  # in order too, since the blanked tags do not overlap
    for offset, length in places:
        # the first blanked tag ending past this tag's start: another one, begun before its end?
        first = bisect.bisect_right(ends, offset)
        shared = shared or (first < len(blanked) and blanked[first][0] < offset + length
                            and blanked[first] != (offset, offset + length))
    if shared:
        raise ValueError("a colour profile tag it blanks shares bytes with another tag")
    out = bytearray(profile[:size]) + bytes(len(profile) - size)  # past its size: zeros
    for at, length in _ICC_HEADER_BLANKED:
        out[at:at + length] = bytes(length)
    out[_ICC_DATE:_ICC_DATE + len(_ICC_FIXED_DATE)] = _ICC_FIXED_DATE
    for start, end in blanked:
        out[start:end] = (_icc_tag_without_text(profile[start:end])
                          if profile[start:start + 4] in _ICC_TEXT_TYPES else bytes(end - start))
    held = table_end  # what no tag holds (padding, gaps) becomes zeros too
    for offset, length in sorted(places):
        if offset > held:
            out[held:offset] = bytes(offset - held)
        held = max(held, offset + length)
    out[held:size] = bytes(size - held)
    return bytes(out)


def _icc_tag_without_text(tag: bytes) -> bytes:
    """``tag`` (one of _ICC_TEXT_TYPES, its signature first) with its strings zeros, the
    same length."""
    kind = tag[:4]
    if kind == b"mluc":  # record count and size, records (language, length, offset), strings
        records, record_size = struct.unpack(">II", tag[8:16])
        start = 16 + records * max(record_size, 12)
        if record_size < 12 or start > len(tag):
            raise ValueError("a colour profile text tag runs past its end")
        for at in range(16, start, record_size):  # each record's string after the records
            length, offset = struct.unpack(">II", tag[at + 4:at + 12])
            if offset < start or offset + length > len(tag):
                raise ValueError("a colour profile's text lies outside its tag")
    elif kind == b"dict":  # no entries left; the record length (16, 24 or 32) stays
        tag, start = tag[:8] + bytes(4) + tag[12:], 16
    elif kind == b"dtim":  # a calibration date: the fixed one
        tag, start = tag[:8] + _ICC_FIXED_DATE + tag[20:], 20
    else:
        start = _ICC_BLANKED_FROM[kind]
    if start > len(tag):
        raise ValueError("a colour profile text tag runs past its end")
    return tag[:start] + bytes(len(tag) - start)


# JPEG markers kept: SOF0-15 with DHT and DAC, DQT, DNL, DRI, DHP, EXP (and SOS, EOI below)
_JPEG_DECODING = {*range(0xC0, 0xD0), 0xDB, 0xDC, 0xDD, 0xDE, 0xDF}
_JPEG_FRAMES = set(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}  # SOFn: not DHT, JPG, DAC
_JFIF_HEAD = 14  # "JFIF\0", version, units, densities, thumbnail size: what follows is a thumbnail


def _jpeg_without_metadata(data: bytes) -> bytes:
    out = [b"\xff\xd8"]
    icc: list[int] = []  # where in out the colour profile's APP2 segments are
    at, framed, scanned = 2, False, False
    while True:
        if data[at] != 0xFF:
            raise ValueError(f"no marker at byte {at}")
        while data[at] == 0xFF:  # fill bytes before a marker
            at += 1
        marker = data[at]
        at += 1
        if marker == 0xD9:  # EOI: the first picture ends here; trailers go
            if not scanned:
                raise ValueError("no image data before the end marker")
            for index, segment in zip(icc, _jpeg_icc_without_metadata([out[i] for i in icc]),
                                      strict=True):
                out[index] = segment
            return b"".join([*out, b"\xff\xd9"])
        if marker in (0x01, *range(0xD0, 0xD9)):  # markers without a length, out of place
            raise ValueError(f"unexpected marker 0x{marker:02X}")
        (length,) = struct.unpack(">H", data[at:at + 2])
        body = data[at + 2:at + length]
        if length < 2 or len(body) != length - 2:
            raise ValueError(f"marker 0x{marker:02X} runs past the end")
        at += length
        if marker == 0xE0 and body.startswith(b"JFIF\0") and length >= 2 + _JFIF_HEAD:
            # the JFIF header (libjpeg reads its colours by it), its thumbnail left out
            out.append(b"\xff\xe0" + struct.pack(">H", 2 + _JFIF_HEAD)
                       + body[:_JFIF_HEAD - 2] + b"\0\0")
        elif marker in _JPEG_DECODING or (marker == 0xEE and body.startswith(b"Adobe")):
            out.append(data[at - length - 2:at])  # Adobe: how to read CMYK's colours
            framed = framed or marker in _JPEG_FRAMES
        elif marker == 0xE2 and body.startswith(_JPEG_ICC):
            icc.append(len(out))
            out.append(data[at - length - 2:at])
        elif marker == 0xDA:  # a scan: its header, then entropy-coded data to the next marker
            if not framed:
                raise ValueError("a scan before the frame header")
            end = _jpeg_scan_end(data, at)
            out.append(data[at - length - 2:end])
            at, scanned = end, True
        elif not (0xE0 <= marker <= 0xEF or marker == 0xFE):  # APPn and COM go
            raise ValueError(f"unexpected marker 0x{marker:02X}")


_JPEG_ICC = b"ICC_PROFILE\0"  # an APP2 segment's start, then its sequence number and count
_JPEG_ICC_HEAD = 4 + len(_JPEG_ICC) + 2  # marker, length, that, sequence number, count


def _jpeg_icc_without_metadata(segments: list[bytes]) -> list[bytes]:
    """A JPEG's colour profile segments (APP2, marker first, as in the file): the profile
    they carry in sequence order, ``icc_without_metadata``, cut back into the same sizes."""
    if not segments:
        return []
    in_order = sorted(range(len(segments)), key=lambda i: segments[i][_JPEG_ICC_HEAD - 2])
    numbers = [segments[i][_JPEG_ICC_HEAD - 2] for i in in_order]
    if (numbers != list(range(1, len(segments) + 1))
            or {s[_JPEG_ICC_HEAD - 1] for s in segments} != {len(segments)}):
        raise ValueError("the colour profile's segments are not numbered 1 to their count")
    profile = icc_without_metadata(b"".join(segments[i][_JPEG_ICC_HEAD:] for i in in_order))
    cleaned, at = list(segments), 0
    for i in in_order:
        end = at + len(segments[i]) - _JPEG_ICC_HEAD
        cleaned[i] = segments[i][:_JPEG_ICC_HEAD] + profile[at:end]
        at = end
    return cleaned


def _jpeg_scan_end(data: bytes, at: int) -> int:
    """Where the entropy-coded data from ``at`` ends: the next 0xFF that starts a marker
    (not 0xFF00, a stuffed byte, nor RST0-7, which restart inside the scan)."""
    while True:
        ff = data.find(b"\xff", at)
        if ff < 0:
            raise ValueError("the scan runs to the end of the file")
        after = ff + 1
        while data[after] == 0xFF:  # fill bytes
            after += 1
        if data[after] == 0x00 or 0xD0 <= data[after] <= 0xD7:
            at = after + 1
        else:
            return ff


# PNG chunks that decode or colour the pixels; the rest (tEXt, zTXt, iTXt, eXIf, tIME,
# pHYs, ...) goes, as in pixels_png's PNG
_PNG_KEPT = {b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"iCCP",
             b"sBIT", b"bKGD", b"cICP", b"mDCv", b"cLLi"}


def _png_without_metadata(data: bytes) -> bytes:
    out, at = [data[:8]], 8
    while True:
        length, kind = struct.unpack(">I4s", data[at:at + 8])
        end = at + 12 + length  # length, type, data, CRC: copied as they are
        if end > len(data) or not kind.isalpha():
            raise ValueError(f"chunk {kind!r} at byte {at} runs past the end")
        if at == 8 and kind != b"IHDR":
            raise ValueError("first chunk is not IHDR")
        if kind == b"iCCP":
            out.append(_png_iccp_without_metadata(data[at + 8:end - 4]))
        elif kind in _PNG_KEPT:
            out.append(data[at:end])
        at = end
        if kind == b"IEND":  # anything after it goes
            return b"".join(out)


_ICCP_NAME = b"ICC Profile"  # every iCCP's name (Pillow's): the source's is free text
_ICCP_MAX = 16 << 20  # bytes a PNG's colour profile may inflate to (a real one: kilobytes)


def _png_iccp_without_metadata(body: bytes) -> bytes:
    """A PNG's iCCP chunk (whole) from its data: a fixed name, the profile
    ``icc_without_metadata``, compressed again at a fixed level."""
    _, zero, compressed = body.partition(b"\0")
    if not zero or compressed[:1] != b"\0":  # compression method 0: zlib
        raise ValueError("the iCCP chunk is not a named, zlib-compressed profile")
    inflater = zlib.decompressobj()
    profile = inflater.decompress(compressed[1:], _ICCP_MAX)
    if not inflater.eof or inflater.unconsumed_tail:
        raise ValueError("the iCCP chunk's profile is cut short or too large")
    kept = b"iCCP" + _ICCP_NAME + b"\0\0" + zlib.compress(icc_without_metadata(profile),
                                                          PNG_COMPRESS_LEVEL)
    return struct.pack(">I", len(kept) - 4) + kept + struct.pack(">I", zlib.crc32(kept))


# WebP chunks that hold the picture (ANIM, ANMF: one frame; more are stored as a PNG)
_WEBP_KEPT = {b"VP8X", b"VP8 ", b"VP8L", b"ALPH", b"ICCP", b"ANIM", b"ANMF"}
_VP8X_EXIF, _VP8X_XMP = 0x08, 0x04


def _webp_without_metadata(data: bytes) -> bytes:
    (size,) = struct.unpack("<I", data[4:8])
    end = 8 + size  # past the RIFF size: appended bytes, left out
    if end > len(data) or size < 4:
        raise ValueError("the RIFF size runs past the end")
    chunks, at = [], 12
    while at < end:
        kind, length = struct.unpack("<4sI", data[at:at + 8])
        if at + 8 + length > end:
            raise ValueError(f"chunk {kind!r} at byte {at} runs past the end")
        chunk = data[at:at + 8 + length] + b"\0" * (length % 2)  # chunks pad to even
        if kind == b"VP8X" and length >= 1:
            chunk = chunk[:8] + bytes([chunk[8] & ~(_VP8X_EXIF | _VP8X_XMP)]) + chunk[9:]
        elif kind == b"ICCP":
            chunk = chunk[:8] + icc_without_metadata(chunk[8:8 + length]) + chunk[8 + length:]
        if kind in _WEBP_KEPT:
            chunks.append(chunk)
        at += 8 + length + length % 2
    if not chunks or chunks[0][:4] not in (b"VP8X", b"VP8 ", b"VP8L"):
        raise ValueError("no image chunk first")
    body = b"WEBP" + b"".join(chunks)
    return b"RIFF" + struct.pack("<I", len(body)) + body


def match_stored_scale(row: dict[str, Any], slide: Slide, upscaled: bytes) -> None:
    """``upscale_scale`` of the image as stored: ``encode_upscaled`` shrinks one over the
    WebP limit, and the word boxes times the scale must still land on its pixels."""
    up = slide.upscale
    if up is None or not up.source_width or max(up.width, up.height) <= WEBP_MAX_SIDE:
        return
    with Image.open(io.BytesIO(upscaled)) as image:  # reads the header only
        width = image.size[0]
    row["upscale_scale"] = width / up.source_width


def _read_otherwise(data: bytes) -> bool:
    """Whether the pipeline reads other pixels than a viewer shows first: an EXIF
    orientation that turns or mirrors the image, or an animation (its slide frame)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # headers only
            with Image.open(io.BytesIO(data)) as image:
                turned = image.getexif().get(ORIENTATION_TAG, 1) != 1
                # an animated PNG or WebP (a camera's MPO JPEG is read at its first picture)
                animated = (image.format not in ("JPEG", "MPO")
                            and getattr(image, "n_frames", 1) > 1)
                return turned or animated
    except Exception:  # unreadable here: decode_image names it, or it is kept as it is
        return False


def encode_upscaled(png: bytes, fmt: str = "webp") -> bytes:
    """A slide's upscaled PNG as the archive stores it (WebP, or the PNG unchanged)."""
    if fmt == "png":
        if not png.startswith(b"\x89PNG\r\n\x1a\n"):
            raise ValueError("not a PNG")
        return png
    with Image.open(io.BytesIO(png)) as image:
        image.load()
        if image.mode not in ("RGB", "RGBA"):
            image = image.convert("RGBA" if "A" in image.getbands() else "RGB")
        longest = max(image.size)
        if longest > WEBP_MAX_SIDE:  # a banner upscaled x4; the row's upscale_scale follows
            image = image.resize(
                tuple(max(1, round(side * WEBP_MAX_SIDE / longest)) for side in image.size),
                Image.Resampling.LANCZOS)
        out = io.BytesIO()
        image.save(out, format="WEBP", quality=WEBP_QUALITY, method=WEBP_METHOD)
    return out.getvalue()
