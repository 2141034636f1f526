"""Stage versions: what a build records of the code that made it, what the next build says
when one changed, and what `bundle build` and provenance.json take from the record."""

from __future__ import annotations

import json
import subprocess
import sys
import tarfile
from pathlib import Path

from conftest import build_cmd

from deckgen import __version__, bundle, classify, index, ocr, site, upscale
from deckgen.corpus_pdf import PDF_TEXT_LAYER_RULE
from deckgen.slide_task import IMAGES_VERSION_ID


def _manifest(tmp_path: Path) -> dict:
    return json.loads((tmp_path / "build" / "manifest.json").read_text())


def _edit_manifest(tmp_path: Path, edit) -> None:
    data = _manifest(tmp_path)
    edit(data)
    (tmp_path / "build" / "manifest.json").write_text(json.dumps(data))


def _provenance(archive: Path) -> dict:
    with tarfile.open(archive) as tar:
        member = next(m for m in tar.getmembers() if m.name.endswith("/provenance.json"))
        return json.load(tar.extractfile(member))  # type: ignore[arg-type]


def _bundle_cmd(tmp_path: Path, corpus: Path) -> list[str]:
    return [sys.executable, "-m", "deckgen.cli", "bundle", "build", "--out",
            str(tmp_path / "site"), "--cache", str(tmp_path / "build"), "--corpus", str(corpus)]


def test_a_build_records_its_stage_versions_and_the_archive_says_them(tmp_path, tiny_corpus):
    build = subprocess.run(build_cmd(tmp_path, tiny_corpus), capture_output=True, text=True)
    assert build.returncode == 0, build.stderr
    from deckgen.manifest import stage_versions

    recorded = _manifest(tmp_path)["versions"]
    assert recorded == stage_versions()
    assert {k: recorded[k] for k in ("ocr", "classify", "index", "site", "bundle", "upscale")} == {
        "ocr": ocr.VERSION, "classify": classify.VERSION, "index": index.VERSION,
        "site": site.VERSION, "bundle": bundle.VERSION, "upscale": upscale.VERSION}
    assert recorded["tesseract"].startswith("tesseract ") and recorded["deckgen"] == __version__
    archive = next((tmp_path / "site" / "dataset").glob("*.tar.gz"))
    prov = _provenance(archive)
    assert prov["bundle_format"] == bundle.VERSION
    assert (prov["deckgen"], prov["ocr"]["version"], prov["ocr"]["tesseract"],
            prov["classify"]["version"], prov["upscale"]["version"]) == (
        recorded["deckgen"], recorded["ocr"], recorded["tesseract"], recorded["classify"],
        recorded["upscale"])
    # `bundle build` of that cache writes the same archive, provenance included
    built = archive.read_bytes()
    archive.unlink()
    done = subprocess.run(_bundle_cmd(tmp_path, tiny_corpus), capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert archive.read_bytes() == built


def test_bundle_build_refuses_a_build_without_versions_or_with_other_ones(tmp_path, tiny_corpus):
    build = subprocess.run(build_cmd(tmp_path, tiny_corpus), capture_output=True, text=True)
    assert build.returncode == 0, build.stderr
    archive = next((tmp_path / "site" / "dataset").glob("*.tar.gz"))
    built = archive.read_bytes()
    current = _manifest(tmp_path)

    def refused(edit) -> str:
        _edit_manifest(tmp_path, edit)
        done = subprocess.run(_bundle_cmd(tmp_path, tiny_corpus), capture_output=True,
                              text=True, cwd=tmp_path)
        (tmp_path / "build" / "manifest.json").write_text(json.dumps(current))
        assert done.returncode == 2, done.stderr
        assert done.stdout == "" and len(done.stderr.strip().splitlines()) == 1
        assert "run `deckgen build`" in done.stderr
        assert archive.read_bytes() == built  # untouched
        return done.stderr

    # a manifest an older deckgen wrote: no settings, or settings but no versions (with a
    # deckgen.toml of other settings here, which must not stand in for the build's)
    (tmp_path / "deckgen.toml").write_text("[ocr]\npsm = 11\n")
    for key in ("config", "versions"):
        assert "older deckgen" in refused(lambda data, key=key: data.pop(key))
    # a cache built by another OCR stage (or Tesseract) than this deckgen's
    stderr = refused(lambda data: data["versions"].update(ocr="ocr-12"))
    assert f"OCR ocr-12 → {ocr.VERSION}" in stderr
    # another Tesseract, OpenCV, index, site or archive format on the packing machine does
    # not change what is packed: the archive says what the build recorded (QA-35)
    others = {"tesseract": "tesseract 4.1.1", "opencv": "4.5.0", "index": "1", "site": "1",
              "bundle": "1"}
    _edit_manifest(tmp_path, lambda data: data["versions"].update(others))
    done = subprocess.run(_bundle_cmd(tmp_path, tiny_corpus), capture_output=True, text=True,
                          cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    with tarfile.open(archive) as tar:
        prov = json.load(tar.extractfile(next(m for m in tar.getmembers()
                                              if m.name.endswith("provenance.json"))))
    assert prov["ocr"]["tesseract"] == "tesseract 4.1.1"


def test_a_build_after_a_stage_changed_says_which_up_front(tmp_path, tiny_corpus):
    first = subprocess.run(build_cmd(tmp_path, tiny_corpus), capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    assert "changed since the last build" not in first.stderr  # nothing to compare with
    loud = [c for c in build_cmd(tmp_path, tiny_corpus) if c != "--quiet"]

    def build(cmd: list[str]) -> tuple[str, list[dict]]:
        done = subprocess.run(cmd, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        report = json.loads((tmp_path / "build" / "report.json").read_text())
        return done.stderr, report["versions_changed"]

    stderr, changed = build(loud)  # the same code: nothing to say
    assert "changed since the last build" not in stderr and changed == []

    _edit_manifest(tmp_path, lambda data: data["versions"].update(ocr="ocr-15"))
    stderr, changed = build(loud)
    notice = (f"OCR changed since the last build (ocr-15 → {ocr.VERSION}): slides not read by "
              "it before are read again")
    assert notice in stderr
    assert stderr.index(notice) < stderr.index("built into")  # said before the summary
    assert [(c["stage"], c["before"], c["now"], c["notice"]) for c in changed] == [
        ("ocr", "ocr-15", ocr.VERSION, notice)]

    # the published images' encoding: every slide encoded again, said as well (QA-68)
    _edit_manifest(tmp_path, lambda data: data["versions"].update(images="3+0123abcd"))
    stderr, changed = build(loud)
    notice = (f"note: the slides' published images changed since the last build (3+0123abcd → "
              f"{IMAGES_VERSION_ID}): slides whose images it did not make before have them "
              "made again")
    assert notice in stderr and [c["stage"] for c in changed] == ["images"]
    # a version the last build's deckgen did not record is no change
    _edit_manifest(tmp_path, lambda data: data["versions"].pop("images"))
    assert build(loud)[1] == []

    # said under -q too, as warnings are (QA-83: a CI log gave no reason for an hour's build)
    _edit_manifest(tmp_path, lambda data: data["versions"].update(classify="classify-8"))
    stderr, changed = build(build_cmd(tmp_path, tiny_corpus))
    assert "note: the section classifier changed since the last build" in stderr
    assert [c["stage"] for c in changed] == ["classify"]

    # the PDF-page rules a build recorded no version of (QA-83: one by the last release)
    # were other rules: said, but only to a corpus with PDF pages, which this one lacks
    _edit_manifest(tmp_path, lambda data: data["versions"].pop("pdf-page"))
    assert build(loud)[1] == []

    # a manifest from before versions were recorded: said once, not guessed
    _edit_manifest(tmp_path, lambda data: data.pop("versions"))
    stderr, changed = build(loud)
    assert "did not record its stage versions" in stderr and changed[0]["stage"] == "*"
    assert build(loud)[1] == []


def test_a_build_with_other_settings_than_the_last_says_so_up_front(tmp_path, tiny_corpus):
    # QA-69: a build given --lang deu+eng, then one without it, read every slide again in
    # English without a word (German words gone from search)
    loud = [c for c in build_cmd(tmp_path, tiny_corpus) if c != "--quiet"]
    first = subprocess.run([*loud, "--psm", "6"], capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    assert "setting" not in first.stderr  # a first build: nothing to compare with
    done = subprocess.run(loud, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    notice = ("note: setting ocr.psm changed since the last build (6 → 11): slides not read "
              "so before are read again (a command-line option lasts one build; "
              "deckgen.toml's [ocr] keeps a setting)")
    assert notice in done.stderr
    assert done.stderr.index(notice) < done.stderr.index("built into")
    report = json.loads((tmp_path / "build" / "report.json").read_text())
    assert report["settings_changed"] == [
        {"setting": "ocr.psm", "before": "6", "now": "11",
         "effect": "slides not read so before are read again"}]
    # a --lang typo is refused before any notice of a change (QA-71)
    typo = subprocess.run([*loud, "--lang", "eng+"], capture_output=True, text=True)
    assert typo.returncode != 0 and "empty part" in typo.stderr
    assert "changed since" not in typo.stderr, typo.stderr
    # the timeout decides no result: no notice
    again = subprocess.run([*loud, "--ocr-timeout", "90"], capture_output=True, text=True)
    assert again.returncode == 0 and "changed since" not in again.stderr, again.stderr


def test_version_names_the_stage_versions():
    done = subprocess.run([sys.executable, "-m", "deckgen.cli", "--version"],
                          capture_output=True, text=True, check=True)
    assert done.stdout == (
        f"deckgen {__version__} (upscale {upscale.VERSION}, {upscale.PDF_PAGE_RULE}, "
        f"{ocr.INPUT_VERSION}, {ocr.VERSION}, "
        f"{PDF_TEXT_LAYER_RULE}, images "
        f"{IMAGES_VERSION_ID}, {classify.VERSION}, index {index.VERSION}, site {site.VERSION}, "
        f"bundle {bundle.VERSION})\n")


def test_an_upgrade_from_a_build_before_the_pdf_page_rule_says_pdf_pages_are_redone(tmp_path):
    # QA-83: from the last release (no "pdf-page" recorded) every PDF page was upscaled again,
    # its images renamed, and the build said nothing of it
    from test_upscale import _grain_pdf

    deck = tmp_path / "corpus" / "pdf-deck"
    deck.mkdir(parents=True)
    (deck / "deck.toml").write_text('company = "PDF"\n')
    (deck / "deck.pdf").write_bytes(_grain_pdf(text=True))
    cmd = build_cmd(tmp_path, tmp_path / "corpus")  # --quiet: notes are said all the same
    assert subprocess.run(cmd, capture_output=True).returncode == 0
    _edit_manifest(tmp_path, lambda data: data["versions"].pop("pdf-page"))
    done = subprocess.run(cmd, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert (f"note: how PDF pages are upscaled changed since the last build (none → "
            f"{upscale.PDF_PAGE_RULE}): PDF pages not upscaled so before are upscaled, read "
            "and classified again") in done.stderr
