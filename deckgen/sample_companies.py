"""The made-up companies behind the sample decks: word banks and each deck's facts.

Every company, person, number and sentence in the sample corpus comes from the
word banks here. A ``SampleDeck`` holds one deck's facts (company, industry,
stage, people, theme) and its own ``random.Random``, and fills the banks'
``{placeholder}`` templates from them, so the same seed gives the same words.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from deckgen.sample_canvas import Canvas, Theme


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
class SampleDeck:
    """One made-up deck: its company's facts, its own random stream, the titles used so far."""

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


def money(v: float) -> str:
    """Millions of dollars as deck-style text: $450K, $2.5M, $1.2B."""
    if v >= 1000:
        return f"${v / 1000:.1f}B".replace(".0B", "B")
    if v >= 1 or v == 0:
        return f"${v:.1f}M".replace(".0M", "M")
    return f"${v * 1000:.0f}K"

