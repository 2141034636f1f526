from pathlib import Path

import pytest

from deckgen.config import load_config
from deckgen.errors import ConfigError


def test_defaults_without_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    cfg = load_config()
    assert cfg.build.corpus == "corpus"
    assert cfg.build.executor == "processes"


def test_file_and_overrides(tmp_path):
    path = tmp_path / "deckgen.toml"
    path.write_text('[build]\nexecutor = "serial"\n[ocr]\npsm = 11\n[site]\ntitle = "Decks"\n')
    cfg = load_config(path, {"ocr": {"psm": 4, "lang": None}})
    assert cfg.build.executor == "serial"
    assert cfg.ocr.psm == 4  # the command line wins
    assert cfg.site.title == "Decks"


def test_all_errors_reported_together(tmp_path):
    path = tmp_path / "deckgen.toml"
    path.write_text('[build]\nexecutor = "cloud"\nworkers = "two"\ncolour = 1\n[nonsense]\nx = 1\n'
                    '[ocr]\npsm = 99\n')
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    for part in ("executor", "workers", "colour", "[nonsense]", "psm must be a Tesseract mode"):
        assert part in message


def test_invalid_toml_names_file(tmp_path):
    path = tmp_path / "deckgen.toml"
    path.write_text("[build\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(path)


@pytest.mark.parametrize("value", ["1e10", "nan", "inf", "-1", "-inf"])
def test_classify_prior_weight_out_of_range_is_a_clear_error(tmp_path, value):
    path = tmp_path / "deckgen.toml"
    path.write_text(f"[classify]\nprior_weight = {value}\n")
    with pytest.raises(ConfigError, match=r"\[classify\] prior_weight must be a number from 0 to"):
        load_config(path)


def test_classify_weights_in_range_are_kept_and_min_confidence_is_a_probability(tmp_path):
    path = tmp_path / "deckgen.toml"
    path.write_text("[classify]\nprior_weight = 0\nmin_confidence = 0.3\n")
    cfg = load_config(path)
    assert (cfg.classify.prior_weight, cfg.classify.min_confidence) == (0.0, 0.3)
    assert load_config(path, {"classify": {"prior_weight": 2.5}}).classify.prior_weight == 2.5
    with pytest.raises(ConfigError, match="prior_weight"):
        load_config(path, {"classify": {"prior_weight": float("nan")}})
    path.write_text("[classify]\nmin_confidence = nan\n")
    with pytest.raises(ConfigError, match="min_confidence must be from 0 to 1"):
        load_config(path)


@pytest.mark.parametrize(("base_url", "says"), [
    ("https://decks.example.org/gallery/?utm=x", "has a query ('?utm=x'): remove it"),
    ("https://decks.example.org/gallery/#x", "has a fragment ('#x'): remove it"),
    ("https://me:secret@decks.example.org/", "has a user or password (...@): remove it"),
    ("https://decks.example.org/gallery;v=1/", "has path params (;...): remove them"),
    ("ftp://decks.example.org/", "must be an http(s) URL with a host"),
    # Python's IDNA (2003) would publish "strasse.de", not the domain browsers reach
    ("https://straße.example/", "write its host in its ASCII form"),
    ("https://decks.example.org/a/../b/", "has a . or .. folder"),
])
def test_site_base_url_with_more_than_a_folder_is_a_clear_error(tmp_path, base_url, says):
    path = tmp_path / "deckgen.toml"
    path.write_text(f'[site]\nbase_url = "{base_url}"\n[ocr]\npsm = 99\n')
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert "[site] base_url" in message and says in message and "e.g. https://" in message
    assert "psm must be" in message  # reported with the others
    with pytest.raises(ConfigError, match=r"\[site\] base_url"):
        load_config(None, {"site": {"base_url": base_url}})


@pytest.mark.parametrize(("base_url", "stored"), [
    ("", ""),
    ("https://decks.example.org/gallery", "https://decks.example.org/gallery/"),
    ("https://decks.example.org/my gallery/", "https://decks.example.org/my%20gallery/"),
    ("https://Décks.example.org/galería/", "https://xn--dcks-bpa.example.org/galer%C3%ADa/"),
    ("https://decks.example.org/a%2fb/50%/", "https://decks.example.org/a%2fb/50%25/"),
])
def test_site_base_url_is_stored_as_a_valid_url(tmp_path, base_url, stored):
    path = tmp_path / "deckgen.toml"
    path.write_text(f'[site]\nbase_url = "{base_url}"\n')
    assert load_config(path).site.base_url == stored


@pytest.mark.parametrize(("table", "key", "value", "says"), [
    ("upscale", "max_pixels", "0", "max_pixels (--max-pixels) must be >= 1"),
    ("upscale", "max_scale", "0", "max_scale must be from 1 to 8"),
    ("upscale", "max_scale", "9", "max_scale must be from 1 to 8"),
    ("upscale", "target_x_height", "0", "target_x_height must be from 1 to 1000"),
    ("upscale", "target_x_height", "nan", "target_x_height must be from 1 to 1000"),
    ("upscale", "tile", "8", "tile must be >= 64"),
    ("ocr", "min_conf", "-1", "min_conf must be from 0 to 100"),
    ("ocr", "min_conf", "101", "min_conf must be from 0 to 100"),
    ("ocr", "timeout", "0", "timeout (--ocr-timeout) must be a number of seconds > 0"),
    ("ocr", "timeout", "inf", "timeout (--ocr-timeout) must be a number of seconds > 0"),
])  # fmt: skip
def test_numeric_settings_out_of_range_are_a_clear_error(tmp_path, table, key, value, says):
    path = tmp_path / "deckgen.toml"
    path.write_text(f"[{table}]\n{key} = {value}\n")
    with pytest.raises(ConfigError, match=rf"\[{table}\] {says}".replace("(", r"\(")
                       .replace(")", r"\)")):
        load_config(path)


def test_numeric_settings_at_the_ends_of_their_range_are_kept(tmp_path):
    path = tmp_path / "deckgen.toml"
    path.write_text("[upscale]\nmax_pixels = 1\nmax_scale = 8\ntile = 64\ntarget_x_height = 1\n"
                    "[ocr]\nmin_conf = 100\ntimeout = 0.5\n")
    cfg = load_config(path)
    assert (cfg.upscale.max_pixels, cfg.ocr.min_conf, cfg.ocr.timeout) == (1, 100.0, 0.5)


@pytest.mark.parametrize("line", ["build = 3", "[[build]]", "build = []", 'ocr = "eng"'])
def test_a_top_level_key_named_like_a_table_is_a_clear_error_whatever_the_options(tmp_path,
                                                                                   line):
    path = tmp_path / "deckgen.toml"
    path.write_text(line + "\n")
    table = line.strip("[]").split()[0]
    for overrides in (None, {table: {}}, {table: {"corpus": "c", "lang": "deu"}}):
        with pytest.raises(ConfigError, match=rf"\[{table}\] must be a table"):
            load_config(path, overrides)



def test_a_key_above_every_table_says_which_table_it_belongs_to(tmp_path):
    # `corpus = "c"` at the top said "unknown table [corpus]" (QA-54)
    path = tmp_path / "deckgen.toml"
    path.write_text('corpus = "c"\npsm = 6\n[build]\nout = "site"\n')
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert "corpus is a key of [build]: put it under that table's heading" in str(caught.value)
    assert "psm is a key of [ocr]: put it under" in str(caught.value)
    path.write_text("[nosuch]\nx = 1\n")  # a table of its own stays an unknown table
    with pytest.raises(ConfigError, match=r"unknown table \[nosuch\]"):
        load_config(path)

def test_paths_in_a_config_file_are_relative_to_its_folder(tmp_path, monkeypatch):
    project, elsewhere = tmp_path / "proj", tmp_path / "other"
    project.mkdir()
    elsewhere.mkdir()
    path = project / "deckgen.toml"
    path.write_text('[build]\ncorpus = "corpus"\nout = "../site"\ncache = "/abs/build"\n'
                    '[upscale]\nmethod = "models/x2.onnx"\n')
    monkeypatch.chdir(elsewhere)
    build = load_config(path).build
    assert (build.corpus, build.out, build.cache) == (
        str(project / "corpus"), str(tmp_path / "site"), "/abs/build")
    assert load_config(path).upscale.method == str(project / "models" / "x2.onnx")
    # given as a relative path from here, it is the same file
    assert load_config(Path("../proj/deckgen.toml")).build.corpus == str(project / "corpus")
    # the command line's paths stay relative to the current directory
    given = load_config(path, {"build": {"corpus": "mine"}, "upscale": {"method": "my.onnx"}})
    assert (given.build.corpus, given.build.out, given.upscale.method) == (
        "mine", str(tmp_path / "site"), "my.onnx")
    for method in ("auto", "none", "bicubic", "lanczos", "model:x2"):  # names, not paths
        path.write_text(f'[upscale]\nmethod = "{method}"\n')
        assert load_config(path).upscale.method == method
    # the default ./deckgen.toml: its folder is the current one, the values stay as written
    monkeypatch.chdir(project)
    path.write_text('[build]\ncorpus = "./decks"\n[upscale]\nmethod = "./x2.onnx"\n')
    cfg = load_config()
    assert (cfg.build.corpus, cfg.upscale.method) == ("./decks", "./x2.onnx")


def test_a_bad_command_line_value_is_named_by_its_option_not_the_file(tmp_path):
    path = tmp_path / "deckgen.toml"
    path.write_text("[build]\nworkers = 2\n[ocr]\ntimeout = 5\n")
    with pytest.raises(ConfigError) as info:
        load_config(path, {"build": {"workers": -1}})
    assert str(info.value) == "invalid option:\n  --workers must be >= 0 (0 = all cores), got -1"
    with pytest.raises(ConfigError) as info:
        load_config(path, {"ocr": {"timeout": 0.0, "psm": 99}})
    assert str(info.value).startswith("invalid options:\n  --ocr-timeout must be a number")
    assert "--psm must be a Tesseract mode" in str(info.value)
    # the file's own bad value names the file; the command line's, its option
    path.write_text("[build]\nworkers = -2\n")
    with pytest.raises(ConfigError) as info:
        load_config(path, {"ocr": {"psm": 99}})
    message = str(info.value)
    assert message.startswith(f"invalid configuration in {path}:")
    assert "[build] workers must be >= 0" in message and "--psm must be" in message
    with pytest.raises(ConfigError, match="invalid option:\n  --workers must be >= 0"):
        load_config(path, {"build": {"workers": -1}})  # the command line's value wins


def test_a_bad_value_in_the_file_is_named_with_its_line(tmp_path):
    path = tmp_path / "deckgen.toml"
    path.write_text('# deckgen settings\n'
                    '[site]\n'
                    'title = """\n'
                    'workers = 1\n'  # inside a string: not a setting
                    '"""\n'
                    '\n'
                    '[build]  # the build\n'
                    'corpus = "decks"\n'
                    '  "workers" = "two"\n'
                    '[ocr]\n'
                    'psm = 99\n'
                    'colour = 1\n')
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert str(info.value).splitlines()[1:] == [
        f"  {path} line 9: [build] workers must be an integer, got 'two'",
        f"  {path} line 12: [ocr] unknown key 'colour' (known: lang, min_conf, psm, timeout)",
        f"  {path} line 11: [ocr] psm must be a Tesseract mode from 0 to 13, got 99"]
    path.write_text('title = "x"\nbuild.workers = -1\n[ocr]\nworkers = 2\n')  # dotted key
    with pytest.raises(ConfigError) as info:
        load_config(path, {"ocr": {"psm": 99}})
    message = str(info.value)
    assert f"\n  {path} line 2: [build] workers must be >= 0 (0 = all cores), got -1" in message
    assert "\n  --psm must be a Tesseract mode" in message  # the command line's: no line
    # CRLF line ends, and a U+2028 inside a string, which is no line break to TOML (QA-58)
    path.write_bytes('[site]\r\ntitle = "Acme\u2028Decks"\r\n[build]\r\nworkers = "two"\r\n'
                     .encode())
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert f"{path} line 4: [build] workers must be an integer" in str(info.value)
    path.write_text("[site]\nbase_url = \"ftp://decks.example.org/\"\n")
    with pytest.raises(ConfigError, match=rf"\n  {path} line 2: \[site\] base_url must be"):
        load_config(path)
    # a line the scan cannot place: the message as before, without one
    path.write_text("build = {workers = -1}\n")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert str(info.value) == (f"invalid configuration in {path}:\n  [build] workers must be "
                               ">= 0 (0 = all cores), got -1")


def test_a_config_file_that_is_a_folder_is_a_clear_error(tmp_path, monkeypatch):
    with pytest.raises(ConfigError, match=f"config file {tmp_path} is a folder"):
        load_config(tmp_path)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "deckgen.toml").mkdir()
    with pytest.raises(ConfigError, match="config file deckgen.toml is a folder"):
        load_config()


def test_site_search_engines_is_true_or_false(tmp_path):
    path = tmp_path / "deckgen.toml"
    assert load_config(None).site.search_engines is True
    path.write_text("[site]\nsearch_engines = false\n")
    assert load_config(path).site.search_engines is False
    path.write_text('[site]\nsearch_engines = "no"\n')
    with pytest.raises(ConfigError, match=rf"{path} line 2: \[site\] search_engines must be "
                                          "true or false, got 'no'"):
        load_config(path)
    path.write_text("[site]\nsearch_engine = false\n")
    with pytest.raises(ConfigError, match=r"\[site\] unknown key 'search_engine' \(known: "
                                          r"base_url, search_engines, title\)"):
        load_config(path)


def test_a_config_saved_by_notepad_with_a_byte_order_mark_is_read(tmp_path):
    from deckgen.cli_publish import _written_keys

    path = tmp_path / "deckgen.toml"
    path.write_bytes(b"\xef\xbb\xbf[build]\ncorpus = \"decks\"\n")
    assert load_config(path).build.corpus.endswith("decks")
    assert _written_keys(path, "build") == ["corpus"]  # what `bundle build` reads of it


@pytest.mark.parametrize("encoding", ["utf-16", "cp1252"])
def test_a_config_not_in_utf8_says_to_save_it_as_utf8(tmp_path, encoding):
    path = tmp_path / "deckgen.toml"
    path.write_bytes('[build]\ncorpus = "Décks"\n'.encode(encoding))
    with pytest.raises(ConfigError, match=r"deckgen.toml: not UTF-8 text \(byte \d+\); save it "
                                          "as UTF-8"):
        load_config(path)
