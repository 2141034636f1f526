"""Regenerate docs/cli.md from the commands' own --help (run: make docs)."""

from __future__ import annotations

import sys
from pathlib import Path

import typer
from typer.testing import CliRunner

from deckgen.cli import app


def _leaves(group, prefix: list[str]) -> list[list[str]]:
    """Every command under ``group``, in the order they were declared (sub-groups expanded)."""
    found = []
    for name, command in group.commands.items():
        if hasattr(command, "commands"):
            found += _leaves(command, [*prefix, name])
        else:
            found.append([*prefix, name])
    return found


# the top level, then every command: one added to the app cannot be left out of the docs
COMMANDS = [[], *_leaves(typer.main.get_command(app), [])]


def render() -> str:
    runner = CliRunner()
    parts = [
        "# Command-line reference\n",
        "Generated from `--help` by `make docs`; do not edit by hand.\n",
    ]
    for words in COMMANDS:
        result = runner.invoke(app, [*words, "--help"], prog_name="deckgen", terminal_width=100)
        if result.exit_code != 0:
            raise SystemExit(f"deckgen {' '.join(words)} --help failed:\n{result.output}")
        title = " ".join(["deckgen", *words])
        parts.append(f"## {title}\n\n```\n{result.output.rstrip()}\n```\n")
    return "\n".join(parts)


if __name__ == "__main__":
    target = Path(__file__).resolve().parent.parent / "docs" / "cli.md"
    target.write_text(render())
    print(f"wrote {target}", file=sys.stderr)
