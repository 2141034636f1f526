"""Checking a dataset bundle's values: that its files agree with each other, value for value.

``bundle_verify`` checks the checksums and the schema; once every member matches
SHA256SUMS, these checks read what the rows say against everything else that says
it: slides.csv, the card's per-section table, the rows' own ids and file names,
the images' real sizes and the classifier's rule for ``other``. A copy edited and
re-signed (SHA256SUMS, hashes and content id recomputed) passes the checksums but
not these. Each problem is one line naming the file, the slide and the field.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from collections.abc import Container
from dataclasses import dataclass
from typing import Any

from PIL import JpegImagePlugin, PngImagePlugin

from deckgen.bundle_card import FIELDS, SOURCE_FORMATS, csv_cell, is_open_license
from deckgen.records import SECTIONS, TEXT_LAYER, WORD_SOURCES, slide_id

IMAGE_HEAD = 4 << 20  # bytes of an image kept to read its size (a JPEG's EXIF comes first)
# the names the bundle gives a slide's images (bundle.build_bundle), by extension
_IMAGE_NAMES = {"file_name": ("images/upscaled", ("webp", "png")),
                "original_file_name": ("images/original", ("jpg", "png", "webp"))}


@dataclass
class Row:
    """One metadata.jsonl row with a string id."""

    line: int
    data: dict[str, Any]
    typed: bool  # every field has its schema type, so the value checks can read it

    @property
    def where(self) -> str:
        return f"metadata.jsonl line {self.line} ({self.data['id']})"


def image_size(head: bytes) -> tuple[int, int] | None:
    """(width, height) from an image's first bytes, no pixels decoded; None if unreadable.

    Pillow's JPEG and PNG readers parse the header only. Its WebP reader decodes the
    whole file to open it (allocating the canvas), so a WebP's size is read from the
    RIFF header here, as Pillow's own ``_get_size`` does.
    """
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return _webp_size(head)
    for magic, reader in ((b"\x89PNG\r\n\x1a\n", PngImagePlugin.PngImageFile),
                          (b"\xff\xd8\xff", JpegImagePlugin.JpegImageFile)):
        if head.startswith(magic):
            try:  # the class itself, not Image.open: no decompression-bomb refusal of a size
                with reader(io.BytesIO(head)) as image:
                    return image.size
            except (OSError, SyntaxError, ValueError):
                return None
    return None


def _webp_size(head: bytes) -> tuple[int, int] | None:
    chunk = head[12:16]
    if chunk == b"VP8X" and len(head) >= 30:
        return (int.from_bytes(head[24:27], "little") + 1,
                int.from_bytes(head[27:30], "little") + 1)
    if chunk == b"VP8 " and len(head) >= 30 and head[23:26] == b"\x9d\x01\x2a":
        return (int.from_bytes(head[26:28], "little") & 0x3FFF,
                int.from_bytes(head[28:30], "little") & 0x3FFF)
    if chunk == b"VP8L" and len(head) >= 25 and head[20] == 0x2F:
        bits = int.from_bytes(head[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    return None


def row_value_problems(row: dict[str, Any], names: Container[str]) -> list[str]:
    """A row's impossible values, once its fields have their schema types."""
    problems = []
    if row["source_format"] not in SOURCE_FORMATS:
        problems.append(f"source_format {row['source_format']!r} is not one of "
                        f"{', '.join(SOURCE_FORMATS)}")
    if row["section"] not in SECTIONS:
        problems.append(f"section {row['section']!r} is not one of the {len(SECTIONS)} sections")
    bad_scores = sorted(k for k, v in row["section_scores"].items()
                        if k not in SECTIONS or not isinstance(v, int | float))
    if bad_scores:
        problems.append(f"section_scores has unknown or non-numeric entries: {bad_scores}")
    if not row["section_scores"]:
        problems.append("section_scores is empty")
    if not 0 <= row["mean_confidence"] <= 100:
        problems.append(f"mean_confidence {row['mean_confidence']} is not within 0-100")
    if row["upscale_scale"] is not None and row["upscale_scale"] <= 0:
        problems.append(f"upscale_scale {row['upscale_scale']} must be positive")
    problems += _word_problems(row)
    for key in ("file_name", "original_file_name"):
        if row[key] not in names:
            problems.append(f"{key} {row[key]!r} is not in the archive")
    if row["page"] < 1:
        problems.append("page must be >= 1")
    if row["license_open"] != is_open_license(row["license"] or ""):
        problems.append(f"license_open {str(row['license_open']).lower()} contradicts license "
                        f"{_short(row['license'] or 'null')} (open: "
                        f"{str(is_open_license(row['license'] or '')).lower()})")
    return problems


def _word_problems(row: dict[str, Any]) -> list[str]:
    """The first impossible word: a box off the original image, a confidence beyond 0-100,
    no source or one the slide cannot have (a text layer outside a PDF page)."""
    width, height = row["source_width"], row["source_height"]
    for i, word in enumerate(row["words"]):
        box = word.get("box") if isinstance(word, dict) else None
        if not (isinstance(word, dict) and isinstance(word.get("text"), str)
                and isinstance(box, list) and len(box) == 4
                and all(isinstance(v, int) and not isinstance(v, bool) for v in box)):
            return [f"words[{i}] should be {{text, conf, box: [x, y, w, h], line, source}}"]
        x, y, w, h = box
        # OCR rounds x and w (divided by the upscale factor) apart: the sum may pass by 1 px
        if min(box) < 0 or (width is not None and x + w > width + 1) or (
                height is not None and y + h > height + 1):
            return [f"words[{i}] box {box} is not within the {width}x{height} original image"]
        conf = word.get("conf")
        if not isinstance(conf, int | float) or isinstance(conf, bool) or not 0 <= conf <= 100:
            return [f"words[{i}] conf {conf!r} is not within 0-100"]
        # required since format 15 (older formats' values are not checked: OLDER_FORMATS)
        if "source" not in word:
            return [f"words[{i}] has no source: it must be one of "
                    + ", ".join(map(repr, WORD_SOURCES))]
        if word["source"] not in WORD_SOURCES:
            return [f"words[{i}] source {word['source']!r} is not one of "
                    + ", ".join(map(repr, WORD_SOURCES))]
        if word["source"] == TEXT_LAYER and row["source_format"] != "PDF":
            return [f"words[{i}] source {TEXT_LAYER!r} on a {row['source_format']} slide: only "
                    "a PDF page has a text layer"]
    return []


# deckgen's documents nest a few levels (a row's word boxes: 4); this leaves wide margin
_JSON_DEPTH = 64


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def strict_json(text: str) -> Any:
    """JSON as the standard has it: Python's reader also takes NaN and Infinity.

    Nesting deeper than ``_JSON_DEPTH`` raises ValueError: Python's reader recurses (a
    ``[`` repeated 200,000 times is a RecursionError), and so does anything that prints or
    re-encodes a value only just shallow enough to read (``repr``, ``json.dumps``).
    """
    try:
        value = json.loads(text, parse_constant=_no_constant)
    except RecursionError:
        raise ValueError("nested too deeply") from None
    if _nested_deeper_than(value, _JSON_DEPTH):
        raise ValueError("nested too deeply")
    return value


def _nested_deeper_than(value: Any, limit: int) -> bool:
    """Whether lists and objects nest more than ``limit`` levels, found without recursing."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if not isinstance(item, dict | list):
            continue
        if depth > limit:
            return True
        children = item.values() if isinstance(item, dict) else item
        stack.extend((child, depth + 1) for child in children)
    return False


def read_csv(text: str | None, ids: list[str]) -> tuple[list[str], list[list[str]]]:
    """(problems, records) of slides.csv: records only when its header and ids are right."""
    if text is None:
        return ["slides.csv: missing from the archive"], []
    # a slide's OCR text is one cell: no cell can be longer than the file
    csv.field_size_limit(max(csv.field_size_limit(), len(text)))
    try:
        reader = csv.reader(io.StringIO(text))
        header = next(reader, [])
        records = [record for record in reader if record]
    except csv.Error as exc:  # a stray carriage return, a NUL
        return [f"slides.csv: not valid CSV ({exc})"], []
    expected = [f.name for f in FIELDS if f.csv]
    if header != expected:
        return [f"slides.csv: header {header} differs from the schema {expected}"], []
    csv_ids = [record[0] for record in records]
    if csv_ids != ids:
        return [f"slides.csv: ids differ from metadata.jsonl ({len(csv_ids)} rows vs "
                f"{len(ids)})"], []
    return [], records


def check_values(rows: list[Row], csv_records: list[list[str]],
                 images: dict[str, tuple[int, int] | None], card: str | None,
                 provenance: Any) -> list[str]:
    """Every value check; ``images``: each image member's size (None: unreadable)."""
    typed = [row for row in rows if row.typed]
    problems = _csv_value_problems(rows, csv_records)
    if card is not None:
        problems += _section_table_problems(card, typed)
    problems += _identity_problems(typed, images)
    classify = provenance.get("classify") if isinstance(provenance, dict) else None
    threshold = classify.get("min_confidence") if isinstance(classify, dict) else None
    if not isinstance(threshold, int | float) or isinstance(threshold, bool):
        threshold = None
    for row in typed:
        problems += _size_problems(row, images)
        problems += _label_problems(row, threshold)
    return problems


def _short(text: str) -> str:
    return repr(text if len(text) <= 60 else text[:57] + "...")


def _csv_value_problems(rows: list[Row], records: list[list[str]]) -> list[str]:
    """One line per slides.csv row that says otherwise than its metadata.jsonl row."""
    columns = [f.name for f in FIELDS if f.csv]
    problems = []
    for number, (row, record) in enumerate(zip(rows, records, strict=False), 1):
        if not row.typed:
            continue
        differ = [(name, cell) for name, cell in zip(columns, record, strict=False)
                  if cell != csv_cell(row.data[name])]
        if len(record) != len(columns):
            differ.append(("the number of cells", str(len(record))))
        if differ:
            name, cell = differ[0]
            more = (f" (and {', '.join(n for n, _ in differ[1:])})" if len(differ) > 1 else "")
            expected = (csv_cell(row.data[name]) if name in row.data else str(len(columns)))
            problems.append(f"slides.csv row {number} ({row.data['id']}): {name} {_short(cell)}, "
                            f"but metadata.jsonl line {row.line} has {_short(expected)}{more}")
    return problems


_TABLE_ROW = re.compile(r"\| `([^`]+)`[^|]*\| (\d+) \|")


def _section_table_problems(card: str, rows: list[Row]) -> list[str]:
    """The card's Sections table (``bundle_card._sections``) counts the rows' labels."""
    _, found, after = card.partition("\n## Sections\n")
    if not found:
        return ["README.md: has no Sections table (## Sections) of slides per section"]
    table: dict[str, int] = {}
    for line in after.split("\n## ", 1)[0].splitlines():
        match = _TABLE_ROW.match(line)
        if match:
            table[match[1]] = int(match[2])
    counts = Counter(row.data["section"] for row in rows)
    problems = []
    for section in SECTIONS:
        stated = table.get(section)
        if stated is None:
            problems.append(f"README.md: the Sections table has no row for {section}")
        elif stated != counts[section]:
            problems.append(f"README.md: the Sections table says {section} {stated}, but "
                            f"metadata.jsonl labels {counts[section]} slides {section}")
    return problems


def _identity_problems(rows: list[Row], images: dict[str, tuple[int, int] | None]) -> list[str]:
    """Each row's deck and page make its id and name its images; no two rows share either."""
    problems = []
    pages: dict[tuple[str, int], Row] = {}
    files: dict[str, Row] = {}
    for row in rows:
        deck, page, where = row.data["deck"], row.data["page"], row.where
        id_deck, _, id_page = row.data["id"].rpartition("/")
        if deck != id_deck:
            problems.append(f"{where}: deck {deck!r} is not the id's deck {id_deck!r}")
        if f"{page:03d}" != id_page:
            problems.append(f"{where}: page {page} is not the id's page {id_page}")
        other = pages.setdefault((deck, page), row)
        if other is not row:
            problems.append(f"{where}: page {page} of deck {deck} is also {other.where}")
        for key, (folder, exts) in _IMAGE_NAMES.items():
            name, stem = row.data[key], f"{folder}/{slide_id(deck, page)}"
            stem_of_name, _, ext = name.rpartition(".")
            if stem_of_name != stem or ext not in exts:
                problems.append(f"{where}: {key} {name} is not {stem}.<{'|'.join(exts)}>, the "
                                f"name the bundle gives page {page} of deck {deck}")
            other = files.setdefault(name, row)
            if other is not row:
                problems.append(f"{where}: {key} {name} is also named by {other.where}")
    problems += [f"{name}: no row of metadata.jsonl names it"
                 for name in sorted(set(images) - set(files))]
    return problems


def _size_problems(row: Row, images: dict[str, tuple[int, int] | None]) -> list[str]:
    """The stated source size is the original's; source size x upscale_scale the upscaled's."""
    data, where = row.data, row.where
    width, height, scale = data["source_width"], data["source_height"], data["upscale_scale"]
    problems = []
    for key in _IMAGE_NAMES:
        if data[key] in images and images[data[key]] is None:
            problems.append(f"{where}: {key} {data[key]} is not a readable JPEG, PNG or WebP")
    original = images.get(data["original_file_name"])
    if original is not None:
        for field, stated, actual, side in (("source_width", width, original[0], "wide"),
                                            ("source_height", height, original[1], "high")):
            if stated is not None and stated != actual:
                problems.append(f"{where}: {field} {stated}, but {data['original_file_name']} "
                                f"is {actual} px {side}")
    upscaled = images.get(data["file_name"])
    if upscaled is None or width is None or height is None or scale is None:
        return problems
    # upscale_scale is the stored width / source_width (bundle_images.match_stored_scale):
    # the width lands within a pixel; the height of an image shrunk to the WebP limit was
    # rounded on its own, so it may be off by the width's rounding times height / width
    for field, stated, actual, slack in (
            ("source_width", width, upscaled[0], 1.0),
            ("source_height", height, upscaled[1], 1.0 + height / (2 * max(width, 1)))):
        if abs(actual - stated * scale) > slack:
            problems.append(f"{where}: {field} {stated} x upscale_scale {scale} is "
                            f"{stated * scale:g}, but {data['file_name']} is {actual} px")
    return problems


def _label_problems(row: Row, threshold: float | None) -> list[str]:
    """A predicted label other than ``other`` scores at least min_confidence.

    classify.classify_deck labels ``other`` every slide whose chosen section's posterior is
    under min_confidence. Only that is impossible: the label is the deck's Viterbi path and
    the scores its marginals, so a label may rightly differ from the top score.
    """
    data, where = row.data, row.where
    source = data["section_source"]
    if source not in ("predicted", "curated"):
        return [f"{where}: section_source {source!r} is not predicted or curated"]
    scores = {k: v for k, v in data["section_scores"].items()
              if isinstance(v, int | float) and not isinstance(v, bool)}
    score = scores.get(data["section"], 0.0)
    # classify rounds scores to 4 places: one just over the threshold may round under it
    if (threshold is None or source == "curated" or data["section"] == "other"
            or score >= threshold - 5e-5):
        return []
    top = max(scores.items(), key=lambda kv: kv[1], default=("none", 0))
    return [f"{where}: section {data['section']!r} (predicted) scores {score} in "
            f"section_scores, under the classifier's min_confidence {threshold} "
            f"(provenance.json), which labels such a slide other (top: {top[0]} {top[1]})"]
