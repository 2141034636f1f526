// "Did you mean" for misspelt section names, words about the gallery ("slides") and the
// spelling a suggestion offers: the form nearest what was typed, never a typed stem.
import { test } from "node:test";
import assert from "node:assert/strict";
import { tinyIndex } from "./tiny_index.mjs";

// "go" and "market" are never on one slide; "economics" and "fundraising" on none at all;
// the index's word for the stem of "customer" is "customers", of "competition" "competitive".
const DOCS = [
  { id: "a/001", title: "Sales channels", text: "partners resell the app", section: "go-to-market" },
  { id: "a/002", title: "Market size", text: "the market for small shops", section: "market" },
  { id: "a/003", title: "Go live", text: "we go live in spring", section: "milestones" },
  { id: "b/001", title: "Team", text: "team of engineers", section: "team" },
  { id: "b/002", title: "Revenue", text: "revenue forecast for customers", section: "financials" },
  { id: "b/003", title: "Rivals", text: "competitive pressure from incumbents", section: "competition" },
  { id: "b/004", title: "Margins", text: "margin per order", section: "business-model" },
  { id: "c/001", title: "The raise", text: "we raise two million", section: "funding" },
  { id: "c/002", title: "Customers", text: "customers love it and customers stay", section: "traction" },
  { id: "c/003", title: "Customer acquisition", text: "customers cost less to acquire", section: "go-to-market" },
];

async function search(query, filters = {}) {
  const { index } = await tinyIndex(DOCS);
  return index.search(query, filters);
}
const sectionOf = (result) => result.section && [result.section.value, result.section.count];

test("a misspelt section name is offered spelt right, with its section", async () => {
  // "go market" finds nothing, and "go" alone leaves out the word that was meant
  const result = await search("go to markit");
  assert.equal(result.total, 0);
  assert.equal(result.suggestion, "go to market");
  assert.deepEqual([result.dropped, result.partial], [[], false]);
  assert.deepEqual(sectionOf(result), ["go-to-market", 2]);
  // and spelt right, the section is offered as before
  assert.deepEqual(sectionOf(await search("go to market")), ["go-to-market", 2]);
});

test("typos of section names and other names for them offer the section", async () => {
  for (const [query, section] of [["fundrasing", "funding"], ["unit econmics", "business-model"],
    ["compettion", "competition"], ["teem slide", "team"], ["Teem slides", "team"],
    ["custmer acquistion cost", "go-to-market"]]) {
    assert.equal(sectionOf(await search(query))?.[0], section, query);
  }
  // no misspelt word, no guess: "team" is a word of the index, "tame" is not near enough to stand for it
  assert.equal((await search("engineers")).section, null);
  // under a section filter the query's section is not offered
  assert.equal((await search("compettion", { section: "competition" })).section, null);
});

test("a suggestion never holds a hyphen left hanging by a word it leaves out", async () => {
  for (const query of ["go-to-markit strategy", "zzyzx-go", "go-zzyzx"]) {
    const { suggestion } = await search(query);
    if (suggestion === null) continue;
    assert.doesNotMatch(suggestion, /(^|[\s"])-|-($|[\s"])|^[\s-]*$/, query);
  }
  const { suggestion, section } = await search("go-to-markit strategy");
  assert.notEqual(suggestion, "go-to-");
  assert.equal(section?.value, "go-to-market");
});

test("slide and deck are words about the gallery, never missing words", async () => {
  // "teem" alone finds nothing either: the misspelt section name is offered
  for (const query of ["teem slide"]) {
    const result = await search(query);
    assert.equal(result.suggestion, "team", query);
    assert.deepEqual(result.dropped, [], query);
    assert.deepEqual(sectionOf(result), ["team", 1], query);
  }
  // the rest finds slides: those, the gallery's word left out (honest_results.test.mjs)
  for (const query of ["team slides", "team deck", "revenue slides"]) {
    const result = await search(query);
    assert.ok(result.total > 0, query);
    assert.deepEqual([result.suggestion, result.dropped], [null, []], query);
    assert.equal(result.searched, query.split(" ")[0], query);
  }
  assert.deepEqual(sectionOf(await search("team slides")), ["team", 1]);
});

test("a suggestion spells each word as the user meant it, not as the index's commonest form", async () => {
  for (const [query, expected] of [["revenu forcast", "revenue forecast"], ["cusomer", "customer"],
    ["custmer acquistion cost", "customer acquisition cost"], ["compettion", "competition"],
    ["customerz", "customers"], ["revenue forcast", "revenue forecast"]]) {
    const result = await search(query);
    assert.equal(result.suggestion, expected, query);
    assert.ok((await search(expected)).total > 0, expected);
  }
  // a typed word that is a word of its own is kept ("custom" is "customers" cut at -ers)
  assert.equal((await search("custom forcast")).suggestion, "custom forecast");
});
