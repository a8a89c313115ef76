// The README's Cloudflare Worker (examples/worker.js) with real Request/Response objects in
// Node: once through the package's `node` export, and once through its `workerd` export (the
// one wrangler picks), with the .wasm imported as a WebAssembly.Module as workerd does it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runWorker } from './worker-run.js';

const here = path.dirname(fileURLToPath(import.meta.url));

test('Cloudflare Worker example (node export)', async () => {
  const log = await runWorker();
  assert.deepEqual(log.answers, log.expected);
});

test('Cloudflare Worker example (workerd export, .wasm as a module)', () => {
  const out = execFileSync(process.execPath, [
    '--conditions=workerd', '--import', path.join(here, 'workerd-loader.js'), path.join(here, 'worker-run.js'),
  ], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const log = JSON.parse(out.trim().split('\n').at(-1));
  assert.equal(log.entry, 'workerd');
  assert.deepEqual(log.answers, log.expected);
});

test('the README shows the files the tests run', async () => {
  const fs = await import('node:fs');
  const readme = fs.readFileSync(path.join(here, '..', 'README.md'), 'utf8');
  for (const file of ['quickstart.js', 'worker.js']) {
    const text = fs.readFileSync(path.join(here, '..', 'examples', file), 'utf8');
    assert.ok(readme.includes(text), `README.md must include examples/${file} verbatim`);
  }
  const out = execFileSync(process.execPath, [path.join(here, '..', 'examples', 'quickstart.js')], { encoding: 'utf8' });
  assert.match(out, /contact\.contact_updated 745678 current\nsignature_mismatch 401\ncontact 745678 changed\n200\n\{ code: 'duplicate'/);
});
