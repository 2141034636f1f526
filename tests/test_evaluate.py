"""deckgen eval: metrics on a tiny labelled set drawn here, and the metric arithmetic."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont
from rich.console import Console

from deckgen import evaluate as ev
from deckgen.classify import ClassifyParams, classify_deck
from deckgen.errors import BadInputError
from deckgen.evaluate import levenshtein, tokens
from deckgen.records import SECTIONS, OcrResult
from deckgen.upscale import UpscaleParams

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
BOLD = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"

DECKS = {
    "acme": [
        ("cover", "Acme Freight", "Trucking without paperwork"),
        ("problem", "The Problem", "Brokers lose days on phone calls"),
        ("team", "Our Team", "Ana CEO and Ben CTO"),
    ],
    "birch": [
        ("cover", "Birch Health", "Clinics that run themselves"),
        ("market", "Market Size", "Clinics spend billions each year"),
    ],
}


def _draw(title: str, body: str) -> bytes:
    image = Image.new("RGB", (960, 540), "white")
    draw = ImageDraw.Draw(image)
    draw.text((50, 40), title, fill="black", font=ImageFont.truetype(BOLD, 54))
    draw.text((50, 220), body, fill="black", font=ImageFont.truetype(FONT, 34))
    image = image.resize((480, 270), Image.LANCZOS)  # as a scraper finds it
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=85)
    return buf.getvalue()


@pytest.fixture(scope="module")
def dataset(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("evalset")
    rows = ["deck_id,page,section,title,has_text_layer,notes"]
    for deck, slides in DECKS.items():
        (root / "lowres" / deck).mkdir(parents=True)
        (root / "truth" / deck).mkdir(parents=True)
        for page, (section, title, body) in enumerate(slides, start=1):
            (root / "lowres" / deck / f"{page:03d}.jpg").write_bytes(_draw(title, body))
            (root / "truth" / deck / f"{page:03d}.txt").write_text(f"{title}\n{body}\n")
            note = "alt: solution" if section == "problem" else ""
            rows.append(f"{deck},{page},{section},{title},true,{note}")
    (root / "labels.csv").write_text("\n".join(rows) + "\n")
    return root


def test_evaluate_runs_the_pipeline_and_scores_it(dataset):
    result = ev.evaluate(dataset, upscale_params=UpscaleParams(method="bicubic"), executor="serial")
    assert result["slides"] == 5 and result["failed"] == []
    o = result["ocr"]
    assert o["slides_scored"] == 5
    assert o["word_recall"] > 0.8 and o["word_precision"] > 0.8
    assert 0 <= o["cer"] < 0.3
    assert result["titles"] == {"slides_scored": 5, "accuracy": 1.0}  # big clear titles
    c = result["classification"]
    truth = [s for slides in DECKS.values() for s, _, _ in slides]
    predicted = [d["predicted"] for d in result["slides_detail"]]
    assert c["accuracy"] == pytest.approx(
        sum(t == p for t, p in zip(truth, predicted, strict=True)) / 5, abs=1e-4
    )
    assert c["accuracy"] >= 0.8  # big clear titles: cover, problem, team, market
    assert sum(sum(row.values()) for row in c["confusion"].values()) == 5
    assert c["per_class"]["cover"]["support"] == 2
    assert result["seconds_per_slide"]["ocr_median"] > 0
    assert result["params"]["upscale"] == "bicubic"
    # an "other" given for flat scores reports the top score it distrusted, not other's own
    distrusted = ev.evaluate(dataset, upscale_params=UpscaleParams(method="bicubic"),
                             classify_params=ClassifyParams(min_confidence=1.01),
                             executor="serial")["slides_detail"]
    assert {d["predicted"] for d in distrusted} == {"other"}
    for d, before in zip(distrusted, result["slides_detail"], strict=True):
        assert d["confidence"] == before["confidence"] > 0.25

    console = Console(file=io.StringIO(), width=140)
    ev.print_report(result, console=console)
    shown = console.file.getvalue()
    assert "OCR word recall" in shown and "macro-F1" in shown and "confusion" in shown
    assert "titles found" in shown


def test_cli_eval_shows_progress_in_a_log_and_keeps_json_on_stdout(dataset, tmp_path):
    """QA-53: eval OCRs every slide (minutes) and printed nothing until its report."""
    import json
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "TTY_COMPATIBLE")}
    done = subprocess.run(
        [sys.executable, "-m", "deckgen.cli", "eval", str(dataset), "--upscale", "bicubic",
         "--json"], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["slides"] == 5  # stdout: the JSON and nothing else
    lines = done.stderr.splitlines()
    assert lines and all(line.startswith("upscale + ocr: ") for line in lines), done.stderr
    assert lines[-1].startswith("upscale + ocr: 5/5 (")
    assert "\x1b" not in done.stderr and "\r" not in done.stderr


def test_title_scores_compare_words_and_skip_unlabelled_slides(tmp_path):
    items = [
        ev._Item("d", page, "team", None, tmp_path, None, title)
        for page, title in enumerate(["Technology / IP", "TEAM AND ADVISORS", None, "Market"])
    ]
    ours = ["technology ip", "ADVISORS", "anything", "Market size"]
    assert ev._title_scores(items, ours) == {"slides_scored": 3, "accuracy": 0.3333}


def test_report_fits_all_sections_in_80_columns_and_lists_the_mistakes():
    truth = list(SECTIONS)
    pred = truth[1:] + truth[:1]  # every slide wrong: all 16 rows and columns are used
    result = {
        "dataset": "set", "slides": 16, "failed": [],
        "ocr": {"word_recall": 0.9, "word_precision": 0.9, "cer": 0.1, "slides_scored": 16,
                "median_slide_recall": 0.95},
        "params": {"upscale_used": {"x4": 10, "x2": 6}},
        "titles": {"accuracy": 0.5, "slides_scored": 16},
        "classification": ev._classification_scores(truth, pred, [None] * 16),
        "review": {"errors": 16, "checked": [
            {"share": 0.3, "checked": 5, "errors_found": 5, "accuracy_after": 0.3125}],
            "unsure": {"slides": 16, "right": 0}, "sure": {"slides": 0, "right": 0}},
        "seconds_per_slide": {"upscale_median": 0.2, "ocr_median": 0.3, "classify_mean": 0.01},
        "slides_detail": [
            {"slide": f"d/{i:03d}", "truth": t, "predicted": p, "alt": None,
             "confidence": 0.4, "title": f"Title {i}", "cues": []}
            for i, (t, p) in enumerate(zip(truth, pred, strict=True))
        ],
    }  # fmt: skip
    console = Console(file=io.StringIO(), width=80)
    ev.print_report(result, console=console)
    lines = console.file.getvalue().splitlines()
    assert max(len(line) for line in lines) <= 80
    header = next(line for line in lines if line.lstrip().startswith("cov prb"))
    assert header.split() == [ev._SHORT[s] for s in SECTIONS]
    assert "mislabelled slides (16)" in "\n".join(lines)
    assert any("errors among the 30% least sure (5)" in ln and "5 of 16" in ln for ln in lines)
    assert any("right where the label scored < 0.5 (unsure)" in ln and "0 of 16" in ln
               for ln in lines)
    assert any("d/015" in line and "Title 15" in line for line in lines)
    assert any("OCR recall, median slide" in ln and "0.950" in ln for ln in lines)
    assert any("upscale used" in ln and "x4 10, x2 6" in ln for ln in lines)


def test_report_shows_ocr_titles_as_written_even_when_they_look_like_markup():
    detail = {"slide": "d/001", "truth": "team", "predicted": "market", "alt": None,
              "confidence": 0.4, "title": "[/b] Team [draft]", "cues": [],
              "title_labelled": "[bold]Our team[/bold]"}
    result = {
        "dataset": "set", "slides": 1, "failed": [{"slide": "d/002", "reason": "bad [x]"}],
        "ocr": {"word_recall": 0.9, "word_precision": 0.9, "cer": 0.1, "slides_scored": 1,
                "median_slide_recall": None},
        "params": {"upscale_used": {}},
        "titles": {"accuracy": 0.0, "slides_scored": 1},
        "classification": ev._classification_scores(["team"], ["market"], [None]),
        "review": {"errors": 1, "checked": [], "unsure": {"slides": 1, "right": 0},
                   "sure": {"slides": 0, "right": 0}},
        "seconds_per_slide": {"upscale_median": 0.2, "ocr_median": 0.3, "classify_mean": 0.01},
        "slides_detail": [detail],
    }  # fmt: skip
    console = Console(file=io.StringIO(), width=120)  # markup on, as rich's default
    ev.print_report(result, console=console)
    shown = console.file.getvalue()
    assert "[/b] Team [draft]" in shown and "d/002: bad [x]" in shown
    # the labelled title beside the one read, for a slide whose title was read differently
    assert "titles read differently (1)" in shown and "[bold]Our team[/bold]" in shown


def test_review_finds_the_unsure_slide_and_scores_the_deck_once_it_is_set_by_hand(tmp_path):
    def ocr_of(title, body):
        return OcrResult(text=f"{title}\n{body}".strip(), title=title, mean_confidence=90.0)

    deck = [
        ("cover", ocr_of("Acme Robotics", "Robots for small warehouses")),
        ("problem", ocr_of("The Problem", "Pickers walk 10 miles a day; labour is scarce")),
        ("solution", ocr_of("", "lorem ipsum dolor sit amet")),
        ("team", ocr_of("Team", "CEO formerly at a logistics company; CTO PhD in robotics")),
    ]
    items = [ev._Item("d", p, s, None, tmp_path, None, None) for p, (s, _) in enumerate(deck, 1)]
    slides = [o for _, o in deck]
    predictions = classify_deck(slides)
    assert [p.label for p in predictions][::3] == ["cover", "team"]
    assert predictions[2].label != "solution"  # nothing on it says so
    review = ev._review_scores(items, predictions, {"d": ([0, 1, 2, 3], slides)},
                               ClassifyParams(), shares=(0.25, 1.0))  # fmt: skip
    wrong = sum(p.label != s for p, (s, _) in zip(predictions, deck, strict=True))
    assert review["errors"] == wrong
    assert review["checked"][0] == {
        "share": 0.25, "checked": 1, "errors_found": 1, "accuracy_after": (5 - wrong) / 4
    }
    assert review["checked"][1]["accuracy_after"] == 1.0
    unsure = [p.label == s for p, (s, _) in zip(predictions, deck, strict=True) if p.unsure]
    assert predictions[2].unsure and unsure  # the lorem ipsum slide
    assert review["unsure"] == {"slides": len(unsure), "right": sum(unsure)}
    assert review["sure"]["slides"] + len(unsure) == 4


def test_classification_scores_by_hand():
    truth = ["problem", "problem", "team", "market"]
    pred = ["problem", "solution", "team", "team"]
    alts = [None, "solution", None, None]
    m = ev._classification_scores(truth, pred, alts)
    assert m["accuracy"] == 0.5
    assert m["accuracy_with_alt"] == 0.75
    assert m["per_class"]["problem"] == {
        "precision": 1.0,
        "recall": 0.5,
        "f1": 0.6667,
        "support": 2,
    }
    assert m["per_class"]["team"]["precision"] == 0.5
    # macro over the sections in the labels: problem 0.667, team 0.667, market 0
    assert m["macro_f1"] == pytest.approx((2 / 3 + 2 / 3 + 0) / 3, abs=1e-3)
    assert m["confusion"]["market"]["team"] == 1


def test_words_and_edit_distance():
    assert tokens("The $4.2B market, a 40% CAGR!") == ["the", "2b", "market", "40", "cagr"]
    assert levenshtein("kitten", "sitting") == 3
    assert levenshtein("", "abc") == 3
    assert levenshtein("same", "same") == 0


def test_words_of_other_languages_are_scored_whole():
    # [a-z0-9]+ scored "Lösung" as "sung", a Hindi or Arabic slide as no words at all, and a
    # title in those scripts was "found" whatever was read (no words == no words)
    assert tokens("Die Lösung: 30 % günstiger") == ["die", "losung", "30", "gunstiger"]
    assert tokens("बाज़ार का आकार") == ["बाजार", "का", "आकार"]  # as search reads it: no nukta
    assert tokens("السُّوق ٢٠٢٥") == ["السوق", "2025"]
    assert tokens("東京都の会社") == ["東京", "京都", "都の", "の会", "会社"]  # as search cuts it
    assert ev._title_scores([ev._Item("d", 1, "market", None, Path("."), None, "बाज़ार का आकार")],
                            ["बाजार"]) == {"slides_scored": 1, "accuracy": 0.0}


def test_missing_labels_is_a_clear_error(tmp_path):
    with pytest.raises(BadInputError, match="labels.csv"):
        ev.load_dataset(tmp_path)
    (tmp_path / "labels.csv").write_text("deck_id,page,section\nx,1,cover\n")
    with pytest.raises(BadInputError, match="no image for x page 1"):
        ev.load_dataset(tmp_path)


@pytest.mark.parametrize(
    ("labels", "error"),
    [
        (b"deck_id,page,section\nx,1,cover\nx,2,pricing\n",
         "line 3: 'pricing' is not a section .one of cover,"),
        (b"deck_id,page,section\nx,two,cover\n", "line 2: page 'two' is not a number"),
        (b"deck,page,label\nx,1,cover\n", "no deck_id, section column"),
        (b"deck_id,page,section\n", "lists no slides"),
        (b"deck_id,page,section,notes\nx,1,cover,caf\xe9\n",
         r"not UTF-8 text \(byte 40\); save it as UTF-8"),
        # row 2 spans two lines: the error names the file's line, not the row
        (b'deck_id,page,section,notes\nx,1,cover,"two\nlines"\nx,1,?\n',
         r"line 4: '\?' is not a section"),
        (b"deck_id,page,section\nx,1,cover\nx,01,problem\n",
         "line 3: x page 1 is already listed on line 2"),
        (b"deck_id,page,section\n,1,cover\n", "line 2: no deck_id"),
        (b"deck_id,page,section\nx,1\n", "line 2: '' is not a section"),
        ("deck_id,page,section\nx,\u00b2,cover\n".encode(), "line 2: page '\u00b2' is not"),
    ],
)  # fmt: skip
def test_bad_labels_are_a_one_line_error_naming_the_line(tmp_path, labels, error):
    (tmp_path / "lowres" / "x").mkdir(parents=True)
    (tmp_path / "lowres" / "x" / "1.jpg").write_bytes(b"")
    (tmp_path / "labels.csv").write_bytes(labels)
    with pytest.raises(BadInputError, match=error):
        ev.load_dataset(tmp_path)


def test_eval_checks_its_options_before_reading_any_slide(tmp_path):
    from deckgen.errors import ConfigError
    from deckgen.upscale import UpscaleParams

    (tmp_path / "labels.csv").write_text("deck_id,page,section\nx,1,cover\n")
    with pytest.raises(ConfigError, match="unknown upscale method 'bogus'"):
        ev.evaluate(tmp_path, UpscaleParams(method="bogus"))


def test_labels_written_by_hand_or_by_a_spreadsheet_are_read(tmp_path):
    (tmp_path / "lowres" / "x").mkdir(parents=True)
    for page in (1, 2):
        (tmp_path / "lowres" / "x" / f"{page}.jpg").write_bytes(b"")
    (tmp_path / "labels.csv").write_bytes(
        "deck_id,page,section,notes\r\nx,1, Business Model ,alt: go-to-market\r\n"
        "x,2,go_to_market,\r\n".encode("utf-8-sig")
    )
    items = ev.load_dataset(tmp_path)
    assert [(it.page, it.section, it.alt) for it in items] == [
        (1, "business-model", "go-to-market"),
        (2, "go-to-market", None),
    ]


def test_eval_runs_without_the_training_package():
    import subprocess
    import sys

    # `deckgen eval` is a command users run; deckgen.training is how the models were made
    loaded = subprocess.run(
        [sys.executable, "-c", "import sys, deckgen.cli_measure, deckgen.evaluate; print(sorted("
         "m for m in sys.modules if m.startswith('deckgen.training')))"],
        capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == "[]"
