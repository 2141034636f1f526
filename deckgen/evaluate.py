"""Measure OCR and classification on a labelled set (the format of ``../shared/eval-dev``).

    DIR/labels.csv                 deck_id,page,section[,title,has_text_layer,notes]
    DIR/lowres/<deck>/<page>.jpg   the slide as a scraper finds it (page: 001.jpg or 1.jpg)
    DIR/truth/<deck>/<page>.txt    optional: the slide's true text

Every slide runs the real per-slide pipeline (``upscale`` -> ``ocr``), then
each deck is classified jointly with ``classify_deck``.

OCR words are lower-case alphanumeric tokens of 2+ characters in any script
(``tokens``: Latin accents folded, Chinese, Japanese and Thai as pairs
of characters), compared as multisets: recall = share of truth words the OCR found,
precision = share of OCR words that are in the truth (both pooled over all slides with
truth text).
CER is the edit distance between the two word sequences (joined by single
spaces) over the truth length, so it also counts reading-order mistakes.
Titles, when labels.csv gives them, count as found when the title read from the
layout has the same words (lower-cased, punctuation dropped) as the labelled one.
``review`` measures the hand-checking loop (``deckgen review``): of the 10, 20 and
30 % least sure slides, how many are wrong, and the accuracy once those are set
by hand (their decks decoded again around them); and how many labels are right
among those the site marks unsure (label scored under ``UNSURE_BELOW``) and the rest.
Macro-F1 averages over the sections present in the labels. ``notes`` of the
form ``alt: <section>`` give an accepted second label (``accuracy_with_alt``).
"""

from __future__ import annotations

import csv
import io
import re
import statistics
import time
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from deckgen import classify, ocr, ocr_layout, upscale
from deckgen.errors import BadInputError
from deckgen.executor import TaskFailure, make_executor
from deckgen.progress import SILENT, Progress
from deckgen.records import (
    SECTIONS,
    UNSURE_BELOW,
    OcrResult,
    SectionResult,
    section_named,
)
from deckgen.text import JOINERS, MARKS, fold, search_pieces

_ALT = re.compile(r"alt:\s*([a-z-]+)")


# letters, digits and marks of any script, not "_": "équipe" is "equipe" (it was "quipe"),
# "बाज़ार" whole; a sign beside a word is not part of it ("Acme™" is "acme")
_WORD = re.compile(f"(?:[^\\W_]|[{MARKS}{JOINERS}])+")


def tokens(text: str) -> list[str]:
    """The words OCR is scored on (the module docstring says which), in reading order."""
    words = _WORD.findall(fold(text.lower()))
    return [piece for word in words for piece, _, _ in search_pieces(word) if len(piece) >= 2]


def word_scores(truth: str, ocr: str) -> tuple[int, int, int]:
    """(truth words found, truth words, OCR words), multiset matching."""
    want, got = Counter(tokens(truth)), Counter(tokens(ocr))
    hit = sum(min(n, got[word]) for word, n in want.items())
    return hit, sum(want.values()), sum(got.values())


def levenshtein(a: str, b: str) -> int:
    """Edit distance, one NumPy row at a time (O(len(a)) vector operations)."""
    if not b:
        return len(a)
    target = np.frombuffer(b.encode("utf-32-le"), dtype=np.uint32)
    index = np.arange(len(b) + 1)
    row = index.copy()
    for i, char in enumerate(a, start=1):
        cost = (target != ord(char)).astype(np.int64)
        best = np.empty_like(row)
        best[0] = i
        best[1:] = np.minimum(row[1:] + 1, row[:-1] + cost)
        # insertions: best[j] = min_k (best[k] + j - k), a running minimum
        row = np.minimum.accumulate(best - index) + index
    return int(row[-1])


@dataclass(frozen=True)
class _Item:
    deck: str
    page: int
    section: str
    alt: str | None
    image: Path
    truth: str | None
    title: str | None


@dataclass(frozen=True)
class _Task:
    image: str
    upscale_params: upscale.UpscaleParams
    ocr_params: ocr.OcrParams


def _run_slide(task: _Task) -> dict[str, Any]:
    png, up = upscale.upscale(Path(task.image).read_bytes(), task.upscale_params)
    result = ocr.ocr(png, task.ocr_params, scale=up.scale)
    return {"ocr": result.to_dict(), "upscale_seconds": up.seconds, "method": up.method}


def _find(folder: Path, page: int, suffixes: tuple[str, ...]) -> Path | None:
    for stem in (f"{page:03d}", f"{page:02d}", str(page)):
        for suffix in suffixes:
            path = folder / f"{stem}{suffix}"
            if path.exists():
                return path
    return None


def load_dataset(dataset_dir: Path) -> list[_Item]:
    labels = dataset_dir / "labels.csv"
    if not labels.exists():
        raise BadInputError(f"{labels} not found: a labelled set needs labels.csv and lowres/")
    items = []
    try:
        text = labels.read_bytes().decode("utf-8-sig")  # -sig: a spreadsheet's byte-order mark
    except UnicodeDecodeError as exc:
        raise BadInputError(
            f"{labels} is not UTF-8 text (byte {exc.start}); save it as UTF-8 CSV"
        ) from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    if reader.fieldnames:  # "deck_id, page, section" as a spreadsheet may write it
        reader.fieldnames = [name.strip() for name in reader.fieldnames]
    missing = {"deck_id", "page", "section"} - set(reader.fieldnames or ())
    if missing:
        raise BadInputError(
            f"{labels}: no {', '.join(sorted(missing))} column; the header must start "
            "deck_id,page,section"
        )
    seen: dict[tuple[str, int], int] = {}
    for row in reader:
        line = reader.line_num  # the row's last line in the file (a quoted field may span lines)
        deck, page_text = (row["deck_id"] or "").strip(), (row["page"] or "").strip()
        section = section_named(row["section"])
        if not deck:
            raise BadInputError(f"{labels} line {line}: no deck_id")
        if not re.fullmatch(r"[0-9]{1,4}", page_text):
            raise BadInputError(f"{labels} line {line}: page {page_text!r} is not a number")
        page = int(page_text)
        if section is None:
            raise BadInputError(
                f"{labels} line {line}: {row['section'] or ''!r} is not a section "
                f"(one of {', '.join(SECTIONS)})"
            )
        if (deck, page) in seen:  # it would count twice, and sit twice in its deck's decoding
            raise BadInputError(f"{labels} line {line}: {deck} page {page} is already listed "
                                f"on line {seen[deck, page]}")
        seen[deck, page] = line
        image = _find(dataset_dir / "lowres" / deck, page, (".jpg", ".jpeg", ".png", ".webp"))
        if image is None:
            raise BadInputError(f"no image for {deck} page {page} under {dataset_dir}/lowres")
        truth_file = _find(dataset_dir / "truth" / deck, page, (".txt",))
        truth = truth_file.read_text("utf-8", "replace") if truth_file else None
        alt = _ALT.search(row.get("notes") or "")
        alt_label = section_named(alt.group(1)) if alt else None
        title = (row.get("title") or "").strip() or None
        items.append(_Item(deck, page, section, alt_label, image, truth, title))
    if not items:
        raise BadInputError(f"{labels} lists no slides: add rows of deck_id,page,section")
    items.sort(key=lambda it: (it.deck, it.page))
    return items


def _ocr_scores(items: list[_Item], results: list[OcrResult | None]) -> dict[str, Any]:
    found = total_truth = total_ocr = 0
    edits = chars = 0
    per_slide_recall = []
    for item, res in zip(items, results, strict=True):
        truth_text, ocr_text = item.truth or "", res.text if res else ""
        common, n_truth, n_ocr = word_scores(truth_text, ocr_text)
        if not n_truth:
            continue  # nothing to score against (image-only slide or no truth)
        found += common
        total_truth += n_truth
        total_ocr += n_ocr
        per_slide_recall.append(common / n_truth)
        truth_str, ocr_str = " ".join(tokens(truth_text)), " ".join(tokens(ocr_text))
        edits += levenshtein(ocr_str, truth_str)
        chars += len(truth_str)
    return {
        "slides_scored": len(per_slide_recall),
        "word_recall": round(found / total_truth, 4) if total_truth else None,
        "word_precision": round(found / total_ocr, 4) if total_ocr else None,
        "cer": round(edits / chars, 4) if chars else None,
        "median_slide_recall": round(statistics.median(per_slide_recall), 4)
        if per_slide_recall
        else None,
    }


def _title_found(labelled: str, read: str) -> bool:
    return tokens(labelled) == tokens(read)


def _title_scores(items: list[_Item], titles: list[str]) -> dict[str, Any]:
    pairs = [(it.title, t) for it, t in zip(items, titles, strict=True) if it.title]
    found = sum(_title_found(labelled, read) for labelled, read in pairs)
    return {
        "slides_scored": len(pairs),
        "accuracy": round(found / len(pairs), 4) if pairs else None,
    }


def _classification_scores(truth: list[str], pred: list[str], alts: list[str | None]) -> dict:
    labels = [s for s in SECTIONS if s in set(truth) | set(pred)]
    confusion = {t: {p: 0 for p in labels} for t in labels}
    for t, p in zip(truth, pred, strict=True):
        confusion[t][p] += 1
    per_class = {}
    for s in labels:
        tp = confusion[s][s]
        predicted = sum(confusion[t][s] for t in labels)
        support = sum(confusion[s].values())
        precision = tp / predicted if predicted else 0.0
        recall = tp / support if support else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_class[s] = {
            "precision": round(precision, 4),
            "recall": round(recall, 4),
            "f1": round(f1, 4),
            "support": support,
        }
    present = [s for s in labels if per_class[s]["support"]]
    n = len(truth)
    correct = sum(t == p for t, p in zip(truth, pred, strict=True))
    with_alt = sum(p in (t, a) for t, p, a in zip(truth, pred, alts, strict=True))
    return {
        "slides": n,
        "accuracy": round(correct / n, 4) if n else None,
        "accuracy_with_alt": round(with_alt / n, 4) if n else None,
        "macro_f1": round(statistics.mean(per_class[s]["f1"] for s in present), 4)
        if present
        else None,
        "per_class": per_class,
        "confusion": confusion,
    }


REVIEW_SHARES = (0.1, 0.2, 0.3)


def _review_scores(
    items: list[_Item],
    predictions: list[SectionResult],
    by_deck: dict[str, tuple[list[int], list[OcrResult]]],
    params: classify.ClassifyParams,
    shares: tuple[float, ...] = REVIEW_SHARES,
) -> dict[str, Any]:
    """Check the least sure slides by hand (``deckgen review``'s order): errors found, and
    the accuracy after setting them right in ``deck.toml``."""
    order = sorted(range(len(items)), key=lambda i: (predictions[i].sureness, i))
    rows = []
    for share in shares:
        checked = set(order[: round(share * len(items))])
        right = 0
        for idx, slides in by_deck.values():
            curated = {j: items[i].section for j, i in enumerate(idx) if i in checked}
            fixed = classify.classify_deck(slides, params, curated)
            right += sum(r.label == items[i].section for i, r in zip(idx, fixed, strict=True))
        rows.append({
            "share": share, "checked": len(checked),
            "errors_found": sum(predictions[i].label != items[i].section for i in checked),
            "accuracy_after": round(right / max(1, len(items)), 4),
        })  # fmt: skip
    # what the site's "unsure" mark means on this set: labels right among the unsure and the rest
    marks = {"unsure": {"slides": 0, "right": 0}, "sure": {"slides": 0, "right": 0}}
    for p, it in zip(predictions, items, strict=True):
        mark = marks["unsure" if p.unsure else "sure"]
        mark["slides"] += 1
        mark["right"] += p.label == it.section
    errors = sum(m["slides"] - m["right"] for m in marks.values())
    return {"errors": errors, "checked": rows, **marks}


def evaluate(
    dataset_dir: Path | str,
    upscale_params: upscale.UpscaleParams | None = None,
    ocr_params: ocr.OcrParams | None = None,
    classify_params: classify.ClassifyParams | None = None,
    executor: str = "processes",
    workers: int | None = None,
    progress: Progress = SILENT,
) -> dict[str, Any]:
    """Run upscale -> OCR -> classify on every labelled slide and score the results;
    ``progress`` shows the OCR of the slides (minutes on a real set)."""
    dataset_dir = Path(dataset_dir)
    upscale_params = upscale_params or upscale.UpscaleParams()
    ocr_params = ocr_params or ocr.OcrParams()
    classify_params = classify_params or classify.ClassifyParams()
    upscale.validate(upscale_params)  # a bad method fails once, not once per slide
    ocr.check_tesseract(ocr_params.lang)
    items = load_dataset(dataset_dir)
    tasks = [_Task(str(it.image), upscale_params, ocr_params) for it in items]
    results: list[OcrResult | None] = [None] * len(items)
    up_seconds: list[float] = []
    failures = []
    methods: Counter[str] = Counter()
    runner = make_executor(executor, workers)
    try:
        with progress.stage("upscale + ocr", len(tasks)) as advance:
            for index, out in runner.map(_run_slide, tasks):
                if isinstance(out, TaskFailure):
                    failures.append({"slide": f"{items[index].deck}/{items[index].page:03d}",
                                     "reason": out.message})
                else:
                    results[index] = OcrResult.from_dict(out["ocr"])
                    up_seconds.append(out["upscale_seconds"])
                    methods[out["method"]] += 1
                advance()
    finally:
        runner.close()

    predictions: list[SectionResult] = []
    by_deck: dict[str, tuple[list[int], list[OcrResult]]] = {}
    titles: list[str] = []
    independent: list[str] = []  # each slide on its own: what the deck decoding adds
    alone = replace(classify_params, prior_weight=0.0)
    details = []
    classify_seconds = 0.0
    for deck in sorted({it.deck for it in items}):
        idx = [i for i, it in enumerate(items) if it.deck == deck]
        slides = [results[i] or OcrResult(text="", title="", mean_confidence=0.0) for i in idx]
        slides = ocr_layout.with_deck_titles(slides)
        by_deck[deck] = (idx, slides)
        start = time.perf_counter()
        sections = classify.classify_deck(slides, classify_params)
        classify_seconds += time.perf_counter() - start
        independent += [r.label for r in classify.classify_deck(slides, alone)]
        for i, slide, section in zip(idx, slides, sections, strict=True):
            predictions.append(section)
            titles.append(slide.title)
            item = items[i]
            details.append({
                "slide": f"{item.deck}/{item.page:03d}", "truth": item.section,
                "predicted": section.label, "alt": item.alt,
                # the top score: for an "other" given for flat scores, the winner it distrusted
                "confidence": section.sureness,
                "title": slide.title, "title_labelled": item.title, "cues": section.cues,
            })  # fmt: skip
    ocr_seconds = [r.seconds for r in results if r is not None]
    return {
        "dataset": str(dataset_dir),
        "slides": len(items),
        "failed": failures,
        "params": {
            "upscale": upscale_params.method,
            "upscale_used": dict(methods),
            "psm": ocr_params.psm,
            "lang": ocr_params.lang,
            "min_conf": ocr_params.min_conf,
            "min_confidence": classify_params.min_confidence,
            "ocr_version": ocr.VERSION,
            "classify_version": classify.VERSION,
        },  # fmt: skip
        "ocr": _ocr_scores(items, results),
        "titles": _title_scores(items, titles),
        "classification": _classification_scores(
            [it.section for it in items], [p.label for p in predictions], [it.alt for it in items]
        ),
        "review": _review_scores(items, predictions, by_deck, classify_params),
        "classification_without_deck_priors": {
            k: v
            for k, v in _classification_scores(
                [it.section for it in items], independent, [it.alt for it in items]
            ).items()
            if k in ("accuracy", "macro_f1")
        },
        "seconds_per_slide": {
            "upscale_median": round(statistics.median(up_seconds), 4) if up_seconds else None,
            "ocr_median": round(statistics.median(ocr_seconds), 4) if ocr_seconds else None,
            "classify_mean": round(classify_seconds / max(1, len(items)), 5),
        },
        "slides_detail": details,
    }


def _review_rows(review: dict[str, Any]) -> list[tuple[str, Any]]:
    rows: list[tuple[str, Any]] = []
    for r in review["checked"]:
        share = f"{r['share']:.0%} least sure ({r['checked']})"
        rows.append((f"errors among the {share}", f"{r['errors_found']} of {review['errors']}"))
        rows.append(("  accuracy once they are set by hand", r["accuracy_after"]))
    for kind, when in (("sure", ">="), ("unsure", "<")):
        part = review[kind]
        rows.append((f"right where the label scored {when} {UNSURE_BELOW} ({kind})",
                     f"{part['right']} of {part['slides']}"))  # fmt: skip
    return rows


_MISTAKES_SHOWN = 40
# three letters keep the 16-column confusion matrix inside an 80-column terminal
_SHORT = {
    "cover": "cov", "problem": "prb", "solution": "sol", "product": "prd", "market": "mkt",
    "competition": "cmp", "go-to-market": "gtm", "business-model": "bmd", "traction": "trc",
    "team": "tea", "financials": "fin", "funding": "fnd", "milestones": "mil", "vision": "vis",
    "conclusion": "con", "other": "oth",
}  # fmt: skip


def _print_capped(console: Any, table: Any, rows: list[tuple]) -> None:
    """``table`` with its first _MISTAKES_SHOWN ``rows``, and how many more --json has."""
    for row in rows[:_MISTAKES_SHOWN]:
        table.add_row(*row)
    console.print(table)
    if len(rows) > _MISTAKES_SHOWN:
        console.print(f"... and {len(rows) - _MISTAKES_SHOWN} more: all are in --json")


def print_report(result: dict[str, Any], console: Any = None) -> None:
    """The evaluation as rich tables: summary, per-class scores, confusion matrix."""
    from rich import box
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = console or Console()
    o, c, t = result["ocr"], result["classification"], result["seconds_per_slide"]
    # auto picks a scale per slide; how often each was chosen explains the recall
    used = ", ".join(f"{m} {n}" for m, n in result["params"]["upscale_used"].items())
    summary = Table(title=f"deckgen eval: {result['dataset']} ({result['slides']} slides)")
    summary.add_column("measure")
    summary.add_column("value", justify="right")
    rows = [
        ("OCR word recall", o["word_recall"]), ("OCR word precision", o["word_precision"]),
        ("OCR CER", o["cer"]), ("OCR recall, median slide", o["median_slide_recall"]),
        ("slides with truth text", o["slides_scored"]),
        ("upscale used", used),
        ("titles found", result["titles"]["accuracy"]),
        ("section accuracy", c["accuracy"]),
        ("accuracy (alt label accepted)", c["accuracy_with_alt"]),
        ("section macro-F1", c["macro_f1"]),
        *_review_rows(result["review"]), ("upscale s/slide (median)", t["upscale_median"]),
        ("OCR s/slide (median)", t["ocr_median"]), ("classify s/slide", t["classify_mean"]),
        ("failed slides", len(result["failed"])),
    ]  # fmt: skip
    for name, value in rows:
        summary.add_row(
            name,
            "-" if value is None else f"{value:.3f}" if isinstance(value, float) else str(value),
        )
    console.print(summary)

    per_class = Table(title="per section")
    for col in ("section", "precision", "recall", "F1", "support"):
        per_class.add_column(col, justify="left" if col == "section" else "right")
    for s, m in c["per_class"].items():
        per_class.add_row(
            s, f"{m['precision']:.2f}", f"{m['recall']:.2f}", f"{m['f1']:.2f}", str(m["support"])
        )
    console.print(per_class)

    labels = list(c["confusion"])
    matrix = Table(title="confusion (rows: truth, columns: predicted)", box=box.SIMPLE_HEAD,
                   padding=0, show_edge=False)  # fmt: skip
    matrix.add_column("")
    for s in labels:
        matrix.add_column(_SHORT[s], justify="right", min_width=3)
    for s in labels:
        matrix.add_row(_SHORT[s], *(str(c["confusion"][s][p] or "·") for p in labels))
    console.print(matrix)
    console.print(", ".join(f"{_SHORT[s]} {s}" for s in labels), highlight=False)

    wrong = [d for d in result.get("slides_detail", []) if d["predicted"] != d["truth"]]
    if wrong:
        mistakes = Table(title=f"mislabelled slides ({len(wrong)})")
        for col in ("slide", "truth", "predicted", "score", "title read"):
            mistakes.add_column(col, justify="right" if col == "score" else "left")
        # Text, not str: a title read by OCR is never taken for rich markup
        _print_capped(console, mistakes, [
            (Text(d["slide"]), d["truth"] + (f" (alt {d['alt']})" if d.get("alt") else ""),
             d["predicted"], f"{d['confidence']:.2f}", Text(d["title"]))
            for d in wrong
        ])  # fmt: skip
    misread = [d for d in result.get("slides_detail", [])
               if d.get("title_labelled") and not _title_found(d["title_labelled"], d["title"])]
    if misread:
        titles = Table(title=f"titles read differently ({len(misread)})")
        for col in ("slide", "labelled title", "title read"):
            titles.add_column(col)
        _print_capped(console, titles, [
            (Text(d["slide"]), Text(d["title_labelled"]), Text(d["title"])) for d in misread
        ])  # fmt: skip
    for failure in result["failed"]:
        console.print(Text.assemble(("failed ", "red"), f"{failure['slide']}: {failure['reason']}"))
