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
  A file overwritten under its own name that a page describes (the dataset
  archive and dataset.html, its SHA-256) shares that page's wave: the two
  cannot change at once, but disagree only while that wave uploads.
- Another deckgen deploy in a folder under the prefix (its own ``.deckgen/``
  records) is left alone: never stale, never deleted (``_leave_other_deploys``). A deploy
  marks its folder so (``SITE_RECORD``) before its first upload, so a deploy stopped or
  still running is never taken for stale files. Records inside one of the site's own
  folders (``deck/``: this site deployed there with --prefix by mistake) mark no other
  deploy: the files there stay the site's, the records are left and named in a warning.
- Stale objects are deleted only after every upload, and only when asked.
- One CloudFront invalidation lists the changed paths whose names are not
  content-hashed (hashed names never change meaning, so need none), every
  overwritten path, and every deleted path, hashed or not: a deck taken down
  must not stay served from edge caches for the year its images may be cached.
  Deleted keys are collapsed into ``/folder/*`` wildcards (see
  ``invalidation_paths``) so the count stays small.
- The paths edges would keep serving for a year (deleted or overwritten
  immutable objects) are written to the bucket *before* any upload or delete,
  and forgotten only once CloudFront accepted them: an invalidation that fails
  (wrong id, throttling, Ctrl-C) or a takedown without ``distribution_id`` is
  sent by the next deploy, from whichever machine runs it (see ``PENDING_DIR``).
- Headers are kept right without a HEAD per object: the bucket holds a record of the
  Content-Type and Cache-Control the last deploy set on each key (``HEADERS_RECORD``).
  A file whose bytes are unchanged gets its headers re-sent (a server-side copy, no
  upload) when this deploy would set others (a release changed the rules), when the record
  does not know it, or when the object was written after the record (by hand, by another
  tool). A deploy that changes nothing writes nothing.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import os
import re
import secrets
import shlex
import socket
import time
import urllib.parse
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from deckgen import deploy_refs
from deckgen.deploy_cdn import (
    IMMUTABLE,
    SHORT,
    cache_control,
    classify_deletions,
    group_keys,
    invalidation_paths,
    merge_paths,
)
from deckgen.errors import ConfigError, DeckgenError, RemoteServiceError
from deckgen.files import is_system_file, name_few
from deckgen.progress import SILENT, Progress
from deckgen.site_marker import SITE_MARKER

UPLOAD_THREADS = 8
# Invalidations still owed, one JSON object per deploy that owes some, kept in the bucket
# (not the build folder) so a deploy from another machine or CI runner sends them too. The
# name ends in 128 random bits: CloudFront may only GetObject (no ListBucket), so nobody can
# fetch a record naming what was taken down; deploy itself finds them by listing.
DECKGEN_DIR = ".deckgen/"  # deploy's own records: never a site file, never stale
PENDING_DIR = DECKGEN_DIR + "pending-invalidation/"
# {"<Content-Type>\n<Cache-Control>": [site paths]}: the headers the last deploy set on each
# key, so that header rules changed by a release reach unchanged files (it names only files
# the site serves anyway)
HEADERS_RECORD = DECKGEN_DIR + "headers.json.gz"
# written before a deploy's first upload where the prefix holds no record yet, so a deploy
# under a folder is known as one (never stale to a deploy above it) even stopped mid-way
SITE_RECORD = DECKGEN_DIR + "site.json"
HAND_PATHS = 30  # an error lists this many paths in its aws command, else one wildcard
# error codes that mean "busy or failing now, not refused": botocore's own transient and
# throttling codes, and CloudFront's cap on invalidations in progress; any 5xx too
RETRY_LATER_CODES = frozenset({
    "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottled",
    "RequestThrottledException", "TooManyRequestsException", "RequestLimitExceeded",
    "BandwidthLimitExceeded", "SlowDown", "RequestTimeout", "RequestTimeoutException",
    "PriorRequestNotComplete", "InternalError", "InternalFailure", "ServiceUnavailable",
    "TooManyInvalidationsInProgress",
})
# exception classes (by name: botocore is imported only to deploy) for a connection that
# failed or was cut: botocore's ConnectionError and HTTPClientError families, the builtins
TRANSPORT_ERRORS = frozenset({"ConnectionError", "HTTPClientError", "TimeoutError",
                              "IncompleteReadError"})
# how a RemoteServiceError ends: what failed, and that the same command may succeed later
UNREACHABLE_HINT = ("retrying may help (the network or the service failed; if it keeps "
                    "failing, check the network and the endpoint URL)")
BUSY_HINT = "retrying may help (the service is busy or failing: run it again later)"
DENIED_CODES = frozenset({"AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch",
                          "ExpiredToken"})
DENIED_HINT = "check AWS_PROFILE / credentials"
DELETE_DENIED_HINT = ("to delete stale objects the credentials (AWS_PROFILE) need "
                      "s3:DeleteObject on the bucket; or deploy without --delete")
# what a refused --delete says was done before it: only the stale objects are left over
UPLOADS_DONE = "the uploads are done and the site is live"

# temp files, and the build's record of the finished site, for `deckgen deploy` to check
LOCAL_ONLY = re.compile(r"\..+\.tmp|" + re.escape(SITE_MARKER))  # and files.is_system_file's
# version-control folders (a site kept in git for another host): history and remotes' URLs,
# never pages; deploy leaves them out without looking in (a `.git` file, a worktree's, too)
VCS_DIRS = frozenset({".git", ".hg", ".svn", ".bzr", ".jj", "_darcs"})
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


# deletes that --delete makes without --max-delete whatever share of the site they are
# (a takedown of a deck or two); past them, at most half of what is live
SAFE_DELETES = 10


# what botocore accepts as a bucket name (S3 itself allows fewer; an access point's ARN too)
_BUCKET_NAME = re.compile(r"[A-Za-z0-9._-]{1,255}")
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*)://")
# S3's own hosts: virtual-hosted (NAME.s3.us-east-1.amazonaws.com, NAME.s3-website-...) and
# path-style (s3.amazonaws.com/NAME, s3-us-west-2.amazonaws.com/NAME)
_S3_HOST = r"s3(?:[.-][a-z0-9-]+)*\.amazonaws\.com(?:\.cn)?"
_VIRTUAL_HOSTED = re.compile(rf"(?P<name>.+)\.{_S3_HOST}")
_PATH_STYLE = re.compile(_S3_HOST)


def require_bucket(bucket: str | None) -> str:
    """The bucket a deploy goes to, ``s3://`` (any case) taken off; refused, before any
    request, when none was given or it is no bucket name (``decks/gallery``: a prefix belongs
    in --prefix; a URL: the bucket's name is asked for, read from an S3 URL's host or path)."""
    if not bucket:
        raise ConfigError("no bucket: pass --bucket NAME or set [deploy] bucket in deckgen.toml")
    if bucket.startswith("arn:"):  # an access point: botocore checks its form
        if found := re.fullmatch(r"arn:aws[\w-]*:s3:::([^/]+)/?", bucket):  # a bucket's own
            raise ConfigError(f"bucket {bucket!r} is the bucket's ARN: pass its name, "
                              f"--bucket {found[1]}")
        return bucket
    if _VIRTUAL_HOSTED.fullmatch(bucket.split("/", 1)[0]):  # its endpoint's host, no scheme
        raise ConfigError(_url_refusal(f"https://{bucket}", given=bucket))
    name = bucket
    if scheme := _SCHEME.match(bucket):
        if scheme.group(1).lower() != "s3":
            raise ConfigError(_url_refusal(bucket))
        name = bucket[scheme.end():]
    name = name.rstrip("/")
    if "/" in name:
        name, prefix = name.split("/", 1)
        raise ConfigError(f"bucket {bucket!r} holds a folder: pass --bucket {name} --prefix "
                          f"{prefix.strip('/')} (or set bucket and prefix under [deploy] in "
                          "deckgen.toml)")
    if not _BUCKET_NAME.fullmatch(name):
        raise ConfigError(f"bucket {bucket!r} is not a bucket name: S3 names are 3 to 63 "
                          "lowercase letters, digits, dots and hyphens")
    return name


def _url_refusal(url: str, given: str = "") -> str:
    """What to pass instead of a URL given as --bucket (``given``: as typed): the bucket's
    name and any folder in it, when the URL is one of S3's own (virtual-hosted or
    path-style), else a request for them."""
    parts = urllib.parse.urlsplit(url)
    host, path = parts.hostname or "", parts.path.strip("/")
    name = None
    if found := _VIRTUAL_HOSTED.fullmatch(host):
        name = found.group("name")
    elif _PATH_STYLE.fullmatch(host):
        name, _, path = path.partition("/")
    said = f"bucket {given!r} is the bucket's address" if given else f"bucket {url!r} is a URL"
    if name and _BUCKET_NAME.fullmatch(name):
        folder = f" --prefix {path}" if path else ""
        return f"{said}: pass its name, --bucket {name}{folder}"
    return (f"{said}: pass the bucket's name, --bucket NAME (the BucketName output of the "
            "infra/site.yaml stack; a folder in it goes in --prefix)")


def deploy(
    site_dir: Path,
    bucket: str,
    *,
    prefix: str = "",
    distribution_id: str | None = None,
    dry_run: bool = False,
    delete: bool = False,
    max_delete: int | None = None,
    endpoint_url: str | None = None,
    s3_client=None,
    cloudfront_client=None,
    progress: Progress = SILENT,
) -> dict:
    """Sync ``site_dir`` to ``s3://bucket/prefix`` and invalidate what changed.

    ``progress`` shows each stage that can take minutes on a large site: "hash" (the
    site's files), "compare" (with the bucket: one request a file where ETags are not
    MD5s), "upload", "header update" and "delete". Returns a summary:
    uploaded / unchanged / deleted / stale counts, bytes uploaded, the keys, the
    deleted, stale or uploaded keys named by folder (``group_keys``), ``other_deploys``
    (deckgen deploys in folders under the prefix, left alone), the invalidation id and
    paths (None / [] when there was none; the paths include ``earlier_invalidation_paths``,
    those owed by earlier deploys), ``pending_invalidation_paths`` (owed after this deploy
    and recorded in the bucket for the next one to send: it had no distribution id, or
    CloudFront failed; long-cached paths only), ``short_lived_invalidation_paths`` (the
    others a failed invalidation did not send: unrecorded, edges drop them within a
    minute), ``headers_updated`` (unchanged files whose headers were re-sent, see
    ``HEADERS_RECORD``), ``refusal`` and ``warnings`` (lines for the user). A failed
    invalidation raises with the summary as the error's ``summary``.

    ``delete`` refuses to delete more than ``max_delete`` objects; by default, more than
    half of those live (and over ``SAFE_DELETES``): a site built from the wrong corpus or
    folder would otherwise take the gallery down. The error says how many of them are
    renamed files (an upgrade) and how many are in folders the site no longer has, and
    carries that as its ``summary`` (``_refusal``); a dry run has it as ``refusal`` and says
    so among its warnings.
    """
    site_dir = Path(site_dir)
    bucket = require_bucket(bucket)
    if not site_dir.is_dir():
        raise ConfigError(f"site folder {site_dir} does not exist: run `deckgen build` first")
    prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
    s3 = s3_client or _client("s3", endpoint_url)
    local = _scan(site_dir, prefix, progress)
    remote, records, headers_time, marked = _list_remote(s3, bucket, prefix)
    others, misplaced = _leave_other_deploys(remote, set(local), prefix)
    earlier = _read_pending(s3, bucket, records)
    changed = _changed(s3, bucket, local, remote, progress)
    recorded = _read_headers(s3, bucket, prefix) if headers_time else {}
    uploading = {f.key for f in changed}
    vouched = {f.key: _vouched(f, remote[f.key], recorded, headers_time)
               for f in local.values() if f.key not in uploading}
    reheaded = [f for f in local.values() if f.key in vouched
                and vouched[f.key] != _headers(f.rel)]
    waves = deploy_refs.upload_waves(
        {f.key: f.path for f in changed}, existing=set(remote), site_keys=set(local), prefix=prefix
    )
    stale = sorted(set(remote) - set(local))
    deleted = stale if delete else []
    limit = max(SAFE_DELETES, len(remote) // 2) if max_delete is None else max_delete
    refusal = _refusal(deleted, local, remote, site_dir, bucket, prefix, limit,
                       limit_given=max_delete is not None) if len(deleted) > limit else None
    if refusal and not dry_run:
        raise refusal_error(refusal)
    where = {"site_keys": set(local), "existing": set(remote), "prefix": prefix}
    rewritten = [f.key for f in changed + reheaded]
    paths = invalidation_paths(rewritten, deleted, **where)
    # recorded until CloudFront has them: what edges keep for a year (short TTLs run out);
    # a file whose headers are re-sent may have had any Cache-Control unless the record knew
    long_lived = [k for k in deleted + [f.key for f in changed if f.key in remote]
                  if cache_control(k[len(prefix):]) == IMMUTABLE]
    long_lived += [f.key for f in reheaded if (vouched[f.key] or ("", ""))[1] != SHORT]
    owed = invalidation_paths([], long_lived, **where)
    groups = group_keys(stale, site_keys=set(local), prefix=prefix)
    summary = {
        "bucket": bucket, "prefix": prefix, "dry_run": dry_run,
        "uploaded": len(changed), "unchanged": len(local) - len(changed),
        # unchanged files whose Content-Type / Cache-Control were re-sent (no upload)
        "headers_updated": len(reheaded), "headers_updated_keys": sorted(f.key for f in reheaded),
        "deleted": len(deleted), "stale": 0 if delete else len(stale),
        "bytes": sum(f.size for f in changed),
        "uploaded_keys": [key for wave in waves for key in wave],
        "deleted_keys": deleted,
        "deleted_groups": groups if delete else [], "stale_groups": [] if delete else groups,
        # the uploads named the same way: a folder new to the bucket as one entry
        "uploaded_groups": group_keys([f.key for f in changed], site_keys=set(remote),
                                      prefix=prefix),
        "invalidation_id": None,
        "invalidation_paths": merge_paths(paths, earlier, prefix) if distribution_id else [],
        "earlier_invalidation_paths": earlier,  # owed by earlier deploys (sent now if we can)
        # what the bucket records for the next deploy to send: long-cached paths only
        "pending_invalidation_paths": [] if distribution_id else merge_paths(owed, earlier, prefix),
        "short_lived_invalidation_paths": [],  # a failed invalidation's others: sent by no one
        "refusal": refusal,  # why --delete stops (a dry run goes on to show what it would do)
        # deckgen deploys under sub-prefixes (staging/): never stale, never deleted, never counted
        "other_deploys": others,
        "warnings": [refusal["error"].replace("would delete", "would stop: it would delete", 1)]
        if refusal else [],
    }
    if delete and others:
        summary["warnings"].append("left alone: " + ", ".join(
            f"{g['path']} (another deckgen deploy, {g['files']:,} files)" for g in others))
    summary["warnings"] += [_misplaced_warning(bucket, prefix, sub) for sub in misplaced]
    immutable_deleted = sum(cache_control(k[len(prefix):]) == IMMUTABLE for k in deleted)
    if immutable_deleted and not distribution_id:
        summary["warnings"].append(
            f"{'would delete' if dry_run else 'deleted'} {immutable_deleted} immutable objects "
            "(cached up to a year): a CDN in "
            "front keeps serving them until invalidated; the next deploy with a distribution "
            "id sends the invalidation")
    elif earlier and not distribution_id:
        summary["warnings"].append(
            f"{len(earlier)} CloudFront paths owed by earlier deploys wait for a deploy with a "
            f"distribution id (no CDN in front? delete s3://{bucket}/{prefix}{PENDING_DIR})")
    if dry_run:
        return summary
    if not marked:  # before any upload: a deploy stopped mid-way is still known as one
        _write_site_record(s3, bucket, prefix)
    # a rerun of a deploy that failed after its record (a refused delete) owes nothing new
    fresh = [path for path in owed if not _owed_already(path, earlier)]
    record = _write_pending(s3, bucket, prefix, fresh, distribution_id) if fresh else None
    _upload_waves(s3, bucket, waves, {f.key: f for f in changed}, progress,
                  existing=frozenset(remote))
    # a first deploy with this record re-sends every file's headers: 100k copies take minutes
    _upload_waves(s3, bucket, [[f.key for f in reheaded]], {f.key: f for f in reheaded},
                  progress, send=lambda s3, bucket, f: _copy_with_headers(s3, bucket, f,
                                                                          remote[f.key]),
                  what="header update")
    wanted = {f.rel: _headers(f.rel) for f in local.values()}
    if changed or reheaded or wanted != recorded:  # after them: newer objects were not ours
        try:
            _write_headers(s3, bucket, prefix, wanted)
        except DeckgenError as exc:  # the files are right; the next deploy re-sends headers
            summary["warnings"].append(str(exc))
    if deleted:
        _delete(s3, bucket, deleted, progress, done=UPLOADS_DONE)
    if distribution_id and summary["invalidation_paths"]:
        # --endpoint-url names the S3 store only; CloudFront's comes from boto3's own settings
        # (AWS_ENDPOINT_URL_CLOUDFRONT), so an S3-compatible store never gets CloudFront calls
        cloudfront = cloudfront_client or _client("cloudfront", None)
        # a distribution whose origin is the prefix (infra/site.yaml's SitePrefix) serves
        # <prefix>x.html as /x.html: its edges know the paths without the prefix
        served = _served_at_root(cloudfront, distribution_id, prefix, summary["warnings"])
        summary["invalidation_paths"] = _viewer_paths(summary["invalidation_paths"], served)
        try:
            summary["invalidation_id"] = _invalidate(
                cloudfront, distribution_id, summary["invalidation_paths"])
        except DeckgenError as exc:
            # owed: what the bucket records (this deploy's and earlier ones'), nothing else;
            # the rest expire within a minute, so no deploy re-sends them
            recorded = merge_paths(owed, earlier, prefix)
            summary["pending_invalidation_paths"] = recorded  # as the bucket has them
            summary["short_lived_invalidation_paths"] = [
                p for p in summary["invalidation_paths"]
                if p not in _viewer_paths(recorded, served)]
            error = type(exc)(_owed_hint(exc, summary, recorded, bucket, prefix, distribution_id,
                                         wildcard="/*" if served else f"/{prefix}*"))
            error.summary = summary  # type: ignore[attr-defined]  # what --json prints
            raise error from exc
        done = records + ([record] if record else [])
        try:
            _delete(s3, bucket, done)  # only now: CloudFront has them
        except DeckgenError as exc:  # sent twice next time: harmless
            summary["warnings"].append(f"invalidation sent, but its record stays: {exc}")
    return summary


def refusal_error(refusal: dict) -> ConfigError:
    """The error a deploy refused for ``refusal`` (``_refusal``) raises, carrying it as its
    ``summary``; a dry run exits with its code, as a CI gate."""
    error = ConfigError(refusal["error"])
    error.summary = refusal  # type: ignore[attr-defined]  # what --json prints
    return error


def _refusal(deleted: list[str], local: dict[str, LocalFile], remote: dict[str, dict],
             site_dir: Path, bucket: str, prefix: str, limit: int, *, limit_given: bool) -> dict:
    """Why --delete stops, telling renamed files (an upgrade) from missing folders (a site
    built from part of the corpus); ``error`` is the message, the rest is for --json."""
    why = classify_deletions(deleted, site_keys=set(local), new_keys=set(local) - set(remote),
                             prefix=prefix)
    total, flag = len(deleted), f"--max-delete {len(deleted)}"
    gone = [g["path"] for g in why["gone_folders"]]
    gone_names = name_few(gone, 4, ", +{n} more")
    parts = [(why["renamed"], "in folders the new site fills with new files (renamed files: "
              "an upgrade or a re-encode?)"),
             (why["gone"], f"in folders it no longer has ({gone_names})"),
             (why["dropped"], "in folders it keeps but adds nothing to (files it dropped)")]
    parts = [(n, text) for n, text in parts if n]
    said = [f"{'all ' if n == total else ''}{n:,}{' of them' if i == 0 and n < total else ''} "
            f"{'is' if n == 1 else 'are'} {text}" for i, (n, text) in enumerate(parts)]
    question = (f"if {site_dir} is the whole gallery, built from the whole corpus, pass {flag}"
                if not why["gone"] and not why["dropped"] else
                f"is {site_dir} the whole gallery, built from the whole corpus? If it is, "
                f"pass {flag}")
    allowed = f"--max-delete {limit}" if limit_given else f"at most {limit:,} without --max-delete"
    error = (f"--delete would delete {total:,} of the {len(remote):,} objects at "
             f"s3://{bucket}/{prefix} ({allowed}): "
             f"{'; '.join(said)}. {question[0].upper()}{question[1:]} (--dry-run lists them)")
    return {"refused": True, "reason": "too many deletes", "error": error, "bucket": bucket,
            "prefix": prefix, "objects": len(remote), "would_delete": total, "limit": limit,
            "in_renamed_folders": why["renamed"], "in_gone_folders": why["gone"],
            "in_kept_folders": why["dropped"], "gone_folders": why["gone_folders"],
            "flag": flag}


def _headers(rel: str) -> tuple[str, str]:
    return content_type(rel), cache_control(rel)


def _vouched(f: LocalFile, remote: dict, recorded: dict[str, tuple[str, str]],
             recorded_at: datetime | None) -> tuple[str, str] | None:
    """The headers the object has, as far as the record knows: None for a key it does not
    name or an object written since (by hand, by another tool, by a deploy stopped early)."""
    if recorded_at is None or remote["modified"] > recorded_at:
        return None
    return recorded.get(f.rel)


def _read_headers(s3, bucket: str, prefix: str) -> dict[str, tuple[str, str]]:
    """The record's headers by site path; one that cannot be parsed vouches for nothing."""
    key = prefix + HEADERS_RECORD
    try:
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    except Exception as exc:
        raise _explain(exc, f"cannot read s3://{bucket}/{key}") from exc
    try:
        groups = json.loads(gzip.decompress(body))["headers"]
        return {rel: tuple(pair.split("\n", 1)) for pair, rels in groups.items()
                for rel in rels}
    except (OSError, EOFError, ValueError, KeyError, TypeError, AttributeError):
        return {}


def _write_headers(s3, bucket: str, prefix: str, headers: dict[str, tuple[str, str]]) -> None:
    groups: dict[str, list[str]] = {}
    for rel, pair in sorted(headers.items()):
        groups.setdefault("\n".join(pair), []).append(rel)
    body = gzip.compress(json.dumps({"version": 1, "headers": groups}).encode(), mtime=0)
    key = prefix + HEADERS_RECORD
    try:
        s3.put_object(Bucket=bucket, Key=key, Body=body, ContentType="application/gzip",
                      CacheControl="no-store")
    except Exception as exc:
        raise _explain(exc, f"cannot record the headers set in s3://{bucket}/{key} (the next "
                       "deploy sends them again)") from exc


def _write_pending(s3, bucket: str, prefix: str, paths: list[str],
                   distribution_id: str | None) -> str:
    key = f"{prefix}{PENDING_DIR}{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}-" \
          f"{secrets.token_hex(16)}.json"
    body = json.dumps({"paths": paths, "distribution_id": distribution_id}).encode()
    try:
        s3.put_object(Bucket=bucket, Key=key, Body=body, ContentType="application/json",
                      CacheControl="no-store")
    except Exception as exc:
        raise _explain(exc, "cannot record the CloudFront invalidation this deploy owes "
                       "(nothing was changed)") from exc
    return key


def _owed_already(path: str, earlier: list[str]) -> bool:
    """Whether a record in the bucket already owes ``path`` (itself, or a wildcard over it)."""
    return any(path == owed or (owed.endswith("*") and path.startswith(owed[:-1]))
               for owed in earlier)


def _read_pending(s3, bucket: str, records: list[str]) -> list[str]:
    paths: set[str] = set()
    for key in records:
        try:
            body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
            paths.update(p for p in json.loads(body)["paths"] if isinstance(p, str))
        except Exception as exc:
            raise _explain(exc, f"cannot read the owed invalidation s3://{bucket}/{key}") from exc
    return sorted(paths)


def _owed_hint(exc: DeckgenError, summary: dict, recorded: list[str], bucket: str,
               prefix: str, distribution_id: str, *, wildcard: str) -> str:
    """The failed invalidation's message, plus what is owed and how to send it by hand
    (``wildcard``: the whole site's path on this distribution)."""
    paths = summary["invalidation_paths"]
    by_hand = paths if len(paths) <= HAND_PATHS else [wildcard]
    # an id CloudFront does not know would fail the pasted command the same way
    known = "no such distribution" not in str(exc)
    command = shlex.join(["aws", "cloudfront", "create-invalidation", "--distribution-id",
                          distribution_id if known else "YOUR_DISTRIBUTION_ID",
                          "--paths", *by_hand])
    who = "the next deploy" if known else "the next deploy with the right distribution id"
    later = (f"{len(recorded)} of them, cached for up to a year, "
             f"{'is' if len(recorded) == 1 else 'are'} recorded under "
             f"s3://{bucket}/{prefix}{PENDING_DIR} and {who} sends them" if recorded else
             "all are short-lived and expire within a minute")
    return (f"{exc}. Edge caches may still serve old copies of {len(paths)} paths: {later}; "
            f"to invalidate them all now run: {command}")


def _client(service: str, endpoint_url: str | None):
    import boto3  # imported late: the rest of deckgen runs without AWS

    try:
        return boto3.client(service, endpoint_url=endpoint_url)
    except ValueError as exc:  # "Invalid endpoint: 127.0.0.1:9000"
        raise ConfigError(f"{exc}: give a full URL such as http://127.0.0.1:9000") from exc


def _scan(site_dir: Path, prefix: str, progress: Progress = SILENT) -> dict[str, LocalFile]:
    files: dict[str, LocalFile] = {}
    paths = [path for path in site_files(site_dir) if is_published(site_dir, path)]
    with progress.stage("hash", len(paths)) as advance:
        for path in paths:
            files[prefix + path.relative_to(site_dir).as_posix()] = _hash(site_dir, prefix, path)
            advance()
    return files


def is_published(site_dir: Path, path: Path) -> bool:
    """Half-written temp files from atomic_write (".index.html.x1y2.tmp") stay home; other
    dotfiles (".well-known/security.txt") are the site's."""
    rel = path.relative_to(site_dir).as_posix()
    return not (LOCAL_ONLY.fullmatch(path.name) or is_system_file(path.name)
                or rel.startswith(DECKGEN_DIR))


def _hash(site_dir: Path, prefix: str, path: Path) -> LocalFile:
    rel = path.relative_to(site_dir).as_posix()
    md5, sha = hashlib.md5(usedforsecurity=False), hashlib.sha256()
    # O_NOFOLLOW: a file swapped for a link since the walk is refused, never read; a
    # file swapped after this read fails its upload (ContentMD5 is this read's MD5)
    with os.fdopen(os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)), "rb") as fh:
        while block := fh.read(1 << 20):
            md5.update(block)
            sha.update(block)
        size = os.fstat(fh.fileno()).st_size
    return LocalFile(prefix + rel, rel, path, size, md5.hexdigest(), sha.hexdigest())


def site_files(site_dir: Path, *, refuse_links: bool = True) -> list[Path]:
    """Every plain file under ``site_dir``, sorted, but those in a version-control folder
    (``VCS_DIRS``: its history and config are no page, so they are never looked into).
    A link anywhere else is refused before anything is uploaded: deckgen never writes one,
    so it was put there by hand, and following it would publish what it points at
    (``/etc/passwd``, a key) under a site path. Without ``refuse_links`` (the site stage,
    which leaves links to deploy) they are left out."""
    found: list[Path] = []
    links: list[Path] = []
    folders = [site_dir]
    while folders:
        with os.scandir(folders.pop()) as entries:
            for entry in entries:
                if entry.name in VCS_DIRS:
                    continue
                if entry.is_symlink():
                    links.append(Path(entry.path))
                elif entry.is_dir(follow_symlinks=False):
                    folders.append(Path(entry.path))
                elif entry.is_file(follow_symlinks=False):  # not a FIFO, socket or device
                    found.append(Path(entry.path))
    if links and refuse_links:
        links.sort()
        more = f" (and {len(links) - 1} more links)" if len(links) > 1 else ""
        raise ConfigError(f"{links[0]} is a link; deckgen never writes links into a site: "
                          f"remove it{more} (nothing was uploaded)")
    return sorted(found)


def _list_remote(s3, bucket: str, prefix: str
                 ) -> tuple[dict[str, dict], list[str], datetime | None, bool]:
    """The site's objects, the keys of the invalidations earlier deploys still owe, when
    the headers record was written (None: there is none), and whether the prefix holds any
    record (``.deckgen/``: a deckgen deploy was here)."""
    remote: dict[str, dict] = {}
    records: list[str] = []
    headers_time = None
    marked = False
    try:
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            for obj in page.get("Contents", []):
                marked = marked or obj["Key"].startswith(prefix + DECKGEN_DIR)
                if obj["Key"].startswith(prefix + PENDING_DIR):
                    records.append(obj["Key"])
                elif obj["Key"] == prefix + HEADERS_RECORD:
                    headers_time = obj["LastModified"]
                elif not obj["Key"].startswith(prefix + DECKGEN_DIR):
                    remote[obj["Key"]] = {"etag": obj["ETag"].strip('"'), "size": obj["Size"],
                                          "modified": obj["LastModified"],
                                          "storage": obj.get("StorageClass") or "STANDARD"}
    except Exception as exc:
        raise _explain(exc, f"cannot list s3://{bucket}/{prefix}") from exc
    return remote, sorted(records), headers_time, marked


def _write_site_record(s3, bucket: str, prefix: str) -> None:
    """Mark the prefix as a deckgen deploy's (``SITE_RECORD``) before anything else is
    written: a root deploy's --delete then leaves it alone even if this one stops now."""
    key = prefix + SITE_RECORD
    try:
        s3.put_object(Bucket=bucket, Key=key, Body=b'{"written_by": "deckgen deploy"}\n',
                      ContentType="application/json", CacheControl="no-store")
    except Exception as exc:
        raise _explain(exc, f"cannot write the deploy's record s3://{bucket}/{key} "
                       "(nothing was uploaded)") from exc


def _top_folders(site_keys: set[str], prefix: str) -> set[str]:
    """The site's own top-level folders (``deck``, ``img``, ``search``)."""
    rels = (key[len(prefix):] for key in site_keys)
    return {rel.split("/", 1)[0] for rel in rels if "/" in rel}


def _leave_other_deploys(remote: dict[str, dict], site_keys: set[str], prefix: str
                         ) -> tuple[list[dict], list[str]]:
    """Drop from ``remote`` the objects of other deckgen deploys in the same bucket: a
    sub-prefix holding its own ``<sub>/.deckgen/`` records (staging under ``staging/``) is
    another site, never this one's stale files. Returns them as ``{"path", "files"}``, and
    the sub-prefixes whose records sit in one of the site's own folders (``deck/``: this
    site deployed there with --prefix by mistake): no other deploy, so their files stay
    this site's (stale, deleted with --delete); only those records are dropped, never
    deleted (``_misplaced_warning`` says how to remove them)."""
    subs = sorted({key[:key.index("/" + DECKGEN_DIR) + 1] for key in remote
                   if "/" + DECKGEN_DIR in key[len(prefix):]})
    own = _top_folders(site_keys, prefix)
    misplaced = [sub for sub in subs if sub[len(prefix):].split("/", 1)[0] in own]
    for sub in misplaced:
        for key in [key for key in remote if key.startswith(sub + DECKGEN_DIR)]:
            del remote[key]
    subs = [sub for sub in subs if sub not in misplaced]
    outermost = [s for s in subs if not any(s != o and s.startswith(o) for o in subs)]
    others = []
    for sub in outermost:
        theirs = [key for key in remote if key.startswith(sub) and key not in site_keys]
        for key in theirs:
            del remote[key]
        others.append({"path": sub[len(prefix):], "files": len(theirs)})
    return others, misplaced


def _misplaced_warning(bucket: str, prefix: str, sub: str) -> str:
    """The warning for deploy records found inside the site's own folder ``sub``."""
    command = shlex.join(["aws", "s3", "rm", "--recursive", f"s3://{bucket}/{sub}{DECKGEN_DIR}"])
    return (f"a deckgen deploy record sits inside this site's folder {sub[len(prefix):]} "
            "(deployed there with --prefix by mistake?): its files are this site's, stale "
            f"ones deleted with --delete; the record is left: remove it with {command}")


def _changed(s3, bucket: str, local: dict[str, LocalFile], remote: dict[str, dict],
             progress: Progress) -> list[LocalFile]:
    changed = []
    with progress.stage("compare", len(local)) as advance:
        for f in local.values():
            if not _same(s3, bucket, f, remote.get(f.key)):
                changed.append(f)
            advance()
    return changed


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
                  progress: Progress, *, existing: frozenset[str] = frozenset(),
                  send: Callable[..., None] | None = None, what: str = "upload") -> None:
    total, done = sum(len(w) for w in waves), 0
    pool = ThreadPoolExecutor(max_workers=UPLOAD_THREADS)
    try:
        with progress.stage(what, total) as advance:
            for wave in waves:
                futures = [pool.submit(send or _put, s3, bucket, files[key]) for key in wave]
                failure: Exception | None = None
                sent: set[str] = set()
                for key, future in zip(wave, futures, strict=True):  # the whole wave first
                    try:
                        future.result()
                    except Exception as exc:
                        failure = failure or exc
                        continue
                    sent.add(key)
                    done += 1
                    advance()
                if failure is not None:
                    raise _explain(failure, f"{what} stopped after {done} of {total} files ("
                                   f"{_what_stays_whole(wave, sent, existing)}; run deploy "
                                   "again to finish)") from failure
    finally:  # Ctrl-C: drop queued uploads, never start the next wave
        pool.shutdown(wait=True, cancel_futures=True)


def _what_stays_whole(wave: list[str], sent: set[str], existing: frozenset[str]) -> str:
    """What an upload stopped in ``wave`` (``sent`` of it done) leaves true of the live
    site. A file that keeps its name (the dataset archive) goes up with the page describing
    it (``upload_waves``): when one of them went up and the other not, they disagree."""
    pages = [key for key in wave if key.endswith((".html", ".htm"))]
    kept = sorted(key for key in wave if key in existing and key not in pages)
    mixed = pages and kept and len({key in sent for key in kept + pages}) > 1
    also = f", but {kept[0]} may not match the page describing it until then" if mixed else ""
    return f"every page live before still finds every file it links{also}"


def _put(s3, bucket: str, f: LocalFile) -> None:
    with open(f.path, "rb") as body:
        s3.put_object(
            Bucket=bucket, Key=f.key, Body=body,
            ContentType=content_type(f.rel), CacheControl=cache_control(f.rel),
            ContentMD5=base64.b64encode(bytes.fromhex(f.md5)).decode(),
            Metadata={"sha256": f.sha256},
        )


def _copy_with_headers(s3, bucket: str, f: LocalFile, remote: dict) -> None:
    """Set ``f``'s headers on its object in place: a server-side copy, the bytes not sent;
    only if the object is still the one compared (its ETag), never on other bytes. A copy
    is written in STANDARD unless told otherwise: it keeps the object's storage class."""
    s3.copy_object(
        Bucket=bucket, Key=f.key, CopySource={"Bucket": bucket, "Key": f.key},
        CopySourceIfMatch=f'"{remote["etag"]}"', MetadataDirective="REPLACE",
        ContentType=content_type(f.rel), CacheControl=cache_control(f.rel),
        Metadata={"sha256": f.sha256}, StorageClass=remote["storage"],
    )


def _delete(s3, bucket: str, keys: list[str], progress: Progress = SILENT, *,
            done: str = "") -> None:
    """Delete ``keys``; ``done`` says in a refusal what was done before (the uploads)."""
    with progress.stage("delete", len(keys)) as advance:
        for start in range(0, len(keys), 1000):  # DeleteObjects takes at most 1000 keys
            batch = keys[start:start + 1000]
            _delete_batch(s3, bucket, batch, done=done)
            advance(len(batch))


def _delete_batch(s3, bucket: str, keys: list[str], *, done: str = "") -> None:
    # only the stale objects' delete is --delete's: the records' needs the permission anyway
    denied_hint = f"{done}; {DELETE_DENIED_HINT}" if done else DENIED_HINT
    try:
        response = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": k} for k in keys],
                                                            "Quiet": True})
    except Exception as exc:
        raise _explain(exc, "cannot delete stale objects", denied_hint) from exc
    if errors := response.get("Errors"):
        first, code = errors[0], errors[0].get("Code", "")
        keys = name_few([str(e.get("Key")) for e in errors], 1, " (and {n} more)")
        what = f"cannot delete {keys}: {first.get('Message')} ({code})"
        if code in RETRY_LATER_CODES:  # SlowDown, InternalError per key
            raise RemoteServiceError(f"{what}; {BUSY_HINT}")
        if code in DENIED_CODES:  # DeleteObjects answers 200 and refuses key by key
            raise ConfigError(f"{what}; {denied_hint}")
        raise DeployError(what)


def _served_at_root(cloudfront, distribution_id: str, prefix: str,
                    warnings: list[str]) -> str:
    """``prefix`` when the distribution's origin path is it (the site is served at /),
    else "" (it serves the bucket's root, the prefix a folder in its paths)."""
    if not prefix:
        return ""
    try:
        config = cloudfront.get_distribution_config(Id=distribution_id)["DistributionConfig"]
    except Exception as exc:  # a wrong id or no network: the invalidation says so next
        code = (getattr(exc, "response", None) or {}).get("Error", {}).get("Code", "")
        if code in DENIED_CODES:
            warnings.append(
                f"cannot read CloudFront distribution {distribution_id}'s origin ({code}): the "
                f"paths sent start with /{prefix}, right for a distribution serving the whole "
                f"bucket; if it serves only {prefix} (infra/site.yaml's SitePrefix), allow "
                "cloudfront:GetDistributionConfig so that deploy sends them without it")
        return ""
    origins = config.get("Origins", {}).get("Items", [])
    paths = {(origin.get("OriginPath") or "").strip("/") for origin in origins}
    return prefix if prefix.strip("/") in paths else ""


def _viewer_paths(paths: list[str], served: str) -> list[str]:
    """Invalidation paths as viewers of a distribution serving ``served`` at / ask for them."""
    if not served:
        return paths
    return sorted({"/" + p[len(served) + 1:] if p.startswith("/" + served) else p
                   for p in paths})


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
        raise _explain(exc, f"cannot invalidate CloudFront distribution {distribution_id} "
                       "(the uploads and deletes are done)") from exc
    return response["Invalidation"]["Id"]


def _unknown_host(exc: BaseException) -> str | None:
    """The host name of an endpoint that DNS says does not exist (EAI_NONAME), else None.
    A resolver that cannot be reached answers EAI_AGAIN instead: that one may pass."""
    cause: BaseException | None = exc
    for _ in range(8):  # botocore -> urllib3 -> socket.gaierror
        if cause is None:
            return None
        if isinstance(cause, socket.gaierror) and cause.errno == socket.EAI_NONAME:
            url = (getattr(exc, "kwargs", None) or {}).get("endpoint_url", "")
            return urllib.parse.urlsplit(url).hostname or "the endpoint"
        cause = cause.__cause__ or cause.__context__
    return None


def _explain(exc: BaseException, what: str, denied_hint: str = DENIED_HINT) -> DeckgenError:
    """Turn boto errors into one line that says what to do: ``ConfigError`` for what the
    user must fix, ``RemoteServiceError`` for what may pass (unreachable, throttled, 5xx),
    ``DeployError`` for any other refusal."""
    if isinstance(exc, DeckgenError):
        return exc
    response = getattr(exc, "response", None)
    response = response if isinstance(response, dict) else {}  # botocore's ClientError's
    code = response.get("Error", {}).get("Code", "")
    status = response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
    name = type(exc).__name__
    kinds = {cls.__name__ for cls in type(exc).__mro__}
    if name == "SSLError":  # a certificate refused: the endpoint or the CA bundle is wrong
        return ConfigError(f"{what}: TLS failed ({exc}); check --endpoint-url, or point "
                           "AWS_CA_BUNDLE at the store's certificate")
    if (host := _unknown_host(exc)) is not None:  # DNS's final answer: most likely a typo
        return ConfigError(f"{what}: no host is named {host!r}; check --endpoint-url "
                           "(or AWS_ENDPOINT_URL) and AWS_DEFAULT_REGION")
    if kinds & TRANSPORT_ERRORS:  # refused, timed out, cut off mid-response
        return RemoteServiceError(f"{what}: {name}: {exc}; {UNREACHABLE_HINT}")
    if code in RETRY_LATER_CODES or status >= 500:  # boto3 already retried it
        return RemoteServiceError(f"{what}: {code or status}: {exc}; {BUSY_HINT}")
    if code in ("NoSuchBucket",):
        return ConfigError(f"{what}: the bucket does not exist (create it with infra/site.yaml)")
    if code in DENIED_CODES:
        return ConfigError(f"{what}: access denied ({code}); {denied_hint}")
    if name in ("NoCredentialsError", "PartialCredentialsError"):
        return ConfigError(f"{what}: no AWS credentials; set AWS_PROFILE or run `aws configure`")
    if code == "NoSuchDistribution":
        return ConfigError(f"{what}: no such distribution; check --distribution-id")
    return DeployError(f"{what}: {code or name}: {exc}")
