"""Commands that publish: the dataset bundle and the S3 deploy."""

from __future__ import annotations

import contextlib
import json
import shlex
import tomllib
from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from deckgen.cli_common import (
    BuildOpt,
    BuiltCorpusOpt,
    ConfigOpt,
    QuietOpt,
    SiteOpt,
    app,
    err,
    resolve_config,
    state,
)
from deckgen.config import CONFIG_FILE, Config
from deckgen.errors import (
    EXIT_BAD_INPUT,
    DeckgenError,
)

bundle_app = typer.Typer(help="Build or verify the open dataset bundle.", no_args_is_help=True)
app.add_typer(bundle_app, name="bundle")


@bundle_app.command("build", short_help="Rewrite the dataset archive from the last build's cache.")
def bundle_build(
    out: Annotated[
        Path | None, typer.Option(help="Site folder; the archive goes to OUT/dataset/ "
                                  "(default: the one the build wrote).")
    ] = None,
    cache: BuildOpt = None,
    corpus: BuiltCorpusOpt = None,
    config: ConfigOpt = None,
) -> None:
    """(Re)write the dataset archive from the last build's cache, without building.

    `deckgen build` writes it too, with the site's dataset page; this writes the same
    archive, with the settings that build used, and says when that page shows another
    checksum than the archive now has. SOURCE_DATE_EPOCH is read now, not taken from the
    build: set it as the build had it, since another value (or none) gives the archive
    another date and checksum.

    Example: deckgen bundle build
    """
    from deckgen.files import exclusive_lock

    cfg = resolve_config(config, build={"out": out and str(out), "cache": cache and str(cache),
                                        "corpus": corpus and str(corpus)})
    cache = Path(cfg.build.cache)
    with contextlib.ExitStack() as locks:
        # first: a build still running on this cache is "busy" (7), not "no build found"
        if cache.is_dir():
            locks.enter_context(exclusive_lock(cache / "lock", AGAIN))
        # the settings file read, if any: only a setting written in one asks for another archive
        read = config or (Path(CONFIG_FILE) if Path(CONFIG_FILE).is_file() else None)
        _bundle_build_locked(cfg, read, out, cache, corpus)


# what a busy `bundle build` says to do: another --cache or --out holds another build
AGAIN = "wait for it to finish, then run `deckgen bundle build` again"


def _written_keys(path: Path | None, table: str) -> list[str]:
    """The keys a settings file writes under ``[table]`` (it has been read without error)."""
    if path is None:
        return []
    written = tomllib.loads(path.read_text(encoding="utf-8-sig")).get(table)
    return list(written) if isinstance(written, dict) else []


def _bundle_build_locked(asked: Config, read: Path | None, out: Path | None, cache: Path,
                         corpus: Path | None) -> None:
    """`bundle build` under the cache's lock; ``asked``: the settings given to it, from the
    file ``read`` (None: no file, so nothing asked)."""
    from deckgen.build import refuse_overlap, write_dataset
    from deckgen.build_report import dataset_warnings
    from deckgen.cache import Cache
    from deckgen.corpus_pdf import read_source, source_identity
    from deckgen.files import folder_lock, remove_temp_files
    from deckgen.manifest import built_corpus, built_out, current_build_settings, load_manifest
    from deckgen.site_marker import site_finished

    slides, decks = load_manifest(cache)
    out = out or built_out(cache) or Path(asked.build.out)
    corpus = corpus or built_corpus(cache) or Path(asked.build.corpus)
    refuse_overlap(out, corpus, cache)  # the archive goes to out/dataset/
    # the build's OCR, upscale, site and bundle settings and stage versions, not today's
    # deckgen.toml or code: they are what made the slides' text, and provenance.json and the
    # card say so; the archive is the one the site's dataset page lists. A build that
    # recorded none, or other versions than this deckgen's, is refused.
    cfg, failures, versions = current_build_settings(cache)
    # only a [bundle] setting the file writes asks for another archive, not a default
    written = _written_keys(read, "bundle")
    changed = {key: getattr(asked.bundle, key) for key in written
               if getattr(asked.bundle, key) != getattr(cfg.bundle, key)}
    if changed:
        build = shlex.join(["deckgen", "build", *(["--config", str(read)] if read else []),
                            "--corpus", str(corpus), "--out", str(out), "--cache", str(cache)])
        said = ", ".join(f"{key} = {json.dumps(value)}" for key, value in changed.items())
        err.print(Text.assemble(("warning: ", "yellow"), (
            f"{read} sets [bundle] {said}, but the last build did not: this writes the "
            f"build's archive; run `{build}` to apply it")))

    def source(slide):
        # the archive pairs the file with the build's text and labels: they must be its own
        if source_identity(corpus, slide.source) != slide.sha256:
            raise DeckgenError(f"{slide.source} changed since the last build; run `deckgen "
                               "build` first")
        return read_source(corpus, slide.source)

    # never under a build: it writes the archive too (a build with another --cache into
    # this site holds the site folder's lock)
    site_lock = folder_lock(out, "--out", AGAIN) if out.is_dir() else contextlib.nullcontext()
    with site_lock:
        if not site_finished(out):  # the archive is still the last finished build's
            err.print(Text.assemble(("warning: ", "yellow"), (
                f"{out} is not a finished site (a build stopped halfway?); this archive is "
                "the last finished build's: run `deckgen build` to finish the site")))
        dataset_dir = out / "dataset"
        # temp files of an archive write that was killed (a `bundle build` or a build);
        # no build runs now (the lock), so none of them is being written
        if dataset_dir.is_dir() and (leftovers := remove_temp_files(dataset_dir)):
            err.print(f"removed {leftovers} temp files of an interrupted write from "
                      f"{dataset_dir}", highlight=False)
        info = write_dataset(
            slides,
            decks,
            config=cfg,
            cache=Cache(cache / "cache"),
            build_root=cache,
            out=out,
            source=source,
            failures=failures,  # the slides that failed a stage, listed as left out
            versions=versions,
            upscale_missing=False,  # this OpenCV or model file may not be the build's
        )
    print(json.dumps(info, sort_keys=True))
    for item in info["skipped"]:
        line = f"{item['id']} left out of the archive: {item['reason']}"
        err.print(Text.assemble(("warning: ", "yellow"), line))
    # with the setting changed, what to run was said above
    then = None if changed else "`deckgen build`"
    for line in dataset_warnings(info, "the not_open_names printed above", then):
        err.print(Text.assemble(("warning: ", "yellow"), line))  # as a build says them
    page = out / "dataset.html"
    if page.exists() and info["sha256"] not in page.read_text("utf-8", "replace"):
        err.print(f"{page} shows another SHA-256 than the archive now has; run `deckgen "
                  "build` to update it")


@bundle_app.command("verify")
def bundle_verify(
    archive: Annotated[Path, typer.Argument(
        help="A deckgen-dataset-*.tar.gz, or the folder it unpacks to.")],
    as_json: Annotated[bool, typer.Option(
        "--json", help="Print the result as one JSON object on stdout (ok, complete, archive, "
        "sha256, slides, decks, problems, notes); the exit code is the same.")] = False,
) -> None:
    """Check a dataset archive: every checksum, the schema, and that its files agree.

    Exits 3 when it finds a problem (each is named on stderr).

    Example: deckgen bundle verify site/dataset/deckgen-dataset-v1.tar.gz
    """
    from deckgen.bundle import verify_bundle
    from deckgen.bundle_verify import OLDER_FORMAT

    notes: list[str] = []
    counts: dict[str, int] = {}
    problems = verify_bundle(archive, notes, counts)
    digest = _archive_sha256(archive) if as_json or not problems else None
    # an older bundle format: only its checksums and content id were checked
    complete = not any(note.startswith(OLDER_FORMAT) for note in notes)
    if as_json:  # before the exit code: a script reads the problems from here
        print(json.dumps({"ok": not problems, "complete": complete, "archive": str(archive),
                          "sha256": digest, "slides": counts.get("slides"),
                          "decks": counts.get("decks"), "problems": problems, "notes": notes},
                         sort_keys=True))
    for note in notes:
        err.print(Text.assemble(("note: ", "yellow"), note))
    for problem in problems:
        err.print(Text.assemble(("✗ ", "red"), problem))
    if problems:
        raise typer.Exit(EXIT_BAD_INPUT)
    if not complete:
        sha = f"; SHA-256 {digest}" if digest else ""  # an unpacked folder has none
        err.print(f"{archive}: checksums and content id OK; its schema and values were not "
                  f"checked (an older bundle format{sha})", highlight=False)
    elif digest is None:
        err.print(f"{archive}: OK")
    else:  # a repacked archive verifies too: its own hash tells it from the published one
        err.print(f"{archive}: OK (its SHA-256 is {digest}; the dataset page "
                  "lists the published archive's)", highlight=False)


def _archive_sha256(archive: Path) -> str | None:
    """The archive file's SHA-256; None for an unpacked folder, or a file not there or
    unreadable (verify_bundle has said why)."""
    from deckgen.files import sha256_file

    if not archive.is_file():
        return None
    try:
        return sha256_file(archive)
    except OSError:
        return None


@app.command(short_help="Upload the site to S3 and invalidate CloudFront.")
def deploy(
    bucket: Annotated[str | None, typer.Option(help="S3 bucket name.")] = None,
    prefix: Annotated[str | None, typer.Option(help="Key prefix inside the bucket.")] = None,
    distribution_id: Annotated[
        str | None, typer.Option(help="CloudFront distribution to invalidate.")
    ] = None,
    site_dir: SiteOpt = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print what would change; touch nothing. Exits "
                           "with the code the deploy would (2 when it would be refused).")
    ] = False,
    delete: Annotated[
        bool,
        typer.Option("--delete", help="After uploading, delete every object under the prefix "
                     "that the site does not have: give the site a bucket or prefix of its own."),
    ] = False,
    max_delete: Annotated[
        int | None,
        typer.Option("--max-delete", min=0, help="With --delete, delete at most this many "
                     "objects (default: half of those live, at least 10); a deploy that would "
                     "delete more stops before touching anything."),
    ] = None,
    endpoint_url: Annotated[
        str | None, typer.Option(help="S3 endpoint URL, for S3-compatible stores (CloudFront's "
                                 "is read from AWS_ENDPOINT_URL_CLOUDFRONT).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
    quiet: QuietOpt = False,
    config: ConfigOpt = None,
) -> None:
    """Upload the site to S3 (changed files only) and invalidate CloudFront.

    Example: deckgen deploy --bucket my-decks --distribution-id E123ABC --delete
    """
    from deckgen.deploy import deploy as run_deploy
    from deckgen.deploy import refusal_error, require_bucket
    from deckgen.files import folder_lock

    state["resume"] = "the live site is whole; run the same command again to finish"
    cfg = resolve_config(
        config, deploy={"bucket": bucket, "prefix": prefix, "distribution_id": distribution_id}
    )
    require_bucket(cfg.deploy.bucket)
    if max_delete is not None and not delete:
        raise DeckgenError("--max-delete limits --delete, which was not given; add --delete "
                           "to delete the objects the site no longer has")
    from deckgen.site_marker import unfinished_site

    site_dir = site_dir or Path(cfg.build.out)
    with contextlib.ExitStack() as held:
        # a build writing the site now is busy (7), not "unfinished"; none starts until the
        # upload is done (it would replace files under it)
        if site_dir.is_dir():
            held.enter_context(folder_lock(site_dir, "--site", "wait for it to finish, "
                                           "then deploy"))
        if why := unfinished_site(site_dir):  # with --delete, what is missing would go live
            raise DeckgenError(f"{why}; build it again with the `deckgen build` that made it, "
                               "so a half-written or damaged site never goes live")
        from deckgen.progress import Progress

        try:
            summary = run_deploy(
                site_dir,
                cfg.deploy.bucket,
                prefix=cfg.deploy.prefix,
                distribution_id=cfg.deploy.distribution_id or None,
                dry_run=dry_run,
                delete=delete,
                max_delete=max_delete,
                endpoint_url=endpoint_url,
                progress=Progress(quiet=quiet),  # a bar on a terminal, a line a tenth in a log
            )
        # a refused --delete (what it would delete, and why) or a failed invalidation
        # (what was done and what is owed): the JSON, then the error and its exit code
        except DeckgenError as exc:
            if as_json and getattr(exc, "summary", None):
                print(json.dumps(exc.summary, sort_keys=True, default=str))
            raise
    if as_json:
        print(json.dumps(summary, sort_keys=True, default=str))
    from deckgen.deploy_cdn import describe_groups

    upload, deleted = ("would upload", "would be deleted") if dry_run else ("uploaded", "deleted")
    invalidation, paths = summary.get("invalidation_id"), summary["invalidation_paths"]
    stale = "" if delete else f", {summary['stale']} stale kept" + (
        " (use --delete)" if summary["stale"] else "")
    reheaded = summary["headers_updated"]
    headers = "" if not reheaded else (
        f" (headers {'would be ' if dry_run else ''}updated on {reheaded})")
    err.print(
        f"{upload} {summary['uploaded']} files ({summary['bytes'] / 1e6:.1f} MB), "
        f"{summary['unchanged']} unchanged{headers}, {summary['deleted']} {deleted}{stale}"
        + (f"; invalidation {invalidation}" if invalidation else "")
        + (f"; would invalidate {len(paths)} paths" if dry_run and paths else ""),
        highlight=False,
    )
    uploads = summary["uploaded_groups"] if dry_run else []
    if _whole_site(uploads, summary):  # a first deploy: not "/ (147 files)"
        err.print(f"would upload: the whole site ({summary['uploaded']} files)",
                  highlight=False)
        uploads = []
    for label, groups in (("would upload", uploads),
                          ("stale", summary["stale_groups"]),
                          ("would delete" if dry_run else "deleted", summary["deleted_groups"])):
        if groups:
            err.print(f"{label}: {describe_groups(groups)}", highlight=False, soft_wrap=True)
    if (earlier := summary["earlier_invalidation_paths"]) and invalidation:
        err.print(f"sent {len(earlier)} invalidation paths owed by earlier deploys",
                  highlight=False)
    for warning in summary["warnings"]:
        err.print(Text.assemble(("warning: ", "yellow"), warning), soft_wrap=True)
    if dry_run and summary["refusal"]:  # the plan in full, then the real deploy's exit code
        refused = refusal_error(summary["refusal"])
        err.print(Text.assemble(("error: ", "red"), (
            f"the deploy would stop before touching anything (see the warning above); "
            f"this dry run exits {refused.exit_code}, as the deploy would")))
        raise typer.Exit(refused.exit_code)


def _whole_site(uploads: list[dict], summary: dict) -> bool:
    """Whether the uploads are every file of the site, all new (one folder: the prefix)."""
    return (len(uploads) == 1 and uploads[0]["whole_folder"] and not summary["unchanged"]
            and uploads[0]["path"] == (summary["prefix"] or "/"))
