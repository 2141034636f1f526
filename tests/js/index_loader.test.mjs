// The page's loader (indexLoader) over real HTTP: what a server or a proxy in the way answers
// for an index file becomes the one plain LOAD_FAILED message, never a parser's error or a
// false "the index was updated".
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { indexLoader, INDEX_UPDATED, LiveIndex, LOAD_FAILED } from "../../site_templates/static/search.js";
import { tinyFiles } from "./tiny_index.mjs";

const DOCS = [
  { id: "a/001", text: "market size for small businesses" },
  { id: "b/001", text: "pricing per seat per month" },
];

// search/<name> from `files`; `answer(name)` may answer otherwise: {status, type, body}.
async function serve(files, answer = () => null) {
  const requests = [];
  const server = createServer((req, res) => {
    const name = new URL(req.url, "http://x").pathname.replace(/^\/search\//, "");
    requests.push(name + (req.url.includes("fresh=") ? " (fresh)" : ""));
    const own = answer(name);
    if (own) { res.writeHead(own.status, { "content-type": own.type || "text/html" }); res.end(own.body); return; }
    if (!files.has(name)) { res.writeHead(404); res.end(); return; }
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify(files.get(name)));
  });
  await new Promise((done) => server.listen(0, "127.0.0.1", done));
  const base = new URL(`http://127.0.0.1:${server.address().port}/search/`);
  return { base, requests, close: () => new Promise((done) => server.close(done)) };
}

const ids = (query) => async (index) => {
  const result = await index.search(query);
  return (await index.records(result.hits.map((h) => h.doc))).map((r) => r.id);
};
const loadFailed = (err) => err.message === LOAD_FAILED && err.plain === true;

test("a file missing (404) from the index entry.json still names is a load failure, not a new index", async () => {
  const files = tinyFiles(DOCS, { tag: "a" }), gone = new Set();
  const site = await serve(files, (name) => (gone.has(name) ? { status: 404, body: "Not Found" } : null));
  try {
    const live = new LiveIndex(indexLoader(site.base));
    assert.deepEqual(await live.use(ids("market")), ["a/001"]);
    for (const name of files.keys()) if (/^[tp]\./.test(name)) gone.add(name);
    site.requests.length = 0;
    await assert.rejects(live.use(ids("pricing")), (err) => loadFailed(err) && err.message !== INDEX_UPDATED);
    assert.deepEqual(site.requests.filter((n) => n.startsWith("entry.json")), ["entry.json (fresh)"]);
  } finally {
    await site.close();
  }
});

test("an index file answered with a page of HTML (200) is a load failure, tried again next time", async () => {
  const files = tinyFiles(DOCS, { tag: "a" });
  let portal = true; // a captive portal, a proxy or an SPA fallback answers every shard
  const site = await serve(files, (name) => (portal && /^t\./.test(name)
    ? { status: 200, body: "<!doctype html><title>Sign in</title>" } : null));
  try {
    const live = new LiveIndex(indexLoader(site.base));
    await assert.rejects(live.use(ids("market")), (err) => loadFailed(err) && !err.missing);
    assert.ok(!site.requests.includes("entry.json (fresh)"), "no sign of a deploy: no refresh");
    portal = false;
    site.requests.length = 0;
    assert.deepEqual(await live.use(ids("market")), ["a/001"]);
    assert.ok(site.requests.some((n) => /^t\./.test(n)), "the shard is fetched again, not the failure kept");
  } finally {
    await site.close();
  }
});

test("entry.json answered with HTML fails plainly too, and the next search opens the index", async () => {
  const files = tinyFiles(DOCS, { tag: "a" });
  let portal = true;
  const site = await serve(files, (name) => (portal && name === "entry.json" ? { status: 200, body: "<!doctype html>" } : null));
  try {
    const live = new LiveIndex(indexLoader(site.base));
    await assert.rejects(live.use(ids("market")), loadFailed);
    portal = false;
    assert.deepEqual(await live.use(ids("market")), ["a/001"]);
  } finally {
    await site.close();
  }
});
