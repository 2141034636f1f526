"""Checking a dataset bundle: every checksum, the metadata schema, the required files.

``verify_bundle`` reads the archive once, as a stream, hashing every member, and
reports each problem as one line that names the member (and the line) at fault.
It reads the gzip stream to its very end: tarfile alone stops at the tar end
marker, so a truncated download (no gzip trailer) or data appended after it
would pass unseen, and ``tar -i`` would extract an appended member.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import tarfile
import zlib
from pathlib import Path
from typing import Any

from deckgen.bundle_card import FIELDS, SOURCE_FORMATS
from deckgen.records import SECTIONS

TEXT_MEMBERS = ("README.md", "SHA256SUMS", "croissant.json", "datapackage.json",
                "metadata.jsonl", "slides.csv")
_CHUNK = 1 << 20  # compressed and decompressed bytes held at once while streaming


def verify_bundle(archive: Path) -> list[str]:
    """Check every checksum and the metadata schema; [] when the bundle is sound.

    Each problem names the member (and line) at fault.
    """
    archive = Path(archive)
    try:
        files, problems = _read_archive(archive)
    except _StreamError as exc:
        return [f"{archive.name}: {exc}"]
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


class _StreamError(Exception):
    """The gzip stream is incomplete or followed by other data; the message says which."""


class _GzipMember:
    """The first gzip member of a file, decompressed as read, in bounded memory.

    zlib checks the member's CRC-32 and length trailer; a file that ends before
    the trailer raises ``_StreamError``. ``finish`` then insists that nothing but
    tar padding follows the tar end marker and nothing follows the gzip member.
    """

    def __init__(self, raw: io.BufferedIOBase):
        self._raw = raw
        self._inflate = zlib.decompressobj(16 + zlib.MAX_WBITS)  # gzip wrapper, one member
        self._pending = memoryview(b"")

    def read(self, size: int = -1) -> bytes:
        if size < 0:
            raise ValueError("read the member in bounded chunks")
        while not self._pending:
            if self._inflate.eof:
                return b""
            data = self._inflate.unconsumed_tail or self._raw.read(_CHUNK)
            if not data:
                raise _StreamError("cannot read the archive: the download is incomplete (the "
                                   "gzip stream ends early); download it again")
            try:
                self._pending = memoryview(self._inflate.decompress(data, _CHUNK))
            except zlib.error as exc:  # a bad header, deflate data, CRC-32 or length
                raise _StreamError("cannot read the archive: the compressed data is corrupt "
                                   f"({exc}); download it again") from None
        out = self._pending[:size].tobytes()
        self._pending = self._pending[size:]
        return out

    def finish(self) -> None:
        while block := self.read(_CHUNK):
            if block.strip(b"\0"):
                raise _StreamError("data after the end of the tar archive (tar -i would "
                                   "extract it); not an archive deckgen wrote")
        extra = len(self._inflate.unused_data)
        while block := self._raw.read(_CHUNK):
            extra += len(block)
        if extra:
            raise _StreamError(f"{extra} bytes after the end of the gzip stream (another gzip "
                               "member or appended data); not an archive deckgen wrote")


def _read_archive(archive: Path) -> tuple[dict[str, _Member], list[str]]:
    files: dict[str, _Member] = {}
    problems: list[str] = []
    roots: set[str] = set()
    with open(archive, "rb") as raw:
        stream = _GzipMember(raw)
        with tarfile.open(fileobj=stream, mode="r|") as tar:  # type: ignore[call-overload]
            for info in tar:
                problems += _read_member(tar, info, files, roots)
        stream.finish()
    if len(roots) > 1:
        problems.append(f"archive has several top-level folders: {', '.join(sorted(roots))}")
    return files, problems


def _read_member(tar: tarfile.TarFile, info: tarfile.TarInfo, files: dict[str, _Member],
                 roots: set[str]) -> list[str]:
    parts = info.name.split("/")
    if info.name.startswith("/") or ".." in parts:
        return [f"{info.name}: unsafe member path"]
    if len(parts) == 1 and not info.isdir():
        return [f"{info.name}: outside the bundle's top-level folder"]
    roots.add(parts[0])
    if info.isdir():
        return []
    if not info.isfile():
        return [f"{info.name}: not a regular file"]
    name = "/".join(parts[1:])
    fh = tar.extractfile(info)
    assert fh is not None
    digest = hashlib.sha256()
    kept = bytearray()  # text members only: images are hashed, never held
    while block := fh.read(_CHUNK):
        digest.update(block)
        if name in TEXT_MEMBERS:
            kept += block
    text, problems = None, []
    if name in TEXT_MEMBERS:
        try:
            text = kept.decode("utf-8")
        except UnicodeDecodeError:
            problems.append(f"{name}: not UTF-8 text")
    files[name] = _Member(digest.hexdigest(), text)
    return problems


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
    if row["source_format"] not in SOURCE_FORMATS:
        problems.append(f"source_format {row['source_format']!r} is not one of "
                        f"{', '.join(SOURCE_FORMATS)}")
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
