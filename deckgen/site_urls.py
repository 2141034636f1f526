"""Site URLs: the one place page and image paths are computed and checked.

Every path segment that comes from a slide id, deck slug or section label goes through
``url_segment``, so no untrusted name can climb out of its folder or break a link.
``site_base_url`` checks and normalizes ``[site] base_url``, which every absolute URL
(sitemap, canonical, og:) starts with: the config and the renderer both call it.
"""

from __future__ import annotations

import re
from urllib.parse import SplitResult, quote, urlsplit

from deckgen.errors import ConfigError

_SAFE_SEGMENT = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*\Z")
_PERCENT_ESCAPE = re.compile(r"(%[0-9A-Fa-f]{2})")
# what RFC 3986 allows unescaped in a path (pchar and "/"), but ";" (refused: params)
_PATH_SAFE = "/:@!$&'()*+,=~"
_HOST_NAME = re.compile(r"[a-z0-9_-]+(\.[a-z0-9_-]+)*\.?\Z")
_EXAMPLE = "e.g. https://decks.example.org/gallery/"


def url_segment(value: str, what: str) -> str:
    """``value`` as one path segment of a page or image URL; ValueError if unsafe."""
    if not _SAFE_SEGMENT.match(value) or ".." in value:
        raise ValueError(f"unsafe {what} for a URL: {value!r}")
    return value


def slide_page_path(slide_id: str) -> str:
    deck, _, page = slide_id.rpartition("/")
    return f"slide/{url_segment(deck, 'deck slug')}/{url_segment(page, 'page')}.html"


def deck_page_path(slug: str) -> str:
    return f"deck/{url_segment(slug, 'deck slug')}.html"


def section_page_path(label: str, number: int = 1) -> str:
    """Page ``number`` of a section's list (section names have no digits: no clash)."""
    suffix = "" if number == 1 else f"-{number}"
    return f"section/{url_segment(label, 'section label')}{suffix}.html"


def decks_page_path(number: int = 1) -> str:
    return "decks.html" if number == 1 else f"decks-{number}.html"


def root_for(page_path: str) -> str:
    """The relative link from ``page_path`` up to the site root ("", "../", ...)."""
    return "../" * page_path.count("/")


def site_base_url(value: str) -> str:
    """``[site] base_url`` as every absolute URL of the site starts: "" when unset, else
    scheme://host[:port]/path/ with the path percent-encoded (existing %XX escapes kept) and
    a non-ASCII host IDNA-encoded. ConfigError, saying what to change, for anything that
    cannot be a folder of pages: another scheme, no host, a query, fragment, user or params.
    Normalizing twice changes nothing."""
    url = value.strip()
    if not url:
        return ""
    if any(ord(char) < 0x20 or ord(char) == 0x7F for char in url):
        raise ConfigError(f"[site] base_url {value!r} has a control character "
                          f"(tab, newline...): remove it ({_EXAMPLE})")
    try:
        parts = urlsplit(url)
    except ValueError as exc:  # e.g. "Invalid IPv6 URL"
        raise ConfigError(f"[site] base_url {value!r} is not a URL ({exc}): {_EXAMPLE}") from None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"[site] base_url must be an http(s) URL with a host ({_EXAMPLE}), "
                          f"got {value!r}")
    # a page's address is base_url + its path, so anything after the path would swallow it
    for mark, what in (("?", "a query"), ("#", "a fragment")):
        if mark in url:
            raise ConfigError(f"[site] base_url {value!r} has {what} "
                              f"({url[url.index(mark):]!r}): remove it; the site's folder is "
                              f"all it may hold ({_EXAMPLE})")
    if ";" in parts.path:
        raise ConfigError(f"[site] base_url {value!r} has path params (;...): remove them "
                          f"({_EXAMPLE})")
    if any(segment in (".", "..") for segment in parts.path.split("/")):
        raise ConfigError(f"[site] base_url {value!r} has a . or .. folder: write the folder "
                          f"the site is in ({_EXAMPLE})")
    if "@" in parts.netloc:
        raise ConfigError(f"[site] base_url {value!r} has a user or password (...@): remove "
                          f"it; every page would publish it ({_EXAMPLE})")
    return f"{parts.scheme.lower()}://{_host(parts, value)}{_path(parts.path)}"


def _host(parts: SplitResult, value: str) -> str:
    """host[:port], the host lowercased and, when not ASCII, IDNA-encoded."""
    try:
        port = parts.port
    except ValueError:
        port = 0
    if port == 0:
        raise ConfigError(f"[site] base_url {value!r} has a bad port: use a number from 1 to "
                          f"65535, or none ({_EXAMPLE})")
    suffix = f":{port}" if port is not None else ""
    host = parts.hostname or ""
    if any(char in host for char in "ßς\u200c\u200d"):
        # Python's IDNA codec (2003) makes "straße" "strasse", another domain than browsers
        # reach (IDNA 2008, xn--strae-oqa): ask for the form the registrar shows
        raise ConfigError(f"[site] base_url {value!r}: write its host in its ASCII form "
                          f"(xn--..., as your registrar shows it; {_EXAMPLE})")
    try:
        ascii_host = host.encode("idna").decode("ascii").lower()
    except UnicodeError as exc:
        raise ConfigError(f"[site] base_url {value!r} has a host that is not a valid domain "
                          f"name ({exc}): {_EXAMPLE}") from None
    if not _HOST_NAME.match(ascii_host):
        raise ConfigError(f"[site] base_url {value!r} has a host that is not a valid domain "
                          f"name: {host!r} ({_EXAMPLE})")
    return ascii_host + suffix


def _path(path: str) -> str:
    """The path percent-encoded (UTF-8), its %XX escapes kept as they are, ending in "/"."""
    pieces = _PERCENT_ESCAPE.split(path.rstrip("/"))
    # split() with a group: escapes at the odd indices, the text between at the even ones
    encoded = "".join(piece if index % 2 else quote(piece, safe=_PATH_SAFE)
                      for index, piece in enumerate(pieces))
    return encoded + "/"


def site_root_path(base_url: str) -> str:
    """The path of a normalized base URL ("/gallery/"), "/" without one: root-relative links
    from a page served at any depth (404.html), on whatever host the site is reached."""
    return urlsplit(base_url).path if base_url else "/"
