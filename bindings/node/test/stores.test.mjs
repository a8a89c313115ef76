// SqliteStore and RedisStore under a Receiver and the Express helper: processed then duplicate,
// 503 store_unavailable when Redis is unreachable or silent, SQLite across a reopening, the
// event loop free while a store waits, and no Redis password anywhere.
import assert from 'node:assert/strict'
import { once } from 'node:events'
import http from 'node:http'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { format, inspect } from 'node:util'
import express from 'express'
import { ConfigError, Receiver, RedisStore, SqliteStore, StoreError, Verifier } from 'axhook'
import { middleware } from 'axhook/express'
import { signedDelivery } from 'axhook/testing'
import { freePort, startRedis, startSilentServer, tempDir } from './servers.mjs'

const KEY = 'stores-test-key'
const verifier = new Verifier({ keys: { current: KEY } })

let redis
let dir
let fresh = 0
before(async () => {
  redis = await startRedis()
  dir = tempDir()
})
after(async () => {
  await redis?.stop()
  dir?.remove()
})

const sqlitePath = () => join(dir.path, `${fresh++}.sqlite3`)
const STORES = {
  SqliteStore: () => new SqliteStore(sqlitePath()),
  RedisStore: () => new RedisStore(redis.url, { prefix: `r${fresh++}:` }),
}

/** A receiver over `store` that counts the deliveries its handler saw. */
function counting(store) {
  const seen = []
  const receiver = new Receiver(verifier, store).on('contact.*', async (d) => {
    await new Promise((resolve) => setImmediate(resolve))
    seen.push(d.messageId)
  })
  return { receiver, seen }
}

async function listen(app) {
  const server = http.createServer(app).listen(0, '127.0.0.1')
  await once(server, 'listening')
  return { url: `http://127.0.0.1:${server.address().port}`, close: () => server.close() }
}

async function post(url, sent) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...sent.headers },
    body: sent.body,
    signal: AbortSignal.timeout(10_000),
  })
  return { status: res.status, json: await res.json() }
}

/** The URL of a Redis that refuses connections (nothing listens there), with a password. */
async function unreachableRedis() {
  return `redis://:secret-pw@127.0.0.1:${await freePort()}/`
}

for (const [kind, make] of Object.entries(STORES)) {
  describe(`Receiver over ${kind}`, () => {
    it('processes a valid delivery, then answers its retry as a duplicate', async () => {
      const { receiver, seen } = counting(make())
      const sent = signedDelivery({ type: 'contact.contact_created', key: KEY })
      const first = await receiver.receive(sent.headers, sent.body)
      assert.deepEqual([first.status, first.code], [200, 'processed'])
      assert.equal(first.delivery.messageId, sent.messageId)
      const retry = await receiver.receive(sent.headers, sent.body)
      assert.deepEqual([retry.status, retry.code], [200, 'duplicate'])
      assert.deepEqual(seen, [sent.messageId])
    })

    it('refuses, releases a failed handler for the retry, and reports a repeated header', async () => {
      let fail = true
      const receiver = new Receiver(verifier, make()).on('*', () => {
        if (fail) throw new Error('not yet')
      })
      const sent = signedDelivery({ key: KEY })
      const tampered = Buffer.from(sent.body)
      tampered[12] ^= 1
      assert.equal((await receiver.receive(sent.headers, tampered)).code, 'signature_mismatch')
      const failed = await receiver.receive(sent.headers, sent.body)
      assert.deepEqual([failed.status, failed.code, failed.error.message], [500, 'handler_failed', 'not yet'])
      fail = false
      assert.equal((await receiver.receive(sent.headers, sent.body)).code, 'processed')
      const sig = sent.headers['Ax-Signature']
      const repeated = [['Ax-Signature-Version', '1'], ['Ax-Signature', sig], ['Ax-Signature', sig]]
      assert.equal((await receiver.receive(repeated, sent.body)).code, 'duplicate_header')
    })

    it('handles concurrent deliveries: each once, the concurrent copies not twice', async () => {
      const { receiver, seen } = counting(make())
      const sent = Array.from({ length: 12 }, (_, i) => signedDelivery({ type: 'contact.contact_updated', key: KEY, messageId: `m-${i}` }))
      const outcomes = await Promise.all(sent.flatMap((s) => [s, s, s]).map((s) => receiver.receive(s.headers, s.body)))
      for (const [i, s] of sent.entries()) {
        const mine = outcomes.slice(3 * i, 3 * i + 3)
        assert.ok(mine.every((o) => o.delivery.messageId === s.messageId), 'each outcome has its own delivery')
        assert.equal(mine.filter((o) => o.code === 'processed').length, 1, inspect(mine.map((o) => o.code)))
      }
      assert.deepEqual(new Set(seen), new Set(sent.map((s) => s.messageId)))
      assert.equal(seen.length, sent.length)
    })

    it('serves the Express helper: 200 processed, then 200 duplicate', async () => {
      const { receiver } = counting(make())
      const app = express()
      app.post('/hook', middleware(receiver))
      const server = await listen(app)
      try {
        const sent = signedDelivery({ type: 'contact.contact_created', key: KEY })
        const first = await post(`${server.url}/hook`, sent)
        assert.deepEqual([first.status, first.json.code], [200, 'processed'])
        const retry = await post(`${server.url}/hook`, sent)
        assert.deepEqual([retry.status, retry.json.code], [200, 'duplicate'])
      } finally {
        server.close()
      }
    })
  })
}

describe('SqliteStore', () => {
  it('survives reopening its file: a processed delivery stays a duplicate', async () => {
    const path = sqlitePath()
    const sent = signedDelivery({ type: 'contact.contact_created', key: KEY })
    const first = await counting(new SqliteStore(path)).receiver.receive(sent.headers, sent.body)
    assert.equal(first.code, 'processed')
    const store = new SqliteStore(new URL(`file://${path}`))
    const { receiver, seen } = counting(store)
    assert.equal((await receiver.receive(sent.headers, sent.body)).code, 'duplicate')
    assert.deepEqual(seen, [])
    assert.equal((await store.claim(first.delivery.dedupeKey)).code, 'duplicate')
  })

  it('is refused with StoreError or ConfigError when it cannot be opened as configured', () => {
    assert.throws(() => new SqliteStore(join(dir.path, 'missing', 'dir', 'x.sqlite3')), (err) => {
      assert.ok(err instanceof StoreError)
      assert.equal(err.code, 'store_unavailable')
      return true
    })
    assert.throws(() => new SqliteStore(sqlitePath(), { leaseSeconds: -1 }), { name: 'ConfigError', code: 'invalid_config' })
    assert.throws(() => new SqliteStore(), TypeError)
  })

  it('rejects a stale ticket with lease_lost', async () => {
    const store = new SqliteStore(sqlitePath(), { leaseSeconds: 10 })
    const t0 = Date.parse('2024-02-26T00:00:00Z')
    const claim = await store.claim('1:a', { now: t0 })
    assert.equal((await store.claim('1:a', { now: t0 + 11_000 })).code, 'new')
    await assert.rejects(store.complete(claim.ticket, { now: t0 + 12_000 }), { name: 'StoreError', code: 'lease_lost' })
    await assert.rejects(store.release({}), TypeError)
  })
})

describe('RedisStore', () => {
  it('an unreachable Redis is 503 store_unavailable, and its password is never shown', async () => {
    const store = new RedisStore(await unreachableRedis(), { timeoutSeconds: 0.5 })
    const { receiver, seen } = counting(store)
    const sent = signedDelivery({ type: 'contact.contact_created', key: KEY })
    const outcome = await receiver.receive(sent.headers, sent.body)
    assert.deepEqual([outcome.status, outcome.code], [503, 'store_unavailable'])
    assert.deepEqual(seen, [])
    await assert.rejects(store.claim('1:m'), (err) => {
      assert.ok(err instanceof StoreError)
      assert.equal(err.code, 'store_unavailable')
      assert.ok(!`${err.message} ${err.stack} ${inspect(err)}`.includes('secret-pw'), err.message)
      return true
    })
    for (const text of [
      outcome.message,
      inspect(store, { showHidden: true, depth: Infinity }),
      inspect(receiver, { showHidden: true, depth: Infinity }),
      String(store),
      JSON.stringify(store),
      format('%o', store),
    ]) {
      assert.ok(!text.includes('secret-pw'), text)
    }
    assert.match(inspect(store), /RedisStore/)
    assert.match(inspect(store), /127\.0\.0\.1/)
  })

  it('the Express helper answers 503 store_unavailable without the cause', async () => {
    const logged = []
    const receiver = new Receiver(verifier, new RedisStore(await unreachableRedis(), { timeoutSeconds: 0.5 }))
    const app = express()
    app.post('/hook', middleware(receiver, { logger: { error: (m) => logged.push(m) } }))
    const server = await listen(app)
    try {
      const res = await post(`${server.url}/hook`, signedDelivery({ key: KEY }))
      assert.deepEqual(res, { status: 503, json: { code: 'store_unavailable' } })
      assert.equal(logged.length, 1)
      assert.ok(!logged[0].includes('secret-pw'), logged[0])
    } finally {
      server.close()
    }
  })

  it('keeps the event loop free while Redis does not answer', async () => {
    const silent = await startSilentServer()
    try {
      const store = new RedisStore(silent.url, { timeoutSeconds: 0.6 })
      const receiver = new Receiver(verifier, store)
      let ticks = 0
      let last = performance.now()
      let longest = 0
      const timer = setInterval(() => {
        const t = performance.now()
        longest = Math.max(longest, t - last)
        last = t
        ticks++
      }, 10)
      const sent = signedDelivery({ key: KEY })
      const began = performance.now()
      const [outcome, claim] = await Promise.all([
        receiver.receive(sent.headers, sent.body),
        store.claim('1:m').catch((err) => err),
      ])
      clearInterval(timer)
      const waited = performance.now() - began
      assert.deepEqual([outcome.status, outcome.code], [503, 'store_unavailable'])
      assert.equal(claim.code, 'store_unavailable')
      assert.ok(waited >= 500, `the calls waited for the timeout (${waited} ms)`)
      assert.ok(ticks >= waited / 10 / 3, `the timer fired ${ticks} times in ${waited} ms`)
      assert.ok(longest < 250, `the event loop stalled for ${longest} ms`)
    } finally {
      await silent.stop()
    }
  })

  it('keeps prefixes apart and refuses a bad configuration', async () => {
    const a = new RedisStore(redis.url, { prefix: `iso${fresh}:a:` })
    const b = new RedisStore(redis.url, { prefix: `iso${fresh++}:b:` })
    const claim = await a.claim('1:m')
    await a.complete(claim.ticket)
    assert.equal((await a.claim('1:m')).code, 'duplicate')
    assert.equal((await b.claim('1:m')).code, 'new')
    assert.throws(() => new RedisStore(redis.url, { retentionSeconds: -5 }), ConfigError)
    assert.throws(() => new RedisStore(redis.url, { timeoutSeconds: Number.NaN }), ConfigError)
    assert.throws(() => new RedisStore('http://:secret-pw@example/'), (err) => {
      assert.ok(err instanceof StoreError)
      assert.ok(!err.message.includes('secret-pw'), err.message)
      return true
    })
    assert.throws(() => new RedisStore(), TypeError)
  })
})
