// The Fastify receiver of `make conformance` (tests/conformance.py): the axhook/fastify plugin
// registers POST /webhooks/axcelerate on 127.0.0.1:$PORT, verifying with $AXHOOK_KEY (label
// `current`, defaults otherwise) and deduplicating in the core's MemoryStore. The plugin's raw
// body parser reads at most the verifier's limit + 1 byte and Fastify's bodyLimit does not
// apply to it, so a body over 1 MiB is answered 413 by the verifier, not by Fastify.
import { effectsJson, record } from '../node-shared/effects.mjs'

// readme: Node · Fastify
import Fastify from 'fastify'
import axhookFastify from 'axhook/fastify'
import { MemoryStore, Receiver, Verifier } from 'axhook'

const verifier = new Verifier({ keys: { current: process.env.AXHOOK_KEY } })
const receiver = new Receiver(verifier, new MemoryStore())
receiver.on('*', (delivery) => record(delivery)) // throw → 500, and aXcelerate retries

const app = Fastify({ logger: true })
app.register(axhookFastify, { receiver, path: '/webhooks/axcelerate' })
// readme: end

app.get('/effects', async (request, reply) => reply.type('application/json').send(effectsJson()))
app.get('/health', async () => ({ ok: true }))
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' })
