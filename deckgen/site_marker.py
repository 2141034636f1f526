"""The ``.deckgen-site`` marker a finished site stage leaves in the output folder.

It records the site's files (names, sizes and their digest) and the files the stage
kept as the user's. ``deckgen deploy`` refuses a folder without one, with one marked
unfinished, or whose files no longer match it, so a half-written or damaged site never
goes live; the next build reads it to tell the root pages it made from the user's
(QA-72). It is never uploaded (``deploy.LOCAL_ONLY``).
"""

from __future__ import annotations

import json
from pathlib import Path

from deckgen.files import atomic_write, content_listing, content_stamp, name_few

SITE_MARKER = ".deckgen-site"  # in --out: a finished site's files, for deploy to check


def site_marker(site_dir: Path, kept: list[str] | None = None) -> bytes:
    """SITE_MARKER's content for a finished site: the digest of its files' names and sizes
    (``content_stamp``), the names and sizes themselves, so that deploy can name what
    changed since, and the files the site stage ``kept`` as the user's, so that the next
    build knows the rest for its own."""
    return json.dumps({"stamp": content_stamp(site_dir), "files": content_listing(site_dir),
                       "kept": kept or []}, separators=(",", ":")).encode()


def read_marker(site_dir: Path) -> dict:
    """SITE_MARKER as JSON ({} when there is none or it cannot be read)."""
    try:
        built = json.loads((Path(site_dir) / SITE_MARKER).read_text())
    except (OSError, ValueError):
        return {}
    return built if isinstance(built, dict) else {}


def mark_unfinished(site_dir: Path) -> None:
    """Mark the site as not finished before its stage changes it (deploy refuses it), and
    keep the last finished stage's record of its files: a build that fails in this stage
    would otherwise leave the next one no way to tell deckgen's old pages (QA-72)."""
    built = read_marker(site_dir)
    if built:
        atomic_write(Path(site_dir) / SITE_MARKER,
                     json.dumps({**built, "unfinished": True}, separators=(",", ":")).encode())
    else:
        (Path(site_dir) / SITE_MARKER).unlink(missing_ok=True)


def site_finished(site_dir: Path) -> bool:
    """Whether the site's last build finished its site stage (a marker, not unfinished)."""
    built = read_marker(site_dir)
    return bool(built) and not built.get("unfinished")


def unfinished_site(site_dir: Path) -> str | None:
    """Why ``site_dir`` is not as a finished build left it (None: it is). The site stage
    records its files' names and sizes in SITE_MARKER when it finishes; hidden files
    (``.well-known/``) are the user's to add. A marker from before the names were recorded
    (the digest alone) still tells a changed site, without naming the files."""
    if not site_finished(site_dir):
        return f"{site_dir} is not a finished deckgen build (killed halfway, or not built yet)"
    built = read_marker(site_dir)
    if built.get("stamp") != content_stamp(Path(site_dir)):
        return (f"{site_dir} changed since `deckgen build` wrote it: "
                + _site_changes(built.get("files"), Path(site_dir)))
    return None


def _site_changes(built: object, site_dir: Path, named: int = 5) -> str:
    """The first ``named`` files added, deleted, resized or replaced by a link since the
    build, as one phrase ("notes.txt added, index.html~ added")."""
    if not isinstance(built, dict):  # an older build's marker
        return "a file added, deleted, resized or replaced by a link"
    now = content_listing(site_dir)
    changes = [f"{rel} {_change(built.get(rel), now.get(rel))}"
               for rel in sorted(built.keys() | now.keys()) if built.get(rel) != now.get(rel)]
    return name_few(changes, named, ", +{n} more") or "a file added, deleted or resized"


def _change(before: object, after: object) -> str:
    """How one file differs from the build's record of it (a size, "link", or None)."""
    if before is None:
        return "added"
    if after is None:
        return "deleted"
    if after == "link":
        return "replaced by a link"
    return "resized" if before != "link" else "replaced by a file"
