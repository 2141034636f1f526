"""Every command has help with an example, and docs/cli.md matches the code."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

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


def test_bad_config_exit_code(tmp_path):
    (tmp_path / "deckgen.toml").write_text('[build]\nexecutor = "cloud"\n')
    result = subprocess.run(
        [sys.executable, "-m", "deckgen.cli", "build", "--config", str(tmp_path / "deckgen.toml")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert "executor must be one of" in result.stderr
