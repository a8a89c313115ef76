// The fixture runner of axhook-wasm, shared by wasm_node_runner.mjs (the nodejs output in Node)
// and wasm_chromium_runner.mjs (the web output in headless Chromium, where this very module is
// loaded by the page). No Node built-ins: only what both runtimes have.
//
// runFixtures(api, files, emit) runs every case of files.vectors and files.hostile and every
// sequence of files.dedupe (a file that could not be read is null) and calls emit(line) with
// one object per case or sequence, in the protocol of tests/conformance.py:
//   {"suite","case","ok":true,"delivery":{…,"messageEqual"}} | {"suite","case","ok":false,"code","status"}
//   {"suite":"dedupe","case","results":[…]}  |  {"suite","case","error"} when a case threw.

function base64Bytes(text) {
  const bin = atob(text);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** The bytes of a case's body: `body` (UTF-8), `bodyBase64`, or `bodyGenerated`. */
export function caseBody(c) {
  if (typeof c.body === 'string') return new TextEncoder().encode(c.body);
  if (typeof c.bodyBase64 === 'string') return base64Bytes(c.bodyBase64);
  const g = c.bodyGenerated;
  if (g) return new TextEncoder().encode(g.prefix + g.repeat.repeat(g.count) + g.suffix);
  throw new Error('no body, bodyBase64 or bodyGenerated');
}

/** Equality of parsed JSON values (object key order does not matter). */
export function sameJson(a, b) {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) return a.length === b.length && a.every((x, i) => sameJson(x, b[i]));
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((k) => Object.prototype.hasOwnProperty.call(b, k) && sameJson(a[k], b[k]));
}

const describeError = (err) => `${err?.name ?? 'Error'}: ${err?.message ?? String(err)}`;

export function verifyCase(api, c, fileNow) {
  const verifier = new api.Verifier(c.verifier);
  try {
    const body = caseBody(c);
    let d;
    try {
      d = verifier.verify(c.headers, body, { now: new Date(c.now ?? fileNow) });
    } catch (err) {
      if (err instanceof api.VerificationError) return { ok: false, code: err.code, status: err.status };
      throw err;
    }
    // Our own parse of the body's "message", compared as parsed values with the delivery's.
    const expected = JSON.parse(new TextDecoder().decode(body)).message;
    return {
      ok: true,
      delivery: {
        type: d.type,
        namespace: d.namespace,
        event: d.event,
        clientId: d.clientId,
        messageId: d.messageId,
        timestampMillis: d.timestamp.getTime(),
        keyLabel: d.keyLabel,
        signed: d.signed,
        messageEqual: sameJson(d.message, expected),
      },
    };
  } finally {
    verifier.free();
  }
}

/** One sequence against the package's own MemoryStore (the core's), fresh for it. */
export function dedupeSequence(api, seq, start) {
  const store = new api.MemoryStore({ leaseSeconds: seq.store.leaseSeconds, retentionSeconds: seq.store.retentionSeconds });
  try {
    const tickets = new Map();
    const results = [];
    for (const step of seq.steps) {
      const now = new Date(start + step.at * 1000);
      if (step.op === 'claim') {
        const claim = store.claim(step.key, now);
        if (claim.status === 'new') tickets.set(step.ticket, claim.ticket);
        results.push(claim.status);
        continue;
      }
      const ticket = tickets.get(step.ticket);
      if (!ticket) throw new Error(`step ${results.length}: ticket ${step.ticket} was never issued`);
      try {
        if (step.op === 'complete') store.complete(ticket, now);
        else if (step.op === 'release') store.release(ticket);
        else throw new Error(`step ${results.length}: unknown op ${step.op}`);
        results.push('ok');
      } catch (err) {
        if (!(err instanceof api.StoreError)) throw err;
        results.push(err.code);
      }
    }
    return { results };
  } finally {
    store.free();
  }
}

export function runFixtures(api, files, emit) {
  const line = (suite, name, run) => {
    let fields;
    try {
      fields = run();
    } catch (err) {
      fields = { error: describeError(err) };
    }
    emit({ suite, case: name, ...fields });
  };
  for (const suite of ['vectors', 'hostile']) {
    const file = files[suite];
    for (const c of file?.cases ?? []) line(suite, c.name, () => verifyCase(api, c, file.now));
  }
  const dedupe = files.dedupe;
  const start = Date.parse(dedupe?.start);
  for (const seq of dedupe?.sequences ?? []) line('dedupe', seq.name, () => dedupeSequence(api, seq, start));
}
