// Test cases shared by Node (nodejs output) and headless Chromium (web output). Each runner
// takes the package's API and returns `{ name, ok, detail }` results; it uses only what both
// runtimes have (no Node built-ins), so the very same code runs in both.

const result = (name, ok, detail = '') => ({ name, ok: Boolean(ok), detail: ok ? '' : String(detail) });

function base64Bytes(text) {
  const bin = atob(text);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

const sameBytes = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);

/** Every case of fixtures/vectors.json; a text body is verified both as a string and as bytes. */
export function runVectors(api, file) {
  const results = [];
  for (const c of file.cases) {
    const now = new Date(c.now ?? file.now);
    const bodies = c.body !== null
      ? [['text', c.body], ['bytes', new TextEncoder().encode(c.body)]]
      : [['bytes', base64Bytes(c.bodyBase64)]];
    for (const [kind, body] of bodies) {
      const name = `${c.name} (${kind})`;
      let got;
      let extra = '';
      try {
        const verifier = new api.Verifier(c.verifier);
        const d = verifier.verify(c.headers, body, { now });
        got = {
          ok: true, type: d.type, namespace: d.namespace, event: d.event, clientId: d.clientId,
          messageId: d.messageId, timestamp: d.timestamp.toISOString(),
          timestampMillis: d.timestamp.getTime(), keyLabel: d.keyLabel, signed: d.signed,
        };
        const raw = typeof body === 'string' ? new TextEncoder().encode(body) : body;
        if (!sameBytes(d.rawBody, raw)) extra += ' rawBody differs;';
        const whole = JSON.parse(new TextDecoder().decode(raw));
        if (JSON.stringify(d.message) !== JSON.stringify(whole.message)) extra += ' message differs;';
        verifier.free();
      } catch (e) {
        if (!(e instanceof api.VerificationError)) {
          results.push(result(name, false, `threw ${e?.name}: ${e?.message}`));
          continue;
        }
        got = { ok: false, code: e.code, status: e.status };
      }
      const want = c.expect.ok
        ? Object.fromEntries(Object.keys(got).map((k) => [k, c.expect[k]]))
        : { ok: false, code: c.expect.code, status: c.expect.status };
      const same = JSON.stringify(got) === JSON.stringify(want) && extra === '';
      results.push(result(name, same, `expected ${JSON.stringify(want)}, got ${JSON.stringify(got)}${extra}`));
    }
  }
  return results;
}

/** A case's body: `body` (text, also verified as bytes), `bodyBase64`, or `bodyGenerated`
 * (prefix + repeat × count + suffix: the 10 MiB and 100,000-deep bodies of hostile.json). */
export function caseBodies(c) {
  if (typeof c.body === 'string') return [['text', c.body], ['bytes', new TextEncoder().encode(c.body)]];
  if (typeof c.bodyBase64 === 'string') return [['bytes', base64Bytes(c.bodyBase64)]];
  const g = c.bodyGenerated;
  if (g) {
    const text = g.prefix + g.repeat.repeat(g.count) + g.suffix;
    return [['text', text], ['bytes', new TextEncoder().encode(text)]];
  }
  throw new Error(`case ${c.name} has no body, bodyBase64 or bodyGenerated`);
}

/** Every case of fixtures/hostile.json (issue 9's corpus): the headers exactly as stored (NUL,
 * CR, LF, non-ASCII), each body as text and as bytes, directly and through a Receiver; each
 * must end in the fixture's code and status, or be accepted with its fields. */
export async function runHostileFixture(api, file) {
  const results = [];
  for (const c of file.cases) {
    const now = new Date(c.now ?? file.now);
    const e = c.expect;
    let bodies;
    try {
      bodies = caseBodies(c);
    } catch (err) {
      results.push(result(c.name, false, err.message));
      continue;
    }
    const want = e.ok
      ? { ok: true, type: e.type, namespace: e.namespace, event: e.event, clientId: e.clientId, messageId: e.messageId,
        timestamp: e.timestamp, timestampMillis: e.timestampMillis, keyLabel: e.keyLabel, signed: e.signed }
      : { ok: false, code: e.code, status: e.status };
    for (const [kind, body] of bodies) {
      const name = `${c.name} (${kind})`;
      let got;
      let extra = '';
      let verifier;
      try {
        verifier = new api.Verifier(c.verifier);
        const d = verifier.verify(c.headers, body, { now });
        got = {
          ok: true, type: d.type, namespace: d.namespace, event: d.event, clientId: d.clientId, messageId: d.messageId,
          timestamp: d.timestamp.toISOString(), timestampMillis: d.timestamp.getTime(), keyLabel: d.keyLabel, signed: d.signed,
        };
        const raw = typeof body === 'string' ? new TextEncoder().encode(body) : body;
        if (!sameBytes(d.rawBody, raw)) extra += ' rawBody differs;';
        const whole = JSON.parse(new TextDecoder().decode(raw));
        if (JSON.stringify(d.message) !== JSON.stringify(whole.message)) extra += ' message differs;';
      } catch (err) {
        if (!(err instanceof api.VerificationError)) {
          results.push(result(name, false, `threw ${err?.name}: ${err?.message}`));
          verifier?.free();
          continue;
        }
        got = { ok: false, code: err.code, status: err.status };
      }
      let same = JSON.stringify(got) === JSON.stringify(want) && extra === '';
      // Through a Receiver with the core's MemoryStore: the same verdict, or processed.
      if (same && kind === 'bytes') {
        const store = new api.MemoryStore();
        const outcome = await new api.Receiver(verifier, { store }).receive(c.headers, body, { now });
        const answer = `${outcome.status} ${outcome.code}`;
        const expected = e.ok ? '200 processed' : `${e.status} ${e.code}`;
        if (answer !== expected) extra += ` Receiver answered ${answer}, expected ${expected};`;
        same = extra === '';
        store.free();
      }
      verifier?.free();
      results.push(result(name, same, `expected ${JSON.stringify(want)}, got ${JSON.stringify(got)}${extra}`));
    }
  }
  return results;
}

/** toString, String() and JSON.stringify of the objects that hold a key never show it (the
 * Node test adds util.inspect). Returns one result per object and rendering. */
export function runSecrets(api) {
  const SECRET = 'wasm-s3cret-key-value';
  const CLIENT_SECRET = 'wasm-cl1ent-s3cret-value';
  const verifier = new api.Verifier({ keys: { current: SECRET, previous: `${SECRET}-old` }, clientKeys: { 7: { own: CLIENT_SECRET } } });
  const store = new api.MemoryStore();
  const receiver = new api.Receiver(verifier, { store });
  const handler = api.createFetchHandler(receiver);
  const results = [];
  const objects = [['Verifier', verifier], ['Receiver', receiver], ['MemoryStore', store], ['fetch handler', handler],
    ['Receiver options', { verifier, store }]];
  for (const [what, value] of objects) {
    const shown = [
      ['toString', String(value.toString())], ['String()', String(value)], ['template', `${value}`],
      ['JSON.stringify', String(JSON.stringify(value))], ['JSON.stringify nested', JSON.stringify({ value, list: [value] })],
      ['Object.values', JSON.stringify(Object.values(value))],
    ];
    for (const [how, text] of shown) {
      const leaked = text.includes(SECRET) || text.includes(CLIENT_SECRET);
      results.push(result(`secrets: ${what} ${how}`, !leaked, `shows a key: ${text}`));
    }
  }
  results.push(result('secrets: the Verifier says it is redacted', String(verifier).includes('REDACTED'), String(verifier)));
  for (const [how, make] of [['misplaced key', () => new api.Verifier({ keys: SECRET })],
    ['key as a clientKeys map', () => new api.Verifier({ clientKeys: { 7: CLIENT_SECRET } })],
    ['key as a number option', () => new api.Verifier({ keys: { current: SECRET }, maxAgeSeconds: SECRET })]]) {
    let text = 'no error';
    try {
      make();
    } catch (err) {
      text = `${err?.name} ${err?.message} ${err?.stack}`;
    }
    const leaked = text.includes(SECRET) || text.includes(CLIENT_SECRET);
    results.push(result(`secrets: config error for a ${how}`, text !== 'no error' && !leaked, text));
  }
  let mismatch = 'accepted';
  try {
    const body = deliveryBody({ clientId: 1 });
    verifier.verify(api.testing.signedHeaders(body, 'another-key'), body);
  } catch (err) {
    mismatch = `${err?.code} ${err?.message} ${err?.stack}`;
  }
  results.push(result('secrets: a signature mismatch', mismatch.startsWith('signature_mismatch') && !mismatch.includes(SECRET), mismatch));
  store.free();
  verifier.free();
  return results;
}

/** Every sequence of fixtures/dedupe.json against a fresh MemoryStore. */
export function runDedupe(api, file) {
  const start = Date.parse(file.start);
  const results = [];
  for (const seq of file.sequences) {
    const store = new api.MemoryStore({
      leaseSeconds: seq.store.leaseSeconds,
      retentionSeconds: seq.store.retentionSeconds,
      capacity: 1000,
    });
    const tickets = new Map();
    const failures = [];
    seq.steps.forEach((step, i) => {
      const at = new Date(start + step.at * 1000);
      let got;
      try {
        if (step.op === 'claim') {
          const claim = store.claim(step.key, at);
          got = claim.status;
          if (claim.status === 'new') tickets.set(step.ticket, claim.ticket);
        } else {
          const ticket = tickets.get(step.ticket);
          if (step.op === 'complete') store.complete(ticket, at);
          else store.release(ticket);
          got = 'ok';
        }
      } catch (e) {
        got = e instanceof api.StoreError ? e.code : `threw ${e?.name}: ${e?.message}`;
      }
      if (got !== step.expect) failures.push(`step ${i} ${step.op}: expected ${step.expect}, got ${got}`);
    });
    store.free();
    results.push(result(`dedupe ${seq.name}`, failures.length === 0, failures.join('; ')));
  }
  return results;
}

/** A delivery body as aXcelerate sends it. */
export function deliveryBody({ type = 'contact.contact_updated', messageId, clientId = 12345678, at = Date.now(), message } = {}) {
  return JSON.stringify({
    type,
    message: message ?? { contact: { id: 745678, givenName: 'Ada', surname: 'Lovelace' } },
    clientId,
    messageId: messageId ?? crypto.randomUUID(),
    timestamp: new Date(at).toISOString(),
  });
}

/** A dedupe store written in JS, as one over Workers KV or a database would be: async, with
 * its own tickets. `failClaim`/`loseLease` simulate an outage and a lease taken over. */
export function jsStore() {
  const entries = new Map();
  const calls = [];
  const store = {
    calls,
    failClaim: false,
    loseLease: false,
    async claim(key, now) {
      calls.push(['claim', key]);
      await null;
      if (store.failClaim) throw new Error('database unreachable');
      const e = entries.get(key);
      if (e?.done) return { status: 'duplicate' };
      if (e && e.until > now.getTime()) return { status: 'in_progress' };
      const token = crypto.randomUUID();
      entries.set(key, { token, until: now.getTime() + 300_000 });
      return { status: 'new', ticket: { key, token } };
    },
    async complete(ticket) {
      calls.push(['complete', ticket.key]);
      const e = entries.get(ticket.key);
      if (store.loseLease || e?.token !== ticket.token) {
        const err = new Error('lease taken over');
        err.code = 'lease_lost';
        throw err;
      }
      entries.set(ticket.key, { done: true });
    },
    async release(ticket) {
      calls.push(['release', ticket.key]);
      if (entries.get(ticket.key)?.token === ticket.token) entries.delete(ticket.key);
    },
  };
  return store;
}

async function answer(response) {
  const payload = await response.json();
  return `${response.status} ${payload.code}`;
}

/** The fetch handler and verifyRequest with real Request/Response objects. */
export async function runFetch(api) {
  const { Verifier, Receiver, MemoryStore, createFetchHandler, verifyRequest, VerificationError, testing } = api;
  const key = 'ax-private-key-fetch';
  const verifier = new Verifier({ keys: { current: key } });
  const url = 'http://127.0.0.1/webhooks/axcelerate';
  const post = (body, headers) => new Request(url, { method: 'POST', headers, body });
  const signed = (body) => post(body, { 'content-type': 'application/json', ...testing.signedHeaders(body, key) });
  const results = [];
  const check = (name, got, want) => results.push(result(name, got === want, `expected ${want}, got ${got}`));

  // The in-memory store: valid, duplicate, tampered, handler rejection and its retry.
  const seen = [];
  const receiver = new Receiver(verifier, { store: new MemoryStore() })
    .on('contact.*', async (d) => {
      await null;
      if (d.message.contact?.fail) throw new Error('CRM is down');
      seen.push(d.messageId);
    })
    .on('student.workshop_enrolment_created', (d) => seen.push(`enrolment ${d.clientId}`));
  const handle = createFetchHandler(receiver);
  const body = deliveryBody();
  const id = JSON.parse(body).messageId;
  check('fetch: valid delivery is processed', await answer(await handle(signed(body))), '200 processed');
  check('fetch: the handler ran once with the delivery', seen.join(), id);
  check('fetch: a retry is a duplicate', await answer(await handle(signed(body))), '200 duplicate');
  check('fetch: the handler did not run again', seen.length, 1);
  const tampered = body.replace('Lovelace', 'Lovelacf');
  const forged = post(tampered, testing.signedHeaders(body, key));
  check('fetch: a tampered body is refused', await answer(await handle(forged)), '401 signature_mismatch');
  check('fetch: no signature headers', await answer(await handle(post(body, {}))), '401 missing_signature_version');
  const failing = deliveryBody({ message: { contact: { id: 1, fail: true } } });
  const rejected = await handle(signed(failing));
  check('fetch: a handler rejection answers 500', await answer(rejected.clone()), '500 handler_failed');
  check('fetch: the handler error stays private', JSON.stringify(await rejected.json()).includes('CRM'), false);
  const retryOk = new Receiver(verifier, { store: receiver.store }).on('*', () => {});
  check('fetch: after a rejection the retry is processed', await answer(await createFetchHandler(retryOk)(signed(failing))), '200 processed');
  const enrolment = deliveryBody({ type: 'student.workshop_enrolment_created', clientId: 42 });
  check('fetch: routes by exact type', await answer(await handle(signed(enrolment))), '200 processed');
  check('fetch: exact-type handler ran', seen.at(-1), 'enrolment 42');
  const other = deliveryBody({ type: 'trainer.trainer_created' });
  check('fetch: an unrouted type is acknowledged', await answer(await handle(signed(other))), '200 processed');
  const old = deliveryBody({ at: Date.now() - 15 * 86_400_000 });
  check('fetch: a stale replay is refused', await answer(await handle(signed(old))), '401 timestamp_too_old');
  const small = createFetchHandler(new Receiver(new Verifier({ keys: { current: key }, maxBodyBytes: 64 })));
  check('fetch: a large body is refused', await answer(await small(signed(body))), '413 body_too_large');
  const used = signed(body);
  await used.text();
  check('fetch: a body already read', await answer(await handle(used)), '500 body_already_parsed');
  const outcomes = [];
  const observed = createFetchHandler(receiver, { onOutcome: (o) => outcomes.push(`${o.code} ${o.delivery?.messageId}`) });
  await observed(signed(body));
  check('fetch: onOutcome sees the outcome', outcomes.join(), `duplicate ${id}`);

  // A JS store object with async claim/complete/release.
  const store = jsStore();
  const jsSeen = [];
  const jsReceiver = new Receiver(verifier).on('*', async (d) => jsSeen.push(d.messageId));
  const withStore = createFetchHandler(jsReceiver, { store });
  const body2 = deliveryBody();
  const key2 = `12345678:${JSON.parse(body2).messageId}`;
  check('store: valid delivery is processed', await answer(await withStore(signed(body2))), '200 processed');
  check('store: claim then complete on the JS store', store.calls.map((c) => c.join(' ')).join(), `claim ${key2},complete ${key2}`);
  check('store: a retry is a duplicate', await answer(await withStore(signed(body2))), '200 duplicate');
  check('store: the handler ran once', jsSeen.length, 1);
  check('store: the in-memory store was not used', jsReceiver.store.size, 0);
  store.failClaim = true;
  check('store: an unreachable store answers 503', await answer(await withStore(signed(deliveryBody()))), '503 store_unavailable');
  store.failClaim = false;
  store.loseLease = true;
  check('store: a lease lost meanwhile', await answer(await withStore(signed(deliveryBody()))), '200 lease_lost');
  store.loseLease = false;
  const failingStore = createFetchHandler(new Receiver(verifier).on('*', () => { throw new Error('no'); }), { store });
  const body3 = deliveryBody();
  check('store: handler rejection releases the claim', await answer(await failingStore(signed(body3))), '500 handler_failed');
  check('store: release was called', store.calls.at(-1)[0], 'release');
  check('store: the retry is processed', await answer(await withStore(signed(body3))), '200 processed');
  const weird = createFetchHandler(jsReceiver, { store: { claim: async () => ({ status: 'maybe' }), complete() {}, release() {} } });
  check('store: a nonsense claim answer is unavailability', await answer(await weird(signed(deliveryBody()))), '503 store_unavailable');

  // verifyRequest: reads the body once and keeps it.
  const request = signed(body);
  const d = await verifyRequest(verifier, request);
  check('verifyRequest: the delivery', d.messageId, id);
  check('verifyRequest: the raw body is kept', new TextDecoder().decode(d.rawBody), body);
  let code = 'none';
  try {
    await verifyRequest(verifier, request);
  } catch (e) {
    code = e instanceof VerificationError ? `${e.status} ${e.code}` : `${e?.name}`;
  }
  check('verifyRequest: a second read', code, '500 body_already_parsed');
  try {
    await verifyRequest(verifier, post(tampered, testing.signedHeaders(body, key)));
    code = 'accepted';
  } catch (e) {
    code = e instanceof VerificationError ? `${e.status} ${e.code}` : `${e?.name}`;
  }
  check('verifyRequest: tampered', code, '401 signature_mismatch');
  // Streamed bodies larger than the limit stop being read past it.
  let pulled = 0;
  const stream = new ReadableStream({
    pull(controller) {
      pulled += 1;
      if (pulled > 1000) controller.close();
      else controller.enqueue(new Uint8Array(1024));
    },
  });
  const big = new Request(url, { method: 'POST', headers: testing.signedHeaders(body, key), body: stream, duplex: 'half' });
  check('fetch: a streamed oversize body', await answer(await small(big)), '413 body_too_large');
  check('fetch: reading stopped near the limit', pulled < 10, true);
  return results;
}

/** Deterministic pseudo-random numbers (xorshift32). */
function prng(seed) {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

/** Hostile inputs: every call must end in a Delivery or a typed error, never a trap. */
export function runHostile(api, file) {
  const { Verifier, MemoryStore, VerificationError, ConfigError, StoreError } = api;
  const results = [];
  const allowed = (e) =>
    (e instanceof VerificationError && e.code !== 'internal_error') ||
    e instanceof ConfigError || e instanceof StoreError || e instanceof TypeError || e instanceof RangeError;
  const attempt = (name, f) => {
    try {
      f();
      return null;
    } catch (e) {
      return allowed(e) ? null : `${name}: ${e?.name} ${e?.code ?? ''} ${e?.message}`;
    }
  };
  const failures = [];
  const note = (x) => x && failures.push(x);
  const random = prng(0xa11ce);
  const verifier = new Verifier({ keys: { current: 'k1' }, clientKeys: { 7: { own: 'k7' } } });
  const open = new Verifier({ allowUnsigned: true });
  const bodies = file.cases.map((c) => (c.body !== null ? new TextEncoder().encode(c.body) : base64Bytes(c.bodyBase64)));
  const headerSets = file.cases.map((c) => c.headers);
  // Mutated fixture bodies under every fixture's headers, signed and unsigned.
  for (let i = 0; i < 3000; i++) {
    const src = bodies[Math.floor(random() * bodies.length)];
    const body = src.slice(0, Math.max(0, Math.floor(random() * (src.length + 8))));
    for (let k = Math.floor(random() * 6); k > 0 && body.length; k--) body[Math.floor(random() * body.length)] = Math.floor(random() * 256);
    const headers = headerSets[Math.floor(random() * headerSets.length)];
    note(attempt(`mutation ${i}`, () => verifier.verify(headers, body)));
    note(attempt(`unsigned mutation ${i}`, () => open.verify({ 'Ax-Signature-Version': '0' }, body)));
    if (i % 10 === 0) note(attempt(`text mutation ${i}`, () => open.verify({ 'ax-signature-version': '0' }, new TextDecoder().decode(body))));
  }
  // Shapes a JSON scanner can choke on.
  const unsigned = { 'Ax-Signature-Version': '0' };
  const deep = (n, open_, close) => open_.repeat(n) + close.repeat(n);
  const env = (message) => `{"type":"a.b","message":${message},"clientId":1,"messageId":"m","timestamp":"2024-02-25T23:30:38Z"}`;
  const shapes = [
    deep(100000, '[', ']'), deep(100000, '{"a":', '}'), env(deep(127, '[', ']')), env(deep(5000, '[', ']')),
    env(`"${'\\u'.repeat(1000)}"`), env(`"${'\\ud800'.repeat(100)}"`), env(`1${'0'.repeat(400)}`),
    env('1e999999999999'), env('-0.0e-99999'), env(`"${'x'.repeat(200000)}"`), '{"type":"a.b"'.repeat(1000),
    env('{}').replace('"m"', `"${'é'.repeat(300)}"`), env('{}').replace('2024-02-25T23:30:38Z', '+275760-09-13T00:00:00Z'),
    env('{}').replace('2024-02-25T23:30:38Z', '9999-12-31T23:59:60.999999999+23:59'),
    env('{}').replace('2024-02-25T23:30:38Z', '0000-01-01T00:00:00-23:59'),
    env('{}').replace('"clientId":1', '"clientId":18446744073709551616'), '\u0000', '\uFEFF{}', '{"\uD800":1}',
  ];
  shapes.forEach((s, i) => {
    note(attempt(`shape ${i} text`, () => open.verify(unsigned, s, { now: new Date('2024-02-26T00:00:00Z') })));
    note(attempt(`shape ${i} bytes`, () => open.verify(unsigned, new TextEncoder().encode(s), { now: 0 })));
  });
  // Header values and collections of every odd kind.
  const odd = ['1', ' 1 ', '\u00001', '１', 'x'.repeat(100000), 'é', '\uD800', null, undefined, 1, [], ['1', '1'], {}];
  for (const v of odd) {
    for (const s of odd) {
      note(attempt(`headers ${String(v)}/${String(s)}`, () => verifier.verify({ 'Ax-Signature-Version': v, 'Ax-Signature': s }, bodies[0])));
    }
  }
  for (const h of [null, undefined, [], [[]], [['Ax-Signature-Version']], ['Ax-Signature-Version'], new Map([['ax-signature', 'x']]), 'x', 5, { [Symbol.iterator]: null }]) {
    note(attempt(`collection ${String(h)}`, () => verifier.verify(h, bodies[0])));
  }
  // Clocks, bodies, options and store inputs a caller could get wrong.
  for (const now of [NaN, Infinity, -Infinity, 8.64e15, -8.64e15, 1e300, new Date(NaN), '2024', {}, -62135596800001, 253402300800000]) {
    note(attempt(`now ${String(now)}`, () => verifier.verify(headerSets[0], bodies[0], { now })));
  }
  for (const body of [null, undefined, 5, {}, [], new ArrayBuffer(0), new DataView(new ArrayBuffer(3)), new Uint16Array(4)]) {
    note(attempt(`body ${String(body)}`, () => verifier.verify(headerSets[0], body)));
  }
  const configs = [
    {}, { keys: 'secret' }, { keys: { a: '' } }, { keys: { a: 1 } }, { keys: { a: 'k' }, maxAgeSeconds: -1 },
    { keys: { a: 'k' }, maxAgeSeconds: 1e300 }, { keys: { a: 'k' }, maxBodyBytes: -1 }, { keys: { a: 'k' }, maxBodyBytes: 1e30 },
    { keys: { a: 'k' }, clientKeys: { x: { a: 'k' } } }, { keys: { a: 'k' }, allowedClientIds: [-1, 1.5] }, { keys: { a: 'k' }, bogus: 1 },
    { keys: { a: 'k' }, maxFutureSkewSeconds: NaN }, null, 'keys', [], { keys: { a: 'k' }, allowUnsigned: 'yes' },
  ];
  configs.forEach((c, i) => note(attempt(`config ${i}`, () => new Verifier(c))));
  let leaked = false;
  try {
    new Verifier({ keys: 's3cret-value' });
  } catch (e) {
    leaked = e.message.includes('s3cret');
  }
  results.push(result('hostile: a misplaced key is not echoed', !leaked, 'the key appeared in the error'));
  for (const opts of [{ leaseSeconds: -1 }, { retentionSeconds: Infinity }, { capacity: 0 }, { capacity: 1.5 }, { capacity: 1e20 }, { leaseSeconds: 'x' }]) {
    note(attempt(`store ${JSON.stringify(opts)}`, () => new MemoryStore(opts)));
  }
  const store = new MemoryStore({ capacity: 2 });
  for (const [k, t] of [['a', undefined], [undefined, null], ['x'.repeat(100000), { key: 1, token: 2 }]]) {
    note(attempt('store claim', () => store.claim(k, 0)));
    note(attempt('store complete', () => store.complete(t, 0)));
    note(attempt('store release', () => store.release(t)));
  }
  for (let i = 0; i < 5; i++) note(attempt('store full', () => store.claim(`k${i}`, 253402300799999)));
  results.push(result('hostile: no traps, only typed errors', failures.length === 0, failures.slice(0, 5).join('\n')));
  // After all that the module still verifies correctly.
  const c = file.cases[0];
  const d = new Verifier(c.verifier).verify(c.headers, c.body, { now: new Date(file.now) });
  results.push(result('hostile: still verifies afterwards', d.messageId === c.expect.messageId, d.messageId));
  return results;
}
