// The e2e protocol's side effects (tests/conformance.py), kept out of the app's readme region:
// record(delivery) counts a delivery per `clientId:messageId`, except that a message
// {"failOnce": true} throws the first time its key is seen (→ 500 handler_failed, and the
// sender's retry is processed). GET /effects answers effectsJson().
const processed = {}
const failed = {}

export function record(delivery) {
  const key = `${delivery.clientId}:${delivery.messageId}`
  const message = delivery.message
  const failOnce = message !== null && typeof message === 'object' && !Array.isArray(message) && message.failOnce === true
  if (failOnce && !(key in failed)) {
    failed[key] = 1
    throw new Error(`failOnce: the first attempt of ${key} fails`)
  }
  processed[key] = (processed[key] ?? 0) + 1
}

export function effectsJson() {
  return JSON.stringify({ processed, failed })
}
