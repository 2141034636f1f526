// deckgen/index.py sorts terms with Python's str order, by code point; JS's < compares UTF-16
// units, which disagree for U+E000-U+FFFF against astral letters. Shard and vocabulary
// look-ups must follow Python's order, or "\ufa0e\ufa0f" is looked for in "𠎘𠎙"'s shard.
import { test } from "node:test";
import assert from "node:assert/strict";
import { compareCodePoints } from "../../site_templates/static/search.js";
import { byCodePoint, tinyIndex } from "./tiny_index.mjs";

const DOCS = [
  { id: "a/001", text: "alpha market" },
  // CJK compatibility ideographs NFKC keeps (U+FA0E...): after every other BMP letter, before
  // astral ones; searched as pairs, as Chinese and Japanese are
  { id: "a/002", text: "\ufa0e\ufa0f\ufa11 compat" },
  { id: "a/003", text: "𠎘𠎙 extension" }, // CJK Extension B: surrogate pairs in UTF-16
  { id: "a/004", text: "ｶﾀｶﾅ halfwidth" }, // half-width katakana: searched as カタカナ
  { id: "a/005", text: "\ufa0e𠀀 mixed" }, // the same first letter, then an astral one
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
  assert.ok(starts.indexOf("\ufa0e\ufa0f") < starts.indexOf("𠎘𠎙"), "the index is in Python's order");
  assert.deepEqual(await ids(index, "\ufa0e\ufa0f "), ["a/002"]);
  assert.deepEqual(await ids(index, "ｶﾀｶﾅ "), ["a/004"]);
  assert.deepEqual(await ids(index, "カタカナ "), ["a/004"]);
  assert.deepEqual(await ids(index, "zebra "), ["a/006"]);
  assert.deepEqual(await ids(index, "𠎘𠎙 "), ["a/003"]);
  assert.deepEqual(await ids(index, "market "), ["a/001"]);
});

test("terms of one first letter are found whichever way UTF-16 would order them", async () => {
  for (const termsPerShard of [1, 50]) { // the vocabulary files' range, or one shard for all
    const { index } = await tinyIndex(DOCS, { termsPerShard, termsPerVocab: 2 });
    assert.deepEqual(await ids(index, "\ufa0e𠀀 "), ["a/005"]);
    assert.deepEqual(await ids(index, "\ufa0e\ufa0f "), ["a/002"]);
  }
});

test("typo corrections read the vocabulary range of the word's first letter", async () => {
  const { index } = await tinyIndex(DOCS, { termsPerShard: 1, termsPerVocab: 1 });
  const near = await index.nearWords("\ufa0e\ufa0f\ufa11\ufa13", "\ufa0e\ufa0f\ufa11\ufa13", 2);
  assert.deepEqual(near.map((v) => v.term), ["\ufa0e\ufa0f"]);
});
