// A Cloudflare Worker that receives aXcelerate webhooks (wrangler.toml: main = "worker.js",
// a secret AXCELERATE_KEY, and a KV namespace bound as DEDUPE). `test/worker.test.js` runs
// this very file with real Request/Response objects.
import { Verifier, Receiver, StoreError, createFetchHandler } from 'axhook-wasm';

/** Dedupe claims in Workers KV. KV is eventually consistent across locations: two copies of
 * one delivery arriving at the same moment in two locations may both be claimed. For strict
 * exactly-once, keep the same three methods in a Durable Object or a D1 table. */
function kvStore(kv, { leaseSeconds = 300, retentionSeconds = 14 * 86_400 + 300 } = {}) {
  return {
    async claim(key, now) {
      const entry = await kv.get(key, 'json');
      if (entry?.done) return { status: 'duplicate' };
      if (entry && entry.until > now.getTime()) return { status: 'in_progress' };
      const ticket = { key, token: crypto.randomUUID() };
      const lease = { token: ticket.token, until: now.getTime() + leaseSeconds * 1000 };
      await kv.put(key, JSON.stringify(lease), { expirationTtl: Math.max(60, leaseSeconds) });
      return { status: 'new', ticket };
    },
    async complete(ticket) {
      const entry = await kv.get(ticket.key, 'json');
      if (entry?.token !== ticket.token) throw new StoreError('lease_lost');
      await kv.put(ticket.key, JSON.stringify({ done: true }), { expirationTtl: retentionSeconds });
    },
    async release(ticket) {
      const entry = await kv.get(ticket.key, 'json');
      if (entry?.token !== ticket.token) throw new StoreError('lease_lost');
      await kv.delete(ticket.key);
    },
  };
}

let handler; // built once per isolate: the HMAC key is prepared once, not per request

function webhookHandler(env) {
  const verifier = new Verifier({ keys: { current: env.AXCELERATE_KEY } });
  const receiver = new Receiver(verifier)
    .on('contact.*', async (delivery) => {
      // delivery.message is the parsed message; delivery.rawBody the bytes that were signed.
      await env.DEDUPE.put(`contact:${delivery.message.contact.id}`, delivery.messageJson);
    })
    .on('student.workshop_enrolment_*', async (delivery) => {
      const { enrolment } = delivery.message;
      console.log(`enrolment ${enrolment.id} of contact ${enrolment.student.contactId}: ${enrolment.status}`);
    });
  return createFetchHandler(receiver, {
    store: kvStore(env.DEDUPE),
    onOutcome: (outcome) => console.log(`axhook ${outcome.status} ${outcome.code} ${outcome.delivery?.messageId ?? ''}`),
  });
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (request.method !== 'POST' || url.pathname !== '/webhooks/axcelerate') {
      return new Response('not found', { status: 404 });
    }
    handler ??= webhookHandler(env);
    return handler(request);
  },
};
