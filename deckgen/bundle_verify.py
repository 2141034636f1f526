"""Checking a dataset bundle: every checksum, the metadata schema, the required files.

``verify_bundle`` reads the archive once, hashing every member, and reports
each problem as one line that names the member (and the line) at fault.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import tarfile
from pathlib import Path
from typing import Any

from deckgen.bundle_card import FIELDS
from deckgen.records import SECTIONS

TEXT_MEMBERS = ("README.md", "SHA256SUMS", "croissant.json", "datapackage.json",
                "metadata.jsonl", "slides.csv")



def verify_bundle(archive: Path) -> list[str]:
    """Check every checksum and the metadata schema; [] when the bundle is sound.

    Each problem names the member (and line) at fault.
    """
    archive = Path(archive)
    try:
        files, problems = _read_archive(archive)
    except (OSError, tarfile.TarError, EOFError) as exc:
        return [f"{archive.name}: cannot read the archive ({exc})"]
    problems += _check_sums(files)
    problems += _check_metadata(files)
    for name in ("README.md", "croissant.json", "datapackage.json"):
        data = files.get(name)
        if data is None:
            problems.append(f"{name}: missing from the archive")
        elif name.endswith(".json"):
            try:
                json.loads(data.text)  # type: ignore[union-attr]
            except ValueError as exc:
                problems.append(f"{name}: not valid JSON ({exc})")
        elif not data.text.startswith("---\n"):  # type: ignore[union-attr]
            problems.append(f"{name}: data card lacks its YAML header")
    return problems


class _Member:
    def __init__(self, sha256: str, text: str | None):
        self.sha256 = sha256
        self.text = text


def _read_archive(archive: Path) -> tuple[dict[str, _Member], list[str]]:
    files: dict[str, _Member] = {}
    problems: list[str] = []
    roots: set[str] = set()
    with tarfile.open(archive, "r:gz") as tar:
        for info in tar:
            parts = info.name.split("/")
            if info.name.startswith("/") or ".." in parts:
                problems.append(f"{info.name}: unsafe member path")
                continue
            roots.add(parts[0])
            if info.isdir():
                continue
            if not info.isfile():
                problems.append(f"{info.name}: not a regular file")
                continue
            name = "/".join(parts[1:])
            fh = tar.extractfile(info)
            assert fh is not None
            data = fh.read()
            text = None
            if name in TEXT_MEMBERS:
                try:
                    text = data.decode("utf-8")
                except UnicodeDecodeError:
                    problems.append(f"{name}: not UTF-8 text")
            files[name] = _Member(hashlib.sha256(data).hexdigest(), text)
    if len(roots) > 1:
        problems.append(f"archive has several top-level folders: {', '.join(sorted(roots))}")
    return files, problems


def _check_sums(files: dict[str, _Member]) -> list[str]:
    sums_member = files.get("SHA256SUMS")
    if sums_member is None or sums_member.text is None:
        return ["SHA256SUMS: missing from the archive"]
    problems = []
    listed: set[str] = set()
    for number, line in enumerate(sums_member.text.splitlines(), 1):
        digest, sep, name = line.partition("  ")
        if not sep or len(digest) != 64:
            problems.append(f"SHA256SUMS line {number}: malformed ({line[:80]!r})")
            continue
        listed.add(name)
        member = files.get(name)
        if member is None:
            problems.append(f"{name}: listed in SHA256SUMS but missing from the archive")
        elif member.sha256 != digest:
            problems.append(f"{name}: checksum mismatch (SHA256SUMS {digest[:12]}…, "
                            f"actual {member.sha256[:12]}…)")
    for name in sorted(set(files) - listed - {"SHA256SUMS"}):
        problems.append(f"{name}: not listed in SHA256SUMS")
    return problems


_JSON_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,), "integer": (int,), "number": (int, float),
    "object": (dict,), "array": (list,),
}


def _check_metadata(files: dict[str, _Member]) -> list[str]:
    member = files.get("metadata.jsonl")
    if member is None or member.text is None:
        return ["metadata.jsonl: missing from the archive"]
    problems: list[str] = []
    ids: list[str] = []
    for number, line in enumerate(member.text.splitlines(), 1):
        where = f"metadata.jsonl line {number}"
        try:
            row = json.loads(line)
        except ValueError as exc:
            problems.append(f"{where}: not valid JSON ({exc})")
            continue
        if not isinstance(row, dict):
            problems.append(f"{where}: not a JSON object")
            continue
        if isinstance(row.get("id"), str):
            where += f" ({row['id']})"
            ids.append(row["id"])
        problems += [f"{where}: {p}" for p in _row_problems(row, files)]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        problems.append(f"metadata.jsonl: duplicate ids {', '.join(duplicates)}")
    problems += _check_csv(files.get("slides.csv"), ids)
    return problems


def _row_problems(row: dict[str, Any], files: dict[str, _Member]) -> list[str]:
    problems = []
    known = {f.name for f in FIELDS}
    for field in FIELDS:
        if field.name not in row:
            problems.append(f"field {field.name!r} missing")
            continue
        value = row[field.name]
        if value is None:
            if field.required:
                problems.append(f"field {field.name!r} is null")
            continue
        types = _JSON_TYPES[field.type]
        if not isinstance(value, types) or isinstance(value, bool):
            problems.append(f"field {field.name!r} should be {field.type}, got "
                            f"{type(value).__name__}")
    problems += [f"unknown field {name!r}" for name in sorted(set(row) - known)]
    if problems:
        return problems
    if row["section"] not in SECTIONS:
        problems.append(f"section {row['section']!r} is not one of the {len(SECTIONS)} sections")
    bad_scores = sorted(k for k, v in row["section_scores"].items()
                        if k not in SECTIONS or not isinstance(v, int | float))
    if bad_scores:
        problems.append(f"section_scores has unknown or non-numeric entries: {bad_scores}")
    for i, word in enumerate(row["words"]):
        if not (isinstance(word, dict) and isinstance(word.get("text"), str)
                and isinstance(word.get("box"), list) and len(word["box"]) == 4):
            problems.append(f"words[{i}] should be {{text, conf, box: [x, y, w, h], line}}")
            break
    for key in ("file_name", "original_file_name"):
        if row[key] not in files:
            problems.append(f"{key} {row[key]!r} is not in the archive")
    if row["page"] < 1:
        problems.append("page must be >= 1")
    return problems


def _check_csv(member: _Member | None, ids: list[str]) -> list[str]:
    if member is None or member.text is None:
        return ["slides.csv: missing from the archive"]
    reader = csv.reader(io.StringIO(member.text))
    header = next(reader, [])
    expected = [f.name for f in FIELDS if f.csv]
    if header != expected:
        return [f"slides.csv: header {header} differs from the schema {expected}"]
    csv_ids = [row[0] for row in reader if row]
    if csv_ids != ids:
        return [f"slides.csv: ids differ from metadata.jsonl ({len(csv_ids)} rows vs {len(ids)})"]
    return []
