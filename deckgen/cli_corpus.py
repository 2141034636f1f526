"""Commands that change the corpus or the cache: add, review, label, prune."""

from __future__ import annotations

import contextlib
import re
import shlex
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.text import Text

from deckgen.cli_common import (
    BuildOpt,
    BuiltCorpusOpt,
    ConfigOpt,
    app,
    err,
    print_json,
    quiet_on_closed_pipe,
    resolve_config,
    section_option,
)
from deckgen.errors import (
    EXIT_BAD_INPUT,
    BadInputError,
    DeckgenError,
)

if TYPE_CHECKING:
    from deckgen.config import Config
    from deckgen.progress import Progress
    from deckgen.records import Slide


@app.command(short_help="Import a deck (PDF, pptx or slide images) into the corpus.")
def add(
    paths: Annotated[
        list[Path],
        typer.Argument(
            help="A PDF, a presentation (.pptx, .ppt, .odp, .key: needs LibreOffice), "
            "a folder of slide images, or image files."
        ),
    ],
    corpus: Annotated[Path | None, typer.Option(help="Corpus folder (default: corpus).")] = None,
    slug: Annotated[str | None, typer.Option(help="Folder name (default: from --company).")] = None,
    company: Annotated[
        str | None, typer.Option(help="Company name, as the site shows it (default: from the "
                                 "file or folder name).")
    ] = None,
    title: Annotated[str | None, typer.Option(help="Deck title, e.g. \"Seed deck 2021\".")] = None,
    year: Annotated[int | None, typer.Option(min=1900, max=2100)] = None,
    stage: Annotated[str | None, typer.Option(help="e.g. seed, series-a.")] = None,
    industry: Annotated[str | None, typer.Option()] = None,
    amount_raised: Annotated[str | None, typer.Option()] = None,
    source_url: Annotated[str | None, typer.Option()] = None,
    license: Annotated[str | None, typer.Option(help="e.g. CC-BY-4.0.")] = None,
    each: Annotated[
        bool,
        typer.Option(
            "--each",
            help="Import every PDF or presentation given (or found in a given folder) as "
            "its own deck, named after its file; decks already imported are left alone.",
        ),
    ] = False,
    replace: Annotated[
        str | None,
        typer.Option(
            help="Update the deck of this slug with a new export: its slides are replaced by "
            "the given ones, its deck.toml is kept (the options given set their fields in it).",
        ),
    ] = None,
    config: ConfigOpt = None,
) -> None:
    """Import a deck into the corpus as corpus/<slug>/ with a deck.toml.

    A PDF whose pages carry text is kept whole as deck.pdf: the build reads each page's
    own words exactly and OCRs its pictures. Otherwise its pages are stored as images,
    1920 px wide; a page that is one picture (a scraped deck saved as PDF) at the
    picture's own size, for the build to super-resolve. A presentation is
    converted to PDF first by LibreOffice (headless), which must be installed. With
    --each, a file that cannot be imported is reported and the others are still added
    (exit 3 at the end). With --replace acme, a new export of the deck acme takes the
    place of its slides, imported the same way; its deck.toml, with its hand labels, stays.

    Example: deckgen add ~/Downloads/acme.pdf --company "Acme" --year 2021 --stage seed
    """
    from deckgen.corpus import printable, safe_slug, source_url_problem
    from deckgen.corpus_edit import KEPT_PDF, AlreadyImported, add_deck, deck_companies, decks_in
    from deckgen.corpus_pdf import pdf_page_count
    from deckgen.progress import Progress

    if source_url and (bad_url := source_url_problem(source_url)):  # once, not once a deck
        raise BadInputError(f"--source-url {bad_url}")
    if slug is not None and safe_slug(slug) != slug:  # "../evil" never quietly becomes "evil"
        raise DeckgenError(f"--slug {slug!r} is not a safe folder name (lowercase ASCII "
                           "letters, digits and hyphens, and not a name Windows keeps for a "
                           f"device); use --slug {safe_slug(slug)}")
    if each and (slug or company or title):
        raise DeckgenError("--each names every deck after its file: leave out --slug, "
                           "--company and --title")
    if replace is not None and (each or slug):
        raise DeckgenError("--replace names the one deck whose slides are replaced: leave out "
                           f"--{'each' if each else 'slug'}")
    corpus = Path(resolve_config(config, build={"corpus": corpus and str(corpus)}).build.corpus)
    meta = {
        "company": company,
        "title": title,
        "year": year,
        "stage": stage,
        "industry": industry,
        "amount_raised": amount_raised,
        "source_url": source_url,
        "license": license,
    }
    # a bar while a PDF's pages render (a 300-page one took 37 s in silence); none in a
    # log or a script, where add's own lines say what it did
    progress = Progress(quiet=not err.is_terminal)
    if replace is not None:
        _replace_slides(corpus, replace, paths, meta, progress, config)
        return
    failed = added = 0
    not_decks: list = []
    companies = deck_companies(corpus)  # to note a new export added beside its old deck
    for deck in [[p] for p in decks_in(paths, not_decks)] if each else [paths]:
        if each and (corpus / safe_slug(deck[0].stem)).exists():
            err.print(f"{deck[0]}: already in the corpus as {corpus / safe_slug(deck[0].stem)}; "
                      "left alone", highlight=False)
            continue
        skipped: list = []
        notes: list = []
        try:
            deck_dir = add_deck(corpus, deck, slug=slug, meta=meta, skipped=skipped, notes=notes,
                                progress=progress)
        except AlreadyImported as exc:
            if not each:
                raise
            err.print(f"{exc}; left alone", highlight=False)  # a renamed folder, run again
            continue
        except BadInputError as exc:
            if not each:
                raise
            failed += 1
            err.print(Text.assemble(("✗ ", "red"), str(exc)))  # names the file
            continue
        kept_pdf = deck_dir / KEPT_PDF
        slides = (pdf_page_count(kept_pdf) if kept_pdf.exists()
                  else len([p for p in deck_dir.iterdir() if p.name != "deck.toml"]))
        err.print(f"added {deck_dir} ({slides} slide{'' if slides == 1 else 's'})",
                  highlight=False)
        if company is None:  # a name made from a file name is a guess the user should see
            guessed = tomllib.loads((deck_dir / "deck.toml").read_text("utf-8")).get("company")
            err.print(f"  company {printable(str(guessed))!r}, from the file name (--company "
                      "or its deck.toml sets it)", highlight=False, markup=False)
        named = company or deck[0].stem
        if slug is None and not named.isascii() and re.search(r"-[0-9a-f]{8}$", deck_dir.name):
            # a name in another script has no ASCII spelling: the slug ends in its hash
            err.print(f"  its folder and URLs are named {deck_dir.name}; for a readable name, "
                      f"rename the folder before the first build (mv {deck_dir} "
                      f"{deck_dir.parent}/<name>) or add it with --slug", highlight=False)
        _say_skipped_and_notes(skipped, notes)
        new_company = deck_companies(corpus, [deck_dir.name])[deck_dir.name]
        for other, its_company in companies.items():  # two decks of one company are fine
            if its_company.casefold() == new_company.casefold():
                err.print(f"  note: deck {other} has the same company ({printable(its_company)})"
                          f"; to update that deck instead, use --replace {other} (after "
                          f"rm -r {shlex.quote(str(deck_dir))})", highlight=False, markup=False)
        companies[deck_dir.name] = new_company
        print(deck_dir)
        added += 1
    for problem in not_decks:  # a folder's link to a file outside it (--each)
        err.print(f"skipped {printable(problem.path)}: {problem.reason}", highlight=False)
    if added:
        _say_build(config)
    if failed:
        raise typer.Exit(EXIT_BAD_INPUT)


def _replace_slides(corpus: Path, slug: str, paths: list[Path], meta: dict,
                    progress: Progress, config: Path | None) -> None:
    """`add --replace`: the deck's slides swapped for a new export's, and said."""
    from deckgen.corpus import printable
    from deckgen.corpus_edit import replace_deck

    skipped: list = []
    notes: list = []
    done = replace_deck(corpus, slug, paths, meta=meta, skipped=skipped, notes=notes,
                        progress=progress)
    source = printable(str(paths[0])) if len(paths) == 1 else f"the {len(paths)} paths given"
    fields = ", ".join(done.fields_set)
    if done.same:
        set_there = f"; {fields} set in its deck.toml" if fields else ""
        err.print(f"{slug} has these very slides already (those of {source}); nothing "
                  f"replaced{set_there}", highlight=False, markup=False)
    else:
        labels = (" (its [sections] hand labels are on page numbers: the next build warns of "
                  "any whose slide moved)") if done.hand_labels else ""
        err.print(f"replaced the {done.old_slides} slide{'' if done.old_slides == 1 else 's'} "
                  f"of {slug} with {done.new_slides} "
                  f"from {source}; deck.toml kept{f', with {fields} set' if fields else ''}"
                  f"{labels}", highlight=False,
                  markup=False)
    _say_skipped_and_notes(skipped, [] if done.same else notes)  # notes: how slides are stored
    print(done.deck_dir)
    if not done.same:
        _say_build(config)


def _say_skipped_and_notes(skipped: list, notes: list) -> None:
    from deckgen.corpus import printable

    for problem in skipped:  # files of a given folder that are not slides
        err.print(f"  skipped {printable(problem.path)}: {problem.reason}", highlight=False)
    for problem in notes:  # imported, but not all of it is used (a multi-page TIFF)
        err.print(f"  note: {printable(problem.path)}: {problem.reason}", highlight=False)


def _say_build(config: Path | None) -> None:
    from deckgen.corpus import printable

    # the same config: from another folder, `deckgen build` reads another corpus
    build = "deckgen build" + (f" --config {shlex.quote(str(config))}" if config else "")
    err.print(f"run `{printable(build)}` to process the new slides", highlight=False)


@app.command(short_help="List the least sure section labels, to check first.")
def review(
    limit: Annotated[int, typer.Option(min=1, help="How many slides to list.")] = 20,
    deck: Annotated[str | None, typer.Option(help="Only this deck (slug).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON lines on stdout.")] = False,
    corpus: BuiltCorpusOpt = None,
    cache: BuildOpt = None,
    config: ConfigOpt = None,
) -> None:
    """List the slides whose section the classifier is least sure of, to check first.

    A wrong one is set right with `deckgen label` (or by hand in its deck.toml:
    [sections], then page = "section"); the next build keeps it. Slides labelled by hand
    since the last build, and decks no longer in the corpus, are left out. Each slide's
    page is given as a path in the site the last build wrote.

    Example: deckgen review --limit 10
    """
    quiet_on_closed_pipe()  # `| head -1` ends the listing quietly
    from deckgen.corpus import printable
    from deckgen.manifest import built_out, load_manifest
    from deckgen.records import UNSURE_BELOW
    from deckgen.site_urls import slide_page_path

    cfg = resolve_config(config, build={"corpus": corpus and str(corpus),
                                        "cache": cache and str(cache)})
    slides, decks = load_manifest(Path(cfg.build.cache))
    if deck is not None and deck not in decks:
        raise BadInputError(f"no deck {deck!r} in the last build; deck slugs: {', '.join(decks)}")
    predicted = [
        s for s in slides
        if s.section is not None and not s.section.curated and deck in (None, s.deck)
    ]  # fmt: skip
    root = _labelled_corpus(corpus, cfg)
    predicted = _still_predicted(predicted, root, _rebuild_command(config, root, cache, cfg))
    predicted.sort(key=lambda s: (s.section.sureness, s.id))  # type: ignore[union-attr]
    out = None
    with contextlib.suppress(DeckgenError):  # the site the last build wrote
        out = built_out(Path(cfg.build.cache))
    if predicted and not as_json:
        unsure = sum(s.section.unsure for s in predicted)  # type: ignore[union-attr]
        pages = f" (pages under {_shown(out)}/)" if out else ""
        shown = min(limit, len(predicted))
        # past the unsure ones the list goes on to labels that are most likely right
        likely = "" if unsure >= shown else (
            ", none of them unsure" if not unsure else f", the first {unsure} of them unsure")
        err.print(
            f"{unsure} of {len(predicted)} predicted labels are unsure (label scored under "
            f"{UNSURE_BELOW}); the {shown} least sure{likely}{pages}:",
            highlight=False,
        )
    for s in predicted[:limit]:
        ranked = s.section.ranked()
        title = s.ocr.title if s.ocr else ""
        page = slide_page_path(s.id)
        if as_json:  # keys in a fixed order; the scores in rank order, best first
            row = {"id": s.id, "page": page, "scores": dict(ranked),
                   "section": s.section.label, "title": title}
            print_json(row)
            continue
        guesses = ", ".join(f"{label} {score:.2f}" for label, score in ranked)
        print(f"{s.id}  {s.section.label}  ({guesses})  {page}  {printable(title)[:60]}"
              .rstrip())
        where = f" --corpus {shlex.quote(str(corpus))}" if corpus else ""
        where += f" --cache {shlex.quote(str(cache))}" if cache else ""
        print(f"    wrong? deckgen label {s.id} <section>{where}")
    if not predicted and not as_json:
        err.print("no predicted labels to review")


def _still_predicted(slides: list[Slide], corpus: Path, rebuild: str) -> list[Slide]:
    """``slides`` less those labelled by hand since the last build and those of decks no
    longer in ``corpus`` (a `deckgen label` hint for them would fail); says on stderr
    how many were left out. A corpus folder that is not there (the build folder copied
    alone) leaves every slide in, with a note."""
    from deckgen.corpus import printable
    from deckgen.corpus_edit import hand_labelled_pages

    if not slides:
        return slides
    if not corpus.is_dir():
        err.print(f"note: corpus folder {printable(str(corpus))} not found: slides labelled "
                  "by hand since the last build are listed too (give --corpus)",
                  highlight=False)
        return slides
    labelled_pages = {slug: hand_labelled_pages(corpus, slug) for slug in {s.deck for s in slides}}
    gone = sorted(slug for slug, pages in labelled_pages.items() if pages is None)
    kept = [s for s in slides
            if (pages := labelled_pages[s.deck]) is not None and s.page not in pages]
    labelled = len(slides) - len(kept) - sum(s.deck in gone for s in slides)
    said = []
    if labelled:
        said.append(f"{labelled} slide{'' if labelled == 1 else 's'} labelled by hand since "
                    "the last build")
    if gone:
        said.append(f"{len(gone)} deck{'' if len(gone) == 1 else 's'} no longer in the corpus "
                    f"({', '.join(gone[:3])}{', …' if len(gone) > 3 else ''})")
    if said:
        verb = "is" if labelled + len(gone) == 1 else "are"
        err.print(f"{' and '.join(said)} {verb} left out; run `{printable(rebuild)}` to bring "
                  "the list up to date", highlight=False)
    return kept


def _labelled_corpus(corpus: Path | None, cfg: Config) -> Path:
    """The corpus whose deck.toml files hold the hand labels: --corpus, else the one the
    last build read, else the configured one."""
    from deckgen.manifest import built_corpus

    if corpus is None:
        with contextlib.suppress(DeckgenError):
            corpus = built_corpus(Path(cfg.build.cache))
    return Path(corpus or cfg.build.corpus)


def _rebuild_command(config: Path | None, corpus: Path, cache: Path | None,
                     cfg: Config) -> str:
    """The `deckgen build` that reads ``corpus`` into the cache and site of the last build
    (what a plain `deckgen build` would read instead is named)."""
    from deckgen.manifest import built_out

    rebuild = "deckgen build" + (f" --config {shlex.quote(str(config))}" if config else "")
    # against what a plain `deckgen build` reads (cfg holds --corpus itself when given)
    plain = resolve_config(config, build={"cache": cache and str(cache)})
    if Path(corpus).resolve() != Path(plain.build.corpus).resolve():
        rebuild += f" --corpus {shlex.quote(str(corpus))}"
    out = None
    with contextlib.suppress(DeckgenError):  # the site the last build wrote, not ./site
        out = built_out(Path(cfg.build.cache))
    if out and out.resolve() != Path(cfg.build.out).resolve():
        rebuild += f" --out {shlex.quote(str(out))}"
    return rebuild + (f" --cache {shlex.quote(str(cache))}" if cache else "")


def _shown(path: Path) -> Path:
    """``path`` relative to the working folder when it is under it (shorter to read)."""
    path = path.absolute()
    return path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path


@app.command(short_help="Delete cache entries the last build did not use.")
def prune(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Only say how much would be deleted.")
    ] = False,
    cache: BuildOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Delete the cache entries the last build did not use.

    The cache keeps every result it computed, so a setting changed back costs nothing,
    but over weeks of removed, replaced and relabelled slides it only grows. This keeps
    what the last build used: run it after a build you are happy with. Entries written
    after that build (by one killed halfway) are kept for the build that finishes it.

    Example: deckgen prune --dry-run
    """
    from deckgen.build import used_cache_keys
    from deckgen.cache import Cache
    from deckgen.files import exclusive_lock

    root = Path(resolve_config(config, build={"cache": cache and str(cache)}).build.cache)
    if not root.is_dir():
        used_cache_keys(root)  # no build there: says so
    with exclusive_lock(root / "lock", "prune when it has finished"):  # never under a build
        if not (root / "manifest.json").exists() and any(
                (root / "cache" / "objects").glob("*/*")):
            raise DeckgenError(f"no finished build at {root}: its cache holds the work of one "
                               "that stopped early, kept for the next build; run `deckgen "
                               "build` to finish it, then prune (nothing was deleted)")
        keep = used_cache_keys(root)  # no build there: says so
        # entries newer than the last finished build's manifest were written by a build
        # killed since: its finished work, which the next build would otherwise redo
        finished = (root / "manifest.json").stat().st_mtime_ns
        pruned = Cache(root / "cache").prune(keep, newer_than_ns=finished, dry_run=dry_run)
    verb = "would delete" if dry_run else "deleted"
    err.print(f"{verb} {pruned.deleted} cache entries ({pruned.bytes / 1e6:.1f} MB) the last "
              f"build did not use; kept what it used ({len(keep)} stage results)",
              highlight=False)
    if pruned.kept_recent:
        err.print(f"{'would keep' if dry_run else 'kept'} {pruned.kept_recent} entries written "
                  "after the last finished build (an unfinished build?): run `deckgen build` "
                  "to finish it, then prune", highlight=False)


@app.command(short_help="Set a slide's section by hand (in its deck.toml).")
def label(
    slide: Annotated[str, typer.Argument(help='The slide as review lists it, e.g. "acme/006".')],
    section: Annotated[
        list[str] | None,
        typer.Argument(help="Its section, e.g. traction or business model (quotes optional), "
                       "or another name for one: roadmap is milestones, gtm go-to-market.",
                       show_default=False),
    ] = None,
    clear: Annotated[
        bool, typer.Option("--clear", help="Remove the label set by hand: the model decides.")
    ] = False,
    corpus: BuiltCorpusOpt = None,
    cache: BuildOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Set a slide's section by hand, under [sections] in its deck's deck.toml.

    The next build keeps it, decodes the slides around it knowing it, and marks it
    "Labelled by hand" on the site and in the dataset. A label set by hand before is
    replaced, and said. --clear removes one even from a page the deck no longer has.

    Example: deckgen label brindlestack/006 traction
    """
    from deckgen.corpus_edit import hand_label, label_slide
    from deckgen.files import exclusive_lock
    from deckgen.manifest import confirm_hand_label

    written = " ".join(section).strip() or None if section else None  # `label x/4 ""`: none
    if clear and written is not None:
        raise DeckgenError("give a section or --clear, not both")
    if not clear and written is None:
        raise DeckgenError("give a section, or --clear to remove the one set by hand")
    named = section_option(written)
    deck, _, page = slide.strip().rpartition("/")
    if not deck or not re.fullmatch(r"[0-9]{1,4}", page):
        raise BadInputError(f"{slide!r} is not a slide; write it as review lists it: acme/006")
    cfg = resolve_config(config, build={"corpus": corpus and str(corpus),
                                        "cache": cache and str(cache)})
    corpus = _labelled_corpus(corpus, cfg)
    build_root = Path(cfg.build.cache)
    # a build running on this cache would write its manifest over the confirmation; the
    # advice is not the build's "another --cache": that would confirm in the wrong cache
    lock = (exclusive_lock(build_root / "lock", "wait for it to finish, then run the same "
                           "command again") if build_root.is_dir() else contextlib.nullcontext())
    with lock:
        before = hand_label(corpus / deck, int(page))
        toml = label_slide(corpus, deck, int(page), named).absolute()
        # the same label again confirms it on the slide there now (once a build saw it)
        confirmed = bool(named) and confirm_hand_label(build_root, f"{deck}/{int(page):03d}")
    toml = _shown(toml)
    if not named and before is None:  # nothing was removed: no build to run either
        err.print(f"{deck}/{int(page):03d} had no hand label in {toml}; nothing to clear",
                  highlight=False)
        return
    rebuild = _rebuild_command(config, corpus, cache, cfg)
    err.print(f"{deck}/{int(page):03d} {_label_change(named, before, confirmed)} in {toml}; "
              f"`{rebuild}` applies it", highlight=False)


def _label_change(named: str | None, before: str | None, confirmed: bool) -> str:
    """What `label` did, with the label set by hand before: never replaced unsaid."""
    from deckgen.corpus import printable
    from deckgen.records import section_named

    done = f"labelled {named}" if named else "no longer labelled by hand"
    if before is None:
        return done
    was = section_named(before) or printable(before)[:40]
    if not named:
        return f"{done} (was {was})"
    if was == named:  # the same label again: confirmed on the picture there now
        confirm = "; confirmed for the slide there now" if confirmed else ""
        return f"{done} (so set by hand already{confirm})"
    return f"{done} (was {was}, set by hand)"
