"""Site URLs: the one place page and image paths are computed and checked.

Every path segment that comes from a slide id, deck slug or section label goes through
``url_segment``, so no untrusted name can climb out of its folder or break a link.
"""

from __future__ import annotations

import re

_SAFE_SEGMENT = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*\Z")


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
