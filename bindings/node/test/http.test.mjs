// The framework helpers over real HTTP on 127.0.0.1: Express, Fastify and the fetch handler.
import assert from 'node:assert/strict'
import { once } from 'node:events'
import http from 'node:http'
import { Readable } from 'node:stream'
import { after, before, describe, it } from 'node:test'
import express from 'express'
import { Receiver, Verifier, createFetchHandler } from 'axhook'
import { middleware } from 'axhook/express'
import { signedDelivery } from 'axhook/testing'
import { createApp } from '../examples/express.mjs'
import { createServer } from '../examples/fastify.mjs'

const KEY = 'http-test-key'

/** A receiver whose handler fails for contact_deleted deliveries. */
function makeReceiver() {
  const handled = []
  const receiver = new Receiver(new Verifier({ keys: { current: KEY } })).on('*', async (d) => {
    if (d.type === 'contact.contact_deleted') throw new Error('handler says no')
    handled.push(d.messageId)
  })
  return { receiver, handled }
}

/** A logger that keeps what it is given. */
function makeLogger() {
  const lines = []
  return { lines, logger: { error: (message, err) => lines.push(err ? `${message} ${err}` : message) } }
}

/**
 * POSTs with node:http, so that a header can be sent twice (`headers` values may be arrays).
 * Resolves to { status, body } or rejects after 5 s: a helper must never hang.
 */
function post(url, headers, body) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', signal: AbortSignal.timeout(5000) })
    for (const [name, value] of Object.entries(headers)) req.setHeader(name, value)
    req.on('error', reject)
    req.on('response', (res) => {
      const chunks = []
      res.on('data', (c) => chunks.push(c))
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString()
        let json
        try {
          json = JSON.parse(text)
        } catch {
          json = undefined
        }
        resolve({ status: res.statusCode, json, text })
      })
    })
    req.end(body)
  })
}

function jsonHeaders(sent) {
  return { 'content-type': 'application/json', ...sent.headers }
}

async function listen(server) {
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return `http://127.0.0.1:${server.address().port}`
}

/** The cases every helper must answer the same way. */
function commonCases(getUrl, handled, path = '/webhooks/axcelerate') {
  it('processes a valid delivery, then answers its retry as a duplicate', async () => {
    const sent = signedDelivery({ key: KEY })
    const first = await post(`${getUrl()}${path}`, jsonHeaders(sent), sent.body)
    assert.deepEqual([first.status, first.json.code], [200, 'processed'])
    assert.ok(handled.includes(sent.messageId))
    const retry = await post(`${getUrl()}${path}`, jsonHeaders(sent), sent.body)
    assert.deepEqual([retry.status, retry.json.code], [200, 'duplicate'])
  })

  it('refuses a tampered body with 401 signature_mismatch', async () => {
    const sent = signedDelivery({ key: KEY })
    const tampered = Buffer.from(sent.body)
    tampered[12] ^= 1
    const res = await post(`${getUrl()}${path}`, jsonHeaders(sent), tampered)
    assert.deepEqual([res.status, res.json.code], [401, 'signature_mismatch'])
    assert.match(res.json.message, /does not match/)
  })

  it('answers 500 handler_failed when the handler rejects, without leaking its error', async () => {
    const sent = signedDelivery({ key: KEY, type: 'contact.contact_deleted' })
    const res = await post(`${getUrl()}${path}`, jsonHeaders(sent), sent.body)
    assert.deepEqual([res.status, res.json], [500, { code: 'handler_failed' }])
  })

  it('refuses a delivery without signature headers', async () => {
    const sent = signedDelivery({ key: KEY })
    const res = await post(`${getUrl()}${path}`, { 'content-type': 'application/json' }, sent.body)
    assert.deepEqual([res.status, res.json.code], [401, 'missing_signature_version'])
  })
}

describe('axhook/express', () => {
  const { receiver, handled } = makeReceiver()
  let url
  let server
  before(async () => {
    server = http.createServer(createApp(receiver))
    url = await listen(server)
  })
  after(() => server.close())

  commonCases(() => url, handled)

  it('reports a repeated signature header as 400 duplicate_header (headersDistinct)', async () => {
    const sent = signedDelivery({ key: KEY })
    const sig = sent.headers['Ax-Signature']
    const res = await post(`${url}/webhooks/axcelerate`, { 'Ax-Signature-Version': '1', 'Ax-Signature': [sig, sig] }, sent.body)
    assert.deepEqual([res.status, res.json.code], [400, 'duplicate_header'])
  })

  it('leaves JSON parsing to the rest of the app', async () => {
    const res = await post(`${url}/api/notes`, { 'content-type': 'application/json' }, '{"a":1}')
    assert.deepEqual(res.json, { saved: { a: 1 } })
  })

  it('mounted after express.json(): 500 body_already_parsed with a log line, never a hang', async () => {
    const { lines, logger } = makeLogger()
    const app = express()
    app.use(express.json())
    app.post('/hook', middleware(makeReceiver().receiver, { logger }))
    const s = http.createServer(app)
    const base = await listen(s)
    try {
      const sent = signedDelivery({ key: KEY })
      const res = await post(`${base}/hook`, jsonHeaders(sent), sent.body)
      assert.deepEqual([res.status, res.json.code], [500, 'body_already_parsed'])
      assert.equal(lines.length, 1)
      assert.match(lines[0], /body_already_parsed/)
      assert.match(lines[0], /before express\.json\(\)/)
    } finally {
      s.close()
    }
  })

  it('takes the raw body from express.raw() or req.rawBody', async () => {
    const r = makeReceiver()
    const app = express()
    app.post('/raw', express.raw({ type: '*/*' }), middleware(r.receiver))
    app.post(
      '/verify-hook',
      express.json({ verify: (req, _res, buf) => (req.rawBody = buf) }),
      middleware(r.receiver),
    )
    const s = http.createServer(app)
    const base = await listen(s)
    try {
      for (const path of ['/raw', '/verify-hook']) {
        const sent = signedDelivery({ key: KEY })
        const res = await post(`${base}${path}`, jsonHeaders(sent), sent.body)
        assert.deepEqual([res.status, res.json.code], [200, 'processed'], path)
      }
    } finally {
      s.close()
    }
  })

  it('with a Verifier: sets req.axhook and calls next(), or answers the refusal', async () => {
    const app = express()
    app.post('/verify', middleware(new Verifier({ keys: { current: KEY } })), (req, res) => {
      res.json({ type: req.axhook.type, id: req.axhook.message.contact.id })
    })
    const s = http.createServer(app)
    const base = await listen(s)
    try {
      const sent = signedDelivery({ key: KEY, clientId: 5 })
      const ok = await post(`${base}/verify`, jsonHeaders(sent), sent.body)
      assert.deepEqual(ok.json, { type: 'contact.contact_updated', id: 100_005 })
      const bad = await post(`${base}/verify`, { 'Ax-Signature-Version': '2' }, sent.body)
      assert.deepEqual([bad.status, bad.json.code], [401, 'unsupported_signature_version'])
    } finally {
      s.close()
    }
  })

  it('reads at most maxBodyBytes + 1 bytes and answers 413 body_too_large', async () => {
    const r = new Receiver(new Verifier({ keys: { current: KEY }, maxBodyBytes: 1000 }))
    const app = express()
    app.post('/small', middleware(r))
    const s = http.createServer(app)
    const base = await listen(s)
    try {
      const res = await post(`${base}/small`, { 'Ax-Signature-Version': '0' }, Buffer.alloc(200_000, 0x20))
      assert.deepEqual([res.status, res.json.code], [413, 'body_too_large'])
    } finally {
      s.close()
    }
  })
})

describe('axhook/fastify', () => {
  const { receiver, handled } = makeReceiver()
  let fastify
  let url
  before(async () => {
    fastify = createServer(receiver)
    url = await fastify.listen({ port: 0, host: '127.0.0.1' })
  })
  after(() => fastify.close())

  commonCases(() => url, handled)

  it('reports a repeated signature header as 400 duplicate_header', async () => {
    const sent = signedDelivery({ key: KEY })
    const sig = sent.headers['Ax-Signature']
    const res = await post(
      `${url}/webhooks/axcelerate`,
      { 'content-type': 'application/json', 'Ax-Signature-Version': '1', 'Ax-Signature': [sig, sig] },
      sent.body,
    )
    assert.deepEqual([res.status, res.json.code], [400, 'duplicate_header'])
  })

  it('takes any content type, or none', async () => {
    for (const type of ['text/plain', undefined]) {
      const sent = signedDelivery({ key: KEY })
      const headers = type ? { 'content-type': type, ...sent.headers } : sent.headers
      const res = await post(`${url}/webhooks/axcelerate`, headers, sent.body)
      assert.deepEqual([res.status, res.json.code], [200, 'processed'], String(type))
    }
  })

  it('leaves JSON parsing to the rest of the app', async () => {
    const res = await post(`${url}/api/notes`, { 'content-type': 'application/json' }, '{"a":1}')
    assert.deepEqual(res.json, { saved: { a: 1 } })
  })
})

/** Serves a fetch handler over node:http (as Next.js, Hono or Bun would call it). */
function serveFetch(handler) {
  return http.createServer(async (req, res) => {
    const request = new Request(`http://127.0.0.1${req.url}`, {
      method: req.method,
      headers: req.headersDistinct ? Object.entries(req.headersDistinct).flatMap(([k, vs]) => vs.map((v) => [k, v])) : req.headers,
      body: req.method === 'GET' ? undefined : Readable.toWeb(req),
      duplex: 'half',
    })
    const response = await handler(request)
    res.writeHead(response.status, Object.fromEntries(response.headers))
    res.end(Buffer.from(await response.arrayBuffer()))
  })
}

describe('createFetchHandler', () => {
  const { receiver, handled } = makeReceiver()
  let server
  let url
  before(async () => {
    server = serveFetch(createFetchHandler(receiver, { logger: makeLogger().logger }))
    url = await listen(server)
  })
  after(() => server.close())

  commonCases(() => url, handled, '/')

  it('answers 500 body_already_parsed for a Request whose body was read, with a log line', async () => {
    const { lines, logger } = makeLogger()
    const handler = createFetchHandler(makeReceiver().receiver, { logger })
    const sent = signedDelivery({ key: KEY })
    const request = new Request('http://127.0.0.1/', { method: 'POST', headers: sent.headers, body: sent.body })
    await request.json()
    const response = await handler(request)
    assert.equal(response.status, 500)
    assert.equal((await response.json()).code, 'body_already_parsed')
    assert.equal(lines.length, 1)
  })
})
