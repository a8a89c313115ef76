// The web output in real headless Chromium: the page (test/browser/index.html) is served from
// 127.0.0.1 and runs the same cases as Node; the results are read back with playwright-core.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serve } from './server.js';
import { withPage } from './chromium.js';

test('Chromium: fixtures, fetch handler, hostile inputs and secrets (web output)', { timeout: 300_000 }, async () => {
  const server = await serve();
  try {
    const results = await withPage(async (page, errors) => {
      await page.goto(`${server.url}/bindings/wasm/test/browser/index.html`);
      await page.waitForFunction(() => window.__results !== undefined, null, { timeout: 240_000 });
      const results = await page.evaluate(() => window.__results);
      assert.deepEqual(errors, [], 'page errors');
      return results;
    });
    assert.equal(results.error, undefined, results.error);
    assert.match(results.userAgent, /Chrome\//);
    const expectAll = (list, atLeast, what) => {
      assert.ok(list.length >= atLeast, `${what}: only ${list.length}`);
      const failed = list.filter((r) => !r.ok);
      assert.deepEqual(failed, [], `${what}: ${failed.length} of ${list.length} failed`);
    };
    expectAll(results.vectors, results.cases, 'vectors');
    expectAll(results.dedupe, results.sequences, 'dedupe');
    expectAll(results.fetch, 30, 'fetch');
    expectAll(results.hostile, 3, 'hostile');
    assert.ok(results.hostileGenerated > 0, 'hostile.json has its generated bodies');
    assert.equal(results.hostileFixture.length, results.hostileRuns, 'one result per hostile.json case and body form');
    expectAll(results.hostileFixture, results.hostileRuns, 'hostile.json');
    expectAll(results.secrets, 30, 'secrets');
    console.log(`# Chromium: ${results.vectors.length} vector runs, ${results.dedupe.length} dedupe sequences, ${results.fetch.length} fetch checks, ${results.hostileFixture.length} hostile.json runs, ${results.secrets.length} secret checks passed (${results.userAgent})`);
  } finally {
    await server.close();
  }
});
