// Every case of fixtures/hostile.json (issue 9's hostile-input corpus) in Node against the
// nodejs output: the fixture's code and status, or its fields, for each body as text and as
// bytes, directly and through a Receiver. test/browser.test.js runs the same in Chromium.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as api from 'axhook-wasm';
import { runHostileFixture } from './cases.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const hostile = JSON.parse(fs.readFileSync(path.join(root, 'fixtures', 'hostile.json'), 'utf8'));

test('every case of fixtures/hostile.json (nodejs output)', { timeout: 120_000 }, async () => {
  assert.ok(hostile.cases.length > 0, 'the corpus has cases');
  assert.ok(hostile.cases.some((c) => c.bodyGenerated), 'the generated bodies are part of the corpus');
  const results = await runHostileFixture(api, hostile);
  const runs = hostile.cases.reduce((n, c) => n + (c.bodyBase64 ? 1 : 2), 0);
  assert.equal(results.length, runs, 'one result per case and body form');
  const failed = results.filter((r) => !r.ok);
  assert.deepEqual(failed, [], `${failed.length} of ${results.length} failed`);
  console.log(`# hostile.json: ${hostile.cases.length} cases, ${results.length} runs passed (Node)`);
});
