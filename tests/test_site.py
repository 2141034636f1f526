"""Static site: pages, links, escaping, CSP-safety, images, incremental writes, preview server."""

from __future__ import annotations

import io
import json
import re
import shutil
import threading
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
import pytest
from PIL import Image, ImageDraw

from deckgen import site, site_images, site_serve, site_urls
from deckgen.records import (
    SECTIONS,
    DeckMeta,
    OcrResult,
    SectionResult,
    Slide,
    UpscaleResult,
    Word,
)

EVIL = "<script>alert(1)</script>\"'"
UPSCALED = (1440, 810)


# -- a tiny gallery drawn with Pillow --------------------------------------------------------
def _png(slide_id: str, size: tuple[int, int] = UPSCALED) -> bytes:
    image = Image.new("RGB", size, (250, 250, 245))
    draw = ImageDraw.Draw(image)
    seed = sum(map(ord, slide_id))
    draw.rectangle((0, 0, size[0], size[1] // 6), fill=(seed % 200, 60, 120))
    draw.text((40, size[1] // 3), f"Slide {slide_id}", fill=(20, 20, 20))
    for i in range(5):
        draw.rectangle((40, 300 + i * 60, 300 + (seed * (i + 1)) % 900, 330 + i * 60),
                       fill=(40, 90 + 20 * i, 160))
    buf = io.BytesIO()
    image.save(buf, "PNG")
    return buf.getvalue()


def _variants(slide: Slide) -> dict[str, bytes]:
    return site_images.encode_variants(_png(slide.id))


def _slide(deck: str, page: int, label: str, title: str, text: str, ok: bool = True) -> Slide:
    sid = f"{deck}/{page:03d}"
    scores = {s: 0.02 for s in SECTIONS}
    scores[label] = 0.7
    return Slide(
        id=sid, deck=deck, page=page, source=f"{deck}/{page:03d}.jpg", sha256="0" * 64,
        upscale=UpscaleResult("bicubic", 3.0, 0.1, *UPSCALED, 480, 270),
        ocr=OcrResult(text=text, title=title, mean_confidence=88.5) if ok else None,
        section=SectionResult(label, scores, [f"title says {title!r}", "keyword: market"])
        if ok else None,
        fingerprints={"upscale": f"up-{sid}"},
    )


def sample_gallery() -> tuple[list[Slide], dict[str, DeckMeta]]:
    decks = {
        "acme": DeckMeta("acme", "Acme Robotics", "Seed deck", 2021, "seed", "robotics",
                         "$2M", "https://example.com/acme.pdf", "CC-BY-4.0"),
        "evil": DeckMeta("evil", EVIL, EVIL, 2023, "series-a", "<b>fintech</b>", "",
                         "javascript:alert(1)", "unknown", fictional=True),
    }
    slides = [
        _slide("acme", 1, "cover", "Acme Robotics", "Acme Robotics\nRobots for every warehouse"),
        _slide("acme", 2, "problem", "The problem", "Warehouses lose 30% of time\nto walking"),
        _slide("acme", 3, "market", "Market size", "TAM $40B\nSAM $6B"),
        _slide("evil", 1, "cover", EVIL, f"{EVIL}\n<img src=x onerror=alert(2)>"),
        _slide("evil", 2, "team", "", ""),
        _slide("evil", 3, "other", "broken", "broken", ok=False),  # failed OCR: skipped
    ]
    # OCR's word boxes (source pixels) on one slide: its page can box searched words
    slides[1].ocr.words = [Word("Warehouses", 91.0, [40, 60, 120, 18]),
                           Word("lose", 90.0, [170, 60, 40, 18])]
    return slides, decks


_WRITTEN: dict[Path, dict] = {}  # per site folder: what build/site-images.json keeps


def build(out: Path, **kwargs) -> tuple[dict, dict, list[Slide], dict]:
    slides, decks = sample_gallery()
    calls: list[str] = []

    def get_variants(slide: Slide) -> dict[str, bytes]:
        calls.append(slide.id)
        return site_images.encode_variants(_png(slide.id))

    images = site_images.write_images([s for s in slides if s.ocr], get_variants, out,
                                      written=_WRITTEN.setdefault(out, {}))
    stats = site.render_site(slides, decks, images, out, **kwargs)
    return stats, images, slides, {"calls": calls}


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site")
    (out / "dataset").mkdir()  # what the bundle stage writes
    (out / "dataset/deckgen-dataset-v1.tar.gz").write_bytes(b"not really a tarball")
    build(out, dataset={"file": "dataset/deckgen-dataset-v1.tar.gz", "bytes": 123456,
                        "sha256": "ab" * 32, "slides": 5, "decks": 2})
    return out


def pages(root: Path) -> list[Path]:
    return sorted(root.rglob("*.html"))


# -- an HTML walker that collects what the checks need --------------------------------------
class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.ids: set[str] = set()
        self.script_bodies: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        if attributes.get("id"):
            self.ids.add(attributes["id"])
        self._in_script = tag == "script"

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.script_bodies.append(data)


def parse(path: Path) -> _Collector:
    collector = _Collector()
    collector.feed(path.read_text())
    return collector


def _urls(tag: str, attrs: dict) -> list[str]:
    urls = [attrs[a] for a in ("href", "src", "action") if attrs.get(a)]
    if tag == "meta":
        return []
    for value in filter(None, (attrs.get("srcset"),)):
        urls += [part.strip().split()[0] for part in value.split(",")]
    return urls


# -- tests ----------------------------------------------------------------------------------
def test_page_paths_are_flat_and_reject_traversal():
    assert site_urls.slide_page_path("acme/003") == "slide/acme/003.html"
    assert site_urls.deck_page_path("acme") == "deck/acme.html"
    assert site_urls.section_page_path("go-to-market") == "section/go-to-market.html"
    for bad in ("../etc/003", "acme/..", "a b/001", "acme/<x>"):
        with pytest.raises(ValueError):
            site_urls.slide_page_path(bad)


def test_every_page_is_written(built: Path):
    expected = ["index.html", "decks.html", "about.html", "dataset.html", "404.html",
                "robots.txt", "deck/acme.html", "deck/evil.html", "slide/acme/001.html",
                "slide/acme/003.html", "slide/evil/002.html"]
    expected += [site_urls.section_page_path(label) for label in SECTIONS]
    for name in expected:
        assert (built / name).is_file(), name
    assert not (built / "slide/evil/003.html").exists()  # OCR failed: skipped
    assert not (built / "sitemap.xml").exists()  # no base_url: a sitemap needs absolute URLs


def test_every_relative_link_resolves(built: Path):
    checked = 0
    for page in pages(built):
        doc = parse(page)
        # 404.html is served at any depth: its links start at the site root (no base_url here)
        not_found = page.name == "404.html"
        for tag, attrs in doc.tags:
            for url in _urls(tag, attrs):
                parts = urlsplit(url)
                if not url.startswith("#"):
                    assert url.startswith("/") == not_found, f"{page}: {url}"
                if parts.scheme in ("http", "https"):
                    continue
                assert not parts.scheme and not url.startswith("//"), f"{page}: {url}"
                if parts.path:
                    target = (built / parts.path[1:] if not_found
                              else page.parent / parts.path).resolve()
                    assert target.is_file(), f"{page.relative_to(built)}: broken {url}"
                    assert built.resolve() in target.parents
                    checked += 1
                if parts.fragment and not parts.path:
                    assert parts.fragment in doc.ids, f"{page}: no #{parts.fragment}"
    assert checked > 200


def test_untrusted_text_is_escaped(built: Path):
    for page in pages(built):
        html = page.read_text()
        assert "<script>alert" not in html, page
        assert "<img src=x" not in html, page
        assert "<b>fintech" not in html, page
    deck = (built / "deck/evil.html").read_text()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&#34;&#39;" in deck
    assert "&lt;b&gt;fintech&lt;/b&gt;" in deck
    assert "&lt;img src=x onerror=alert(2)&gt;" in (built / "slide/evil/001.html").read_text()


def test_only_http_source_urls_are_linked(built: Path):
    assert 'href="https://example.com/acme.pdf"' in (built / "deck/acme.html").read_text()
    for page in pages(built):
        assert "javascript:" not in page.read_text(), page


def test_no_inline_script_or_style(built: Path):
    assert pages(built)  # a loop over no page would pass
    for page in pages(built):
        doc = parse(page)
        assert not doc.script_bodies, page
        for tag, attrs in doc.tags:
            assert tag != "style", page
            assert "style" not in attrs, f"{page}: style attribute on <{tag}>"
            assert not [a for a in attrs if a.startswith("on")], f"{page}: handler on <{tag}>"
            if tag == "script":
                assert attrs.get("src") and attrs.get("type") == "module", page


def test_search_contract(built: Path):
    for page in pages(built):
        doc = parse(page)
        forms = [a for t, a in doc.tags if t == "form" and a.get("id") == "search-form"]
        assert len(forms) == 1, page
        form = forms[0]
        depth = len(page.relative_to(built).parts) - 1
        root = "../" * depth if page.name != "404.html" else "/"
        assert form["role"] == "search" and form["data-root"] == root
        assert form["action"] == f"{root}index.html"
        inputs = [a for t, a in doc.tags if t == "input" and a.get("id") == "q"]
        assert inputs[0]["name"] == "q" and inputs[0]["aria-label"] == "Search slides"
    home = parse(built / "index.html")
    assert {"search-results", "facets"} <= home.ids


def test_only_the_search_status_line_is_live(built: Path):
    # a live region is read out whenever it changes: the results list would be read whole on
    # every keystroke, so only the status line ("12 slides for “team”") is one
    home = parse(built / "index.html")
    live = [(t, a) for t, a in home.tags
            if "aria-live" in a or a.get("role") in ("status", "alert", "log")]
    found = [(t, a.get("class"), a.get("role")) for t, a in live]
    assert found == [("p", "search-status", "status")]
    results = next(a for t, a in home.tags if a.get("id") == "search-results")
    assert "aria-live" not in results


def test_home_folds_its_filters_and_says_search_needs_javascript(built: Path):
    html = (built / "index.html").read_text()
    # the chips sit in a disclosure, folded on every screen (search.js fills it)
    filters = re.search(r'<details class="filters">\s*<summary>Filters.*?</summary>'
                        r'\s*<nav id="facets"', html, re.S)
    assert filters and html.index('id="facets"') < html.index('id="search-results"')
    noscript = re.search(r"<noscript>(.*?)</noscript>", html, re.S)
    assert noscript and "Search needs JavaScript" in noscript.group(1)
    assert 'href="#sections-title"' in noscript.group(1)
    assert 'href="decks.html"' in noscript.group(1)


def _sizes(page: Path, selector_class: str) -> set[str]:
    """The `sizes` of the images inside the first element of `selector_class` and after."""
    html = page.read_text()
    part = html[html.index(f'class="{selector_class}"'):]
    return set(re.findall(r'<img [^>]*sizes="([^"]+)"', part))


def test_thumbnail_sizes_follow_the_grid_widths():
    # the grids' column counts (style.css) at a few widths, and the width `sizes` gives there
    env = site._environment(site.templates_dir())
    macros = env.get_template("_macros.html").module

    def width(sizes: str, viewport: int) -> float:  # CSS px, as a browser reads `sizes`
        for entry in sizes.split(", "):
            least, length = re.fullmatch(r"(?:\(min-width: ([\d.]+)rem\) )?(.+)", entry).groups()
            if least and viewport < float(least) * 16:
                continue
            calc = re.fullmatch(r"calc\(([\d.]+)vw - ([\d.]+)rem\)", length)
            if calc:
                return viewport * float(calc[1]) / 100 - float(calc[2]) * 16
            if length.endswith("rem"):
                return float(length[:-3]) * 16
            return viewport * float(length.removesuffix("vw")) / 100
        raise AssertionError(sizes)

    def column(viewport: int, min_rem: float, gap_rem: float, columns: int | None = None) -> float:
        inner = min(viewport, 1200) - 32  # .wrap: 75rem at most, 1rem padding either side
        gap = gap_rem * 16
        n = columns or max(1, int((inner + gap) // (min_rem * 16 + gap)))
        return (inner - gap * (n - 1)) / n

    for viewport in (360, 390, 414, 600, 768, 1024, 1280, 1440):
        grids = [(macros.THUMB_SIZES, column(viewport, 13.5, 1)),
                 (macros.WIDE_SIZES, column(viewport, 18.75, 1)),
                 (macros.SECTION_TILE_SIZES, column(viewport, 10.5, 1)),
                 (macros.RELATED_SIZES, column(viewport, 0, 0.6, 2) if viewport <= 480
                  else column(viewport, 13.5, 1))]
        for sizes, real in grids:
            # never smaller than the image shows (blurry), never much larger (a bigger download)
            assert real - 1 <= width(sizes, viewport) <= real * 1.1 + 4, (viewport, sizes, real)


def test_grids_use_their_own_thumbnail_sizes(built: Path):
    env = site._environment(site.templates_dir())
    macros = env.get_template("_macros.html").module
    assert _sizes(built / "index.html", "section-grid") >= {macros.SECTION_TILE_SIZES}
    assert _sizes(built / "slide/acme/001.html", "related") == {macros.RELATED_SIZES}
    assert _sizes(built / "deck/acme.html", "grid") == {macros.THUMB_SIZES}
    assert _sizes(built / "section/cover.html", "grid grid-wide") == {macros.WIDE_SIZES}


def test_assets_are_content_hashed(built: Path):
    css = list((built / "static").glob("style.*.css"))
    assert len(css) == 1
    digest = css[0].name.split(".")[1]
    assert site.sha256_bytes(css[0].read_bytes()).startswith(digest)
    assert f'href="static/{css[0].name}"' in (built / "index.html").read_text()


def test_images_are_responsive_and_real(built: Path):
    doc = parse(built / "slide/acme/002.html")
    imgs = [a for t, a in doc.tags if t == "img"]
    webp = [a for t, a in doc.tags if t == "source" and a.get("type") == "image/webp"]
    assert imgs and webp
    main = imgs[0]
    assert main["alt"].startswith("Acme Robotics, slide 2")
    assert {"320w", "960w", "1280w", "1440w"} == {p.split()[-1] for p in main["srcset"].split(", ")}
    with Image.open(built / "slide/acme" / main["src"]) as medium:
        assert medium.format == "JPEG" and medium.size == (int(main["width"]), int(main["height"]))
        assert medium.size == (960, 540)
    first_webp = webp[0]["srcset"].split(",")[0].split()[0]
    with Image.open(built / "slide/acme" / first_webp) as thumb:
        assert thumb.format == "WEBP" and thumb.size == (320, 180)
    for page in pages(built):  # cards use alt="" because their text names the link
        assert all("alt" in a for t, a in parse(page).tags if t == "img"), page
    grid = [attrs for tag, attrs in parse(built / "deck/acme.html").tags if tag == "img"]
    for k, attrs in enumerate(grid):  # the first card at once, the rest when scrolled to
        assert attrs.get("loading") == (None if k == 0 else "lazy")
        assert attrs["width"] and attrs["height"] and attrs["srcset"] and attrs["sizes"]


def test_a_thumbnail_name_gives_the_other_sizes_of_its_slide(tmp_path: Path):
    # the search records hold a slide's thumb only; search.js (thumbSrcsets) derives the
    # medium and WebP names from it, so this naming is a contract
    slides, _ = sample_gallery()
    images = site_images.write_images([s for s in slides if s.ocr][:2], _variants, tmp_path)
    assert len(images) == 2  # a loop over no slide would pass
    for entry in images.values():
        thumb = entry["thumb"]
        assert re.fullmatch(r"[^\s,]+-thumb\.[0-9a-f]+\.jpg", thumb), thumb
        assert entry["medium"] == thumb.replace("-thumb.", "-medium.")
        assert entry["thumb_webp"] == thumb.removesuffix(".jpg") + ".webp"
        assert entry["medium_webp"] == entry["medium"].removesuffix(".jpg") + ".webp"
        assert (entry["thumb_width"], entry["medium_width"]) == (320, 960)


def test_a_size_a_smaller_variant_already_has_shares_its_file(tmp_path: Path):
    # a slide 960 px wide has no larger "large" or "full": no byte-identical copies published
    slides, _ = sample_gallery()
    small, big = [s for s in slides if s.ocr][:2]
    shapes = {small.id: (960, 540), big.id: (1440, 810)}
    images = site_images.write_images(
        [small, big], lambda s: site_images.encode_variants(_marked_slide(shapes[s.id])), tmp_path)
    written = {str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*.*")}
    named = {images[s.id][f"{name}{ext}"] for s in (small, big)
             for name in site_images.VARIANTS for ext in ("", "_webp")}
    assert written == named  # every file written is named by some variant, and vice versa
    one = images[small.id]
    assert one["large"] == one["full"] == one["medium"] and one["full_webp"] == one["medium_webp"]
    assert (one["full_width"], one["width"]) == (960, 960)
    assert len({images[big.id][name] for name in site_images.VARIANTS}) == 4
    assert site_images.srcset(one, "").count("w, ") == 1  # 320 w and 960 w


def test_slide_page_content(built: Path):
    html = (built / "slide/acme/002.html").read_text()
    assert 'rel="prev" href="../../slide/acme/001.html"' in html
    assert 'rel="next" href="../../slide/acme/003.html"' in html
    assert "Warehouses lose 30% of time\nto walking" in html
    assert 'href="../../section/problem.html"' in html
    assert "70 %" in html and "keyword: market" in html
    assert 'href="../../deck/acme.html"' in html
    assert 'property="og:title"' in html and 'property="og:image"' not in html
    first = (built / "slide/acme/001.html").read_text()
    assert 'rel="prev"' not in first and "First slide" in first


def test_slide_pages_show_their_section_in_other_decks(built: Path):
    cover = (built / "slide/acme/001.html").read_text()
    assert "Cover slides in other decks" in cover
    related = cover.split('class="related"')[1]
    assert 'href="../../slide/evil/001.html"' in related  # the other deck's cover
    assert "slide/acme/001.html" not in related  # never itself or its own deck
    assert 'href="../../section/cover.html">All Cover slides' in related
    # no other deck has a team slide: no strip
    assert 'class="related"' not in (built / "slide/evil/002.html").read_text()


def test_section_pages_open_their_slides_in_search(built: Path):
    cover = (built / "section/cover.html").read_text()  # two cover slides
    assert 'href="../index.html?section=cover">Search within them' in cover
    assert "Search within them" not in (built / "section/team.html").read_text()  # only one


def test_section_cards_say_each_decks_year_stage_and_industry(built: Path):
    # QA-34: a founder comparing "seed-stage teams" saw company and slide number only
    cover = (built / "section/cover.html").read_text()
    assert '<ul class="grid grid-wide">' in cover  # cards wide enough to read on a laptop
    facts = re.findall(r'<span class="card-meta card-facts">(.*?)</span>', cover)
    evil_industry = "&lt;b&gt;fintech&lt;/b&gt;"  # escaped, isolated like the rest
    assert facts == ["<bdi>2021</bdi> · <bdi>seed</bdi> · <bdi>robotics</bdi>",
                     f"<bdi>2023</bdi> · <bdi>series-a</bdi> · <bdi>{evil_industry}</bdi>"]
    assert "card-facts" not in (built / "deck/acme.html").read_text()  # one deck: said above


def test_the_about_page_first_tells_a_founder_what_the_gallery_is_for(built: Path):
    html = (built / "about.html").read_text()
    first = re.search(r"</h1>\s*<p[^>]*>(.*?)</p>", html, re.S)[1]
    for link in ("section/problem.html", "section/market.html", "section/team.html",
                 "index.html"):
        assert f'href="{link}"' in first, link
    for words in ("stage", "industry", "read its text", "licence"):
        assert words in first, words
    assert html.index("Writing a pitch deck?") < html.index("How it is made") < html.index(
        "super-resolution network")  # the engineering after it
    # a PDF's words come from its own text layer, exact; OCR reads the rest (QA-81)
    assert "own text layer" in html.split("How it is made")[1]


def test_deck_pages_outline_the_deck_section_by_section(built: Path):
    html = (built / "deck/acme.html").read_text()
    outline = html.split('class="outline"')[1].split("</ol>")[0]
    chips = re.findall(r'data-section="([\w-]+)"><a href="\.\./(slide/acme/\d+\.html)">', outline)
    assert chips == [("cover", "slide/acme/001.html"), ("problem", "slide/acme/002.html"),
                     ("market", "slide/acme/003.html")]
    assert "Market</span> <span class=\"outline-pages\">slide 3</span>" in outline


def test_an_outline_joins_consecutive_slides_of_one_section():
    from types import SimpleNamespace as View

    labels = ["cover", "problem", "traction", "traction", "traction", "team", "traction"]
    views = [View(label=lb, slide=View(page=n)) for n, lb in enumerate(labels, 1)]
    runs = [(r["label"], r["view"].slide.page, r["last"]) for r in site._outline(views)]
    assert runs == [("cover", 1, 1), ("problem", 2, 2), ("traction", 3, 5), ("team", 6, 6),
                    ("traction", 7, 7)]


def _word_boxes(page: Path) -> dict | None:
    value = next((a["data-words"] for _, a in parse(page).tags if "data-words" in a), None)
    return None if value is None else json.loads(value)


def test_slide_pages_carry_their_word_boxes_as_inert_data(tmp_path: Path):
    slides, decks = sample_gallery()
    evil = slides[3]
    hostile_word = EVIL + "' onmouseover='alert(3)'></div><script>alert(4)</script>"
    evil.ocr.words = [Word(hostile_word, 80.0, [1, 2, 3, 4])]
    images = site_images.write_images([s for s in slides if s.ocr], _variants, tmp_path)
    site.render_site(slides, decks, images, tmp_path)
    assert _word_boxes(tmp_path / "slide/acme/002.html") == {
        "width": 480, "height": 270,  # the source image's size: the boxes' pixels
        "words": [["Warehouses", 40, 60, 120, 18], ["lose", 170, 60, 40, 18]]}
    evil_page = tmp_path / "slide/evil/001.html"
    assert _word_boxes(evil_page)["words"][0][0] == hostile_word  # the same text, as data
    for tag, attrs in parse(evil_page).tags:  # it opened no element and no attribute
        assert tag != "script" or attrs.get("src"), attrs
        assert not [a for a in attrs if a.startswith("on")], (tag, attrs)
    assert _word_boxes(tmp_path / "slide/acme/003.html") is None  # no words, no data


def test_home_counts_and_dataset_page(built: Path):
    home = (built / "index.html").read_text()
    assert "5 slides from 2 decks" in home
    assert 'href="section/cover.html"' in home and "2 slides" in home
    dataset = (built / "dataset.html").read_text()
    assert 'href="dataset/deckgen-dataset-v1.tar.gz"' in dataset
    assert "ab" * 32 in dataset and "123.5 KB" in dataset


def test_section_pages_list_the_surest_labels_first_and_mark_the_unsure(tmp_path: Path):
    slides, decks = sample_gallery()
    doubtful = _slide("evil", 2, "problem", "Hmm", "some words")
    doubtful.section.scores["problem"] = 0.3
    sure = _slide("evil", 4, "problem", "Pain", "pain points")
    sure.section.scores["problem"] = 0.95
    by_hand = _slide("acme", 4, "problem", "Why", "why now")
    by_hand.section.scores["problem"] = 0.2  # a curated label is sure whatever the model said
    by_hand.section.curated = True
    slides = [s for s in slides if s.id != "evil/002"] + [doubtful, sure, by_hand]
    images = site_images.write_images([s for s in slides if s.ocr], _variants, tmp_path)
    site.render_site(slides, decks, images, tmp_path)
    html = (tmp_path / "section/problem.html").read_text()
    order = re.findall(r'href="\.\./slide/(\w+/\d+)\.html"', html)
    assert list(dict.fromkeys(order)) == ["acme/004", "evil/004", "acme/002", "evil/002"]
    assert "4 slides classified as <strong>Problem</strong>, the surest first." in html
    cards = html.split('<li class="card"')[1:]
    assert ["unsure</span>" in card for card in cards] == [False, False, False, True]
    doubtful = (tmp_path / "slide/evil/002.html").read_text()
    assert "The classifier is unsure of this label: it scored under 50 %." in doubtful
    assert "Top classifier scores" in doubtful  # the scores are shown all the same
    assert "unsure" not in (tmp_path / "slide/evil/004.html").read_text()
    home = (tmp_path / "index.html").read_text()
    problem_card = home[home.index('href="section/problem.html"') :][:2000]
    assert "img/acme/004" in problem_card  # the section's cover card is its surest slide


def test_long_sections_and_deck_lists_are_split_into_linked_pages(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(site, "LIST_PAGE_SIZE", 2)
    slides, decks = sample_gallery()
    problems = [_slide(f"deck{i}", 1, "problem", f"Pain {i}", "pain") for i in range(5)]
    for i, slide in enumerate(problems):
        slide.section.scores["problem"] = 0.9 - i / 100  # deck0 surest: a fixed order
    slides += problems
    images = site_images.write_images([s for s in slides if s.ocr], _variants, tmp_path)
    site.render_site(slides, decks, images, tmp_path, base_url="https://decks.example.org/")
    # 6 problem slides (acme/002 has 0.7): pages of 2, surest first, every slide on one page
    listed = []
    for n, name in enumerate(["problem.html", "problem-2.html", "problem-3.html"], 1):
        html = (tmp_path / "section" / name).read_text()
        listed += list(dict.fromkeys(re.findall(r'href="\.\./slide/(\w+/\d+)\.html"', html)))
        assert f"Problem slides, page {n} of 3 · deckgen</title>" in html
        assert "6 slides classified as <strong>Problem</strong>, the surest first. " \
            f"Showing {2 * n - 1}–{2 * n}." in html
        assert f'aria-current="page" aria-label="Page {n}">{n}</a>' in html
    assert listed == [*(f"deck{i}/001" for i in range(5)), "acme/002"]
    assert not (tmp_path / "section/problem-4.html").exists()
    first = (tmp_path / "section/problem.html").read_text()
    assert 'rel="next" href="../section/problem-2.html"' in first and 'rel="prev"' not in first
    last = (tmp_path / "section/problem-3.html").read_text()
    assert 'rel="prev" href="../section/problem-2.html"' in last and 'rel="next"' not in last
    market = (tmp_path / "section/market.html").read_text()  # one slide: no pager
    assert 'class="list-pager"' not in market
    # 7 decks: 4 pages of the deck list, "Decks" marked in the menu on each
    decks_3 = (tmp_path / "decks-3.html").read_text()
    assert "7 decks, by company name. Showing 5–6." in decks_3
    assert 'href="decks.html" aria-current="page">Decks' in decks_3
    assert 'rel="prev" href="decks-2.html"' in decks_3
    assert 'rel="next" href="decks-4.html"' in decks_3
    assert (tmp_path / "decks-4.html").exists() and not (tmp_path / "decks-5.html").exists()
    locs = (tmp_path / "sitemap.xml").read_text()
    assert "https://decks.example.org/section/problem-3.html" in locs
    assert "https://decks.example.org/decks-4.html" in locs
    # fewer slides later: the pages that are no longer produced are removed
    images = site_images.write_images([s for s in slides[:6] if s.ocr], _variants, tmp_path)
    site.render_site(slides[:6], decks, images, tmp_path)
    assert not (tmp_path / "section/problem-2.html").exists()
    assert not (tmp_path / "decks-2.html").exists()


def test_rerender_keeps_mtimes_and_skips_image_work(tmp_path: Path):
    build(tmp_path)
    before = {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*") if p.is_file()}
    stats, _, _, info = build(tmp_path)
    after = {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*") if p.is_file()}
    assert stats["written"] == 0 and stats["removed"] == 0 and stats["unchanged"] > 20
    assert before == after
    assert info["calls"] == []  # images already there: no upscaled image fetched


def test_a_new_deck_rewrites_only_a_few_slide_pages_of_other_decks(tmp_path: Path):
    # a deploy uploads and invalidates what changed: one deck more, even one whose slide is
    # surer than any (a label set by hand), must not rewrite its whole section
    def gallery(decks: list[str]) -> dict[str, bytes]:
        slides = [_slide(d, p, label, f"{d} {label}", f"{d} {label} text")
                  for d in decks for p, label in ((1, "cover"), (2, "problem"))]
        if "new" in decks:
            slides[-1].section.scores["problem"] = 0.9
        metas = {d: DeckMeta(d, d.title()) for d in decks}
        images = site_images.write_images(slides, _variants, tmp_path)
        site.render_site(slides, metas, images, tmp_path)
        return {d: (tmp_path / "slide" / d / "002.html").read_bytes() for d in decks}

    decks = [f"deck{n:02d}" for n in range(40)]
    before = gallery(decks)
    assert b"Problem slides in other decks" in before["deck07"]
    after = gallery([*decks, "new"])
    changed = [d for d in decks if after[d] != before[d]]
    assert len(changed) <= 2 * site.RELATED, changed  # about RELATED of the 40, not all


def test_stale_outputs_are_removed_but_not_other_stages(tmp_path: Path):
    build(tmp_path)
    (tmp_path / "search").mkdir()
    (tmp_path / "search/entry.json").write_text("{}")
    (tmp_path / "dataset").mkdir()
    (tmp_path / "dataset/x.tar.gz").write_bytes(b"x")
    (tmp_path / "CNAME").write_text("example.com")
    slides, decks = sample_gallery()
    keep = [s for s in slides if s.deck == "acme"]
    images = site_images.write_images(keep, _variants, tmp_path)
    stats = site.render_site(keep, {"acme": decks["acme"]}, images, tmp_path)
    assert stats["removed"] > 0
    assert not (tmp_path / "deck/evil.html").exists()
    assert not (tmp_path / "slide/evil").exists() and not (tmp_path / "img/evil").exists()
    assert (tmp_path / "search/entry.json").exists() and (tmp_path / "dataset/x.tar.gz").exists()
    assert (tmp_path / "CNAME").exists()


def test_base_url_gives_sitemap_and_social_images(tmp_path: Path):
    build(tmp_path, base_url="https://decks.example.org/gallery")
    tree = ET.parse(tmp_path / "sitemap.xml")
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    locs = [e.text for e in tree.getroot().findall("s:url/s:loc", ns)]
    assert "https://decks.example.org/gallery/slide/acme/001.html" in locs
    assert not any(loc.endswith("404.html") for loc in locs)
    assert "Sitemap: https://decks.example.org/gallery/sitemap.xml" in (
        tmp_path / "robots.txt").read_text()
    html = (tmp_path / "slide/acme/001.html").read_text()
    assert 'property="og:image" content="https://decks.example.org/gallery/img/acme/' in html
    assert 'name="twitter:card" content="summary_large_image"' in html
    # 404.html is served at any depth, so its links start at the site's folder
    assert 'href="/gallery/index.html"' in (tmp_path / "404.html").read_text()
    with pytest.raises(site.ConfigError):
        build(tmp_path, base_url="javascript:alert(1)")


def test_the_404_page_links_from_the_base_urls_path_not_its_host(tmp_path: Path):
    # served at any depth and on any host the site is reached on (the *.cloudfront.net
    # domain, the preview server), whose CSP 'self' blocks another host's stylesheet
    build(tmp_path, base_url="https://decks.example.org/gallery/")
    page = parse(tmp_path / "404.html")
    urls = [url for tag, attrs in page.tags for url in _urls(tag, attrs) if url != "#main"]
    assert any(url.startswith("/gallery/static/style.") for url in urls)
    assert any(url.startswith("/gallery/static/search.") for url in urls)
    assert urls and all(url.startswith("/gallery/") for url in urls), urls
    # an error page has no canonical address; the other pages keep theirs
    assert not [a for tag, a in page.tags if tag == "link" and a.get("rel") == "canonical"]
    assert not [a for tag, a in page.tags if a.get("property") == "og:url"]
    assert 'rel="canonical" href="https://decks.example.org/gallery/about.html"' in (
        tmp_path / "about.html").read_text()


def _absolute_urls(out: Path) -> list[str]:
    """Sitemap locations, canonicals, og:url and og:image of every page."""
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    urls = [e.text for e in ET.parse(out / "sitemap.xml").getroot().findall("s:url/s:loc", ns)]
    for path in pages(out):
        for tag, attrs in parse(path).tags:
            if tag == "link" and attrs.get("rel") == "canonical":
                urls.append(attrs["href"])
            elif tag == "meta" and attrs.get("property") in ("og:url", "og:image"):
                urls.append(attrs["content"])
    return urls


@pytest.mark.parametrize(("base_url", "expected"), [
    ("https://decks.example.org/my gallery/", "https://decks.example.org/my%20gallery/"),
    ("https://décks.example.org/galería/", "https://xn--dcks-bpa.example.org/galer%C3%ADa/"),
    # escapes already there are kept as they are, a bare "%" is escaped
    ("https://decks.example.org/a%2Fb/100%/", "https://decks.example.org/a%2Fb/100%25/"),
])
def test_base_url_is_encoded_into_valid_absolute_urls(tmp_path: Path, base_url, expected):
    build(tmp_path, base_url=base_url)
    urls = _absolute_urls(tmp_path)
    assert f"{expected}slide/acme/001.html" in urls
    assert any(url.startswith(f"{expected}img/acme/") for url in urls)  # og:image
    for url in urls:
        assert url.startswith(expected) and url.isascii(), url
        assert not re.search(r"[\s\"<>\\^`{|}]|%(?![0-9A-Fa-f]{2})", url), url
    assert f"Sitemap: {expected}sitemap.xml" in (tmp_path / "robots.txt").read_text()
    assert 'href="/' + expected.split("/", 3)[3] in (tmp_path / "404.html").read_text()


@pytest.mark.parametrize(("base_url", "says"), [
    ("https://decks.example.org/gallery/?utm=x", "has a query ('?utm=x'): remove it"),
    ("https://decks.example.org/gallery/#x", "has a fragment ('#x'): remove it"),
    ("https://me:secret@decks.example.org/", "has a user or password"),
    ("https://decks.example.org/gallery;v=1/", "has path params"),
])
def test_base_url_with_more_than_a_folder_is_refused(tmp_path: Path, base_url, says):
    with pytest.raises(site.ConfigError, match=re.escape(says)):
        build(tmp_path, base_url=base_url)
    assert not (tmp_path / "index.html").exists()


@pytest.mark.e2e
@pytest.mark.parametrize("folder", ["/", "/gallery/"])
def test_the_404_page_is_styled_under_the_preview_servers_csp(tmp_path: Path, folder: str):
    # QA: with base_url set, the 404 page's stylesheet came from base_url's host, which the
    # preview server's (and the CloudFront domain's) CSP 'self' refused: an unstyled page.
    # In a folder, its links start with the folder, where `deckgen serve` answers too.
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright")
    build(tmp_path, base_url="https://decks.example.org" + folder)
    server = site_serve.make_server(tmp_path, port=0, prefix=folder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    looks = """() => [document.body, document.querySelector('.site-header'),
                      document.querySelector('.skip-link'), document.querySelector('h1')]
        .map(e => { const s = getComputedStyle(e);
                    return [s.fontFamily, s.color, s.backgroundColor, s.position, s.padding]; })"""
    try:
        with sync_api.sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=[
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
            page = browser.new_page()
            refused: list[str] = []
            page.on("console", lambda m: refused.append(m.text) if m.type == "error" else None)
            response = page.goto(
                f"http://127.0.0.1:{server.server_address[1]}{folder}no/such/page.html")
            assert response is not None and response.status == 404
            page.wait_for_load_state("load")
            styled = page.evaluate(looks)
            assert page.evaluate("() => document.styleSheets.length") >= 1
            page.evaluate("() => document.querySelector('link[rel=stylesheet]').remove()")
            assert page.evaluate(looks) != styled
            assert not [m for m in refused if "Content Security Policy" in m], refused
            browser.close()
    finally:
        server.shutdown()
        server.server_close()


def test_templates_folder_from_environment(tmp_path: Path, monkeypatch):
    custom = tmp_path / "templates"
    custom.mkdir()
    for path in site.templates_dir().rglob("*"):
        target = custom / path.relative_to(site.templates_dir())
        if path.is_dir():
            target.mkdir(exist_ok=True)
        else:
            target.write_bytes(path.read_bytes())
    (custom / "about.html").write_text('{% extends "base.html" %}{% block content %}CUSTOM'
                                       "{% endblock %}")
    monkeypatch.setenv("DECKGEN_TEMPLATES", str(custom))
    assert site.templates_fingerprint() != ""
    build(tmp_path / "out")
    assert "CUSTOM" in (tmp_path / "out/about.html").read_text()


def test_preview_csp_is_the_cdns_but_for_the_https_upgrade():
    infra = (Path(__file__).resolve().parent.parent / "infra" / "site.yaml").read_text()
    policy = re.search(r"ContentSecurityPolicy: >-\n(.*?)\n\s*Override", infra, re.S)[1]
    assert " ".join(policy.split()) == site_serve.CSP + "; upgrade-insecure-requests"


def test_preview_server_sends_csp_and_404_page(built: Path):
    server = site_serve.make_server(built, port=0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}/"
        with urllib.request.urlopen(base) as response:
            assert response.headers["Content-Security-Policy"] == site_serve.CSP
            assert b'id="search-form"' in response.read()
        webp = next((built / "img/acme").glob("*.webp")).relative_to(built).as_posix()
        with urllib.request.urlopen(base + webp) as response:
            assert response.headers["Content-Type"] == "image/webp"
        with pytest.raises(urllib.error.HTTPError) as missing:
            urllib.request.urlopen(base + "no/such/page.html")
        assert missing.value.code == 404
        body = missing.value.read().decode()
        assert "Page not found" in body
        # served two folders down, its stylesheet and links still reach the site's files
        stylesheet = re.search(r'<link rel="stylesheet" href="([^"]+)"', body)[1]
        assert stylesheet.startswith("/static/style.")
        for url in (stylesheet, *re.findall(r'<a [^>]*href="(/[^"]*)"', body)):
            with urllib.request.urlopen(urllib.parse.urljoin(base + "no/such/page.html", url)) as r:
                assert r.status == 200, url
        # as the CDN: deploy's types, no folder listing, no file deploy leaves out
        for path, expected in (("index.html", "text/html; charset=utf-8"),
                               (stylesheet.lstrip("/"), "text/css; charset=utf-8")):
            with urllib.request.urlopen(base + path) as response:
                assert response.headers["Content-Type"] == expected
        (built / ".deckgen-site").write_text("the build's marker")
        try:
            for path in ("img/", "img/acme/", "slide/", ".deckgen-site", ".deckgen-site/.",
                         "img/../.deckgen-site"):
                with pytest.raises(urllib.error.HTTPError) as hidden:
                    urllib.request.urlopen(base + path)
                assert hidden.value.code == 404 and b"Page not found" in hidden.value.read()
        finally:
            (built / ".deckgen-site").unlink()
        with pytest.raises(site.ConfigError, match="try --port"):
            site_serve.make_server(built, port=server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("value, logged", [
    (None, False), ("", False), ("0", False), ("false", False), ("No", False), ("OFF", False),
    ("1", True), ("yes", True), ("true", True)])
def test_deckgen_serve_log_is_off_for_the_words_that_say_off(
        built: Path, monkeypatch, capfd, value: str | None, logged: bool):
    """DECKGEN_SERVE_LOG=0 printed every request, as =1 does (QA-81): "", 0, false, no and
    off, in any case, leave the log off."""
    if value is None:
        monkeypatch.delenv("DECKGEN_SERVE_LOG", raising=False)
    else:
        monkeypatch.setenv("DECKGEN_SERVE_LOG", value)
    server = site_serve.make_server(built, port=0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{server.server_address[1]}/") as response:
            response.read()
    finally:
        server.shutdown()
        server.server_close()
    assert ('"GET / HTTP/1.1" 200' in capfd.readouterr().err) is logged, value


def _build_with(out: Path, decks_changed: dict[str, dict], **kwargs) -> None:
    """The sample gallery with some decks' metadata changed (e.g. made fictional)."""
    import dataclasses
    slides, decks = sample_gallery()
    for slug, changes in decks_changed.items():
        decks[slug] = dataclasses.replace(decks[slug], **changes)
    images = site_images.write_images([s for s in slides if s.ocr], _variants, out)
    site.render_site(slides, decks, images, out, **kwargs)


def test_a_fictional_deck_says_so_on_every_page_a_visitor_lands_on(tmp_path: Path):
    placeholder = "https://example.com/decks/evil"
    _build_with(tmp_path, {"evil": {"fictional": True, "source_url": placeholder}},
                base_url="https://gallery.example.org/")
    deck = (tmp_path / "deck/evil.html").read_text()
    assert 'class="fictional-note"' in deck and "invented" in deck
    assert f'href="{placeholder}"' not in deck and placeholder in deck  # shown, not linked
    assert "(fictional deck)" in deck.split("</title>")[0]
    for page in ("001", "002"):
        slide = (tmp_path / f"slide/evil/{page}.html").read_text()
        head, body = slide.split("</head>")
        assert "(fictional deck)" in head.split("</title>")[0]
        assert re.search(r'og:title" content="[^"]*\(fictional deck\)', head)
        assert re.search(r'og:description" content="Fictional deck', head)
        assert body.index('class="fictional-note"') < body.index('class="slide-figure"')
        assert "<script>alert" not in body  # the deck's name stays escaped beside the note
    home = (tmp_path / "index.html").read_text()
    assert "1 of the 2 decks is fictional" in home
    decks_page = (tmp_path / "decks.html").read_text()
    cards = re.findall(r'<li class="card deck-card">.*?</li>', decks_page, re.S)
    # evil's name ("<script>…") sorts before Acme's
    assert ['class="fictional"' in card for card in cards] == [True, False]
    # the real deck's pages carry no such note, and its source stays a link
    acme = (tmp_path / "deck/acme.html").read_text()
    assert "fictional-note" not in acme and 'href="https://example.com/acme.pdf"' in acme
    assert "fictional" not in (tmp_path / "slide/acme/001.html").read_text()


def test_the_home_page_says_when_every_deck_is_fictional(tmp_path: Path, built: Path):
    assert "All 2 decks" not in (built / "index.html").read_text()
    _build_with(tmp_path, {"acme": {"fictional": True}})
    assert "All 2 decks are fictional" in (tmp_path / "index.html").read_text()
    _build_with(tmp_path, {"evil": {"fictional": False}})
    assert "fictional" not in (tmp_path / "index.html").read_text()


def test_dataset_page_checks_the_download_on_every_system(built: Path):
    text = (built / "dataset.html").read_text()
    archive = "deckgen-dataset-v1.tar.gz"
    for command in (f"sha256sum {archive}", f"shasum -a 256 {archive}",
                    f"certutil -hashfile {archive} SHA256", f"Get-FileHash {archive}"):
        assert command in text, command
    assert "No extra software needed" not in text
    # every line of a command block is one whole command, never "a && b" split by wrapping
    blocks = re.findall(r'<pre class="code"([^>]*)>(.*?)</pre>', text, re.S)
    assert len(blocks) >= 4
    for attributes, block in blocks:
        # it scrolls sideways on a phone: a keyboard must reach it (axe: scrollable-region)
        assert attributes == ' tabindex="0"', attributes
        if block.startswith("@misc{"):  # the citation
            continue
        for line in block.splitlines():
            assert re.match(r"(sha256sum|shasum|certutil|tar|cd) \S", line), line
            assert "&&" not in line
    # one spelling of the noun in prose: "licence" (the metadata field stays `license`)
    assert "license" not in re.sub(r"<code>[^<]*</code>", "", text).lower()


def _full_size_links(page: Path) -> list[tuple[dict, str]]:
    """The links to a slide page's full-size image, each with its text (its own, not nested)."""
    html = page.read_text()
    return [(dict(parse_tag(m[1])), re.sub(r"<[^>]+>", "", m[2]).strip())
            for m in re.finditer(r'(<a [^>]*href="[^"]*-full\.[^"]*"[^>]*>)(.*?)</a>', html, re.S)]


def parse_tag(tag: str) -> list[tuple[str, str | None]]:
    collector = _Collector()
    collector.feed(tag)
    return list(collector.tags[0][1].items())


def test_the_slide_opens_full_size_in_the_browser_and_downloads_from_its_own_link(built: Path):
    # QA-34: tapping "Full resolution" to read small text downloaded a file instead
    for slide_id in ("acme/002", "evil/001"):
        links = _full_size_links(built / site_urls.slide_page_path(slide_id))
        zoom, opens, download = links
        assert zoom[0]["class"] == "slide-zoom"
        assert [a.get("download") for a, _ in links] == [
            None, None, slide_id.replace("/", "-") + ".jpg"]
        assert opens[1] == "Open full size" and download[1].startswith("Download")
        assert len({a["href"] for a, _ in links}) == 1  # one image, three ways to it
    html = (built / "slide/acme/002.html").read_text()
    # the image itself is the link, its <picture> (and srcset) kept inside it
    assert re.search(r'<a class="slide-zoom" href="[^"]+-full\.[^"]+"[^>]*>\s*<picture>', html)


def test_deck_and_slide_pages_say_what_the_licence_allows(tmp_path: Path):
    # QA-34: the slide page never named the licence; the deck page showed "CC0-1.0" bare
    _build_with(tmp_path, {"evil": {"license": ""}, "acme": {"license": "cc-by-4.0"}})
    spdx = ('<a href="https://spdx.org/licenses/CC-BY-4.0.html" rel="license noopener" '
            'dir="ltr">CC-BY-4.0</a> <span class="licence-hint">(reuse with credit)</span>')
    ask = '<span class="licence-hint">(ask the company before reuse)</span>'
    for page in ("deck/acme.html", "slide/acme/002.html"):
        assert spdx in (tmp_path / page).read_text(), page
    for page in ("deck/evil.html", "slide/evil/001.html"):
        assert f"<bdi>None stated</bdi> {ask}" in (tmp_path / page).read_text(), page
    _build_with(tmp_path, {"evil": {"license": EVIL}})  # untrusted text: escaped, isolated
    evil = (tmp_path / "slide/evil/001.html").read_text()
    assert f"<bdi>&lt;script&gt;alert(1)&lt;/script&gt;&#34;&#39;</bdi> {ask}" in evil


def test_every_open_licence_gets_plain_words_and_the_rest_say_ask_first():
    from deckgen.bundle_card import OPEN_LICENSES, is_open_license

    for name in OPEN_LICENSES:  # the dataset card's open ones: never "ask the company"
        assert site.licence_view(name).hint != "ask the company before reuse", name
    assert site.licence_view("CC0-1.0") == site.LicenceView(
        "CC0-1.0", "https://spdx.org/licenses/CC0-1.0.html", "no rights reserved")
    for closed in ("All rights reserved", "", "  ", "Proprietary"):
        assert not is_open_license(closed)
        assert site.licence_view(closed).hint == "ask the company before reuse", closed
    # a known but non-open one says so, as the card counts it ("does not allow reuse")
    assert not is_open_license("CC-BY-NC-4.0")
    assert site.licence_view("CC-BY-NC-4.0").hint.startswith("not an open licence")
    assert site.licence_view("").name == "None stated"  # the card's words, NO_LICENSE
    assert site.licence_view("javascript:alert(1)").url == ""  # only our own links


# -- slides far from 16:9 ----------------------------------------------------------------------
def _banner(size: tuple[int, int]) -> bytes:
    """A strip with a mark at each end, so a crop or a squeeze would show."""
    image = Image.new("RGB", size, (245, 245, 240))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, min(size) - 1, min(size) - 1), fill=(200, 30, 30))
    draw.rectangle((size[0] - min(size), size[1] - min(size), size[0] - 1, size[1] - 1),
                   fill=(30, 30, 200))
    buf = io.BytesIO()
    image.save(buf, "PNG")
    return buf.getvalue()


@pytest.mark.parametrize("size", [(4200, 120), (120, 4200)])
def test_a_slide_upscaled_past_the_webp_limit_is_published_within_it(tmp_path: Path, size):
    from deckgen import slide_task, upscale

    # x4 makes the 4200 px side 16800 px: WebP holds at most 16383 on either side
    png, up = upscale.upscale(_banner(size), upscale.UpscaleParams(method="bicubic"))
    assert max(up.width, up.height) == 16800
    files = slide_task.encode_images(png)  # the site's variants and the dataset's WebP
    aspect = up.width / up.height
    for name, data in files.items():
        with Image.open(io.BytesIO(data)) as image:
            image.load()  # decodes: a truncated or refused image fails here
            width, height = image.size
        assert max(width, height) <= site_images.MAX_SIDE, name
        assert abs(width / height - aspect) / aspect < 0.05, name  # scaled, not squeezed
    slide = _slide("wide", 1, "other", "Banner", "")
    slide.upscale = UpscaleResult("bicubic", 4.0, 0.1, up.width, up.height, *size)
    fresh = site_images.write_images([slide], lambda s: files, tmp_path)[slide.id]
    again = site_images.write_images([slide], lambda s: files, tmp_path)[slide.id]  # files there
    assert fresh == again
    for variant in site_images.VARIANTS:
        with Image.open(tmp_path / fresh[f"{variant}_webp"]) as image:
            assert image.size == (fresh[f"{variant}_width"], fresh[f"{variant}_height"])
        with Image.open(tmp_path / fresh[variant]) as image:
            assert image.size == (fresh[f"{variant}_width"], fresh[f"{variant}_height"])
    assert (fresh["width"], fresh["height"]) == (fresh["full_width"], fresh["full_height"])


def _marked_slide(size: tuple[int, int]) -> bytes:
    """A slide with a red band along its first edge and a blue one along its last (top and
    bottom when tall, left and right when wide): a crop cuts one off."""
    image = Image.new("RGB", size, (250, 250, 245))
    draw = ImageDraw.Draw(image)
    band = max(size) // 12
    if size[1] > size[0]:
        draw.rectangle((0, 0, size[0], band), fill=(220, 0, 0))
        draw.rectangle((0, size[1] - band, size[0], size[1]), fill=(0, 0, 220))
    else:
        draw.rectangle((0, 0, band, size[1]), fill=(220, 0, 0))
        draw.rectangle((size[0] - band, 0, size[0], size[1]), fill=(0, 0, 220))
    buf = io.BytesIO()
    image.save(buf, "PNG")
    return buf.getvalue()


@pytest.mark.e2e
def test_cards_show_tall_and_wide_slides_whole(tmp_path: Path):
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright")
    shapes = {"acme/001": (1440, 810), "acme/002": (540, 960), "acme/003": (1800, 600)}
    slides, decks = sample_gallery()
    acme = [s for s in slides if s.deck == "acme"]
    images = site_images.write_images(
        acme, lambda s: site_images.encode_variants(_marked_slide(shapes[s.id])), tmp_path)
    site.render_site(acme, {"acme": decks["acme"]}, images, tmp_path)
    server = site_serve.make_server(tmp_path, port=0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with sync_api.sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=[
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            page.goto(f"http://127.0.0.1:{server.server_address[1]}/deck/acme.html")
            cards = page.locator(".card img")
            assert cards.count() == 3
            for index in range(3):
                card = cards.nth(index)
                card.scroll_into_view_if_needed()
                page.wait_for_function("img => img.complete && img.naturalWidth > 0",
                                       arg=card.element_handle())
                box = card.bounding_box()
                assert box and abs(box["width"] / box["height"] - 16 / 9) < 0.05  # grid kept
                with Image.open(io.BytesIO(card.screenshot())) as shot:
                    r, g, b = (np.asarray(shot.convert("RGB")).astype(int)[..., i]
                               for i in range(3))
                red = int(((r > 180) & (g < 60) & (b < 60)).sum())
                blue = int(((b > 180) & (r < 60) & (g < 60)).sum())
                assert red > 20 and blue > 20, (index, red, blue)  # both ends are in view
            browser.close()
    finally:
        server.shutdown()


def test_the_first_card_of_a_grid_loads_at_once_and_the_rest_when_scrolled_to(built: Path):
    # on a phone the first card is the largest image in view: lazy, it waited for the
    # layout (QA-20: largest paint 1.8 s -> 0.8 s on slow 4G)
    def images(page: str) -> list[str]:
        return re.findall(r"<img [^>]*>", (built / page).read_text())

    def fullest(folder: str) -> str:  # the page of that kind with the most cards
        pages = [p.relative_to(built).as_posix() for p in (built / folder).rglob("*.html")]
        return max(pages, key=lambda page: len(images(page)))

    for page in (fullest("section"), fullest("deck"), "decks.html"):
        first, *rest = images(page)
        assert 'fetchpriority="high"' in first and "loading" not in first, page
        assert rest and all('loading="lazy"' in img for img in rest), page
    main, *related = images(fullest("slide"))  # the slide's own image leads; its related row waits
    assert 'fetchpriority="high"' in main and all('loading="lazy"' in i for i in related)


def test_ocr_text_in_another_language_says_which_so_chinese_gets_its_own_glyphs(tmp_path: Path):
    slides = [_slide("tw", 1, "market", "市場規模", "台灣雲端市場規模"),
              _slide("jp", 1, "market", "市場規模", "国内の市場規模"),
              _slide("en", 1, "market", "Market", "A big market"),
              _slide("mixed", 1, "market", "Market", "A big market"),  # English, in eng+jpn
              _slide("de", 1, "market", "Markt", "Ein großer Markt"),
              _slide("both", 1, "market", "Market size", "Market size\n東京都内の顧客")]
    langs_read = ("chi_tra", "eng+jpn", "eng", "eng+jpn", "deu", "eng+jpn")
    for slide, lang in zip(slides, langs_read, strict=True):
        slide.ocr.lang = lang
    images = site_images.write_images(slides, _variants, tmp_path)
    site.render_site(slides, {s.deck: DeckMeta(s.deck, s.deck) for s in slides}, images, tmp_path)

    def langs(deck: str) -> list[str | None]:
        html = (tmp_path / "slide" / deck / "001.html").read_text()
        return [re.search(r'lang="([^"]+)"', tag)[1] if "lang=" in tag else None
                for tag in re.findall(r"<(?:h1|pre)[^>]*>", html)]

    assert langs("tw") == ["zh-Hant", "zh-Hant"]  # not drawn in a Japanese font
    deck_page = (tmp_path / "deck" / "tw.html").read_text()
    assert '<span class="card-title" dir="auto" lang="zh-Hant">市場規模</span>' in deck_page
    assert langs("jp") == ["ja", "ja"]
    assert langs("en") == langs("mixed") == [None, None]  # the page's own lang, en
    assert langs("de") == ["de", "de"]
    assert langs("both") == [None, "ja"]  # an English heading over Japanese text
    assert site.text_lang("eng+deu", "Ein großer Markt") == ""  # German or English: unsaid


# -- right-to-left and other scripts ---------------------------------------------------------
COMPANY_AR = "شركة الدفع السريع"
DECK_TITLE_AR = "عرض للمستثمرين"
INDUSTRY_AR = "تقنية مالية"
MIXED_TITLE = "Fintech API للشركات"
OCR_AR = "Fintech API للشركات\nحجم السوق 40 مليار\nRevenue 2024"
RTL_LETTER = re.compile("[\u0590-\u08ff\ufb1d-\ufefc]")


def rtl_gallery(out: Path) -> list[Slide]:
    """A deck of Arabic slides beside the English sample: its company, title, industry,
    slide titles and OCR text right to left, its stage and year not."""
    slides, decks = sample_gallery()
    decks["fast"] = DeckMeta("fast", COMPANY_AR, DECK_TITLE_AR, 2024, "seed", INDUSTRY_AR, "",
                             "https://example.com/fast.pdf", "CC-BY-4.0")
    rtl = [_slide("fast", 1, "cover", MIXED_TITLE, OCR_AR),
           _slide("fast", 2, "market", "حجم السوق", "حجم السوق\nTAM $40B"),
           _slide("fast", 3, "team", "الفريق", "الفريق")]
    for slide in rtl:
        slide.ocr.lang = "ara+eng"
    slides += rtl
    images = site_images.write_images([s for s in slides if s.ocr], _variants, out)
    site.render_site(slides, decks, images, out)
    return rtl


class _Isolation(HTMLParser):
    """Each run of right-to-left text in a page's body, with the text of the element that
    isolates it (the nearest <bdi> or element with a dir attribute), None when none does."""

    VOID = {"img", "source", "meta", "link", "input", "br", "hr"}

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[dict] = []
        self.runs: list[tuple[str, dict | None]] = []

    def handle_starttag(self, tag, attrs):
        if tag in self.VOID:
            return
        attributes = dict(attrs)
        self.stack.append({"tag": tag, "isolates": tag == "bdi" or "dir" in attributes,
                           "class": attributes.get("class") or "", "text": ""})

    def handle_endtag(self, tag):
        while self.stack and self.stack.pop()["tag"] != tag:
            pass

    def handle_data(self, data):
        for frame in self.stack:
            frame["text"] += data
        tags = [f["tag"] for f in self.stack]
        # the classifier's cues are sentences of ours quoting a word: read left to right
        if "body" not in tags or "cues" in {f["class"] for f in self.stack}:
            return
        if RTL_LETTER.search(data):
            isolating = [f for f in self.stack if f["isolates"]]
            self.runs.append((data, isolating[-1] if isolating else None))


def _isolations(page: Path) -> list[tuple[str, str | None]]:
    walker = _Isolation()
    walker.feed(page.read_text())
    return [(data, frame and frame["text"]) for data, frame in walker.runs]


def test_every_piece_of_untrusted_rtl_text_is_isolated_on_its_own(tmp_path: Path):
    # "<a>شركة الدفع السريع</a>, 2024, seed" unisolated reads "2024 ,شركة الدفع السريع, seed":
    # each value must sit alone in a <bdi> or an element with dir, not inside our sentence
    rtl_gallery(tmp_path)
    values = {COMPANY_AR, DECK_TITLE_AR, INDUSTRY_AR, MIXED_TITLE, OCR_AR, "حجم السوق",
              "حجم السوق\nTAM $40B", "الفريق"}
    checked = 0
    for page in pages(tmp_path):
        where = page.relative_to(tmp_path)
        for data, isolated_text in _isolations(page):
            assert isolated_text is not None, f"{where}: {data!r} not isolated"
            assert isolated_text.strip() in values, f"{where}: {isolated_text!r}"
            checked += 1
    assert checked > 30
    slide = (tmp_path / "slide/fast/002.html").read_text()
    assert '<pre class="ocr-text" dir="auto" lang="ar">حجم السوق\nTAM $40B</pre>' in slide
    assert '<h1 dir="auto" lang="ar">حجم السوق</h1>' in slide
    assert (f'Previous<span class="visually-hidden"> slide:</span><span aria-hidden="true">:'
            f'</span> <bdi lang="ar">{MIXED_TITLE}</bdi>') in slide
    assert f'dir="auto">{COMPANY_AR}</a>, 2024, <bdi>seed</bdi></p>' in slide  # the deck line
    decks = (tmp_path / "decks.html").read_text()
    assert f"<bdi>2024</bdi> · <bdi>seed</bdi> · <bdi>{INDUSTRY_AR}</bdi> · 3 slides" in decks


def test_rtl_text_in_titles_is_isolated_with_unicode_isolates_english_left_as_it_is(
        tmp_path: Path):
    rtl_gallery(tmp_path)

    def head(page: str) -> str:
        return (tmp_path / page).read_text().split("</head>")[0]

    title = re.search(r"<title>(.*)</title>", head("slide/fast/001.html"))[1]
    assert title == f"\u2068{MIXED_TITLE}\u2069 · \u2068{COMPANY_AR}\u2069, slide 1 · deckgen"
    assert f'og:title" content="{title.removesuffix(" · deckgen")}"' in head("slide/fast/001.html")
    assert (f"<title>\u2068{COMPANY_AR}\u2069: \u2068{DECK_TITLE_AR}\u2069 · deckgen</title>"
            in head("deck/fast.html"))
    assert "<title>The problem · Acme Robotics, slide 2 · deckgen</title>" in head(
        "slide/acme/002.html")  # no isolates where nothing reads right to left
    assert "\u2068" not in (tmp_path / "deck/acme.html").read_text()
    # an override (U+202E) left open would flip the rest of the line: the isolate ends it
    assert site.bidi_isolate("Acme\u202e") == "\u2068Acme\u202e\u2069"


def test_isolated_untrusted_text_stays_escaped(built: Path):
    deck = (built / "deck/evil.html").read_text()
    assert '<h1 dir="auto">&lt;script&gt;alert(1)&lt;/script&gt;&#34;&#39;</h1>' in deck
    assert "<dd><bdi>&lt;b&gt;fintech&lt;/b&gt;</bdi></dd>" in deck
    slide = (built / "slide/evil/001.html").read_text()
    assert '<pre class="ocr-text" dir="auto">&lt;script&gt;' in slide


def test_ocr_text_in_rtl_and_indic_scripts_says_its_language():
    assert site.text_lang("ara", "حجم السوق") == "ar"
    assert site.text_lang("eng+ara", "Fintech API للشركات") == "ar"
    assert site.text_lang("eng+ara", "Market size") == ""  # English on an eng+ara build
    assert site.text_lang("ara", "\u200f2024") == ""  # a mark and digits are no Arabic
    assert site.text_lang("eng+fas", "بازار می\u200cخواهیم") == "fa"
    assert site.text_lang("heb+eng", "גודל השוק") == "he"
    assert site.text_lang("eng+hin", "बाज़ार का आकार") == "hi"
    assert site.text_lang("tha", "ขนาดตลาด") == "th"
    assert site.text_lang("eng+tha", "Market") == ""
    assert site.text_lang("ara+fas", "بازار") == ""  # one script, two languages: unsaid


# -- the site folder's other files, search engines, deck order ------------------------------
def test_the_users_own_files_stay_and_are_named_while_old_pages_go(tmp_path: Path, monkeypatch):
    # an earlier build with pages of one deck: decks-2.html and section/*-2.html
    monkeypatch.setattr(site, "LIST_PAGE_SIZE", 1)
    build(tmp_path)
    assert (tmp_path / "decks-2.html").exists()
    monkeypatch.undo()
    # the founder's own files: an Impressum (German law wants one), a page begun as a copy
    # of about.html, an editor's backup, a note, security.txt
    (tmp_path / "impressum.html").write_text("<h1>Impressum</h1>\n")
    (tmp_path / "kontakt.html").write_bytes((tmp_path / "about.html").read_bytes())
    (tmp_path / "index.html~").write_text("old")
    (tmp_path / "notes.txt").write_text("todo")
    (tmp_path / ".well-known").mkdir()
    (tmp_path / ".well-known/security.txt").write_text("Contact: mailto:a@example.org\n")
    (tmp_path / ".DS_Store").write_bytes(b"\0")  # the system's: never uploaded, not named
    stats = build(tmp_path)[0]
    for name in ("impressum.html", "kontakt.html", "index.html~", "notes.txt",
                 ".well-known/security.txt"):
        assert (tmp_path / name).exists(), name
    assert not (tmp_path / "decks-2.html").exists()
    assert "decks-2.html" in stats["removed_files"]
    assert "section/cover-2.html" in stats["removed_files"]
    assert stats["removed"] == len(stats["removed_files"])
    assert stats["kept_files"] == [".well-known/security.txt", "impressum.html",
                                   "index.html~", "kontakt.html", "notes.txt"]
    removed, kept = site.summary_lines(stats)
    assert removed == (
        "removed 2 files this build did not make: decks-2.html, section/cover-2.html")
    assert kept == ("kept 5 files deckgen did not make: .well-known/security.txt, "
                    "impressum.html, index.html~, kontakt.html, notes.txt (deploy uploads them)")
    # every page deckgen makes carries the mark of its own path
    for page in pages(tmp_path):
        rel = page.relative_to(tmp_path).as_posix()
        assert site.made_by_deckgen(page, rel) == (rel not in ("kontakt.html", "impressum.html"))
    again = build(tmp_path)[0]
    assert again["removed_files"] == [] and site.summary_lines(again) == [kept]
    # a deck taken down removes a hundred files: a few named, the rest counted
    many = {"removed_files": [f"img/acme/{n:03d}.jpg" for n in range(100)], "kept_files": []}
    assert site.summary_lines(many) == [
        "removed 100 files this build did not make: img/acme/000.jpg, img/acme/001.jpg, "
        "img/acme/002.jpg, img/acme/003.jpg, img/acme/004.jpg and 95 more"]


def test_a_file_name_in_the_summary_cannot_drive_the_terminal(tmp_path: Path):
    build(tmp_path)
    (tmp_path / "evil\x1b[2J.html").write_text("<p>x</p>")
    stats = build(tmp_path)[0]
    assert site.summary_lines(stats) == [
        "kept 1 file deckgen did not make: evil\\x1b[2J.html (deploy uploads them)"]


def test_the_users_own_robots_txt_is_kept_and_deckgens_old_one_replaced(tmp_path: Path):
    mine = "User-agent: GPTBot\nDisallow: /\n"
    (tmp_path / "robots.txt").write_text(mine)
    stats = build(tmp_path, base_url="https://decks.example.org/")[0]
    assert (tmp_path / "robots.txt").read_text() == mine
    assert stats["kept_files"] == ["robots.txt"]
    # what deckgen wrote before it marked its robots.txt is its own
    (tmp_path / "robots.txt").write_text("User-agent: *\nAllow: /\n"
                                         "Sitemap: https://old.example.org/sitemap.xml\n")
    stats = build(tmp_path, base_url="https://decks.example.org/")[0]
    robots = (tmp_path / "robots.txt").read_text()
    assert robots.startswith(site.ROBOTS_MARK)
    assert "Sitemap: https://decks.example.org/sitemap.xml" in robots
    assert stats["kept_files"] == [] and stats["warnings"] == []
    # a private gallery whose own robots.txt lets crawlers in is told so (QA-71)
    (tmp_path / "robots.txt").write_text(mine)
    stats = build(tmp_path, search_engines=False)[0]
    assert (tmp_path / "robots.txt").read_text() == mine
    assert stats["warnings"] == [
        "robots.txt is your own and kept: [site] search_engines = false does not change it, "
        "and it lets crawlers in; add 'User-agent: *' and 'Disallow: /' to it, or delete it "
        "for deckgen's"]
    (tmp_path / "robots.txt").write_text(mine + "\nUser-agent: *\nDisallow: /\n")
    assert build(tmp_path, search_engines=False)[0]["warnings"] == []


def _robots_meta(page: Path) -> list[str | None]:
    return [dict(parse_tag(tag)).get("content")
            for tag in re.findall(r'<meta name="robots"[^>]*>', page.read_text())]


def test_a_private_gallery_keeps_search_engines_out(tmp_path: Path):
    build(tmp_path, base_url="https://decks.example.org/")
    assert (tmp_path / "sitemap.xml").exists()
    assert all(_robots_meta(page) == [] for page in pages(tmp_path))
    stats = build(tmp_path, base_url="https://decks.example.org/", search_engines=False)[0]
    robots = (tmp_path / "robots.txt").read_text()
    assert robots.endswith("User-agent: *\nDisallow: /\n") and "Allow" not in robots
    assert "Sitemap" not in robots and not (tmp_path / "sitemap.xml").exists()
    assert "sitemap.xml" in stats["removed_files"]
    every = pages(tmp_path)
    assert len(every) > 10 and all(_robots_meta(page) == ["noindex"] for page in every)
    build(tmp_path, base_url="https://decks.example.org/")  # and back
    assert (tmp_path / "sitemap.xml").exists()
    assert "Disallow" not in (tmp_path / "robots.txt").read_text()


def test_the_decks_page_sorts_accented_names_among_their_letters(tmp_path: Path):
    _build_with(tmp_path, {"acme": {"company": "Zeta Labs"}, "evil": {"company": "Éclat Santé"}})
    decks_page = (tmp_path / "decks.html").read_text()
    assert decks_page.index("Éclat Santé") < decks_page.index("Zeta Labs")
    names = ["Zeta", "éclat", "Éclat Santé", "Eclat", "apple", "Ölwerk", "Oase"]
    assert sorted(names, key=site.sort_key) == [
        "apple", "Eclat", "éclat", "Éclat Santé", "Oase", "Ölwerk", "Zeta"]


def test_the_about_page_says_section_labels_come_from_a_model_of_english_slides(built: Path):
    html = (built / "about.html").read_text()
    limits = html.split("<h2>Limits</h2>")[1].split("<h2>")[0]
    assert "model of English slides" in limits and "other languages" in limits


def test_a_build_made_private_in_deckgen_toml_renders_the_site_again(tmp_path: Path, tiny_corpus):
    # the real stages on a tiny corpus: the setting is part of what the site stage's key holds
    from conftest import config_for

    from deckgen.build import Builder
    from deckgen.config import load_config

    Builder(config_for(tmp_path, tiny_corpus), quiet=True).run()
    out = tmp_path / "site"
    assert "Allow: /" in (out / "robots.txt").read_text()
    toml = tmp_path / "deckgen.toml"
    toml.write_text("[site]\nsearch_engines = false\n")
    private = load_config(toml, {"build": {
        "corpus": str(tiny_corpus), "out": str(out), "cache": str(tmp_path / "build"),
        "executor": "serial"}})
    report = Builder(private, quiet=True).run()
    assert report.stages["site"].processed > 0 and report.stages["ocr"].processed == 0
    assert (out / "robots.txt").read_text().endswith("User-agent: *\nDisallow: /\n")
    assert _robots_meta(out / "index.html") == ["noindex"]
    assert Builder(private, quiet=True).run().stages["site"].processed == 0  # then cached


# -- the user's own templates (DECKGEN_TEMPLATES) ---------------------------------------------
def _own_templates(tmp_path: Path, monkeypatch) -> Path:
    """A copy of the shipped templates in ``tmp_path/templates``, set as DECKGEN_TEMPLATES."""
    custom = tmp_path / "templates"
    shutil.copytree(site.shipped_templates_dir(), custom)
    monkeypatch.setenv("DECKGEN_TEMPLATES", str(custom))
    return custom


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1))


def _snapshot(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}


# an undefined name on slide pages alone, a syntax error in a template every page imports,
# a template that extends one that is not there: (file, text replaced, its replacement, says)
_BROKEN_TEMPLATES = {
    "undefined": ("base.html", '<main id="main"',
                  "{% if page_path.startswith('slide/') %}{{ undefined_var }}{% endif %}"
                  '<main id="main"',
                  r"in base\.html line \d+: 'undefined_var' is undefined \(rendering slide/"),
    "syntax": ("_macros.html", "{% macro", "{% if %}\n{% macro",
               r"in _macros\.html line 3: Expected an expression.*\(loading the templates"),
    "missing": ("deck.html", '{% extends "base.html" %}', '{% extends "gone.html" %}',
                r"in deck\.html: template 'gone\.html' not found \(loading the templates"),
}


@pytest.mark.parametrize("broken", sorted(_BROKEN_TEMPLATES))
def test_a_template_error_stops_the_build_before_it_writes_and_says_where(
        tmp_path: Path, monkeypatch, broken: str):
    custom = _own_templates(tmp_path, monkeypatch)
    out = tmp_path / "out"
    build(out)
    before = _snapshot(out)
    name, old, new, says = _BROKEN_TEMPLATES[broken]
    _edit(custom / name, old, new)
    (custom / "static/style.css").write_text("body { color: red }\n")  # a new asset too
    with pytest.raises(site.ConfigError, match=says) as error:
        build(out)
    assert f"DECKGEN_TEMPLATES={custom})" in str(error.value)
    assert "\n" not in str(error.value)
    assert _snapshot(out) == before  # the site as it was: no page, no asset half new


def test_a_template_error_past_the_trial_is_still_one_line_naming_the_page(
        tmp_path: Path, monkeypatch):
    custom = _own_templates(tmp_path, monkeypatch)
    _edit(custom / "base.html", '<main id="main"',
          "{% if page_path == 'slide/acme/002.html' %}{{ v.no_such_field }}{% endif %}"
          '<main id="main"')
    with pytest.raises(site.ConfigError, match=r"^site template error in base\.html line \d+: "
                       r".*no_such_field.* \(rendering slide/acme/002\.html; DECKGEN_TEMPLATES="):
        build(tmp_path / "out")


def test_a_templates_folder_without_static_says_so_before_writing(tmp_path: Path, monkeypatch):
    custom = _own_templates(tmp_path, monkeypatch)
    shutil.rmtree(custom / "static")
    with pytest.raises(site.ConfigError, match=r"^site template error in base\.html line \d+: "
                       r"the templates folder lacks static/style\.css: copy site_templates/static"
                       r" into it with the templates \(rendering index\.html; DECKGEN_TEMPLATES="):
        build(tmp_path / "out")
    assert not (tmp_path / "out/static").exists() and not (tmp_path / "out/index.html").exists()
    # a template may do without a file: it says so with `default`
    _edit(custom / "base.html", "assets['style.css'] }}", "assets['style.css'] | default('') }}")
    _edit(custom / "slide.html", "assets['slide-keys.js'] }}",
          "assets['slide-keys.js'] | default('') }}")
    assert build(tmp_path / "out")[0]["pages"] > 0


def test_deckgens_own_search_js_is_published_over_an_older_copy_with_a_warning(
        tmp_path: Path, monkeypatch):
    shipped = (site.shipped_templates_dir() / "static/search.js").read_bytes()
    custom = _own_templates(tmp_path, monkeypatch)
    (custom / "static/search.js").write_text('throw new Error("search index 5/17 is not 5/16");\n')
    stats = build(tmp_path / "out")[0]
    published = list((tmp_path / "out/static").glob("search.*.js"))
    assert [p.read_bytes() for p in published] == [shipped]
    assert published[0].name in (tmp_path / "out/index.html").read_text()
    [warning] = [w for w in stats["warnings"] if "search.js" in w]
    assert f"DECKGEN_TEMPLATES={custom}" in warning
    assert "is not used" in warning and "must match the search index" in warning


@pytest.mark.parametrize("search_engines", [True, False])
@pytest.mark.parametrize("copied", [False, True])
def test_the_shipped_templates_meet_their_contract(tmp_path: Path, monkeypatch,
                                                   search_engines: bool, copied: bool):
    if copied:
        _own_templates(tmp_path, monkeypatch)
    else:
        monkeypatch.delenv("DECKGEN_TEMPLATES", raising=False)
    assert build(tmp_path / "out", search_engines=search_engines)[0]["warnings"] == []


def test_templates_that_break_the_contract_get_a_warning_each(tmp_path: Path, monkeypatch):
    custom = _own_templates(tmp_path, monkeypatch)
    base = custom / "base.html"
    _edit(base, '<meta name="generator" content="deckgen" data-page="{{ page_path }}">\n', "")
    _edit(base, '<meta name="robots" content="noindex">', "")
    _edit(base, 'id="q"', 'id="query"')
    _edit(base, "<body>", '<body onload="go()"><p style="color: red">hi</p><script>go()</script>'
          "<style>p {}</style><script type=\"application/ld+json\">{}</script>")
    _edit(custom / "home.html", 'id="facets"', 'id="filters"')
    warnings = build(tmp_path / "out", search_engines=False)[0]["warnings"]
    named = f"site templates (DECKGEN_TEMPLATES={custom}): index.html"
    assert all(w.startswith(named) for w in warnings) and len(warnings) == 4, warnings
    mark, robots, search, inline = warnings
    assert '<meta name="generator" content="deckgen"' in mark and "not removed" in mark
    assert '<meta name="robots" content="noindex">' in robots
    assert 'id="q", id="facets" that search.js needs' in search
    assert inline == (f'{named} has onload= on <body>, style= on <p>, <script> without src, '
                      "<style>: blocked by the site's Content-Security-Policy: move it to a file "
                      "in static/")
    # the site is built all the same
    assert (tmp_path / "out/index.html").is_file()


def test_an_upgrade_of_deckgens_search_js_renders_a_site_of_the_users_templates_again(
        tmp_path: Path, monkeypatch):
    custom = _own_templates(tmp_path, monkeypatch)
    (custom / "static/search.js").write_text("// an older deckgen's\n")
    before = site.templates_fingerprint()
    upgraded = tmp_path / "upgraded"  # the templates of a newer deckgen, search.js changed
    shutil.copytree(site.shipped_templates_dir(), upgraded)
    (upgraded / "static/search.js").write_text("// a newer deckgen's\n")
    monkeypatch.setattr(site, "shipped_templates_dir", lambda: upgraded)
    assert site.templates_fingerprint() != before
