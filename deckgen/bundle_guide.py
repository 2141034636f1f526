"""The data card's advice to its users: how to cite the dataset, whom to credit, how to split.

One BibTeX entry serves the data card, Croissant's ``citeAs`` and the site's dataset page
(``build_bundle`` returns it as ``citation``). Nothing
here is made up: the url is the site's when it has a base_url, the publisher its title
when set, the year the dataset's date; no author is named, since none is recorded.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from deckgen import __version__
from deckgen.text import facet_key

if TYPE_CHECKING:
    from deckgen.bundle_card import CardContext

DEFAULT_SITE_TITLE = "deckgen"  # config.SiteParams' default: names the tool, not a publisher
FIXED_DATE = "2024-01-01"  # bundle.FIXED_EPOCH's day, the date when SOURCE_DATE_EPOCH is unset
TEST_ONE_IN = 5  # the split snippet's rule: a company is test when its key's hash % 5 == 0


def dataset_page_url(base_url: str) -> str:
    return base_url.rstrip("/") + "/dataset.html"


def bibtex_key(full_version: str) -> str:
    """A key per version ("deckgen_slides_1_0_0_eb5146362542"): two versions never share one."""
    return "deckgen_slides_" + re.sub(r"[^0-9A-Za-z]+", "_", full_version).strip("_")


def publisher(site_title: str) -> str:
    """The site's title, when the config names one (the default names only the tool)."""
    title = " ".join(site_title.split())
    return "" if title in ("", DEFAULT_SITE_TITLE) else title


def _bibtex_text(value: str) -> str:
    # braces and backslashes would end the field or start a command in BibTeX; & % # $ _
    # are LaTeX's own characters, escaped
    return re.sub(r"([&%#$_])", r"\\\1", re.sub(r"[{}\\]", "", value))


def bibtex(ctx: CardContext) -> str:
    from deckgen.bundle_card import ARCHIVE_STEM, PRETTY_NAME

    fields = [("title", PRETTY_NAME), ("version", ctx.full_version)]
    if publisher(ctx.site_title):
        fields.append(("publisher", _bibtex_text(publisher(ctx.site_title))))
    if ctx.date:  # no year rather than a placeholder's
        fields.append(("year", ctx.date[:4]))
    if ctx.base_url:
        fields.append(("url", dataset_page_url(ctx.base_url)))
    else:
        fields.append(("howpublished", f"{ARCHIVE_STEM}-v{ctx.version}.tar.gz"))
    decks = "1 pitch deck" if len(ctx.decks) == 1 else f"{len(ctx.decks)} pitch decks"
    fields.append(("note", f"Slides of {decks}, each under its deck's licence" if ctx.decks
                   else "No slides: the archive holds only its documents"))
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    return f"@misc{{{bibtex_key(ctx.full_version)},\n{body}\n}}"


def citation(ctx: CardContext) -> list[str]:
    """The card's "How to cite" section."""
    if ctx.date:
        date = "This build set it."
    else:
        date = ("This build did not set it, so the entry has no year: add the year you "
                "downloaded the dataset when you cite it.")
    where = ("`url` is the site's dataset page." if ctx.base_url else
             "This build had no site base_url, so the entry has no url: add the address "
             "you downloaded the archive from.")
    return [
        "```bibtex", bibtex(ctx), "```", "",
        f"The key carries the version, so each version is cited apart. {where} The year is "
        "the dataset's date: `SOURCE_DATE_EPOCH` when the build set it (a publisher sets it "
        f"to the release day). {date}",
        "",
        _credit(ctx),
    ]


def _credit(ctx: CardContext) -> str:
    who = (f"the site that publishes it ({publisher(ctx.site_title)})"
           if publisher(ctx.site_title) else "no author or publisher")
    fictional, total = ctx.fictional, len(ctx.decks)
    if not total:
        decks = "The archive holds no slide, so there is no one to credit."
    elif fictional == total:
        decks = ("Its decks are fictional (`deckgen sample` made them): there is no company "
                 "behind them to credit.")
    else:
        real = total - fictional
        unmarked = " not marked fictional" if fictional else ""
        which = (f"the deck{unmarked}" if real == 1
                 else f"each of the {real} decks{unmarked} that you use")
        decks = (f"The slides belong to the companies whose decks they are: credit {which} "
                 "by its company and licence, as listed under \"Decks and licences\".")
    return f"deckgen records {who} for this dataset, so the entry names no author. {decks}"


# legal forms a company's name may end in ("Acme Inc." is Acme): whole words, after folding
LEGAL_FORMS = ("inc", "llc", "ltd", "limited", "gmbh", "corp", "corporation", "co", "plc", "ag",
               "sa", "bv", "pty", "ab", "oy", "as")

# the card's split snippet, as it prints it; split_group and group_split run the same here
SPLIT_SNIPPET = f"""import hashlib
import unicodedata

LEGAL_FORMS = {{{", ".join(f'"{form}"' for form in LEGAL_FORMS)}}}

def group(row: dict) -> str:  # the company however it is written: "ACME, Inc." = "Acme" = "acme"
    text = unicodedata.normalize("NFKC", row["company"] or "").upper().lower().replace("ς", "σ")
    words = "".join(c if unicodedata.category(c)[0] in "LNM" else " " for c in text).split()
    if len(words) > 2 and len(words[-1]) == len(words[-2]) == 1:  # "S.A." is "sa"
        words[-2:] = [words[-2] + words[-1]]
    while len(words) > 1 and words[-1] in LEGAL_FORMS:  # "Acme Pty Ltd" is "acme"
        words.pop()
    return "".join(words) or row["deck"]  # letters and digits only; no company: the deck

def split(row: dict) -> str:  # one company in {TEST_ONE_IN} on average, the same everywhere
    digest = int(hashlib.sha256(group(row).encode()).hexdigest(), 16)
    return "test" if digest % {TEST_ONE_IN} == 0 else "train"
"""


def splits(ctx: CardContext) -> list[str]:
    """The card's "Splits" section: by company, with what its snippet gives on these decks."""
    shared = (" The fictional decks also share one generator's templates and phrase banks, so "
              "even a company split overstates how a model does on real decks."
              if ctx.fictional else "")
    return [
        "The archive declares one split, `train`, holding every slide: make your own, by "
        "company. Slides of one deck are not independent (one company, template, fonts and "
        "wording), nor are two decks of one company (a 2019 and a 2021 version, or a "
        "re-export): split on the `company` field, compared by its letters and digits "
        "alone (case, width, spaces and punctuation aside) and without a legal form "
        "at its end (Inc., Ltd, GmbH, S.A. ...), and on the `deck` id where no company is "
        "stated, for example deterministically by a hash of it as below (letters with "
        "accents or in other scripts count as they are: \"Café\" is not \"Cafe\"). A split "
        "by deck puts versions of one company's deck on both sides; a random split of "
        "slides puts pages of one deck on both sides; both overstate results." + shared,
        "",
        "```python",
        *SPLIT_SNIPPET.rstrip("\n").split("\n"),
        "```",
        "",
        split_outcome(ctx),
        *shared_files(ctx),
    ]


def split_group(row: Mapping[str, Any]) -> str:
    """The snippet's ``group``: the company's letters and digits (``facet_key``'s folding,
    then no punctuation or space) less a legal form at its end, or the deck slug when none:
    "Ember-Nest" and "Embernest", "Acme Inc." and "ACME" are one company."""
    return company_key(str(row.get("company") or "")) or str(row["deck"])


def company_key(company: str) -> str:
    """``split_group``'s key of a company name ("" when it has no letter or digit)."""
    words = facet_key(company).split("-")
    if len(words) > 2 and len(words[-1]) == len(words[-2]) == 1:  # "S.A.", "B.V." as one word
        words[-2:] = [words[-2] + words[-1]]
    while len(words) > 1 and words[-1] in LEGAL_FORMS:  # "Acme Pty Ltd" is Acme
        words.pop()
    return "".join(words)


def group_split(group: str) -> str:
    """The card's split snippet, run here: the card reports what it gives on these decks."""
    digest = int(hashlib.sha256(group.encode()).hexdigest(), 16)
    return "test" if digest % TEST_ONE_IN == 0 else "train"


def shared_files(ctx: CardContext) -> list[str]:
    """A sentence on slides whose source file is in decks of more than one company (a copied
    folder under another name, a deck re-using another's slides): the split can put one image
    on both sides."""
    groups_of: dict[str, set[str]] = {}
    for row in ctx.rows:
        groups_of.setdefault(row["source_sha256"], set()).add(split_group(row))
    shared = sum(len(groups) > 1 for groups in groups_of.values())
    if not shared:
        return []
    return ["", f"{_n(shared, 'source file')} {'is' if shared == 1 else 'are'} in decks of "
            "more than one company (the same `source_sha256`: a copied deck, or one re-using "
            "another's slides), so a split by company can put the same image on both sides: "
            "keep the companies that share one on the same side."]


def check_download(root: str) -> list[str]:
    """How to check the archive ``root``.tar.gz and its files, with deckgen or without."""
    return [
        "No deckgen needed: `sha256sum " + root + ".tar.gz` must print the SHA-256 shown "
        "where you downloaded it (an archive cannot hold its own checksum); inside the "
        "unpacked folder, `sha256sum -c SHA256SUMS` checks every file.",
        "",
        "```",
        f"sha256sum {root}.tar.gz",
        f"tar -xzf {root}.tar.gz && cd {root} && sha256sum -c SHA256SUMS",
        "```",
        "",
        f"`deckgen bundle verify {root}.tar.gz` also checks the schema, the values and that "
        f"these documents agree with the files. deckgen {__version__}, the tool that built "
        "this archive, has no published download address this card can name; the PyPI "
        "project named deckgen is unrelated, so do not install deckgen from PyPI.",
    ]


def split_outcome(ctx: CardContext) -> str:
    """What the snippet gives on this dataset, and whether it keeps every company and every
    source file on one side (a file in decks of two companies may land on both)."""
    if not ctx.rows:
        return "This archive holds no slide, so the snippet has nothing to split."
    companies: dict[str, set[str]] = {"train": set(), "test": set()}
    decks: dict[str, set[str]] = {"train": set(), "test": set()}
    slides = {"train": 0, "test": 0}
    sides_of_file: dict[str, set[str]] = {}
    for row in ctx.rows:
        side = group_split(split_group(row))
        companies[side].add(split_group(row))
        decks[side].add(row["deck"])
        slides[side] += 1
        sides_of_file.setdefault(row["source_sha256"], set()).add(side)
    share = 100 * slides["test"] / len(ctx.rows) if ctx.rows else 0.0
    both = sum(len(sides) > 1 for sides in sides_of_file.values())
    files = (f"but {_n(both, 'source file')} {'is' if both == 1 else 'are'} on both sides "
             "(below)" if both else "and no source file is on both sides")
    return (f"On this dataset it puts {_n(len(companies['test']), 'company')} "
            f"({_n(len(decks['test']), 'deck')}, {_n(slides['test'], 'slide')}, "
            f"{share:.1f}% of the slides) in test and {_n(len(companies['train']), 'company')} "
            f"({_n(len(decks['train']), 'deck')}, {_n(slides['train'], 'slide')}) in train. "
            f"No company (as `group` reads it) is on both sides, {files}. One company in "
            f"{TEST_ONE_IN} lands in test on average, but with few companies the share can be "
            "far from that: count it before you rely on it.")


def _n(count: int, noun: str) -> str:
    if count != 1 and noun.endswith("y"):
        return f"{count} {noun[:-1]}ies"  # companies
    return f"{count} {noun}{'' if count == 1 else 's'}"


# Tesseract's codes (ISO 639-2/T, chi for Chinese) with an ISO 639-1 code, for the card's
# `language:` metadata; others are kept as they are (a valid ISO 639-2/3 code there too)
_ISO_639_1 = {
    "eng": "en", "deu": "de", "fra": "fr", "spa": "es", "ita": "it", "por": "pt", "nld": "nl",
    "jpn": "ja", "chi": "zh", "kor": "ko", "rus": "ru", "ara": "ar", "hin": "hi", "pol": "pl",
    "tur": "tr", "swe": "sv", "dan": "da", "nor": "no", "fin": "fi", "ces": "cs", "ell": "el",
    "heb": "he", "ukr": "uk", "ron": "ro", "hun": "hu", "vie": "vi", "tha": "th", "ind": "id",
    "frk": "de",  # Tesseract's German in Fraktur, not ISO's Frankish
}


def languages(lang: str) -> list[str]:
    """Tesseract's ``-l`` value ("eng+deu", "chi_sim") as ISO 639-1 codes where there is one
    ("en", "de", "zh"), else its ISO 639-2/3 code; scripts ("script/Latin") and osd are no
    languages, so a script model alone names none."""
    codes = [part.split("_")[0].lower() for part in lang.split("+")]
    named = [_ISO_639_1.get(code, code) for code in codes
             if re.fullmatch(r"[a-z]{3}", code) and code not in ("osd", "equ")]
    return list(dict.fromkeys(named))
