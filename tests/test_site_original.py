"""The slide page of an enlarged slide (QA-76): its original published and shown on demand, the
figures OCR was unsure of listed, the slide's box reserved before its image loads, a larger
slide on a laptop, and swipes between slides on a touch screen."""

from __future__ import annotations

import hashlib
import io
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from deckgen import site, site_images
from deckgen.records import Slide, Word
from deckgen.upscale import decode_image

sys.path.insert(0, str(Path(__file__).parent))
from conftest import serving  # noqa: E402
from test_site import (  # noqa: E402
    _png,
    _variants,
    sample_gallery,
)
from test_site import test_every_relative_link_resolves as check_links  # noqa: E402
from test_site import test_untrusted_text_is_escaped as check_escaped  # noqa: E402

ORIGINAL = (480, 270)  # the sample slides are 1440 x 810 upscaled x3


def _source(slide: Slide) -> bytes:
    """The slide as scraped: a small JPEG, from a phone that wrote where it was (QA-77)."""
    buf = io.BytesIO()
    exif = Image.Exif()
    exif[0x013B] = "Jane Private"  # Artist
    exif[0x8825] = {1: "N", 2: (48.0, 8.0, 0.0)}  # GPS
    Image.open(io.BytesIO(_png(slide.id, ORIGINAL))).save(buf, "JPEG", quality=80, exif=exif)
    return buf.getvalue()


def _gallery() -> tuple[list[Slide], dict]:
    slides, decks = sample_gallery()
    slides = [s for s in slides if s.ocr]
    for slide in slides:  # each its own source hash, as a real corpus has
        slide.sha256 = hashlib.sha256(_source(slide)).hexdigest()
    return slides, decks


def _write(slides: list[Slide], out: Path, written: dict, reads: list[str] | None = None,
           get_source=None) -> dict[str, dict]:
    def source(slide: Slide) -> bytes:
        if reads is not None:
            reads.append(slide.id)
        return _source(slide)

    return site_images.write_images(slides, _variants, out, written=written,
                                    get_source=get_source or source)


def test_an_enlarged_slides_original_is_published_under_its_sources_hash(tmp_path: Path):
    slides, _ = _gallery()
    written: dict = {}
    reads: list[str] = []
    images = _write(slides, tmp_path, written, reads)
    entry = images["acme/003"]
    original = tmp_path / entry["original"]
    # its pixels, as the pipeline read them, in a PNG without the source's metadata
    read = decode_image(_source(slides[2]), 40_000_000)[..., ::-1]
    with Image.open(original) as published:
        assert (published.format, published.getexif()) == ("PNG", {})
        assert (np.asarray(published) == read).all()
    assert b"Jane Private" in _source(slides[2]) and b"Jane" not in original.read_bytes()
    assert entry["original"].startswith("img/acme/003-original.") and original.suffix == ".png"
    assert (entry["original_width"], entry["original_height"]) == ORIGINAL
    assert sorted(reads) == sorted(s.id for s in slides)

    # a rebuild of unchanged slides reads no source and writes nothing
    before = {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*") if p.is_file()}
    reads.clear()
    assert _write(slides, tmp_path, written, reads) == images
    assert reads == []
    assert {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*") if p.is_file()} == before

    # another source is another name: a reader's cached copy is never the old picture
    slides[2].sha256 = "f" * 64
    assert _write(slides, tmp_path, written)["acme/003"]["original"] != entry["original"]


def test_a_slide_not_enlarged_or_unreadable_has_no_original(tmp_path: Path):
    slides, _ = _gallery()
    slides[0].upscale.scale = 1.0  # shown as it came: the variants are the original

    def source(slide: Slide) -> bytes:
        if slide.id == "acme/002":
            raise FileNotFoundError("gone since it was upscaled")
        return _source(slide)

    written: dict = {}
    problems: list[dict] = []
    images = site_images.write_images(slides, _variants, tmp_path, written=written,
                                      get_source=source, problems=problems)
    assert "original" not in images["acme/001"]
    assert "original" not in images["acme/002"]  # the build goes on without it, and says why
    assert problems == [{"path": slides[1].source, "reason": (
        "site images: no original (the image before enlarging) on its page until the site "
        "pages are built again: FileNotFoundError: gone since it was upscaled")}]
    assert not any("acme/002-original" in name for name in written)  # tried again then
    assert "original" in images["acme/003"]
    # without a source reader (a caller that has none) no slide has one
    assert all("original" not in e for e in site_images.write_images(
        slides, _variants, tmp_path / "other").values())


def test_a_build_lists_an_original_it_could_not_make_and_goes_on(tmp_path: Path):
    from conftest import DECKS, config_for, write_deck

    from deckgen.build import Builder

    corpus = tmp_path / "corpus"
    write_deck(corpus, "alpha-robotics", DECKS["alpha-robotics"])

    class SourceGoneBySiteStage(Builder):  # as a source moved away mid-build
        def _site_images(self, built: list[Slide]) -> dict[str, dict]:
            def gone(slide: Slide) -> bytes:
                raise FileNotFoundError("gone")

            self.source_bytes = gone  # type: ignore[method-assign]
            return super()._site_images(built)

    def linked() -> list[str]:
        pages = sorted((tmp_path / "site/slide/alpha-robotics").glob("*.html"))
        return [f"alpha-robotics/{p.stem}.jpg" for p in pages if "-original." in p.read_text()]

    report = SourceGoneBySiteStage(config_for(tmp_path, corpus), quiet=True).run()
    assert report.slides_built == 4 and not report.stages["images"].failed
    missing = [p["path"] for p in report.problems]
    assert missing and linked() == []  # each slide enlarged, in slide order
    assert report.problems[0]["reason"] == ("site images: no original (the image before "
                                            "enlarging) on its page until the site pages are "
                                            "built again: FileNotFoundError: gone")
    # the next build that makes the pages (one with a deck more) makes them: none recorded
    write_deck(corpus, "beta-health", DECKS["beta-health"])
    assert Builder(config_for(tmp_path, corpus), quiet=True).run().problems == []
    assert linked() == missing


def test_a_pdf_pages_original_is_read_outside_the_thread_pool(tmp_path: Path):
    # corpus_pdf renders a page in a forked child: a fork from the pool's threads can deadlock
    slides, _ = _gallery()
    slides[1].source = "acme/deck.pdf#p2"
    threads: dict[str, str] = {}

    def source(slide: Slide) -> bytes:
        threads[slide.id] = threading.current_thread().name
        return _source(slide)

    images = _write(slides, tmp_path, {}, get_source=source)
    assert threads["acme/002"] == threading.main_thread().name, threads
    assert "original" in images["acme/002"]


def test_an_exif_turned_original_is_published_upright_as_the_bundle_stores_it(tmp_path: Path):
    slides, _ = _gallery()
    buf = io.BytesIO()
    exif = Image.Exif()
    exif[0x0112] = 6  # turn 90 degrees: the pipeline reads the upright image
    Image.new("RGB", (270, 480), (10, 120, 200)).save(buf, "JPEG", exif=exif)
    entry = _write(slides[:1], tmp_path, {}, get_source=lambda s: buf.getvalue())["acme/001"]
    assert entry["original"].endswith(".png")
    with Image.open(tmp_path / entry["original"]) as image:
        assert image.size == (480, 270)


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("original-site")
    slides, decks = _gallery()
    # under site.UNSURE_FIGURE_CONF (90): "$6B" (twice) and the markup-like "1496"
    slides[2].ocr.words = [Word("TAM", 75.0, [10, 10, 40, 12]),
                           Word("$40B", 90.0, [60, 10, 40, 12]),
                           Word("SAM", 93.0, [10, 30, 40, 12]),
                           Word("$6B", 52.0, [60, 30, 30, 12]),
                           Word("<b>1496</b>", 89.5, [100, 30, 40, 12]),
                           Word("$6B", 48.0, [60, 50, 30, 12])]
    images = _write(slides, out, {})
    site.render_site(slides, decks, images, out)
    return out


def test_the_slide_page_links_its_original_and_says_why(built: Path):
    html = (built / "slide/acme/003.html").read_text()
    original = next((built / "img/acme").glob("003-original.*.png")).relative_to(built)
    assert f'<a class="slide-original-link" href="../../{original}"' in html
    assert "(480 × 270)" in html
    assert "Enhanced ×3 by super-resolution: small figures can be redrawn wrong" in html


def test_links_resolve_and_text_is_escaped_with_originals_published(built: Path):
    # the site's own checks, on pages that link originals (test_site's gallery has none)
    check_links(built)
    check_escaped(built)


def test_figures_read_with_low_confidence_are_listed_escaped(built: Path):
    html = (built / "slide/acme/003.html").read_text()
    line = html[html.index('<p class="note unsure-figures">'):]
    line = line[:line.index("</p>")]
    # each once, in reading order, as text; the sure ones ("$40B") and words without a digit
    # are not listed
    assert line == ('<p class="note unsure-figures">Figures read with low confidence: '
                    "<bdi>$6B</bdi>, <bdi>&lt;b&gt;1496&lt;/b&gt;</bdi> — check them on the image.")
    assert "unsure-figures" not in (built / "slide/acme/002.html").read_text()


# -- in Chromium (conftest's browser) ----------------------------------------------------------
@pytest.fixture(scope="module")
def site_url(built: Path) -> Iterator[str]:
    with serving(built) as url:
        yield url


def _box(page, selector: str) -> dict:
    return page.locator(selector).bounding_box()


def _box_on_page(page, selector: str) -> list[float]:
    """Where ``selector`` lies on the page (not the window: a click may scroll it)."""
    return page.eval_on_selector(selector, """e => { const r = e.getBoundingClientRect();
        return [r.x + scrollX, r.y + scrollY, r.width, r.height]; }""")


@pytest.mark.e2e
@pytest.mark.parametrize("width, height", [(1366, 650), (390, 844)])
def test_nothing_moves_when_the_slide_image_arrives(browser, site_url: str, width, height):
    # QA-76: the caption, pager and OCR text jumped ~390 px when the image came (CLS 0.16)
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    held = []
    page.route("**/img/**", lambda route: held.append(route))  # images wait
    page.goto(site_url + "slide/acme/003.html", wait_until="domcontentloaded")
    page.locator(".pager").wait_for()
    before = _box(page, ".pager")
    image_before = _box(page, ".slide-figure img")
    for route in held:
        route.continue_()
    page.unroute("**/img/**")
    page.wait_for_function("() => document.querySelector('.slide-figure img').complete"
                           " && document.querySelector('.slide-figure img').naturalWidth > 0")
    after, image_after = _box(page, ".pager"), _box(page, ".slide-figure img")
    ratio = page.evaluate("(i => i.naturalWidth / i.naturalHeight)"
                          "(document.querySelector('.slide-figure img'))")
    context.close()
    assert before == after and image_before == image_after, (before, after)
    assert abs(image_after["width"] / image_after["height"] - ratio) < 0.02, image_after


@pytest.mark.e2e
def test_a_laptop_shows_the_slide_larger_than_its_original_and_its_warning_with_it(
        browser, site_url: str):
    # QA-76: 1366 x 768 (a ~650 px window) showed the slide at ~486 x 274, its original's size;
    # then the "Enhanced" warning and its "Show original" button sat under the fold
    context = browser.new_context(viewport={"width": 1366, "height": 650})
    page = context.new_page()
    page.goto(site_url + "slide/acme/003.html", wait_until="networkidle")
    image = _box(page, ".slide-figure img")
    title = _box(page, ".slide h1")
    warning = _box(page, ".slide-enhanced")
    button = _box(page, ".slide-original-toggle")
    fetched = page.evaluate("document.querySelector('.slide-figure img').currentSrc")
    context.close()
    assert image["width"] >= 720, image  # 16:9 in the window less header, title and warning
    assert image["y"] + image["height"] <= 650 + 1, (image, title)  # the whole slide on screen
    for box in (warning, button):
        assert box["y"] + box["height"] <= 650 + 1, (box, image)
    assert "-large." not in fetched and "-full." not in fetched, fetched  # sizes says ~950 px


@pytest.mark.e2e
@pytest.mark.parametrize("width, height", [(1366, 650), (390, 844)])
def test_the_slide_image_is_fetched_once_and_left_alone_at_load(browser, site_url: str, width,
                                                               height):
    # the original's button once set sizes, srcset and src again at load: the browser may pick
    # (and fetch) the slide again while it still loads
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.add_init_script("""new MutationObserver(changes => {
        window.imageChanges = (window.imageChanges || []).concat(changes
            .filter(c => c.target.closest && c.target.closest('.slide-figure'))
            .map(c => c.attributeName));
    }).observe(document, {subtree: true, attributes: true,
                          attributeFilter: ['src', 'srcset', 'sizes']});""")
    fetched: list[str] = []
    page.on("request", lambda request: fetched.append(request.url))
    page.goto(site_url + "slide/acme/003.html", wait_until="networkidle")
    page.get_by_role("button", name="Show original (480 × 270)").wait_for()
    changes = page.evaluate("window.imageChanges || []")
    context.close()
    slide_images = [url for url in fetched if "/img/acme/003-" in url]
    assert len(slide_images) == 1, slide_images
    assert changes == [], changes


@pytest.mark.e2e
def test_the_original_shows_in_the_slides_place_and_back(browser, site_url: str):
    context = browser.new_context(viewport={"width": 1366, "height": 650})
    page = context.new_page()
    page.goto(site_url + "slide/acme/003.html", wait_until="networkidle")
    enhanced = page.evaluate("document.querySelector('.slide-figure img').currentSrc")
    box = _box_on_page(page, ".slide-figure img")
    button = page.get_by_role("button", name="Show original (480 × 270)")
    button.click()
    page.wait_for_function("() => document.querySelector('.slide-figure img').currentSrc"
                           ".includes('-original.')")
    page.wait_for_function("() => document.querySelector('.slide-figure img').naturalWidth === 480")
    assert _box_on_page(page, ".slide-figure img") == box  # the same size, in the same place
    page.get_by_role("button", name="Show enhanced").click()
    page.wait_for_function("src => document.querySelector('.slide-figure img').currentSrc === src",
                           arg=enhanced)
    assert _box_on_page(page, ".slide-figure img") == box
    context.close()


def _swipe(page, start: tuple[float, float], end: tuple[float, float], fingers: int = 1) -> None:
    """A touch swipe from ``start`` to ``end`` (page coordinates), through Chromium's input."""
    cdp = page.context.new_cdp_session(page)

    def points(x: float, y: float) -> list[dict]:
        return [{"x": x + 30 * i, "y": y, "id": i} for i in range(fingers)]

    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": points(*start)})
    for step in range(1, 6):
        x = start[0] + (end[0] - start[0]) * step / 5
        y = start[1] + (end[1] - start[1]) * step / 5
        cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": points(x, y)})
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})


@pytest.mark.e2e
def test_a_swipe_on_the_slide_turns_the_page(browser, site_url: str):
    context = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True,
                                  is_mobile=True)
    page = context.new_page()
    page.goto(site_url + "slide/acme/002.html", wait_until="networkidle")
    def middle() -> tuple[float, float]:
        box = _box(page, ".slide-figure img")
        return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2

    x, y = middle()
    # mostly vertical (a scroll) or too short: the page stays
    for end in [(x - 60, y + 80), (x - 30, y)]:
        _swipe(page, (x, y), end)
        page.wait_for_timeout(300)
        assert page.url.endswith("/slide/acme/002.html"), end
    _swipe(page, (x + 80, y), (x - 80, y + 10))  # to the left: the next slide
    page.wait_for_url("**/slide/acme/003.html")
    x, y = middle()
    _swipe(page, (x - 80, y), (x + 80, y))  # to the right: back
    page.wait_for_url("**/slide/acme/002.html")
    x, y = middle()
    _swipe(page, (x + 40, y), (x - 80, y), fingers=2)  # a pinch or two-finger pan: stays
    page.wait_for_timeout(300)
    assert page.url.endswith("/slide/acme/002.html")
    context.close()
