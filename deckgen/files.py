"""Small file helpers every stage shares: hashing, crash-safe writes, a lock."""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from deckgen.errors import DeckgenError


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


# mkstemp creates 0600 files; outputs must be readable by a web server's user, so every
# output written through a temp file gets the mode a plain open() would have given it
_UMASK = os.umask(0)
os.umask(_UMASK)
OUTPUT_MODE = 0o666 & ~_UMASK


def atomic_write(path: Path, data: bytes, *, durable: bool = False) -> None:
    """Write to a temp file in the same folder, then rename it over ``path``.

    A build killed at any instant leaves either the old file or the new one,
    never a torn one. ``durable`` also fsyncs, so the entry survives a power
    loss; the cache asks for it, site files (cheap to rebuild) do not.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            if durable:
                fh.flush()
                os.fsync(fh.fileno())
        os.chmod(tmp, OUTPUT_MODE)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_if_changed(path: Path, data: bytes) -> bool:
    """Atomically write ``data`` unless the file already holds exactly it.

    Keeps mtimes of unchanged outputs stable (incremental deploys, rsync, make).
    Returns True when the file was written.
    """
    path = Path(path)
    try:
        if path.stat().st_size == len(data) and path.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    atomic_write(path, data)
    return True


@contextmanager
def exclusive_lock(lock_file: Path) -> Iterator[None]:
    """Held by one process at a time (one build per cache folder); the OS drops it when
    the process dies, so a killed build never leaves the folder locked."""
    import fcntl

    with open(lock_file, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            owner = handle.read().strip() or "another process"
            raise DeckgenError(f"another deckgen build ({owner}) is using {lock_file.parent}; "
                               "wait for it to finish, or give this one another --cache") from None
        handle.truncate(0)
        handle.write(f"pid {os.getpid()}")
        handle.flush()
        yield


def _files(folder: Path, *, hidden: bool):
    """(relative path, lstat) of every file under ``folder``, in a fixed order; links are
    not followed (a dangling one is no error) and a file gone while we look is skipped."""
    for parent, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if hidden or not d.startswith("."))
        for name in sorted(f for f in files if hidden or not f.startswith(".")):
            path = os.path.join(parent, name)
            try:
                info = os.lstat(path)
            except FileNotFoundError:
                continue
            yield os.path.relpath(path, folder), info  # "site" and "./site" stamp alike


def tree_stamp(folder: Path) -> str:
    """A digest of every file's path, size and modification time under ``folder``: a
    file deleted, added or rewritten changes it, found without reading any file."""
    digest = hashlib.sha256()
    for rel, info in _files(folder, hidden=True):
        digest.update(f"{rel}\0{info.st_size}\0{info.st_mtime_ns}\n".encode())
    return " " + digest.hexdigest()


def content_stamp(folder: Path) -> str:
    """A digest of the path and size of every file under ``folder`` but hidden ones
    (``.well-known/`` added by hand): survives a copy, unlike modification times."""
    digest = hashlib.sha256()
    for rel, info in _files(folder, hidden=False):
        digest.update(f"{rel}\0{info.st_size}\n".encode())
    return digest.hexdigest()
