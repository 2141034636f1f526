"""Names and text that are not UTF-8, and a terminal that is not UTF-8 (LC_ALL=C): each
gets a message that says what to do, or works, never a traceback."""

import io
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import build_cmd, write_deck
from PIL import Image

from deckgen.errors import EXIT_BAD_INPUT

# Python's own fixes for the C locale turned off: stdout and argv are ASCII, as in a
# minimal container or a cron job
ASCII_LOCALE = {**os.environ, "LC_ALL": "C", "PYTHONUTF8": "0", "PYTHONCOERCECLOCALE": "0"}
CAFE_CP1252 = os.fsdecode(b"Caf\xe9")  # a cp1252 zip unpacked on Linux


def deckgen(*args, env=None, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "deckgen", *map(str, args)],
                          capture_output=True, env=env, cwd=cwd, timeout=120)


def jpeg(color="red") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (48, 27), color).save(out, "JPEG")
    return out.getvalue()


def blank_pdf(path: Path) -> None:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument.new()
    pdf.new_page(960, 540)
    pdf.save(path)
    pdf.close()


def test_add_names_a_folder_whose_name_is_not_utf8_and_says_to_rename_it(tmp_path):
    folder = tmp_path / CAFE_CP1252
    folder.mkdir()
    (folder / "1.jpg").write_bytes(jpeg())
    done = deckgen("add", folder, "--corpus", tmp_path / "corpus")
    said = done.stderr.decode()
    assert done.returncode == EXIT_BAD_INPUT, said
    assert "Caf\\udce9: file name is not valid UTF-8" in said, said
    assert "rename it or pass --company" in said and "Traceback" not in said
    assert not (tmp_path / "corpus").exists()  # no half-made deck left
    company = deckgen("add", folder, "--corpus", tmp_path / "corpus",
                      "--company", os.fsdecode(b"Soci\xe9t\xe9"))
    assert company.returncode == EXIT_BAD_INPUT, company.stderr
    assert b"--company: not valid UTF-8 text" in company.stderr
    named = deckgen("add", folder, "--corpus", tmp_path / "corpus", "--company", "Café")
    assert named.returncode == 0, named.stderr
    assert 'company = "Café"' in (tmp_path / "corpus" / "cafe" / "deck.toml").read_text("utf-8")


def test_add_each_lists_a_file_whose_name_is_not_utf8_and_imports_the_rest(tmp_path):
    decks = tmp_path / "decks"
    decks.mkdir()
    blank_pdf(decks / f"{CAFE_CP1252}.pdf")
    blank_pdf(decks / "zeta.pdf")  # after the bad one: the batch goes on
    done = deckgen("add", "--each", decks, "--corpus", tmp_path / "corpus")
    said = done.stderr.decode()
    assert done.returncode == EXIT_BAD_INPUT, said
    assert "Caf\\udce9.pdf: file name is not valid UTF-8" in said and "Traceback" not in said
    assert sorted(p.name for p in (tmp_path / "corpus").iterdir()) == ["zeta"]


def test_add_in_an_ascii_locale_reads_a_utf8_file_name_as_its_letters(tmp_path):
    folder = tmp_path / "Café"
    folder.mkdir()
    (folder / "1.jpg").write_bytes(jpeg())
    done = deckgen("add", folder, "--corpus", tmp_path / "corpus", env=ASCII_LOCALE)
    assert done.returncode == 0, done.stderr
    assert 'company = "Café"' in (tmp_path / "corpus" / "cafe" / "deck.toml").read_text("utf-8")


@pytest.fixture(scope="module")
def built_cafe(tmp_path_factory) -> Path:
    """A build of one deck whose name and slide are not ASCII: "Café Société"."""
    root = tmp_path_factory.mktemp("cafe")
    write_deck(root / "corpus", "cafe", {"meta": 'company = "Café Société"\n',
                                         "slides": [("Café Crème", "Les clients aiment")]})
    built = subprocess.run(build_cmd(root, root / "corpus"), capture_output=True, text=True)
    assert built.returncode == 0, built.stderr
    return root


@pytest.mark.parametrize("command", [["search", "", "--deck", "cafe"], ["review"]])
def test_json_is_utf8_whatever_the_locale(built_cafe, command):
    done = deckgen(*command, "--json", "--cache", built_cafe / "build", env=ASCII_LOCALE)
    assert done.returncode == 0, done.stderr
    row = json.loads(done.stdout.decode("utf-8"))  # one line, whole
    assert row["id"] == "cafe/001" and "Café" in row["title"], row


def test_search_in_an_ascii_locale_reads_its_words_as_utf8(built_cafe):
    # the query "Crème" and --company "Café Société" arrived as escapes, and found nothing
    done = deckgen("search", "Crème", "--company", "Café Société", "--json",
                   "--cache", built_cafe / "build", env=ASCII_LOCALE)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.decode("utf-8"))["id"] == "cafe/001"
    cp1252 = deckgen("search", CAFE_CP1252, "--cache", built_cafe / "build", env=ASCII_LOCALE)
    assert cp1252.returncode == EXIT_BAD_INPUT, cp1252.stderr
    assert b"is not UTF-8 text: type it in a UTF-8 terminal" in cp1252.stderr


def run_into_closed_pipe(command: list[str]) -> int:
    """``command``'s exit code when its reader has gone before it writes (`| head -0`)."""
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    proc.stdout.close()
    return proc.wait(timeout=120)


def test_a_build_whose_output_pipe_closes_builds_on_with_its_output_off(tmp_path):
    write_deck(tmp_path / "corpus", "acme", {"meta": 'company = "Acme"\n',
                                             "slides": [("Problem", "Clinics lose paper")]})
    command = [arg for arg in build_cmd(tmp_path, tmp_path / "corpus") if arg != "--quiet"]
    assert run_into_closed_pipe(command) == 0  # as it would have exited
    report = json.loads((tmp_path / "build" / "report.json").read_text())
    assert report["error"] == "" and report["slides_built"] == 1, report
    assert (tmp_path / "site" / "index.html").exists()


def test_a_read_only_command_whose_reader_goes_ends_quietly(built_cafe):
    archive = next((built_cafe / "site" / "dataset").glob("*.tar.gz"))
    verify = [sys.executable, "-m", "deckgen", "bundle", "verify", str(archive)]
    assert run_into_closed_pipe(verify) == 0  # its messages on stderr: its own exit code
    # a print to stdout ends it as `deckgen search x | head -1` does: SIGPIPE, not exit 1
    assert run_into_closed_pipe([*verify, "--json"]) == -signal.SIGPIPE


def test_label_on_a_deck_toml_not_in_utf8_says_to_save_it_as_utf8(tmp_path):
    deck = tmp_path / "corpus" / "acme"
    deck.mkdir(parents=True)
    (deck / "001.jpg").write_bytes(jpeg())
    toml = deck / "deck.toml"
    for encoding in ("utf-16", "cp1252"):  # Notepad's "Unicode", an old Windows editor
        toml.write_bytes('company = "Société"\n'.encode(encoding))
        done = deckgen("label", "acme/001", "cover", "--corpus", tmp_path / "corpus",
                       "--cache", tmp_path / "build")
        said = done.stderr.decode()
        assert done.returncode == EXIT_BAD_INPUT, said
        assert f"{toml}: not UTF-8 text; save it as UTF-8" in said and "codec" not in said
        assert toml.read_bytes() == 'company = "Société"\n'.encode(encoding)


def test_the_preview_server_in_an_ascii_locale_answers_404_for_a_non_ascii_path(built_cafe):
    import http.client
    import re

    server = subprocess.Popen([sys.executable, "-m", "deckgen", "serve", "--site",
                               str(built_cafe / "site"), "--port", "0"], env=ASCII_LOCALE,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        port = int(re.search(r":(\d+)/", server.stdout.readline())[1])
        for path in ("/caf%C3%A9.html", "/index.html"):
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            connection.request("GET", path)
            answer = connection.getresponse()  # was: the connection dropped, a traceback
            assert answer.status == (200 if path == "/index.html" else 404), path
            answer.read()
            connection.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert "Traceback" not in server.stderr.read()
