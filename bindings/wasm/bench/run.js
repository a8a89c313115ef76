// `make wasm-bench`: the .wasm size (raw and gzipped), then verify + parse of a 1 KiB delivery
// against WebCrypto and standardwebhooks, in Node (nodejs output) and in headless Chromium
// (web output). One run; ratios printed.
import fs from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import * as api from 'axhook-wasm';
import { runBench, report } from './cases.js';
import { serve } from '../test/server.js';
import { withPage } from '../test/chromium.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const wasm = fs.readFileSync(path.join(here, '..', 'dist', 'web', 'axhook_wasm_bg.wasm'));
const gz = gzipSync(wasm, { level: 9 }).length;
const kb = (n) => `${(n / 1000).toFixed(1)} KB`;
console.log(`axhook-wasm .wasm: ${wasm.length} bytes (${kb(wasm.length)}) raw, ${gz} bytes (${kb(gz)}) gzipped; target ≤ 120 KB raw, ≤ 50 KB gzipped`);

const { Webhook } = createRequire(import.meta.url)('standardwebhooks');
const minMs = Number(process.env.BENCH_MS ?? 1000);
console.log(report(`Node ${process.version}`, await runBench({ api, Webhook, minMs })));

const server = await serve();
try {
  const text = await withPage(async (page, errors) => {
    await page.goto(`${server.url}/bindings/wasm/bench/index.html?ms=${minMs}`);
    await page.waitForFunction(() => window.__bench !== undefined, null, { timeout: 300_000 });
    const out = await page.evaluate(() => window.__bench);
    if (out.error) throw new Error(out.error);
    if (errors.length) throw new Error(errors.join('\n'));
    return out.text;
  });
  console.log(text);
} finally {
  await server.close();
}
