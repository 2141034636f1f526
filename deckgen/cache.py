"""Content-addressed store for stage results.

A key is the SHA-256 of (stage name, stage version, the stage's parameters,
the keys or hashes of its inputs), so a result is reused exactly when nothing
it depends on changed, and changing one parameter invalidates that stage and,
through the chained keys, every stage after it.

Each entry is ``<sha256 of payload> <key>.<kind>\\n<payload>``: a truncated or
corrupted entry fails the check, and one that records another key or kind (a file
copied or renamed over another's name) is not this entry's result; either is
deleted and recomputed, never served. So is a directory or other non-file where an
entry should be. An entry the OS refuses to read stops the build with a ConfigError
naming it: recomputing it would fail to write it just the same.
Writes are atomic (temp file + ``os.replace``) so a killed build never leaves a torn
entry. Workers read entries too (Dask workers share the path), and a worker that
finds a damaged one deletes it like the parent does; new results are written by the
parent.
"""

from __future__ import annotations

import dataclasses
import errno
import hashlib
import json
import os
import shutil
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from deckgen.errors import ConfigError
from deckgen.files import atomic_write, remove_temp_files, sha256_bytes


def _canonical(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _canonical(dataclasses.asdict(value))
    if isinstance(value, dict):
        return {str(k): _canonical(v) for k, v in sorted(value.items())}
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    return value


def stage_key(stage: str, version: str, params: Any, *inputs: str) -> str:
    """The cache key of one stage result: a pure function of what it depends on."""
    blob = json.dumps(
        {"stage": stage, "version": version, "params": _canonical(params), "inputs": list(inputs)},
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(blob.encode()).hexdigest()


@dataclass(frozen=True)
class PruneResult:
    deleted: int  # entries deleted (or that would be, with dry_run)
    bytes: int  # their size
    kept_recent: int  # entries kept because they are newer than the last finished build


def _cache_problem(verb: str, path: Path, exc: OSError) -> ConfigError:
    cache = path.parents[2]  # <cache>/objects/<xx>/<entry>
    return ConfigError(
        f"cannot {verb} cache entry {path}: {exc.strerror or exc}; fix the permissions of "
        f"{cache}, or delete the entry, or use another --cache"
    )


class Cache:
    def __init__(self, root: Path):
        self.root = Path(root)
        self.corrupt_entries = 0  # how many bad entries were found and dropped

    def sweep_temp_files(self) -> int:
        """Remove temp files of a killed write. Only the parent calls this, before any work."""
        return remove_temp_files(self.root / "objects")

    def prune(
        self, keep: set[str], *, newer_than_ns: int | None = None, dry_run: bool = False
    ) -> PruneResult:
        """Delete every entry whose key is not in ``keep``, except those modified at or
        after ``newer_than_ns`` (the last finished build's manifest): a build killed since
        wrote them, and the next build picks them up instead of computing them again."""
        count = size = recent = 0
        for path in (self.root / "objects").glob("*/*"):
            if path.name.startswith(".") or path.name.partition(".")[0] in keep:
                continue
            info = path.lstat()
            if newer_than_ns is not None and info.st_mtime_ns >= newer_than_ns:
                recent += 1
                continue
            count, size = count + 1, size + info.st_size
            if not dry_run:
                self._remove(path)
        return PruneResult(count, size, recent)

    def _path(self, key: str, kind: str) -> Path:
        return self.root / "objects" / key[:2] / f"{key}.{kind}"

    def get(self, key: str, kind: str = "json") -> bytes | None:
        path = self._path(key, kind)
        try:
            if not stat.S_ISREG(path.lstat().st_mode):  # a folder, a link, a FIFO: never ours
                return self._drop(path)
            raw = path.read_bytes()
        except FileNotFoundError:
            return None
        except PermissionError as exc:
            raise _cache_problem("read", path, exc) from None
        header, sep, payload = raw.partition(b"\n")
        digest, spaced, name = header.partition(b" ")
        if not sep or digest.decode("ascii", "replace") != sha256_bytes(payload):
            return self._drop(path)
        # An entry written before entries named themselves (header: the digest alone) has
        # no key to check; it gains one when it is next rewritten. Recomputing every such
        # entry instead would cost each user their whole cache.
        if spaced and name.decode("ascii", "replace") != path.name:
            return self._drop(path)  # intact, but another entry's result
        return payload

    def _drop(self, path: Path) -> None:
        """Delete a damaged entry; the caller computes it again."""
        self.corrupt_entries += 1
        self._remove(path)

    @staticmethod
    def _remove(path: Path) -> None:
        try:
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink(missing_ok=True)
        except FileNotFoundError:  # a worker dropped it first
            pass
        except PermissionError as exc:
            raise _cache_problem("remove", path, exc) from None

    def put(self, key: str, payload: bytes, kind: str = "json") -> None:
        path = self._path(key, kind)
        if path.is_dir() and not path.is_symlink():  # os.replace cannot put a file over it
            self._drop(path)
        entry = f"{sha256_bytes(payload)} {path.name}\n".encode() + payload
        try:
            atomic_write(path, entry, durable=True)
        except PermissionError as exc:
            raise _cache_problem("write", path, exc) from None

    def has(self, key: str, kind: str = "json") -> bool:
        """Whether the entry is there to read (its check comes with ``get``). The build
        asks this in the parent for entries a worker reads: an unreadable one stops the
        build here, clearly, not as a failed slide left out of the site."""
        path = self._path(key, kind)
        try:
            if not stat.S_ISREG(path.lstat().st_mode):
                return False  # a folder or other non-file: get or put drops it
        except FileNotFoundError:
            return False
        except PermissionError as exc:
            raise _cache_problem("read", path, exc) from None
        if not os.access(path, os.R_OK):
            raise _cache_problem("read", path, PermissionError(errno.EACCES, "Permission denied"))
        return True

    def get_json(self, key: str) -> Any | None:
        payload = self.get(key, "json")
        return None if payload is None else json.loads(payload)

    def put_json(self, key: str, value: Any) -> None:
        self.put(key, json.dumps(value, sort_keys=True, ensure_ascii=False).encode(), "json")

    def get_files(self, key: str) -> dict[str, bytes] | None:
        payload = self.get(key, "files")
        if payload is None:
            return None
        header, _, body = payload.partition(b"\n")
        files, start = {}, 0
        for name, size in json.loads(header):
            files[name] = body[start : start + size]
            start += size
        return files

    def put_files(self, key: str, files: dict[str, bytes]) -> None:
        """Several files as one entry (one checksum, one write): a JSON line of names and
        sizes, then their bytes."""
        header = json.dumps([[name, len(data)] for name, data in files.items()]).encode()
        self.put(key, header + b"\n" + b"".join(files.values()), "files")
