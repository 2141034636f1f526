// Runs search.js's engine under node on an exported index, for tests/test_index.py:
//   node tests/js/query_cli.mjs SITE/search QUERIES.json
// QUERIES.json: [{"q": "...", "filters": {...}}]; prints one JSON list of
// {q, total, ids, scores, tiers, suggestion, dropped, partial, section, stage} (top 10 of every tier) on stdout.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { SearchIndex } from "../../site_templates/static/search.js";

const [dir, queriesPath] = process.argv.slice(2);
const index = await new SearchIndex(async (name) => JSON.parse(await readFile(join(dir, name), "utf8"))).open();
const out = [];
for (const { q, filters } of JSON.parse(await readFile(queriesPath, "utf8"))) {
  const result = await index.search(q, filters || {});
  const top = result.hits.slice(0, 10);
  const records = await index.records(top.map((h) => h.doc));
  out.push({ q, total: result.total, ids: records.map((r) => r.id), scores: top.map((h) => h.score),
    tiers: top.map((h) => h.tier), suggestion: result.suggestion, dropped: result.dropped,
    partial: result.partial, section: result.section, stage: result.stage });
}
process.stdout.write(JSON.stringify(out));
