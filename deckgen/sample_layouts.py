"""The sample slides' layouts: title, bullets, charts, tables, cards and the rest.

A layout gets the deck it draws for (theme, ``random.Random``, company name) and the content
to show, draws on a ``Canvas`` (``deckgen.sample_canvas``: sizes, fonts, colours) and returns
the canvas plus a short note on the layout for labels.csv. Picking the content is
``deckgen.sample_sections``' job.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from typing import Protocol

from PIL import Image, ImageDraw

from deckgen.sample_canvas import MX, Canvas, H, Theme, W, mix


class DeckStyle(Protocol):
    """What a layout needs from the deck it draws for."""

    company: str
    theme: Theme
    rng: random.Random

    def canvas(self, dark: bool = False) -> Canvas: ...


Drawn = tuple[Canvas, str]  # a finished slide and its notes for labels.csv


# ---- drawing helpers ---------------------------------------------------------------------------


def draw_title(c: Canvas, title: str) -> int:
    """Draw the slide title in the deck's style; returns the y where the body starts."""
    t = c.theme
    shown = title.upper() if t.upper else title
    c.title = shown
    size = c.fit(shown, t.title_size, W - 2 * MX, title=True)
    if t.header == "band" and not c.dark:
        c.draw.rectangle((0, 0, W, 190), fill=c.accent)
        c.text((W // 2, 95), shown, size, title=True, fill="#FFFFFF", anchor="mm")
        return 260
    if t.header == "side" and not c.dark:
        c.draw.rectangle((0, 86, 48, 96 + size), fill=c.accent)
        c.text((MX, 80), shown, size, title=True)
        return 190 + size
    c.text((MX, 80), shown, size, title=True)
    c.draw.rectangle((MX, 110 + size, MX + 150, 120 + size), fill=c.accent)
    return 180 + size


def _bullets(c: Canvas, x: int, y: int, width: int, items: list[str], size: int) -> int:
    for i, item in enumerate(items):
        mark, mid = c.theme.marker, y + size * 0.55
        if mark == "number":
            c.draw.ellipse((x, y - 4, x + size + 8, y + size + 4), fill=c.accent)
            c.text((x + size / 2 + 4, y + size / 2), str(i + 1), size - 10, fill="#FFFFFF",
                   anchor="mm", bold=True, record=False)
        elif mark == "square":
            c.draw.rectangle((x + 6, mid - 8, x + 22, mid + 8), fill=c.accent)
        elif mark == "dash":
            c.draw.rectangle((x, mid - 3, x + 28, mid + 3), fill=c.accent)
        else:
            c.draw.ellipse((x + 6, mid - 9, x + 24, mid + 9), fill=c.accent)
        y = c.para(x + size + 36, y, item, size, width - size - 36) + size // 2 + 14
    return y


def draw_avatar(c: Canvas, cx: int, cy: int, r: int, color: object) -> None:
    """A drawn head-and-shoulders silhouette in a circle (no photos in the sample corpus)."""
    tile = Image.new("RGB", (2 * r, 2 * r), color)  # type: ignore[arg-type]
    td = ImageDraw.Draw(tile)
    skin = mix("#FFFFFF", c.bg, 0.15)
    td.ellipse((r * 0.62, r * 0.38, r * 1.38, r * 1.14), fill=skin)
    td.ellipse((r * 0.25, r * 1.25, r * 1.75, r * 2.6), fill=skin)
    mask = Image.new("L", (2 * r, 2 * r), 0)
    ImageDraw.Draw(mask).ellipse((0, 0, 2 * r - 1, 2 * r - 1), fill=255)
    c.img.paste(tile, (cx - r, cy - r), mask)


def draw_logo_mark(c: Canvas, x: float, y: float, s: float, kind: int, color: object) -> None:
    """A simple logo mark: circle, rounded square, triangle, hexagon or linked rings."""
    box = (x, y, x + s, y + s)
    if kind == 0:
        c.draw.ellipse(box, fill=color)
    elif kind == 1:
        c.draw.rounded_rectangle(box, s / 4, fill=color)
    elif kind == 2:
        c.draw.polygon([(x + s / 2, y), (x + s, y + s), (x, y + s)], fill=color)
    elif kind == 3:
        c.draw.regular_polygon((x + s / 2, y + s / 2, s / 2), 6, fill=color)
    else:
        c.draw.ellipse((x, y + s / 7, x + s * 0.7, y + s * 0.85), fill=color)
        c.draw.ellipse((x + s * 0.35, y + s / 7, x + s * 1.05, y + s * 0.85), outline=color,
                       width=round(s / 8))


def draw_mockup(c: Canvas, box: tuple[int, int, int, int], rng: random.Random) -> None:
    """A drawn app screenshot: window chrome, sidebar, cards and a mini chart (no text)."""
    x0, y0, x1, y1 = box
    c.draw.rounded_rectangle(box, 18, fill=mix(c.bg, c.ink, 0.04), outline=c.grid, width=3)
    c.draw.rectangle((x0 + 2, y0 + 2, x1 - 2, y0 + 44), fill=c.panel)
    for i, col in enumerate(("#EF4444", "#F59E0B", "#22C55E")):
        c.draw.ellipse((x0 + 20 + i * 30, y0 + 14, x0 + 38 + i * 30, y0 + 32), fill=col)
    c.draw.rectangle((x0 + 2, y0 + 46, x0 + 170, y1 - 2), fill=mix(c.accent, c.bg, 0.82))
    for i in range(6):
        c.draw.rounded_rectangle((x0 + 24, y0 + 80 + i * 44, x0 + 140, y0 + 96 + i * 44), 6,
                                 fill=c.accent if i == 1 else c.grid)
    cw = (x1 - x0 - 240) // 3
    for i in range(3):
        cx = x0 + 200 + i * (cw + 12)
        c.draw.rounded_rectangle((cx, y0 + 70, cx + cw - 8, y0 + 170), 10, fill=c.panel)
        c.draw.rectangle((cx + 18, y0 + 95, cx + 18 + rng.randint(50, cw - 60), y0 + 115),
                         fill=c.accent2 if i == 0 else c.grid)
    gx0, gy0, gx1, gy1 = x0 + 200, y0 + 200, x1 - 30, y1 - 30
    c.draw.rounded_rectangle((gx0, gy0, gx1, gy1), 10, fill=c.panel)
    pts, v = [], 0.3
    for i in range(9):
        v = min(0.95, max(0.1, v + rng.uniform(-0.08, 0.16)))
        pts.append((gx0 + 30 + i * (gx1 - gx0 - 60) / 8, gy1 - 20 - v * (gy1 - gy0 - 40)))
    c.draw.line(pts, fill=c.accent, width=6)


def _chart(c: Canvas, box: tuple[int, int, int, int], labels: list[str], values: list[float],
           fmt: Callable[[float], str], kind: str, caption: str) -> None:
    """Bar or line chart with y ticks, x labels, value labels on the last two points."""
    x0, y0, x1, y1 = box
    raw = max(values) * 1.1 / 4
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    top = step * math.ceil(max(values) * 1.1 / step)
    px0, py0, py1 = x0 + 150, y0 + 20, y1 - 60
    for i in range(round(top / step) + 1):
        y = py0 + (py1 - py0) * i * step / top
        c.draw.line((px0, y, x1, y), fill=c.grid, width=2)
        c.text((px0 - 20, y), fmt(top - i * step), 24, fill=c.muted, anchor="rm")
    slot = (x1 - px0) / len(values)
    pts = [(px0 + slot * (i + 0.5), py1 - (py1 - py0) * v / top) for i, v in enumerate(values)]
    for label, (cx, vy) in zip(labels, pts, strict=True):
        if kind == "bar":
            c.draw.rectangle((cx - slot * 0.3, vy, cx + slot * 0.3, py1), fill=c.accent)
        c.text((cx, py1 + 18), label, 24, fill=c.muted, anchor="ma")
    if kind == "line":
        c.draw.line(pts, fill=c.accent, width=7)
        for px, py in pts:
            c.draw.ellipse((px - 10, py - 10, px + 10, py + 10), fill=c.accent2)
    for (px, py), v in zip(pts[-2:], values[-2:], strict=True):
        c.text((px, py - 22), fmt(v), 28, bold=True, anchor="md")
    c.draw.line((px0, py1, x1, py1), fill=c.muted, width=3)
    c.text(((x0 + x1) // 2, y1 + 10), caption, 30, fill=c.muted, anchor="ma")


def _table(c: Canvas, y: int, header: list[str], rows: list[list[object]], size: int) -> None:
    """A table; True/False cells are drawn as check marks and crosses (shapes, not text)."""
    cols = len(header)
    first = 560 if cols > 4 else 640
    cw = (W - 2 * MX - first) / (cols - 1)
    xs = [MX] + [MX + first + (i + 0.5) * cw for i in range(cols - 1)]
    row_h = size + 44
    c.draw.rectangle((MX - 20, y, W - MX + 20, y + row_h), fill=c.accent)
    for i, head in enumerate(header):
        if head:
            c.text((xs[i], y + row_h / 2), head, size, bold=True, fill="#FFFFFF",
                   anchor="lm" if i == 0 else "mm")
    for r, row in enumerate(rows):
        ry = y + (r + 1) * row_h
        if r % 2:
            c.draw.rectangle((MX - 20, ry, W - MX + 20, ry + row_h), fill=c.panel)
        for cx, cell in zip(xs, row, strict=True):
            cy = ry + row_h / 2
            if cell is True:
                c.draw.line([(cx - 16, cy), (cx - 4, cy + 14), (cx + 18, cy - 14)],
                            fill=c.accent2, width=8)
            elif cell is False:
                c.draw.line((cx - 12, cy - 12, cx + 12, cy + 12), fill=c.muted, width=5)
                c.draw.line((cx - 12, cy + 12, cx + 12, cy - 12), fill=c.muted, width=5)
            else:
                c.text((cx, cy), str(cell), size, bold=cx == MX, anchor="lm" if cx == MX else "mm")


# ---- slide layouts: each draws one slide and returns it with its notes --------------------------


def bullet_slide(d: DeckStyle, title: str, items: list[str], art: bool) -> Drawn:
    c = d.canvas()
    y = draw_title(c, title)
    _bullets(c, MX, y + 20, 980 if art else W - 2 * MX - 200, items, d.theme.body_size)
    if art:
        draw_mockup(c, (1200, y + 10, W - MX + 20, min(y + 640, H - 110)), d.rng)
    return c, "title + bullets" + (" + product screenshot" if art else "")


def stats_slide(d: DeckStyle, title: str, stats: list[tuple[str, str]], intro: str = "") -> Drawn:
    c = d.canvas(dark=d.rng.random() < 0.3)
    y = draw_title(c, title)
    if intro:
        y = c.para(MX, y, intro, d.theme.body_size, W - 2 * MX, fill=c.muted) + 20
    y += max(0, (H - 140 - y - 360) // 2)  # centre the row of numbers in the space left
    cw = (W - 2 * MX) / len(stats)
    for i, (value, caption) in enumerate(stats):
        x = MX + i * cw
        c.draw.rectangle((x, y + 10, x + 8, y + 330), fill=c.accent2)
        c.text((x + 40, y), value, c.fit(value, 130, cw - 80, bold=True), bold=True,
               fill=c.accent, display=True)
        c.para(x + 40, y + 180, caption, d.theme.body_size, cw - 90)
    return c, "big-number stats"


def cards_slide(d: DeckStyle, title: str, cards: list[tuple[str, str]], numbered: bool) -> Drawn:
    c = d.canvas()
    y = draw_title(c, title) + 20
    gap, n = 40, len(cards)
    cw = (W - 2 * MX - gap * (n - 1)) / n
    for i, (head, body) in enumerate(cards):
        x = MX + i * (cw + gap)
        c.draw.rounded_rectangle((x, y, x + cw, H - 140), 24, fill=c.panel)
        c.draw.ellipse((x + 40, y + 40, x + 140, y + 140), fill=(c.accent, c.accent2)[i % 2])
        if numbered:
            c.text((x + 90, y + 90), str(i + 1), 52, bold=True, fill="#FFFFFF", anchor="mm",
                   display=True)
        by = c.para(x + 40, y + 180, head, 40, cw - 80, bold=True)
        c.para(x + 40, by + 20, body, d.theme.body_size - 2, cw - 80, fill=c.muted)
    return c, "numbered steps" if numbered else "feature cards"


def two_column_slide(d: DeckStyle, title: str, left: tuple[str, list[str]],
                     right: tuple[str, list[str]]) -> Drawn:
    c = d.canvas()
    y = draw_title(c, title) + 10
    half = (W - 2 * MX - 60) // 2
    for i, (head, items) in enumerate((left, right)):
        x = MX + i * (half + 60)
        c.draw.rounded_rectangle((x, y, x + half, H - 130), 24,
                                 fill=c.panel if i == 0 else mix(c.accent, c.bg, 0.85))
        c.text((x + 50, y + 40), head, 44, bold=True, fill=c.muted if i == 0 else c.accent)
        _bullets(c, x + 50, y + 130, half - 100, items, d.theme.body_size - 2)
    return c, "two-column comparison"


def quote_slide(d: DeckStyle, title: str, quote: str, who: str) -> Drawn:
    c = d.canvas(dark=d.rng.random() < 0.5)
    y = draw_title(c, title)
    c.text((MX + 10, y - 20), "\u201c", 260, fill=c.accent, display=True, record=False)
    y = c.para(MX + 200, y + 60, quote, 44, W - 2 * MX - 400, leading=1.45) + 50
    c.draw.rectangle((MX + 200, y, MX + 260, y + 6), fill=c.accent2)
    draw_avatar(c, MX + 250, y + 110, 50, c.accent)
    c.text((MX + 330, y + 90), who, 34, fill=c.muted)
    return c, "customer quote"


def circles_slide(d: DeckStyle, title: str, tiers: list[tuple[str, str, str]]) -> Drawn:
    c = d.canvas()
    y = draw_title(c, title)
    cx, r = 520, min(380, (H - 90 - y) // 2)
    bottom = (y + H - 90) // 2 + r
    for i, scale in enumerate((1.0, 0.68, 0.38)):
        rr = r * scale
        c.draw.ellipse((cx - rr, bottom - 2 * rr, cx + rr, bottom),
                       fill=mix(c.accent, c.bg, 0.75 - i * 0.3))
    ty = y
    for label, value, caption in tiers:
        c.text((1040, ty), label, 32, bold=True, fill=c.muted)
        c.text((1040, ty + 44), value, 84, bold=True, fill=c.accent, display=True)
        ty = c.para(1040, ty + 150, caption, d.theme.body_size - 4, W - MX - 1040,
                    fill=c.muted) + 36
    return c, "TAM/SAM/SOM circles"


def chart_slide(d: DeckStyle, title: str, series: tuple[list[str], list[float]],
                 fmt: Callable[[float], str], kind: str, caption: str, side: list[str]) -> Drawn:
    c = d.canvas()
    y = draw_title(c, title)
    right = W - MX - (560 if side else 0)
    _chart(c, (MX, y, right, H - 150), *series, fmt, kind, caption)
    if side:
        _bullets(c, right + 80, y + 30, W - MX - right - 80, side, d.theme.body_size - 4)
    return c, f"{kind} chart with axis labels"


def grid_slide(d: DeckStyle, title: str, axes: tuple[str, ...], players: list[str]) -> Drawn:
    c = d.canvas()
    y = draw_title(c, title)
    cx, cy, hw, hh = W // 2, (y + H - 70) // 2, 640, (H - 150 - y) // 2
    c.draw.line((cx - hw, cy, cx + hw, cy), fill=c.muted, width=4)
    c.draw.line((cx, cy - hh, cx, cy + hh), fill=c.muted, width=4)
    low_x, high_x, low_y, high_y = axes
    for xy, label, anchor in (((cx, cy - hh - 8), high_y, "md"), ((cx - hw, cy - 14), low_x, "ld"),
                              ((cx + hw, cy - 14), high_x, "rd"), ((cx, cy + hh + 8), low_y, "ma")):
        c.text(xy, label, 30, fill=c.muted, anchor=anchor, bold=True)
    spots = [(-0.7, 0.6), (-0.45, -0.55), (0.5, -0.6), (-0.75, -0.2), (0.35, 0.25)]
    d.rng.shuffle(spots)
    for (fx, fy), name in zip(spots, players, strict=False):
        px, py = cx + fx * hw, cy - fy * hh
        c.draw.ellipse((px - 22, py - 22, px + 22, py + 22), fill=c.grid)
        c.text((px + 34, py), name, 32, anchor="lm")
    px, py = cx + 0.62 * hw, cy - 0.7 * hh
    c.draw.ellipse((px - 40, py - 40, px + 40, py + 40), fill=c.accent)
    c.text((px - 56, py), d.company, 40, bold=True, fill=c.accent, anchor="rm")
    return c, "2x2 positioning grid"


def table_slide(d: DeckStyle, title: str, header: list[str], rows: list[list[object]],
                 note: str = "") -> Drawn:
    c = d.canvas()
    y = draw_title(c, title) + 10
    _table(c, y, header, rows, 32 if len(rows) < 6 else 28)
    if note:
        c.text((MX, H - 130), note, 28, fill=c.muted)
    marks = any(isinstance(v, bool) for v in rows[0])
    return c, "table" + (" with check marks" if marks else "")


def logo_slide(d: DeckStyle, title: str, names: list[str], caption: str) -> Drawn:
    c = d.canvas()
    y = draw_title(c, title)
    for i, name in enumerate(names):
        x, ly = MX + 40 + (i % 3) * 580, y + 40 + (i // 3) * 170
        color = c.muted if d.rng.random() < 0.6 else c.accent
        draw_logo_mark(c, x, ly, 56, d.rng.randrange(5), color)
        c.text((x + 74, ly + 28), name, c.fit(name, 38, 300, bold=True), bold=True, fill=color,
               anchor="lm")
    c.para(MX, H - 170, caption, d.theme.body_size, W - 2 * MX, fill=c.muted)
    return c, "customer logo wall"


def statement_slide(d: DeckStyle, kicker: str, statement: str, sub: str, notes: str) -> Drawn:
    """Dark full-bleed slide: small kicker (the title), one big statement, an optional line."""
    c = d.canvas(dark=True)
    c.title = kicker
    c.draw.rectangle((MX, 300, MX + 12, 740), fill=c.accent)
    c.text((MX + 60, 300), kicker, 40, bold=True, fill=c.accent)
    width = W - 2 * MX - 60
    size = c.fit(statement, 84, 2 * width, title=True)
    font, lines = c.font(size, True, True), [""]
    for w in statement.split():
        trial = f"{lines[-1]} {w}".strip()
        lines[-1:] = [trial] if font.getlength(trial) < width else [lines[-1], w]
    for i, line in enumerate(lines):
        c.text((MX + 60, 390 + i * size * 1.2), line, size, title=True, record=False)
    c.blocks.append(" ".join(lines))
    if sub:
        c.para(MX + 60, 450 + len(lines) * size * 1.2, sub, 36, width - 140, fill=c.muted)
    return c, notes


def timeline_slide(d: DeckStyle, title: str, events: list[tuple[str, str]]) -> Drawn:
    c = d.canvas()
    y = draw_title(c, title)
    ly = (y + H - 100) // 2
    c.draw.line((MX, ly, W - MX, ly), fill=c.grid, width=8)
    step = (W - 2 * MX) / len(events)
    for i, (when, what) in enumerate(events):
        x, up = MX + step * (i + 0.5), i % 2 == 0
        c.draw.ellipse((x - 22, ly - 22, x + 22, ly + 22), outline=c.accent, width=6,
                       fill=c.accent if i <= len(events) // 2 else c.bg)
        c.text((x, ly - 50 if up else ly + 50), when, 36, bold=True, fill=c.accent,
               anchor="md" if up else "ma")
        c.para(x - step / 2 + 10, ly - 190 if up else ly + 110, what, 30, step - 20, center=True)
    return c, "timeline"
