"""Checking a dataset bundle: every checksum, the metadata schema, the required files,
that the documents (data card, Croissant, Data Package, provenance.json) agree
with the files they describe, and that the files agree value for value
(``bundle_verify_values``).

``verify_bundle`` reads the archive once, as a stream, hashing every member, and
reports each problem as one line that names the member (and the line) at fault.
It reads an unpacked bundle folder the same way, file by file, passing over the files an
operating system leaves there (.DS_Store); inside an archive every member counts. The
bundle may sit in one top folder of the archive (whatever its name) or at its root, and
``./`` in a member's name counts for nothing, as it does for tar.
It reads the gzip stream to its very end: tarfile alone stops at the tar end
marker, so a truncated download (no gzip trailer) or data appended after it
would pass unseen, and ``tar -i`` would extract an appended member.

What is read is bounded by the download's size, as a compression bomb is not: the text
held (``_TextBudget``), and the bytes hashed, by the sizes the members declare, which are
checked before a member is read (a sparse member, 200 bytes of archive declaring a terabyte
of zeros, is refused outright). In a folder the text is bounded by the other files' size.
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
from deckgen.files import is_system_file

TEXT_MEMBERS = ("README.md", "SHA256SUMS", "croissant.json", "datapackage.json",
                "metadata.jsonl", "provenance.json", "slides.csv")
_CHUNK = 1 << 20  # compressed and decompressed bytes held at once while streaming
# Text members are read whole; past this many times the archive's size, together, they are
# a compression bomb, not deckgen's (its text is a small part of a bundle of images)
_TEXT_PER_ARCHIVE_BYTE = 20
_TEXT_FLOOR = 64 << 20
# The sizes the members declare, together, past this many times the archive's size are a
# compression bomb: hashing them would take hours. deckgen's images barely compress, so its
# archives declare 1 to 2 times their size (3.4 for the tests' tiny, text-heavy bundle); text
# alone compresses some 5 to 10 times, and deflate at most about 1000 times
_DECLARED_PER_ARCHIVE_BYTE = 20
_DECLARED_FLOOR = 256 << 20  # all a small archive may declare: hashed in a second or so


def verify_bundle(archive: Path, notes: list[str] | None = None,
                  counts: dict[str, int] | None = None) -> list[str]:
    """Check every checksum, the metadata schema and the values; [] when the bundle is sound.

    ``archive``: the .tar.gz, or the folder it unpacks to. Each problem names the member
    (and line) at fault. ``notes``, when given, receives what was passed over without
    failing the check (files an operating system left in an unpacked folder). ``counts``,
    when given, receives the ``slides`` and ``decks`` metadata.jsonl lists, when it could
    be read (left empty when not).
    """
    archive = Path(archive)
    if archive.is_dir():
        try:
            folder = _bundle_folder(archive)
            not_bundle = _not_a_bundle(folder)
            if not_bundle:
                return [not_bundle]
            files, problems, skipped = _read_folder(folder)
        except OSError as exc:
            return [f"{archive.name}: cannot read the folder ({exc})"]
        if skipped and notes is not None:
            count = "a file" if len(skipped) == 1 else f"{len(skipped)} files"
            notes.append(f"skipped {count} the operating system left in the folder, not "
                         f"part of the dataset: {', '.join(skipped)}")
        return problems + _check_files(files, counts, notes)
    not_gzip = _not_gzip(archive)
    if not_gzip:
        return [f"{archive.name}: {not_gzip}"]
    try:
        files, problems = _read_archive(archive)
    except (_StreamError, _Refused) as exc:
        return [f"{archive.name}: {exc}"]
    except (OSError, tarfile.TarError, EOFError) as exc:
        return [f"{archive.name}: cannot read the archive ({exc})"]
    return problems + _check_files(files, counts, notes)


def _check_files(files: dict[str, _Member], counts: dict[str, int] | None = None,
                 notes: list[str] | None = None) -> list[str]:
    """Every check of the bundle's files, read from an archive or a folder; ``counts``
    (when given) gets the slides and decks that metadata.jsonl lists. A bundle of an older
    format (one published before an upgrade) is checked by its checksums and content id
    alone, which ``notes`` says (OLDER_FORMAT): its schema and values are its version's;
    one of a newer format is not checked."""
    from deckgen.bundle import VERSION  # bundle.py imports this module

    sum_problems = _check_sums(files)
    made_by = _bundle_format(files)
    if made_by is not None and made_by > int(VERSION):
        return sum_problems + [f"provenance.json: made by a newer deckgen (bundle format "
                               f"{made_by}; this one checks format {VERSION} and older): "
                               "upgrade deckgen to check it"]
    if str(made_by) in OLDER_FORMATS or made_by == _BEFORE_FORMATS_WERE_NAMED:
        # a damaged one too: its checksums' problems alone, not this format's schema's on top
        # (QA-71: one real problem under a false one per row)
        problems = sum_problems or _content_id_problems(files)
        named = f"bundle format {made_by}" if made_by else "a format before 13, unnamed"
        checked = "its checksums were" if sum_problems else "its checksums and content id were"
        if notes is not None:
            notes.append(f"{OLDER_FORMAT} ({named}; this one writes {VERSION}): {checked} "
                         "checked, not its schema and values")
        return problems
    problems = list(sum_problems)
    rows = _rows(files)
    metadata_problems, slides = _check_metadata(files)
    problems += metadata_problems
    if counts is not None and _text_of(files, "metadata.jsonl")[0] is not None:
        counts["slides"] = len(slides)
        counts["decks"] = len({row.data.get("deck") for row in slides
                               if isinstance(row.data.get("deck"), str)})
    csv_text, csv_problems = _text_of(files, "slides.csv")
    csv_records: list[list[str]] = []
    if csv_text is not None:
        csv_problems, csv_records = read_csv(csv_text, [row.data["id"] for row in slides])
    problems += csv_problems
    docs: dict[str, Any] = {}
    for name in (*DOCUMENTS, "provenance.json"):
        text, unread = _text_of(files, name)
        if text is None:
            problems += unread
        elif name.endswith(".json"):
            try:
                docs[name] = strict_json(text)
            except ValueError as exc:
                problems.append(f"{name}: not valid JSON ({exc})")
        elif not text.startswith("---\n"):
            problems.append(f"{name}: data card lacks its YAML header")
        else:
            docs[name] = text
    if not sum_problems:  # a member failing its checksum comes first; the figures follow it
        problems += _check_documents(files, docs, rows)
        images = {name: member.image_size for name, member in files.items()
                  if name.startswith("images/")}
        card = docs.get("README.md")
        problems += check_values(slides, csv_records, images,
                                 card if isinstance(card, str) else None,
                                 docs.get("provenance.json"))
    return problems


# how a note on a partly checked bundle begins (the CLI's OK line says so too)
OLDER_FORMAT = "made by an older deckgen"
# the older formats that exist and name themselves in provenance.json (13 was the first):
# add the last one at each bump of bundle.VERSION. Any other format is checked in full.
OLDER_FORMATS = frozenset({"13", "14"})


# the format of a deckgen archive whose provenance.json names no format (those before 13)
_BEFORE_FORMATS_WERE_NAMED = 0


def _bundle_format(files: dict[str, _Member]) -> int | None:
    """The ``bundle_format`` provenance.json names (formats 13 and later name one);
    _BEFORE_FORMATS_WERE_NAMED for a provenance.json of deckgen's with no such key (QA-68:
    an archive published before an upgrade failed with 536 false errors); None when it
    names none a number can be read from: then the full check says what is wrong."""
    text, _ = _text_of(files, "provenance.json")
    try:
        provenance = strict_json(text) if text is not None else None
    except ValueError:
        return None
    if not isinstance(provenance, dict):
        return None
    made_by = provenance.get("bundle_format")
    if made_by is None and isinstance(provenance.get("deckgen"), str):
        return _BEFORE_FORMATS_WERE_NAMED
    return int(made_by) if isinstance(made_by, str) and re.fullmatch(r"[1-9][0-9]{0,3}", made_by) \
        else None


def _content_id_problems(files: dict[str, _Member]) -> list[str]:
    """The checks every format since the content id passes: the documents carry the content
    id of the files SHA256SUMS lists (not re-made after a file changed)."""
    docs: dict[str, Any] = {}
    problems: list[str] = []
    for name in DOCUMENTS:
        text, unread = _text_of(files, name)
        try:
            docs[name] = text if text is None or name == "README.md" else strict_json(text)
        except ValueError as exc:
            problems.append(f"{name}: not valid JSON ({exc})")
        problems += unread
    croissant, package, card = (docs.get(n) for n in ("croissant.json", "datapackage.json",
                                                      "README.md"))
    listed = _listed_sums(files)
    content_id = content_digest(listed)
    problems += _package_problems(files, package, listed)
    for name, doc in (("croissant.json", croissant), ("datapackage.json", package)):
        problems += _version_problems(name, doc.get("version") if isinstance(doc, dict)
                                      else None, content_id)
    title = card.split("\n# ", 1)[-1].split("\n", 1)[0] if isinstance(card, str) else ""
    if f"+{content_id})" not in title:
        problems.append(f"README.md: title does not carry the content id {content_id} "
                        "of SHA256SUMS")
    return _resigned(croissant, package, card, content_id) + problems


def _text_of(files: dict[str, _Member], name: str) -> tuple[str | None, list[str]]:
    """(text, []) of a text member, or (None, why it has none): absent, or present but not
    read (not UTF-8, a compression bomb), which is never called missing."""
    member = files.get(name)
    if member is None:
        return None, [f"{name}: missing from the archive"]
    if member.text is None:
        return None, [f"{name}: {member.unread or 'not read'}"]
    return member.text, []


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
                 image_size: tuple[int, int] | None = None, unread: str | None = None):
        self.sha256 = sha256
        self.text = text
        self.size = size
        self.image_size = image_size  # (width, height) of an image; None: not one, unreadable
        self.unread = unread  # why a text member's text was not kept (not UTF-8, too big)


class _TextBudget:
    """How much text the members may hold together: past ``_TEXT_PER_ARCHIVE_BYTE`` times
    the download (or, in a folder, its files other than text) it is a compression bomb, not
    deckgen's (its text is a small part of a bundle of images)."""

    def __init__(self, measured: int, *, folder: bool = False):
        self.limit = max(_TEXT_FLOOR, _TEXT_PER_ARCHIVE_BYTE * measured)
        self.place = "folder" if folder else "archive"
        self.held = 0

    def allows(self, size: int) -> bool:
        return self.held + size <= self.limit

    def refusal(self, size: int) -> str:
        """Why a text member of ``size`` bytes was not read."""
        measure = "the download" if self.place == "archive" else "the folder's other files"
        shared = "" if size > self.limit else f" which with the {self.place}'s other text is"
        return (f"{size:,} bytes of text,{shared} more than {_TEXT_PER_ARCHIVE_BYTE} times "
                f"{measure}; not read (a compression bomb?)")


class _StreamError(Exception):
    """The gzip stream is incomplete or followed by other data; the message says which."""


class _Refused(Exception):
    """A member refused before a byte of it is read (sparse, or declaring a compression
    bomb's size): the archive is read no further."""


class _GzipMember:
    """The first gzip member of a file, decompressed as read, in bounded memory.

    zlib checks the member's CRC-32 and length trailer; a file that ends before
    the trailer raises ``_StreamError``, and so does a tar that goes on in a second gzip
    member. ``finish`` then insists that nothing but tar padding follows the tar end
    marker and nothing follows the gzip member.
    """

    def __init__(self, raw: io.BufferedIOBase):
        self._raw = raw
        self._inflate = zlib.decompressobj(16 + zlib.MAX_WBITS)  # gzip wrapper, one member
        self._pending = memoryview(b"")
        self._peeked = b""  # raw bytes read to see what follows the member

    def _inflated(self, size: int) -> bytes:
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

    def read(self, size: int = -1) -> bytes:
        """For tarfile, which asks only for what its archive still needs: a tar going on
        past the first gzip member is a gzip of several members (bgzip, `cat a.gz b.gz`),
        which tarfile would call an unexpected end of data, as if truncated."""
        out = self._inflated(size)
        if not out and size and self._next_gzip_member():
            raise _StreamError("a gzip of several members (as bgzip or `cat a.gz b.gz` "
                               "write), not an archive deckgen wrote; re-compress it with plain "
                               "gzip (`gzip -dc in.tar.gz | gzip -n > out.tar.gz`) to check it")
        return out

    def _next_gzip_member(self) -> bool:
        following = self._inflate.unused_data[:2]
        if len(following) < 2:
            self._peeked = self._raw.read(2 - len(following))  # counted by ``finish``
            following += self._peeked
        return following == b"\x1f\x8b"

    def finish(self) -> None:
        while block := self._inflated(_CHUNK):
            if block.strip(b"\0"):
                raise _StreamError("data after the end of the tar archive (tar -i would "
                                   "extract it); not an archive deckgen wrote")
        extra = len(self._inflate.unused_data) + len(self._peeked)
        while block := self._raw.read(_CHUNK):
            extra += len(block)
        if extra:
            raise _StreamError(f"{extra} bytes after the end of the gzip stream (another gzip "
                               "member or appended data); not an archive deckgen wrote")


class _Entries:
    """The archive's members as read, before it is known which folder holds the bundle:
    files by their path (``.`` parts dropped), top-level folders, macOS metadata."""

    def __init__(self, archive_size: int):
        self.files: dict[tuple[str, ...], _Member] = {}
        self.folders: set[str] = set()
        self.mac_metadata: list[str] = []
        self.budget = _TextBudget(archive_size)
        self.archive_size = archive_size
        self.declared = 0  # the sizes the members so far declare, skipped ones included


def _read_archive(archive: Path) -> tuple[dict[str, _Member], list[str]]:
    problems: list[str] = []
    entries = _Entries(archive.stat().st_size)
    with open(archive, "rb") as raw:
        stream = _GzipMember(raw)
        with tarfile.open(fileobj=stream, mode="r|") as tar:  # type: ignore[call-overload]
            for info in tar:
                problems += _read_member(tar, info, entries)
        stream.finish()
    files, layout_problems = _bundle_files(entries)
    return files, problems + layout_problems


def _bundle_files(entries: _Entries) -> tuple[dict[str, _Member], list[str]]:
    """The bundle's files by their name in it, and the members outside it.

    The bundle sits in one top folder (whatever its name) or at the archive's root (`tar
    czf x.tar.gz *` run in the folder): the one holding most of the bundle's text files.
    """
    root = _bundle_root(entries.files)
    files = {"/".join(path[len(root):]): member for path, member in entries.files.items()
             if path[:len(root)] == root}
    problems = []
    if root:
        problems += [f"{'/'.join(path)}: outside the bundle's top-level folder"
                     for path in entries.files if len(path) == 1]
        folders = entries.folders | {path[0] for path in entries.files if len(path) > 1}
        if len(folders) > 1:
            problems.append(f"archive has several top-level folders: {', '.join(sorted(folders))}")
    mac = entries.mac_metadata
    if mac:
        named = ", ".join(mac[:3]) + (", …" if mac[3:] else "")
        problems.append(f"{len(mac)} macOS metadata members ({named}), which a Mac adds when "
                        "it repacks an archive: not the dataset, and not an archive deckgen "
                        "wrote; check the published archive, or unpack this one and check the "
                        "folder")
    return files, problems


def _bundle_root(paths: dict[tuple[str, ...], _Member]) -> tuple[str, ...]:
    """() for a bundle at the archive's root, (top folder,) for one in a folder."""
    def held(root: tuple[str, ...]) -> int:
        return sum((*root, name) in paths for name in TEXT_MEMBERS)

    tops = {path[0] for path in paths if len(path) > 1}
    in_one_folder = len(tops) == 1 and all(len(path) > 1 for path in paths)
    candidates = [(held((top,)), True, (top,)) for top in sorted(tops)]
    candidates.append((held(()), not in_one_folder, ()))
    return max(candidates)[2]


def _is_mac_metadata(parts: tuple[str, ...]) -> bool:
    """What macOS adds to an archive it makes: resource forks as ``._name`` (tar) or
    under ``__MACOSX/`` (Archive Utility)."""
    return "__MACOSX" in parts or parts[-1].startswith("._")


def _refuse_unread(info: tarfile.TarInfo, entries: _Entries) -> None:
    """Raise ``_Refused`` for a member that must not be read: sparse (GNU or PAX), or
    declaring, with the members before it, more than a compression bomb would. A member
    skipped is still inflated, so every member's size counts."""
    if info.issparse():
        raise _Refused(f"{info.name}: a sparse member (as `tar --sparse` writes; it declares "
                       f"{info.size:,} bytes), not an archive deckgen wrote")
    entries.declared += info.size
    limit = max(_DECLARED_FLOOR, _DECLARED_PER_ARCHIVE_BYTE * entries.archive_size)
    if entries.declared > limit:
        raise _Refused(f"{info.name}: the members up to this one declare "
                       f"{entries.declared:,} bytes, more than {_DECLARED_PER_ARCHIVE_BYTE} "
                       f"times the download ({entries.archive_size:,} bytes); not read (a "
                       "compression bomb?)")


def _read_member(tar: tarfile.TarFile, info: tarfile.TarInfo, entries: _Entries) -> list[str]:
    _refuse_unread(info, entries)
    raw_parts = info.name.split("/")
    if info.name.startswith("/") or ".." in raw_parts:
        return [f"{info.name}: unsafe member path"]
    parts = tuple(part for part in raw_parts if part not in ("", "."))  # ./x is x
    if not parts:
        return [] if info.isdir() else [f"{info.name}: unsafe member path"]
    if not (info.isdir() or info.isfile()):
        return [f"{info.name}: not a regular file"]
    if _is_mac_metadata(parts):
        entries.mac_metadata.append(info.name)
        return []
    if info.isdir():
        entries.folders.add(parts[0])
        return []
    if parts in entries.files:  # `tar -k` keeps the first copy, plain tar the last: either bad
        return [f"{info.name}: in the archive twice"]
    fh = tar.extractfile(info)
    assert fh is not None
    # the bundle's own folder is known only at the end: read as the bundle's file under
    # either layout (at the root, in a top folder)
    names = ("/".join(parts), "/".join(parts[1:]))
    entries.files[parts] = _read_content(
        fh, text=any(name in TEXT_MEMBERS for name in names),
        image=any(name.startswith("images/") for name in names), budget=entries.budget)
    return []


def _bundle_folder(folder: Path) -> Path:
    """The folder holding SHA256SUMS: ``folder``, or its one subfolder (the folder
    `tar -xzf` was run in)."""
    subfolders = [p for p in folder.iterdir() if p.is_dir() and not p.is_symlink()
                  and p.name != "__MACOSX"]
    if not (folder / "SHA256SUMS").exists() and len(subfolders) == 1:
        return subfolders[0]
    return folder


def _not_a_bundle(folder: Path) -> str:
    """Why ``folder`` is no unpacked bundle (none of its text files is there): '' if it is one."""
    if any((folder / name).exists() for name in TEXT_MEMBERS):
        return ""
    archives = sorted(p.name for p in folder.iterdir()
                      if p.is_file() and p.name.endswith((".tar.gz", ".tgz")))
    said = (f"{folder}: not an unpacked bundle (none of SHA256SUMS, metadata.jsonl, README.md "
            "is in it)")
    if len(archives) == 1:
        return (f"{said}; it holds the archive {archives[0]}: check that, `deckgen bundle "
                f"verify {folder / archives[0]}`")
    if archives:
        return f"{said}; it holds the archives {', '.join(archives)}: pass one of them"
    return f"{said}; pass the .tar.gz, or the folder it unpacks to"


def _read_folder(folder: Path) -> tuple[dict[str, _Member], list[str], list[str]]:
    """(files, problems, skipped) of an unpacked bundle: a file the operating system left
    there (.DS_Store, Thumbs.db, ._*) is skipped, as `sha256sum -c` does not see it."""
    regular: dict[str, Path] = {}
    problems: list[str] = []
    skipped: list[str] = []
    for path in sorted(folder.rglob("*")):
        name = path.relative_to(folder).as_posix()
        if is_system_file(path.name) and path.is_file() and not path.is_symlink():
            skipped.append(name)
        elif path.is_symlink() or not (path.is_dir() or path.is_file()):
            problems.append(f"{name}: not a regular file")
        elif path.is_file():
            regular[name] = path
    budget = _TextBudget(sum(_stored_size(path) for name, path in regular.items()
                             if name not in TEXT_MEMBERS), folder=True)
    files: dict[str, _Member] = {}
    for name, path in regular.items():
        with open(path, "rb") as fh:
            files[name] = _read_content(fh, text=name in TEXT_MEMBERS,
                                        image=name.startswith("images/"), budget=budget)
    return files, problems, skipped


def _stored_size(path: Path) -> int:
    """The bytes a file takes on disk: a sparse file's holes count for nothing, so a sparse
    image (`truncate -s 1T`) lends the folder's text no budget."""
    stat = path.stat()
    blocks = getattr(stat, "st_blocks", None)  # None on Windows
    return stat.st_size if blocks is None else min(stat.st_size, blocks * 512)


def _read_content(fh: IO[bytes], *, text: bool, image: bool, budget: _TextBudget) -> _Member:
    """Hash one member; keep a text member's text (while ``budget`` allows) and an
    image's size (read from its head)."""
    digest = hashlib.sha256()
    kept = bytearray()  # text members and the head of an image: images are never held
    size = 0
    is_text = text
    while block := fh.read(_CHUNK):
        digest.update(block)
        size += len(block)
        if is_text and not budget.allows(size):
            is_text, kept = False, bytearray()  # hashed on, never held
        if is_text:
            kept += block
        elif image and len(kept) < IMAGE_HEAD:
            kept += block[:IMAGE_HEAD - len(kept)]
    content, unread = None, None
    if text and not is_text:
        unread = budget.refusal(size)
    elif is_text:
        budget.held += len(kept)
        try:
            content = kept.decode("utf-8")
        except UnicodeDecodeError:
            unread = "not UTF-8 text"
    return _Member(digest.hexdigest(), content, size,
                   image_size(bytes(kept)) if image else None, unread)


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
        problems += _package_problems(files, package, listed)
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
    return _resigned(croissant, package, card, content_id) + problems


def _package_problems(files: dict[str, _Member], package: Any,
                      listed: dict[str, str]) -> list[str]:
    """datapackage.json's hash and size of each resource (the card, the data files) agree
    with SHA256SUMS and the files: every format has them."""
    if not isinstance(package, dict):
        return []
    problems = _not_a_list("datapackage.json", package, "resources")
    for res in _list(package.get("resources")):
        name = res.get("path") if isinstance(res, dict) else None
        if name is None:
            continue
        if res.get("hash") != f"sha256:{listed.get(name)}":
            problems.append(f"datapackage.json: hash of {name} differs from SHA256SUMS")
        elif res.get("bytes") != _size(files, name):
            problems.append(f"datapackage.json: bytes of {name} is not its size")
    return problems


def _resigned(croissant: Any, package: Any, card: Any, content_id: str) -> list[str]:
    """What it means when all three documents carry one content id, and the files listed
    in SHA256SUMS another: the checksums pass, yet the files are not the published ones."""
    carried = set()
    for doc in (croissant, package):
        version = doc.get("version") if isinstance(doc, dict) else None
        match = re.fullmatch(r"\d+\.0\.0\+([0-9a-f]{12})", version) \
            if isinstance(version, str) else None
        carried.add(match[1] if match else None)
    title = card.split("\n# ", 1)[-1].split("\n", 1)[0] if isinstance(card, str) else ""
    match = re.search(r"\+([0-9a-f]{12})\)", title)
    carried.add(match[1] if match else None)
    if len(carried) != 1 or None in carried or content_id in carried:
        return []
    return [f"SHA256SUMS: lists other files than the dataset was published with (its "
            f"documents carry the content id {carried.pop()}, the files listed make "
            f"{content_id}): SHA256SUMS was re-made after a file changed, so this copy is not "
            "the published dataset"]


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
    sums_text, unread = _text_of(files, "SHA256SUMS")
    if sums_text is None:
        return unread
    problems = []
    listed: set[str] = set()
    for number, line in enumerate(_lines(sums_text), 1):
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
    text, unread = _text_of(files, "metadata.jsonl")
    if text is None:
        return unread, []
    problems: list[str] = []
    ids: list[str] = []
    slides: list[Row] = []
    for number, line in enumerate(_lines(text), 1):
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
