// Receiver: routing, dedupe, handler failure and stores written in JS.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { MemoryStore, Receiver, StoreError, Verifier, patternMatches } from 'axhook'
import { signedDelivery } from 'axhook/testing'

const KEY = 'receiver-test-key'
const verifier = new Verifier({ keys: { current: KEY } })

describe('Receiver', () => {
  it('routes by pattern, processes once and answers duplicates', async () => {
    const receiver = new Receiver(verifier)
    const seen = []
    receiver
      .on('contact.*', (d) => seen.push(['contact.*', d.type]))
      .on('contact.contact_created', async (d) => seen.push(['exact', d.message.contact.id]))
      .on('student.*', () => seen.push(['student.*']))
      .on('*', () => seen.push(['*']))
    const sent = signedDelivery({ type: 'contact.contact_created', key: KEY, clientId: 7 })
    const first = await receiver.receive(sent.headers, sent.body)
    assert.deepEqual([first.ok, first.status, first.code], [true, 200, 'processed'])
    assert.equal(first.delivery.messageId, sent.messageId)
    assert.deepEqual(seen, [['contact.*', 'contact.contact_created'], ['exact', 100_007], ['*']])
    const again = await receiver.receive(sent.headers, sent.body)
    assert.deepEqual([again.status, again.code], [200, 'duplicate'])
    assert.equal(again.delivery.messageId, sent.messageId)
    assert.equal(seen.length, 3, 'a duplicate does not run the handlers')
  })

  it('processes a delivery no handler matches (aXcelerate must see a 2xx)', async () => {
    const sent = signedDelivery({ type: 'trainer.trainer_created', key: KEY })
    const outcome = await new Receiver(verifier).receive(sent.headers, sent.body)
    assert.equal(outcome.code, 'processed')
  })

  it('releases the claim when a handler rejects, so the retry is processed', async () => {
    let calls = 0
    const receiver = new Receiver(verifier).on('*', async () => {
      calls += 1
      if (calls === 1) throw new Error('database down')
    })
    const sent = signedDelivery({ key: KEY })
    const failed = await receiver.receive(sent.headers, sent.body)
    assert.deepEqual([failed.ok, failed.status, failed.code], [false, 500, 'handler_failed'])
    assert.match(failed.message, /database down/)
    assert.equal(failed.error.message, 'database down')
    const retried = await receiver.receive(sent.headers, sent.body)
    assert.deepEqual([retried.status, retried.code], [200, 'processed'])
    assert.equal(calls, 2)
  })

  it('answers 409 in_progress while another delivery of the same id is handled', async () => {
    let release
    const gate = new Promise((resolve) => (release = resolve))
    const receiver = new Receiver(verifier).on('*', () => gate)
    const sent = signedDelivery({ key: KEY })
    const first = receiver.receive(sent.headers, sent.body)
    const second = await receiver.receive(sent.headers, sent.body)
    assert.deepEqual([second.status, second.code], [409, 'in_progress'])
    release()
    assert.equal((await first).code, 'processed')
  })

  it('keeps verification codes and passes the clock', async () => {
    const receiver = new Receiver(verifier)
    const sent = signedDelivery({ key: KEY, timestamp: '2024-02-25T23:30:38.056Z' })
    const old = await receiver.receive(sent.headers, sent.body)
    assert.deepEqual([old.status, old.code], [401, 'timestamp_too_old'])
    const then = await receiver.receive(sent.headers, sent.body, { now: new Date('2024-02-26T00:00:00Z') })
    assert.equal(then.code, 'processed')
  })

  it('reports a repeated signature header as duplicate_header', async () => {
    const sent = signedDelivery({ key: KEY })
    const sig = sent.headers['Ax-Signature']
    const outcome = await new Receiver(verifier).receive(
      { 'ax-signature-version': '1', 'ax-signature': [sig, sig] },
      sent.body,
    )
    assert.deepEqual([outcome.status, outcome.code], [400, 'duplicate_header'])
  })

  it('throws a TypeError for a body that was already parsed', async () => {
    await assert.rejects(new Receiver(verifier).receive({}, { type: 'contact.contact_created' }), {
      name: 'TypeError',
      code: 'body_already_parsed',
      message: /already parsed/,
    })
  })

  it('works with a dedupe store written in JS', async () => {
    const inner = new MemoryStore()
    const calls = []
    const store = {
      async claim(key, { now }) {
        calls.push(['claim', key, now instanceof Date])
        return inner.claim(key, { now })
      },
      async complete(ticket, { now }) {
        calls.push(['complete'])
        inner.complete(ticket, { now })
      },
      async release(ticket) {
        calls.push(['release'])
        inner.release(ticket)
      },
    }
    let fail = true
    const receiver = new Receiver(verifier, store).on('*', () => {
      if (fail) throw new Error('once')
    })
    const sent = signedDelivery({ key: KEY, clientId: 42 })
    assert.equal((await receiver.receive(sent.headers, sent.body)).code, 'handler_failed')
    fail = false
    assert.equal((await receiver.receive(sent.headers, sent.body)).code, 'processed')
    assert.equal((await receiver.receive(sent.headers, sent.body)).code, 'duplicate')
    assert.deepEqual(calls, [
      ['claim', `42:${sent.messageId}`, true],
      ['release'],
      ['claim', `42:${sent.messageId}`, true],
      ['complete'],
      ['claim', `42:${sent.messageId}`, true],
    ])
  })

  it('answers 503 store_unavailable when a JS store throws, and lease_lost when it says so', async () => {
    const sent = signedDelivery({ key: KEY })
    const down = {
      claim: async () => {
        throw new Error('redis: connection refused')
      },
      complete: async () => {},
      release: async () => {},
    }
    const refused = await new Receiver(verifier, down).receive(sent.headers, sent.body)
    assert.deepEqual([refused.status, refused.code], [503, 'store_unavailable'])
    assert.match(refused.message, /connection refused/)

    const lost = {
      claim: async (key) => ({ code: 'new', ticket: { key, token: 't' } }),
      complete: async () => {
        throw new StoreError('taken over', 'lease_lost')
      },
      release: async () => {},
    }
    const late = await new Receiver(verifier, lost).receive(sent.headers, sent.body)
    assert.deepEqual([late.status, late.code], [200, 'lease_lost'])
  })

  it('refuses what is not a Verifier or a store', () => {
    assert.throws(() => new Receiver({ keys: {} }), TypeError)
    assert.throws(() => new Receiver(verifier, {}), TypeError)
    assert.throws(() => new Receiver(verifier).on('*', 'nope'), TypeError)
  })

  it('matches patterns with the core', () => {
    assert.ok(patternMatches('*', 'a.b'))
    assert.ok(patternMatches('contact.*', 'contact.contact_created'))
    assert.ok(!patternMatches('contact.*', 'contacts.x'))
    assert.ok(!patternMatches('a.b*', 'a.bc'))
  })
})

describe('MemoryStore', () => {
  it('claims, completes and refuses stale tickets', () => {
    const store = new MemoryStore({ leaseSeconds: 10 })
    const t0 = new Date('2024-02-26T00:00:00Z')
    const claim = store.claim('1:a', { now: t0 })
    assert.equal(claim.code, 'new')
    assert.equal(store.claim('1:a', { now: t0 }).code, 'in_progress')
    assert.equal(store.claim('1:a', { now: t0.getTime() + 11_000 }).code, 'new')
    assert.throws(() => store.complete(claim.ticket, { now: t0 }), { name: 'StoreError', code: 'lease_lost' })
    assert.equal(store.size, 1)
  })

  it('refuses a bad configuration with a ConfigError', () => {
    assert.throws(() => new MemoryStore({ leaseSeconds: -1 }), { name: 'ConfigError', code: 'invalid_config' })
  })
})
