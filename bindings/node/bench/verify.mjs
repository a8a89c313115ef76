// `make node-bench`: verify + parse of 1 KiB and 64 KiB deliveries with axhook, against
// (a) the hand-written node:crypto receiver, (b) @octokit/webhooks-methods `verify` + JSON.parse
// and (c) the standardwebhooks package on an equivalent payload. One run; ratios printed.
//
// Every contender gets the request's headers (an IncomingHttpHeaders-like object) and the raw
// body as a Buffer, and ends holding the delivery's message as a JS object. Two message shapes:
// many small records (JSON.parse dominates) and one long text field (verification dominates).

import { createHmac, timingSafeEqual } from 'node:crypto'
import { verify as octokitVerify } from '@octokit/webhooks-methods'
import { Webhook } from 'standardwebhooks'
import { Verifier } from 'axhook'
import { sampleMessage, signedDelivery } from 'axhook/testing'

const KEY = 'ax-private-key-7f3c9a'
const MEASURE_MS = Number(process.env.AXHOOK_BENCH_MS ?? 1000)

/** The largest `build(n)` whose body fits in `size` bytes. */
function fit(size, build) {
  let lo = 0
  let hi = 1
  while (build(hi).body.length <= size) [lo, hi] = [hi, hi * 2]
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1
    if (build(mid).body.length <= size) lo = mid
    else hi = mid
  }
  return build(lo)
}

const SHAPES = {
  // A workshop with as many enrolments as fit: the shape of the core's own bench
  // (crates/axhook/benches/verify.rs); JSON.parse builds many small objects.
  records: (size) =>
    fit(size, (n) => {
      const message = sampleMessage('course.workshop_updated', 1)
      message.workshop.enrolments = Array.from({ length: n }, (_, i) => ({
        contactId: 500_000 + i,
        givenName: `Student ${i}`,
        emailAddress: `student${i}@example.edu.au`,
        status: 'Enrolled',
        units: ['TAEDES411', 'TAEASS412'],
        progress: (i % 100) / 100,
      }))
      return signedDelivery({ key: KEY, type: 'course.workshop_updated', message })
    }),
  // A contact whose notes fill the body: parsing is cheap, so verification weighs more.
  text: (size) =>
    fit(size, (n) =>
      signedDelivery({
        key: KEY,
        message: { contact: { id: 745678, givenName: 'Ada', surname: 'Lovelace', notes: 'x'.repeat(n) } },
      }),
    ),
}

function requestHeaders(signed) {
  return {
    host: 'hooks.example.edu.au',
    'user-agent': 'aXcelerate-Webhooks/1.0',
    'content-type': 'application/json',
    'content-length': String(signed.body.length),
    accept: '*/*',
    'x-forwarded-for': '203.0.113.7',
    'ax-signature-version': signed.headers['Ax-Signature-Version'],
    'ax-signature': signed.headers['Ax-Signature'],
  }
}

// (a) What a careful team writes by hand with node:crypto.
function handWritten(headers, body) {
  if (headers['ax-signature-version'] !== '1') throw new Error('unsupported version')
  const expected = createHmac('sha256', KEY).update(body).digest()
  const given = Buffer.from(headers['ax-signature'] ?? '', 'hex')
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new Error('bad signature')
  return JSON.parse(body).message
}

// (b) @octokit/webhooks-methods: the same HMAC-SHA256-hex-over-body scheme (GitHub's).
async function octokit(headers, body) {
  const text = body.toString()
  if (!(await octokitVerify(KEY, text, `sha256=${headers['ax-signature']}`))) throw new Error('bad signature')
  return JSON.parse(text).message
}

/**
 * ns per call of each contender. The machine is shared, so contenders take turns in short
 * slices over the whole measuring time, and each keeps its fastest slice: noise from other
 * processes only ever slows a slice down.
 */
async function timeAll(contenders) {
  const runners = contenders.map(([fn, args]) => {
    const isAsync = fn.constructor.name === 'AsyncFunction'
    return async (n) => {
      if (isAsync) for (let i = 0; i < n; i++) await fn(...args)
      else for (let i = 0; i < n; i++) fn(...args)
    }
  })
  // Warm up (JIT), then size each contender's slice to about 1 ms.
  const batches = []
  for (const run of runners) {
    let batch = 16
    const warmEnd = performance.now() + 200
    while (performance.now() < warmEnd) await run(batch)
    for (;;) {
      const t = performance.now()
      await run(batch)
      if (performance.now() - t > 1) break
      batch *= 2
    }
    batches.push(batch)
  }
  const best = runners.map(() => Infinity)
  const end = performance.now() + MEASURE_MS * runners.length
  while (performance.now() < end) {
    for (let i = 0; i < runners.length; i++) {
      const t = performance.now()
      await runners[i](batches[i])
      best[i] = Math.min(best[i], ((performance.now() - t) * 1e6) / batches[i])
    }
  }
  return best
}

function fmt(ns) {
  return ns >= 10_000 ? `${(ns / 1000).toFixed(1)} µs` : `${(ns / 1000).toFixed(2)} µs`
}

const verifier = new Verifier({ keys: { current: KEY } })
const results = []
for (const [shape, make] of Object.entries(SHAPES)) {
  for (const [label, size] of [
    ['1 KiB', 1024],
    ['64 KiB', 64 * 1024],
  ]) {
    const signed = make(size)
    const headers = requestHeaders(signed)
    const body = signed.body

    // (c) standardwebhooks on the same payload: its own headers, signature and clock check.
    const wh = new Webhook(Buffer.from(KEY).toString('base64'))
    const ts = new Date()
    const swHeaders = {
      ...headers,
      'webhook-id': signed.messageId,
      'webhook-timestamp': String(Math.floor(ts.getTime() / 1000)),
      'webhook-signature': wh.sign(signed.messageId, ts, body.toString()),
    }
    const standard = (h, b) => wh.verify(b, h).message
    const axhook = (h, b) => verifier.verify(h, b).message

    // Every contender must agree on the message before it is timed.
    const want = JSON.stringify(JSON.parse(body).message)
    for (const [name, fn, h] of [
      ['axhook', axhook, headers],
      ['node:crypto', handWritten, headers],
      ['octokit', octokit, headers],
      ['standardwebhooks', standard, swHeaders],
    ]) {
      const got = JSON.stringify(await fn(h, body))
      if (got !== want) throw new Error(`${name} returned a different message`)
    }

    const [ax, a, b, c] = await timeAll([
      [axhook, [headers, body]],
      [handWritten, [headers, body]],
      [octokit, [headers, body]],
      [standard, [swHeaders, body]],
    ])
    results.push({ shape, label, bytes: body.length, ax, a, b, c })
  }
}

console.log(
  `axhook Node bench: verify + parse (the message as a JS object), ${process.version}; ` +
    `fastest 1 ms slice of ${MEASURE_MS} ms per contender`,
)
for (const r of results) {
  console.log(`\n${r.shape} message, ${r.label} delivery (${r.bytes} bytes):`)
  console.log(`  axhook                        ${fmt(r.ax).padStart(10)}/op`)
  for (const [name, ns] of [
    ['(a) node:crypto hand-written', r.a],
    ['(b) @octokit/webhooks-methods', r.b],
    ['(c) standardwebhooks', r.c],
  ]) {
    console.log(`  ${name.padEnd(30)}${fmt(ns).padStart(10)}/op   ratio ${(ns / r.ax).toFixed(2)}x`)
  }
}
console.log('\nratio = contender time / axhook time (above 1: axhook is faster)')
for (const one of results.filter((r) => r.label === '1 KiB')) {
  const targets = [
    ['(a)', one.a / one.ax, 1.3],
    ['(b)', one.b / one.ax, 1.3],
    ['(c)', one.c / one.ax, 4],
  ]
  console.log(
    `targets at 1 KiB, ${one.shape} message: ${targets
      .map(([n, got, want]) => `${n} ${got.toFixed(2)}x (target ${want}x) ${got >= want ? 'met' : 'missed'}`)
      .join('; ')}`,
  )
}
