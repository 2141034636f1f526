"""How text is cut into words and folded: one place for it, shared by the index, slugs,
facets and OCR.

A word's characters (``WORD_CHARS``, with every combining mark), how search spells a word
on both sides (``fold``: Latin accents, Arabic and Hebrew spellings), what one token is
searched as (``search_pieces``: NFKC, every script's digits as 0-9, Chinese, Japanese,
Korean, Thai, Lao, Khmer and Myanmar runs as pairs), an amount ("$4.2M", "4.2 million":
``amount_forms``) and "R&D" (``AMPERSAND_WORD``), a filter value's key (``facet_key``),
and the script ranges OCR's word joining reads (``CJK_LETTERS``, ``UNSPACED``...).

Its JavaScript twin is site_templates/static/search.js; tests/tokenize_cases.json keeps
the two equal, case by case.
"""

from __future__ import annotations

import re
import unicodedata

# Latin letters with accents, and those NFD cannot split, fold to plain letters: in search
# on both sides ("equipe" finds "L'équipe", "strasse" "Straße"; search.js's fold is the
# same) and in slugs. Latin only: a mark is a letter of its own in other scripts (й is not и).
_LATIN_ACCENTED = re.compile("[\u00c0-\u024f\u1e00-\u1eff]")
_FOLD_LETTERS = {"ß": "ss", "ø": "o", "ł": "l", "đ": "d", "æ": "ae", "œ": "oe", "þ": "th",
                 "ð": "d", "ı": "i", "ŀ": "l", "ħ": "h", "ŧ": "t", "ƀ": "b", "ƶ": "z", "ŋ": "ng"}


def _fold_letter(match: re.Match) -> str:
    # the accents off, then the letter spelt out ("ǽ": "æ": "ae")
    bare = "".join(c for c in unicodedata.normalize("NFD", match[0])
                   if unicodedata.category(c) != "Mn")
    return _FOLD_LETTERS.get(bare, bare)


# Every combining mark (Unicode M*) of Python's Unicode, as (first, last) code points: Python's
# re has no \p{M}. A literal, as scanning the code points at import cost every CLI call and
# worker 25 ms; tests/test_index.py regenerates it, so a newer Unicode in Python is noticed.
# --- begin mark ranges (tools/mark_ranges.py writes this block) ---
_MARKS_UNICODE = "14.0.0"
_MARK_RANGES: tuple[tuple[int, int], ...] = (
    (0x0300, 0x036F), (0x0483, 0x0489), (0x0591, 0x05BD), (0x05BF, 0x05BF), (0x05C1, 0x05C2),
    (0x05C4, 0x05C5), (0x05C7, 0x05C7), (0x0610, 0x061A), (0x064B, 0x065F), (0x0670, 0x0670),
    (0x06D6, 0x06DC), (0x06DF, 0x06E4), (0x06E7, 0x06E8), (0x06EA, 0x06ED), (0x0711, 0x0711),
    (0x0730, 0x074A), (0x07A6, 0x07B0), (0x07EB, 0x07F3), (0x07FD, 0x07FD), (0x0816, 0x0819),
    (0x081B, 0x0823), (0x0825, 0x0827), (0x0829, 0x082D), (0x0859, 0x085B), (0x0898, 0x089F),
    (0x08CA, 0x08E1), (0x08E3, 0x0903), (0x093A, 0x093C), (0x093E, 0x094F), (0x0951, 0x0957),
    (0x0962, 0x0963), (0x0981, 0x0983), (0x09BC, 0x09BC), (0x09BE, 0x09C4), (0x09C7, 0x09C8),
    (0x09CB, 0x09CD), (0x09D7, 0x09D7), (0x09E2, 0x09E3), (0x09FE, 0x09FE), (0x0A01, 0x0A03),
    (0x0A3C, 0x0A3C), (0x0A3E, 0x0A42), (0x0A47, 0x0A48), (0x0A4B, 0x0A4D), (0x0A51, 0x0A51),
    (0x0A70, 0x0A71), (0x0A75, 0x0A75), (0x0A81, 0x0A83), (0x0ABC, 0x0ABC), (0x0ABE, 0x0AC5),
    (0x0AC7, 0x0AC9), (0x0ACB, 0x0ACD), (0x0AE2, 0x0AE3), (0x0AFA, 0x0AFF), (0x0B01, 0x0B03),
    (0x0B3C, 0x0B3C), (0x0B3E, 0x0B44), (0x0B47, 0x0B48), (0x0B4B, 0x0B4D), (0x0B55, 0x0B57),
    (0x0B62, 0x0B63), (0x0B82, 0x0B82), (0x0BBE, 0x0BC2), (0x0BC6, 0x0BC8), (0x0BCA, 0x0BCD),
    (0x0BD7, 0x0BD7), (0x0C00, 0x0C04), (0x0C3C, 0x0C3C), (0x0C3E, 0x0C44), (0x0C46, 0x0C48),
    (0x0C4A, 0x0C4D), (0x0C55, 0x0C56), (0x0C62, 0x0C63), (0x0C81, 0x0C83), (0x0CBC, 0x0CBC),
    (0x0CBE, 0x0CC4), (0x0CC6, 0x0CC8), (0x0CCA, 0x0CCD), (0x0CD5, 0x0CD6), (0x0CE2, 0x0CE3),
    (0x0D00, 0x0D03), (0x0D3B, 0x0D3C), (0x0D3E, 0x0D44), (0x0D46, 0x0D48), (0x0D4A, 0x0D4D),
    (0x0D57, 0x0D57), (0x0D62, 0x0D63), (0x0D81, 0x0D83), (0x0DCA, 0x0DCA), (0x0DCF, 0x0DD4),
    (0x0DD6, 0x0DD6), (0x0DD8, 0x0DDF), (0x0DF2, 0x0DF3), (0x0E31, 0x0E31), (0x0E34, 0x0E3A),
    (0x0E47, 0x0E4E), (0x0EB1, 0x0EB1), (0x0EB4, 0x0EBC), (0x0EC8, 0x0ECD), (0x0F18, 0x0F19),
    (0x0F35, 0x0F35), (0x0F37, 0x0F37), (0x0F39, 0x0F39), (0x0F3E, 0x0F3F), (0x0F71, 0x0F84),
    (0x0F86, 0x0F87), (0x0F8D, 0x0F97), (0x0F99, 0x0FBC), (0x0FC6, 0x0FC6), (0x102B, 0x103E),
    (0x1056, 0x1059), (0x105E, 0x1060), (0x1062, 0x1064), (0x1067, 0x106D), (0x1071, 0x1074),
    (0x1082, 0x108D), (0x108F, 0x108F), (0x109A, 0x109D), (0x135D, 0x135F), (0x1712, 0x1715),
    (0x1732, 0x1734), (0x1752, 0x1753), (0x1772, 0x1773), (0x17B4, 0x17D3), (0x17DD, 0x17DD),
    (0x180B, 0x180D), (0x180F, 0x180F), (0x1885, 0x1886), (0x18A9, 0x18A9), (0x1920, 0x192B),
    (0x1930, 0x193B), (0x1A17, 0x1A1B), (0x1A55, 0x1A5E), (0x1A60, 0x1A7C), (0x1A7F, 0x1A7F),
    (0x1AB0, 0x1ACE), (0x1B00, 0x1B04), (0x1B34, 0x1B44), (0x1B6B, 0x1B73), (0x1B80, 0x1B82),
    (0x1BA1, 0x1BAD), (0x1BE6, 0x1BF3), (0x1C24, 0x1C37), (0x1CD0, 0x1CD2), (0x1CD4, 0x1CE8),
    (0x1CED, 0x1CED), (0x1CF4, 0x1CF4), (0x1CF7, 0x1CF9), (0x1DC0, 0x1DFF), (0x20D0, 0x20F0),
    (0x2CEF, 0x2CF1), (0x2D7F, 0x2D7F), (0x2DE0, 0x2DFF), (0x302A, 0x302F), (0x3099, 0x309A),
    (0xA66F, 0xA672), (0xA674, 0xA67D), (0xA69E, 0xA69F), (0xA6F0, 0xA6F1), (0xA802, 0xA802),
    (0xA806, 0xA806), (0xA80B, 0xA80B), (0xA823, 0xA827), (0xA82C, 0xA82C), (0xA880, 0xA881),
    (0xA8B4, 0xA8C5), (0xA8E0, 0xA8F1), (0xA8FF, 0xA8FF), (0xA926, 0xA92D), (0xA947, 0xA953),
    (0xA980, 0xA983), (0xA9B3, 0xA9C0), (0xA9E5, 0xA9E5), (0xAA29, 0xAA36), (0xAA43, 0xAA43),
    (0xAA4C, 0xAA4D), (0xAA7B, 0xAA7D), (0xAAB0, 0xAAB0), (0xAAB2, 0xAAB4), (0xAAB7, 0xAAB8),
    (0xAABE, 0xAABF), (0xAAC1, 0xAAC1), (0xAAEB, 0xAAEF), (0xAAF5, 0xAAF6), (0xABE3, 0xABEA),
    (0xABEC, 0xABED), (0xFB1E, 0xFB1E), (0xFE00, 0xFE0F), (0xFE20, 0xFE2F), (0x101FD, 0x101FD),
    (0x102E0, 0x102E0), (0x10376, 0x1037A), (0x10A01, 0x10A03), (0x10A05, 0x10A06),
    (0x10A0C, 0x10A0F), (0x10A38, 0x10A3A), (0x10A3F, 0x10A3F), (0x10AE5, 0x10AE6),
    (0x10D24, 0x10D27), (0x10EAB, 0x10EAC), (0x10F46, 0x10F50), (0x10F82, 0x10F85),
    (0x11000, 0x11002), (0x11038, 0x11046), (0x11070, 0x11070), (0x11073, 0x11074),
    (0x1107F, 0x11082), (0x110B0, 0x110BA), (0x110C2, 0x110C2), (0x11100, 0x11102),
    (0x11127, 0x11134), (0x11145, 0x11146), (0x11173, 0x11173), (0x11180, 0x11182),
    (0x111B3, 0x111C0), (0x111C9, 0x111CC), (0x111CE, 0x111CF), (0x1122C, 0x11237),
    (0x1123E, 0x1123E), (0x112DF, 0x112EA), (0x11300, 0x11303), (0x1133B, 0x1133C),
    (0x1133E, 0x11344), (0x11347, 0x11348), (0x1134B, 0x1134D), (0x11357, 0x11357),
    (0x11362, 0x11363), (0x11366, 0x1136C), (0x11370, 0x11374), (0x11435, 0x11446),
    (0x1145E, 0x1145E), (0x114B0, 0x114C3), (0x115AF, 0x115B5), (0x115B8, 0x115C0),
    (0x115DC, 0x115DD), (0x11630, 0x11640), (0x116AB, 0x116B7), (0x1171D, 0x1172B),
    (0x1182C, 0x1183A), (0x11930, 0x11935), (0x11937, 0x11938), (0x1193B, 0x1193E),
    (0x11940, 0x11940), (0x11942, 0x11943), (0x119D1, 0x119D7), (0x119DA, 0x119E0),
    (0x119E4, 0x119E4), (0x11A01, 0x11A0A), (0x11A33, 0x11A39), (0x11A3B, 0x11A3E),
    (0x11A47, 0x11A47), (0x11A51, 0x11A5B), (0x11A8A, 0x11A99), (0x11C2F, 0x11C36),
    (0x11C38, 0x11C3F), (0x11C92, 0x11CA7), (0x11CA9, 0x11CB6), (0x11D31, 0x11D36),
    (0x11D3A, 0x11D3A), (0x11D3C, 0x11D3D), (0x11D3F, 0x11D45), (0x11D47, 0x11D47),
    (0x11D8A, 0x11D8E), (0x11D90, 0x11D91), (0x11D93, 0x11D97), (0x11EF3, 0x11EF6),
    (0x16AF0, 0x16AF4), (0x16B30, 0x16B36), (0x16F4F, 0x16F4F), (0x16F51, 0x16F87),
    (0x16F8F, 0x16F92), (0x16FE4, 0x16FE4), (0x16FF0, 0x16FF1), (0x1BC9D, 0x1BC9E),
    (0x1CF00, 0x1CF2D), (0x1CF30, 0x1CF46), (0x1D165, 0x1D169), (0x1D16D, 0x1D172),
    (0x1D17B, 0x1D182), (0x1D185, 0x1D18B), (0x1D1AA, 0x1D1AD), (0x1D242, 0x1D244),
    (0x1DA00, 0x1DA36), (0x1DA3B, 0x1DA6C), (0x1DA75, 0x1DA75), (0x1DA84, 0x1DA84),
    (0x1DA9B, 0x1DA9F), (0x1DAA1, 0x1DAAF), (0x1E000, 0x1E006), (0x1E008, 0x1E018),
    (0x1E01B, 0x1E021), (0x1E023, 0x1E024), (0x1E026, 0x1E02A), (0x1E130, 0x1E136),
    (0x1E2AE, 0x1E2AE), (0x1E2EC, 0x1E2EF), (0x1E8D0, 0x1E8D6), (0x1E944, 0x1E94A),
    (0xE0100, 0xE01EF),
)
# --- end mark ranges ---


# A word's letters, digits and combining marks: Devanagari vowel signs and viramas, Thai
# vowels and tone marks, Arabic harakat and Hebrew niqqud are inside words, not between
# them; so are the joiners ZWNJ and ZWJ of Persian and Indic words (fold drops them). LRM
# and RLM are not. search.js's WORD is [\p{L}\p{N}_\p{M}\u200c\u200d]: the same over
# Unicode 14 (Python 3.11's unicodedata); a browser knows marks assigned since then too.
MARKS = "".join(chr(a) + (f"-{chr(b)}" if b > a else "") for a, b in _MARK_RANGES)
JOINERS = "\u200c\u200d"
# a number written with thousands separators, one search word: "1,200", "１，２００", "٢٬٠٠٠",
# and Indian grouping, "1,00,000" (\d: any script's digits, search.js's \p{Nd}); the
# separators go after NFKC, which makes "，" "," (THOUSANDS). Ten groups at most, more than
# any amount needs: unbounded, a hostile "12,12,12,…" took time squared in its length, the
# run rescanned from every start (13 s for 40,000 characters); search.js is bounded alike
DIGIT_GROUPS = r"\d{1,3}(?:[,\uff0c\u066c]\d{2,3}){0,8}[,\uff0c\u066c]\d{3}(?!\d)"
THOUSANDS = re.compile("[,\u066c]")
WORD_CHARS = f"\\w{MARKS}{JOINERS}"  # a regex class body

# An amount: a number and its magnitude, attached ("$4.2M", "226K", "$77bn") or one space
# apart ("4.2 million", "$2 M"), is searched as its value written out, "4200000", as
# "4,200,000" is: each way of writing it finds the others (``amount_forms``). search.js's
# MAGNITUDES and amountForms are the same.
MAGNITUDES = {"k": 3, "thousand": 3, "m": 6, "mm": 6, "mn": 6, "mio": 6, "million": 6,
              "b": 9, "bn": 9, "billion": 9, "t": 12, "tn": 12, "trillion": 12}
# An amount is one token: a number, a decimal point or comma ("€4,2M", "5,5 Mio": 5.5, where
# "5,5" alone is two words), then its magnitude in any case, attached or a space apart, not
# before more of a word, an "&" or a hyphen ("4 months", "3 M&A deals", "500 K-12 schools")
AMOUNT_WORD = (rf"(?:{DIGIT_GROUPS}|\d+)(?:\.\d+|,\d{{1,2}}(?!\d))? ?(?:"
               + "|".join("".join(f"[{c}{c.upper()}]" for c in word) for word in MAGNITUDES)
               + rf")(?![{WORD_CHARS}&-])")
DECIMAL_COMMA = re.compile(r",(?=[0-9]{1,2} ?[a-z])")  # in a folded amount, before THOUSANDS
_AMOUNT = re.compile(rf"([0-9]+(?:\.[0-9]+)?)( ?)({'|'.join(MAGNITUDES)})")
# "R&D", "P&L", "M&A", "AT&T": Latin letters joined by "&", one or two each and one part a
# single letter, are one word (apart, each was too short to search), and so are single
# letters with a space around the "&" ("R & D"); "AI&ML" and "AI & ML" stay two words.
# Eight parts at most: a hostile "ab&ab&…" is rescanned from each start.
AMPERSAND_WORD = (r"(?:(?=(?:[A-Za-z]{1,2}&){0,7}[A-Za-z](?![A-Za-z]))"
                  r"[A-Za-z]{1,2}(?:&[A-Za-z]{1,2}){1,7}"
                  rf"|[A-Za-z](?: ?& ?[A-Za-z]){{1,7}})(?![{WORD_CHARS}])")
AMPERSAND_SPACES = re.compile(" ?& ?")


def amount_forms(word: str) -> tuple[str, ...]:
    """A folded word as search reads it, then what the index also holds at its place: an
    amount's value, its number as written and a magnitude written apart ("4.2m": "4200000",
    "4.2"; "2 million": "2000000", "2", "million"), exactly (no rounding); else ``(word,)``."""
    match = _AMOUNT.fullmatch(word)
    if not match:
        return (word,)
    number, apart, magnitude = match.groups()
    whole, _, fraction = number.partition(".")
    zeros = MAGNITUDES[magnitude]
    fraction = fraction.ljust(zeros, "0")
    value = (whole + fraction[:zeros]).lstrip("0") or "0"
    if rest := fraction[zeros:].rstrip("0"):
        value += "." + rest
    return (value, number, magnitude) if apart else (value, number)


# Arabic and Hebrew as typed on either side of a search: harakat, tatweel and niqqud go;
# alef with hamza or madda is alef, teh marbuta heh, alef maksura and Farsi yeh are yeh,
# keheh is kaf; the joiners go (a Persian word is found typed with or without its ZWNJ).
# Devanagari and Thai keep their marks: they are vowels there (किसान is not कसन).
# search.js's fold is the same. (Digits and nuktas are search_pieces': slugs fold too, and
# a deck named "Acme ٢" keeps its slug.)
_SCRIPT_FOLD = str.maketrans({
    **dict.fromkeys([*map(chr, range(0x064B, 0x0660)), "\u0670", "\u0640"]),
    **dict.fromkeys([chr(c) for c in range(0x0591, 0x05C8)
                     if unicodedata.category(chr(c)) == "Mn"]),
    **dict.fromkeys(["\u200c", "\u200d"]),
    **dict.fromkeys("أإآٱ", "ا"), "ة": "ه", "ى": "ي", "ی": "ي", "ک": "ك",
})
# Every decimal digit (Unicode Nd: Arabic-Indic, Persian, Devanagari "२०२५", Bengali, Thai
# "๒๕๖๗"...) is 0-9 in search ("2025" finds "२०२५"), as NFKC makes "２" 2. Each block is ten
# digits from its zero; the zeros are one table that tools/mark_ranges.py writes here and
# into search.js (DIGIT_ZEROS), so both sides read the same digits, whatever the browser's
# Unicode. One character for one, so offsets hold.
# --- begin digit zeros (tools/mark_ranges.py writes this block) ---
_DIGIT_ZEROS: tuple[int, ...] = (
    0x0660, 0x06F0, 0x07C0, 0x0966, 0x09E6, 0x0A66, 0x0AE6, 0x0B66, 0x0BE6, 0x0C66, 0x0CE6, 0x0D66,
    0x0DE6, 0x0E50, 0x0ED0, 0x0F20, 0x1040, 0x1090, 0x17E0, 0x1810, 0x1946, 0x19D0, 0x1A80, 0x1A90,
    0x1B50, 0x1BB0, 0x1C40, 0x1C50, 0xA620, 0xA8D0, 0xA900, 0xA9D0, 0xA9F0, 0xAA50, 0xABF0, 0xFF10,
    0x104A0, 0x10D30, 0x11066, 0x110F0, 0x11136, 0x111D0, 0x112F0, 0x11450, 0x114D0, 0x11650,
    0x116C0, 0x11730, 0x118E0, 0x11950, 0x11C50, 0x11D50, 0x11DA0, 0x16A60, 0x16AC0, 0x16B50,
    0x1D7CE, 0x1D7D8, 0x1D7E2, 0x1D7EC, 0x1D7F6, 0x1E140, 0x1E2F0, 0x1E950, 0x1FBF0,
)
# --- end digit zeros ---
# Hindi, Bengali, Punjabi, Gujarati and Odia typists mostly leave out the nukta ("बाजार" for
# "बाज़ार"): search drops it on both sides. NFKC splits the letters with a nukta but three
# (ऩ ऱ ऴ, which it composes): those are their letters without it. Search only, like the
# digits: slugs keep it (search.js's searchPieces is the same).
_NUKTAS = "\u093c\u09bc\u0a3c\u0abc\u0b3c"
_SEARCH_FOLD = str.maketrans({
    **{chr(zero + d): str(d) for zero in _DIGIT_ZEROS for d in range(10)},
    **dict.fromkeys(_NUKTAS),
    "\u0929": "\u0928", "\u0931": "\u0930", "\u0934": "\u0933",
})


def fold(word: str) -> str:
    """A lower-case word as search compares it: Latin accents folded away ("équipe":
    "equipe"), Arabic and Hebrew spelt one way (``_SCRIPT_FOLD``)."""
    if word.isascii():  # most words: nothing to fold, and tokenizing English stays fast
        return word
    return _fold_any(word)


def _fold_any(word: str) -> str:
    """``fold`` without its shortcut for ASCII (tests hold the two equal)."""
    return _LATIN_ACCENTED.sub(_fold_letter, word).translate(_SCRIPT_FOLD)


# Chinese and Japanese run their words together: OCR's words there join without spaces, and
# search indexes each pair of neighbouring characters (as Lucene's CJK analyzer does), so
# "請求書" finds a slide that says "請求書の処理". Korean spaces its words but its syllable
# blocks get the same pairs ("시장은" holds "시장"). search.js uses the same ranges.
_HAN_KANA = ("\u3005-\u3007\u3040-\u309f\u30a1-\u30fa\u30fc-\u30ff\u31f0-\u31ff"
             "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f\U00020000-\U0003ffff")
_HANGUL = "\u1100-\u11ff\u3131-\u318e\uac00-\ud7a3"
CJK_LETTERS = re.compile(f"[{_HAN_KANA}{_HANGUL}]+")
# Chinese and Japanese set no space between words, nor around their own punctuation
UNSPACED = re.compile(f"[{_HAN_KANA}\u3000-\u303f\uff01-\uff0f\uff1a-\uff20]")
HANGUL = re.compile(f"[{_HANGUL}]")
HAN_KANA = re.compile(f"[{_HAN_KANA}]")
# the spaces a quoted phrase has between Chinese or Japanese characters: OCR's text has none
PHRASE_GAP = re.compile(f"([{_HAN_KANA}])[ \u3000]+(?=[{_HAN_KANA}])")  # keep group 1


# Thai, Lao, Khmer and Myanmar write no spaces between words either: their runs are cut
# into pairs as Chinese is ("ตลาด" finds "ตลาดอาหารออนไลน์"). Search only: OCR's word
# joining keeps to UNSPACED.
_THAI_LAO_KHMER_MYANMAR = "\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff"
_PAIRED = f"{_HAN_KANA}{_HANGUL}{_THAI_LAO_KHMER_MYANMAR}"
# pairs of Chinese and Japanese, which set no space between words: whatever parts two of
# their runs (a "・", a space, a line) parts two words, so search leaves a free position
# there. Not Korean, spaced as English is, nor Thai, Lao, Khmer and Myanmar, whose spaces
# part phrases: a quoted phrase of theirs stays one phrase, in order (QA-41).
UNSPACED_PAIR = re.compile(f"[{_HAN_KANA}]")
# a run of letters that search cuts into pairs: marks and joiners after one of its letters
# stay in it (search.js's PAIRED_LETTERS, [P][P marks joiners]*, is the same run: this form
# has the long class once, and compiles in half the time at import)
PAIRED_LETTERS = re.compile(f"(?:[{_PAIRED}][{MARKS}{JOINERS}]*)+")
# A pair is of two characters each with the marks that follow it ("อร่อย" is "อร่",
# "ร่อ", "อย"), so no pair starts with a lone mark (a Thai tone mark, a vowel sign): a
# character starts a new one unless it is a mark or a joiner. No grapheme rules beyond
# that: search.js splits the same way with the same one regex.
_CLUSTER = re.compile(f".[{MARKS}{JOINERS}]*", re.DOTALL)


def search_pieces(token: str) -> list[tuple[str, int, int]]:
    """What one token of text is searched as, (text, start, end): its NFKC form (full-width
    "ＡＩ" is "AI", half-width "ﾌｨﾝﾃｯｸ" "フィンテック") with every script's digits as 0-9
    and no nukta (``_SEARCH_FOLD``), cut by ``cjk_pieces``. Offsets are in ``token``; where
    that changed its length, every piece spans the whole token."""
    return [(text, start, end) for text, start, end, _ in search_runs(token)]


def search_runs(token: str) -> list[tuple[str, int, int, bool]]:
    """``search_pieces``, each piece with whether it starts a run rather than going on with
    the pair before it (which it overlaps), read in the NFKC text, so it holds where NFKC
    changed the token's length too (search.js's searchPieces gives the same)."""
    if token.isascii() and token and token[0] != "." and token[-1] != ".":
        return [(token, 0, len(token), True)]  # NFKC, digits and pairs leave it whole: fast
    return _search_runs_any(token)


def _search_runs_any(token: str) -> list[tuple[str, int, int, bool]]:
    """``search_runs`` without its shortcut for ASCII (tests hold the two equal)."""
    norm = unicodedata.normalize("NFKC", token).translate(_SEARCH_FOLD)
    same = len(norm) == len(token)
    runs, run_end = [], -1
    for a, b in cjk_pieces(norm):
        runs.append((norm[a:b], a if same else 0, b if same else len(token), a >= run_end))
        run_end = b
    return runs


def _search_pieces_any(token: str) -> list[tuple[str, int, int]]:
    """``search_pieces`` without its shortcut for ASCII (tests hold the two equal)."""
    return [(text, start, end) for text, start, end, _ in _search_runs_any(token)]


def cjk_pieces(word: str) -> list[tuple[int, int]]:
    """Where ``word`` (one token) splits for search: each pair of neighbouring characters
    (with their marks) in a run of ``PAIRED_LETTERS`` (a lone one on its own), and the runs
    of other letters whole, less the dots at their ends: "AI技術者" is "AI", "技術", "術者";
    "พ.ศ.2567" is "พ", "ศ", "2567" (the query cuts its words there too: "2567" finds it)."""
    pieces: list[tuple[int, int]] = []
    at = 0
    for run in PAIRED_LETTERS.finditer(word):
        _add_dotless(pieces, word, at, run.start())
        chars = [m.span() for m in _CLUSTER.finditer(word, run.start(), run.end())]
        pieces += [(a[0], b[1]) for a, b in zip(chars, chars[1:], strict=False)] or chars
        at = run.end()
    _add_dotless(pieces, word, at, len(word))
    return pieces


def _add_dotless(pieces: list[tuple[int, int]], word: str, start: int, end: int) -> None:
    """``word[start:end]`` without the dots at its ends, if anything is left: search.js's
    addDotless is the same."""
    while start < end and word[start] == ".":
        start += 1
    while end > start and word[end - 1] == ".":
        end -= 1
    if start < end:
        pieces.append((start, end))


def facet_key(value: str) -> str:
    """What a filter value means, whatever its case, width and spacing: "Series A" is
    "series-a", "ФИНТЕХ" is "финтех", "Straße" is "strasse". Letters, digits and marks of
    every script are kept (so "Финтех" and "医疗" stay two values); any other run is "-".

    search.js ``facetKey`` computes the same: NFKC, then upper and lower case (a case fold
    both languages share: "ß" is "ss"), final sigma as sigma; tests/tokenize_cases.json.
    """
    text = unicodedata.normalize("NFKC", value).upper().lower().replace("ς", "σ")
    kept = "".join(ch if unicodedata.category(ch)[0] in "LNM" else " " for ch in text)
    return "-".join(kept.split())


def utf8_argument(text: str) -> str | None:
    """A command-line argument as the text its bytes spell: UTF-8 bytes that an ASCII locale
    decoded as escapes (LC_ALL=C with PYTHONUTF8=0) read again; None for bytes that are no
    UTF-8 (a cp1252 "Caf\xe9"). Not for paths: an ASCII locale opens files by the escapes."""
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8")
    except UnicodeError:
        return None
