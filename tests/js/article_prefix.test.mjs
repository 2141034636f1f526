// A word being typed with its article ("الس", "הפת") completes to the words the index holds
// without it ("السوق" is indexed as "سوق", "הפתרון" as "פתרון").
import { test } from "node:test";
import assert from "node:assert/strict";
import { tinyIndex } from "./tiny_index.mjs";

const DOCS = [
  { id: "ar/001", title: "السوق", text: "حجم السوق كبير", section: "market" },
  { id: "he/001", title: "הפתרון", text: "הפתרון שלנו", section: "solution" },
  { id: "en/001", title: "Market", text: "market size", section: "market" },
  { id: "ar/002", title: "التجارة", text: "التجارة الإلكترونية", section: "market" }, // e-commerce
];

const ids = async (index, query) => {
  const result = await index.search(query);
  return (await index.records(result.hits.map((h) => h.doc))).map((r) => r.id).sort();
};

test("a word typed with its article completes without it", async () => {
  const { index } = await tinyIndex(DOCS);
  for (const typing of ["الس", "السو", "السوق", "سو", "والس"]) assert.deepEqual(await ids(index, typing), ["ar/001"], typing);
  for (const typing of ["הפ", "הפת", "פת", "והפת"]) assert.deepEqual(await ids(index, typing), ["he/001"], typing);
  assert.deepEqual(await ids(index, "الس "), [], "a word finished is not completed"); // "الس" is no word
  assert.deepEqual(await ids(index, "mar"), ["en/001"]);
  // "electronic": its own alef-lam goes with the article, typed with or without the hamza
  for (const typing of ["الإلكت", "الالكت", "إلكت", "الكترونية"]) assert.deepEqual(await ids(index, typing), ["ar/002"], typing);
});
