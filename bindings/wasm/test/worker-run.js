// Drives examples/worker.js like Cloudflare would: env with a secret and a KV namespace
// (an in-memory stand-in), real Request objects, Responses read back.
import { testing } from 'axhook-wasm';
import worker from '../examples/worker.js';
import { deliveryBody } from './cases.js';

function memoryKv() {
  const map = new Map();
  return {
    map,
    async get(key, type) {
      const v = map.get(key);
      return v === undefined ? null : type === 'json' ? JSON.parse(v) : v;
    },
    async put(key, value) {
      map.set(key, value);
    },
    async delete(key) {
      map.delete(key);
    },
  };
}

export async function runWorker() {
  const env = { AXCELERATE_KEY: 'ax-worker-key', DEDUPE: memoryKv() };
  const url = 'https://hooks.example.com/webhooks/axcelerate';
  const send = async (body, headers, method = 'POST', at = url) => {
    const response = await worker.fetch(new Request(at, { method, headers, body: method === 'POST' ? body : undefined }), env);
    const text = await response.text();
    return `${response.status} ${text.startsWith('{') ? JSON.parse(text).code : text}`;
  };
  const body = deliveryBody({ message: { contact: { id: 745678, givenName: 'Ada' } } });
  const signed = testing.signedHeaders(body, env.AXCELERATE_KEY);
  const answers = [
    await send(body, signed),
    await send(body, signed),
    await send(body.replace('Ada', 'Eve'), signed),
    await send(body, testing.signedHeaders(body, 'not-the-key')),
    await send(body, signed, 'GET'),
    env.DEDUPE.map.has('contact:745678') ? 'stored' : 'not stored',
  ];
  const expected = ['200 processed', '200 duplicate', '401 signature_mismatch', '401 signature_mismatch', '404 not found', 'stored'];
  return { answers, expected };
}

if (process.argv[1] === new URL(import.meta.url).pathname) {
  const log = await runWorker();
  const entry = import.meta.resolve('axhook-wasm').includes('/workerd/') ? 'workerd' : 'other';
  console.log(JSON.stringify({ entry, ...log }));
}
