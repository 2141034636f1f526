// A query that names a funding stage ("Series A") offers the stage filter: a stage is deck
// metadata, and "Series A" as words searches for "series" alone (one letter is no word).
import { test } from "node:test";
import assert from "node:assert/strict";
import { tinyIndex } from "./tiny_index.mjs";

const DOCS = [
  { id: "a/001", title: "The raise", text: "our series a round", section: "funding", stage: "Series A" },
  { id: "a/002", title: "Team", text: "team of engineers", section: "team", stage: "Series A" },
  { id: "b/001", title: "The raise", text: "a series b to grow", section: "funding", stage: "Series B" },
  { id: "c/001", title: "Team", text: "two founders", section: "team", stage: "Pre-seed" },
  { id: "d/001", title: "Market", text: "seed funding market", section: "market" },
];

async function search(query, filters = {}) {
  const { index } = await tinyIndex(DOCS);
  return index.search(query, filters);
}
const stageOf = (result) => result.stage && [result.stage.value, result.stage.count];

test("a query that is a stage's name offers that stage, with its slides counted", async () => {
  for (const query of ["Series A", "series-a", "SERIES A round", "series a decks", "seriesa"]) {
    assert.deepEqual(stageOf(await search(query)), ["Series A", 2], query);
  }
  assert.deepEqual(stageOf(await search("series b")), ["Series B", 1]);
  assert.deepEqual(stageOf(await search("preseed")), ["Pre-seed", 1]);
  // the words alone find both Series A and Series B slides: the offer is what tells them apart
  assert.equal((await search("series a")).total, 2);
});

test("no stage offer for a stage among other words, an unknown stage or under a stage filter", async () => {
  for (const query of ["series a team", "series", "seed", "series c", "round"]) {
    assert.equal((await search(query)).stage, null, query);
  }
  assert.equal((await search("series a", { stage: "Series A" })).stage, null);
  // the count keeps to the other filters, and no slide under them means no offer
  assert.deepEqual(stageOf(await search("series a", { section: "team" })), ["Series A", 1]);
  assert.equal((await search("pre-seed", { section: "funding" })).stage, null);
});
