"""End-to-end builds of a tiny corpus with the real stages (real Tesseract, real OpenCV)."""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tarfile
import time
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import DECKS, build_cmd, config_for, draw_slide, write_deck
from PIL import Image, ImageDraw

from deckgen.build import Builder
from deckgen.build_report import labels_changed_line, report_problems
from deckgen.executor import WORKER_DIED, TaskFailure
from deckgen.files import exclusive_lock
from deckgen.index import search
from deckgen.manifest import load_manifest
from deckgen.ocr import OcrParams
from deckgen.progress import Progress
from deckgen.records import Slide
from deckgen.slide_task import SlideTask, images_key, run_slide
from deckgen.training.classifier import curated_examples
from deckgen.upscale import upscale


def processed(report) -> dict[str, int]:
    return {name: stage.processed for name, stage in report.stages.items()}


def test_full_build_then_incremental(tmp_path, tiny_corpus):
    cfg = config_for(tmp_path, tiny_corpus)
    first = Builder(cfg, quiet=True).run()
    n = sum(len(d["slides"]) for d in DECKS.values())
    assert first.slides == first.slides_built == n
    assert processed(first) == {
        s: n for s in ("ingest", "upscale", "ocr", "images", "classify", "index", "site")
    }

    site = tmp_path / "site"
    assert (site / "index.html").exists()
    assert (site / "slide" / "alpha-robotics" / "002.html").exists()
    problem_page = (site / "slide" / "alpha-robotics" / "002.html").read_text()
    assert "Warehouses" in problem_page
    beta = (site / "deck" / "beta-health.html").read_text()
    assert "<Health>" not in beta and "&lt;Health&gt;" in beta  # metadata escaped
    assert json.loads((tmp_path / "build" / "report.json").read_text())["slides_built"] == n
    hits = search(tmp_path / "build" / "whoosh", "aisles")
    assert hits and hits[0]["id"] == "alpha-robotics/002"

    # Nothing changed: no stage does any work.
    second = Builder(cfg, quiet=True).run()
    assert processed(second) == dict.fromkeys(processed(first), 0)
    assert second.stages["ocr"].cached == n
    # ...but a deleted dataset archive or search entry is written again
    for output in [next((site / "dataset").glob("*.tar.gz")), site / "search" / "entry.json"]:
        output.unlink()
        assert Builder(cfg, quiet=True).run().stages["site"].processed == n
        assert output.exists()
    # ...and after a build into another folder, this one is not taken for up to date
    other = replace(cfg, build=replace(cfg.build, out=str(tmp_path / "site2")))
    assert Builder(other, quiet=True).run().stages["site"].processed == n
    assert Builder(cfg, quiet=True).run().stages["site"].processed == n

    # One new deck: only its slides go through the per-slide stages.
    write_deck(
        tiny_corpus,
        "gamma-foods",
        {
            "meta": 'company = "Gamma"\n',
            "slides": [("Gamma Foods", "Fresh food"), ("Funding", "We are raising 2 million")],
        },
    )
    third = Builder(cfg, quiet=True).run()
    assert processed(third)["ingest"] == 2
    assert processed(third)["upscale"] == 2
    assert processed(third)["ocr"] == 2
    assert processed(third)["images"] == 2
    assert processed(third)["classify"] == 2
    assert (site / "deck" / "gamma-foods.html").exists()

    # The OCR timeout is not part of what OCR reads: nothing re-runs.
    cfg_timeout = replace(cfg, ocr=replace(cfg.ocr, timeout=cfg.ocr.timeout + 30))
    assert Builder(cfg_timeout, quiet=True).run().stages["ocr"].processed == 0

    # An OCR option changes: OCR and what follows re-run, upscaling does not.
    cfg2 = replace(cfg, ocr=replace(cfg.ocr, min_conf=cfg.ocr.min_conf + 5))
    fourth = Builder(cfg2, quiet=True).run()
    assert fourth.stages["upscale"].processed == 0
    assert fourth.stages["upscale"].cached == n + 2
    assert fourth.stages["ocr"].processed == n + 2
    assert fourth.stages["classify"].processed == n + 2
    assert fourth.stages["images"].cached == n + 2  # the pixels did not change

    # The published images are gone from the cache: only they are encoded again, by the
    # workers from the cached upscaled images; no OCR runs.
    for entry in (tmp_path / "build" / "cache" / "objects").rglob("*.files"):
        entry.unlink()
    fifth = Builder(cfg2, quiet=True).run()
    assert fifth.stages["images"].processed == n + 2
    assert fifth.stages["upscale"].processed == fifth.stages["ocr"].processed == 0


def test_a_section_set_by_hand_reaches_site_bundle_and_training(tmp_path, tiny_corpus):
    cfg = config_for(tmp_path, tiny_corpus)
    Builder(cfg, quiet=True).run()
    slides, _ = load_manifest(tmp_path / "build")
    solution = next(s for s in slides if s.id == "alpha-robotics/003")
    assert solution.section.label == "solution" and not solution.section.curated
    # nothing labelled by hand yet: retraining says so instead of training the same model
    unlabelled = next((tmp_path / "site" / "dataset").glob("*.tar.gz"))
    retrain = subprocess.run([sys.executable, "-m", "deckgen.training.classifier", "--curated",
                              str(unlabelled)], capture_output=True, text=True, timeout=120)
    assert retrain.returncode == 1 and "nothing to learn" in retrain.stderr

    toml = tiny_corpus / "alpha-robotics" / "deck.toml"
    toml.write_text(toml.read_text() + '[sections]\n3 = "product"\n')
    report = Builder(cfg, quiet=True).run()
    assert report.stages["ocr"].processed == 0
    assert report.stages["classify"].processed == len(DECKS["alpha-robotics"]["slides"])
    # the build says which labels moved (QA-61: a curator diffed two manifests to know)
    assert {"id": "alpha-robotics/003", "before": "solution", "now": "product",
            "by_hand": True, "same_picture": True} in report.labels_changed
    assert all(c["before"] != c["now"] for c in report.labels_changed)
    line = labels_changed_line(report.labels_changed, "build/report.json")
    assert line.startswith(f"sections changed since the last build: "
                           f"{len(report.labels_changed)} label")
    assert "alpha-robotics/003 solution → product (by hand)" in line
    assert json.loads((tmp_path / "build" / "report.json").read_text())["labels_changed"] == \
        report.labels_changed
    assert Builder(cfg, quiet=True).run().labels_changed == []  # nothing moved since
    slides, _ = load_manifest(tmp_path / "build")
    by_id = {s.id: s for s in slides}
    assert by_id["alpha-robotics/003"].section.label == "product"
    assert by_id["alpha-robotics/003"].section.curated
    assert not by_id["alpha-robotics/002"].section.curated

    site = tmp_path / "site"
    assert "Labelled by hand." in (site / "slide" / "alpha-robotics" / "003.html").read_text()
    assert "alpha-robotics/003.html" in (site / "section" / "product.html").read_text()
    bundle = next((site / "dataset").glob("*.tar.gz"))
    with tarfile.open(bundle) as tar:
        name = next(n for n in tar.getnames() if n.endswith("/metadata.jsonl"))
        rows = {r["id"]: r for r in map(json.loads, tar.extractfile(name))}  # type: ignore[arg-type]
        card = tar.extractfile(name.replace("metadata.jsonl", "README.md")).read().decode()  # type: ignore[union-attr]
    assert "except the 1 labelled by hand" in card
    assert rows["alpha-robotics/003"]["section_source"] == "curated"
    assert rows["alpha-robotics/002"]["section_source"] == "predicted"
    # the retraining loop reads the hand-set labels back with their OCR text
    curated = curated_examples(bundle)
    assert [(section, title) for section, title, _ in curated] == [("product", "Our Solution")]
    assert "shelves" in curated[0][2]


def test_labels_changed_says_when_a_pages_picture_changed_too():
    # a page whose image was replaced (or a PDF exported again: every page gets a new key)
    # changed for that reason, not only for a model or a label (QA-64, QA-66)
    from deckgen.build_report import labels_changed, labels_changed_line
    from deckgen.records import SectionResult

    last = [{"id": f"a/00{page}", "sha256": f"{page}" * 64, "section": {"label": "team"}}
            for page in (1, 2, 3)]
    now = [Slide(id=f"a/00{page}", deck="a", page=page, source=f"a/00{page}.jpg",
                 sha256=sha * 64, section=SectionResult(label=label))
           for page, sha, label in ((1, "1", "market"), (2, "9", "market"), (3, "3", "team"))]
    changes = labels_changed(last, now)
    assert changes == [
        {"id": "a/001", "before": "team", "now": "market", "by_hand": False, "same_picture": True},
        {"id": "a/002", "before": "team", "now": "market", "by_hand": False,
         "same_picture": False}]
    assert labels_changed_line(changes, "report.json").endswith(
        ": a/001 team → market, a/002 team → market (new picture)")


def test_review_lists_the_least_sure_predicted_slides_first(tmp_path, tiny_corpus):
    toml = tiny_corpus / "alpha-robotics" / "deck.toml"
    toml.write_text(toml.read_text() + '[sections]\n3 = "product"\n')
    assert subprocess.run(build_cmd(tmp_path, tiny_corpus), capture_output=True).returncode == 0
    # no --corpus: the fix goes to the deck.toml of the corpus that was built
    review = [*build_cmd(tmp_path, tiny_corpus)[:3], "review", "--cache", str(tmp_path / "build")]
    listed = subprocess.run([*review, "--json"], capture_output=True, text=True, check=True)
    rows = [json.loads(line) for line in listed.stdout.splitlines()]
    n = sum(len(d["slides"]) for d in DECKS.values())
    assert len(rows) == n - 1 and "alpha-robotics/003" not in {r["id"] for r in rows}
    sureness = [max(r["scores"].values()) for r in rows]
    assert sureness == sorted(sureness)
    assert all(r["section"] == max(r["scores"], key=r["scores"].get) for r in rows)
    text = subprocess.run([*review, "--limit", "1"], capture_output=True, text=True, check=True)
    first, fix = text.stdout.splitlines()
    unsure = sum(max(r["scores"].values()) < 0.5 for r in rows)
    said = f"{unsure} of {n - 1} predicted labels are unsure (label scored under 0.5)"
    assert said in text.stderr
    # a list that goes past the unsure labels says so (QA-61: 0.92s shown as if in doubt)
    assert ("the 1 least sure, none of them unsure" in text.stderr) == (unsure == 0)
    longer = subprocess.run([*review, "--limit", str(unsure + 1)], capture_output=True,
                            text=True, check=True).stderr
    past = "none of them unsure" if not unsure else f"the first {unsure} of them unsure"
    assert f"the {unsure + 1} least sure, {past}" in longer
    assert first.startswith(rows[0]["id"] + "  " + rows[0]["section"] + "  (")
    # pasted as printed, it edits the corpus this build read
    assert fix == f"    wrong? deckgen label {rows[0]['id']} <section> --cache {tmp_path / 'build'}"
    assert subprocess.run([*review, "--limit", "0"], capture_output=True).returncode == 2
    moved = subprocess.run([*review, "--limit", "1", "--corpus", str(tmp_path / "moved")],
                           capture_output=True, text=True, check=True)
    assert f"<section> --corpus {tmp_path / 'moved'}" in moved.stdout
    one = subprocess.run([*review, "--deck", "beta-health", "--json"], capture_output=True)
    assert {json.loads(line)["id"][:11] for line in one.stdout.splitlines()} == {"beta-health"}
    unknown = subprocess.run([*review, "--deck", "nope"], capture_output=True, text=True)
    assert unknown.returncode == 3 and "no deck 'nope' in the last build" in unknown.stderr


def _archive_taken_away(tmp_path, tiny_corpus) -> tuple[Path, bytes, list[str]]:
    """The archive the build wrote (its path and bytes; deleted now) and the `deckgen bundle
    build` command that should write it again."""
    archive = next((tmp_path / "site" / "dataset").glob("*.tar.gz"))
    built = archive.read_bytes()
    archive.unlink()
    bundle = [*build_cmd(tmp_path, tiny_corpus)[:3], "bundle", "build", "--out",
              str(tmp_path / "site"), "--cache", str(tmp_path / "build"), "--corpus",
              str(tiny_corpus)]
    return archive, built, bundle


def test_bundle_build_rewrites_the_archive_from_the_cache(tmp_path, tiny_corpus):
    assert subprocess.run(build_cmd(tmp_path, tiny_corpus), capture_output=True).returncode == 0
    archive, built, bundle = _archive_taken_away(tmp_path, tiny_corpus)
    info = json.loads(subprocess.run(bundle, capture_output=True, text=True, check=True).stdout)
    assert archive.read_bytes() == built and info["skipped"] == []
    # one slide's encoded images gone: encoded again from its upscaled image, same bytes
    slides, _ = load_manifest(tmp_path / "build")
    up_key = next(s for s in slides if s.id == "beta-health/002").fingerprints["upscale"]
    objects = tmp_path / "build" / "cache" / "objects" / up_key[:2]
    next((tmp_path / "build" / "cache" / "objects").rglob(f"{images_key(up_key)}.files")).unlink()
    archive.unlink()
    subprocess.run(bundle, capture_output=True, check=True)
    assert archive.read_bytes() == built
    # ...and its upscaled image too: left out, with what to do (this OpenCV or model file
    # may not be the build's: its pixels stored under the build's key would be another's)
    next((tmp_path / "build" / "cache" / "objects").rglob(f"{images_key(up_key)}.files")).unlink()
    (objects / f"{up_key}.png").unlink()
    info = json.loads(subprocess.run(bundle, capture_output=True, text=True, check=True).stdout)
    assert info["skipped"] == [{"id": "beta-health/002", "reason": "image unavailable: "
                                "beta-health/002: upscaled image missing from the cache; run "
                                "`deckgen build`"}]
    assert not (objects / f"{up_key}.png").exists()


def test_bundle_build_spools_in_the_build_folder_and_sweeps_a_killed_ones_spool(
        tmp_path, tiny_corpus):
    from deckgen.bundle import SPOOL_PREFIX

    assert subprocess.run(build_cmd(tmp_path, tiny_corpus), capture_output=True).returncode == 0
    _, _, bundle = _archive_taken_away(tmp_path, tiny_corpus)
    # what a build or `bundle build` killed with SIGKILL leaves: a spool whose lock is free
    killed = tmp_path / "build" / "spool" / f"{SPOOL_PREFIX}killed"
    killed.mkdir(parents=True)
    (killed / ".lock").write_bytes(b"")
    (killed / "slide.webp").write_bytes(b"an image waiting for the archive")
    hour_ago = time.time() - 3600
    os.utime(killed, (hour_ago, hour_ago))
    done = subprocess.run(bundle, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert not killed.exists()  # its spool is the build folder's, as a build's is, not /tmp's


def test_bundle_build_writes_the_builds_archive_with_its_settings_and_failures(
        tmp_path, tiny_corpus):
    (tiny_corpus / "alpha-robotics" / "005.jpg").write_bytes(b"this is not an image")
    (tmp_path / "deckgen.toml").write_text("[ocr]\npsm = 11\n")  # the build said --psm 6
    build = subprocess.run(build_cmd(tmp_path, tiny_corpus, "--psm", "6"), capture_output=True,
                           text=True, cwd=tmp_path)
    assert build.returncode == 0, build.stderr
    archive, built, bundle = _archive_taken_away(tmp_path, tiny_corpus)
    done = subprocess.run(bundle, capture_output=True, text=True, cwd=tmp_path, check=True)
    info = json.loads(done.stdout)
    assert [item["id"] for item in info["skipped"]] == ["alpha-robotics/005"]
    assert info["skipped"][0]["reason"].startswith("upscale failed: ")
    assert archive.read_bytes() == built
    assert "another SHA-256" not in done.stderr


def _failing_encoder(monkeypatch, times: int | None):
    """slide_task.encode_images failing its first ``times`` calls (None: every call)."""
    import deckgen.slide_task as slide_task
    real, calls = slide_task.encode_images, []

    def encode(png: bytes) -> dict[str, bytes]:
        calls.append(1)
        if times is None or len(calls) <= times:
            raise Image.DecompressionBombError("Image size exceeds limit")
        return real(png)

    monkeypatch.setattr(slide_task, "encode_images", encode)
    return calls


@pytest.mark.parametrize("fails_again", [True, False])
def test_a_slide_whose_images_fail_is_tried_again_and_never_stops_the_site(
        tmp_path, tiny_corpus, monkeypatch, fails_again):
    config = config_for(tmp_path, tiny_corpus)
    Builder(config, quiet=True).run()
    slides, _ = load_manifest(tmp_path / "build")
    up_key = next(s for s in slides if s.id == "beta-health/002").fingerprints["upscale"]
    next((tmp_path / "build" / "cache").rglob(f"{images_key(up_key)}.files")).unlink()
    shutil.rmtree(tmp_path / "site" / "img")  # the site stage runs again
    calls = _failing_encoder(monkeypatch, None if fails_again else 1)
    report = Builder(config, quiet=True).run()  # the worker's try, then the parent's
    assert len(calls) == 2
    failed = report.stages["images"].failed
    page = tmp_path / "site" / "slide" / "beta-health" / "002.html"
    if fails_again:
        assert [(f["id"], f["reason"]) for f in failed] == [
            ("beta-health/002", "DecompressionBombError: Image size exceeds limit")]
        assert report.slides_built == len(slides) - 1 and not page.exists()
        with tarfile.open(next((tmp_path / "site" / "dataset").glob("*.tar.gz"))) as tar:
            provenance = json.load(tar.extractfile(next(
                m for m in tar.getmembers() if m.name.endswith("provenance.json"))))
        assert {"id": "beta-health/002", "reason": "images failed: DecompressionBombError: "
                "Image size exceeds limit"} in provenance["skipped"]
    else:  # encoded on the second try: the site is whole and nothing is reported
        assert failed == [] and report.slides_built == len(slides) and page.exists()


def test_site_files_deleted_since_the_build_are_written_again(tmp_path, tiny_corpus):
    assert subprocess.run(build_cmd(tmp_path, tiny_corpus), capture_output=True).returncode == 0
    site_dir = tmp_path / "site"
    before = {p.relative_to(site_dir): p.read_bytes() for p in site_dir.rglob("*") if p.is_file()}
    report_before = json.loads((tmp_path / "build" / "report.json").read_text())["site"]
    # what a stray `rm` does; `deploy --delete` would then take them off the live site
    shutil.rmtree(site_dir / "img" / "alpha-robotics")
    next((site_dir / "static").glob("style.*.css")).unlink()
    (site_dir / "deck" / "beta-health.html").unlink()
    for image in sorted((site_dir / "img" / "beta-health").iterdir())[:2]:  # cut short
        image.write_bytes(image.read_bytes()[:100])
    deploy = [*build_cmd(tmp_path, tiny_corpus)[:3], "deploy", "--site", "site", "--bucket",
              "b", "--endpoint-url", "http://127.0.0.1:9", "--dry-run"]  # nothing listens
    refused = subprocess.run(deploy, capture_output=True, text=True, cwd=tmp_path)
    assert refused.returncode == 2 and "site changed since `deckgen build` wrote it" in \
        refused.stderr, refused.stderr
    again = subprocess.run(build_cmd(tmp_path, tiny_corpus), capture_output=True, text=True)
    assert again.returncode == 0, again.stderr
    after = {p.relative_to(site_dir): p.read_bytes() for p in site_dir.rglob("*") if p.is_file()}
    assert after == before
    allowed = subprocess.run(deploy, capture_output=True, text=True, cwd=tmp_path)
    assert "changed since" not in allowed.stderr  # as built: on to S3 (here: not there)
    # a copy (new mtimes) with a hand-added .well-known/ is still the finished site
    shutil.copytree(site_dir, tmp_path / "copy")
    (tmp_path / "copy" / ".well-known").mkdir()
    (tmp_path / "copy" / ".well-known" / "security.txt").write_text("Contact: x@example.com")
    # ...and so with what Windows' Explorer writes into a folder it shows (QA-42)
    (tmp_path / "copy" / "desktop.ini").write_text("[.ShellClassInfo]\n")
    (tmp_path / "copy" / "img" / "Thumbs.db").write_bytes(b"thumbnails")
    copied = [*deploy[:deploy.index("--site") + 1], "copy", *deploy[deploy.index("--site") + 2:]]
    copy_run = subprocess.run(copied, capture_output=True, text=True, cwd=tmp_path)
    assert "changed since" not in copy_run.stderr and "not a finished" not in copy_run.stderr
    # an editor's dangling lock link in the folder is no error; "./site" is the same folder
    os.symlink("nowhere", site_dir / ".#index.html")
    dotted = [*build_cmd(tmp_path, tiny_corpus)[:-4], "--out", "./site", "--cache", "build"]
    linked = subprocess.run(dotted, capture_output=True, text=True, cwd=tmp_path)
    assert linked.returncode == 0, linked.stderr
    assert subprocess.run(dotted, capture_output=True, text=True, cwd=tmp_path).returncode == 0
    report_dotted = json.loads((tmp_path / "build" / "report.json").read_text())
    assert report_dotted["stages"]["site"]["processed"] == 0
    # a build with nothing to do still reports the site it stands on
    subprocess.run(build_cmd(tmp_path, tiny_corpus), capture_output=True, check=True)
    report_after = json.loads((tmp_path / "build" / "report.json").read_text())
    assert report_after["stages"]["site"]["processed"] == 0
    assert report_after["site"]["dataset"]["sha256"] == report_before["dataset"]["sha256"]


def test_a_config_file_elsewhere_builds_its_own_corpus_into_its_own_folders(tmp_path,
                                                                            tiny_corpus):
    project, elsewhere = tmp_path / "proj", tmp_path / "other"
    project.mkdir()
    shutil.move(tiny_corpus, project / "corpus")
    (elsewhere / "corpus").mkdir(parents=True)  # a corpus of its own here: not the one read
    (project / "deckgen.toml").write_text('[build]\ncorpus = "corpus"\nout = "site"\n'
                                          'cache = "build"\nexecutor = "serial"\n')
    result = subprocess.run([sys.executable, "-m", "deckgen.cli", "build", "--quiet", "--config",
                             "../proj/deckgen.toml"], capture_output=True, text=True,
                            cwd=elsewhere)
    assert result.returncode == 0, result.stderr
    assert f"built into {project / 'site'}/ (report: {project / 'build'}/report.json)" in (
        result.stderr)
    assert (project / "site" / "index.html").exists() and (project / "build").is_dir()
    assert sorted(p.name for p in elsewhere.iterdir()) == ["corpus"]


def test_out_must_be_a_folder_of_its_own(tmp_path, tiny_corpus):
    def build(*args):
        return subprocess.run([*build_cmd(tmp_path, tiny_corpus)[:3], "build", "--corpus",
                               str(tiny_corpus), *args], capture_output=True, text=True)

    mine = tmp_path / "www"
    (mine / "img").mkdir(parents=True)
    (mine / "my-page.html").write_text("mine")
    (mine / "img" / "photo.jpg").write_text("mine")
    (tmp_path / "a-file").write_text("mine")
    for out, cache, why in ((tmp_path / "a-file", tmp_path / "b0", "is a file"),
                            (tiny_corpus, tmp_path / "b1", "overlaps the corpus"),
                            (tiny_corpus / "site", tmp_path / "b2", "overlaps the corpus"),
                            (tmp_path / "b3" / "site", tmp_path / "b3", "overlaps the cache"),
                            (mine, tmp_path / "b4", "holds files deckgen did not write")):
        refused = build("--out", str(out), "--cache", str(cache))
        assert refused.returncode == 2 and why in refused.stderr, refused.stderr
        assert not (cache / "cache").exists()  # refused before any work
    assert (mine / "my-page.html").read_text() == "mine" and (mine / "img/photo.jpg").exists()
    # a file for the cache folder is one line naming it, not a traceback
    refused = build("--out", str(tmp_path / "s5"), "--cache", str(tmp_path / "a-file"))
    assert refused.returncode == 2 and "Traceback" not in refused.stderr, refused.stderr
    assert f"error: --cache {tmp_path / 'a-file'} is a file; give a folder" in refused.stderr
    # its own folder, once written, is its own even after a build killed before any page
    out, cache = tmp_path / "site", tmp_path / "build"
    assert build("--out", str(out), "--cache", str(cache)).returncode == 0
    (out / "search" / "entry.json").unlink()
    (out / "index.html").unlink()
    again = build("--out", str(out), "--cache", str(cache))
    assert again.returncode == 0 and (out / "index.html").exists(), again.stderr


def test_a_second_build_on_the_same_cache_waits_its_turn_with_a_clear_error(
    tmp_path, tiny_corpus
):
    from deckgen.files import exclusive_lock

    (tmp_path / "build").mkdir()
    with exclusive_lock(tmp_path / "build" / "lock"):  # what a running build holds
        busy = subprocess.run(build_cmd(tmp_path, tiny_corpus), capture_output=True, text=True)
    assert busy.returncode == 7, busy.stderr  # busy: retry later, not a config error
    assert f"another deckgen run (pid {os.getpid()}) is using" in busy.stderr
    assert subprocess.run(build_cmd(tmp_path, tiny_corpus), capture_output=True).returncode == 0


def test_a_second_build_into_the_same_site_folder_is_refused_at_once(tmp_path, tiny_corpus):
    """Another --cache, the same --out: the site folder itself is locked, with no file in it
    (a deploy would upload one), and the refused build records nothing."""
    import fcntl

    site = tmp_path / "site"
    site.mkdir()
    other_cache = tmp_path / "build2"
    cmd = [*build_cmd(tmp_path, tiny_corpus)[:-2], "--cache", str(other_cache)]
    fd = os.open(site, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # what a running build holds
        busy = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    finally:
        os.close(fd)
    assert busy.returncode == 7, busy.stderr
    assert (f"another deckgen run (pid {os.getpid()}) is using {site}/; wait for it to "
            "finish, or give this one another --out") in busy.stderr
    assert not (other_cache / "site-folders.txt").exists()  # its --out not taken as its own
    assert not list(site.iterdir())
    built = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert built.returncode == 0, built.stderr
    assert not [p for p in site.rglob("*") if "lock" in p.name]


# another deckgen process holding locks: ("cache", <lock file>) or ("site", <folder>) pairs
HOLD_LOCKS = """
import sys
from contextlib import ExitStack
from pathlib import Path
from deckgen.files import exclusive_lock, folder_lock
with ExitStack() as held:
    for kind, path in zip(sys.argv[1::2], sys.argv[2::2]):
        held.enter_context(exclusive_lock(Path(path)) if kind == "cache"
                           else folder_lock(Path(path), "--out"))
    print("locked", flush=True)
    sys.stdin.read()  # until the test closes stdin
"""


@contextmanager
def another_deckgen_holding(*locks: tuple[str, Path]):
    """A second, real process that holds the locks until the block ends."""
    args = [str(part) for lock in locks for part in lock]
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCKS, *args], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        yield holder
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)


def test_every_command_refused_by_another_runs_lock_exits_7_naming_folder_and_process(
        tmp_path, tiny_corpus):
    """Busy (7), not a config error (2): a cron or CI wrapper retries later instead of
    asking someone to fix the settings."""
    build, cache, site = build_cmd(tmp_path, tiny_corpus), tmp_path / "build", tmp_path / "site"
    assert subprocess.run(build, capture_output=True).returncode == 0
    cli = build[:3]

    def run(*words: str) -> subprocess.CompletedProcess:
        return subprocess.run([*cli, *words], capture_output=True, text=True, timeout=120)

    with another_deckgen_holding(("cache", cache / "lock")) as holder:
        for words in (build[3:], ["prune", "--cache", str(cache)],
                      ["bundle", "build", "--cache", str(cache)],
                      ["label", "alpha-robotics/001", "team", "--cache", str(cache),
                       "--corpus", str(tiny_corpus)]):
            busy = run(*words)
            said = " ".join(busy.stderr.split())
            assert busy.returncode == 7, (words, busy.stderr)
            assert f"error: busy: another deckgen run (pid {holder.pid}) is using {cache}" in said
        # a build refused as busy leaves no --out it made (QA-57)
        new_out = tmp_path / "new" / "deep" / "site"
        busy = run(*build[3:-4], "--out", str(new_out), "--cache", str(cache))
        assert busy.returncode == 7 and not (tmp_path / "new").exists(), busy.stderr
    other_cache = tmp_path / "build2"
    with another_deckgen_holding(("site", site)) as holder:
        for words, advice in (
                ([*build[3:-2], "--cache", str(other_cache)], "or give this one another --out"),
                (["bundle", "build", "--cache", str(cache)],
                 "then run `deckgen bundle build` again")):  # another --out: another build's
            busy = run(*words)
            said = " ".join(busy.stderr.split())
            assert busy.returncode == 7, (words, busy.stderr)
            assert (f"error: busy: another deckgen run (pid {holder.pid}) is using {site}/; "
                    f"wait for it to finish, {advice}") in said
    assert not other_cache.exists()
    assert run(*build[3:]).returncode == 0  # the same command, run again once it is free


def test_a_build_killed_mid_site_then_the_corpus_put_back_leaves_no_removed_deck(
    tmp_path, tiny_corpus
):
    assert subprocess.run(build_cmd(tmp_path, tiny_corpus), capture_output=True).returncode == 0
    key_before = (tmp_path / "build" / "site.key").read_bytes()
    leak = tiny_corpus / "leak"
    shutil.copytree(tiny_corpus / "alpha-robotics", leak)
    (leak / "deck.toml").write_text('company = "Confidentialco"\n')
    assert subprocess.run(build_cmd(tmp_path, tiny_corpus), capture_output=True).returncode == 0
    # as if that build had been killed after writing its pages, before recording its key
    (tmp_path / "build" / "site.key").write_bytes(key_before)
    shutil.rmtree(leak)
    assert subprocess.run(build_cmd(tmp_path, tiny_corpus), capture_output=True).returncode == 0
    site_dir = tmp_path / "site"
    assert not (site_dir / "deck" / "leak.html").exists()
    assert not any(b"Confidentialco" in p.read_bytes()
                   for p in site_dir.rglob("*") if p.is_file() and p.suffix in (".html", ".json"))


def test_a_new_deck_whose_deck_toml_has_a_typo_is_left_out_until_it_is_fixed(
    tmp_path, tiny_corpus
):
    assert subprocess.run(build_cmd(tmp_path, tiny_corpus), capture_output=True).returncode == 0
    new = tiny_corpus / "zeta"
    shutil.copytree(tiny_corpus / "alpha-robotics", new)
    meta = 'company = "Zetaco"\nlicense = "All rights reserved"\n'
    (new / "deck.toml").write_text(meta + "year = [\n")  # a typo
    broken = subprocess.run(build_cmd(tmp_path, tiny_corpus), capture_output=True, text=True)
    assert broken.returncode == 0, broken.stderr
    assert "deck left out until it is fixed (never published without its licence)" in broken.stderr
    slides, decks = load_manifest(tmp_path / "build")
    assert "zeta" not in decks and not any(s.deck == "zeta" for s in slides)
    assert not (tmp_path / "site" / "deck" / "zeta.html").exists()
    (new / "deck.toml").write_text(meta)
    fixed = subprocess.run(build_cmd(tmp_path, tiny_corpus), capture_output=True, text=True)
    assert fixed.returncode == 0 and "left out" not in fixed.stderr, fixed.stderr
    assert load_manifest(tmp_path / "build")[1]["zeta"].license == "All rights reserved"


def test_a_multi_page_tiff_is_named_in_every_build_report(tmp_path, tiny_corpus):
    pages = [Image.new("RGB", (480, 270), colour) for colour in ("white", "gray", "black")]
    pages[0].save(tiny_corpus / "alpha-robotics" / "009.tiff", save_all=True,
                  append_images=pages[1:])
    for _ in range(2):  # the second build takes the slide from the cache, and still says it
        done = subprocess.run(build_cmd(tmp_path, tiny_corpus), capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        assert "3 pages in this TIFF; only the first is used" in done.stderr
        report = json.loads((tmp_path / "build" / "report.json").read_text())
        assert {"path": "alpha-robotics/009.tiff", "reason": "3 pages in this TIFF; only the "
                "first is used — split it or save it as a PDF"} in report["problems"]


def test_the_terminal_says_how_many_site_pages_a_change_rewrote(tmp_path, tiny_corpus):
    assert subprocess.run(build_cmd(tmp_path, tiny_corpus), capture_output=True).returncode == 0
    toml = tiny_corpus / "beta-health" / "deck.toml"
    toml.write_text(toml.read_text().replace("2021", "2019"))
    done = subprocess.run(build_cmd(tmp_path, tiny_corpus), capture_output=True, text=True)
    pages = json.loads((tmp_path / "build" / "report.json").read_text())["site"]["pages"]
    assert 0 < pages["written"] < pages["unchanged"]  # that deck's pages, the lists, no more
    assert (f"site pages: {pages['written']} written, {pages['unchanged']} unchanged\n"
            in done.stderr)
    assert "removed" not in done.stderr  # nothing removed: no line naming removed files
    again = subprocess.run(build_cmd(tmp_path, tiny_corpus), capture_output=True, text=True)
    assert "site pages:" not in again.stderr  # the site stage was cached: nothing to say


def test_hand_label_warnings_compare_words_of_any_script():
    from deckgen.manifest import _same_words

    assert not _same_words("Рынок стартапов вырос втрое", "Команда основателей и советники")
    assert _same_words("Рынок стартапов вырос втрое", "Рынок стартапов вырос втрое!")


def _labelled_build(root, pictures: list[str], sections: dict[str, str],
                    images: list[bytes] | None = None) -> list[str]:
    """What a finished build of one deck says of its hand labels: ``pictures`` are the
    pages' words (a picture's sha256 is its words', or its image's), ``sections`` its
    [sections], ``images`` the pages' image files."""
    from deckgen.corpus import Corpus
    from deckgen.manifest import labels_on_other_slides, last_manifest, write_manifest
    from deckgen.records import DeckMeta, OcrResult, SectionResult

    decks = {"acme": DeckMeta(slug="acme", sections=sections)}
    slides = [Slide(id=f"acme/{page:03d}", deck="acme", page=page, source=f"acme/{page:03d}.jpg",
                    sha256=hashlib.sha256(images[page - 1] if images else words.encode()
                                          ).hexdigest(),
                    ocr=OcrResult(text=words, title="", mean_confidence=90.0),
                    section=SectionResult(label=sections.get(str(page), "other"),
                                          curated=str(page) in sections))
              for page, words in enumerate(pictures, start=1)]
    picture = (lambda slide: images[slide.page - 1]) if images else None
    said, _ = labels_on_other_slides(slides, decks, last_manifest(root).get("slides", []), picture)
    write_manifest(root, slides, Corpus(root=root, decks=decks, slides=slides), root / "site",
                   picture)
    return [f"{p.path}: {p.reason}" for p in said]


def test_a_label_moved_onto_a_page_whose_own_slide_is_gone_is_not_cleared_after(tmp_path):
    # QA-87: a slide deleted; its page's warning offered --clear, which, run after the next
    # page's move onto it, dropped the label just moved there
    pictures = ["Acme robots", "Traction tripled", "Team of founders", "Raising a seed round"]
    sections = {"2": "traction", "3": "team"}
    assert _labelled_build(tmp_path, pictures, sections) == []
    said = _labelled_build(tmp_path, [pictures[0], *pictures[2:]], sections)
    assert said == [
        "acme/002 (acme/002.jpg): labelled traction by hand, but page 2 reads differently "
        "since it was labelled, and no page shows that slide now: moving the team label to "
        "page 2 replaces this one; until then the model labels page 2",
        "acme/003 (acme/003.jpg): labelled team by hand, but for the slide now on page 2 "
        "(page 3 shows another since): run `deckgen label acme/002 team` to label that "
        "slide, and `deckgen label acme/003 --clear` to drop it from page 3; or run `deckgen "
        "label acme/003 team` to keep it on the slide page 3 shows now; until then the "
        "model labels page 3"]


def test_a_labelled_slide_saved_again_is_the_same_picture_though_ocr_reads_it_otherwise(
    tmp_path
):
    def jpeg(title: str, quality: int) -> bytes:
        image = Image.new("RGB", (480, 270), "white")
        draw = ImageDraw.Draw(image)
        draw.rectangle((0, 0, 480, 60), fill=(20, 60, 120))
        draw.text((20, 20), title, fill="white")
        draw.ellipse((300, 120, 420, 240), fill=(200, 80, 40))
        buf = io.BytesIO()
        image.save(buf, "JPEG", quality=quality)
        return buf.getvalue()

    words = ["Acme robots", "Traction revenue tripled customers"]
    first = [jpeg("Acme", 95), jpeg("Traction", 95)]
    assert _labelled_build(tmp_path, words, {"2": "traction"}, first) == []
    # a label kept before looks were (an older manifest) gains one on its own picture
    manifest = tmp_path / "manifest.json"
    data = json.loads(manifest.read_text())
    del data["slides"][1]["hand_label"]["look"]
    manifest.write_text(json.dumps(data))
    assert _labelled_build(tmp_path, words, {"2": "traction"}, first) == []
    assert json.loads(manifest.read_text())["slides"][1]["hand_label"]["look"]
    # exported again at another quality: small slides read noisily, the words differ
    noisy = ["Acme robots", "Tracton rcvenue trip1ed"]
    again = [jpeg("Acme", 40), jpeg("Traction", 40)]
    assert _labelled_build(tmp_path, noisy, {"2": "traction"}, again) == []
    # another slide on page 2: said
    other = [jpeg("Acme", 40), _another_slide_jpeg()]
    assert len(_labelled_build(tmp_path, ["Acme robots", "Team of founders"],
                               {"2": "traction"}, other)) == 1


def _another_slide_jpeg() -> bytes:
    image = Image.new("RGB", (480, 270), (240, 240, 200))
    ImageDraw.Draw(image).rectangle((40, 100, 200, 250), fill=(10, 10, 10))
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=60)
    return buf.getvalue()


def test_a_hand_label_on_another_picture_is_said_every_build_until_fixed_or_confirmed(tmp_path):
    from deckgen.manifest import confirm_hand_label

    cover, market, traction, team = ("Acme robots for warehouses", "Market of forty billion "
                                     "dollars", "Traction revenue tripled customers", "Team "
                                     "founders advisors engineers")
    deck = [cover, market, traction]
    assert _labelled_build(tmp_path, deck, {"3": "traction"}) == []
    inserted = [cover, team, market, traction]  # a slide inserted: page 3 is the market now
    for _ in range(3):  # every build, not only the first that sees it (cron, --quiet)
        assert _labelled_build(tmp_path, inserted, {"3": "traction"}) == [
            "acme/003 (acme/003.jpg): labelled traction by hand, but for the slide now on page "
            "4 (page 3 shows another since): run `deckgen label acme/004 traction` to label "
            "that slide, and `deckgen label acme/003 --clear` to drop it from page 3; or run "
            "`deckgen label acme/003 traction` to keep it on the slide page 3 shows now; until "
            "then the model labels page 3"]
    # moved by `deckgen label acme/004 traction`, not yet dropped from page 3: that is left
    assert _labelled_build(tmp_path, inserted, {"3": "traction", "4": "traction"}) == [
        "acme/003 (acme/003.jpg): labelled traction by hand, but for the slide now on page 4 "
        "(page 3 shows another since): run `deckgen label acme/003 --clear` to drop it from "
        "page 3; or run `deckgen label acme/003 traction` to keep it on the slide page 3 shows "
        "now; until then the model labels page 3"]
    # [sections] set right: the label is on its picture again, and nothing is said
    assert _labelled_build(tmp_path, inserted, {"4": "traction"}) == []
    # a page whose picture is nowhere now: no page named
    gone = _labelled_build(tmp_path, [cover, team, market, "Pricing plans per seat"],
                           {"4": "traction"})
    assert gone == ["acme/004 (acme/004.jpg): labelled traction by hand, but page 4 reads "
                    "differently since it was labelled, and no page shows that slide now: run "
                    "`deckgen label acme/004 traction` to keep it on the slide page 4 shows now, "
                    "or `deckgen label acme/004 --clear` to drop it from page 4; until then the "
                    "model labels page 4"]
    # `deckgen label acme/004 traction` again: the label is kept on the picture there now
    confirm_hand_label(tmp_path, "acme/004")
    for _ in range(2):
        assert _labelled_build(tmp_path, [cover, team, market, "Pricing plans per seat"],
                               {"4": "traction"}) == []
    # the same slide exported again (another file, the same words) is the same picture
    assert _labelled_build(tmp_path, [cover, team, market, "Pricing plans per seat!"],
                           {"4": "traction"}) == []


def test_a_hand_label_from_a_manifest_before_labels_kept_their_picture_is_still_checked(
    tmp_path
):
    deck = ["Acme robots for warehouses", "Traction revenue tripled customers"]
    assert _labelled_build(tmp_path, deck, {"2": "traction"}) == []
    manifest = tmp_path / "manifest.json"
    data = json.loads(manifest.read_text())
    for record in data["slides"]:
        record.pop("hand_label", None)  # as a build before this change wrote it
    manifest.write_text(json.dumps(data))
    for _ in range(2):
        said = _labelled_build(tmp_path, deck[::-1], {"2": "traction"})
        assert len(said) == 1 and "but for the slide now on page 1 " in said[0]


def test_a_typo_in_deck_toml_keeps_the_last_metadata_and_hand_labels_say_when_pages_move(
    tmp_path, tiny_corpus
):
    deck = tiny_corpus / "alpha-robotics"
    toml = deck / "deck.toml"
    toml.write_text(toml.read_text() + '[sections]\n3 = "product"\n')
    assert subprocess.run(build_cmd(tmp_path, tiny_corpus), capture_output=True).returncode == 0
    toml.write_text(toml.read_text() + 'company = [\n')  # a typo
    broken = subprocess.run(build_cmd(tmp_path, tiny_corpus), capture_output=True, text=True)
    assert broken.returncode == 0 and "malformed TOML" in broken.stderr
    assert "; the last build's metadata is used until it is fixed" in broken.stderr
    assert "metadata ignored" not in broken.stderr  # one line, not two that disagree
    slides, decks = load_manifest(tmp_path / "build")
    assert decks["alpha-robotics"].license == "CC0-1.0"  # not published without its licence
    assert next(s for s in slides if s.id == "alpha-robotics/003").section.curated
    toml.write_text(toml.read_text().replace("company = [\n", ""))
    # slides 2 and 3 swapped: the hand label stays on page 3, now another picture
    (deck / "002.jpg").rename(deck / "tmp.jpg")
    (deck / "003.jpg").rename(deck / "002.jpg")
    (deck / "tmp.jpg").rename(deck / "003.jpg")
    # the build that first sees the change stops before it finishes (here: the site stage
    # cannot write its images); the next one must still say it
    shutil.rmtree(tmp_path / "site" / "img")
    (tmp_path / "site" / "img").write_text("not a folder")
    stopped = subprocess.run(build_cmd(tmp_path, tiny_corpus), capture_output=True, text=True)
    assert stopped.returncode == 3 and "Not a directory" in stopped.stderr, stopped.stderr
    (tmp_path / "site" / "img").unlink()
    moved = subprocess.run(build_cmd(tmp_path, tiny_corpus), capture_output=True, text=True)
    assert moved.returncode == 0, moved.stderr
    said = ("alpha-robotics/003 (alpha-robotics/003.jpg): labelled product by hand, but for "
            "the slide now on page 2 (page 3 shows another since)")
    assert said in moved.stderr
    again = subprocess.run(build_cmd(tmp_path, tiny_corpus), capture_output=True, text=True)
    assert said in again.stderr  # said by every build, not only the one that saw the change
    slides = {s.id: s for s in load_manifest(tmp_path / "build")[0]}
    assert not slides["alpha-robotics/003"].section.curated  # the model's, meanwhile
    # `deckgen label` again confirms the label on the slide there now: no more warnings
    cli = [*build_cmd(tmp_path, tiny_corpus)[:3], "label", "alpha-robotics/003", "product",
           "--cache", str(tmp_path / "build")]
    assert subprocess.run(cli, capture_output=True).returncode == 0
    confirmed = subprocess.run(build_cmd(tmp_path, tiny_corpus), capture_output=True, text=True)
    assert confirmed.returncode == 0 and "labelled product" not in confirmed.stderr
    slides = {s.id: s for s in load_manifest(tmp_path / "build")[0]}
    assert slides["alpha-robotics/003"].section.curated  # applied on the slide there now
    assert slides["alpha-robotics/003"].section.label == "product"
    # a PDF deck exported again with a page more: its labelled pages read the same
    pages = [Image.open(io.BytesIO(draw_slide(t, b))) for t, b in DECKS["beta-health"]["slides"]]
    pdf_deck = tiny_corpus / "pdf-deck"
    pdf_deck.mkdir()
    (pdf_deck / "deck.toml").write_text('[sections]\n2 = "market"\n')
    pages[0].save(pdf_deck / "deck.pdf", save_all=True, append_images=pages[1:2])
    assert subprocess.run(build_cmd(tmp_path, tiny_corpus), capture_output=True).returncode == 0
    pages[0].save(pdf_deck / "deck.pdf", save_all=True, append_images=pages[1:])
    exported = subprocess.run(build_cmd(tmp_path, tiny_corpus), capture_output=True, text=True)
    assert exported.returncode == 0 and "by hand" not in exported.stderr, exported.stderr
    shutil.rmtree(tiny_corpus / "beta-health")
    gone = subprocess.run(build_cmd(tmp_path, tiny_corpus), capture_output=True, text=True)
    assert "gone since the last build: beta-health (its pages" in gone.stderr


QUILLPAY = [("Quillpay", "Payments for freelancers"),
            ("The Problem", "Invoices wait sixty days"),
            ("Our Solution", "Instant payouts on every invoice"),
            ("Market Size", "Forty billion dollar market"),
            ("Traction", "Revenue grew 300 percent this year"),
            ("Meet the Team", "Ada Lovelace CEO and Alan Turing CTO"),
            ("Business Model", "Two percent fee per payout")]


def test_hand_labels_left_on_other_slides_by_an_inserted_slide_wait_for_the_user(
        tmp_path, monkeypatch):
    """QA-85: a slide inserted before two labelled pages left "team" on the Traction slide,
    published and packed as labelled by hand. The labels wait (the model labels those
    pages, every build, their anchors kept) until the commands the warnings lead with
    move them to their slides."""
    corpus, build = tmp_path / "corpus", tmp_path / "build"
    monkeypatch.chdir(tmp_path)  # ./build: the commands advised need no --cache
    deck = corpus / "quillpay-deck"
    deck.mkdir(parents=True)
    (deck / "deck.toml").write_text('company = "Quillpay"\nlicense = "CC0-1.0"\n')
    for page, (title, body) in enumerate(QUILLPAY, start=1):
        (deck / f"{page:03d}.jpg").write_bytes(draw_slide(title, body, (480, 270)))
    cfg = config_for(tmp_path, corpus)
    Builder(cfg, quiet=True).run()

    def deckgen(*words: str) -> None:
        done = subprocess.run([sys.executable, "-m", "deckgen", *words, "--cache", str(build)],
                              capture_output=True, text=True)
        assert done.returncode == 0, done.stderr

    def built() -> dict[str, Slide]:
        return {s.id: s for s in load_manifest(build)[0]}

    deckgen("label", "quillpay-deck/005", "traction")
    deckgen("label", "quillpay-deck/006", "team")
    Builder(cfg, quiet=True).run()
    anchors = {r["id"]: r["hand_label"]["sha256"]
               for r in json.loads((build / "manifest.json").read_text())["slides"]
               if "hand_label" in r}
    (deck / "004a.jpg").write_bytes(draw_slide("Competition", "Banks are slow and costly",
                                               (480, 270)))
    for _ in range(2):  # every build, and the labels stay tied to their own pictures
        report = Builder(cfg, quiet=True).run()
        said = report_problems(report)
        assert said == [
            "quillpay-deck/005 (quillpay-deck/004a.jpg): labelled traction by hand, but for the "
            "slide now on page 6 (page 5 shows another since): run `deckgen label "
            "quillpay-deck/006 traction` to label that slide, and `deckgen label "
            "quillpay-deck/005 --clear` to drop it from page 5; or run `deckgen label "
            "quillpay-deck/005 traction` to keep it on the slide page 5 shows now; until then "
            "the model labels page 5",
            # its --clear would drop the traction label moved there
            "quillpay-deck/006 (quillpay-deck/005.jpg): labelled team by hand, but for the "
            "slide now on page 7 (page 6 shows another since): run `deckgen label "
            "quillpay-deck/007 team` to label that slide (moving the traction label to page 6 "
            "replaces this one); or run `deckgen label quillpay-deck/006 team` to keep it on "
            "the slide page 6 shows now; until then the model labels page 6"]
        said_in_build_folder = said
        assert report.failures == 2  # what --strict fails on
        slides = built()
        assert not any(s.section.curated for s in slides.values())
        traction_page = (tmp_path / "site/slide/quillpay-deck/006.html").read_text()
        assert "Labelled by hand" not in traction_page
        assert {r["id"]: r["hand_label"]["sha256"]
                for r in json.loads((build / "manifest.json").read_text())["slides"]
                if "hand_label" in r} == anchors
    # built from elsewhere (QA-87): each command advised names the cache, or `deckgen label`
    # confirms in ./build and the warning comes back for ever
    monkeypatch.chdir(corpus)
    said = report_problems(Builder(cfg, quiet=True).run())
    assert said == [re.sub(r"(`deckgen label [^`]*)`", rf"\1 --cache {build}`", line)
                    for line in said_in_build_folder]
    # the commands each warning leads with, as a user pastes them
    for line in said:
        for command in [line.split("run `")[1], *line.split(", and `")[1:2]]:
            words = shlex.split(command.split("`")[0])
            done = subprocess.run([sys.executable, "-m", *words], capture_output=True,
                                  text=True)
            assert done.returncode == 0, done.stderr
    report = Builder(cfg, quiet=True).run()
    assert report_problems(report) == []
    slides = built()
    assert {i: s.section.label for i, s in slides.items() if s.section.curated} == {
        "quillpay-deck/006": "traction", "quillpay-deck/007": "team"}
    assert "Labelled by hand" in (tmp_path / "site/slide/quillpay-deck/007.html").read_text()


def test_a_takedown_of_many_decks_names_ten_and_points_to_the_report():
    from deckgen.build_report import gone_line
    many = gone_line([f"deck-{n:03d}" for n in range(112)], "build/report.json")
    assert many.startswith("gone since the last build: deck-000, deck-001,")
    assert "deck-009 and 102 more (all in build/report.json) (its pages" in many
    assert "deck-010" not in many
    assert gone_line(["beta"], "r.json").startswith("gone since the last build: beta (its pages")


def test_prune_keeps_what_the_last_build_used_and_nothing_else(tmp_path, tiny_corpus):
    cli = [*build_cmd(tmp_path, tiny_corpus)[:3], "prune", "--cache", str(tmp_path / "build")]
    assert subprocess.run(build_cmd(tmp_path, tiny_corpus), capture_output=True).returncode == 0
    deck = tiny_corpus / "alpha-robotics"
    (deck / "002.jpg").write_bytes((deck / "001.jpg").read_bytes())  # a slide replaced
    assert subprocess.run(build_cmd(tmp_path, tiny_corpus), capture_output=True).returncode == 0
    objects = tmp_path / "build" / "cache" / "objects"
    before = sorted(p.name for p in objects.rglob("*.*"))
    dry = subprocess.run([*cli, "--dry-run"], capture_output=True, text=True, check=True)
    assert sorted(p.name for p in objects.rglob("*.*")) == before
    # the old picture's upscale (png, json), Tesseract's output, OCR and images; its deck's
    # old labels
    assert "would delete 6 cache entries" in dry.stderr, dry.stderr
    done = subprocess.run(cli, capture_output=True, text=True, check=True)
    assert "deleted 6 cache entries" in done.stderr
    assert len(list(objects.rglob("*.*"))) == len(before) - 6
    again = subprocess.run(build_cmd(tmp_path, tiny_corpus), capture_output=True, text=True)
    assert again.returncode == 0, again.stderr
    stages = json.loads((tmp_path / "build" / "report.json").read_text())["stages"]
    assert all(stage["processed"] == 0 for stage in stages.values()), stages  # all kept


def test_prune_keeps_the_images_the_last_build_made_when_this_deckgen_encodes_otherwise(
        tmp_path, tiny_corpus, monkeypatch):
    # QA-68: after an upgrade that changed the images' encoding, prune called every image
    # the last build used unused (it recomputed their keys with this deckgen's version)
    from deckgen import slide_task
    from deckgen.build import used_cache_keys

    assert subprocess.run(build_cmd(tmp_path, tiny_corpus), capture_output=True).returncode == 0
    used = used_cache_keys(tmp_path / "build")
    images = {p.name.partition(".")[0]
              for p in (tmp_path / "build" / "cache" / "objects").rglob("*.files")}
    assert len(images) == 7 and images <= used
    monkeypatch.setattr(slide_task, "IMAGES_VERSION", "an encoder of another deckgen")
    assert used_cache_keys(tmp_path / "build") == used


def test_a_root_page_the_last_build_made_goes_when_no_longer_made_even_without_the_mark(
        tmp_path, tiny_corpus):
    # QA-70: a decks-2.html of a deckgen from before pages carried their mark (or made from
    # templates without it) stayed for ever, deployed, linking a deck gone
    from deckgen.files import content_stamp
    from deckgen.site_marker import SITE_MARKER, site_marker, unfinished_site

    out = tmp_path / "site"

    def build() -> str:
        done = subprocess.run([c for c in build_cmd(tmp_path, tiny_corpus) if c != "--quiet"],
                              capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        return done.stderr

    build()
    old_page = "<p>a list page an older deckgen made</p>\n"
    (out / "decks-2.html").write_text(old_page)
    (out / SITE_MARKER).write_text(json.dumps({"stamp": content_stamp(out)}))  # as it wrote
    said = build()
    assert not (out / "decks-2.html").exists()
    assert "removed 1 file this build did not make: decks-2.html" in said
    # the folder changed since that build (a page of the user's): the marks alone decide
    (out / "decks-2.html").write_text(old_page)
    (out / SITE_MARKER).write_text(json.dumps({"stamp": content_stamp(out)}))
    (out / "impressum.html").write_text("<h1>Impressum</h1>\n")
    said = build()
    assert (out / "impressum.html").exists() and (out / "decks-2.html").exists()
    assert "kept 2 files deckgen did not make: decks-2.html, impressum.html" in said
    # a page the last build made from templates without the mark: its marker lists it
    (out / "old.html").write_text(old_page)
    (out / SITE_MARKER).write_bytes(site_marker(out, ["decks-2.html", "impressum.html"]))
    said = build()
    assert not (out / "old.html").exists() and (out / "impressum.html").exists()
    assert "removed 1 file this build did not make: old.html" in said
    # the index's and the archive's folders: another stage's files, a user's named (QA-71)
    (out / "search" / "mine.txt").write_text("mine")
    (out / "dataset" / "README.txt").write_text("mine")
    said = build()
    assert (out / "search" / "mine.txt").exists() and (out / "dataset" / "README.txt").exists()
    assert ("kept 4 files deckgen did not make: dataset/README.txt, decks-2.html, "
            "impressum.html, search/mine.txt") in said
    # QA-72: the same cache building another folder, then this one: its own marker says
    # which files are the user's (the cache's site-report.json was the other folder's)
    other = subprocess.run([*build_cmd(tmp_path, tiny_corpus)[:-4], "--out",
                            str(tmp_path / "preview"), "--cache", str(tmp_path / "build")],
                           capture_output=True, text=True)
    assert other.returncode == 0, other.stderr
    build()
    assert (out / "impressum.html").exists() and (out / "decks-2.html").exists()
    # a build that fails in the site stage keeps the last finished one's record: the next
    # still knows an unmarked page it made (QA-72), and deploy refuses the folder meanwhile
    (out / "old.html").write_text(old_page)
    (out / SITE_MARKER).write_bytes(site_marker(out, ["decks-2.html", "dataset/README.txt",
                                                       "impressum.html", "search/mine.txt"]))
    broken = tmp_path / "templates"
    shutil.copytree(Path(__file__).parent.parent / "site_templates", broken)
    slide_page = (broken / "slide.html").read_text()
    (broken / "slide.html").write_text(slide_page.replace("{% block title %}",
                                                          "{% block title %}{{ nosuch }}", 1))
    failed = subprocess.run(build_cmd(tmp_path, tiny_corpus), capture_output=True, text=True,
                            env={**os.environ, "DECKGEN_TEMPLATES": str(broken)})
    assert failed.returncode == 2 and "'nosuch' is undefined" in failed.stderr
    assert unfinished_site(out).endswith("is not a finished deckgen build (killed halfway, "
                                         "or not built yet)")
    # a template that does not compile is found before the stage changes anything: the
    # folder, its search index and archive stay as the last finished build left them (QA-73)
    (broken / "slide.html").write_text(slide_page)
    build()
    (broken / "home.html").write_text("{% if %}")
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    failed = subprocess.run(build_cmd(tmp_path, tiny_corpus),
                            capture_output=True, text=True,
                            env={**os.environ, "DECKGEN_TEMPLATES": str(broken)})
    assert failed.returncode == 2 and "home.html" in failed.stderr
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    assert unfinished_site(out) is None
    (out / "old.html").write_text(old_page)  # for the check below: an unmarked page it made
    (out / SITE_MARKER).write_bytes(site_marker(out, ["decks-2.html", "dataset/README.txt",
                                                       "impressum.html", "search/mine.txt"]))
    said = build()
    assert not (out / "old.html").exists() and (out / "impressum.html").exists()


def test_a_private_gallerys_own_robots_txt_letting_crawlers_in_is_a_report_warning(
        tmp_path, tiny_corpus):
    cfg = config_for(tmp_path, tiny_corpus)
    assert not any("robots.txt" in w for w in Builder(cfg, quiet=True).run().warnings)
    (tmp_path / "site" / "robots.txt").write_text("User-agent: GPTBot\nDisallow: /\n")
    cfg = replace(cfg, site=replace(cfg.site, search_engines=False))
    report = Builder(cfg, quiet=True).run()
    assert any(w.startswith("robots.txt is your own and kept") for w in report.warnings)


def test_the_bundle_never_pairs_a_slide_with_another_pictures_text_or_a_stale_checksum(
    tmp_path, tiny_corpus
):
    assert subprocess.run(build_cmd(tmp_path, tiny_corpus), capture_output=True).returncode == 0
    bundle = [*build_cmd(tmp_path, tiny_corpus)[:3], "bundle", "build", "--out",
              str(tmp_path / "site"), "--cache", str(tmp_path / "build"), "--corpus",
              str(tiny_corpus)]
    page = tmp_path / "site" / "dataset.html"
    # the archive rewritten with other dates, as `bundle build` allows: the next build
    # brings dataset.html to the SHA-256 the download now has
    dated = subprocess.run(bundle, capture_output=True, text=True, check=True,
                           env={**os.environ, "SOURCE_DATE_EPOCH": "1800000000"})
    info = json.loads(dated.stdout)
    assert info["sha256"] not in page.read_text() and "another SHA-256" in dated.stderr
    rebuilt = subprocess.run(build_cmd(tmp_path, tiny_corpus), capture_output=True, text=True,
                             env={**os.environ, "SOURCE_DATE_EPOCH": "1800000000"})
    assert rebuilt.returncode == 0, rebuilt.stderr
    archive = tmp_path / "site" / info["file"]
    assert hashlib.sha256(archive.read_bytes()).hexdigest() in page.read_text()
    # a slide's file replaced since the build: its text and labels are another picture's
    deck = tiny_corpus / "alpha-robotics"
    (deck / "002.jpg").write_bytes((deck / "001.jpg").read_bytes())
    changed = subprocess.run(bundle, capture_output=True, text=True, check=True)
    skipped = json.loads(changed.stdout)["skipped"]
    assert [item["id"] for item in skipped] == ["alpha-robotics/002"]
    assert "changed since the last build; run `deckgen build` first" in skipped[0]["reason"]
    assert "alpha-robotics/002 left out of the archive" in changed.stderr
    into_corpus = [*bundle[:bundle.index("--out") + 1], str(tiny_corpus / "x"),
                   *bundle[bundle.index("--out") + 2:]]
    refused = subprocess.run(into_corpus, capture_output=True, text=True)
    assert refused.returncode == 2 and "overlaps the corpus" in refused.stderr, refused.stderr


def test_label_sets_a_section_by_hand_that_the_next_build_keeps(tmp_path, tiny_corpus):
    assert subprocess.run(build_cmd(tmp_path, tiny_corpus), capture_output=True).returncode == 0
    cli = [*build_cmd(tmp_path, tiny_corpus)[:3]]
    cache = ["--cache", str(tmp_path / "build")]

    def label(*args):  # no --corpus: the corpus the last build read
        return subprocess.run([*cli, "label", *args, *cache], capture_output=True, text=True)

    toml = tiny_corpus / "beta-health" / "deck.toml"
    before = toml.read_text()
    done = label("beta-health/002", "Business Model")
    assert done.returncode == 0, done.stderr
    assert "beta-health/002 labelled business-model in" in done.stderr
    # the site folder the last build wrote, not ./site (a second site)
    assert (f"`deckgen build --corpus {tiny_corpus} --out {tmp_path / 'site'} --cache "
            f"{tmp_path / 'build'}` applies it" in done.stderr)
    assert toml.read_text() == before.rstrip("\n") + '\n\n[sections]\n2 = "business-model"\n'
    assert subprocess.run(build_cmd(tmp_path, tiny_corpus), capture_output=True).returncode == 0
    slide = next(s for s in load_manifest(tmp_path / "build")[0] if s.id == "beta-health/002")
    assert slide.section.label == "business-model" and slide.section.curated
    assert "Labelled by hand" in (tmp_path / "site/slide/beta-health/002.html").read_text()
    assert label("beta-health/2", "--clear").returncode == 0
    assert "business-model" not in toml.read_text()
    # --corpus given: the printed build reads it too (without it, ./corpus would be built
    # into this site, and every deck of the real corpus taken off it)
    named = label("beta-health/002", "team", "--corpus", str(tiny_corpus))
    assert f"`deckgen build --corpus {tiny_corpus} --out" in named.stderr, named.stderr
    for args, code, said in [(("beta-health/002", "problems"), 2, "unknown section 'problems'"),
                             (("beta-health/099", "team"), 3, "has no slide 99"),
                             (("nope/001", "team"), 3, "no deck 'nope'"),
                             (("../beta-health/001", "team"), 3, "no deck '../beta-health'"),
                             (("beta-health", "team"), 3, "is not a slide"),
                             (("beta-health/\u00b2", "team"), 3, "is not a slide"),
                             (("beta-health/001",), 2, "give a section, or --clear")]:
        wrong = label(*args)
        assert wrong.returncode == code and said in wrong.stderr, (args, wrong.stderr)
    # never under a running build: it would write its manifest over the confirmation
    labelled = toml.read_text()
    with exclusive_lock(tmp_path / "build" / "lock"):
        busy = label("beta-health/003", "team")
    assert busy.returncode != 0 and "another deckgen run" in busy.stderr, busy.stderr
    assert toml.read_text() == labelled


def test_search_cli_reads_sections_as_written_and_points_to_them(tmp_path, tiny_corpus):
    assert subprocess.run(build_cmd(tmp_path, tiny_corpus), capture_output=True).returncode == 0
    search = [*build_cmd(tmp_path, tiny_corpus)[:3], "search", "--cache", str(tmp_path / "build")]

    def run(*args):
        return subprocess.run([*search, *args], capture_output=True, text=True)

    slug = run("", "--section", "problem", "--json")
    assert slug.returncode == 0 and slug.stdout
    assert run("", "--section", " Problem ", "--json").stdout == slug.stdout
    bogus = run("", "--section", "problems")
    assert bogus.returncode == 2
    assert "unknown section 'problems'; use one of: cover," in bogus.stderr
    assert bogus.stderr.rstrip().endswith("did you mean 'problem'?")  # as label says it
    # filters match whatever the case and spacing; a value no slide has lists those there are
    seed = run("", "--stage", "seed", "--json").stdout
    assert seed and run("", "--stage", " SEED", "--json").stdout == seed
    assert run("", "--stage", "Series A", "--json").stdout == run("", "--stage", "series-a",
                                                                   "--json").stdout != ""
    late = run("", "--stage", "series-z")
    assert late.returncode == 3 and "no slide has stage 'series-z'; there are:" in late.stderr
    assert "seed" in late.stderr and "series-a" in late.stderr
    for args, said in [(("",), "give words to search for, or a filter"),
                       (("aisles", "--limit", "0"), "Invalid value for '--limit'")]:
        wrong = run(*args)
        assert wrong.returncode == 2 and said in wrong.stderr and "Traceback" not in wrong.stderr
    named = run("problem")  # the word finds only the slides that say it
    assert 'tip: `deckgen search "" --section problem` lists every slide' in named.stderr
    aisles = run("aisles").stdout.splitlines()  # each hit, then the words around the match
    assert aisles[0].startswith(" 1. alpha-robotics/002") and "aisles" in aisles[1].lower()
    assert "tip:" not in run("problem", "--section", "problem").stderr
    # a stage is deck metadata: "Series A" as words is "series", so the filter is offered
    staged = run("Series A round")
    assert ('tip: `deckgen search "" --stage series-a` lists every slide from series-a decks'
            in staged.stderr)
    assert "tip:" not in run("Series A", "--stage", "series-a").stderr
    # the other filters are kept, and a stage no slide under them has is not offered
    kept = run("series a", "--year", "2021").stderr
    assert 'tip: `deckgen search "" --year 2021 --stage series-a` lists every' in kept
    assert "tip:" not in run("seed", "--industry", "health").stderr
    # stop words only: nothing is searched, as the site says (not "no matches")
    common = run("the of")
    assert common.returncode == 0 and "'the of' is too common to search for" in common.stderr
    # --json says so too, on stderr: stdout holds JSON lines only (none: nothing was searched)
    for words, said in ((("the",), "'the' is too common to search for; add a word"),
                        (("zzyzx",), "no matches: no slide has “zzyzx”"),
                        (("a",), "type at least two letters to search")):
        as_json = run(*words, "--json")
        assert as_json.returncode == 0 and as_json.stdout == ""
        assert as_json.stderr.strip() == said, as_json.stderr
    # as the site says: the words no slide has, else that none has them all
    assert run("zzyzx").stderr.strip() == "no matches: no slide has “zzyzx”"
    assert run("aisles zzyzx \"qq ww\"").stderr.strip() == (
        "no matches: no slide has “zzyzx”, “qq ww”")
    assert run("aisles", "--section", "team").stderr.strip() == (
        "no matches with these filters (without them, slides have all these words)")
    apart = run("aisles clinics").stderr.strip()  # each on a slide, never on one together
    assert apart == "no matches: no slide has all these words; try fewer"
    for no_word in ("?!", "a", "x y"):  # no word of two letters yet
        assert run(no_word).stderr.strip() == "type at least two letters to search", no_word


def test_bad_files_are_reported_and_the_rest_built(tmp_path, tiny_corpus):
    deck = tiny_corpus / "alpha-robotics"
    (deck / "005.jpg").write_bytes(b"this is not an image")
    (deck / "006.jpg").write_bytes((deck / "001.jpg").read_bytes()[:300])  # truncated JPEG
    (deck / "007.jpg").write_bytes(b"")
    (tiny_corpus / "no-slides").mkdir()
    report = Builder(config_for(tmp_path, tiny_corpus), quiet=True).run()
    failed = {f["file"]: f["reason"] for f in report.stages["upscale"].failed}
    assert set(failed) == {"alpha-robotics/005.jpg", "alpha-robotics/006.jpg"}
    assert all(reason for reason in failed.values())
    problems = {p["path"]: p["reason"] for p in report.problems}
    assert "0 bytes" in problems["alpha-robotics/007.jpg"]
    assert "no slides" in problems["no-slides"]
    assert report.slides_built == sum(len(d["slides"]) for d in DECKS.values())


def test_serial_and_process_pool_give_identical_records(tmp_path, tiny_corpus):
    def records(executor: str):
        out = tmp_path / executor
        Builder(config_for(out, tiny_corpus, executor=executor, workers=2), quiet=True).run()
        slides, _ = load_manifest(out / "build")
        rows = []
        for s in slides:
            d = s.to_dict()
            d["upscale"].pop("seconds")
            d["ocr"].pop("seconds")
            rows.append(d)
        return rows, sorted(
            p.relative_to(out / "site").as_posix() for p in (out / "site").rglob("*") if p.is_file()
        )

    serial, serial_files = records("serial")
    pooled, pooled_files = records("processes")
    assert serial == pooled
    assert serial_files == pooled_files
    for rel in serial_files:
        assert (tmp_path / "serial" / "site" / rel).read_bytes() == (
            tmp_path / "processes" / "site" / rel
        ).read_bytes(), rel


@pytest.mark.parametrize("strict", [False, True])
def test_cli_build_exit_codes(tmp_path, tiny_corpus, strict):
    import subprocess

    (tiny_corpus / "alpha-robotics" / "009.jpg").write_bytes(b"junk")
    strict_flag = ["--strict"] if strict else []
    cmd = build_cmd(tmp_path, tiny_corpus, "--executor", "serial", *strict_flag)
    result = subprocess.run(cmd, capture_output=True, text=True)
    assert result.returncode == (5 if strict else 0), result.stderr
    assert "alpha-robotics/009.jpg" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(("cached_upscale", "ocr_params", "stage"), [
    (None, OcrParams(), "upscale"), ({"scale": 2}, OcrParams(), "ocr"),
    ({"scale": 2}, None, "images"),
])  # fmt: skip
def test_a_dead_worker_is_reported_under_the_first_stage_its_task_had_to_run(
    tmp_path, cached_upscale, ocr_params, stage
):
    builder = Builder(config_for(tmp_path, tmp_path / "corpus"), quiet=True)
    slide = Slide("d/001", "d", 1, "d/001.jpg", "0" * 64, fingerprints={"upscale": "k"})
    task = SlideTask("c", "b", "d/001.jpg", builder.config.upscale, "k", cached_upscale,
                     ocr_params, encode_images=True)
    builder._receive(slide, TaskFailure("KilledWorker", "worker died 3 times"), task)
    failed = {name: s.failed for name, s in builder.report.stages.items() if s.failed}
    assert failed == {stage: [{"id": "d/001", "file": "d/001.jpg",
                               "reason": "worker died 3 times"}]}


def test_a_slide_that_killed_its_pool_worker_is_reported_with_what_to_try(tmp_path):
    builder = Builder(config_for(tmp_path, tmp_path / "corpus"), quiet=True)
    slide = Slide("d/001", "d", 1, "d/001.jpg", "0" * 64, fingerprints={"upscale": "k"})
    task = SlideTask("c", "b", "d/001.jpg", builder.config.upscale, "k", None, OcrParams(),
                     encode_images=True)
    builder._receive(slide, TaskFailure("WorkerCrashed", WORKER_DIED), task)
    [line] = report_problems(builder.report)
    assert line.startswith(f"d/001.jpg: upscale failed: {WORKER_DIED}")
    assert "fewer --workers" in line


def test_a_worker_without_the_cache_redoes_the_upscale_and_the_report_says_why(
    tmp_path, tiny_corpus
):
    cfg = config_for(tmp_path, tiny_corpus)
    Builder(cfg, quiet=True).run()
    builder = Builder(cfg, quiet=True)
    slides = builder._per_slide_stages(builder._ingest())  # all cached, and counted so
    up_stage = builder.report.stages["upscale"]
    assert (up_stage.processed, up_stage.cached) == (0, len(slides))
    slide = slides[0]
    # the task the parent sends for a slide whose OCR is stale, to a worker whose disk lacks
    # build/ (a Dask host without the shared folder): no image at the cache path it is given
    task = SlideTask(str(tiny_corpus.resolve()), str(tmp_path / "not-shared"), slide.source,
                     cfg.upscale, slide.fingerprints["upscale"], slide.upscale.to_dict(),
                     cfg.ocr, encode_images=False)
    builder._receive(slide, run_slide(task), task)
    assert (up_stage.processed, up_stage.cached) == (1, len(slides) - 1)  # not counted twice
    assert builder.report.cache_not_on_workers == 1
    assert any("not on the workers' disk" in line for line in report_problems(builder.report))


def test_every_stage_shows_progress_per_slide_or_page(tmp_path, tiny_corpus):
    stages: dict[str, list[int]] = {}  # name -> [total, steps done]

    class Recording(Progress):
        @contextmanager
        def stage(self, name, total):
            stages[name] = [total, 0]
            yield lambda: stages[name].__setitem__(1, stages[name][1] + 1)

    Builder(config_for(tmp_path, tiny_corpus), progress=Recording(quiet=True)).run()
    n = sum(len(d["slides"]) for d in DECKS.values())
    pages = len(list((tmp_path / "site").rglob("*.html")))
    assert stages == {
        "upscale + ocr + images": [n, n], "classify": [len(DECKS)] * 2, "index": [1, 1],
        "site images": [n, n], "dataset": [n, n], "search index": [1, 1], "pages": [pages] * 2,
    }  # fmt: skip


def _archive_member(site, suffix: str) -> bytes:
    with tarfile.open(next((site / "dataset").glob("*.tar.gz"))) as tar:
        member = next(m for m in tar.getmembers() if m.name.endswith(suffix))
        return tar.extractfile(member).read()


def test_slides_left_out_of_the_dataset_are_reported_and_named_in_the_bundle(
    tmp_path, tiny_corpus
):
    deck = tiny_corpus / "alpha-robotics"
    # built (the pipeline reads PPM), but not a format the bundle stores
    Image.open(deck / "001.jpg").save(deck / "005.png", format="PPM")
    (deck / "006.jpg").write_bytes(b"this is not an image")  # fails to upscale
    cfg = config_for(tmp_path, tiny_corpus)
    for _ in range(2):  # the second time from the cached site stage
        report = Builder(cfg, quiet=True).run()
        left_out = [line for line in report_problems(report) if "left out" in line]
        assert len(left_out) == 1 and left_out[0].startswith("alpha-robotics/005: ")
        assert "PPM" in left_out[0]
        assert report.failures == 2  # what --strict counts: the PPM, and 006 (once)
    provenance = json.loads(_archive_member(tmp_path / "site", "/provenance.json"))
    assert [item["id"] for item in provenance["skipped"]] == [
        "alpha-robotics/005", "alpha-robotics/006"]
    assert provenance["skipped"][1]["reason"].startswith("upscale failed: ")  # the build's
    card = _archive_member(tmp_path / "site", "/README.md").decode()
    assert "No slide was left out" not in card and "alpha-robotics/006" in card

    (deck / "006.jpg").unlink()  # the failed slide is gone: the archive says so
    Builder(cfg, quiet=True).run()
    provenance = json.loads(_archive_member(tmp_path / "site", "/provenance.json"))
    assert [item["id"] for item in provenance["skipped"]] == ["alpha-robotics/005"]


def test_temp_folders_of_a_killed_build_are_removed_by_the_next(tmp_path, tiny_corpus):
    build = tmp_path / "build"
    # the index mid-write and mid-swap, and the dataset's spool of images (under the
    # build folder, not /tmp; its lock went with the killed process)
    leftovers = [build / ".whoosh.k1ll3d", build / ".whoosh.old",
                 build / "spool" / "deckgen-bundle-k1ll3d"]
    for folder in leftovers:
        folder.mkdir(parents=True)
        (folder / "MAIN_1.seg").write_bytes(b"partial")
    (leftovers[-1] / ".lock").touch()
    an_hour_ago = time.time() - 3600
    os.utime(leftovers[-1], (an_hour_ago, an_hour_ago))
    Builder(config_for(tmp_path, tiny_corpus), quiet=True).run()
    assert not [folder for folder in leftovers if folder.exists()]
    assert (build / "whoosh").is_dir()


def test_cache_keys_follow_what_changes_the_output_the_tile_size_does_not(
    tmp_path, tiny_corpus, monkeypatch
):
    cfg = config_for(tmp_path, tiny_corpus)
    n = Builder(cfg, quiet=True).run().slides_built
    # tiles overlap: another tile size gives the same pixels, so it must not redo the corpus
    source = (tiny_corpus / "alpha-robotics" / "002.jpg").read_bytes()
    pixels = {tile: upscale(source, replace(cfg.upscale, method="model:x2", tile=tile))[0]
              for tile in (512, 64)}
    assert pixels[512] == pixels[64]
    smaller_tiles = replace(cfg, upscale=replace(cfg.upscale, tile=64))
    assert processed(Builder(smaller_tiles, quiet=True).run())["upscale"] == 0

    # Tesseract upgraded (a wrapper that says so): OCR runs again, upscaling does not
    upgraded = tmp_path / "bin" / "tesseract"
    upgraded.parent.mkdir()
    upgraded.write_text('#!/bin/sh\n[ "$1" = --version ] && { echo "tesseract 5.99.0"; '
                        'exit 0; }\nexec /usr/bin/tesseract "$@"\n')
    upgraded.chmod(0o755)
    monkeypatch.setenv("DECKGEN_TESSERACT", str(upgraded))
    after_upgrade = processed(Builder(cfg, quiet=True).run())
    assert (after_upgrade["upscale"], after_upgrade["ocr"]) == (0, n)
    assert processed(Builder(cfg, quiet=True).run())["ocr"] == 0


def test_a_change_to_reading_tesseracts_output_does_not_run_tesseract_again(
    tmp_path, tiny_corpus, monkeypatch
):
    from deckgen import ocr

    runs = tmp_path / "tesseract-runs"
    counting = tmp_path / "bin" / "tesseract"
    counting.parent.mkdir()
    counting.write_text(f'#!/bin/sh\n[ "$1" = stdin ] && echo run >> {runs}\n'
                        'exec /usr/bin/tesseract "$@"\n')
    counting.chmod(0o755)
    monkeypatch.setenv("DECKGEN_TESSERACT", str(counting))

    def tesseract_runs() -> int:
        return len(runs.read_text().splitlines()) if runs.exists() else 0

    def words() -> dict[str, tuple[str, str]]:
        return {s.id: (s.ocr.title, s.ocr.text) for s in load_manifest(tmp_path / "build")[0]}

    cfg = config_for(tmp_path, tiny_corpus)
    n = Builder(cfg, quiet=True).run().slides_built
    assert tesseract_runs() == n
    read_by_tesseract = words()

    # an OCR release that reads Tesseract's output otherwise (hyphens, titles): every slide
    # is read again from the output kept in the cache, and Tesseract does not run
    monkeypatch.setattr(ocr, "VERSION", ocr.VERSION + "-reads-otherwise")
    report = Builder(cfg, quiet=True).run()
    assert (processed(report)["ocr"], report.ocr_from_kept_output) == (n, n)
    assert tesseract_runs() == n
    assert words() == read_by_tesseract

    # what Tesseract is given changed: it reads every slide again
    monkeypatch.setattr(ocr, "INPUT_VERSION", ocr.INPUT_VERSION + "-given-otherwise")
    report = Builder(cfg, quiet=True).run()
    assert (processed(report)["ocr"], report.ocr_from_kept_output) == (n, 0)
    assert tesseract_runs() == 2 * n


def test_a_build_says_what_the_corpus_gained_and_lost_since_the_last(tmp_path, tiny_corpus):
    # QA-85: a deck renamed, a slide edited or deleted, and the build said nothing of it
    first = subprocess.run(build_cmd(tmp_path, tiny_corpus), capture_output=True, text=True)
    assert first.returncode == 0 and "since the last build" not in first.stderr, first.stderr
    alpha = tiny_corpus / "alpha-robotics"
    (alpha / "002.jpg").write_bytes((alpha / "003.jpg").read_bytes())  # another picture
    (alpha / "004.jpg").unlink()
    (tiny_corpus / "beta-health").rename(tiny_corpus / "beta-care")
    again = subprocess.run(build_cmd(tmp_path, tiny_corpus), capture_output=True, text=True)
    assert again.returncode == 0, again.stderr
    assert ("since the last build: 1 deck new (beta-care); 1 slide changed "
            "(alpha-robotics/002); 1 slide removed (alpha-robotics/004)") in again.stderr
    assert "gone since the last build: beta-health" in again.stderr
    report = json.loads((tmp_path / "build" / "report.json").read_text())
    assert report["corpus_changes"] == {
        "decks_new": ["beta-care"], "slides_new": [],
        "slides_changed": ["alpha-robotics/002"], "slides_removed": ["alpha-robotics/004"]}
    for name in ("004.jpg", "005.jpg"):  # a slide is its deck's page: ids go by page
        shutil.copyfile(alpha / "001.jpg", alpha / name)
    third = subprocess.run(build_cmd(tmp_path, tiny_corpus), capture_output=True, text=True)
    assert ("since the last build: 2 slides new (alpha-robotics/004, alpha-robotics/005)"
            in third.stderr), third.stderr


def test_an_empty_or_deck_folder_corpus_is_refused_and_the_last_site_kept(tmp_path, tiny_corpus):
    def build(corpus, *extra):
        return subprocess.run(build_cmd(tmp_path, corpus, "--executor", "serial", *extra),
                              capture_output=True, text=True)

    first = build(tiny_corpus, "--upscale", "bicubic")
    assert first.returncode == 0, first.stderr
    site_files = sorted(p for p in (tmp_path / "site").rglob("*"))
    (tmp_path / "empty").mkdir()
    empty = build(tmp_path / "empty")
    assert empty.returncode == 3, empty.stderr
    assert "no decks in the corpus" in empty.stderr and "deckgen add" in empty.stderr
    assert "gone since the last build" not in empty.stderr
    deck_folder = build(tiny_corpus / "alpha-robotics")
    assert deck_folder.returncode == 3, deck_folder.stderr
    assert "looks like a deck folder" in deck_folder.stderr
    assert f"--corpus {tiny_corpus}" in deck_folder.stderr
    # every slide fails: the last site stays, said on a line, exit 5 without --strict
    all_failed = build(tiny_corpus, "--upscale", "bicubic", "--max-pixels", "10")
    assert all_failed.returncode == 5, all_failed.stderr
    assert "no slide could be built" in all_failed.stderr
    assert "was left as it was" in all_failed.stderr
    assert sorted(p for p in (tmp_path / "site").rglob("*")) == site_files
    assert (tmp_path / "site" / "deck" / "alpha-robotics.html").exists()
    report = json.loads((tmp_path / "build" / "report.json").read_text())
    assert report["slides_built"] == 0
    assert build(tiny_corpus, "--upscale", "bicubic").returncode == 0  # and builds again


def test_a_cache_overlapping_the_corpus_or_a_bad_corpus_leaves_nothing_behind(
    tmp_path, tiny_corpus
):
    def build(*args):
        return subprocess.run([sys.executable, "-m", "deckgen.cli", "build", "--quiet", *args],
                              capture_output=True, text=True)

    before = sorted(p.relative_to(tiny_corpus) for p in tiny_corpus.rglob("*"))
    for cache in (tiny_corpus, tiny_corpus / "build"):
        refused = build("--corpus", str(tiny_corpus), "--cache", str(cache),
                        "--out", str(tmp_path / "s"))
        assert refused.returncode == 2, refused.stderr
        assert "--cache" in refused.stderr and "overlaps the corpus" in refused.stderr
    inside = tmp_path / "state" / "corpus"  # the corpus inside the cache
    shutil.copytree(tiny_corpus, inside)
    refused = build("--corpus", str(inside), "--cache", str(tmp_path / "state"),
                    "--out", str(tmp_path / "s"))
    assert refused.returncode == 2 and "overlaps the corpus" in refused.stderr, refused.stderr
    assert sorted(p.relative_to(tiny_corpus) for p in tiny_corpus.rglob("*")) == before
    (tmp_path / "afile").write_text("x")
    as_file = build("--corpus", str(tmp_path / "afile"), "--cache", str(tmp_path / "b"),
                    "--out", str(tmp_path / "s"))
    assert as_file.returncode == 3 and "is a file, not a folder" in as_file.stderr
    missing = build("--corpus", str(tmp_path / "missing"), "--cache", str(tmp_path / "b"),
                    "--out", str(tmp_path / "s"))
    assert missing.returncode == 3 and "does not exist" in missing.stderr
    assert not (tmp_path / "b").exists()  # no lock, no site-folders.txt
    cache_file = build("--corpus", str(tiny_corpus), "--cache", str(tmp_path / "afile"),
                       "--out", str(tmp_path / "s"))
    assert cache_file.returncode == 2 and "is a file; give a folder" in cache_file.stderr


def test_a_build_refused_for_its_corpus_makes_no_out_or_cache_folder(tmp_path, tiny_corpus):
    """Refused up front (exit 3), it leaves no empty --out or --cache behind."""
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "a-deck").mkdir()  # a folder without slides is no deck either
    new = tmp_path / "new"
    for corpus, said in ((tmp_path / "empty", "no decks in the corpus"),
                         (tiny_corpus / "alpha-robotics", "looks like a deck folder")):
        refused = subprocess.run(
            [sys.executable, "-m", "deckgen.cli", "build", "--quiet", "--corpus", str(corpus),
             "--out", str(new / "site"), "--cache", str(new / "build")],
            capture_output=True, text=True, timeout=120)
        assert refused.returncode == 3 and said in refused.stderr, refused.stderr
        assert not new.exists()


def test_search_and_review_end_quietly_when_the_pipe_they_write_to_closes(tmp_path, tiny_corpus):
    built = subprocess.run(build_cmd(tmp_path, tiny_corpus, "--executor", "serial",
                                     "--upscale", "bicubic"), capture_output=True, text=True)
    assert built.returncode == 0, built.stderr
    for words in (["search", "robots"], ["review"]):
        read_end, write_end = os.pipe()
        os.close(read_end)  # the reader is gone before the first line, as `| head -0`
        try:
            result = subprocess.run(
                [sys.executable, "-m", "deckgen.cli", *words, "--cache", str(tmp_path / "build")],
                stdout=write_end, stderr=subprocess.PIPE, text=True, timeout=120)
        finally:
            os.close(write_end)
        # killed by SIGPIPE as git and rg are (a shell says 141), with nothing on stderr
        assert result.returncode in (-13, 141, 0), (words, result.returncode, result.stderr)
        assert "Traceback" not in result.stderr and "error" not in result.stderr, result.stderr
