// The axhook-wasm fixture runner of `make conformance` in headless Chromium (the package's web
// output, in a real page):
//
//   node tests/runners/wasm_chromium_runner.mjs fixtures
//
// Starts a static server on 127.0.0.1 (the fixtures folder, bindings/wasm/dist/ and
// wasm_cases.mjs, nothing else) and Debian's /usr/bin/chromium through playwright-core (never
// a downloaded browser; CHROMIUM_PATH overrides). The page loads the web output, fetches the
// three fixture files and runs wasm_cases.mjs — the same cases as the Node runner — and this
// process prints the page's lines, one JSON object per line, on standard output. Exits 2 when a
// fixture file cannot be read (after running the others), 1 when the page itself fails.
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const fixtures = path.resolve(process.argv[2] ?? 'fixtures');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const FIXTURE_NAMES = ['vectors', 'hostile', 'dedupe'];

const PAGE = `<!doctype html>
<meta charset="utf-8">
<title>axhook-wasm conformance</title>
<link rel="icon" href="data:,">
<script type="module">
  import init, * as api from '/dist/web/index.js';
  import { runFixtures } from '/runner/wasm_cases.mjs';
  try {
    await init();
    const files = {};
    const missing = [];
    for (const name of ${JSON.stringify(FIXTURE_NAMES)}) {
      const response = await fetch('/fixtures/' + name + '.json');
      if (!response.ok) {
        missing.push(name + '.json: HTTP ' + response.status);
        files[name] = null;
        continue;
      }
      try {
        files[name] = await response.json();
      } catch (e) {
        missing.push(name + '.json: ' + e.message);
        files[name] = null;
      }
    }
    const lines = [];
    runFixtures(api, files, (line) => lines.push(JSON.stringify(line)));
    window.__done = { lines, missing, userAgent: navigator.userAgent };
  } catch (e) {
    window.__done = { fatal: (e && e.name) + ': ' + (e && e.message) + '\\n' + (e && e.stack) };
  }
</script>`;

const TYPES = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.json': 'application/json', '.wasm': 'application/wasm' };

/** The file a request path names, or null: only the page's own files are served. */
function resolve(pathname) {
  const mounts = [
    ['/fixtures/', fixtures],
    ['/dist/', path.join(root, 'bindings/wasm/dist')],
    ['/runner/', here],
  ];
  for (const [prefix, dir] of mounts) {
    if (!pathname.startsWith(prefix)) continue;
    const file = path.resolve(dir, pathname.slice(prefix.length));
    if (!file.startsWith(dir + path.sep)) return null;
    if (prefix === '/runner/' && path.basename(file) !== 'wasm_cases.mjs') return null;
    return fs.existsSync(file) && fs.statSync(file).isFile() ? file : null;
  }
  return null;
}

function serve() {
  const server = http.createServer((req, res) => {
    const pathname = decodeURIComponent(new URL(req.url, 'http://127.0.0.1').pathname);
    if (pathname === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(PAGE);
      return;
    }
    const file = resolve(pathname);
    if (!file) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
    fs.createReadStream(file).pipe(res);
  });
  return new Promise((done) => server.listen(0, '127.0.0.1', () => done(server)));
}

async function main() {
  const server = await serve();
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'axhook-conformance-chromium-'));
  let context;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
        '--disable-component-update', '--no-first-run'],
    });
    const page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (e) => console.error(`wasm-chromium runner: page error: ${e}`));
    page.on('console', (m) => console.error(`wasm-chromium runner: console.${m.type()}: ${m.text()}`));
    await page.goto(`http://127.0.0.1:${server.address().port}/`);
    await page.waitForFunction(() => window.__done !== undefined, null, { timeout: 600_000 });
    const done = await page.evaluate(() => window.__done);
    if (done.fatal) {
      console.error(`wasm-chromium runner: the page failed: ${done.fatal}`);
      return 1;
    }
    console.error(`wasm-chromium runner: ${done.lines.length} lines from ${done.userAgent}`);
    process.stdout.write(done.lines.map((l) => `${l}\n`).join(''));
    for (const m of done.missing) console.error(`wasm-chromium runner: ${path.join(fixtures, m)}`);
    return done.missing.length > 0 ? 2 : 0;
  } finally {
    await context?.close();
    fs.rmSync(profile, { recursive: true, force: true });
    await new Promise((r) => server.close(r));
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    console.error(`wasm-chromium runner: ${err?.stack ?? err}`);
    process.exitCode = 1;
  },
);
