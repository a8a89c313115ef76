// Keys never show: toString, String(), JSON.stringify (shared with Chromium, test/cases.js),
// util.inspect and console.log in a real Node process, for the Verifier and everything
// that holds one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { format, inspect } from 'node:util';
import * as api from 'axhook-wasm';
import { runSecrets } from './cases.js';

const SECRET = 'wasm-node-s3cret-key';
const CLIENT_SECRET = 'wasm-node-cl1ent-key';
const here = path.dirname(fileURLToPath(import.meta.url));

function assertNoSecret(text, where) {
  assert.ok(!text.includes(SECRET), `${where} shows the key: ${text}`);
  assert.ok(!text.includes(CLIENT_SECRET), `${where} shows the client key: ${text}`);
}

test('toString, String() and JSON.stringify (the checks Chromium runs too)', () => {
  const results = runSecrets(api);
  assert.ok(results.length >= 30, `only ${results.length}`);
  const failed = results.filter((r) => !r.ok);
  assert.deepEqual(failed, [], `${failed.length} of ${results.length} failed`);
});

test('util.inspect of the Verifier, Receiver, store and fetch handler', () => {
  const verifier = new api.Verifier({ keys: { current: SECRET }, clientKeys: { 7: { own: CLIENT_SECRET } } });
  const receiver = new api.Receiver(verifier);
  const options = { store: receiver.store };
  for (const [what, value] of [['Verifier', verifier], ['Receiver', receiver], ['MemoryStore', receiver.store],
    ['fetch handler', api.createFetchHandler(receiver, options)], ['options', { verifier, ...options }]]) {
    for (const [how, text] of [
      ['inspect', inspect(value)],
      ['inspect (showHidden, getters, deep)', inspect(value, { showHidden: true, getters: true, depth: Infinity })],
      ['format %o', format('%o', value)], ['format %O', format('%O', value)], ['format %s', format('%s', value)],
      ['format %j', format('%j', value)], ['nested', inspect({ deep: { value } }, { depth: Infinity })],
    ]) {
      assertNoSecret(text, `${what} ${how}`);
    }
  }
  assert.match(inspect(verifier), /REDACTED/);
  assert.match(inspect({ receiver }, { depth: Infinity }), /REDACTED/, 'a Receiver shows its Verifier redacted');
});

test('console.log in a real Node process', () => {
  const program = `
    import { Verifier, Receiver, MemoryStore, createFetchHandler } from 'axhook-wasm';
    const verifier = new Verifier({ keys: { current: ${JSON.stringify(SECRET)} }, clientKeys: { 7: { own: ${JSON.stringify(CLIENT_SECRET)} } } });
    const receiver = new Receiver(verifier, { store: new MemoryStore() });
    console.log(verifier);
    console.log('%s %o %O %j', verifier, verifier, receiver, receiver);
    console.log({ verifier, receiver, handler: createFetchHandler(receiver) });
    console.log(String(verifier), JSON.stringify({ verifier, receiver }));
    console.error(verifier, receiver);
    console.dir(receiver, { depth: null, showHidden: true, getters: true });
  `;
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', program], { cwd: here, encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  const out = run.stdout + run.stderr;
  assert.match(run.stderr, /REDACTED/, 'console.error printed the verifier');
  assert.match(out, /REDACTED/, 'the program printed the verifier');
  assertNoSecret(out, 'console.log');
});
