"""What every ``deckgen`` command shares: the Typer app, the stderr console, common
options and the config loader. The commands live in ``cli`` and ``cli_*``."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from deckgen import __version__
from deckgen.errors import (
    DeckgenError,
)
from deckgen.ocr import OcrParams
from deckgen.progress import Output
from deckgen.upscale import UpscaleParams

# the defaults help texts state, read from the stages' own settings (every command but
# --help loads these modules anyway, with its config)
OCR_DEFAULTS, UPSCALE_DEFAULTS = OcrParams(), UpscaleParams()

app = typer.Typer(
    help="Turn low-resolution pitch-deck slides into a searchable static gallery.",
    context_settings={"help_option_names": ["-h", "--help"]},
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
# markup off: file names, OCR text and error messages are printed as written ("[draft]"
# stays, "[/b]" cannot crash a print); styled words go through Text.assemble.
# soft_wrap: a message is one line however narrow the terminal (or a log file: 80 columns)
err = Output(stderr=True, markup=False, soft_wrap=True)
# "resume": what a command that can be run again says when it is interrupted
state: dict[str, object] = {"verbose": False, "resume": ""}

ConfigOpt = Annotated[
    Path | None,
    typer.Option("--config", help="deckgen.toml to read (default: ./deckgen.toml if present)."),
]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars.")]
LangOpt = Annotated[
    str | None, typer.Option(help="Tesseract language(s), e.g. eng, or deu+eng (the main "
                             "language first; section labels come from a model of English "
                             "slides; default: "
                             f"{OCR_DEFAULTS.lang}).")
]
PsmOpt = Annotated[int | None, typer.Option(
    help=f"Tesseract page segmentation mode, 0-13 (default: {OCR_DEFAULTS.psm}).")]
# review and label work on the last build, and on the deck.toml files of the corpus it read
BuiltCorpusOpt = Annotated[
    Path | None, typer.Option("--corpus", help="Corpus folder (default: the one the build read).")
]
BuildOpt = Annotated[Path | None, typer.Option("--cache", help="Build folder (default: build).")]
SiteOpt = Annotated[
    Path | None, typer.Option("--site", help="Site folder (default: [build] out, else site).")
]


def _version(value: bool) -> None:
    """"deckgen 0.1.0 (upscale 7+…, ocr-18, classify-9+…, index 14, site 7, bundle 13)": the
    stage versions (``manifest.stage_versions``, less the tools') tell two commits apart,
    and which stages an upgrade runs again."""
    if value:
        from deckgen.manifest import stage_versions

        tools = ("deckgen", "opencv", "tesseract", "pdfium")  # not stages; deckgen's said first
        stages = [version if version.startswith(f"{name}-") else f"{name} {version}"
                  for name, version in stage_versions().items() if name not in tools]
        print(f"deckgen {__version__} ({', '.join(stages)})")
        raise typer.Exit()


@app.callback()
def _root(
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Show tracebacks on errors.")
    ] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    state["verbose"] = verbose


def quiet_on_closed_pipe() -> None:
    """Die of SIGPIPE, silently, when stdout's reader goes (`deckgen search x | head -1`),
    as git and rg do (exit 141 in a shell); Click would exit 1. Only for commands that
    write to no subprocess's pipe: build and inspect feed Tesseract through one, and a
    Tesseract that died would then kill deckgen instead of raising BrokenPipeError."""
    import signal

    if hasattr(signal, "SIGPIPE"):  # not on Windows
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)


def print_json(value: object, **options) -> None:
    """``value`` as JSON on stdout, one line unless ``indent`` is given, in UTF-8 whatever
    the locale: under LC_ALL=C a plain print stops at the first "é", the output cut short.
    A file name is written as its bytes (UTF-8 that LC_ALL=C read as escapes), or, bytes
    that are no UTF-8 (a cp1252 "Caf\\xe9"), as JSON's escape "\\udce9", as
    ``ensure_ascii`` would."""
    text = json.dumps(value, ensure_ascii=False, **options) + "\n"
    try:
        data = text.encode("utf-8", "surrogateescape")
        data.decode("utf-8")
    except UnicodeError:
        data = text.encode("utf-8", "backslashreplace")
    sys.stdout.flush()  # what was printed before comes first
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()


def resolve_config(path: Path | None, **tables):
    """deckgen.toml (``path``, else ./deckgen.toml) with the command line's options on top."""
    from deckgen.config import load_config

    return load_config(path, tables)


def section_option(value: str | None) -> str | None:
    """A section as the site writes it ("Business model"), as a slug, or by another name
    for it ("roadmap", "gtm": records.SECTION_ALIASES); else exit 2, naming the section a
    slip in its name meant ("tracton", "raodmap")."""
    import difflib

    from deckgen.records import SECTION_NAMES, SECTIONS, section_key, section_meant

    if value is None:
        return None
    slug = section_meant(value)
    if slug is None:
        key = section_key(value)
        # a slip or a longer name ("finance"); not a short word: "tem" is no "team" (QA-64)
        near = difflib.get_close_matches(key, SECTION_NAMES, n=1) if len(key) > 3 else []
        hint = f"; did you mean {SECTION_NAMES[near[0]]!r}?" if near else ""
        raise DeckgenError(f"unknown section {value!r}; use one of: {', '.join(SECTIONS)}, "
                           f"or another name for one, e.g. roadmap, gtm, pricing{hint}")
    return slug


def upscale_overrides(upscale: str | None, sr_model: Path | None, max_pixels: int | None) -> dict:
    method = str(sr_model) if sr_model else upscale
    return {"method": method, "max_pixels": max_pixels}
