// The Node fixture runner of `make conformance` (tests/conformance.py), through the `axhook`
// npm package's public entry (bindings/node):
//
//   node tests/runners/node_runner.mjs fixtures
//
// Runs every case of vectors.json and hostile.json (Verifier.verify with the case's headers
// exactly as stored, its body's bytes and its clock) and every sequence of dedupe.json (a fresh
// MemoryStore per sequence, with the sequence's lease and retention and the steps' clocks), and
// prints what it observed, one JSON object per line, on standard output. A case that throws
// anything but a VerificationError is reported as {"suite", "case", "error"} and the runner
// goes on. It exits 2 when a fixture file cannot be read (after running the others).
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { isDeepStrictEqual } from 'node:util'
import { MemoryStore, StoreError, VerificationError, Verifier } from 'axhook'

const dir = process.argv[2] ?? 'fixtures'
let unreadable = false

function load(name) {
  try {
    return JSON.parse(readFileSync(join(dir, `${name}.json`), 'utf8'))
  } catch (err) {
    console.error(`node runner: ${join(dir, `${name}.json`)}: ${err.message}`)
    unreadable = true
    return null
  }
}

function emit(suite, name, fields) {
  process.stdout.write(`${JSON.stringify({ suite, case: name, ...fields })}\n`)
}

function message(err) {
  return `${err?.name ?? 'Error'}: ${err?.message ?? String(err)}`
}

/** The bytes of a case's body: `body` (UTF-8), `bodyBase64`, or `bodyGenerated`. */
function caseBody(c) {
  if (typeof c.body === 'string') return Buffer.from(c.body, 'utf8')
  if (typeof c.bodyBase64 === 'string') return Buffer.from(c.bodyBase64, 'base64')
  const g = c.bodyGenerated
  if (g) return Buffer.from(g.prefix + g.repeat.repeat(g.count) + g.suffix, 'utf8')
  throw new Error('no body, bodyBase64 or bodyGenerated')
}

function verifyCase(c, fileNow) {
  const verifier = new Verifier(c.verifier)
  const body = caseBody(c)
  const now = new Date(c.now ?? fileNow)
  let d
  try {
    d = verifier.verify(c.headers, body, { now })
  } catch (err) {
    if (err instanceof VerificationError) return { ok: false, code: err.code, status: err.status }
    throw err
  }
  // Our own parse of the body's "message", compared as parsed values with the delivery's.
  const expected = JSON.parse(body.toString('utf8')).message
  return {
    ok: true,
    delivery: {
      type: d.type,
      namespace: d.namespace,
      event: d.event,
      clientId: d.clientId,
      messageId: d.messageId,
      timestampMillis: d.timestamp.getTime(),
      keyLabel: d.keyLabel,
      signed: d.signed,
      messageEqual: isDeepStrictEqual(d.message, expected),
    },
  }
}

function dedupeSequence(seq, start) {
  const store = new MemoryStore({ leaseSeconds: seq.store.leaseSeconds, retentionSeconds: seq.store.retentionSeconds })
  const tickets = new Map()
  const results = []
  for (const step of seq.steps) {
    const now = new Date(start + step.at * 1000)
    if (step.op === 'claim') {
      const claim = store.claim(step.key, { now })
      if (claim.code === 'new') tickets.set(step.ticket, claim.ticket)
      results.push(claim.code)
      continue
    }
    const ticket = tickets.get(step.ticket)
    if (!ticket) throw new Error(`step ${results.length}: ticket ${step.ticket} was never issued`)
    try {
      if (step.op === 'complete') store.complete(ticket, { now })
      else if (step.op === 'release') store.release(ticket)
      else throw new Error(`step ${results.length}: unknown op ${step.op}`)
      results.push('ok')
    } catch (err) {
      if (!(err instanceof StoreError)) throw err
      results.push(err.code)
    }
  }
  return { results }
}

for (const suite of ['vectors', 'hostile']) {
  const file = load(suite)
  for (const c of file?.cases ?? []) {
    let fields
    try {
      fields = verifyCase(c, file.now)
    } catch (err) {
      fields = { error: message(err) }
    }
    emit(suite, c.name, fields)
  }
}

const dedupe = load('dedupe')
const start = Date.parse(dedupe?.start)
for (const seq of dedupe?.sequences ?? []) {
  let fields
  try {
    fields = dedupeSequence(seq, start)
  } catch (err) {
    fields = { error: message(err) }
  }
  emit('dedupe', seq.name, fields)
}

process.exitCode = unreadable ? 2 : 0
