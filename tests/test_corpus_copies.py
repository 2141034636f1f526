"""A deck folder copied beside its original (``cp -a``), or an update re-using most of a
deck's slides: every shared slide would be published twice, so the build says so."""

from __future__ import annotations

import json
import shutil
import subprocess

from conftest import DECKS, build_cmd, draw_slide

from deckgen.corpus import scan, shared_slide_problems
from deckgen.records import Slide, slide_id


def copy_deck(corpus, slug: str, to: str, company: str) -> None:
    shutil.copytree(corpus / slug, corpus / to)  # the slide files byte for byte
    (corpus / to / "deck.toml").write_text(f'company = "{company}"\nyear = 2024\n')


def shared(corpus) -> list[str]:
    return [str(p) for p in shared_slide_problems(scan(corpus).slides)]


def test_a_copied_deck_folder_is_named_once_on_the_copy(tiny_corpus):
    copy_deck(tiny_corpus, "alpha-robotics", "alpha-robotics-reissue", "Alpha Reissued")
    assert shared(tiny_corpus) == [
        "alpha-robotics-reissue: all 4 slides are the same files as alpha-robotics's (a copy? "
        "remove one folder, or keep both on purpose)"
    ]


def test_an_update_reusing_most_slides_is_named_and_one_shared_slide_is_not(tiny_corpus):
    copy_deck(tiny_corpus, "alpha-robotics", "alpha-2024", "Alpha Robotics")
    (tiny_corpus / "alpha-2024" / "004.jpg").write_bytes(draw_slide("Team", "New hires"))
    (tiny_corpus / "alpha-2024" / "005.jpg").write_bytes(draw_slide("Ask", "Raising 5M"))
    [said] = shared(tiny_corpus)
    assert said.startswith("alpha-robotics: 3 of 4 slides are the same files as alpha-2024's")
    # one cover re-used by another deck: a quarter of each, not a copy
    for name in ("alpha-2024/001.jpg", "alpha-2024/002.jpg", "alpha-2024/003.jpg"):
        (tiny_corpus / name).write_bytes(draw_slide("Redrawn", name))
    shutil.copy(tiny_corpus / "alpha-robotics" / "001.jpg", tiny_corpus / "beta-health" / "004.jpg")
    assert shared(tiny_corpus) == []


def test_a_template_slide_in_many_decks_is_not_a_copy():
    def deck(name: str, files: list[str]) -> list[Slide]:
        return [Slide(id=slide_id(name, page), deck=name, page=page, source=f"{name}/{page}.jpg",
                      sha256=digest) for page, digest in enumerate(files, start=1)]

    slides = [s for n in range(30) for s in deck(f"d{n}", [f"own{n}a", f"own{n}b", "thanks"])]
    assert shared_slide_problems(slides) == []
    slides += deck("d0-copy", ["own0a", "own0b", "thanks"])
    assert [p.path for p in shared_slide_problems(slides)] == ["d0-copy"]
    slides += deck("one-copy", ["own1a"])  # one slide: said without "all 1 slides"
    assert str(shared_slide_problems(slides)[-1]).startswith(
        "one-copy: its one slide is the same file as d1's")


def test_the_build_warns_of_a_copy_and_still_publishes_both(tmp_path, tiny_corpus):
    copy_deck(tiny_corpus, "beta-health", "beta-health-reissue", "Beta Reissued")
    run = subprocess.run(build_cmd(tmp_path, tiny_corpus), capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    said = ("beta-health-reissue: all 3 slides are the same files as beta-health's (a copy? "
            "remove one folder, or keep both on purpose)")
    assert said in " ".join(run.stderr.split())  # the terminal may wrap the line
    report = json.loads((tmp_path / "build" / "report.json").read_text())
    assert {"path": "beta-health-reissue", "reason": said.partition(": ")[2]} in report["problems"]
    n = sum(len(d["slides"]) for d in DECKS.values())
    assert report["slides_built"] == n + 3  # a warning: nothing is left out
    for slug in ("beta-health", "beta-health-reissue"):
        assert (tmp_path / "site" / "deck" / f"{slug}.html").exists()
