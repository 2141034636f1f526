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
