"""Content-addressed store for stage results.

A key is the SHA-256 of (stage name, stage version, the stage's parameters,
the keys or hashes of its inputs), so a result is reused exactly when nothing
it depends on changed, and changing one parameter invalidates that stage and,
through the chained keys, every stage after it.

Each entry is ``<sha256 of payload>\\n<payload>``: a truncated or corrupted
entry fails the check, is deleted and recomputed, never served. Writes are
atomic (temp file + ``os.replace``) so a killed build never leaves a torn entry.
Workers read entries too (Dask workers share the path), and a worker that finds a
corrupt one deletes it like the parent does; new results are written by the parent.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path
from typing import Any

from deckgen.files import atomic_write, sha256_bytes


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


class Cache:
    def __init__(self, root: Path):
        self.root = Path(root)
        self.corrupt_entries = 0  # how many bad entries were found and dropped

    def sweep_temp_files(self) -> int:
        """Remove temp files of a killed write. Only the parent calls this, before any work."""
        stale = list((self.root / "objects").glob("*/.*.tmp"))
        for path in stale:
            path.unlink(missing_ok=True)
        return len(stale)

    def prune(self, keep: set[str], *, dry_run: bool = False) -> tuple[int, int]:
        """Delete every entry whose key is not in ``keep``; return (entries, bytes)."""
        count = size = 0
        for path in (self.root / "objects").glob("*/*"):
            if path.name.startswith(".") or path.name.partition(".")[0] in keep:
                continue
            count, size = count + 1, size + path.stat().st_size
            if not dry_run:
                path.unlink()
        return count, size

    def _path(self, key: str, kind: str) -> Path:
        return self.root / "objects" / key[:2] / f"{key}.{kind}"

    def get(self, key: str, kind: str = "json") -> bytes | None:
        path = self._path(key, kind)
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return None
        digest, sep, payload = raw.partition(b"\n")
        if not sep or digest.decode("ascii", "replace") != sha256_bytes(payload):
            self.corrupt_entries += 1
            path.unlink(missing_ok=True)
            return None
        return payload

    def put(self, key: str, payload: bytes, kind: str = "json") -> None:
        atomic_write(
            self._path(key, kind), sha256_bytes(payload).encode() + b"\n" + payload, durable=True
        )

    def has(self, key: str, kind: str = "json") -> bool:
        return self._path(key, kind).exists()

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
