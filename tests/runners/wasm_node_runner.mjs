// The axhook-wasm fixture runner of `make conformance` in Node (the package's nodejs output):
//
//   node tests/runners/wasm_node_runner.mjs fixtures
//
// Every case of vectors.json and hostile.json and every sequence of dedupe.json (against the
// package's MemoryStore, fresh per sequence); one JSON object per line on standard output (the
// cases themselves are in wasm_cases.mjs, shared with the Chromium runner). Exits 2 when a
// fixture file cannot be read (after running the others).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as api from 'axhook-wasm';
import { runFixtures } from './wasm_cases.mjs';

const dir = process.argv[2] ?? 'fixtures';
let unreadable = false;

function load(name) {
  try {
    return JSON.parse(readFileSync(join(dir, `${name}.json`), 'utf8'));
  } catch (err) {
    console.error(`wasm-node runner: ${join(dir, `${name}.json`)}: ${err.message}`);
    unreadable = true;
    return null;
  }
}

const files = { vectors: load('vectors'), hostile: load('hostile'), dedupe: load('dedupe') };
runFixtures(api, files, (line) => process.stdout.write(`${JSON.stringify(line)}\n`));
process.exitCode = unreadable ? 2 : 0;
