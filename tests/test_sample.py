"""deckgen.sample: the fictional corpus is deterministic, scraper-sized and labelled."""

from __future__ import annotations

import csv
import tomllib
from pathlib import Path

import pytest
from PIL import Image

from deckgen import sample, sample_canvas
from deckgen.errors import MissingDependencyError
from deckgen.records import SECTIONS

DECK_KEYS = {"company", "title", "year", "stage", "industry", "amount_raised", "source_url",
             "license", "fictional"}


def _tree(root: Path) -> dict[str, bytes]:
    files = sorted(p for p in root.rglob("*") if p.is_file())
    return {str(p.relative_to(root)): p.read_bytes() for p in files}


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, list[str], int]:
    root = tmp_path_factory.mktemp("sample")
    calls: list[int] = []
    slugs = sample.generate(root / "corpus", seed=7, n_decks=2, truth_dir=root / "truth",
                            on_slide=lambda: calls.append(1))
    return root / "corpus", root / "truth", slugs, len(calls)


def test_same_seed_gives_identical_bytes(generated, tmp_path: Path) -> None:
    corpus, truth, slugs, _ = generated
    again = sample.generate(tmp_path / "corpus", seed=7, n_decks=2, truth_dir=tmp_path / "truth")
    assert again == slugs
    assert _tree(tmp_path / "corpus") == _tree(corpus)
    assert _tree(tmp_path / "truth") == _tree(truth)


def test_different_seed_gives_different_decks(generated, tmp_path: Path) -> None:
    corpus, _, _, _ = generated
    sample.generate(tmp_path, seed=8, n_decks=2)
    theirs = set(_tree(tmp_path).values())
    assert not theirs & {b for name, b in _tree(corpus).items() if name.endswith(".jpg")}


def test_slides_are_480_wide_jpegs_and_progress_is_reported(generated) -> None:
    corpus, _, slugs, calls = generated
    slides = sorted(corpus.glob("*/*.jpg"))
    assert len(slugs) == 2 and 22 <= len(slides) <= 28
    assert calls == len(slides)
    for path in slides:
        with Image.open(path) as img:
            assert img.format == "JPEG" and img.size == (480, 270)
    for slug in slugs:
        pages = sorted(p.name for p in (corpus / slug).glob("*.jpg"))
        assert pages == [f"{i:03d}.jpg" for i in range(1, len(pages) + 1)]


def test_deck_toml_has_every_key(generated) -> None:
    corpus, _, slugs, _ = generated
    assert slugs  # a loop over no deck would pass
    for slug in slugs:
        meta = tomllib.loads((corpus / slug / "deck.toml").read_text(encoding="utf-8"))
        assert set(meta) == DECK_KEYS
        assert meta["source_url"] == f"https://example.com/decks/{slug}"
        assert meta["license"] == "CC0-1.0" and isinstance(meta["year"], int)
        assert meta["amount_raised"].startswith("$")
        assert meta["fictional"] is True  # the site and the data card must not call it real


def test_generated_decks_read_back_as_fictional(generated) -> None:
    from deckgen.corpus import scan

    corpus, _, slugs, _ = generated
    read = scan(corpus)
    assert not read.problems
    assert sorted(read.decks) == sorted(slugs)
    assert all(meta.fictional for meta in read.decks.values())


def test_bundled_corpus_says_every_deck_is_fictional() -> None:
    bundled = Path(__file__).resolve().parents[1] / "corpus"
    tomls = sorted(bundled.glob("*/deck.toml"))
    assert tomls
    for path in tomls:
        assert tomllib.loads(path.read_text(encoding="utf-8"))["fictional"] is True, path


def test_truth_set_matches_the_corpus(generated) -> None:
    corpus, truth, slugs, _ = generated
    with open(truth / "labels.csv", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == ["deck_id", "page", "section", "title", "has_text_layer", "notes"]
    slides = sorted(corpus.glob("*/*.jpg"))
    assert len(rows) == len(slides)
    for row in rows:
        name = f"{row['deck_id']}/{int(row['page']):03d}"
        assert row["section"] in SECTIONS and row["has_text_layer"] == "true"
        lowres = (truth / "lowres" / f"{name}.jpg").read_bytes()
        assert lowres == (corpus / f"{name}.jpg").read_bytes()
        text = (truth / "truth" / f"{name}.txt").read_text(encoding="utf-8")
        assert row["title"] and row["title"] in text.splitlines()
        with Image.open(truth / "hires" / f"{name}.png") as img:
            assert img.size == sample_canvas.RENDER_SIZE
    for slug in slugs:
        sections = [r["section"] for r in rows if r["deck_id"] == slug]
        assert sections[0] == "cover"
        assert sections.index("problem") < sections.index("solution") < sections.index("funding")
        assert len(set(sections)) >= 8


def test_body_text_is_small_enough_at_480(tmp_path: Path) -> None:
    for family in sample_canvas.FONT_FAMILIES:
        body = sample_canvas.x_height_at_output(family, sample_canvas.BODY_SIZE_RANGE[1])
        assert body <= sample_canvas.MAX_BODY_X_HEIGHT
        assert sample_canvas.x_height_at_output(family, sample_canvas.TITLE_SIZE_RANGE[0]) > body
    decks = sample._make_decks(2026, 14)
    low, high = sample_canvas.BODY_SIZE_RANGE
    assert all(low <= d.theme.body_size <= high for d in decks)
    canvas = sample_canvas.Canvas(decks[0].theme)
    with pytest.raises(AssertionError, match="body text too large"):
        canvas.text((0, 0), "too big", sample_canvas.BODY_SIZE_RANGE[1] + 2)


def test_full_corpus_plan_covers_every_section_several_times() -> None:
    decks = sample._make_decks(2026, 14)
    plans = [sample._plan(d) for d in decks]
    assert sum(len(p) for p in plans) >= 150
    for section in SECTIONS:
        assert sum(any(s == section for s, _ in p) for p in plans) >= 3, section
    assert len({d.slug for d in decks}) == len(decks)


def test_missing_font_names_the_apt_package(monkeypatch: pytest.MonkeyPatch,
                                            tmp_path: Path) -> None:
    monkeypatch.setattr(sample_canvas, "FONT_DIR", tmp_path)  # where the fonts are read
    with pytest.raises(MissingDependencyError, match="apt-get install fonts-"):
        sample.check_fonts()
