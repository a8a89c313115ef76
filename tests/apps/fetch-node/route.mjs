// A Next.js App Router route handler (app/webhooks/axcelerate/route.js): the axhook package's
// fetch handler behind `export async function POST(request: Request)`. server.mjs serves it on
// node:http for `make conformance`, as Next.js would.
import { record } from '../node-shared/effects.mjs'

// readme: Node · Next.js route handler
import { createFetchHandler, MemoryStore, Receiver, Verifier } from 'axhook'

const verifier = new Verifier({ keys: { current: process.env.AXHOOK_KEY } })
const receiver = new Receiver(verifier, new MemoryStore())
receiver.on('*', (delivery) => record(delivery)) // throw → 500, and aXcelerate retries
const handle = createFetchHandler(receiver)

export async function POST(request) {
  return handle(request) // reads the raw body itself: no request.json() before it
}
// readme: end
