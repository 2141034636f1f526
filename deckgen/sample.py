"""The fictional sample corpus: pitch decks drawn with Pillow, deterministic from a seed.

Every company, person, number and sentence is made up from the word banks
below. Slides are drawn at 1920x1080 and saved the way a scraper finds
them (480 px wide, JPEG q75), so body text ends up a few pixels tall: the
problem deckgen exists to solve. With ``truth_dir`` the generator also
writes an evaluation set in the eval-dev layout (labels, exact text, hi-res
renders). Same seed, same bytes: one ``random.Random`` per deck, keyed by
seed and deck index, and nothing read from the clock.
"""

from __future__ import annotations

import csv
import io
import json
import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageColor, ImageDraw, ImageFont

from deckgen.errors import MissingDependencyError

RENDER_SIZE = (1920, 1080)
OUTPUT_SIZE = (480, 270)
JPEG_QUALITY = 75
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


def _table_rows(text: str) -> tuple[tuple[str, ...], ...]:
    lines = text.strip().split("\n")
    return tuple(tuple(cell.strip() for cell in line.split("|")) for line in lines)


# industry | customers | one customer | task | things | org-name suffixes
INDUSTRIES = _table_rows("""
Fintech|small landlords|landlord|rent collection|rent payments|Properties,Rentals,Homes
Logistics|regional freight brokers|broker|load matching|loads|Freight,Logistics,Haulage
Healthcare|independent clinics|clinic|patient intake|intake forms|Clinic,Health,Medical
Agtech|mid-size farms|farm|irrigation planning|field readings|Farms,Growers,Orchards
Education|community colleges|college|course scheduling|timetables|College,Academy,Institute
Climate|commercial landlords|building owner|energy audits|utility bills|Realty,Estates,Towers
HR tech|hourly employers|store manager|shift scheduling|shift swaps|Retail,Stores,Markets
Legal tech|small law firms|firm|contract review|contracts|Law,Legal,& Partners
Retail|independent grocers|grocer|stock ordering|purchase orders|Grocers,Foods,Market
Construction|general contractors|contractor|site reporting|daily reports|Builders,Construction,Homes
Insurance|pet owners|pet owner|claims filing|vet claims|Vets,Animal Care,Pet Clinic
Developer tools|platform teams|engineering team|test triage|flaky tests|Labs,Software,Systems
Food service|restaurant groups|restaurant|supplier ordering|invoices|Kitchens,Eats,Bistro
Mobility|fleet operators|fleet|EV charging|charging sessions|Fleet,Transit,Motors
Security|mid-market IT teams|IT team|access reviews|user permissions|Group,Systems,Holdings
Biotech tools|research labs|lab|sample tracking|samples|Bio,Labs,Therapeutics
""")
NAME_STEMS = tuple("""Quill Lumen Tandem Ember Cobalt Harbor Nimbus Juniper Vela Pylon Sable
Kestrel Fable Marlo Tessel Brindle Wren Alder Cinder Dapple Fennel Gable Hollis Jasper Loomis
Orla Pimento""".split())
NAME_ENDS = tuple("ly wise stack loop field works base path grid mint nest dock lane yard craft"
                  .split())
ORG_STEMS = tuple("""Northgate|Bluewater|Pinecrest|Redfern|Stonebridge|Maple Row|Silverline|
Oakhurst|Brightside|Eastfield|Crescent|Summit Lane|Harrow|Westmere|Lakeview|Greystone|
Fairhaven|Ridgeway|Copperleaf""".replace("\n", "").split("|"))
FIRST = tuple("""Ana Ben Chiara Dev Elif Femi Grace Hiro Ines Jonas Kavya Luis Maya Nadia Omar Priya
Quentin Rosa Sam Tomas Uma Victor Wen Yara Zane Leila Marco Noor Oskar Tara""".split())
LAST = tuple("""Adeyemi Baker Castillo Dahl Eriksen Fischer Gupta Haddad Ito Jensen Kowalski Laurent
Mensah Novak Okafor Petrov Quinn Rossi Silva Tanaka Umar Varga Walsh Xu Yilmaz Zhou Moreau
Lindqvist""".split())
ROLES = ("CEO & Co-founder", "CTO & Co-founder", "COO & Co-founder", "Head of Product",
         "VP Sales", "Head of Design", "Lead Engineer", "Head of Growth", "Head of Operations")
BIOS = ("{n} years building {industry} software", "Former {cust1} owner, knows the pain first-hand",
        "Scaled sales from $0 to ${m}M ARR", "Led a 40-person engineering team",
        "Ex-consultant; ran {task} projects for {k} clients", "PhD in machine learning",
        "Built and sold a {industry} startup", "Designed apps used by {k}K people")
# section | title variants (templates)
TITLES: dict[str, tuple[str, ...]] = {}
for _row in _table_rows("""
problem | The problem | What's broken | The pain today | {Cust} are stuck | Why this hurts | Problem
solution | Our solution | Meet {co} | A better way | The solution | Introducing {co} | What we do
product | Product | How it works | Inside the product | Platform overview | Product tour
product | Key features
market | Market size | The opportunity | Market opportunity | Why now | A ${b}B market | Market
competition | Competition | Competitive landscape | How we win | Why we're different | The landscape
go-to-market | Go-to-market | How we sell | Distribution | Customer acquisition | Growth engine
business-model | Business model | How we make money | Pricing | Unit economics | Revenue model
traction | Traction | Momentum | Growth so far | Customers love us | Proof points | Early traction
team | Team | Meet the team | Who we are | The founders | Leadership team | Our team
financials | Financials | Financial projections | 5-year plan | Revenue forecast | The numbers
funding | The ask | Our ask | Raising {amount} | Use of funds | Investment opportunity
funding | Funding
milestones | Milestones | Roadmap | What's next | Key milestones | Our journey so far
vision | Our vision | The big picture | Where this goes | Long-term vision | Vision
conclusion | Thank you | Let's talk | Join us | Summary | Why {co}, why now
"""):
    TITLES[_row[0]] = TITLES.get(_row[0], ()) + _row[1:]
TAGLINES = ("The operating system for {cust}", "{Task}, finally automated",
            "Smarter {task} for {cust}", "Less paperwork. More {industry}.",
            "{Task} without the spreadsheets", "Modern software for {cust}")
BANK: dict[str, tuple[str, ...]] = {
    "problem": (
        "{Cust} lose {n} hours every week to manual {task}",
        "{pct}% of {thing} are still tracked in spreadsheets and email",
        "Errors and delays cost the average {cust1} ${k}K a year",
        "Legacy software is slow, expensive and painful to use",
        "Data is scattered across {n} disconnected tools",
        "Nobody owns the process, so mistakes go unnoticed for weeks",
        "Incumbent vendors charge ${k}K up front and take months to deploy",
        "{pct}% of {cust} call {task} their most broken workflow",
        "Rules change every year and small teams cannot keep up",
        "Staff turnover of {pct}% means know-how walks out the door",
    ),
    "solution": (
        "{Co} automates {task} end to end in one simple workspace",
        "Set up in under {n} minutes, no IT team required",
        "Cuts time spent on {task} by {pct}%",
        "Works with the tools {cust} already use",
        "Real-time alerts catch problems before they cost money",
        "Built-in compliance checks and a full audit trail",
        "Mobile-first, so teams can work from anywhere",
        "Pay as you grow: no upfront license fees",
    ),
    "why-now": (
        "Cloud adoption among {cust} passed {pct}% in {year}",
        "New rules make digital {task} mandatory from {year}",
        "A generation of digital-native owners is taking over",
        "Labour shortages push {cust} to automate",
        "Open APIs finally make this cheap to build",
        "Interest rates squeeze margins: every hour counts",
    ),
    "gtm": (
        "Inside sales targets {cust} with {n}+ locations",
        "Partnerships with trade associations reach {k}K {cust}",
        "Guides and templates drive {k}K monthly visits",
        "Free tier converts at {pct}% to paid plans",
        "Trade shows and regional events where {cust} buy",
        "{pct}% of new customers arrive through referrals",
    ),
    "vision": (
        "Every {cust1} runs on {co}",
        "We are building the operating system for {industry}",
        "In ten years nobody will do {task} by hand",
        "From {task} to the whole back office",
        "The network that connects {cust} and their suppliers",
    ),
    "vision-steps": (
        "Expand from {task} to payroll, billing and reporting",
        "Launch in {n} new countries by {year}",
        "Open a marketplace for partners and integrations",
        "Use our data to offer financing to {cust}",
        "Become the system of record for {k}K {cust}",
    ),
    "summary": (
        "A ${b}B market that software has ignored",
        "A product customers love: NPS of {nps}",
        "{g}% month-over-month revenue growth",
        "A team that has built and scaled this before",
        "Capital-efficient: ${m}M ARR on ${k}K burn",
    ),
    "quote": (
        "{Co} saved our team {n} hours a week. I can't imagine going back.",
        "We switched in a day and cut our {task} costs by {pct}%.",
        "Finally a tool that was built for {cust} like us.",
        "The support team answers in minutes, not days. Game changer.",
    ),
}
FEATURES = (
    ("Live dashboard", "Every one of your {thing} in one place"),
    ("Automated workflows", "Rules route work to the right person"),
    ("Smart alerts", "Know the moment something needs attention"),
    ("Integrations", "Connects to {n}0+ tools in one click"),
    ("Reporting", "Weekly reports your board will actually read"),
    ("Mobile app", "Capture and approve on the go"),
    ("AI assistant", "Drafts answers from your own data"),
    ("Audit trail", "Every change logged and searchable"),
    ("Open API", "Build on top of {co} in an afternoon"),
)
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
CHANNELS = ("Direct sales", "Partnerships", "Content & SEO", "Product-led", "Events", "Referrals")
USES = ("Product & engineering", "Sales & marketing", "Operations", "Customer success",
        "Working capital")
EVENTS = ("Company founded", "First paying customer", "Pre-seed closed", "Public launch",
          "100 customers", "Mobile app launched", "SOC 2 certified", "Break-even month",
          "1,000 customers", "Expansion to Europe", "Marketplace launch", "Series A")
DISCLAIMER = ("This presentation was prepared by {co} for discussion purposes only. It contains "
              "forward-looking statements, estimates and projections that reflect current "
              "expectations and involve risks and uncertainties. Actual results may differ "
              "materially. Nothing here is an offer to sell or a solicitation to buy securities. "
              "Figures for {year} onwards are unaudited management estimates.")


def _rgb(color: str) -> tuple[int, int, int]:
    return ImageColor.getrgb(color)[:3]


def _mix(a: object, b: object, t: float) -> tuple[int, int, int]:
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
class _Theme:
    palette: tuple[str, ...]
    title_family: str
    body_family: str
    title_size: int
    body_size: int
    header: str  # "band" | "rule" | "side"
    upper: bool
    footer: bool
    marker: str  # bullet style: "dot" | "square" | "dash" | "number"


class _Canvas:
    """One slide being drawn; remembers every text block it drew, in reading order."""

    def __init__(self, theme: _Theme, dark: bool = False) -> None:
        bg, ink, muted, accent, accent2, deep, on_deep = theme.palette
        self.theme, self.dark = theme, dark
        self.bg, self.ink = (deep, on_deep) if dark else (bg, ink)
        # accents are lifted towards the text colour on dark slides so they keep their contrast
        self.accent = _mix(accent, on_deep, 0.2) if dark else _rgb(accent)
        self.accent2 = _mix(accent2, on_deep, 0.2) if dark else _rgb(accent2)
        self.muted = _mix(on_deep, deep, 0.3) if dark else _rgb(muted)
        self.panel = _mix(self.bg, self.ink, 0.07)
        self.grid = _mix(self.bg, self.ink, 0.18)
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


@dataclass
class _Deck:
    index: int
    slug: str
    company: str
    industry: tuple[str, ...]
    stage: str
    amount: str
    year: int
    theme: _Theme
    rng: random.Random
    people: list[str] = field(default_factory=list)
    titles: set[str] = field(default_factory=set)  # used so far

    def fill(self, template: str) -> str:
        r, ind = self.rng, self.industry
        values = {"co": self.company, "Co": self.company, "industry": ind[0].lower(),
                  "cust": ind[1], "Cust": ind[1].capitalize(), "cust1": ind[2], "task": ind[3],
                  "Task": ind[3].capitalize(), "thing": ind[4], "amount": self.amount,
                  "pct": r.randint(18, 86), "n": r.randint(3, 12), "k": r.randint(12, 480),
                  "g": r.randint(8, 31),  # growth rates: month-over-month or market CAGR
                  "m": f"{r.uniform(1.2, 9.8):.1f}", "b": r.randint(4, 60),
                  "nps": r.randint(52, 78), "year": self.year + r.randint(1, 3)}
        return template.format(**values)

    def pick(self, bank: tuple[str, ...], k: int) -> list[str]:
        return [self.fill(s) for s in self.rng.sample(bank, k)]

    def org(self) -> str:
        return f"{self.rng.choice(ORG_STEMS)} {self.rng.choice(self.industry[5].split(','))}"

    def person(self) -> str:
        return f"{self.rng.choice(FIRST)} {self.rng.choice(LAST)}"

    def canvas(self, dark: bool = False) -> _Canvas:
        return _Canvas(self.theme, dark)


Drawn = tuple[_Canvas, str]  # a finished slide and its notes for labels.csv


# ---- drawing helpers ---------------------------------------------------------------------------

def _header(c: _Canvas, title: str) -> int:
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


def _bullets(c: _Canvas, x: int, y: int, width: int, items: list[str], size: int) -> int:
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


def _avatar(c: _Canvas, cx: int, cy: int, r: int, color: object) -> None:
    """A drawn head-and-shoulders silhouette in a circle (no photos in the sample corpus)."""
    tile = Image.new("RGB", (2 * r, 2 * r), color)  # type: ignore[arg-type]
    td = ImageDraw.Draw(tile)
    skin = _mix("#FFFFFF", c.bg, 0.15)
    td.ellipse((r * 0.62, r * 0.38, r * 1.38, r * 1.14), fill=skin)
    td.ellipse((r * 0.25, r * 1.25, r * 1.75, r * 2.6), fill=skin)
    mask = Image.new("L", (2 * r, 2 * r), 0)
    ImageDraw.Draw(mask).ellipse((0, 0, 2 * r - 1, 2 * r - 1), fill=255)
    c.img.paste(tile, (cx - r, cy - r), mask)


def _mark(c: _Canvas, x: float, y: float, s: float, kind: int, color: object) -> None:
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


def _mockup(c: _Canvas, box: tuple[int, int, int, int], rng: random.Random) -> None:
    """A drawn app screenshot: window chrome, sidebar, cards and a mini chart (no text)."""
    x0, y0, x1, y1 = box
    c.draw.rounded_rectangle(box, 18, fill=_mix(c.bg, c.ink, 0.04), outline=c.grid, width=3)
    c.draw.rectangle((x0 + 2, y0 + 2, x1 - 2, y0 + 44), fill=c.panel)
    for i, col in enumerate(("#EF4444", "#F59E0B", "#22C55E")):
        c.draw.ellipse((x0 + 20 + i * 30, y0 + 14, x0 + 38 + i * 30, y0 + 32), fill=col)
    c.draw.rectangle((x0 + 2, y0 + 46, x0 + 170, y1 - 2), fill=_mix(c.accent, c.bg, 0.82))
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


def _money(v: float) -> str:
    """Millions of dollars as deck-style text: $450K, $2.5M, $1.2B."""
    if v >= 1000:
        return f"${v / 1000:.1f}B".replace(".0B", "B")
    if v >= 1 or v == 0:
        return f"${v:.1f}M".replace(".0M", "M")
    return f"${v * 1000:.0f}K"


def _chart(c: _Canvas, box: tuple[int, int, int, int], labels: list[str], values: list[float],
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


def _table(c: _Canvas, y: int, header: list[str], rows: list[list[object]], size: int) -> None:
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

def _bullet_slide(d: _Deck, title: str, items: list[str], art: bool) -> Drawn:
    c = d.canvas()
    y = _header(c, title)
    _bullets(c, MX, y + 20, 980 if art else W - 2 * MX - 200, items, d.theme.body_size)
    if art:
        _mockup(c, (1200, y + 10, W - MX + 20, min(y + 640, H - 110)), d.rng)
    return c, "title + bullets" + (" + product screenshot" if art else "")


def _stats_slide(d: _Deck, title: str, stats: list[tuple[str, str]], intro: str = "") -> Drawn:
    c = d.canvas(dark=d.rng.random() < 0.3)
    y = _header(c, title)
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


def _cards_slide(d: _Deck, title: str, cards: list[tuple[str, str]], numbered: bool) -> Drawn:
    c = d.canvas()
    y = _header(c, title) + 20
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


def _two_col(d: _Deck, title: str, left: tuple[str, list[str]], right: tuple[str, list[str]],
             ) -> Drawn:
    c = d.canvas()
    y = _header(c, title) + 10
    half = (W - 2 * MX - 60) // 2
    for i, (head, items) in enumerate((left, right)):
        x = MX + i * (half + 60)
        c.draw.rounded_rectangle((x, y, x + half, H - 130), 24,
                                 fill=c.panel if i == 0 else _mix(c.accent, c.bg, 0.85))
        c.text((x + 50, y + 40), head, 44, bold=True, fill=c.muted if i == 0 else c.accent)
        _bullets(c, x + 50, y + 130, half - 100, items, d.theme.body_size - 2)
    return c, "two-column comparison"


def _quote_slide(d: _Deck, title: str, quote: str, who: str) -> Drawn:
    c = d.canvas(dark=d.rng.random() < 0.5)
    y = _header(c, title)
    c.text((MX + 10, y - 20), "\u201c", 260, fill=c.accent, display=True, record=False)
    y = c.para(MX + 200, y + 60, quote, 44, W - 2 * MX - 400, leading=1.45) + 50
    c.draw.rectangle((MX + 200, y, MX + 260, y + 6), fill=c.accent2)
    _avatar(c, MX + 250, y + 110, 50, c.accent)
    c.text((MX + 330, y + 90), who, 34, fill=c.muted)
    return c, "customer quote"


def _circles_slide(d: _Deck, title: str, tiers: list[tuple[str, str, str]]) -> Drawn:
    c = d.canvas()
    y = _header(c, title)
    cx, r = 520, min(380, (H - 90 - y) // 2)
    bottom = (y + H - 90) // 2 + r
    for i, scale in enumerate((1.0, 0.68, 0.38)):
        rr = r * scale
        c.draw.ellipse((cx - rr, bottom - 2 * rr, cx + rr, bottom),
                       fill=_mix(c.accent, c.bg, 0.75 - i * 0.3))
    ty = y
    for label, value, caption in tiers:
        c.text((1040, ty), label, 32, bold=True, fill=c.muted)
        c.text((1040, ty + 44), value, 84, bold=True, fill=c.accent, display=True)
        ty = c.para(1040, ty + 150, caption, d.theme.body_size - 4, W - MX - 1040,
                    fill=c.muted) + 36
    return c, "TAM/SAM/SOM circles"


def _chart_slide(d: _Deck, title: str, series: tuple[list[str], list[float]],
                 fmt: Callable[[float], str], kind: str, caption: str, side: list[str]) -> Drawn:
    c = d.canvas()
    y = _header(c, title)
    right = W - MX - (560 if side else 0)
    _chart(c, (MX, y, right, H - 150), *series, fmt, kind, caption)
    if side:
        _bullets(c, right + 80, y + 30, W - MX - right - 80, side, d.theme.body_size - 4)
    return c, f"{kind} chart with axis labels"


def _grid_slide(d: _Deck, title: str, axes: tuple[str, ...], players: list[str]) -> Drawn:
    c = d.canvas()
    y = _header(c, title)
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


def _table_slide(d: _Deck, title: str, header: list[str], rows: list[list[object]],
                 note: str = "") -> Drawn:
    c = d.canvas()
    y = _header(c, title) + 10
    _table(c, y, header, rows, 32 if len(rows) < 6 else 28)
    if note:
        c.text((MX, H - 130), note, 28, fill=c.muted)
    marks = any(isinstance(v, bool) for v in rows[0])
    return c, "table" + (" with check marks" if marks else "")


def _team_slide(d: _Deck, title: str) -> Drawn:
    c = d.canvas(dark=d.rng.random() < 0.2)
    y = _header(c, title) + 20
    n = d.rng.choice((3, 4, 4, 5, 6))
    roles = list(ROLES[:2]) + d.rng.sample(ROLES[2:], n - 2)
    per_row = n if n <= 4 else 3
    cw, r = (W - 2 * MX) / per_row, 95 if n <= 4 else 62
    for i in range(n):
        row, col = divmod(i, per_row)
        cx, cy = round(MX + cw * (col + 0.5)), y + r + row * (2 * r + 230)
        _avatar(c, cx, cy, r, (c.accent, c.accent2)[i % 2])
        c.text((cx, cy + r + 24), d.people[i], 40, bold=True, anchor="ma")
        c.text((cx, cy + r + 80), roles[i], 32, fill=c.accent, anchor="ma")
        c.para(cx - cw / 2 + 30, cy + r + 130, d.fill(d.rng.choice(BIOS)), 28, cw - 60,
               fill=c.muted, center=True)
    return c, f"team grid ({n} people, drawn avatars)"


def _logo_slide(d: _Deck, title: str, caption: str) -> Drawn:
    c = d.canvas()
    y = _header(c, title)
    names = sorted({d.org() for _ in range(12)})[:9]
    for i, name in enumerate(names):
        x, ly = MX + 40 + (i % 3) * 580, y + 40 + (i // 3) * 170
        color = c.muted if d.rng.random() < 0.6 else c.accent
        _mark(c, x, ly, 56, d.rng.randrange(5), color)
        c.text((x + 74, ly + 28), name, c.fit(name, 38, 300, bold=True), bold=True, fill=color,
               anchor="lm")
    c.para(MX, H - 170, caption, d.theme.body_size, W - 2 * MX, fill=c.muted)
    return c, "customer logo wall"


def _statement_slide(d: _Deck, kicker: str, statement: str, sub: str, notes: str) -> Drawn:
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


def _timeline_slide(d: _Deck, title: str, events: list[tuple[str, str]]) -> Drawn:
    c = d.canvas()
    y = _header(c, title)
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


def _funding_slide(d: _Deck, title: str) -> Drawn:
    c = d.canvas(dark=d.rng.random() < 0.35)
    y = _header(c, title)
    c.text((MX, y + 20), d.amount, 150, bold=True, fill=c.accent, display=True)
    c.text((MX, y + 200), f"{d.stage} round", 44, bold=True)
    goal = f"{d.rng.randint(18, 30)} months of runway to reach ${{m}}M ARR and {{k}}0 customers"
    c.para(MX, y + 270, d.fill(goal), d.theme.body_size, 700, fill=c.muted)
    uses = d.rng.sample(USES, d.rng.choice((3, 4)))
    shares = [d.rng.randint(10, 45) for _ in uses]
    pcts = sorted((round(100 * s / sum(shares)) for s in shares), reverse=True)
    pcts[0] += 100 - sum(pcts)
    c.text((1000, y + 20), "Use of funds", 40, bold=True)
    for i, (use, pct) in enumerate(zip(uses, pcts, strict=True)):
        by = y + 110 + i * 140
        c.text((1000, by), use, 32)
        c.text((W - MX, by), f"{pct}%", 32, bold=True, anchor="ra")
        c.draw.rounded_rectangle((1000, by + 50, W - MX, by + 80), 15, fill=c.panel)
        c.draw.rounded_rectangle((1000, by + 50, 1000 + (W - MX - 1000) * pct / 100, by + 80), 15,
                                 fill=(c.accent, c.accent2)[i % 2])
    return c, "the ask + use of funds bars"


# ---- sections: each picks a title, content and a layout ---------------------------------------

def _title(d: _Deck, section: str) -> str:
    for _ in range(6):  # a deck rarely repeats a title, even across two traction slides
        title = d.fill(d.rng.choice(TITLES[section]))
        if title not in d.titles:
            break
    d.titles.add(title)
    return title


def _growth(d: _Deck, n: int, start: float, rate: float) -> list[float]:
    out, v = [], start
    for _ in range(n):
        out.append(round(v, 3))
        v *= 1 + rate * d.rng.uniform(0.5, 1.5)
    return out


def _cover(d: _Deck, hint: str) -> Drawn:
    c = d.canvas(dark=d.rng.random() < 0.45)
    c.title = d.company
    tag = d.fill(d.rng.choice(TAGLINES))
    sub = d.rng.choice((f"{d.stage} investor presentation  |  {d.year}",
                        f"Investor deck, {d.year}", f"Confidential  |  {d.stage}  |  {d.year}"))
    notes = ", dark" if c.dark else ""
    if d.rng.random() < 0.5:
        _mark(c, W // 2 - 60, 250, 120, d.rng.randrange(5), c.accent2)
        c.text((W // 2, 450), d.company, 150, title=True, anchor="ma")
        c.text((W // 2, 660), tag, 44, fill=c.muted, anchor="ma")
        c.text((W // 2, 900), sub, 30, fill=c.muted, anchor="ma")
        return c, "cover, centred" + notes
    c.draw.rectangle((1180, 0, W, H), fill=c.accent)
    for i in range(5):
        r = 120 + i * 90
        c.draw.ellipse((1550 - r, 540 - r, 1550 + r, 540 + r),
                       outline=_mix(c.accent, "#FFFFFF", 0.3), width=6)
    _mark(c, MX, 260, 120, d.rng.randrange(5), c.accent2)
    c.text((MX, 420), d.company, c.fit(d.company, 140, 1000, title=True), title=True)
    c.para(MX, 620, tag, 44, 950, fill=c.muted)
    c.text((MX, 920), sub, 30, fill=c.muted)
    return c, "cover, split with graphic" + notes


def _problem(d: _Deck, hint: str) -> Drawn:
    t, v = _title(d, "problem"), d.rng.randrange(4)
    if v == 0:
        return _stats_slide(d, t, [
            (d.fill("{pct}%"), d.fill("of {cust} still handle {task} on paper or in spreadsheets")),
            (d.fill("{n} hrs"), "lost every week to manual, repetitive work"),
            (d.fill("${k}K"), d.fill("average yearly cost of errors per {cust1}"))])
    if v == 1:
        quote = d.fill("Every month we lose days to {task}. It's the part of the job everyone "
                       "dreads, and mistakes cost us real money.")
        return _quote_slide(d, t, quote, f"{d.person()}, {d.org()}")
    return _bullet_slide(d, t, d.pick(BANK["problem"], 4), art=False)


def _solution(d: _Deck, hint: str) -> Drawn:
    t, v = _title(d, "solution"), d.rng.randrange(3)
    if v == 0:
        return _two_col(d, t, ("Today", d.pick(BANK["problem"], 3)),
                        (f"With {d.company}", d.pick(BANK["solution"], 3)))
    if v == 1:
        return _bullet_slide(d, t, d.pick(BANK["solution"], 4), art=True)
    return _cards_slide(d, t, [(h, d.fill(b)) for h, b in d.rng.sample(FEATURES, 3)], False)


def _product(d: _Deck, hint: str) -> Drawn:
    t, v = _title(d, "product"), d.rng.randrange(3)
    if v == 0:
        steps = [("Connect", d.fill("Link your existing tools and import {thing} in minutes")),
                 ("Automate", d.fill("{Co} handles {task} with rules you control")),
                 ("Grow", "Dashboards show where time and money go")]
        return _cards_slide(d, t, steps, numbered=True)
    c = d.canvas()
    y = _header(c, t)
    _mockup(c, (MX, y, 1140, H - 110), d.rng)
    for i, (head, body) in enumerate(d.rng.sample(FEATURES, 4 if v == 1 else 3)):
        fy = y + 10 + i * 175
        c.draw.ellipse((1200, fy, 1260, fy + 60), fill=c.accent)
        c.text((1230, fy + 30), str(i + 1), 32, bold=True, fill="#FFFFFF", anchor="mm",
               record=False)
        c.text((1290, fy + 2), head, 38, bold=True)
        c.para(1290, fy + 56, d.fill(body), 30, W - MX - 1290, fill=c.muted)
    return c, "product screenshot with numbered callouts"


def _market(d: _Deck, hint: str) -> Drawn:
    t, v = _title(d, "market"), d.rng.randrange(3)
    tam = d.rng.randint(8, 90)
    sam, som = tam * d.rng.uniform(0.15, 0.35), tam * d.rng.uniform(0.01, 0.04)
    if t == "Why now":
        return _bullet_slide(d, t, d.pick(BANK["why-now"], 4), art=False)
    if v == 0:
        return _circles_slide(d, t, [
            ("TAM", f"${tam}B", f"Total addressable market: every {d.industry[2]} worldwide"),
            ("SAM", _money(sam * 1000), d.fill("Serviceable market: {cust} in North America "
                                               "and Europe")),
            ("SOM", _money(som * 1000), "Obtainable market: our share within five years")])
    if v == 1:
        curve = _growth(d, 6, 1.0, 0.12)
        vals = [round(tam * x / curve[-1], 1) for x in curve]  # ends at the TAM
        cagr = round(100 * ((vals[-1] / vals[0]) ** 0.2 - 1))
        caption = f"Global {d.industry[0].lower()} software spend, $B ({cagr}% CAGR)"
        return _chart_slide(d, t, ([str(d.year + i) for i in range(6)], vals),
                            lambda x: f"${x:.0f}B", "bar", caption, d.pick(BANK["why-now"], 2))
    return _stats_slide(d, t, [(f"${tam}B", "total addressable market"),
                               (_money(sam * 1000), d.fill("serviceable market of {cust}")),
                               (d.fill("{g}%"), "annual growth in software spend")],
                        intro=d.fill("{Cust} spend billions on {task}, and most of it is manual."))


def _competition(d: _Deck, hint: str) -> Drawn:
    t = _title(d, "competition")
    made = [s + e for s, e in zip(d.rng.sample(NAME_STEMS, 3), d.rng.sample(NAME_ENDS, 3),
                                  strict=True)]
    generic = ("Spreadsheets", "Legacy ERP", "In-house tools", "Consultants")
    names = [n for n in made if n != d.company] + [d.rng.choice(generic)]
    if d.rng.random() < 0.5:
        axes = d.rng.choice((("Manual", "Automated", "Enterprise only", "Built for SMBs"),
                             ("Point tool", "Full platform", "Expensive", "Affordable"),
                             ("Hard to use", "Easy to use", "Generic",
                              f"Built for {d.industry[1]}")))
        return _grid_slide(d, t, axes, names)
    feats = [d.fill(f) for f in ("Set up in minutes", "Built for {cust}", "Automated {task}",
                                 "Mobile app", "Transparent pricing", "Open API")]
    rows = [[f, True] + [d.rng.random() < 0.35 for _ in names[:3]] for f in d.rng.sample(feats, 5)]
    return _table_slide(d, t, ["", d.company, *names[:3]], rows)


def _go_to_market(d: _Deck, hint: str) -> Drawn:
    t, v = _title(d, "go-to-market"), d.rng.randrange(3)
    if v == 0:
        chans = d.rng.sample(range(len(CHANNELS)), 3)
        return _cards_slide(d, t, [(CHANNELS[i], d.fill(BANK["gtm"][i])) for i in chans], False)
    if v == 2:
        return _bullet_slide(d, t, d.pick(BANK["gtm"], 4), art=d.rng.random() < 0.4)
    c = d.canvas()
    y = _header(c, t)
    counts = [d.rng.randint(40, 90) * 1000]
    for _ in range(3):
        counts.append(round(counts[-1] * d.rng.uniform(0.08, 0.3)))
    names = ("Website visitors / month", "Free sign-ups", "Activated trials", "Paying customers")
    for i, (name, n) in enumerate(zip(names, counts, strict=True)):
        fy, inset = y + 20 + i * 165, i * 90
        c.draw.polygon([(MX + inset, fy), (1060 - inset, fy), (970 - inset, fy + 145),
                        (MX + inset + 90, fy + 145)], fill=_mix(c.accent, c.bg, i * 0.2))
        c.text(((MX + 1060) // 2, fy + 72), f"{n:,}", 44, bold=True, fill="#FFFFFF", anchor="mm")
        c.text((1140, fy + 50), name, 36)
    c.para(1140, y + 690, d.fill("CAC of ${k} with a {n}-month payback"), 30, 640, fill=c.muted)
    return c, "acquisition funnel"


def _business_model(d: _Deck, hint: str) -> Drawn:
    t, v = _title(d, "business-model"), d.rng.randrange(3)
    if v == 0:
        base = d.rng.choice((29, 49, 79, 99))
        tiers = [(f"Starter: ${base}/mo", d.fill("Up to {n} users, core workflows")),
                 (f"Pro: ${base * 3}/mo", "Automations, integrations and reporting"),
                 ("Enterprise: Custom", "SSO, audit log and a dedicated success manager")]
        return _cards_slide(d, t, tiers, numbered=False)
    if v == 1:
        ltv, cac = d.rng.randint(30, 90) * 100, d.rng.randint(6, 20) * 100
        return _stats_slide(d, t, [(f"${ltv:,}", "lifetime value per customer"),
                                   (f"${cac:,}", "blended acquisition cost"),
                                   (f"{ltv / cac:.1f}x", "LTV to CAC"),
                                   (d.fill("{pct}%"), "gross margin")])
    return _bullet_slide(d, t, [d.fill("SaaS subscription priced per location, from ${n}9 a month"),
                                d.fill("{n}% transaction fee on payments made through {co}"),
                                "Paid onboarding and premium support for larger accounts",
                                d.fill("Annual contracts: {pct}% of revenue is prepaid")],
                         art=False)


def _traction(d: _Deck, hint: str) -> Drawn:
    t, v = _title(d, "traction"), d.rng.randrange(5)
    if v in (0, 1):
        n, start = d.rng.randint(8, 12), d.rng.randrange(12)
        months = [f"{MONTHS[(start + i) % 12]} {(d.year + (start + i) // 12) % 100:02d}"
                  for i in range(n)]
        mrr = _growth(d, n, d.rng.uniform(8, 40), 0.14)
        side = [d.fill("{g}% month-over-month growth"), d.fill("Net revenue retention of 1{n}0%"),
                d.fill("{k} paying customers")] if d.rng.random() < 0.5 else []
        return _chart_slide(d, t, (months, mrr), lambda x: f"${x:.0f}K", ("bar", "line")[v],
                            "Monthly recurring revenue", side)
    if v == 2:
        caption = d.fill("Trusted by {k} {cust}, from single sites to groups of {n}0 locations")
        return _logo_slide(d, t, caption)
    if v == 3:
        who = f"{d.person()}, Operations lead at {d.org()}"
        return _quote_slide(d, t, d.fill(d.rng.choice(BANK["quote"])), who)
    return _stats_slide(d, t, [(d.fill("{k}"), "paying customers"),
                               (d.fill("${m}M"), "annual recurring revenue"),
                               (d.fill("{nps}"), "net promoter score"),
                               (d.fill("{g}%"), "month-over-month growth")])


def _financials(d: _Deck, hint: str) -> Drawn:
    t = _title(d, "financials")
    years = [str(d.year + i) for i in range(5)]
    rev = _growth(d, 5, d.rng.uniform(0.3, 1.5), 1.3)
    if d.rng.random() < 0.5:
        side = [d.fill("Gross margin rising to {pct}%"), f"EBITDA positive in {years[3]}"]
        return _chart_slide(d, t, (years, rev), _money, "bar", "Revenue forecast ($M)", side)
    margins = sorted(d.rng.randint(52, 82) for _ in years)
    ebitda = [r * (m / 100 - (1.3 - 0.22 * i) * d.rng.uniform(0.9, 1.1))  # opex share falls
              for i, (r, m) in enumerate(zip(rev, margins, strict=True))]
    rows: list[list[object]] = [
        ["Revenue", *(_money(r) for r in rev)],
        ["Gross margin", *(f"{m}%" for m in margins)],
        ["Customers", *(f"{round(r * d.rng.uniform(300, 900)):,}" for r in rev)],
        ["EBITDA", *((_money(e) if e >= 0 else "-" + _money(-e)) for e in ebitda)],
        ["Headcount", *(str(round(8 + r * 9)) for r in rev)]]
    return _table_slide(d, t, ["", *years], rows, "Projections; all figures in US dollars")


def _milestones(d: _Deck, hint: str) -> Drawn:
    t = _title(d, "milestones")
    picks = sorted(d.rng.sample(range(len(EVENTS)), d.rng.choice((5, 6))))
    slot, events = d.rng.randrange(4), []
    for i in picks:
        events.append((f"Q{slot % 4 + 1} {d.year - 2 + slot // 4}", EVENTS[i]))
        slot += d.rng.randint(1, 3)
    if d.rng.random() < 0.75:
        return _timeline_slide(d, t, events)
    rows: list[list[object]] = [[when, what, "Done" if i < 3 else "Planned"]
                                for i, (when, what) in enumerate(events)]
    return _table_slide(d, t, ["When", "Milestone", "Status"], rows)


def _vision(d: _Deck, hint: str) -> Drawn:
    t = _title(d, "vision")
    if d.rng.random() < 0.65:
        return _statement_slide(d, t, d.fill(d.rng.choice(BANK["vision"])),
                                d.pick(BANK["vision-steps"], 1)[0], "dark full-bleed statement")
    return _bullet_slide(d, t, d.pick(BANK["vision-steps"], 4), art=False)


def _conclusion(d: _Deck, hint: str) -> Drawn:
    t = _title(d, "conclusion")
    if t == "Summary" or t.startswith("Why"):
        return _bullet_slide(d, t, d.pick(BANK["summary"], 4), art=False)
    c = d.canvas(dark=d.rng.random() < 0.6)
    c.title = t
    c.text((W // 2, 330), t, 120, title=True, anchor="ma")
    c.text((W // 2, 520), f"{d.people[0]}, {ROLES[0]}", 40, anchor="ma")
    email = f"{d.people[0].split()[0].lower()}@{d.slug}.example"
    c.text((W // 2, 590), email, 36, fill=c.accent, anchor="ma")
    c.text((W // 2, 650), f"www.{d.slug}.example", 36, fill=c.muted, anchor="ma")
    return c, "closing / contact" + (", dark" if c.dark else "")


def _other(d: _Deck, hint: str) -> Drawn:
    if hint == "agenda":
        c = d.canvas()
        y = _header(c, d.rng.choice(("Agenda", "Contents", "Today's agenda")))
        for i, item in enumerate(("The problem", "Our solution", "Market", "Traction", "Team",
                                  "The ask")):
            x, iy = MX + (i // 3) * 820, y + 40 + (i % 3) * 170
            c.text((x, iy), f"{i + 1:02d}", 64, bold=True, fill=c.accent, display=True)
            c.text((x + 140, iy + 14), item, 44)
        return c, "agenda"
    if hint == "divider":
        part = d.rng.choice(("The opportunity", "How it works", "Why we win", "The business"))
        return _statement_slide(d, f"Part {d.rng.randint(1, 3)}", part, "", "section divider")
    if d.rng.random() < 0.5:
        c = d.canvas()
        y = _header(c, "Disclaimer")
        c.para(MX, y + 20, d.fill(DISCLAIMER), 30, W - 2 * MX - 200, fill=c.muted, leading=1.5)
        return c, "disclaimer"
    return _statement_slide(d, "Appendix", "Appendix",
                            "Detailed metrics, cohort data and customer references",
                            "appendix divider")


SECTION_DRAWERS: dict[str, Callable[[_Deck, str], Drawn]] = {
    "cover": _cover, "problem": _problem, "solution": _solution, "product": _product,
    "market": _market, "competition": _competition, "go-to-market": _go_to_market,
    "business-model": _business_model, "traction": _traction,
    "team": lambda d, hint: _team_slide(d, _title(d, "team")),
    "financials": _financials, "funding": lambda d, hint: _funding_slide(d, _title(d, "funding")),
    "milestones": _milestones, "vision": _vision, "conclusion": _conclusion, "other": _other,
}
_CORE = ("cover", "problem", "solution", "market", "team", "funding")
_OPTIONAL = ("product", "traction", "competition", "business-model", "go-to-market",
             "financials", "milestones", "vision", "conclusion", "other")


def _plan(d: _Deck) -> list[tuple[str, str]]:
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


def _make_decks(seed: int, n_decks: int) -> list[_Deck]:
    top = random.Random(seed)
    industries = top.sample(INDUSTRIES, len(INDUSTRIES))
    stems = top.sample(NAME_STEMS, len(NAME_STEMS))
    families = sorted(FONT_FAMILIES)
    decks = []
    for i in range(n_decks):
        rng = random.Random(f"deckgen-sample:{seed}:{i}")
        name = stems[i % len(stems)] + rng.choice(NAME_ENDS)
        slug = name.lower() + ("" if i < len(stems) else f"-{i}")
        stage = rng.choice(("Pre-seed", "Seed", "Seed", "Series A", "Series A", "Series B"))
        lo, hi = {"Pre-seed": (5, 15), "Seed": (15, 40), "Series A": (60, 150),
                  "Series B": (200, 450)}[stage]
        fam = rng.sample(families, 2)
        theme = _Theme(palette=PALETTES[rng.randrange(len(PALETTES))], title_family=fam[0],
                       body_family=fam[1] if rng.random() < 0.6 else fam[0],
                       title_size=rng.randrange(TITLE_SIZE_RANGE[0], TITLE_SIZE_RANGE[1] + 1, 4),
                       body_size=rng.randrange(32, BODY_SIZE_RANGE[1] - 1, 2),
                       header=rng.choice(("band", "rule", "side")), upper=rng.random() < 0.35,
                       footer=rng.random() < 0.6,
                       marker=rng.choice(("dot", "square", "dash", "number")))
        firsts, lasts = rng.sample(FIRST, 6), rng.sample(LAST, 6)
        people = [f"{f} {s}" for f, s in zip(firsts, lasts, strict=True)]
        decks.append(_Deck(i, slug, name, industries[i % len(industries)], stage,
                           _money(rng.randint(lo, hi) / 10), rng.randint(2015, 2025), theme, rng,
                           people))
    return decks


def _deck_toml(d: _Deck) -> str:
    fields = {"company": d.company, "title": f"{d.company} {d.stage} pitch deck", "year": d.year,
              "stage": d.stage, "industry": d.industry[0], "amount_raised": d.amount,
              "source_url": f"https://example.com/decks/{d.slug}", "license": "CC0-1.0"}
    lines = [f"{k} = {v if isinstance(v, int) else json.dumps(v)}" for k, v in fields.items()]
    return "# Fictional sample deck made by deckgen.sample: company and text are made up\n" + \
        "\n".join(lines) + "\n"


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


def _write_truth(root: Path, slug: str, name: str, jpeg: bytes, c: _Canvas) -> None:
    for sub in ("lowres", "truth", "hires"):
        (root / sub / slug).mkdir(parents=True, exist_ok=True)
    (root / "lowres" / slug / f"{name}.jpg").write_bytes(jpeg)
    (root / "truth" / slug / f"{name}.txt").write_text("\n".join(c.blocks) + "\n", encoding="utf-8")
    c.img.save(root / "hires" / slug / f"{name}.png")
