"""deploy: S3 sync + CloudFront invalidation, end to end against a moto server over real HTTP."""

from __future__ import annotations

import hashlib
import io
import json
import posixpath
import re
import socket
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import boto3
import pytest
from botocore.config import Config
from rich.console import Console

from deckgen import deploy as deploy_mod
from deckgen.deploy import content_type, deploy
from deckgen.deploy_cdn import (
    IMMUTABLE,
    SHORT,
    cache_control,
    describe_groups,
    group_keys,
    invalidation_paths,
)
from deckgen.deploy_refs import upload_waves
from deckgen.errors import (
    EXIT_REMOTE_FAILURE,
    EXIT_USAGE,
    ConfigError,
    DeckgenError,
    RemoteServiceError,
)
from deckgen.files import content_stamp, is_system_file
from deckgen.progress import Progress
from deckgen.site_marker import SITE_MARKER

SITE_URL = "https://gallery.example.org"

# ------------------------------------------------------------------ a tiny site like the real one


def _h(data: str | bytes) -> str:
    return hashlib.sha256(data.encode() if isinstance(data, str) else data).hexdigest()[:10]


def mark_finished(root: Path) -> None:
    """What a finished `deckgen build` leaves in the site folder for deploy to check."""
    (root / SITE_MARKER).write_text(json.dumps({"stamp": content_stamp(root)}))


def make_site(root: Path, decks: dict[str, list[str]]) -> Path:
    """Write a static site shaped like deckgen's: hashed assets and images, flat pages,
    a search entry file pointing at a hashed shard, sitemap, robots, 404 and a dataset."""
    files: dict[str, str | bytes] = {}
    css = "body{margin:0}"
    js = "fetch('search/entry.json')"
    css_name, js_name = f"assets/style.{_h(css)}.css", f"assets/search.{_h(js)}.js"
    files[css_name], files[js_name] = css, js
    # the search index as deckgen writes it: entry.json names the manifest, which lists its
    # record chunks as one run of hashes; each chunk links slide pages from the site root
    chunk_hashes = []
    for deck, texts in sorted(decks.items()):
        chunk = json.dumps([[f"slides/{deck}-{i:03d}.html", t] for i, t in enumerate(texts, 1)])
        chunk_hashes.append(_h(chunk))
        files[f"search/r.{_h(chunk)}.json"] = chunk
    meta = json.dumps({"records": {"size": 3, "hashes": "".join(chunk_hashes)}})
    meta_name = f"m.{_h(meta)}.json"
    files[f"search/{meta_name}"] = meta
    files["search/entry.json"] = json.dumps({"version": 1, "hash": 10, "meta": meta_name})

    def page(title: str, depth: int, body: str) -> str:
        up = "../" * depth
        return (f'<!doctype html><html><head><title>{title}</title>'
                f'<link rel="stylesheet" href="{up}{css_name}">'
                f'<script src="{up}{js_name}" defer></script></head><body>'
                f'<a href="{up}index.html">Home</a>{body}</body></html>')

    thumbs = []
    for deck, texts in sorted(decks.items()):
        slides_html = []
        for i, text in enumerate(texts, 1):
            sid = f"{deck}-{i:03d}"
            img = b"RIFF\0\0\0\0WEBP" + text.encode()
            small, big = f"img/{sid}.{_h(img)}.320.webp", f"img/{sid}.{_h(img + b'x')}.webp"
            files[small], files[big] = img, img + b"x"
            nav = "".join(f'<a href="{deck}-{j:03d}.html">{j}</a>'
                          for j in (i - 1, i + 1) if 1 <= j <= len(texts))
            files[f"slides/{sid}.html"] = page(text, 1, (
                f'<a href="../decks/{deck}.html">{deck}</a>{nav}'
                f'<img src="../{big}" srcset="../{small} 320w, ../{big} 960w" alt="">'))
            slides_html.append(f'<a href="../slides/{sid}.html"><img src="../{small}" alt=""></a>')
            if i == 1:
                thumbs.append(f'<a href="decks/{deck}.html"><img src="{small}" alt=""></a>')
        files[f"decks/{deck}.html"] = page(deck, 1, "".join(slides_html))
    files["index.html"] = page("deckgen", 0, "".join(thumbs) + '<a href="dataset.html">Data</a>')
    files["dataset.html"] = page("Dataset", 0,
                                 '<a href="dataset/deckgen-dataset-v1.tar.gz">Download</a>')
    files["404.html"] = page("Not found", 0, "")
    files["dataset/deckgen-dataset-v1.tar.gz"] = b"\x1f\x8b" + json.dumps(decks).encode()
    pages = sorted(k for k in files if k.endswith(".html"))
    files["sitemap.xml"] = "<urlset>" + "".join(
        f"<url><loc>{SITE_URL}/{p}</loc></url>" for p in pages) + "</urlset>"
    files["robots.txt"] = f"Sitemap: {SITE_URL}/sitemap.xml\n"
    files[".well-known/security.txt"] = "Contact: mailto:security@example.org\n"
    for rel, data in files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data.encode() if isinstance(data, str) else data)
    (root / ".index.html.abc.tmp").write_text("half-written temp file: never deployed")
    for junk in ("img/Thumbs.db", "img/desktop.ini", "img/._001.jpg"):  # an OS's, never deployed
        (root / junk).parent.mkdir(parents=True, exist_ok=True)
        (root / junk).write_text("left by an operating system")
    mark_finished(root)
    return root


DECKS_A = {"alpha": ["Problem", "Market"], "beta": ["Team", "Traction", "Funding"]}
DECKS_B = {**DECKS_A, "beta": ["Team", "Traction up 3x", "Funding"]}  # one slide edited
DECKS_C = {**DECKS_B, "gamma": ["Cover", "Solution"]}  # plus a new deck


def make_deck_site(root: Path, decks: dict[str, list[str]],
                   extra: dict[str, bytes] | None = None, naming: str = "") -> Path:
    """A site in deckgen's own layout: ``deck/<deck>.html``, ``slide/<deck>/<n>.html`` and
    six hashed images per slide under ``img/<deck>/`` (what taking a deck down removes).
    Another ``naming`` renames every image, as an upgrade of the variant naming does."""
    css = "body{margin:1px}"
    css_name = f"static/style.{_h(css)}.css"
    files: dict[str, str | bytes] = {css_name: css, **(extra or {})}
    records, deck_links = [], []
    for deck, texts in sorted(decks.items()):
        thumbs = []
        for i, text in enumerate(texts, 1):
            page, key = f"{i:03d}", _h(naming + deck + text)
            for size in ("thumb", "medium", "full"):
                for ext in ("jpg", "webp"):
                    files[f"img/{deck}/{page}-{size}.{key}.{ext}"] = f"{size}{ext}{text}".encode()
            img = f"img/{deck}/{page}-full.{key}.jpg"
            files[f"slide/{deck}/{page}.html"] = (
                f'<!doctype html><link rel="stylesheet" href="../../{css_name}">'
                f'<a href="../../deck/{deck}.html">{deck}</a><img src="../../{img}" alt="">')
            thumbs.append(f'<a href="../slide/{deck}/{page}.html">'
                          f'<img src="../img/{deck}/{page}-thumb.{key}.jpg" alt=""></a>')
            records.append([f"slide/{deck}/{page}.html", text])
        files[f"deck/{deck}.html"] = (f'<!doctype html><link rel="stylesheet" href="../{css_name}">'
                                      + "".join(thumbs))
        deck_links.append(f'<a href="deck/{deck}.html">{deck}</a>')
    shard = json.dumps(records)
    files[f"search/p.{_h(shard)}.json"] = shard
    files["search/entry.json"] = json.dumps({"shard": f"p.{_h(shard)}.json"})
    files["index.html"] = f'<!doctype html><a href="decks.html">Decks</a>{len(decks)} decks'
    files["decks.html"] = "<!doctype html>" + "".join(deck_links)
    files["sitemap.xml"] = "<urlset>" + "".join(
        f"<url><loc>{SITE_URL}/{k}</loc></url>" for k in sorted(files) if k.endswith(".html"))
    files["dataset/deckgen-dataset-v1.tar.gz"] = b"\x1f\x8b" + json.dumps(decks).encode()
    for rel, data in files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data.encode() if isinstance(data, str) else data)
    mark_finished(root)
    return root


GALLERY = {"acme": ["Problem", "Market", "Team"], "harvestly": ["Cover", "Traction"]}


def covered(key: str, paths: list[str]) -> bool:
    """Whether a CloudFront invalidation of ``paths`` drops ``key`` from edge caches."""
    url = "/" + key
    return any(url == p or (p.endswith("*") and url.startswith(p[:-1])) for p in paths)


def _tree(root: Path) -> dict[str, str]:
    """What a deploy uploads: the site's files, less the dotfiles and an OS's files."""
    return {p.relative_to(root).as_posix(): _h(p.read_bytes()) for p in root.rglob("*")
            if p.is_file() and not p.name.startswith(".") and not is_system_file(p.name)}


# ------------------------------------------------------------------ unit tests (no server)


@pytest.mark.parametrize(("name", "expected"), [
    ("index.html", "text/html; charset=utf-8"),
    ("assets/style.0123abcd.css", "text/css; charset=utf-8"),
    ("assets/search.0123abcd.js", "text/javascript; charset=utf-8"),
    ("search/entry.json", "application/json"),
    ("img/a-001.0123abcd.320.webp", "image/webp"),
    ("img/a.JPG", "image/jpeg"),
    ("img/a.png", "image/png"),
    ("sitemap.xml", "application/xml"),
    ("robots.txt", "text/plain; charset=utf-8"),
    ("dataset/deckgen-dataset-v1.tar.gz", "application/gzip"),
    ("dataset/slides.csv", "text/csv; charset=utf-8"),
    ("dataset/metadata.jsonl", "application/jsonl; charset=utf-8"),
    ("favicon.svg", "image/svg+xml"),
    ("LICENSE", "application/octet-stream"),
])
def test_content_type(name, expected):
    assert content_type(name) == expected


@pytest.mark.parametrize(("rel", "expected"), [
    ("assets/style.0123abcd.css", IMMUTABLE),
    ("search/shard.0123456789abcdef.json", IMMUTABLE),
    ("img/acme-001.320.webp", IMMUTABLE),
    ("index.html", SHORT),
    ("slides/acme-001.html", SHORT),
    ("search/entry.json", SHORT),
    ("sitemap.xml", SHORT),
    ("dataset/deckgen-dataset-v1.tar.gz", SHORT),
    ("assets/style.0123abc.css", SHORT),  # 7 hex digits is not a content hash
])
def test_cache_control(rel, expected):
    assert cache_control(rel) == expected


def test_waves_put_new_targets_first_and_ignore_links_to_existing(tmp_path):
    site = make_site(tmp_path, DECKS_A)
    keys = set(_tree(site))
    changed = {k: site / k for k in keys}
    # first deploy: every asset before every page, sitemap and robots last
    waves = upload_waves(changed, existing=set(), site_keys=keys)
    flat = [k for w in waves for k in w]
    first_page = min(flat.index(k) for k in keys if k.endswith(".html"))
    assert all(flat.index(k) < first_page for k in keys
               if not k.endswith((".html", ".xml", ".txt")) and not k.startswith("search/"))
    assert waves[-1] == ["robots.txt"] and waves[-2] == ["sitemap.xml"]
    # the search index: record chunks, then the manifest naming them by hash alone, the entry
    # file and the script that reads it (pages -> script -> entry -> ... -> pages is a cycle)
    wave_of = {k: i for i, w in enumerate(waves) for k in w}
    chunks = [k for k in keys if k.startswith("search/r.")]
    meta = next(k for k in keys if k.startswith("search/m."))
    script = next(k for k in keys if k.endswith(".js"))
    assert max(wave_of[k] for k in chunks) < wave_of[meta] < wave_of["search/entry.json"]
    assert wave_of["search/entry.json"] < wave_of[script] < first_page_wave(waves)
    # redeploy where only pages changed and everything exists: one wave per rank, no chain
    waves = upload_waves({"index.html": site / "index.html", "decks/alpha.html":
                          site / "decks/alpha.html"}, existing=keys, site_keys=keys)
    assert waves == [["decks/alpha.html", "index.html"]]


def first_page_wave(waves: list[list[str]]) -> int:
    return next(i for i, w in enumerate(waves) if any(k.endswith(".html") for k in w))


def test_waves_order_a_new_page_before_the_old_page_linking_it(tmp_path):
    site = make_site(tmp_path, DECKS_C)
    keys = set(_tree(site))
    new = {k for k in keys if "gamma" in k}
    changed = {k: site / k for k in new | {"index.html"}}
    waves = upload_waves(changed, existing=keys - new, site_keys=keys)
    assert waves[-1] == ["index.html"]


def test_waves_put_a_new_decks_pages_before_the_search_records_linking_them(tmp_path):
    old, site = _tree(make_site(tmp_path / "a", DECKS_A)), make_site(tmp_path / "c", DECKS_C)
    keys = _tree(site)
    changed = {k: site / k for k, digest in keys.items() if old.get(k) != digest}
    waves = upload_waves(changed, existing=set(old), site_keys=set(keys))
    wave_of = {k: i for i, w in enumerate(waves) for k in w}
    chunk = next(k for k in changed if k.startswith("search/r."))  # gamma's records
    meta = next(k for k in changed if k.startswith("search/m."))
    pages = [k for k in changed if k.startswith("slides/gamma")]
    assert max(wave_of[k] for k in pages) < wave_of[chunk] < wave_of[meta]
    assert wave_of[meta] < wave_of["search/entry.json"]


ARCHIVE = "dataset/deckgen-dataset-v1.tar.gz"


def describe_archive(site: Path) -> Path:
    """dataset.html as deckgen writes it: the archive's SHA-256 and size (it keeps its name)."""
    data = (site / ARCHIVE).read_bytes()
    (site / "dataset.html").write_text(
        f'<!doctype html><a href="{ARCHIVE}">Download</a><p>SHA-256 '
        f'<code>{hashlib.sha256(data).hexdigest()}</code>, {len(data)} bytes</p>')
    mark_finished(site)
    return site


def test_waves_put_an_archive_that_keeps_its_name_with_the_page_describing_it(tmp_path):
    """QA: the archive was overwritten in the first wave and dataset.html (its checksum) in
    the page wave: a deploy stopped between them left the page's checksum wrong."""
    old = _tree(describe_archive(make_site(tmp_path / "a", DECKS_A)))
    site = describe_archive(make_site(tmp_path / "c", DECKS_C))
    keys = _tree(site)
    changed = {k: site / k for k, digest in keys.items() if old.get(k) != digest}
    assert {ARCHIVE, "dataset.html", "index.html"} <= set(changed)
    waves = upload_waves(changed, existing=set(old), site_keys=set(keys))
    wave_of = {k: i for i, w in enumerate(waves) for k in w}
    assert wave_of[ARCHIVE] == wave_of["dataset.html"] > 0
    # a new archive (first deploy) goes before the page linking it, as every new file does
    first = upload_waves({k: site / k for k in keys}, existing=set(), site_keys=set(keys))
    wave_of = {k: i for i, w in enumerate(first) for k in w}
    assert wave_of[ARCHIVE] < wave_of["dataset.html"]


@pytest.mark.e2e
def test_a_deploy_stopped_before_the_last_pages_leaves_the_archive_as_its_page_says(
        aws, tmp_path):
    aws.run(describe_archive(make_site(tmp_path / "a", DECKS_A)))
    old = _tree(tmp_path / "a")
    site = describe_archive(make_site(tmp_path / "c", DECKS_C))
    changed = {k: site / k for k, digest in _tree(site).items() if old.get(k) != digest}
    waves = upload_waves(changed, existing=set(old), site_keys=set(_tree(site)))
    last = next(i for i, w in enumerate(waves) if "dataset.html" in w)
    before = sum(len(w) for w in waves[:last])
    with pytest.raises(DeckgenError, match=f"upload stopped after {before} of") as caught:
        aws.run(site, s3_client=FlakyS3(aws.s3, fail_after=before))
    assert "every page live before still finds every file it links;" in str(caught.value)
    live = aws.objects()
    assert live[ARCHIVE] == old[ARCHIVE] and live["dataset.html"] == old["dataset.html"]
    # stopped inside that wave, the archive sent and its page not: the one window left,
    # and the error says so

    class PageFails(FlakyS3):
        def put_object(self, **kwargs):
            if kwargs["Key"] == "dataset.html":
                raise ConnectionError("network dropped")
            return super().put_object(**kwargs)

    with pytest.raises(DeckgenError, match=f"{ARCHIVE} may not match the page describing it"):
        aws.run(site, s3_client=PageFails(aws.s3))
    assert aws.run(site)["uploaded"] > 0
    assert aws.objects()[ARCHIVE] == _h((site / ARCHIVE).read_bytes())


def logged_progress() -> tuple[Progress, io.StringIO]:
    """Progress as a CI log gets it (no terminal), and what it printed."""
    progress = Progress()
    progress.console = Console(file=io.StringIO(), force_terminal=False, width=100)
    return progress, progress.console.file


# ------------------------------------------------------------------ moto server fixtures


@pytest.fixture(scope="module")
def moto_endpoint() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    with pytest.MonkeyPatch.context() as mp:
        for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                            "AWS_DEFAULT_REGION": "us-east-1", "NO_PROXY": "127.0.0.1",
                            "no_proxy": "127.0.0.1",
                            "AWS_ENDPOINT_URL_CLOUDFRONT": f"http://{host}:{port}"}.items():
            mp.setenv(name, value)
        mp.delenv("AWS_PROFILE", raising=False)
        yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def aws(moto_endpoint, request):
    """Fresh bucket + CloudFront distribution on the shared moto server."""
    config = Config(retries={"max_attempts": 1})
    s3 = boto3.client("s3", endpoint_url=moto_endpoint, config=config)
    cloudfront = boto3.client("cloudfront", endpoint_url=moto_endpoint, config=config)
    bucket = "site-" + hashlib.sha1(request.node.nodeid.encode()).hexdigest()[:12]
    s3.create_bucket(Bucket=bucket)
    dist = cloudfront.create_distribution(DistributionConfig={
        "CallerReference": bucket, "Comment": "test", "Enabled": True,
        "Origins": {"Quantity": 1, "Items": [{
            "Id": "site", "DomainName": f"{bucket}.s3.us-east-1.amazonaws.com",
            "S3OriginConfig": {"OriginAccessIdentity": ""}}]},
        "DefaultCacheBehavior": {"TargetOriginId": "site", "ViewerProtocolPolicy":
                                 "redirect-to-https", "MinTTL": 0,
                                 "ForwardedValues": {"QueryString": False,
                                                     "Cookies": {"Forward": "none"}}},
    })["Distribution"]["Id"]

    class Env:
        endpoint = moto_endpoint

        def run(self, site: Path, bucket_url: str | None = None, **kwargs) -> dict:
            kwargs.setdefault("s3_client", s3)
            kwargs.setdefault("distribution_id", dist)
            return deploy(site, bucket_url or bucket, endpoint_url=moto_endpoint, **kwargs)

        def objects(self) -> dict[str, str]:
            """Every object but deploy's records of the headers it set and of the site
            being a deckgen deploy's (they stay)."""
            out = {}
            for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
                for obj in page.get("Contents", []):
                    if obj["Key"].endswith((deploy_mod.HEADERS_RECORD, deploy_mod.SITE_RECORD)):
                        continue
                    body = s3.get_object(Bucket=bucket, Key=obj["Key"])["Body"].read()
                    out[obj["Key"]] = _h(body)
            return out

        def invalidations(self) -> list[list[str]]:
            items = cloudfront.list_invalidations(DistributionId=dist)["InvalidationList"]
            result = []
            for item in items.get("Items", []):
                inv = cloudfront.get_invalidation(DistributionId=dist, Id=item["Id"])
                result.append(inv["Invalidation"]["InvalidationBatch"]["Paths"]["Items"])
            return result

    env = Env()
    env.s3, env.cloudfront, env.bucket, env.dist = s3, cloudfront, bucket, dist
    return env


class FlakyS3:
    """The real client, but put_object raises after ``fail_after`` calls; records every call
    that writes."""

    def __init__(self, client, fail_after: int | None = None):
        self._client, self.fail_after, self.calls = client, fail_after, []

    def put_object(self, **kwargs):
        if kwargs["Key"].endswith(deploy_mod.HEADERS_RECORD):  # written after the files
            self.calls.append(("record headers", kwargs["Key"]))
            return self._client.put_object(**kwargs)
        if self.fail_after is not None and len(self.calls) >= self.fail_after:
            raise ConnectionError("network dropped")
        self.calls.append(("put", kwargs["Key"]))
        return self._client.put_object(**kwargs)

    def copy_object(self, **kwargs):
        self.calls.append(("copy", kwargs["Key"]))
        return self._client.copy_object(**kwargs)

    def delete_objects(self, **kwargs):
        self.calls.append(("delete", [o["Key"] for o in kwargs["Delete"]["Objects"]]))
        return self._client.delete_objects(**kwargs)

    def __getattr__(self, name):
        return getattr(self._client, name)


class _Refs(HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("href", "src"):
                self.urls.append(value)
            elif name == "srcset":
                self.urls += [part.split()[0] for part in value.split(",")]


def broken_references(s3, bucket: str, *, pages_only: bool = False) -> list[str]:
    """Every (file, target) whose target is missing, over what a visitor can reach: the
    files linked from index.html on, and the search index from its entry file on (the
    pages' script fetches it). New pages that link each other (a deck and its slides) go
    up in one wave and may miss each other while no live page links them yet.
    With ``pages_only``: every page in the bucket, for the assets it shows (a first deploy
    has no index.html until the end)."""
    keys = {o["Key"] for p in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket)
            for o in p.get("Contents", [])}

    def targets(key: str) -> list[str]:
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode("utf-8", "replace")
        if key.endswith(".html"):
            parser = _Refs()
            parser.feed(body)
            urls = [u for u in parser.urls if "://" not in u]
        elif key == "search/entry.json":
            urls = [json.loads(body)["meta"]]
        elif key.startswith("search/m."):
            run = json.loads(body)["records"]["hashes"]
            urls = [f"r.{run[i:i + 10]}.json" for i in range(0, len(run), 10)]
        elif key.startswith("search/r."):  # record links are from the site root
            urls = ["../" + row[0] for row in json.loads(body)]
        else:
            urls = []
        return [posixpath.normpath(posixpath.join(posixpath.dirname(key), u)) for u in urls]

    if pages_only:
        todo = sorted(k for k in keys if k.endswith(".html"))
    else:
        todo = [k for k in ("index.html", "search/entry.json") if k in keys]
    seen, broken = set(todo), []
    while todo:
        key = todo.pop()
        for target in targets(key):
            if pages_only and target.endswith(".html"):
                continue
            if target not in keys:
                broken.append(f"{key} -> {target}")
            elif not pages_only and target not in seen:
                seen.add(target)
                todo.append(target)
    return sorted(broken)


# ------------------------------------------------------------------ end to end


@pytest.mark.e2e
def test_first_deploy_uploads_everything_with_headers(aws, tmp_path):
    site = make_site(tmp_path / "site", DECKS_A)
    progress, printed = logged_progress()
    summary = aws.run(site, progress=progress)
    tree = _tree(site)
    assert summary["uploaded"] == len(tree) and summary["unchanged"] == 0
    assert summary["bytes"] == sum((site / rel).stat().st_size for rel in tree)
    assert aws.objects() == tree  # the temp file stayed home, .well-known/ went up
    assert ".well-known/security.txt" in tree
    assert f"upload: {len(tree)}/{len(tree)} (" in printed.getvalue()
    assert broken_references(aws.s3, aws.bucket) == []
    for key, ctype, cache in [
        ("index.html", "text/html; charset=utf-8", SHORT),
        ("search/entry.json", "application/json", SHORT),
        ("sitemap.xml", "application/xml", SHORT),
        ("dataset/deckgen-dataset-v1.tar.gz", "application/gzip", SHORT),
        (next(k for k in tree if k.endswith(".css")), "text/css; charset=utf-8", IMMUTABLE),
        (next(k for k in tree if k.endswith(".js")), "text/javascript; charset=utf-8", IMMUTABLE),
        (next(k for k in tree if k.endswith(".webp")), "image/webp", IMMUTABLE),
    ]:
        head = aws.s3.head_object(Bucket=aws.bucket, Key=key)
        assert (head["ContentType"], head["CacheControl"]) == (ctype, cache), key
        assert "ContentEncoding" not in head
        assert head["Metadata"]["sha256"] == hashlib.sha256((site / key).read_bytes()).hexdigest()


@pytest.mark.e2e
def test_unchanged_redeploy_uploads_nothing(aws, tmp_path):
    site = make_site(tmp_path / "site", DECKS_A)
    first = aws.run(site)
    # nothing was in the bucket: an edge can hold only a 404 of a new key, for 60 s at most
    assert first["uploaded"] == len(_tree(site)) and first["invalidation_paths"] == []
    assert first["invalidation_id"] is None and aws.invalidations() == []
    flaky = FlakyS3(aws.s3)
    summary = aws.run(site, s3_client=flaky)
    assert (summary["uploaded"], summary["bytes"], summary["deleted"]) == (0, 0, 0)
    assert summary["unchanged"] == len(_tree(site)) and flaky.calls == []
    assert summary["invalidation_id"] is None and aws.invalidations() == []


@pytest.mark.e2e
def test_one_deck_change_uploads_only_what_changed_and_invalidates_it(aws, tmp_path):
    old, new = make_site(tmp_path / "a", DECKS_A), make_site(tmp_path / "b", DECKS_B)
    aws.run(old)
    before, after = _tree(old), _tree(new)
    differ = {k for k in after if before.get(k) != after[k]}
    assert 0 < len(differ) < len(after) / 2  # sanity: a partial change
    flaky = FlakyS3(aws.s3)
    summary = aws.run(new, s3_client=flaky)
    assert set(summary["uploaded_keys"]) == differ == {k for kind, k in flaky.calls
                                                       if kind == "put"}
    assert [kind for kind, _ in flaky.calls if kind != "put"] == ["record headers"]
    assert summary["unchanged"] == len(after) - len(differ)
    assert summary["stale"] == len(set(before) - set(after)) > 0  # old hashed names linger
    assert set(aws.objects()) == set(before) | set(after)
    # pages replaced in place; the new hashed names were never cached
    expected = {"/" + k for k in differ if cache_control(k) == SHORT and k in before}
    assert "index.html" not in differ  # so "/" needs no invalidation either
    assert set(summary["invalidation_paths"]) == expected
    assert "/slides/beta-002.html" in expected and "/search/entry.json" in expected
    inv = aws.cloudfront.get_invalidation(DistributionId=aws.dist, Id=summary["invalidation_id"])
    assert sorted(inv["Invalidation"]["InvalidationBatch"]["Paths"]["Items"]) == sorted(expected)
    assert len(aws.invalidations()) == 1


@pytest.mark.e2e
@pytest.mark.parametrize("fail_after", [0, 1, 4, 9, 14])
def test_interrupted_deploy_leaves_the_live_site_whole(aws, tmp_path, fail_after):
    aws.run(make_site(tmp_path / "a", DECKS_A))
    new = make_site(tmp_path / "c", DECKS_C)
    flaky = FlakyS3(aws.s3, fail_after=fail_after)
    with pytest.raises(DeckgenError, match=f"upload stopped after {fail_after} of"):
        aws.run(new, s3_client=flaky)
    assert len(flaky.calls) == fail_after
    assert broken_references(aws.s3, aws.bucket) == []
    summary = aws.run(new)  # a rerun finishes the job
    assert summary["uploaded"] > 0 and broken_references(aws.s3, aws.bucket) == []
    assert {k: v for k, v in aws.objects().items() if k in _tree(new)} == _tree(new)


@pytest.mark.e2e
@pytest.mark.parametrize("fail_after", [3, 12, 20])
def test_interrupted_first_deploy_never_has_pages_without_assets(aws, tmp_path, fail_after):
    site = make_site(tmp_path / "site", DECKS_C)
    with pytest.raises(DeckgenError):
        aws.run(site, s3_client=FlakyS3(aws.s3, fail_after=fail_after))
    assert broken_references(aws.s3, aws.bucket, pages_only=True) == []


@pytest.mark.e2e
def test_delete_removes_stale_objects_only_after_uploads_and_only_when_asked(aws, tmp_path):
    aws.run(make_site(tmp_path / "a", DECKS_C))
    new = make_site(tmp_path / "b", {"beta": DECKS_C["beta"]})  # two decks gone
    kept = aws.run(new)
    assert kept["deleted"] == 0 and kept["stale"] > 0
    stale = set(aws.objects()) - set(_tree(new))
    assert {k for k in stale if "alpha" in k}
    flaky = FlakyS3(aws.s3)
    summary = aws.run(make_site(tmp_path / "b2", {"beta": ["Team!", "Traction", "Funding"]}),
                      s3_client=flaky, delete=True, max_delete=100)  # two decks of three
    owed = [call for call in flaky.calls if ".deckgen/pending-invalidation/" in str(call[1])]
    assert [kind for kind, _ in owed] == ["put", "delete"]  # before everything, after sending
    assert flaky.calls[0] == owed[0] and flaky.calls[-1] == owed[1]
    kinds = [kind for kind, _ in flaky.calls[1:-1]]
    assert kinds.index("delete") == len(kinds) - 1 and kinds.count("put") == summary["uploaded"]
    assert set(aws.objects()) == set(_tree(tmp_path / "b2"))
    assert summary["deleted"] == len(summary["deleted_keys"]) > 0 and summary["stale"] == 0
    assert "/decks/alpha.html" in summary["invalidation_paths"]
    assert broken_references(aws.s3, aws.bucket) == []


@pytest.mark.e2e
def test_delete_refuses_to_take_most_of_a_gallery_down_unless_told_how_many(aws, tmp_path):
    gallery = {f"deck{n:02d}": ["Problem", "Market", "Team"] for n in range(20)}
    aws.run(make_site(tmp_path / "a", gallery))
    live = aws.objects()
    assert len(live) > 2 * deploy_mod.SAFE_DELETES
    wrong = make_site(tmp_path / "b", {"deck00": gallery["deck00"]})  # built from one deck
    with pytest.raises(ConfigError, match=r"--delete would delete [\d,]+ of the [\d,]+ "
                       r"objects .* pass --max-delete \d+"):
        aws.run(wrong, delete=True)
    assert aws.objects() == live  # nothing uploaded, nothing deleted
    dry = aws.run(wrong, delete=True, dry_run=True)  # shows what it would delete, and why not
    assert dry["deleted"] > deploy_mod.SAFE_DELETES
    assert any("would stop: it would delete" in w for w in dry["warnings"])
    takedown = make_site(tmp_path / "c", {k: v for k, v in gallery.items() if k != "deck07"})
    assert aws.run(takedown, delete=True)["deleted"] > 0  # one deck of twenty: no question
    import os
    import subprocess
    import sys
    cmd = [sys.executable, "-m", "deckgen.cli", "deploy", "--site", str(wrong), "--bucket",
           aws.bucket, "--distribution-id", aws.dist, "--endpoint-url", aws.endpoint,
           "--quiet", "--delete"]
    refused = subprocess.run(cmd, capture_output=True, text=True, env=os.environ.copy())
    assert refused.returncode == 2 and "pass --max-delete" in refused.stderr, refused.stderr
    alone = subprocess.run([*cmd[:-1], "--max-delete", "5"], capture_output=True, text=True,
                           env=os.environ.copy())  # without --delete it would limit nothing
    assert alone.returncode == 2 and "which was not given" in alone.stderr, alone.stderr
    n = int(refused.stderr.split("--max-delete ")[1].split()[0])
    told = subprocess.run([*cmd, "--max-delete", str(n)], capture_output=True, text=True,
                          env=os.environ.copy())
    assert told.returncode == 0, told.stderr
    assert f"{n} deleted" in told.stderr and set(aws.objects()) == set(_tree(wrong))


def test_cli_dry_run_prints_the_whole_plan_and_exits_as_the_refused_deploy_would(aws, tmp_path):
    """A dry run is a CI gate: the plan in full, then the exit code of the real deploy."""
    import os
    import subprocess
    import sys

    gallery = {f"deck{n:02d}": ["Problem", "Market", "Team"] for n in range(20)}
    aws.run(make_site(tmp_path / "a", gallery))
    live = aws.objects()
    wrong = make_site(tmp_path / "b", {"deck00": gallery["deck00"]})  # built from one deck
    cmd = [sys.executable, "-m", "deckgen.cli", "deploy", "--site", str(wrong), "--bucket",
           aws.bucket, "--distribution-id", aws.dist, "--endpoint-url", aws.endpoint,
           "--quiet", "--delete", "--dry-run"]

    def run(*extra: str) -> subprocess.CompletedProcess:
        return subprocess.run([*cmd, *extra], capture_output=True, text=True,
                              env=os.environ.copy(), cwd=tmp_path)

    real = subprocess.run(cmd[:-1], capture_output=True, text=True, env=os.environ.copy(),
                          cwd=tmp_path)
    assert real.returncode == 2, real.stderr
    dry = run()
    said = " ".join(dry.stderr.split())
    assert dry.returncode == real.returncode, dry.stderr
    assert "would upload" in said and "would be deleted" in said and "would delete: " in said
    assert "warning: --delete would stop: it would delete" in said
    assert ("error: the deploy would stop before touching anything (see the warning above); "
            "this dry run exits 2, as the deploy would") in said
    as_json = run("--json")
    assert as_json.returncode == 2, as_json.stderr
    plan = json.loads(as_json.stdout)  # the whole plan, its refusal in it
    assert plan["dry_run"] and plan["deleted"] > deploy_mod.SAFE_DELETES
    assert plan["refusal"]["refused"] is True and plan["refusal"]["reason"] == "too many deletes"
    # allowed: the dry run passes as the deploy would
    allowed = run("--max-delete", str(plan["deleted"]))
    assert allowed.returncode == 0 and "error" not in allowed.stderr, allowed.stderr
    assert aws.objects() == live  # nothing touched


def test_a_deploy_while_a_build_writes_the_site_is_busy_and_none_starts_under_it(aws, tmp_path):
    """QA-57: a deploy during a build said the site was unfinished (2: fix something), or
    uploaded files the build then replaced; it waits its turn on the site folder's lock."""
    import os
    import subprocess
    import sys

    from test_build import another_deckgen_holding

    site = make_site(tmp_path / "a", DECKS_A)
    cmd = [sys.executable, "-m", "deckgen.cli", "deploy", "--site", str(site), "--bucket",
           aws.bucket, "--endpoint-url", aws.endpoint, "--quiet", "--dry-run"]
    with another_deckgen_holding(("site", site)) as holder:  # a build writing the site
        busy = subprocess.run(cmd, capture_output=True, text=True, env=os.environ.copy())
    said = " ".join(busy.stderr.split())
    assert busy.returncode == 7, said
    assert (f"error: busy: another deckgen run (pid {holder.pid}) is using {site}/; wait for "
            "it to finish, then deploy") in said
    assert subprocess.run(cmd, capture_output=True, env=os.environ.copy()).returncode == 0


@pytest.mark.e2e
def test_dry_run_writes_nothing(aws, tmp_path):
    aws.run(make_site(tmp_path / "a", DECKS_A))
    before, invalidations = aws.objects(), aws.invalidations()
    summary = aws.run(make_site(tmp_path / "b", DECKS_C), dry_run=True, delete=True)
    assert summary["dry_run"] and summary["uploaded"] > 0 and summary["deleted"] > 0
    # what it would upload, named by folder as deletions are (for the text output)
    assert {"path": "search/", "files": 4, "whole_folder": False} in summary["uploaded_groups"]
    assert sum(g["files"] for g in summary["uploaded_groups"]) == summary["uploaded"]
    assert summary["invalidation_paths"] and summary["invalidation_id"] is None
    assert aws.objects() == before and aws.invalidations() == invalidations


@pytest.mark.e2e
def test_prefix_keeps_other_keys_alone(aws, tmp_path):
    aws.s3.put_object(Bucket=aws.bucket, Key="other/keep.txt", Body=b"mine")
    summary = aws.run(make_site(tmp_path / "a", DECKS_A), prefix="/gallery/", delete=True)
    keys = set(aws.objects())
    assert "other/keep.txt" in keys and "gallery/index.html" in keys
    assert summary["deleted"] == 0 and summary["invalidation_paths"] == []  # all new
    again = aws.run(make_site(tmp_path / "b", DECKS_B), prefix="/gallery/", delete=True)
    assert "other/keep.txt" in aws.objects() and again["deleted"] > 0
    assert "/gallery/search/entry.json" in again["invalidation_paths"]
    assert all(p.startswith("/gallery/") for p in again["invalidation_paths"])


def _all_keys(aws) -> set[str]:
    """Every key in the bucket, deploy's own records included."""
    return {o["Key"] for p in aws.s3.get_paginator("list_objects_v2").paginate(Bucket=aws.bucket)
            for o in p.get("Contents", [])}


@pytest.mark.e2e
def test_a_root_delete_leaves_another_deploy_under_a_prefix_alone(aws, tmp_path):
    """QA: production at the root, staging under staging/: a root --delete deleted staging
    (and its .deckgen/ records), and counted it toward the half-the-bucket limit."""
    gallery = {f"deck{n:02d}": ["Problem", "Market", "Team"] for n in range(20)}
    aws.run(make_site(tmp_path / "staging", gallery), prefix="staging")
    theirs = {k for k in _all_keys(aws) if k.startswith("staging/")}
    assert "staging/" + deploy_mod.HEADERS_RECORD in theirs
    prod = make_site(tmp_path / "prod", DECKS_A)
    dry = aws.run(prod, delete=True, dry_run=True)
    assert dry["deleted"] == 0 and dry["deleted_keys"] == [] and dry["refusal"] is None
    assert dry["other_deploys"] == [{"path": "staging/", "files": len(theirs)}]
    assert dry["warnings"] == [f"left alone: staging/ (another deckgen deploy, {len(theirs)} "
                               "files)"]
    done = aws.run(prod, delete=True)
    assert done["deleted"] == 0 and {k for k in _all_keys(aws) if k.startswith("staging/")} == (
        theirs)
    assert aws.run(prod)["stale"] == 0  # not stale either
    # the limit is half of this site's objects, not of the bucket's: a root built from one
    # deck of twenty would take most of production down
    root = set(_tree(make_site(tmp_path / "gallery", gallery)))
    aws.run(tmp_path / "gallery", delete=True, max_delete=len(_tree(prod)))
    wrong = aws.run(make_site(tmp_path / "wrong", {"deck00": gallery["deck00"]}), delete=True,
                    dry_run=True)
    assert wrong["refusal"]["objects"] == len(root)
    assert not any(k.startswith("staging/") for k in wrong["deleted_keys"])


@pytest.mark.e2e
def test_a_deploy_stopped_under_a_prefix_is_left_alone_by_a_root_delete(aws, tmp_path):
    """QA: staging under staging/ stopped after 45 uploads (before its records were written)
    and a root --delete deleted it: a deploy marks its folder before its first upload."""
    prod = make_site(tmp_path / "prod", DECKS_A)
    aws.run(prod)
    staging = make_site(tmp_path / "staging", DECKS_C)
    flaky = FlakyS3(aws.s3, fail_after=6)
    with pytest.raises(DeckgenError, match="upload stopped after"):
        aws.run(staging, prefix="staging", s3_client=flaky)
    assert flaky.calls[0] == ("put", "staging/" + deploy_mod.SITE_RECORD)  # before any file
    theirs = {k for k in _all_keys(aws) if k.startswith("staging/")}
    assert "staging/" + deploy_mod.HEADERS_RECORD not in theirs  # stopped before that one
    done = aws.run(prod, delete=True)
    assert done["deleted"] == 0 and done["other_deploys"] == [
        {"path": "staging/", "files": len(theirs)}]
    assert {k for k in _all_keys(aws) if k.startswith("staging/")} == theirs
    # marked once: a rerun finds the record and writes no other; a dry run writes none
    again = FlakyS3(aws.s3)
    aws.run(staging, prefix="staging", s3_client=again)
    assert ("put", "staging/" + deploy_mod.SITE_RECORD) not in again.calls
    aws.run(staging, prefix="preview", dry_run=True)
    assert not any(k.startswith("preview/") for k in _all_keys(aws))


@pytest.mark.e2e
def test_a_root_delete_treats_its_own_folder_holding_a_mistaken_deploy_as_its_own(
        aws, tmp_path):
    """QA: `deploy --prefix deck` of the root's own site by mistake put records in deck/.deckgen/;
    a root --delete then left deck/ alone as "another deckgen deploy", deck/removed.html live."""
    site = make_deck_site(tmp_path / "a", {**GALLERY, "removed": ["Cover"]})
    aws.run(site)
    aws.run(site, prefix="deck")  # the mistake
    assert "deck/" + deploy_mod.HEADERS_RECORD in _all_keys(aws)
    records = {k for k in _all_keys(aws) if k.startswith("deck/.deckgen/")}
    smaller = make_deck_site(tmp_path / "b", GALLERY)
    warning = (f"a deckgen deploy record sits inside this site's folder deck/ (deployed there "
               f"with --prefix by mistake?): its files are this site's, stale ones deleted with "
               f"--delete; the record is left: remove it with aws s3 rm --recursive "
               f"s3://{aws.bucket}/deck/.deckgen/")
    dry = aws.run(smaller, delete=True, dry_run=True, max_delete=1000)
    assert dry["other_deploys"] == [] and warning in dry["warnings"]
    assert "deck/removed.html" in dry["deleted_keys"] and "deck/index.html" in dry["deleted_keys"]
    assert not any(k.startswith("deck/.deckgen/") for k in dry["deleted_keys"])
    done = aws.run(smaller, delete=True, max_delete=1000)
    assert warning in done["warnings"]
    left = {k for k in _all_keys(aws) if k.startswith("deck/")}
    assert "deck/removed.html" not in left and left == records | {"deck/acme.html",
                                                                  "deck/harvestly.html"}
    assert aws.run(smaller)["stale"] == 0  # the records are not stale either


def test_cli_dry_run_of_a_first_deploy_says_it_uploads_the_whole_site(aws, tmp_path):
    """QA: a first deploy's dry run said `would upload: / (29 files)`."""
    import os
    import subprocess
    import sys

    site = make_deck_site(tmp_path / "site", GALLERY)
    done = subprocess.run([sys.executable, "-m", "deckgen.cli", "deploy", "--site", str(site),
                           "--bucket", aws.bucket, "--endpoint-url", aws.endpoint, "--dry-run",
                           "--quiet"], capture_output=True, text=True, env=os.environ.copy(),
                          cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    n = len(_tree(site))
    assert f"would upload: the whole site ({n} files)\n" in done.stderr, done.stderr
    assert "/ (" not in done.stderr


@pytest.mark.e2e
def test_a_prefix_served_at_the_root_of_its_distribution_is_invalidated_without_it(
        aws, tmp_path):
    """infra/site.yaml's SitePrefix: the distribution's origin is s3://bucket/gallery, so
    edges cache /search/entry.json, never /gallery/search/entry.json."""
    config = aws.cloudfront.get_distribution_config(Id=aws.dist)["DistributionConfig"]
    config["CallerReference"] += "-gallery"
    config["Origins"]["Items"][0]["OriginPath"] = "/gallery"
    dist = aws.cloudfront.create_distribution(DistributionConfig=config)["Distribution"]["Id"]
    aws.run(make_site(tmp_path / "a", DECKS_A), prefix="gallery", distribution_id=dist)
    summary = aws.run(make_site(tmp_path / "b", DECKS_B), prefix="gallery", delete=True,
                      distribution_id=dist)
    paths = summary["invalidation_paths"]
    assert "/search/entry.json" in paths and "/slides/beta-002.html" in paths
    assert not any(p.startswith("/gallery") for p in paths)
    sent = aws.cloudfront.get_invalidation(DistributionId=dist, Id=summary["invalidation_id"])
    assert sorted(sent["Invalidation"]["InvalidationBatch"]["Paths"]["Items"]) == paths
    # CloudFront down: the command to paste names the paths viewers ask for, too
    down = FailingCloudFront(aws.cloudfront, ConnectionError("network dropped"))
    with pytest.raises(RemoteServiceError) as caught:
        aws.run(make_site(tmp_path / "c", DECKS_C), prefix="gallery", distribution_id=dist,
                cloudfront_client=down)
    command = str(caught.value).split("now run: ")[1]
    assert " /search/entry.json" in command and "/gallery" not in command

    class CannotRead(FailingCloudFront):  # may invalidate, not read the distribution
        def get_distribution_config(self, **kwargs):
            raise _client_error("AccessDenied", 403)

        def create_invalidation(self, **kwargs):
            return self._client.create_invalidation(**kwargs)

    blind = aws.run(make_site(tmp_path / "d", DECKS_A), prefix="gallery", distribution_id=dist,
                    cloudfront_client=CannotRead(aws.cloudfront, None))
    assert blind["invalidation_id"] and all(p.startswith("/gallery/")
                                            for p in blind["invalidation_paths"])
    assert "allow cloudfront:GetDistributionConfig" in blind["warnings"][-1]
    assert caught.value.summary["short_lived_invalidation_paths"] == (
        caught.value.summary["invalidation_paths"])


@pytest.mark.e2e
def test_matching_sha256_metadata_counts_as_unchanged_when_etag_is_not_md5(aws, tmp_path):
    site = make_site(tmp_path / "a", DECKS_A)
    data = (site / "index.html").read_bytes()
    upload = aws.s3.create_multipart_upload(
        Bucket=aws.bucket, Key="index.html",
        Metadata={"sha256": hashlib.sha256(data).hexdigest()})
    part = aws.s3.upload_part(Bucket=aws.bucket, Key="index.html", PartNumber=1,
                              UploadId=upload["UploadId"], Body=data)
    aws.s3.complete_multipart_upload(
        Bucket=aws.bucket, Key="index.html", UploadId=upload["UploadId"],
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]})
    summary = aws.run(site)
    assert "index.html" not in summary["uploaded_keys"]
    assert summary["unchanged"] == 1


@pytest.mark.e2e
def test_missing_bucket_and_missing_site_say_what_to_do(aws, tmp_path):
    site = make_site(tmp_path / "a", DECKS_A)
    with pytest.raises(ConfigError, match="bucket does not exist"):
        deploy(site, "no-such-bucket-here", endpoint_url=aws.endpoint)
    with pytest.raises(ConfigError, match="deckgen build"):
        deploy(tmp_path / "nowhere", aws.bucket, endpoint_url=aws.endpoint)
    with pytest.raises(ConfigError, match="full URL such as http://"):
        deploy(site, aws.bucket, endpoint_url=aws.endpoint.removeprefix("http://"))


def test_no_bucket_is_refused_in_the_same_words_by_the_cli_and_the_library(tmp_path):
    import subprocess
    import sys

    site = make_site(tmp_path / "site", {"acme": ["Problem"]})
    with pytest.raises(ConfigError, match="no bucket: pass --bucket NAME") as refused:
        deploy(site, "")
    done = subprocess.run([sys.executable, "-m", "deckgen.cli", "deploy", "--site", str(site)],
                          capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 2 and str(refused.value) in done.stderr, done.stderr


@pytest.mark.parametrize(("bucket", "said"), [
    ("s3://decks/gallery", "pass --bucket decks --prefix gallery"),
    ("S3://decks/gallery", "pass --bucket decks --prefix gallery"),  # QA: "--bucket S3:"
    ("decks/gallery/2024/", "pass --bucket decks --prefix gallery/2024"),
    ("my decks", "is not a bucket name"),
    # QA: "pass --bucket https: --prefix qa70.s3.amazonaws.com"
    ("https://qa70.s3.amazonaws.com", "is a URL: pass its name, --bucket qa70"),
    ("https://qa70.s3.eu-west-1.amazonaws.com/gallery/", "--bucket qa70 --prefix gallery"),
    ("http://s3-us-west-2.amazonaws.com/qa70/gallery", "--bucket qa70 --prefix gallery"),
    ("https://s3.amazonaws.com/qa70", "--bucket qa70"),
    ("https://gallery.example.org/", "is a URL: pass the bucket's name, --bucket NAME ("),
    # QA-73: a botocore dump for the bucket's ARN; "does not exist" for its address
    ("arn:aws:s3:::qa70", "is the bucket's ARN: pass its name, --bucket qa70"),
    ("qa70.s3.amazonaws.com", "is the bucket's address: pass its name, --bucket qa70"),
])
def test_a_bucket_with_a_folder_or_a_bad_name_is_refused_before_any_request(
        tmp_path, bucket, said):
    """QA: `--bucket s3://decks/gallery` printed botocore's ParamValidationError regex dump."""
    import subprocess
    import sys

    site = make_site(tmp_path / "site", {"acme": ["Problem"]})
    with pytest.raises(ConfigError, match=re.escape(said)):
        deploy(site, bucket, endpoint_url=f"http://127.0.0.1:{_closed_port()}")
    done = subprocess.run([sys.executable, "-m", "deckgen.cli", "deploy", "--site", str(site),
                           "--bucket", bucket, "--endpoint-url",
                           f"http://127.0.0.1:{_closed_port()}", "--quiet"],
                          capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == EXIT_USAGE, done.stderr
    assert said in " ".join(done.stderr.split()) and "Param" not in done.stderr


@pytest.mark.e2e
def test_a_bucket_given_as_an_s3_url_deploys_to_that_bucket(aws, tmp_path):
    summary = aws.run(make_site(tmp_path / "site", {"acme": ["Problem"]}),
                      bucket_url=f"s3://{aws.bucket}/")
    assert summary["bucket"] == aws.bucket and "index.html" in aws.objects()
    assert aws.run(tmp_path / "site", bucket_url=f"S3://{aws.bucket}")["bucket"] == aws.bucket


def test_cli_deploy_prints_a_summary_and_json(aws, tmp_path):
    import json
    import os
    import subprocess
    import sys

    site = make_site(tmp_path / "site", {"acme": ["Problem"]})
    cmd = [sys.executable, "-m", "deckgen.cli", "deploy", "--site", str(site),
           "--bucket", aws.bucket, "--distribution-id", aws.dist,
           "--endpoint-url", aws.endpoint, "--json", "--quiet"]
    # cwd: no build folder there, as on a machine that deploys a site built elsewhere
    first = subprocess.run(cmd, capture_output=True, text=True, env=os.environ.copy(),
                           cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    summary = json.loads(first.stdout)
    assert summary["uploaded"] == len(aws.objects()) > 0
    assert f"uploaded {summary['uploaded']} files" in first.stderr
    again = subprocess.run(cmd, capture_output=True, text=True, env=os.environ.copy(),
                           cwd=tmp_path)
    assert json.loads(again.stdout)["uploaded"] == 0
    assert "uploaded 0 files" in again.stderr
    smaller = str(make_site(tmp_path / "smaller", {"acme": []}))
    dry = subprocess.run([smaller if arg == str(site) else arg for arg in cmd]
                         + ["--dry-run", "--delete"],
                         capture_output=True, text=True, env=os.environ.copy(), cwd=tmp_path)
    assert dry.returncode == 0 and "would upload" in dry.stderr
    assert f"{json.loads(dry.stdout)['deleted']} would be deleted" in dry.stderr


def test_cli_deploy_shows_progress_in_a_log_and_none_with_quiet(aws, tmp_path):
    """QA-53: a deploy logged by CI printed an empty line and then its summary, minutes
    later: a watchdog that kills silent jobs killed it. A log gets a plain line a tenth."""
    import os
    import subprocess
    import sys

    site = make_site(tmp_path / "site", {"acme": ["Problem", "Team"], "birch": ["Market"]})
    n = len(_tree(site))
    cmd = [sys.executable, "-m", "deckgen.cli", "deploy", "--site", str(site),
           "--bucket", aws.bucket, "--endpoint-url", aws.endpoint, "--delete"]
    env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "TTY_COMPATIBLE")}
    logged = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=tmp_path)
    assert logged.returncode == 0, logged.stderr
    lines = logged.stderr.splitlines()
    assert f"hash: {n}/{n}" in logged.stderr and f"compare: {n}/{n}" in logged.stderr
    assert any(line.startswith(f"upload: {n}/{n} (") for line in lines), logged.stderr
    assert lines[-1].startswith(f"uploaded {n} files")  # the summary after the progress
    assert "" not in lines and "\x1b" not in logged.stderr and "\r" not in logged.stderr
    smaller = make_site(tmp_path / "smaller", {"acme": ["Problem"]})
    deleted = subprocess.run([str(smaller) if arg == str(site) else arg for arg in cmd],
                             capture_output=True, text=True, env=env, cwd=tmp_path)
    assert deleted.returncode == 0, deleted.stderr
    assert "\ndelete: 10/10 (" in deleted.stderr, deleted.stderr  # acme-002, birch
    quiet = subprocess.run([*cmd, "--quiet"], capture_output=True, text=True, env=env,
                           cwd=tmp_path)
    assert quiet.returncode == 0, quiet.stderr
    assert quiet.stderr.startswith("uploaded ") and ": " not in quiet.stderr.split("\n")[0]
    assert "upload: " not in quiet.stderr and "hash: " not in quiet.stderr


# ------------------------------------------------------------------ taking decks down


def test_invalidation_paths_collapse_deleted_folders_but_never_over_kept_pages():
    kept = {"index.html", "decks.html", "deck/acme.html", "slide/acme/001.html",
            "img/acme/001-thumb.aaaaaaaaaa.jpg", "img/acme/002-thumb.cccccccccc.jpg",
            "search/entry.json", "search/p.1234567890.json"}
    deleted = ["deck/harvestly.html", "slide/harvestly/001.html", "slide/harvestly/002.html",
               "img/harvestly/001-thumb.aaaaaaaaaa.jpg", "img/harvestly/002-thumb.bbbbbbbbbb.jpg",
               "img/acme/002-thumb.bbbbbbbbbb.jpg", "img/acme/002-full.bbbbbbbbbb.jpg",
               "slide/acme/002.html", "slide/acme/003.html", "search/p.0987654321.json",
               "old/index.html", "old/deep/er.html"]
    for prefix in ("", "gallery/"):
        paths = invalidation_paths(
            [prefix + "decks.html", prefix + "deck/new.html"], [prefix + k for k in deleted],
            site_keys={prefix + k for k in kept},
            existing={prefix + "decks.html"}, prefix=prefix)  # deck/new.html: never cached
        assert paths == sorted("/" + prefix + p for p in [
            "decks.html", "deck/harvestly.html", "search/p.0987654321.json",
            "slide/acme/002.html", "slide/acme/003.html",  # slide/acme/ keeps a page
            "slide/harvestly/*", "img/harvestly/*", "old/*",  # gone entirely
            "img/acme/*",  # keeps only hashed images: over-invalidated on purpose
        ])
        assert all(covered(prefix + k, paths) for k in deleted)


def test_invalidation_paths_stay_bounded():
    kept = {f"slide/d{i}/001.html" for i in range(1500)}
    deleted = [f"slide/d{i}/002.html" for i in range(1500)]
    assert invalidation_paths([], deleted, site_keys=kept, existing=set()) == ["/*"]
    one_deck = [f"img/acme/{i:03d}-full.{i:010x}.jpg" for i in range(1500)]
    assert invalidation_paths([], one_deck, site_keys={"index.html", "img/b/001.0123456789.jpg"},
                              existing=set()) == ["/img/acme/*"]


def test_stale_keys_are_named_by_deck_folder_briefly():
    kept = {"index.html", "deck/acme.html", "slide/acme/001.html", "img/acme/001.0123456789.jpg",
            "search/p.1234567890.json"}
    stale = ["deck/ledgerly.html", *(f"slide/ledgerly/{i:03d}.html" for i in range(29)),
             "search/p.0987654321.json", "search/p.0987654322.json", "img/acme/001.9876543210.jpg",
             *(f"img/{d}/001.0123456789.jpg" for d in ("b", "c"))]
    groups = group_keys(stale, site_keys=kept)
    assert groups == [  # folders the site no longer has first, then files, then partial folders
        {"path": "slide/ledgerly/", "files": 29, "whole_folder": True},
        {"path": "deck/ledgerly.html", "files": 1, "whole_folder": False},
        {"path": "img/acme/001.9876543210.jpg", "files": 1, "whole_folder": False},
        {"path": "img/b/001.0123456789.jpg", "files": 1, "whole_folder": False},
        {"path": "img/c/001.0123456789.jpg", "files": 1, "whole_folder": False},
        {"path": "search/", "files": 2, "whole_folder": False},
    ]
    assert describe_groups(groups) == ("slide/ledgerly/ (29 files), deck/ledgerly.html, "
                                       "img/acme/001.9876543210.jpg, img/b/001.0123456789.jpg, "
                                       "+2 more")
    assert describe_groups(groups[-1:]) == "2 files in search/"


@pytest.mark.e2e
def test_a_renamed_deck_is_dropped_from_edge_caches_images_included(aws, tmp_path):
    aws.run(make_deck_site(tmp_path / "a", GALLERY))
    renamed = {"acme": GALLERY["acme"], "harvestco": GALLERY["harvestly"]}
    site = make_deck_site(tmp_path / "b", renamed)
    summary = aws.run(site, delete=True)
    gone = summary["deleted_keys"]
    assert {k for k in gone if k.startswith("img/harvestly/")}  # the images a year-long cache holds
    paths = summary["invalidation_paths"]
    assert [k for k in gone if not covered(k, paths)] == []
    old_shard = next(k for k in gone if k.startswith("search/"))
    assert [p for p in paths if any(covered(k, [p]) for k in gone)] == sorted([
        "/img/harvestly/*", "/slide/harvestly/*", "/deck/harvestly.html", "/" + old_shard])
    kept_pages = [k for k in _tree(site) if cache_control(k) == SHORT]
    changed = set(summary["uploaded_keys"])
    assert [k for k in kept_pages if covered(k, paths) and k not in changed] == []
    inv = aws.cloudfront.get_invalidation(DistributionId=aws.dist, Id=summary["invalidation_id"])
    assert sorted(inv["Invalidation"]["InvalidationBatch"]["Paths"]["Items"]) == paths
    assert not any(k.startswith(("img/harvestly/", "slide/harvestly/")) for k in aws.objects())


@pytest.mark.e2e
def test_replaced_and_dropped_slides_are_invalidated_without_wildcarding_kept_pages(aws, tmp_path):
    aws.run(make_deck_site(tmp_path / "a", GALLERY))
    edited = {**GALLERY, "acme": ["Problem", "Market size"]}  # slide 2 redone, slide 3 dropped
    summary = aws.run(make_deck_site(tmp_path / "b", edited), delete=True)
    gone, paths = summary["deleted_keys"], summary["invalidation_paths"]
    assert len([k for k in gone if k.startswith("img/acme/")]) == 12
    assert [k for k in gone if not covered(k, paths)] == []
    assert "/img/acme/*" in paths  # only hashed images stay there: refetched, never different
    assert "/slide/acme/003.html" in paths and not any(p.startswith("/slide/acme/*")
                                                       for p in paths)
    assert "/slide/acme/001.html" not in paths  # unchanged page: not invalidated


@pytest.mark.e2e
def test_an_image_uploaded_again_under_its_old_name_is_invalidated(aws, tmp_path):
    aws.run(make_deck_site(tmp_path / "a", GALLERY, extra={"img/og.png": b"\x89PNG one"}))
    summary = aws.run(make_deck_site(tmp_path / "b", GALLERY, extra={"img/og.png": b"\x89PNG two"}))
    assert summary["uploaded_keys"] == ["img/og.png"]
    assert summary["invalidation_paths"] == ["/img/og.png"]  # cached for a year otherwise


@pytest.mark.e2e
def test_an_unreachable_cloudfront_owing_one_path_says_the_next_deploy_sends_it(aws, tmp_path):
    from botocore.exceptions import EndpointConnectionError

    aws.run(make_deck_site(tmp_path / "a", GALLERY, extra={"img/og.png": b"\x89PNG one"}))
    down = FailingCloudFront(aws.cloudfront, EndpointConnectionError(endpoint_url="http://cf"))
    with pytest.raises(RemoteServiceError) as caught:
        aws.run(make_deck_site(tmp_path / "b", GALLERY, extra={"img/og.png": b"\x89PNG two"}),
                cloudfront_client=down)
    assert ("1 of them, cached for up to a year, is recorded under s3://"
            f"{aws.bucket}/.deckgen/pending-invalidation/ and the next deploy sends them; "
            ) in str(caught.value)


@pytest.mark.e2e
def test_stale_files_are_named_by_deck_and_deleting_them_says_what_went(aws, tmp_path):
    aws.run(make_deck_site(tmp_path / "a", GALLERY))
    site = make_deck_site(tmp_path / "b", {"acme": GALLERY["acme"]})
    kept = aws.run(site)
    assert kept["stale"] == 1 + 2 + 12 + 1 and kept["deleted_groups"] == []
    assert kept["stale_groups"][:3] == [
        {"path": "img/harvestly/", "files": 12, "whole_folder": True},
        {"path": "slide/harvestly/", "files": 2, "whole_folder": True},
        {"path": "deck/harvestly.html", "files": 1, "whole_folder": False}]
    gone = aws.run(site, delete=True)
    assert gone["deleted_groups"] == kept["stale_groups"] and gone["stale_groups"] == []


@pytest.mark.e2e
def test_cli_deploy_names_stale_decks_and_never_says_use_delete_with_delete(aws, tmp_path):
    import os
    import subprocess
    import sys

    aws.run(make_deck_site(tmp_path / "a", GALLERY))
    cmd = [sys.executable, "-m", "deckgen.cli", "deploy", "--site",
           str(make_deck_site(tmp_path / "b", {"acme": GALLERY["acme"]})), "--bucket", aws.bucket,
           "--distribution-id", aws.dist, "--endpoint-url", aws.endpoint, "--quiet"]

    def stderr(*extra: str) -> str:
        done = subprocess.run(cmd + list(extra), capture_output=True, text=True,
                              env=os.environ.copy(), cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        return done.stderr

    # a dry run names what it would upload as it names deletions (QA-67: counted only)
    fresh = stderr("--dry-run", "--prefix", "fresh")
    # a folder new to the bucket is one entry; the whole site new under its prefix says so
    # (QA: "would upload: / (147 files)")
    assert "would upload: the whole site (29 files)" in fresh and "fresh/ (" not in fresh
    kept = stderr("--dry-run")
    assert "would upload: dataset/deckgen-dataset-v1.tar.gz, 3 files in /, 2 files in search/" \
        in kept
    assert "would upload: " not in stderr()  # a deploy says what it uploaded by count alone
    assert "16 stale kept (use --delete)" in kept
    assert ("stale: img/harvestly/ (12 files), slide/harvestly/ (2 files), deck/harvestly.html"
            in kept)
    dry = stderr("--dry-run", "--delete")
    assert "16 would be deleted" in dry and "use --delete" not in dry and "stale" not in dry
    assert "would delete: img/harvestly/ (12 files), slide/harvestly/ (2 files)" in dry
    assert "would invalidate" in dry
    done = stderr("--delete")
    assert "16 deleted" in done and "use --delete" not in done
    assert "deleted: img/harvestly/ (12 files)" in done
    assert "0 stale kept\n" in stderr()  # nothing stale left: no hint either


# ------------------------------------------------------------------ invalidations still owed


class FailingCloudFront:
    """The real client, but create_invalidation raises ``error`` (a Ctrl-C, throttling)."""

    def __init__(self, client, error: BaseException):
        self._client, self.error = client, error

    def create_invalidation(self, **kwargs):
        raise self.error

    def __getattr__(self, name):
        return getattr(self._client, name)


def _pending_records(aws) -> list[str]:
    return [k for k in aws.objects() if k.startswith(".deckgen/pending-invalidation/")]


@pytest.mark.e2e
@pytest.mark.parametrize("failure", ["wrong id", "throttled", "ctrl-c"])
def test_a_takedown_whose_invalidation_fails_is_invalidated_by_the_next_deploy(
        aws, tmp_path, failure):
    from botocore.exceptions import ClientError

    aws.run(make_deck_site(tmp_path / "a", GALLERY))
    site = make_deck_site(tmp_path / "b", {"acme": GALLERY["acme"]})
    kwargs: dict = {"distribution_id": "EWRONGID0000"} if failure == "wrong id" else {
        "cloudfront_client": FailingCloudFront(aws.cloudfront, KeyboardInterrupt()
                                               if failure == "ctrl-c" else ClientError(
            {"Error": {"Code": "Throttling", "Message": "Rate exceeded"}}, "CreateInvalidation"))}
    with pytest.raises((DeckgenError, KeyboardInterrupt)) as caught:
        aws.run(site, delete=True, **kwargs)
    assert not any(k.startswith("img/harvestly/") for k in aws.objects())  # deletes happened
    if failure != "ctrl-c":  # the error names what to invalidate by hand, and how
        # an unknown id is not pasted back into the command: it would fail the same way
        dist = "YOUR_DISTRIBUTION_ID" if failure == "wrong id" else aws.dist
        message = str(caught.value)
        assert (f"aws cloudfront create-invalidation --distribution-id {dist} --paths "
                in message)
        assert "'/img/harvestly/*'" in message and "/deck/harvestly.html" in message
        assert "short TTL" not in message
        owed = caught.value.summary["pending_invalidation_paths"]
        assert "/img/harvestly/*" in owed and caught.value.summary["invalidation_id"] is None
        # a wrong id is the user's to fix; throttling passes: a script may retry on its code
        assert caught.value.exit_code == (EXIT_USAGE if failure == "wrong id"
                                          else EXIT_REMOTE_FAILURE)
        assert ("retrying may help" in message) == (failure == "throttled")
        # the id was right: any deploy sends them (a wrong one must be put right first)
        assert ("the next deploy with the right distribution id sends them" in message) == (
            failure == "wrong id")
        assert "are recorded under s3://" in message and "next deploy" in message
    assert len(_pending_records(aws)) == 1 and aws.invalidations() == []
    # a rerun from another machine (a fresh copy of the site, no local state) sends them
    again = aws.run(make_deck_site(tmp_path / "c", {"acme": GALLERY["acme"]}), delete=True)
    assert (again["uploaded"], again["deleted"]) == (0, 0)
    assert "/img/harvestly/*" in again["earlier_invalidation_paths"]
    assert "/img/harvestly/*" in again["invalidation_paths"] and again["invalidation_id"]
    sent = aws.invalidations()[-1]
    assert sorted(sent) == again["invalidation_paths"]
    assert [k for k in _gone_keys(tmp_path)
            if cache_control(k) == IMMUTABLE and not covered(k, sent)] == []
    assert _pending_records(aws) == []  # owed no more: the third deploy sends nothing
    assert aws.run(site, delete=True)["invalidation_id"] is None
    assert len(aws.invalidations()) == 1


class NoDeleteS3:
    """The real client, but credentials without s3:DeleteObject on the site's files:
    DeleteObjects answers 200 and refuses them key by key (deploy's records it may delete)."""

    def __init__(self, client):
        self._client = client

    def delete_objects(self, **kwargs):
        keys = [o["Key"] for o in kwargs["Delete"]["Objects"]]
        if all(".deckgen/" in k for k in keys):
            return self._client.delete_objects(**kwargs)
        return {"Errors": [{"Key": k, "Code": "AccessDenied", "Message": "Access Denied"}
                           for k in keys]}

    def __getattr__(self, name):
        return getattr(self._client, name)


@pytest.mark.e2e
def test_a_delete_refused_for_permission_says_the_site_is_live_and_owes_its_paths_once(
        aws, tmp_path):
    """QA: `cannot delete deck/old.html: Access Denied` said neither that the uploads were
    done nor which permission is missing, and each retry recorded its invalidation again."""
    aws.run(make_deck_site(tmp_path / "a", GALLERY))
    site = make_deck_site(tmp_path / "b", {"acme": GALLERY["acme"]})
    for _ in range(3):  # a script retrying it
        with pytest.raises(ConfigError) as refused:
            aws.run(site, delete=True, s3_client=NoDeleteS3(aws.s3))
        message = str(refused.value)
        assert message.startswith("cannot delete deck/harvestly.html (and 15 more): Access "
                                  "Denied (AccessDenied); the uploads are done and the site is "
                                  "live; "), message
        assert "s3:DeleteObject" in message and "deploy without --delete" in message
        assert refused.value.exit_code == EXIT_USAGE
        assert len(_pending_records(aws)) == 1  # owed once, however many times it is retried
    assert set(_tree(site)) <= set(aws.objects())  # uploaded: the site is live
    done = aws.run(site, delete=True)
    assert done["deleted"] == 16 and "/img/harvestly/*" in done["invalidation_paths"]
    assert _pending_records(aws) == []


def _gone_keys(tmp_path: Path) -> set[str]:
    return set(_tree(tmp_path / "a")) - set(_tree(tmp_path / "b"))


@pytest.mark.e2e
def test_a_takedown_without_a_distribution_warns_and_owes_the_immutable_paths(aws, tmp_path):
    aws.run(make_deck_site(tmp_path / "a", GALLERY))
    site = make_deck_site(tmp_path / "b", {"acme": GALLERY["acme"]})
    dry = aws.run(site, delete=True, distribution_id=None, dry_run=True)
    # the deck's 12 images and the old search shard holding its text
    assert dry["warnings"][0].startswith("would delete 13 immutable objects")
    assert _pending_records(aws) == []
    summary = aws.run(site, delete=True, distribution_id=None)
    assert summary["deleted"] == 16 and summary["invalidation_id"] is None
    assert len(summary["warnings"]) == 1
    assert summary["warnings"][0].startswith("deleted 13 immutable objects")
    assert "CDN in front keeps serving them until invalidated" in summary["warnings"][0]
    # short-lived pages expire by themselves: only the long-cached files are owed
    old_shard = next(k for k in summary["deleted_keys"] if k.startswith("search/"))
    owed = ["/img/harvestly/*", "/" + old_shard]
    assert summary["pending_invalidation_paths"] == owed
    assert aws.invalidations() == [] and len(_pending_records(aws)) == 1
    later = aws.run(site, delete=True, distribution_id=None)
    assert later["pending_invalidation_paths"] == owed
    assert "owed by earlier deploys" in later["warnings"][0]
    sent = aws.run(site)  # the distribution id is given at last
    assert sent["invalidation_paths"] == owed and sent["invalidation_id"]
    assert sorted(aws.invalidations()[-1]) == owed and _pending_records(aws) == []


def test_many_deleted_search_shards_are_one_search_wildcard():
    kept = {"index.html", "search/entry.json", "search/p.1234567890.json", "deck/acme.html"}
    shards = [f"search/p.{i:010x}.json" for i in range(48)]
    for prefix in ("", "gallery/"):
        paths = invalidation_paths(
            [prefix + "search/entry.json", prefix + "index.html"], [prefix + k for k in shards],
            site_keys={prefix + k for k in kept}, existing={prefix + k for k in kept},
            prefix=prefix)
        assert paths == [f"/{prefix}", f"/{prefix}index.html", f"/{prefix}search/*"]
    few = invalidation_paths(["search/entry.json"], shards[:2], site_keys=kept, existing=kept)
    assert few == sorted(["/search/entry.json", "/" + shards[0], "/" + shards[1]])


@pytest.mark.e2e
def test_cli_deploy_warns_about_a_takedown_without_a_cdn_and_prints_json_on_failure(
        aws, tmp_path):
    import os
    import subprocess
    import sys

    aws.run(make_deck_site(tmp_path / "a", GALLERY))
    cmd = [sys.executable, "-m", "deckgen.cli", "deploy", "--site",
           str(make_deck_site(tmp_path / "b", {"acme": GALLERY["acme"]})), "--bucket", aws.bucket,
           "--endpoint-url", aws.endpoint, "--quiet", "--delete"]

    def deploy_cli(*extra: str) -> subprocess.CompletedProcess:
        return subprocess.run(cmd + list(extra), capture_output=True, text=True,
                              env=os.environ.copy(), cwd=tmp_path)

    done = deploy_cli()
    assert done.returncode == 0, done.stderr
    assert "warning: deleted 13 immutable objects" in done.stderr
    failed = deploy_cli("--distribution-id", "EWRONGID0000", "--json")
    assert failed.returncode != 0
    assert ("aws cloudfront create-invalidation --distribution-id YOUR_DISTRIBUTION_ID"
            in failed.stderr)
    owed = json.loads(failed.stdout)["pending_invalidation_paths"]
    assert owed[0] == "/img/harvestly/*" and len(owed) == 2  # and the old search shard
    sent = deploy_cli("--distribution-id", aws.dist, "--json")
    assert sent.returncode == 0, sent.stderr
    assert "sent 2 invalidation paths owed by earlier deploys" in sent.stderr
    assert json.loads(sent.stdout)["invalidation_paths"] == owed


@pytest.mark.e2e
def test_cli_json_owes_only_what_it_recorded_when_an_invalidation_of_pages_fails(
        aws, tmp_path):
    import os
    import subprocess
    import sys

    aws.run(make_site(tmp_path / "a", DECKS_A))
    edited = make_site(tmp_path / "b", DECKS_B)  # pages rewritten, images under new names
    cmd = [sys.executable, "-m", "deckgen.cli", "deploy", "--site", str(edited), "--bucket",
           aws.bucket, "--endpoint-url", aws.endpoint, "--quiet", "--json"]
    failed = subprocess.run(cmd + ["--distribution-id", "EWRONG123"], capture_output=True,
                            text=True, env=os.environ.copy(), cwd=tmp_path)
    assert failed.returncode == EXIT_USAGE, failed.stderr
    assert "all are short-lived and expire within a minute" in failed.stderr
    summary = json.loads(failed.stdout)
    # nothing long-cached was overwritten: nothing recorded, so nothing is owed
    assert summary["pending_invalidation_paths"] == [] and _pending_records(aws) == []
    assert "/slides/beta-002.html" in summary["invalidation_paths"]
    assert summary["short_lived_invalidation_paths"] == summary["invalidation_paths"]
    fixed = subprocess.run(cmd + ["--distribution-id", aws.dist], capture_output=True,
                           text=True, env=os.environ.copy(), cwd=tmp_path)
    assert fixed.returncode == 0, fixed.stderr
    again = json.loads(fixed.stdout)
    assert again["earlier_invalidation_paths"] == again["invalidation_paths"] == []
    assert again["short_lived_invalidation_paths"] == []


@pytest.mark.e2e
def test_a_failed_invalidation_owes_the_recorded_paths_and_names_the_short_lived_ones(
        aws, tmp_path):
    aws.run(make_deck_site(tmp_path / "a", GALLERY))
    site = make_deck_site(tmp_path / "b", {"acme": GALLERY["acme"]})
    with pytest.raises(ConfigError, match="no such distribution") as caught:
        aws.run(site, delete=True, distribution_id="EWRONG123")
    summary = caught.value.summary
    old_shard = next(k for k in summary["deleted_keys"] if k.startswith("search/"))
    recorded = ["/img/harvestly/*", "/" + old_shard]  # the long-cached paths, in the bucket
    assert summary["pending_invalidation_paths"] == recorded
    assert "/deck/harvestly.html" in summary["short_lived_invalidation_paths"]
    assert sorted(recorded + summary["short_lived_invalidation_paths"]) == (
        summary["invalidation_paths"])
    assert f"{len(recorded)} of them, cached for up to a year, are recorded" in str(
        caught.value)
    assert aws.run(site, delete=True)["earlier_invalidation_paths"] == recorded


def _closed_port() -> int:
    with socket.socket() as probe:  # bound, never listening, closed: refused
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _resolver_answers(host: str) -> int:
    try:
        socket.getaddrinfo(host, 80)
    except socket.gaierror as exc:
        return exc.errno
    return 0


@pytest.mark.e2e
def test_cli_exit_code_tells_an_unreachable_store_from_a_missing_bucket(aws, tmp_path):
    import os
    import subprocess
    import sys

    site = make_site(tmp_path / "site", {"acme": ["Problem"]})

    def deploy_cli(bucket: str, endpoint: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "deckgen.cli", "deploy", "--site", str(site), "--bucket",
             bucket, "--endpoint-url", endpoint, "--quiet"], capture_output=True, text=True,
            env={**os.environ, "AWS_MAX_ATTEMPTS": "1"}, cwd=tmp_path)  # no backoff to wait

    unreachable = deploy_cli(aws.bucket, f"http://127.0.0.1:{_closed_port()}")
    assert unreachable.returncode == EXIT_REMOTE_FAILURE, unreachable.stderr
    assert "retrying may help" in unreachable.stderr
    assert "cannot list s3://" in unreachable.stderr
    # a host DNS says does not exist is most likely a typo: a setting to fix, not a retry
    if _resolver_answers("no-such-host.invalid") != socket.EAI_NONAME:
        pytest.skip("this machine's resolver gives no final answer for .invalid names")
    typo = deploy_cli(aws.bucket, "http://no-such-host.invalid:9000")
    assert typo.returncode == EXIT_USAGE, typo.stderr
    assert "no host is named 'no-such-host.invalid'" in typo.stderr
    assert "--endpoint-url" in typo.stderr and "retrying" not in typo.stderr
    missing = deploy_cli("no-such-bucket-here", aws.endpoint)
    assert missing.returncode == EXIT_USAGE, missing.stderr
    assert "the bucket does not exist" in missing.stderr
    assert "retrying" not in missing.stderr


def _client_error(code: str, status: int | None = None):
    from botocore.exceptions import ClientError

    response: dict = {"Error": {"Code": code, "Message": "from the service"}}
    if status is not None:
        response["ResponseMetadata"] = {"HTTPStatusCode": status}
    return ClientError(response, "PutObject")


@pytest.mark.parametrize(("error", "remote"), [
    (_client_error("SlowDown", 503), True),
    (_client_error("InternalError", 500), True),
    (_client_error("ServiceUnavailable", 503), True),
    (_client_error("SomethingNew", 502), True),  # any 5xx: the service failed
    (_client_error("Throttling"), True),
    (_client_error("RequestTimeout", 400), True),
    (_client_error("TooManyInvalidationsInProgress", 400), True),
    (ConnectionError("network dropped"), True),
    (TimeoutError("timed out"), True),
    (_client_error("NoSuchBucket", 404), False),
    (_client_error("AccessDenied", 403), False),
    (_client_error("ExpiredToken", 400), False),
    (_client_error("NoSuchDistribution", 404), False),
    (_client_error("InvalidArgument", 400), False),
    (FileNotFoundError("site/index.html"), False),  # the site folder changed under deploy
])
def test_network_and_service_failures_exit_with_their_own_code(error, remote):
    explained = deploy_mod._explain(error, "cannot list s3://b/")
    assert isinstance(explained, RemoteServiceError) == remote, explained
    assert explained.exit_code == (EXIT_REMOTE_FAILURE if remote else EXIT_USAGE)
    assert ("retrying may help" in str(explained)) == remote
    assert str(explained).startswith("cannot list s3://b/: ")


@pytest.mark.parametrize(("code", "remote"), [("SlowDown", True), ("InternalError", True),
                                              ("AccessDenied", False)])
def test_a_key_the_store_did_not_delete_says_whether_to_retry(code, remote):
    class Answers:  # DeleteObjects answers 200 and lists the keys it failed, one by one
        def delete_objects(self, **kwargs):
            return {"Errors": [{"Key": "img/acme/1.webp", "Code": code, "Message": "no"}]}

    with pytest.raises(DeckgenError, match="cannot delete img/acme/1.webp") as caught:
        deploy_mod._delete(Answers(), "b", ["img/acme/1.webp"])
    assert caught.value.exit_code == (EXIT_REMOTE_FAILURE if remote else EXIT_USAGE)


def test_transport_errors_from_botocore_exit_with_the_remote_code():
    from botocore.exceptions import (
        ConnectTimeoutError,
        EndpointConnectionError,
        ReadTimeoutError,
        SSLError,
    )

    for error in (EndpointConnectionError(endpoint_url="http://127.0.0.1:1/"),
                  ConnectTimeoutError(endpoint_url="http://127.0.0.1:1/"),
                  ReadTimeoutError(endpoint_url="http://127.0.0.1:1/")):
        assert isinstance(deploy_mod._explain(error, "x"), RemoteServiceError), error
    # a certificate the client refuses: settings to fix (AWS_CA_BUNDLE), not a retry
    # DNS's final "no such name" is a setting to fix; a resolver that did not answer may pass
    for errno, remote in ((socket.EAI_NONAME, False), (socket.EAI_AGAIN, True)):
        error = EndpointConnectionError(endpoint_url="http://minio.lan:9000/b?list-type=2")
        error.__context__ = ConnectionError("Failed to resolve 'minio.lan'")
        error.__context__.__context__ = socket.gaierror(errno, "from the resolver")
        explained = deploy_mod._explain(error, "x")
        assert isinstance(explained, RemoteServiceError) == remote, errno
        assert remote or "no host is named 'minio.lan'" in str(explained)
    refused = deploy_mod._explain(SSLError(endpoint_url="https://minio/", error="bad cert"), "x")
    assert refused.exit_code == EXIT_USAGE and "AWS_CA_BUNDLE" in str(refused)



# ------------------------------------------------------------------ an upgrade that renames images


WIDE_GALLERY = {f"deck{n:02d}": ["Cover", "Team"] for n in range(9)} | {"oldco": ["Cover", "Ask"]}


@pytest.mark.e2e
def test_delete_refusal_tells_renamed_images_from_folders_the_site_no_longer_has(aws, tmp_path):
    aws.run(make_deck_site(tmp_path / "a", WIDE_GALLERY))
    live = len(aws.objects())  # 120 images, 20 slide pages, 10 deck pages, 7 more
    kept = {k: v for k, v in WIDE_GALLERY.items() if k != "oldco"}
    partial = make_deck_site(tmp_path / "b", kept, naming="v2")  # renamed, and a deck gone
    with pytest.raises(ConfigError) as caught:
        aws.run(partial, delete=True)
    message = str(caught.value)
    # 9 decks' images and the search shard renamed; oldco's 12 images and 2 slides gone
    assert message.startswith(f"--delete would delete 124 of the {live} objects at s3://")
    assert ("109 of them are in folders the new site fills with new files (renamed files: "
            "an upgrade or a re-encode?); 14 are in folders it no longer has (img/oldco/, "
            "slide/oldco/); 1 is in folders it keeps but adds nothing to (files it dropped). "
            "Is ") in message
    assert message.endswith("the whole gallery, built from the whole corpus? If it is, pass "
                            "--max-delete 124 (--dry-run lists them)")
    assert caught.value.summary["gone_folders"] == [{"path": "img/oldco/", "files": 12},
                                                    {"path": "slide/oldco/", "files": 2}]
    whole = make_deck_site(tmp_path / "c", WIDE_GALLERY, naming="v2")  # only images renamed
    with pytest.raises(ConfigError) as caught:
        aws.run(whole, delete=True)
    message = str(caught.value)
    assert ("all 120 are in folders the new site fills with new files (renamed files: an "
            "upgrade or a re-encode?). If ") in message
    assert "no longer has" not in message and "Is " not in message
    assert message.endswith(" is the whole gallery, built from the whole corpus, pass "
                            "--max-delete 120 (--dry-run lists them)")
    dry = aws.run(whole, delete=True, dry_run=True)
    assert dry["refusal"]["in_renamed_folders"] == 120 and dry["warnings"]
    done = aws.run(whole, delete=True, max_delete=120)
    assert done["deleted"] == 120 and set(aws.objects()) == set(_tree(whole))


@pytest.mark.e2e
def test_cli_deploy_json_prints_the_refusal(aws, tmp_path):
    import os
    import subprocess
    import sys

    aws.run(make_deck_site(tmp_path / "a", WIDE_GALLERY))
    live = aws.objects()
    kept = {k: v for k, v in WIDE_GALLERY.items() if k != "oldco"}
    site = make_deck_site(tmp_path / "b", kept, naming="v2")
    refused = subprocess.run(
        [sys.executable, "-m", "deckgen.cli", "deploy", "--site", str(site), "--bucket",
         aws.bucket, "--endpoint-url", aws.endpoint, "--delete", "--json", "-q"],
        capture_output=True, text=True, env=os.environ.copy(), cwd=tmp_path)
    assert refused.returncode == 2, refused.stderr
    assert "error: --delete would delete 124 of the" in refused.stderr
    refusal = json.loads(refused.stdout)
    assert refusal["refused"] is True and refusal["reason"] == "too many deletes"
    assert (refusal["would_delete"], refusal["objects"], refusal["limit"]) == (
        124, len(live), len(live) // 2)
    assert (refusal["in_renamed_folders"], refusal["in_gone_folders"],
            refusal["in_kept_folders"]) == (109, 14, 1)
    assert refusal["flag"] == "--max-delete 124"
    assert refusal["error"] in refused.stderr.replace("\n", "")
    assert aws.objects() == live  # nothing touched


# ------------------------------------------------------------------ headers of unchanged files


def _headers(aws, key: str) -> tuple[str, str]:
    head = aws.s3.head_object(Bucket=aws.bucket, Key=key)
    return head["ContentType"], head["CacheControl"]


@pytest.mark.e2e
def test_an_object_with_wrong_headers_but_the_same_bytes_gets_its_headers_fixed(aws, tmp_path):
    import time

    site = make_site(tmp_path / "site", DECKS_A)
    aws.run(site)
    time.sleep(1.1)  # S3 lists LastModified to the second
    # overwritten by hand (another tool, a console): same bytes, the headers of an image
    # ... and moved to a cheaper storage class, which the copy keeps (a copy is written in
    # STANDARD unless told otherwise)
    aws.s3.put_object(Bucket=aws.bucket, Key="index.html", Body=(site / "index.html").read_bytes(),
                      CacheControl=IMMUTABLE, ContentType="text/plain", StorageClass="STANDARD_IA")
    flaky = FlakyS3(aws.s3)
    progress, printed = logged_progress()
    summary = aws.run(site, s3_client=flaky, delete=True, progress=progress)
    assert _headers(aws, "index.html") == ("text/html; charset=utf-8", SHORT)
    assert "header update: 1/1 (" in printed.getvalue()  # 100k copies take minutes: shown
    assert "upload:" not in printed.getvalue()
    assert aws.s3.head_object(Bucket=aws.bucket, Key="index.html")["StorageClass"] == "STANDARD_IA"
    assert (summary["uploaded"], summary["headers_updated"]) == (0, 1)
    assert summary["headers_updated_keys"] == ["index.html"]
    # owed first: edges may keep the immutable copy a year; the bytes are not sent again
    owed = flaky.calls[0][1]
    assert owed.startswith(".deckgen/pending-invalidation/")
    assert flaky.calls == [("put", owed), ("copy", "index.html"),
                           ("record headers", deploy_mod.HEADERS_RECORD), ("delete", [owed])]
    head = aws.s3.head_object(Bucket=aws.bucket, Key="index.html")
    assert head["Metadata"]["sha256"] == hashlib.sha256((site / "index.html").read_bytes()
                                                        ).hexdigest()
    assert sorted(aws.invalidations()[-1]) == ["/", "/index.html"]
    quiet = FlakyS3(aws.s3)
    again = aws.run(site, s3_client=quiet, delete=True)  # nothing changed: nothing is sent
    assert quiet.calls == [] and again["headers_updated"] == 0 and again["uploaded"] == 0
    assert again["invalidation_id"] is None


@pytest.mark.e2e
def test_changed_header_rules_reach_unchanged_files_once(aws, tmp_path, monkeypatch):
    site = make_site(tmp_path / "site", DECKS_A)
    with monkeypatch.context() as old_release:  # an older deckgen served .txt as bytes
        old_release.setitem(deploy_mod.CONTENT_TYPES, ".txt", "application/octet-stream")
        aws.run(site)
    assert _headers(aws, "robots.txt")[0] == "application/octet-stream"
    flaky = FlakyS3(aws.s3)
    summary = aws.run(site, s3_client=flaky)
    txt = [".well-known/security.txt", "robots.txt"]
    assert all(_headers(aws, k) == ("text/plain; charset=utf-8", SHORT) for k in txt)
    assert summary["headers_updated_keys"] == txt and summary["uploaded"] == 0
    assert [c for c in flaky.calls if c[0] != "record headers"] == [("copy", k) for k in txt]
    assert summary["pending_invalidation_paths"] == []  # they were short-lived: none owed
    quiet = FlakyS3(aws.s3)
    assert aws.run(site, s3_client=quiet)["headers_updated"] == 0 and quiet.calls == []
    # a bucket deployed by a deckgen that kept no record: every header is re-sent, once
    aws.s3.delete_object(Bucket=aws.bucket, Key=deploy_mod.HEADERS_RECORD)
    migrated = aws.run(site)
    assert migrated["headers_updated"] == len(_tree(site)) and migrated["uploaded"] == 0
    assert aws.run(site)["headers_updated"] == 0


# ------------------------------------------------------------------ links and version control


def _same_length_link(path: Path, target: Path) -> None:
    """Replace ``path`` with a link to ``target`` whose path is as long as the file was:
    the link's lstat size is the file's size."""
    import os

    size = path.stat().st_size
    name = os.path.relpath(target, path.parent)  # "../secret.txt"
    assert "/" in name and len(name) <= size
    path.unlink()
    path.symlink_to(name.replace("/", "/" * (1 + size - len(name)), 1))  # "..////secret.txt"
    assert path.lstat().st_size == size
    assert not target.exists() or path.read_bytes() == target.read_bytes()


@pytest.mark.parametrize("where", ["robots.txt", ".well-known/security.txt", "folder", "dangling"])
def test_deploy_refuses_a_link_anywhere_in_the_site_and_uploads_nothing(aws, tmp_path, where):
    secret = tmp_path / "secret.txt"
    secret.write_text("root:x:0:0:root:/root:/bin/bash\n" * 4)
    site = make_site(tmp_path / "site", DECKS_A)
    if where == "folder":
        (tmp_path / "home").mkdir()
        (tmp_path / "home" / "id_rsa").write_text("-----BEGIN PRIVATE KEY-----\n")
        (site / "img" / "more").symlink_to(tmp_path / "home", target_is_directory=True)
        link = site / "img" / "more"
    elif where == "dangling":
        link = site / "decks" / "gone.html"
        link.symlink_to(tmp_path / "nowhere.html")
    else:
        link = site / where
        _same_length_link(link, secret)
    for dry_run in (True, False):
        with pytest.raises(ConfigError, match="is a link; deckgen never writes links into a "
                                              "site: remove it") as refused:
            aws.run(site, dry_run=dry_run)
        assert str(link) in str(refused.value)
    assert aws.objects() == {}


def test_content_stamp_counts_a_link_as_a_link_not_a_file_of_its_size(tmp_path):
    site = make_site(tmp_path / "site", DECKS_A)
    built = content_stamp(site)
    robots = (site / "robots.txt").read_bytes()
    _same_length_link(site / "robots.txt", tmp_path / "etc" / "passwd")
    assert content_stamp(site) != built  # the site reads as changed since the build
    (site / "robots.txt").unlink()
    (site / "robots.txt").write_bytes(robots)
    assert content_stamp(site) == built
    (site / "decks" / "more").symlink_to(tmp_path, target_is_directory=True)  # a folder's
    assert content_stamp(site) != built


def test_a_site_changed_since_the_build_is_refused_naming_the_files(tmp_path):
    """QA: the refusal said "a file added, deleted, resized or replaced by a link" and left
    the user to find which; the marker now records names and sizes, so it names them."""
    import subprocess
    import sys

    from deckgen.site_marker import site_marker, unfinished_site

    site = make_site(tmp_path / "site", DECKS_A)
    old_marker = (site / SITE_MARKER).read_text()  # an older deckgen's: the digest alone
    (site / SITE_MARKER).write_bytes(site_marker(site))
    assert unfinished_site(site) is None
    (site / "notes.txt").write_text("mine")
    (site / "index.html~").write_text("an editor's backup")
    (site / "robots.txt").write_text("User-agent: *\n")
    (site / "404.html").unlink()
    _same_length_link(site / "index.html", tmp_path / "elsewhere.html")
    changed = f"{site} changed since `deckgen build` wrote it: "
    assert unfinished_site(site) == changed + (
        "404.html deleted, index.html replaced by a link, index.html~ added, notes.txt added, "
        "robots.txt resized")
    (site / "zz.txt").write_text("one more")
    assert unfinished_site(site).endswith("notes.txt added, robots.txt resized, +1 more")
    done = subprocess.run([sys.executable, "-m", "deckgen.cli", "deploy", "--site", str(site),
                           "--bucket", "b", "--endpoint-url", f"http://127.0.0.1:{_closed_port()}",
                           "--dry-run"], capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == EXIT_USAGE and "notes.txt added" in done.stderr, done.stderr
    (site / SITE_MARKER).write_text(old_marker)  # still refused, without names
    assert unfinished_site(site) == changed + "a file added, deleted, resized or replaced by a link"


def test_version_control_folders_are_never_uploaded_and_hand_added_dotfiles_are(aws, tmp_path):
    site = make_site(tmp_path / "site", DECKS_A)
    for rel in (".git/config", ".git/objects/ab/cdef", ".hg/hgrc", ".svn/wc.db",
                "decks/.git/config"):
        (site / rel).parent.mkdir(parents=True, exist_ok=True)
        (site / rel).write_text('[remote "origin"]\nurl = https://token@example.org/site.git\n')
    (site / ".git" / "passwd").symlink_to("/etc/passwd")  # never looked at: not followed
    (site / "decks" / "sub").mkdir()
    (site / "decks" / "sub" / ".git").write_text("gitdir: /home/me/site/.git/worktrees/sub\n")
    summary = aws.run(site)
    keys = set(aws.objects())
    assert ".well-known/security.txt" in keys and "robots.txt" in keys
    assert not [k for k in keys if {".git", ".hg", ".svn"} & set(k.split("/"))]
    assert summary["uploaded"] == len(keys)


@pytest.mark.e2e
def test_cli_deploy_refuses_a_site_with_a_link_and_uploads_nothing(aws, tmp_path):
    import os
    import subprocess
    import sys

    secret = tmp_path / "secret.txt"
    secret.write_text("root:x:0:0:root:/root:/bin/bash\n" * 4)
    site = make_site(tmp_path / "site", {"acme": ["Problem"]})
    cmd = [sys.executable, "-m", "deckgen.cli", "deploy", "--site", str(site),
           "--bucket", aws.bucket, "--endpoint-url", aws.endpoint, "--quiet"]
    (site / ".well-known" / "security.txt").unlink()  # hidden: not in the build's stamp
    (site / ".well-known" / "security.txt").symlink_to(secret)
    hidden = subprocess.run(cmd, capture_output=True, text=True, env=os.environ.copy(),
                            cwd=tmp_path)
    assert hidden.returncode == EXIT_USAGE, hidden.stderr
    assert "security.txt is a link; deckgen never writes links" in " ".join(hidden.stderr.split())
    _same_length_link(site / "robots.txt", secret)  # in the stamp: the site changed
    shown = subprocess.run(cmd, capture_output=True, text=True, env=os.environ.copy(),
                           cwd=tmp_path)
    assert shown.returncode == EXIT_USAGE, shown.stderr
    assert "changed since `deckgen build` wrote it" in " ".join(shown.stderr.split())
    assert aws.objects() == {}
