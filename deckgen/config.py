"""``deckgen.toml``: one table per stage, defaults for everything, all errors reported together.

    [build]    corpus, out, cache, executor, workers, scheduler, strict
    [upscale]  method, max_scale, target_x_height, max_pixels, tile
    [ocr]      lang, psm, min_conf, timeout
    [classify] min_confidence, prior_weight
    [site]     title, base_url, search_engines
    [bundle]   open_only
    [deploy]   bucket, prefix, distribution_id

Command-line options override the file. Each stage's table maps onto the
stage's own frozen ``*Params`` dataclass, which is also its slice of the cache key.
Paths written in the file are relative to the file's folder; paths given on the
command line, to the current directory.
"""

from __future__ import annotations

import dataclasses
import math
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, get_type_hints

from deckgen.classify import ClassifyParams
from deckgen.errors import ConfigError
from deckgen.executor import EXECUTORS
from deckgen.ocr import OcrParams
from deckgen.site_urls import site_base_url
from deckgen.superres import MODEL_METHOD
from deckgen.upscale import SIMPLE_METHODS, UpscaleParams

CONFIG_FILE = "deckgen.toml"
# past this the deck-order priors outweigh what a slide says (and hand labels' neighbours)
MAX_PRIOR_WEIGHT = 10.0
# the settings that are paths: relative in the file, they are relative to the file's folder
PATH_KEYS = {"build": ("corpus", "out", "cache"), "upscale": ("method",)}
# the command-line options that set a setting (upscale.method: also --sr-model), for errors
# to name the option the user typed
OPTION_NAMES = {
    **{("build", key): "--" + key for key in
       ("corpus", "out", "cache", "executor", "workers", "scheduler", "strict")},
    ("upscale", "method"): "--upscale", ("upscale", "max_pixels"): "--max-pixels",
    ("ocr", "lang"): "--lang", ("ocr", "psm"): "--psm", ("ocr", "timeout"): "--ocr-timeout",
    ("deploy", "bucket"): "--bucket", ("deploy", "prefix"): "--prefix",
    ("deploy", "distribution_id"): "--distribution-id",
}
# settings whose option the file's messages name too: it is not spelled as the key
HINTED_OPTIONS = {("upscale", "max_pixels"), ("ocr", "timeout")}


@dataclass(frozen=True)
class BuildParams:
    corpus: str = "corpus"
    out: str = "site"
    cache: str = "build"
    executor: str = "processes"
    workers: int = 0  # 0 = all cores
    scheduler: str = ""  # tcp://host:8786 for an existing Dask cluster
    strict: bool = False


@dataclass(frozen=True)
class SiteParams:
    title: str = "deckgen"
    # e.g. https://decks.example.com/ (absolute URLs in sitemap and og: tags; its path
    # starts 404.html's links); no query, fragment or user; load_config stores it normalized
    # (site_urls.site_base_url)
    base_url: str = ""
    # false: a private gallery: robots.txt disallows every path, no sitemap, and every page
    # carries <meta name="robots" content="noindex">
    search_engines: bool = True


@dataclass(frozen=True)
class BundleParams:
    # true: the dataset archive leaves out the slides of decks with no open licence (the
    # site still shows them; the card counts and names them)
    open_only: bool = False


@dataclass(frozen=True)
class DeployParams:
    bucket: str = ""
    prefix: str = ""
    distribution_id: str = ""


@dataclass(frozen=True)
class Config:
    build: BuildParams = field(default_factory=BuildParams)
    upscale: UpscaleParams = field(default_factory=UpscaleParams)
    ocr: OcrParams = field(default_factory=OcrParams)
    classify: ClassifyParams = field(default_factory=ClassifyParams)
    site: SiteParams = field(default_factory=SiteParams)
    bundle: BundleParams = field(default_factory=BundleParams)
    deploy: DeployParams = field(default_factory=DeployParams)


# what a setting of each type must be, as its error says it
_TYPE_NAMES = {int: "an integer", float: "a number", str: "a string", bool: "true or false"}


def _file_label(table: str, key: str) -> str:
    return f"[{table}] {key}"


def _nowhere(table: str, key: str) -> str:
    return ""


def _coerce(table: str, cls: type, values: dict[str, Any], errors: list[str],
            label=_file_label, where=_nowhere):
    """``values`` that have their setting's type; the others are named in ``errors``
    (``label``: what the error calls a setting, ``where``: its line in the file)."""
    hints = get_type_hints(cls)
    known = {f.name for f in dataclasses.fields(cls)}
    clean: dict[str, Any] = {}
    for key, value in values.items():
        if key not in known:
            errors.append(f"{where(table, key)}[{table}] unknown key {key!r} "
                          f"(known: {', '.join(sorted(known))})")
            continue
        expected = hints[key]
        if expected is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        base = expected if isinstance(expected, type) else None
        if (
            base is not None
            and not isinstance(value, base)
            or (base is int and isinstance(value, bool))
        ):
            errors.append(f"{label(table, key)} must be "
                          f"{_TYPE_NAMES.get(expected, getattr(expected, '__name__', expected))}"
                          f", got {value!r}")
            continue
        clean[key] = value
    return clean


def config_from_dict(data: dict[str, Any]) -> Config:
    """A Config as ``dataclasses.asdict`` wrote it (a build's, in build/manifest.json)."""
    errors: list[str] = []
    tables = {f.name: f.default_factory for f in dataclasses.fields(Config)}  # type: ignore[misc]
    parts = {table: cls(**_coerce(table, cls, data[table], errors))
             for table, cls in tables.items() if isinstance(data.get(table), dict)}
    if errors:
        raise ConfigError("the last build's settings cannot be read: " + "; ".join(errors))
    return Config(**parts)


def _range_errors(config: Config, label) -> list[str]:
    """The numeric settings out of range, each with the range allowed: 0 pixels or a
    0-second OCR timeout would fail every slide. ``not low <= x`` also refuses nan."""
    up, ocr_params = config.upscale, config.ocr
    errors = []
    if not 1 <= up.max_pixels:
        errors.append(f"{label('upscale', 'max_pixels')} must be >= 1, got {up.max_pixels}")
    if not 1 <= up.max_scale <= 8:
        errors.append(f"{label('upscale', 'max_scale')} must be from 1 to 8, got {up.max_scale}")
    if not 1 <= up.target_x_height <= 1000:
        errors.append(f"{label('upscale', 'target_x_height')} must be from 1 to 1000 px, got "
                      f"{up.target_x_height}")
    if not 64 <= up.tile:  # smaller tiles are mostly overlap
        errors.append(f"{label('upscale', 'tile')} must be >= 64 px, got {up.tile}")
    if not 0 <= ocr_params.min_conf <= 100:  # Tesseract's word confidence
        errors.append(f"{label('ocr', 'min_conf')} must be from 0 to 100, got "
                      f"{ocr_params.min_conf}")
    if not 0 < ocr_params.timeout < math.inf:
        errors.append(f"{label('ocr', 'timeout')} must be a number of seconds > 0, got "
                      f"{ocr_params.timeout}")
    return errors


def _read_file(path: Path) -> tuple[dict[str, Any], str]:
    """The TOML file's tables and its text, or a ConfigError that says what is wrong
    with it."""
    if path.is_dir():  # ./deckgen.toml a folder, or --config given one
        raise ConfigError(f"config file {path} is a folder; give the path of a deckgen.toml "
                          "file (--config path/to/deckgen.toml)")
    try:
        text = path.read_text(encoding="utf-8-sig")  # Notepad's byte order mark too
        return tomllib.loads(text), text
    except FileNotFoundError as exc:
        raise ConfigError(f"config file {path} not found") from exc
    except UnicodeDecodeError as exc:  # UTF-16 or cp1252: as the build says of a deck.toml
        raise ConfigError(f"{path}: not UTF-8 text (byte {exc.start}); save it as UTF-8") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc


# a line that opens a table: "[build]", "[ ocr ]  # comment"; any other "[" line (an array
# of tables, a dotted or quoted name, a nested array's row) opens none this scan can name
_TABLE_LINE = re.compile(r"\s*\[\s*([A-Za-z0-9_-]+)\s*\]\s*(?:#.*)?")
_KEY = r"""\s*([A-Za-z0-9_-]+|"[^"\\]*"|'[^']*')\s*"""
# "key =", or "table.key =" (a setting written before any table's heading)
_SETTING_LINE = re.compile(rf"{_KEY}(?:\.{_KEY})?=")
_MULTILINE_QUOTES = ('"""', "'''")


def _setting_lines(text: str) -> dict[tuple[str, str], int]:
    """The line of each setting the file writes as ``key = value`` under ``[table]`` (or
    ``table.key = value`` above every table), by (table, key): tomllib gives no positions,
    so the lines are scanned. A setting it cannot place (in an inline table, say) is left
    out; text inside a multi-line string is skipped."""
    found: dict[tuple[str, str], int] = {}
    table: str | None = ""  # the root, before any heading; None: a table not named here
    open_quote = ""  # the quotes of a multi-line string that has not ended yet
    # TOML's lines end at \n alone (splitlines would also cut at U+2028 inside a string)
    for number, line in enumerate((ln.removesuffix("\r") for ln in text.split("\n")), 1):
        if open_quote:
            if line.count(open_quote) % 2:
                open_quote = ""
            continue
        if line.lstrip().startswith("["):
            heading = _TABLE_LINE.fullmatch(line)
            table = heading.group(1) if heading else None
        elif table is not None and (setting := _SETTING_LINE.match(line)):
            names = [key.strip("\"'") for key in setting.groups() if key is not None]
            if table and len(names) == 1:
                found.setdefault((table, names[0]), number)
            elif not table and len(names) == 2:
                found.setdefault((names[0], names[1]), number)
        open_quote = next((q for q in _MULTILINE_QUOTES if line.count(q) % 2), "")
    return found


def _is_path(table: str, value: str) -> bool:
    """Whether a path-valued setting holds a path: an upscale method is one only when it is
    no method's name (a model file)."""
    if table == "upscale":
        return not (value == "auto" or value in SIMPLE_METHODS or MODEL_METHOD.match(value))
    return True


def _paths_from_folder(data: dict[str, Any], folder: Path) -> None:
    """Make the file's relative paths relative to ``folder``, the file's own, as absolute
    paths. Not when that folder is the current one: there they mean the same as written,
    and stay so (a model file's path is part of the upscale cache key). Absolute paths and
    "~/..." are kept as written."""
    folder = folder.resolve()  # errors name the whole path, not "other/../proj/corpus"
    if folder == Path.cwd().resolve():
        return
    for table, keys in PATH_KEYS.items():
        values = data.get(table)
        if not isinstance(values, dict):
            continue  # reported as "must be a table"
        for key in keys:
            value = values.get(key)
            if (isinstance(value, str) and value and not value.startswith("~")
                    and _is_path(table, value)):
                # normpath: "../site" is the folder above, not "proj/../site"
                values[key] = os.path.normpath(folder / value)


def _merge_overrides(data: dict[str, Any], overrides: dict[str, dict[str, Any]]
                     ) -> set[tuple[str, str]]:
    """Put the command line's values over the file's; the (table, key)s it set."""
    given: set[tuple[str, str]] = set()
    for table, values in overrides.items():
        values = {k: v for k, v in values.items() if v is not None}
        if not values:
            continue
        if not isinstance(data.setdefault(table, {}), dict):
            continue  # the file's `build = 3`: reported as "[build] must be a table"
        data[table].update(values)
        given |= {(table, key) for key in values}
    return given


def load_config(
    path: Path | None = None, overrides: dict[str, dict[str, Any]] | None = None
) -> Config:
    """Read ``deckgen.toml`` (when present) and apply command-line overrides.

    Relative paths in the file are taken from the file's folder; the overrides' paths are
    left as given (relative to the current directory)."""
    data: dict[str, Any] = {}
    lines: dict[tuple[str, str], int] = {}
    if path is None and Path(CONFIG_FILE).exists():
        path = Path(CONFIG_FILE)
    if path is not None:
        data, text = _read_file(Path(path))
        lines = _setting_lines(text)
        _paths_from_folder(data, Path(path).parent)
    from_command_line = _merge_overrides(data, overrides or {})
    build = data.get("build")
    if isinstance(build, dict) and build.get("scheduler") and "executor" not in build:
        build["executor"] = "dask"  # a scheduler alone means the Dask executor, as --scheduler

    def where(table: str, key: str) -> str:
        """"deckgen.toml line 7: " before an error about a setting the file wrote on that
        line; "" when the command line gave it, or its line is not known."""
        if (table, key) in from_command_line or (table, key) not in lines:
            return ""
        return f"{path} line {lines[table, key]}: "

    def name(table: str, key: str) -> str:
        """What an error calls a setting: the option when the command line gave it."""
        option = OPTION_NAMES.get((table, key))
        if (table, key) in from_command_line:
            return option or f"[{table}] {key} (from the command line)"
        return f"[{table}] {key}" + (f" ({option})" if (table, key) in HINTED_OPTIONS else "")

    def label(table: str, key: str) -> str:
        """A setting as an error about it begins: where it is, and its name."""
        return where(table, key) + name(table, key)

    errors: list[str] = []
    parts: dict[str, Any] = {}
    tables = {f.name: f.default_factory for f in dataclasses.fields(Config)}  # type: ignore[misc]
    for table, values in data.items():
        if table not in tables:
            # `corpus = "c"` above every table: a key written before its table's heading
            homes = [name for name, cls in tables.items()
                     if table in {f.name for f in dataclasses.fields(cls)}]
            if homes and not isinstance(values, dict):
                errors.append(f"{table} is a key of {' or '.join(f'[{h}]' for h in homes)}: "
                              "put it under that table's heading")
            else:
                errors.append(f"unknown table [{table}] (known: {', '.join(tables)})")
            continue
        if not isinstance(values, dict):
            errors.append(f"[{table}] must be a table")
            continue
        cls = tables[table]
        parts[table] = cls(**_coerce(table, cls, values, errors, label, where))
    config = Config(**parts)
    if config.build.executor not in EXECUTORS:
        errors.append(f"{label('build', 'executor')} must be one of {', '.join(EXECUTORS)}, "
                      f"got {config.build.executor!r}")
    if config.build.workers < 0:
        errors.append(f"{label('build', 'workers')} must be >= 0 (0 = all cores), got "
                      f"{config.build.workers}")
    if config.build.scheduler and config.build.executor != "dask":
        errors.append(f"{label('build', 'scheduler')} is set, but "
                      f"{name('build', 'executor').removeprefix('[build] ')} is "
                      f"{config.build.executor!r}: set executor = \"dask\" (--executor dask) "
                      "to build on that cluster")
    errors += _range_errors(config, label)
    if not 0 <= config.ocr.psm <= 13:  # Tesseract's page segmentation modes
        errors.append(f"{label('ocr', 'psm')} must be a Tesseract mode from 0 to 13, got "
                      f"{config.ocr.psm}")
    # nan passes every comparison but this one: it would make every score NaN
    if not 0 <= config.classify.prior_weight <= MAX_PRIOR_WEIGHT:
        errors.append(f"{label('classify', 'prior_weight')} must be a number from 0 to "
                      f"{MAX_PRIOR_WEIGHT:g} (1 is the trained weight; 0 ignores deck order), "
                      f"got {config.classify.prior_weight}")
    if not 0 <= config.classify.min_confidence <= 1:  # a probability
        errors.append(f"{label('classify', 'min_confidence')} must be from 0 to 1, got "
                      f"{config.classify.min_confidence}")
    try:  # stored normalized (IDNA host, percent-encoded path): the site and the bundle use it
        base_url = site_base_url(config.site.base_url)
        config = dataclasses.replace(
            config, site=dataclasses.replace(config.site, base_url=base_url))
    except ConfigError as exc:  # "[site] base_url ...": only the file sets it
        errors.append(where("site", "base_url") + str(exc))
    if errors:
        raise ConfigError(_errors_message(errors, path))
    return config


# "[build] workers" in an error, a setting the file gave
_FILE_SETTING = re.compile(r"\[\w+\] \w+\b(?! \(from the command line\))")


def _errors_message(errors: list[str], path: Path | None) -> str:
    """All the errors, under a line that names the file only when it set one of them (the
    command line's are each named by their option, "--workers ...")."""
    from_file = [e for e in errors if _FILE_SETTING.search(e) or not e.startswith("--")]
    if from_file:
        where = f" in {path}" if path else ""
        head = f"invalid configuration{where}"
    else:
        head = "invalid option" + ("s" if len(errors) > 1 else "")
    return f"{head}:\n  " + "\n  ".join(errors)
