from deckgen.cache import Cache, stage_key
from deckgen.ocr import OcrParams


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
