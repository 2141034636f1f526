"""PDF and presentation decks, and the bytes of a slide's source.

A deck folder may hold a PDF instead of images: each page is one slide, whose
source names the page (``deck.pdf#p3``) and is rendered to PNG when a stage reads
it. ``deckgen add`` converts presentations to PDF with headless LibreOffice first.
Like all of the corpus these files are untrusted: a PDF that cannot be opened says
why (password, truncated, not a PDF at all), a freak page size is rendered smaller,
never into gigabytes, and no source outside the corpus is read.

A page's own text layer, where it has a usable one, is read in the same guarded work as
its rendering (``read_source_and_text``): its exact words, in the rendered image's pixels,
go into the slide's OCR beside what Tesseract reads in the page's pictures.
"""

from __future__ import annotations

import functools
import io
import itertools
import math
import os
import pickle
import re
import signal
import threading
import time
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

from deckgen.errors import BadInputError, SlideError
from deckgen.files import sha256_bytes, sha256_file

PDF_EXTENSION = ".pdf"
PDF_RENDER_WIDTH = 1920  # PDF pages are vector: render them at a size OCR reads well
PDF_RENDER_MAX_PIXELS = 20_000_000  # a 1920 px wide page is 2 Mpx; this is 4.5 times A4's
PDF_RENDER_MAX_SIDE = 16_000  # Tesseract reads at most 32,767 px a side, so x2 still fits
PDF_RENDER_RULE = "/pictures-native-2"  # in a PDF page's identity: how pages are rendered
# What opening a PDF or rendering a page may cost, in a child process: a real page renders
# in well under a second; a hostile one (a page that fills itself a million times, forms
# nested twenty deep, a page tree of millions of kids) would take hours or gigabytes
PDF_PAGE_SECONDS = 60.0
PDF_OPEN_SECONDS = 30.0
PDF_MEMORY_BYTES = 4 << 30  # beyond what the process already holds
# in a PDF page's OCR key (build.py): how its text layer is read and used
# 2: words record their source; 3: hidden text under text or joined onto a word, and text
# under 7 px, left out; right-to-left words in visual order turned round, superscripts parted
# from their words (QA-80, QA-82, QA-84)
PDF_TEXT_LAYER_RULE = "pdf-text-3"
# a layer is used when it has this many letters or digits, at least half of what it shows
# is letters or digits, and at most this share of its characters are garbage (a font
# without a ToUnicode map: U+FFFD, private-use or control characters, pdfium's map errors)
_LAYER_MIN_LETTERS = 4
_LAYER_MAX_GARBAGE = 0.05
_GARBAGE_CATEGORIES = frozenset({"Cn", "Co", "Cs", "Cc"})  # unassigned, private, control
# more characters than a slide ever shows: not read one by one in the page's time (OCR alone)
_LAYER_MAX_CHARS = 100_000
# share of the page's height at the top and the bottom where its page number sits: there a
# layer line that is the page's own number is left out ("7", "Page 7", "7 / 25", "7 of 25"),
# which a layer has even where it is drawn too small or faint for Tesseract (on a cover it
# read as a figure: "layout: numeric"); an axis label "0" or "100" there stays
_PAGE_NUMBER_MARGIN = 0.12
# a layer word shows when this share of its box (2 px at least) changes by more than this
# many grey levels between the page rendered with its text and without (``_shown_words``)
_SHOWN_SHARE = 0.01
_SHOWN_STEP = 24
# a layer word drawn less tall than this (px, as rendered) shows as a smear nobody reads:
# text shrunk to 1 pt to hide it was published as exact (QA-82), and Chromium's 3 px text is
# 6 px tall at 1920 px (QA-84); a 6 pt footnote is 9-12 px. Words of letters or figures only:
# a dash is a thin line at any size, and its place keeps a heading's line whole
_LEGIBLE_HEIGHT = 7
# a superscript: a run of characters this much smaller than the word's others, whose baseline
# is this share of their height higher ("TAM" and a raised "1", ``_raised_apart``)
_RAISED_SMALLER = 0.9
_RAISED_BY = 0.15
# what a raised run holds to be parted from its word: a footnote's mark, a power (10⁶);
# raised letters stay (an ordinal's "1st", "Mme")
_RAISED_MARKS = frozenset("0123456789*†‡§¶,")
_SUPERSCRIPT_DIGITS = frozenset("¹²³⁰⁴⁵⁶⁷⁸⁹")
# Hebrew to Arabic Extended-A, and their presentation forms: a word with none reads as stored
_RIGHT_TO_LEFT = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc]")

# A page's text layer: its lines (as drawn), each a list of (word, [x, y, w, h]) in the
# rendered page's pixels, the space that OCR word boxes use for a PDF page
TextLayer = list[list[tuple[str, list[int]]]]
# which text objects drew each layer word (their addresses), by (word, tuple of its box)
DrawnBy = dict[tuple[str, tuple[int, ...]], set[int]]
# a layer word drawn by several text objects: its runs of one object's characters, each as
# (text, tuple of its box), in DrawnBy too (``_shown_words``)
Runs = dict[tuple[str, tuple[int, ...]], list[tuple[str, tuple[int, ...]]]]


class _Char(NamedTuple):
    """A character of the page's text layer (``_layer_chars``)."""

    text: str
    box: Any = None  # (left, bottom, right, top) in points; None: it parts words
    garbage: bool = False
    drawn_by: int = 0  # its text object's address
    index: int = -1  # in pdfium's text page


_SPACE, _BREAK = _Char(" "), _Char("\n")


def _inside(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root.resolve())
        return True
    except (ValueError, RuntimeError, OSError):  # outside, or a symlink loop
        return False


class _TooCostly(Exception):
    """A PDF took more time or memory than a real one ever needs. ``lasting``: it would
    again (its own processor time, deckgen's own memory limit), not because the machine
    was busy or paused, or the user's ulimit was lower."""

    def __init__(self, message: str, *, lasting: bool):
        super().__init__(message)
        self.lasting = lasting


class PdfPageTooCostly(SlideError):
    """A page that took more processor time or memory than a real one ever needs: the same
    again next time, so a build remembers it (``refusal_key``) instead of trying again."""


def refusal_key(upscale_key: str) -> str:
    """The cache key of a page's refusal: its source and settings, and these limits."""
    from deckgen.cache import stage_key

    return stage_key("pdf-refused", "1", [PDF_PAGE_SECONDS, PDF_MEMORY_BYTES], upscale_key)


# one fork at a time: another thread's child must not inherit this call's pipe (it would
# hold the pipe open, and this call wait for that child)
_FORK_LOCK = threading.Lock()
# the wall clock's allowance over ``seconds`` of the child's processor time: a busy or
# paused machine (a laptop asleep) must not make a page fail, let alone be remembered so
_WALL_CLOCK_FACTOR = 3


def _contained(fn: Callable[..., Any], *args: Any, seconds: float) -> Any:
    """``fn(*args)`` in a forked child held to ``seconds`` of processor time (and a few
    times that on the wall clock) and ``PDF_MEMORY_BYTES`` more memory: pdfium's C code
    cannot be interrupted, so a hostile PDF costs a child, never the build (or its worker).
    The child is killed when this call ends in any way (an interrupt too) and dies with its
    parent. Where there is no fork (Windows), in this process."""
    if not hasattr(os, "fork"):
        return fn(*args)
    memory = _memory_wanted()  # the child's, which starts with what this process maps
    users_cap = _users_memory_cap(memory)  # the child inherits it
    with _FORK_LOCK:
        read_end, write_end = os.pipe()
        parent = os.getpid()
        # Ctrl-C or SIGTERM held over the fork: one landing in its at-fork hooks raised a
        # KeyboardInterrupt that Python ignores there, and the stop was lost (a CI flake)
        held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
        pid = os.fork()
        if pid == 0:
            signal.pthread_sigmask(signal.SIG_SETMASK, held)
            _child(fn, args, read_end, write_end, seconds, memory, parent)  # never returns
        os.close(write_end)
    wall = seconds * _WALL_CLOCK_FACTOR
    try:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)  # a held stop is raised here
        received = _read_until(read_end, time.monotonic() + wall)
    except TimeoutError:
        raise _TooCostly(f"did not finish in {wall:.0f} s (a drawing far too complex, or "
                         "this machine too busy: tried again next build)",
                         lasting=False) from None
    finally:
        os.close(read_end)
        os.kill(pid, signal.SIGKILL)  # done (a zombie: no effect), or still rendering
        _, status = os.waitpid(pid, 0)
    if users_cap is not None:
        too_big = _TooCostly(f"needs more memory than this process may have (ulimit -v "
                             f"{users_cap >> 10}): tried again next build", lasting=False)
    else:
        too_big = _TooCostly(f"needs over {PDF_MEMORY_BYTES / 2**30:g} GB of memory (a "
                             "damaged or hostile file)", lasting=True)
    if not received:  # it died before it could answer
        died_of = os.WTERMSIG(status) if os.WIFSIGNALED(status) else 0
        if died_of == signal.SIGXCPU:
            raise _TooCostly(f"took over {seconds:.0f} s of processor time (a drawing far too "
                             "complex: a damaged or hostile file)", lasting=True)
        if died_of == signal.SIGABRT:  # what pdfium does when an allocation fails
            raise too_big
        raise _TooCostly(f"crashed the PDF reader (exit status {status}; a damaged or "
                         "hostile file)", lasting=False)
    ok, value = pickle.loads(received)
    if ok:
        return value
    raise too_big if isinstance(value, MemoryError) else value


def _memory_wanted() -> int | None:
    """``PDF_MEMORY_BYTES`` more than this process maps now (None without /proc: macOS)."""
    import resource

    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[0]) * resource.getpagesize() + PDF_MEMORY_BYTES
    except OSError:
        return None


def _users_memory_cap(wanted: int | None) -> int | None:
    """The user's own address-space limit (ulimit -v) where it is below ``wanted``, else
    None (deckgen's ``PDF_MEMORY_BYTES`` is the limit)."""
    import resource

    cap = resource.getrlimit(resource.RLIMIT_AS)[0]
    if wanted is None or cap == resource.RLIM_INFINITY or cap >= wanted:
        return None
    return cap


def _child(fn: Callable[..., Any], args: tuple, read_end: int, write_end: int,
           seconds: float, memory: int | None, parent: int) -> None:
    """The forked child: compute, send (ok, result or exception), leave at once."""
    try:
        os.close(read_end)
        _quiet_child()
        _limit_child(seconds, memory, parent)
        try:
            sent = pickle.dumps((True, fn(*args)))
        except BaseException as exc:  # noqa: BLE001 - every failure goes to the parent
            sent = _pickled_failure(exc)
        with os.fdopen(write_end, "wb") as out:
            out.write(sent)
    finally:
        os._exit(0)


def _pickled_failure(exc: BaseException) -> bytes:
    """(False, exc) pickled, or (False, RuntimeError) for an exception that pickles but
    does not unpickle (one whose __init__ takes other arguments)."""
    try:
        sent = pickle.dumps((False, exc))
        pickle.loads(sent)
        return sent
    except Exception:  # noqa: BLE001 - anything pickle raises
        return pickle.dumps((False, RuntimeError(f"{type(exc).__name__}: {exc}")))


def _read_until(fd: int, deadline: float) -> bytes:
    """Everything the child sends, or TimeoutError at ``deadline``."""
    import select

    waiting = select.poll()  # not select(): any fd number, however many files are open
    waiting.register(fd, select.POLLIN)
    chunks = []
    while True:
        left = deadline - time.monotonic()
        if left <= 0 or not waiting.poll(left * 1000):
            raise TimeoutError
        if not (chunk := os.read(fd, 1 << 20)):
            return b"".join(chunks)
        chunks.append(chunk)


def _quiet_child() -> None:
    """An abort at the memory limit says why in the parent's words, not with a crash dump
    on the user's terminal (pdfium's, or faulthandler's where it is on)."""
    import faulthandler

    faulthandler.disable()
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    os.close(devnull)


def _limit_child(seconds: float, memory: int | None, parent: int) -> None:
    """The child's own limits, which hold even if its parent is gone: ``memory`` bytes of
    address space (``_memory_wanted``), ``seconds`` of processor time, and death with its
    parent (Linux), each within what the user's own limits (ulimit) allow."""
    import resource

    def lower(kind: int, wanted: int) -> None:
        soft, hard = resource.getrlimit(kind)
        cap = [limit for limit in (soft, hard) if limit != resource.RLIM_INFINITY]
        try:
            resource.setrlimit(kind, (min([wanted, *cap]), hard))
        except (ValueError, OSError):
            pass  # a limit already lower stays

    if memory is not None:  # no /proc (macOS): no memory limit
        lower(resource.RLIMIT_AS, memory)
    lower(resource.RLIMIT_CPU, math.ceil(seconds))
    try:
        import ctypes

        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass  # not Linux: the CPU limit ends it
    if os.getppid() != parent:  # the parent went before prctl took
        os._exit(1)


def pdf_page_count(path: Path) -> int:
    """The number of pages of a PDF (at least one); BadInputError says why it has none."""
    import pypdfium2  # noqa: F401 - here, once: each child would import it again

    try:
        count = _contained(_count_pages, path, seconds=PDF_OPEN_SECONDS)
    except _TooCostly as exc:
        raise BadInputError(f"not read: opening it {exc}") from None
    if count == 0:
        raise BadInputError("not a readable PDF (it has no pages)")
    return count


def _count_pages(path: Path) -> int:
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        raise BadInputError(_unreadable_pdf(path, str(exc))) from None
    try:
        return len(pdf)
    finally:
        pdf.close()


# a web page saved under a file's name ("Save as" on a download's page, a login page)
_HTML_START = re.compile(rb"^(\xef\xbb\xbf)?\s*<(!doctype html|html|head|body|!--)", re.IGNORECASE)


def looks_like_html(data: bytes) -> bool:
    """Whether a file's first bytes are a web page's."""
    return bool(_HTML_START.match(data[:512]))


def _unreadable_pdf(path: Path, said: str) -> str:
    """Why PDFium could not open a PDF. Its error code is left over from the last failure
    when it sets none (a PDF with no pages), so the file itself is looked at first."""
    try:
        with open(path, "rb") as file:
            head = file.read(1 << 20)
            file.seek(max(file.seek(0, 2) - (64 << 10), 0))  # the trailer, an xref stream
            tail = file.read()
    except OSError as exc:
        return f"cannot read the PDF: {exc.strerror or exc}"
    if not head:
        return "not a readable PDF (the file is empty); download or export it again"
    if looks_like_html(head):
        return "not a PDF (HTML page? save the PDF itself, not the web page)"
    if b"%PDF-" not in head[:1024]:
        return "not a readable PDF (it does not start with %PDF-: not a PDF at all)"
    if "password" in said.lower() and b"/Encrypt" in head + tail:
        return "PDF is password-protected; export an unlocked copy"
    if b"%%EOF" not in tail:
        return "not a readable PDF (truncated: it has no end); download or export it again"
    if re.search(rb"/Count\s+0\b", head) and not re.search(rb"/Type\s*/Page\b", head):
        return "not a readable PDF (it has no pages)"
    return "not a readable PDF (damaged); download or export it again"


def as_pdf(path: Path, work_dir: Path) -> Path:
    """A PDF as it is; a presentation converted into ``work_dir`` (see presentation_to_pdf)."""
    if path.suffix.lower() == PDF_EXTENSION:
        return path
    from deckgen.corpus_office import presentation_to_pdf  # LibreOffice: `deckgen add` only

    return presentation_to_pdf(path, work_dir)


def render_pdf_page(path: Path, page: int, width: int = PDF_RENDER_WIDTH) -> bytes:
    """Render one 1-based page to PNG bytes (``read_pdf_page``)."""
    return read_pdf_page(path, page, "png", width)


def render_pdf_page_and_text(path: Path, page: int) -> tuple[bytes, TextLayer | None]:
    """``render_pdf_page``, and the page's text layer (``_text_layer``) read in the same
    child: its words in the rendered PNG's pixels; None where it has no usable one."""
    return read_pdf_page(path, page, "png+text")


def pdf_text_layer(path: Path, page: int) -> TextLayer | None:
    """A page's text layer as ``render_pdf_page_and_text`` gives it, without the PNG (its
    upscaled image is cached; its OCR is not). The page is still rendered, twice: which of
    its words show is seen on the rendering (``_shown_words``)."""
    return read_pdf_page(path, page, "text")


def read_pdf_page(path: Path, page: int, wanted: str, width: int = PDF_RENDER_WIDTH) -> Any:
    """One 1-based page as ``wanted`` ("png", "text" or "png+text": ``_render_page``), read
    one page at a time in a child process (``_contained``: a page that would take hours or
    gigabytes fails alone)."""
    import pypdfium2  # noqa: F401 - here, once: each child would import it again

    try:
        return _contained(_render_page, path, page, width, wanted, seconds=PDF_PAGE_SECONDS)
    except _TooCostly as exc:
        failure = PdfPageTooCostly if exc.lasting else SlideError
        doing = "read the text of" if wanted == "text" else "render"
        raise failure(f"cannot {doing} PDF page {page}: it {exc}") from None


def _render_page(path: Path, page: int, width: int, wanted: str = "png") -> Any:
    """``wanted``: "png" (the PNG bytes), "text" (the text layer) or "png+text" (both)."""
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        raise SlideError(f"cannot open PDF: {exc}") from exc
    try:
        pdf_page = pdf[page - 1]
        scale = _render_scale(pdf_page, width)
        # the bitmap's size as PdfPage.render makes it, and the device space of its words
        size = (math.ceil(pdf_page.get_width() * scale), math.ceil(pdf_page.get_height() * scale))
        drawn_by: DrawnBy = {}
        runs: Runs = {}
        layer = (_readable_text_layer(pdf_page, size, page, drawn_by, runs)
                 if "text" in wanted else None)
        image = pdf_page.render(scale=scale).to_pil().convert("RGB")
        if layer:  # after the rendering: it makes the page's text invisible
            layer = _shown_words(pdf_page, scale, image, layer, drawn_by, runs)
        if wanted == "text":
            return layer
        buf = io.BytesIO()
        image.save(buf, format="PNG", compress_level=1)
        return (buf.getvalue(), layer) if "text" in wanted else buf.getvalue()
    except pdfium.PdfiumError as exc:
        raise SlideError(f"cannot render PDF page {page}: {exc}") from exc
    finally:
        pdf.close()


def _readable_text_layer(pdf_page: Any, size: tuple[int, int], page: int,
                         drawn_by: DrawnBy | None = None,
                         runs: Runs | None = None) -> TextLayer | None:
    """``_text_layer`` without the page's own page number (``_PAGE_NUMBER_MARGIN``), or None
    where reading it fails: the page is read by OCR alone, as one without a layer, and never
    fails for its layer."""
    try:
        layer = _text_layer(pdf_page, size, drawn_by, runs)
    except Exception:  # pdfium's errors on a damaged text page, whatever they are
        return None
    number = re.compile(rf"(page\s*)?{page}(\s*(/|of)\s*\d+)?", re.IGNORECASE)
    margin = _PAGE_NUMBER_MARGIN * size[1]

    def page_number(line: list[tuple[str, list[int]]]) -> bool:
        top = min(box[1] for _, box in line)
        bottom = max(box[1] + box[3] for _, box in line)
        return ((bottom <= margin or top >= size[1] - margin)
                and number.fullmatch(" ".join(text for text, _ in line)) is not None)

    def footer_end(line: list[tuple[str, list[int]]]) -> int:
        """How many words at the end of a footer line are the page number set apart from
        the rest ("Brightloom · Confidential      Page 7"); none on a row of figures alone,
        a chart's axis ("1 2 3 4 5")."""
        if all(any(ch.isdigit() for ch in text) for text, _ in line):
            return 0
        for count in (3, 2, 1):
            if len(line) > count and page_number(line[-count:]):
                before, first = line[-count - 1][1], line[-count][1]
                if first[0] - (before[0] + before[2]) > 2 * first[3]:
                    return count
        return 0

    kept = []
    for line in layer or []:
        if page_number(line) or _letter_spaced(line) or _mixed_directions(line):
            continue  # Tesseract reads these whole (see each)
        kept.append(line[:len(line) - footer_end(line)])
    return [line for line in kept if line] or None


def _mixed_directions(line: list[tuple[str, list[int]]]) -> bool:
    """Right-to-left words among left-to-right ones or figures ("שותפות עם Acme Corp"), whose
    order neither pdfium nor the layout gets right (QA-79)."""
    from deckgen.ocr_layout import is_letter

    directions = {unicodedata.bidirectional(ch) for text, _ in line for ch in text
                  if is_letter(ch) or ch.isdigit()}
    return bool(directions & {"R", "AL"}) and bool(directions - {"R", "AL", "NSM"})


def _letter_spaced(line: list[tuple[str, list[int]]]) -> bool:
    """A line set with wide letter spacing, which pdfium reads as one word a letter (QA-77:
    "M A R K E T O P P O R T U N I T Y")."""
    single = sum(len(text) == 1 and text.isalpha() for text, _ in line)
    return len(line) >= 4 and single >= 0.6 * len(line)


def _shown_words(pdf_page: Any, scale: float, image: Any, layer: TextLayer,
                 drawn_by: DrawnBy, runs: Runs | None = None) -> TextLayer | None:
    """The layer's words whose own ink shows on ``image``, the page rendered at ``scale``: the
    page is rendered again with every text object invisible, and a word whose box does not
    change is not seen by anyone (QA-77: a "hide before sending" note under a picture, white
    text on white, a layer of the PDF switched off). Tesseract reads what shows there.

    A box changes too where another word's ink leaves it: white text under black text, or
    under a line's descenders, was published (QA-80). So a word counts only the pixels that
    turned towards its own ink's grey (``_ink_greys``); one whose ink says otherwise or
    cannot be read (a gradient reads as white) is drawn alone, with the page's other text
    invisible, and kept where that changes its box: one more rendering, on such pages only.
    A copy of a word's text object drawn in the same place is its ink too: pdfium's text
    page reads only one of them (Chromium draws a text-shadow so: black text, white over it).

    pdfium joins characters of text objects drawn side by side into one word ("sharply" and a
    white "Glueleak"): such a word's runs of one object (``runs``) are judged each as a word
    is, by the word's height, and only those that show are kept (QA-84).
    Changes the page's text objects: call it last."""
    import numpy as np
    import pypdfium2.raw as pdfium_c

    try:
        found = list(pdf_page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_TEXT], max_depth=16))
        objects = {_address(obj.raw): obj.raw for obj in found}
        modes = {at: pdfium_c.FPDFTextObj_GetTextRenderMode(raw) for at, raw in objects.items()}
        read = set().union(*drawn_by.values())
        own = {at: {at} for at in read}  # a text object the layer read, and its copies
        if objects.keys() - read:
            places = {_address(obj.raw): tuple(round(v, 1) for v in obj.get_bounds())
                      for obj in found}
            read_at = {places[at]: at for at in read if at in places}
            for at, place in places.items():
                if at not in read and place in read_at:
                    own[read_at[place]].add(at)
        inks = {}  # a text object the layer read: its ink's greys and its copies'
        for at, copies in own.items():
            greys = [_ink_greys(objects[c], modes[c]) if c in objects else None for c in copies]
            inks[at] = None if None in greys else set().union(*greys)
        for raw in objects.values():
            pdfium_c.FPDFTextObj_SetTextRenderMode(raw, pdfium_c.FPDF_TEXTRENDERMODE_INVISIBLE)
        bare = np.asarray(pdf_page.render(scale=scale).to_pil().convert("L"), dtype=np.int16)
    except Exception:  # pdfium's errors, whatever they are: the page is left to OCR alone
        return None
    shown = np.asarray(image.convert("L"), dtype=np.int16)
    # towards black ink and towards white: most text's, worked out for the page at once
    lighter_by = shown - bare
    darker, lighter = lighter_by < -_SHOWN_STEP, lighter_by > _SHOWN_STEP
    changed = darker | lighter

    def area(box: tuple[int, ...]) -> tuple[slice, slice]:
        x, y, w, h = box
        return slice(max(y, 0), y + h), slice(max(x, 0), x + w)

    def enough(pixels: Any) -> bool:
        return int(pixels.sum()) >= max(2, _SHOWN_SHARE * pixels.size)

    def towards_its_ink(word: tuple[str, tuple[int, ...]]) -> bool:
        greys = [inks.get(at) for at in drawn_by.get(word, ())]
        if not greys or None in greys:
            return False
        at = area(word[1])

        def closer(grey: int) -> Any:  # the pixels nearer ``grey`` than they were
            if grey in (0, 255):
                return (darker if grey == 0 else lighter)[at]
            return np.abs(bare[at] - grey) - np.abs(shown[at] - grey) > _SHOWN_STEP

        return any(enough(closer(grey)) for grey in set().union(*greys))

    runs = runs or {}
    # True: it shows; False: it does not; None: to be drawn alone
    shows: dict[tuple[str, tuple[int, ...]], bool | None] = {}
    for text, box in (word for line in layer for word in line):
        for word in runs.get((text, tuple(box)), [(text, tuple(box))]):
            if word not in shows:
                legible = box[3] >= _LEGIBLE_HEIGHT or not any(map(str.isalnum, text))
                shows[word] = (legible and enough(changed[area(word[1])])
                               and (towards_its_ink(word) or None))
    doubtful = [word for word, verdict in shows.items() if verdict is None]
    if doubtful:
        try:
            for at in set().union(*(own.get(at, {at}) for word in doubtful
                                    for at in drawn_by.get(word, ()))) & objects.keys():
                pdfium_c.FPDFTextObj_SetTextRenderMode(objects[at], modes[at])
            alone = np.asarray(pdf_page.render(scale=scale).to_pil().convert("L"),
                               dtype=np.int16)
        except Exception:  # as above
            return None
        alone_changed = np.abs(alone - bare) > _SHOWN_STEP
        for word in doubtful:
            shows[word] = enough(alone_changed[area(word[1])])
    kept = [[shown for text, box in line for shown in _shown_runs(text, box, runs, shows)]
            for line in layer]
    return [line for line in kept if line] or None


def _shown_runs(text: str, box: list[int], runs: Runs,
                shows: dict[tuple[str, tuple[int, ...]], bool | None],
                ) -> list[tuple[str, list[int]]]:
    """A layer word as it shows (``_shown_words``): whole, or none of it, or its runs of
    one text object that show, those side by side as one word."""
    parts = runs.get((text, tuple(box)), [(text, tuple(box))])
    if all(shows[part] for part in parts):
        return [(text, box)]
    shown: list[tuple[str, list[int]]] = []
    joined = False  # the run before this one shows: this one goes on its word
    for part in parts:
        if not shows[part]:
            joined = False
            continue
        part_text, (x, y, w, h) = part
        if joined:
            before, (bx, by, bw, bh) = shown.pop()
            right, bottom = max(x + w, bx + bw), max(y + h, by + bh)
            part_text, x, y = before + part_text, min(x, bx), min(y, by)
            w, h = right - x, bottom - y
        shown.append((part_text, [x, y, w, h]))
        joined = True
    return shown


def _ink_greys(text_object: Any, mode: int) -> set[int] | None:
    """The grey levels (as ``Image.convert("L")`` gives them) of a text object's ink as its
    render mode draws it: its fill, its stroke or both; None where it draws none (clipping
    only) or pdfium cannot read its colour."""
    import ctypes

    import pypdfium2.raw as pdfium_c

    fills = mode in (pdfium_c.FPDF_TEXTRENDERMODE_FILL, pdfium_c.FPDF_TEXTRENDERMODE_FILL_STROKE,
                     pdfium_c.FPDF_TEXTRENDERMODE_FILL_CLIP,
                     pdfium_c.FPDF_TEXTRENDERMODE_FILL_STROKE_CLIP)
    strokes = mode in (pdfium_c.FPDF_TEXTRENDERMODE_STROKE,
                       pdfium_c.FPDF_TEXTRENDERMODE_FILL_STROKE,
                       pdfium_c.FPDF_TEXTRENDERMODE_STROKE_CLIP,
                       pdfium_c.FPDF_TEXTRENDERMODE_FILL_STROKE_CLIP)
    red, green, blue, alpha = (ctypes.c_uint() for _ in range(4))
    greys = set()
    for drawn, read in ((fills, pdfium_c.FPDFPageObj_GetFillColor),
                        (strokes, pdfium_c.FPDFPageObj_GetStrokeColor)):
        if drawn:
            if not read(text_object, red, green, blue, alpha):
                return None
            greys.add((red.value * 299 + green.value * 587 + blue.value * 114) // 1000)
    return greys or None


def _address(handle: Any) -> int:
    """A pdfium handle's address: one text object, reached from the text page or the page."""
    import ctypes

    return ctypes.addressof(handle.contents) if handle else 0


def _text_layer(pdf_page: Any, size: tuple[int, int], drawn_by: DrawnBy | None = None,
                runs: Runs | None = None) -> TextLayer | None:
    """The page's words with their boxes in the pixels of a rendering ``size`` px large,
    line by line as pdfium reads them; None where the layer is unusable (see
    ``_LAYER_MIN_LETTERS``): OCR alone reads that page, as it reads a picture.

    Text drawn invisible (render mode 3: a scanner's OCR layer over its scan) is left out:
    it is another program's reading of a picture, which Tesseract reads here as it reads
    every picture. So is text whose box lies outside the rendered page (outside the crop
    box: nobody sees it on the slide), and text not upright on the rendered page (a chart's
    axis label set sideways: its box, as tall as the label is long, would read as the
    biggest line, the title). A word with a garbage character in a usable layer is left out
    too; for each of these Tesseract's reading of its place stays. ``drawn_by`` gets which
    text objects drew each word and ``runs`` the runs of one object's characters of a word
    several drew (``_shown_words``).
    """
    import ctypes

    import pypdfium2.raw as pdfium_c

    chars = _layer_chars(pdf_page)
    if chars is None:
        return None
    shown = [char for char in chars if char.box is not None]
    letters = sum(char.text.isalnum() and not char.garbage for char in shown)
    if (letters < _LAYER_MIN_LETTERS or letters < 0.5 * len(shown)
            or sum(char.garbage for char in shown) > _LAYER_MAX_GARBAGE * len(shown)):
        return None
    x, y = ctypes.c_int(), ctypes.c_int()

    def to_pixels(page_x: float, page_y: float) -> tuple[int, int]:
        # the page's own rotation and crop box, as FPDF_RenderPageBitmap draws it
        pdfium_c.FPDF_PageToDevice(pdf_page.raw, 0, 0, *size, 0, page_x, page_y, x, y)
        return x.value, y.value

    def pixels_of(chars: list[_Char]) -> list[int]:
        corners = [to_pixels(min(c.box[0] for c in chars), min(c.box[1] for c in chars)),
                   to_pixels(max(c.box[2] for c in chars), max(c.box[3] for c in chars))]
        left, right = sorted(c[0] for c in corners)
        top, bottom = sorted(c[1] for c in corners)
        return [left, top, max(right - left, 1), max(bottom - top, 1)]

    lines: TextLayer = [[]]
    word: list[_Char] = []
    for char in [*chars, _BREAK]:
        if char.box is not None:
            word.append(char)
            continue
        if word and not any(c.garbage for c in word):
            text, pixels = "".join(c.text for c in word), pixels_of(word)
            middle = (pixels[0] + pixels[2] / 2, pixels[1] + pixels[3] / 2)
            if 0 <= middle[0] < size[0] and 0 <= middle[1] < size[1]:
                lines[-1].append((text, pixels))
                key = (text, tuple(pixels))
                objects = {c.drawn_by for c in word}
                if drawn_by is not None:
                    drawn_by.setdefault(key, set()).update(objects)
                if drawn_by is not None and runs is not None and len(objects) > 1:
                    runs[key] = []
                    for at, run in itertools.groupby(word, lambda c: c.drawn_by):
                        run = list(run)
                        runs[key].append(("".join(c.text for c in run), tuple(pixels_of(run))))
                        drawn_by.setdefault(runs[key][-1], set()).add(at)
        word = []
        if char.text == "\n" and lines[-1]:
            lines.append([])
    return [line for line in lines if line] or None


def _layer_chars(pdf_page: Any) -> list[_Char] | None:
    """The page's characters, a space or a line break ("\\n") with box None for one that
    parts words or is left out (``_text_layer``), each word's as it is read (``_as_read``);
    None for more than ``_LAYER_MAX_CHARS``."""
    import pypdfium2.raw as pdfium_c

    textpage = pdf_page.get_textpage()
    try:
        count = textpage.count_chars()
        if count > _LAYER_MAX_CHARS:
            return None
        turned = pdf_page.get_rotation()  # degrees clockwise, as pdfium's character angles
        chars: list[_Char] = []
        word_start = 0
        for i in range(count):
            code = pdfium_c.FPDFText_GetUnicode(textpage, i)
            text_object = pdfium_c.FPDFText_GetTextObject(textpage, i)
            if code in (2, 0xFFFE):  # pdfium's hyphen at a line end, with no break after it:
                # a hyphen and a break, so that ``dehyphenate`` joins the word again
                chars.append(_Char("-", textpage.get_charbox(i), False, _address(text_object), i))
                chars[word_start:] = _as_read(chars[word_start:], textpage, turned)
                chars.append(_BREAK)
                word_start = len(chars)
                continue
            char = chr(code) if 0 < code < 0x110000 else "\ufffd"
            angle = (math.degrees(pdfium_c.FPDFText_GetCharAngle(textpage, i)) + turned) % 360
            if (char.isspace() or pdfium_c.FPDFText_IsGenerated(textpage, i) == 1
                    or min(angle, 360 - angle) > 10
                    or (text_object and pdfium_c.FPDFTextObj_GetTextRenderMode(text_object)
                        == pdfium_c.FPDF_TEXTRENDERMODE_INVISIBLE)):
                chars[word_start:] = _as_read(chars[word_start:], textpage, turned)
                chars.append(_BREAK if char in "\r\n" else _SPACE)
                word_start = len(chars)
                continue
            garbage = (unicodedata.category(char) in _GARBAGE_CATEGORIES or char == "\ufffd"
                       or pdfium_c.FPDFText_HasUnicodeMapError(textpage, i) == 1)
            chars.append(_Char(char, textpage.get_charbox(i), garbage, _address(text_object), i))
        chars[word_start:] = _as_read(chars[word_start:], textpage, turned)
        return chars
    finally:
        textpage.close()


def _as_read(word: list[_Char], textpage: Any, turned: int) -> list[_Char]:
    """A word's characters in the order they are read (``_logical_order``), a superscript
    parted from them by a space (``_raised_apart``)."""
    if len(word) < 2:
        return word
    text = "".join([char.text for char in word])
    if _RIGHT_TO_LEFT.search(text):
        word = _logical_order(word, textpage, turned)
    if not _SUPERSCRIPT_DIGITS.isdisjoint(text) or len({c.drawn_by for c in word}) > 1:
        word = _raised_apart(word, textpage, turned)
    return word


def _on_screen(x: float, y: float, turned: int) -> tuple[float, float]:
    """A point of the page as (across, up) on the page shown turned ``turned`` degrees
    clockwise (its /Rotate): which way is right and up for text upright there."""
    return {90: (y, -x), 180: (-x, -y), 270: (-y, x)}.get(turned, (x, y))


def _is_mark(char: str) -> bool:
    """A combining mark: a vowel sign, a Hebrew point."""
    return unicodedata.category(char)[0] == "M"


def _logical_order(word: list[_Char], textpage: Any, turned: int) -> list[_Char]:
    """A word of right-to-left letters in the order it is read: right to left as drawn.
    Chromium writes a right-to-left run's glyphs left to right, each with its letter as
    /ActualText, and pdfium gives such a word in that order, or partly so ("مجح" for "حجم",
    QA-80). Each mark (a vowel sign) stays after its letter: the one drawn by the same glyph
    (pdfium gives both its origin), else the one it is drawn over."""
    import ctypes

    import pypdfium2.raw as pdfium_c

    from deckgen.ocr_layout import is_letter

    directions = {unicodedata.bidirectional(c.text) for c in word if is_letter(c.text)}
    if (not directions & {"R", "AL"} or directions - {"R", "AL", "NSM"}
            or any(c.text.isdigit() for c in word)):
        return word

    def across(char: _Char) -> float:
        left, bottom, right, top = char.box
        return _on_screen((left + right) / 2, (bottom + top) / 2, turned)[0]

    bases = sorted((c for c in word if not _is_mark(c.text)), key=across, reverse=True)
    if not bases or len(bases) == len(word):
        return bases or word
    x, y = ctypes.c_double(), ctypes.c_double()
    origins = {}
    for char in word:
        pdfium_c.FPDFText_GetCharOrigin(textpage, char.index, x, y)
        origins[id(char)] = (round(x.value, 2), round(y.value, 2))
    marks: dict[int, list[_Char]] = {id(base): [] for base in bases}
    for mark in (c for c in word if _is_mark(c.text)):
        same = [base for base in bases if origins[id(base)] == origins[id(mark)]]
        base = same[0] if same else min(bases, key=lambda b: abs(across(b) - across(mark)))
        marks[id(base)].append(mark)
    # a letter's marks in their canonical order (NFC's), as a search for the word types them
    return [char for base in bases for char in (base, *sorted(
        marks[id(base)], key=lambda mark: unicodedata.combining(mark.text)))]


def _raised_apart(word: list[_Char], textpage: Any, turned: int) -> list[_Char]:
    """``word`` with a superscript run parted from it by a space: a footnote's mark set raised
    and smaller (Chromium's <sup>: "TAM" and a raised "1") or written in superscript digits
    ("TAM¹", LibreOffice) stuck to its word, and `deckgen search TAM` missed the slide (QA-80).
    It stays a word of its own, not dropped: a raised figure is as often a power (10⁶)."""
    import pypdfium2.raw as pdfium_c

    if len(word) < 2:
        return word
    raised = [char.text in _SUPERSCRIPT_DIGITS for char in word]
    # a font size is a text object's: a word drawn by one has one size
    firsts = {char.drawn_by: char.index for char in reversed(word)}
    if len(firsts) > 1 and len({pdfium_c.FPDFText_GetFontSize(textpage, index)
                                for index in firsts.values()}) > 1:
        up = _raised(word, textpage, turned)
        raised = [was or (up[n] and char.text in _RAISED_MARKS)
                  for n, (was, char) in enumerate(zip(raised, word, strict=True))]
    if not any(raised) or all(raised):
        return word
    if (sum(not up for up in raised) <= 2  # a unit's power stays: m², km³ (search finds "m2")
            and all(char.text in "²³23" for char, up in zip(word, raised, strict=True) if up)):
        return word
    parted = [word[0]]
    for n in range(1, len(word)):
        parted += [_SPACE, word[n]] if raised[n] != raised[n - 1] else [word[n]]
    return parted


def _raised(word: list[_Char], textpage: Any, turned: int) -> list[bool]:
    """Which of ``word``'s characters are set smaller than its largest, on a baseline raised
    by ``_RAISED_BY`` of their height (a loose box's: the font's ascent to descent)."""
    import ctypes

    import pypdfium2.raw as pdfium_c

    rect, x, y = pdfium_c.FS_RECTF(), ctypes.c_double(), ctypes.c_double()
    heights, baselines = [], []
    for char in word:
        pdfium_c.FPDFText_GetLooseCharBox(textpage, char.index, rect)
        bottom = _on_screen(rect.left, rect.bottom, turned)[1]
        heights.append(abs(_on_screen(rect.right, rect.top, turned)[1] - bottom))
        pdfium_c.FPDFText_GetCharOrigin(textpage, char.index, x, y)
        baselines.append(_on_screen(x.value, y.value, turned)[1])
    body = max(heights)
    baseline = min(up for up, height in zip(baselines, heights, strict=True)
                   if height >= _RAISED_SMALLER * body)
    return [height < _RAISED_SMALLER * body and up - baseline > _RAISED_BY * body
            for up, height in zip(baselines, heights, strict=True)]


def is_pdf_page(source: str) -> bool:
    """Whether a slide's source is a page of a PDF ("deck.pdf#p3"), not an image file."""
    return split_source(source)[1] is not None


def split_source(source: str) -> tuple[str, int | None]:
    """A slide's source as (file, PDF page): "deck.pdf#p3" is a page, "a#p.jpg" an image."""
    path_text, sep, page = source.rpartition("#p")
    if not sep or not page.isdigit():  # an image whose name merely contains "#p"
        return source, None
    return path_text, int(page)


def _render_scale(page, width: int) -> float:
    """Pixels per PDF point for one page: ``width`` px across, at most 8 px a point.

    A page that is one picture (a scraped or scanned deck saved as PDF) is rendered
    no bigger than that picture's own pixels: enlarged here it would only be blurred,
    while left as it is the upscale stage measures its text and super-resolves it.
    """
    import pypdfium2.raw as pdfium_c

    page_width, page_height = page.get_size()
    scale = min(width / (page_width or 1), 8.0)
    # a freak page size (a 240 x 14400 pt strip) is rendered smaller, never into gigabytes
    # and no side past PDF_RENDER_MAX_SIDE (0.99: pdfium rounds each side up to whole pixels)
    budget = math.sqrt(PDF_RENDER_MAX_PIXELS / max(page_width * page_height, 1.0))
    side = PDF_RENDER_MAX_SIDE / max(page_width, page_height, 1.0)
    scale = min(scale, 0.99 * budget, 0.99 * side)
    pictures = []
    for obj in page.get_objects():
        if obj.type == pdfium_c.FPDF_PAGEOBJ_IMAGE:
            pictures.append(obj)
        elif obj.type == pdfium_c.FPDF_PAGEOBJ_TEXT and (
            pdfium_c.FPDFTextObj_GetTextRenderMode(obj.raw)
            != pdfium_c.FPDF_TEXTRENDERMODE_INVISIBLE  # a scan's hidden OCR layer
        ):
            return scale  # real text: vector, sharp at any size
    if len(pictures) != 1:
        return scale
    left, bottom, right, top = pictures[0].get_bounds()
    if (right - left) * (top - bottom) < 0.8 * page_width * page_height:
        return scale  # a picture on a page, not a page that is a picture
    # long side to long side: a scan stored portrait and turned onto the page by its
    # drawing matrix spans the page with its height
    picture_long = max(pictures[0].get_px_size())
    return min(scale, picture_long / max(right - left, top - bottom, 1.0))


def pdf_page_identity(pdf_hash: str, page: int) -> str:
    """A PDF page's identity: the PDF's bytes, the page number and how pages are rendered
    (the width, the size limits and the PDFium build all change the rendered pixels)."""
    rule = (f"@{PDF_RENDER_WIDTH}{PDF_RENDER_RULE}/max{PDF_RENDER_MAX_PIXELS}px"
            f"/side{PDF_RENDER_MAX_SIDE}/pdfium-{pdfium_version()}")
    return sha256_bytes(f"{pdf_hash}#p{page}{rule}".encode())


@functools.cache
def pdfium_version() -> str:
    import pypdfium2 as pdfium

    return str(pdfium.PDFIUM_INFO.version)  # "159.0.8149.0@<build origin>"


def _source_path(root: Path, source: str) -> tuple[Path, int | None]:
    """(file, PDF page) of a slide's source under ``root``; never a file outside it."""
    path_text, page = split_source(source)
    path = Path(root) / path_text
    if not _inside(path, Path(root)):
        raise SlideError(f"{source}: refers outside the corpus")
    return path, page


def source_identity(root: Path, source: str) -> str:
    """The ``Slide.sha256`` that ingesting ``source`` now would give: a slide whose file
    changed since the build no longer matches its OCR, labels and upscaled image."""
    path, page = _source_path(root, source)
    try:
        digest = sha256_file(path)
    except OSError as exc:
        raise SlideError(f"cannot read {path.absolute()}: {exc.strerror or exc}") from exc
    return pdf_page_identity(digest, page) if page else digest


def read_source(root: Path, source: str) -> bytes:
    """The source bytes of a slide: the image file, or a PDF page rendered to PNG."""
    return _read_source(root, source, "png")


def read_source_and_text(root: Path, source: str) -> tuple[bytes, TextLayer | None]:
    """``read_source``, and a PDF page's text layer (None: an image, or no usable layer)."""
    return _read_source(root, source, "png+text")


def source_text_layer(root: Path, source: str) -> TextLayer | None:
    """A slide's text layer, as ``read_source_and_text`` gives it, without the PNG."""
    return _read_source(root, source, "text")


def _read_source(root: Path, source: str, wanted: str) -> Any:
    """What ``wanted`` ("png", "text", "png+text": ``read_pdf_page``) asks of a slide's
    source; an image file has its bytes and no text layer."""
    path, page = _source_path(root, source)
    try:
        if page:
            return read_pdf_page(path, page, wanted)
        if wanted == "text":
            return None
        data = path.read_bytes()
        return (data, None) if "text" in wanted else data
    except OSError as exc:  # the absolute path: on a cluster, the worker may not see it
        raise SlideError(f"cannot read {path.absolute()}: {exc.strerror or exc}") from exc
