"""What the CDN keeps and for how long: each key's Cache-Control, and the paths a
deploy invalidates for the keys it changed or deleted (wildcards where a folder is gone,
CloudFront billing per path), and how stale keys are named for the user."""

from __future__ import annotations

import posixpath
import re
from urllib.parse import quote

from deckgen.files import name_few

IMMUTABLE = "public, max-age=31536000, immutable"
SHORT = "public, max-age=60, must-revalidate"
MAX_INVALIDATION_PATHS = 1000  # beyond this one wildcard is cheaper and within quota
SEARCH_EXACT_PATHS = 5  # more search/ paths than this go as one /search/* (one billed path)
_URL_SAFE = "/~-._"
_HASHED_NAME = re.compile(r"\.[0-9a-f]{8,64}\.")


def cache_control(rel: str) -> str:
    """Immutable for content-hashed names and slide images, short for everything else."""
    if _HASHED_NAME.search(posixpath.basename(rel)) or rel.startswith("img/"):
        return IMMUTABLE
    return SHORT


def merge_paths(paths: list[str], more: list[str], prefix: str = "") -> list[str]:
    """Both lists of invalidation paths as one: nothing a wildcard covers, bounded."""
    merged = set(paths) | set(more)
    bases = {p[:-1] for p in merged if p.endswith("*")}
    merged = {p for p in merged if not any(p != b + "*" and p.startswith(b) for b in bases)}
    if len(merged) > MAX_INVALIDATION_PATHS:
        return [f"/{prefix}*"]
    return sorted(merged)


def invalidation_paths(changed: list[str], deleted: list[str], *, site_keys: set[str],
                       existing: set[str], prefix: str = "") -> list[str]:
    """The CloudFront paths to invalidate after uploading ``changed`` and deleting ``deleted``.

    A changed key is invalidated only when it replaced an object in the bucket: a key new
    to the bucket can be at the edge only as a cached 404, which CloudFront keeps for
    ``ErrorCachingMinTTL`` (60 s in infra/site.yaml, the pages' own max-age), so a first
    deploy sends none (it sent one billed path per page). Every deleted key is, hashed or not:
    edge caches would serve a taken-down deck's images for a year. Deleted keys collapse
    into ``/folder/*`` wildcards (CloudFront bills per path, a wildcard being one):

    - the topmost folder that keeps no file (a deck taken down: ``/img/acme/*``);
    - else the deleted key's own folder when every file that stays in it is content-hashed
      (a re-upscaled deck deletes six images per slide beside their new names). This
      over-invalidates on purpose: a hashed name always holds the same bytes, so dropping
      it from edge caches costs one origin fetch and never changes what a visitor sees,
      and the new names it also covers were never cached.

    A folder that keeps a page or another short-lived file is never wildcarded: its deleted
    keys get one path each. The exception is ``search/``: past SEARCH_EXACT_PATHS paths it is
    one ``/search/*`` (its entry file, refetched with the shards, is short-lived anyway).
    Over MAX_INVALIDATION_PATHS, everything is one ``/prefix*``.
    """
    kept, mutable = _kept_folders(site_keys, prefix)
    exact = [k for k in changed if k in existing]
    by_folder: dict[str, list[str]] = {}
    for key in deleted:
        folder = _gone_folder(key, kept, prefix)
        parent = posixpath.dirname(key)
        if folder is None and parent not in mutable and len(parent) > len(prefix.rstrip("/")):
            folder = parent  # never the site's top folder: that would be every file
        if folder is None:
            exact.append(key)
        else:
            by_folder.setdefault(folder, []).append(key)
    wildcards = set()
    for folder, keys in by_folder.items():
        if len(_exact_paths(keys)) > 1:
            wildcards.add("/" + (quote(folder, safe=_URL_SAFE) + "/" if folder else ""))
        else:
            exact += keys
    search = [k for k in exact if k.startswith(prefix + "search/")]
    if len(_exact_paths(search)) > SEARCH_EXACT_PATHS:  # old shards: the client refetches all
        wildcards.add("/" + quote(prefix + "search/", safe=_URL_SAFE))
    paths = _exact_paths(exact) | {base + "*" for base in wildcards}
    paths = {p for p in paths if not any(p != b + "*" and p.startswith(b) for b in wildcards)}
    if len(paths) > MAX_INVALIDATION_PATHS:
        return [f"/{prefix}*"]
    return sorted(paths)


def group_keys(keys: list[str], *, site_keys: set[str], prefix: str = "") -> list[dict]:
    """Name stale or deleted ``keys`` briefly: a folder the site no longer has as one entry
    (``whole_folder``), else the keys of one folder together; whole folders first."""
    kept, _ = _kept_folders(site_keys, prefix)
    groups: dict[tuple[str, bool], list[str]] = {}
    for key in keys:
        folder = _gone_folder(key, kept, prefix)
        where = (folder, True) if folder is not None else (posixpath.dirname(key), False)
        groups.setdefault(where, []).append(key)
    named = [{"path": folder + "/", "files": len(members), "whole_folder": whole}
             if len(members) > 1 else {"path": members[0], "files": 1, "whole_folder": False}
             for (folder, whole), members in groups.items()]
    return sorted(named, key=lambda g: (not g["whole_folder"], g["files"] > 1, g["path"]))


def describe_groups(groups: list[dict], limit: int = 4) -> str:
    """``group_keys`` as one short line: "slide/acme/ (29 files), deck/acme.html, +2 more"."""
    names = [f"{g['path']} ({g['files']} files)" if g["whole_folder"]
             else f"{g['files']} files in {g['path']}" if g["files"] > 1
             else g["path"] for g in groups]
    return name_few(names, limit, ", +{n} more")


def _kept_folders(site_keys: set[str], prefix: str) -> tuple[set[str], set[str]]:
    """Every folder that keeps a file, and those keeping one whose name is not hashed."""
    kept: set[str] = set()
    mutable: set[str] = set()
    for key in site_keys:
        hashed = cache_control(key[len(prefix):]) == IMMUTABLE
        folder = key
        while folder:
            folder = posixpath.dirname(folder)
            kept.add(folder)
            if not hashed:
                mutable.add(folder)
    return kept, mutable


def _gone_folder(key: str, kept: set[str], prefix: str) -> str | None:
    """The topmost folder above ``key`` (inside the prefix) that keeps no file, if any."""
    folders = []
    folder = key
    while folder:
        folder = posixpath.dirname(folder)
        if (folder + "/").startswith(prefix) or not prefix:
            folders.append(folder)
    return next((f for f in reversed(folders) if f not in kept), None)


def _exact_paths(keys: list[str]) -> set[str]:
    paths = set()
    for key in keys:
        paths.add("/" + quote(key, safe=_URL_SAFE))
        if posixpath.basename(key) == "index.html":  # also served at its folder's URL
            folder = posixpath.dirname(key)
            paths.add("/" + (quote(folder, safe=_URL_SAFE) + "/" if folder else ""))
    return paths


def classify_deletions(keys: list[str], *, site_keys: set[str], new_keys: set[str],
                       prefix: str = "") -> dict:
    """Why ``keys`` would go, to tell an upgrade from a partial site in a refusal:

    - ``renamed``: in a folder the site fills with new files (every image renamed by an
      upgrade or a re-encode: the gallery is whole, its names changed);
    - ``gone``: in a folder the site no longer has at all (a deck missing: a site built from
      part of the corpus takes the gallery down); ``gone_folders`` names those folders
      (topmost, ``{"path": "img/oldco/", "files": 12}``), most files first;
    - ``dropped``: in a folder the site keeps, with no new files there (files it dropped).
    """
    kept, _ = _kept_folders(site_keys, prefix)
    filled = {posixpath.dirname(k) for k in new_keys}
    counts = {"renamed": 0, "gone": 0, "dropped": 0}
    gone_folders: dict[str, int] = {}
    for key in keys:
        folder = _gone_folder(key, kept, prefix)
        if folder is not None:
            counts["gone"] += 1
            gone_folders[folder + "/"] = gone_folders.get(folder + "/", 0) + 1
        elif posixpath.dirname(key) in filled:
            counts["renamed"] += 1
        else:
            counts["dropped"] += 1
    named = sorted(gone_folders.items(), key=lambda item: (-item[1], item[0]))
    return {**counts, "gone_folders": [{"path": p, "files": n} for p, n in named]}
