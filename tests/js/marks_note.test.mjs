// The slide page's note on what a search marked counts words, not the places they stand.
import { test } from "node:test";
import assert from "node:assert/strict";
import { marksNote, markPieces, markedBoxes, noteText, snippet } from "../../site_templates/static/search.js";
import { tinyIndex } from "./tiny_index.mjs";

const marked = (pieces) => pieces.filter((p) => p.mark).map((p) => p.text);

test("the note counts the distinct words marked", () => {
  const pieces = markPieces("Market: the market, our market and Market size", new Set(["market"]));
  assert.equal(pieces.filter((p) => p.mark).length, 4);
  assert.equal(noteText(marksNote(pieces)), "1 word from your search marked: market. ");
  const two = markPieces("market size and market", new Set(["market", "size"]));
  assert.equal(noteText(marksNote(two)), "2 words from your search marked: market, size. ");
  assert.deepEqual(marksNote(markPieces("nothing here", new Set(["market"]))), []);
});

test("each word of the note is a part of its own, set in a <bdi>: Arabic keeps its order", () => {
  // the index terms are stems ("السوق" and "والتمويل" are "سوق" and "تمويل")
  const pieces = markPieces("السوق والتمويل في التمويل", new Set(["سوق", "تمويل"]));
  assert.deepEqual(marksNote(pieces), ["3 words from your search marked: ", { word: "السوق" }, ", ",
    { word: "والتمويل" }, ", ", { word: "التمويل" }, ". "]);
});

test("Chinese and Japanese words, searched as overlapping pairs, are marked once, whole", () => {
  const pieces = markPieces("請求書の処理に毎月", new Set(["請求", "求書", "処理"]));
  assert.deepEqual(pieces, [{ text: "請求書", mark: true }, { text: "の", mark: false },
    { text: "処理", mark: true }, { text: "に毎月", mark: false }]);
  assert.equal(noteText(marksNote(pieces)), "2 words from your search marked: 請求書, 処理. ");
});

// A slide page's marks as a search leaves them: the engine's marks (a slide that says
// `text` found), through the ?highlight= parameter the hit's link carries.
async function marksOf(query, text = query) {
  const { index } = await tinyIndex([{ id: "a/001", title: "Slide", text }]);
  const result = await index.search(query);
  assert.equal(result.total, 1, query);
  const param = new URLSearchParams({ highlight: [...result.marks].join(" ") }).toString();
  return new Set(new URLSearchParams(param).get("highlight").split(/\s+/).filter(Boolean));
}

test("a Thai word is marked where it stands whole, never a pair of it inside another word", async () => {
  const text = "ขนาดตลาด ตลาด ชําระเงิน ประเทศไทย ไทย";
  const tlaad = await marksOf("ตลาด");
  assert.deepEqual(marked(markPieces(text, tlaad)), ["ตลาด", "ตลาด"]); // not "าดตลาด"
  assert.equal(noteText(marksNote(markPieces(text, tlaad))), "1 word from your search marked: ตลาด. ");
  const thai = await marksOf("ประเทศไทย");
  assert.deepEqual(marked(markPieces(text, thai)), ["ประเทศไทย"]); // not "ระเ" of ชําระเงิน, nor ไทย
  assert.deepEqual(marked(snippet(text, thai)), ["ประเทศไทย"]);
  // OCR words as Tesseract boxes them: the lone ไทย is no part of ประเทศไทย
  const words = [["ชําระเงิน", 0, 0, 50, 10], ["ประเทศไทย", 60, 0, 50, 10], ["ไทย", 120, 0, 20, 10]];
  assert.deepEqual(markedBoxes(words, thai), [[60, 0, 50, 10]]);
});

test("a Chinese or Japanese word is marked whole, not its pairs elsewhere (東京都 is no 京都)", async () => {
  const text = "京都の会社と東京都の会社";
  const marks = await marksOf("東京都");
  assert.deepEqual(marked(markPieces(text, marks)), ["東京都"]);
  // read a character or two a box, on one row: the boxes of 東京都 only
  const words = [["京都", 0, 0, 20, 10], ["の", 20, 0, 10, 10], ["会社と東", 30, 0, 40, 10],
    ["京", 70, 0, 10, 10], ["都の", 80, 0, 20, 10], ["会社", 100, 0, 20, 10]];
  assert.deepEqual(markedBoxes(words, marks), [[30, 0, 40, 10], [70, 0, 10, 10], [80, 0, 20, 10]]);
  // a Latin word of the query is marked wherever it stands, as before
  const mixed = await marksOf("会社 market");
  assert.deepEqual(marked(markPieces("会社 market and the market", mixed)), ["会社", "market", "market"]);
});
