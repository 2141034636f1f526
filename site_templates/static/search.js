// deckgen client-side search: one plain ES module, no imports, no build step.
//
// It reads the static index written by deckgen/index.py (search/entry.json ->
// term shards -> display-record chunks + facets), tokenizes exactly like
// deckgen.index (Whoosh's StemmingAnalyzer on each token's NFKC form, Chinese,
// Japanese, Korean, Thai, Lao, Khmer and Myanmar as pairs of characters) and ranks
// with Whoosh's BM25F, so the exact-match results are the ones `deckgen search` prints.
// On top of that, as extra results ranked after the exact ones: prefix matching on the
// last word while typing, and typo tolerance for words not in the vocabulary.
// All page text is set with textContent (untrusted OCR text; strict CSP).

// of search/entry.json and the files it names (deckgen.index.FORMAT_VERSION): bumped too when
// words are cut otherwise, as a page left open from before INDEX_VERSION checks this only
export const FORMAT_VERSION = 6;
// deckgen.index.VERSION, whose tokenizer this file implements (a test holds the two equal):
// a page left open across a deploy that changed how words are cut must not search the new
// index with the old cuts (東京都 found nothing): it says the index was updated instead
export const INDEX_VERSION = "18";
const readable = (entry) => entry.version === FORMAT_VERSION && entry.builder === INDEX_VERSION;

// ---------------------------------------------------------------- tokenizer
const STOP_WORDS = new Set(["a", "an", "and", "are", "as", "at", "be", "by", "can", "for",
  "from", "have", "if", "in", "is", "it", "may", "not", "of", "on", "or", "tbd", "that", "the",
  "our", "this", "to", "us", "we", "when", "will", "with", "yet", "you", "your"]);
// A word's characters (deckgen.text.WORD_CHARS): Python's \w, which is exactly
// [\p{L}\p{N}_], and the combining marks (Devanagari vowel signs, Thai tone marks, Arabic
// harakat, Hebrew niqqud are inside words) and ZWNJ/ZWJ (inside Persian and Indic words;
// fold drops them). Not LRM/RLM. tests/test_index.py checks both sides agree on every
// code point Python's Unicode (14) assigns.
export const WORD_CHARS = "\\p{L}\\p{N}_\\p{M}\u200c\u200d";
// A number with thousands separators is one word, "1,200" searched as "1200"
// (deckgen.text.DIGIT_GROUPS, THOUSANDS)
const DIGIT_GROUPS = "\\p{Nd}{1,3}(?:[,\uff0c\u066c]\\p{Nd}{2,3}){0,8}[,\uff0c\u066c]\\p{Nd}{3}(?!\\p{Nd})";
const THOUSANDS = /[,\u066c]/g; // after NFKC, which makes "，" ","
// An amount, "$4.2M", "226K", "€4,2M" or "4.2 million", is searched as its value written out,
// "4200000", as "4,200,000" is (deckgen.text.MAGNITUDES, AMOUNT_WORD, amount_forms): one
// token, not before more of a word, an "&" or a hyphen ("500 K-12 schools")
const MAGNITUDES = { k: 3, thousand: 3, m: 6, mm: 6, mn: 6, mio: 6, million: 6,
  b: 9, bn: 9, billion: 9, t: 12, tn: 12, trillion: 12 };
const AMOUNT_WORD = `(?:${DIGIT_GROUPS}|\\p{Nd}+)(?:\\.\\p{Nd}+|,\\p{Nd}{1,2}(?!\\p{Nd}))? ?(?:`
  + Object.keys(MAGNITUDES).map((w) => [...w].map((c) => `[${c}${c.toUpperCase()}]`).join("")).join("|")
  + `)(?![${WORD_CHARS}&-])`;
const DECIMAL_COMMA = /,(?=[0-9]{1,2} ?[a-z])/g; // in a folded amount, before THOUSANDS
const AMOUNT = new RegExp(`^([0-9]+(?:\\.[0-9]+)?)( ?)(${Object.keys(MAGNITUDES).join("|")})$`, "u");
// [the word searched, ...what the index also holds at its place]: "4.2m": ["4200000", "4.2"],
// "2 million": ["2000000", "2", "million"]; else [word]
function amountForms(word) {
  const m = AMOUNT.exec(word);
  if (!m) return [word];
  const [, number, apart, magnitude] = m, zeros = MAGNITUDES[magnitude];
  const [whole, fraction = ""] = number.split("."), padded = fraction.padEnd(zeros, "0");
  const rest = padded.slice(zeros).replace(/0+$/, "");
  const value = ((whole + padded.slice(0, zeros)).replace(/^0+/, "") || "0") + (rest ? "." + rest : "");
  return apart ? [value, number, magnitude] : [value, number];
}
// "R&D", "AT&T", "R & D": one word (deckgen.text.AMPERSAND_WORD, AMPERSAND_SPACES)
const AMPERSAND_WORD = "(?:(?=(?:[A-Za-z]{1,2}&){0,7}[A-Za-z](?![A-Za-z]))[A-Za-z]{1,2}(?:&[A-Za-z]{1,2}){1,7}"
  + `|[A-Za-z](?: ?& ?[A-Za-z]){1,7})(?![${WORD_CHARS}])`;
const AMPERSAND_SPACES = / ?& ?/g;
// a word's letters end where such a number starts: "売上1,200万円", "Rs.12,000"
// (deckgen.index._TOKENS; an amount and "R&D" first)
const TOKEN_RE = new RegExp(`${AMOUNT_WORD}|${AMPERSAND_WORD}`
  + `|${DIGIT_GROUPS}(?:\\.?[${WORD_CHARS}]+)*|[${WORD_CHARS}]+?(?=${DIGIT_GROUPS})`
  + `|[${WORD_CHARS}]+(?:\\.(?!${DIGIT_GROUPS})[${WORD_CHARS}]+)*`, "gu");
const cpLength = (s) => { let n = 0; for (const _ of s) n++; return n; };

// Latin letters with accents, and those NFD cannot split, fold to plain letters on both
// sides of a search: "equipe" finds "L'équipe" (deckgen.text.fold is the same). Latin
// only: a mark is a letter of its own in other scripts (й is not и).
const LATIN_ACCENTED = /[\u00c0-\u024f\u1e00-\u1eff]/gu;
const FOLD_LETTERS = { "ß": "ss", "ø": "o", "ł": "l", "đ": "d", "æ": "ae", "œ": "oe", "þ": "th",
  "ð": "d", "ı": "i", "ŀ": "l", "ħ": "h", "ŧ": "t", "ƀ": "b", "ƶ": "z", "ŋ": "ng" };
// Arabic and Hebrew as typed on either side (deckgen.text._SCRIPT_FOLD): harakat,
// tatweel, niqqud and cantillation go, and ZWNJ/ZWJ; alef with hamza or madda is alef, teh
// marbuta heh, alef maksura and Farsi yeh are yeh, keheh is kaf. Devanagari and Thai keep
// their marks: they are vowels there. (Digits are searchPieces'.)
const SCRIPT_DROPPED = /[\u064b-\u065f\u0670\u0640\u0591-\u05bd\u05bf\u05c1\u05c2\u05c4\u05c5\u05c7\u200c\u200d]/gu;
const SCRIPT_FOLDED = /[\u0622\u0623\u0625\u0671\u0629\u0649\u06cc\u06a9]/gu;
const SCRIPT_LETTERS = { "\u0622": "\u0627", "\u0623": "\u0627", "\u0625": "\u0627", "\u0671": "\u0627",
  "\u0629": "\u0647", "\u0649": "\u064a", "\u06cc": "\u064a", "\u06a9": "\u0643" };
export const fold = (word) => word.replace(LATIN_ACCENTED, (c) => {
  const bare = c.normalize("NFD").replace(/\p{Mn}/gu, ""); // the accents off, then the
  return FOLD_LETTERS[bare] ?? bare; // letter spelt out ("ǽ": "æ": "ae")
}).replace(SCRIPT_DROPPED, "").replace(SCRIPT_FOLDED, (c) => SCRIPT_LETTERS[c]);

// Chinese, Japanese and Korean letters: a run of them is searched as pairs of neighbouring
// characters, "請求書" as "請求" and "求書" (deckgen.text.cjk_pieces; the same ranges).
const HAN_KANA = "\u3005-\u3007\u3040-\u309f\u30a1-\u30fa\u30fc-\u30ff\u31f0-\u31ff" +
  "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f\u{20000}-\u{3ffff}";
const CJK_LETTERS = new RegExp(`[${HAN_KANA}\u1100-\u11ff\u3131-\u318e\uac00-\ud7a3]+`, "gu");
// the spaces a quoted phrase has between Chinese or Japanese characters: OCR's text has none
// (no lookbehind: Safari before 16.4 cannot parse one, and this module would not load)
const PHRASE_GAP = new RegExp(`([${HAN_KANA}])[ \u3000]+(?=[${HAN_KANA}])`, "gu");

const ONE_CJK_LETTER = new RegExp(`^${CJK_LETTERS.source}$`, "u");

// Thai, Lao, Khmer and Myanmar write no spaces between words either: their runs are cut
// into pairs too (deckgen.text.PAIRED_LETTERS): marks and joiners after a letter stay in
// its run. A pair is of two characters each with the marks that follow it ("อร่อย":
// "อร่", "ร่อ", "อย"), so none starts with a lone mark: a character starts a new one unless
// it is a mark or a joiner (text._CLUSTER, the same rule).
const PAIRED = `${HAN_KANA}\u1100-\u11ff\u3131-\u318e\uac00-\ud7a3\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff`;
const PAIRED_LETTERS = new RegExp(`[${PAIRED}][${PAIRED}\\p{M}\u200c\u200d]*`, "gu");
const CLUSTER = /[\s\S][\p{M}\u200c\u200d]*/gu;

// [start, end] offsets of the pieces of one token: each pair of neighbouring characters in a
// PAIRED_LETTERS run (a lone one on its own), the runs of other letters whole, less the dots
// at their ends ("AI技術者": "AI", "技術", "術者"; "พ.ศ.2567": "พ", "ศ", "2567", as the query
// cuts it).
export function cjkPieces(word) {
  const pieces = [];
  let at = 0;
  for (const run of word.matchAll(PAIRED_LETTERS)) {
    addDotless(pieces, word, at, run.index);
    const chars = [...run[0].matchAll(CLUSTER)].map((c) => [run.index + c.index, run.index + c.index + c[0].length]);
    if (chars.length === 1) pieces.push(chars[0]);
    for (let i = 0; i + 1 < chars.length; i++) pieces.push([chars[i][0], chars[i + 1][1]]);
    at = run.index + run[0].length;
  }
  addDotless(pieces, word, at, word.length);
  return pieces;
}

// word.slice(start, end) without the dots at its ends, if anything is left
// (deckgen.text._add_dotless)
function addDotless(pieces, word, start, end) {
  while (start < end && word[start] === ".") start++;
  while (end > start && word[end - 1] === ".") end--;
  if (start < end) pieces.push([start, end]);
}

// What one token is searched as, [text, start, end]: its NFKC form (full-width "ＡＩ" is
// "AI") with every script's decimal digits as 0-9 ("२०२५" and "٢٠٢٥" find "2025") and no
// nukta ("बाजार" finds "बाज़ार"), cut by cjkPieces; where that changed its length, each
// piece spans the whole token (deckgen.text.search_pieces and _SEARCH_FOLD). The digits'
// zeros (Unicode Nd, each block ten digits from its zero) are Python's table, written here
// too, so a browser with newer Unicode reads no more digits than Python does.
// --- begin digit zeros (tools/mark_ranges.py writes this block) ---
const DIGIT_ZEROS = [
  0x0660, 0x06f0, 0x07c0, 0x0966, 0x09e6, 0x0a66, 0x0ae6, 0x0b66, 0x0be6, 0x0c66, 0x0ce6, 0x0d66,
  0x0de6, 0x0e50, 0x0ed0, 0x0f20, 0x1040, 0x1090, 0x17e0, 0x1810, 0x1946, 0x19d0, 0x1a80, 0x1a90,
  0x1b50, 0x1bb0, 0x1c40, 0x1c50, 0xa620, 0xa8d0, 0xa900, 0xa9d0, 0xa9f0, 0xaa50, 0xabf0, 0xff10,
  0x104a0, 0x10d30, 0x11066, 0x110f0, 0x11136, 0x111d0, 0x112f0, 0x11450, 0x114d0, 0x11650,
  0x116c0, 0x11730, 0x118e0, 0x11950, 0x11c50, 0x11d50, 0x11da0, 0x16a60, 0x16ac0, 0x16b50,
  0x1d7ce, 0x1d7d8, 0x1d7e2, 0x1d7ec, 0x1d7f6, 0x1e140, 0x1e2f0, 0x1e950, 0x1fbf0,
];
// --- end digit zeros ---
const hex = (c) => `\\u{${c.toString(16)}}`;
const DIGITS = new RegExp(`[${DIGIT_ZEROS.map((z) => `${hex(z)}-${hex(z + 9)}`).join("")}]`, "gu");
const DIGIT_OF = new Map(DIGIT_ZEROS.flatMap((z) => [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((d) => [z + d, String(d)])));
const digitOf = (c) => DIGIT_OF.get(c.codePointAt(0));
// nuktas (Devanagari, Bengali, Gurmukhi, Gujarati, Odia) go; NFKC composes ऩ ऱ ऴ: the letters
// without it
const NUKTAS = /[\u093c\u09bc\u0a3c\u0abc\u0b3c]/gu;
const NUKTA_LETTERS = /[\u0929\u0931\u0934]/gu;
const unNukta = (c) => String.fromCharCode(c.charCodeAt(0) - 1);
export const searchFold = (token) => token.normalize("NFKC").replace(DIGITS, digitOf)
  .replace(NUKTAS, "").replace(NUKTA_LETTERS, unNukta);
// A fourth item: whether the piece starts a run rather than going on with the pair before
// it, read in the NFKC text (deckgen.text.search_runs).
function searchPieces(token) {
  const norm = searchFold(token), same = norm.length === token.length;
  let runEnd = -1;
  return cjkPieces(norm).map(([a, b]) => {
    const startsRun = a >= runEnd;
    runEnd = b;
    return [norm.slice(a, b), same ? a : 0, same ? b : token.length, startsRun];
  });
}

// Chinese and Japanese pairs (deckgen.text.UNSPACED_PAIR): whatever parts two of their
// runs parts two words, and the index leaves a free position there.
const UNSPACED_PAIR = new RegExp(`^[${HAN_KANA}]`, "u");

// Tokens with their offsets in `text`: {word (lower case, folded), term (stemmed), start, end,
// gap, also}. `gap`: a free position before it, as deckgen.index._RunBreakFilter leaves one before
// a run of pairs that follows another ("東京・京都" is not "東京都"). `also`: the terms the index
// holds at its position too ("$4.2M": "4.2"; deckgen.index._AmountFilter), which a query leaves out.
export function analyze(text) {
  const out = [];
  let afterPair = false;
  for (const m of String(text).matchAll(TOKEN_RE)) {
    for (const [piece, a, b, startsRun] of searchPieces(m[0])) {
      const folded = fold(piece.toLowerCase()).replace(DECIMAL_COMMA, ".").replace(THOUSANDS, "")
        .replace(AMPERSAND_SPACES, "&");
      if (cpLength(folded) < 2 || STOP_WORDS.has(folded)) continue;
      const pair = UNSPACED_PAIR.test(folded), [word, ...more] = amountForms(folded);
      const also = more.filter((w) => cpLength(w) >= 2 && !STOP_WORDS.has(w)).map(stem);
      out.push({ word, term: stem(word), start: m.index + a, end: m.index + b, gap: pair && afterPair && startsRun, also });
      afterPair = pair;
    }
  }
  return out;
}
// the index terms of `text` (deckgen.index.tokenize)
export const tokenize = (text) => analyze(text).flatMap((t) => [t.term, ...t.also]);

// Porter stemmer, ported line by line from whoosh/lang/porter.py, quirks included
// (re.match anchors at the start only, hence ^ on every pattern below).
const STEP2 = { ational: "ate", tional: "tion", enci: "ence", anci: "ance", izer: "ize", bli: "ble",
  alli: "al", entli: "ent", eli: "e", ousli: "ous", ization: "ize", ation: "ate", ator: "ate",
  alism: "al", iveness: "ive", fulness: "ful", ousness: "ous", aliti: "al", iviti: "ive",
  biliti: "ble", logi: "log" };
const STEP3 = { icate: "ic", ative: "", alize: "al", iciti: "ic", ical: "ic", ful: "", ness: "" };
const C = "[^aeiouy]+", V = "[aeiou]+";
const MGR0 = new RegExp(`^(${C})?${V}${C}`, "u");
const MEQ1 = new RegExp(`^(${C})?${V}${C}(${V})?$`, "u");
const MGR1 = new RegExp(`^(${C})?${V}${C}${V}${C}`, "u");
const S_V = new RegExp(`^(${C})?[aeiouy]`, "u");
const C_V = new RegExp(`^${C}[aeiouy][^aeiouwxy]$`, "u");
const ED_ING = /^(.*)(ed|ing)$/u;
const AT_BL_IZ = /^(at|bl|iz)$/u;
const STEP1B = /^([^aeiouylsz])\1$/u;
const RE2 = new RegExp(`^(.+?)(${Object.keys(STEP2).join("|")})$`, "u");
const RE3 = new RegExp(`^(.+?)(${Object.keys(STEP3).join("|")})$`, "u");
const RE4_1 = /^(.+?)(al|ance|ence|er|ic|able|ible|ant|ement|ment|ent|ou|ism|ate|iti|ous|ive|ize)$/u;
const RE4_2 = /^(.+?)(s|t)(ion)$/u;
const RE5 = /^(.+?)e$/u;

// A folded word's index term (deckgen.index.stem_word): by the script of its first letter,
// Arabic (U+0600-U+06FF) and Hebrew (U+05D0-U+05EA) lightly stemmed, every other word by
// Porter.
export function stem(word) {
  const first = word.charCodeAt(0);
  if (first >= 0x0600 && first <= 0x06ff) return stemArabic(word);
  if (first >= 0x05d0 && first <= 0x05ea) return stemHebrew(word);
  return porterStem(word);
}

// Arabic: the article off, alone or after و ب ك ف or as لل, where 3 letters remain;
// Hebrew: "ו", then "ה" up to twice, each where 3 letters remain (deckgen.index._stem_arabic,
// _stem_hebrew: why no more is cut there).
const ARABIC_ARTICLES = ["وال", "بال", "كال", "فال", "ال", "لل"]; // وال بال كال فال ال لل
const HEBREW_PREFIXES = ["ו", "ה", "ה"];
const SHORTEST_STEM = 3; // Arabic and Hebrew letters are one UTF-16 unit each
function stemArabic(word) {
  for (const article of ARABIC_ARTICLES) {
    if (!word.startsWith(article) || word.length - article.length < SHORTEST_STEM) continue;
    const rest = word.slice(article.length); // and the word's own alef-lam ("الإلكترونية")
    return rest.startsWith("ال") && rest.length - 2 >= SHORTEST_STEM ? rest.slice(2) : rest;
  }
  return word;
}
function stemHebrew(word) {
  let w = word;
  for (const prefix of HEBREW_PREFIXES) if (w.startsWith(prefix) && w.length - 1 >= SHORTEST_STEM) w = w.slice(1);
  return w;
}
// What a word being typed may stand for once its article is off, however short what is left
// ("الس" completes to "سوق": the index holds "السوق" as "سوق"); other words as they are.
function withoutArticle(word) {
  const first = word.codePointAt(0);
  if (first >= 0x0600 && first <= 0x06ff) {
    const article = ARABIC_ARTICLES.find((a) => word.startsWith(a) && word.length > a.length);
    const rest = article ? word.slice(article.length) : word; // and its own alef-lam, as stemArabic
    return article && rest.startsWith("ال") && rest.length > 2 ? rest.slice(2) : rest;
  }
  if (first >= 0x05d0 && first <= 0x05ea) {
    let w = word;
    for (const prefix of HEBREW_PREFIXES) if (w.startsWith(prefix) && w.length > 1) w = w.slice(1);
    return w;
  }
  return word;
}

function porterStem(word) {
  let w = word;
  if (cpLength(w) < 3) return w;
  const firstIsY = w[0] === "y";
  if (firstIsY) w = "Y" + w.slice(1);
  if (w.endsWith("s")) {
    if (w.endsWith("sses") || w.endsWith("ies")) w = w.slice(0, -2);
    else if (w[w.length - 2] !== "s") w = w.slice(0, -1);
  }
  let m;
  if (w.endsWith("eed")) {
    if (MGR0.test(w.slice(0, -3))) w = w.slice(0, -1);
  } else if ((m = ED_ING.exec(w)) && S_V.test(m[1])) {
    w = m[1];
    if (AT_BL_IZ.test(w)) w += "e";
    else if (STEP1B.test(w)) w = Array.from(w).slice(0, -1).join("");
    else if (C_V.test(w)) w += "e";
  }
  if (w.endsWith("y") && S_V.test(w.slice(0, -1))) w = w.slice(0, -1) + "i";
  if ((m = RE2.exec(w)) && MGR0.test(m[1])) w = m[1] + STEP2[m[2]];
  if ((m = RE3.exec(w)) && MGR0.test(m[1])) w = m[1] + STEP3[m[2]];
  if ((m = RE4_1.exec(w))) {
    if (MGR1.test(m[1])) w = m[1];
  } else if ((m = RE4_2.exec(w)) && MGR1.test(m[1] + m[2])) {
    w = m[1] + m[2];
  }
  if ((m = RE5.exec(w)) && (MGR1.test(m[1]) || (MEQ1.test(m[1]) && !C_V.test(m[1])))) w = m[1];
  if (w.endsWith("ll") && MGR1.test(w)) w = w.slice(0, -1);
  if (firstIsY) w = "y" + w.slice(1);
  return w;
}

// ------------------------------------------------------------------- query
// Same grammar as deckgen.index.parse_query: free words and "quoted phrases",
// What a phrase's tokens mark on a slide: each Latin (or other) word on its own, and each
// run of overlapping pairs (one Thai, Chinese... run of the query) whole, as its text: the
// slide page marks "ตลาด" where it stands whole, never its pair "าด" ending "ขนาด".
function phraseMarks(toks) {
  const out = [];
  for (let k = 0; k < toks.length; k++) {
    let run = toks[k].term;
    while (k + 1 < toks.length && chained(toks[k], toks[k + 1])) run += secondHalf(toks[++k].term);
    out.push(run);
  }
  return out;
}
// (each of the two a letter with its marks: "ก็" is one, which NFKC can leave a whole piece)
const ONE_PAIR = new RegExp(`^(?:(?!\\p{M})[${PAIRED}][\\p{M}\u200c\u200d]*){2}$`, "u");
// b is the pair after a in the same run of letters: both pairs, b starting inside a
const chained = (a, b) => ONE_PAIR.test(a.term) && ONE_PAIR.test(b.term) && b.start < a.end && b.start >= a.start;
const secondHalf = (pair) => [...pair.matchAll(CLUSTER)][1][0];

// all required. Clauses keep the typed words (for prefix matching and typo correction).
export function parseQuery(query) {
  const clauses = [], seen = new Set();
  const add = (c) => {
    const key = c.kind + "\u0000" + c.terms.join(" ") + "\u0000" + (c.offsets || "");
    if (!seen.has(key)) { seen.add(key); clauses.push(c); }
  };
  const addPhrase = (toks) => { // offsets: the index's positions, a gap included ("東京・京都": 0, 2)
    if (toks.length === 1) add({ kind: "term", terms: [toks[0].term], word: toks[0].word });
    let at = -1;
    const offsets = toks.map((t, i) => (at += i ? 1 + t.gap : 1));
    if (toks.length > 1) add({ kind: "phrase", terms: toks.map((t) => t.term), offsets, words: toks.map((t) => t.word), marks: phraseMarks(toks) });
  };
  const addTerms = (text) => { for (const t of analyze(text)) add({ kind: "term", terms: [t.term], word: t.word }); };
  for (const m of String(query).matchAll(/"([^"]*)"?|([^"]+)/g)) {
    if (!m[2]) { addPhrase(analyze((m[1] || "").replace(PHRASE_GAP, "$1"))); continue; }
    // a Chinese, Japanese, Korean or Thai word is its pairs side by side: "東京都" is not
    // "京都" and "東京" anywhere on the slide
    let at = 0;
    for (const run of m[2].matchAll(PAIRED_LETTERS)) {
      addTerms(m[2].slice(at, run.index));
      addPhrase(analyze(run[0]));
      at = run.index + run[0].length;
    }
    addTerms(m[2].slice(at));
  }
  const last = clauses[clauses.length - 1];
  // The last word is still being typed unless a space or a quote follows it (or a word too
  // short to search: "24/7" is no "24" being typed). A number is not completed: "6,200" is
  // no prefix of "62,000"; nor a clitic ("we're": "re" is no "revenue" being typed), nor an
  // abbreviation typed in capitals ("ARR": the slides that say it, not "arrive").
  if (last && last.kind === "term" && !A_NUMBER.test(last.word)) {
    const toks = analyze(query), end = toks[toks.length - 1];
    const whole = end && (CLITIC_AFTER.test(query.slice(end.start - 1)) || CAPITALS.test(query.slice(end.start, end.end)));
    if (end && end.end === query.length && end.term === last.terms[0] && !whole) last.open = true;
  }
  return clauses;
}

// ------------------------------------------------------------------ scoring
// whoosh.util.numeric._length_byte_cache: field lengths are stored as one byte.
const BYTE_TO_LENGTH = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 13, 14, 16, 17, 18, 20, 21, 23, 25,
  26, 28, 30, 32, 34, 36, 38, 40, 42, 45, 47, 49, 52, 54, 57, 60, 63, 66, 69, 72, 75, 79, 82, 86,
  89, 93, 97, 101, 106, 110, 114, 119, 124, 129, 134, 139, 145, 150, 156, 162, 169, 175, 182,
  189, 196, 203, 211, 219, 227, 235, 244, 253, 262, 271, 281, 291, 302, 313, 324, 336, 348, 360,
  373, 386, 399, 414, 428, 443, 459, 475, 491, 508, 526, 544, 563, 583, 603, 623, 645, 667, 690,
  714, 738, 763, 789, 816, 844, 873, 903, 933, 965, 998, 1032, 1066, 1103, 1140, 1178, 1218, 1259,
  1302, 1345, 1391, 1438, 1486, 1536, 1587, 1641, 1696, 1753, 1811, 1872, 1935, 1999, 2066, 2135,
  2207, 2280, 2356, 2435, 2516, 2600, 2687, 2777, 2869, 2965, 3063, 3165, 3271, 3380, 3492, 3608,
  3728, 3852, 3980, 4112, 4249, 4390, 4536, 4686, 4842, 5002, 5168, 5340, 5517, 5700, 5889, 6084,
  6286, 6494, 6709, 6932, 7161, 7398, 7643, 7897, 8158, 8428, 8707, 8995, 9293, 9601, 9918, 10247,
  10586, 10936, 11298, 11671, 12057, 12456, 12868, 13294, 13733, 14187, 14656, 15141, 15641, 16159,
  16693, 17244, 17814, 18403, 19011, 19640, 20289, 20959, 21652, 22367, 23106, 23869, 24658, 25472,
  26314, 27183, 28081, 29009, 29967, 30957, 31979, 33035, 34126, 35254, 36418, 37620, 38863, 40146,
  41472, 42841, 44256, 45717, 47227, 48786, 50397, 52061, 53780, 55556, 57390, 59285, 61242, 63264,
  65352, 67510, 69739, 72041, 74419, 76876, 79414, 82035, 84743, 87541, 90430, 93416, 96499, 99684,
  102975, 106374];

// whoosh.scoring.bm25 and WeightingModel.idf, same operations in the same order.
export const bm25 = (idf, tf, fl, avgfl, B, K1) =>
  idf * ((tf * (K1 + 1)) / (tf + K1 * ((1 - B) + B * fl / avgfl)));
export const idf = (docCount, df) => Math.log(docCount / (df + 1)) + 1;

// A filter value's key, as deckgen.text.facet_key: "Series A", "series-a" and "SERIES_A"
// are one value, so a hand-typed or shared link (?stage=series-a) finds "Series A".
// Letters, digits and marks of every script are kept ("Финтех" and "医疗" stay apart);
// NFKC, then upper and lower case (Python's .upper().lower(): "ß" is "ss"), ς as σ.
export const facetKey = (value) => String(value).normalize("NFKC").toUpperCase().toLowerCase()
  .replaceAll("ς", "σ").replace(/[^\p{L}\p{N}\p{M}]+/gu, "-").replace(/^-|-$/g, "");

// The position of `value` in a facet's `values`: the exact value, else the one with its key; -1.
export function facetIndex(values, value) {
  const exact = values.indexOf(value);
  if (exact >= 0) return exact;
  const key = facetKey(value);
  if (!key) return -1;
  const same = values.findIndex((v) => facetKey(v) === key);
  if (same >= 0) return same;
  // typed without accents ("eclat-sante"), as text search takes it: the one value it can mean
  const bare = fold(key);
  const near = values.flatMap((v, k) => (fold(facetKey(v)) === bare ? [k] : []));
  return near.length === 1 ? near[0] : -1;
}

const VLQ_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const VLQ_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < 64; i++) VLQ_VALUE[VLQ_CHARS.charCodeAt(i)] = i;
export function decodeVlq(s) {
  const out = [];
  let n = 0, shift = 0;
  for (let i = 0; i < s.length; i++) {
    const v = VLQ_VALUE[s.charCodeAt(i)];
    n += (v & 31) * 2 ** shift;
    if (v & 32) shift += 5;
    else { out.push(n); n = 0; shift = 0; }
  }
  return out;
}

// Damerau (optimal string alignment) distance, giving up past `max`. With `from` (a length
// in code points): the distance to the nearest of b's prefixes of `from` letters or more.
export function editDistance(a, b, max, from = null) {
  a = Array.from(a); b = Array.from(b);
  const shortest = from === null ? b.length : Math.min(from, b.length);
  if (a.length - b.length > max || shortest - a.length > max) return max + 1;
  let prev2 = null, prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
      if (prev2 && i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d = Math.min(d, prev2[j - 2] + 1);
      }
      cur.push(d);
      best = Math.min(best, d);
    }
    if (best > max) return max + 1;
    prev2 = prev; prev = cur;
  }
  return Math.min(...prev.slice(shortest));
}
// A number has none: "1.5b" is not "1.5m", nor "64,000" "62,000"
const typoBudget = (word) => { const n = cpLength(word); return A_NUMBER.test(word) ? 0 : n >= 9 ? 2 : n >= 5 ? 1 : 0; };
// a number, with its unit or not ("62000", "1.5b", "3x"), not a word with a digit ("b2b",
// "web3", "covid19": completed and corrected as words); digits are 0-9 once searchFold ran
const A_NUMBER = /^[0-9]/;
// an abbreviation as typed, 2-4 capitals or digits ("ARR", "TAM", "B2B"): complete as it is
const CAPITALS = /^\p{Lu}[\p{Lu}\p{N}]{1,3}$/u;
const MAX_PREFIX_TERMS = 12, MAX_TYPO_TERMS = 6;
// "Did you mean": the nearest few words for each misspelt one, and at most so many corrected
// queries searched (their terms' shards are all the suggestion fetches beyond the vocabulary).
const MAX_SPELLINGS = 3, MAX_SUGGESTION_TRIES = 8;

// Strings in code point order, as Python sorts the index's terms: JS's < compares UTF-16
// units, which puts U+E000-U+FFFF ("ｔｅｓｔ", half-width kana) after every astral letter ("𠎘").
// Where two strings first differ, surrogates move above U+E000-U+FFFF, the rest keep their order.
export function compareCodePoints(a, b) {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i), y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800 && y >= 0xd800) {
      x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
      y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
    }
    return x - y;
  }
  return a.length - b.length;
}
// Above every term that starts with a given root (the last code point there is).
const LAST_CHAR = "\u{10FFFF}";

// Binary search: index of the last range start <= key (in code point order).
function rangeIndex(starts, key) {
  let lo = 0, hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (compareCodePoints(starts[mid], key) <= 0) lo = mid; else hi = mid - 1;
  }
  return lo;
}

// ------------------------------------------------------------------- engine
// other names founders give a section's slide (SearchIndex.sectionNamed offers the section
// for them); only names no other section goes by
const SECTION_ALIASES = {
  "funding": ["fundraising", "fundraise", "raising", "the ask", "use of funds", "investment"],
  "go-to-market": ["gtm", "sales strategy", "sales channels", "customer acquisition",
    "distribution strategy", "marketing plan"],
  "team": ["founders", "founding team", "management team", "leadership team", "advisors"],
  "competition": ["competitors", "competitive landscape", "competitive advantage", "2x2"],
  "business-model": ["revenue model", "pricing", "monetization", "unit economics"],
  "market": ["tam", "sam som", "market size", "addressable market", "market opportunity"],
  "financials": ["projections", "financial projections", "forecast", "p&l"],
  "traction": ["kpis", "key metrics", "mrr", "arr", "testimonials", "case studies"],
  "milestones": ["roadmap", "timeline"],
  "problem": ["pain point", "pain points"],
  "product": ["demo", "features", "how it works"],
  "vision": ["mission"],
  "conclusion": ["thank you", "thanks", "contact"],
};
// Abbreviations founders write that OCR rarely reads (small caps, a corner label): one no slide
// has offers its expansion, if that finds slides ("TAM": total addressable market).
const ABBREVIATIONS = new Map(Object.entries({
  TAM: "total addressable market", SAM: "serviceable addressable market",
  SOM: "serviceable obtainable market", ARR: "annual recurring revenue",
  MRR: "monthly recurring revenue", CAC: "customer acquisition cost", LTV: "lifetime value",
  GTM: "go to market", KPI: "key performance indicators", B2B: "business to business",
  B2C: "business to consumer", SaaS: "software as a service", MVP: "minimum viable product",
  ROI: "return on investment", YoY: "year over year", MoM: "month over month",
}).map(([name, words]) => [name.toLowerCase(), { name, words }]));
// Words of the section names and their other names: spellings a typo may have meant, even
// where the index never holds that form ("compettion": competition, not "competitive").
const SECTION_WORDS = [...new Set(Object.entries(SECTION_ALIASES).flat(2).join(" ").toLowerCase()
  .match(/\p{L}{3,}/gu))];
// The ways an abbreviation's expansion is tried ("monthly recurring revenue"): whole, and
// among other words (`amid`) also less one of three or more words ("recurring revenue").
function spelledOut(words, amid) {
  const parts = words.split(" "), out = [words];
  if (amid && parts.length >= 3) parts.forEach((_, k) => out.push(parts.filter((__, j) => j !== k).join(" ")));
  return out;
}
// Words about the gallery itself, not about a slide's text: every result is a slide.
const GALLERY_WORDS = new Set(["slide", "slides", "deck", "decks"]);
// Words around a stage's name that do not change it ("series a round", "seed stage decks").
const STAGE_FILLER = new Set(["the", "our", "round", "rounds", "stage", "funding", ...GALLERY_WORDS]);
// Endings that leave a word when cut ("customers": custom-ers); a typed word that is the
// stem of a longer vocabulary word cut elsewhere ("revenu": revenu-e) is no word of its own.
const WORD_ENDINGS = ["s", "es", "ed", "d", "ing", "er", "ers", "ly", "ment", "ments", "al",
  "ally", "ic", "ics", "ist", "ists", "ness", "ship"];

// The forms a vocabulary entry {term, word} stands for: its word, that word without an
// inflection ("customers": "customer"), and section words with its stem.
function spellings(v) {
  const out = [v.word];
  for (const end of ["s", "es", "ed", "ing"]) {
    const cut = v.word.endsWith(end) ? v.word.slice(0, -end.length) : "";
    if (cpLength(cut) >= cpLength(v.term) && stem(cut) === v.term && !out.includes(cut)) out.push(cut);
  }
  for (const w of SECTION_WORDS) if (stem(w) === v.term && !out.includes(w)) out.push(w);
  return out;
}
// The form of `v` nearest in spelling to a typed word, the commonest on a tie.
function nearestSpelling(word, v) {
  let best = v.word, bestDist = editDistance(word, v.word, 9);
  for (const s of spellings(v).slice(1)) {
    const d = editDistance(word, s, 9);
    if (d < bestDist) { best = s; bestDist = d; }
  }
  return { word: best, spelled: bestDist };
}

// `load(name)` returns the parsed JSON of search/<name>; every file is fetched once (a failed
// fetch is forgotten, so the next search tries it again).
export class SearchIndex {
  constructor(load) {
    this._load = load;
    this._files = new Map();
    this._terms = new Map();
  }

  // `entry`: entry.json, when the caller has read it already.
  async open(entry = null) {
    entry = this.entry = entry || await this._load("entry.json");
    if (!readable(entry)) throw new Error(`search index ${entry.version}/${entry.builder} is not ${FORMAT_VERSION}/${INDEX_VERSION}`);
    const e = this.meta = await this.file(entry.meta);
    this.hashChars = entry.hash;
    this.fieldStats = e.fields.map((_, f) => ({ boost: e.boosts[f], avgfl: e.lengths[f] / e.docs || 1 }));
    return this;
  }

  file(name) {
    if (!this._files.has(name)) {
      const loading = this._load(name);
      this._files.set(name, loading);
      loading.catch(() => { if (this._files.get(name) === loading) this._files.delete(name); });
    }
    return this._files.get(name);
  }

  // Decoded postings of one term: per field {docs, tfs, lbs} or null; null if unknown.
  async postings(term) {
    if (this._terms.has(term)) return this._terms.get(term);
    const t = this.meta.terms, i = rangeIndex(t.starts, term);
    const shard = t.files.length ? await this.file(t.files[i]) : {};
    let fields = null;
    if (Object.prototype.hasOwnProperty.call(shard, term)) {
      fields = shard[term].map((s) => {
        if (!s) return null;
        const n = decodeVlq(s), docs = [], tfs = [], lbs = [];
        for (let k = 0, doc = 0; k < n.length; k += 3) {
          doc += n[k]; docs.push(doc); tfs.push(n[k + 1]); lbs.push(n[k + 2]);
        }
        return { docs, tfs, lbs };
      });
    }
    this._terms.set(term, fields);
    return fields;
  }

  // doc -> positions of `term` in field f (phrases only: a separate file per shard).
  async positions(term, f) {
    const t = this.meta.terms, i = rangeIndex(t.starts, term);
    const [pos, post] = await Promise.all([this.file(t.pos[i]), this.postings(term)]);
    const deltas = decodeVlq(pos[term][f]), out = new Map(), p = post[f];
    for (let d = 0, k = 0; d < p.docs.length; d++) {
      const list = [];
      for (let j = 0, at = 0; j < p.tfs[d]; j++) { at += deltas[k++]; list.push(at); }
      out.set(p.docs[d], list);
    }
    return out;
  }

  // Vocabulary entries {term, df, word} with lo <= term < hi.
  async vocab(lo, hi) {
    const v = this.meta.vocab, out = [];
    if (!v.files.length) return out;
    const first = rangeIndex(v.starts, lo), last = rangeIndex(v.starts, hi);
    const files = await Promise.all(v.files.slice(first, last + 1).map((n) => this.file(n)));
    for (const f of files) {
      f.t.forEach((term, k) => {
        if (compareCodePoints(term, lo) >= 0 && compareCodePoints(term, hi) < 0) out.push({ term, df: f.d[k], word: f.s[k] || term });
      });
    }
    return out;
  }

  // BM25F score of every doc holding `term`, summed over fields: Map doc -> score.
  async termScores(term, onlyDocs = null) {
    const post = await this.postings(term);
    const scores = new Map();
    if (!post) return scores;
    const { docs: N, B, K1 } = this.meta;
    const parts = post.map((p, f) => {
      const part = new Map();
      if (!p) return part;
      const { boost, avgfl } = this.fieldStats[f], w = idf(N, p.docs.length);
      for (let k = 0; k < p.docs.length; k++) {
        if (onlyDocs && !onlyDocs.has(p.docs[k])) continue;
        part.set(p.docs[k], boost * bm25(w, p.tfs[k], BYTE_TO_LENGTH[p.lbs[k]], avgfl, B, K1));
      }
      return part;
    });
    return sumFields(parts);
  }

  async phraseScores(terms, offsets) {
    const posts = await Promise.all(terms.map((t) => this.postings(t)));
    if (posts.some((p) => !p)) return new Map();
    const parts = [];
    for (let f = 0; f < this.meta.fields.length; f++) {
      if (posts.some((p) => !p[f])) { parts.push(new Map()); continue; }
      let docs = new Set(posts[0][f].docs);
      for (const p of posts.slice(1)) docs = new Set(p[f].docs.filter((d) => docs.has(d)));
      const pos = await Promise.all(terms.map((t) => this.positions(t, f)));
      const hit = new Set([...docs].filter((d) => pos[0].get(d).some(
        (p0) => pos.every((m, i) => m.get(d).includes(p0 + offsets[i])))));
      const part = new Map();
      const { boost, avgfl } = this.fieldStats[f], { docs: N, B, K1 } = this.meta;
      for (const p of posts) {
        const w = idf(N, p[f].docs.length);
        p[f].docs.forEach((d, k) => {
          if (hit.has(d)) part.set(d, (part.get(d) || 0) + bm25(w, p[f].tfs[k], BYTE_TO_LENGTH[p[f].lbs[k]], avgfl, B, K1));
        });
      }
      for (const [d, s] of part) part.set(d, boost * s);
      parts.push(part);
    }
    return sumFields(parts);
  }

  // Extra terms for a clause: prefix completions (last word) and typo corrections.
  async expansions(clause, exactFound) {
    const found = new Map();
    const { word, terms: [term] } = clause;
    if (clause.open && cpLength(word) >= 2) {
      const roots = [...new Set([word, term, withoutArticle(word)])];
      for (const root of roots) {
        // the typed word's stem completes only to words that start as the typed word does but
        // for its last letter ("commerce": "commercial"; "preseed", stem "prese", is no "presentation")
        const like = root === term && root !== word && root !== withoutArticle(word) ? [...word].slice(0, -1).join("") : "";
        for (const v of await this.completions(root)) if (v.term !== term && v.word.startsWith(like)) found.set(v.term, v);
      }
      const top = [...found.values()].sort((a, b) => b.df - a.df || compareCodePoints(a.term, b.term));
      found.clear();
      for (const v of top.slice(0, MAX_PREFIX_TERMS)) found.set(v.term, { ...v, dist: 0 });
    }
    if (!exactFound && typoBudget(word)) {
      for (const v of (await this.nearWords(word, term)).slice(0, MAX_TYPO_TERMS)) {
        if (!found.has(v.term)) found.set(v.term, v);
      }
    }
    return [...found.values()];
  }

  // Vocabulary entries a few edits from a typed word, nearest first (`dist`), then the
  // nearest in spelling, then the most common. The typed word is compared with each
  // entry's word (within its typo budget, or `atLeast` edits for a word of 4+ letters)
  // and the typed stem with its stem (within the stem's own budget: a stem is shorter,
  // and "experience" stems to "experi", two edits from the "everi" of "every").
  // An entry keeps one word per stem ("customers"), so the typed word is measured against
  // that word with its ending cut back as far as the stem ("customer", "custom"), the
  // other forms the stem stands for: "custmer" is one edit from "customer".
  // A stem of 4+ letters the typed word is with an ending ("farm" of "farmers": WORD_ENDINGS)
  // is the word's own shorter form (`shorter`): such forms come instead of any typo ("former").
  // Same first letter only.
  async nearWords(word, term, atLeast = 0) {
    const cp = term.codePointAt(0), first = String.fromCodePoint(cp), next = String.fromCodePoint(cp + 1);
    if (A_NUMBER.test(word)) return [];
    const wordBudget = Math.max(typoBudget(word), cpLength(word) >= 4 ? atLeast : 0);
    const stemBudget = typoBudget(term);
    const near = [], own = [];
    for (const v of await this.vocab(first, next)) {
      if (cpLength(v.term) >= 4 && word.startsWith(v.term) && WORD_ENDINGS.includes(word.slice(v.term.length))) {
        own.push({ ...v, dist: 1, shorter: true, ...nearestSpelling(word, v) });
      }
      const from = v.word.startsWith(v.term) ? cpLength(v.term) : null;
      const byWord = wordBudget ? editDistance(word, v.word, wordBudget, from) : Infinity;
      const byStem = stemBudget ? editDistance(term, v.term, stemBudget) : Infinity;
      const dist = Math.min(byWord <= wordBudget ? byWord : Infinity, byStem <= stemBudget ? byStem : Infinity);
      if (dist < Infinity) near.push({ ...v, dist, ...nearestSpelling(word, v) });
    }
    return (own.length ? own : near).sort((a, b) => a.dist - b.dist || a.spelled - b.spelled || b.df - a.df);
  }

  // The commonest word behind a term ("commercial" for "commerci"), or the term.
  async surface(term) {
    const [v] = await this.vocab(term, term + "\u0000");
    return v && v.term === term ? v.word : term;
  }

  // Terms starting with `root`: from its term shard when the whole range lies in it
  // (no extra download), else from the vocabulary files.
  async completions(root) {
    const t = this.meta.terms, i = rangeIndex(t.starts, root), hi = root + LAST_CHAR;
    if (!t.files.length) return [];
    if (i + 1 < t.starts.length && compareCodePoints(t.starts[i + 1], hi) <= 0) return this.vocab(root, hi);
    const shard = await this.file(t.files[i]), out = [];
    for (const term of Object.keys(shard)) {
      if (term.startsWith(root)) {
        const df = Math.max(...shard[term].map((p) => p ? decodeVlq(p).length / 3 : 0));
        out.push({ term, df, word: term });
      }
    }
    return out;
  }

  async facets() {
    if (!this._facets) {
      this._facets = this.file(this.meta.facets).then((raw) => {
        const out = {};
        for (const [name, f] of Object.entries(raw)) {
          let codes;
          if ("codes" in f) codes = Uint16Array.from(decodeVlq(f.codes));
          else {
            codes = new Uint16Array(this.meta.docs);
            const runs = decodeVlq(f.runs);
            for (let k = 0, at = 0; k < runs.length; k += 2) {
              codes.fill(runs[k], at, at + runs[k + 1]); at += runs[k + 1];
            }
          }
          let at = -1; // unsure labels (section only): gaps between doc numbers
          const unsure = new Set(decodeVlq(f.unsure || "").map((gap) => (at += gap + 1)));
          out[name] = { values: f.values, labels: f.labels || f.values, codes, unsure };
        }
        return out;
      });
      this._facets.catch(() => { this._facets = null; });
    }
    return this._facets;
  }

  // One clause: exact scores (Whoosh's), scores through prefix/typo expansions (docs not
  // matched exactly), the terms to highlight, and, for a word found only through typo
  // corrections, {word, near: those corrections, nearest first}.
  async clause(clause) {
    if (clause.kind === "phrase") {
      return { exact: await this.phraseScores(clause.terms, clause.offsets), fuzzy: new Map(), terms: clause.terms, close: new Map() };
    }
    const exact = await this.termScores(clause.terms[0]), fuzzy = new Map(), via = new Map();
    const extra = await this.expansions(clause, exact.size > 0);
    const scores = await Promise.all(extra.map((v) => this.termScores(v.term)));
    for (const [k, part] of scores.entries()) {
      for (const [d, s] of part) if (!exact.has(d) && !(fuzzy.get(d) >= s)) { fuzzy.set(d, s); via.set(d, extra[k]); }
    }
    const typos = extra.filter((v) => v.dist > 0), completed = extra.some((v) => v.dist === 0);
    const replace = !exact.size && !completed && typos.length ? { word: clause.word, near: typos } : null;
    // each doc found through another word than the typed one: [typed, the word it has, how it
    // is near], for the hit to say so ("close spelling: rising", "similar word: commercial");
    // the rest of the word being typed only beside slides that have the word as typed
    // ("arr": "longer word: arrive"), not while no slide has it yet ("insur")
    const typed = [clause.word, withoutArticle(clause.word)];
    const close = new Map(), shown = new Map(); // term -> the word a slide has for it
    for (const [d, v] of via) {
      const longer = v.dist === 0 && typed.some((w) => v.word.startsWith(w));
      if (longer && !exact.size) continue;
      if (!shown.has(v.term)) shown.set(v.term, v.word === v.term ? await this.surface(v.term) : v.word);
      close.set(d, [clause.word, shown.get(v.term), longer ? "longer word" : v.dist > 0 && !v.shorter ? "close spelling" : "similar word"]);
    }
    return { exact, fuzzy, terms: [clause.terms[0], ...extra.map((v) => v.term)], replace, close };
  }

  // Run a query. Returns {hits: [{doc, score, tier}], total, counts, marks, suggestion,
  // dropped (words the suggestion leaves out: no slide has them), partial (it leaves out a
  // word some slide has), section (the section the query names: {value, label, count}, or null)}.
  // tier 0 = every clause matched exactly (Whoosh's result set and order); tier 1 = with expansions.
  async search(query, filters = {}, suggest = true, fix = true) {
    query = String(query).normalize("NFC"); // "é" pasted as "e" + a mark is one letter (Python: too)
    const clauses = parseQuery(query);
    const facetsLoading = this.facets(); // in parallel with the term shards
    facetsLoading.catch(() => {}); // awaited below, unless a shard fails first
    const marks = new Set();
    let matched = null; // Map doc -> {score, tier}
    let suggestion = null, dropped = [], partial = false, expanded = [], shownFor = null;
    const replaced = [], misspelt = new Set(); // typed words no slide has
    // Clauses fetch their shards in parallel; they combine in query order (as Whoosh sums).
    const results = await Promise.all(clauses.map((c) => this.clause(c)));
    for (const [k, { exact, fuzzy, terms, replace, close }] of results.entries()) {
      (clauses[k].marks || terms).forEach((t) => marks.add(t));
      if (replace) replaced.push(replace);
      if (clauses[k].kind === "term" && !exact.size) misspelt.add(clauses[k].word);
      const next = new Map();
      const add = (d, s, tier, near = null) => {
        if (matched === null) next.set(d, { score: s, tier, close: near ? [near] : [] });
        else if (matched.has(d)) {
          const m = matched.get(d);
          next.set(d, { score: m.score + s, tier: Math.max(m.tier, tier), close: near ? [...m.close, near] : m.close });
        }
      };
      for (const [d, s] of exact) add(d, s, 0);
      for (const [d, s] of fuzzy) add(d, s, 1, close.get(d));
      matched = next;
    }
    const facets = await facetsLoading;
    const active = Object.entries(filters).filter(([n, v]) => v && facets[n])
      .map(([n, v]) => [n, facetIndex(facets[n].values, v) + 1 || -1]); // unknown value: nothing
    if (matched === null) { // no words: the filters alone list slides in order (Whoosh's Every)
      matched = new Map();
      if (active.length) for (let d = 0; d < this.meta.docs; d++) matched.set(d, { score: 1, tier: 0, close: [] });
    }
    const counts = {}, hits = [];
    for (const name of Object.keys(facets)) counts[name] = new Map();
    const browse = !clauses.length && !active.length;
    const each = browse ? Array.from({ length: this.meta.docs }, (_, d) => [d, null]) : matched;
    for (const [d, m] of each) {
      let failed = null, fails = 0;
      for (const [name, code] of active) {
        if (facets[name].codes[d] !== code) { failed = name; fails++; }
      }
      if (fails > 1) continue;
      for (const [name, f] of Object.entries(facets)) {
        if (fails && name !== failed) continue;
        const c = f.codes[d];
        if (c) counts[name].set(c, (counts[name].get(c) || 0) + 1);
      }
      if (!fails && m) hits.push({ doc: d, score: m.score, tier: m.tier, close: m.close });
    }
    hits.sort((a, b) => a.tier - b.tier || b.score - a.score || a.doc - b.doc);
    if (!clauses.length && active.some(([name]) => name === "section")) { // browsing a section:
      const unsure = facets.section.unsure; // its sure labels first, then the unsure ones
      hits.sort((a, b) => unsure.has(a.doc) - unsure.has(b.doc) || a.doc - b.doc);
    }
    const [section, outright, fixes] = filters.section ? [null, false, []] : this.sectionNamed(query, facets, active, misspelt);
    if (!hits.length && suggest) { // "team slides": the words about the gallery are not required
      const rest = await this.withoutGalleryWords(query, clauses, filters, fix);
      if (rest) return { ...rest, section: rest.section || section, stage: rest.stage || (filters.stage ? null : this.stageNamed(query, facets, active)) };
    }
    const noExact = !hits.some((h) => h.tier === 0);
    if (replaced.length && hits.length && noExact) {
      // the typo corrections that found these slides, whichever of each word's near ones it took
      // what the hits on show are for: a query that finds slides by its own words (a section's
      // name offered below may find these slides only through close spellings too: "raising")
      if (suggest) shownFor = suggestion = (await this.firstThatFinds(query, corrections(replaced), filters, true))?.suggestion ?? null;
    } else if (!hits.length && clauses.length && suggest) { // a section named outright is the better offer
      ({ suggestion, dropped, partial, expanded } = await this.didYouMean(query, clauses, filters, !outright));
    }
    const short = clauses.filter((c) => c.kind === "term" && misspelt.has(c.word) && ABBREVIATIONS.has(c.word));
    if (short.length && !suggestion && suggest && noExact) { // "TAM" still being typed: "tamil" found, not "TAM"
      const found = await this.firstThatFinds(query, [short.map((c) => [c.word, ABBREVIATIONS.get(c.word).words])], filters);
      if (found) [suggestion, expanded] = [found.suggestion, short.map((c) => ABBREVIATIONS.get(c.word).name)];
    }
    const namesIt = (q) => this.sectionNamed(q, facets, active)[0]?.value === section.value;
    if (fixes.length && fix && suggest && noExact && !(suggestion && !dropped.length && !partial && namesIt(suggestion))) {
      // a misspelt section name ("go to markit", "teem slides"): rather than a suggestion that
      // leaves words out or names no section, the query spelt right, or what that suggests in
      // turn while it still names the section; with the section named among other words, only
      // if it finds slides (else the browse offer alone)
      const fixed = replaceWords(query, fixes);
      const inner = fixed ? await this.search(fixed, filters, true, false) : null;
      let better = null;
      if (inner && inner.suggestion && !inner.partial && !inner.dropped.length && namesIt(inner.suggestion)) better = inner.suggestion;
      else if (inner && (outright || inner.total)) better = fixed;
      if (better) [suggestion, dropped, partial, expanded] = [better, [], false, []];
      // never "No slide has “econmics”" for a misspelt section name
      else if (dropped.some((w) => fixes.some(([typo]) => typo === w))) [suggestion, dropped, partial, expanded] = [null, [], false, []];
    }
    if (suggestion && suggest) suggestion = await this.spellOut(suggestion);
    const stage = filters.stage ? null : this.stageNamed(query, facets, active);
    // a dead end: an industry or company the words spell ("fintech": the Fintech decks), and
    // whether the words find slides without the filters (else "Clear the filter" cannot help)
    const facet = hits.length || !suggest ? null : this.facetNamed(query, facets, active, filters);
    const anywhere = hits.length || !active.length || !clauses.length || !suggest ? hits.length
      : (await this.search(query, {}, false, false)).total;
    return { hits, total: hits.length, counts, marks, suggestion, dropped, partial, expanded, section, stage, facet, anywhere,
      clauses, misspelt: [...misspelt], corrected: correctedOnly(hits, shownFor), searched: query, leftOut: [] };
  }

  // "team slides" finds nothing, and "team" finds slides: that search, with the words about
  // the gallery it left out (`leftOut`, and `leftKnown`: some slide has one of them), or null.
  async withoutGalleryWords(query, clauses, filters, fix) {
    const gallery = clauses.filter((c) => c.kind === "term" && GALLERY_WORDS.has(c.word));
    if (!gallery.length || gallery.length === clauses.length) return null;
    const rest = replaceWords(query, gallery.map((c) => [c.word, ""]));
    const found = rest && await this.search(rest, filters, true, fix);
    if (!found || !found.total) return null;
    const known = (await Promise.all(gallery.map((c) => this.postings(c.terms[0])))).some(Boolean);
    return { ...found, leftOut: gallery.map((c) => c.word), leftKnown: known };
  }

  // The section a query names ("go to market", "our team", "Problem slides", "market size",
  // or another name for it: "fundraising", "gtm", "roadmap"),
  // with how many slides (under the other filters) carry its label: the words alone find
  // only the slides that say them, so the page offers to browse the section too. The whole
  // query naming a section wins; else the longest section name among its words that has
  // slides ("go to market plan": Go-to-market, not Market). Returns [section or null, outright].
  // A misspelt word (one in `misspelt`, no slide has it) may stand for a section name's word
  // a few edits away ("go to markit", "teem slides", "fundrasing"); the third item returned
  // is then the [typed, name's word] pairs that spell the query right.
  sectionNamed(query, facets, active, misspelt = new Set()) {
    const f = facets.section;
    if (!f || !query.trim()) return [null, false, []];
    const split = (s) => s.toLowerCase().match(/[\p{L}\p{N}]+/gu) || [];
    const bare = (w) => w.replace(/s$/, "");
    const typed = split(query), filler = new Set(["the", "our", ...GALLERY_WORDS]);
    const rest = typed.filter((w) => !filler.has(w));
    // typed words `said` against a name's words: the [typed, name's word] fixes that make them
    // the same (each the same but for a plural "s", or a misspelt word a few edits away), or null
    const fixesFor = (said, name) => {
      if (said.length !== name.length) return null;
      const fixes = [];
      for (const [i, n] of name.entries()) {
        const t = said[i], budget = Math.max(typoBudget(t), 1);
        if (bare(t) === bare(n)) continue;
        if (!misspelt.has(t) || cpLength(t) < 4 || editDistance(t, n, budget) > budget) return null;
        fixes.push([t, n]);
      }
      return fixes;
    };
    const names = f.values.map((value, k) => {
      // the whole query (less "the", "our", "slides") is the section's name: the fewest fixes
      const own = [value, f.labels[k]].map((s) => split(s).filter((w) => !filler.has(w))).filter((n) => n.length);
      const whole = own.map((name) => (name.join("") === rest.join("").replace(/s$/, "") ? [] : fixesFor(rest, name)))
        .filter(Boolean).sort((a, b) => a.length - b.length);
      if (whole.length) return { k, outright: true, length: Infinity, fixes: whole[0] };
      // else the longest of its names among the query's words
      // ("other" is a catch-all, not a name anyone searches for inside a longer query)
      let best = null;
      const said = value === "other" ? [] : [value, f.labels[k], ...(SECTION_ALIASES[value] || [])].map(split);
      for (const name of said.filter((n) => n.length)) {
        for (let at = 0; at + name.length <= typed.length; at++) {
          const fixes = fixesFor(typed.slice(at, at + name.length), name), length = ` ${name.map(bare).join(" ")} `.length;
          if (fixes && (!best || length > best.length || (length === best.length && fixes.length < best.fixes.length))) best = { fixes, length };
        }
      }
      return best && { k, outright: false, ...best };
    });
    const candidates = names.filter(Boolean).sort((a, b) => b.length - a.length || a.fixes.length - b.fixes.length || a.k - b.k);
    for (const { k, outright, fixes } of candidates) {
      const count = this.countWith(f, k, facets, active);
      if (count) return [{ value: f.values[k], label: f.labels[k], count }, outright, fixes];
    }
    return [null, false, []];
  }

  // The funding stage a whole query names ("Series A", "series-a round", "pre-seed decks"),
  // with how many slides (under the other filters) come from decks at that stage, or null.
  // A stage is deck metadata, not a slide's words: "Series A" searches for "series" alone
  // (one letter is no word), so the page offers the stage filter.
  stageNamed(query, facets, active) {
    const f = facets.stage;
    // its words, accents folded, less those around a stage's name ("Seed round" is "seed")
    const said = (s) => (fold(s.toLowerCase()).match(/[\p{L}\p{N}]+/gu) || [])
      .filter((w) => !STAGE_FILLER.has(w)).join("");
    const typed = said(query);
    const k = f && typed ? f.values.findIndex((v) => said(v) === typed) : -1;
    if (k < 0) return null;
    const count = this.countWith(f, k, facets, active);
    return count ? { value: f.values[k], count } : null;
  }

  // The industry or company value a query's words spell or nearly spell ("fintech", "Fin
  // Tech", "fintek" for "Fintech"; one of a value's words: "payments" for "Fintech /
  // Payments"), with how many slides under the other filters have it: {name, value, count},
  // or null. Deck metadata a slide's words may not say, offered when the words find nothing.
  facetNamed(query, facets, active, filters) {
    const said = (s) => (fold(s.toLowerCase()).match(/[\p{L}\p{N}]+/gu) || []).filter((w) => !STAGE_FILLER.has(w));
    const typed = said(query).join("");
    if (cpLength(typed) < 3) return null;
    const near = (v) => {
      const words = said(v), whole = words.join("");
      if (whole === typed || words.includes(typed)) return 0;
      return cpLength(typed) >= 5 && editDistance(typed, whole, 1) <= 1 ? 1 : Infinity;
    };
    let best = null;
    for (const name of ["industry", "company"]) {
      const f = facets[name];
      if (!f || filters[name]) continue;
      f.values.forEach((v, k) => {
        const dist = near(v);
        if (dist === Infinity || (best && best.dist <= dist)) return;
        const count = this.countWith(f, k, facets, active);
        if (count) best = { name, value: v, label: f.labels[k], count, dist };
      });
    }
    return best && { name: best.name, value: best.value, label: best.label, count: best.count };
  }

  // How many slides have facet `f`'s value k and pass the `active` filters.
  countWith(f, k, facets, active) {
    let count = 0;
    for (let d = 0; d < this.meta.docs; d++) {
      if (f.codes[d] === k + 1 && active.every(([name, code]) => facets[name].codes[d] === code)) count++;
    }
    return count;
  }

  // The suggestion with each word that is only the stem of a longer vocabulary word, cut
  // where no word ends ("revenu" of "revenue"), spelt out as that word.
  async spellOut(suggestion) {
    const pairs = [];
    for (const c of parseQuery(suggestion)) {
      if (c.kind !== "term" || c.word !== c.terms[0]) continue; // longer than its stem: a form of its own
      const [v] = await this.vocab(c.word, c.word + "\u0000");
      if (!v || v.word === c.word || !v.word.startsWith(c.word)) continue;
      if (spellings(v).includes(c.word) || WORD_ENDINGS.includes(v.word.slice(c.word.length))) continue;
      pairs.push([c.word, nearestSpelling(c.word, v).word]);
    }
    return (pairs.length && replaceWords(suggestion, pairs)) || suggestion;
  }

  // A query that finds something, for one that found nothing: every word that matches
  // nothing, in a phrase too, becomes one of its nearest vocabulary words (one edit allowed
  // even in a short word, so "tean" finds "team"), the others kept as typed; the corrected
  // queries are tried closest first and the first that finds slides wins ("markt sise":
  // "market site" finds none, "market size" does). A word with none near is left out
  // ("market size fintech" on a corpus that never says "fintech": "market size"; a phrase
  // keeps it); failing all that, every such word is left out. When every word is on some
  // slide but none has them all (and `partial` is allowed): the query with one word fewer
  // that finds the most. `dropped`: unknown words the suggestion leaves out; `partial`: the
  // suggestion leaves out a word that is known.
  async didYouMean(query, clauses, filters, partial) {
    const typed = new Map(); // each typed word once: {term, phrase}
    for (const c of clauses) {
      (c.kind === "term" ? [c.word] : c.words).forEach((word, i) => {
        if (!typed.has(word)) typed.set(word, { term: c.terms[i], phrase: c.kind === "phrase" });
      });
    }
    const unknown = [], none = { suggestion: null, dropped: [], partial: false, expanded: [] };
    for (const [word, { term, phrase }] of typed) if (!(await this.postings(term))) unknown.push({ word, term, phrase });
    // "slides" is no missing word: every result is a slide ("teem slides": "Did you mean team?")
    const missing = unknown.filter((u) => !GALLERY_WORDS.has(u.word)).map((u) => u.word);
    if (unknown.length) {
      // an abbreviation no slide has ("TAM") is tried spelt out first, the other words corrected
      // (among other words, if all its words and the others find nothing, then it less one of
      // its words: "mrr growth" is "recurring revenue growth" where no slide says "monthly" too)
      const short = unknown.filter((u) => !u.phrase && ABBREVIATIONS.has(u.word));
      const spelt = (u) => spelledOut(ABBREVIATIONS.get(u.word).words, clauses.length > 1);
      const spelts = short.length ? short.map(spelt).reduce((all, ways) => all.flatMap((a) => ways.map((w) => [...a, w])), [[]])
        .map((ways) => ways.map((w, k) => [short[k].word, w])).slice(0, MAX_SUGGESTION_TRIES) : [];
      const near = await Promise.all(unknown.map((u) => (GALLERY_WORDS.has(u.word) && !u.phrase ? [] : this.nearWords(u.word, u.term, 1))));
      const withNear = unknown.map((u, k) => ({ ...u, near: near[k] }));
      const others = short.length ? corrections(withNear.filter((u) => !short.some((a) => a.word === u.word))) : [];
      const tries = [...spelts.flatMap((spelt) => others.map((pairs) => [...spelt, ...pairs])),
        ...corrections(withNear), unknown.map(({ word, phrase }) => [word, phrase ? word : ""])];
      const found = await this.firstThatFinds(query, tries, filters);
      if (found) {
        const expanded = found.pairs.filter(([word, to]) => ABBREVIATIONS.has(word) && to && spelledOut(ABBREVIATIONS.get(word).words, true).includes(to))
          .map(([word]) => ABBREVIATIONS.get(word).name);
        const dropped = found.pairs.filter(([word, to]) => !to && !GALLERY_WORDS.has(word)).map(([word]) => word);
        return { suggestion: found.suggestion, dropped, partial: false, expanded };
      }
    }
    const terms = clauses.filter((c) => c.kind === "term" && !unknown.some((u) => u.word === c.word));
    let best = null;
    // one word fewer, where that is a handful of tries; a long (pasted) query: its best words
    for (const c of partial && !unknown.length && terms.length <= MAX_SUGGESTION_TRIES ? terms : []) {
      const suggestion = replaceWords(query, [[c.word, ""]]);
      const total = suggestion ? (await this.search(suggestion, filters, false)).total : 0;
      if (total > (best ? best.total : 0)) best = { suggestion, total };
    }
    if (best) return { ...none, suggestion: best.suggestion, partial: true };
    const words = partial ? await this.bestWords(terms, filters) : null;
    if (!words) return none;
    // a few missing words are named; a pasted paragraph's dozen are "not all these words"
    const named = missing.length <= 3 ? missing : [];
    return { ...none, suggestion: words, dropped: named, partial: !named.length || words.split(" ").length < terms.length };
  }

  // The words of `terms` (term clauses every one of which some slide has) that find the most
  // slides together under `filters`, as many of them as still find one: greedily, the word
  // that keeps the most slides next. A query of many words no slide has all of ("payments
  // working capital for small ... ") becomes those it can keep ("payments working capital").
  // Returns them in the query's order, or null when fewer than two words are known.
  async bestWords(terms, filters) {
    if (terms.length < 2) return null;
    const facets = await this.facets();
    const active = Object.entries(filters).filter(([n, v]) => v && facets[n]).map(([n, v]) => [n, facetIndex(facets[n].values, v) + 1 || -1]);
    const sets = [];
    for (const c of terms) {
      const docs = new Set();
      for (const p of (await this.postings(c.terms[0])) || []) {
        if (p) for (const d of p.docs) if (active.every(([n, code]) => facets[n].codes[d] === code)) docs.add(d);
      }
      if (docs.size && !sets.some((s) => s.c.terms[0] === c.terms[0])) sets.push({ c, docs, at: sets.length });
    }
    let chosen = [], docs = null;
    for (;;) {
      let next = null;
      for (const s of sets) {
        if (chosen.includes(s)) continue;
        const both = docs ? [...s.docs].filter((d) => docs.has(d)) : [...s.docs];
        if (both.length && (!next || both.length > next.both.length)) next = { s, both };
      }
      if (!next) break;
      chosen.push(next.s);
      docs = new Set(next.both);
    }
    if (!chosen.length || chosen.length === terms.length) return null;
    const suggestion = chosen.sort((a, b) => a.at - b.at).map((s) => s.c.word).join(" ");
    return (await this.search(suggestion, filters, false)).total ? suggestion : null;
  }

  // The first of `tries` (lists of [typed, replacement] word pairs) whose query finds a slide
  // under `filters`: {suggestion, total, pairs}, or null.
  // `exact`: only a query that finds slides by its own words, not only by close spellings
  // of them ("Showing 3 slides for raising" of slides that say "rising" would be untrue)
  async firstThatFinds(query, tries, filters, exact = false) {
    const seen = new Set();
    for (const pairs of tries) {
      const suggestion = replaceWords(query, pairs);
      if (!suggestion || seen.has(suggestion)) continue;
      seen.add(suggestion);
      const { total, hits } = await this.search(suggestion, filters, false);
      if (total && (!exact || hits.some((h) => h.tier === 0))) return { suggestion, total, pairs };
    }
    return null;
  }

  // Display records {id, title, url, thumb, text, ...} for doc numbers, in order.
  async records(docs) {
    const r = this.meta.records, H = this.hashChars;
    const name = (d) => { const k = Math.floor(d / r.size); return `r.${r.hashes.slice(k * H, (k + 1) * H)}.json`; };
    const chunks = await Promise.all(docs.map((d) => this.file(name(d))));
    return docs.map((d, i) => {
      // a row may stop short of its last fields, the languages, when they are "" (English)
      const row = chunks[i][d % r.size], rec = { doc: d };
      r.fields.forEach((name, k) => { rec[name] = row[k]; });
      return rec;
    });
  }
}

// ------------------------------------------------------------- live index
// A deploy can replace the index under an open page: `deckgen deploy --delete` removes the
// hashed files its entry.json named (a CDN edge may also serve the last entry.json for up to
// its max-age). A file the entry names that the server says is gone is the sign: read
// entry.json afresh, and if it names another index, search that one instead, once a search.
export const INDEX_UPDATED = "The search index was updated since this page opened; reload the page to search it.";
const indexUpdated = () => Object.assign(new Error(INDEX_UPDATED), { plain: true });

export class LiveIndex {
  // load(name, {fresh}) -> the file's JSON; it throws an Error with `missing: true` when the
  // server answers that the file is not there, any other Error when it cannot be read;
  // `fresh`: past every cache (entry.json only).
  constructor(load) {
    this._load = load;
    this._index = null; // the SearchIndex opened or being opened
    this._opening = null;
    this._refresh = null; // {stale, next}: the one refresh in flight, shared by every search that hit the gap
  }

  // The opened index (once; after a failure the next call tries again).
  open(entry = null) {
    if (!this._opening) {
      const index = this._index = new SearchIndex(this._load);
      const opening = this._opening = index.open(entry);
      opening.catch(() => { if (this._opening === opening) this._opening = null; });
    }
    return this._opening;
  }

  // task(index) on the current index; if it (or opening the index) finds a file gone, on the
  // index entry.json names now, once. INDEX_UPDATED when that fails too; the error as it was
  // when entry.json still names this index.
  async use(task) {
    const opening = this.open(), stale = this._index;
    try {
      return await task(await opening);
    } catch (err) {
      if (!err.missing || !stale.entry) throw err; // not missing, or entry.json itself
      const next = await this.refreshed(stale);
      if (!next) throw err; // no other index: a reload would not bring the file back
      try {
        return await task(next);
      } catch (again) {
        throw again.missing ? indexUpdated() : again;
      }
    }
  }

  // The index entry.json names now, opened, when it is another than `stale`; null if not
  // (or entry.json is gone too); INDEX_UPDATED if it is in a format only a reload can read.
  refreshed(stale) {
    if (this._index !== stale) return this.open(); // another search has moved on already
    if (this._refresh && this._refresh.stale === stale) return this._refresh.next;
    const next = this._load("entry.json", { fresh: true }).then((entry) => {
      if (entry.meta === stale.entry.meta) return null;
      if (!readable(entry)) throw indexUpdated();
      if (this._index === stale) this._opening = null; // drop every file the old index read
      return this.open(entry);
    }, (err) => { if (err.missing) return null; throw err; });
    const refresh = this._refresh = { stale, next };
    const done = () => { if (this._refresh === refresh) this._refresh = null; }; // the next search may look again
    next.then(done, done);
    return next;
  }
}

// When no hit has the typed words, only close spellings of some ("raising": "rising"):
// {typed: those words, to: the words the hits have instead, each once, in order, query: the
// typed query spelt as they are (null if none finds slides by its own words)}; else null.
function correctedOnly(hits, query) {
  if (!hits.length || !hits.every((h) => h.close.length)) return null;
  const typed = [], to = [];
  for (const h of hits) {
    for (const [word, near] of h.close) {
      if (!typed.includes(word)) typed.push(word);
      if (!to.includes(near)) to.push(near);
    }
  }
  return { typed, to, query };
}

// Whoosh sums an Or of 4 field queries as a binary tree: (f0 + f1) + (f2 + f3).
function sumFields(parts) {
  const all = new Map();
  for (const part of parts) for (const d of part.keys()) all.set(d, 0);
  const tree = (lo, hi, d) => {
    if (hi - lo === 1) return parts[lo].get(d) || 0;
    const mid = lo + ((hi - lo) >> 1);
    return tree(lo, mid, d) + tree(mid, hi, d);
  };
  for (const d of all.keys()) all.set(d, tree(0, parts.length, d));
  return all;
}

// The corrected queries for misspelt words [{word, near: vocabulary entries, nearest first,
// phrase}], as lists of [typed, corrected] word pairs, the closest first (fewest edits, then
// nearest in spelling, then the commonest words): each word takes one of its MAX_SPELLINGS
// nearest; a word with none near is left out ("" ), or kept in a phrase. At most
// MAX_SUGGESTION_TRIES: costs add up, so the best of the whole product extend the best of
// each step.
function corrections(misspelt) {
  const cost = (a, b) => a.dist - b.dist || a.spelled - b.spelled || b.df - a.df;
  let best = [{ pairs: [], dist: 0, spelled: 0, df: 0 }];
  for (const { word, near, phrase } of misspelt) {
    const options = near.length ? near.slice(0, MAX_SPELLINGS) : [{ word: phrase ? word : "", dist: 0, spelled: 0, df: 0 }];
    best = best.flatMap((b) => options.map((v) => ({ pairs: [...b.pairs, [word, v.word]],
      dist: b.dist + v.dist, spelled: b.spelled + v.spelled, df: b.df + v.df })));
    best = best.sort(cost).slice(0, MAX_SUGGESTION_TRIES);
  }
  return best.map((b) => b.pairs);
}

// The query with each [from, to] word (`from` as analyze folds it: "2000" is the typed
// "2,000", "equipe" "Équipe") replaced wherever it stands, in a phrase too ("" drops it, and
// any stop word it leaves at either end: "go to market" without "go" is "market"); null if
// that changes nothing, leaves no words, or only numbers of a query with words ("COVID-19"
// less "covid"). A word dropped takes with it what only it held up: its clitic and elision
// ("what's": not "'s the ask?"; "L'Équipe": not "L'"), a number's signs ("CAC $370": not
// "CAC $"), a joiner or comma it leaves at an end or beside it ("team & advisors": "team";
// "go-to-market" less "to": "go-market"), and an empty pair of brackets or markup
// ("<em>pricing</em>" less "em": "pricing").
export function replaceWords(typed, pairs) {
  // an offer is a query of words: no override turns the line around it, no control breaks it
  const query = typed.replace(BIDI_CONTROLS, "").replace(/[\u0000-\u001f\u007f-\u009f]/g, " ");
  let out = query;
  for (const [from, to] of pairs) {
    for (const t of analyze(out).filter((t) => t.word === from && standsAlone(out, t)).reverse()) {
      const left = out.slice(0, t.start), right = out.slice(t.end), number = !to && A_NUMBER.test(from);
      const sign = number && (CODE_BEFORE.exec(left) || SIGN_BEFORE.exec(left));
      const clitic = CLITIC_AFTER.test(out.slice(t.start - 1)) ? out[t.start - 1] : ""; // "they're" less "re": "they"
      const before = to ? "" : (sign && (sign[1] ?? sign[2])) || ELISION_BEFORE.exec(left)?.[1] || clitic;
      const after = to ? "" : (number && SIGN_AFTER.exec(right)?.[0]) || CLITIC_AFTER.exec(right)?.[0] || "";
      out = out.slice(0, t.start - before.length) + (to || GONE_WORD) + out.slice(t.end + after.length);
    }
  }
  if (pairs.some(([, to]) => !to)) {
    // where a word went: one joiner stays only between two that do ("a & b & c" less b)
    const around = new RegExp(`${JOINERS}*${GONE_WORD}${JOINERS}*`, "gu");
    const hasJoiner = (s) => /[&+/-]/.test(s);
    for (let last = null; last !== out;) {
      last = out;
      out = dropEmptyPairs(out);
      out = out.replace(around, (m, at, all) => {
        const [left, right] = m.split(GONE_WORD);
        if (at === 0 || at + m.length === all.length) return " ";
        return hasJoiner(left) && hasJoiner(right) ? left : " ";
      });
      out = out.replace(new RegExp(`^${JOINERS}+|${JOINERS}+$`, "gu"), " ");
    }
    // a word left out of "go-to-market" leaves no hyphen hanging ("-to-market", "go-to-")
    out = out.replace(/-{2,}/g, "-").replace(/(^|[\s"])-+/g, "$1").replace(/-+(?=[\s"]|$)/g, "");
    const stop = [...STOP_WORDS].join("|");
    const first = new RegExp(`^\\s*(?:${stop})(?:[\\s-]+|$)`, "i"), last = new RegExp(`(?:^|[\\s-]+)(?:${stop})\\s*$`, "i");
    while (first.test(out)) out = out.replace(first, "");
    while (last.test(out)) out = out.replace(last, "");
    out = out.replace(/[\s?!.,;:]+$/u, ""); // "what's the ask?" less "what's": "ask", not "ask?"
  }
  out = out.split(/\s+/).filter(Boolean).join(" ");
  if (out === query.replace(/\s+/g, " ").trim() || !parseQuery(out).length) return null;
  return /\p{L}/u.test(out) || !/\p{L}/u.test(query) ? out : null;
}
// A word (as analyze folds it) as the query has it: "TAM" for "tam", "2,000" for "2000"
export function typedAs(query, word) {
  const t = analyze(query).find((t) => t.word === word);
  return t ? query.slice(t.start, t.end) : word;
}
// a token that is a word of its own, not a pair inside a run of Chinese or Thai letters
const WORD_CHAR = /[\p{L}\p{N}_]/u;
const standsAlone = (text, t) => !WORD_CHAR.test([...text.slice(Math.max(0, t.start - 2), t.start)].pop() || "")
  && !WORD_CHAR.test(String.fromCodePoint(text.codePointAt(t.end) ?? 32));
// What a dropped word holds up beside it. A number: its currency, approximation or number
// sign before it ("R$ 2,000", "US$5M", "$5M", "~2,000", "#1"; of "EBITDA$ 2,000" only the
// "$", of "F# 2,000" nothing), its percent or currency sign after it ("40 %", "1,200€"; not
// the "$" of "$5M" next). Any word: an elision before it ("L'Équipe" less "equipe": not
// "L'"), its clitic.
const CODE_BEFORE = /(?:^|[^\p{L}\p{N}_])(\p{Lu}{1,2}\p{Sc}+\s?)$/u;
const SIGN_BEFORE = /(?:^|[^\p{L}\p{N}_])([~≈#±]\s?)$|(\p{Sc}+\s?)$/u;
const SIGN_AFTER = /^\s?[%‰\p{Sc}](?![\p{L}\p{N}_])/u;
const ELISION_BEFORE = /(?:^|[^\p{L}\p{N}_])((?:\p{L}|qu)['’])$/iu;
const CLITIC_AFTER = /^['’](?:s|re|ll|ve|d|m|t)(?![\p{L}\p{N}_])/iu;
// where replaceWords dropped a word (no control character is left in a query), and what
// joins two words without being one: "team & advisors", "B2B/B2C", "go-to-market"
const GONE_WORD = "\u0000";
// a comma too ("15,30" less "15" is "30", not ",30"), a colon ("title:team" less "title":
// "team", not ":team"), a backslash and a bar
const JOINERS = "[\\s&+/,:|\\\\-]";
// An empty pair of brackets, markup or quotes around words replaceWords dropped
// ("<em>pricing</em>" less "em"), now one dropped word; a straight quote that
// closes the phrase before ("\"a b\" x \"c d\"" less x) is no such pair.
const EMPTY_PAIR = new RegExp(["<\\s*/?", "\\(", "\\[", "\\{", "\"", "“", "‘", "«", "「"].map((open, k) =>
  `${open}\\s*(?:${GONE_WORD}\\s*)+${[">", "\\)", "\\]", "\\}", "\"", "”", "’", "»", "」"][k]}`).join("|"), "gu");
const dropEmptyPairs = (s) => s.replace(EMPTY_PAIR, (m, at, all) =>
  m[0] === '"' && all.slice(0, at).split('"').length % 2 === 0 ? m : GONE_WORD);
const BIDI_CONTROLS = /[\u202a-\u202e\u2066-\u2069]/g;

// Best snippet window of `text` as [{text, mark}] pieces around tokens `marks` marks.
export function snippet(text, marks, width = 28) {
  const toks = analyze(text);
  if (!toks.length) return [{ text: text.slice(0, 200), mark: false }];
  const marked = markedTokens(toks, marks);
  let best = 0, bestHits = -1;
  for (let i = 0; i < toks.length; i += 1) {
    let hits = 0;
    for (let j = i; j < Math.min(toks.length, i + width); j++) if (marked[j]) hits++;
    if (hits > bestHits) { best = i; bestHits = hits; }
    if (i + width >= toks.length) break;
  }
  // A little context before the first hit, never so much that the last hit falls off the end.
  const hitAt = [];
  for (let k = best; k < Math.min(toks.length, best + width); k++) if (marked[k]) hitAt.push(k);
  const from = hitAt.length
    ? Math.max(0, Math.min(hitAt[0] - 3, toks.length - width), hitAt[hitAt.length - 1] - width + 1) : 0;
  const to = Math.min(toks.length, from + width);
  const start = from === 0 ? 0 : toks[from].start, end = to === toks.length ? text.length : toks[to - 1].end;
  const pieces = markPieces(text, marks, toks.slice(from, to), start, end, marked.slice(from, to));
  if (start > 0) pieces.unshift({ text: "… ", mark: false });
  if (end < text.length) pieces.push({ text: " …", mark: false });
  return pieces.map((p) => ({ ...p, text: p.text.replace(/\s+/g, " ") }));
}

// Which of `toks` (analyze's) `marks` marks, one boolean each. A mark is a term (a word's
// stem, a pair of letters) marked wherever it stands, or a run of letters cut into pairs
// ("ตลาด", "東京都": a phrase's marks, see phraseMarks) marked only where all its pairs stand
// one after another in one run of the text (the run whole, on the index's NFKC and fold):
// "าด" ending "ขนาด" is no part of "ตลาด", nor "京都" of "東京都".
export function markedTokens(toks, marks) {
  const marked = toks.map((t) => marks.has(t.term) || t.also.some((a) => marks.has(a))); // "4.2": "$4.2M"
  for (const mark of marks) {
    const run = analyze(mark);
    if (run.length < 2 || !run.every((t, i) => i === 0 || chained(run[i - 1], t))) continue;
    for (let k = 0; k + run.length <= toks.length; k++) {
      const whole = run.every((r, i) => toks[k + i].term === r.term && (i === 0 || chained(toks[k + i - 1], toks[k + i])));
      if (whole) marked.fill(true, k, k + run.length);
    }
  }
  return marked;
}

// text[start:end] as [{text, mark}] pieces, the tokens `marks` marks (markedTokens) marked.
export function markPieces(text, marks, toks = analyze(text), start = 0, end = text.length, marked = markedTokens(toks, marks)) {
  const pieces = [];
  let at = start;
  for (const [k, t] of toks.entries()) {
    if (!marked[k] || t.end <= at) continue;
    if (t.start > at) pieces.push({ text: text.slice(at, t.start), mark: false });
    const last = pieces[pieces.length - 1];
    // CJK pairs overlap ("請求", "求書"): one mark, each character once
    if (t.start <= at && last?.mark) last.text += text.slice(at, t.end);
    else pieces.push({ text: text.slice(Math.max(at, t.start), t.end), mark: true });
    at = t.end;
  }
  if (end > at) pieces.push({ text: text.slice(at, end), mark: false });
  return pieces;
}

// The boxes ([x, y, w, h], source pixels) of the OCR words ([text, x, y, w, h]) that hold
// a part of what `marks` marks in their text. The words are read as the page's text joins
// them (deckgen.ocr_layout): Tesseract reads Chinese and Japanese a character or two per
// word, set side by side on a row, so a marked pair or run split between words marks each.
export function markedBoxes(words, marks) {
  let text = "";
  const spans = words.map((w, i) => {
    if (i > 0) text += unspaced(words[i - 1], w) ? "" : " ";
    text += w[0];
    return [text.length - w[0].length, text.length];
  });
  const toks = analyze(text), marked = markedTokens(toks, marks);
  const hits = toks.filter((_, k) => marked[k]);
  // words and hits both run in text order: one sweep, not every hit for every word
  let h = 0;
  return words.filter((_, i) => {
    while (h < hits.length && hits[h].end <= spans[i][0]) h += 1;
    return h < hits.length && hits[h].start < spans[i][1];
  }).map(([, ...box]) => box);
}
// two words read on one row with no space between: CJK letters at the seam
function unspaced(a, b) {
  if (!a[0] || !b[0] || Math.abs(a[2] - b[2]) >= Math.max(a[4], b[4]) / 2) return false;
  return [[...a[0]].pop(), [...b[0]][0]].every((ch) => ONE_CJK_LETTER.test(ch));
}

// What the slide page says it marked: the distinct words (each as often as it stands), as
// parts: strings, and {word} for each word, which the page sets in its own <bdi> (Arabic
// words in an English sentence keep their order: "السوق, التمويل", not reversed).
export function marksNote(pieces) {
  const found = [...new Set(pieces.filter((p) => p.mark).map((p) => p.text.toLowerCase()))];
  if (!found.length) return [];
  const sep = found.some((word) => word.includes(",")) ? "; " : ", "; // "447; 1,156; 3,088"
  const words = found.flatMap((word, i) => (i ? [sep, { word }] : [{ word }]));
  return [`${found.length} ${found.length === 1 ? "word" : "words"} from your search marked: `, ...words, ". "];
}
export const noteText = (parts) => parts.map((p) => (typeof p === "string" ? p : p.word)).join("");

// A slide page opened from a search carries the matched terms (?highlight=term term): mark
// them in the OCR text and box them on the image, from the word boxes the page holds.
function highlightSlide() {
  const marks = new Set((new URLSearchParams(location.search).get("highlight") || "").split(/\s+/).filter(Boolean));
  if (!marks.size) return;
  const pre = document.querySelector(".ocr-text");
  const pieces = pre ? markPieces(pre.textContent, marks) : [];
  if (pre) pre.replaceChildren(...pieces.map((p) => (p.mark ? el("mark", { text: p.text }) : p.text)));
  // say what the marks are, and how to see the slide without them
  const note = marksNote(pieces).map((p) => (typeof p === "string" ? p : el("bdi", { text: p.word })));
  const figure = document.querySelector(".slide-figure");
  if (note.length && figure) {
    figure.before(el("p", { class: "slide-hits-note" }, ...note,
      el("a", { href: location.pathname, text: "Show the slide without marks" })));
  }
  const holder = document.querySelector(".slide-image[data-words]");
  if (!holder) return;
  const { width, height, words } = JSON.parse(holder.dataset.words);
  const boxes = markedBoxes(words, marks);
  if (!boxes.length) return;
  const svg = svgEl("svg", { class: "slide-hits", viewBox: `0 0 ${width} ${height}`, preserveAspectRatio: "none", "aria-hidden": "true" });
  for (const [x, y, w, h] of boxes) {
    const pad = Math.max(2, h * 0.2); // a little room around the word, as a highlighter pen leaves
    svg.append(svgEl("rect", { x: x - pad, y: y - pad, width: w + 2 * pad, height: h + 2 * pad, rx: pad }));
  }
  holder.append(svg);
}

// The search records name a slide's thumbnail only; deckgen/site_images.py names every size of it
// <stem>-<size>.<key>.<jpg|webp> (thumb 320 px wide, medium 960 px at most), so the thumb's
// name gives the others: srcsets {jpg, webp} (root-relative), or null for another name.
export function thumbSrcsets(thumb, root = "") {
  const m = /^([^\s,]+)-thumb\.([0-9a-f]+)\.jpg$/.exec(thumb);
  if (!m) return null;
  const set = (ext) => `${root}${m[1]}-thumb.${m[2]}.${ext} 320w, ${root}${m[1]}-medium.${m[2]}.${ext} 960w`;
  return { jpg: set("jpg"), webp: set("webp") };
}

// ----------------------------------------------------------------------- UI
const FACET_TITLES = { section: "Section", company: "Company", year: "Year", stage: "Stage", industry: "Industry" };
const PAGE_SIZE = 10, MAX_PAGES = 50, FACET_LIMIT = 16; // 16 = every section type
const MAX_SHOWN = MAX_PAGES * PAGE_SIZE; // hits on show at most: a shared ?n= draws no more
// a query echoed in the status line and the page title is cut short past so many characters
const ECHO_LENGTH = 60;
const shorten = (text, most) => { const cps = [...text]; return cps.length > most ? cps.slice(0, most - 1).join("").trimEnd() + "…" : text; };
// a shared link's query, echoed: bidi overrides and controls would make it read otherwise
const echoed = (text) => shorten(text.replace(/[\u0000-\u001f\u007f-\u009f]/g, "").replace(BIDI_CONTROLS, "").trim(), ECHO_LENGTH);
const TYPING_PAUSE = 700; // ms without a keystroke before the live status line speaks
const THUMB_SIZES = "(max-width: 30rem) calc(100vw - 2rem), 12rem"; // style.css .search-hit-thumb
export const LOAD_FAILED = "Search could not load part of its index; check the connection and try again.";
// What a server answers for a file a deploy deleted: S3 and CloudFront say 403 to a reader
// that may not list the bucket.
const GONE = new Set([403, 404, 410]);
const loadFailed = (missing) => Object.assign(new Error(LOAD_FAILED), { plain: true, missing });

// LiveIndex's load(name, {fresh}): search/<name> under the URL `base`, parsed.
export function indexLoader(base) {
  return async (name, { fresh = false } = {}) => {
    const url = new URL(name, base);
    if (fresh) url.search = `?fresh=${Date.now()}`; // past a CDN edge's copy as well
    const init = name === "entry.json" ? { cache: fresh ? "no-store" : "no-cache" } : {};
    const res = await fetch(url, init).catch(() => null);
    if (!res || !res.ok) throw loadFailed(Boolean(res && GONE.has(res.status)));
    // a proxy, a captive portal or an SPA fallback may answer 200 with a page of HTML: a
    // failure like any other (SearchIndex forgets it, so the next search fetches it again)
    return res.json().catch(() => { throw loadFailed(false); });
  };
}

// Only site-relative links from the index may become href/src.
const safeUrl = (u) => (typeof u === "string" && u && !/^\s*([a-z][a-z0-9+.-]*:|\/\/|\\)/i.test(u) ? u : null);

function el(tag, attrs = {}, ...children) {
  return fill(document.createElement(tag), attrs, children);
}
const svgEl = (tag, attrs = {}) => fill(document.createElementNS("http://www.w3.org/2000/svg", tag), attrs, []);

function fill(node, attrs, children) {
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "text") node.textContent = v; else node.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children) if (c) node.append(c);
  return node;
}

class SearchUI {
  // `results` holds a status line (it says what a search found; its hidden copy is the only
  // live region: screen readers hear that, not the whole list) and the hits; `facetNav` the
  // filter chips, inside a <details> ("Filters") that starts folded on every screen, so the
  // results come right under the search box (open, five rows of chips pushed the first hit
  // to the foot of a laptop's screen, and opening it once drawn moved the page ~440 px).
  constructor(form, input, results, facetNav) {
    Object.assign(this, { form, input, results, facetNav });
    this.root = form.dataset.root || "";
    this.base = new URL(this.root + "search/", document.baseURI);
    this.title = document.title;
    this.filters = {};
    this.shown = PAGE_SIZE;
    this.run = 0;
    this.typing = false;
    this.saying = null; // the status line's words waiting for a pause in typing
    this.opened = null; // the hit clicked (its data-id)
    // The status line shows what the hits on show are at once; screen readers hear its words
    // from a hidden copy, the one live region, once typing pauses.
    this.status = results.querySelector(".search-status") || el("p", { class: "search-status" });
    this.status.removeAttribute("role");
    this.status.tabIndex = -1; // a link that changes the query leaves focus here
    this.spoken = el("p", { class: "search-spoken visually-hidden", role: "status" });
    this.body = el("div", { class: "search-body" });
    results.removeAttribute("aria-live");
    results.replaceChildren(this.status, this.spoken, this.body);
    this.filterBox = facetNav.closest("details"); // shown once it has chips
    // "Show N slides", at the foot of the open filters (sticky, so in sight however many rows of
    // chips): a chip's press shows there what it did, and it folds the filters away to the hits
    this.done = el("button", { type: "button", class: "filters-done" });
    this.done.addEventListener("click", () => this.showResults());
    if (this.filterBox) facetNav.after(this.done);
    facetNav.addEventListener("keydown", (ev) => this.onChipKey(ev));
    // home.html keeps the room of "Filters" and the status line, out of sight until now (a
    // phone's intro steps aside from a search in the URL, and what it moved up was in sight);
    // a search from the URL: the home page's other blocks step aside before the results come,
    // so nothing on the screen moves down under them (style.css hides them while searching)
    const params = new URLSearchParams(location.search);
    const searching = ["q", ...Object.keys(FACET_TITLES)].some((name) => (params.get(name) || "").trim());
    results.dataset.state = searching ? "loading" : "empty";
    if (searching) this.status.textContent = "Searching…";
    // What a page load leaves unsaid, until the user searches, filters or goes Back: with
    // nothing to search, everything (the status line shows "Type to search N slides", but a
    // screen reader heard "Searching…" and that on every visit to the home page); from a
    // link to a search, "Searching…" (the page is loading anyway): its count only.
    this.hush = searching ? "busy" : "all";
    // past the filter chips (dozens of Tab stops) to the first hit; hidden until focused
    this.skip = el("a", { class: "skip-results", href: "#search-results", hidden: true, text: "Skip to results" });
    this.skip.addEventListener("click", (ev) => { ev.preventDefault(); this.focusHit(0); });
    (this.filterBox || facetNav).before(this.skip);
    this.live = new LiveIndex(indexLoader(this.base));
    // open the index (and its facets) while the page settles; a failure is the first search's to say
    this.live.open().then((index) => index.facets()).catch(() => {});
    this.index = null; // the index the results on show came from
  }

  start() {
    let timer = null;
    const typed = () => {
      clearTimeout(timer);
      clearTimeout(this.saying); // the count of a query still being typed goes unsaid
      timer = setTimeout(() => { this.shown = PAGE_SIZE; this.commit(true); }, 60);
    };
    // what an input method is still composing (しじょう before it becomes 市場) is no query yet
    this.input.addEventListener("input", (ev) => { if (!ev.isComposing) typed(); });
    this.input.addEventListener("compositionend", typed);
    this.form.addEventListener("submit", (ev) => { ev.preventDefault(); clearTimeout(timer); this.commit(false); });
    this.input.addEventListener("keydown", (ev) => {
      if (ev.key === "ArrowDown" && !ev.isComposing) { ev.preventDefault(); this.focusHit(0); }
    });
    this.results.addEventListener("keydown", (ev) => this.onResultKey(ev));
    // Back from a slide: the browser would restore the scroll position before the results
    // are back, so each history entry keeps its own, restored once they are drawn.
    history.scrollRestoration = "manual";
    let saving = null;
    window.addEventListener("scroll", () => { clearTimeout(saving); saving = setTimeout(() => this.saveScroll(), 200); }, { passive: true });
    window.addEventListener("pagehide", () => this.saveScroll());
    // the hit opened, focused again on Back (a click elsewhere in the results forgets it)
    this.results.addEventListener("click", (ev) => { this.opened = ev.target.closest("li.search-hit")?.dataset.id ?? null; this.saveScroll(); });
    window.addEventListener("popstate", () => { this.hush = null; this.fromUrl(); });
    // back from the back/forward cache as it was left: focus too, where a browser drops it
    window.addEventListener("pageshow", (ev) => {
      if (ev.persisted && this.opened && document.activeElement === document.body) this.hitLink(this.opened)?.focus({ preventScroll: true });
    });
    this.fromUrl();
  }

  // "Browse <link>": the link sets filter `name` to `value` in place of the query's words.
  browseOffer(name, value, text) {
    const link = el("a", { href: "?" + new URLSearchParams({ ...this.filters, [name]: value }),
      class: `search-${name}-link`, text });
    link.addEventListener("click", (ev) => {
      ev.preventDefault();
      this.input.value = "";
      this.filters[name] = value;
      this.shown = PAGE_SIZE;
      this.refocus = () => this.status;
      this.commit(false);
    });
    return el("p", { class: `search-${name}-hint` }, "Browse ", link);
  }

  // The status line: text and nodes (the "Did you mean" offer), shown at once (a count left
  // over from the last query would sit above this one's hits). The live copy waits for a
  // pause in typing (Enter says it at once): a screen reader hears one count, not one a keystroke.
  say(kind, ...parts) {
    clearTimeout(this.saying);
    this.status.className = `search-status search-${kind}`;
    this.status.replaceChildren(...parts);
    const words = this.status.textContent, speak = () => { this.spoken.textContent = words; };
    if (this.hush === "all" || this.hush === kind) return;
    if (this.typing && kind !== "error") this.saying = setTimeout(speak, TYPING_PAUSE); else speak();
  }

  fail(message) {
    this.say("error", message);
    this.results.dataset.state = "error";
    this.body.replaceChildren();
    this.skip.hidden = true;
  }

  // The scroll position, whether "Filters" is open (it changes the height above the
  // list: folded, a phone's Back would land ~600 px off the hit it left from) and the hit opened.
  saveScroll() {
    history.replaceState({ scrollY: window.scrollY, filtersOpen: this.filterBox ? this.filterBox.open : null, opened: this.opened }, "");
  }

  fromUrl() {
    const params = new URLSearchParams(location.search);
    this.input.value = params.get("q") || "";
    this.filters = {};
    for (const name of Object.keys(FACET_TITLES)) if (params.get(name)) this.filters[name] = params.get(name);
    // hits shown ("Show more"), whole pages only, MAX_SHOWN at most (where Show more stops)
    const n = Number.parseInt(params.get("n"), 10);
    this.shown = n > PAGE_SIZE ? Math.min(Math.ceil(n / PAGE_SIZE) * PAGE_SIZE, MAX_SHOWN) : PAGE_SIZE;
    this.typing = false;
    const open = history.state?.filtersOpen; // restored before the scroll position it shifts
    if (this.filterBox && typeof open === "boolean") this.filterBox.open = open;
    const opened = history.state?.opened; // Back from a slide: the keyboard is on its hit again
    if (opened) this.refocus = () => this.hitLink(opened);
    this.render(-1, history.state?.scrollY ?? null);
  }

  url() {
    const params = new URLSearchParams();
    if (this.input.value) params.set("q", this.input.value);
    for (const [k, v] of Object.entries(this.filters)) if (v) params.set(k, v);
    if (this.shown > PAGE_SIZE) params.set("n", String(this.shown));
    const qs = params.toString();
    return `${location.pathname}${qs ? "?" + qs : ""}`;
  }

  // Record the state in the URL: typing replaces one history entry, anything else pushes.
  commit(typing) {
    this.hush = null; // the user's own search, filter or link: the status line speaks again
    const url = this.url();
    if (url !== location.pathname + location.search) {
      if (typing && this.typing) history.replaceState(null, "", url);
      else { this.saveScroll(); history.pushState(null, "", url); }
    }
    this.typing = typing;
    this.render();
  }

  // `focusAt`: the hit to focus once shown (the first one "Show more" added); `scrollY`: the
  // scroll position to restore (Back); `this.refocus`: finds what to focus once redrawn.
  async render(focusAt = -1, scrollY = null) {
    const run = ++this.run, query = this.input.value;
    const slow = setTimeout(() => { if (run === this.run) this.say("busy", "Searching…"); }, 150);
    let index, facets, result, shown, records;
    try {
      ({ index, facets, result, shown, records } = await this.live.use(async (index) => {
        // together: awaited first, the filter file cost a round trip before the term shards
        const [facets, result] = await Promise.all([index.facets(), index.search(query, this.filters)]);
        const shown = result.hits.slice(0, this.shown);
        return { index, facets, result, shown, records: await index.records(shown.map((h) => h.doc)) };
      }));
    } catch (err) {
      if (run === this.run) this.fail(err.plain ? err.message : `Search failed: ${err.message}`);
      return;
    } finally {
      clearTimeout(slow);
    }
    if (run !== this.run) return; // a newer keystroke won
    Object.assign(this, { index, facetData: facets, drawn: run });
    this.canonicalFilters();
    this.body.replaceChildren(...this.resultNodes(query, result, shown, records));
    this.facetNav.replaceChildren(...this.facetNodes(result.counts));
    if (this.filterBox) this.filterBox.hidden = !this.facetNav.children.length;
    this.done.textContent = result.total ? `Show ${result.total} ${result.total === 1 ? "slide" : "slides"}` : "Close the filters";
    this.skip.hidden = !result.total;
    this.results.dataset.state = result.total ? "results" : query || Object.keys(this.filters).length ? "none" : "empty";
    const on = this.activeFilters();
    const summary = this.filterBox && this.filterBox.querySelector(".filters-active");
    if (summary) summary.textContent = on.length ? ` (${on.length} on)` : "";
    const what = [echoed(query) ? `“${echoed(query)}”` : "", ...on.map((f) => f.text.replace(BIDI_CONTROLS, ""))].filter(Boolean);
    document.title = what.length ? `${what.join(", ")} – search – ${this.title}` : this.title;
    if (focusAt >= 0) (this.links()[focusAt] || this.body.querySelector(".search-more") || this.input).focus();
    const refocus = this.refocus, lost = !document.activeElement || document.activeElement === document.body;
    this.refocus = null;
    if (refocus && lost) (refocus() || this.status).focus();
    if (scrollY !== null) window.scrollTo(0, scrollY);
  }

  // A link's filter spelt otherwise ("?stage=series-a") becomes the value itself ("Series A"),
  // in the chips, the status line and the URL.
  canonicalFilters() {
    let changed = false;
    for (const [name, value] of Object.entries(this.filters)) {
      const f = this.facetData && this.facetData[name], k = f ? facetIndex(f.values, value) : -1;
      if (k >= 0 && f.values[k] !== value) { this.filters[name] = f.values[k]; changed = true; }
    }
    if (changed) history.replaceState(history.state, "", this.url());
  }

  // The filters in force, as {name, text}: "Section: Team"; a value no slide has (a stale
  // link) says so, and is never a chip.
  activeFilters() {
    return Object.entries(this.filters).filter(([, v]) => v).map(([name, value]) => {
      const f = this.facetData && this.facetData[name], k = f ? f.values.indexOf(value) : -1;
      const label = k >= 0 ? f.labels[k] : `${value} (no slide has it)`;
      return { name, title: FACET_TITLES[name], label, text: `${FACET_TITLES[name]}: ${label}` };
    });
  }

  resultNodes(query, result, shown, records) {
    const nodes = [], q = query.trim(), on = this.activeFilters();
    if (!q && !on.length) {
      this.say("empty", `Type to search ${this.index.meta.docs} slides, or pick a filter.`);
      return nodes;
    }
    // the query echoed stands in a <bdi> (a right-to-left query keeps to its quotes); a pasted
    // paragraph, or a long word no slide has, is echoed cut short
    const echo = echoed(q);
    const quote = (text) => ["“", el("bdi", { text }), "”"];
    const quotes = (words) => words.flatMap((w, i) => [i ? ", " : "", ...quote(echoed(typedAs(q, w)))]);
    if (!result.clauses.length && !on.length) {
      const words = q.match(/[\p{L}\p{N}_]{2,}/gu);
      if (!words) this.say("empty", "Type at least two letters to search."); // "m": no word yet
      // "the": every word a stop word, left out of every search (deckgen search too)
      else this.say("empty", ...quote(echo), ` ${words.length === 1 ? "is" : "are"} too common to search for; add a word.`);
      return nodes;
    }
    const n = result.total;
    // "in Section: Team, Company: Acme", each value isolated (a right-to-left company name)
    const within = on.length ? [" in ", ...on.flatMap((f, i) => [i ? ", " : "", `${f.title}: `, el("bdi", { text: f.label })])] : [];
    // the words no slide has at all: no filter is to blame, and clearing it cannot help
    const missing = result.misspelt.filter((w) => !GALLERY_WORDS.has(w));
    const nowhere = !n && !result.anywhere;
    let said, ended = false;
    const { corrected, leftOut = [] } = result;
    // "team slides": the slides for "team", the gallery's word left out; "raising": the slides
    // for its close spelling, said as such (never "3 slides for “raising”" of slides that say "rising")
    const gone = [...(result.leftKnown ? [] : leftOut), ...(corrected ? corrected.typed.filter((w) => result.misspelt.includes(w)) : [])];
    const notAll = (leftOut.length && result.leftKnown) || (corrected && corrected.typed.some((w) => !result.misspelt.includes(w)));
    const lacking = gone.length ? ["No slide has ", ...quotes(gone), ". "] : notAll ? ["No slide has all these words. "] : [];
    if (n && corrected) {
      const link = corrected.query ? this.suggestionLink(corrected.query) : corrected.to.join(", ");
      said = [...lacking, el("span", { class: "search-did-you-mean" }, `Showing ${n} ${n === 1 ? "slide" : "slides"} for `, link, ...within, ".")];
      ended = true;
    } else if (n && leftOut.length) {
      const searched = shorten(result.searched.replace(BIDI_CONTROLS, ""), ECHO_LENGTH);
      said = [...lacking, `${n} ${n === 1 ? "slide" : "slides"} for `, ...quote(searched), ...within];
    } else if (n) {
      // beside slides that have the words as typed, how many have only a longer or similar word
      // ("25 slides for “arr” (3 of them with longer words)"; each such hit says which): the
      // count stays all the hits, as the filter chips and "Show N slides" count them
      const more = result.hits.filter((h) => h.tier > 0).length;
      const hows = [...new Set(result.hits.flatMap((h) => (h.tier ? h.close.map((c) => c[2]) : [])))];
      const others = more === 1 ? `a ${hows.join(" or ")}` : hows.map((how) => `${how}s`).join(" or ");
      said = [`${n} ${n === 1 ? "slide" : "slides"}`, ...(echo ? [" for ", ...quote(echo)] : []), ...within,
        ...(more < n && more ? [` (${more} of them with ${others})`] : [])];
    } else if (missing.length && missing.length <= 3 && !result.suggestion) said = ["No slide has ", ...quotes(missing), "."];
    else said = ["No slides", ...(echo ? [" match ", ...quote(echo)] : []), ...(nowhere && echo ? [] : within), "."];
    if (on.length && !(nowhere && echo)) {
      const clear = el("button", { type: "button", class: "search-clear", text: on.length === 1 ? "Clear the filter" : "Clear the filters" });
      clear.addEventListener("click", () => { this.filters = {}; this.shown = PAGE_SIZE; this.commit(false); this.input.focus(); });
      nodes.push(el("p", { class: "search-filters" }, clear));
    }
    if (result.suggestion && !(n && corrected)) {
      const link = this.suggestionLink(result.suggestion);
      // an abbreviation spelt out ("TAM") and the words left out are the ones no slide has
      const absent = [...result.expanded, ...result.dropped];
      const [before, after] = absent.length ? [["No slide has ", ...quotes(absent), ". Search for "], " instead?"]
        : result.partial ? [["No slide has all these words. Search for "], " instead?"] : [["Did you mean "], "?"];
      // inside the live status line, so a screen reader hears the offer with the count; with
      // no hits, "No slide has “gtm”" says all "No slides match “gtm”" would (said once)
      if (!n && absent.length) said = [];
      said.push(n ? ". " : said.length ? " " : "", el("span", { class: "search-did-you-mean" }, ...before, link, after));
    }
    // "market -size": no word is left out of a search (deckgen search reads "-" as a space too)
    const minus = [...q.matchAll(/(?:^|\s)-([\p{L}\p{N}_]{2,})/gu)].map((m) => shorten(m[1], 30));
    if (minus.length) said.push(n && !result.suggestion && !ended ? ". " : " ", "Search cannot leave words out: ", ...quotes(minus), ` ${minus.length === 1 ? "was" : "were"} searched for too.`);
    this.say("count", ...said);
    const slides = (count) => `${count} ${count === 1 ? "slide" : "slides"}`;
    if (result.section) {
      const { value, label, count } = result.section;
      nodes.push(this.browseOffer("section", value, `all ${slides(count)} labelled ${label}`));
    }
    if (result.stage) {
      const { value, count } = result.stage;
      nodes.push(this.browseOffer("stage", value, `all ${slides(count)} from ${value} decks`));
    }
    if (result.facet) { // "fintech" on no slide: the Fintech decks' slides
      const { name, value, label, count } = result.facet;
      nodes.push(this.browseOffer(name, value, `all ${slides(count)} from ${label}${name === "industry" ? " decks" : ""}`));
    }
    if (!n) return nodes;
    const list = el("ol", { class: "search-hits" }, ...this.hitItems(result, shown, records));
    nodes.push(list, ...this.moreNodes(result, list, shown.length));
    return nodes;
  }

  // A link that searches for `suggestion` instead, leaving focus on the status line.
  suggestionLink(suggestion) {
    const link = el("a", { href: "?" + new URLSearchParams({ ...this.filters, q: suggestion }), class: "search-suggestion", text: suggestion });
    link.addEventListener("click", (ev) => {
      ev.preventDefault();
      this.input.value = suggestion;
      this.refocus = () => this.status;
      this.commit(false);
    });
    return link;
  }

  // The <li> of each hit in `hits` (of `result`), with its display record.
  hitItems(result, hits, records) {
    // the slide page marks the matched words on the image and in its text
    // the index names the made-up decks once each (or says true: all of them)
    const made = this.index.meta.fictional, madeUp = new Set(Array.isArray(made) ? made : []);
    const fictional = (deck) => made === true || madeUp.has(deck);
    const highlight = result.marks.size ? "?" + new URLSearchParams({ highlight: [...result.marks].join(" ") }) : "";
    return records.map((rec, i) => {
      const href = safeUrl(rec.url), thumb = safeUrl(rec.thumb), id = `hit-${hits[i].doc}`;
      // the title is the link, named by the title and meta, the OCR snippet its description;
      // style.css stretches it over the whole card, so a click anywhere on it opens the slide
      const link = el("a", { class: "search-hit-link", id: `${id}-title`, href: href ? this.root + href + highlight : null,
        "aria-labelledby": `${id}-title ${id}-meta`, "aria-describedby": `${id}-snippet` });
      for (const p of snippet(rec.title || rec.id, result.marks, 40)) link.append(p.mark ? el("mark", { text: p.text }) : p.text);
      const unsure = this.facetData.section && this.facetData.section.unsure.has(hits[i].doc);
      // the company in its own <bdi>: a right-to-left name would take the rest of the line with it
      const rest = [sectionLabel(this.facetData, rec.section), rec.year, `slide ${rec.page}`].filter(Boolean).join(" · ");
      // found by its deck's company or industry alone (the text and title say no word of the
      // search): that metadata marked in the meta line, where the snippet shows no reason
      const said = [rec.title || rec.id, rec.text || ""].some((t) => snippet(t, result.marks).some((p) => p.mark));
      const marked = (text) => snippet(text, said ? new Set() : result.marks, 1000).map((p) => (p.mark ? el("mark", { text: p.text }) : p.text));
      const company = rec.company && el("bdi", {}, ...marked(rec.company));
      const meta = el("p", { class: "search-hit-meta", id: `${id}-meta` }, company, rec.company ? ` · ${rest}` : rest);
      const industry = this.facetData.industry && this.facetData.industry.labels[this.facetData.industry.codes[hits[i].doc] - 1];
      if (!said && industry && snippet(industry, result.marks).some((p) => p.mark)) meta.append(" · ", el("bdi", {}, ...marked(industry)), " deck");
      // said in words, as the cards say it: a tooltip is out of reach of keyboard and touch
      if (unsure) meta.append(" · ", el("span", { class: "unsure", text: "section unsure" }));
      if (fictional(rec.deck)) meta.append(" · ", el("span", { class: "fictional", text: "fictional deck" }));
      // a slide found through a close spelling of a typed word says so, in words (a screen
      // reader hears it with the title), unless the status line said it of every hit
      for (const [, near, how] of closeNotes(result, hits[i])) {
        meta.append(" · ", el("span", { class: "search-hit-close", text: `${how}: ${near}` }));
      }
      // the title and the OCR text in their own language, as on the slide page (the record's
      // BCP 47 tags; none, not lang="", for English): an Arabic voice, a Japanese font
      const snip = el("p", { class: "search-hit-snippet", id: `${id}-snippet`, dir: "auto", lang: rec.text_lang || null });
      for (const p of snippet(rec.text || "", result.marks)) snip.append(p.mark ? el("mark", { text: p.text }) : p.text);
      const sets = thumb && thumbSrcsets(thumb, this.root), sizes = sets ? THUMB_SIZES : null;
      const img = thumb && el("img", { class: "search-hit-thumb", src: this.root + thumb, srcset: sets && sets.jpg, sizes, alt: "", loading: "lazy", decoding: "async" });
      return el("li", { class: "search-hit" + (hits[i].tier ? " search-hit-fuzzy" : ""), "data-id": rec.id },
        sets ? el("picture", {}, el("source", { type: "image/webp", srcset: sets.webp, sizes }), img) : img,
        el("div", { class: "search-hit-body" }, el("h3", { class: "search-hit-title", dir: "auto", lang: rec.title_lang || null }, link), meta, snip));
    });
  }

  // What follows `count` hits of `result` in `list`: "Show more", or at MAX_SHOWN a line on
  // how to narrow the search. Show more stops where fromUrl caps ?n=, so Back from a slide
  // (and a reload) shows every hit that was on show, and the one it left from.
  moreNodes(result, list, count) {
    const left = result.total - count;
    if (left <= 0) return [];
    if (count >= MAX_SHOWN) {
      return [el("p", { class: "search-limit", text: `These are the first ${MAX_SHOWN} of ${result.total} slides. Add a word or pick a filter to narrow the search.` })];
    }
    const more = el("button", { type: "button", class: "search-more", text: `Show more (${left} left)` });
    let adding = false; // a second click before the hits come adds no page twice
    more.addEventListener("click", () => {
      if (!adding) { adding = true; this.showMore(result, list, more, count); }
    });
    return [more];
  }

  // Show more: the next page of hits added under those on show, from the same result (no
  // search again; the new hits' records only). Redrawing the whole list took up to a second
  // a click past 1,000 hits.
  async showMore(result, list, more, first) {
    // a newer search on its way will redraw the list: its hits, not more of this one's
    if (this.drawn !== this.run) return;
    const run = this.run, index = this.index, hits = result.hits.slice(first, first + PAGE_SIZE);
    this.shown = first + PAGE_SIZE;
    history.replaceState(null, "", this.url()); // Back from a slide comes back to as many
    let records;
    try {
      records = await index.records(hits.map((h) => h.doc));
    } catch {
      // a deploy may have replaced the index: the whole search again, saying what failed
      if (run === this.run) this.render(first);
      return;
    }
    if (run !== this.run || !list.isConnected) return; // a newer search has redrawn the list
    list.append(...this.hitItems(result, hits, records));
    more.replaceWith(...this.moreNodes(result, list, first + hits.length));
    (this.links()[first] || this.body.querySelector(".search-more") || this.input).focus();
  }

  facetNodes(counts) {
    const nodes = [];
    for (const [name, title] of Object.entries(FACET_TITLES)) {
      const f = this.facetData[name];
      const c = counts[name];
      if (!c || (!c.size && !this.filters[name]) || !f) continue;
      const group = el("fieldset", { class: "facet", "data-facet": name }, el("legend", { text: title }));
      // years read best in order; other values by how many slides they hold
      const codes = [...c.keys()].sort(name === "year" ? (a, b) => b - a : (a, b) => c.get(b) - c.get(a) || a - b);
      const selected = this.filters[name], code = f.values.indexOf(selected) + 1; // 0: no slide has it
      if (code && !codes.includes(code)) codes.unshift(code); // keep the pressed chip
      for (const code of codes.slice(0, FACET_LIMIT)) {
        const value = f.values[code - 1];
        if (value === undefined) continue;
        const on = selected === value;
        const btn = el("button", { type: "button", class: "facet-value", "aria-pressed": on ? "true" : "false", "data-value": value },
          el("span", { class: "facet-label", dir: "auto", text: f.labels[code - 1] }), " ",
          el("span", { class: "facet-count", text: String(c.get(code) || 0) }));
        btn.addEventListener("click", () => {
          if (on) delete this.filters[name]; else this.filters[name] = value;
          this.shown = PAGE_SIZE;
          this.refocus = () => {
            const chip = this.facetNav.querySelector(`[data-facet="${name}"] [data-value="${CSS.escape(value)}"]`);
            if (chip) for (const b of chip.closest("fieldset").querySelectorAll("button.facet-value")) b.tabIndex = b === chip ? 0 : -1;
            return chip;
          };
          this.commit(false);
        });
        group.append(btn);
      }
      if (group.children.length > 1) nodes.push(group);
    }
    // one Tab stop a group (its pressed chip, else its first); the arrow keys move within it
    for (const group of nodes) {
      const chips = [...group.querySelectorAll("button.facet-value")];
      const stop = chips.find((b) => b.getAttribute("aria-pressed") === "true") || chips[0];
      for (const b of chips) b.tabIndex = b === stop ? 0 : -1;
    }
    return nodes;
  }

  // Arrow keys, Home and End within a group of chips (roving tabindex: Tab goes on to the next
  // group, not through its 16 chips).
  onChipKey(ev) {
    const chip = ev.target.closest && ev.target.closest("button.facet-value");
    if (!chip || ev.altKey || ev.ctrlKey || ev.metaKey) return;
    const chips = [...chip.closest("fieldset").querySelectorAll("button.facet-value")], i = chips.indexOf(chip);
    const rtl = getComputedStyle(chip).direction === "rtl";
    const step = { ArrowRight: rtl ? -1 : 1, ArrowDown: 1, ArrowLeft: rtl ? 1 : -1, ArrowUp: -1 }[ev.key];
    let to = -1;
    if (step) to = (i + step + chips.length) % chips.length;
    else if (ev.key === "Home") to = 0;
    else if (ev.key === "End") to = chips.length - 1;
    if (to < 0) return;
    ev.preventDefault();
    chip.tabIndex = -1;
    chips[to].tabIndex = 0;
    chips[to].focus();
  }

  // "Show N slides": the filters folded, the status line and the first hit in view, the
  // keyboard on that hit (on the status line when there is none).
  showResults() {
    if (this.filterBox) this.filterBox.open = false;
    this.status.scrollIntoView({ block: "start" });
    (this.links()[0] || this.status).focus({ preventScroll: true });
  }

  links() { return [...this.results.querySelectorAll("a.search-hit-link")]; }

  hitLink(id) { return this.results.querySelector(`li.search-hit[data-id="${CSS.escape(id)}"] a.search-hit-link`); }

  focusHit(i) {
    const links = this.links();
    if (links[i]) links[i].focus();
  }

  onResultKey(ev) {
    const links = this.links(), i = links.indexOf(document.activeElement);
    if (i < 0) return;
    if (ev.key === "ArrowDown") { ev.preventDefault(); this.focusHit(Math.min(i + 1, links.length - 1)); }
    else if (ev.key === "ArrowUp") { ev.preventDefault(); if (i === 0) this.input.focus(); else this.focusHit(i - 1); }
    else if (ev.key === "Escape") { this.input.focus(); }
  }
}

// The close spellings hit `hit` of `result` was found through that the status line did not
// name: all of them, unless every hit has one ("Showing 3 slides for rising").
function closeNotes(result, hit) {
  if (!result.corrected) return hit.close;
  const named = new Set(analyze(result.corrected.query || result.corrected.to.join(" ")).map((t) => t.term));
  return hit.close.filter(([, near]) => !analyze(near).every((t) => named.has(t.term)));
}

function sectionLabel(facets, value) {
  const f = facets.section;
  const k = f ? f.values.indexOf(value) : -1;
  return k >= 0 ? f.labels[k] : value;
}

if (typeof document !== "undefined") {
  const boot = () => {
    const form = document.getElementById("search-form");
    const input = document.getElementById("q");
    const results = document.getElementById("search-results");
    const facetNav = document.getElementById("facets");
    highlightSlide();
    // "/" jumps to the search box from anywhere on any page, as on most sites with one
    if (input) {
      document.addEventListener("keydown", (ev) => {
        if (ev.key !== "/" || ev.defaultPrevented || ev.ctrlKey || ev.metaKey || ev.altKey) return;
        const t = ev.target;
        if (t instanceof HTMLElement && (t.isContentEditable || t.closest("input, textarea, select"))) return;
        ev.preventDefault();
        input.focus();
        input.select();
      });
    }
    // Pages without a result area keep the plain form: it submits to the home page.
    if (!form || !input || !results || !facetNav) return;
    new SearchUI(form, input, results, facetNav).start(); // its first search says if the index fails
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", boot); else boot();
}
