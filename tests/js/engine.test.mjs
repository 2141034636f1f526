// Pure helpers of search.js: query grammar, VLQ, edit distance, BM25, snippets.
import { test } from "node:test";
import assert from "node:assert/strict";
import { bm25, decodeVlq, editDistance, idf, markedBoxes, markPieces, parseQuery, snippet, thumbSrcsets } from "../../site_templates/static/search.js";

test("queries split into required terms and phrases, like deckgen.index.parse_query", () => {
  assert.deepEqual(parseQuery('Market market "small businesses" the "pay"').map((c) => [c.kind, c.terms]),
    [["term", ["market"]], ["phrase", ["small", "busi"]], ["term", ["pai"]]]);
  assert.deepEqual(parseQuery('"unclosed phrase here').map((c) => c.terms), [["unclos", "phrase", "here"]]);
  assert.deepEqual(parseQuery("the of and"), []);
});

test("only a word still being typed is open for prefix matching", () => {
  assert.equal(parseQuery("market siz").at(-1).open, true);
  assert.equal(parseQuery("market siz ").at(-1).open, undefined);
  assert.equal(parseQuery('"market size"').at(-1).open, undefined);
});

test("VLQ decodes what deckgen.index.vlq encodes", () => {
  assert.deepEqual(decodeVlq("ABfgBof"), [0, 1, 31, 32, 1000]);
  assert.deepEqual(decodeVlq(""), []);
});

test("edit distance counts a transposition as one edit and stops early", () => {
  assert.equal(editDistance("finacial", "financial", 2), 1);
  assert.equal(editDistance("teh", "the", 1), 1);
  assert.equal(editDistance("market", "marketing", 1), 2);
  assert.equal(editDistance("abc", "xyz", 1), 2);
});

test("BM25 and idf follow whoosh.scoring", () => {
  // values computed with whoosh.scoring.bm25 / WeightingModel.idf
  assert.equal(idf(100, 9), Math.log(10) + 1);
  assert.ok(Math.abs(bm25(2, 1, 10, 10, 0.75, 1.2) - 2) < 1e-12);
});

test("snippets mark matching words and keep the rest as plain text", () => {
  const pieces = snippet("Our <b>market</b> is big. Markets grow!", new Set(["market"]));
  assert.deepEqual(pieces.filter((p) => p.mark).map((p) => p.text), ["market", "Markets"]);
  assert.equal(pieces.map((p) => p.text).join(""), "Our <b>market</b> is big. Markets grow!");
});

test("a snippet shows its matching word wherever in the text it is", () => {
  const words = Array.from({ length: 70 }, (_, i) => `filler${String.fromCharCode(97 + (i % 26))}${i}`);
  for (const at of [0, 27, 28, 48, 69]) {
    const text = words.map((w, i) => (i === at ? "price" : w)).join(" ");
    const pieces = snippet(text, new Set(["price"]));
    assert.deepEqual(pieces.filter((p) => p.mark).map((p) => p.text), ["price"], `price at word ${at}`);
  }
  // two hits a window apart: the window holds both
  const two = words.map((w, i) => (i === 30 || i === 55 ? "price" : w)).join(" ");
  assert.equal(snippet(two, new Set(["price"])).filter((p) => p.mark).length, 2);
});

test("slide pages mark the searched words in the text and pick their boxes", () => {
  const marks = new Set(["price"]);
  const pieces = markPieces("Pricing\nThe lowest price is <b>ours</b>", marks);
  assert.deepEqual(pieces.filter((p) => p.mark).map((p) => p.text), ["Pricing", "price"]);
  assert.equal(pieces.map((p) => p.text).join(""), "Pricing\nThe lowest price is <b>ours</b>");
  const words = [["Prices:", 10, 20, 30, 8], ["lowest", 50, 20, 30, 8], ["price", 90, 20, 25, 8], ["", 0, 0, 1, 1]];
  assert.deepEqual(markedBoxes(words, marks), [[10, 20, 30, 8], [90, 20, 25, 8]]);
  assert.deepEqual(markedBoxes(words, new Set()), []);
});

test("a thumbnail's name gives its slide's medium and WebP images, as deckgen/site.py names them", () => {
  assert.deepEqual(thumbSrcsets("img/acme/002-thumb.0a1b2c3d4e.jpg", "../"), {
    jpg: "../img/acme/002-thumb.0a1b2c3d4e.jpg 320w, ../img/acme/002-medium.0a1b2c3d4e.jpg 960w",
    webp: "../img/acme/002-thumb.0a1b2c3d4e.webp 320w, ../img/acme/002-medium.0a1b2c3d4e.webp 960w",
  });
  for (const other of ["img/acme.svg", "img/a b/002-thumb.0a1b.jpg", "img/acme/002-medium.0a1b.jpg", "x-thumb.0a1b.jpg.evil"]) {
    assert.equal(thumbSrcsets(other), null, other);
  }
});

test("a Chinese or Japanese word read in pieces has every piece boxed, on its row only", () => {
  // "請求書" as Tesseract reads it: "請求" and "書"; "書" then starts the next row too
  const words = [["請求", 10, 20, 20, 10], ["書", 30, 20, 10, 10], ["の", 40, 20, 10, 10],
    ["書", 10, 40, 10, 10], ["team", 60, 20, 30, 10], ["lead", 95, 20, 30, 10]];
  assert.deepEqual(markedBoxes(words, new Set(["請求", "求書"])), [[10, 20, 20, 10], [30, 20, 10, 10]]);
  assert.deepEqual(markedBoxes(words, new Set(["求書"])), [[10, 20, 20, 10], [30, 20, 10, 10]]);
  assert.deepEqual(markedBoxes(words, new Set(["ml"])), []); // Latin letters never pair
});
