// The browser tokenizer must give exactly Whoosh's tokens (StemmingAnalyzer with deckgen's
// NFKC and CJK pairs): the same golden table is checked by tests/test_index.py in Python.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { analyze, compareCodePoints, facetIndex, facetKey, fold, parseQuery, stem, tokenize } from "../../site_templates/static/search.js";

const cases = JSON.parse(readFileSync(new URL("../tokenize_cases.json", import.meta.url), "utf8"));

test("texts tokenize exactly like deckgen.index.tokenize", () => {
  for (const { text, tokens } of cases.texts) {
    assert.deepEqual(tokenize(text), tokens, `text: ${JSON.stringify(text)}`);
  }
});

test("queries parse exactly like deckgen.index.parse_query", () => {
  for (const { query, clauses } of cases.queries) {
    const parsed = parseQuery(query).map((c) => (c.kind === "phrase" ? [c.kind, c.terms, c.offsets] : [c.kind, c.terms]));
    assert.deepEqual(parsed, clauses, `query: ${JSON.stringify(query)}`);
  }
  assert.ok(cases.queries.length > 10);
});

test("Porter stems match whoosh.lang.porter word for word", () => {
  const wrong = Object.entries(cases.stems).filter(([w, s]) => stem(w) !== s);
  assert.deepEqual(wrong.map(([w, s]) => `${w}: ${stem(w)} != ${s}`), []);
  assert.ok(Object.keys(cases.stems).length > 1000);
});

test("Arabic and Hebrew words stem like deckgen.index.stem_word, word for word", () => {
  const stems = cases.script_stems;
  const wrong = Object.entries(stems).filter(([w, s]) => stem(fold(w)) !== s);
  assert.deepEqual(wrong.map(([w, s]) => `${w}: ${stem(fold(w))} != ${s}`), []);
  for (const [w, s] of Object.entries(stems)) assert.deepEqual(tokenize(w), [s], `word: ${w}`);
  assert.equal(stems["سوق"], stems["السوق"]);
  assert.equal(stems["פתרון"], stems["הפתרון"]);
  assert.ok(Object.keys(stems).length >= 15);
});

test("token offsets point at the original text", () => {
  const text = "Café MARKET, e.g. 3.5x";
  const toks = analyze(text);
  assert.deepEqual(toks.map((t) => text.slice(t.start, t.end)), ["Café", "MARKET", "e.g", "3.5x"]);
  assert.deepEqual(toks.map((t) => t.word), ["cafe", "market", "e.g", "3.5x"]); // accents folded
});

test("terms sort in Python's order (tokenize_cases.json term_order, sorted by Python)", () => {
  const shuffled = [...cases.term_order].reverse();
  assert.deepEqual(shuffled.sort(compareCodePoints), cases.term_order);
});

test("Latin accents fold like deckgen.text.fold, letter for letter", () => {
  const wrong = Object.entries(cases.folds).filter(([c, f]) => fold(c.toLowerCase()) !== f);
  assert.deepEqual(wrong.map(([c, f]) => `${c}: ${fold(c.toLowerCase())} != ${f}`), []);
  assert.ok(Object.keys(cases.folds).length > 500);
});

test("Arabic, Hebrew and Persian fold like deckgen.text.fold, word for word", () => {
  const wrong = Object.entries(cases.script_folds).filter(([w, f]) => fold(w) !== f);
  assert.deepEqual(wrong.map(([w, f]) => `${w}: ${fold(w)} != ${f}`), []);
  assert.ok(Object.keys(cases.script_folds).length > 20);
});

test("marks stay in their words, and a Thai pair holds each letter's marks", () => {
  const text = "\u200fשָׁלוֹם\u200e धन्यवाद อร่อย";
  const toks = analyze(text);
  assert.deepEqual(toks.map((t) => text.slice(t.start, t.end)), ["שָׁלוֹם", "धन्यवाद", "อร่", "ร่อ", "อย"]);
  assert.deepEqual(toks.map((t) => t.word), ["שלום", "धन्यवाद", "อร่", "ร่อ", "อย"]);
});

test("filter values key like deckgen.text.facet_key", () => {
  const wrong = Object.entries(cases.facet_keys).filter(([v, k]) => facetKey(v) !== k);
  assert.deepEqual(wrong.map(([v, k]) => `${JSON.stringify(v)}: ${facetKey(v)} != ${k}`), []);
  assert.ok(Object.keys(cases.facet_keys).length > 10);
});

test("a URL's filter value finds the facet value spelt otherwise, exact spelling first", () => {
  const values = ["Pre-seed", "Seed", "Series A", "series-a"];
  assert.equal(facetIndex(values, "seed"), 1);
  assert.equal(facetIndex(values, "SERIES A"), 2);
  assert.equal(facetIndex(values, "series-a"), 3); // the exact value wins over its key twin
  assert.equal(facetIndex(values, "Series B"), -1);
  assert.equal(facetIndex(values, "!!"), -1); // an empty key matches nothing
});

test("a filter typed without accents finds the one value it can mean, as in Python", () => {
  // QA-70: `deckgen search --company "eclat sante"` found it, the site's ?company= did not
  const values = ["Éclat Santé", "Énergie", "Energie", "Пейзаж"];
  assert.equal(facetIndex(values, "eclat-sante"), 0);
  assert.equal(facetIndex(values, "ECLAT SANTE"), 0);
  assert.equal(facetIndex(values, "Energie"), 2); // an exact value wins
  assert.equal(facetIndex(values, "énergie"), 1);
  assert.equal(facetIndex(values, "ENERGIÈ"), -1); // either of two: neither is guessed
  assert.equal(facetIndex(values, "Пеизаж"), -1); // Latin accents only: й is no и
});

test("search.js uses no regular-expression lookbehind (Safari before 16.4 cannot load it)", () => {
  const source = readFileSync(new URL("../../site_templates/static/search.js", import.meta.url), "utf8");
  assert.equal(/\(\?<[=!]/.test(source), false);
});
