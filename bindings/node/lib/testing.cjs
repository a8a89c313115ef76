'use strict'
// axhook/testing: deliveries built and signed by the Rust signer, as aXcelerate sends them.

const axhook = require('./index.cjs')

const { native, bodyBytes } = axhook[Symbol.for('axhook.internal')]

function millis(at) {
  if (at === undefined || at === null) return undefined
  if (at instanceof Date) return at.getTime()
  if (typeof at === 'number') return at
  if (typeof at === 'string') return Date.parse(at)
  throw new TypeError('axhook/testing: timestamp must be a Date, epoch milliseconds or an ISO string')
}

function build(options, key) {
  const { type = 'contact.contact_updated', message, clientId, messageId, timestamp } = options
  const [body, pairs, id] = native.signedDelivery(
    type,
    message === undefined ? undefined : JSON.stringify(message),
    clientId,
    messageId,
    millis(timestamp),
    key,
  )
  return { body, headers: Object.fromEntries(pairs), headerPairs: pairs, messageId: id }
}

/**
 * A delivery signed with `key` (version `1`): `{ body, headers, headerPairs, messageId }`.
 * `type` defaults to `contact.contact_updated` with a realistic sample message; `message`,
 * `clientId`, `messageId` and `timestamp` (default: now) override the envelope's fields.
 */
function signedDelivery(options = {}) {
  if (typeof options.key !== 'string' || options.key === '') {
    throw new TypeError('axhook/testing: signedDelivery({ key }) needs the key to sign with (or use unsignedDelivery)')
  }
  return build(options, options.key)
}

/** A delivery without a signature (version `0`), as aXcelerate sends it without a private key. */
function unsignedDelivery(options = {}) {
  return build(options, undefined)
}

/** The signature aXcelerate sends for `body` under `key`: 64 lowercase hex digits. */
function sign(body, key) {
  return native.sign(bodyBytes(body), String(key))
}

/** A realistic message for an event type (ids derived from `seed`). */
function sampleMessage(type, seed) {
  return JSON.parse(native.sampleMessage(String(type), seed))
}

module.exports = { signedDelivery, unsignedDelivery, sign, sampleMessage }
