"""Regenerate docs/cli.md from the commands' own --help (run: make docs).

What follows ``HAND_WRITTEN`` in docs/cli.md (the JSON outputs' keys, which --help cannot
say) is written by hand: it is kept as it is, after the generated part."""

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
TARGET = Path(__file__).resolve().parent.parent / "docs" / "cli.md"
HAND_WRITTEN = "<!-- Written by hand from here on: `make docs` keeps it as it is. -->"


def _hand_written(target: Path) -> str:
    """The end of ``target`` from the ``HAND_WRITTEN`` line on ("" when it has none)."""
    text = target.read_text() if target.exists() else ""
    start = text.find(HAND_WRITTEN)
    return text[start:] if start >= 0 else ""


def render() -> str:
    runner = CliRunner()
    parts = [
        "# Command-line reference\n",
        "Generated from `--help` by `make docs`; do not edit by hand, but for the section at "
        "the end ([Machine-readable output](#machine-readable-output)).\n",
    ]
    for words in COMMANDS:
        result = runner.invoke(app, [*words, "--help"], prog_name="deckgen", terminal_width=100)
        if result.exit_code != 0:
            raise SystemExit(f"deckgen {' '.join(words)} --help failed:\n{result.output}")
        title = " ".join(["deckgen", *words])
        parts.append(f"## {title}\n\n```\n{result.output.rstrip()}\n```\n")
    if hand_written := _hand_written(TARGET):
        parts.append(hand_written.rstrip("\n") + "\n")
    return "\n".join(parts)


def main(args: list[str]) -> int:
    """Write docs/cli.md, or with ``--check`` only say whether it matches the help (exit 1)."""
    if args not in ([], ["--check"]):
        print("usage: python tools/cli_docs.py [--check]", file=sys.stderr)
        return 2
    target = TARGET
    text = render()
    if args:
        same = target.exists() and target.read_text() == text
        print(f"{target}: {'matches' if same else 'differs from'} the help"
              + ("" if same else " (run: make docs)"), file=sys.stderr)
        return 0 if same else 1
    target.write_text(text)
    print(f"wrote {target}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
