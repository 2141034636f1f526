"""The ``deckgen`` command: thin wrappers that parse options and call the library.

Here: build, sample, serve, search and ``main``; the other commands are in
``cli_corpus`` (add, review, label, prune), ``cli_measure`` (inspect, eval, train-sr)
and ``cli_publish`` (bundle, deploy), on the app of ``cli_common``.

Data goes to stdout (JSON where asked), progress and messages to stderr.
Errors print one line and exit with the code from ``deckgen.errors``;
``-v`` shows the traceback.
"""

from __future__ import annotations

import errno
import os
import re
import shlex
import shutil
import signal
import sys
import traceback
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from deckgen.cli_common import (
    OCR_DEFAULTS,
    UPSCALE_DEFAULTS,
    BuildOpt,
    ConfigOpt,
    LangOpt,
    PsmOpt,
    QuietOpt,
    SiteOpt,
    app,
    err,
    print_json,
    quiet_on_closed_pipe,
    resolve_config,
    section_option,
    state,
    upscale_overrides,
)
from deckgen.errors import (
    EXIT_BAD_INPUT,
    EXIT_INTERRUPTED,
    EXIT_SLIDES_FAILED,
    EXIT_USAGE,
    BadInputError,
    DeckgenError,
)
from deckgen.text import utf8_argument


@app.command(short_help="Build the site from the corpus; cached stages are reused.")
def build(
    corpus: Annotated[Path | None, typer.Option(help="Corpus folder (default: corpus).")] = None,
    out: Annotated[Path | None, typer.Option(help="Site output folder (default: site).")] = None,
    cache: Annotated[Path | None, typer.Option(help="Build/cache folder (default: build).")] = None,
    executor: Annotated[
        str | None, typer.Option(help="serial | processes | dask (default: processes).")
    ] = None,
    workers: Annotated[
        int | None, typer.Option(help="Worker processes; 0, the default, is one per CPU core.")
    ] = None,
    scheduler: Annotated[
        str | None, typer.Option(help="Dask scheduler address, e.g. tcp://host:8786 (implies "
                                 "--executor dask).")
    ] = None,
    upscale: Annotated[
        str | None, typer.Option(help="auto | none | bicubic | lanczos | model:x2 | model:x4 "
                                 f"(default: {UPSCALE_DEFAULTS.method}).")
    ] = None,
    sr_model: Annotated[
        Path | None,
        typer.Option(help="An OpenCV dnn_superres .pb (e.g. FSRCNN_x2.pb) or .onnx model to "
                     "upscale with; replaces --upscale."),
    ] = None,
    max_pixels: Annotated[
        int | None, typer.Option(help="Refuse images with more pixels than this (default: "
                                 f"{UPSCALE_DEFAULTS.max_pixels}).")
    ] = None,
    lang: LangOpt = None,
    psm: PsmOpt = None,
    ocr_timeout: Annotated[
        float | None, typer.Option(help="Seconds before OCR of one slide is abandoned "
                                   f"(default: {OCR_DEFAULTS.timeout:g}).")
    ] = None,
    strict: Annotated[
        bool, typer.Option("--strict", help="Exit 5 if any file was skipped or any slide failed.")
    ] = False,
    quiet: QuietOpt = False,
    config: ConfigOpt = None,
) -> None:
    """Build the site from the corpus, reusing every cached stage result.

    Example: deckgen build --corpus corpus --out site
    """
    from deckgen.build import Builder
    from deckgen.build_report import (
        corpus_changes_line,
        gone_line,
        labels_changed_line,
        report_problems,
    )
    from deckgen.classify import language_note

    state["resume"] = "finished work is cached, run the same command again to resume"
    cfg = resolve_config(
        config,
        build={
            "corpus": corpus and str(corpus),
            "out": out and str(out),
            "cache": cache and str(cache),
            "executor": executor or ("dask" if scheduler else None),  # a scheduler means Dask
            "workers": workers,
            "scheduler": scheduler,
            "strict": strict or None,
        },
        upscale=upscale_overrides(upscale, sr_model, max_pixels),
        ocr={"lang": lang, "psm": psm, "timeout": ocr_timeout},
    )
    report = Builder(cfg, quiet=quiet).run()
    table = Table("stage", "processed", "cached", "failed", "seconds", title="deckgen build")
    for name, stage in report.stages.items():
        table.add_row(
            name,
            str(stage.processed),
            str(stage.cached),
            str(len(stage.failed)),
            f"{stage.seconds:.1f}",
        )
    err.print(table, soft_wrap=False)  # a table fits the terminal
    pages = report.site.get("pages")
    if report.stages["site"].processed and isinstance(pages, dict):  # what a deploy uploads
        err.print(f"site pages: {pages['written']} written, {pages['unchanged']} unchanged",
                  highlight=False)
        from deckgen.site import summary_lines  # here: the other commands load no Jinja

        # the files removed and kept, named (QA-72: "1 old files removed (pages and images)"
        # was a user's own page); file names: no rich markup read into them
        for line in summary_lines(pages):
            err.print(line, markup=False, highlight=False)
    if kept := report.ocr_from_kept_output:
        err.print(f"ocr: {kept} slide{'' if kept == 1 else 's'} read again from Tesseract's "
                  "output kept in the cache (Tesseract not run)", highlight=False)
    for line in report_problems(report):
        err.print(Text.assemble(("warning: ", "yellow"), line))  # each line says what was left
    if note := language_note(cfg.ocr.lang):
        err.print(f"note: {note}", highlight=False)
    if changed := corpus_changes_line(report.corpus_changes, f"{cfg.build.cache}/report.json"):
        err.print(changed, markup=False, highlight=False, soft_wrap=True)
    if report.decks_removed:
        err.print(gone_line(report.decks_removed, f"{cfg.build.cache}/report.json"),
                  highlight=False)
    if report.labels_changed:
        err.print(labels_changed_line(report.labels_changed, f"{cfg.build.cache}/report.json"),
                  highlight=False, soft_wrap=True)
    # a command that runs from here: `make site` calls .venv/bin/deckgen, which is not on PATH
    invoked = sys.argv[0] if Path(sys.argv[0]).name == "deckgen" else "deckgen"
    program = "deckgen" if shutil.which("deckgen") else invoked
    if report.slides and not report.slides_built:  # the build left the last site alone
        err.print(f"error: no slide could be built (0 of {report.slides}); the site in "
                  f"{cfg.build.out}/ was left as it was (report: {cfg.build.cache}/report.json)",
                  highlight=False)
        raise typer.Exit(EXIT_SLIDES_FAILED)
    site = cfg.build.out
    preview = f"{program} serve" + ("" if site == "site" else f" --site {shlex.quote(site)}")
    err.print(
        f"{report.slides_built} of {report.slides} slides from {report.decks} "
        f"deck{'' if report.decks == 1 else 's'} built into "
        f"{cfg.build.out}/ (report: {cfg.build.cache}/report.json). Preview: {preview}"
    )
    if cfg.build.strict and report.failures:
        err.print(f"--strict: {report.failures} problem(s)")
        raise typer.Exit(EXIT_SLIDES_FAILED)


@app.command(short_help="Generate the fictional sample corpus.")
def sample(
    out: Annotated[Path, typer.Option(help="Where to write the decks.")] = Path("corpus"),
    seed: Annotated[int, typer.Option(help="Random seed: same seed, same bytes.")] = 2026,
    decks: Annotated[int, typer.Option(min=1, help="Number of decks (at least 1).")] = 14,
    truth: Annotated[
        Path | None,
        typer.Option(help="Also write an evaluation set (exact text, labels, 1920 px renders)."),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Write into OUT even if it holds decks already.")
    ] = False,
) -> None:
    """Generate the fictional sample corpus (made-up companies, deterministic).

    Example: deckgen sample --out my-decks --truth my-evalset
    """
    from deckgen.sample import generate

    for folder, option in ((out, "--out"), (truth, "--truth")):
        if folder is not None and folder.exists() and not folder.is_dir():
            raise DeckgenError(f"{option} {folder} is a file, not a folder; give a folder")
    if truth is not None:  # the evaluation set's files would be read as decks, or overwritten
        corpus_dir, truth_dir = out.resolve(), truth.resolve()
        if truth_dir.is_relative_to(corpus_dir) or corpus_dir.is_relative_to(truth_dir):
            raise DeckgenError(f"--truth {truth} overlaps --out {out}: the evaluation set "
                               "needs a folder of its own, outside the corpus")
    for folder, option, what in ((out, "--out", "deck.toml files"),
                                 (truth, "--truth", "labels.csv and truth files")):
        if folder is not None and folder.is_dir() and any(folder.iterdir()) and not force:
            # a corpus with labels set by hand, an evaluation set of one's own
            raise DeckgenError(f"{folder}/ is not empty: the sample would overwrite its "
                               f"{what}; give another {option}, or --force")
    slugs = generate(out, seed=seed, n_decks=decks, truth_dir=truth)
    decks_written = f"{len(slugs)} deck{'' if len(slugs) == 1 else 's'}"
    err.print(f"wrote {decks_written} to {out}/" + (f" and truth to {truth}/" if truth else ""))


@app.command()
def serve(
    site_dir: SiteOpt = None,
    port: Annotated[int, typer.Option(
        help="Port to listen on, 0-65535 (0: any free port).")] = 8000,
    config: ConfigOpt = None,
) -> None:
    """Serve the built site on http://127.0.0.1:PORT/ for preview.

    Example: deckgen serve --port 8000
    """
    from deckgen.site_serve import serve as serve_site
    from deckgen.site_urls import site_root_path

    if not 0 <= port <= 65535:  # the socket would raise OverflowError
        raise DeckgenError(f"--port must be from 0 to 65535 (0: any free port), got {port}")
    cfg = resolve_config(config)
    site_dir = site_dir or Path(cfg.build.out)
    if not (site_dir / "index.html").exists():
        raise DeckgenError(
            f"{site_dir}/index.html not found; run `make site` or `deckgen build` first"
        )
    # also under base_url's path, where 404.html's links point (a site deployed in a folder)
    serve_site(site_dir, port=port, prefix=site_root_path(cfg.site.base_url))


@app.command()
def search(
    query: Annotated[str, typer.Argument(help='Words; "quoted phrases" allowed.')],
    section: Annotated[str | None, typer.Option(
        help="Only this section, e.g. problem, or gtm (another name for go-to-market).")] = None,
    company: Annotated[str | None, typer.Option(help="Only this company's decks.")] = None,
    year: Annotated[str | None, typer.Option(help="Only decks of this year, e.g. 2021.")] = None,
    stage: Annotated[str | None, typer.Option(help="e.g. seed, series-a.")] = None,
    industry: Annotated[str | None, typer.Option(help="Only this industry, e.g. health.")] = None,
    deck: Annotated[str | None, typer.Option(help="Deck slug.")] = None,
    limit: Annotated[int, typer.Option(min=1, help="How many hits to print.")] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="JSON lines on stdout.")] = False,
    cache: BuildOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Search the built index from the terminal.

    Filters match whatever the case and spacing ("series-a" is "Series A"). An empty
    query with --section lists every slide labelled so.

    Example: deckgen search "market size" --section market
    """
    quiet_on_closed_pipe()  # `| head -1` ends the listing quietly
    from deckgen.corpus import printable
    from deckgen.index import search as run_search
    from deckgen.index import stage_named, unknown_filter
    from deckgen.records import section_meant

    cfg = resolve_config(config, build={"cache": cache and str(cache)})
    index_dir = Path(cfg.build.cache) / "whoosh"
    if not index_dir.exists():
        raise DeckgenError(f"no index at {index_dir}; run `deckgen build` first")
    # words an ASCII locale took as escapes ("café" as "caf\udcc3\udca9"), read as UTF-8
    query, section, company, year, stage, industry, deck = (
        _utf8_words(value) for value in (query, section, company, year, stage, industry, deck))
    slug = section_option(section)
    wanted = {
        "section": slug,
        "company": company,
        "year": year,
        "stage": stage,
        "industry": industry,
        "deck": deck,
    }
    filters = {k: v for k, v in wanted.items() if v}
    if not query.strip() and not filters:
        raise DeckgenError('give words to search for, or a filter: deckgen search "" --section '
                           "problem")
    hits = run_search(index_dir, query, filters=filters, limit=limit)
    for rank, hit in enumerate(hits, 1):
        if as_json:
            print_json(hit, sort_keys=True)
        else:
            label = hit["section"] + (", unsure" if hit["unsure"] else "")
            # the match score; browsing by filter alone matches every slide alike
            score = f"  ({hit['score']:.2f})" if query.strip() else ""
            print(f"{rank:>2}. {hit['id']}  [{label}]  {printable(hit['title'])}{score}")
            if hit["excerpt"]:
                print(f"    {printable(hit['excerpt'])}")
    if hits.total > len(hits):  # as the site's "Show more"; on stderr: stdout holds the hits
        more = hits.total - len(hits)
        err.print(f"{more} more slide{'' if more == 1 else 's'} found (--limit {hits.total} "
                  "shows them all)", highlight=False)
    if not hits and (unknown := unknown_filter(index_dir, filters)):
        raise BadInputError(unknown)
    if not hits:  # on stderr under --json too: stdout holds JSON lines only
        from deckgen.index import parse_query
        # nothing was searched: as the site says, no word yet ("?!", "a"), or stop words only
        if query.strip() and not parse_query(query):
            err.print(f"{printable(query.strip())!r} is too common to search for; add a word"
                      if re.search(r"\w{2,}", query) else "type at least two letters to search",
                      highlight=False)
        else:
            err.print(_no_match_reason(index_dir, query, filters), highlight=False)
    def browse(name: str, value: str) -> str:  # the command, the other filters kept
        options = {**filters, name: value}
        return printable('deckgen search ""' + "".join(f" --{k} {shlex.quote(v)}"
                                                       for k, v in options.items()))

    named = section_meant(query)  # "roadmap" too: milestones
    if named and not section:  # the words find only the slides that say them
        err.print(f"tip: `{browse('section', named)}` lists every slide labelled {named}",
                  highlight=False)
    if not stage and (stage_value := stage_named(index_dir, query, filters)):
        err.print(f"tip: `{browse('stage', stage_value)}` lists every slide from "
                  f"{printable(stage_value)} decks", highlight=False)


def _utf8_words(value: str | None) -> str | None:
    from deckgen.corpus import printable

    if value is None:
        return None
    decoded = utf8_argument(value)
    if decoded is None:
        raise BadInputError(f"“{printable(value)}” is not UTF-8 text: type it in a UTF-8 "
                            "terminal (LANG=C.UTF-8)")
    return decoded


def _no_match_reason(index_dir: Path, query: str, filters: dict[str, str]) -> str:
    """Why a search found nothing, as the site's status line says it: the typed words no
    slide has at all, else that no slide has them all (or not under these filters)."""
    from deckgen.corpus import printable
    from deckgen.index import parse_query
    from deckgen.index import search as run_search

    # each word, or quoted phrase, searched alone over every slide
    parts = re.findall(r'"[^"]*"?|[^\s"]+', query)
    missing = [part for part in parts
               if parse_query(part) and not run_search(index_dir, part, limit=1)]
    if missing:
        names = [printable(m.strip('"')) for m in missing]
        return "no matches: no slide has " + ", ".join(f"“{name}”" for name in names)
    if filters and run_search(index_dir, query, limit=1):
        return "no matches with these filters (without them, slides have all these words)"
    return "no matches: no slide has all these words; try fewer"


# the other commands register themselves on `app` when imported
from deckgen import cli_corpus, cli_measure, cli_publish  # noqa: E402, F401


def _stop_as_if_interrupted(*_: object) -> None:
    raise KeyboardInterrupt  # SIGTERM (CI timeouts, systemd, kill): stop as Ctrl-C does


def main() -> None:
    signal.signal(signal.SIGTERM, _stop_as_if_interrupted)
    try:
        code = app(standalone_mode=False)
    except DeckgenError as exc:
        _traceback_if_verbose()
        err.print(Text.assemble(("error: ", "red"), str(exc)))
        sys.exit(exc.exit_code)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.TyperException as exc:  # a usage error ("No such option"), shown as typer does
        if hasattr(exc, "show"):
            exc.show()
        else:
            err.print(exc.format_message(), highlight=False)
        sys.exit(exc.exit_code)
    except (KeyboardInterrupt, typer.Abort):
        code = EXIT_INTERRUPTED
    except SystemExit as exc:
        # typer's exit 1 for a print to a closed pipe (`deckgen inspect x | head -1`): the
        # reader has gone, so end as search does, quietly (exit 141 in a shell). The
        # consoles on stderr go on with their output off instead (progress.Output).
        if isinstance(exc.__context__, BrokenPipeError) and hasattr(signal, "SIGPIPE"):
            quiet_on_closed_pipe()
            os.kill(os.getpid(), signal.SIGPIPE)
        raise
    except OSError as exc:  # a folder that is a file, read-only, full: say which, not how
        _traceback_if_verbose()
        message, code = _os_error_message(exc)
        err.print(Text.assemble(("error: ", "red"), message))
        sys.exit(code)
    if code == EXIT_INTERRUPTED:  # typer turns Ctrl-C into a returned 130, silently
        err.print("; ".join(filter(None, ["interrupted", state["resume"]])))
    sys.exit(code if isinstance(code, int) else 0)


def _traceback_if_verbose() -> None:
    """With -v, the traceback of the error being handled, on stderr; the exit code stays
    the error's own (scripts and CI that run with -v still tell the errors apart)."""
    if state["verbose"]:
        traceback.print_exc(file=sys.stderr)


# a file written beside its final name, then renamed ("._abc.json.x1y2.tmp", ".acme.adding")
TEMP_NAME = re.compile(r"\..+\.(tmp|adding)")
NO_SPACE = "; free space there, then run the same command again"


def _os_error_message(exc: OSError) -> tuple[str, int]:
    """The line an OSError prints, and the exit code: a full disk or a folder this user
    cannot write is the machine's, for the user to fix (2), not bad input (3)."""
    if exc.errno in (errno.EACCES, errno.EPERM):
        return _permission_message(exc.filename), EXIT_USAGE
    where = f": {exc.filename}" if exc.filename else ""
    advice = {errno.ENOSPC: NO_SPACE, errno.EDQUOT: NO_SPACE,
              errno.EROFS: "; give a folder this user can write (a read-only mount?), "
                           "then run the same command again"}.get(exc.errno)
    return f"{exc.strerror or exc}{where}{advice or ''}", EXIT_USAGE if advice else EXIT_BAD_INPUT


def _permission_message(filename: str | bytes | None) -> str:
    """"permission denied: <the folder that refused>; ...". A temp file is deckgen's own
    name, not the user's, and a path that was to be made is refused by its folder: both
    name that folder. An existing file (one to read, or to overwrite) is named itself."""
    again = "then run the same command again"
    if filename is None:
        return f"permission denied; give a folder this user can write, {again}"
    path = Path(os.fsdecode(filename))
    # a folder on the way that this user may not enter or list (a deck folder mode 000):
    # reading failed there, and writing advice would be wrong
    for folder in reversed(path.parents):
        if os.path.isdir(folder) and not os.access(folder, os.R_OK | os.X_OK):
            return (f"permission denied: {folder} cannot be read by this user; give it read "
                    f"access (chmod u+rx), {again}")
    # os.path's checks: Path.exists() would raise the same PermissionError again
    if TEMP_NAME.fullmatch(path.name) or not os.path.lexists(path):
        path = path.parent
    elif not os.path.isdir(path):
        return f"permission denied: {path}; give this user access to it (or another file), {again}"
    return f"permission denied: {path}; give a folder this user can write, {again}"


if __name__ == "__main__":
    main()
