import { Verifier, Receiver, MemoryStore, VerificationError, createFetchHandler } from 'axhook-wasm';
import { signedHeaders } from 'axhook-wasm/testing';

// Keys are labelled so that you can rotate them; the matching label is reported.
const verifier = new Verifier({ keys: { current: 'my-private-key', previous: 'my-old-key' } });

// What aXcelerate POSTs: the raw body and two headers (here signed by the test helper).
const body = JSON.stringify({
  type: 'contact.contact_updated',
  message: { contact: { id: 745678, givenName: 'Ada' } },
  clientId: 12345678,
  messageId: crypto.randomUUID(),
  timestamp: new Date().toISOString(),
});
const headers = signedHeaders(body, 'my-private-key');

// verify() is synchronous: the parsed delivery, or a VerificationError with code and status.
const delivery = verifier.verify(headers, body);
console.log(delivery.type, delivery.message.contact.id, delivery.keyLabel); // contact.contact_updated 745678 current

try {
  verifier.verify(headers, body.replace('Ada', 'Eve'));
} catch (e) {
  if (!(e instanceof VerificationError)) throw e;
  console.log(e.code, e.status); // signature_mismatch 401
}

// A fetch handler: verify, deduplicate aXcelerate's retries, route, answer.
const receiver = new Receiver(verifier, { store: new MemoryStore() }).on('contact.*', async (d) => {
  console.log(`contact ${d.message.contact.id} changed`);
});
const handle = createFetchHandler(receiver);
const post = () => new Request('https://example.com/hook', { method: 'POST', headers, body });
console.log((await handle(post())).status); // 200 (processed)
console.log(await (await handle(post())).json()); // { code: 'duplicate', … }: a retry is not run again
