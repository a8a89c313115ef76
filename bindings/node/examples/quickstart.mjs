// The README's quick start; `node --test` runs it (test/examples.test.mjs).
import assert from 'node:assert/strict'
import { MemoryStore, Receiver, VerificationError, Verifier } from 'axhook'
import { signedDelivery } from 'axhook/testing'

// Keys are labelled so that you can rotate them; the matching label is reported.
const verifier = new Verifier({ keys: { current: 'my-private-key', previous: 'my-old-key' } })
const receiver = new Receiver(verifier, new MemoryStore())

receiver.on('contact.*', async (delivery) => {
  const contactId = delivery.message.contact.id
  console.log(`contact ${contactId} changed (${delivery.type}, key ${delivery.keyLabel})`)
})

// What aXcelerate would POST (in a real service: the request's headers and raw body bytes).
const sent = signedDelivery({ type: 'contact.contact_updated', key: 'my-private-key' })

const outcome = await receiver.receive(sent.headers, sent.body)
assert.deepEqual([outcome.status, outcome.code], [200, 'processed'])

// aXcelerate retries until it sees a 2xx: a retry is answered 200 without running the handler.
const retry = await receiver.receive(sent.headers, sent.body)
assert.equal(retry.code, 'duplicate')

// A tampered body is refused with a stable code and the status to answer.
const tampered = Buffer.from(sent.body)
tampered[10] ^= 1
assert.throws(() => verifier.verify(sent.headers, tampered), (err) => {
  assert.ok(err instanceof VerificationError)
  assert.deepEqual([err.code, err.status], ['signature_mismatch', 401])
  return true
})
console.log('quick start: ok')
