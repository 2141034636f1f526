"""What each section's sample slide says, and which layout draws it.

One drawer per section (``SECTION_DRAWERS``): it picks a title and content from
the deck's word banks (``deckgen.sample_companies``) and a layout from
``deckgen.sample_layouts``, and returns the drawn canvas with a note on the
layout used (the notes column of the truth set's labels.csv).
"""

from __future__ import annotations

from collections.abc import Callable

from deckgen.sample_canvas import MX, H, W, mix
from deckgen.sample_companies import (
    BANK,
    BIOS,
    CHANNELS,
    DISCLAIMER,
    EVENTS,
    FEATURES,
    MONTHS,
    NAME_ENDS,
    NAME_STEMS,
    ROLES,
    TAGLINES,
    TITLES,
    USES,
    SampleDeck,
    money,
)
from deckgen.sample_layouts import (
    Drawn,
    bullet_slide,
    cards_slide,
    chart_slide,
    circles_slide,
    draw_avatar,
    draw_logo_mark,
    draw_mockup,
    draw_title,
    grid_slide,
    logo_slide,
    quote_slide,
    statement_slide,
    stats_slide,
    table_slide,
    timeline_slide,
    two_column_slide,
)


def _title(d: SampleDeck, section: str) -> str:
    for _ in range(6):  # a deck rarely repeats a title, even across two traction slides
        title = d.fill(d.rng.choice(TITLES[section]))
        if title not in d.titles:
            break
    d.titles.add(title)
    return title


def _growth(d: SampleDeck, n: int, start: float, rate: float) -> list[float]:
    out, v = [], start
    for _ in range(n):
        out.append(round(v, 3))
        v *= 1 + rate * d.rng.uniform(0.5, 1.5)
    return out


def _cover(d: SampleDeck, hint: str) -> Drawn:
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


def _problem(d: SampleDeck, hint: str) -> Drawn:
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


def _solution(d: SampleDeck, hint: str) -> Drawn:
    t, v = _title(d, "solution"), d.rng.randrange(3)
    if v == 0:
        return two_column_slide(d, t, ("Today", d.pick(BANK["problem"], 3)),
                        (f"With {d.company}", d.pick(BANK["solution"], 3)))
    if v == 1:
        return bullet_slide(d, t, d.pick(BANK["solution"], 4), art=True)
    return cards_slide(d, t, [(h, d.fill(b)) for h, b in d.rng.sample(FEATURES, 3)], False)


def _product(d: SampleDeck, hint: str) -> Drawn:
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


def _market(d: SampleDeck, hint: str) -> Drawn:
    t, v = _title(d, "market"), d.rng.randrange(3)
    tam = d.rng.randint(8, 90)
    sam, som = tam * d.rng.uniform(0.15, 0.35), tam * d.rng.uniform(0.01, 0.04)
    if t == "Why now":
        return bullet_slide(d, t, d.pick(BANK["why-now"], 4), art=False)
    if v == 0:
        return circles_slide(d, t, [
            ("TAM", f"${tam}B", f"Total addressable market: every {d.industry[2]} worldwide"),
            ("SAM", money(sam * 1000), d.fill("Serviceable market: {cust} in North America "
                                               "and Europe")),
            ("SOM", money(som * 1000), "Obtainable market: our share within five years")])
    if v == 1:
        curve = _growth(d, 6, 1.0, 0.12)
        vals = [round(tam * x / curve[-1], 1) for x in curve]  # ends at the TAM
        cagr = round(100 * ((vals[-1] / vals[0]) ** 0.2 - 1))
        caption = f"Global {d.industry[0].lower()} software spend, $B ({cagr}% CAGR)"
        return chart_slide(d, t, ([str(d.year + i) for i in range(6)], vals),
                            lambda x: f"${x:.0f}B", "bar", caption, d.pick(BANK["why-now"], 2))
    return stats_slide(d, t, [(f"${tam}B", "total addressable market"),
                               (money(sam * 1000), d.fill("serviceable market of {cust}")),
                               (d.fill("{g}%"), "annual growth in software spend")],
                        intro=d.fill("{Cust} spend billions on {task}, and most of it is manual."))


def _competition(d: SampleDeck, hint: str) -> Drawn:
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


def _go_to_market(d: SampleDeck, hint: str) -> Drawn:
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


def _business_model(d: SampleDeck, hint: str) -> Drawn:
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


def _traction(d: SampleDeck, hint: str) -> Drawn:
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


def _team(d: SampleDeck, hint: str) -> Drawn:
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


def _financials(d: SampleDeck, hint: str) -> Drawn:
    t = _title(d, "financials")
    years = [str(d.year + i) for i in range(5)]
    rev = _growth(d, 5, d.rng.uniform(0.3, 1.5), 1.3)
    if d.rng.random() < 0.5:
        side = [d.fill("Gross margin rising to {pct}%"), f"EBITDA positive in {years[3]}"]
        return chart_slide(d, t, (years, rev), money, "bar", "Revenue forecast ($M)", side)
    margins = sorted(d.rng.randint(52, 82) for _ in years)
    ebitda = [r * (m / 100 - (1.3 - 0.22 * i) * d.rng.uniform(0.9, 1.1))  # opex share falls
              for i, (r, m) in enumerate(zip(rev, margins, strict=True))]
    rows: list[list[object]] = [
        ["Revenue", *(money(r) for r in rev)],
        ["Gross margin", *(f"{m}%" for m in margins)],
        ["Customers", *(f"{round(r * d.rng.uniform(300, 900)):,}" for r in rev)],
        ["EBITDA", *((money(e) if e >= 0 else "-" + money(-e)) for e in ebitda)],
        ["Headcount", *(str(round(8 + r * 9)) for r in rev)]]
    return table_slide(d, t, ["", *years], rows, "Projections; all figures in US dollars")


def _funding(d: SampleDeck, hint: str) -> Drawn:
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


def _milestones(d: SampleDeck, hint: str) -> Drawn:
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


def _vision(d: SampleDeck, hint: str) -> Drawn:
    t = _title(d, "vision")
    if d.rng.random() < 0.65:
        return statement_slide(d, t, d.fill(d.rng.choice(BANK["vision"])),
                                d.pick(BANK["vision-steps"], 1)[0], "dark full-bleed statement")
    return bullet_slide(d, t, d.pick(BANK["vision-steps"], 4), art=False)


def _conclusion(d: SampleDeck, hint: str) -> Drawn:
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


def _other(d: SampleDeck, hint: str) -> Drawn:
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


SECTION_DRAWERS: dict[str, Callable[[SampleDeck, str], Drawn]] = {
    "cover": _cover, "problem": _problem, "solution": _solution, "product": _product,
    "market": _market, "competition": _competition, "go-to-market": _go_to_market,
    "business-model": _business_model, "traction": _traction, "team": _team,
    "financials": _financials, "funding": _funding, "milestones": _milestones, "vision": _vision,
    "conclusion": _conclusion, "other": _other,
}
