// A deploy replaces the index under an open page (`deckgen deploy --delete` removes the shards
// the page's entry.json names): LiveIndex reads entry.json afresh once and searches the new index.
import { test } from "node:test";
import assert from "node:assert/strict";
import { FORMAT_VERSION, INDEX_UPDATED, LiveIndex } from "../../site_templates/static/search.js";
import { tinyFiles } from "./tiny_index.mjs";

const V1 = [
  { id: "a/001", text: "market size for small businesses", section: "market" },
  { id: "a/002", text: "our team built payments before", section: "team" },
  { id: "b/001", text: "pricing per seat per month", section: "business-model" },
  { id: "b/002", text: "customers love the product", section: "traction" },
];
const V2 = [...V1, { id: "c/001", text: "zeppelin freight across the market", section: "product" }];

// A web server over a folder whose files the test swaps; a file it lacks answers 404 (missing).
function server(files) {
  const site = { files, loads: [], down: false };
  site.load = async (name, { fresh = false } = {}) => {
    site.loads.push(fresh ? `${name} (fresh)` : name);
    if (site.down) throw new Error("network down");
    if (!site.files.has(name)) throw Object.assign(new Error(`404 ${name}`), { missing: true, plain: true });
    return structuredClone(site.files.get(name));
  };
  return site;
}

const ids = (query) => async (index) => {
  const result = await index.search(query);
  return (await index.records(result.hits.map((h) => h.doc))).map((r) => r.id);
};

test("after a deploy deletes the index a page read, the next search uses the new one", async () => {
  const site = server(tinyFiles(V1, { tag: "a" }));
  const live = new LiveIndex(site.load);
  assert.deepEqual(await live.use(ids("market")), ["a/001"]);
  site.files = tinyFiles(V2, { tag: "b" }); // the deploy: v1's files are gone
  site.loads.length = 0;
  assert.deepEqual(await live.use(ids("zeppelin")), ["c/001"]);
  assert.equal(site.loads.filter((n) => n.startsWith("entry.json")).join(), "entry.json (fresh)");
  const after = site.loads.slice(site.loads.indexOf("entry.json (fresh)") + 1);
  assert.ok(after.length && after.every((n) => !n.includes(".a")), "nothing of the old index is read again");
  // later searches stay on the new index, with no more refreshes
  site.loads.length = 0;
  assert.deepEqual((await live.use(ids("market"))).sort(), ["a/001", "c/001"]);
  assert.ok(!site.loads.some((n) => n.startsWith("entry.json")));
});

test("a deploy that deletes the meta file before the page opened the index is caught too", async () => {
  // a CDN edge still serves the old entry.json, but only a fresh read reaches the origin's,
  // and the origin has only the new files
  const v2 = tinyFiles(V2, { tag: "b" });
  const site = server(new Map([...v2, ["entry.json", tinyFiles(V1, { tag: "a" }).get("entry.json")]]));
  const edge = site.load;
  site.load = async (name, opts = {}) => (name === "entry.json" && opts.fresh
    ? structuredClone(v2.get("entry.json")) : edge(name, opts));
  const live = new LiveIndex(site.load);
  assert.deepEqual(await live.use(ids("zeppelin")), ["c/001"]);
});

test("a missing file with no newer entry fails as it is, after one refresh: a reload would not help", async () => {
  const files = tinyFiles(V1, { tag: "a" });
  const site = server(files);
  const live = new LiveIndex(site.load);
  await live.use(ids("market"));
  // every file the page has not read yet is gone, entry.json unchanged
  for (const name of [...files.keys()]) if (!/^(entry|m\.)/.test(name)) files.delete(name);
  site.loads.length = 0;
  const notUpdated = (err) => err.message.startsWith("404 ") && err.message !== INDEX_UPDATED;
  await assert.rejects(live.use(ids("pricing")), notUpdated);
  assert.equal(site.loads.filter((n) => n.startsWith("entry.json")).length, 1);
  // the next search tries once more, no more
  site.loads.length = 0;
  await assert.rejects(live.use(ids("team")), notUpdated);
  assert.equal(site.loads.filter((n) => n.startsWith("entry.json")).length, 1);
});

test("a new entry whose files are missing too gives up after that one refresh", async () => {
  const site = server(tinyFiles(V1, { tag: "a" }));
  const live = new LiveIndex(site.load);
  await live.use(ids("market"));
  const v2 = tinyFiles(V2, { tag: "b" });
  site.files = new Map([["entry.json", v2.get("entry.json")], ...[...v2].filter(([n]) => n.startsWith("m."))]);
  site.loads.length = 0;
  await assert.rejects(live.use(ids("zeppelin")), (err) => err.message === INDEX_UPDATED);
  assert.equal(site.loads.filter((n) => n.startsWith("entry.json")).length, 1);
});

test("a network failure is no sign of a new index: no refresh, the error as it was", async () => {
  const site = server(tinyFiles(V1, { tag: "a" }));
  const live = new LiveIndex(site.load);
  await live.use(ids("market"));
  site.down = true;
  site.loads.length = 0;
  await assert.rejects(live.use(ids("pricing")), { message: "network down" });
  assert.ok(!site.loads.some((n) => n.startsWith("entry.json")));
  site.down = false; // and the next search, back online, works
  assert.deepEqual(await live.use(ids("pricing")), ["b/001"]);
});

test("an index that never opened (entry.json itself missing) is not taken for a stale one", async () => {
  const site = server(new Map());
  const live = new LiveIndex(site.load);
  await assert.rejects(live.use(ids("market")), { message: "404 entry.json" });
  assert.deepEqual(site.loads, ["entry.json"]);
});

test("searches under way when the index changed share one refresh", async () => {
  const site = server(tinyFiles(V1, { tag: "a" }));
  const live = new LiveIndex(site.load);
  await live.use(ids("market"));
  site.files = tinyFiles(V2, { tag: "b" });
  site.loads.length = 0;
  const [a, b] = await Promise.all([live.use(ids("zeppelin")), live.use(ids("pricing"))]);
  assert.deepEqual([a, b], [["c/001"], ["b/001"]]);
  assert.equal(site.loads.filter((n) => n.startsWith("entry.json")).length, 1);
});

test("a new entry in a format this page cannot read says the index was updated", async () => {
  const site = server(tinyFiles(V1, { tag: "a" }));
  const live = new LiveIndex(site.load);
  await live.use(ids("market"));
  const v2 = tinyFiles(V2, { tag: "b" });
  v2.set("entry.json", { ...v2.get("entry.json"), version: FORMAT_VERSION + 1 });
  site.files = v2;
  await assert.rejects(live.use(ids("zeppelin")), (err) => err.message === INDEX_UPDATED && err.plain === true);
});

test("a new entry built by a deckgen that cuts words otherwise says the index was updated", async () => {
  const site = server(tinyFiles(V1, { tag: "a" }));
  const live = new LiveIndex(site.load);
  await live.use(ids("market"));
  const v2 = tinyFiles(V2, { tag: "b" });
  v2.set("entry.json", { ...v2.get("entry.json"), builder: "next" }); // same format, new tokenizer
  site.files = v2;
  await assert.rejects(live.use(ids("zeppelin")), (err) => err.message === INDEX_UPDATED && err.plain === true);
});
