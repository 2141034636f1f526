"""Synthetic slide-like training data for the super-resolution models.

``render_slide`` draws a slide at full resolution (title, bullets, paragraphs,
tables of numbers, bar/line/pie charts, photo-like patches, logos; many fonts,
sizes and colours, light-on-dark too) and returns the words it drew, so the
same renders serve as training targets and as held-out OCR test pages.
``degrade`` turns it into what a scraper finds: downscaled with a varied
kernel, slightly blurred, JPEG q50-90 with chroma subsampling.
Needs only Pillow, NumPy and OpenCV (no torch), so benchmarks can use it too.
"""

from __future__ import annotations

import io
import re
from functools import cache
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

FONT_ROOT = Path("/usr/share/fonts/truetype")
_LATIN_FONT = re.compile(
    r"^(Lato-(Regular|Medium|Semibold|Bold|Black|Light|Italic|Heavy)|Liberation(Sans|Serif|Mono)"
    r"|OpenSans-|DejaVu(Sans|Serif)|Roboto|NotoSans(Display|Mono)?-|NotoSerif(Display)?-"
    r"|Droid(Sans|Serif))",
)
SCRAPED_WIDTH = 480  # what scrapers keep of a slide

VOCAB = """
market size growth revenue customers product platform team founder funding round seed series
traction users monthly recurring annual profit margin cost pricing subscription enterprise
problem solution vision mission strategy competition competitors advantage technology data
analytics cloud mobile app payments fintech health insurance logistics delivery retail
marketplace network sales channel partners partnership pilot launch roadmap milestones
investors capital million billion percent quarter year forecast projection budget expenses
hiring engineering design marketing operations customer support acquisition retention churn
lifetime value conversion funnel organic paid social search content brand community global
europe america asia london berlin paris york san francisco startup scale unit economics
gross net burn runway valuation equity debt exit acquisition ipo board advisor chief officer
executive director head manager lead senior engineer designer analyst research patent
security privacy compliance regulation license api integration dashboard workflow automation
machine learning artificial intelligence model training real time platform open source
energy climate carbon solar battery vehicle electric fleet ride share driver passenger city
food restaurant grocery kitchen order booking travel hotel flight property home rental
education student school course learning video music media game player creator audience
""".split()


@cache
def font_files() -> tuple[Path, ...]:
    """Latin-script fonts on this machine (Liberation, DejaVu, Lato, Open Sans, Noto, ...)."""
    if not FONT_ROOT.is_dir():
        return ()
    return tuple(sorted(p for p in FONT_ROOT.rglob("*.ttf") if _LATIN_FONT.match(p.name)))


@cache
def _font(path: Path, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(path), size)


def _words(rng: np.random.Generator, n: int) -> list[str]:
    words = [str(w) for w in rng.choice(VOCAB, size=n)]
    for i in range(n):
        roll = rng.random()
        if roll < 0.15:
            words[i] = words[i].capitalize()
        elif roll < 0.20:
            words[i] = words[i].upper()
        elif roll < 0.30:
            words[i] = _number(rng)
    return words


def _number(rng: np.random.Generator) -> str:
    kind = rng.integers(4)
    if kind == 0:
        return f"${rng.integers(1, 999)}{rng.choice(['K', 'M', 'B'])}"
    if kind == 1:
        return f"{rng.integers(1, 99)}%"
    if kind == 2:
        return str(rng.integers(2008, 2030))
    return f"{rng.integers(1, 999):,}"


def _colour(rng: np.random.Generator, dark: bool) -> tuple[int, int, int]:
    base = rng.integers(0, 90, 3) if dark else rng.integers(170, 256, 3)
    return tuple(int(v) for v in base)


def _theme(rng: np.random.Generator) -> tuple[tuple, tuple, tuple]:
    """(background, text colour, accent colour)."""
    roll = rng.random()
    if roll < 0.5:
        bg = (255, 255, 255)
    elif roll < 0.7:
        bg = _colour(rng, dark=False)
    else:
        bg = _colour(rng, dark=True)
    dark_bg = sum(bg) < 384
    fg = _colour(rng, dark=not dark_bg)
    if rng.random() < 0.3:  # low-contrast body text (grey or tinted), common on real slides
        fg = tuple(
            int(v) for v in (rng.integers(170, 230, 3) if dark_bg else rng.integers(60, 150, 3))
        )
    accent = tuple(int(v) for v in rng.integers(0, 256, 3))
    return bg, fg, accent


class _Canvas:
    """A slide being drawn, with the words it holds in reading order."""

    def __init__(self, rng: np.random.Generator, width: int, height: int) -> None:
        self.rng, self.width, self.height = rng, width, height
        self.bg, self.fg, self.accent = _theme(rng)
        self.image = Image.new("RGB", (width, height), self.bg)
        self.draw = ImageDraw.Draw(self.image)
        self.words: list[str] = []
        fonts = font_files()
        self.fonts = [fonts[i] for i in rng.choice(len(fonts), size=3)] if fonts else []
        # x-height of body text in scraped (480 px) pixels: 2.5-10 px, log-uniform
        scraped_xh = float(np.exp(rng.uniform(np.log(2.5), np.log(10.0))))
        self.body_px = max(6, int(scraped_xh * width / SCRAPED_WIDTH / 0.52))

    def font(self, size: int, which: int = 0) -> ImageFont.ImageFont:
        if not self.fonts:
            return ImageFont.load_default(size)
        return _font(self.fonts[which % len(self.fonts)], max(6, size))

    def text_line(
        self, x: int, y: int, n_words: int, size: int, colour=None, which=0, right=None
    ) -> int:
        """Draw up to n_words that fit before ``right``; returns the line height used."""
        font = self.font(size, which)
        words, line = _words(self.rng, n_words), []
        for word in words:
            trial = " ".join([*line, word])
            if x + self.draw.textlength(trial, font=font) > (right or self.width - size):
                break
            line.append(word)
        if line:
            self.draw.text((x, y), " ".join(line), fill=colour or self.fg, font=font)
            self.words.extend(line)
        return int(size * 1.35)

    def box(self, x0: int, y0: int, x1: int, y1: int) -> None:
        kind = self.rng.integers(4)
        if kind == 0:
            self._bars(x0, y0, x1, y1)
        elif kind == 1:
            self._photo(x0, y0, x1, y1)
        elif kind == 2:
            self._pie(x0, y0, x1, y1)
        else:
            self._table(x0, y0, x1, y1)

    def _bars(self, x0: int, y0: int, x1: int, y1: int) -> None:
        n = int(self.rng.integers(3, 8))
        label = max(8, int(self.body_px * 0.8))
        base = y1 - label * 2
        step = (x1 - x0) / n
        for i in range(n):
            top = int(y0 + (base - y0) * self.rng.uniform(0.05, 0.9))
            left = int(x0 + i * step + step * 0.15)
            self.draw.rectangle([left, top, int(left + step * 0.7), base], fill=self.accent)
            self.text_line(left, base + 4, 1, label, right=int(left + step))
        self.draw.line([x0, base, x1, base], fill=self.fg, width=max(1, label // 10))

    def _pie(self, x0: int, y0: int, x1: int, y1: int) -> None:
        r = min(x1 - x0, y1 - y0) // 3
        cx, cy = x0 + r + 4, y0 + (y1 - y0) // 2
        start = 0.0
        for _ in range(int(self.rng.integers(2, 6))):
            end = start + float(self.rng.uniform(30, 140))
            colour = tuple(int(v) for v in self.rng.integers(0, 256, 3))
            self.draw.pieslice([cx - r, cy - r, cx + r, cy + r], start, min(end, 360), fill=colour)
            start = end
        y = y0
        while y < y1 - self.body_px:
            y += self.text_line(cx + r + self.body_px, y, 3, self.body_px)

    def _photo(self, x0: int, y0: int, x1: int, y1: int) -> None:
        w, h = max(8, x1 - x0), max(8, y1 - y0)
        small = self.rng.integers(0, 256, (max(2, h // 40), max(2, w // 40), 3)).astype(np.uint8)
        photo = cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC).astype(np.float32)
        photo += self.rng.normal(0, self.rng.uniform(2, 20), photo.shape)
        self.image.paste(Image.fromarray(np.clip(photo, 0, 255).astype(np.uint8)), (x0, y0))
        if self.rng.random() < 0.5:  # a caption on the photo
            self.text_line(x0 + 8, y1 - int(self.body_px * 1.6), 4, self.body_px, (255, 255, 255))

    def _table(self, x0: int, y0: int, x1: int, y1: int) -> None:
        size = max(8, int(self.body_px * 0.9))
        cols = int(self.rng.integers(2, 5))
        y = y0
        while y < y1 - size * 1.5:
            for c in range(cols):
                x = int(x0 + c * (x1 - x0) / cols)
                self.text_line(x, y, 1, size, right=int(x + (x1 - x0) / cols))
            y += int(size * 1.5)
            self.draw.line([x0, y - size // 5, x1, y - size // 5], fill=self.accent)


def render_slide(
    rng: np.random.Generator, width: int = 1920, height: int = 1080
) -> tuple[np.ndarray, list[str]]:
    """An RGB slide at full resolution and the words drawn on it, in reading order."""
    image, words, _ = render_slide_meta(rng, width, height)
    return image, words


def render_slide_meta(
    rng: np.random.Generator, width: int = 1920, height: int = 1080
) -> tuple[np.ndarray, list[str], float]:
    """``render_slide`` plus the body-text x-height the slide would have at 480 px wide."""
    canvas = _Canvas(rng, width, height)
    margin = int(width * rng.uniform(0.04, 0.08))
    y = int(height * rng.uniform(0.04, 0.1))
    title_px = int(canvas.body_px * rng.uniform(1.5, 2.6))
    y += canvas.text_line(margin, y, int(rng.integers(2, 6)), title_px, canvas.accent, which=1)
    y += int(canvas.body_px * 0.8)
    split = rng.random() < 0.55
    text_right = width // 2 if split else width - margin
    while y < height - canvas.body_px * 2:
        if rng.random() < 0.3:  # a bullet
            r = max(2, canvas.body_px // 5)
            cy = y + int(canvas.body_px * 0.6)
            canvas.draw.ellipse([margin, cy - r, margin + 2 * r, cy + r], fill=canvas.accent)
        size = canvas.body_px if rng.random() < 0.8 else int(canvas.body_px * rng.uniform(0.6, 1.3))
        y += canvas.text_line(
            margin + canvas.body_px, y, int(rng.integers(3, 12)), size, right=text_right
        )
        if rng.random() < 0.15:
            y += canvas.body_px
        if not split and rng.random() < 0.08:
            break
    if split:
        top = int(height * rng.uniform(0.2, 0.3))
        canvas.box(text_right + margin // 2, top, width - margin, height - margin)
    footer = max(7, int(canvas.body_px * rng.uniform(0.5, 0.8)))
    if rng.random() < 0.4:
        canvas.text_line(margin, height - int(footer * 1.8), 6, footer)
    scraped_x_height = canvas.body_px * 0.52 * SCRAPED_WIDTH / width
    return np.asarray(canvas.image), canvas.words, scraped_x_height


def degrade(hr_rgb: np.ndarray, scale: int, rng: np.random.Generator) -> np.ndarray:
    """What a scraper keeps: downscaled by ``scale`` with a varied kernel, blurred, JPEG'd."""
    height, width = hr_rgb.shape[:2]
    image = hr_rgb
    if rng.random() < 0.3:
        image = cv2.GaussianBlur(image, (0, 0), float(rng.uniform(0.2, 0.45 * scale)))
    size = (width // scale, height // scale)
    roll = rng.random()
    if roll < 0.35:
        small = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    elif roll < 0.5:
        small = cv2.resize(image, size, interpolation=cv2.INTER_LINEAR)
    elif roll < 0.6:
        small = cv2.resize(image, size, interpolation=cv2.INTER_CUBIC)
    else:
        kernel = Image.Resampling.LANCZOS if rng.random() < 0.5 else Image.Resampling.BICUBIC
        small = np.asarray(Image.fromarray(image).resize(size, kernel))
    if rng.random() < 0.1:
        small = np.clip(small + rng.normal(0, 2.0, small.shape), 0, 255).astype(np.uint8)
    if rng.random() < 0.92:
        small = jpeg_roundtrip(small, int(rng.integers(50, 91)), 2 if rng.random() < 0.75 else 0)
    return np.ascontiguousarray(small)


def jpeg_roundtrip(rgb: np.ndarray, quality: int, subsampling: int = 2) -> np.ndarray:
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, "JPEG", quality=quality, subsampling=subsampling)
    return np.asarray(Image.open(io.BytesIO(buf.getvalue())).convert("RGB"))


def luma(rgb: np.ndarray) -> np.ndarray:
    """The Y channel of YCrCb, as the runtime (deckgen.upscale) computes it."""
    return cv2.cvtColor(rgb, cv2.COLOR_RGB2YCrCb)[..., 0]


def make_patches(
    scale: int, n_slides: int, per_slide: int, patch: int, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """(LR, HR) Y-channel uint8 patch pairs, [N,1,p,p] and [N,1,p*s,p*s], reproducible."""
    rng = np.random.default_rng(seed)
    lows, highs = [], []
    for _ in range(n_slides):
        width = SCRAPED_WIDTH * scale
        height = int(width * rng.choice([9 / 16, 3 / 4, 10 / 16]))
        height -= height % scale
        hr, _ = render_slide(rng, width, height)
        lr = degrade(hr, scale, rng)
        hr_y, lr_y = luma(hr), luma(lr)
        taken = tries = 0
        while taken < per_slide and tries < per_slide * 6:
            tries += 1
            y = int(rng.integers(0, lr_y.shape[0] - patch + 1))
            x = int(rng.integers(0, lr_y.shape[1] - patch + 1))
            low = lr_y[y : y + patch, x : x + patch]
            if low.std() < 4 and rng.random() < 0.9:  # mostly skip flat background
                continue
            lows.append(low.copy())  # copies, so the full renders can be freed
            highs.append(
                hr_y[y * scale : (y + patch) * scale, x * scale : (x + patch) * scale].copy()
            )
            taken += 1
    return np.stack(lows)[:, None], np.stack(highs)[:, None]
