// "Did you mean": every misspelt word of the query corrected, the rest kept, in order, and
// only a query that finds slides is offered.
import { test } from "node:test";
import assert from "node:assert/strict";
import { tinyIndex } from "./tiny_index.mjs";

// "sise" is one edit from both "site" and "size"; "site" is the commoner, but never on a
// slide that says "market".
const DOCS = [
  { id: "a/001", title: "Market size", text: "the market size for small shops", section: "market" },
  { id: "a/002", title: "Web site", text: "the site and the app", section: "product" },
  { id: "b/001", title: "Site map", text: "every site we run", section: "product" },
  { id: "b/002", title: "Team", text: "team of engineers", section: "team" },
  { id: "c/001", title: "Revenue", text: "revenue growth forecast", section: "financials" },
  { id: "c/002", title: "Markets", text: "market share", section: "market" },
];

async function suggest(query) {
  const { index, loads } = await tinyIndex(DOCS);
  const result = await index.search(query);
  const offered = result.suggestion === null ? null : await index.search(result.suggestion);
  return { result, offered, index, loads };
}

test("two misspelt words are both corrected", async () => {
  for (const query of ["markt sise", "markt sise ", "Markt Sise"]) {
    const { result, offered } = await suggest(query);
    assert.equal(result.total, 0, query);
    assert.equal(result.suggestion, "market size", query);
    assert.deepEqual([result.dropped, result.partial], [[], false], query);
    assert.ok(offered.total > 0, query);
  }
});

test("one misspelt word is corrected and the right one kept, in order", async () => {
  for (const [query, expected] of [["market sise", "market size"], ["sise market", "size market"],
    ["sise shops market", "size shops market"]]) {
    const { result, offered } = await suggest(query);
    assert.equal(result.suggestion, expected, query);
    assert.deepEqual(result.dropped, [], query);
    assert.ok(offered.total > 0, query);
  }
});

test("a typo-tolerant result offers the corrections that found it", async () => {
  // "sitze" finds "site" and "size" slides; only "market size" is on one slide
  const { result, offered } = await suggest("markt sitze");
  assert.ok(result.total > 0 && result.hits.every((h) => h.tier === 1));
  assert.equal(result.suggestion, "market size");
  assert.ok(offered.total > 0);
  // one typo still offers its correction
  assert.equal((await suggest("revenue forcast")).result.suggestion, "revenue forecast");
});

test("no suggestion when no corrected query finds a slide", async () => {
  // "team" and "site"/"size" are never on one slide, and leaving both words out leaves nothing
  const { result } = await suggest("teem sise");
  assert.equal(result.total, 0);
  assert.equal(result.suggestion, null);
  // a word with nothing near is still left out, as before
  const dropped = await suggest("markt sise zzyzx");
  assert.equal(dropped.result.suggestion, "market size");
  assert.deepEqual(dropped.result.dropped, ["zzyzx"]);
});

test("a query with quotes keeps them and corrects the words inside and outside", async () => {
  const phrase = await suggest('"markt sise"');
  assert.equal(phrase.result.suggestion, '"market size"');
  assert.ok(phrase.offered.total > 0);
  const mixed = await suggest('sise "small shops"');
  assert.equal(mixed.result.suggestion, 'size "small shops"');
  assert.deepEqual(mixed.result.dropped, []);
  // a word typed twice is corrected twice
  assert.equal((await suggest('sise "market sise"')).result.suggestion, 'size "market size"');
  // a phrase spelt right but never said stays unanswered, as before
  assert.equal((await suggest('"size market"')).result.suggestion, null);
});

test("a corrected query must find slides under the filters in force", async () => {
  const { index } = await tinyIndex(DOCS);
  assert.equal((await index.search("markt sise", { section: "market" })).suggestion, "market size");
  assert.equal((await index.search("markt sise", { section: "team" })).suggestion, null);
  assert.equal((await index.search("markt sitze", { section: "team" })).suggestion, null);
});

test("the suggestion reads only the vocabulary of the misspelt words' first letters", async () => {
  const { loads, index } = await suggest("markt sise");
  const vocab = index.meta.vocab, read = new Set(loads);
  const letters = vocab.files.filter((name) => read.has(name)).map((name) => {
    const k = vocab.files.indexOf(name);
    return [vocab.starts[k], vocab.starts[k + 1] ?? "\uffff"];
  });
  // each vocabulary file read holds words from "m" or "s"
  for (const [lo, hi] of letters) {
    assert.ok(["m", "s"].some((c) => lo < String.fromCharCode(c.charCodeAt(0) + 1) && hi > c), `${lo}..${hi}`);
  }
  // term shards: those of the typed words and of their few candidates only
  const terms = index.meta.terms, shardOf = (term) => {
    let k = 0;
    while (k + 1 < terms.starts.length && terms.starts[k + 1] <= term) k++;
    return terms.files[k];
  };
  const allowed = new Set(["markt", "sise", "market", "site", "size"].map(shardOf));
  assert.deepEqual(terms.files.filter((name) => read.has(name) && !allowed.has(name)), []);
  assert.ok(terms.files.length > allowed.size + 2); // the index has other shards to not read
});

test("a shorter form of the typed word comes before a word one letter off (QA-86)", async () => {
  const { index } = await tinyIndex([
    { id: "f/001", title: "Farms", text: "farms across the midwest" },
    { id: "f/002", title: "Yield", text: "yield per acre on our farms" },
    { id: "t/001", title: "Team", text: "former head of sales" },
    { id: "g/001", title: "Growth", text: "we grow every month" },
    { id: "g/002", title: "Shops", text: "grocers stock it" },
    { id: "p/001", title: "Deck", text: "presentation of results" },
  ]);
  const found = async (query) => {
    const result = await index.search(query);
    return { result, ids: (await index.records(result.hits.map((h) => h.doc))).map((r) => r.id).sort() };
  };
  // "farmers" is "farm" and an ending: the slides that say "farms", not "former" (the Team slide)
  for (const query of ["farmers", "farmer"]) {
    const { result, ids } = await found(query);
    assert.deepEqual(ids, ["f/001", "f/002"], query);
    assert.deepEqual(result.corrected, { typed: [query], to: ["farms"], query: "farms" }, query);
    assert.ok(result.hits.every((h) => h.close[0][2] === "similar word"), query);
  }
  assert.equal((await index.search("farmers zzyzx")).suggestion, "farms");
  const growers = await found("growers");
  assert.deepEqual([growers.ids, growers.result.corrected.query], [["g/001"], "grow"]);
  // a typo with no shorter form is corrected as before
  assert.deepEqual((await found("formr")).ids, ["t/001"]);
  // "preseed" stems to "prese": no word that starts "presentation" is "preseed" being typed
  assert.equal((await found("preseed")).result.total, 0);
  assert.deepEqual((await found("prese")).ids, ["p/001"]); // "prese" still completes
});
