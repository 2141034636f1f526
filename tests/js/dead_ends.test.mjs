// A search that finds nothing says what to do next: an abbreviation no slide has is offered
// spelt out, a long pasted query its best words, a word on no slide at all is named (no filter
// is to blame), and a word that spells an industry or company offers that filter.
import { test } from "node:test";
import assert from "node:assert/strict";
import { tinyIndex } from "./tiny_index.mjs";

const DOCS = [
  { id: "a/001", title: "Market", text: "total addressable market of small shops", section: "market", industry: "Retail" },
  { id: "a/002", title: "Problem", text: "payments are slow for small shops", section: "problem", industry: "Retail" },
  { id: "b/001", title: "Market", text: "a total addressable market in payments", section: "market", industry: "Fintech" },
  { id: "b/002", title: "Product", text: "working capital and payments for shops", section: "product", industry: "Fintech" },
  { id: "c/001", title: "Traction", text: "monthly recurring revenue doubled", section: "traction", industry: "Health" },
  { id: "c/002", title: "Team", text: "working capital experts", section: "team", company: "Acme Health", industry: "Health" },
];

async function search(query, filters = {}) {
  const { index } = await tinyIndex(DOCS);
  return { index, result: await index.search(query, filters) };
}

test("an abbreviation no slide has offers its expansion, when that finds slides", async () => {
  for (const [query, expected] of [["TAM", "total addressable market"], ["tam", "total addressable market"],
    ["MRR", "monthly recurring revenue"], ["TAM shops", "total addressable market shops"]]) {
    const { index, result } = await search(query);
    assert.equal(result.total, 0, query);
    assert.equal(result.suggestion, expected, query);
    assert.deepEqual(result.expanded, [query.split(" ")[0].toUpperCase()], query);
    assert.deepEqual(result.dropped, [], query);
    assert.ok((await index.search(result.suggestion)).total > 0, query);
  }
  // "serviceable addressable market" is on no slide: no offer of it
  const { result } = await search("SAM");
  assert.notEqual(result.suggestion, "serviceable addressable market");
  assert.deepEqual(result.expanded, []);
});

test("a long query no slide has all of offers the words that find slides together", async () => {
  const pasted = "We need working capital for our payments business because shops wait weeks for cash "
    + "and suppliers want money upfront, which makes growth very hard in retail markets today";
  const { index, result } = await search(pasted);
  assert.equal(result.total, 0);
  assert.equal(result.suggestion, "working capital payments shops");
  assert.equal(result.partial, true);
  assert.deepEqual(result.dropped, []); // a dozen missing words are not listed one by one
  assert.ok((await index.search(result.suggestion)).total > 0);
});

test("a word on no slide at all is named, with or without a filter: clearing it cannot help", async () => {
  for (const filters of [{ section: "problem" }, {}]) {
    const { result } = await search("insurtech", filters);
    assert.equal(result.total, 0);
    assert.deepEqual(result.misspelt, ["insurtech"]);
    assert.equal(result.anywhere, 0);
  }
  // words that are on slides, only not under the filter: clearing it helps
  const { result } = await search("shops", { section: "team" });
  assert.equal(result.total, 0);
  assert.equal(result.anywhere, 3);
  assert.deepEqual(result.misspelt, []);
});

test("words that spell an industry or company finding nothing offer that filter", async () => {
  // an industry is a slide's word too ("fintech" finds the Fintech decks): spelt apart, it is not
  for (const query of ["fin tech", "Fin-Tech decks"]) {
    const { result } = await search(query);
    assert.equal(result.total, 0, query);
    assert.deepEqual(result.facet, { name: "industry", value: "Fintech", label: "Fintech", count: 2 }, query);
  }
  assert.deepEqual((await search("acme-health")).result.facet, null); // it finds its slide
  assert.deepEqual((await search("acmehealth")).result.facet, { name: "company", value: "Acme Health", label: "Acme Health", count: 1 });
  // counted under the other filters; none there, no offer; and none under its own filter
  assert.deepEqual((await search("fin tech", { section: "market" })).result.facet.count, 1);
  assert.equal((await search("fin tech", { section: "team" })).result.facet, null);
  assert.equal((await search("fin tech", { industry: "Retail" })).result.facet, null);
  assert.equal((await search("zebra")).result.facet, null);
});

test("an abbreviation still being typed offers its expansion over the words it begins", async () => {
  const { index } = await tinyIndex([...DOCS, { id: "d/001", title: "Tamil", text: "tamil speaking shops", section: "market" }]);
  const result = await index.search("tam");
  assert.ok(result.total > 0 && result.hits.every((h) => h.tier === 1)); // "tamil", completed
  assert.equal(result.suggestion, "total addressable market");
  assert.deepEqual(result.expanded, ["TAM"]);
  // typed in capitals it is the abbreviation, not "tamil" begun (QA-86): the same offer
  const caps = await index.search("TAM");
  assert.deepEqual([caps.total, caps.suggestion, caps.expanded], [0, "total addressable market", ["TAM"]]);
});
