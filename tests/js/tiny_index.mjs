// A tiny search index in memory, in the shape deckgen/index.py exports (entry.json -> meta ->
// term, position, vocabulary, record and facet files), for tests of SearchIndex under node.
// Small shards and vocabulary files on purpose, so a test can see which files a search reads.
import { analyze, FORMAT_VERSION, INDEX_VERSION, SearchIndex } from "../../site_templates/static/search.js";

const FIELDS = ["text", "title", "company", "industry"];
const VLQ_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

// deckgen.index.vlq: 5 bits a character, low bits first, bit 6 set while more follow.
export function vlq(numbers) {
  let out = "";
  for (let n of numbers) {
    while (n >= 32) { out += VLQ_CHARS[32 + (n % 32)]; n = Math.floor(n / 32); }
    out += VLQ_CHARS[n];
  }
  return out;
}

// Python's str order (deckgen/index.py sorts terms with sorted()): by code point, where
// JS's default sort compares UTF-16 units ("ｔｅｓｔ" after "𠎘𠎙" there, before it here).
export const byCodePoint = (a, b) => {
  const x = Array.from(a, (c) => c.codePointAt(0)), y = Array.from(b, (c) => c.codePointAt(0));
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
  return x.length - y.length;
};

// docs: [{id, text, title?, company?, industry?, section?, stage?}], in doc-number order. Each field
// keeps to 10 words or fewer, where Whoosh's one-byte field length is the length itself.
// Returns {index (opened), loads (every file name read, in order), files (name -> JSON)}.
export async function tinyIndex(docs, options = {}) {
  const files = tinyFiles(docs, options), loads = [];
  const index = await new SearchIndex(async (name) => {
    loads.push(name);
    if (!files.has(name)) throw new Error(`no file ${name}`);
    return structuredClone(files.get(name));
  }).open();
  return { index, loads, files };
}

// The files of a tiny index: name -> JSON. `tag` goes into every name but entry.json's, as a
// content hash does in deckgen's: two builds tagged apart share no file but the entry.
export function tinyFiles(docs, { termsPerShard = 3, termsPerVocab = 4, tag = "" } = {}) {
  const files = new Map();
  const put = (name, obj) => { files.set(name, obj); return name; };
  const postings = new Map(), surfaces = new Map(), lengths = FIELDS.map(() => 0);
  docs.forEach((doc, d) => FIELDS.forEach((field, f) => {
    // with the terms the index adds at an amount's position ("$4.2M": "4.2"), their own words
    const toks = analyze(doc[field] || "").flatMap((t) => [t, ...t.also.map((a) => ({ word: a, term: a, stacked: true }))]);
    if (toks.length > 10) throw new Error(`${doc.id}: keep ${field} to 10 words`);
    lengths[f] += toks.length;
    let pos = -1; // one apart, two across a gap, none to a stacked term (deckgen.index._surface_stems_at)
    toks.forEach(({ word, term, gap, stacked }) => {
      pos += stacked ? 0 : gap ? 2 : 1;
      if (!postings.has(term)) { postings.set(term, FIELDS.map(() => [])); surfaces.set(term, new Map()); }
      const list = postings.get(term)[f], last = list.at(-1);
      if (last && last.doc === d) last.positions.push(pos);
      else list.push({ doc: d, positions: [pos], length: toks.length });
      surfaces.get(term).set(word, (surfaces.get(term).get(word) || 0) + 1);
    });
  }));
  const terms = [...postings.keys()].sort(byCodePoint);
  const shardStarts = [], shardFiles = [], posFiles = [];
  for (let i = 0; i < terms.length; i += termsPerShard) {
    const block = terms.slice(i, i + termsPerShard), shard = {}, pos = {};
    for (const term of block) {
      shard[term] = postings.get(term).map((list) => vlq(list.flatMap((p, k) =>
        [p.doc - (k ? list[k - 1].doc : 0), p.positions.length, p.length])));
      pos[term] = postings.get(term).map((list) => vlq(list.flatMap((p) =>
        p.positions.map((at, k) => at - (k ? p.positions[k - 1] : 0)))));
    }
    shardStarts.push(i ? block[0] : "");
    shardFiles.push(put(`t.${tag}${i}.json`, shard));
    posFiles.push(put(`p.${tag}${i}.json`, pos));
  }
  const vocabStarts = [], vocabFiles = [];
  for (let i = 0; i < terms.length; i += termsPerVocab) {
    const block = terms.slice(i, i + termsPerVocab);
    const df = block.map((t) => new Set(postings.get(t).flatMap((list) => list.map((p) => p.doc))).size);
    // the commonest word behind each stem, "" when it is the stem itself (deckgen's _best_surface)
    const surface = block.map((t) => {
      const [word] = [...surfaces.get(t)].sort((a, b) => b[1] - a[1] || byCodePoint(a[0], b[0]))[0];
      return word === t ? "" : word;
    });
    vocabStarts.push(i ? block[0] : "");
    vocabFiles.push(put(`v.${tag}${i}.json`, { t: block, d: df, s: surface }));
  }
  const recordFields = ["id", "title", "section", "text"];
  let hashes = "";
  for (let i = 0; i < docs.length; i += 8) {
    const hash = (tag + String(i)).padStart(12, "0");
    hashes += hash;
    put(`r.${hash}.json`, docs.slice(i, i + 8).map((doc) => recordFields.map((k) => doc[k] || "")));
  }
  const sections = [...new Set(docs.map((d) => d.section || "problem"))].sort();
  const facets = { section: { values: sections, labels: sections,
    codes: vlq(docs.map((d) => sections.indexOf(d.section || "problem") + 1)), unsure: "" } };
  const stages = [...new Set(docs.map((d) => d.stage).filter(Boolean))].sort();
  if (stages.length) facets.stage = { values: stages, codes: vlq(docs.map((d) => stages.indexOf(d.stage) + 1)) };
  for (const name of ["company", "industry"]) { // deck metadata, as stage
    const values = [...new Set(docs.map((d) => d[name]).filter(Boolean))].sort();
    if (values.length) facets[name] = { values, codes: vlq(docs.map((d) => values.indexOf(d[name]) + 1)) };
  }
  put(`f.${tag}json`, facets);
  put(`m.${tag}json`, {
    docs: docs.length, fields: FIELDS, boosts: [1, 2, 1.5, 1], B: 0.75, K1: 1.2, lengths,
    terms: { starts: shardStarts, files: shardFiles, pos: posFiles },
    vocab: { starts: vocabStarts, files: vocabFiles },
    records: { size: 8, fields: recordFields, hashes }, facets: `f.${tag}json`,
  });
  put("entry.json", { version: FORMAT_VERSION, builder: INDEX_VERSION, hash: 12, meta: `m.${tag}json` });
  return files;
}
