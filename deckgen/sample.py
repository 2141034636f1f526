"""The fictional sample corpus: pitch decks drawn with Pillow, deterministic from a seed.

Every company, person, number and sentence is made up from the word banks in
``deckgen.sample_companies``; each section's slide is chosen in
``deckgen.sample_sections``. Slides are drawn at 1920x1080 (layouts in
``deckgen.sample_layouts``) and saved the way a scraper finds them (480 px wide,
JPEG q75), so body text ends up a few pixels tall: the problem deckgen exists to
solve. With ``truth_dir`` the generator also writes an evaluation set in the
eval-dev layout (labels, exact text, hi-res renders). Same seed, same bytes: one
``random.Random`` per deck, keyed by seed and deck index, and nothing read from
the clock.
"""

from __future__ import annotations

import csv
import io
import json
import random
from collections.abc import Callable
from pathlib import Path

from PIL import Image

from deckgen.sample_canvas import MX, OUTPUT_SIZE, Canvas, H, W, check_fonts, random_theme
from deckgen.sample_companies import (
    FIRST,
    INDUSTRIES,
    LAST,
    NAME_ENDS,
    NAME_STEMS,
    SampleDeck,
    money,
)
from deckgen.sample_sections import SECTION_DRAWERS

JPEG_QUALITY = 75

_CORE = ("cover", "problem", "solution", "market", "team", "funding")
_OPTIONAL = ("product", "traction", "competition", "business-model", "go-to-market",
             "financials", "milestones", "vision", "conclusion", "other")


def _plan(d: SampleDeck) -> list[tuple[str, str]]:
    """The deck's sections in a realistic order, as (section, hint) pairs."""
    r = d.rng
    target = r.randint(11, 14)
    drop_n = min(len(_OPTIONAL), 16 - target + r.randint(0, 2))
    start = d.index * 3  # rotate what gets dropped, so every section recurs across decks
    dropped = {_OPTIONAL[(start + j * 2) % len(_OPTIONAL)] for j in range(drop_n)}
    sections = list(_CORE) + [s for s in _OPTIONAL if s not in dropped]
    while len(sections) < target:  # pad with the sections real decks repeat
        sections.append(r.choice([s for s in ("traction", "product", "other") if s in sections]
                                 or ["traction"]))
    rank = {"cover": 0, "problem": 2, "solution": 3, "product": 4, "market": 6, "competition": 7,
            "business-model": 8, "go-to-market": r.choice((5.5, 8.5)), "traction": r.choice((5, 9)),
            "team": r.choice((10, 12.5)), "financials": 11, "milestones": 12, "funding": 13,
            "vision": r.choice((3.5, 13.5)), "conclusion": 15}
    other_slots = [("agenda", 1.0), ("divider", 5.8), ("end", 16.0)]
    r.shuffle(other_slots)
    plan = []
    for n, s in enumerate(sections):
        repeat = sections[:n].count(s)
        hint, pos = other_slots[repeat % 3] if s == "other" else ("", rank[s] + 0.1 * repeat)
        plan.append((pos, n, s, hint))
    return [(s, hint) for _, _, s, hint in sorted(plan)]


def _make_decks(seed: int, n_decks: int) -> list[SampleDeck]:
    top = random.Random(seed)
    industries = top.sample(INDUSTRIES, len(INDUSTRIES))
    stems = top.sample(NAME_STEMS, len(NAME_STEMS))
    decks = []
    for i in range(n_decks):
        rng = random.Random(f"deckgen-sample:{seed}:{i}")
        name = stems[i % len(stems)] + rng.choice(NAME_ENDS)
        slug = name.lower() + ("" if i < len(stems) else f"-{i}")
        stage = rng.choice(("Pre-seed", "Seed", "Seed", "Series A", "Series A", "Series B"))
        lo, hi = {"Pre-seed": (5, 15), "Seed": (15, 40), "Series A": (60, 150),
                  "Series B": (200, 450)}[stage]
        theme = random_theme(rng)
        firsts, lasts = rng.sample(FIRST, 6), rng.sample(LAST, 6)
        people = [f"{f} {s}" for f, s in zip(firsts, lasts, strict=True)]
        decks.append(SampleDeck(i, slug, name, industries[i % len(industries)], stage,
                           money(rng.randint(lo, hi) / 10), rng.randint(2015, 2025), theme, rng,
                           people))
    return decks


def _deck_toml(d: SampleDeck) -> str:
    fields = {"company": d.company, "title": f"{d.company} {d.stage} pitch deck", "year": d.year,
              "stage": d.stage, "industry": d.industry[0], "amount_raised": d.amount,
              "source_url": f"https://example.com/decks/{d.slug}", "license": "CC0-1.0",
              "fictional": True}  # the site and the dataset card say so
    lines = [f"{k} = {_toml_value(v)}" for k, v in fields.items()]
    return "# Fictional sample deck made by deckgen.sample: company and text are made up\n" + \
        "\n".join(lines) + "\n"


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value) if isinstance(value, int) else json.dumps(value)


def render_jpeg(img: Image.Image) -> bytes:
    """Shrink a 1920 render the way scraped decks arrive: 480 px wide, JPEG q75."""
    buf = io.BytesIO()
    img.resize(OUTPUT_SIZE, Image.Resampling.LANCZOS).save(buf, "JPEG", quality=JPEG_QUALITY)
    return buf.getvalue()


def generate(out_dir: Path, *, seed: int = 2026, n_decks: int = 14, truth_dir: Path | None = None,
             on_slide: Callable[[], None] | None = None) -> list[str]:
    """Write ``n_decks`` fictional decks under ``out_dir``; returns the deck slugs written.

    With ``truth_dir``, also write an eval-dev style set there: labels.csv, lowres/ (the
    corpus bytes), truth/ (each slide's exact text, one block a line) and hires/ (1920 PNGs).
    """
    # the folders first: one that cannot be made (under a file, not writable) says so, not
    # hidden behind "install fonts"
    for folder in filter(None, (out_dir, truth_dir)):
        Path(folder).mkdir(parents=True, exist_ok=True)
    check_fonts()
    labels: list[list[object]] = []
    slugs = []
    for d in _make_decks(seed, n_decks):
        deck_dir = Path(out_dir) / d.slug
        deck_dir.mkdir(parents=True, exist_ok=True)
        for stale in deck_dir.glob("[0-9][0-9][0-9].jpg"):  # pages of an earlier, longer run
            stale.unlink()
        (deck_dir / "deck.toml").write_text(_deck_toml(d), encoding="utf-8")
        seen: set[tuple[str, str]] = set()
        for page, (section, hint) in enumerate(_plan(d), start=1):
            for _ in range(4):  # a repeated section (two traction slides) gets another layout
                c, notes = SECTION_DRAWERS[section](d, hint)
                layout = notes.replace("line chart", "bar chart")
                if (section, layout) not in seen:
                    break
            seen.add((section, layout))
            if d.theme.footer and section != "cover" and not c.dark:
                c.text((MX, H - 64), f"{d.company}  |  Confidential", 24, fill=c.muted)
                c.text((W - MX, H - 64), str(page), 24, fill=c.muted, anchor="ra")
            jpeg, name = render_jpeg(c.img), f"{page:03d}"
            (deck_dir / f"{name}.jpg").write_bytes(jpeg)
            if truth_dir is not None:
                _write_truth(Path(truth_dir), d.slug, name, jpeg, c)
            labels.append([d.slug, page, section, c.title, "true", notes])
            if on_slide is not None:
                on_slide()
        slugs.append(d.slug)
    if truth_dir is not None:
        with open(Path(truth_dir) / "labels.csv", "w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f, lineterminator="\n")
            writer.writerow(["deck_id", "page", "section", "title", "has_text_layer", "notes"])
            writer.writerows(labels)
    return slugs


def _write_truth(root: Path, slug: str, name: str, jpeg: bytes, c: Canvas) -> None:
    for sub in ("lowres", "truth", "hires"):
        (root / sub / slug).mkdir(parents=True, exist_ok=True)
    (root / "lowres" / slug / f"{name}.jpg").write_bytes(jpeg)
    (root / "truth" / slug / f"{name}.txt").write_text("\n".join(c.blocks) + "\n", encoding="utf-8")
    c.img.save(root / "hires" / slug / f"{name}.png")
