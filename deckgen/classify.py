"""Classification stage: each slide's section type, decoded jointly over its deck.

Per slide, a linear softmax model (``models/classifier.json``, made by
``deckgen/training/classifier.py`` from the data beside it) scores the 16
sections from title words, body words, general cue phrases and the text's
shape (numbers, money, e-mail addresses); a heading that is only a section's
name adds a fixed amount on top (``TITLE_NAME_BOOST``). The deck is then decoded as a
chain: position priors (a cover comes first, a conclusion last) and
transition priors (a problem comes before its solution, sections run over
consecutive slides) combine with the per-slide scores. The label is the
Viterbi path; the reported ``scores`` are the posterior marginals from
forward-backward, so they are probabilities that sum to 1 per slide.

When the winning section's probability is below ``ClassifyParams.min_confidence``
(0.25) the slide is labelled ``other``: too flat to trust. With 16 sections a
uniform guess is 0.06; 0.25 means the winner is not even four times as likely
as chance. On the real slides of eval-dev, thresholds from 0 to 0.25 move
accuracy by 1.5 points (one slide in 66), so the threshold is set for honesty,
not tuned.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import re
from dataclasses import dataclass
from importlib import resources

import numpy as np
from whoosh.lang.porter import stem as porter_stem

from deckgen.records import SECTIONS, OcrResult, SectionResult

_MODEL_FILE = resources.files("deckgen").joinpath("models/classifier.json")
# the model's hash is part of the version: retraining makes cached labels stale
# classify-8: a number or address alone in a cue reads "text has an amount"
# classify-9: words in letters of any script, not cut at the first letter outside a-z
VERSION = "classify-9+" + hashlib.sha256(_MODEL_FILE.read_bytes()).hexdigest()[:10]

_INDEX = {s: i for i, s in enumerate(SECTIONS)}


def language_note(lang: str) -> str | None:
    """What to tell a user who OCRs another language (``--lang deu``, ``eng+deu``): the
    model learnt its words from English slides, so elsewhere its labels rest on numbers,
    layout and deck position, and are weak guesses."""
    if set(lang.split("+")) <= {"eng", "osd"}:
        return None
    return (f"section labels come from a model of English slides: with --lang {lang} they "
            "are weak guesses on slides in other languages (check them with `deckgen review`)")


@dataclass(frozen=True)
class ClassifyParams:
    # below this posterior probability the top section is not trusted -> "other"
    min_confidence: float = 0.25
    # how strongly deck position and section order pull on the per-slide scores
    prior_weight: float = 1.0


# --------------------------------------------------------------------------- text features

_EMAIL = re.compile(r"\S+@\S+\.\w+")
_URL = re.compile(r"(https?://\S+|www\.\S+|\b[\w-]+\.(com|io|co|ai|org|net)\b)")
_MONEY = re.compile(r"[$€£]\s?\d[\d.,]*\s?(k|m|mm|b|bn|million|billion)?\b", re.I)
_PCT = re.compile(r"\d[\d.,]*\s?%")
_YEAR = re.compile(r"\b(19[5-9]\d|20[0-4]\d)\b")
_NUM = re.compile(r"\b\d[\d.,]*[kmbx]?\b", re.I)
_HYPHEN = re.compile(r"(?<=[^\W\d_])-(?=[^\W\d_])")
# letters of any script: "lösung" is one word the model does not know, not "l" + "sung"
_TOKEN = re.compile(r"[^\W\d_][\w&'-]*\w|[^\W\d_]")


def stem(token: str) -> str:
    """A deliberately small suffix stripper (same function for text and cues)."""
    token = token.strip("'-")
    # plurals only: stripping "-ing" would make "marketing" read as "market"
    for suffix, repl in (("ies", "y"), ("sses", "ss"), ("'s", "")):
        if token.endswith(suffix) and len(token) - len(suffix) >= 3:
            return token[: -len(suffix)] + repl
    if token.endswith("s") and not token.endswith("ss") and len(token) > 3:
        return token[:-1]
    return token


_STOPWORDS = frozenset(
    stem(word)
    for word in "a an the and or of to in on for with by at from is are was were be been it its "
    "this that "
    "these those we our us you your they their as not but so if than then there here all any "
    "can will would should may more most very just also into over per via up out about".split()
)


def normalize(text: str) -> list[str]:
    """Lower-case stemmed tokens; e-mails, URLs, money, percentages, years become markers."""
    text = text.lower().replace("\u2019", "'")
    text = _EMAIL.sub(" email_addr ", text)
    text = _URL.sub(" url_addr ", text)
    text = _MONEY.sub(" money_num ", text)
    text = _PCT.sub(" pct_num ", text)
    text = _YEAR.sub(" year_num ", text)
    text = _NUM.sub(" num ", text)
    text = text.replace("go-to-market", "go to market").replace("co-founder", "cofounder")
    text = _HYPHEN.sub(" ", text)  # "Use-Cases" is "use cases", "week-over-week" three words
    return [stem(t) for t in _TOKEN.findall(text)]


def _phrase_in(phrase: list[str], prefix: bool, tokens: list[str]) -> int:
    n = len(phrase)
    hits = 0
    for i in range(len(tokens) - n + 1):
        window = tokens[i : i + n]
        if window[:-1] == phrase[:-1] and (
            window[-1].startswith(phrase[-1]) if prefix else window[-1] == phrase[-1]
        ):
            hits += 1
    return hits


def _near(a: str, b: str) -> bool:
    """Equal up to one OCR slip (substitution, insertion or deletion)."""
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) <= 1
    short, long_ = sorted((a, b), key=len)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))


def _fuzzy_in(phrase: list[str], tokens: list[str]) -> bool:
    """A one-word cue of 6+ letters read with one OCR slip ("selution", "Solutio")."""
    if len(phrase) != 1 or len(phrase[0]) < 6:
        return False
    return any(len(t) >= 5 and _near(t, phrase[0]) for t in tokens)


def _add_word(feats: dict, why: dict, kind: str, word: str, value: float, reason: str) -> None:
    """A word feature twice: as read, and by its Porter stem, so that "forecasting",
    "competitive" or "efficiency" meet the "forecast", "competition" and "efficient" of
    the training slides (the light ``stem`` alone keeps "marketing" apart from "market")."""
    feats[f"{kind}:{word}"] = value
    why[f"{kind}:{word}"] = reason
    root = "_".join(porter_stem(part) for part in word.split("_"))
    feats[f"{kind}p:{root}"] = value
    why.setdefault(f"{kind}p:{root}", reason)


# a heading names its section more surely than scattered body words do
TITLE_CUE_WEIGHT = 2.0


def features(slide: OcrResult, cues: dict) -> tuple[dict[str, float], dict[str, str]]:
    """Sparse features of one slide, and a readable reason for each cue feature."""
    title = normalize(slide.title)
    body = normalize(slide.text)
    feats: dict[str, float] = {}
    why: dict[str, str] = {}
    content = [t for t in title if t not in _STOPWORDS]
    for tok in content:
        _add_word(feats, why, "t", tok, 1.0, f'title word "{tok}"')
    for a, b in zip(content, content[1:], strict=False):  # "product roadmap" is not "product"
        _add_word(feats, why, "t", f"{a}_{b}", 1.0, f'title words "{a} {b}"')
    # body words weigh 1/sqrt(distinct words): a long slide is not more certain than a short one
    body_words = set(body) - _STOPWORDS
    body_weight = 1.0 / math.sqrt(max(4, len(body_words)))
    for tok in sorted(body_words):  # sorted: the same reason wins in every process
        _add_word(feats, why, "b", tok, body_weight * 2.0, f'text word "{tok}"')
    for section, phrases in cues["title"].items():
        for phrase, prefix in phrases:
            if _phrase_in(phrase, prefix, title) or _fuzzy_in(phrase, title):
                feats[f"ct:{section}"] = TITLE_CUE_WEIGHT
                why[f"ct:{section}"] = f'title matches "{" ".join(phrase)}"'
                break
    body_hits: dict[str, int] = {}
    for section, phrases in cues["body"].items():
        hits, shown = 0, []
        for phrase, prefix in phrases:
            n = _phrase_in(phrase, prefix, body)
            if n:
                hits += n
                shown.append(" ".join(phrase))
        if hits:
            body_hits[section] = hits
            why[f"cb:{section}"] = f"{section} words in text: " + ", ".join(shown[:4])
    total = sum(body_hits.values())
    for section, hits in body_hits.items():
        # the share of cue words per section: long slides hit every section a little
        feats[f"cb:{section}"] = 2.0 * hits / total + 0.3 * math.log1p(hits)
    n_words = len(body)
    numbers = sum(t in ("num", "money_num", "pct_num", "year_num") for t in body)
    for name, on in (
        ("few_words", n_words < 10),
        ("no_text", n_words == 0),
        ("many_words", n_words > 60),
        ("numeric", n_words > 0 and numbers / n_words > 0.15),
    ):
        if on:
            feats[f"shape:{name}"] = 1.0
            why[f"shape:{name}"] = f"layout: {name.replace('_', ' ')}"
    return feats, why


# --------------------------------------------------------------------------- model


@functools.lru_cache(maxsize=1)
def load_model() -> dict:
    """The shipped model: weights per feature, bias, temperature, cue phrases, priors."""
    return parse_model(_MODEL_FILE.read_text("utf-8"))


def parse_model(raw: str) -> dict:
    """A model file's JSON, ready to score with (another model: experiments, benchmarks)."""
    data = json.loads(raw)
    data["weights"] = {f: np.asarray(w, dtype=np.float64) for f, w in data["weights"].items()}
    data["bias"] = np.asarray(data["bias"], dtype=np.float64)
    data["cue_phrases"] = {
        kind: {
            sec: [(normalize(p.rstrip("*")), p.endswith("*")) for p in phrases]
            for sec, phrases in data["cues"][kind].items()
        }
        for kind in ("title", "body")
    }
    return data


# A heading that is nothing but a section's name ("Business Model", "Our Team", "03 Market")
# is the author labelling the slide. The learned weights trust it too little: the heading
# banks teach that heading words can be borrowed ("Business model of 2035" is a vision), and
# on real decks body words then outvote it (eval-dev: "BUSINESS MODEL" read as vision). So
# the name is added on top of the model, unless the slide is a bare section divider
# (fewer than 4 other words), which is `other`. On the training slides, a named heading
# with 4+ other words is that section 61 times in 62.
TITLE_NAME_BOOST = 4.0
_NAME_FILLER = frozenset({"the", "our", "num"})
_SECTION_NAMES = {
    tuple(normalize(name.replace("-", " "))): name for name in SECTIONS if name != "other"
}


def named_section(slide: OcrResult) -> str | None:
    """The section a heading names outright, if the slide has more on it than that name."""
    title = tuple(t for t in normalize(slide.title) if t not in _NAME_FILLER)
    section = _SECTION_NAMES.get(title)
    if section is None:
        return None
    rest = set(normalize(slide.text)) - _STOPWORDS - _NAME_FILLER - set(title)
    return section if len(rest) >= 4 else None


def slide_logits(slide: OcrResult, model: dict | None = None) -> tuple[np.ndarray, dict, dict]:
    model = model or load_model()
    feats, why = features(slide, model["cue_phrases"])
    logits = model["bias"].copy()
    for name, value in feats.items():
        w = model["weights"].get(name)
        if w is not None:
            logits += value * w
    logits /= model["temperature"]
    if section := named_section(slide):
        logits[_INDEX[section]] += TITLE_NAME_BOOST
        feats[f"named:{section}"] = 1.0  # no model weight: only marks the cue for classify_deck
    return logits, feats, why


def log_softmax(x: np.ndarray) -> np.ndarray:
    x = x - x.max(axis=-1, keepdims=True)
    return x - np.log(np.exp(x).sum(axis=-1, keepdims=True))


# --------------------------------------------------------------------------- deck priors

# canonical order of a pitch deck; None: no fixed place (a team or a mission slide comes
# right after the cover in many decks and near the end in others), moves freely
_RANK: dict[str, float | None] = {
    "cover": 0, "problem": 1, "solution": 2, "product": 3, "market": 4,
    "competition": 5, "go-to-market": 6, "business-model": 6, "traction": 6,
    "team": None, "financials": 8, "milestones": 8, "funding": 9, "vision": None,
    "conclusion": 11, "other": None,
}  # fmt: skip


def position_prior(page: int, n_pages: int) -> np.ndarray:
    """Log-prior of each section at this position (page is 0-based)."""
    prior = np.zeros(len(SECTIONS))
    if n_pages < 2:  # a loose slide: its position says nothing
        return prior
    first, last = page == 0, page == n_pages - 1
    prior[_INDEX["cover"]] = 2.5 if first else -2.5
    if first:
        prior[_INDEX["conclusion"]] = -2.0
    rel = page / max(1, n_pages - 1)
    if last and n_pages > 2:
        prior[_INDEX["conclusion"]] = 1.5
    elif rel < 0.7:
        prior[_INDEX["conclusion"]] = -1.0
    return prior


@functools.lru_cache(maxsize=1)
def transition_prior() -> np.ndarray:
    """Log-potential of section b following section a."""
    k = len(SECTIONS)
    trans = np.zeros((k, k))
    for a, ra in _RANK.items():
        for b, rb in _RANK.items():
            i, j = _INDEX[a], _INDEX[b]
            if a == b:
                trans[i, j] = 0.6 if a not in ("cover", "conclusion") else -1.0
            elif ra is not None and rb is not None and rb < ra:
                trans[i, j] = -0.15 * min(4.0, ra - rb)  # going back in the usual order
    trans[_INDEX["solution"], _INDEX["problem"]] -= 0.5  # a problem comes before its solution
    return trans


# --------------------------------------------------------------------------- decoding


def _viterbi(emit: np.ndarray, trans: np.ndarray) -> list[int]:
    n, k = emit.shape
    score = emit[0].copy()
    back = np.zeros((n, k), dtype=np.int64)
    for t in range(1, n):
        cand = score[:, None] + trans  # [prev, next]
        back[t] = cand.argmax(axis=0)
        score = cand.max(axis=0) + emit[t]
    path = [int(score.argmax())]
    for t in range(n - 1, 0, -1):
        path.append(int(back[t, path[-1]]))
    return path[::-1]


def _marginals(emit: np.ndarray, trans: np.ndarray) -> np.ndarray:
    n, k = emit.shape
    alpha = np.zeros((n, k))
    beta = np.zeros((n, k))
    alpha[0] = emit[0]
    for t in range(1, n):
        alpha[t] = emit[t] + np.logaddexp.reduce(alpha[t - 1][:, None] + trans, axis=0)
    for t in range(n - 2, -1, -1):
        beta[t] = np.logaddexp.reduce(trans + (emit[t + 1] + beta[t + 1])[None, :], axis=1)
    post = alpha + beta
    return np.exp(log_softmax(post))


def classify_deck(
    slides: list[OcrResult],
    params: ClassifyParams | None = None,
    curated: dict[int, str] | None = None,
    model: dict | None = None,
) -> list[SectionResult]:
    """Label every slide of one deck (in page order), decoding the deck jointly.

    ``curated``: labels set by hand, by index into ``slides``. They are fixed in the
    decoding, so their neighbours are decoded knowing them (a slide after a curated
    problem is more likely its solution). ``model``: from ``parse_model`` (default:
    the shipped one).
    """
    params = params or ClassifyParams()
    curated = curated or {}
    if not slides:
        return []
    model = model or load_model()
    n = len(slides)
    per_slide = [slide_logits(s, model) for s in slides]
    local = np.stack([log_softmax(logits) for logits, _, _ in per_slide])
    pos = np.stack([position_prior(i, n) for i in range(n)])
    emit = local + params.prior_weight * pos
    for i, label in curated.items():
        emit[i] = np.where(np.arange(len(SECTIONS)) == _INDEX[label], 0.0, -1e9)
    trans = params.prior_weight * transition_prior()
    path = _viterbi(emit, trans)
    post = _marginals(emit, trans)
    results = []
    for i, (label_idx, (_, feats, why)) in enumerate(zip(path, per_slide, strict=True)):
        scores = {s: round(float(post[i, j]), 4) for j, s in enumerate(SECTIONS)}
        label = SECTIONS[label_idx]
        if i in curated:
            guess = int(local[i].argmax())
            cue = f"set by hand in deck.toml (the slide alone reads as {SECTIONS[guess]}"
            results.append(
                SectionResult(label, scores, [f"{cue} {math.exp(local[i, guess]):.2f})"], True)
            )
            continue
        cues = _explain(label_idx, feats, why, model)
        if f"named:{label}" in feats:
            cues.insert(0, f"title names the section: {label}")
        if pos[i, label_idx] > 0:
            cues.append("position: first slide" if i == 0 else "position: last slide")
        if i > 0 and path[i - 1] == label_idx:
            cues.append(f"continues the {label} slides before it")
        if post[i, label_idx] < params.min_confidence:
            cues.append(
                f"scores too flat ({label} {post[i, label_idx]:.2f} < "
                f"{params.min_confidence:.2f}): labelled other"
            )
            label = "other"
        results.append(SectionResult(label=label, scores=scores, cues=cues))
    return results


# how the markers ``normalize`` puts in place of numbers and addresses read in a cue:
# 'text has an amount', 'words in text: revenue, an amount'; quoted, 'title words
# "raising [amount]"'
_MARKER_SHOWN = {
    "num": ("[number]", "a number"),
    "money_num": ("[amount]", "an amount"),
    "pct_num": ("[percent]", "a percentage"),
    "year_num": ("[year]", "a year"),
    "url_addr": ("[web address]", "a web address"),
    "email_addr": ("[e-mail]", "an e-mail address"),
}
_MARKER = re.compile(r"\b(" + "|".join(sorted(_MARKER_SHOWN, key=len, reverse=True)) + r")\b")
_LONE_MARKER = re.compile(r'(text|title) words? "(\w+)"')


def _shown(reason: str) -> str:
    lone = _LONE_MARKER.fullmatch(reason)
    if lone and lone[2] in _MARKER_SHOWN:
        return f"{lone[1]} has {_MARKER_SHOWN[lone[2]][1]}"
    parts = reason.split('"')  # odd parts are quoted
    for i, part in enumerate(parts):
        form = 0 if i % 2 else 1
        parts[i] = _MARKER.sub(lambda m, form=form: _MARKER_SHOWN[m[1]][form], part)
    return '"'.join(parts)


def _explain(label_idx: int, feats: dict, why: dict, model: dict, top: int = 4) -> list[str]:
    """The features that pushed this slide towards its label the most."""
    contrib = []
    for name, value in feats.items():
        w = model["weights"].get(name)
        if w is None or (name.startswith("cb:") and name[3:] != SECTIONS[label_idx]):
            # "milestones words in text" may count towards go-to-market, but read as a
            # reason for it, it says the opposite of what decided
            continue
        margin = value * (w[label_idx] - w.mean())
        if margin > 0.05:
            contrib.append((margin, _shown(why.get(name, name))))
    contrib.sort(reverse=True)
    reasons: list[str] = []
    for _, reason in contrib:  # a word and its Porter stem share one reason
        if reason not in reasons:
            reasons.append(reason)
    return reasons[:top]


def classify_slide(slide: OcrResult, params: ClassifyParams | None = None) -> SectionResult:
    """One slide on its own (no deck context): a deck of one."""
    return classify_deck([slide], params)[0]
