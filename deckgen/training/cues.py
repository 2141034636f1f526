"""General cue phrases per section type: what pitch-deck slides of each kind say.

Written from general knowledge of how investor decks are built (the headings
and stock phrases every pitch-deck guide lists), not read off any real deck.
Phrases are matched on normalized, stemmed text (see ``deckgen.classify.normalize``),
so "Markets" matches "market"; a trailing ``*`` matches any word starting so.
``TITLE_CUES`` are strong when they appear in the slide title; ``BODY_CUES`` are
weaker evidence anywhere in the text.
"""

from __future__ import annotations

# fmt: off
TITLE_CUES: dict[str, list[str]] = {
    "business-model": [
        "business model", "revenue model", "pricing", "monetization", "how we make money",
        "unit economics", "revenue stream", "plan", "subscription",
    ],
    "competition": [
        "competition", "competitor", "competitive landscape", "landscape",
        "competitive advantage", "differentiation", "differentiator", "alternative",
        "why we win", "comparison", "moat",
    ],
    "conclusion": [
        "thank you", "thanks", "contact", "get in touch", "question", "q&a", "summary",
        "conclusion", "recap", "join us", "let's talk",
    ],
    "cover": [
        "pitch deck", "investor presentation", "investor deck", "confidential",
    ],
    "financials": [
        "financial", "financials", "projection", "forecast", "revenue projection", "p&l",
        "budget", "burn", "profit", "revenue",
    ],
    "funding": [
        "funding", "the ask", "ask", "investment", "raising", "use of funds", "use of proceeds",
        "round", "we are raising", "seed", "series a", "capital", "investor", "terms",
    ],
    "go-to-market": [
        "go to market", "gtm", "go-to-market", "marketing", "sales strategy", "distribution",
        "acquisition", "channel", "customer acquisition", "growth strategy", "launch",
        "partnership", "expansion plan", "rollout", "strategy",
    ],
    "market": [
        "market", "market size", "market opportunity", "opportunity", "tam",
        "addressable market", "target market", "industry", "customer segment",
    ],
    "milestones": [
        "milestone", "roadmap", "timeline", "next step", "plan", "what's next", "next",
        "future plan", "quarter", "history",
    ],
    "other": [
        "appendix", "agenda", "contents", "overview", "disclaimer", "section",
    ],
    "problem": [
        "problem", "the problem", "pain point", "pain", "challenge", "why now", "status quo",
        "today", "broken", "frustration", "issue",
    ],
    "product": [
        "product", "the product", "feature", "platform", "technology", "demo", "how it work",
        "app", "screenshot", "architecture", "use case", "roadmap product", "under the hood",
        "patent", "service",
    ],
    "solution": [
        "solution", "our solution", "the solution", "introducing", "how it works",
        "value proposition", "benefit", "why us", "our approach",
    ],
    "team": [
        "team", "the team", "our team", "founder", "management", "leadership", "advisor",
        "board", "who we are", "people",
    ],
    "traction": [
        "traction", "progress", "growth", "customer", "key metric", "metric",
        "milestones achieved", "momentum", "result", "testimonial", "user", "kpi", "case study",
        "pilot", "to date", "churn", "retention",
    ],
    "vision": [
        "vision", "mission", "future", "the future", "big picture", "long term",
        "where we are going", "beyond", "world", "imagine",
    ],
}

BODY_CUES: dict[str, list[str]] = {
    "business-model": [
        "revenue", "pricing", "price", "subscription", "per month", "per user", "fee",
        "commission", "margin", "saas", "license", "licensing", "tier", "freemium", "arpu",
        "ltv", "unit economics", "recurring", "transaction", "cost", "per", "premium", "model",
        "charge",
    ],
    "competition": [
        "competitor", "competition", "vs", "versus", "incumbent", "alternative", "landscape",
        "differentiat*", "advantage", "unlike", "compare", "legacy", "cheaper", "only", "moat",
        "barrier", "players",
    ],
    "conclusion": [
        "thank*", "contact", "email", "email_addr", "url_addr", "questions", "call", "phone",
        "visit", "join", "let's", "reach", "linkedin", "twitter",
    ],
    "cover": [
        "inc", "ltd", "pitch", "presentation", "url_addr", "confidential", "draft",
    ],
    "financials": [
        "revenue", "ebitda", "profit", "gross margin", "burn", "cash", "expense", "money_num",
        "forecast", "projection", "year", "opex", "net income", "break even", "breakeven",
        "p&l", "cost", "runway", "profitab*", "year_num",
    ],
    "funding": [
        "raising", "raise", "investment", "round", "seed", "series", "use of funds", "runway",
        "valuation", "convertible", "safe", "investor", "months", "hire", "allocation",
        "proceeds", "closing", "committed", "commitment", "note", "equity", "pre-money", "ask",
    ],
    "go-to-market": [
        "channel", "marketing", "sales", "partner", "acquisition", "cac", "referral", "seo",
        "campaign", "launch*", "city", "cities", "outreach", "direct sales", "inbound",
        "outbound", "funnel", "pilot", "event", "social media", "ads", "word of mouth",
        "distribution", "reseller", "target",
    ],
    "market": [
        "market", "tam", "sam", "som", "billion", "addressable", "segment", "industry", "cagr",
        "size", "opportunity", "worth", "spend", "annual", "population", "household", "share",
        "growing at", "bn", "trillion", "consumer", "demand",
    ],
    "milestones": [
        "q1", "q2", "q3", "q4", "roadmap", "milestone", "launch", "phase", "beta", "release",
        "timeline", "h1", "h2", "next", "plan", "expand", "by end of", "complete", "year_num",
    ],
    "other": [
        "appendix", "agenda", "disclaimer", "contents", "section", "chapter",
    ],
    "problem": [
        "problem", "pain", "struggle", "waste", "costly", "expensive", "inefficient",
        "frustrat*", "difficult", "hard to", "lack", "lose", "slow", "broken", "too many",
        "today", "manual", "fragmented", "no way to", "can't", "cannot", "poor", "risk",
        "unreliable", "don't", "not", "miss", "without",
    ],
    "product": [
        "feature", "dashboard", "app", "platform", "integrat*", "api", "mobile", "web",
        "interface", "sensor", "device", "algorithm", "model", "engine", "cloud", "screen",
        "click", "workflow", "technology", "patent", "iphone", "android", "software",
        "hardware", "data", "real time", "real-time", "fleet", "dispatch",
    ],
    "solution": [
        "solution", "we help", "enable", "simple", "easy", "save", "faster", "better", "reduce",
        "automat*", "one place", "seamless", "instead", "introducing", "benefit", "improv*",
        "eliminat*", "without the", "better than", "convenient", "help",
    ],
    "team": [
        "ceo", "cto", "coo", "cfo", "founder", "co-founder", "cofounder", "phd", "previously",
        "formerly", "ex", "years experience", "advisor", "head of", "vp", "engineer",
        "designer", "director", "professor", "university", "mba", "led", "built", "board",
        "lead", "manager", "partner", "former",
    ],
    "traction": [
        "customer", "users", "growth", "mrr", "arr", "month over month", "mom", "retention",
        "churn", "signed", "pilot", "paying", "active", "downloads", "waitlist", "beta", "grew",
        "increase", "testimonial", "revenue", "love", "satisfied", "nps", "organic",
        "since launch", "companies", "pct_num",
    ],
    "vision": [
        "vision", "mission", "future", "world", "everyone", "every", "believe", "imagine",
        "become", "long term", "transform", "change the way", "platform for", "beyond",
        "ultimately", "opportunity",
    ],
}
# fmt: on
