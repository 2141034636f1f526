// What a search found, said as it is: hits found only through a close spelling are named as
// such, an offer made of the typed query keeps nothing a dropped word held up, an abbreviation
// among other words is spelt out, and the gallery's own words ("slides") are not required.
import { test } from "node:test";
import assert from "node:assert/strict";
import { replaceWords } from "../../site_templates/static/search.js";
import { tinyIndex } from "./tiny_index.mjs";

// "raising" is on no slide, "rising" is; "commerce" on none, "commercial" on one; "monthly"
// never with "growth"; "team" on slides that never say "slides", and one that does.
const DOCS = [
  { id: "a/001", title: "Financials", text: "gross margin rising every quarter", section: "financials" },
  { id: "a/002", title: "Market", text: "commercial fleets need it", section: "market" },
  { id: "a/003", title: "Traction", text: "recurring revenue growth of ten percent", section: "traction" },
  { id: "a/004", title: "Revenue", text: "monthly recurring revenue", section: "financials" },
  { id: "b/001", title: "Team", text: "team of engineers", section: "team" },
  { id: "b/002", title: "Advisors", text: "our team and advisors", section: "team" },
  { id: "b/003", title: "Appendix", text: "more slides on request", section: "other" },
  { id: "c/001", title: "Rising costs", text: "costs rising fast", section: "problem" },
  { id: "d/001", title: "The ask", text: "seed round of two million", section: "funding" },
];

async function search(query, filters = {}) {
  const { index } = await tinyIndex(DOCS);
  return { index, result: await index.search(query, filters) };
}

test("hits found only through a close spelling name it, for the status line to say so", async () => {
  const { result } = await search("raising");
  assert.ok(result.total > 0 && result.hits.every((h) => h.tier === 1));
  assert.deepEqual(result.corrected, { typed: ["raising"], to: ["rising"], query: "rising" });
  assert.ok(result.hits.every((h) => h.close.length === 1 && h.close[0][0] === "raising" && h.close[0][1] === "rising"));
  assert.equal(result.suggestion, "rising");
  // a longer word of the typed word's stem is no completion of what was typed: said too,
  // by the word the slide has ("commercial"), not its stem
  const commerce = (await search("e-commerce")).result;
  assert.equal(commerce.total, 1);
  assert.deepEqual(commerce.corrected, { typed: ["commerce"], to: ["commercial"], query: commerce.corrected.query });
  // "rasing" is a section word's misspelling ("raising": Funding), and that word too finds
  // these slides only through "rising": what they are shown for is the query that finds them
  // by its own words (QA-51: "Showing 3 slides for raising" of slides that say "rising")
  const rasing = (await search("rasing")).result;
  assert.deepEqual(rasing.corrected, { typed: ["rasing"], to: ["rising"], query: "rising" });
  // exact hits and the rest of a word being typed are no corrections
  for (const query of ["rising", "ris", "team"]) {
    const { result: r } = await search(query);
    assert.equal(r.corrected, null, query);
    assert.ok(r.hits.every((h) => h.close.length === 0), query);
  }
});

test("an offer made of the typed query keeps nothing a dropped word held up", () => {
  for (const [typed, pairs, expected] of [
    ["what's the ask?", [["what", ""]], "ask"],
    // two phrases stay two: the close of one and the opening of the next are no empty pair
    ['"seed round" "series a" slides', [["slides", ""]], '"seed round" "series a"'],
    ['"gross margin" zzyzx "ebitda positive"', [["zzyzx", ""]], '"gross margin" "ebitda positive"'],
    ['team "slides"', [["slides", ""]], "team"],
    ["team “slides”", [["slides", ""]], "team"],
    ["team «slides»", [["slides", ""]], "team"],
    ["team & advisors", [["advisors", ""]], "team"],
    ["team & advisors", [["team", ""]], "advisors"],
    ["Team + zzyzx / advisors", [["zzyzx", ""]], "Team + advisors"],
    ["Team + zzyzx advisors", [["zzyzx", ""]], "Team advisors"],
    ["growth / zzyzx + fees", [["zzyzx", ""]], "growth / fees"],
    ["<script>alert(1)</script>", [["script", ""]], "alert(1)"],
    ["(zzyzx) market  size", [["zzyzx", ""]], "market size"],
    ["Founder's Story", [["founder", ""]], "Story"],
    ["go-to-market", [["go", ""]], "market"],
    ["R&D zzyzx Growth", [["zzyzx", ""]], "R&D Growth"],
    ["Team & Advisers", [["advisers", "advisors"]], "Team & advisors"],
    // a colon, a backslash or a bar left hanging goes too (QA-86: "Search for :team instead?")
    ["title:team", [["title", ""]], "team"],
    ["section: team", [["section", ""]], "team"],
    ["back\\slash", [["slash", ""]], "back"],
    ["growth|zzyzx fees", [["zzyzx", ""]], "growth fees"],
    ["they're", [["re", ""]], "they"],
  ]) {
    assert.equal(replaceWords(typed, pairs), expected, typed);
  }
});

test("an abbreviation among other words is offered spelt out, as far as that finds slides", async () => {
  // no slide says "monthly recurring revenue growth"; "recurring revenue growth" is on one
  for (const [query, expected] of [["mrr growth", "recurring revenue growth"], ["growth MRR", "growth recurring revenue"]]) {
    const { index, result } = await search(query);
    assert.equal(result.total, 0, query);
    assert.equal(result.suggestion, expected, query);
    assert.deepEqual([result.expanded, result.dropped], [["MRR"], []], query);
    assert.ok((await index.search(expected)).total > 0, query);
  }
  // alone, the whole expansion, as before
  assert.equal((await search("MRR")).result.suggestion, "monthly recurring revenue");
});

test("the gallery's words are not required when the rest of the query finds slides", async () => {
  for (const query of ["team slides", "Team deck", "slides team"]) {
    const { result } = await search(query);
    assert.equal(result.total, 2, query);
    assert.equal(result.searched.toLowerCase(), "team", query);
    assert.equal(result.section?.value, "team", query);
  }
  assert.deepEqual((await search("team slides")).result.leftOut, ["slides"]);
  assert.equal((await search("team slides")).result.leftKnown, true); // "more slides on request"
  assert.equal((await search("team deck")).result.leftKnown, false);
  // a slide that says all the words is found as before, first
  const { result } = await search("more slides");
  assert.deepEqual([result.total, result.leftOut], [1, []]);
});
