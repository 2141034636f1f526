// deckgen/index.py sorts terms with Python's str order, by code point; JS's < compares UTF-16
// units, which disagree for U+E000-U+FFFF against astral letters. Shard and vocabulary
// look-ups must follow Python's order, or "ｔｅｓｔ" is looked for in "𠎘𠎙"'s shard.
import { test } from "node:test";
import assert from "node:assert/strict";
import { compareCodePoints } from "../../site_templates/static/search.js";
import { byCodePoint, tinyIndex } from "./tiny_index.mjs";

const DOCS = [
  { id: "a/001", text: "alpha market" },
  { id: "a/002", text: "ｔｅｓｔ fullwidth" }, // U+FF54...: after every BMP letter, before astral ones
  { id: "a/003", text: "𠎘𠎙 extension" }, // CJK Extension B: surrogate pairs in UTF-16
  { id: "a/004", text: "ｶﾀｶﾅ halfwidth" }, // half-width katakana, U+FF76...
  { id: "a/005", text: "ｔｅ𠀀 mixed" }, // a full-width root, then an astral letter
  { id: "a/006", text: "zebra" },
];

const ids = async (index, query) => {
  const result = await index.search(query);
  return (await index.records(result.hits.map((h) => h.doc))).map((r) => r.id).sort();
};

test("compareCodePoints orders strings as Python does", () => {
  const words = ["", "a", "ab", "z", "\u00e9", "\ud7ff", "\ue000", "\uffff", "ｔｅｓｔ", "ｔｅ𠀀",
    "𠎘𠎙", "𠎘", "\u{10FFFF}", "ｶﾀｶﾅ", "a𠀀", "a\uffff", "\ud800\udc00"];
  for (const a of words) {
    for (const b of words) assert.equal(Math.sign(compareCodePoints(a, b)), Math.sign(byCodePoint(a, b)), `${a} ${b}`);
  }
  assert.ok(compareCodePoints("ｔｅｓｔ", "𠎘𠎙") < 0 && !("ｔｅｓｔ" < "𠎘𠎙"));
});

test("terms from U+E000 up are found when a shard starts with an astral term", async () => {
  const { index, files } = await tinyIndex(DOCS, { termsPerShard: 1, termsPerVocab: 2 });
  const starts = [...files.values()].find((f) => f.terms).terms.starts;
  assert.ok(starts.indexOf("ｔｅｓｔ") < starts.indexOf("𠎘𠎙"), "the index is in Python's order");
  assert.deepEqual(await ids(index, "ｔｅｓｔ "), ["a/002"]);
  assert.deepEqual(await ids(index, "ｶﾀｶﾅ "), ["a/004"]);
  assert.deepEqual(await ids(index, "zebra "), ["a/006"]);
  assert.deepEqual(await ids(index, "𠎘𠎙 "), ["a/003"]);
  assert.deepEqual(await ids(index, "market "), ["a/001"]);
});

test("prefix completions reach terms with astral letters after the root", async () => {
  const { index } = await tinyIndex(DOCS, { termsPerShard: 1, termsPerVocab: 2 });
  assert.deepEqual(await ids(index, "ｔｅ"), ["a/002", "a/005"]); // the vocabulary files' range
  const big = await tinyIndex(DOCS, { termsPerShard: 50, termsPerVocab: 2 });
  assert.deepEqual(await ids(big.index, "ｔｅ"), ["a/002", "a/005"]); // one shard holds them all
});

test("typo corrections read the vocabulary range of the word's first letter", async () => {
  const { index } = await tinyIndex(DOCS, { termsPerShard: 1, termsPerVocab: 1 });
  assert.deepEqual(await ids(index, "ｔｅｓｓ "), []); // 4 letters: no typo budget
  const near = await index.nearWords("ｔｅｓｔｓｓ", "ｔｅｓｔｓｓ", 2);
  assert.deepEqual(near.map((v) => v.term), ["ｔｅｓｔ"]);
});
