// The public API of axhook-wasm over the raw wasm-bindgen exports of src/lib.rs.
//
// This file converts and maps, nothing more: verification, dedupe verdicts and every status
// come from the Rust core. It uses no Node built-ins, so the same code runs in browsers,
// Cloudflare Workers, Deno, Vercel Edge and Node. scripts/build.js copies it next to each
// wasm-bindgen output (web, bundler, nodejs) and binds it to that output with createApi(raw).

/** Builds the API over one wasm-bindgen output. `ready()` says whether the module is
 * instantiated (the web output needs `await init()` first). */
function createApi(raw, ready = () => true) {
  /** A delivery refused (or a helper that could not read it): a stable `code` and the HTTP
   * `status` to answer, as in every axhook binding. */
  class VerificationError extends Error {
    constructor(code, status, message) {
      super(message);
      this.name = 'VerificationError';
      this.code = code;
      this.status = status;
    }
  }

  /** A Verifier or MemoryStore that cannot be built as configured (`code` is
   * `invalid_config`). */
  class ConfigError extends TypeError {
    constructor(message, code = 'invalid_config') {
      super(message);
      this.name = 'ConfigError';
      this.code = code;
    }
  }

  /** A dedupe store's failure: `lease_lost` (a late complete/release) or `store_unavailable`.
   * Stores written in JS throw it (or any error with such a `code`). */
  class StoreError extends Error {
    constructor(code, message = code) {
      super(message);
      this.name = 'StoreError';
      this.code = code;
    }
  }

  const notReady = () =>
    new Error('axhook-wasm is not initialised: `await init()` (or `initSync(...)`) first');

  /** Turns what a raw call threw into the package's errors. A trap (a Rust panic, which the
   * core is built never to reach) becomes an `internal_error` VerificationError. */
  function convertError(e) {
    if (e instanceof raw.Failure) {
      const code = e.code;
      const status = e.status;
      const message = e.message;
      e.free();
      if (code === 'invalid_config') return new ConfigError(message);
      if (code === 'invalid_argument') return new RangeError(message);
      if (code === 'lease_lost' || code === 'store_unavailable') return new StoreError(code, message);
      return new VerificationError(code, status, message);
    }
    if (typeof WebAssembly !== 'undefined' && e instanceof WebAssembly.RuntimeError) {
      let panic;
      try {
        panic = raw.takePanic();
      } catch {
        panic = undefined;
      }
      return new VerificationError(
        'internal_error',
        500,
        `axhook-wasm internal error: ${panic ?? e.message}`,
      );
    }
    return e;
  }

  function call(f) {
    if (!ready()) throw notReady();
    try {
      return f();
    } catch (e) {
      throw convertError(e);
    }
  }

  /** Milliseconds since the epoch from an optional `now` (a Date or a number). */
  function millis(now) {
    if (now === undefined || now === null) return Date.now();
    const ms = now instanceof Date ? now.getTime() : now;
    if (typeof ms !== 'number' || !Number.isFinite(ms)) {
      throw new TypeError('now must be a Date or a number of milliseconds since the epoch');
    }
    return ms;
  }

  // The core reads two headers, Ax-Signature-Version (20 characters) and Ax-Signature (12).
  // Only names of those lengths can match them, so only those pairs cross into wasm (one
  // entry per occurrence: the core sees repeats and decides). The core matches the names.
  let names;
  let lengths;
  const signatureHeaders = () => (names ??= raw.headerNames());
  const candidate = (name) => {
    lengths ??= signatureHeaders().map((n) => n.length);
    const n = name.length;
    return n === lengths[0] || n === lengths[1];
  };

  /** Every occurrence of a header that may be a signature header, packed into one string:
   * each name and value prefixed by its length and a colon (src/lib.rs unpacks it). */
  function packHeaders(headers) {
    let out = '';
    const add = (name, value) => {
      name = String(name);
      if (!candidate(name) || value === undefined || value === null) return;
      if (Array.isArray(value)) {
        for (let v of value) {
          v = String(v);
          out += `${name.length}:${name}${v.length}:${v}`;
        }
      } else {
        value = String(value);
        out += `${name.length}:${name}${value.length}:${value}`;
      }
    };
    if (headers === undefined || headers === null) return out;
    if (typeof headers !== 'object') throw new TypeError('headers must be a Headers object, an array or an object');
    if (Array.isArray(headers)) {
      if (headers.length > 0 && !Array.isArray(headers[0])) {
        // Node's rawHeaders: [name, value, name, value, …].
        for (let i = 0; i + 1 < headers.length; i += 2) add(headers[i], headers[i + 1]);
      } else {
        for (const pair of headers) add(pair[0], pair[1]);
      }
    } else if (typeof headers.forEach === 'function' && typeof headers.get === 'function' && !(headers instanceof Map)) {
      // A fetch Headers object: names match case-insensitively and a repeated header is
      // already joined by ", ", so asking for the two names gives what iterating would.
      for (const name of signatureHeaders()) add(name, headers.get(name));
    } else if (typeof headers[Symbol.iterator] === 'function') {
      for (const [name, value] of headers) add(name, value);
    } else {
      for (const name of Object.keys(headers)) add(name, headers[name]);
    }
    return out;
  }

  /** A body as bytes or text; an already-parsed body is refused at once. */
  function bodyOf(body) {
    if (typeof body === 'string' || body instanceof Uint8Array) return body;
    if (body instanceof ArrayBuffer) return new Uint8Array(body);
    if (ArrayBuffer.isView(body)) return new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
    if (body !== null && typeof body === 'object') {
      throw new VerificationError(
        'body_already_parsed',
        500,
        'the body was already parsed into an object by a JSON parser; pass the raw request body (a string or bytes), which is what was signed',
      );
    }
    throw new TypeError('body must be the raw request body: a string, a Uint8Array or an ArrayBuffer');
  }

  const OPTIONS = ['keys', 'clientKeys', 'allowedClientIds', 'allowUnsigned', 'maxAgeSeconds', 'maxFutureSkewSeconds', 'maxBodyBytes'];
  const configError = (message) => new ConfigError(`invalid verifier configuration: ${message}`);
  const isObject = (x) => x !== null && typeof x === 'object' && !Array.isArray(x);

  /** `[label, key, …]` from `{ label: key }`; keys are never echoed in errors. */
  function labelled(map, where) {
    if (map === undefined || map === null) return [];
    if (!isObject(map)) throw configError(`${where} must be an object of label → key`);
    const out = [];
    for (const [label, key] of Object.entries(map)) {
      if (typeof key !== 'string') throw configError(`${where}[${JSON.stringify(label)}] must be a string`);
      out.push(label, key);
    }
    return out;
  }

  /** The Verifier options (the fixtures' `verifier` shape) as WasmVerifier's arguments. */
  function verifierArgs(options) {
    if (!isObject(options)) throw configError('the options must be an object such as { keys: { current: "…" } }');
    for (const name of Object.keys(options)) {
      if (!OPTIONS.includes(name)) throw configError(`unknown option ${JSON.stringify(name)}; the options are ${OPTIONS.join(', ')}`);
    }
    const { clientKeys, allowedClientIds, allowUnsigned } = options;
    let perClient;
    if (clientKeys !== undefined && clientKeys !== null) {
      if (!isObject(clientKeys)) throw configError('clientKeys must be an object of clientId → { label: key }');
      perClient = [];
      for (const [id, keys] of Object.entries(clientKeys)) {
        const pairs = labelled(keys, `clientKeys[${JSON.stringify(id)}]`);
        for (let i = 0; i < pairs.length; i += 2) perClient.push(id, pairs[i], pairs[i + 1]);
      }
    }
    let ids;
    if (allowedClientIds !== undefined && allowedClientIds !== null) {
      if (!Array.isArray(allowedClientIds) || !allowedClientIds.every((id) => typeof id === 'number')) {
        throw configError('allowedClientIds must be an array of clientIds (numbers)');
      }
      ids = Float64Array.from(allowedClientIds);
    }
    if (allowUnsigned !== undefined && allowUnsigned !== null && typeof allowUnsigned !== 'boolean') {
      throw configError('allowUnsigned must be true or false');
    }
    const number = (name) => {
      const value = options[name];
      if (value === undefined || value === null) return undefined;
      if (typeof value !== 'number') throw configError(`${name} must be a number`);
      return value;
    };
    return [labelled(options.keys, 'keys'), perClient, ids, allowUnsigned === true,
      number('maxAgeSeconds'), number('maxFutureSkewSeconds'), number('maxBodyBytes')];
  }

  const encoder = new TextEncoder();
  const secretFree = (name) => `${name} { keys: [REDACTED] }`;
  const inspect = Symbol.for('nodejs.util.inspect.custom');

  /** Verifies aXcelerate deliveries. Built once; keys never leave wasm memory again. */
  class Verifier {
    #raw;
    #limit;

    /** `options` has the fixtures' shape: `{ keys: { current: '…' }, clientKeys,
     * allowedClientIds, allowUnsigned, maxAgeSeconds, maxFutureSkewSeconds, maxBodyBytes }`. */
    constructor(options = {}) {
      const args = verifierArgs(options);
      this.#raw = call(() => new raw.WasmVerifier(...args));
      this.#limit = this.#raw.maxBodyBytes;
    }

    /** The configured body limit in bytes. */
    get maxBodyBytes() {
      return this.#limit;
    }

    /** Verifies one delivery: `headers` as a fetch Headers, an array of pairs, Node's
     * rawHeaders or an object; `body` the raw body (string, Uint8Array or ArrayBuffer).
     * Returns a Delivery or throws a VerificationError. */
    verify(headers, body, { now } = {}) {
      const at = millis(now);
      const packed = packHeaders(headers);
      const input = bodyOf(body);
      const limit = this.#limit;
      let packedDelivery;
      if (typeof input === 'string') {
        // Past limit + 1 characters the UTF-8 body is over the limit whatever it holds: the
        // core sees that much and answers body_too_large without more being copied.
        const text = input.length > limit ? input.slice(0, limit + 1) : input;
        packedDelivery = call(() => this.#raw.verifyText(packed, text, at));
      } else {
        const bytes = input.length > limit ? input.subarray(0, limit + 1) : input;
        packedDelivery = call(() => this.#raw.verifyBytes(packed, bytes, at));
      }
      return new Delivery(packedDelivery, input);
    }

    /** Frees the verifier's wasm memory now (it is also freed when garbage-collected). */
    free() {
      this.#raw?.free();
      this.#raw = undefined;
    }

    toString() {
      return secretFree('Verifier');
    }

    toJSON() {
      return this.toString();
    }

    [inspect]() {
      return this.toString();
    }
  }

  /** A verified delivery. */
  class Delivery {
    #body;
    #message;
    #messageParsed = false;

    /** `packed` is what src/lib.rs `pack_delivery` writes: numbers, then the strings. */
    constructor(packed, body) {
      let at = packed.indexOf(';');
      const [clientId, millis, signed, typeLen, eventStart, idLen, labelLen, keyLen] = packed.slice(0, at).split(',').map(Number);
      const take = (n) => packed.slice(at, (at += n));
      at += 1;
      /** `namespace.event`, for example `contact.contact_updated`. */
      this.type = take(typeLen);
      /** The part of the type before its first dot. */
      this.namespace = this.type.slice(0, eventStart - 1);
      /** The part of the type after its first dot. */
      this.event = this.type.slice(eventStart);
      /** The aXcelerate account (a safe integer). */
      this.clientId = clientId;
      /** The delivery's id, the same on every retry. */
      this.messageId = take(idLen);
      /** When aXcelerate created the delivery. */
      this.timestamp = new Date(millis);
      /** The label of the key that matched; null when unsigned. */
      this.keyLabel = labelLen < 0 ? null : take(labelLen);
      /** Whether the delivery was signed and its signature verified. */
      this.signed = signed === 1;
      /** `clientId:messageId`, the key under which dedupe stores claim it. */
      this.dedupeKey = take(keyLen);
      /** The message's raw JSON text, exactly as in the body. */
      this.messageJson = packed.slice(at);
      this.#body = body;
    }

    /** The message as a JS value (parsed once, on first use). */
    get message() {
      if (!this.#messageParsed) {
        this.#message = JSON.parse(this.messageJson);
        this.#messageParsed = true;
      }
      return this.#message;
    }

    /** The body exactly as received, as bytes. */
    get rawBody() {
      if (typeof this.#body === 'string') this.#body = encoder.encode(this.#body);
      return this.#body;
    }

    toJSON() {
      return {
        type: this.type,
        clientId: this.clientId,
        messageId: this.messageId,
        timestamp: this.timestamp.toISOString(),
        keyLabel: this.keyLabel,
        signed: this.signed,
        message: this.message,
      };
    }
  }

  /** The core's bounded in-memory dedupe store (one isolate or process; see the README for
   * stores that are shared). Implements the store protocol that createFetchHandler takes. */
  class MemoryStore {
    #raw;

    constructor({ leaseSeconds, retentionSeconds, capacity } = {}) {
      this.#raw = call(() => new raw.WasmMemoryStore(leaseSeconds, retentionSeconds, capacity));
    }

    /** Claims `key` (`clientId:messageId`): `{ status: 'new', ticket }`, `{ status: 'duplicate' }`
     * or `{ status: 'in_progress' }`. */
    claim(key, now) {
      const at = millis(now);
      const claim = call(() => this.#raw.claim(String(key), at));
      try {
        const status = claim.code;
        return status === 'new' ? { status, ticket: { key: String(key), token: claim.token } } : { status };
      } finally {
        claim.free();
      }
    }

    /** Marks a claimed delivery processed; throws a StoreError `lease_lost` for a stale ticket. */
    complete(ticket, now) {
      const at = millis(now);
      call(() => this.#raw.complete(String(ticket?.key), String(ticket?.token), at));
    }

    /** Gives a claim up so that the next retry is processed. */
    release(ticket) {
      call(() => this.#raw.release(String(ticket?.key), String(ticket?.token)));
    }

    /** How many ids the store holds. */
    get size() {
      return call(() => this.#raw.size);
    }

    free() {
      this.#raw?.free();
      this.#raw = undefined;
    }
  }

  const messageOf = (e) => {
    if (e instanceof Error) return e.message || e.name;
    return String(e);
  };

  function outcomeFrom(handle, delivery) {
    try {
      return { status: handle.status, code: handle.code, message: handle.message, delivery };
    } finally {
      handle.free();
    }
  }

  /** A Verifier, a dedupe store and handlers routed by event type. */
  class Receiver {
    #routes = [];

    /** `store` is a MemoryStore (the default) or any object with async
     * `claim(key, now)`, `complete(ticket, now)` and `release(ticket)`. */
    constructor(verifier, { store } = {}) {
      if (!(verifier instanceof Verifier)) throw new TypeError('Receiver needs a Verifier');
      this.verifier = verifier;
      this.store = store ?? new MemoryStore();
    }

    /** Runs `handler(delivery)` for deliveries whose type matches `pattern`: `*`,
     * `namespace.*` or an exact type. Handlers run in the order they were added. */
    on(pattern, handler) {
      if (typeof pattern !== 'string') throw new TypeError('pattern must be a string such as "contact.*"');
      if (typeof handler !== 'function') throw new TypeError('handler must be a function');
      this.#routes.push([pattern, handler]);
      return this;
    }

    /** Verifies, claims, runs the matching handlers once and settles the claim. Resolves to
     * `{ status, code, message, delivery }`: the HTTP answer and what happened. */
    async receive(headers, body, { now, store = this.store } = {}) {
      const at = millis(now);
      let delivery;
      try {
        delivery = this.verifier.verify(headers, body, { now: at });
      } catch (e) {
        if (e instanceof VerificationError) {
          return { status: e.status, code: e.code, message: e.message, delivery: null };
        }
        throw e;
      }
      let answer;
      let failure;
      try {
        answer = await store.claim(delivery.dedupeKey, new Date(at));
      } catch (e) {
        failure = messageOf(e);
      }
      const status = typeof answer === 'string' ? answer : answer?.status;
      const early = call(() => raw.verdictAfterClaim(String(status), failure));
      if (early) return outcomeFrom(early, delivery);
      const ticket = answer.ticket;
      let handlerError;
      try {
        for (const [pattern, handler] of this.#routes) {
          if (call(() => raw.patternMatches(pattern, delivery.type))) await handler(delivery);
        }
      } catch (e) {
        handlerError = messageOf(e) || 'the handler failed';
      }
      let settleCode;
      let settleMessage;
      try {
        if (handlerError === undefined) await store.complete(ticket, new Date(now === undefined || now === null ? Date.now() : at));
        else await store.release(ticket);
      } catch (e) {
        settleCode = typeof e?.code === 'string' ? e.code : 'store_unavailable';
        settleMessage = messageOf(e);
      }
      return outcomeFrom(call(() => raw.verdictAfterSettle(handlerError, settleCode, settleMessage)), delivery);
    }
  }

  const alreadyRead = () =>
    new VerificationError(
      'body_already_parsed',
      500,
      'the request body was already read; verify before anything else reads it, the signature covers the raw bytes',
    );

  /** Reads a request body once, stopping one byte past `limit` (which is all the core needs
   * to answer body_too_large). */
  async function readBody(request, limit) {
    if (request.bodyUsed) throw alreadyRead();
    if (!request.body) return new Uint8Array(0);
    const reader = request.body.getReader();
    const chunks = [];
    let total = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      total += value.length;
      if (total > limit) {
        await reader.cancel().catch(() => {});
        break;
      }
    }
    if (chunks.length === 1) return chunks[0];
    const body = new Uint8Array(total);
    let offset = 0;
    for (const chunk of chunks) {
      body.set(chunk, offset);
      offset += chunk.length;
    }
    return body;
  }

  /** Verifies a fetch Request: reads its body once and returns the Delivery (whose `rawBody`
   * holds the bytes read), or throws a VerificationError. */
  async function verifyRequest(verifier, request, { now } = {}) {
    if (!(verifier instanceof Verifier)) throw new TypeError('verifyRequest needs a Verifier');
    const body = await readBody(request, verifier.maxBodyBytes);
    return verifier.verify(request.headers, body, { now });
  }

  // Messages that may carry a handler's or a store's internals stay out of responses.
  const PRIVATE = new Set(['handler_failed', 'store_unavailable', 'internal_error']);

  function respond(status, code, message) {
    const payload = PRIVATE.has(code) ? { code } : { code, message };
    return new Response(JSON.stringify(payload), {
      status,
      headers: { 'content-type': 'application/json; charset=utf-8' },
    });
  }

  /** A fetch handler, `(request) => Promise<Response>`, for Workers, Deno, Vercel Edge, Next.js
   * route handlers and Node 18+. `store` overrides the receiver's store; `onOutcome(outcome,
   * request)` sees every outcome (for logs and metrics). */
  function createFetchHandler(receiver, { store, onOutcome } = {}) {
    if (!(receiver instanceof Receiver)) throw new TypeError('createFetchHandler needs a Receiver');
    return async function handle(request) {
      let outcome;
      try {
        const body = await readBody(request, receiver.verifier.maxBodyBytes);
        outcome = await receiver.receive(request.headers, body, { store: store ?? receiver.store });
      } catch (e) {
        if (!(e instanceof VerificationError)) throw e;
        outcome = { status: e.status, code: e.code, message: e.message, delivery: null };
      }
      if (onOutcome) await onOutcome(outcome, request);
      return respond(outcome.status, outcome.code, outcome.message);
    };
  }

  /** Whether an event type matches a pattern (`*`, `namespace.*` or an exact type). */
  const patternMatches = (pattern, type) => call(() => raw.patternMatches(String(pattern), String(type)));

  /** The event types aXcelerate is known to send (the list is open). */
  const knownEvents = () => call(() => raw.knownEvents());

  /** Test helpers: what aXcelerate sends, signed with the core's signer. */
  const toBytes = (body) => (typeof body === 'string' ? new TextEncoder().encode(body) : bodyOf(body));
  const sign = (body, key) => call(() => raw.sign(String(key), toBytes(body)));
  const signedHeaders = (body, key) => ({ 'Ax-Signature-Version': '1', 'Ax-Signature': sign(body, key) });
  const unsignedHeaders = () => ({ 'Ax-Signature-Version': '0', 'Ax-Signature': '' });

  return {
    Verifier,
    Delivery,
    VerificationError,
    ConfigError,
    StoreError,
    MemoryStore,
    Receiver,
    verifyRequest,
    createFetchHandler,
    patternMatches,
    knownEvents,
    testing: { sign, signedHeaders, unsignedHeaders },
  };
}

export { createApi };
