"""The corpus's write side: importing decks (``deckgen add``) and setting a slide's
section in its deck.toml (``deckgen label``). Reading the corpus is ``corpus``."""

from __future__ import annotations

import codecs
import difflib
import io
import re
import shutil
import tomllib
import unicodedata
import warnings
from dataclasses import dataclass
from pathlib import Path

from deckgen.corpus import (
    DOCUMENT_EXTENSIONS,
    IMAGE_EXTENSIONS,
    MAX_PDF_PAGES,
    META_KEYS,
    SLUG_RE,
    TOML_ERRORS,
    UNREAD_IMAGE_ADVICE,
    UNREAD_IMAGE_EXTENSIONS,
    Problem,
    link_problem,
    natural_key,
    printable,
    read_deck_meta,
    safe_slug,
    scan_deck,
    source_url_problem,
    toml_error,
)
from deckgen.corpus_pdf import (
    PDF_EXTENSION,
    as_pdf,
    looks_like_html,
    pdf_page_count,
    render_pdf_page_and_text,
)
from deckgen.errors import BadInputError
from deckgen.files import atomic_write, decompression_bomb_size, is_system_file, sha256_file
from deckgen.progress import SILENT, Progress
from deckgen.text import utf8_argument

# what `add` names a PDF it keeps whole (one whose pages carry text)
KEPT_PDF = "deck.pdf"


def decks_in(paths: list[Path], skipped: list[Problem] | None = None) -> list[Path]:
    """The PDFs and presentations among ``paths`` and in the folders among them, in order:
    each is one deck (``deckgen add --each``). A folder's link to a file outside it goes to
    ``skipped``, as ``input_files`` skips it."""
    decks: list[Path] = []
    for path in map(Path, paths):
        found = [path]
        if path.is_dir():
            found = sorted(path.iterdir(), key=lambda p: natural_key(p.name))
        for file in found:
            if path.is_dir() and (reason := link_problem(file, path, "the folder")):
                if skipped is not None and file.suffix.lower() in DOCUMENT_EXTENSIONS:
                    skipped.append(Problem(str(file), reason))
                continue
            if file.suffix.lower() in DOCUMENT_EXTENSIONS:
                decks.append(file)
            elif not path.is_dir():
                raise BadInputError(
                    f"{file}: with --each, give PDFs or presentations "
                    "(a folder of slide images is one deck: add it without --each)"
                )
    if not decks:
        links = f" (but {len(skipped)} links to files outside it)" if skipped else ""
        raise BadInputError(f"no PDF or presentation found in the given paths{links}")
    return decks


ACCEPTED = IMAGE_EXTENSIONS | DOCUMENT_EXTENSIONS
JPEG_SUFFIXES = {".jfif", ".jpe"}  # JPEG under other names: imported as .jpg
CONVERTED_SUFFIXES = {".avif"}  # imported as PNG: every later stage and tool reads that


def _not_a_slide(path: Path) -> str | None:
    """Why a file found in a folder given to ``add`` is not imported (None: it is)."""
    suffix = path.suffix.lower()
    if path.name.startswith("."):
        return "hidden file"
    if path.is_dir():
        return "a folder: its files are not read (add it on its own)"
    if not path.is_file():
        return "not a regular file"
    if suffix in UNREAD_IMAGE_EXTENSIONS:
        return UNREAD_IMAGE_ADVICE
    if suffix not in ACCEPTED:
        return f"not a slide image, PDF or presentation ({suffix or 'no extension'})"
    return None


def input_files(inputs: list[Path], skipped: list[Problem]) -> list[Path]:
    """The files ``add`` imports, in slide order: each folder's in file-name order (2 before
    10), and loose files the same way, as one folder in the place of the first of them
    (a shell's ``dir/*.jpg`` sorts "slide 10" before "slide 2"). Files found in a folder
    that are not slides go to ``skipped`` with the reason (those the operating system
    wrote, Thumbs.db or .DS_Store, unsaid); a loose one is refused."""
    files: list[Path] = []
    loose: list[Path] = []
    loose_at = None
    for item in map(Path, inputs):
        if item.is_dir():
            for path in sorted(item.iterdir(), key=lambda p: natural_key(p.name)):
                if is_system_file(path.name):
                    continue
                # a shared folder's link to ~/private.jpg must not become a public slide
                if reason := link_problem(path, item, "the folder") or _not_a_slide(path):
                    skipped.append(Problem(str(path), reason))
                else:
                    files.append(path)
        elif item.is_file():
            suffix = item.suffix.lower()
            if suffix in UNREAD_IMAGE_EXTENSIONS:
                raise BadInputError(f"{item}: {UNREAD_IMAGE_ADVICE}")
            if suffix not in ACCEPTED:
                raise BadInputError(
                    f"{item} is not an image, PDF or presentation (use "
                    + ", ".join(sorted(e.lstrip(".") for e in ACCEPTED)) + ")"
                )
            loose_at = len(files) if loose_at is None else loose_at
            loose.append(item)
        else:
            raise BadInputError(f"{item} does not exist")
    loose.sort(key=lambda p: (natural_key(p.name), str(p)))
    if loose:
        files[loose_at:loose_at] = loose
    return files


def add_deck(
    corpus_root: Path,
    inputs: list[Path],
    *,
    slug: str | None = None,
    meta: dict[str, str | int | None] | None = None,
    skipped: list[Problem] | None = None,
    notes: list[Problem] | None = None,
    progress: Progress = SILENT,
) -> Path:
    """Import a PDF, a presentation, a folder of images or loose images as ``corpus/<slug>/``.

    Each file of a given folder that is not imported (a HEIC photo, a text file, a web
    page saved as .jpg, a truncated image) is put in ``skipped`` with the reason, for the
    caller to list; an image given by name that cannot be read is an error. What the
    build will make of an imported file that the user may want to know (only the first
    page of a multi-page TIFF is a slide) goes to ``notes``. A PDF's pages are rendered
    one by one, on ``progress`` (a 300-page one takes ~40 s)."""
    meta = _given_meta(meta)
    skipped = [] if skipped is None else skipped
    notes = [] if notes is None else notes
    files = _deck_files(inputs, skipped)
    # what the deck is called: --company, else its file or folder name (--slug names
    # only the folder: "nandu-es" is no company name, "Ñandú Compañía.pdf" is)
    name = meta.get("company") or _utf8_text(
        Path(inputs[0]).stem, f"{printable(str(inputs[0]))}: file name is not valid UTF-8 "
        "(a zip made on Windows?); rename it or pass --company")
    name = unicodedata.normalize("NFC", str(name))
    slug_given = slug is not None
    slug = safe_slug(slug or name)
    deck_dir = Path(corpus_root) / slug
    staging = Path(corpus_root) / f".{slug}.adding"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        staged, kept_pdf = _import(files, inputs, staging, skipped, notes, progress)
        # before the name is checked: another --slug would not help a deck imported already
        # (as page images by an older deckgen, or kept whole)
        twin = _same_deck(Path(corpus_root), staged) or (
            kept_pdf and _same_deck(Path(corpus_root), [kept_pdf]))
        if twin == deck_dir:
            raise AlreadyImported(f"{inputs[0]}: {deck_dir} already exists with the same "
                                  "slides: it is imported already (remove that deck first "
                                  f"to import it again{_labels_going_with(twin)})")
        if twin:
            raise AlreadyImported(f"{inputs[0]}: already in the corpus as {twin} (the same "
                                  "slides); remove that deck first to import it again"
                                  f"{_labels_going_with(twin)}")
        if deck_dir.exists():  # a new export of that deck, most often
            other = ("to add this as another deck, choose a --slug not taken" if slug_given
                     else "add it as another deck with --slug NEW-NAME")
            raise BadInputError(f"{inputs[0]}: {deck_dir} already exists: {other}, or replace "
                                "that deck's slides (keeping its deck.toml) with --replace "
                                f"{slug}")
        # the name as written when the slug cannot spell it ("東京テック", not "Deck A55E0025")
        meta.setdefault("company",
                        safe_slug(name).replace("-", " ").title() if name.isascii() else name)
        _keep_pdf_whole(staging, staged, kept_pdf)
        atomic_write(staging / "deck.toml", _toml(meta).encode())
        staging.rename(deck_dir)  # the deck appears whole or not at all
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return deck_dir


@dataclass
class Replaced:
    """What ``replace_deck`` did."""

    deck_dir: Path
    old_slides: int
    new_slides: int
    same: bool  # the deck had these very slides: none replaced
    fields_set: list[str]  # deck.toml's fields set from the options given
    hand_labels: int  # in its [sections], on page numbers


def replace_deck(
    corpus_root: Path,
    slug: str,
    inputs: list[Path],
    *,
    meta: dict[str, str | int | None] | None = None,
    skipped: list[Problem] | None = None,
    notes: list[Problem] | None = None,
    progress: Progress = SILENT,
) -> Replaced:
    """Swap the slides of ``corpus/<slug>/`` for a new export's, imported as ``add_deck``
    imports one; its deck.toml and other files are kept, with the fields of ``meta`` set.

    Imported beside the deck first, then swapped by two renames, the old slides removed
    last: a failed or interrupted import leaves the deck as it was, and so does a run
    killed between the renames (the next replace puts it back)."""
    corpus_root = Path(corpus_root)
    deck_dir = corpus_root / slug
    old = corpus_root / f".{slug}.replaced"
    if old.is_dir() and not deck_dir.exists() and not deck_dir.is_symlink():
        old.rename(deck_dir)  # a replace killed between its renames
    shutil.rmtree(old, ignore_errors=True)  # or killed while removing the old slides
    if deck_dir.is_symlink():  # the renames would swap the link, not the deck
        raise BadInputError(f"--replace {slug}: {deck_dir} is a link; replace the deck "
                            "folder it links to")
    if not SLUG_RE.match(slug) or not deck_dir.is_dir():
        near = _deck_meant(corpus_root, slug) if corpus_root.is_dir() else None
        hint = f"; did you mean --replace {near}?" if near else " (add it without --replace)"
        raise BadInputError(f"--replace {slug}: no deck {slug!r} in {corpus_root}{hint}")
    meta = _given_meta(meta)
    toml = _deck_toml_with(deck_dir, meta, corpus_root)  # refused before any work
    skipped = [] if skipped is None else skipped
    notes = [] if notes is None else notes
    files = _deck_files(inputs, skipped)
    old_slides = len(scan_deck(deck_dir, corpus_root, []))  # as the build counts them
    hand_labels = len(hand_labelled_pages(corpus_root, slug) or ())
    staging = corpus_root / f".{slug}.replacing"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    try:
        staged, kept_pdf = _import(files, inputs, staging, skipped, notes, progress)
        twin = _same_deck(corpus_root, staged) or (
            kept_pdf and _same_deck(corpus_root, [kept_pdf]))
        if twin and twin != deck_dir:  # the corpus would hold the same slides twice
            raise AlreadyImported(f"{inputs[0]}: already in the corpus as {twin} (the same "
                                  f"slides); {deck_dir} was left as it was")
        result = Replaced(deck_dir, old_slides, len(staged), twin == deck_dir, list(meta),
                          hand_labels)
        if result.same:  # nothing to swap; the fields given are set all the same
            if meta:
                atomic_write(deck_dir / "deck.toml", toml)
            shutil.rmtree(staging)
            return result
        _keep_pdf_whole(staging, staged, kept_pdf)
        for path in deck_dir.iterdir():  # all but its slides: deck.toml, the curator's notes
            if _is_slide_file(path):
                continue
            if path.name == "deck.toml" and meta:
                atomic_write(staging / path.name, toml)
            elif path.is_dir() and not path.is_symlink():
                shutil.copytree(path, staging / path.name, symlinks=True)
            else:
                shutil.copy2(path, staging / path.name, follow_symlinks=False)
        deck_dir.rename(old)
        staging.rename(deck_dir)
    except BaseException:
        if old.is_dir() and not deck_dir.exists():
            old.rename(deck_dir)  # interrupted between the renames
        shutil.rmtree(staging, ignore_errors=True)
        raise
    shutil.rmtree(old, ignore_errors=True)  # the old slides, once the new ones are in place
    return result


def _is_slide_file(path: Path) -> bool:
    """A file of a deck folder the build reads as slides (an image or a PDF)."""
    return (not path.name.startswith(".") and path.suffix.lower() in
            (*IMAGE_EXTENSIONS, PDF_EXTENSION) and (path.is_file() or path.is_symlink()))


def _given_meta(meta: dict[str, str | int | None] | None) -> dict[str, str | int]:
    """The deck.toml fields given as options, checked as ``add`` writes them."""
    meta = {k: v for k, v in (meta or {}).items() if v not in (None, "")}
    for key, value in meta.items():
        if isinstance(value, str):
            meta[key] = _utf8_text(value, f"--{key.replace('_', '-')}: not valid UTF-8 text; "
                                   "pass it as UTF-8")
    if "source_url" in meta and (bad_url := source_url_problem(str(meta["source_url"]))):
        raise BadInputError(f"--source-url {bad_url}")  # never written to deck.toml
    return meta


def _deck_files(inputs: list[Path], skipped: list[Problem]) -> list[Path]:
    """The files of one deck among ``inputs`` (``input_files``); none, or a PDF among
    others, is an error."""
    files = input_files(inputs, skipped)
    if not files:
        raise BadInputError("no slide images, PDF or presentation found in the given paths"
                            + _some_of(skipped))
    documents = [f for f in files if f.suffix.lower() in DOCUMENT_EXTENSIONS]
    if documents and len(files) > 1:  # `deckgen add *.pdf` means several decks
        raise BadInputError(
            f"{len(files)} files found, {len(documents)} of them PDFs or presentations: one "
            "deck is one PDF or presentation, or a set of slide images; use --each to import "
            "every PDF or presentation as its own deck"
        )
    return files


def _import(files: list[Path], inputs: list[Path], staging: Path, skipped: list[Problem],
            notes: list[Problem], progress: Progress) -> tuple[list[Path], Path | None]:
    """Write ``files`` into ``staging`` as a deck's slides, checked and converted: its slide
    images in order, and a PDF to keep whole (``_keep_pdf_whole``) or None."""
    named = {Path(p) for p in inputs if Path(p).is_file()}  # given one by one, not found
    page = 0
    kept_pdf = None
    for path in files:
        if path.suffix.lower() in DOCUMENT_EXTENSIONS:
            try:
                pdf = as_pdf(path, staging / ".converted")
                count = pdf_page_count(pdf)
            except BadInputError as exc:  # say which file, as given
                said = str(exc).removeprefix(f"{path.name}: ")
                raise BadInputError(f"{path}: {said}") from exc
            if count > MAX_PDF_PAGES:  # the most a deck.pdf in the corpus is read to
                raise BadInputError(f"{path}: {count:,} pages; deckgen imports a deck of "
                                    f"up to {MAX_PDF_PAGES:,} pages: split it into decks")
            has_text = False
            with progress.stage("pages", count) as advance:
                for n in range(1, count + 1):
                    page += 1
                    png, layer = render_pdf_page_and_text(pdf, n)
                    has_text |= layer is not None
                    atomic_write(staging / f"{page:03d}.png", png)
                    advance()
            if has_text:  # kept whole: the build reads each page's own words, exactly
                kept_pdf = staging / ".deck.pdf"
                shutil.copyfile(pdf, kept_pdf)
                notes.append(Problem(str(path), f"kept whole as {KEPT_PDF}: its pages' own "
                                     "text is read exactly, Tesseract reads their pictures"))
        else:
            data = path.read_bytes()
            # refused now, not at the build: a web page or text named .jpg, a cut download
            reason, pages = _image_problem(data)
            if reason and path in named:  # named by the user: no deck without it
                rest = "; nothing was imported (fix it, or leave it out)"
                raise BadInputError(f"{path}: {reason}{rest if len(files) > 1 else ''}")
            if reason:
                skipped.append(Problem(str(path), reason))
                continue
            if pages > 1:  # the build reads the first page, and says so each time
                notes.append(Problem(str(path), f"{pages} pages in this TIFF; only the "
                                     "first is used (split it, or save it as a PDF)"))
            page += 1
            suffix = path.suffix.lower()
            if suffix in CONVERTED_SUFFIXES:
                data, suffix = _as_png(data), ".png"
            atomic_write(staging / f"{page:03d}{'.jpg' if suffix in JPEG_SUFFIXES else suffix}",
                         data)
    if not page:  # every file found was skipped
        raise BadInputError("none of the slide images in the given paths could be read"
                            + _some_of(skipped))
    shutil.rmtree(staging / ".converted", ignore_errors=True)
    staged = sorted((p for p in staging.iterdir() if not p.name.startswith(".")),
                    key=lambda p: natural_key(p.name))
    return staged, kept_pdf


def _keep_pdf_whole(staging: Path, staged: list[Path], kept_pdf: Path | None) -> None:
    """A PDF whose pages carry text is the deck's slides as deck.pdf; its pages were
    rendered only to find the deck's twin and to check them."""
    if kept_pdf:
        for png in staged:
            png.unlink()
        kept_pdf.rename(staging / KEPT_PDF)


def _deck_toml_with(deck_dir: Path, meta: dict, corpus_root: Path) -> bytes | None:
    """deck.toml's bytes with the fields of ``meta`` set as ``add`` writes them (None when
    nothing is set). Edited as text, so its comments, order and [sections] stay as written;
    the result must read as the old table with those fields changed, else it is refused."""
    if not meta:
        return None
    toml_path = deck_dir / "deck.toml"
    if not toml_path.exists() and not toml_path.is_symlink():
        return _toml(meta).encode()
    options = ", ".join(f"--{k.replace('_', '-')}" for k in meta)
    if bad := link_problem(toml_path, corpus_root) or (
            None if toml_path.is_file() else "not a regular file"):
        raise BadInputError(f"{toml_path}: {bad}; leave out {options}")
    raw = toml_path.read_bytes()
    bom = "\ufeff" if raw.startswith(codecs.BOM_UTF8) else ""
    try:
        text = raw.decode("utf-8-sig")
        before = tomllib.loads(text)
    except UnicodeDecodeError as exc:
        raise BadInputError(f"{toml_path}: not UTF-8 text; save it as UTF-8, or leave out "
                            f"{options}") from exc
    except TOML_ERRORS as exc:
        raise BadInputError(f"{toml_path}: fix it first, it does not read as TOML "
                            f"({toml_error(exc)}); or leave out {options}") from exc
    newline = "\r\n" if "\r\n" in text else "\n"
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += newline
    written = _toml(meta)
    for entry in written.splitlines():
        key = entry.partition(" ")[0]
        tables = next((i for i, ln in enumerate(lines) if _TABLE_HEADER.match(ln)), len(lines))
        field = re.compile(rf"""^\s*(?:{key}|"{key}"|'{key}')\s*=""")
        at = next((i for i in range(tables) if field.match(lines[i])), None)
        if at is None:  # after the last field, before [sections]
            at = 1 + max((i for i in range(tables) if lines[i].strip()), default=-1)
            lines.insert(at, "")
        lines[at] = entry + newline
    edited = "".join(lines)
    try:
        done = tomllib.loads(edited) == {**before, **tomllib.loads(written)}
    except tomllib.TOMLDecodeError:
        done = False
    if not done:
        raise BadInputError(f"{toml_path}: its fields are written in a form this command does "
                            f"not edit; set them there by hand, or leave out {options}")
    return (bom + edited).encode("utf-8")


def deck_companies(corpus_root: Path, slugs: list[str] | None = None) -> dict[str, str]:
    """Each deck's company as the site shows it (its folder's name when deck.toml has
    none), by slug: of ``slugs``, or of every deck in the corpus."""
    corpus_root = Path(corpus_root)
    if slugs is None:
        slugs = sorted(d.name for d in corpus_root.iterdir() if SLUG_RE.match(d.name)
                       and d.is_dir() and not link_problem(d, corpus_root)
                       ) if corpus_root.is_dir() else []
    return {slug: read_deck_meta(corpus_root / slug, [], corpus_root).company
            for slug in slugs}


def _utf8_text(text: str, problem: str) -> str:
    """A file name or option as the text its bytes spell (``text.utf8_argument``); bytes
    that are no UTF-8 raise ``problem``: deck.toml is UTF-8."""
    decoded = utf8_argument(text)
    if decoded is None:
        raise BadInputError(problem)
    return decoded


class AlreadyImported(BadInputError):
    """The deck's first slide is the same picture as another deck's (renamed folder)."""


def _labels_going_with(deck_dir: Path) -> str:
    """What removing ``deck_dir`` to import it again would lose that the user wrote: its
    labels set by hand ("" when it has none)."""
    count = len(hand_labelled_pages(deck_dir.parent, deck_dir.name) or ())
    if not count:
        return ""
    labels = "1 label" if count == 1 else f"{count} labels"
    return (f"; its deck.toml holds {labels} set by hand, which go with it: copy them "
            "first")


def _some_of(skipped: list[Problem]) -> str:
    """The first few skipped files and why, to end a message that nothing was imported."""
    shown = "; ".join(str(p) for p in skipped[:3])
    return f" ({shown}{'; …' if len(skipped) > 3 else ''})" if shown else ""


# Pillow names the BytesIO it was given ("<_io.BytesIO object at 0x7f…>"): no use to a user
_OBJECT_REPR = re.compile(r"\s*<[^<>]* object at 0x[0-9a-fA-F]+>")


def _image_problem(data: bytes) -> tuple[str | None, int]:
    """Why ``data`` is no slide image the build can read (None: it is one), and how many
    pages it has (a TIFF's). Decoded whole, as the build will: a truncated file is found now."""
    from PIL import Image, UnidentifiedImageError

    if not data:
        return "the file is empty", 0
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # the build's limit
            with Image.open(io.BytesIO(data)) as image:
                image.verify()  # a PNG's checksums; the image is no use after it
            with Image.open(io.BytesIO(data)) as image:
                pages = getattr(image, "n_frames", 1) if image.format == "TIFF" else 1
                image.load()
    except Image.DecompressionBombError as exc:  # over ~179 Mpx: a poster, not a slide
        return (f"image is {decompression_bomb_size(exc)}, too large to be a slide; shrink it "
                "(a slide 1920 px wide is about 2 Mpx)"), 0
    except UnidentifiedImageError:
        return f"not an image ({_what_it_is(data)})", 0
    except (OSError, SyntaxError, ValueError, EOFError) as exc:  # broken inside the format
        said = _OBJECT_REPR.sub("", str(exc)).strip()
        if "truncat" in said.lower():
            return "truncated image (the file is cut short; download or export it again)", 0
        return f"damaged image ({said or type(exc).__name__})", 0
    return None, pages


def _what_it_is(data: bytes) -> str:
    """A file Pillow does not know, as far as its first bytes tell."""
    if data[:5] == b"%PDF-":
        return "a PDF; import the .pdf as its own deck"
    if b"<svg" in data[:1024].lower():
        return "an SVG drawing; export it as PNG"
    if looks_like_html(data):
        return "HTML page? save the picture itself, not the web page"
    return "no image format deckgen reads"


def _as_png(data: bytes) -> bytes:
    """An image in a format not every stage and tool reads (AVIF), as a PNG of its pixels,
    turned upright: a PNG keeps no orientation, and the build reads the original turned
    by its EXIF Orientation (an AVIF's rotation reads as one)."""
    from PIL import Image, ImageOps

    with Image.open(io.BytesIO(data)) as image:
        upright = ImageOps.exif_transpose(image)
        out = io.BytesIO()
        upright.convert("RGBA" if "A" in upright.getbands() else "RGB").save(out, "PNG")
        return out.getvalue()


def _same_deck(corpus_root: Path, staged: list[Path]) -> Path | None:
    """The deck whose slide files have the same bytes as ``staged``, in order (a folder
    renamed since it was imported): its images, or the PDF it was kept as. Sizes first:
    most decks cost one ``stat`` per file."""
    def slide_files(folder: Path) -> list[Path]:
        return sorted((p for p in folder.iterdir()
                       if p.suffix.lower() in (*IMAGE_EXTENSIONS, PDF_EXTENSION)),
                      key=lambda p: natural_key(p.name))

    sizes = [p.stat().st_size for p in staged]
    for deck_dir in sorted(p for p in corpus_root.iterdir() if not p.name.startswith(".")):
        files = slide_files(deck_dir) if deck_dir.is_dir() else []
        pairs = zip(files, staged, strict=False)  # compared only when the sizes agree
        if ([p.stat().st_size for p in files] == sizes
                and all(sha256_file(a) == sha256_file(b) for a, b in pairs)):
            return deck_dir
    return None


_TABLE_HEADER = re.compile(r"^\s*\[")
_SECTIONS_HEADER = re.compile(r"^\s*\[\s*sections\s*\]\s*(#.*)?$")


def label_slide(corpus_root: Path, deck: str, page: int, section: str | None) -> Path:
    """Set (``None``: remove) one slide's section by hand in its deck.toml; return its path."""
    deck_dir = Path(corpus_root) / deck
    if not Path(corpus_root).is_dir():  # moved since the build: not the deck's fault
        what = "is a file, not a folder" if Path(corpus_root).exists() else "not found"
        raise BadInputError(f"corpus folder {corpus_root} {what}: give the one that holds "
                            f"{deck!r} with --corpus")
    if bad_link := link_problem(deck_dir, Path(corpus_root)):
        raise BadInputError(f"{deck_dir}: {bad_link}")
    if not SLUG_RE.match(deck) or not deck_dir.is_dir():
        near = _deck_meant(Path(corpus_root), deck)
        hint = f"; did you mean {near}/{page:03d}?" if near else ""
        raise BadInputError(f"no deck {deck!r} in {corpus_root}{hint}")
    if section is None:  # any page: a label past the deck's end (left when it lost slides)
        return set_section(deck_dir, page, None)  # is removed all the same; none is no error
    pages = {s.page for s in scan_deck(deck_dir, Path(corpus_root), [])}  # as the build does
    if page not in pages:
        raise BadInputError(f"{deck} has no slide {page}: its slides are "
                            f"{_ranges(sorted(pages)) or 'none'}")
    return set_section(deck_dir, page, section)


def _deck_meant(corpus_root: Path, typed: str) -> str | None:
    """The deck of the corpus a slug typed wrong means: the same but for its case
    ("LumenFarm": lumenfarm), else the closest spelling; None when none is near."""
    slugs = [d.name for d in corpus_root.iterdir() if SLUG_RE.match(d.name) and d.is_dir()]
    key = typed.lower()
    near = [key] if key in slugs else difflib.get_close_matches(key, slugs, n=1)
    return near[0] if near else None


def _ranges(pages: list[int]) -> str:
    """[1, 2, 3, 5] -> "1-3, 5"."""
    runs: list[list[int]] = []
    for page in pages:
        if runs and page == runs[-1][1] + 1:
            runs[-1][1] = page
        else:
            runs.append([page, page])
    return ", ".join(f"{a}-{b}" if b > a else str(a) for a, b in runs)


def set_section(deck_dir: Path, page: int, section: str | None) -> Path:
    """Write ``page = "section"`` under deck.toml's ``[sections]`` (``None`` removes it).

    The file is edited as text, so its comments and layout stay as written; the result
    is parsed again and must say exactly that, else nothing is written.
    """
    toml_path = deck_dir / "deck.toml"
    raw = toml_path.read_bytes() if toml_path.exists() else b""
    bom = "\ufeff" if raw.startswith(codecs.BOM_UTF8) else ""  # Notepad's, kept as it was
    try:  # bytes, so that CRLF line ends stay as they are
        text = raw.decode("utf-8-sig")
        before = _labels_of_page(tomllib.loads(text), page)
    except UnicodeDecodeError as exc:  # UTF-16 or cp1252: said as the build says it
        raise BadInputError(f"{toml_path}: not UTF-8 text; save it as UTF-8, then label "
                            "again") from exc
    except TOML_ERRORS as exc:
        raise BadInputError(f"{toml_path}: fix it first, it does not read as TOML "
                            f"({toml_error(exc)})") from exc
    if section is None and not before:
        return toml_path  # nothing set by hand to remove
    newline = "\r\n" if "\r\n" in text else "\n"
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += newline
    entry = [f'{page} = "{section}"{newline}'] if section else []
    start = next((i for i, ln in enumerate(lines) if _SECTIONS_HEADER.match(ln)), None)
    if start is None:
        lines += ([newline] if lines and lines[-1].strip() else []) + [f"[sections]{newline}",
                                                                        *entry]
    else:
        end = next(
            (i for i in range(start + 1, len(lines)) if _TABLE_HEADER.match(lines[i])), len(lines)
        )
        key = re.compile(rf'^(\s*)(?:0*{page}|"0*{page}"|\'0*{page}\')\s*=[^#]*(#.*)?$')
        found = [i for i in range(start + 1, end) if key.match(lines[i].rstrip("\r\n"))]
        if found:  # the first keeps its indent and comment; repeats of the page go
            indent, comment = key.match(lines[found[0]].rstrip("\r\n")).groups()
            if section:
                entry = [f'{indent}{page} = "{section}"{"  " + comment if comment else ""}'
                         f"{newline}"]
            for i in reversed(found[1:]):
                del lines[i]
            lines[found[0] : found[0] + 1] = entry
        else:
            last = max((i for i in range(start, end)
                        if lines[i].strip() and not lines[i].lstrip().startswith("#")),
                       default=start)
            lines[last + 1 : last + 1] = entry
    if section is None:
        _drop_empty_sections(lines)
    # NFC, as `add` writes and the build reads: a decomposed "ü" left by a paste becomes
    # the one letter it shows as (canonically the same text: nothing else changes)
    edited = unicodedata.normalize("NFC", "".join(lines))
    try:
        done = _labels_of_page(tomllib.loads(edited), page) == ([section] if section else [])
    except tomllib.TOMLDecodeError:
        done = False
    if not done:
        by_hand = f'{page} = "{section}" under [sections]' if section else f"page {page}"
        raise BadInputError(
            f"{toml_path}: its sections are written in a form this command does not edit; "
            f"{'write' if section else 'remove'} {by_hand} by hand"
        )
    atomic_write(toml_path, (bom + edited).encode("utf-8"))
    return toml_path


def _drop_empty_sections(lines: list[str]) -> None:
    """A [sections] header left with nothing under it goes too, with the blank line that
    parted it from the metadata: labelling a slide and clearing it gives deck.toml back."""
    start = next((i for i, ln in enumerate(lines) if _SECTIONS_HEADER.match(ln)), None)
    if start is None:
        return
    end = next((i for i in range(start + 1, len(lines)) if _TABLE_HEADER.match(lines[i])),
               len(lines))
    if any(ln.strip() for ln in lines[start + 1 : end]):
        return  # labels of other pages, or the curator's comments
    first = start - 1 if start > 0 and not lines[start - 1].strip() else start
    del lines[first:end]


def hand_label(deck_dir: Path, page: int) -> str | None:
    """What deck.toml's [sections] sets this page to, as written (None: nothing, or a
    deck.toml that is missing or does not read)."""
    data = _deck_table(deck_dir)
    labels = _labels_of_page(data, page) if data is not None else []
    return str(labels[0]) if labels else None


def _deck_table(deck_dir: Path) -> dict | None:
    """deck.toml's table; None when it is missing or does not read."""
    try:
        return tomllib.loads((Path(deck_dir) / "deck.toml").read_bytes().decode("utf-8-sig"))
    except (OSError, UnicodeDecodeError, *TOML_ERRORS):
        return None


def hand_labelled_pages(corpus_root: Path, deck: str) -> set[int] | None:
    """The pages of ``deck`` labelled by hand now, read as the build reads deck.toml's
    [sections] (a bad entry is no label); None when the corpus has no such deck."""
    deck_dir = Path(corpus_root) / deck
    if link_problem(deck_dir, Path(corpus_root)) or not SLUG_RE.match(deck) \
            or not deck_dir.is_dir():
        return None
    meta = read_deck_meta(deck_dir, [], Path(corpus_root))
    return {int(page) for page in meta.sections}


def _labels_of_page(data: dict, page: int) -> list[object]:
    """What deck.toml's [sections] says of one page, under any spelling of it ("3", "003")."""
    table = data.get("sections", {})
    if not isinstance(table, dict):
        return [table]  # not a table: nothing this command can edit
    return [label for key, label in table.items()
            if re.fullmatch(r"[0-9]{1,4}", key) and int(key) == page]


def _toml(meta: dict) -> str:
    lines = []
    for key in META_KEYS:
        if key not in meta:
            continue
        value = meta[key]
        if key == "year":
            lines.append(f"{key} = {int(value)}")
        elif isinstance(value, bool):
            lines.append(f"{key} = {str(value).lower()}")
        else:
            # control characters (a pasted \r, a tab, DEL) would make the file unreadable TOML
            # NFC: a name pasted decomposed ("u" + U+0308, as a Mac often gives it) is
            # stored as the one letter "ü" that searches and other files spell
            flat = re.sub(r"[\x00-\x1f\x7f]+", " ", unicodedata.normalize("NFC", str(value)))
            escaped = flat.replace("\\", "\\\\").replace('"', '\\"')
            lines.append(f'{key} = "{escaped}"')
    return "\n".join(lines) + "\n"
