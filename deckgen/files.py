"""Small file helpers every stage shares: hashing, crash-safe writes, locks, and spool
folders that a killed run leaves are swept."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import stat
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]

from deckgen.errors import BusyError


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


@contextmanager
def temp_file(path: Path, *, durable: bool = False) -> Iterator[tuple[IO[bytes], Path]]:
    """A new file beside ``path`` to write it through, open for binary writing, and its
    own path. The one place temp files are named: ``.<name>.<random>.tmp``, what
    ``remove_temp_files`` sweeps after a killed process and deploy never uploads
    (``deploy.LOCAL_ONLY``); its mode is what a plain open() gives. When the block ends
    it is closed (``durable``: fsynced first, so it survives a power loss) and moved over
    ``path``, unless the block deleted it; it is deleted if anything fails."""
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    tmp = Path(name)
    try:
        with os.fdopen(fd, "wb") as fh:
            os.chmod(tmp, OUTPUT_MODE)
            yield fh, tmp
            if durable:
                fh.flush()
                os.fsync(fh.fileno())
        if tmp.exists():
            os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def atomic_write(path: Path, data: bytes, *, durable: bool = False) -> None:
    """Write to a temp file in the same folder, then rename it over ``path``.

    A build killed at any instant leaves either the old file or the new one,
    never a torn one. ``durable`` also fsyncs, so the entry survives a power
    loss; the cache asks for it, site files (cheap to rebuild) do not.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with temp_file(path, durable=durable) as (fh, _):
            fh.write(data)
    except OSError as exc:
        if exc.filename is None:  # a write's: say which file
            raise OSError(exc.errno, exc.strerror, str(path)) from exc
        raise


def remove_temp_files(folder: Path) -> int:
    """Delete the temp files of ``atomic_write``s that never reached os.replace (a killed
    process's ``.<name>.<random>.tmp``), in ``folder`` and below; how many there were. Only
    while no other process can be writing there (its lock held)."""
    removed = 0
    for path in Path(folder).rglob(".*.tmp"):
        if path.is_file():
            path.unlink(missing_ok=True)
            removed += 1
    return removed


def name_few(items: Sequence[str], named: int, rest: str, **fields: object) -> str:
    """The first ``named`` items, joined by ", ", then ``rest`` when some are left out:
    a format string given their count as ``{n}`` (and ``fields``: user text never goes
    into the format string itself). ``name_few(paths, 2, ", +{n} more")``: "a, b, +3 more".
    A few names tell what happened; hundreds would bury it."""
    left = len(items) - named
    return ", ".join(items[:named]) + (rest.format(n=left, **fields) if left > 0 else "")


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
def exclusive_lock(lock_file: Path,
                   advice: str = "wait for it to finish, or give this one another --cache"
                   ) -> Iterator[None]:
    """Held by one process at a time (one build per cache folder); the OS drops it when
    the process dies, so a killed build never leaves the folder locked. Without flock
    (Windows) nothing is locked. ``advice``: what to do when another process holds it;
    that refusal is a ``BusyError`` (exit 7), for a wrapper to retry later."""
    with open(lock_file, "a+") as handle:
        if fcntl is not None and not _lock(handle, blocking=False):
            handle.seek(0)
            owner = handle.read().strip() or "another process"
            raise BusyError(f"busy: another deckgen run ({owner}) is using "
                            f"{lock_file.parent}; {advice}") from None
        handle.truncate(0)
        handle.write(f"pid {os.getpid()}")
        handle.flush()
        yield


def decompression_bomb_size(exc: BaseException) -> str:
    """How large Pillow's DecompressionBombError says the image is ("240 Mpx"), or "too
    large" when its text names no pixel count."""
    found = re.search(r"\((\d+) pixels\)", str(exc))
    return f"{int(found.group(1)) / 1e6:.0f} Mpx" if found else "too large"


# files an operating system leaves in a folder by itself: Windows' thumbnail cache and
# folder settings (any case), beside macOS's .DS_Store and ._* AppleDouble files
_SYSTEM_FILES = {"thumbs.db", "ehthumbs.db", "desktop.ini", ".ds_store"}


def is_system_file(name: str) -> bool:
    """Whether a file is one the operating system wrote, not the user: never a slide, never
    uploaded."""
    return name.lower() in _SYSTEM_FILES or name.startswith("._")


@contextmanager
def folder_lock(folder: Path, option: str, advice: str = "") -> Iterator[None]:
    """Held by one process at a time on ``folder`` itself (one build per site folder, and
    no build while a deploy reads it): a flock on the folder's own descriptor, so no lock
    file lands among the files a deploy uploads; the OS drops it when the process dies.
    ``option`` names the folder's option in the refusal, a ``BusyError`` (exit 7), and
    ``advice`` says what to do instead. Without flock (Windows) nothing is locked."""
    if fcntl is None:
        yield
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            advice = advice or f"wait for it to finish, or give this one another {option}"
            raise BusyError(f"busy: another deckgen run ({_flock_owner(fd)}) is using "
                            f"{os.path.join(folder, '')}; {advice}") from None
        yield
    finally:
        os.close(fd)  # drops the lock


def _flock_owner(fd: int) -> str:
    """"pid N" of the process holding a flock on ``fd``'s file, read from Linux's
    /proc/locks; "another process" where that is not known (macOS, or it just ended)."""
    info = os.fstat(fd)
    inode = f"{os.major(info.st_dev):02x}:{os.minor(info.st_dev):02x}:{info.st_ino}"
    try:
        lines = Path("/proc/locks").read_text().splitlines()
    except OSError:
        return "another process"
    for line in lines:
        fields = line.split()  # "1: FLOCK  ADVISORY  WRITE 1234 08:01:5678 0 EOF"
        if len(fields) >= 6 and fields[1] == "FLOCK" and fields[5] == inode:
            return f"pid {fields[4]}"
    return "another process"


def _files(folder: Path, *, hidden: bool):
    """(relative path, lstat) of every file and link under ``folder``, in a fixed order;
    links are not followed, a link to a folder is one entry (a dangling one is no error),
    and a file gone while we look is skipped. Without ``hidden``, neither dotfiles nor an
    operating system's files (``desktop.ini`` that Windows' Explorer writes into a folder
    it shows)."""
    for parent, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if hidden or not d.startswith("."))
        # os.walk lists a link to a folder among the folders, and does not go in
        linked = [d for d in dirs if os.path.islink(os.path.join(parent, d))]
        for name in sorted([f for f in files
                            if hidden or not (f.startswith(".") or is_system_file(f))] + linked):
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


def content_listing(folder: Path) -> dict[str, int | str]:
    """The size of every file under ``folder`` but hidden ones (``.well-known/`` added by
    hand), by relative path, in a fixed order. A link counts as "link", never as a file of
    its size (the length of the path it names): a file replaced by one reads as a change."""
    return {rel: "link" if stat.S_ISLNK(info.st_mode) else info.st_size
            for rel, info in _files(folder, hidden=False)}


def content_stamp(folder: Path) -> str:
    """A digest of ``content_listing``: survives a copy, unlike modification times."""
    digest = hashlib.sha256()
    for rel, size in content_listing(folder).items():
        digest.update(f"{rel}\0{size}\n".encode())
    return digest.hexdigest()


_SPOOL_LOCK = ".lock"
_SPOOL_GRACE_S = 60  # a spool younger than this may be one whose lock is being taken
_UNLOCKED_SPOOL_AGE_S = 24 * 3600  # made before spools were locked: surely finished by now


@contextmanager
def spool_folder(parent: Path | None, prefix: str) -> Iterator[Path]:
    """A fresh spool folder in ``parent`` (default: the system's temp folder), its name
    starting with ``prefix``, locked while this process uses it, removed after.

    A run killed with SIGKILL cannot remove its spool, but the kernel drops its lock: the
    next run sweeps every spool in ``parent`` whose lock it can take (the ones no live
    process holds), so killed runs never pile up images in /tmp.
    """
    parent = Path(parent if parent is not None else tempfile.gettempdir())
    parent.mkdir(parents=True, exist_ok=True)
    _sweep_spools(parent, prefix)
    spool = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
    try:
        with open(spool / _SPOOL_LOCK, "wb") as lock:
            _lock(lock, blocking=True)
            yield spool
    finally:
        shutil.rmtree(spool, ignore_errors=True)


def _sweep_spools(parent: Path, prefix: str) -> None:
    now = time.time()
    for spool in parent.glob(f"{prefix}*"):
        try:
            if not spool.is_dir() or spool.is_symlink():
                continue
            age = now - spool.stat().st_mtime
            lock_path = spool / _SPOOL_LOCK
            if not lock_path.exists():  # an older deckgen's (or one between mkdtemp and lock)
                if age > _UNLOCKED_SPOOL_AGE_S:
                    shutil.rmtree(spool, ignore_errors=True)
                continue
            if age < _SPOOL_GRACE_S:
                continue
            with open(lock_path, "rb") as lock:
                if _lock(lock, blocking=False):  # no live process holds it: left by a kill
                    shutil.rmtree(spool, ignore_errors=True)
        except OSError:  # another run swept it first, or it is not ours to read
            continue


def _lock(handle: IO[Any], blocking: bool) -> bool:
    """An exclusive advisory lock on ``handle``, held until it is closed (or the process
    dies); False when another process holds it and ``blocking`` is False."""
    if fcntl is None:  # no flock (Windows): never sweep, nothing to take
        return blocking
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
    except BlockingIOError:
        return False
    return True
