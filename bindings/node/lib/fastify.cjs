'use strict'
// axhook/fastify: a Fastify plugin that registers one webhook route. Inside its own
// encapsulated context it replaces every content-type parser with one that keeps the raw bytes,
// so the rest of the app keeps Fastify's JSON parsing.

const axhook = require('./index.cjs')

const { Receiver } = axhook
const { isBytes, bodyBytes, readStream, answerBody, logOutcome, PARSED_LOG, PARSED_VERDICT } =
  axhook[Symbol.for('axhook.internal')]

/** Fastify's pino logger, called the way `logOutcome` calls `console`. */
function pinoAdapter(log) {
  return { error: (message, err) => (err === undefined ? log.error(message) : log.error({ err }, message)) }
}

/**
 * `fastify.register(axhookFastify, { receiver, path: '/webhooks/axcelerate' })`: a POST route at
 * `path` (default `/`, under the register prefix) answered by the receiver.
 */
async function axhookFastify(fastify, options) {
  const { receiver, path = '/', logger } = options ?? {}
  if (!(receiver instanceof Receiver)) {
    throw new TypeError('axhook/fastify: register(axhookFastify, { receiver }) takes a Receiver')
  }
  const limit = receiver.verifier.maxBodyBytes

  fastify.removeAllContentTypeParsers()
  fastify.addContentTypeParser('*', (request, payload, done) => {
    readStream(payload, limit).then((raw) => done(null, raw), done)
  })

  fastify.post(path, async (request, reply) => {
    const log = logger ?? pinoAdapter(request.log)
    const body = request.body ?? Buffer.alloc(0)
    reply.type('application/json')
    if (!isBytes(body)) {
      log.error(PARSED_LOG)
      return reply.code(PARSED_VERDICT[1]).send(answerBody(...PARSED_VERDICT))
    }
    const headers = request.raw.headersDistinct ?? request.raw.rawHeaders
    const result = await receiver.receive(headers, bodyBytes(body))
    logOutcome(log, result)
    return reply.code(result.status).send(answerBody(result.code, result.status, result.message))
  })
}

axhookFastify[Symbol.for('fastify.display-name')] = 'axhook'

// `require('axhook/fastify')` is the plugin itself, and also names it for `import { axhookFastify }`.
axhookFastify.axhookFastify = axhookFastify
axhookFastify.default = axhookFastify
module.exports = axhookFastify
