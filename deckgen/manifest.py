"""``build/manifest.json``: the record of the last finished build (every slide and deck,
and the corpus it read), and what the next build learns by comparing with it."""

from __future__ import annotations

import dataclasses
import io
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from deckgen.config import Config, config_from_dict
from deckgen.corpus import META_IGNORED, Corpus, Problem, skip_unread_decks, unify_spellings
from deckgen.errors import DeckgenError
from deckgen.files import atomic_write
from deckgen.records import DeckMeta, Slide


def write_manifest(build_root: Path, slides: list[Slide], corpus: Corpus, out: Path,
                   picture: Picture | None = None, config: Config | None = None,
                   failures: dict[str, str] | None = None,
                   versions: dict[str, str] | None = None) -> None:
    """``picture`` gives a slide's image bytes: a new hand label keeps a fingerprint of it.
    ``config``, ``failures`` (each failed slide's reason) and ``versions`` (the
    ``stage_versions`` the build ran with) let `bundle build` write the archive this
    build wrote, and the next build say which stages changed since."""
    # read now, not when the build began: a `deckgen label` run meanwhile re-confirmed one
    before = {s["id"]: s for s in last_manifest(build_root).get("slides", [])}
    records = []
    for slide in slides:
        record = slide.to_dict()
        label = corpus.decks[slide.deck].sections.get(str(slide.page))
        anchor = label and (_anchor(before.get(slide.id) or {}, label)
                            or _picture_of(slide, label, picture))
        if anchor and anchor.get("look") is None and anchor["sha256"] == slide.sha256:
            anchor = {**anchor, "look": _look(slide, picture)}  # kept before looks were
        if anchor:
            record[HAND_LABEL] = anchor
        records.append(record)
    manifest = {
        "corpus": str(corpus.root.resolve()),  # where `review` points a curator
        "out": str(Path(out).resolve()),  # where `bundle build` rewrites the archive
        "decks": {slug: corpus.decks[slug].to_dict() for slug in sorted(corpus.decks)},
        "slides": records,
        # what decides the slides' text, labels and the archive's documents; not where
        # the build ran or how many workers it had
        "config": {table: dataclasses.asdict(getattr(config or Config(), table))
                   for table in OUTPUT_SETTINGS},
        "failures": failures or {},
        "versions": versions if versions is not None else stage_versions(),
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


# A slide's record in the manifest keeps, under this key, the picture its hand label was
# first seen on: {"label", "sha256", "text", "look"}; a sha256 of None is a label re-confirmed by
# `deckgen label`, which the next build ties to the picture it then finds on the page.
HAND_LABEL = "hand_label"
# bits of 1024 in which two looks of one slide may differ (under the 59 that parted two
# slides of one template; a re-save missed here still has its words to match)
_LOOK_BITS = 40
Picture = Callable[[Slide], bytes]


def labels_on_other_slides(slides: list[Slide], decks: dict[str, DeckMeta],
                            last_slides: list[dict], picture: Picture | None = None,
                            label_options: str = "") -> tuple[list[Problem], set[str]]:
    """A hand label belongs to a page number: slides added, removed or reordered leave it
    on another slide. Judged against the picture the label was first seen on, by its
    words or, where ``picture`` gives the image, its look (a deck exported again, as a
    new PDF or new image files, is the same slide, though small slides read noisily);
    said by every build until [sections] for that page changes or `deckgen label`
    confirms the label, with the commands that move it to the page its picture is on now.
    Also the ids of those slides: the build leaves their labels to the model meanwhile
    (QA-85: a Traction slide published and packed as "Team, labelled by hand"), while
    the manifest keeps each label anchored to its own picture."""
    last = {s["id"]: s for s in last_slides}
    moved = []  # (slide, its label, the page its labelled picture is on now or None)
    for slide in slides:
        label = decks[slide.deck].sections.get(str(slide.page))
        anchor = _anchor(last.get(slide.id) or {}, label) if label else None
        if (anchor is None or slide.ocr is None or anchor["sha256"] == slide.sha256
                or _same_words(anchor["text"], slide.ocr.text)
                or _looks_alike(anchor.get("look"), slide, picture)):
            continue
        now_on = _page_showing(anchor, [s for s in slides if s.deck == slide.deck])
        moved.append((slide, label, now_on if now_on != slide.page else None))
    # a label moved onto a page replaces the one there: clearing that page too, after
    # the move, would drop the label just moved
    landing = {(slide.deck, now_on): label for slide, label, now_on in moved if now_on}
    problems = [Problem(f"{slide.id} ({slide.source})", _moved_label_advice(
        slide, label, now_on, decks[slide.deck].sections, landing.get((slide.deck, slide.page)),
        label_options))
        for slide, label, now_on in moved]
    return problems, {slide.id for slide, _, _ in moved}


def _moved_label_advice(slide: Slide, label: str, now_on: int | None,
                        sections: dict[str, str], replaced_by: str | None,
                        options: str = "") -> str:
    """What a build says of a hand label whose page shows another slide now: the commands
    that move it to its slide first, keeping it on this page last. ``options``: what
    `deckgen label` needs to find this build (its --cache), said with each command."""
    def command(args: str) -> str:
        return f"`deckgen label {args}{options}`"

    page = slide.page
    keep = f"{command(f'{slide.id} {label}')} to keep it on the slide page {page} shows now"
    clear = f"{command(f'{slide.id} --clear')} to drop it from page {page}"
    until = f"; until then the model labels page {page}"
    # clearing or keeping this page after that move would undo the label moved here
    replaced = f"moving the {replaced_by} label to page {page} replaces this one"
    if now_on is None:
        what = (f"labelled {label} by hand, but page {page} reads differently since it was "
                "labelled, and no page shows that slide now: ")
        return what + (replaced if replaced_by else f"run {keep}, or {clear}") + until
    steps = []
    if sections.get(str(now_on)) != label:  # not moved there already
        steps.append(f"{command(f'{slide.deck}/{now_on:03d} {label}')} to label that slide")
    if replaced_by is None:
        steps.append(clear)
    todo = ("run " + ", and ".join(steps) + (f" ({replaced})" if replaced_by else "")
            if steps else replaced)
    return (f"labelled {label} by hand, but for the slide now on page {now_on} (page {page} "
            f"shows another since): {todo}; or run {keep}{until}")


def confirm_hand_label(build_root: Path, slide_id: str) -> bool:
    """`deckgen label` was run for this slide: the next build ties its label to the picture
    it finds on the page then, and stops warning that the page reads differently. False
    when no build has seen the slide (nothing to confirm)."""
    data = last_manifest(build_root)
    record = next((s for s in data.get("slides", []) if s.get("id") == slide_id), None)
    if record is None:  # no build yet, or a page new since it: nothing to confirm
        return False
    record[HAND_LABEL] = {"label": None, "sha256": None, "text": ""}  # any label, next build
    atomic_write(Path(build_root) / "manifest.json", json.dumps(data, sort_keys=True).encode())
    return True


def _anchor(before: dict[str, Any], label: str) -> dict[str, Any] | None:
    """The picture ``label`` was first seen on (None: a new or re-confirmed label)."""
    anchor = before.get(HAND_LABEL)
    if anchor is not None:
        return anchor if anchor.get("label") == label and anchor.get("sha256") else None
    section = before.get("section") or {}  # a manifest written before anchors were kept
    if section.get("curated") and section.get("label") == label and before.get("sha256"):
        return {"label": label, "sha256": before["sha256"],
                "text": (before.get("ocr") or {}).get("text", "")}
    return None


def _picture_of(slide: Slide, label: str, picture: Picture | None) -> dict[str, Any] | None:
    """A label's picture, once its words are read (a slide whose OCR failed waits)."""
    if slide.ocr is None:
        return None
    return {"label": label, "sha256": slide.sha256, "text": slide.ocr.text,
            "look": _look(slide, picture)}


def _look(slide: Slide, picture: Picture | None) -> str | None:
    """A 1024-bit difference hash of the slide's image (32 x 32 brightness steps): on the
    sample corpus the same slide saved again (JPEG quality 40, or made smaller) differs
    in 52 bits at most, 36 at the 95th percentile; two slides of one deck (one template)
    in 59 at least."""
    if picture is None:
        return None
    try:
        with Image.open(io.BytesIO(picture(slide))) as image:
            small = np.asarray(image.convert("L").resize((33, 32), Image.Resampling.BILINEAR),
                               dtype=np.int16)
    except Exception:  # unreadable now: the words alone decide
        return None
    bits = (small[:, 1:] > small[:, :-1]).flatten()
    return f"{int(''.join('1' if b else '0' for b in bits), 2):0256x}"


def _looks_alike(look: str | None, slide: Slide, picture: Picture | None) -> bool:
    now = _look(slide, picture) if look else None
    return now is not None and bin(int(look, 16) ^ int(now, 16)).count("1") <= _LOOK_BITS


def _page_showing(anchor: dict[str, Any], deck_slides: list[Slide]) -> int | None:
    """The page of the deck showing the labelled picture: the same file, else the same words."""
    for slide in deck_slides:
        if slide.sha256 == anchor["sha256"]:
            return slide.page
    return next((s.page for s in deck_slides
                 if s.ocr and anchor["text"].strip() and _same_words(anchor["text"], s.ocr.text)),
                None)


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


# "bundle": `bundle build` leaves out what the build left out ([bundle] open_only)
OUTPUT_SETTINGS = ("upscale", "ocr", "classify", "site", "bundle")


def built_settings(build_root: Path
                   ) -> tuple[Config, dict[str, str], dict[str, str]] | None:
    """The last build's settings, failed slides' reasons and ``stage_versions`` (None for
    a build before all three were recorded)."""
    data = _read_manifest(build_root)
    if not isinstance(data.get("config"), dict) or not isinstance(data.get("versions"), dict):
        return None
    return (config_from_dict(data["config"]), dict(data.get("failures") or {}),
            {str(k): str(v) for k, v in data["versions"].items()})


def stage_versions() -> dict[str, str]:
    """What made a build's outputs besides its settings: each stage's VERSION (as its cache
    key carries it), the Tesseract and OpenCV that read and upscaled the slides, and
    deckgen's own version. A stage whose version changed runs again for every slide."""
    import cv2

    from deckgen import __version__, bundle, classify, index, ocr, site, upscale
    from deckgen.corpus_pdf import PDF_TEXT_LAYER_RULE, pdfium_version
    from deckgen.slide_task import IMAGES_VERSION_ID

    return {"deckgen": __version__, "upscale": upscale.VERSION,
            "pdf-page": upscale.PDF_PAGE_RULE, "opencv": cv2.__version__,
            "ocr-input": ocr.INPUT_VERSION, "ocr": ocr.VERSION, "pdf-text": PDF_TEXT_LAYER_RULE,
            "tesseract": ocr.tesseract_version(), "pdfium": pdfium_version(),
            "images": IMAGES_VERSION_ID, "classify": classify.VERSION, "index": index.VERSION,
            "site": site.VERSION, "bundle": bundle.VERSION}


# per recorded version: what it is called, and what a build does when it changed. The cache
# keeps what every version made: after a downgrade or a killed build, the slides it holds are
# not redone (QA-83: "every slide is read again" while all of them came from the cache)
VERSION_EFFECTS = {
    "upscale": ("upscaling", "slides not upscaled by it before are upscaled, read and "
                "classified again"),
    "pdf-page": ("how PDF pages are upscaled", "PDF pages not upscaled so before are "
                 "upscaled, read and classified again"),
    "opencv": ("OpenCV", "slides not upscaled with it before are upscaled, read and "
               "classified again"),
    "ocr-input": ("what Tesseract is given", "slides not read so before are read by "
                  "Tesseract again"),
    # from Tesseract's output kept in the cache where it has it (seconds), said after the build
    "ocr": ("OCR", "slides not read by it before are read again"),
    "pdf-text": ("how PDF pages' text layers are read", "PDF pages not read so before are "
                 "read again"),
    "tesseract": ("Tesseract", "slides not read by it before are read again"),
    "pdfium": ("PDFium", "PDF pages not rendered by it before are rendered, upscaled, read "
               "and classified again"),
    "images": ("the slides' published images", "slides whose images it did not make "
               "before have them made again"),
    "classify": ("the section classifier", "decks not classified by it before are "
                 "classified again"),
    "index": ("the search index", "the index is built again"),
    "site": ("the site's pages", "every page is written again"),
    "bundle": ("the dataset archive's format", "the archive is written again"),
}


# rules for PDF pages recorded since a later deckgen than the other versions: a build that
# recorded versions but not these read its PDF pages otherwise (QA-83: an upgrade upscaled
# every PDF page again and said nothing)
PDF_RULES = ("pdf-page", "pdf-text")


def changed_versions(before: dict[str, str], now: dict[str, str]) -> list[dict[str, str]]:
    """The stage versions that differ, each with what that costs a build, in stage order
    (deckgen's own version changes nothing by itself). A version the last build did not
    record (its deckgen recorded no images version) is not called changed, but for the
    PDF-page rules (``PDF_RULES``: "none" before)."""
    def was(key: str) -> str | None:
        if key in before:
            return str(before[key])
        return "" if key in PDF_RULES and "ocr" in before else None

    return [{"stage": key, "before": was(key), "now": str(now.get(key, "")),
             "what": what, "effect": effect}
            for key, (what, effect) in VERSION_EFFECTS.items()
            if was(key) is not None and was(key) != str(now.get(key, ""))]


# the settings a slide's cached results stand on (build.py's stage keys): upscale's but the
# tile size, OCR's but the timeout, all of classify's
_SETTINGS_NOT_KEYED = {("upscale", "tile"), ("ocr", "timeout")}


def changed_settings(before: dict[str, Any], config: Config) -> list[dict[str, str]]:
    """The upscale, OCR and classify settings other than the last build's (``before`` is its
    manifest's ``config``): a `--lang` given to one build and left off the next re-reads
    every slide, and the user should hear why."""
    changes = []
    for table in ("upscale", "ocr", "classify"):
        was = before.get(table)
        if not isinstance(was, dict):
            continue
        for name, value in dataclasses.asdict(getattr(config, table)).items():
            if (table, name) in _SETTINGS_NOT_KEYED or name not in was or was[name] == value:
                continue
            changes.append({"setting": f"{table}.{name}", "before": str(was[name]),
                            "now": str(value), "effect": _SETTING_EFFECTS[table]})
    return changes


# what a changed setting costs: the cache still holds what earlier settings made (QA-70: a
# setting changed back was "read again" while every slide came from the cache)
_SETTING_EFFECTS = {
    "upscale": "slides not upscaled so before are upscaled, read and classified again",
    "ocr": "slides not read so before are read again",
    "classify": "decks not classified so before are classified again",
}


def setting_change_line(change: dict[str, str]) -> str:
    """"setting ocr.lang changed since the last build (deu+eng → eng): every slide is read
    again; …"."""
    table = change["setting"].split(".")[0]
    return (f"setting {change['setting']} changed since the last build ({change['before']} → "
            f"{change['now']}): {change['effect']} (a command-line option lasts one build; "
            f"deckgen.toml's [{table}] keeps a setting)")


def version_change_line(change: dict[str, str]) -> str:
    """"OCR changed since the last build (ocr-15 → ocr-17): every slide is read again"."""
    return (f"{change['what']} changed since the last build "
            f"({change['before'] or 'none'} → {change['now'] or 'none'}): {change['effect']}")


# the versions of the code that made a slide's content (its upscaled image, text, label);
# the rest (Tesseract, OpenCV on this machine, index, site, the archive's format) does not
# change what `bundle build` packs, and the archive states the recorded ones
_CONTENT_VERSIONS = ("upscale", "ocr", "classify")


def current_build_settings(build_root: Path) -> tuple[Config, dict[str, str], dict[str, str]]:
    """``built_settings``, for writing the archive the last build wrote: refused when that
    build recorded no versions (an older deckgen) or other content versions than this
    deckgen's (``_CONTENT_VERSIONS``), since the archive's card would then describe code
    that did not make its slides' text and labels."""
    built = built_settings(build_root)
    if built is None:
        raise DeckgenError(f"the build in {build_root} was made by an older deckgen, which did "
                           "not record its settings and stage versions: run `deckgen build` "
                           "first, so the archive says what made its slides")
    now = {**stage_versions(), **{k: v for k, v in built[2].items()
                                  if k not in _CONTENT_VERSIONS}}
    changed = [c for c in changed_versions(built[2], now) if c["stage"] in _CONTENT_VERSIONS]
    if changed:
        named = "; ".join(f"{c['what']} {c['before'] or 'none'} → {c['now'] or 'none'}"
                          for c in changed)
        raise DeckgenError(f"the build in {build_root} was made by another deckgen ({named}): "
                           "its slides are not what this one would publish; run `deckgen "
                           "build` first")
    return built


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
