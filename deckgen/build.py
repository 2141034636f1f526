"""``deckgen build``: run the stages over the corpus, reusing every cached result.

    ingest ─▶ upscale ─▶ ocr ─▶ classify ─▶ index ─▶ site (+ dataset bundle)
                      └──▶ images ──────────────────────▲

The per-slide stages (upscale, OCR, and encoding the images the site and the
dataset publish) run on the executor; the parent alone receives results and
writes the cache, the manifest and the report, and its site stage only copies
encoded bytes, so its serial share of a large build stays small. Each
stage's cache key chains the key of the stage before it, so changing an OCR
option re-runs OCR and everything after it, and nothing before.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import shlex
import shutil
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

import cv2

from deckgen import bundle, classify, index, ocr, ocr_layout, site, site_images, site_urls, upscale
from deckgen.build_report import BuildReport, corpus_changes, dataset_warnings, labels_changed
from deckgen.cache import Cache, stage_key
from deckgen.config import Config
from deckgen.corpus import (
    DOCUMENT_EXTENSIONS,
    IMAGE_EXTENSIONS,
    Corpus,
    scan,
    shared_slide_problems,
)
from deckgen.corpus_pdf import (
    PDF_EXTENSION,
    PDF_TEXT_LAYER_RULE,
    is_pdf_page,
    read_source,
    refusal_key,
)
from deckgen.errors import (
    BadInputError,
    BusyError,
    ConfigError,
    DeckgenError,
    MissingDependencyError,
)
from deckgen.executor import TaskFailure, make_executor
from deckgen.files import (
    atomic_write,
    content_stamp,
    exclusive_lock,
    folder_lock,
    remove_temp_files,
    sha256_file,
    temp_file,
    tree_stamp,
)
from deckgen.manifest import (
    PDF_RULES,
    changed_settings,
    changed_versions,
    keep_last_metadata,
    labels_on_other_slides,
    last_manifest,
    load_manifest,
    setting_change_line,
    stage_versions,
    version_change_line,
    write_manifest,
)
from deckgen.progress import SILENT, Progress
from deckgen.records import DeckMeta, OcrResult, SectionResult, Slide, UpscaleResult
from deckgen.site_marker import SITE_MARKER, mark_unfinished, read_marker, site_marker
from deckgen.slide_task import (
    DATASET_IMAGE,
    IMAGES_VERSION,
    TESSERACT_OUTPUT,
    SlideTask,
    WorkerCheck,
    cached_images,
    images_key,
    reason,
    run_slide,
)

DATASET_VERSION = "1"  # the archive's name: site/dataset/deckgen-dataset-v1.tar.gz
DISK_FULL = (errno.ENOSPC, errno.EDQUOT)  # no space left, or the user's quota spent


class Builder:
    def __init__(self, config: Config, *, quiet: bool = False, progress: Progress | None = None):
        self.config = config
        self.corpus_root = Path(config.build.corpus)
        self.build_root = Path(config.build.cache)
        self.out = Path(config.build.out)
        self.cache = Cache(self.build_root / "cache")
        self.progress = progress or Progress(quiet=quiet)
        self.report = BuildReport()
        self._last_slides: list[dict] = []  # the last finished build's slide records
        self.versions: dict[str, str] = {}  # manifest.stage_versions, asked once per build

    # -- helpers for later stages -------------------------------------------------------
    def upscaled_png(self, slide: Slide) -> bytes:
        return upscaled_png(self.cache, slide, self.source_bytes, self.config.upscale)

    def published_images(self, slide: Slide) -> dict[str, bytes]:
        return cached_images(self.cache, slide, self.upscaled_png)

    def source_bytes(self, slide: Slide) -> bytes:
        return read_source(self.corpus_root, slide.source)

    # -- stages ----------------------------------------------------------------------
    def run(self) -> BuildReport:
        upscale.validate(self.config.upscale)  # a bad method or model fails once, not per slide
        # before the build folder gets its lock and records: a typo leaves nothing behind
        corpus = self.corpus_root
        if corpus.exists() and not corpus.is_dir():
            raise BadInputError(f"--corpus {corpus} is a file, not a folder: give the corpus "
                                "folder, which holds one folder per deck (default: corpus)")
        if not corpus.is_dir():
            raise BadInputError(f"corpus folder {corpus} does not exist; run `deckgen sample` "
                                "or `deckgen add`")
        # before any work: refused now, not after an hour of OCR
        bundle.stated_epoch()  # a malformed SOURCE_DATE_EPOCH: the dataset stage would stop
        refuse_overlap(self.out, self.corpus_root, self.build_root)
        self._refuse_unwritable(self.out, "--out")
        self._refuse_unwritable(self.build_root, "--cache")
        self._refuse_empty_corpus()
        if not (self.build_root / "manifest.json").exists():  # a first build reads every
            ocr.check_tesseract(self.config.ocr.lang)  # slide: a --lang typo is refused here
        # only now: a build refused above leaves no empty --out or --cache behind, nor one
        # refused as busy (taken away again below)
        made = _folders_to_make(self.out) + _folders_to_make(self.build_root)
        self.out.mkdir(parents=True, exist_ok=True)
        try:
            # the site folder's own lock, no file in it: another build (another --cache)
            # writing the same pages would sweep this one's temp files and mix the two sites
            with folder_lock(self.out, "--out"):
                self._check_output_folder()
                self.build_root.mkdir(parents=True, exist_ok=True)
                with exclusive_lock(self.build_root / "lock"):
                    self._record_output_folder()  # only by the build that holds both locks
                    try:
                        return self._run_reporting_stops()
                    except MissingDependencyError:
                        if self.out in made:  # taken away below: a folder recorded as the
                            self._forget_output_folder()  # site's would be swept (QA-66)
                        raise
        except (BusyError, MissingDependencyError):
            # refused before any work (busy, or OCR's --lang check on a later build): the
            # folders this build made go again, deepest first; one that holds anything stays
            for folder in made:
                with contextlib.suppress(OSError):
                    folder.rmdir()
            raise

    def _run_reporting_stops(self) -> BuildReport:
        """_run; a build that stops halfway (Ctrl-C, SIGTERM, a full disk) replaces the last
        build's report.json, which said it succeeded, with one that says it stopped."""
        try:
            return self._run_naming_full_disk()
        except BaseException as exc:
            self.report.interrupted = isinstance(exc, KeyboardInterrupt)
            self.report.error = "" if self.report.interrupted else str(exc) or repr(exc)
            self.report.corrupt_cache_entries = self.cache.corrupt_entries
            try:
                atomic_write(self.build_root / "report.json", self.report.to_json().encode())
            except OSError:  # a full disk: the error the user sees says so
                pass
            raise

    def _run_naming_full_disk(self) -> BuildReport:
        try:
            return self._run()
        except OSError as exc:
            if exc.errno in DISK_FULL:
                raise self._disk_full(exc) from exc
            raise

    def _disk_full(self, exc: OSError) -> DeckgenError:
        """A full disk, named as the folder the user can free space in (the path being
        written says which; both when it is not known)."""
        cache = f"the cache folder {os.path.join(self.build_root, '')} (--cache)"
        site_folder = f"the site folder {os.path.join(self.out, '')} (--out)"
        where = f"{cache} or {site_folder}"
        if exc.filename:
            written = Path(os.path.abspath(exc.filename))
            if written.is_relative_to(self.build_root.resolve()):
                where = cache
            elif written.is_relative_to(self.out.resolve()):
                where = site_folder
        writing = f" (writing {exc.filename})" if exc.filename else ""
        return DeckgenError(f"no space left on the disk of {where}{writing}; finished work is "
                            "cached: free space there, then run the same command again")

    @staticmethod
    def _refuse_unwritable(folder: Path, option: str) -> None:
        """A folder the build cannot write (read-only, another user's) is refused before
        any work, not when the first result is stored: make and remove a file in it. One
        not made yet is not made here (a build refused later leaves nothing behind): the
        nearest folder above it that exists is probed, where it would be made."""
        try:
            probed = _nearest_existing(folder)
            if not probed.is_dir():  # a file on the way: the folder could never be made
                raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), str(probed))
            with temp_file(probed / "deckgen-write-check") as (_, probe):
                probe.unlink()  # only made to see that it can be: nothing to move in place
        except OSError as exc:
            if exc.errno in DISK_FULL:
                raise DeckgenError(f"{option} {folder}: no space left on its disk; free space "
                                   "there, then run the same command again") from exc
            raise ConfigError(f"{option} {folder} cannot be written ({exc.strerror or exc}): "
                              "give a folder this user can write, or fix its permissions or "
                              "its mount (read-only?)") from exc

    def _run(self) -> BuildReport:
        self.cache.sweep_temp_files()
        # the bundle's WebP encodings lived here before they joined the cache's image entries
        shutil.rmtree(self.build_root / "bundle-webp", ignore_errors=True)
        # index.build_index's temp folders, left by a build killed while indexing (this
        # build holds the lock: no other one is writing them)
        for leftover in self.build_root.glob(".whoosh.*"):
            shutil.rmtree(leftover, ignore_errors=True)
        self.versions = stage_versions()
        self._say_what_changed(last_manifest(self.build_root))
        corpus = self._ingest()
        slides = self._per_slide_stages(corpus)
        moved, suspended = labels_on_other_slides(slides, corpus.decks, self._last_slides,
                                                  self.source_bytes, self._label_options())
        self.report.problems += [asdict(p) for p in moved]
        self.report.problems += [{"path": s.source, "reason": note}  # cached slides' too
                                 for s in slides if s.upscale for note in s.upscale.notes]
        slides = self._classify(slides, corpus.decks, suspended)
        self.report.labels_changed = labels_changed(self._last_slides, slides)
        self._retry_images(slides)
        built = [s for s in slides if s.section is not None]
        self.report.slides_built = len(built)
        if not built:  # every slide failed: an empty site would replace (and deploy
            # --delete would empty) the last one, so the index, site and manifest stay as
            # the last finished build left them; the CLI says so and exits non-zero
            atomic_write(self.build_root / "report.json", self.report.to_json().encode())
            return self.report
        self._index(built, corpus.decks)
        self._site(built, corpus.decks, slides)
        # said once per build, cached site or not: the decks the archive holds with no open licence
        self.report.warnings += dataset_warnings(self.report.site.get("dataset"),
                                                 str(self.build_root / "report.json"))
        self.report.warnings += (self.report.site.get("pages") or {}).get("warnings", [])
        # last: a build that stops before here leaves the last finished build's manifest,
        # so the next one still names what changed since (moved labels, decks gone)
        write_manifest(self.build_root, slides, corpus, self.out, self.source_bytes,
                       config=self.config, failures=self._failures(), versions=self.versions)
        self.report.corrupt_cache_entries = self.cache.corrupt_entries
        atomic_write(self.build_root / "report.json", self.report.to_json().encode())
        return self.report

    def _say_what_changed(self, previous: dict[str, Any]) -> None:
        """An upgraded stage or a changed setting recomputes every slide (hours on a large
        gallery): say which, before it starts, and record it in report.json."""
        if not previous.get("slides"):  # a first build: nothing to compare with
            return
        before = previous.get("versions")
        if isinstance(before, dict):
            changes = changed_versions(before, self.versions)
            if not any(is_pdf_page(str(slide.get("source", "")))
                       for slide in previous["slides"] if isinstance(slide, dict)):
                changes = [c for c in changes if c["stage"] not in PDF_RULES]  # none to redo
            for change in changes:
                change["notice"] = version_change_line(change)
        else:
            changes = [{"stage": "*", "before": "", "now": "", "notice": (
                "the last build was made by an older deckgen, which did not record its stage "
                "versions: any stage changed since runs again for every slide")}]
        self.report.versions_changed = changes
        settings = changed_settings(previous.get("config") or {}, self.config)
        if any(change["setting"] == "ocr.lang" for change in settings):
            # a --lang typo is refused before it is announced as a change (QA-71)
            ocr.check_tesseract(self.config.ocr.lang)
        self.report.settings_changed = settings
        # under -q too, as warnings are: why a build of minutes now takes hours (QA-83)
        notices = [c["notice"] for c in changes] + [setting_change_line(c) for c in settings]
        for notice in notices:
            self.progress.console.print(f"note: {notice}", highlight=False, markup=False,
                                        soft_wrap=True)

    def _check_output_folder(self) -> None:
        """The site stage deletes files in --out that it did not write: --out must be its
        own folder (refuse_overlap), nor a folder of someone's files."""
        out = self.out.resolve()
        if str(out) in self._output_folders():
            return
        # a folder deckgen wrote before this record existed has a search entry
        if (out.is_dir() and any(out.iterdir())
                and not (out / "search" / "entry.json").exists()):
            raise ConfigError(f"--out {self.out} holds files deckgen did not write: the site "
                              "stage replaces what is in its folders, so choose an empty or "
                              "new folder")

    def _output_folders(self) -> set[str]:
        """The site folders builds with this --cache wrote (build/site-folders.txt)."""
        record = self.build_root / "site-folders.txt"
        return set(record.read_text().splitlines()) if record.exists() else set()

    def _record_output_folder(self) -> None:
        out = str(self.out.resolve())
        if out not in (ours := self._output_folders()):
            self._write_output_folders(ours | {out})

    def _forget_output_folder(self) -> None:
        """A --out this build made and takes away again is no site folder of this cache."""
        self._write_output_folders(self._output_folders() - {str(self.out.resolve())})

    def _write_output_folders(self, folders: set[str]) -> None:
        atomic_write(self.build_root / "site-folders.txt",
                     "".join(f"{p}\n" for p in sorted(folders)).encode())

    def _refuse_empty_corpus(self) -> None:
        """A corpus with no folder holding a slide image or PDF (an empty folder, one
        deck's own folder) is refused before --out and --cache are made. Only names are
        read, no file hashed: a build of a real corpus reaches its locks as soon as before."""
        if not _may_hold_decks(self.corpus_root):
            self._refuse_no_decks(scan(self.corpus_root))

    def _refuse_no_decks(self, corpus: Corpus) -> None:
        """BadInputError when ``corpus`` has no deck: the site stage would replace the last
        site with nothing."""
        if corpus.decks:
            return
        root = self.corpus_root
        slide_files = IMAGE_EXTENSIONS | DOCUMENT_EXTENSIONS
        if any(p.is_file() and (p.suffix.lower() in slide_files or p.name == "deck.toml")
               for p in root.iterdir()):
            raise BadInputError(
                f"{root} looks like a deck folder (it holds slides or a deck.toml itself), "
                f"not a corpus of deck folders: pass its parent (--corpus {root.parent}), "
                f"or import it into the corpus with `deckgen add {root}`")
        skipped = (f"; {len(corpus.problems)} entries skipped, e.g. "
                   f"{corpus.problems[0].path}: {corpus.problems[0].reason}"
                   if corpus.problems else "")
        raise BadInputError(
            f"no decks in the corpus {root}: it should hold one folder per deck "
            f"(<slug>/001.jpg ... or <slug>/deck.pdf); import one with `deckgen add`, or "
            f"run `deckgen sample`{skipped}")

    def _ingest(self) -> Corpus:
        started = time.perf_counter()
        corpus = scan(self.corpus_root)
        stage = self.report.stages["ingest"]
        previous = last_manifest(self.build_root)
        keep_last_metadata(corpus, previous.get("decks", {}))
        # decks left out since the check before the locks (a typo in a new deck's deck.toml)
        self._refuse_no_decks(corpus)
        # after the decks left out are gone: only what is published is compared
        corpus.problems += shared_slide_problems(corpus.slides)
        self._last_slides = previous.get("slides", [])
        self.report.decks_removed = sorted(set(previous.get("decks", {})) - set(corpus.decks))
        if previous:  # a first build has nothing to compare with
            self.report.corpus_changes = corpus_changes(
                set(previous.get("decks", {})), self._last_slides, set(corpus.decks),
                corpus.slides)
        known = {(s["id"], s["sha256"]) for s in previous.get("slides", [])}
        stage.cached = sum((s.id, s.sha256) in known for s in corpus.slides)
        stage.processed = len(corpus.slides) - stage.cached
        stage.seconds = time.perf_counter() - started
        self.report.problems = [asdict(p) for p in corpus.problems]
        self.report.decks = len(corpus.decks)
        self.report.slides = len(corpus.slides)
        return corpus

    def _per_slide_stages(self, corpus: Corpus) -> list[Slide]:
        cfg = self.config
        tasks: list[SlideTask] = []
        todo: list[Slide] = []
        up_stage, ocr_stage = self.report.stages["upscale"], self.report.stages["ocr"]
        images_stage = self.report.stages["images"]
        # What decides the pixels: the settings but the tile size (tiles overlap, so any
        # size gives the same image; it is what a user lowers after running out of memory),
        # a model file's bytes, and OpenCV, whose resize and dnn results move between releases.
        up_key_params = [replace(cfg.upscale, tile=0), _model_file_digest(cfg.upscale.method),
                         f"opencv {cv2.__version__}"]
        pdf_up_key_params = [*up_key_params, upscale.PDF_PAGE_RULE]
        # What Tesseract reads from an upscaled slide: the language, the page segmentation
        # mode and its release (asked once per build, not once per slide). Its output is kept
        # under this key, so a change to how deckgen reads that output (ocr.VERSION) costs
        # seconds, not a Tesseract run per slide.
        tesseract_key_params = [cfg.ocr.lang, cfg.ocr.psm,
                                self.versions.get("tesseract") or ocr.tesseract_version()]
        # What decides the words: the timeout decides whether OCR finishes, not what it reads.
        ocr_key_params = [replace(cfg.ocr, timeout=0.0)]
        # a PDF page's words come from its text layer too: its rule is in their key only,
        # so that a change to it re-reads no image slide
        pdf_ocr_key_params = [*ocr_key_params, PDF_TEXT_LAYER_RULE]
        for slide in corpus.slides:
            pdf_page = is_pdf_page(slide.source)
            up_key = stage_key("upscale", upscale.VERSION,
                               pdf_up_key_params if pdf_page else up_key_params, slide.sha256)
            tesseract_key = stage_key("tesseract", ocr.INPUT_VERSION, tesseract_key_params,
                                      up_key)
            ocr_key = stage_key("ocr", ocr.VERSION,
                                pdf_ocr_key_params if pdf_page else ocr_key_params, tesseract_key)
            slide.fingerprints = {"upscale": up_key, "tesseract": tesseract_key, "ocr": ocr_key,
                                  "images": images_key(up_key)}
            cached_up = self.cache.get_json(up_key) if self.cache.has(up_key, "png") else None
            refused = None if cached_up else self.cache.get_json(refusal_key(up_key))
            if isinstance(refused, dict):  # a PDF page that took over a minute last time
                up_stage.failed.append({"id": slide.id, "file": slide.source, "reason": (
                    f"{refused.get('reason')} (in an earlier build: not tried again until the "
                    "file or deckgen's limits change)")})
                continue
            cached_ocr = self.cache.get_json(ocr_key)
            has_images = self.cache.has(images_key(up_key), "files")
            if cached_up is not None:
                slide.upscale = UpscaleResult.from_dict(cached_up)
                up_stage.cached += 1
            ocr_done = cached_up is not None and cached_ocr is not None
            if ocr_done:
                slide.ocr = OcrResult.from_dict(cached_ocr)
                ocr_stage.cached += 1
            images_stage.cached += has_images
            if ocr_done and has_images:
                continue
            task = SlideTask(
                # absolute: a Dask worker resolves paths from its own working directory
                corpus_root=str(self.corpus_root.resolve()),
                cache_root=str(self.cache.root.resolve()),
                source=slide.source,
                upscale_params=cfg.upscale,
                upscale_key=up_key,
                cached_upscale=cached_up,
                ocr_params=None if ocr_done else cfg.ocr,
                encode_images=not has_images,
                tesseract_output=None if ocr_done else self._kept_tesseract_output(tesseract_key),
            )
            tasks.append(task)
            todo.append(slide)
        if any(task.runs_tesseract for task in tasks):
            ocr.check_tesseract(cfg.ocr.lang)  # fail once, clearly, not once per slide
            if note := ocr.lang_order_note(cfg.ocr.lang):  # also with -q: it costs the words
                self.progress.console.print(f"warning: {note}", highlight=False)
        if tasks:
            self._run_tasks(tasks, todo)
        return corpus.slides

    def _label_options(self) -> str:
        """What `deckgen label` needs to find this build: its cache, unless the default
        (QA-87: confirmed in ./build, a build on another cache warned for ever)."""
        cache = Path(self.config.build.cache)
        return "" if cache.resolve() == Path("build").resolve() else (
            f" --cache {shlex.quote(str(cache))}")

    def _kept_tesseract_output(self, key: str) -> str | None:
        kept = self.cache.get(key, TESSERACT_OUTPUT)
        return None if kept is None else kept.decode("utf-8", "replace")

    def _run_tasks(self, tasks: list[SlideTask], todo: list[Slide]) -> None:
        cfg = self.config.build
        executor = make_executor(cfg.executor, cfg.workers or None, cfg.scheduler or None)
        # what each Dask worker checks before its first slide (the parent checked its own)
        check = WorkerCheck(
            versions=tuple(sorted(self.versions.items())),
            corpus_root=str(self.corpus_root.resolve()),
            lang=self.config.ocr.lang if any(task.runs_tesseract for task in tasks) else None,
        )
        try:
            with self.progress.stage("upscale + ocr + images", len(tasks)) as advance:
                for i, result in executor.map(run_slide, tasks, preflight=check,
                                              warn=self._warn):
                    self._receive(todo[i], result, tasks[i])
                    advance()
            self.report.workers_lost = getattr(executor, "lost_workers", [])
        finally:
            executor.close()

    def _warn(self, line: str) -> None:
        self.progress.console.print(f"warning: {line}", highlight=False, soft_wrap=True)

    def _receive(self, slide: Slide, result: Any, task: SlideTask) -> None:
        """Parent side: store what a worker computed, in stage order."""
        up_stage, ocr_stage = self.report.stages["upscale"], self.report.stages["ocr"]
        if isinstance(result, TaskFailure):  # the worker died: blame the first stage it had to run
            first = ("upscale" if task.cached_upscale is None
                     else "ocr" if task.ocr_params else "images")
            reason = result.message
            if result.error_type == "WorkerCrashed":  # most often the OOM killer
                reason += ": out of memory? try fewer --workers, or a smaller [upscale] tile"
            result = {"failed": first, "reason": reason}
        if result.get("corrupt_cache_entries"):  # the cached image failed its check
            self.cache.corrupt_entries += result["corrupt_cache_entries"]
        self.report.cache_not_on_workers += bool(result.get("cache_not_on_worker"))
        if "upscale" in result:
            if task.cached_upscale is not None:
                up_stage.cached -= 1  # counted as cached, but the worker could not use it
            png, up = result["upscale"]
            self.cache.put(slide.fingerprints["upscale"], png, "png")
            self.cache.put_json(slide.fingerprints["upscale"], up)
            slide.upscale = UpscaleResult.from_dict(up)
            up_stage.processed += 1
            up_stage.seconds += slide.upscale.seconds
        if "tesseract" in result:
            self.cache.put(slide.fingerprints["tesseract"], result["tesseract"].encode(),
                           TESSERACT_OUTPUT)
        if "ocr" in result:
            self.report.ocr_from_kept_output += task.tesseract_output is not None
            self.cache.put_json(slide.fingerprints["ocr"], result["ocr"])
            slide.ocr = OcrResult.from_dict(result["ocr"])
            ocr_stage.processed += 1
            ocr_stage.seconds += slide.ocr.seconds
        if "images" in result:
            self.cache.put_files(images_key(slide.fingerprints["upscale"]), result["images"])
            self.report.stages["images"].processed += 1
            self.report.stages["images"].seconds += result["images_seconds"]
        if result.get("lasting"):  # the same next time: remembered, not tried for a minute
            self.cache.put_json(refusal_key(slide.fingerprints["upscale"]),
                                {"reason": result["reason"]})
        if "failed" in result:
            stage = self.report.stages[result["failed"]]
            stage.failed.append({"id": slide.id, "file": slide.source, "reason": result["reason"]})

    def _site_images(self, built: list[Slide]) -> dict[str, dict]:
        """site_images.write_images, with its record of the files it left last time."""
        record = self.build_root / "site-images.json"
        try:
            written = json.loads(record.read_text())
        except (OSError, ValueError):
            written = {}  # every slide's files are checked against the cache instead
        written = written if isinstance(written, dict) else {}
        images = site_images.write_images(built, self.published_images, self.out,
                                          self.progress, written, get_source=self.source_bytes,
                                          max_pixels=self.config.upscale.max_pixels,
                                          problems=self.report.problems)
        named = {url for entry in images.values() for url in entry.values()
                 if isinstance(url, str)}
        atomic_write(record, json.dumps({name: written[name] for name in sorted(named)
                                         if name in written}).encode())
        return images

    def _retry_images(self, slides: list[Slide]) -> None:
        """A slide whose images a worker could not encode is tried once more here; one that
        fails again is left out of the site and the archive, listed as failed, so it never
        stops the site stage."""
        failed = self.report.stages["images"].failed
        for entry in list(failed):
            slide = next(s for s in slides if s.id == entry["id"])
            if slide.section is None:
                continue
            try:
                self.published_images(slide)
            except Exception as exc:  # one bad slide never sinks the build
                entry["reason"] = reason(exc)
                slide.section = None
            else:
                failed.remove(entry)

    def _failures(self) -> dict[str, str]:
        """Each failed slide's reason, as the dataset card and provenance.json give it."""
        return {f["id"]: f"{name} failed: {f['reason']}"
                for name, stage in self.report.stages.items() for f in stage.failed}

    def _classify(self, slides: list[Slide], decks: dict[str, DeckMeta],
                  suspended: set[str]) -> list[Slide]:
        """``suspended``: slides whose hand label was set on another picture (the warning
        of labels_on_other_slides); the model labels them until the user settles it."""
        stage = self.report.stages["classify"]
        by_deck: dict[str, list[Slide]] = {}
        for slide in slides:
            if slide.ocr is not None:
                by_deck.setdefault(slide.deck, []).append(slide)
        with self.progress.stage("classify", len(by_deck)) as advance:
            for deck_slides in by_deck.values():
                titled = ocr_layout.with_deck_titles([s.ocr for s in deck_slides])
                for slide, result in zip(deck_slides, titled, strict=True):
                    slide.ocr = result
                by_hand = decks[deck_slides[0].deck].sections
                curated = {
                    i: by_hand[str(s.page)]
                    for i, s in enumerate(deck_slides)
                    if str(s.page) in by_hand and s.id not in suspended
                }
                key = stage_key(
                    "classify",
                    classify.VERSION,
                    self.config.classify,
                    *(s.fingerprints["ocr"] for s in deck_slides),
                    *(r.title for r in titled),  # the deck-level titles are classify's input
                    *(f"by hand: {i}={label}" for i, label in curated.items()),
                )
                cached = self.cache.get_json(key)
                if cached is None:
                    started = time.perf_counter()
                    results = classify.classify_deck(
                        [s.ocr for s in deck_slides], self.config.classify, curated
                    )
                    cached = [r.to_dict() for r in results]
                    self.cache.put_json(key, cached)
                    stage.processed += len(deck_slides)
                    stage.seconds += time.perf_counter() - started
                else:
                    stage.cached += len(deck_slides)
                for slide, result in zip(deck_slides, cached, strict=True):
                    slide.section = SectionResult.from_dict(result)
                    slide.fingerprints["classify"] = key
                advance()
        return slides

    def _outputs_key(
        self, stage: str, version: str, built: list[Slide], decks: dict, extra: Any = None
    ) -> str:
        records = [s.fingerprints.get("classify", "") + s.id for s in built]
        metas = [decks[d].to_dict() for d in sorted(decks)]
        return stage_key(stage, version, {"extra": extra, "metas": metas}, *records)

    def _unchanged(self, name: str, key: str, *outputs: Path) -> bool:
        marker = self.build_root / f"{name}.key"
        return (all(p.exists() for p in outputs) and marker.exists()
                and marker.read_text() == key)

    def _index(self, built: list[Slide], decks: dict[str, DeckMeta]) -> None:
        stage = self.report.stages["index"]
        index_dir = self.build_root / "whoosh"
        key = self._outputs_key("index", index.VERSION, built, decks)
        if self._unchanged("index", key, index_dir):
            stage.cached = len(built)
            return
        started = time.perf_counter()
        (self.build_root / "index.key").unlink(missing_ok=True)  # see _site
        with self.progress.stage("index", 1) as advance:
            index.build_index(built, decks, index_dir)
            advance()
        stage.processed = len(built)
        stage.seconds = time.perf_counter() - started
        atomic_write(self.build_root / "index.key", key.encode())

    def _site(self, built: list[Slide], decks: dict[str, DeckMeta], slides: list[Slide]) -> None:
        stage = self.report.stages["site"]
        extra = [
            # the dataset card and provenance.json list the slides that failed a stage
            sorted(s.id for s in slides if s.section is None),
            str(self.out.resolve()),  # the marker is the build folder's, the pages are out/'s
            asdict(self.config.site),
            asdict(self.config.bundle),  # open_only: which decks the archive holds
            site.templates_fingerprint(),
            IMAGES_VERSION,
            bundle.VERSION,
            bundle.stated_epoch(),  # the archive's dates, so its bytes and SHA-256
            index.VERSION,
        ]
        key = self._outputs_key("site", site.VERSION, built, decks, extra)
        # Every file as this stage left it: one deleted (it would then be deleted from the
        # bucket by `deploy --delete`) or rewritten since (an archive from `deckgen bundle
        # build`, whose SHA-256 dataset.html would not show) makes the stage run again.
        if self._unchanged("site", key + tree_stamp(self.out), self.out / "index.html",
                           self.out / SITE_MARKER):
            stage.cached = len(built)
            saved = self.build_root / "site-report.json"
            self.report.site = json.loads(saved.read_text()) if saved.exists() else {}
            return
        started = time.perf_counter()
        site.check_templates()  # a broken template of the user's changes nothing
        # Gone before out/ changes: a build killed from here on never leaves a key that the
        # next build of the corpus as it was before would match over half-written pages.
        (self.build_root / "site.key").unlink(missing_ok=True)
        earlier_pages = self._earlier_pages()
        mark_unfinished(self.out)  # for deploy: not finished yet
        remove_temp_files(self.out)  # left by writes a killed build did not finish
        images = self._site_images(built)
        dataset = write_dataset(
            slides,  # the failed ones too: the bundle lists them as left out
            decks,
            config=self.config,
            cache=self.cache,
            build_root=self.build_root,
            out=self.out,
            source=self.source_bytes,
            failures=self._failures(),
            versions=self.versions,
            progress=self.progress,
        )
        urls = {
            s.id: {"page": site_urls.slide_page_path(s.id), "thumb": images[s.id]["thumb"]}
            for s in built
        }
        with self.progress.stage("search index", 1) as advance:
            self.report.site["search"] = index.export_client_index(built, decks, self.out, urls)
            advance()
        stats = site.render_site(
            built,
            decks,
            images,
            self.out,
            dataset=dataset,
            site_title=self.config.site.title,
            base_url=self.config.site.base_url,
            search_engines=self.config.site.search_engines,
            earlier_pages=earlier_pages,
            progress=self.progress,
        )
        self.report.site.update({"dataset": dataset, "pages": stats})
        stage.processed = len(built)
        stage.seconds = time.perf_counter() - started
        atomic_write(self.build_root / "site-report.json", json.dumps(self.report.site).encode())
        atomic_write(self.out / SITE_MARKER, site_marker(self.out, stats["kept_files"]))
        atomic_write(self.build_root / "site.key", (key + tree_stamp(self.out)).encode())


    def _earlier_pages(self) -> frozenset[str]:
        """The root pages the last finished site stage made in this folder: its marker's
        listing less the files it kept as the user's (both in the folder's own marker: the
        cache may build other folders, QA-72). A marker from before the listing (the digest
        alone) names every root page when the folder is as that build left it, since that
        deckgen removed any other (QA-70: its decks-2.html stayed, linking a deck gone)."""
        built = read_marker(self.out)
        listed, kept = built.get("files"), built.get("kept")
        if isinstance(listed, dict) and isinstance(kept, list):
            return frozenset(rel for rel in listed if "/" not in rel and rel.endswith(".html")
                             and rel not in kept)
        if "files" not in built and not built.get("unfinished") \
                and built.get("stamp") == content_stamp(self.out):
            return frozenset(page.name for page in self.out.glob("*.html"))
        return frozenset()  # unknown: the pages' marks alone decide


def upscaled_png(cache: Cache, slide: Slide, source: Callable[[Slide], bytes],
                 params: upscale.UpscaleParams) -> bytes:
    """A built slide's upscaled PNG from the cache; one gone from it (dropped as corrupt,
    or deleted) is upscaled again from ``source`` with the build's ``params``, and cached."""
    png = cache.get(slide.fingerprints["upscale"], "png")
    if png is None:
        pdf_page = is_pdf_page(slide.source)
        png, _ = upscale.upscale(source(slide), params, pdf_page=pdf_page)
        cache.put(slide.fingerprints["upscale"], png, "png")
    return png


def write_dataset(
    slides: list[Slide],
    decks: dict[str, DeckMeta],
    *,
    config: Config,
    cache: Cache,
    build_root: Path,
    out: Path,
    source: Callable[[Slide], bytes],
    failures: Mapping[str, str],
    versions: Mapping[str, str],
    progress: Progress = SILENT,
    upscale_missing: bool = True,
) -> dict:
    """The dataset archive in ``out``/dataset/ from a build's cache (``bundle.build_bundle``):
    what the site stage and `deckgen bundle build` both write. ``config``, ``failures``
    and ``versions`` are the build's (its settings, its failed slides' reasons, its
    ``stage_versions``), for provenance.json and the card. ``upscale_missing``: an
    upscaled image gone from the cache is made again (the build, whose OpenCV and model
    made the rest); else it is an error (`bundle build`: another OpenCV or model file
    would store other pixels under the build's key, and provenance.json would not say so)."""
    def upscaled(slide: Slide) -> bytes:
        if upscale_missing:
            return upscaled_png(cache, slide, source, config.upscale)
        png = cache.get(slide.fingerprints["upscale"], "png")
        if png is None:
            raise DeckgenError(
                f"{slide.id}: upscaled image missing from the cache; run `deckgen build`"
            )
        return png

    def dataset_image(slide: Slide) -> bytes:
        return cached_images(cache, slide, upscaled)[DATASET_IMAGE]

    return bundle.build_bundle(
        slides,
        decks,
        source,
        dataset_image,
        out / "dataset",
        version=DATASET_VERSION,
        max_pixels=config.upscale.max_pixels,
        progress=progress,
        config=config,  # settings for provenance.json, base_url for Croissant
        # not /tmp: a spool that a killed run left is swept by the next build or `bundle
        # build`, never left to fill the system's temp folder
        spool_dir=build_root / "spool",
        failures=failures,
        versions=versions,
    )


def _model_file_digest(method: str) -> str:
    """A user's model file is keyed by its bytes: replacing it in place re-runs upscaling."""
    path = Path(method)
    return sha256_file(path) if path.suffix.lower() in (".pb", ".onnx") and path.is_file() else ""


def _folders_to_make(folder: Path) -> list[Path]:
    """The folders ``folder.mkdir(parents=True)`` would make, deepest first."""
    made = []
    for candidate in (folder, *folder.absolute().parents):
        if os.path.lexists(candidate):
            break
        made.append(candidate)
    return made


def _nearest_existing(folder: Path) -> Path:
    """``folder`` when it exists (or is a link), else the nearest folder above it that
    does: where ``mkdir(parents=True)`` would make it."""
    for candidate in (folder, *folder.absolute().parents):
        if os.path.lexists(candidate):
            return candidate
    return Path(folder.absolute().anchor)


def _may_hold_decks(corpus: Path) -> bool:
    """Whether a folder of ``corpus`` holds a slide image or a PDF: without one, ``scan``
    finds no deck. Reads names only; a folder it may not list is left for scan to report."""
    slide_files = IMAGE_EXTENSIONS | {PDF_EXTENSION}
    try:
        for deck in corpus.iterdir():
            if (not deck.name.startswith(".") and deck.is_dir()
                    and any(path.suffix.lower() in slide_files for path in deck.iterdir())):
                return True
    except OSError:
        return True
    return False


def refuse_overlap(out: Path, corpus: Path, cache: Path) -> None:
    """--out is a folder of its own: the site stage replaces what is in its folders. The
    cache (--cache) is one too: its build state must never land among the decks."""
    if out.exists() and not out.is_dir():
        raise ConfigError(f"--out {out} is a file; give a folder (default: site)")
    if cache.exists() and not cache.is_dir():
        raise ConfigError(f"--cache {cache} is a file; give a folder (default: build)")
    target = out.resolve()
    for other, what in ((corpus.resolve(), "corpus"), (cache.resolve(), "cache (--cache)")):
        if target == other or target.is_relative_to(other) or other.is_relative_to(target):
            raise ConfigError(f"--out {out} overlaps the {what} at {other}: deckgen "
                              "replaces what is in its output folder, so give it one of its "
                              "own (default: site)")
    cache_dir, corpus_dir = cache.resolve(), corpus.resolve()
    if (cache_dir == corpus_dir or cache_dir.is_relative_to(corpus_dir)
            or corpus_dir.is_relative_to(cache_dir)):
        raise ConfigError(f"--cache {cache} overlaps the corpus at {corpus_dir}: the build "
                          "would write its cache and state among the decks; give the cache "
                          "a folder of its own (default: build)")


def used_cache_keys(build_root: Path) -> set[str]:
    """The cache entries the last build's slides stand on; the others served only
    earlier builds (slides since removed or replaced, settings since changed)."""
    slides, _ = load_manifest(build_root)
    keys: set[str] = set()
    for slide in slides:
        keys.update(slide.fingerprints.values())  # the images key as that build made it
        if "upscale" in slide.fingerprints and "images" not in slide.fingerprints:
            # a manifest from before the images key was recorded: this deckgen's is a guess
            keys.add(images_key(slide.fingerprints["upscale"]))
    return keys
