"""Which site files point at which, and the upload order that keeps every link whole.

A file must not reach the bucket before the *new* files it references (an
object already in the bucket, even an old version, is fine to point at).
Files are grouped into waves: each wave depends only on earlier ones; within
one dependency level assets go before text files, text files before HTML pages,
and the sitemap and robots.txt last. Inside a cycle that order wins, and files
of one rank that reference each other in a cycle share a wave. A file already
in the bucket that a page links (the dataset archive, overwritten under its own
name) goes in the wave of the last such page, which describes it (its SHA-256).

A file references another when it names it (a link, a path in JS or JSON) or
when it holds that file's content hash: the search manifest lists its record
chunks as one run of hashes ("r.<hash>.json" is built by the browser).
"""

from __future__ import annotations

import posixpath
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

TEXT_SUFFIXES = {".html", ".htm", ".css", ".js", ".mjs", ".json", ".xml", ".txt",
                 ".webmanifest", ".svg"}
MAX_SCAN_BYTES = 8 << 20  # bigger text files are data, not pages
# a token that looks like a path to a file: "img/acme-001.320.webp", "../style.1a2b3c4d.css"
_PATH_TOKEN = re.compile(r"[\w~%./:+@-]*\.[A-Za-z0-9]{1,12}")
# a content-hashed name ("r.f80139e0bc58.json", "style.1a2b3c4d.css") and a run of hex digits
_HASHED_NAME = re.compile(r"\.([0-9a-f]{8,64})\.")
_HEX_RUN = re.compile(r"[0-9a-f]{8,}")


def _rank(key: str) -> int:
    name = posixpath.basename(key)
    if name in ("sitemap.xml", "robots.txt"):
        return 3
    suffix = posixpath.splitext(name)[1].lower()
    if suffix in (".html", ".htm"):
        return 2
    return 1 if suffix in TEXT_SUFFIXES else 0


class _AttrCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.values: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if not value:
                continue
            if name in ("srcset", "imagesrcset"):  # "a.320.webp 320w, a.960.webp 960w"
                self.values += [part.split()[0] for part in value.split(",") if part.strip()]
            else:
                self.values.append(value)


def _text(path: Path) -> str | None:
    if path.suffix.lower() not in TEXT_SUFFIXES or path.stat().st_size > MAX_SCAN_BYTES:
        return None
    return path.read_text(encoding="utf-8", errors="replace")


def candidate_urls(path: Path, text: str) -> list[str]:
    """Every string in a text file that might name another site file."""
    if path.suffix.lower() in (".html", ".htm"):
        collector = _AttrCollector()
        collector.feed(text)
        collector.close()
        return collector.values
    return _PATH_TOKEN.findall(text)


def resolve(url: str, from_key: str, site_keys: set[str], prefix: str) -> set[str]:
    """The site keys a URL written inside ``from_key`` can mean (none for external links)."""
    parts = urlsplit(url.strip())
    if parts.scheme in ("data", "mailto", "tel", "javascript"):
        return set()
    path = unquote(parts.path)
    if not path:
        return set()
    if path.startswith("/"):
        candidates = [prefix + path.lstrip("/")]
    elif parts.scheme or parts.netloc:
        return set()  # an absolute URL that is not a path on this site
    else:
        candidates = [posixpath.normpath(posixpath.join(posixpath.dirname(from_key), path))]
        if _rank(from_key) != 2:  # JS/JSON may hold root-relative paths without the slash
            candidates.append(prefix + path)
    found = set()
    for key in candidates:
        for option in (key, key.rstrip("/") + "/index.html"):
            if option in site_keys and option != from_key:
                found.add(option)
                break
    return found


def by_content_hash(site_keys: set[str]) -> dict[str, set[str]]:
    """Hash -> the site keys whose names carry it."""
    found: dict[str, set[str]] = {}
    for key in site_keys:
        for digest in _HASHED_NAME.findall(posixpath.basename(key)):
            found.setdefault(digest, set()).add(key)
    return found


def _hash_mentions(text: str, hashed: dict[str, set[str]]) -> set[str]:
    """Keys whose content hash the text holds, alone or in a run of equal-length hashes."""
    lengths = {len(h) for h in hashed}
    found: set[str] = set()
    for run in _HEX_RUN.findall(text):
        for n in lengths:
            for start in range(0, len(run) - n + 1, n):
                found |= hashed.get(run[start:start + n], set())
    return found


def references(path: Path, key: str, site_keys: set[str], prefix: str,
               hashed: dict[str, set[str]] | None = None) -> set[str]:
    text = _text(path)
    if text is None:
        return set()
    refs: set[str] = set()
    for url in candidate_urls(path, text):
        if "://" in url:  # absolute links to this site (sitemap, og:image) count by path
            url = urlsplit(url).path or ""
        refs |= resolve(url, key, site_keys, prefix)
    if hashed:
        refs |= _hash_mentions(text, hashed) - {key}
    return refs


def upload_waves(changed: dict[str, Path], *, existing: set[str], site_keys: set[str],
                 prefix: str = "") -> list[list[str]]:
    """Group the keys to upload into ordered waves (see the module docstring)."""
    new = set(changed) - existing
    hashed = by_content_hash(new)
    refs = {key: references(path, key, site_keys, prefix, hashed)
            for key, path in changed.items()}
    edges: dict[str, set[str]] = {key: refs[key] & new for key in changed}
    component, _ = _strongly_connected(sorted(changed), edges)
    # Inside a cycle (pages -> search.js -> entry.json -> manifest -> records -> pages, on a
    # first deploy) rank decides: drop the links from a file to a higher-ranked one in its own
    # cycle, so the rest of the cycle still gets an order (records, manifest, entry, script).
    edges = {key: {d for d in deps if component[d] != component[key] or _rank(d) <= _rank(key)}
             for key, deps in edges.items()}
    component, order = _strongly_connected(sorted(changed), edges)
    level: dict[int, int] = {}
    for comp in reversed(order):  # sinks first
        deps = {component[d] for k in order[comp] for d in edges[k]} - {comp}
        level[comp] = 1 + max((level[d] for d in deps), default=-1)
    wave_of: dict[str, tuple[bool, int, int]] = {}
    for key in changed:  # sitemap and robots.txt serve crawlers: after everything they name
        rank = _rank(key)
        wave_of[key] = (rank == 3, level[component[key]], rank)
    _join_describing_pages(wave_of, refs, set(changed) & existing)
    waves: dict[tuple[bool, int, int], list[str]] = {}
    for key, wave in wave_of.items():
        waves.setdefault(wave, []).append(key)
    return [sorted(waves[k]) for k in sorted(waves)]


def _join_describing_pages(wave_of: dict[str, tuple[bool, int, int]],
                           refs: dict[str, set[str]], overwritten: set[str]) -> None:
    """Move a file that keeps its name (the dataset archive) into the wave of the last page
    that links it (dataset.html, which prints its SHA-256 and size). A fixed name and the
    page describing it cannot change at once; this way they disagree only while that one
    wave uploads, not for the whole deploy. Nothing waits for a file already in the bucket,
    so moving it later breaks no link."""
    targets = {key for key in overwritten if _rank(key) != 2}
    for page, named in refs.items():
        if _rank(page) == 2:
            for key in named & targets:
                wave_of[key] = max(wave_of[key], wave_of[page])


def _strongly_connected(nodes: list[str], edges: dict[str, set[str]]
                        ) -> tuple[dict[str, int], dict[int, list[str]]]:
    """Kosaraju, iterative. Returns node -> component id and components in topological order
    (a component comes before the components it points at)."""
    finished: list[str] = []
    seen: set[str] = set()
    for root in nodes:
        if root in seen:
            continue
        seen.add(root)
        stack = [(root, iter(sorted(edges[root])))]
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                stack.pop()
                finished.append(node)
            elif child not in seen:
                seen.add(child)
                stack.append((child, iter(sorted(edges[child]))))
    reverse: dict[str, list[str]] = {n: [] for n in nodes}
    for node in nodes:
        for target in edges[node]:
            reverse[target].append(node)
    component: dict[str, int] = {}
    order: dict[int, list[str]] = {}
    for root in reversed(finished):
        if root in component:
            continue
        comp = len(order)
        order[comp], todo = [], [root]
        component[root] = comp
        while todo:
            node = todo.pop()
            order[comp].append(node)
            for source in reverse[node]:
                if source not in component:
                    component[source] = comp
                    todo.append(source)
    return component, order
