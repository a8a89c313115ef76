// axhook-wasm's fetch handler (the same code as on Workers, Deno and Vercel Edge) as a
// `POST(request: Request)` route handler, here on Node: server.mjs serves it on node:http for
// `make conformance`.
import { record } from '../node-shared/effects.mjs'

// readme: WebAssembly · fetch handler
import { createFetchHandler, MemoryStore, Receiver, Verifier } from 'axhook-wasm'

const verifier = new Verifier({ keys: { current: process.env.AXHOOK_KEY } })
const receiver = new Receiver(verifier, { store: new MemoryStore() })
receiver.on('*', (delivery) => record(delivery)) // throw → 500, and aXcelerate retries
const handle = createFetchHandler(receiver)

export async function POST(request) {
  return handle(request) // reads the raw body itself: no request.json() before it
}
// readme: end
