"""The drawing surface of the sample slides: sizes, fonts, palettes, a deck's theme, the canvas.

Slides are drawn at 1920x1080 (``RENDER_SIZE``) and shrunk to 480 wide (``OUTPUT_SIZE``), so
the size ranges here keep body text a few pixels tall once shrunk. ``Canvas`` records every
text block it draws, in reading order, for the truth set. The slide layouts that draw on it
are in ``deckgen.sample_layouts``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageColor, ImageDraw, ImageFont

from deckgen.errors import MissingDependencyError

RENDER_SIZE = (1920, 1080)
OUTPUT_SIZE = (480, 270)
BODY_SIZE_RANGE = (28, 44)  # body text px at 1920: x-height ~4-6 px once shrunk to 480
MAX_BODY_X_HEIGHT = 8.0  # px at 480 wide; body text must stay at or under this
TITLE_SIZE_RANGE = (64, 88)
FONT_DIR = Path("/usr/share/fonts/truetype")
# family -> (regular, bold, Debian package that ships it)
FONT_FAMILIES: dict[str, tuple[str, str, str]] = {
    "dejavu": ("dejavu/DejaVuSans.ttf", "dejavu/DejaVuSans-Bold.ttf", "fonts-dejavu-core"),
    "liberation": (
        "liberation2/LiberationSans-Regular.ttf",
        "liberation2/LiberationSans-Bold.ttf",
        "fonts-liberation2",
    ),
    "lato": ("lato/Lato-Regular.ttf", "lato/Lato-Black.ttf", "fonts-lato"),
    "open-sans": (
        "open-sans/OpenSans-Regular.ttf", "open-sans/OpenSans-Bold.ttf", "fonts-open-sans"
    ),
    "roboto": (
        "roboto/unhinted/RobotoTTF/Roboto-Regular.ttf",
        "roboto/unhinted/RobotoTTF/Roboto-Bold.ttf",
        "fonts-roboto",
    ),
    "noto-serif": ("noto/NotoSerif-Regular.ttf", "noto/NotoSerif-Bold.ttf", "fonts-noto-core"),
}
W, H = RENDER_SIZE
MX = 120  # side margin

# (bg, ink, muted, accent, accent2, dark, ink-on-dark); two are dark-mode decks
PALETTES = tuple(tuple(row.split()) for row in """
#FFFFFF #1F2937 #6B7280 #2563EB #F59E0B #0F172A #F8FAFC
#FAF7F2 #2D2A26 #7A7368 #D9480F #2B8A3E #1E1B18 #FFF8EE
#F4F7F5 #13322B #5C7069 #0F766E #F97316 #0B2520 #ECFDF5
#FFFFFF #222222 #777777 #E11D48 #6366F1 #18181B #FAFAFA
#F8FAFC #0F172A #64748B #7C3AED #10B981 #1E1036 #F5F3FF
#FFFDF5 #3B2F0B #8A7A4A #B45309 #0369A1 #1C1917 #FEF3C7
#111827 #F9FAFB #9CA3AF #34D399 #60A5FA #064E3B #ECFDF5
#FFFFFF #102A43 #627D98 #0EA5E9 #F43F5E #0B1D33 #E0F2FE
#F5F5F4 #292524 #78716C #65A30D #EA580C #1C1917 #F7FEE7
#0B1026 #E8EAF6 #9FA8DA #FF6B35 #4FC3F7 #1A237E #FFFFFF
""".split("\n")[1:-1])


def _rgb(color: str) -> tuple[int, int, int]:
    return ImageColor.getrgb(color)[:3]


def mix(a: object, b: object, t: float) -> tuple[int, int, int]:
    """Blend colour a towards b by t (0 = a, 1 = b)."""
    ra = _rgb(a) if isinstance(a, str) else a
    rb = _rgb(b) if isinstance(b, str) else b
    return tuple(round(x + (y - x) * t) for x, y in zip(ra, rb, strict=True))  # type: ignore


def _font_path(family: str, bold: bool) -> Path:
    regular, heavy, package = FONT_FAMILIES[family]
    path = FONT_DIR / (heavy if bold else regular)
    if not path.is_file():
        raise MissingDependencyError(
            f"font {path} is missing; install it with: sudo apt-get install {package}"
        )
    return path


@lru_cache(maxsize=512)
def _font(family: str, size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(_font_path(family, bold)), size)


def check_fonts() -> None:
    """Raise MissingDependencyError naming the apt package of the first missing font."""
    for family in FONT_FAMILIES:
        _font_path(family, False), _font_path(family, True)


def x_height_at_output(family: str, size: int) -> float:
    """Height of a lowercase 'x' drawn at ``size`` px in the 1920 render, after the downscale."""
    top, bottom = _font(family, size).getbbox("x")[1::2]
    return (bottom - top) * OUTPUT_SIZE[0] / RENDER_SIZE[0]


@dataclass(frozen=True)
class Theme:
    palette: tuple[str, ...]
    title_family: str
    body_family: str
    title_size: int
    body_size: int
    header: str  # "band" | "rule" | "side"
    upper: bool
    footer: bool
    marker: str  # bullet style: "dot" | "square" | "dash" | "number"


def random_theme(rng: random.Random) -> Theme:
    """A deck's look: palette, two font families, sizes and header/bullet styles."""
    fam = rng.sample(sorted(FONT_FAMILIES), 2)
    return Theme(palette=PALETTES[rng.randrange(len(PALETTES))], title_family=fam[0],
                 body_family=fam[1] if rng.random() < 0.6 else fam[0],
                 title_size=rng.randrange(TITLE_SIZE_RANGE[0], TITLE_SIZE_RANGE[1] + 1, 4),
                 body_size=rng.randrange(32, BODY_SIZE_RANGE[1] - 1, 2),
                 header=rng.choice(("band", "rule", "side")), upper=rng.random() < 0.35,
                 footer=rng.random() < 0.6,
                 marker=rng.choice(("dot", "square", "dash", "number")))


class Canvas:
    """One slide being drawn; remembers every text block it drew, in reading order."""

    def __init__(self, theme: Theme, dark: bool = False) -> None:
        bg, ink, muted, accent, accent2, deep, on_deep = theme.palette
        self.theme, self.dark = theme, dark
        self.bg, self.ink = (deep, on_deep) if dark else (bg, ink)
        # accents are lifted towards the text colour on dark slides so they keep their contrast
        self.accent = mix(accent, on_deep, 0.2) if dark else _rgb(accent)
        self.accent2 = mix(accent2, on_deep, 0.2) if dark else _rgb(accent2)
        self.muted = mix(on_deep, deep, 0.3) if dark else _rgb(muted)
        self.panel = mix(self.bg, self.ink, 0.07)
        self.grid = mix(self.bg, self.ink, 0.18)
        self.img = Image.new("RGB", RENDER_SIZE, self.bg)
        self.draw = ImageDraw.Draw(self.img)
        self.blocks: list[str] = []
        self.title = ""

    def font(self, size: int, bold: bool = False, title: bool = False) -> ImageFont.FreeTypeFont:
        return _font(self.theme.title_family if title else self.theme.body_family, size, bold)

    def text(self, xy: tuple[float, float], s: str, size: int, *, bold: bool = False,
             fill: object = None, anchor: str = "la", title: bool = False,
             display: bool = False, record: bool = True) -> None:
        # body text must stay small (unreadable at 480 px); only titles and big numbers may not
        assert title or display or size <= BODY_SIZE_RANGE[1], f"body text too large: {size}px"
        font = self.font(size, bold or title, title)
        self.draw.text(xy, s, font=font, fill=fill or self.ink, anchor=anchor)
        if record:
            self.blocks.append(s)

    def para(self, x: float, y: float, s: str, size: int, width: float, *, bold: bool = False,
             fill: object = None, center: bool = False, leading: float = 1.35) -> int:
        """Draw ``s`` wrapped to ``width`` as one text block; returns the y below it."""
        font, lines, line = self.font(size, bold), [], ""
        for word in s.split():
            trial = f"{line} {word}".strip()
            if line and font.getlength(trial) > width:
                lines.append(line)
                line = word
            else:
                line = trial
        lines.append(line)
        for i, text in enumerate(lines):
            ly = y + i * size * leading
            self.text((x + width / 2, ly) if center else (x, ly), text, size, bold=bold,
                      fill=fill, anchor="ma" if center else "la", record=False)
        self.blocks.append(" ".join(lines))
        return round(y + len(lines) * size * leading)

    def fit(self, s: str, size: int, width: float, *, title: bool = False,
            bold: bool = False) -> int:
        """The largest size <= ``size`` at which ``s`` fits in ``width``."""
        while size > 20 and self.font(size, bold or title, title).getlength(s) > width:
            size -= 2
        return size

