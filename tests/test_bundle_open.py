"""QA-56: the dataset says which decks carry no open licence (and can leave them out), tells
an unstated `fictional` from a stated false, splits by company, and states no placeholder
date."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
from pathlib import Path

import frictionless
import pytest
from conftest import unpack
from test_bundle import _jpeg, _png_upscaled, _slide  # sibling test modules
from test_bundle_card import _docs, _rows

from deckgen.build import Builder
from deckgen.build_report import BuildReport, dataset_warnings, report_problems
from deckgen.bundle import archive_name, build_bundle, verify_bundle
from deckgen.bundle_card import dataset_license, hf_license, is_open_license, spdx_id
from deckgen.bundle_guide import SPLIT_SNIPPET, group_split, split_group
from deckgen.bundle_images import encode_upscaled
from deckgen.bundle_verify_values import row_value_problems
from deckgen.config import BundleParams, Config, load_config
from deckgen.errors import ConfigError
from deckgen.manifest import built_settings
from deckgen.records import DeckMeta, Slide


def _build(out: Path, decks: dict[str, DeckMeta], slides: list[Slide] | None = None,
           **kwargs) -> dict:
    slides = slides or [_slide(slug, page) for slug in decks for page in (1, 2)]
    sources = {s.id: _jpeg(s.page + len(s.deck)) for s in slides}
    return build_bundle(
        slides, decks, lambda s: sources[s.id],
        lambda s: encode_upscaled(_png_upscaled(sources[s.id]), "webp"), out, **kwargs)


def _card(out: Path) -> str:
    return _docs(out)["README.md"].decode()


def _section(card: str, title: str) -> str:
    return card.split(f"## {title}\n", 1)[1].split("\n## ", 1)[0]


# --- 1. open licences: a flag per row, SPDX ids, a warning, [bundle] open_only ----------------

LICENSED = {
    "open-lower": "cc-by-sa-4.0",
    "open-upper": "CC-BY-SA-4.0",
    "spaced": "CC BY 4.0",
    "reserved": "All rights reserved",
    "nc": "CC-BY-NC-4.0",
    "nd": "cc-by-nd-4.0",
    "unstated": "",
}


def _licensed_decks() -> dict[str, DeckMeta]:
    return {slug: DeckMeta(slug, company=slug.title(), license=text)
            for slug, text in LICENSED.items()}


def test_rows_flag_open_licences_and_name_known_ones_by_their_spdx_id(tmp_path):
    info = _build(tmp_path, _licensed_decks())
    docs = _docs(tmp_path)
    by_deck = {row["deck"]: row for row in _rows(docs)}
    assert {d: (r["license"], r["license_open"]) for d, r in by_deck.items()} == {
        "open-lower": ("CC-BY-SA-4.0", True), "open-upper": ("CC-BY-SA-4.0", True),
        "spaced": ("CC-BY-4.0", True), "reserved": ("All rights reserved", False),
        "nc": ("CC-BY-NC-4.0", False), "nd": ("CC-BY-ND-4.0", False),
        "unstated": (None, False)}
    header = next(csv.reader(io.StringIO(docs["slides.csv"].decode())))
    assert header.index("license_open") == header.index("license") + 1
    croissant = json.loads(docs["croissant.json"])
    assert croissant["license"].count("CC-BY-SA-4.0") == 1  # one licence, not two spellings
    assert "cc-by-sa-4.0" not in croissant["license"]
    fields = {f["name"] for f in croissant["recordSet"][0]["field"]}
    assert "license_open" in fields
    card = docs["README.md"].decode()
    assert "4 of the 7 decks carry no open licence" in card and "`license_open`" in card
    assert info["not_open_decks"] == 4
    assert info["not_open_names"] == ["nc", "nd", "reserved", "unstated"]
    assert verify_bundle(tmp_path / archive_name("1")) == []


def test_the_shared_licence_helpers_agree_with_the_site():
    from deckgen import site

    assert spdx_id("cc-by-sa-4.0") == spdx_id("CC BY-SA 4.0") == "CC-BY-SA-4.0"
    assert spdx_id("All rights reserved") is None
    assert dataset_license("  Proprietary  terms ") == "Proprietary terms"
    assert dataset_license("   ") is None
    assert site.licence_view("cc-by-sa-4.0").name == "CC-BY-SA-4.0"  # the dataset's id
    assert site.licence_view("cc-by-sa-4.0").url.endswith("/CC-BY-SA-4.0.html")


def test_verify_names_a_license_open_that_contradicts_the_license(tmp_path):
    _build(tmp_path, _licensed_decks())
    docs = _docs(tmp_path)
    row = next(r for r in _rows(docs) if r["deck"] == "reserved")
    names = {name for name in docs}
    assert row_value_problems(row, names) == []
    row["license_open"] = True
    [problem] = row_value_problems(row, names)
    assert problem.startswith("license_open true contradicts license 'All rights reserved'")


def test_open_only_leaves_closed_decks_out_of_the_archive_and_the_card_counts_them(tmp_path):
    config = Config(bundle=BundleParams(open_only=True))
    info = _build(tmp_path, _licensed_decks(), config=config)
    docs = _docs(tmp_path)
    rows = _rows(docs)
    assert {r["deck"] for r in rows} == {"open-lower", "open-upper", "spaced"}
    assert all(r["license_open"] for r in rows)
    gone = ["nc", "nd", "reserved", "unstated"]
    assert info["left_out_not_open"] == gone and info["not_open_decks"] == 0
    assert info["decks"] == 3 and info["skipped"] == []
    card = docs["README.md"].decode()
    licences = _section(card, "Decks and licences")
    assert "All 3 decks carry an open licence" in licences
    assert ("left out every slide of 4 decks with no open licence (`[bundle] open_only = "
            "true`): nc, nd, reserved, unstated") in licences
    assert "The site still shows them" in licences
    assert "Every slide of 4 decks with no open licence is left out" in _section(card, "Left out")
    provenance = json.loads(docs["provenance.json"])
    assert provenance["decks"]["left_out_without_open_license"] == gone
    assert not any(name.startswith("images/original/nc/") for name in docs)
    assert verify_bundle(tmp_path / archive_name("1")) == []
    # the default keeps them, flagged
    info = _build(tmp_path, _licensed_decks())
    assert info["left_out_not_open"] == [] and info["decks"] == 7


def test_open_only_is_a_bundle_setting_of_deckgen_toml(tmp_path):
    path = tmp_path / "deckgen.toml"
    path.write_text("[bundle]\nopen_only = true\n")
    assert load_config(path).bundle.open_only is True
    assert Config().bundle.open_only is False
    path.write_text('[bundle]\nopen_only = "yes"\n')
    with pytest.raises(ConfigError, match=r"\[bundle\] open_only must be true or false"):
        load_config(path)
    path.write_text("[bundle]\nopen = true\n")
    with pytest.raises(ConfigError, match=r"\[bundle\] unknown key 'open'"):
        load_config(path)


def test_the_warning_names_the_closed_decks_once_and_a_few_on_the_terminal():
    assert dataset_warnings({"not_open_names": []}, "build/report.json") == []
    assert dataset_warnings(None, "build/report.json") == []
    [one] = dataset_warnings({"not_open_names": ["beta-health"]}, "build/report.json")
    assert one.startswith("1 deck in the dataset carries no open licence")
    assert "beta-health" in one and "open_only = true under [bundle]" in one
    many = [f"deck-{i:02d}" for i in range(12)]
    [line] = dataset_warnings({"not_open_names": many}, "b/report.json")
    assert "deck-09 and 2 more (all in b/report.json)" in line and "deck-10" not in line
    report = BuildReport(warnings=[line])
    assert report_problems(report) == [line] and report.failures == 0  # --strict ignores it
    assert json.loads(report.to_json())["warnings"] == [line]


def test_a_build_warns_of_closed_decks_and_open_only_leaves_them_out(tmp_path, tiny_corpus):
    """tiny_corpus: alpha-robotics is CC0-1.0, beta-health states no licence."""
    from conftest import config_for

    cfg = config_for(tmp_path, tiny_corpus)
    report = Builder(cfg, quiet=True).run()
    [warning] = [w for w in report.warnings if "no open licence" in w]
    assert warning.startswith("1 deck in the dataset carries no open licence") \
        and "beta-health" in warning
    assert warning in report_problems(report)
    saved = json.loads((tmp_path / "build" / "report.json").read_text())
    assert saved["warnings"] == report.warnings
    assert saved["site"]["dataset"]["not_open_names"] == ["beta-health"]
    archive = tmp_path / "site" / "dataset" / archive_name("1")
    assert {r["deck"] for r in _rows(_docs(archive.parent))} == {"alpha-robotics",
                                                                  "beta-health"}
    closed = dataclasses.replace(cfg, bundle=BundleParams(open_only=True))
    report = Builder(closed, quiet=True).run()
    assert report.stages["site"].processed  # the setting is part of the site's key
    assert not [w for w in report.warnings if "no open licence" in w]
    assert {r["deck"] for r in _rows(_docs(archive.parent))} == {"alpha-robotics"}
    assert (tmp_path / "site" / "deck" / "beta-health.html").exists()  # the site keeps it
    assert "left out every slide of 1 deck" in _docs(archive.parent)["README.md"].decode()
    assert verify_bundle(archive) == []
    # `deckgen bundle build` re-makes the archive with the settings the build recorded
    assert built_settings(tmp_path / "build")[0].bundle.open_only is True


# --- 2. fictional: true, false, or not stated (null) -----------------------------------------

def test_an_unstated_fictional_is_null_and_a_stated_false_is_false(tmp_path):
    decks = {"made-up": DeckMeta("made-up", company="M", fictional=True),
             "said-no": DeckMeta("said-no", company="S", fictional=False),
             "silent": DeckMeta("silent", company="Q")}
    assert decks["silent"].fictional is None
    info = _build(tmp_path, decks)
    docs = _docs(tmp_path)
    assert {r["deck"]: r["fictional"] for r in _rows(docs)} == {
        "made-up": True, "said-no": False, "silent": None}
    header, *records = list(csv.reader(io.StringIO(docs["slides.csv"].decode())))
    column = header.index("fictional")
    assert sorted({record[column] for record in records}) == ["", "false", "true"]
    assert info["fictional_decks"] == 1  # None is not fictional
    card = docs["README.md"].decode()
    assert "1 of the 3 decks is fictional" in card
    assert ("1 of their deck.toml files does not say whether the deck is fictional (the other "
            "says `fictional = false`)") in card
    assert "| silent | Q | — | — | not stated |" in card
    assert "| said-no | S | — | — | no |" in card
    fictional = next(f for f in json.loads(docs["datapackage.json"])["resources"]
                     if f["path"] == "slides.csv")["schema"]["fields"]
    described = next(f for f in fictional if f["name"] == "fictional")
    assert "null" in described["description"] and "constraints" not in described
    assert verify_bundle(tmp_path / archive_name("1")) == []
    unpack(tmp_path / archive_name("1"), tmp_path / "x")
    report = frictionless.validate(str(tmp_path / "x" / "deckgen-dataset-v1" / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])


def test_the_site_and_index_read_an_unstated_fictional_as_not_fictional(tmp_path):
    from test_site import _png
    from test_site import _slide as site_slide

    from deckgen import index, site, site_images

    decks = {"quiet": DeckMeta("quiet", "Quiet Co"), "made": DeckMeta("made", "Made",
                                                                     fictional=True)}
    slides = [site_slide("quiet", 1, "cover", "Quiet", "Quiet Co"),
              site_slide("made", 1, "cover", "Made", "Made up")]
    images = site_images.write_images(slides, lambda s: site_images.encode_variants(_png(s.id)),
                                      tmp_path, written={})
    site.render_site(slides, decks, images, tmp_path)
    home = (tmp_path / "index.html").read_text()
    assert "1 of the 2 decks is fictional" in home
    assert "Fictional deck" not in (tmp_path / "deck" / "quiet.html").read_text()
    index.export_client_index(slides, decks, tmp_path, {})
    entry = json.loads((tmp_path / "search/entry.json").read_text())
    meta = json.loads((tmp_path / "search" / entry["meta"]).read_text())
    assert meta["fictional"] == ["made"]


# --- 3. the split: by company, and what it gives on this dataset ------------------------------

def _company_on_each_side() -> tuple[str, str]:
    names = [f"Company {i}" for i in range(50)]
    test = next(n for n in names if group_split(split_group({"company": n})) == "test")
    train = next(n for n in names if group_split(split_group({"company": n})) == "train")
    return test, train


def test_two_decks_of_one_company_land_on_one_side(tmp_path):
    # spelled apart, one company: a 2019 deck and its 2021 re-export
    decks = {"acme-2019": DeckMeta("acme-2019", company="ACME Inc.", year=2019),
             "acme-2021": DeckMeta("acme-2021", company="Acme", year=2021),
             "ember": DeckMeta("ember", company="Embernest"),
             "ember-nest-gmbh": DeckMeta("ember-nest-gmbh", company="Ember-Nest GmbH"),
             "no-name": DeckMeta("no-name")}
    _build(tmp_path, decks)
    docs = _docs(tmp_path)
    splits = _section(docs["README.md"].decode(), "Splits")
    snippet: dict = {}
    exec(splits.split("```python\n", 1)[1].split("```", 1)[0], snippet)  # the card's code
    rows = _rows(docs)
    sides = {row["deck"]: snippet["split"](row) for row in rows}
    assert sides["acme-2019"] == sides["acme-2021"] and sides["ember"] == sides["ember-nest-gmbh"]
    assert {snippet["group"](row) for row in rows} == {"acme", "embernest", "no-name"}
    assert all(snippet["split"](row) == group_split(split_group(row)) for row in rows)
    assert ("No company (as `group` reads it) is on both sides, and no source file is on both "
            "sides.") in splits
    assert "puts " in splits and " compan" in splits


def test_the_split_outcome_says_when_a_source_file_is_on_both_sides(tmp_path):
    in_test, in_train = _company_on_each_side()
    decks = {"one": DeckMeta("one", company=in_test), "two": DeckMeta("two", company=in_train)}
    slides = [_slide("one", 1), _slide("two", 1)]
    slides[1].sha256 = slides[0].sha256  # two's slide is one's file (a copied deck)
    _build(tmp_path, decks, slides)
    splits = _section(_card(tmp_path), "Splits")
    assert "is on both sides, but 1 source file is on both sides (below)" in splits
    assert "1 source file is in decks of more than one company" in splits


# --- 4. no placeholder date -------------------------------------------------------------------

def test_no_date_is_stated_without_source_date_epoch(tmp_path, monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    decks = {"acme": DeckMeta("acme", company="Acme", license="CC0-1.0")}
    info = _build(tmp_path, decks)
    docs = _docs(tmp_path)
    croissant = json.loads(docs["croissant.json"])
    package = json.loads(docs["datapackage.json"])
    assert "datePublished" not in croissant and "created" not in package
    assert "year =" not in croissant["citeAs"]
    card = docs["README.md"].decode()
    assert "undated: the build did not set `SOURCE_DATE_EPOCH`" in card
    assert "2024-01-01" not in card.replace("fixed placeholder (2024-01-01)", "")
    assert info["date"] == ""
    first = (tmp_path / archive_name("1")).read_bytes()
    _build(tmp_path / "again", decks)  # still byte-reproducible
    assert (tmp_path / "again" / archive_name("1")).read_bytes() == first
    assert verify_bundle(tmp_path / archive_name("1")) == []

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    _build(tmp_path, decks)
    docs = _docs(tmp_path)
    assert json.loads(docs["croissant.json"])["datePublished"] == "2023-11-14"
    assert json.loads(docs["datapackage.json"])["created"] == "2023-11-14T22:13:20Z"
    assert "dated 2023-11-14 (`SOURCE_DATE_EPOCH`" in docs["README.md"].decode()


def test_is_open_license_reads_any_spelling_of_an_open_one():
    assert is_open_license(" cc_by_sa 4.0 ") and not is_open_license("CC-BY-NC-4.0")


# licence texts as deck.toml states them -> (open?, SPDX id); None: no SPDX id names it
LICENCE_SPELLINGS = {
    "Creative Commons Attribution 4.0 International": (True, "CC-BY-4.0"),
    "Creative Commons Attribution-ShareAlike 4.0 International": (True, "CC-BY-SA-4.0"),
    "Creative Commons Attribution 4.0 International (CC BY 4.0)": (True, "CC-BY-4.0"),
    "Creative Commons Attribution 3.0 Unported License": (True, "CC-BY-3.0"),
    "Creative Commons Attribution-ShareAlike 4.0 International Public License":
        (True, "CC-BY-SA-4.0"),
    "Attribution 4.0 International": (True, "CC-BY-4.0"),
    "CC BY-SA": (True, None),  # open in every version; which one is not stated
    "CC BY": (True, None),
    "cc-by": (True, None),
    "by-sa": (True, None),
    "CC-BY-2.5": (True, "CC-BY-2.5"),
    "CC BY 4": (True, "CC-BY-4.0"),
    "CC BY-SA 4.0 Licence": (True, "CC-BY-SA-4.0"),
    " cc_by_sa 4.0 ": (True, "CC-BY-SA-4.0"),
    "CC0 1.0 Universal": (True, "CC0-1.0"),
    "CC0": (True, "CC0-1.0"),  # there is no other CC0
    "CC Zero": (True, "CC0-1.0"),
    "ODbL": (True, "ODbL-1.0"),  # nor another ODbL
    "Open Database License (ODbL) v1.0": (True, "ODbL-1.0"),
    "ODC-By": (True, "ODC-By-1.0"),
    "PDDL": (True, "PDDL-1.0"),
    "MIT License": (True, "MIT"),
    "The MIT License (MIT)": (True, "MIT"),
    "Apache License 2.0": (True, "Apache-2.0"),
    "Apache License, Version 2.0": (True, "Apache-2.0"),
    "BSD 3-Clause License": (True, "BSD-3-Clause"),
    "The Unlicense": (True, "Unlicense"),
    "Public Domain": (True, None),
    "https://creativecommons.org/licenses/by/4.0/": (True, "CC-BY-4.0"),
    "https://creativecommons.org/licenses/by-sa/4.0/deed.en": (True, "CC-BY-SA-4.0"),
    "http://creativecommons.org/licenses/by/3.0": (True, "CC-BY-3.0"),
    "https://creativecommons.org/publicdomain/zero/1.0/": (True, "CC0-1.0"),
    "https://opensource.org/licenses/MIT": (True, "MIT"),
    "https://spdx.org/licenses/Apache-2.0.html": (True, "Apache-2.0"),
    # not open: non-commercial, no derivatives, reserved, unknown, none
    "Creative Commons Attribution-NonCommercial 4.0 International": (False, "CC-BY-NC-4.0"),
    "Attribution-NonCommercial 4.0 International": (False, "CC-BY-NC-4.0"),
    "Attribution-NoDerivatives 4.0 International": (False, "CC-BY-ND-4.0"),
    "Creative Commons Attribution-NonCommercial-ShareAlike 4.0 International":
        (False, "CC-BY-NC-SA-4.0"),
    "CC BY-NC-ND 4.0": (False, "CC-BY-NC-ND-4.0"),
    "by-nc": (False, None),
    "by-nd": (False, None),
    "CC BY-NC": (False, None),
    "CC BY-NC-SA": (False, None),
    "https://creativecommons.org/licenses/by-nc/4.0/": (False, "CC-BY-NC-4.0"),
    "https://creativecommons.org/licenses/by-nd/4.0/deed.de": (False, "CC-BY-ND-4.0"),
    "Creative Commons": (False, None),
    "Apache": (False, None),  # 1.0, 1.1 or 2.0
    "GPL-3.0": (False, None),
    "All rights reserved": (False, None),
    "Proprietary, ask first": (False, None),
    "License": (False, None),
    "": (False, None),
}


@pytest.mark.parametrize(("text", "expected"), LICENCE_SPELLINGS.items())
def test_a_licence_is_read_in_any_common_spelling(text, expected):
    from deckgen import site

    assert (is_open_license(text), spdx_id(text)) == expected
    assert dataset_license(text) == (spdx_id(text) or " ".join(text.split()) or None)
    view = site.licence_view(text)  # the deck page reads it the same way
    assert view.name == (spdx_id(text) or " ".join(text.split()) or "None stated")
    if spdx_id(text):
        assert "ask the company" not in view.hint or not expected[0]


def test_open_only_keeps_a_deck_whose_licence_is_written_out(tmp_path):
    decks = {"long": DeckMeta("long", company="Long",
                              license="Creative Commons Attribution 4.0 International"),
             "url": DeckMeta("url", company="Url",
                             license="https://creativecommons.org/licenses/by-sa/4.0/deed.en"),
             "bare": DeckMeta("bare", company="Bare", license="CC BY"),
             "nc": DeckMeta("nc", company="Nc", license="Attribution-NonCommercial 4.0")}
    info = _build(tmp_path, decks, config=Config(bundle=BundleParams(open_only=True)))
    rows = _rows(_docs(tmp_path))
    assert {r["deck"]: r["license"] for r in rows if r["page"] == 1} == {
        "long": "CC-BY-4.0", "url": "CC-BY-SA-4.0", "bare": "CC BY"}
    assert info["left_out_not_open"] == ["nc"]
    assert verify_bundle(tmp_path / archive_name("1")) == []


def test_hugging_face_names_a_licence_that_only_had_1_0_without_it():
    assert hf_license(["ODbL-1.0"]) == "odbl" and hf_license(["CC0-1.0"]) == "cc0-1.0"
    assert hf_license(["CC-BY-4.0", "MIT"]) == "other"


# --- the split's company key: letters and digits, no legal form ------------------------------

SAME_COMPANY = [
    ("Embernest", "Ember-Nest"), ("Embernest", "EMBER NEST"), ("Acme", "Acme Inc."),
    ("Acme", "ACME, Inc."), ("Acme", "Acme LLC"), ("Acme", "Acme Pty Ltd"),
    ("Acme", "Acme S.A."), ("Acme", "acme b.v."), ("Acme", "Acme GmbH"),
    ("Acme", "Acme Corporation"), ("Acme", "Acme & Co."), ("Straße", "STRASSE AG"),
    ("Ｆｉｎｔｅｃｈ", "fintech"), ("Café Noir", "CAFÉ-NOIR Ltd"), ("Σοφός", "ΣΟΦΌΣ"),
]
OTHER_COMPANY = [
    ("Acme", "Acme Labs"), ("Coinbase", "Base"), ("Inc.", "Acme Inc."), ("Café", "Cafe"),
    ("Sass", "Sa"), ("Financeco", "Finance"),  # legal forms only as whole words at the end
]


@pytest.mark.parametrize(("one", "other"), SAME_COMPANY)
def test_one_company_however_written_is_one_split_group(one, other):
    assert split_group({"company": one, "deck": "a"}) == split_group({"company": other,
                                                                         "deck": "b"})


@pytest.mark.parametrize(("one", "other"), OTHER_COMPANY)
def test_two_companies_stay_two_split_groups(one, other):
    assert split_group({"company": one, "deck": "a"}) != split_group({"company": other,
                                                                         "deck": "b"})


def _company_names() -> list[str]:
    """A few hundred company names: legal forms, punctuation, widths, accents, scripts."""
    stems = ["Acme", "Ember-Nest", "embernest", "Straße", "Ｆｉｎｔｅｃｈ", "Café Noir", "ΣΟΦΟΣ",
             "Финтех", "医疗科技", "株式会社テスト", "데이터랩", "شركة", "नमस्ते", "Ñandú", "Ǆemal",
             "e\u0301te\u0301", "A.B.", "3M", "", "  ", "...", "Co", "S.A."]
    tails = ["", " Inc.", " inc", ", Inc.", " LLC", " Ltd.", " Pty Ltd", " GmbH", " S.A.",
             " B.V.", " AG", " & Co.", " Corp", " Labs", "!", " (Berlin)", "_x", " AS", " Oy"]
    return [stem + tail for stem in stems for tail in tails]


def test_the_cards_split_snippet_computes_split_group_exactly():
    snippet: dict = {}
    exec(SPLIT_SNIPPET, snippet)
    names = _company_names()
    assert len(names) > 300
    for name in names:
        row = {"company": name, "deck": "the-deck"}
        assert snippet["group"](row) == split_group(row), name
        assert snippet["split"](row) == group_split(split_group(row)), name
    assert snippet["group"]({"company": None, "deck": "the-deck"}) == "the-deck"


# --- an archive with no slide ------------------------------------------------------------

def test_an_archive_with_no_open_deck_says_it_holds_no_slide(tmp_path):
    from test_site import build as build_site

    decks = {"closed": DeckMeta("closed", company="Closed", license="All rights reserved")}
    info = _build(tmp_path / "b", decks, config=Config(bundle=BundleParams(open_only=True)))
    assert (info["slides"], info["decks"], info["left_out_not_open"]) == (0, 0, ["closed"])
    card = _card(tmp_path / "b")
    assert "All 0" not in card and "0 fictional decks" not in card
    assert "Its decks are fictional" not in card and "On these fictional decks" not in card
    assert "No pitch-deck slides: no deck has an open licence" in card
    assert "The archive holds no deck, so no licence applies to it." in card
    assert "This archive holds no slide, so the snippet has nothing to split." in card
    assert "Slides of 0" not in card
    out = tmp_path / "site"
    (out / "dataset").mkdir(parents=True)
    (out / "dataset" / archive_name("1")).write_bytes(b"x")
    build_site(out, dataset=info)
    page = " ".join((out / "dataset.html").read_text().split())
    assert "The archive holds no slide." in page and "open_only = true" in page
    assert "All 0" not in page and "Every deck in the archive carries an open licence" not in page
    assert "Its decks are fictional" not in page
    assert ("1 deck with no open licence is shown on this site but left out of the archive"
            in page)
