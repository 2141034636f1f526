"""``deckgen.toml``: one table per stage, defaults for everything, all errors reported together.

    [build]    corpus, out, cache, executor, workers, scheduler, strict
    [upscale]  method, max_scale, target_x_height, max_pixels, tile
    [ocr]      lang, psm, min_conf, timeout
    [classify] min_confidence, prior_weight
    [site]     title, base_url
    [deploy]   bucket, prefix, distribution_id

Command-line options override the file. Each stage's table maps onto the
stage's own frozen ``*Params`` dataclass, which is also its slice of the cache key.
"""

from __future__ import annotations

import dataclasses
import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, get_type_hints

from deckgen.classify import ClassifyParams
from deckgen.errors import ConfigError
from deckgen.executor import EXECUTORS
from deckgen.ocr import OcrParams
from deckgen.site_urls import site_base_url
from deckgen.upscale import UpscaleParams

CONFIG_FILE = "deckgen.toml"
# past this the deck-order priors outweigh what a slide says (and hand labels' neighbours)
MAX_PRIOR_WEIGHT = 10.0


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
    deploy: DeployParams = field(default_factory=DeployParams)


def _coerce(table: str, cls: type, values: dict[str, Any], errors: list[str]):
    hints = get_type_hints(cls)
    known = {f.name for f in dataclasses.fields(cls)}
    clean: dict[str, Any] = {}
    for key, value in values.items():
        if key not in known:
            errors.append(f"[{table}] unknown key {key!r} (known: {', '.join(sorted(known))})")
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
            errors.append(
                f"[{table}] {key} must be {getattr(expected, '__name__', expected)}, got {value!r}"
            )
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


def _range_errors(config: Config) -> list[str]:
    """The numeric settings out of range, each with the range allowed: 0 pixels or a
    0-second OCR timeout would fail every slide. ``not low <= x`` also refuses nan."""
    up, ocr_params = config.upscale, config.ocr
    errors = []
    if not 1 <= up.max_pixels:
        errors.append(f"[upscale] max_pixels (--max-pixels) must be >= 1, got {up.max_pixels}")
    if not 1 <= up.max_scale <= 8:
        errors.append(f"[upscale] max_scale must be from 1 to 8, got {up.max_scale}")
    if not 1 <= up.target_x_height <= 1000:
        errors.append(f"[upscale] target_x_height must be from 1 to 1000 px, got "
                      f"{up.target_x_height}")
    if not 64 <= up.tile:  # smaller tiles are mostly overlap
        errors.append(f"[upscale] tile must be >= 64 px, got {up.tile}")
    if not 0 <= ocr_params.min_conf <= 100:  # Tesseract's word confidence
        errors.append(f"[ocr] min_conf must be from 0 to 100, got {ocr_params.min_conf}")
    if not 0 < ocr_params.timeout < math.inf:
        errors.append(f"[ocr] timeout (--ocr-timeout) must be a number of seconds > 0, got "
                      f"{ocr_params.timeout}")
    return errors


def load_config(
    path: Path | None = None, overrides: dict[str, dict[str, Any]] | None = None
) -> Config:
    """Read ``deckgen.toml`` (when present) and apply command-line overrides."""
    data: dict[str, Any] = {}
    if path is None and Path(CONFIG_FILE).exists():
        path = Path(CONFIG_FILE)
    if path is not None:
        try:
            data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise ConfigError(f"config file {path} not found") from exc
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    for table, values in (overrides or {}).items():
        data.setdefault(table, {}).update({k: v for k, v in values.items() if v is not None})
    build = data.get("build")
    if isinstance(build, dict) and build.get("scheduler") and "executor" not in build:
        build["executor"] = "dask"  # a scheduler alone means the Dask executor, as --scheduler

    errors: list[str] = []
    parts: dict[str, Any] = {}
    tables = {f.name: f.default_factory for f in dataclasses.fields(Config)}  # type: ignore[misc]
    for table, values in data.items():
        if table not in tables:
            errors.append(f"unknown table [{table}] (known: {', '.join(tables)})")
            continue
        if not isinstance(values, dict):
            errors.append(f"[{table}] must be a table")
            continue
        cls = tables[table]
        parts[table] = cls(**_coerce(table, cls, values, errors))
    config = Config(**parts)
    if config.build.executor not in EXECUTORS:
        errors.append(
            f"[build] executor must be one of {', '.join(EXECUTORS)}, got {config.build.executor!r}"
        )
    if config.build.workers < 0:
        errors.append("[build] workers must be >= 0 (0 = all cores)")
    if config.build.scheduler and config.build.executor != "dask":
        errors.append(f"[build] scheduler is set, but executor is {config.build.executor!r}: "
                      'set executor = "dask" (--executor dask) to build on that cluster')
    errors += _range_errors(config)
    if not 0 <= config.ocr.psm <= 13:  # Tesseract's page segmentation modes
        errors.append(f"[ocr] psm must be a Tesseract mode from 0 to 13, got {config.ocr.psm}")
    # nan passes every comparison but this one: it would make every score NaN
    if not 0 <= config.classify.prior_weight <= MAX_PRIOR_WEIGHT:
        errors.append(f"[classify] prior_weight must be a number from 0 to {MAX_PRIOR_WEIGHT:g} "
                      f"(1 is the trained weight; 0 ignores deck order), got "
                      f"{config.classify.prior_weight}")
    if not 0 <= config.classify.min_confidence <= 1:  # a probability
        errors.append(f"[classify] min_confidence must be from 0 to 1, got "
                      f"{config.classify.min_confidence}")
    try:  # stored normalized (IDNA host, percent-encoded path): the site and the bundle use it
        base_url = site_base_url(config.site.base_url)
        config = dataclasses.replace(
            config, site=dataclasses.replace(config.site, base_url=base_url))
    except ConfigError as exc:
        errors.append(str(exc))
    if errors:
        where = f" in {path}" if path else ""
        raise ConfigError(f"invalid configuration{where}:\n  " + "\n  ".join(errors))
    return config
