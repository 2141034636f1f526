// What completing the last word adds, said as it is: a clitic or an abbreviation in capitals
// is no word still being typed, and a slide found only through a longer word, beside slides
// that have the word as typed, says so (QA-86).
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseQuery } from "../../site_templates/static/search.js";
import { tinyIndex } from "./tiny_index.mjs";

const DOCS = [
  { id: "a/001", title: "Why", text: "why we're different" },
  { id: "a/002", title: "Revenue", text: "revenue from retail" },
  { id: "a/003", title: "Reach", text: "research and reach" },
  { id: "a/004", title: "Buyers", text: "they reach retail buyers" },
  { id: "b/001", title: "Traction", text: "ARR of two million" },
  { id: "b/002", title: "Growth", text: "ARR doubled" },
  { id: "b/003", title: "Logistics", text: "parcels arrive on time" },
  { id: "c/001", title: "Team", text: "l'équipe de vente" },
];

async function search(query) {
  const { index } = await tinyIndex(DOCS);
  const result = await index.search(query);
  return { result, ids: (await index.records(result.hits.map((h) => h.doc))).map((r) => r.id) };
}

test("a clitic after an apostrophe is no word still being typed", async () => {
  // "we" is a stop word: the query is "re", found where a slide says "we're", as deckgen
  // search finds it, never "revenue", "retail" or "research" (QA-86: 79 slides, 3 with "we're")
  for (const query of ["we're", "we’re", "Why we're"]) {
    const { result, ids } = await search(query);
    assert.deepEqual(ids, ["a/001"], query);
    assert.ok(!result.marks.has("revenu") && result.marks.has("re"), query);
  }
  assert.equal(parseQuery("we're").at(-1).open, undefined);
  // no slide says "they" and "re": none found ("they reach retail" was, through "reach")
  const { result } = await search("they're");
  assert.equal(result.total, 0);
  assert.equal(result.suggestion, "they"); // not "they'"
  // an elision is no clitic: the word after it is still being typed
  assert.equal(parseQuery("l'équ").at(-1).open, true);
  assert.deepEqual((await search("l'équ")).ids, ["c/001"]);
});

test("an abbreviation typed in capitals is searched as typed", async () => {
  const caps = await search("ARR");
  assert.deepEqual(caps.ids.sort(), ["b/001", "b/002"]);
  assert.deepEqual([...caps.result.marks], ["arr"]);
  assert.equal(parseQuery("B2B").at(-1).open, undefined);
  // typed in lower case it is completed, as any word being typed
  assert.equal(parseQuery("arr").at(-1).open, true);
  assert.equal(parseQuery("Arr").at(-1).open, true);
});

test("a slide found only through a longer word, beside those with the word, says which", async () => {
  const { result, ids } = await search("arr");
  assert.deepEqual(ids.slice(0, 2).sort(), ["b/001", "b/002"]);
  assert.equal(ids[2], "b/003");
  assert.deepEqual(result.hits.map((h) => h.tier), [0, 0, 1]);
  assert.deepEqual(result.hits.map((h) => h.close), [[], [], [["arr", "arrive", "longer word"]]]);
  assert.equal(result.corrected, null); // slides have "arr": the others are said hit by hit
  // while no slide has the word yet, the rest of it is no other word ("arri": search as you type)
  const typing = await search("arri");
  assert.deepEqual(typing.ids, ["b/003"]);
  assert.deepEqual(typing.result.hits[0].close, []);
});
