// Every fixture, the fetch handler and hostile inputs in Node, against the nodejs output
// (both its ES module and CommonJS entries), plus the package's rules: no Node built-ins.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import * as api from 'axhook-wasm';
import { runVectors, runDedupe, runFetch, runHostile } from './cases.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../../..');
const load = (name) => JSON.parse(fs.readFileSync(path.join(root, 'fixtures', name), 'utf8'));
const vectors = load('vectors.json');
const dedupe = load('dedupe.json');

function expectAll(results, atLeast) {
  const failed = results.filter((r) => !r.ok);
  assert.ok(results.length >= atLeast, `only ${results.length} results`);
  assert.deepEqual(failed, [], `${failed.length} of ${results.length} failed`);
}

test('every vector of fixtures/vectors.json', () => {
  expectAll(runVectors(api, vectors), vectors.cases.length);
});

test('every sequence of fixtures/dedupe.json', () => {
  expectAll(runDedupe(api, dedupe), dedupe.sequences.length);
});

test('the fetch handler with real Request/Response (Node)', async () => {
  expectAll(await runFetch(api), 30);
});

test('hostile inputs end in typed errors, never traps', () => {
  expectAll(runHostile(api, vectors), 3);
});

test('the CommonJS entry is the same API', () => {
  const cjs = createRequire(import.meta.url)('axhook-wasm');
  const c = vectors.cases[0];
  const d = new cjs.Verifier(c.verifier).verify(c.headers, c.body, { now: new Date(vectors.now) });
  assert.equal(d.messageId, c.expect.messageId);
  assert.deepEqual(Object.keys(cjs).sort(), Object.keys(api).filter((k) => k !== 'default').concat('init').sort());
});

test('errors carry code and status; secrets never print', () => {
  const v = new api.Verifier({ keys: { current: 'super-secret-key' } });
  for (const shown of [String(v), JSON.stringify(v), JSON.stringify({ v })]) assert.ok(!shown.includes('super-secret'), shown);
  assert.throws(() => v.verify({}, '{}'), (e) => e instanceof api.VerificationError && e instanceof Error
    && e.code === 'missing_signature_version' && e.status === 401 && !e.message.includes('super-secret'));
  assert.throws(() => v.verify({ 'Ax-Signature-Version': '1' }, { already: 'parsed' }),
    (e) => e.code === 'body_already_parsed' && e.status === 500);
  assert.throws(() => new api.Verifier({}), (e) => e instanceof api.ConfigError && e.code === 'invalid_config');
  assert.equal(api.patternMatches('contact.*', 'contact.contact_created'), true);
  assert.ok(api.knownEvents().includes('contact.contact_merged'));
});

test('the package uses no Node built-ins', () => {
  const dist = path.join(here, '..', 'dist');
  const files = fs.readdirSync(dist, { recursive: true }).filter((f) => /\.(c|m)?js$/.test(f));
  assert.ok(files.length >= 10, files.join());
  for (const file of files) {
    const text = fs.readFileSync(path.join(dist, file), 'utf8');
    for (const bad of [/\brequire\(\s*['"](?!\.)/, /\bfrom\s+['"]node:/, /\bimport\(\s*['"]node:/, /\bBuffer\b/, /\bprocess\./, /__dirname/]) {
      assert.ok(!bad.test(text), `${file} matches ${bad}`);
    }
  }
});

test('a trap (a Rust panic) arrives as a VerificationError, never as a RuntimeError', async () => {
  const { createApi } = await import('../js/api.js');
  class Failure {}
  const trap = () => {
    throw new WebAssembly.RuntimeError('unreachable');
  };
  const fake = createApi({
    Failure,
    headerNames: () => ['Ax-Signature-Version', 'Ax-Signature'],
    takePanic: () => 'panicked at src/example.rs:1:1: boom',
    WasmVerifier: class {
      maxBodyBytes = 10;
      verifyBytes = trap;
      verifyText = trap;
    },
  });
  const v = new fake.Verifier({ keys: { current: 'k' } });
  assert.throws(() => v.verify({}, '{}'), (e) => e instanceof fake.VerificationError
    && e.code === 'internal_error' && e.status === 500 && e.message.includes('boom'));
  const outcome = await new fake.Receiver(v, { store: {} }).receive({}, new Uint8Array(2));
  assert.deepEqual([outcome.status, outcome.code], [500, 'internal_error']);
});
