// Every sequence of fixtures/dedupe.json against every store of the core through the JS API:
// MemoryStore (synchronous), SqliteStore (temporary files) and RedisStore (a real redis-server
// started for this file); the last two answer with Promises.
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { MemoryStore, RedisStore, SqliteStore, StoreError } from 'axhook'
import { dedupe } from './fixtures.mjs'
import { startRedis, tempDir } from './servers.mjs'

const start = Date.parse(dedupe.start)

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

/** Fresh, empty stores of each kind, configured by a sequence's `store`; `async`: Promises. */
const KINDS = [
  { kind: 'MemoryStore', async: false, make: (limits) => new MemoryStore({ ...limits, capacity: 1000 }) },
  { kind: 'SqliteStore', async: true, make: (limits) => new SqliteStore(join(dir.path, `${fresh++}.sqlite3`), limits) },
  { kind: 'RedisStore', async: true, make: (limits) => new RedisStore(redis.url, { ...limits, prefix: `t${fresh++}:` }) },
]

/** Calls a store method, checking that it answers synchronously or with a Promise as it should. */
async function call(async, run) {
  const answer = run()
  assert.equal(answer instanceof Promise, async, async ? 'answers with a Promise' : 'answers at once')
  return answer
}

describe('fixtures/dedupe.json', () => {
  assert.ok(dedupe.sequences.length > 0)
  for (const { kind, async, make } of KINDS) {
    describe(kind, () => {
      for (const seq of dedupe.sequences) {
        it(seq.name, async () => {
          const { leaseSeconds, retentionSeconds } = seq.store
          const store = make({ leaseSeconds, retentionSeconds })
          const tickets = new Map()
          for (const [i, step] of seq.steps.entries()) {
            const now = new Date(start + step.at * 1000)
            const where = `${kind} ${seq.name} step ${i} (${step.op} at ${step.at})`
            if (step.op === 'claim') {
              assert.equal(step.key, `${step.clientId}:${step.messageId}`)
              const claim = await call(async, () => store.claim(step.key, { now }))
              assert.equal(claim.code, step.expect, where)
              if (claim.code === 'new') tickets.set(step.ticket, claim.ticket)
            } else {
              const ticket = tickets.get(step.ticket)
              assert.ok(ticket, `${where}: ticket ${step.ticket} was remembered`)
              let got = 'ok'
              try {
                if (step.op === 'complete') await call(async, () => store.complete(ticket, { now }))
                else if (step.op === 'release') await call(async, () => store.release(ticket))
                else assert.fail(`${where}: unknown op`)
              } catch (err) {
                assert.ok(err instanceof StoreError, where)
                got = err.code
              }
              assert.equal(got, step.expect, where)
            }
          }
        })
      }
    })
  }
})
