// The slide page's note on what a search marked counts words, not the places they stand.
import { test } from "node:test";
import assert from "node:assert/strict";
import { marksNote, markPieces } from "../../site_templates/static/search.js";

test("the note counts the distinct words marked", () => {
  const pieces = markPieces("Market: the market, our market and Market size", new Set(["market"]));
  assert.equal(pieces.filter((p) => p.mark).length, 4);
  assert.equal(marksNote(pieces), "1 word from your search marked: market. ");
  const two = markPieces("market size and market", new Set(["market", "size"]));
  assert.equal(marksNote(two), "2 words from your search marked: market, size. ");
  assert.equal(marksNote(markPieces("nothing here", new Set(["market"]))), "");
});

test("Chinese and Japanese words, searched as overlapping pairs, are marked once, whole", () => {
  const pieces = markPieces("請求書の処理に毎月", new Set(["請求", "求書", "処理"]));
  assert.deepEqual(pieces, [{ text: "請求書", mark: true }, { text: "の", mark: false },
    { text: "処理", mark: true }, { text: "に毎月", mark: false }]);
  assert.equal(marksNote(pieces), "2 words from your search marked: 請求書, 処理. ");
});
