// Every case of fixtures/vectors.json through the JS API: the same code and status as the core,
// and the same fields for an accepted delivery.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { MemoryStore, Receiver, VerificationError, Verifier } from 'axhook'
import { caseBody, caseNow, vectors } from './fixtures.mjs'

function check(c, delivery) {
  const e = c.expect
  assert.equal(delivery.type, e.type)
  assert.equal(delivery.namespace, e.namespace)
  assert.equal(delivery.event, e.event)
  assert.equal(delivery.clientId, e.clientId)
  assert.equal(delivery.messageId, e.messageId)
  assert.equal(delivery.timestamp.toISOString(), e.timestamp)
  assert.equal(delivery.timestamp.getTime(), e.timestampMillis)
  assert.equal(delivery.keyLabel, e.keyLabel)
  assert.equal(delivery.signed, e.signed)
  const body = caseBody(c)
  assert.deepEqual(delivery.message, JSON.parse(body.toString('utf8')).message)
  assert.ok(delivery.rawBody.equals(body))
}

/** The case's headers in other shapes a Node program holds, when no name repeats. */
function otherShapes(headers) {
  const names = headers.map(([n]) => n.toLowerCase())
  if (new Set(names).size !== names.length) return []
  return [
    ['object', Object.fromEntries(headers)],
    ['fetch Headers', new Headers(headers)],
    ['Map', new Map(headers)],
    ['rawHeaders', headers.flat()],
  ]
}

describe('fixtures/vectors.json', () => {
  assert.ok(vectors.cases.length > 100, 'the fixture file has its cases')
  for (const c of vectors.cases) {
    it(c.name, async () => {
      const verifier = new Verifier(c.verifier)
      const body = caseBody(c)
      const now = caseNow(c)
      const shapes = [['pairs', c.headers], ...otherShapes(c.headers)]
      for (const [shape, headers] of shapes) {
        const label = `${c.name} (${shape} headers)`
        if (c.expect.ok) {
          check(c, verifier.verify(headers, body, { now }))
        } else {
          assert.throws(
            () => verifier.verify(headers, body, { now }),
            (err) => {
              assert.ok(err instanceof VerificationError, label)
              assert.equal(err.code, c.expect.code, label)
              assert.equal(err.status, c.expect.status, label)
              return true
            },
          )
        }
      }
      // A string body is the same bytes when it is UTF-8.
      if (c.body !== null) {
        const again = () => verifier.verify(c.headers, c.body, { now })
        if (c.expect.ok) check(c, again())
        else assert.throws(again, { code: c.expect.code, status: c.expect.status })
      }
      // Through a Receiver: a refusal keeps its code and status; an acceptance is processed.
      const receiver = new Receiver(verifier, new MemoryStore())
      const outcome = await receiver.receive(c.headers, body, { now })
      if (c.expect.ok) {
        assert.deepEqual([outcome.status, outcome.code], [200, 'processed'])
        check(c, outcome.delivery)
      } else {
        assert.deepEqual([outcome.status, outcome.code], [c.expect.status, c.expect.code])
        assert.equal(outcome.delivery, null)
      }
    })
  }
})
