"""What a build did, for the terminal and ``build/report.json``: per stage the slides
processed, cached and failed, and every problem met on the way."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

from deckgen.corpus import Problem, printable
from deckgen.files import name_few

STAGES = ("ingest", "upscale", "ocr", "images", "classify", "index", "site")


@dataclass
class StageReport:
    processed: int = 0
    cached: int = 0
    failed: list[dict[str, str]] = field(default_factory=list)
    seconds: float = 0.0


@dataclass
class BuildReport:
    stages: dict[str, StageReport] = field(
        default_factory=lambda: {s: StageReport() for s in STAGES}
    )
    problems: list[dict[str, str]] = field(default_factory=list)
    decks: int = 0
    slides: int = 0
    slides_built: int = 0
    corrupt_cache_entries: int = 0
    # cached upscaled images a worker could not find on its disk, so upscaled again
    cache_not_on_workers: int = 0
    # slides whose OCR was redone from Tesseract's output kept in the cache (not run again)
    ocr_from_kept_output: int = 0
    workers_lost: list[str] = field(default_factory=list)  # Dask workers that left mid-build
    decks_removed: list[str] = field(default_factory=list)  # built last time, gone now
    # the corpus against the last build's (``corpus_changes``): decks new, slides new,
    # changed and removed in the decks that stayed; empty for a first build
    corpus_changes: dict[str, list[str]] = field(default_factory=dict)
    # slides whose section differs from the last build's (``labels_changed``): a new model,
    # a hand label, and the slides around it decoded again
    labels_changed: list[dict[str, Any]] = field(default_factory=list)
    # stage versions other than the last build's (manifest.changed_versions, each with the
    # notice the build printed): why a build recomputed every slide
    versions_changed: list[dict[str, str]] = field(default_factory=list)
    # upscale, OCR and classify settings other than the last build's (manifest.changed_settings)
    settings_changed: list[dict[str, str]] = field(default_factory=list)
    site: dict[str, Any] = field(default_factory=dict)
    # what the build warned of that is no failure (--strict ignores it): the decks in the
    # dataset with no open licence (``dataset_warnings``)
    warnings: list[str] = field(default_factory=list)
    # a build that stopped before the end: stopped by Ctrl-C or SIGTERM (interrupted), or
    # by an error (its message); the stage counts are what it had done by then
    interrupted: bool = False
    error: str = ""

    @property
    def failures(self) -> int:
        return (len(self.problems) + sum(len(s.failed) for s in self.stages.values())
                + len(self.left_out_of_dataset()))

    def left_out_of_dataset(self) -> list[dict[str, str]]:
        """Slides the dataset bundle left out for a reason of its own (a source format it
        cannot store, an unreadable image); those that failed a stage are reported there."""
        failed = {f["id"] for stage in self.stages.values() for f in stage.failed}
        skipped = (self.site.get("dataset") or {}).get("skipped", [])
        return [item for item in skipped if item["id"] not in failed]

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True, ensure_ascii=False)


GONE_NAMED = 10  # decks named on the terminal (gone since the last build, not open)


def _named(slugs: list[str], report_path: str) -> str:
    """A few decks by name, and how many more ``report_path`` lists: a few name a takedown,
    a hundred would bury it."""
    return name_few(slugs, GONE_NAMED, " and {n} more (all in {path})", path=report_path)


def gone_line(gone: list[str], report_path: str) -> str:
    """The decks gone since the last build, as one terminal line (report.json lists them
    all)."""
    return (f"gone since the last build: {_named(gone, report_path)} (its pages, images and "
            "dataset rows too; `deckgen deploy --delete` takes them off the live site)")


def corpus_changes(last_decks: set[str], last_slides: list[dict[str, Any]],
                   decks: set[str], slides: list) -> dict[str, list[str]]:
    """What the corpus gained and lost since the last build (QA-85: a deck renamed, a slide
    edited or deleted, and the build said nothing of it): the decks new; the slides new,
    changed (another picture on the page) and removed, in the decks both builds had."""
    before = {s["id"]: s.get("sha256") for s in last_slides}
    now = {s.id: s.sha256 for s in slides}
    kept = last_decks & decks
    return {"decks_new": sorted(decks - last_decks),
            "slides_new": [i for i in now if i not in before and i.split("/")[0] in kept],
            "slides_changed": [i for i in now if i in before and before[i] != now[i]],
            "slides_removed": [i for i in before
                               if i not in now and i.split("/")[0] in kept]}


def corpus_changes_line(changes: dict[str, list[str]], report_path: str) -> str | None:
    """``corpus_changes`` as one terminal line (None: nothing new); a few named."""
    decks = changes.get("decks_new", [])
    parts = [f"{len(decks)} deck{'' if len(decks) == 1 else 's'} new "
             f"({_named([printable(d) for d in decks], report_path)})"] if decks else []
    for kind in ("new", "changed", "removed"):
        ids = changes.get(f"slides_{kind}", [])
        if ids:
            named = name_few([printable(i) for i in ids], 3, ", …")
            parts.append(f"{len(ids)} slide{'' if len(ids) == 1 else 's'} {kind} ({named})")
    return f"since the last build: {'; '.join(parts)}" if parts else None


def labels_changed(last_slides: list[dict[str, Any]], slides: list) -> list[dict[str, Any]]:
    """Each slide built now whose section is not the last build's: id, before, now,
    whether it is set by hand (a curator checks what a retrained model or a label moved)
    and whether its picture is the one labelled before (QA-64: a page replaced, or a deck
    exported again, whose PDF pages all get new keys, QA-66, changes for that reason)."""
    last = {s["id"]: s for s in last_slides}
    return [{"id": s.id, "before": before, "now": s.section.label,
             "by_hand": s.section.curated, "same_picture": last[s.id].get("sha256") == s.sha256}
            for s in slides
            if s.section is not None and s.id in last
            and (before := (last[s.id].get("section") or {}).get("label")) not in (
                None, s.section.label)]


def labels_changed_line(changes: list[dict[str, Any]], report_path: str) -> str:
    """The labels changed since the last build, as one terminal line: a few named, all in
    report.json."""
    by_hand = sum(change["by_hand"] for change in changes)
    named = [f"{printable(c['id'])} {c['before']} → {c['now']}"
             + (" (by hand)" if c["by_hand"] else "")
             + ("" if c["same_picture"] else " (new picture)") for c in changes]
    count = f"{len(changes)} label{'' if len(changes) == 1 else 's'}"
    return (f"sections changed since the last build: {count}"
            f"{f' ({by_hand} set by hand)' if by_hand else ''}: {_named(named, report_path)}")


def dataset_warnings(dataset: dict[str, Any] | None, report_path: str,
                     then: str | None = "") -> list[str]:
    """What to say of the dataset archive's licences (``build_bundle``'s result): the decks in
    it with no open licence (``not_open_names``) and how to leave them out, and the decks
    [bundle] open_only left out (``left_out_not_open``); none when every deck has one. A few
    are named on the terminal, all in ``report_path``. ``then``: the command that applies a
    changed setting, when it is not the one running (`bundle build` writes the build's);
    None: no advice (already given)."""
    dataset = dataset or {}
    lines = []
    closed = [printable(str(slug)) for slug in dataset.get("not_open_names") or []]
    if closed:
        one = len(closed) == 1
        lines.append(
            f"{len(closed)} deck{'' if one else 's'} in the dataset "
            f"{'carries' if one else 'carry'} no open licence (none stated, or one that does "
            f"not allow reuse): {_named(closed, report_path)}; {'its' if one else 'their'} "
            "slides are in the "
            "archive with license_open false"
            + ("" if then is None else
               ". Set open_only = true under [bundle] in deckgen.toml"
               f"{f' and run {then}' if then else ''} to leave them out of it (the site still "
               "shows them)"))
    left_out = [printable(str(slug)) for slug in dataset.get("left_out_not_open") or []]
    if left_out:
        one = len(left_out) == 1
        lines.append(
            f"[bundle] open_only left {len(left_out)} deck{'' if one else 's'} without an "
            f"open licence out of the dataset archive: {_named(left_out, report_path)}; "
            + ("the archive holds no slide" if not dataset.get("slides")
               else f"the site still shows {'it' if one else 'them'}"))
    return lines


def report_problems(report: BuildReport) -> list[str]:
    """Every problem as one readable line, for the terminal."""
    lines = [str(Problem(p["path"], p["reason"])) for p in report.problems]
    if report.corrupt_cache_entries:
        lines.append(f"{report.corrupt_cache_entries} damaged cache entries were found "
                     "and computed again")
    if report.cache_not_on_workers:
        lines.append(
            f"{report.cache_not_on_workers} cached upscaled image(s) were not on the workers' "
            "disk, so they were upscaled again: put the build folder where every worker reads "
            "it at the same absolute path (README: Running on a cluster)"
        )
    if report.workers_lost:
        lines.append(
            f"Dask worker(s) left during the build: {', '.join(report.workers_lost)}; "
            "their slides in flight ran again on other workers"
        )
    for name, stage in report.stages.items():  # in slide order, whichever worker was first
        lines.extend(f"{printable(f['file'])}: {name} failed: {f['reason']}"
                     for f in sorted(stage.failed, key=lambda f: f["id"]))
    lines.extend(f"{printable(item['id'])}: left out of the dataset: {item['reason']}"
                 for item in report.left_out_of_dataset())
    lines.extend(report.warnings)  # no failures, but each says what the user may change
    return lines
