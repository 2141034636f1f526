import json
import os
import shutil
import subprocess
import sys
import threading
import time

import pytest
from conftest import build_cmd, draw_slide

from deckgen.cache import Cache, stage_key
from deckgen.errors import EXIT_BUSY, EXIT_USAGE
from deckgen.files import sha256_bytes
from deckgen.ocr import OcrParams
from deckgen.slide_task import images_key


def test_key_changes_with_each_input():
    base = stage_key("ocr", "1", OcrParams(), "abc")
    assert base == stage_key("ocr", "1", OcrParams(), "abc")
    assert base != stage_key("ocr", "2", OcrParams(), "abc")
    assert base != stage_key("ocr", "1", OcrParams(psm=OcrParams().psm + 1), "abc")
    assert base != stage_key("ocr", "1", OcrParams(), "abd")
    assert base != stage_key("upscale", "1", OcrParams(), "abc")


def test_roundtrip_and_kinds(tmp_path):
    cache = Cache(tmp_path)
    cache.put_json("k1", {"b": 1, "a": [1, 2]})
    cache.put("k1", b"\x89PNG...", "png")
    assert cache.get_json("k1") == {"a": [1, 2], "b": 1}
    assert cache.get("k1", "png") == b"\x89PNG..."
    assert cache.get_json("missing") is None


def test_truncated_or_corrupted_entry_is_dropped_not_served(tmp_path):
    cache = Cache(tmp_path)
    cache.put_json("k1", {"text": "hello world"})
    path = next(tmp_path.rglob("k1.json"))
    path.write_bytes(path.read_bytes()[:-4])  # truncated
    assert cache.get_json("k1") is None
    assert not path.exists()
    cache.put_json("k2", {"text": "hello"})
    path = next(tmp_path.rglob("k2.json"))
    data = bytearray(path.read_bytes())
    data[-3] ^= 0x20  # one flipped bit
    path.write_bytes(bytes(data))
    assert cache.get_json("k2") is None
    assert cache.corrupt_entries == 2


def test_no_temp_files_left_behind(tmp_path):
    cache = Cache(tmp_path)
    for i in range(5):
        cache.put_json(f"key{i}", {"i": i})
    assert not [p for p in tmp_path.rglob("*") if p.name.endswith(".tmp")]


def test_temp_files_of_a_killed_write_are_swept(tmp_path):
    cache = Cache(tmp_path)
    cache.put_json("abc", {"x": 1})
    leftover = next(tmp_path.rglob("abc.json")).parent / ".abc.json.123.tmp"
    leftover.write_bytes(b"half")
    assert cache.sweep_temp_files() == 1
    assert not leftover.exists()
    assert cache.get_json("abc") == {"x": 1}


def test_files_entry_keeps_names_order_and_bytes_and_is_checked(tmp_path):
    cache = Cache(tmp_path)
    files = {"thumb.jpg": b"\xff\xd8\n\x00", "empty": b"", "full.webp": b"RIFF\n\nWEBP" * 50}
    cache.put_files("k1", files)
    got = cache.get_files("k1")
    assert got == files and list(got) == list(files)
    path = next(tmp_path.rglob("k1.files"))
    data = bytearray(path.read_bytes())
    data[-7] ^= 0x01
    path.write_bytes(bytes(data))
    assert cache.get_files("k1") is None and cache.corrupt_entries == 1
    assert cache.get_files("missing") is None


def _entry(root, key: str, kind: str):
    return root / "objects" / key[:2] / f"{key}.{kind}"


@pytest.mark.parametrize("kind", ["json", "png", "files"])
def test_an_intact_entry_copied_over_another_keys_name_is_dropped_not_served(tmp_path, kind):
    cache = Cache(tmp_path)
    for key, text in (("aa1", "slide one"), ("bb2", "slide two")):
        if kind == "files":
            cache.put_files(key, {"thumb.jpg": text.encode()})
        else:
            cache.put(key, text.encode(), kind)
    shutil.copyfile(_entry(tmp_path, "bb2", kind), _entry(tmp_path, "aa1", kind))
    got = cache.get_files("aa1") if kind == "files" else cache.get("aa1", kind)
    assert got is None and cache.corrupt_entries == 1
    assert not _entry(tmp_path, "aa1", kind).exists()
    assert cache.get("bb2", kind) is not None  # the original is untouched


def test_an_entry_renamed_to_another_kind_of_the_same_key_is_dropped(tmp_path):
    cache = Cache(tmp_path)  # the upscale stage keeps a .json and a .png under one key
    cache.put_json("aa1", {"scale": 2})
    shutil.copyfile(_entry(tmp_path, "aa1", "json"), _entry(tmp_path, "aa1", "png"))
    assert cache.get("aa1", "png") is None and cache.corrupt_entries == 1
    assert cache.get_json("aa1") == {"scale": 2}


def test_an_entry_written_before_entries_named_their_key_is_still_read(tmp_path):
    cache = Cache(tmp_path)
    payload = json.dumps({"text": "hello"}).encode()
    legacy = sha256_bytes(payload).encode() + b"\n" + payload  # the previous release's header
    _entry(tmp_path, "aa1", "json").parent.mkdir(parents=True)
    _entry(tmp_path, "aa1", "json").write_bytes(legacy)
    assert cache.get_json("aa1") == {"text": "hello"} and cache.corrupt_entries == 0
    legacy_files = b"[]\n"  # and a .files entry of that release
    _entry(tmp_path, "aa1", "files").write_bytes(sha256_bytes(legacy_files).encode() + b"\n"
                                                 + legacy_files)
    assert cache.get_files("aa1") == {} and cache.corrupt_entries == 0
    cache.put_json("aa1", {"text": "hello"})  # rewritten: now it names its key
    assert b" aa1.json\n" in _entry(tmp_path, "aa1", "json").read_bytes()


def test_a_header_naming_no_key_after_its_space_is_not_taken_for_an_old_entry(tmp_path):
    cache = Cache(tmp_path)
    cache.put_json("aa1", {"x": 1})
    path = _entry(tmp_path, "aa1", "json")
    path.write_bytes(path.read_bytes().replace(b" aa1.json\n", b" \n"))
    assert cache.get_json("aa1") is None and cache.corrupt_entries == 1


@pytest.mark.parametrize("kind", ["json", "png", "files"])
def test_a_folder_where_an_entry_should_be_is_removed_and_counted(tmp_path, kind):
    cache = Cache(tmp_path)
    folder = _entry(tmp_path, "aa1", kind)
    (folder / "inside").mkdir(parents=True)
    (folder / "inside" / "file").write_text("x")
    got = cache.get_files("aa1") if kind == "files" else cache.get("aa1", kind)
    assert got is None and cache.corrupt_entries == 1 and not folder.exists()
    cache.put("aa1", b"again", kind)
    assert cache.get("aa1", kind) == b"again"


def test_a_folder_where_an_entry_is_written_is_replaced(tmp_path):
    cache = Cache(tmp_path)
    _entry(tmp_path, "aa1", "png").mkdir(parents=True)
    cache.put("aa1", b"png bytes", "png")  # a caller that only asked has(), which said yes
    assert cache.get("aa1", "png") == b"png bytes" and cache.corrupt_entries == 1


def test_a_fifo_where_an_entry_should_be_is_removed_not_read(tmp_path):
    cache = Cache(tmp_path)  # reading one would wait forever
    path = _entry(tmp_path, "aa1", "json")
    path.parent.mkdir(parents=True)
    os.mkfifo(path)
    # a writer that comes after 10 s, so a cache that does wait fails here, not hangs
    unblock = threading.Timer(10, lambda: os.close(os.open(path, os.O_WRONLY)))
    unblock.start()
    started = time.monotonic()
    try:
        assert cache.get_json("aa1") is None and cache.corrupt_entries == 1
        assert time.monotonic() - started < 5 and not path.exists()
    finally:
        unblock.cancel()


def without_file_permission_override() -> list[str]:
    """A command prefix under which mode 000 refuses reading, even as root (whose
    CAP_DAC_OVERRIDE reads anything)."""
    if os.geteuid() != 0:
        return []
    if not shutil.which("setpriv"):
        pytest.skip("root without setpriv: mode 000 does not refuse reading")
    return ["setpriv", "--bounding-set=-dac_override,-dac_read_search", "--inh-caps=-all"]


def test_an_entry_nobody_may_read_is_one_clear_error_exit_2(tmp_path):
    cache = Cache(tmp_path)
    cache.put_json("aa1", {"x": 1})
    path = _entry(tmp_path, "aa1", "json")
    path.chmod(0)
    script = (
        "import sys\nfrom deckgen.cache import Cache\nfrom deckgen.errors import DeckgenError\n"
        "try:\n    Cache(sys.argv[1]).get_json('aa1')\n"
        "except DeckgenError as exc:\n    print(exc)\n    sys.exit(exc.exit_code)\n"
    )
    result = subprocess.run([*without_file_permission_override(), sys.executable, "-c", script,
                             str(tmp_path)], capture_output=True, text=True, timeout=60)
    assert result.returncode == EXIT_USAGE, result.stderr
    assert f"cannot read cache entry {path}: Permission denied" in result.stdout
    assert f"fix the permissions of {tmp_path}, or delete the entry" in result.stdout
    assert path.exists()  # the user's to fix: not deleted


def _old(path, seconds_ago: float) -> None:
    then = time.time() - seconds_ago
    os.utime(path, (then, then))


def test_prune_keeps_what_is_used_and_what_is_newer_than_the_last_finished_build(tmp_path):
    cache = Cache(tmp_path)
    for key in ("used", "stale", "fresh"):
        cache.put_json(key, {"k": key})
    _old(_entry(tmp_path, "used", "json"), 100)
    _old(_entry(tmp_path, "stale", "json"), 100)
    finished = time.time_ns() - 50 * 10**9  # the manifest: written after those two
    dry = cache.prune({"used"}, newer_than_ns=finished, dry_run=True)
    assert (dry.deleted, dry.kept_recent) == (1, 1)
    assert _entry(tmp_path, "stale", "json").exists()
    done = cache.prune({"used"}, newer_than_ns=finished)
    assert (done.deleted, done.kept_recent) == (1, 1) and done.bytes > 0
    assert cache.get_json("used") and cache.get_json("fresh")
    assert not _entry(tmp_path, "stale", "json").exists()


# -- a real `deckgen build` over a damaged cache ------------------------------------------


def _run(cmd: list[str], **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=600, **kwargs)
    assert "Traceback" not in result.stderr, result.stderr
    return result


def _site_files(site) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes()
            for p in sorted(site.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def finished(tmp_path_factory, tiny_corpus_master):
    """One finished build of the tiny corpus: (its root, its slides' fingerprints by id)."""
    root = tmp_path_factory.mktemp("finished")
    result = _run(build_cmd(root, tiny_corpus_master))
    assert result.returncode == 0, result.stderr
    manifest = json.loads((root / "build" / "manifest.json").read_text())
    return root, {s["id"]: s["fingerprints"] for s in manifest["slides"]}


@pytest.fixture
def built(tmp_path, finished):
    """A copy of the finished build's cache (mtimes kept), to damage; the site is left
    for the next build to write from it."""
    root, fingerprints = finished
    shutil.copytree(root / "build", tmp_path / "build")
    return tmp_path / "build" / "cache", fingerprints


def test_entries_of_other_slides_under_a_slides_keys_are_computed_again_not_published(
    tmp_path, tiny_corpus_master, finished, built
):
    cache, prints = built
    one, two = prints["alpha-robotics/001"], prints["alpha-robotics/002"]
    # slide 2's OCR as slide 1's: its title and text would be on slide 1's page
    shutil.copyfile(_entry(cache, two["ocr"], "json"), _entry(cache, one["ocr"], "json"))
    # slide 2's published images under slide 1's content-hashed names (cached as immutable)
    shutil.copyfile(_entry(cache, images_key(two["upscale"]), "files"),
                    _entry(cache, images_key(one["upscale"]), "files"))
    # another deck's upscaled picture as beta-health/001's, which a worker reads to
    # encode the slide's images (gone from the cache)
    other, three = prints["beta-health/002"]["upscale"], prints["beta-health/001"]["upscale"]
    shutil.copyfile(_entry(cache, other, "png"), _entry(cache, three, "png"))
    _entry(cache, images_key(three), "files").unlink()
    result = _run(build_cmd(tmp_path, tiny_corpus_master))
    assert result.returncode == 0, result.stderr
    said = " ".join(result.stderr.split())  # rich wraps long lines
    assert "3 damaged cache entries were found and computed again" in said
    assert _site_files(tmp_path / "site") == _site_files(finished[0] / "site")


def test_a_folder_where_an_entry_should_be_is_removed_and_the_build_goes_on(
    tmp_path, tiny_corpus_master, finished, built
):
    cache, prints = built
    for key, kind in ((prints["alpha-robotics/001"]["ocr"], "json"),  # read by the parent
                      (prints["beta-health/001"]["upscale"], "png"),  # by a worker
                      (images_key(prints["beta-health/002"]["upscale"]), "files")):
        _entry(cache, key, kind).unlink()
        (_entry(cache, key, kind) / "inside").mkdir(parents=True)
    result = _run(build_cmd(tmp_path, tiny_corpus_master))
    assert result.returncode == 0, result.stderr
    said = " ".join(result.stderr.split())  # rich wraps long lines
    assert "3 damaged cache entries were found and computed again" in said
    assert _site_files(tmp_path / "site") == _site_files(finished[0] / "site")
    assert json.loads((tmp_path / "build" / "report.json").read_text())["stages"]["upscale"][
        "failed"] == []
    again = _run(build_cmd(tmp_path, tiny_corpus_master))  # and nothing is left to trip on
    assert again.returncode == 0 and "damaged" not in again.stderr, again.stderr


@pytest.mark.parametrize("stage, kind", [("ocr", "json"), ("upscale", "png")])
def test_an_unreadable_entry_stops_the_build_saying_it_is_the_caches(
    tmp_path, tiny_corpus_master, built, stage, kind
):
    cache, prints = built
    path = _entry(cache, prints["alpha-robotics/001"][stage], kind)
    path.chmod(0)
    if kind == "png":  # read by the worker that encodes the slide's images (gone)
        _entry(cache, images_key(prints["alpha-robotics/001"]["upscale"]), "files").unlink()
    result = _run([*without_file_permission_override(),
                   *build_cmd(tmp_path, tiny_corpus_master)])
    said = " ".join(result.stderr.split())  # rich wraps long lines
    assert result.returncode == EXIT_USAGE, said
    assert (f"cannot read cache entry {path}: Permission denied; fix the permissions of "
            f"{cache}, or delete the entry, or use another --cache") in said
    path.chmod(0o644)
    assert _run(build_cmd(tmp_path, tiny_corpus_master)).returncode == 0


def test_prune_after_an_interrupted_build_keeps_that_builds_work(
    tmp_path, tiny_corpus_master, built
):
    build = tmp_path / "build"
    corpus = tmp_path / "corpus"
    shutil.copytree(tiny_corpus_master, corpus)
    (corpus / "gamma").mkdir()  # a deck added: the next build computes its slides
    (corpus / "gamma" / "001.jpg").write_bytes(draw_slide("Gamma Labs", "Batteries that last"))
    # A build that stored the new deck's results and was killed before its manifest: the
    # same as one that finished, with the last finished build's manifest put back.
    shutil.copy2(build / "manifest.json", tmp_path / "finished-manifest.json")
    assert _run(build_cmd(tmp_path, corpus)).returncode == 0
    shutil.copy2(tmp_path / "finished-manifest.json", build / "manifest.json")
    prune = [*build_cmd(tmp_path, corpus)[:3], "prune", "--cache", str(build)]
    dry = _run([*prune, "--dry-run"])
    said = " ".join(dry.stderr.split())
    assert dry.returncode == 0, said
    assert "would keep " in said and (" entries written after the last finished build (an "
                                      "unfinished build?): run `deckgen build` to finish it, "
                                      "then prune") in said
    done = _run(prune)
    assert done.returncode == 0 and "kept " in done.stderr, done.stderr
    again = _run(build_cmd(tmp_path, corpus))
    assert again.returncode == 0, again.stderr
    stages = json.loads((build / "report.json").read_text())["stages"]
    assert stages["upscale"]["processed"] == stages["ocr"]["processed"] == 0, stages
    # the first build stopped early: no finished build to prune for, and it says why
    (build / "manifest.json").unlink()
    from deckgen.files import exclusive_lock

    with exclusive_lock(build / "lock"):  # ... unless that build is still running (QA-46)
        running = _run(prune)
    said = " ".join(running.stderr.split())
    assert running.returncode == EXIT_BUSY and "another deckgen run" in said
    assert said.endswith("; prune when it has finished")
    first = _run(prune)
    said = " ".join(first.stderr.split())
    assert first.returncode == EXIT_USAGE, said
    assert (f"no finished build at {build}: its cache holds the work of one that stopped "
            "early") in said and "nothing was deleted" in said
    assert _run(build_cmd(tmp_path, corpus)).returncode == 0  # and nothing was lost
    assert json.loads((build / "report.json").read_text())["stages"]["ocr"]["processed"] == 0
