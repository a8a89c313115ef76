// Every sequence of fixtures/dedupe.json against the core's MemoryStore through the JS API.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { MemoryStore, StoreError } from 'axhook'
import { dedupe } from './fixtures.mjs'

const start = Date.parse(dedupe.start)

describe('fixtures/dedupe.json', () => {
  assert.ok(dedupe.sequences.length > 0)
  for (const seq of dedupe.sequences) {
    it(seq.name, () => {
      const store = new MemoryStore({
        leaseSeconds: seq.store.leaseSeconds,
        retentionSeconds: seq.store.retentionSeconds,
      })
      const tickets = new Map()
      for (const [i, step] of seq.steps.entries()) {
        const now = new Date(start + step.at * 1000)
        const where = `${seq.name} step ${i} (${step.op} at ${step.at})`
        if (step.op === 'claim') {
          assert.equal(step.key, `${step.clientId}:${step.messageId}`)
          const claim = store.claim(step.key, { now })
          assert.equal(claim.code, step.expect, where)
          if (claim.code === 'new') tickets.set(step.ticket, claim.ticket)
        } else {
          const ticket = tickets.get(step.ticket)
          assert.ok(ticket, `${where}: ticket ${step.ticket} was remembered`)
          let got = 'ok'
          try {
            if (step.op === 'complete') store.complete(ticket, { now })
            else if (step.op === 'release') store.release(ticket)
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
