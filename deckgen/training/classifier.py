"""How ``deckgen/models/classifier.json`` is made (reproducible, numpy only).

    .venv/bin/python -m deckgen.training.classifier            # rebuild the shipped model
    .venv/bin/python -m deckgen.training.classifier --no-sample  # hand-written data only

Training data, all fictional:

* ``slides*.txt`` beside this file: hand-written slide texts for every section
  type (written for this project; no real deck was copied). ``slides.txt`` holds
  the textbook layouts; ``slides_styles_*.txt`` the styles of real decks: claim
  and brand-name titles, terse chart and table text, examples on the boundary
  between two sections; ``slides_headings_*.txt`` heading banks: ~55 differently
  worded headings per section, each over a few lines of body, for the breadth of
  words real decks put in their titles.
* decks from the sample-corpus generator (``deckgen.sample``), when present,
  through its ``--truth`` output (text and label per slide).
* with ``--curated BUNDLE``: the real slides labelled by hand in a dataset
  bundle (deck.toml ``[sections]``, published by ``make site``), with their OCR
  text: the way for the model to learn real decks' conventions (a handful of
  curated decks does not help it on other decks yet: ``make bench-curation``).
  Slides of decks marked fictional (``fictional = true``) are left out unless
  ``--with-fictional``: their text is invented, not real-deck data. The model
  records how many of each it learnt (``training.curated_real_slides``,
  ``curated_fictional_slides``) and the generator's slides (``sample_slides``);
  the dataset card reads them to say the shipped model's accuracy does not apply.

Every example is also seen with simulated OCR damage (dropped words, a lost
title, character slips), because that is what the model meets at run time.
The model is a multinomial logistic regression with a light L2 (chosen by
leave-one-file-out accuracy: trained without one ``slides_styles_*`` file,
how well does it label that file's slides, written by another hand?);
its temperature is fitted on 5-fold held-out predictions so that the scores
are calibrated probabilities. Nothing from ``../shared/eval-dev`` is used.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import tarfile
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from deckgen.classify import features, log_softmax, normalize
from deckgen.records import SECTIONS, OcrResult
from deckgen.training.cues import BODY_CUES, TITLE_CUES

HERE = Path(__file__).resolve().parent
MODEL_PATH = HERE.parent / "models" / "classifier.json"
SEED = 20240607
L2 = 0.0001  # light: 600 full-batch Adam steps from zero are the main regulariser
MIN_COUNT = 2  # a word must occur in this many examples to get a weight


def _cue_tables() -> dict:
    return {
        kind: {
            sec: [(normalize(p.rstrip("*")), p.endswith("*")) for p in phrases]
            for sec, phrases in table.items()
        }
        for kind, table in (("title", TITLE_CUES), ("body", BODY_CUES))
    }


def hand_written_slides() -> list[tuple[str, str, str]]:
    """(section, title, body) of every ``slides*.txt`` beside this file, in file order."""
    return [ex for path in sorted(HERE.glob("slides*.txt")) for ex in read_slides_txt(path)]


def read_slides_txt(path: Path) -> list[tuple[str, str, str]]:
    """(section, title, body) triples: blank-line separated blocks, first line 'section | title'."""
    examples = []
    for block in path.read_text("utf-8").split("\n\n"):
        lines = [ln for ln in block.strip().splitlines() if not ln.startswith("#")]
        if not lines:
            continue
        head, _, title = lines[0].partition("|")
        section = head.strip()
        if section not in SECTIONS:
            raise ValueError(f"{path}: unknown section {section!r} in block {lines[0]!r}")
        examples.append((section, title.strip(), "\n".join([title.strip(), *lines[1:]])))
    return examples


def sample_examples(n_decks: int = 20, truth: Path | None = None) -> list[tuple[str, str, str]]:
    """Slides of generated sample decks (seed ``SEED``, not the bundled corpus's seed).

    ``truth``: an existing ``deckgen sample --truth`` folder to read instead of generating.
    """
    if truth is not None:
        return _read_truth(truth)
    try:
        from deckgen import sample  # type: ignore[attr-defined]
    except ImportError:
        return []
    with tempfile.TemporaryDirectory() as tmp:
        sample.generate(Path(tmp) / "decks", seed=SEED, n_decks=n_decks, truth_dir=Path(tmp) / "t")
        return _read_truth(Path(tmp) / "t")


def _read_truth(truth: Path) -> list[tuple[str, str, str]]:
    """(section, title, text) of every slide of an eval-dev style truth folder."""
    examples = []
    with open(truth / "labels.csv", newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["section"] not in SECTIONS:
                continue
            text_file = truth / "truth" / row["deck_id"] / f"{int(row['page']):03d}.txt"
            text = text_file.read_text("utf-8") if text_file.exists() else ""
            lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
            title = row.get("title") or (lines[0] if lines else "")
            examples.append((row["section"], title, "\n".join(lines)))
    return examples


@dataclass
class CuratedSlides:
    """The slides labelled by hand in a dataset bundle, and what keeps some from training."""

    real: list[tuple[str, str, str]] = field(default_factory=list)  # decks not marked fictional
    fictional: list[tuple[str, str, str]] = field(default_factory=list)  # fictional = true
    fictional_decks: list[str] = field(default_factory=list)
    # decks with no open licence that [bundle] open_only kept out of the archive
    left_out_not_open: list[str] = field(default_factory=list)

    def learnt(self, with_fictional: bool) -> list[tuple[str, str, str]]:
        """What --curated trains on: the real decks' slides (the fictional ones' too with
        --with-fictional)."""
        return self.real + (self.fictional if with_fictional else [])


def read_curated(bundle: Path) -> CuratedSlides:
    """(section, title, OCR text) of every slide labelled by hand in a dataset bundle,
    split by its row's ``fictional`` (a made-up deck's text is not real-deck data; null,
    not stated, counts as real), and the decks its ``provenance.json`` says are not in it."""
    try:
        with tarfile.open(bundle, "r:gz") as tar:
            names = tar.getnames()
            rows = _json_lines(tar, next(n for n in names if n.endswith("/metadata.jsonl")))
            prov_name = next((n for n in names if n.endswith("/provenance.json")), None)
            prov = json.loads(_member(tar, prov_name) or b"{}") if prov_name else {}
    except (OSError, tarfile.TarError, StopIteration, ValueError) as exc:
        raise SystemExit(f"{bundle}: not a readable deckgen dataset bundle ({exc})") from exc
    slides = CuratedSlides(left_out_not_open=list(
        prov.get("decks", {}).get("left_out_without_open_license") or []))
    for row in rows:
        if row.get("section_source") != "curated" or row.get("section") not in SECTIONS:
            continue
        example = (row["section"], row.get("title") or "", row.get("text") or "")
        if row.get("fictional") is True:
            slides.fictional.append(example)
            if row.get("deck") not in slides.fictional_decks:
                slides.fictional_decks.append(str(row.get("deck")))
        else:
            slides.real.append(example)
    return slides


def _member(tar: tarfile.TarFile, name: str) -> bytes:
    member = tar.extractfile(name)
    return member.read() if member else b""


def _json_lines(tar: tarfile.TarFile, name: str) -> list[dict]:
    return [json.loads(line) for line in _member(tar, name).splitlines() if line.strip()]


def curated_examples(bundle: Path, *, with_fictional: bool = False) -> list[tuple[str, str, str]]:
    """(section, title, OCR text) of every slide labelled by hand in a dataset bundle's real
    decks (those not marked fictional); ``with_fictional``: the fictional decks' too."""
    return read_curated(bundle).learnt(with_fictional)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def curated_summary(bundle: Path, slides: CuratedSlides, with_fictional: bool) -> list[str]:
    """What ``--curated`` learns from the bundle, and what it leaves out and why."""
    lines = [f"{bundle}: {_plural(len(slides.real), 'slide')} of real decks labelled by hand"]
    if slides.fictional:
        what = (f"{_plural(len(slides.fictional), 'slide')} labelled by hand in "
                f"{_plural(len(slides.fictional_decks), 'fictional deck')} "
                f"({', '.join(slides.fictional_decks)}: fictional = true, invented text)")
        lines.append(f"also learnt: {what}, with --with-fictional" if with_fictional else
                     f"left out: {what}, not real-deck data (--with-fictional learns them)")
    if slides.left_out_not_open:
        gone = slides.left_out_not_open
        lines.append(f"not in the bundle: {_plural(len(gone), 'deck')} with no open licence "
                     f"([bundle] open_only = true; its provenance.json and card name them: "
                     f"{', '.join(gone)}): labels set by hand on their slides are not learnt")
    return lines


def _damage(title: str, body: str, rng: random.Random) -> tuple[str, str]:
    """Simulated OCR: lose words, lose the title, slip characters."""
    words = body.split()
    kept = [w for w in words if rng.random() > 0.2]
    slipped = []
    for w in kept:
        if len(w) > 3 and rng.random() < 0.08:
            i = rng.randrange(len(w))
            w = w[:i] + rng.choice("ilrnoe") + w[i + 1 :]
        slipped.append(w)
    roll = rng.random()
    if roll < 0.25:
        title = ""  # the layout did not find a title: the body must carry it
    elif roll < 0.45:
        slipped = slipped[: max(1, len(slipped) // 4)]  # body mostly unread: the title must
    return title, " ".join(slipped)


def build_dataset(
    examples: list[tuple[str, str, str]], augment: int, rng: random.Random
) -> tuple[list[dict[str, float]], list[int]]:
    cues = _cue_tables()
    rows, labels = [], []
    for section, title, body in examples:
        variants = [(title, body)] + [_damage(title, body, rng) for _ in range(augment)]
        for t, b in variants:
            feats, _ = features(OcrResult(text=b, title=t, mean_confidence=90.0), cues)
            rows.append(feats)
            labels.append(SECTIONS.index(section))
    return rows, labels


class SparseRows:
    """Rows of (column, value) pairs: the design matrix without its zeros.

    Each slide sets about 30 of tens of thousands of features: a dense matrix is
    over 99.8 % zeros and made training take 20 minutes. Products by per-class
    ``bincount``, NumPy only.
    """

    def __init__(self, row: np.ndarray, col: np.ndarray, val: np.ndarray, shape: tuple[int, int]):
        self.row, self.col, self.val, self.shape = row, col, val, shape

    def __matmul__(self, w: np.ndarray) -> np.ndarray:
        """``X @ w`` for a (features, classes) ``w``."""
        n = self.shape[0]
        return np.stack(
            [np.bincount(self.row, self.val * w[self.col, c], n) for c in range(w.shape[1])], 1
        )

    def t_matmul(self, g: np.ndarray) -> np.ndarray:
        """``X.T @ g`` for a (rows, classes) ``g``."""
        d = self.shape[1]
        return np.stack(
            [np.bincount(self.col, self.val * g[self.row, c], d) for c in range(g.shape[1])], 1
        )

    def take(self, mask: np.ndarray) -> SparseRows:
        """The rows where ``mask`` is true, renumbered from 0."""
        new_index = np.cumsum(mask) - 1
        keep = mask[self.row]
        return SparseRows(
            new_index[self.row[keep]], self.col[keep], self.val[keep],
            (int(mask.sum()), self.shape[1]),
        )  # fmt: skip


def _matrix(rows: list[dict[str, float]], vocab: dict[str, int]) -> SparseRows:
    row, col, val = [], [], []
    for i, feats in enumerate(rows):
        for name, value in feats.items():
            if name in vocab:
                row.append(i)
                col.append(vocab[name])
                val.append(value)
    return SparseRows(
        np.asarray(row, dtype=np.int64), np.asarray(col, dtype=np.int64),
        np.asarray(val, dtype=np.float64), (len(rows), len(vocab)),
    )  # fmt: skip


def fit(x: SparseRows, y: np.ndarray, l2: float, steps: int = 600) -> tuple:
    """Softmax regression by Adam on the full batch (small data, exact gradients)."""
    n, d = x.shape
    k = len(SECTIONS)
    w = np.zeros((d, k))
    b = np.zeros(k)
    onehot = np.eye(k)[y]
    m = [np.zeros_like(w), np.zeros_like(b)]
    v = [np.zeros_like(w), np.zeros_like(b)]
    lr, beta1, beta2 = 0.05, 0.9, 0.999
    for step in range(1, steps + 1):
        p = np.exp(log_softmax(x @ w + b))
        grad_logits = (p - onehot) / n
        grads = [x.t_matmul(grad_logits) + l2 * w, grad_logits.sum(axis=0)]
        for i, (param, g) in enumerate(zip((w, b), grads, strict=True)):
            m[i] = beta1 * m[i] + (1 - beta1) * g
            v[i] = beta2 * v[i] + (1 - beta2) * g * g
            mhat = m[i] / (1 - beta1**step)
            vhat = v[i] / (1 - beta2**step)
            param -= lr * mhat / (np.sqrt(vhat) + 1e-8)
    return w, b


def _fit_temperature(logits: np.ndarray, y: np.ndarray) -> float:
    best = (float("inf"), 1.0)
    for t in np.arange(0.3, 4.01, 0.05):
        nll = -log_softmax(logits / t)[np.arange(len(y)), y].mean()
        best = min(best, (float(nll), float(t)))
    return round(best[1], 2)


def _design(
    examples: list[tuple[str, str, str]], augment: int
) -> tuple[SparseRows, np.ndarray, dict[str, int]]:
    """Feature matrix, labels and vocabulary (words seen ``MIN_COUNT`` times, every cue)."""
    rows, labels = build_dataset(examples, augment, random.Random(SEED))
    counts = Counter(name for feats in rows for name in feats)
    vocab_names = sorted(
        n for n, c in counts.items() if c >= MIN_COUNT or n.startswith(("ct:", "cb:", "shape:"))
    )
    vocab = {n: i for i, n in enumerate(vocab_names)}
    return _matrix(rows, vocab), np.asarray(labels), vocab


def leave_one_file_out(augment: int = 3, sample_truth: Path | None = None) -> dict[str, float]:
    """Accuracy on each style file that covers every section, trained without that file.

    The estimate of how the model reads a writer it has not seen: each file is
    another hand and another style of deck.
    """
    files = {p.name: read_slides_txt(p) for p in sorted(HERE.glob("slides*.txt"))}
    sample = sample_examples(truth=sample_truth)
    scores = {}
    for name, held_out in files.items():
        if not name.startswith("slides_styles_") or {s for s, _, _ in held_out} != set(SECTIONS):
            continue  # textbook slides, or a file split by section: no fair held-out test
        rest = [ex for other, exs in files.items() if other != name for ex in exs] + sample
        x, y, vocab = _design(rest, augment)
        w, b = fit(x, y, L2)
        rows, truth = build_dataset(held_out, 0, random.Random(SEED))  # undamaged, as written
        pred = (_matrix(rows, vocab) @ w + b).argmax(axis=1)
        scores[name] = round(float(np.mean(pred == np.asarray(truth))), 3)
    return scores


def train(
    use_sample: bool = True,
    augment: int = 3,
    sample_truth: Path | None = None,
    curated: list[tuple[str, str, str]] | None = None,
    temperature: float | None = None,
    curated_fictional: int = 0,
) -> dict:
    """The model file's content. ``temperature``: use this one instead of fitting it
    (one fit instead of six, for experiments). ``curated_fictional``: how many of
    ``curated`` are fictional decks' slides (the rest are real decks')."""
    examples = hand_written_slides()
    sample = sample_examples(truth=sample_truth) if use_sample else []
    examples += sample + (curated or [])
    x, y, vocab = _design(examples, augment)

    held_out = {}
    if temperature is None:
        # 5-fold held-out logits (folds by example, all its variants together)
        per_example = augment + 1
        fold_of = np.repeat(np.arange(len(examples)) % 5, per_example)
        held = np.zeros((len(y), len(SECTIONS)))
        for fold in range(5):
            tr, te = fold_of != fold, fold_of == fold
            w, b = fit(x.take(tr), y[tr], L2)
            held[te] = x.take(te) @ w + b
        temperature = _fit_temperature(held, y)
        held_out["heldout_accuracy_5fold"] = round(float((held.argmax(axis=1) == y).mean()), 3)

    w, b = fit(x, y, L2)
    weights = {
        name: [round(float(v), 3) for v in w[j]]
        for name, j in vocab.items()
        if np.abs(w[j]).max() >= 0.02
    }
    return {
        "version": "logreg-1",
        "classes": list(SECTIONS),
        "temperature": temperature,
        "bias": [round(float(v), 3) for v in b],
        "weights": weights,
        "cues": {"title": TITLE_CUES, "body": BODY_CUES},
        "training": {
            "examples": len(examples),
            "with_ocr_damage": len(y),
            **held_out,
            # only with --curated: the shipped model's file stays byte-identical
            **({"curated_real_slides": len(curated) - curated_fictional,
                "curated_fictional_slides": curated_fictional,
                "sample_slides": len(sample)} if curated else {}),
            "per_section": dict(sorted(Counter(s for s, _, _ in examples).items())),
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-sample", action="store_true", help="hand-written data only")
    parser.add_argument("--sample-truth", type=Path, help="read this sample --truth folder")
    parser.add_argument("--out", type=Path, default=MODEL_PATH)
    parser.add_argument(
        "--curated", type=Path, metavar="BUNDLE",
        help="also learn the slides labelled by hand in this dataset bundle "
        "(site/dataset/deckgen-dataset-v1.tar.gz)",
    )  # fmt: skip
    parser.add_argument(
        "--with-fictional", action="store_true",
        help="with --curated, also learn the hand labels of fictional decks (fictional = true), "
        "left out by default: their text is invented, not real-deck data",
    )  # fmt: skip
    parser.add_argument(
        "--leave-one-file-out", action="store_true",
        help="print each style file's accuracy when trained without it; write nothing",
    )  # fmt: skip
    args = parser.parse_args()
    if args.leave_one_file_out:
        scores = leave_one_file_out(sample_truth=args.sample_truth)
        for name, acc in scores.items():
            print(f"{name}: {acc:.3f}")
        print(f"mean: {np.mean(list(scores.values())):.3f}")
        return
    curated, n_fictional = None, 0
    if args.curated:
        slides = read_curated(args.curated)
        print("\n".join(curated_summary(args.curated, slides, args.with_fictional)))
        n_fictional = len(slides.fictional) if args.with_fictional else 0
        curated = slides.learnt(args.with_fictional)
        if not curated:  # ~10 minutes of training for the shipped model again: say so instead
            raise SystemExit("nothing to learn: no slide of a real deck in the bundle is "
                             "labelled by hand (deckgen label, then deckgen build); the model "
                             "is unchanged")
    model = train(not args.no_sample, sample_truth=args.sample_truth, curated=curated,
                  curated_fictional=n_fictional)
    args.out.write_text(json.dumps(model, sort_keys=True, indent=0) + "\n", encoding="utf-8")
    print(f"wrote {args.out}: {len(model['weights'])} features, {model['training']}")


if __name__ == "__main__":
    main()
