'use strict'
// axhook/express: a route handler that reads the raw body itself (or takes it from
// express.raw() / req.rawBody), and answers with the core's status and code.

const axhook = require('./index.cjs')

const { Receiver, Verifier, VerificationError } = axhook
const { isBytes, bodyBytes, readStream, answerBody, logOutcome, PARSED_LOG, PARSED_VERDICT } =
  axhook[Symbol.for('axhook.internal')]

const PARSED = Symbol('parsed')

/**
 * The raw body of a request: `req.rawBody` or a bytes `req.body` when an earlier middleware kept
 * them, otherwise read from the stream (at most `limit + 1` bytes). `PARSED` when a body parser
 * consumed the stream and left only its parse: reading it again would hang.
 */
async function rawBody(req, limit) {
  if (isBytes(req.rawBody)) return bodyBytes(req.rawBody)
  if (isBytes(req.body)) return bodyBytes(req.body)
  if (req.readableEnded || req._body === true) return PARSED
  return readStream(req, limit)
}

/** Every occurrence of every header: Node joins a repeated header with a comma in `req.headers`. */
function distinctHeaders(req) {
  return req.headersDistinct ?? req.rawHeaders ?? req.headers
}

function send(res, status, code, message) {
  res.statusCode = status
  res.setHeader('content-type', 'application/json')
  res.end(answerBody(code, status, message))
}

/**
 * Express middleware for aXcelerate deliveries.
 *
 * - With a `Receiver`: verifies, deduplicates, runs the receiver's handlers and answers the
 *   request (`app.post('/webhooks/axcelerate', middleware(receiver))`).
 * - With a `Verifier`: verifies only, sets `req.axhook` to the `Delivery` and calls `next()`;
 *   a refused delivery is answered with its status and code.
 *
 * Mount it before `express.json()` (or keep `express.json()` off this route): a body parsed
 * into an object is answered 500 `body_already_parsed` with a log line saying so.
 */
function middleware(target, options = {}) {
  const isReceiver = target instanceof Receiver
  if (!isReceiver && !(target instanceof Verifier)) {
    throw new TypeError('axhook/express: middleware(target) takes a Receiver or a Verifier')
  }
  const verifier = isReceiver ? target.verifier : target
  const logger = options.logger ?? console
  const limit = verifier.maxBodyBytes

  async function handle(req, res, next) {
    const raw = await rawBody(req, limit)
    if (raw === PARSED) {
      logger.error(PARSED_LOG)
      return send(res, PARSED_VERDICT[1], PARSED_VERDICT[0], PARSED_VERDICT[2])
    }
    const headers = distinctHeaders(req)
    if (isReceiver) {
      const result = await target.receive(headers, raw)
      logOutcome(logger, result)
      return send(res, result.status, result.code, result.message)
    }
    try {
      req.axhook = verifier.verify(headers, raw)
    } catch (err) {
      if (err instanceof VerificationError) return send(res, err.status, err.code, err.message)
      throw err
    }
    return next()
  }

  return function axhookMiddleware(req, res, next) {
    handle(req, res, next).catch(next)
  }
}

module.exports = { middleware, default: middleware }
