"""Regenerate docs/cli.md from the commands' own --help (run: make docs)."""

from __future__ import annotations

import sys
from pathlib import Path

from typer.testing import CliRunner

from deckgen.cli import app

COMMANDS = [
    [],
    ["build"],
    ["sample"],
    ["add"],
    ["inspect"],
    ["serve"],
    ["search"],
    ["review"],
    ["eval"],
    ["bundle", "build"],
    ["bundle", "verify"],
    ["deploy"],
    ["train-sr"],
]


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
