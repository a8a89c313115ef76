// Type-checked by test/types.test.mjs (`tsc --noEmit`): how the types read in an application.
import {
  type Delivery,
  type KnownEventType,
  type Outcome,
  type ClaimResult,
  type Store,
  MemoryStore,
  Receiver,
  RedisStore,
  SqliteStore,
  StoreError,
  VerificationError,
  Verifier,
} from 'axhook'
import { middleware } from 'axhook/express'
import axhookFastify from 'axhook/fastify'
import express from 'express'
import Fastify from 'fastify'
import { signedDelivery } from 'axhook/testing'

interface EnrolmentMessage {
  enrolment: { status: string; workshop: { id: number }; student: { contactId: number } }
}

const verifier = new Verifier({
  keys: { current: 'k1', previous: 'k0' },
  allowedClientIds: [12345678],
  maxAgeSeconds: 14 * 86_400,
})

const sent = signedDelivery({ type: 'student.workshop_enrolment_created', key: 'k1' })

try {
  const d = verifier.verify<EnrolmentMessage>(sent.headers, sent.body, { now: new Date() })
  const workshopId: number = d.message.enrolment.workshop.id
  const when: Date = d.timestamp
  const label: string | null = d.keyLabel
  console.log(workshopId, when, label, d.type, d.clientId.toFixed(0))
} catch (err) {
  if (err instanceof VerificationError) {
    const status: number = err.status
    console.log(err.code, status)
  }
}

const known: KnownEventType = 'course.workshop_updated'
// @ts-expect-error: not a known event type
const unknown: KnownEventType = 'course.nothing'
console.log(known, unknown)

const receiver = new Receiver(verifier, new MemoryStore({ leaseSeconds: 60 }))
receiver
  .on('contact.*', (d: Delivery) => console.log(d.messageId))
  .on<EnrolmentMessage>('student.workshop_enrolment_created', async (d) => {
    console.log(d.message.enrolment.status)
  })

const outcome: Promise<Outcome> = receiver.receive(sent.headers, sent.body)
void outcome.then((o) => console.log(o.status, o.code))

// The stores that wait on I/O answer with Promises; MemoryStore answers at once.
const stores: Store[] = [
  new SqliteStore('/var/lib/my-app/axhook.sqlite3', { leaseSeconds: 60, retentionSeconds: 86_400 }),
  new RedisStore('redis://127.0.0.1:6379/0', { prefix: 'billing:', timeoutSeconds: 1 }),
]
const fleet = new Receiver(verifier, stores[1])
const pending: Promise<ClaimResult> = new RedisStore('redis://127.0.0.1:6379/').claim('1:m')
void pending.catch((err: unknown) => console.log(err instanceof StoreError && err.code === 'store_unavailable'))
const atOnce: ClaimResult = new MemoryStore().claim('1:m')
console.log(fleet.store, atOnce.code)

const app = express()
app.post('/webhooks/axcelerate', middleware(receiver))
app.post('/verified', middleware(verifier), (req, res) => {
  res.json({ type: req.axhook?.type })
})
void Fastify().register(axhookFastify, { receiver, path: '/webhooks/axcelerate' })
