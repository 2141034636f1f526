"""Checking a dataset bundle: every checksum, the metadata schema, the required files,
that the documents (data card, Croissant, Data Package, provenance.json) agree
with the files they describe, and that the files agree value for value
(``bundle_verify_values``).

``verify_bundle`` reads the archive once, as a stream, hashing every member, and
reports each problem as one line that names the member (and the line) at fault.
It reads an unpacked bundle folder the same way, file by file.
It reads the gzip stream to its very end: tarfile alone stops at the tar end
marker, so a truncated download (no gzip trailer) or data appended after it
would pass unseen, and ``tar -i`` would extract an appended member.
"""

from __future__ import annotations

import hashlib
import io
import re
import tarfile
import zlib
from collections import Counter
from pathlib import Path
from typing import IO, Any

from deckgen.bundle_card import DOCUMENTS, FIELDS, content_digest
from deckgen.bundle_verify_values import (
    IMAGE_HEAD,
    Row,
    check_values,
    image_size,
    read_csv,
    row_value_problems,
    strict_json,
)

TEXT_MEMBERS = ("README.md", "SHA256SUMS", "croissant.json", "datapackage.json",
                "metadata.jsonl", "provenance.json", "slides.csv")
_CHUNK = 1 << 20  # compressed and decompressed bytes held at once while streaming
# A text member is read whole; past this many times the archive's size it is a
# compression bomb, not deckgen's (its text is a small part of a bundle of images)
_TEXT_PER_ARCHIVE_BYTE = 20
_TEXT_FLOOR = 64 << 20


def verify_bundle(archive: Path) -> list[str]:
    """Check every checksum, the metadata schema and the values; [] when the bundle is sound.

    ``archive``: the .tar.gz, or the folder it unpacks to. Each problem names the member
    (and line) at fault.
    """
    archive = Path(archive)
    if archive.is_dir():
        try:
            files, problems = _read_folder(archive)
        except OSError as exc:
            return [f"{archive.name}: cannot read the folder ({exc})"]
        return problems + _check_files(files)
    not_gzip = _not_gzip(archive)
    if not_gzip:
        return [f"{archive.name}: {not_gzip}"]
    try:
        files, problems = _read_archive(archive)
    except _StreamError as exc:
        return [f"{archive.name}: {exc}"]
    except (OSError, tarfile.TarError, EOFError) as exc:
        return [f"{archive.name}: cannot read the archive ({exc})"]
    return problems + _check_files(files)


def _check_files(files: dict[str, _Member]) -> list[str]:
    """Every check of the bundle's files, read from an archive or a folder."""
    sum_problems = _check_sums(files)
    problems = list(sum_problems)
    rows = _rows(files)
    metadata_problems, slides = _check_metadata(files)
    problems += metadata_problems
    csv_member = files.get("slides.csv")
    csv_problems, csv_records = read_csv(csv_member.text if csv_member else None,
                                         [row.data["id"] for row in slides])
    problems += csv_problems
    docs: dict[str, Any] = {}
    for name in (*DOCUMENTS, "provenance.json"):
        data = files.get(name)
        if data is None or data.text is None:
            problems.append(f"{name}: missing from the archive")
        elif name.endswith(".json"):
            try:
                docs[name] = strict_json(data.text)
            except ValueError as exc:
                problems.append(f"{name}: not valid JSON ({exc})")
        elif not data.text.startswith("---\n"):
            problems.append(f"{name}: data card lacks its YAML header")
        else:
            docs[name] = data.text
    if not sum_problems:  # a member failing its checksum comes first; the figures follow it
        problems += _check_documents(files, docs, rows)
        images = {name: member.image_size for name, member in files.items()
                  if name.startswith("images/")}
        card = docs.get("README.md")
        problems += check_values(slides, csv_records, images,
                                 card if isinstance(card, str) else None,
                                 docs.get("provenance.json"))
    return problems


def _not_gzip(archive: Path) -> str:
    """What the file is when it is not gzip (a zip, a plain tar): '' for gzip or unreadable."""
    try:
        with open(archive, "rb") as fh:
            head = fh.read(512)
    except OSError:
        return ""
    if head[:2] == b"\x1f\x8b" or not head:
        return ""
    if head[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        return ("this is a zip file, not the .tar.gz deckgen publishes (repacked after "
                "download?); check the .tar.gz itself, or unpack this and run "
                "`sha256sum -c SHA256SUMS` in its folder")
    if head[257:262] == b"ustar":
        return ("this is an uncompressed tar, not a .tar.gz (a browser or tool may have "
                "removed the gzip layer, so its SHA-256 differs from the published one); "
                "unpack it with `tar -xf` and run `sha256sum -c SHA256SUMS` in its folder")
    return "not a gzip file (a .tar.gz starts with bytes 1f 8b); not an archive deckgen wrote"


class _Member:
    def __init__(self, sha256: str, text: str | None, size: int = 0,
                 image_size: tuple[int, int] | None = None):
        self.sha256 = sha256
        self.text = text
        self.size = size
        self.image_size = image_size  # (width, height) of an image; None: not one, unreadable


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
    text_limit = max(_TEXT_FLOOR, _TEXT_PER_ARCHIVE_BYTE * archive.stat().st_size)
    with open(archive, "rb") as raw:
        stream = _GzipMember(raw)
        with tarfile.open(fileobj=stream, mode="r|") as tar:  # type: ignore[call-overload]
            for info in tar:
                problems += _read_member(tar, info, files, roots, text_limit)
        stream.finish()
    if len(roots) > 1:
        problems.append(f"archive has several top-level folders: {', '.join(sorted(roots))}")
    return files, problems


def _read_member(tar: tarfile.TarFile, info: tarfile.TarInfo, files: dict[str, _Member],
                 roots: set[str], text_limit: int) -> list[str]:
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
    if name in files:  # `tar -k` keeps the first copy, plain tar the last: either may be bad
        return [f"{info.name}: in the archive twice"]
    fh = tar.extractfile(info)
    assert fh is not None
    return _read_content(name, fh, files, text_limit)


def _read_folder(folder: Path) -> tuple[dict[str, _Member], list[str]]:
    """An unpacked bundle: the folder holding SHA256SUMS, or its one subfolder that does."""
    subfolders = [p for p in folder.iterdir() if p.is_dir() and not p.is_symlink()]
    if not (folder / "SHA256SUMS").exists() and len(subfolders) == 1:
        folder = subfolders[0]  # the folder `tar -xzf` was run in
    files: dict[str, _Member] = {}
    problems: list[str] = []
    for path in sorted(folder.rglob("*")):
        name = path.relative_to(folder).as_posix()
        if path.is_symlink() or not (path.is_dir() or path.is_file()):
            problems.append(f"{name}: not a regular file")
        elif path.is_file():
            with open(path, "rb") as fh:
                problems += _read_content(name, fh, files)
    return files, problems


def _read_content(name: str, fh: IO[bytes], files: dict[str, _Member],
                  text_limit: int | None = None) -> list[str]:
    """Hash one member; keep a text member's text (up to ``text_limit`` bytes) and an
    image's size (read from its head)."""
    digest = hashlib.sha256()
    kept = bytearray()  # text members and the head of an image: images are never held
    size = 0
    is_image = name.startswith("images/")
    is_text = name in TEXT_MEMBERS
    while block := fh.read(_CHUNK):
        digest.update(block)
        size += len(block)
        if is_text and text_limit is not None and size > text_limit:
            is_text, kept = False, bytearray()  # hashed on, never held
        if is_text:
            kept += block
        elif is_image and len(kept) < IMAGE_HEAD:
            kept += block[:IMAGE_HEAD - len(kept)]
    text, problems = None, []
    if name in TEXT_MEMBERS and not is_text:
        problems.append(f"{name}: {size:,} bytes of text, more than {_TEXT_PER_ARCHIVE_BYTE}"
                        " times the download; not read (a compression bomb?)")
    elif is_text:
        try:
            text = kept.decode("utf-8")
        except UnicodeDecodeError:
            problems.append(f"{name}: not UTF-8 text")
    files[name] = _Member(digest.hexdigest(), text, size,
                          image_size(bytes(kept)) if is_image else None)
    return problems


def _lines(text: str) -> list[str]:
    """Lines ended by \\n only: ``str.splitlines`` also breaks at U+2028 and U+0085, which
    a JSON string holds as they are (a company name once cut metadata.jsonl in two)."""
    lines = text.split("\n")
    return lines[:-1] if lines[-1] == "" else lines


def _listed_sums(files: dict[str, _Member]) -> dict[str, str]:
    """name -> SHA-256 as SHA256SUMS lists it (well-formed lines only)."""
    member = files.get("SHA256SUMS")
    listed: dict[str, str] = {}
    for line in _lines(member.text or "") if member else []:
        digest, sep, name = line.partition("  ")
        if sep and len(digest) == 64:
            listed[name] = digest
    return listed


def _rows(files: dict[str, _Member]) -> list[dict[str, Any]]:
    member = files.get("metadata.jsonl")
    rows = []
    for line in _lines(member.text or "") if member else []:
        try:
            row = strict_json(line)
        except ValueError:
            continue
        if isinstance(row, dict):
            rows.append(row)
    return rows


def _check_documents(files: dict[str, _Member], docs: dict[str, Any],
                     rows: list[dict[str, Any]]) -> list[str]:
    """The card, Croissant, Data Package and provenance.json agree with the files."""
    problems: list[str] = []
    listed = _listed_sums(files)
    content_id = content_digest(listed)
    slides = len(rows)
    decks = {r.get("deck") for r in rows}
    fictional = {r.get("deck") for r in rows if r.get("fictional") is True}
    counts = f"{slides} pitch-deck slides from {len(decks)} "
    croissant, package = docs.get("croissant.json"), docs.get("datapackage.json")
    card, prov = docs.get("README.md"), docs.get("provenance.json")
    if isinstance(croissant, dict):
        problems += _not_a_list("croissant.json", croissant, "distribution")
        for dist in _list(croissant.get("distribution")):
            name = dist.get("contentUrl") if isinstance(dist, dict) else None
            if name is None or "sha256" not in dist:
                continue
            if listed.get(name) != dist["sha256"]:
                problems.append(f"croissant.json: sha256 of {name} differs from SHA256SUMS")
            elif f"{_size(files, name)} B" != dist.get("contentSize"):
                problems.append(f"croissant.json: contentSize of {name} is not its size")
        problems += _version_problems("croissant.json", croissant.get("version"), content_id)
        if not str(croissant.get("description", "")).startswith(counts):
            problems.append(f"croissant.json: description does not say {counts.strip()} ...")
    if isinstance(package, dict):
        problems += _not_a_list("datapackage.json", package, "resources")
        for res in _list(package.get("resources")):
            name = res.get("path") if isinstance(res, dict) else None
            if name is None:
                continue
            if res.get("hash") != f"sha256:{listed.get(name)}":
                problems.append(f"datapackage.json: hash of {name} differs from SHA256SUMS")
            elif res.get("bytes") != _size(files, name):
                problems.append(f"datapackage.json: bytes of {name} is not its size")
        problems += _version_problems("datapackage.json", package.get("version"), content_id)
    if isinstance(card, str):
        if f"+{content_id})" not in card.split("\n# ", 1)[-1].split("\n", 1)[0]:
            problems.append(f"README.md: title does not carry the content id {content_id} "
                            "of SHA256SUMS")
        if f"\n{counts}" not in card:
            problems.append(f"README.md: does not say {counts.strip()} ...")
    if isinstance(prov, dict):
        expected = {"slides": slides, "decks": len(decks), "fictional decks": len(fictional)}
        deck_counts = prov.get("decks") if isinstance(prov.get("decks"), dict) else {}
        found = {"slides": prov.get("slides"), "decks": deck_counts.get("total"),
                 "fictional decks": deck_counts.get("fictional")}
        problems += [f"provenance.json: {key} {found[key]!r}, but metadata.jsonl has "
                     f"{value}" for key, value in expected.items() if found[key] != value]
    return problems


def _list(value: Any) -> list[Any]:
    """A document's list, as forged JSON may give any type in its place."""
    return value if isinstance(value, list) else []


def _not_a_list(name: str, doc: dict[str, Any], key: str) -> list[str]:
    return [] if isinstance(doc.get(key), list) else [f"{name}: {key} is not a list"]


def _size(files: dict[str, _Member], name: str) -> int | None:
    member = files.get(name)
    return member.size if member else None


def _version_problems(name: str, version: object, content_id: str) -> list[str]:
    if isinstance(version, str) and re.fullmatch(rf"\d+\.0\.0\+{content_id}", version):
        return []
    return [f"{name}: version {version!r} does not carry the content id {content_id} "
            "of SHA256SUMS"]


def _check_sums(files: dict[str, _Member]) -> list[str]:
    sums_member = files.get("SHA256SUMS")
    if sums_member is None or sums_member.text is None:
        return ["SHA256SUMS: missing from the archive"]
    problems = []
    listed: set[str] = set()
    for number, line in enumerate(_lines(sums_member.text), 1):
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
    "object": (dict,), "array": (list,), "boolean": (bool,),
}


def _check_metadata(files: dict[str, _Member]) -> tuple[list[str], list[Row]]:
    """(problems, the rows with a string id) of metadata.jsonl."""
    member = files.get("metadata.jsonl")
    if member is None or member.text is None:
        return ["metadata.jsonl: missing from the archive"], []
    problems: list[str] = []
    ids: list[str] = []
    slides: list[Row] = []
    for number, line in enumerate(_lines(member.text), 1):
        where = f"metadata.jsonl line {number}"
        try:
            row = strict_json(line)
        except ValueError as exc:
            problems.append(f"{where}: not valid JSON ({exc})")
            continue
        if not isinstance(row, dict):
            problems.append(f"{where}: not a JSON object")
            continue
        type_problems = _type_problems(row)
        if isinstance(row.get("id"), str):
            where += f" ({row['id']})"
            ids.append(row["id"])
            slides.append(Row(number, row, typed=not type_problems))
        row_problems = type_problems or row_value_problems(row, files)
        problems += [f"{where}: {p}" for p in row_problems]
    duplicates = sorted(i for i, n in Counter(ids).items() if n > 1)
    if duplicates:
        problems.append(f"metadata.jsonl: duplicate ids {', '.join(duplicates)}")
    return problems, slides


def _type_problems(row: dict[str, Any]) -> list[str]:
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
        if not isinstance(value, types) or (isinstance(value, bool) and field.type != "boolean"):
            problems.append(f"field {field.name!r} should be {field.type}, got "
                            f"{type(value).__name__}")
    problems += [f"unknown field {name!r}" for name in sorted(set(row) - known)]
    return problems
