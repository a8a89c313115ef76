// The ESM side of the types (`import` condition → lib/*.d.mts), type-checked by tsc.
import axhook, { Verifier, VerificationError, type Delivery } from 'axhook'
import { middleware } from 'axhook/express'
import axhookFastify, { type AxhookFastifyOptions } from 'axhook/fastify'
import { signedDelivery, sign } from 'axhook/testing'

const verifier = new axhook.Verifier({ keys: { current: 'k1' } })
const sent = signedDelivery({ key: 'k1' })
const delivery: Delivery<{ contact: { id: number } }> = verifier.verify(sent.headers, sent.body)
const id: number = delivery.message.contact.id
const same: boolean = new Verifier({ keys: { current: 'k1' } }) instanceof axhook.Verifier
const signature: string = sign(sent.body, 'k1')
const options: AxhookFastifyOptions = { receiver: new axhook.Receiver(verifier) }
console.log(id, same, signature, options, middleware, axhookFastify, VerificationError)
