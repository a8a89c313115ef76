// A small static file server on 127.0.0.1 for the browser tests and benchmarks: serves the
// repository's fixtures/ and bindings/wasm/ (dist/, test/, bench/), nothing else.
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const ALLOWED = ['fixtures/', 'bindings/wasm/dist/', 'bindings/wasm/test/', 'bindings/wasm/bench/', 'node_modules/standardwebhooks/', 'node_modules/@stablelib/', 'node_modules/fast-sha256/'];
const TYPES = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.json': 'application/json', '.wasm': 'application/wasm', '.html': 'text/html; charset=utf-8' };

/** Starts the server on a free loopback port; resolves to { url, close }. */
export function serve() {
  const server = http.createServer((req, res) => {
    const rel = decodeURIComponent(new URL(req.url, 'http://x').pathname).replace(/^\/+/, '');
    const file = path.resolve(root, rel);
    const ok = !rel.includes('..') && ALLOWED.some((a) => rel.startsWith(a)) && fs.existsSync(file) && fs.statSync(file).isFile();
    if (!ok) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
    fs.createReadStream(file).pipe(res);
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      resolve({ url: `http://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(r)) });
    });
  });
}
