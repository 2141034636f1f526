"""Section classification on hand-written OCR-like texts, and the deck-level decoding."""

from __future__ import annotations

import json
import re
from importlib import resources

import numpy as np
import pytest

from deckgen import classify
from deckgen.classify import ClassifyParams, classify_deck, classify_slide
from deckgen.records import SECTIONS, OcrResult


def slide(title: str, body: str = "") -> OcrResult:
    text = "\n".join(t for t in (title, body) if t)
    return OcrResult(text=text, title=title, mean_confidence=90.0)


@pytest.mark.parametrize(
    ("title", "body", "expected"),
    [
        (
            "The Problem",
            "Clinics lose hours every week to manual paperwork and missed calls",
            "problem",
        ),
        ("Our Solution", "An assistant that books and reminds patients automatically", "solution"),
        ("Market Size", "TAM $40B SAM $6B SOM $300M growing 12% CAGR", "market"),
        (
            "Competitive Landscape",
            "Incumbents are expensive; alternatives lack an API",
            "competition",
        ),
        (
            "Business Model",
            "Subscription $99 per clinic per month, 80% gross margin",
            "business-model",
        ),
        ("Traction", "MRR $60k growing 15% month over month, 300 paying customers", "traction"),
        ("Meet the Team", "Jane Roe CEO previously at a bank; John Doe CTO PhD", "team"),
        ("Financial Projections", "Revenue 2026 $2M 2027 $6M EBITDA positive 2028", "financials"),
        ("The Ask", "Raising $3M seed, use of funds: engineering 50%, sales 30%", "funding"),
        ("Roadmap", "Q1 launch beta Q2 mobile app Q3 integrations Q4 Series A", "milestones"),
        (
            "Go-to-market",
            "Channel partners, inbound marketing and a direct sales team",
            "go-to-market",
        ),
        ("Thank you", "jane@example.com www.example.com", "conclusion"),
    ],
)
def test_single_slides_get_their_section(title, body, expected):
    result = classify_slide(slide(title, body))
    assert result.label == expected, result.cues


def test_ocr_slips_in_a_title_still_match():
    assert classify_slide(slide("The Selution", "")).label == "solution"


def test_scores_are_probabilities_over_all_sections():
    result = classify_slide(slide("Team", "CEO CTO founders"))
    assert set(result.scores) == set(SECTIONS)
    assert sum(result.scores.values()) == pytest.approx(1.0, abs=1e-3)
    assert all(0.0 <= v <= 1.0 for v in result.scores.values())
    assert result.scores["team"] == max(result.scores.values())


def test_cues_say_why_in_words():
    result = classify_slide(slide("The Problem", "Manual paperwork is slow and expensive"))
    assert any('title matches "problem"' in cue for cue in result.cues), result.cues


@pytest.mark.parametrize(("title", "body", "shown"), [
    ("Contact us", "jo@acme.com www.acme.io", ["text has an e-mail address",
                                                "text has a web address"]),
    ("Financials", "Revenue $2.5M in 2023, 45% margin", ["revenue, an amount, a year"]),
])
def test_cues_show_numbers_and_addresses_as_such(title, body, shown):
    cues = " | ".join(classify_slide(slide(title, body)).cues)
    assert all(marker in cues for marker in shown), cues
    assert not any(inner in cues for inner in ("_num", "_addr", '"num"')), cues


def test_a_marker_inside_quoted_words_keeps_its_place():
    from deckgen.classify import _shown

    assert _shown('title words "raising money_num"') == 'title words "raising [amount]"'
    assert _shown('text word "pct_num"') == "text has a percentage"


def test_cues_never_name_another_section_as_the_reason():
    # milestone words ("expand", years) push this slide towards go-to-market; a cue
    # "milestones words in text" would read as a reason against its label
    result = classify_slide(slide(
        "WE LAND AND EXPAND",
        "Percentage of MRR retained relative to starting month\n6/1/2014 7/1/2014 2015\n"
        "150% annual expansion: the land and expand strategy works"))
    named = [cue for cue in result.cues if re.match(r"[\w-]+ words in text", cue)]
    assert all(cue.startswith(f"{result.label} words") for cue in named), result.cues
    assert result.cues  # the other reasons are still given


def test_flat_scores_become_other():
    vague = slide("", "lorem ipsum dolor sit amet")
    sure = classify_slide(vague, ClassifyParams(min_confidence=0.0))
    assert sure.label != "other" or max(sure.scores.values()) < 1.0
    unsure = classify_slide(vague, ClassifyParams(min_confidence=0.99))
    assert unsure.label == "other"
    assert any("too flat" in cue for cue in unsure.cues)


def test_a_heading_that_names_its_section_outweighs_the_body(monkeypatch):
    # body words of a vision slide under a plain "BUSINESS MODEL" heading (a real-deck error)
    body = (
        "Licensing to growers\nPilot production 2026-2028\nFood companies and farms "
        "worldwide\nOpen research partners\nA future without waste"
    )
    named = classify_slide(slide("BUSINESS MODEL", body))
    assert named.label == "business-model"
    assert named.cues[0] == "title names the section: business-model"
    monkeypatch.setattr(classify, "TITLE_NAME_BOOST", 0.0)
    assert classify_slide(slide("BUSINESS MODEL", body)).label != "business-model"


@pytest.mark.parametrize(
    ("title", "body", "named"),
    [
        ("Our Team", "Ada Quell CEO, ex-Stripe\nBo Lind CTO, built payments", "team"),
        ("03 Market", "TAM $40B SAM $6B SOM $300M in five years", "market"),
        ("Go-to-Market", "Channel partners, inside sales and a self-serve trial", "go-to-market"),
        ("Problem", "02", None),  # a bare section divider is not the section
        ("The problem with hiring", "Recruiters spend weeks on every role", None),
    ],
)
def test_named_section_needs_the_whole_heading_and_a_slide_behind_it(title, body, named):
    assert classify.named_section(slide(title, body)) == named


def test_deck_position_decides_cover_and_conclusion():
    deck = [
        slide("Acme Robotics", "Robots for small warehouses"),
        slide("The Problem", "Pickers walk 10 miles a day; labour is scarce and expensive"),
        slide("Our Solution", "Robots bring shelves to the pickers"),
        slide("Team", "CEO formerly at a logistics company; CTO PhD in robotics"),
        slide("Acme Robotics", "hello@acme.example"),
    ]
    labels = [r.label for r in classify_deck(deck)]
    assert labels[0] == "cover"
    assert labels[1:4] == ["problem", "solution", "team"]
    assert labels[-1] == "conclusion"
    # the same text in the middle of a deck is not a cover
    middle = classify_deck([deck[1], deck[0], deck[2], deck[3]])
    assert middle[1].label != "cover"
    assert any("position: first slide" in c for c in classify_deck(deck)[0].cues)


def test_a_label_set_by_hand_wins_and_its_neighbours_are_decoded_knowing_it():
    deck = [
        slide("Acme Robotics", "Robots for small warehouses"),
        slide("Our Solution", "Robots bring shelves to the pickers"),
        slide("", "lorem ipsum dolor sit amet"),
        slide("Team", "CEO formerly at a logistics company; CTO PhD in robotics"),
    ]
    alone = classify_deck(deck)
    assert alone[1].label == "solution" and not alone[1].curated
    fixed = classify_deck(deck, curated={1: "product"})
    assert fixed[1].label == "product" and fixed[1].curated
    assert fixed[1].scores["product"] == 1.0
    assert fixed[1].cues[0].startswith("set by hand in deck.toml (the slide alone reads as sol")
    assert [r.label for r in fixed[::3]] == [r.label for r in alone[::3]] == ["cover", "team"]
    assert not any(r.curated for r in fixed[::2])
    # the slide after it leans towards continuing the hand-set section: fixed in the decoding
    assert fixed[2].scores["product"] > alone[2].scores["product"]


def test_viterbi_does_not_go_back_from_solution_to_problem():
    k = len(SECTIONS)
    p, s, m = (SECTIONS.index(x) for x in ("problem", "solution", "market"))
    trans = classify.transition_prior()
    assert trans[p, s] > trans[s, p]
    emit = np.full((2, k), -10.0)
    emit[0, s] = 0.0  # a clear solution slide ...
    emit[1, [p, m]] = 0.0  # ... then one that reads as problem or market equally
    assert [SECTIONS[i] for i in classify._viterbi(emit, trans)] == ["solution", "market"]
    marg = classify._marginals(emit, trans)
    assert marg[1, m] > marg[1, p]
    assert np.allclose(marg.sum(axis=1), 1.0)


def test_viterbi_matches_brute_force_on_a_small_chain():
    rng = np.random.default_rng(3)
    k = 4
    emit = rng.normal(size=(4, k))
    trans = rng.normal(size=(k, k))
    best, best_path = -np.inf, None
    for a in range(k):
        for b in range(k):
            for c in range(k):
                for d in range(k):
                    path = (a, b, c, d)
                    score = sum(emit[i, path[i]] for i in range(4))
                    score += sum(trans[path[i], path[i + 1]] for i in range(3))
                    if score > best:
                        best, best_path = score, list(path)
    assert classify._viterbi(emit, trans) == best_path


def test_empty_deck_and_empty_slides():
    assert classify_deck([]) == []
    result = classify_deck([slide(""), slide("")])
    assert len(result) == 2 and all(r.label in SECTIONS for r in result)


def test_normalize_marks_numbers_money_and_contacts():
    tokens = classify.normalize("Raised $2.5M, 40% MoM in 2024 - mail ceo@acme.io or www.acme.io")
    assert {"money_num", "pct_num", "year_num", "email_addr", "url_addr"} <= set(tokens)


def test_words_in_other_letters_stay_whole_words_the_model_does_not_know():
    # cut at the first letter outside a-z, "L'équipe" gave the title word "l" and
    # "Levée de fonds" the word "e", and German and French slides got confident labels
    assert classify.normalize("Unsere Lösung: Marktgröße") == ["unsere", "lösung", "marktgröße"]
    assert classify.normalize("Éco-Vélo Levée") == ["éco", "vélo", "levée"]
    assert classify.normalize("市場規模 Москва") == ["市場規模", "москва"]


def test_a_build_without_english_is_told_the_labels_are_weak_guesses():
    assert classify.language_note("eng") is None and classify.language_note("eng+osd") is None
    for lang in ("deu+fra", "eng+deu"):  # German decks are often read as eng+deu
        note = classify.language_note(lang)
        assert note and "model of English slides" in note and f"--lang {lang}" in note


def test_hyphenated_words_split_like_spaced_ones():
    assert classify.normalize("Use-Cases") == classify.normalize("use cases")
    assert classify.normalize("go-to-market co-founder") == ["go", "to", "market", "cofounder"]


@pytest.mark.parametrize(
    ("title", "body", "expected"),
    [
        # a claim as the heading: the metrics underneath say traction
        (
            "Momentum",
            "Revenue doubled in 6 months, churn under 1%, 400 paying customers",
            "traction",
        ),
        ("Use-Cases", "Dispatch, reporting and live tracking from one screen", "product"),
        ("Pricing", "$29 per user per month, annual plans, enterprise tier", "business-model"),
    ],
)
def test_varied_headings_get_their_section(title, body, expected):
    result = classify_slide(slide(title, body))
    assert result.label == expected, result.cues


def test_shipped_model_is_complete_and_needs_no_ml_runtime():
    raw = resources.files("deckgen").joinpath("models/classifier.json").read_text("utf-8")
    model = json.loads(raw)
    assert model["classes"] == list(SECTIONS)
    assert all(len(w) == len(SECTIONS) for w in model["weights"].values())
    assert model["temperature"] > 0
    assert set(model["cues"]["title"]) == set(SECTIONS)


def test_training_slides_parse_and_cover_every_section():
    from collections import Counter

    from deckgen.training.classifier import HERE, hand_written_slides

    assert len(list(HERE.glob("slides*.txt"))) >= 3  # textbook slides plus real-deck styles
    counts = Counter(section for section, _, _ in hand_written_slides())
    assert set(counts) == set(SECTIONS)
    assert min(counts.values()) >= 20
    model = json.loads(
        resources.files("deckgen").joinpath("models/classifier.json").read_text("utf-8")
    )
    # the shipped model was trained on exactly these files (plus the sample decks)
    assert sum(counts.values()) < model["training"]["examples"]
    for section, n in counts.items():
        assert model["training"]["per_section"][section] >= n


def test_word_features_carry_their_porter_stem_and_one_reason():
    slide = OcrResult(
        text="Competitive landscape", title="Competitive landscape", mean_confidence=90.0
    )
    feats, why = classify.features(slide, classify.load_model()["cue_phrases"])
    # "competitive" and the training slides' "competition" share the stem "competit"
    assert feats["t:competitive"] == feats["tp:competit"] == 1.0
    assert "tp:competit_landscap" in feats
    result = classify_slide(slide)
    assert result.label == "competition"
    assert len(result.cues) == len(set(result.cues))  # a word and its stem: one reason


def test_sparse_design_matrix_multiplies_like_the_dense_one():
    from deckgen.training.classifier import _matrix

    rows = [{"a": 1.0, "c": 2.0}, {}, {"b": 0.5, "zz-not-in-vocab": 9.0}, {"a": -1.0}]
    vocab = {"a": 0, "b": 1, "c": 2}
    x = _matrix(rows, vocab)
    dense = np.array([[1.0, 0, 2.0], [0, 0, 0], [0, 0.5, 0], [-1.0, 0, 0]])
    w = np.arange(6, dtype=float).reshape(3, 2)
    g = np.arange(8, dtype=float).reshape(4, 2) - 3
    assert x.shape == dense.shape
    assert np.allclose(x @ w, dense @ w)
    assert np.allclose(x.t_matmul(g), dense.T @ g)
    keep = np.array([True, False, True, True])
    assert np.allclose(x.take(keep) @ w, dense[keep] @ w)


def test_training_fit_separates_two_sections_by_their_words():
    from deckgen.training.classifier import _matrix, fit

    vocab = {"w:team": 0, "w:market": 1}
    x = _matrix([{"w:team": 1.0}, {"w:market": 1.0}] * 5, vocab)
    y = np.array([SECTIONS.index("team"), SECTIONS.index("market")] * 5)
    w, b = fit(x, y, l2=0.0001, steps=100)
    assert ((x @ w + b).argmax(axis=1) == y).all()


# --- retraining on the slides labelled by hand in a dataset bundle ------------------------------

def _curated_bundle(tmp_path):
    """A real dataset bundle ([bundle] open_only) with one label set by hand in a deck not
    marked fictional, one in a fictional deck, and a deck with no open licence left out."""
    from dataclasses import replace

    from test_bundle import _jpeg, _png_upscaled, _slide  # a sibling test module

    from deckgen.bundle import build_bundle
    from deckgen.bundle_images import encode_upscaled
    from deckgen.config import BundleParams, Config
    from deckgen.records import DeckMeta

    def by_hand(deck: str, page: int, label: str):
        made = _slide(deck, page)
        return replace(made, section=replace(made.section, label=label, curated=True))

    slides = [by_hand("real-co", 1, "market"), _slide("real-co", 2),
              by_hand("made-up", 1, "team"), by_hand("closed-co", 1, "traction")]
    decks = {"real-co": DeckMeta("real-co", license="CC-BY-4.0"),  # fictional not stated
             "made-up": DeckMeta("made-up", license="CC0-1.0", fictional=True),
             "closed-co": DeckMeta("closed-co", license="All rights reserved", fictional=False)}
    sources = {s.id: _jpeg(s.page + len(s.deck)) for s in slides}
    info = build_bundle(
        slides, decks, lambda s: sources[s.id],
        lambda s: encode_upscaled(_png_upscaled(sources[s.id]), "webp"), tmp_path,
        config=Config(bundle=BundleParams(open_only=True)))
    return tmp_path / info["file"].split("/", 1)[1]


def test_retraining_leaves_out_fictional_decks_and_says_what_the_bundle_lacks(tmp_path):
    from deckgen.training.classifier import curated_examples, curated_summary, read_curated

    bundle = _curated_bundle(tmp_path)
    assert [s for s, _, _ in curated_examples(bundle)] == ["market"]  # real-co/001 only
    assert sorted(s for s, _, _ in curated_examples(bundle, with_fictional=True)) == [
        "market", "team"]
    slides = read_curated(bundle)
    assert slides.fictional_decks == ["made-up"] and slides.left_out_not_open == ["closed-co"]
    summary = "\n".join(curated_summary(bundle, slides, with_fictional=False))
    assert "1 slide of real decks labelled by hand" in summary
    assert ("left out: 1 slide labelled by hand in 1 fictional deck (made-up: fictional = "
            "true, invented text), not real-deck data (--with-fictional learns them)") in summary
    assert ("not in the bundle: 1 deck with no open licence ([bundle] open_only = true; its "
            "provenance.json and card name them: closed-co)") in summary


def test_retraining_on_fictional_hand_labels_only_says_why_there_is_nothing_to_learn(tmp_path):
    import subprocess
    import sys

    from deckgen.training.classifier import read_curated

    bundle = _curated_bundle(tmp_path)
    assert read_curated(bundle).real  # the real deck's label: drop it from a copy of the rows
    rows_only_fictional = tmp_path / "fictional-only.tar.gz"
    _rewrite_rows(bundle, rows_only_fictional, keep=lambda row: row["fictional"] is True)
    out = tmp_path / "model.json"
    run = subprocess.run([sys.executable, "-m", "deckgen.training.classifier", "--curated",
                          str(rows_only_fictional), "--out", str(out)],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 1 and "nothing to learn" in run.stderr, run.stderr
    assert "left out: 1 slide labelled by hand in 1 fictional deck" in run.stdout
    assert not out.exists()


def _rewrite_rows(src, dst, keep) -> None:
    """A copy of bundle ``src`` whose metadata.jsonl keeps only the rows ``keep`` accepts."""
    import io
    import tarfile

    with tarfile.open(src, "r:gz") as tar_in, tarfile.open(dst, "w:gz") as tar_out:
        for member in tar_in.getmembers():
            data = tar_in.extractfile(member).read() if member.isfile() else b""  # type: ignore[union-attr]
            if member.name.endswith("/metadata.jsonl"):
                lines = [ln for ln in data.decode().splitlines() if keep(json.loads(ln))]
                data = "".join(ln + "\n" for ln in lines).encode()
                member.size = len(data)
            tar_out.addfile(member, io.BytesIO(data) if member.isfile() else None)
