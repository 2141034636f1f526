"""PDF and presentation decks, and the bytes of a slide's source.

A deck folder may hold a PDF instead of images: each page is one slide, whose
source names the page (``deck.pdf#p3``) and is rendered to PNG when a stage reads
it. ``deckgen add`` converts presentations to PDF with headless LibreOffice first.
Like all of the corpus these files are untrusted: a PDF that cannot be opened says
why (password, truncated, not a PDF at all), a freak page size is rendered smaller,
never into gigabytes, and no source outside the corpus is read.
"""

from __future__ import annotations

import functools
import io
import math
import re
import shutil
from pathlib import Path

from deckgen.errors import BadInputError, MissingDependencyError, SlideError
from deckgen.files import sha256_bytes, sha256_file

PDF_EXTENSION = ".pdf"
CONVERT_TIMEOUT = 300.0  # seconds for LibreOffice to convert one presentation
PDF_RENDER_WIDTH = 1920  # PDF pages are vector: render them at a size OCR reads well
PDF_RENDER_MAX_PIXELS = 20_000_000  # a 1920 px wide page is 2 Mpx; this is 4.5 times A4's
PDF_RENDER_MAX_SIDE = 16_000  # Tesseract reads at most 32,767 px a side, so x2 still fits
PDF_RENDER_RULE = "/pictures-native-2"  # in a PDF page's identity: how pages are rendered


def _inside(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root.resolve())
        return True
    except (ValueError, RuntimeError, OSError):  # outside, or a symlink loop
        return False


def pdf_page_count(path: Path) -> int:
    """The number of pages of a PDF (at least one); BadInputError says why it has none."""
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        raise BadInputError(_unreadable_pdf(path, str(exc))) from None
    try:
        count = len(pdf)
    finally:
        pdf.close()
    if count == 0:
        raise BadInputError("not a readable PDF (it has no pages)")
    return count


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
    return path if path.suffix.lower() == PDF_EXTENSION else presentation_to_pdf(path, work_dir)


def presentation_to_pdf(path: Path, work_dir: Path) -> Path:
    """Convert a .pptx/.ppt/.odp/.key file to PDF with LibreOffice, headless; return the PDF."""
    import subprocess

    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise MissingDependencyError(
            f"{path.name}: reading {path.suffix} files needs LibreOffice; install it "
            "(apt-get install libreoffice-impress-nogui) or export the deck as PDF and add that"
        )
    work_dir.mkdir(parents=True, exist_ok=True)
    # a fixed, plain name: LibreOffice names its output after the input
    source = work_dir / f"deck{path.suffix.lower()}"
    shutil.copyfile(path, source)
    command = [
        soffice,
        # its own profile: no clash with a LibreOffice the user has open, nothing written to ~
        f"-env:UserInstallation={(work_dir / 'profile').resolve().as_uri()}",
        "--headless", "--norestore", "--convert-to", "pdf", "--outdir", str(work_dir), str(source),
    ]  # fmt: skip
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=CONVERT_TIMEOUT)
    except subprocess.TimeoutExpired as exc:
        raise BadInputError(
            f"{path.name}: LibreOffice took over {CONVERT_TIMEOUT:.0f} s to convert it; "
            "export the deck as PDF and add that"
        ) from exc
    pdf = work_dir / "deck.pdf"
    if not pdf.is_file() or pdf.stat().st_size == 0:
        said = " ".join((done.stderr or done.stdout).split())[-200:] or f"exit {done.returncode}"
        raise BadInputError(f"{path.name}: LibreOffice could not convert it to PDF ({said})")
    return pdf


def render_pdf_page(path: Path, page: int, width: int = PDF_RENDER_WIDTH) -> bytes:
    """Render one 1-based page to PNG bytes. Pages are rendered one at a time (bounded memory)."""

    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        raise SlideError(f"cannot open PDF: {exc}") from exc
    try:
        pdf_page = pdf[page - 1]
        bitmap = pdf_page.render(scale=_render_scale(pdf_page, width))
        image = bitmap.to_pil().convert("RGB")
        buf = io.BytesIO()
        image.save(buf, format="PNG", compress_level=1)
        return buf.getvalue()
    except pdfium.PdfiumError as exc:
        raise SlideError(f"cannot render PDF page {page}: {exc}") from exc
    finally:
        pdf.close()


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
            f"/side{PDF_RENDER_MAX_SIDE}/pdfium-{_pdfium_version()}")
    return sha256_bytes(f"{pdf_hash}#p{page}{rule}".encode())


@functools.cache
def _pdfium_version() -> str:
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
    path, page = _source_path(root, source)
    try:
        if page:
            return render_pdf_page(path, page)
        return path.read_bytes()
    except OSError as exc:  # the absolute path: on a cluster, the worker may not see it
        raise SlideError(f"cannot read {path.absolute()}: {exc.strerror or exc}") from exc
