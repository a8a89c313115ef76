// `make node-soak`: a long verify + receive loop with flat memory (issue 9's leak check).
//
// For SOAK_SECONDS (default 600) it signs deliveries with the Rust signer (axhook/testing), then
// for each one: Verifier.verify + the parsed message, Receiver.receive (→ processed) and the same
// delivery received again (→ duplicate), against a Receiver with a MemoryStore. messageIds cycle
// through POOL ids, more than the store's capacity, so the store fills, evicts its oldest ids and
// sees evicted ids again as new. After a SOAK_WARMUP_SECONDS warm-up (default 30) it samples
// process.memoryUsage().rss every SOAK_SAMPLE_SECONDS (default 10; after global.gc() when run with
// --expose-gc), prints the samples, and exits 1 when RSS grows over the second half of the run by
// more than 5% (or 8 MiB, whichever is larger), or when any outcome was not the expected one. The
// second half, because V8 sizes its heap for a few minutes first (seen: +5 to +10 MiB up to about
// t=200 s, then flat); a leak keeps growing.
// The loop returns to the event loop every BATCH deliveries, as a server does between requests:
// a loop that never does keeps every native Buffer alive (Node runs their finalizers from the
// event loop), which would measure the harness, not axhook.

import { readFileSync } from 'node:fs'
import { MemoryStore, Receiver, Verifier } from 'axhook'
import { signedDelivery } from 'axhook/testing'

const KEY = 'ax-soak-key-3b91e0'
const SECONDS = Number(process.env.SOAK_SECONDS ?? 600)
const WARMUP_SECONDS = Number(process.env.SOAK_WARMUP_SECONDS ?? 30)
const SAMPLE_SECONDS = Number(process.env.SOAK_SAMPLE_SECONDS ?? 10)
const CAPACITY = 20_000
const POOL = 50_000
const BATCH = 200
const MiB = 1024 * 1024

if (!(SECONDS > WARMUP_SECONDS)) {
  console.error(`SOAK_SECONDS (${SECONDS}) must exceed the warm-up (${WARMUP_SECONDS} s)`)
  process.exit(2)
}

const verifier = new Verifier({ keys: { current: KEY } })
const store = new MemoryStore({ capacity: CAPACITY })
const receiver = new Receiver(verifier, store)
let handled = 0
receiver.on('*', (delivery) => {
  if (typeof delivery.message !== 'object') throw new Error('no message')
  handled++
})

const counts = { verify: 0, processed: 0, duplicate: 0, unexpected: 0 }
let firstUnexpected = null

function unexpected(what) {
  counts.unexpected++
  firstUnexpected ??= what
}

async function one(i) {
  const sent = signedDelivery({
    key: KEY,
    clientId: 10_000 + (i % 7),
    messageId: `soak-${i % POOL}`,
  })
  const delivery = verifier.verify(sent.headers, sent.body)
  if (delivery.messageId !== sent.messageId || typeof delivery.message !== 'object') unexpected('verify')
  counts.verify++
  const first = await receiver.receive(sent.headers, sent.body)
  if (first.code === 'processed') counts.processed++
  else unexpected(`first receive: ${first.code}`)
  const again = await receiver.receive(sent.headers, sent.body)
  if (again.code === 'duplicate') counts.duplicate++
  else unexpected(`second receive: ${again.code}`)
}

/** RssAnon and RssFile (MiB) from /proc/self/status: growth of the first is memory the process
 * allocated, of the second pages of the node binary and the addon read in as new code runs. */
function rssParts() {
  try {
    const status = readFileSync('/proc/self/status', 'utf8')
    const kib = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]) / 1024
    return ` = anon ${kib('RssAnon').toFixed(1)} + file ${kib('RssFile').toFixed(1)} + shmem ${kib('RssShmem').toFixed(1)}`
  } catch {
    return ''
  }
}

const gc = typeof globalThis.gc === 'function' ? globalThis.gc : null
const samples = [] // [seconds since start, rss bytes]

const started = performance.now()
const elapsed = () => (performance.now() - started) / 1000
let nextSample = WARMUP_SECONDS
let i = 0
let measuredFrom = null // [iteration, seconds] at the first sample

console.log(
  `node soak: ${SECONDS} s (warm-up ${WARMUP_SECONDS} s, a sample every ${SAMPLE_SECONDS} s), ` +
    `MemoryStore capacity ${CAPACITY}, ${POOL} cycling messageIds, gc ${gc ? 'on' : 'off (run with --expose-gc)'}`,
)
while (elapsed() < SECONDS) {
  for (let b = 0; b < BATCH; b++) await one(i++)
  // Back to the event loop between batches, as a server is between requests: Node runs the
  // finalizers of native Buffers (the signer's bodies) from there, never from microtasks.
  await new Promise(setImmediate)
  if (elapsed() >= nextSample) {
    gc?.()
    const t = elapsed()
    const m = process.memoryUsage()
    samples.push([t, m.rss])
    measuredFrom ??= [i, t]
    console.log(
      `  t=${t.toFixed(0).padStart(4)} s  rss ${(m.rss / MiB).toFixed(1)} MiB${rssParts()}  (JS heap ${(m.heapUsed / MiB).toFixed(1)} of ` +
        `${(m.heapTotal / MiB).toFixed(1)} MiB, external ${(m.external / MiB).toFixed(1)} MiB)  store ${store.size} ids  ${i} deliveries`,
    )
    nextSample += SAMPLE_SECONDS
  }
}
const total = elapsed()
gc?.()
samples.push([total, process.memoryUsage().rss])

const [first, last, max] = [samples[0][1], samples.at(-1)[1], Math.max(...samples.map(([, r]) => r))]
const half = samples.find(([t]) => t >= (samples[0][0] + total) / 2) ?? samples.at(-1)
const allowed = Math.max(half[1] * 0.05, 8 * MiB)
const rate = (i - measuredFrom[0]) / (total - measuredFrom[1])
console.log(
  `deliveries: ${i} in ${total.toFixed(0)} s (${Math.round(rate)}/s after warm-up; each: verify + receive + duplicate receive)`,
)
console.log(`outcomes: ${JSON.stringify(counts)}, handler runs ${handled}`)
console.log(`rss samples (MiB): ${samples.map(([, r]) => (r / MiB).toFixed(1)).join(' ')}`)
console.log(
  `rss: first ${(first / MiB).toFixed(1)} MiB, last ${(last / MiB).toFixed(1)} MiB (${(((last - first) / first) * 100).toFixed(2)}%), ` +
    `max ${(max / MiB).toFixed(1)} MiB; allowed growth ${(allowed / MiB).toFixed(1)} MiB`,
)
console.log(`rss over the second half (t=${half[0].toFixed(0)} s → end): ${((last - half[1]) / MiB).toFixed(1)} MiB`)
let failed = false
if (last - half[1] > allowed) {
  console.log(`FAIL: rss grew ${((last - half[1]) / MiB).toFixed(1)} MiB over the second half`)
  failed = true
}
if (counts.unexpected > 0 || handled !== counts.processed) {
  console.log(`FAIL: ${counts.unexpected} unexpected outcomes (first: ${firstUnexpected}), ${handled} handler runs for ${counts.processed} processed`)
  failed = true
}
console.log(failed ? 'soak: FAIL' : 'soak: OK (flat memory)')
process.exit(failed ? 1 : 0)
