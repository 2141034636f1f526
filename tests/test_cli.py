"""Every command has help with an example, and docs/cli.md matches the code."""

from __future__ import annotations

import errno
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from test_cache import without_file_permission_override

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
from cli_docs import COMMANDS, render  # noqa: E402


@pytest.mark.parametrize("words", [w for w in COMMANDS if w], ids=lambda w: " ".join(w))
def test_every_command_has_help_with_an_example(words):
    result = subprocess.run(
        [sys.executable, "-m", "deckgen.cli", *words, "-h"], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert "Example: deckgen" in result.stdout


def test_cli_reference_is_up_to_date():
    assert (ROOT / "docs" / "cli.md").read_text() == render(), (
        "run `make docs` to regenerate docs/cli.md"
    )


def test_errors_are_one_line_without_traceback(tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "deckgen.cli",
            "build",
            "--corpus",
            str(tmp_path / "missing"),
            "--cache",
            str(tmp_path / "b"),
            "--out",
            str(tmp_path / "s"),
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 3
    assert "Traceback" not in result.stderr
    assert "deckgen sample" in result.stderr  # says what to do


@pytest.mark.parametrize(
    ("words", "message"),
    [
        (["eval", ".", "--no-such-flag"], "No such option: --no-such-flag"),
        (["build", "--workers", "many"], "Invalid value for '--workers'"),
    ],
)
def test_usage_errors_show_usage_not_a_traceback(words, message):
    result = subprocess.run(
        [sys.executable, "-m", "deckgen.cli", *words], capture_output=True, text=True
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert message in result.stderr and "Usage: " in result.stderr


def test_bad_config_exit_code(tmp_path):
    (tmp_path / "deckgen.toml").write_text('[build]\nexecutor = "cloud"\n')
    result = subprocess.run(
        [sys.executable, "-m", "deckgen.cli", "build", "--config", str(tmp_path / "deckgen.toml")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert "executor must be one of" in result.stderr


def test_inspect_prints_one_json_object_per_slide_with_the_documented_fields(tmp_path):
    import json

    from conftest import draw_slide

    folder = tmp_path / "deck"
    folder.mkdir()
    (folder / "1.jpg").write_bytes(draw_slide("The Problem", "Clinics lose hours to paperwork"))
    (folder / "2.jpg").write_bytes(draw_slide("Our Solution", "Software that files it for them"))
    (folder / "3.jpg").write_bytes(b"not an image")
    (tmp_path / "other").mkdir()  # another slide named 1.jpg: saved beside, not over, it
    (tmp_path / "other" / "1.jpg").write_bytes(draw_slide("Market", "Every clinic"))
    result = subprocess.run(
        [sys.executable, "-m", "deckgen.cli", "inspect", str(folder), str(tmp_path / "other/1.jpg"),
         "--json", "--upscale", "bicubic", "--save-upscaled", str(tmp_path / "up")],
        capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 3, result.stderr  # one slide could not be read
    assert "1 of 4 slides could not be read" in result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [row["page"] for row in rows] == [1, 2, 3, 1]
    first = rows[0]
    assert {"path", "page", "width", "height", "upscale", "ocr", "section"} <= set(first)
    assert set(first["upscale"]) == {"method", "scale", "seconds"}
    assert first["upscale"]["method"] == "bicubic"
    assert {"text", "title", "mean_confidence", "words"} <= set(first["ocr"])
    assert {"text", "conf", "box"} <= set(first["ocr"]["words"][0])
    assert {"label", "scores", "cues"} <= set(first["section"])
    assert "paperwork" in first["ocr"]["text"].lower()
    assert "error" in rows[2] and "ocr" not in rows[2]
    assert sorted(p.name for p in (tmp_path / "up").glob("*.png")) == [
        "1-001-2.png", "1-001.png", "2-002.png"]
    assert rows[3]["upscaled_file"] == str(tmp_path / "up" / "1-001-2.png")
    (tmp_path / "empty").mkdir()
    empty = subprocess.run([sys.executable, "-m", "deckgen.cli", "inspect",
                            str(tmp_path / "empty")], capture_output=True, text=True)
    assert empty.returncode == 3 and "no slide images, PDF or presentation in" in empty.stderr


def test_inspect_reads_a_pdf_pages_text_layer_as_a_build_does(tmp_path):
    import json

    from test_pdf_text_layer import TEXT, text_pdf

    (tmp_path / "deck.pdf").write_bytes(text_pdf(TEXT))
    result = subprocess.run(
        [sys.executable, "-m", "deckgen.cli", "inspect", str(tmp_path / "deck.pdf"), "--json",
         "--upscale", "bicubic"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    ocr = json.loads(result.stdout)["ocr"]
    assert ocr["title"] == "Marktgröße in Europa"  # the layer's words, exact
    assert "Gründungsjahr und Überweisungen" in ocr["text"]


def test_sample_does_not_overwrite_a_corpus_without_force(tmp_path):
    corpus = tmp_path / "corpus"
    (corpus / "acme").mkdir(parents=True)
    (corpus / "acme" / "deck.toml").write_text('[sections]\n3 = "market"\n')
    cmd = [sys.executable, "-m", "deckgen.cli", "sample", "--out", str(corpus), "--decks", "1"]
    refused = subprocess.run(cmd, capture_output=True, text=True)
    assert refused.returncode == 2 and "is not empty" in refused.stderr
    assert (corpus / "acme" / "deck.toml").read_text() == '[sections]\n3 = "market"\n'
    assert subprocess.run([*cmd, "--force"], capture_output=True).returncode == 0


@pytest.mark.parametrize(("option", "value", "says"), [
    ("--max-pixels", "0", "invalid option:\n  --max-pixels must be >= 1, got 0"),
    ("--max-pixels", "-5", "invalid option:\n  --max-pixels must be >= 1, got -5"),
    ("--ocr-timeout", "0", "invalid option:\n  --ocr-timeout must be a number of seconds > 0"),
    ("--ocr-timeout", "-1", "invalid option:\n  --ocr-timeout must be a number of seconds > 0"),
])  # fmt: skip
def test_build_refuses_out_of_range_numbers_before_any_work(tmp_path, option, value, says):
    result = subprocess.run(
        [sys.executable, "-m", "deckgen.cli", "build", "--corpus", str(tmp_path / "corpus"),
         "--cache", str(tmp_path / "b"), "--out", str(tmp_path / "s"), option, value],
        capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 2, result.stderr
    assert says in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "b").exists()


@pytest.mark.parametrize("port", ["80000", "-1"])
def test_serve_refuses_a_port_out_of_range_in_one_line(tmp_path, port):
    (tmp_path / "index.html").write_text("<title>site</title>")
    result = subprocess.run(
        [sys.executable, "-m", "deckgen.cli", "serve", "--site", str(tmp_path), "--port", port],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 2, result.stderr
    assert "--port must be from 0 to 65535" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_preview_server_says_which_port_it_cannot_bind(tmp_path):
    from deckgen.errors import ConfigError
    from deckgen.site_serve import make_server

    (tmp_path / "index.html").write_text("<title>site</title>")
    with pytest.raises(ConfigError, match="give a port from 0 to 65535"):
        make_server(tmp_path, port=70000)


@pytest.mark.parametrize(("args", "says"), [
    (["--decks", "0"], "Invalid value for '--decks'"),
    (["--decks", "-1"], "Invalid value for '--decks'"),
    (["--truth", "{out}"], "overlaps --out"),
    (["--truth", "{out}/truth"], "overlaps --out"),
    (["--out", "{tmp}/afile"], "--out {tmp}/afile is a file, not a folder"),
])  # fmt: skip
def test_sample_refuses_what_would_write_nothing_or_the_wrong_place(tmp_path, args, says):
    (tmp_path / "afile").write_text("mine")
    out = str(tmp_path / "corpus")
    words = [a.format(out=out, tmp=tmp_path) for a in args]
    result = subprocess.run(
        [sys.executable, "-m", "deckgen.cli", "sample", "--out", out, *words],
        capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 2, result.stderr
    assert says.format(tmp=tmp_path) in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "corpus").exists() and (tmp_path / "afile").read_text() == "mine"


def test_sample_never_writes_truth_into_a_folder_of_ones_own_without_force(tmp_path):
    mine = tmp_path / "my-evalset"
    mine.mkdir()
    (mine / "labels.csv").write_text("deck_id,page,section\nacme,1,team\n")
    cmd = [sys.executable, "-m", "deckgen.cli", "sample", "--out", str(tmp_path / "corpus"),
           "--decks", "1", "--truth", str(mine)]
    refused = subprocess.run(cmd, capture_output=True, text=True)
    assert refused.returncode == 2 and f"{mine}/ is not empty" in refused.stderr
    assert (mine / "labels.csv").read_text().endswith("acme,1,team\n")
    assert not (tmp_path / "corpus").exists()


def _help(*words: str) -> str:
    result = subprocess.run([sys.executable, "-m", "deckgen.cli", *words, "-h"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_options_have_help_and_state_the_defaults_the_config_gives():
    from deckgen.ocr import OcrParams
    from deckgen.upscale import UpscaleParams

    ocr, up = OcrParams(), UpscaleParams()
    build = " ".join(_help("build").split())  # as one line, however it is wrapped
    for said in (f"model:x4 (default: {up.method})", f"(default: {up.max_pixels})",
                 f"default: {ocr.lang})", f"(default: {ocr.psm})",
                 f"(default: {ocr.timeout:g})", "0, the default, is one per CPU core"):
        assert said in build, said
    for command, options in (("search", ("--company", "--year", "--industry")),
                             ("add", ("--company", "--title")), ("serve", ("--port",))):
        lines = {line.split()[0]: line for line in _help(command).splitlines()
                 if line.strip().startswith("--")}
        for option in options:  # more than "--x <str>"
            assert len(lines[option].split()) > 2, (command, lines[option])
    assert "Rewrite the dataset archive from the last build's cache." in _help("bundle")


def test_sample_says_its_folder_cannot_be_made_before_asking_for_fonts(tmp_path):
    (tmp_path / "afile").write_text("mine")
    no_fonts = ("import sys; from pathlib import Path; import deckgen.sample_canvas as canvas; "
                "canvas.FONT_DIR = Path(sys.argv.pop()); from deckgen.cli import main; main()")
    result = subprocess.run([sys.executable, "-c", no_fonts, "sample", "--out",
                             str(tmp_path / "afile" / "corpus"), str(tmp_path / "no-fonts")],
                            capture_output=True, text=True)
    assert result.returncode == 3, result.stderr  # not 4, "install fonts-dejavu-core"
    assert f"Not a directory: {tmp_path / 'afile' / 'corpus'}" in result.stderr


def test_make_test_fast_installs_what_its_tests_need_but_no_browser():
    dry = subprocess.run(["make", "-n", "test-fast"], cwd=ROOT, capture_output=True, text=True)
    apt = [line for line in dry.stdout.splitlines() if "tools/ensure-apt.sh" in line]
    assert any("fonts-liberation2" in line and "tesseract-ocr" in line for line in apt), apt
    assert any(line.endswith("libreoffice-impress-nogui") for line in apt), apt
    assert not any("chromium" in line for line in apt), apt  # its browser tests are e2e


def deckgen(*words: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "deckgen.cli", *words], capture_output=True,
                          text=True, cwd=cwd)


@pytest.mark.parametrize(("words", "code", "says"), [
    (["build", "--corpus", "empty"], 3, "error: no decks in the corpus"),
    (["build", "--corpus", "empty", "--sr-model", "none.onnx"], 4,
     "error: super-resolution model not found"),
    (["build", "--workers", "-1"], 2, "--workers must be >= 0"),
    (["sample", "--out", "deck.toml/corpus"], 3, "Not a directory"),  # an OSError
])  # fmt: skip
def test_verbose_shows_the_traceback_and_keeps_the_exit_code(tmp_path, words, code, says):
    (tmp_path / "deck.toml").write_text("")
    (tmp_path / "empty").mkdir()
    if words[0] == "build":
        words += ["--cache", "b", "--out", "s"]
    plain, verbose = deckgen(*words, cwd=tmp_path), deckgen("-v", *words, cwd=tmp_path)
    assert plain.returncode == verbose.returncode == code, verbose.stderr
    assert "Traceback" not in plain.stderr and says in plain.stderr
    assert "Traceback (most recent call last)" in verbose.stderr and says in verbose.stderr


@pytest.mark.parametrize("line", ["build = 3", "[[build]]", 'ocr = "eng"'])
def test_a_top_level_key_named_like_a_table_is_exit_2_for_every_command(tmp_path, line):
    (tmp_path / "deckgen.toml").write_text(line + "\n")
    (tmp_path / "slide.png").write_bytes(b"")
    table = line.strip("[]").split()[0]
    for words in (["build"], ["build", "--corpus", "c", "--lang", "deu"], ["search", "x"],
                  ["review"], ["label", "a/001", "team"], ["prune"], ["add", "slide.png"],
                  ["bundle", "build"], ["deploy", "--bucket", "b"], ["serve"],
                  ["inspect", "slide.png"], ["eval", "."]):
        result = deckgen(*words, cwd=tmp_path)
        assert result.returncode == 2, (words, result.stderr)
        assert f"[{table}] must be a table" in result.stderr, (words, result.stderr)
        assert "Traceback" not in result.stderr


def test_a_config_file_elsewhere_reads_its_own_folders_and_options_read_this_one(tmp_path):
    project, elsewhere = tmp_path / "proj", tmp_path / "other"
    for root in (project, elsewhere):
        (root / "corpus").mkdir(parents=True)  # both empty: the error names the one read
    (project / "deckgen.toml").write_text('[build]\ncorpus = "corpus"\n')
    config = ["--config", "../proj/deckgen.toml"]
    own = deckgen("build", *config, cwd=elsewhere)
    assert own.returncode == 3 and f"no decks in the corpus {project / 'corpus'}:" in own.stderr
    given = deckgen("build", *config, "--corpus", "corpus", cwd=elsewhere)
    assert given.returncode == 3 and "no decks in the corpus corpus:" in given.stderr


def test_a_bad_option_is_named_as_the_option_not_as_the_config_file(tmp_path):
    (tmp_path / "deckgen.toml").write_text("[build]\nworkers = 2\n")
    result = deckgen("build", "--workers", "-1", cwd=tmp_path)
    assert result.returncode == 2
    assert "error: invalid option:\n  --workers must be >= 0 (0 = all cores), got -1" in (
        result.stderr)
    assert "deckgen.toml" not in result.stderr
    (tmp_path / "deckgen.toml").write_text("[build]\nworkers = -1\n")
    result = deckgen("build", cwd=tmp_path)
    assert result.returncode == 2
    assert ("invalid configuration in deckgen.toml:\n  deckgen.toml line 2: [build] workers "
            "must be >= 0") in result.stderr


def test_a_config_file_that_is_a_folder_is_exit_2(tmp_path):
    given = deckgen("build", "--config", str(tmp_path), cwd=tmp_path)
    assert given.returncode == 2 and f"config file {tmp_path} is a folder" in given.stderr
    (tmp_path / "deckgen.toml").mkdir()
    default = deckgen("search", "x", cwd=tmp_path)
    assert default.returncode == 2 and "config file deckgen.toml is a folder" in default.stderr


def _refuses_root(folder: Path) -> bool:
    """Whether making a folder in ``folder`` fails with EACCES/EPERM, even for root."""
    try:
        (folder / "deckgen-probe").mkdir()
    except OSError as exc:
        return exc.errno in (errno.EACCES, errno.EPERM)
    (folder / "deckgen-probe").rmdir()
    return False


PERMISSION_DENIED = "give a folder this user can write, then run the same command again"


def test_a_folder_this_user_cannot_write_is_exit_2_and_named(tmp_path):
    if not _refuses_root(Path("/sys")):  # sysfs refuses new files to every user, root too
        pytest.skip("/sys lets this user make folders")
    result = deckgen("sample", "--out", "/sys/deckgen-test", cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert f"error: permission denied: /sys; {PERMISSION_DENIED}" in result.stderr


@pytest.fixture(params=["mode 555", "chattr +i"])
def unwritable_folder(request, tmp_path):
    """A folder this user cannot write, and the command prefix under which that holds:
    mode 555 (EACCES; as root, without the capability that overrides it), or ``chattr +i``
    (EPERM, root too; skipped where it fails)."""
    folder = tmp_path / "unwritable"
    folder.mkdir()
    if request.param == "mode 555":
        folder.chmod(0o555)
        yield folder, without_file_permission_override()
        folder.chmod(0o755)
        return
    if not shutil.which("chattr") or subprocess.run(["chattr", "+i", str(folder)],
                                                    capture_output=True).returncode:
        pytest.skip("chattr +i is not available here")
    try:
        if not _refuses_root(folder):
            pytest.skip("chattr +i does not refuse writes here")
        yield folder, []
    finally:
        subprocess.run(["chattr", "-i", str(folder)], check=True)


@pytest.mark.parametrize("words", [["add", "slide.png", "--slug", "x", "--corpus", "{folder}"],
                                   ["sample", "--out", "{folder}/corpus"]])
def test_a_folder_this_user_cannot_write_is_named_not_a_temp_file_in_it(tmp_path, words,
                                                                       unwritable_folder):
    from PIL import Image

    folder, prefix = unwritable_folder
    Image.new("RGB", (64, 36), "white").save(tmp_path / "slide.png")
    result = subprocess.run([*prefix, sys.executable, "-m", "deckgen.cli",
                             *[w.format(folder=folder) for w in words]],
                            capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    # the folder, not the .x.adding folder `add` stages the deck in, nor the one to be made
    assert f"error: permission denied: {folder}; {PERMISSION_DENIED}" in result.stderr
    assert ".adding" not in result.stderr and "Traceback" not in result.stderr


def test_build_refuses_an_out_folder_it_could_not_make_before_any_work(tmp_path, tiny_corpus,
                                                                       unwritable_folder):
    """--out not made yet: the folder it would be made in is probed, and nothing is made."""
    folder, prefix = unwritable_folder
    site, cache = folder / "site", tmp_path / "build"
    result = subprocess.run([*prefix, sys.executable, "-m", "deckgen.cli", "build", "--quiet",
                             "--corpus", str(tiny_corpus), "--out", str(site),
                             "--cache", str(cache)],
                            capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert result.returncode == 2, result.stderr
    assert f"error: --out {site} cannot be written (" in " ".join(result.stderr.split())
    assert not site.exists() and not cache.exists()
    assert not list(folder.iterdir())  # nor the probe


def test_a_build_with_a_language_pack_not_installed_makes_no_folders(tmp_path, tiny_corpus):
    """A `--lang` typo is exit 4 with no --out or --cache made (QA-57 found them left): on a
    first build, an empty cache folder's too, and on a later one into a new --out (QA-64)."""
    def build(site: Path, cache: Path, *lang: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "deckgen.cli", "build", "--quiet", *lang,
                               "--corpus", str(tiny_corpus), "--out", str(site),
                               "--cache", str(cache)],
                              capture_output=True, text=True, cwd=tmp_path, timeout=300)

    site, cache = tmp_path / "site", tmp_path / "build"
    result = build(site, cache, "--lang", "xxx")
    assert result.returncode == 4, result.stderr
    assert "language pack(s) xxx not installed" in result.stderr
    assert not site.exists() and not cache.exists()
    cache.mkdir()  # made by hand, empty: still a first build
    assert build(site, cache, "--lang", "xxx").returncode == 4
    assert not site.exists() and not list(cache.iterdir())
    assert build(site, cache).returncode == 0
    other = tmp_path / "other-site"
    result = build(other, cache, "--lang", "eng+xxx")  # every slide is read again
    assert result.returncode == 4, result.stderr
    assert not other.exists()
    # nor recorded as this cache's site: a later build would sweep a user's files there (QA-66)
    assert str(other.resolve()) not in (cache / "site-folders.txt").read_text().split("\n")
    other.mkdir()
    (other / "mine.html").write_text("<h1>mine</h1>")
    refused = build(other, cache)
    assert refused.returncode == 2 and "holds files deckgen did not write" in refused.stderr
    assert (other / "mine.html").read_text() == "<h1>mine</h1>"


def test_a_folder_this_user_cannot_read_is_named_with_reading_advice(tmp_path):
    # a deck folder mode 000 was "give a folder this user can write" (QA-54): reading failed
    from PIL import Image

    deck = tmp_path / "corpus" / "acme"
    deck.mkdir(parents=True)
    Image.new("RGB", (64, 36), "white").save(deck / "001.png")
    deck.chmod(0)
    try:
        result = subprocess.run(
            [*without_file_permission_override(), sys.executable, "-m", "deckgen.cli", "build",
             "-q", "--corpus", "corpus", "--out", "site", "--cache", "build"],
            capture_output=True, text=True, cwd=tmp_path)
    finally:
        deck.chmod(0o755)
    assert result.returncode == 2, result.stderr
    assert (f"error: permission denied: {Path('corpus/acme')} cannot be read by this user; give "
            "it read access (chmod u+rx), then run the same command again") in result.stderr
    assert "can write" not in result.stderr and "Traceback" not in result.stderr


def test_add_with_a_config_points_to_a_build_with_that_config(tmp_path):
    # the hint said plain `deckgen build`: run from another folder, that reads another corpus
    from PIL import Image

    project = tmp_path / "my proj"
    project.mkdir()
    (project / "deckgen.toml").write_text('[build]\ncorpus = "corpus"\n')
    Image.new("RGB", (64, 36), "white").save(tmp_path / "slide.png")
    result = subprocess.run([sys.executable, "-m", "deckgen.cli", "add", "slide.png", "--slug",
                             "acme", "--config", str(project / "deckgen.toml")],
                            capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (project / "corpus" / "acme").is_dir()  # the config's folder, not this one
    assert (f"run `deckgen build --config '{project / 'deckgen.toml'}'` to process the new "
            "slides") in result.stderr
    plain = subprocess.run([sys.executable, "-m", "deckgen.cli", "add", "slide.png", "--slug",
                            "beta", "--corpus", "here"], capture_output=True, text=True,
                           cwd=tmp_path)
    assert "run `deckgen build` to process the new slides" in plain.stderr, plain.stderr


def _seed_index(tmp_path: Path) -> list[str]:
    """A build folder whose index holds 13 slides of a Seed deck (labelled milestones) and
    one of a Series A deck; the --cache option that reads it."""
    from test_index import make_slide

    from deckgen.index import build_index
    from deckgen.records import DeckMeta

    decks = {"seedy": DeckMeta(slug="seedy", company="Seedy", stage="Seed"),
             "later": DeckMeta(slug="later", company="Later", stage="Series A")}
    slides = [make_slide("seedy", page, "our market and roadmap", label="milestones")
              for page in range(1, 14)] + [make_slide("later", 1, "our market")]
    build_index(slides, decks, tmp_path / "build" / "whoosh")
    return ["--cache", str(tmp_path / "build")]


def test_search_says_how_many_more_slides_it_found_than_it_printed(tmp_path):
    """`deckgen search "" --stage seed` printed 10 of 23 slides and said nothing of the rest
    (QA-85); the site has "Show more". The count goes to stderr, so --json stays JSON lines."""
    cache = _seed_index(tmp_path)
    more = "3 more slides found (--limit 13 shows them all)"
    # filters alone, words (Whoosh stops at --limit), a section (sorted whole, then cut)
    for words in (["", "--stage", "seed"], ["market", "--stage", "seed"],
                  ["", "--section", "milestones"]):
        text = deckgen("search", *words, *cache, cwd=tmp_path)
        assert text.returncode == 0, text.stderr
        assert text.stdout.count(". seedy/") == 10 and more in text.stderr, words
    as_json = deckgen("search", "", "--stage", "seed", "--json", *cache, cwd=tmp_path)
    assert len([json.loads(line) for line in as_json.stdout.splitlines()]) == 10
    assert more in as_json.stderr
    every = deckgen("search", "", "--stage", "seed", "--limit", "13", *cache, cwd=tmp_path)
    assert every.stdout.count(". seedy/") == 13 and "more slide" not in every.stderr
    one = deckgen("search", "", "--stage", "seed", "--limit", "12", *cache, cwd=tmp_path)
    assert "1 more slide found (--limit 13 shows them all)" in one.stderr, one.stderr


def test_search_takes_another_name_for_a_section_as_the_site_does(tmp_path):
    """"roadmap" is milestones (search.js SECTION_ALIASES), in --section and in the tip
    that a query naming a section gets (QA-85)."""
    cache = _seed_index(tmp_path)
    by_name = deckgen("search", "", "--section", "Roadmap", "--json", *cache, cwd=tmp_path)
    assert by_name.returncode == 0, by_name.stderr
    assert by_name.stdout == deckgen("search", "", "--section", "milestones", "--json", *cache,
                                     cwd=tmp_path).stdout
    roadmap = deckgen("search", "roadmap", *cache, cwd=tmp_path)
    assert '`deckgen search "" --section milestones` lists every slide labelled' in (
        roadmap.stderr)
