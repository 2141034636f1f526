"""The fictional sample corpus: pitch decks drawn with Pillow, deterministic from a seed.

Every company, person, number and sentence is made up from the word banks
below. Slides are drawn at 1920x1080 (layouts in ``deckgen.sample_layouts``) and
saved the way a scraper finds them (480 px wide, JPEG q75), so body text ends up
a few pixels tall: the problem deckgen exists to solve. With ``truth_dir`` the
generator also writes an evaluation set in the eval-dev layout (labels, exact
text, hi-res renders). Same seed, same bytes: one ``random.Random`` per deck,
keyed by seed and deck index, and nothing read from the clock.
"""

from __future__ import annotations

import csv
import io
import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image

from deckgen.sample_layouts import (
    MX,
    OUTPUT_SIZE,
    Canvas,
    Drawn,
    H,
    Theme,
    W,
    bullet_slide,
    cards_slide,
    chart_slide,
    check_fonts,
    circles_slide,
    draw_avatar,
    draw_logo_mark,
    draw_mockup,
    draw_title,
    grid_slide,
    logo_slide,
    mix,
    quote_slide,
    random_theme,
    statement_slide,
    stats_slide,
    table_slide,
    timeline_slide,
    two_column_slide,
)

JPEG_QUALITY = 75


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


@dataclass
class _Deck:
    index: int
    slug: str
    company: str
    industry: tuple[str, ...]
    stage: str
    amount: str
    year: int
    theme: Theme
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

    def canvas(self, dark: bool = False) -> Canvas:
        return Canvas(self.theme, dark)


def _money(v: float) -> str:
    """Millions of dollars as deck-style text: $450K, $2.5M, $1.2B."""
    if v >= 1000:
        return f"${v / 1000:.1f}B".replace(".0B", "B")
    if v >= 1 or v == 0:
        return f"${v:.1f}M".replace(".0M", "M")
    return f"${v * 1000:.0f}K"


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
        draw_logo_mark(c, W // 2 - 60, 250, 120, d.rng.randrange(5), c.accent2)
        c.text((W // 2, 450), d.company, 150, title=True, anchor="ma")
        c.text((W // 2, 660), tag, 44, fill=c.muted, anchor="ma")
        c.text((W // 2, 900), sub, 30, fill=c.muted, anchor="ma")
        return c, "cover, centred" + notes
    c.draw.rectangle((1180, 0, W, H), fill=c.accent)
    for i in range(5):
        r = 120 + i * 90
        c.draw.ellipse((1550 - r, 540 - r, 1550 + r, 540 + r),
                       outline=mix(c.accent, "#FFFFFF", 0.3), width=6)
    draw_logo_mark(c, MX, 260, 120, d.rng.randrange(5), c.accent2)
    c.text((MX, 420), d.company, c.fit(d.company, 140, 1000, title=True), title=True)
    c.para(MX, 620, tag, 44, 950, fill=c.muted)
    c.text((MX, 920), sub, 30, fill=c.muted)
    return c, "cover, split with graphic" + notes


def _problem(d: _Deck, hint: str) -> Drawn:
    t, v = _title(d, "problem"), d.rng.randrange(4)
    if v == 0:
        return stats_slide(d, t, [
            (d.fill("{pct}%"), d.fill("of {cust} still handle {task} on paper or in spreadsheets")),
            (d.fill("{n} hrs"), "lost every week to manual, repetitive work"),
            (d.fill("${k}K"), d.fill("average yearly cost of errors per {cust1}"))])
    if v == 1:
        quote = d.fill("Every month we lose days to {task}. It's the part of the job everyone "
                       "dreads, and mistakes cost us real money.")
        return quote_slide(d, t, quote, f"{d.person()}, {d.org()}")
    return bullet_slide(d, t, d.pick(BANK["problem"], 4), art=False)


def _solution(d: _Deck, hint: str) -> Drawn:
    t, v = _title(d, "solution"), d.rng.randrange(3)
    if v == 0:
        return two_column_slide(d, t, ("Today", d.pick(BANK["problem"], 3)),
                        (f"With {d.company}", d.pick(BANK["solution"], 3)))
    if v == 1:
        return bullet_slide(d, t, d.pick(BANK["solution"], 4), art=True)
    return cards_slide(d, t, [(h, d.fill(b)) for h, b in d.rng.sample(FEATURES, 3)], False)


def _product(d: _Deck, hint: str) -> Drawn:
    t, v = _title(d, "product"), d.rng.randrange(3)
    if v == 0:
        steps = [("Connect", d.fill("Link your existing tools and import {thing} in minutes")),
                 ("Automate", d.fill("{Co} handles {task} with rules you control")),
                 ("Grow", "Dashboards show where time and money go")]
        return cards_slide(d, t, steps, numbered=True)
    c = d.canvas()
    y = draw_title(c, t)
    draw_mockup(c, (MX, y, 1140, H - 110), d.rng)
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
        return bullet_slide(d, t, d.pick(BANK["why-now"], 4), art=False)
    if v == 0:
        return circles_slide(d, t, [
            ("TAM", f"${tam}B", f"Total addressable market: every {d.industry[2]} worldwide"),
            ("SAM", _money(sam * 1000), d.fill("Serviceable market: {cust} in North America "
                                               "and Europe")),
            ("SOM", _money(som * 1000), "Obtainable market: our share within five years")])
    if v == 1:
        curve = _growth(d, 6, 1.0, 0.12)
        vals = [round(tam * x / curve[-1], 1) for x in curve]  # ends at the TAM
        cagr = round(100 * ((vals[-1] / vals[0]) ** 0.2 - 1))
        caption = f"Global {d.industry[0].lower()} software spend, $B ({cagr}% CAGR)"
        return chart_slide(d, t, ([str(d.year + i) for i in range(6)], vals),
                            lambda x: f"${x:.0f}B", "bar", caption, d.pick(BANK["why-now"], 2))
    return stats_slide(d, t, [(f"${tam}B", "total addressable market"),
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
        return grid_slide(d, t, axes, names)
    feats = [d.fill(f) for f in ("Set up in minutes", "Built for {cust}", "Automated {task}",
                                 "Mobile app", "Transparent pricing", "Open API")]
    rows = [[f, True] + [d.rng.random() < 0.35 for _ in names[:3]] for f in d.rng.sample(feats, 5)]
    return table_slide(d, t, ["", d.company, *names[:3]], rows)


def _go_to_market(d: _Deck, hint: str) -> Drawn:
    t, v = _title(d, "go-to-market"), d.rng.randrange(3)
    if v == 0:
        chans = d.rng.sample(range(len(CHANNELS)), 3)
        return cards_slide(d, t, [(CHANNELS[i], d.fill(BANK["gtm"][i])) for i in chans], False)
    if v == 2:
        return bullet_slide(d, t, d.pick(BANK["gtm"], 4), art=d.rng.random() < 0.4)
    c = d.canvas()
    y = draw_title(c, t)
    counts = [d.rng.randint(40, 90) * 1000]
    for _ in range(3):
        counts.append(round(counts[-1] * d.rng.uniform(0.08, 0.3)))
    names = ("Website visitors / month", "Free sign-ups", "Activated trials", "Paying customers")
    for i, (name, n) in enumerate(zip(names, counts, strict=True)):
        fy, inset = y + 20 + i * 165, i * 90
        c.draw.polygon([(MX + inset, fy), (1060 - inset, fy), (970 - inset, fy + 145),
                        (MX + inset + 90, fy + 145)], fill=mix(c.accent, c.bg, i * 0.2))
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
        return cards_slide(d, t, tiers, numbered=False)
    if v == 1:
        ltv, cac = d.rng.randint(30, 90) * 100, d.rng.randint(6, 20) * 100
        return stats_slide(d, t, [(f"${ltv:,}", "lifetime value per customer"),
                                   (f"${cac:,}", "blended acquisition cost"),
                                   (f"{ltv / cac:.1f}x", "LTV to CAC"),
                                   (d.fill("{pct}%"), "gross margin")])
    return bullet_slide(d, t, [d.fill("SaaS subscription priced per location, from ${n}9 a month"),
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
        return chart_slide(d, t, (months, mrr), lambda x: f"${x:.0f}K", ("bar", "line")[v],
                            "Monthly recurring revenue", side)
    if v == 2:
        caption = d.fill("Trusted by {k} {cust}, from single sites to groups of {n}0 locations")
        return logo_slide(d, t, sorted({d.org() for _ in range(12)})[:9], caption)
    if v == 3:
        who = f"{d.person()}, Operations lead at {d.org()}"
        return quote_slide(d, t, d.fill(d.rng.choice(BANK["quote"])), who)
    return stats_slide(d, t, [(d.fill("{k}"), "paying customers"),
                               (d.fill("${m}M"), "annual recurring revenue"),
                               (d.fill("{nps}"), "net promoter score"),
                               (d.fill("{g}%"), "month-over-month growth")])


def _team(d: _Deck, hint: str) -> Drawn:
    t = _title(d, "team")
    c = d.canvas(dark=d.rng.random() < 0.2)
    y = draw_title(c, t) + 20
    n = d.rng.choice((3, 4, 4, 5, 6))
    roles = list(ROLES[:2]) + d.rng.sample(ROLES[2:], n - 2)
    per_row = n if n <= 4 else 3
    cw, r = (W - 2 * MX) / per_row, 95 if n <= 4 else 62
    for i in range(n):
        row, col = divmod(i, per_row)
        cx, cy = round(MX + cw * (col + 0.5)), y + r + row * (2 * r + 230)
        draw_avatar(c, cx, cy, r, (c.accent, c.accent2)[i % 2])
        c.text((cx, cy + r + 24), d.people[i], 40, bold=True, anchor="ma")
        c.text((cx, cy + r + 80), roles[i], 32, fill=c.accent, anchor="ma")
        c.para(cx - cw / 2 + 30, cy + r + 130, d.fill(d.rng.choice(BIOS)), 28, cw - 60,
               fill=c.muted, center=True)
    return c, f"team grid ({n} people, drawn avatars)"


def _financials(d: _Deck, hint: str) -> Drawn:
    t = _title(d, "financials")
    years = [str(d.year + i) for i in range(5)]
    rev = _growth(d, 5, d.rng.uniform(0.3, 1.5), 1.3)
    if d.rng.random() < 0.5:
        side = [d.fill("Gross margin rising to {pct}%"), f"EBITDA positive in {years[3]}"]
        return chart_slide(d, t, (years, rev), _money, "bar", "Revenue forecast ($M)", side)
    margins = sorted(d.rng.randint(52, 82) for _ in years)
    ebitda = [r * (m / 100 - (1.3 - 0.22 * i) * d.rng.uniform(0.9, 1.1))  # opex share falls
              for i, (r, m) in enumerate(zip(rev, margins, strict=True))]
    rows: list[list[object]] = [
        ["Revenue", *(_money(r) for r in rev)],
        ["Gross margin", *(f"{m}%" for m in margins)],
        ["Customers", *(f"{round(r * d.rng.uniform(300, 900)):,}" for r in rev)],
        ["EBITDA", *((_money(e) if e >= 0 else "-" + _money(-e)) for e in ebitda)],
        ["Headcount", *(str(round(8 + r * 9)) for r in rev)]]
    return table_slide(d, t, ["", *years], rows, "Projections; all figures in US dollars")


def _funding(d: _Deck, hint: str) -> Drawn:
    t = _title(d, "funding")
    c = d.canvas(dark=d.rng.random() < 0.35)
    y = draw_title(c, t)
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


def _milestones(d: _Deck, hint: str) -> Drawn:
    t = _title(d, "milestones")
    picks = sorted(d.rng.sample(range(len(EVENTS)), d.rng.choice((5, 6))))
    slot, events = d.rng.randrange(4), []
    for i in picks:
        events.append((f"Q{slot % 4 + 1} {d.year - 2 + slot // 4}", EVENTS[i]))
        slot += d.rng.randint(1, 3)
    if d.rng.random() < 0.75:
        return timeline_slide(d, t, events)
    rows: list[list[object]] = [[when, what, "Done" if i < 3 else "Planned"]
                                for i, (when, what) in enumerate(events)]
    return table_slide(d, t, ["When", "Milestone", "Status"], rows)


def _vision(d: _Deck, hint: str) -> Drawn:
    t = _title(d, "vision")
    if d.rng.random() < 0.65:
        return statement_slide(d, t, d.fill(d.rng.choice(BANK["vision"])),
                                d.pick(BANK["vision-steps"], 1)[0], "dark full-bleed statement")
    return bullet_slide(d, t, d.pick(BANK["vision-steps"], 4), art=False)


def _conclusion(d: _Deck, hint: str) -> Drawn:
    t = _title(d, "conclusion")
    if t == "Summary" or t.startswith("Why"):
        return bullet_slide(d, t, d.pick(BANK["summary"], 4), art=False)
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
        y = draw_title(c, d.rng.choice(("Agenda", "Contents", "Today's agenda")))
        for i, item in enumerate(("The problem", "Our solution", "Market", "Traction", "Team",
                                  "The ask")):
            x, iy = MX + (i // 3) * 820, y + 40 + (i % 3) * 170
            c.text((x, iy), f"{i + 1:02d}", 64, bold=True, fill=c.accent, display=True)
            c.text((x + 140, iy + 14), item, 44)
        return c, "agenda"
    if hint == "divider":
        part = d.rng.choice(("The opportunity", "How it works", "Why we win", "The business"))
        return statement_slide(d, f"Part {d.rng.randint(1, 3)}", part, "", "section divider")
    if d.rng.random() < 0.5:
        c = d.canvas()
        y = draw_title(c, "Disclaimer")
        c.para(MX, y + 20, d.fill(DISCLAIMER), 30, W - 2 * MX - 200, fill=c.muted, leading=1.5)
        return c, "disclaimer"
    return statement_slide(d, "Appendix", "Appendix",
                            "Detailed metrics, cohort data and customer references",
                            "appendix divider")


SECTION_DRAWERS: dict[str, Callable[[_Deck, str], Drawn]] = {
    "cover": _cover, "problem": _problem, "solution": _solution, "product": _product,
    "market": _market, "competition": _competition, "go-to-market": _go_to_market,
    "business-model": _business_model, "traction": _traction, "team": _team,
    "financials": _financials, "funding": _funding, "milestones": _milestones, "vision": _vision,
    "conclusion": _conclusion, "other": _other,
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
        decks.append(_Deck(i, slug, name, industries[i % len(industries)], stage,
                           _money(rng.randint(lo, hi) / 10), rng.randint(2015, 2025), theme, rng,
                           people))
    return decks


def _deck_toml(d: _Deck) -> str:
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
