"""``build/manifest.json``: the record of the last finished build (every slide and deck,
and the corpus it read), and what the next build learns by comparing with it."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from deckgen.corpus import META_IGNORED, Corpus, Problem, skip_unread_decks, unify_spellings
from deckgen.errors import DeckgenError
from deckgen.files import atomic_write
from deckgen.records import DeckMeta, Slide


def write_manifest(build_root: Path, slides: list[Slide], corpus: Corpus, out: Path) -> None:
    manifest = {
        "corpus": str(corpus.root.resolve()),  # where `review` points a curator
        "out": str(Path(out).resolve()),  # where `bundle build` rewrites the archive
        "decks": {slug: corpus.decks[slug].to_dict() for slug in sorted(corpus.decks)},
        "slides": [s.to_dict() for s in slides],
    }
    atomic_write(Path(build_root) / "manifest.json", json.dumps(manifest, sort_keys=True).encode())


def last_manifest(build_root: Path) -> dict[str, Any]:
    """The last finished build's manifest as JSON; {} when there is none (or it is damaged)."""
    try:
        return json.loads((Path(build_root) / "manifest.json").read_text())
    except (OSError, ValueError):
        return {}


def keep_last_metadata(corpus: Corpus, last: dict[str, dict]) -> None:
    """A deck.toml broken by a typo keeps the deck's last metadata: published without it,
    the deck would lose its licence, source and hand labels in the site and the dataset.
    A deck with no last metadata (new since the last build) is left out until it is fixed."""
    skip_unread_decks(corpus, keep=last)
    kept = corpus.unread_meta & set(last)
    for slug in kept:
        corpus.decks[slug] = DeckMeta.from_dict(last[slug])
    for i, problem in enumerate(corpus.problems):
        if problem.path.partition("/")[0] in kept and problem.reason.endswith(META_IGNORED):
            corpus.problems[i] = Problem(problem.path, problem.reason.removesuffix(META_IGNORED)
                                         + "the last build's metadata is used until it is fixed")
    unify_spellings(corpus.decks)  # the kept spellings among today's


def labels_on_other_slides(slides: list[Slide], decks: dict[str, DeckMeta],
                            last_slides: list[dict]) -> list[Problem]:
    """A hand label belongs to a page number: slides added, removed or reordered leave it
    on another slide. Judged by the words read on the page (a deck exported again, as a
    new PDF or new image files, is the same slide); said once, by the next finished build."""
    last = {s["id"]: s for s in last_slides}
    problems = []
    for slide in slides:
        label = decks[slide.deck].sections.get(str(slide.page))
        before = last.get(slide.id) or {}
        section = before.get("section") or {}
        if (label and slide.ocr and before.get("sha256") not in (None, slide.sha256)
                and section.get("curated") and section.get("label") == label
                and not _same_words((before.get("ocr") or {}).get("text", ""), slide.ocr.text)):
            problems.append(Problem(slide.source, (
                f"labelled {label} by hand, but slide {slide.page} reads differently since the "
                f"last build (slides added, removed or reordered?): check [sections] in "
                f"{slide.deck}/deck.toml")))
    return problems


def _same_words(before: str, now: str) -> bool:
    """Most words in common (OCR of one slide in two exports never reads quite alike)."""
    # letters and digits of any script ("Рынок" is a word); a CJK run counts as one word
    a, b = (set(re.findall(r"[^\W_]{2,}", text.casefold())) for text in (before, now))
    return not (a or b) or len(a & b) >= 0.5 * len(a | b)


def load_manifest(build_root: Path) -> tuple[list[Slide], dict[str, DeckMeta]]:
    """The slides and decks of the last build (for `search`, `bundle`, ...)."""
    data = _read_manifest(build_root)
    decks = {slug: DeckMeta.from_dict(meta) for slug, meta in data["decks"].items()}
    return [Slide.from_dict(s) for s in data["slides"]], decks


def built_out(build_root: Path) -> Path | None:
    """The site folder the last build wrote (None for a build before it was recorded)."""
    out = _read_manifest(build_root).get("out")
    return Path(out) if out else None


def built_corpus(build_root: Path) -> Path | None:
    """The corpus folder the last build read (None for a build before it was recorded)."""
    corpus = _read_manifest(build_root).get("corpus")
    return Path(corpus) if corpus else None


def _read_manifest(build_root: Path) -> dict[str, Any]:
    path = Path(build_root) / "manifest.json"
    if not path.exists():
        raise DeckgenError(f"no build found at {build_root}; run `deckgen build` first")
    try:
        return json.loads(path.read_text())
    except ValueError as exc:
        raise DeckgenError(f"{path} is damaged ({exc}); run `deckgen build` to write it "
                           "again") from None
