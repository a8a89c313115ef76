// Every case of fixtures/hostile.json (issue 9's hostile-input corpus) through the JS API: NUL
// bytes, a generated 10 MiB body, JSON nested 100,000 deep, huge and non-finite numbers, lone
// surrogates, duplicate keys at every depth, CR/LF and non-ASCII header values, signatures of
// odd lengths, repeated headers… Each must end in the fixture's code and status (or be
// accepted with the fixture's fields), exactly as in the core; header values are passed as
// they are, never cleaned.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { MemoryStore, Receiver, VerificationError, Verifier } from 'axhook'
import { caseBody, caseNow, loadFixture } from './fixtures.mjs'

const hostile = loadFixture('hostile.json')

function check(c, delivery, body, label) {
  const e = c.expect
  const got = {
    type: delivery.type,
    namespace: delivery.namespace,
    event: delivery.event,
    clientId: delivery.clientId,
    messageId: delivery.messageId,
    timestamp: delivery.timestamp.toISOString(),
    timestampMillis: delivery.timestamp.getTime(),
    keyLabel: delivery.keyLabel,
    signed: delivery.signed,
  }
  const want = Object.fromEntries(Object.keys(got).map((k) => [k, e[k]]))
  assert.deepEqual(got, want, label)
  assert.deepEqual(delivery.message, JSON.parse(body.toString('utf8')).message, `${label}: message`)
  assert.ok(delivery.rawBody.equals(body), `${label}: rawBody`)
}

/** The case's headers in the shapes a Node program holds them; fetch Headers would refuse CR/LF/NUL. */
function shapes(headers) {
  const out = [
    ['pairs', headers],
    ['rawHeaders', headers.flat()],
  ]
  const names = headers.map(([n]) => n.toLowerCase())
  if (new Set(names).size === names.length) {
    out.push(['object', Object.fromEntries(headers)], ['Map', new Map(headers)])
  }
  return out
}

function verdict(run) {
  try {
    return { delivery: run() }
  } catch (err) {
    assert.ok(err instanceof VerificationError, `not a VerificationError: ${err?.name} ${err?.message}`)
    return { code: err.code, status: err.status }
  }
}

describe('fixtures/hostile.json', () => {
  assert.ok(hostile.cases.length > 0, 'the fixture file has its cases')
  assert.ok(
    hostile.cases.some((c) => c.bodyGenerated),
    'the generated bodies (10 MiB, 100,000 deep) are part of the corpus',
  )
  for (const c of hostile.cases) {
    it(c.name, async () => {
      const verifier = new Verifier(c.verifier)
      const body = caseBody(c)
      const now = caseNow(c, hostile)
      const e = c.expect
      const runs = shapes(c.headers).map(([shape, headers]) => [`${shape} headers`, () => verifier.verify(headers, body, { now })])
      // A text body (stored or generated) is also verified as a string: the same bytes.
      if (typeof c.body === 'string' || c.bodyGenerated) {
        const text = body.toString('utf8')
        runs.push(['string body', () => verifier.verify(c.headers, text, { now })])
      }
      for (const [how, run] of runs) {
        const label = `${c.name} (${how})`
        const got = verdict(run)
        if (e.ok) {
          assert.ok(got.delivery, `${label}: refused with ${got.code} ${got.status}`)
          check(c, got.delivery, body, label)
        } else {
          assert.deepEqual(got.delivery ? 'accepted' : got, { code: e.code, status: e.status }, label)
        }
      }
      // Through a Receiver (the native path): the same verdict, or processed.
      const outcome = await new Receiver(verifier, new MemoryStore()).receive(c.headers, body, { now })
      if (e.ok) {
        assert.deepEqual([outcome.status, outcome.code], [200, 'processed'], c.name)
        check(c, outcome.delivery, body, `${c.name} (Receiver)`)
      } else {
        assert.deepEqual([outcome.status, outcome.code], [e.status, e.code], `${c.name} (Receiver)`)
        assert.equal(outcome.delivery, null)
      }
      // Through a Receiver with a JS store (the JS path, the Verifier's verdict).
      const jsStore = new MemoryStore()
      const viaJs = await new Receiver(verifier, {
        claim: (key, at) => jsStore.claim(key, at),
        complete: (ticket, at) => jsStore.complete(ticket, at),
        release: (ticket) => jsStore.release(ticket),
      }).receive(c.headers, body, { now })
      assert.deepEqual(
        [viaJs.status, viaJs.code],
        e.ok ? [200, 'processed'] : [e.status, e.code],
        `${c.name} (Receiver, JS store)`,
      )
    })
  }
})
