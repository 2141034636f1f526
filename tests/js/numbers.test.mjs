// Numbers as founders type them (QA-55): "2,000" is one word; a number is never corrected
// or completed into another number; an offer made from a query with a number keeps what the
// user typed, and loses the currency sign a dropped number held.
import { test } from "node:test";
import assert from "node:assert/strict";
import { markPieces, marksNote, noteText, parseQuery, replaceWords, typedAs } from "../../site_templates/static/search.js";
import { tinyIndex } from "./tiny_index.mjs";

const DOCS = [
  { id: "a/001", title: "Funnel", text: "62,000 visitors became 2,124 paying customers", section: "traction" },
  { id: "b/001", title: "Customers", text: "11,256 customers in 2020", section: "traction" },
  { id: "c/001", title: "Revenue", text: "$1.5M ARR growing 40% a year", section: "traction" },
  { id: "d/001", title: "Customers", text: "customers love it", section: "traction" },
  { id: "e/001", title: "実績", text: "売上1,200万円 達成 b2b", section: "traction" },
  { id: "f/001", title: "Pricing", text: "Rs.3,400 a month", section: "business-model" },
];

async function search(query) {
  const { index } = await tinyIndex(DOCS);
  return index.search(query, {});
}

test("a number no slide has is not shown as another number", async () => {
  for (const query of ["64,000", "11,246", "620,000", "1.5B"]) {
    const result = await search(query);
    assert.equal(result.hits.filter((h) => h.tier !== 0).length, 0, query);
    assert.equal(result.corrected ?? null, null, query);
  }
  assert.equal((await search("1.5B")).suggestion, null); // billion is no typo of million
  // a word beside a number is still corrected, the number kept as it is
  assert.deepEqual((await search("11256 custmers")).corrected.to, ["customers"]);
});

test("a number, typed or loaded from a link, is not completed into a longer one", async () => {
  assert.deepEqual((await search("6,200")).hits, []);
  assert.deepEqual((await search("112")).hits, []);
  const [clause] = parseQuery("24/7"); // "7" is too short to search: "24" is not being typed
  assert.equal(clause.open, undefined);
  assert.equal(parseQuery("team")[0].open, true);
  assert.equal(parseQuery("team ")[0].open, undefined);
  // a word with a digit is a word: "b2" is "b2b" being typed
  assert.equal(parseQuery("b2")[0].open, true);
  assert.deepEqual((await search("b2")).hits.map((h) => h.tier), [1]);
});

test("a number right after Chinese or Japanese letters, or a stop, is found as typed", async () => {
  // the text "売上1,200万円" was "売上1" and "200万円", the query "売上" "1200" "万円" (QA-58);
  // "Rs.3,400" was "rs.3" and "400" (QA-59)
  for (const query of ["売上1,200万円", "1,200", "1200", "Rs.3,400", "3,400"]) {
    assert.deepEqual((await search(query)).hits.filter((h) => h.tier === 0).length, 1, query);
  }
});

test("an offer keeps the number as typed and drops what a dropped number held", async () => {
  const result = await search("2,124 custmers");
  assert.equal(result.suggestion, "2,124 customers");
  assert.equal(replaceWords("2,000 customers", [["2000", ""]]), "customers");
  assert.equal(replaceWords("CAC $370 payback", [["370", ""]]), "CAC payback");
  assert.equal(replaceWords("40% growth", [["40", ""]]), "growth");
  assert.equal(replaceWords("1,200€ price tier", [["1200", ""]]), "price tier");
  assert.equal(replaceWords("40 % growth", [["40", ""]]), "growth");
  assert.equal(replaceWords("raised $5M", [["raised", ""]]), "$5M");
  for (const typed of ["~2,000 customers", "R$ 2,000 customers", "2,000 $ customers", "#2,000 customers"]) {
    assert.equal(replaceWords(typed, [["2000", ""]]), "customers", typed);
  }
  // only a number's signs go, and only its own (QA-59)
  const less = (typed, word) => replaceWords(typed, [[word, ""]]);
  assert.equal(less("EBITDA$ 2,000 margin", "2000"), "EBITDA margin");
  assert.equal(less("ARR$2,000 growth", "2000"), "ARR growth");
  assert.equal(less("F# 2,000 devs", "2000"), "F# devs");
  assert.equal(less("C# developers hired", "developers"), "C# hired");
  assert.equal(less("team $ 2,000 raise", "team"), "$ 2,000 raise");
  assert.equal(less("margin 40 ‰ ok", "40"), "margin ok");
  assert.equal(less("15,30 users", "15"), "30 users"); // a number typed halfway
  assert.equal(less("15,30 users", "30"), "15 users");
  assert.equal(replaceWords("L'Équipe team", [["equipe", ""]]), "team");
  assert.equal(replaceWords("Équipe plan", [["equipe", "team"]]), "team plan");
  // the status line names a word as typed
  assert.equal(typedAs("2,000 customers", "2000"), "2,000");
  assert.equal(typedAs("L'Équipe", "equipe"), "Équipe");
  // only a number is left of a query of words: no offer ("COVID-19" as "19")
  assert.equal(replaceWords("COVID-19", [["covid", ""]]), null);
});

test("the marks note parts numbers with commas by semicolons", () => {
  const note = (...words) => noteText(marksNote(words.map((text) => ({ text, mark: true }))));
  assert.equal(note("447", "1,156"), "2 words from your search marked: 447; 1,156. ");
  assert.equal(note("team", "hiring"), "2 words from your search marked: team, hiring. ");
});

// QA-86: "$4.2M" was the one word "4.2m": "4.2", "4.2 million" and "$4.2 M" found nothing,
// "2 million" no "$2M", "226,000" no "226K"; "R&D" was two one-letter words, no word at all
test("an amount is found however it is written, and marked where the slide says it", async () => {
  const { index } = await tinyIndex([
    { id: "a/001", title: "Funding", text: "Raised $4.2M seed", section: "funding" },
    { id: "b/001", title: "Traction", text: "$2M pre-seed; 226K users", section: "traction" },
    { id: "c/001", title: "R&D", text: "R & D spend and P&L", section: "financials" },
  ]);
  const exact = async (q) => (await index.search(q, {})).hits.filter((h) => h.tier === 0).length;
  for (const [query, found] of [["4.2", 1], ["4.2 million", 1], ["$4.2 M", 1], ["4.2m", 1],
    ['"4.2 seed"', 1], ["2 million", 1], ["226,000", 1], ["$2M seed", 1], ["4.2 billion", 0],
    ["R&D", 1], ["r & d", 1], ["P&L", 1]]) {
    assert.equal(await exact(query), found, query);
  }
  // the status line and offers name an amount as typed, and drop its currency sign with it
  assert.equal(typedAs("$4.2 M seed", parseQuery("$4.2 M seed")[0].word), "4.2 M");
  assert.equal(replaceWords("raised $4.2 M seed", [["4200000", ""]]), "raised seed");
  // "4.2" marks "$4.2M" (the index holds "4.2" there), "4.2 million" too, "R&D" whole
  const marked = (text, query) => markPieces(text, new Set(parseQuery(query).flatMap((c) => c.terms)))
    .filter((p) => p.mark).map((p) => p.text);
  assert.deepEqual(marked("Raised $4.2M seed", "4.2"), ["4.2M"]);
  assert.deepEqual(marked("Raised 4.2 million", "$4.2M"), ["4.2 million"]);
  assert.deepEqual(marked("R&D spend, r and d", "R & D"), ["R&D"]);
});
