// The README's Next.js example: app/api/webhooks/axcelerate/route.ts (App Router). Type-checked
// by test/types.test.mjs; test/http.test.mjs serves the same handler over HTTP.
import { createFetchHandler, Receiver, Verifier } from 'axhook'

const verifier = new Verifier({ keys: { current: process.env.AXCELERATE_WEBHOOK_KEY ?? '' } })
const receiver = new Receiver(verifier)

interface ContactMessage {
  contact: { id: number; givenName?: string }
}

receiver.on<ContactMessage>('contact.contact_updated', async (delivery) => {
  const id: number = delivery.message.contact.id
  console.log(`contact ${id} updated at ${delivery.timestamp.toISOString()}`)
})

export const POST = createFetchHandler(receiver)
