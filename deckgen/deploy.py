"""Publish the built site to S3 (+ CloudFront) safely and incrementally.

- Only files whose content differs from the bucket are uploaded: the local
  MD5 is compared with the object's ETag (single-part uploads), falling back
  to the ``sha256`` we store in object metadata (KMS-encrypted buckets,
  multipart objects).
- Uploads go in waves so a page never points at a file that is not there
  yet: a file that references a *new* object (one not in the bucket before
  this deploy) waits until that object is uploaded. Files that reference each
  other in a cycle share a wave. A deploy stopped at any instant therefore
  leaves every page that was live before finding everything it references.
- Stale objects are deleted only after every upload, and only when asked.
- One CloudFront invalidation lists the changed paths whose names are not
  content-hashed (hashed names never change meaning, so need none), every
  overwritten path, and every deleted path, hashed or not: a deck taken down
  must not stay served from edge caches for the year its images may be cached.
  Deleted keys are collapsed into ``/folder/*`` wildcards (see
  ``invalidation_paths``) so the count stays small.
"""

from __future__ import annotations

import base64
import hashlib
import posixpath
import re
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from deckgen import deploy_refs
from deckgen.errors import ConfigError, DeckgenError

IMMUTABLE = "public, max-age=31536000, immutable"
SHORT = "public, max-age=60, must-revalidate"
MAX_INVALIDATION_PATHS = 1000  # beyond this one wildcard is cheaper and within quota
UPLOAD_THREADS = 8
_URL_SAFE = "/~-._"

_HASHED_NAME = re.compile(r"\.[0-9a-f]{8,64}\.")
# SITE_MARKER: the build's record of the finished site, for `deckgen deploy` to check
_LOCAL_ONLY = re.compile(r"\..+\.tmp|\.DS_Store|Thumbs\.db|\.deckgen-site")
CONTENT_TYPES: dict[str, str] = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".map": "application/json",
    ".jsonl": "application/jsonl; charset=utf-8",
    ".webmanifest": "application/manifest+json",
    ".xml": "application/xml",
    ".txt": "text/plain; charset=utf-8",
    ".md": "text/markdown; charset=utf-8",
    ".csv": "text/csv; charset=utf-8",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".gif": "image/gif",
    ".svg": "image/svg+xml",
    ".ico": "image/x-icon",
    ".woff2": "font/woff2",
    ".woff": "font/woff",
    ".pdf": "application/pdf",
    ".gz": "application/gzip",  # never Content-Encoding: the download stays a .tar.gz
    ".tgz": "application/gzip",
    ".zip": "application/zip",
}


class DeployError(DeckgenError):
    """The bucket or CloudFront refused or failed; the message says what to do."""


@dataclass
class LocalFile:
    key: str  # S3 key, prefix included
    rel: str  # path inside the site folder, posix
    path: Path
    size: int
    md5: str
    sha256: str


def content_type(name: str) -> str:
    suffix = Path(name).suffix.lower()
    return CONTENT_TYPES.get(suffix, "application/octet-stream")


def cache_control(rel: str) -> str:
    """Immutable for content-hashed names and slide images, short for everything else."""
    if _HASHED_NAME.search(posixpath.basename(rel)) or rel.startswith("img/"):
        return IMMUTABLE
    return SHORT


def deploy(
    site_dir: Path,
    bucket: str,
    *,
    prefix: str = "",
    distribution_id: str | None = None,
    dry_run: bool = False,
    delete: bool = False,
    endpoint_url: str | None = None,
    s3_client=None,
    cloudfront_client=None,
    progress: Callable[[int, int, str], None] | None = None,
) -> dict:
    """Sync ``site_dir`` to ``s3://bucket/prefix`` and invalidate what changed.

    ``progress(done, total, key)`` is called after each upload. Returns a summary:
    uploaded / unchanged / deleted / stale counts, bytes uploaded, the keys, the
    deleted or stale keys named by folder (``group_keys``), and the invalidation
    id and paths (None / [] when there was none).
    """
    site_dir = Path(site_dir)
    if not bucket:
        raise ConfigError("no bucket: pass --bucket NAME or set [deploy] bucket in deckgen.toml")
    if not site_dir.is_dir():
        raise ConfigError(f"site folder {site_dir} does not exist: run `deckgen build` first")
    prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
    s3 = s3_client or _client("s3", endpoint_url)
    local = _scan(site_dir, prefix)
    remote = _list_remote(s3, bucket, prefix)
    changed = [f for f in local.values() if not _same(s3, bucket, f, remote.get(f.key))]
    waves = deploy_refs.upload_waves(
        {f.key: f.path for f in changed}, existing=set(remote), site_keys=set(local), prefix=prefix
    )
    stale = sorted(set(remote) - set(local))
    paths = invalidation_paths([f.key for f in changed], stale if delete else [],
                               site_keys=set(local), existing=set(remote), prefix=prefix)
    groups = group_keys(stale, site_keys=set(local), prefix=prefix)
    summary = {
        "bucket": bucket, "prefix": prefix, "dry_run": dry_run,
        "uploaded": len(changed), "unchanged": len(local) - len(changed),
        "deleted": len(stale) if delete else 0, "stale": 0 if delete else len(stale),
        "bytes": sum(f.size for f in changed),
        "uploaded_keys": [key for wave in waves for key in wave],
        "deleted_keys": stale if delete else [],
        "deleted_groups": groups if delete else [], "stale_groups": [] if delete else groups,
        "invalidation_id": None, "invalidation_paths": paths if distribution_id else [],
    }
    if dry_run:
        return summary
    _upload_waves(s3, bucket, waves, {f.key: f for f in changed}, progress)
    if delete and stale:
        _delete(s3, bucket, stale)
    if distribution_id and paths:
        # --endpoint-url names the S3 store only; CloudFront's comes from boto3's own settings
        # (AWS_ENDPOINT_URL_CLOUDFRONT), so an S3-compatible store never gets CloudFront calls
        cloudfront = cloudfront_client or _client("cloudfront", None)
        summary["invalidation_id"] = _invalidate(cloudfront, distribution_id, paths)
    return summary


def _client(service: str, endpoint_url: str | None):
    import boto3  # imported late: the rest of deckgen runs without AWS

    try:
        return boto3.client(service, endpoint_url=endpoint_url)
    except ValueError as exc:  # "Invalid endpoint: 127.0.0.1:9000"
        raise ConfigError(f"{exc}: give a full URL such as http://127.0.0.1:9000") from exc


def _scan(site_dir: Path, prefix: str) -> dict[str, LocalFile]:
    files: dict[str, LocalFile] = {}
    for path in sorted(site_dir.rglob("*")):
        rel = path.relative_to(site_dir).as_posix()
        # half-written temp files from atomic_write (".index.html.x1y2.tmp") stay home;
        # other dotfiles (".well-known/security.txt") are the site's
        if not path.is_file() or _LOCAL_ONLY.fullmatch(path.name):
            continue
        md5, sha = hashlib.md5(usedforsecurity=False), hashlib.sha256()
        with open(path, "rb") as fh:
            while block := fh.read(1 << 20):
                md5.update(block)
                sha.update(block)
        key = prefix + rel
        size = path.stat().st_size
        files[key] = LocalFile(key, rel, path, size, md5.hexdigest(), sha.hexdigest())
    return files


def _list_remote(s3, bucket: str, prefix: str) -> dict[str, dict]:
    remote: dict[str, dict] = {}
    try:
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            for obj in page.get("Contents", []):
                remote[obj["Key"]] = {"etag": obj["ETag"].strip('"'), "size": obj["Size"]}
    except Exception as exc:
        raise _explain(exc, f"cannot list s3://{bucket}/{prefix}") from exc
    return remote


def _same(s3, bucket: str, local: LocalFile, remote: dict | None) -> bool:
    if remote is None or remote["size"] != local.size:
        return False
    if remote["etag"] == local.md5:
        return True
    # ETag is not an MD5 (SSE-KMS, multipart): ask for the hash we stored at upload
    try:
        head = s3.head_object(Bucket=bucket, Key=local.key)
    except Exception as exc:
        raise _explain(exc, f"cannot read s3://{bucket}/{local.key}") from exc
    return head.get("Metadata", {}).get("sha256") == local.sha256


def _upload_waves(s3, bucket: str, waves: list[list[str]], files: dict[str, LocalFile],
                  progress: Callable[[int, int, str], None] | None) -> None:
    total, done = sum(len(w) for w in waves), 0
    pool = ThreadPoolExecutor(max_workers=UPLOAD_THREADS)
    try:
        for wave in waves:
            futures = {key: pool.submit(_put, s3, bucket, files[key]) for key in wave}
            failure: Exception | None = None
            for key, future in futures.items():  # finish the whole wave before stopping
                try:
                    future.result()
                except Exception as exc:
                    failure = failure or exc
                    continue
                done += 1
                if progress:
                    progress(done, total, key)
            if failure is not None:
                raise _explain(failure, f"upload stopped after {done} of {total} files "
                               "(the live site is intact; run deploy again to finish)") from failure
    finally:  # Ctrl-C: drop queued uploads, never start the next wave
        pool.shutdown(wait=True, cancel_futures=True)


def _put(s3, bucket: str, f: LocalFile) -> None:
    with open(f.path, "rb") as body:
        s3.put_object(
            Bucket=bucket, Key=f.key, Body=body,
            ContentType=content_type(f.rel), CacheControl=cache_control(f.rel),
            ContentMD5=base64.b64encode(bytes.fromhex(f.md5)).decode(),
            Metadata={"sha256": f.sha256},
        )


def _delete(s3, bucket: str, keys: list[str]) -> None:
    for start in range(0, len(keys), 1000):  # DeleteObjects takes at most 1000 keys
        batch = [{"Key": k} for k in keys[start:start + 1000]]
        try:
            response = s3.delete_objects(Bucket=bucket, Delete={"Objects": batch, "Quiet": True})
        except Exception as exc:
            raise _explain(exc, "cannot delete stale objects") from exc
        if response.get("Errors"):
            first = response["Errors"][0]
            raise DeployError(f"cannot delete {first.get('Key')}: {first.get('Message')}")


def invalidation_paths(changed: list[str], deleted: list[str], *, site_keys: set[str],
                       existing: set[str], prefix: str = "") -> list[str]:
    """The CloudFront paths to invalidate after uploading ``changed`` and deleting ``deleted``.

    A changed key is invalidated when its name is not content-hashed, or when it replaced an
    object (an unhashed ``img/`` file uploaded again). Every deleted key is, hashed or not:
    edge caches would serve a taken-down deck's images for a year. Deleted keys collapse
    into ``/folder/*`` wildcards (CloudFront bills per path, a wildcard being one):

    - the topmost folder that keeps no file (a deck taken down: ``/img/acme/*``);
    - else the deleted key's own folder when every file that stays in it is content-hashed
      (a re-upscaled deck deletes six images per slide beside their new names). This
      over-invalidates on purpose: a hashed name always holds the same bytes, so dropping
      it from edge caches costs one origin fetch and never changes what a visitor sees,
      and the new names it also covers were never cached.

    A folder that keeps a page or another short-lived file is never wildcarded: its deleted
    keys get one path each. Over MAX_INVALIDATION_PATHS, everything is one ``/prefix*``.
    """
    kept, mutable = _kept_folders(site_keys, prefix)
    exact = [k for k in changed if cache_control(k[len(prefix):]) != IMMUTABLE or k in existing]
    by_folder: dict[str, list[str]] = {}
    for key in deleted:
        folder = _gone_folder(key, kept, prefix)
        parent = posixpath.dirname(key)
        if folder is None and parent not in mutable and len(parent) > len(prefix.rstrip("/")):
            folder = parent  # never the site's top folder: that would be every file
        if folder is None:
            exact.append(key)
        else:
            by_folder.setdefault(folder, []).append(key)
    wildcards = set()
    for folder, keys in by_folder.items():
        if len(_exact_paths(keys)) > 1:
            wildcards.add("/" + (quote(folder, safe=_URL_SAFE) + "/" if folder else ""))
        else:
            exact += keys
    paths = _exact_paths(exact) | {base + "*" for base in wildcards}
    paths = {p for p in paths if not any(p != b + "*" and p.startswith(b) for b in wildcards)}
    if len(paths) > MAX_INVALIDATION_PATHS:
        return [f"/{prefix}*"]
    return sorted(paths)


def group_keys(keys: list[str], *, site_keys: set[str], prefix: str = "") -> list[dict]:
    """Name stale or deleted ``keys`` briefly: a folder the site no longer has as one entry
    (``whole_folder``), else the keys of one folder together; whole folders first."""
    kept, _ = _kept_folders(site_keys, prefix)
    groups: dict[tuple[str, bool], list[str]] = {}
    for key in keys:
        folder = _gone_folder(key, kept, prefix)
        where = (folder, True) if folder is not None else (posixpath.dirname(key), False)
        groups.setdefault(where, []).append(key)
    named = [{"path": folder + "/", "files": len(members), "whole_folder": whole}
             if len(members) > 1 else {"path": members[0], "files": 1, "whole_folder": False}
             for (folder, whole), members in groups.items()]
    return sorted(named, key=lambda g: (not g["whole_folder"], g["files"] > 1, g["path"]))


def describe_groups(groups: list[dict], limit: int = 4) -> str:
    """``group_keys`` as one short line: "slide/acme/ (29 files), deck/acme.html, +2 more"."""
    names = [f"{g['path']} ({g['files']} files)" if g["whole_folder"]
             else f"{g['files']} files in {g['path']}" if g["files"] > 1
             else g["path"] for g in groups[:limit]]
    more = len(groups) - limit
    return ", ".join(names) + (f", +{more} more" if more > 0 else "")


def _kept_folders(site_keys: set[str], prefix: str) -> tuple[set[str], set[str]]:
    """Every folder that keeps a file, and those keeping one whose name is not hashed."""
    kept: set[str] = set()
    mutable: set[str] = set()
    for key in site_keys:
        hashed = cache_control(key[len(prefix):]) == IMMUTABLE
        folder = key
        while folder:
            folder = posixpath.dirname(folder)
            kept.add(folder)
            if not hashed:
                mutable.add(folder)
    return kept, mutable


def _gone_folder(key: str, kept: set[str], prefix: str) -> str | None:
    """The topmost folder above ``key`` (inside the prefix) that keeps no file, if any."""
    folders = []
    folder = key
    while folder:
        folder = posixpath.dirname(folder)
        if (folder + "/").startswith(prefix) or not prefix:
            folders.append(folder)
    return next((f for f in reversed(folders) if f not in kept), None)


def _exact_paths(keys: list[str]) -> set[str]:
    paths = set()
    for key in keys:
        paths.add("/" + quote(key, safe=_URL_SAFE))
        if posixpath.basename(key) == "index.html":  # also served at its folder's URL
            folder = posixpath.dirname(key)
            paths.add("/" + (quote(folder, safe=_URL_SAFE) + "/" if folder else ""))
    return paths


def _invalidate(cloudfront, distribution_id: str, paths: list[str]) -> str:
    try:
        response = cloudfront.create_invalidation(
            DistributionId=distribution_id,
            InvalidationBatch={
                "Paths": {"Quantity": len(paths), "Items": paths},
                "CallerReference": f"deckgen-{time.time_ns()}",
            },
        )
    except Exception as exc:
        raise _explain(exc, f"cannot invalidate CloudFront distribution {distribution_id} (files "
                       "are uploaded; invalidate by hand or wait for the short TTL)") from exc
    return response["Invalidation"]["Id"]


def _explain(exc: BaseException, what: str) -> DeckgenError:
    """Turn boto errors into one line that says what to do."""
    if isinstance(exc, DeckgenError):
        return exc
    code = getattr(exc, "response", {}).get("Error", {}).get("Code", "")
    name = type(exc).__name__
    if code in ("NoSuchBucket",):
        return ConfigError(f"{what}: the bucket does not exist (create it with infra/site.yaml)")
    if code in ("AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "ExpiredToken"):
        return ConfigError(f"{what}: access denied ({code}); check AWS_PROFILE / credentials")
    if name in ("NoCredentialsError", "PartialCredentialsError"):
        return ConfigError(f"{what}: no AWS credentials; set AWS_PROFILE or run `aws configure`")
    if code == "NoSuchDistribution":
        return ConfigError(f"{what}: no such distribution; check --distribution-id")
    return DeployError(f"{what}: {code or name}: {exc}")
