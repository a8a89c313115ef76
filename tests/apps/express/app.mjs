// The Express receiver of `make conformance` (tests/conformance.py): axhook/express's
// middleware as POST /webhooks/axcelerate on 127.0.0.1:$PORT, verifying with $AXHOOK_KEY
// (label `current`, defaults otherwise) and deduplicating in the core's MemoryStore. The
// middleware reads the raw body itself (at most the verifier's limit + 1 byte), so no Express
// body parser limits this route: a body over 1 MiB is answered 413 by the verifier.
import { effectsJson, record } from '../node-shared/effects.mjs'

// readme: Node · Express
import express from 'express'
import { MemoryStore, Receiver, Verifier } from 'axhook'
import { middleware } from 'axhook/express'

const verifier = new Verifier({ keys: { current: process.env.AXHOOK_KEY } })
const receiver = new Receiver(verifier, new MemoryStore())
receiver.on('*', (delivery) => record(delivery)) // throw → 500, and aXcelerate retries

const app = express()
app.post('/webhooks/axcelerate', middleware(receiver)) // before any express.json()
// readme: end

app.get('/effects', (req, res) => res.type('application/json').send(effectsJson()))
app.get('/health', (req, res) => res.json({ ok: true }))
app.listen(Number(process.env.PORT), '127.0.0.1', (err) => {
  if (err) throw err
  console.error(`express receiver on 127.0.0.1:${process.env.PORT}`)
})
