'use strict'
// The `axhook` package: the native core (../native.cjs, built by napi-rs) wrapped in Node idioms.
// Everything that decides — verification, codes, statuses, dedupe verdicts — happens in Rust;
// this file converts headers, bodies and clocks, and names the fields of what comes back.

const { fileURLToPath } = require('node:url')
const { inspect } = require('node:util')
const native = require('../native.cjs')

const [VERSION_HEADER, SIGNATURE_HEADER] = native.signatureHeaderNames()
const VERSION_LOWER = VERSION_HEADER.toLowerCase()
const SIGNATURE_LOWER = SIGNATURE_HEADER.toLowerCase()

/** The event types aXcelerate is known to send (the list is open: unknown types still flow). */
const KNOWN_EVENTS = Object.freeze(native.knownEvents())

/** Every code the package can report, with its HTTP status (outcome codes: see Receiver). */
const CODES = Object.freeze(
  Object.fromEntries(native.codes().map(([code, status]) => [code, status ?? undefined])),
)

// ---------------------------------------------------------------------------------------------
// Errors

/** A delivery the core refused: `code` is stable across runtimes, `status` is the HTTP answer. */
class VerificationError extends Error {
  constructor(message, code, status) {
    super(message)
    this.code = code
    this.status = status
  }

  get name() {
    return 'VerificationError'
  }
}

/** A Verifier or MemoryStore that cannot be built as configured (`code`: `invalid_config`). */
class ConfigError extends Error {
  constructor(message, code = 'invalid_config') {
    super(message)
    this.code = code
  }

  get name() {
    return 'ConfigError'
  }
}

/** A dedupe store that could not answer: `lease_lost` or `store_unavailable`. */
class StoreError extends Error {
  constructor(message, code) {
    super(message)
    this.code = code
  }

  get name() {
    return 'StoreError'
  }
}

// ---------------------------------------------------------------------------------------------
// Conversions

// The core's verdict for a body a parser got to first: [code, status, message].
const PARSED_VERDICT = Object.freeze(native.bodyAlreadyParsed())
const BODY_ALREADY_PARSED = PARSED_VERDICT[0]

function parsedBodyError(body) {
  if (body === undefined || body === null) {
    return new TypeError(
      `axhook: the body is ${body}: pass the raw body as a Buffer, Uint8Array, ArrayBuffer or ` +
        "string (express.raw({ type: '*/*' }) on this route, `await request.arrayBuffer()` in a " +
        'fetch handler), or use the axhook/express and axhook/fastify helpers, which read it themselves.',
    )
  }
  const what = Array.isArray(body) ? 'an array' : `a${typeof body === 'object' ? 'n' : ''} ${typeof body}`
  const err = new TypeError(
    `axhook: the body is ${what}, not the raw bytes: a body parser (express.json(), a framework's ` +
      'JSON parser) already parsed it, and the signature covers the exact bytes sent. Pass the raw ' +
      "body as a Buffer, Uint8Array, ArrayBuffer or string: express.raw({ type: '*/*' }) on this " +
      'route, `await request.arrayBuffer()` in a fetch handler, or the axhook/express and ' +
      'axhook/fastify helpers, which read it themselves.',
  )
  err.code = BODY_ALREADY_PARSED
  return err
}

/** The body as a Buffer, without copying bytes that already are one. */
function bodyBytes(body) {
  if (Buffer.isBuffer(body)) return body
  if (typeof body === 'string') return Buffer.from(body, 'utf8')
  if (ArrayBuffer.isView(body)) return Buffer.from(body.buffer, body.byteOffset, body.byteLength)
  if (body instanceof ArrayBuffer || body instanceof SharedArrayBuffer) return Buffer.from(body)
  throw parsedBodyError(body)
}

function isBytes(body) {
  return typeof body === 'string' || ArrayBuffer.isView(body) || body instanceof ArrayBuffer
}

function isSignatureName(name) {
  if (name === SIGNATURE_LOWER || name === VERSION_LOWER) return true // Node's own casing
  const n = name.length
  if (n !== SIGNATURE_LOWER.length && n !== VERSION_LOWER.length) return false
  const lower = name.toLowerCase()
  return lower === SIGNATURE_LOWER || lower === VERSION_LOWER
}

// What collectHeaders found: the value of each signature header when it appears once, and every
// occurrence as flat [name, value, …] pairs when one repeats (the core then reports it).
let foundVersion
let foundSignature
let foundRepeat
const foundPairs = []

// `name` passed isSignatureName; the two names differ in length.
function found(name, value) {
  if (value === undefined || value === null) return
  if (Array.isArray(value)) {
    for (const v of value) found(name, v)
    return
  }
  const text = typeof value === 'string' ? value : String(value)
  foundPairs.push(name, text)
  if (name.length === VERSION_LOWER.length) {
    if (foundVersion === undefined) foundVersion = text
    else foundRepeat = true
  } else if (foundSignature === undefined) foundSignature = text
  else foundRepeat = true
}

/**
 * Reads the two signature headers — the only ones the core reads — from any header collection:
 * IncomingHttpHeaders or `req.headersDistinct` (an array value is several occurrences), a fetch
 * `Headers`, a Map, a plain object in any case, an array of [name, value] pairs, or flat
 * `rawHeaders`. Every occurrence is kept, so that the core sees a repeated header.
 */
function collectHeaders(headers) {
  foundVersion = undefined
  foundSignature = undefined
  foundRepeat = false
  foundPairs.length = 0
  if (headers === undefined || headers === null) return
  if (Array.isArray(headers)) {
    if (typeof headers[0] === 'string') {
      for (let i = 0; i + 1 < headers.length; i += 2) {
        if (isSignatureName(headers[i])) found(headers[i], headers[i + 1])
      }
    } else {
      for (const pair of headers) {
        if (pair && isSignatureName(String(pair[0]))) found(String(pair[0]), pair[1])
      }
    }
  } else if (headers instanceof Map) {
    for (const [name, value] of headers) if (isSignatureName(String(name))) found(String(name), value)
  } else if (typeof headers.get === 'function' && typeof headers.has === 'function') {
    // A fetch `Headers`: case-insensitive, and a repeated header is already joined by the runtime.
    found(VERSION_HEADER, headers.get(VERSION_HEADER))
    found(SIGNATURE_HEADER, headers.get(SIGNATURE_HEADER))
  } else if (typeof headers === 'object') {
    for (const name in headers) if (isSignatureName(name)) found(name, headers[name])
  } else {
    throw new TypeError(
      'axhook: headers must be IncomingHttpHeaders, a fetch Headers, a Map, a plain object or an array of [name, value] pairs',
    )
  }
}

// Results of native calls (layouts in src/wire.rs): numbers in a shared Float64Array, strings
// concatenated in the returned text, sliced apart here.
const resultNumbers = new Float64Array(native.resultSlots())
const resultBytes = Buffer.from(resultNumbers.buffer) // handed to every native verifier/receiver
let resultText = ''
let resultSlot = 0
let resultPos = 0

/**
 * Writes the inputs of a verify/begin call (src/lib.rs `single_headers`, `input_clock`): the
 * lengths of the headers found and the clock. Returns both header values as one string.
 */
function writeInputs(now) {
  resultNumbers[0] = foundVersion === undefined ? -1 : foundVersion.length
  resultNumbers[1] = foundSignature === undefined ? -1 : foundSignature.length
  resultNumbers[2] = now === undefined ? NaN : now
  return (foundVersion ?? '') + (foundSignature ?? '')
}

function readFrom(text) {
  resultText = text
  resultSlot = 0
  resultPos = 0
}

function readNumber() {
  return resultNumbers[resultSlot++]
}

function readText() {
  const n = resultNumbers[resultSlot++]
  if (n < 0) return null
  const s = resultText.slice(resultPos, resultPos + n)
  resultPos += n
  return s
}

function readDelivery(body) {
  const clientId = readNumber()
  const timestamp = readNumber()
  const messageStart = readNumber()
  const messageEnd = readNumber()
  const namespaceLength = readNumber()
  const eventStart = readNumber()
  const ascii = readNumber() === 1
  const type = readText()
  const messageId = readText()
  const keyLabel = readText()
  return new Delivery(type, namespaceLength, eventStart, clientId, messageId, timestamp, keyLabel, body, messageStart, messageEnd, ascii)
}

function readVerdict() {
  const status = readNumber()
  const code = readText()
  const message = readText()
  return [code, status, message]
}

/** The clock of a call as epoch milliseconds; `undefined` lets the core read the system clock. */
function nowMillis(options) {
  const now = options?.now
  if (now === undefined || now === null) return undefined
  const ms = now instanceof Date ? now.getTime() : typeof now === 'string' ? Date.parse(now) : now
  if (typeof ms !== 'number' || !Number.isFinite(ms)) {
    throw new TypeError('axhook: options.now must be a valid Date, epoch milliseconds or an ISO 8601 string')
  }
  return ms
}

// ---------------------------------------------------------------------------------------------
// Verifier and Delivery

const UNPARSED = Symbol('unparsed')

/** A verified aXcelerate delivery. The message is parsed from the body on first access. */
class Delivery {
  #start
  #end
  #ascii
  #message = UNPARSED

  /** @internal Deliveries come from `Verifier.verify` and `Receiver`. */
  constructor(type, namespaceLength, eventStart, clientId, messageId, timestamp, keyLabel, rawBody, start, end, ascii) {
    /** The event type, for example `contact.contact_updated`. */
    this.type = type
    /** The part of the type before its first dot. */
    this.namespace = type.slice(0, namespaceLength)
    /** The part of the type after its first dot. */
    this.event = type.slice(eventStart)
    /** The aXcelerate account that sent it. */
    this.clientId = clientId
    /** The delivery's id, the same on every retry. */
    this.messageId = messageId
    /** When aXcelerate created the delivery. */
    this.timestamp = new Date(timestamp)
    /** The label of the key that matched; `null` for an unsigned delivery. */
    this.keyLabel = keyLabel
    /** Whether the delivery was signed and its signature verified. */
    this.signed = keyLabel !== null
    /** The body exactly as received. */
    this.rawBody = rawBody
    this.#start = start
    this.#end = end
    this.#ascii = ascii
  }

  /** The message, parsed from the body on first access (V8's JSON.parse). */
  get message() {
    if (this.#message === UNPARSED) this.#message = JSON.parse(this.messageJson)
    return this.#message
  }

  /** The message's raw JSON text, exactly as it appears in the body. */
  get messageJson() {
    if (this.#end <= this.#start) return 'null'
    // The core checked the body is UTF-8; an ASCII message decodes fastest as Latin-1.
    return this.#ascii
      ? this.rawBody.latin1Slice(this.#start, this.#end)
      : this.rawBody.utf8Slice(this.#start, this.#end)
  }

  /** `clientId:messageId`, the key a dedupe store claims. */
  get dedupeKey() {
    return native.dedupeKey(this.clientId, this.messageId)
  }

  toJSON() {
    return {
      type: this.type,
      namespace: this.namespace,
      event: this.event,
      clientId: this.clientId,
      messageId: this.messageId,
      timestamp: this.timestamp.toISOString(),
      keyLabel: this.keyLabel,
      signed: this.signed,
      message: this.message,
    }
  }
}

let nativeVerifier // (Verifier) => NativeVerifier, for Receiver

/**
 * Verifies aXcelerate deliveries: signature, envelope, clientId rules and timestamp. Build it
 * once; it is immutable. Its keys never appear in `util.inspect`, `toString` or `JSON.stringify`.
 */
class Verifier {
  #native

  static {
    nativeVerifier = (v) => v.#native
  }

  constructor(config = {}) {
    if (config === null || typeof config !== 'object' || Array.isArray(config)) {
      throw new TypeError('axhook: new Verifier(config) takes an object: { keys: { label: key }, … }')
    }
    const built = native.createVerifier(JSON.stringify(config), resultBytes)
    if (Array.isArray(built)) throw new ConfigError(built[1], built[0])
    this.#native = built
  }

  /**
   * Verifies a delivery and returns it, or throws a `VerificationError`.
   * `body` must be the raw bytes (Buffer, Uint8Array, ArrayBuffer or string).
   */
  verify(headers, body, options) {
    const bytes = bodyBytes(body)
    collectHeaders(headers)
    const values = writeInputs(nowMillis(options))
    readFrom(foundRepeat ? this.#native.verifyRepeated(foundPairs, bytes) : this.#native.verify(values, bytes))
    if (readNumber() === 1) return readDelivery(bytes)
    const [code, status, message] = readVerdict()
    throw new VerificationError(message, code, status)
  }

  /** The largest body accepted, in bytes. */
  get maxBodyBytes() {
    return this.#native.maxBodyBytes
  }

  toString() {
    return `[${this.#native.describe()}]`
  }

  toJSON() {
    return { verifier: this.#native.describe() }
  }

  [inspect.custom]() {
    return this.#native.describe()
  }
}

// ---------------------------------------------------------------------------------------------
// Dedupe

let memoryNative // (store) => the NativeStore of a MemoryStore, or undefined
let ioNative // (store) => the NativeStore of a SqliteStore or RedisStore, or undefined

/** The NativeStore of a store of the core; undefined for a store written in JS. For Receiver. */
function nativeStore(store) {
  return memoryNative(store) ?? ioNative(store)
}

/** A store's answer to a claim, from the native `[code, ticketKey, token, message]`. */
function claimResult([code, ticketKey, token, message]) {
  if (code === 'new') return { code, ticket: { key: ticketKey, token } }
  if (message !== null && message !== undefined) throw new StoreError(message, code)
  return { code }
}

function settleResult(result) {
  if (result !== null) throw new StoreError(result[1], result[0])
}

function checkTicket(ticket) {
  if (!ticket || typeof ticket.key !== 'string' || typeof ticket.token !== 'string') {
    throw new TypeError('axhook: a ticket is the { key, token } object a "new" claim returned')
  }
}

/** A native store, or the ConfigError (`invalid_config`) or StoreError it was refused with. */
function built(store) {
  if (!Array.isArray(store)) return store
  const [code, message] = store
  throw code === 'invalid_config' ? new ConfigError(message, code) : new StoreError(message, code)
}

/**
 * The core's bounded in-memory dedupe store: claims with leases, completed ids kept for the
 * retention window. Per process: use a shared store (SqliteStore, RedisStore) for a fleet.
 * It never waits, so its methods are synchronous.
 */
class MemoryStore {
  #native

  static {
    memoryNative = (s) => (#native in s ? s.#native : undefined)
  }

  constructor(options = {}) {
    const { leaseSeconds, retentionSeconds, capacity } = options
    this.#native = built(native.createMemoryStore(leaseSeconds, retentionSeconds, capacity))
  }

  /** Claims `key`: `{ code: 'new', ticket }`, `{ code: 'duplicate' }` or `{ code: 'in_progress' }`. */
  claim(key, options) {
    return claimResult(this.#native.claim(String(key), nowMillis(options)))
  }

  /** Marks a claimed delivery processed; throws a `StoreError` (`lease_lost`) for a stale ticket. */
  complete(ticket, options) {
    checkTicket(ticket)
    settleResult(this.#native.complete(ticket.key, ticket.token, nowMillis(options)))
  }

  /** Gives a claim up so that the next retry is processed. */
  release(ticket) {
    checkTicket(ticket)
    settleResult(this.#native.release(ticket.key, ticket.token))
  }

  /** The number of ids held. */
  get size() {
    return this.#native.size
  }

  toString() {
    return `[${this.#native.describe()}]`
  }

  [inspect.custom]() {
    return this.#native.describe()
  }
}

/**
 * A store of the core that waits on I/O: every call runs on libuv's thread pool, never on the
 * event loop, and its methods return Promises. Errors are `StoreError`s with the core's codes.
 */
class IoStore {
  #native

  static {
    ioNative = (s) => (#native in s ? s.#native : undefined)
  }

  /** @internal */
  constructor(store) {
    this.#native = built(store)
  }

  /** Claims `key`: resolves to `{ code: 'new', ticket }`, `{ code: 'duplicate' }` or `{ code: 'in_progress' }`. */
  async claim(key, options) {
    return claimResult(await this.#native.claimAsync(String(key), nowMillis(options)))
  }

  /** Marks a claimed delivery processed; rejects with a `StoreError` (`lease_lost`) for a stale ticket. */
  async complete(ticket, options) {
    checkTicket(ticket)
    settleResult(await this.#native.completeAsync(ticket.key, ticket.token, nowMillis(options)))
  }

  /** Gives a claim up so that the next retry is processed. */
  async release(ticket) {
    checkTicket(ticket)
    settleResult(await this.#native.releaseAsync(ticket.key, ticket.token))
  }

  toString() {
    return `[${this.#native.describe()}]`
  }

  toJSON() {
    return { store: this.#native.describe() }
  }

  [inspect.custom]() {
    return this.#native.describe()
  }
}

/**
 * A persistent dedupe store in one SQLite file (WAL), shared safely by every process of a host:
 * completed ids survive restarts. The file is opened (created if need be) by the constructor;
 * a file that cannot be opened throws a `StoreError` (`store_unavailable`).
 */
class SqliteStore extends IoStore {
  constructor(path, options = {}) {
    if (typeof path !== 'string' && !(path instanceof URL)) {
      throw new TypeError('axhook: new SqliteStore(path, options?) takes the path of the file')
    }
    const file = path instanceof URL ? fileURLToPath(path) : path
    const { leaseSeconds, retentionSeconds } = options
    super(native.createSqliteStore(file, leaseSeconds, retentionSeconds))
  }
}

/**
 * A dedupe store in Redis (`redis://[:password@]host:port/db`), shared by a fleet of receivers:
 * one atomic script per call, keys under `prefix` with TTLs equal to the lease and retention.
 * It connects on first use; an unreachable Redis answers `store_unavailable` (a Receiver: 503,
 * nothing lost) within `timeoutSeconds`. The URL's password is never shown.
 */
class RedisStore extends IoStore {
  constructor(url, options = {}) {
    if (typeof url !== 'string' && !(url instanceof URL)) {
      throw new TypeError('axhook: new RedisStore(url, options?) takes a redis:// URL')
    }
    const { prefix, leaseSeconds, retentionSeconds, timeoutSeconds } = options
    super(native.createRedisStore(String(url), prefix, leaseSeconds, retentionSeconds, timeoutSeconds))
  }
}

// ---------------------------------------------------------------------------------------------
// Receiver

function failureMessage(err) {
  if (err instanceof Error) return err.message || err.name
  return String(err)
}

function outcome(verdict, delivery, error) {
  const [code, status, message] = verdict
  const result = { ok: status >= 200 && status < 300, status, code, message, delivery: delivery ?? null }
  if (error !== undefined) result.error = error
  return result
}

/**
 * A Verifier, a dedupe store and handlers: each delivery is verified, claimed, handled once and
 * settled, and the outcome says what to answer. `store` is a MemoryStore (default), a
 * SqliteStore, a RedisStore, or any object with async `claim`, `complete` and `release` in the
 * MemoryStore's shape.
 */
class Receiver {
  #verifier
  #store
  #native = null
  #blocking = false
  #routes = []

  constructor(verifier, store = new MemoryStore()) {
    if (!(verifier instanceof Verifier)) {
      throw new TypeError('axhook: new Receiver(verifier, store?) takes a Verifier')
    }
    const ownStore = typeof store === 'object' && store !== null ? nativeStore(store) : undefined
    if (ownStore !== undefined) {
      this.#native = new native.NativeReceiver(nativeVerifier(verifier), ownStore, resultBytes)
      // SQLite and Redis wait on I/O: their receiver verifies, claims and settles off the event loop.
      this.#blocking = ownStore.blocking
    } else if (!store || ['claim', 'complete', 'release'].some((m) => typeof store[m] !== 'function')) {
      throw new TypeError('axhook: a store has claim(key, { now }), complete(ticket, { now }) and release(ticket)')
    }
    this.#verifier = verifier
    this.#store = store
  }

  get verifier() {
    return this.#verifier
  }

  get store() {
    return this.#store
  }

  /**
   * Runs `handler` for deliveries whose type matches `pattern`: `*`, `namespace.*` or an exact
   * type. Every matching handler runs, in the order added; one that throws or rejects fails the
   * delivery (500 `handler_failed`) and releases its claim for the sender's retry.
   */
  on(pattern, handler) {
    if (typeof pattern !== 'string' || typeof handler !== 'function') {
      throw new TypeError('axhook: receiver.on(pattern, handler) takes a string and a function')
    }
    this.#routes.push([pattern, handler])
    return this
  }

  async #dispatch(delivery) {
    for (const [pattern, handler] of this.#routes) {
      if (native.patternMatches(pattern, delivery.type)) await handler(delivery)
    }
  }

  /**
   * Verifies, claims, handles and settles one delivery. Resolves to the outcome —
   * `{ ok, status, code, message, delivery, error? }` — and never rejects for a refused
   * delivery or a failed handler; only a body that is not bytes throws (`TypeError`).
   */
  async receive(headers, body, options) {
    const bytes = bodyBytes(body)
    const now = nowMillis(options)
    if (this.#native !== null) {
      collectHeaders(headers)
      const values = writeInputs(now)
      if (this.#blocking) {
        // The inputs are read before the call returns; the answer comes in buffers of its own,
        // copied into the shared ones here, where nothing else can run before they are read.
        const [text, numbers] = await (foundRepeat
          ? this.#native.beginRepeatedAsync(foundPairs, bytes)
          : this.#native.beginAsync(values, bytes))
        resultBytes.set(numbers)
        readFrom(text)
      } else {
        readFrom(foundRepeat ? this.#native.beginRepeated(foundPairs, bytes) : this.#native.begin(values, bytes))
      }
      const kind = readNumber()
      if (kind === 3) return outcome(readVerdict(), null)
      const id = kind === 1 ? readNumber() : -1
      const delivery = readDelivery(bytes)
      if (kind === 2) return outcome(readVerdict(), delivery)
      let failure = null
      let error
      try {
        await this.#dispatch(delivery)
      } catch (err) {
        error = err
        failure = failureMessage(err)
      }
      const verdict = this.#blocking
        ? await this.#native.finishAsync(id, failure, now)
        : this.#native.finish(id, failure, now)
      return outcome(verdict, delivery, error)
    }
    return this.#receiveWithStore(headers, bytes, now)
  }

  async #receiveWithStore(headers, bytes, now) {
    let delivery
    try {
      delivery = this.#verifier.verify(headers, bytes, { now })
    } catch (err) {
      if (err instanceof VerificationError) return outcome([err.code, err.status, err.message], null)
      throw err
    }
    const at = { now: new Date(now ?? Date.now()) }
    let claim
    let claimFailure = null
    try {
      claim = await this.#store.claim(delivery.dedupeKey, at)
    } catch (err) {
      claimFailure = failureMessage(err)
    }
    const claimCode = typeof claim === 'string' ? claim : (claim?.code ?? null)
    const refused = native.verdictAfterClaim(claimCode, claimFailure)
    if (refused) return outcome(refused, delivery)
    let failure = null
    let error
    try {
      await this.#dispatch(delivery)
    } catch (err) {
      error = err
      failure = failureMessage(err)
    }
    let settleCode = null
    let settleMessage = null
    try {
      if (failure === null) await this.#store.complete(claim.ticket, at)
      else await this.#store.release(claim.ticket)
    } catch (err) {
      settleCode = typeof err?.code === 'string' ? err.code : 'store_unavailable'
      settleMessage = failureMessage(err)
    }
    return outcome(native.verdictAfterSettle(failure, settleCode, settleMessage), delivery, error)
  }
}

// ---------------------------------------------------------------------------------------------
// HTTP answers shared by the framework helpers

const PARSED_LOG =
  `axhook: ${PARSED_VERDICT[1]} ${BODY_ALREADY_PARSED}: the webhook request reached axhook with its ` +
  'body already parsed by a body parser (express.json() mounted before it?), so the exact bytes ' +
  'the signature covers are gone. Mount the axhook handler before express.json() (or mount ' +
  "express.json() only on your other routes), or give this route express.raw({ type: '*/*' })."

/**
 * The JSON an HTTP helper answers with: the code, and the message where it tells the sender
 * nothing internal (a handler's or a store's failure is logged, not sent).
 */
function answerBody(code, status, message) {
  const expose = message && (status < 500 || code === BODY_ALREADY_PARSED)
  return JSON.stringify(expose ? { code, message } : { code })
}

/** Logs a 5xx outcome (handler failure, store failure) with its cause. */
function logOutcome(logger, result) {
  if (result.status < 500) return
  const d = result.delivery
  const about = d ? ` (${d.type} ${d.clientId}:${d.messageId})` : ''
  if (result.error !== undefined) logger.error(`axhook: ${result.status} ${result.code}${about}: ${result.message}`, result.error)
  else logger.error(`axhook: ${result.status} ${result.code}${about}: ${result.message}`)
}

/**
 * Reads at most `limit + 1` bytes of a Node stream (enough for the core to judge
 * `body_too_large`) and lets the rest drain.
 */
function readStream(stream, limit) {
  return new Promise((resolve, reject) => {
    const chunks = []
    let size = 0
    const cleanup = () => {
      stream.off('data', onData)
      stream.off('end', onEnd)
      stream.off('error', onError)
      stream.off('close', onClose)
    }
    const done = () => {
      cleanup()
      resolve(Buffer.concat(chunks, Math.min(size, limit + 1)))
    }
    const onData = (chunk) => {
      chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk)
      size += chunk.length
      if (size > limit) {
        done()
        stream.resume() // drain and discard the rest
      }
    }
    const onEnd = done
    const onError = (err) => {
      cleanup()
      reject(err)
    }
    const onClose = () => {
      cleanup()
      reject(new Error('axhook: the request was closed before its body ended'))
    }
    stream.on('data', onData)
    stream.on('end', onEnd)
    stream.on('error', onError)
    stream.on('close', onClose)
  })
}

/** Reads at most `limit + 1` bytes of a fetch body stream and cancels the rest. */
async function readWebStream(body, limit) {
  if (!body) return Buffer.alloc(0)
  const reader = body.getReader()
  const chunks = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    chunks.push(value)
    size += value.byteLength
    if (size > limit) {
      await reader.cancel()
      break
    }
  }
  return Buffer.concat(chunks, Math.min(size, limit + 1))
}

/**
 * A fetch-style handler (`Request` → `Response`) for Next.js App Router route handlers,
 * Hono, Bun, Deno and any server built on the fetch API:
 * `export const POST = createFetchHandler(receiver)`.
 * Note: fetch `Headers` join a repeated header into one value, which the core then refuses as
 * `malformed_signature` (not `duplicate_header`).
 */
function createFetchHandler(receiver, options = {}) {
  if (!(receiver instanceof Receiver)) throw new TypeError('axhook: createFetchHandler(receiver) takes a Receiver')
  const logger = options.logger ?? console
  const limit = receiver.verifier.maxBodyBytes
  const respond = (code, status, message) =>
    new Response(answerBody(code, status, message), {
      status,
      headers: { 'content-type': 'application/json' },
    })
  return async function axhookFetchHandler(request) {
    if (request.bodyUsed) {
      logger.error(PARSED_LOG)
      return respond(...PARSED_VERDICT)
    }
    const raw = await readWebStream(request.body, limit)
    const result = await receiver.receive(request.headers, raw)
    logOutcome(logger, result)
    return respond(result.code, result.status, result.message)
  }
}

module.exports = {
  Verifier,
  Delivery,
  VerificationError,
  ConfigError,
  StoreError,
  MemoryStore,
  SqliteStore,
  RedisStore,
  Receiver,
  createFetchHandler,
  patternMatches: (pattern, type) => native.patternMatches(String(pattern), String(type)),
  KNOWN_EVENTS,
  CODES,
  VERSION_HEADER,
  SIGNATURE_HEADER,
}

// For axhook/express, axhook/fastify and axhook/testing; not part of the public API.
Object.defineProperty(module.exports, Symbol.for('axhook.internal'), {
  value: Object.freeze({
    native,
    bodyBytes,
    isBytes,
    readStream,
    answerBody,
    logOutcome,
    PARSED_LOG,
    PARSED_VERDICT,
  }),
})
