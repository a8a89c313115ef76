// Types of axhook-wasm (every output: web, bundler, nodejs, workerd).

/** The event types aXcelerate is known to send (from the Rust core's catalogue). */
export type KnownEventType =/* KNOWN_EVENTS */;

/** An event type: a known one, or any other `namespace.event` (the list is open). */
export type EventType = KnownEventType | (string & {});

/** A Verifier's configuration: the shape of the fixtures' `verifier` objects. */
export interface VerifierOptions {
  /** Label → key, used as its exact UTF-8 bytes. Several labels allow rotation. */
  keys?: Record<string, string>;
  /** clientId (as a string) → label → key, for receivers serving many aXcelerate accounts. */
  clientKeys?: Record<string, Record<string, string>> | null;
  /** The clientIds accepted; null or absent accepts every clientId, [] accepts none. */
  allowedClientIds?: number[] | null;
  /** Accept version `0` (unsigned) deliveries when no key applies. Default false. */
  allowUnsigned?: boolean;
  /** Oldest accepted timestamp in seconds. Default 14 days (aXcelerate retries for ~12.1). */
  maxAgeSeconds?: number | null;
  /** Largest accepted clock skew into the future, in seconds. Default 300. */
  maxFutureSkewSeconds?: number | null;
  /** Largest accepted body in bytes. Default 1 MiB. */
  maxBodyBytes?: number | null;
}

/** A clock for one call: a Date or milliseconds since the epoch. Default: now. */
export interface At {
  now?: Date | number;
}

/** Headers as runtimes hold them. Repeats are kept by arrays and Node's `rawHeaders`; a fetch
 * `Headers` object joins a repeated header with ", ". Names match case-insensitively. */
export type HeadersInput =
  | Headers
  | Iterable<readonly [string, string]>
  | ReadonlyArray<string>
  | Record<string, string | readonly string[] | undefined>;

/** The raw request body, exactly as received. */
export type BodyInput = string | Uint8Array | ArrayBuffer | ArrayBufferView;

/** Every code a refusal or an outcome can carry. */
export type VerificationCode =
  | 'missing_signature_version'
  | 'unsupported_signature_version'
  | 'unsigned_rejected'
  | 'missing_signature'
  | 'malformed_signature'
  | 'signature_mismatch'
  | 'no_key_for_client'
  | 'duplicate_header'
  | 'body_too_large'
  | 'malformed_json'
  | 'missing_field'
  | 'invalid_field'
  | 'client_not_allowed'
  | 'timestamp_too_old'
  | 'timestamp_in_future'
  | 'body_already_parsed'
  | 'internal_error';

export type OutcomeCode =
  | VerificationCode
  | 'processed'
  | 'duplicate'
  | 'in_progress'
  | 'handler_failed'
  | 'store_unavailable'
  | 'lease_lost';

/** A delivery refused: a stable `code` and the HTTP `status` to answer. */
export class VerificationError extends Error {
  readonly name: 'VerificationError';
  readonly code: VerificationCode;
  readonly status: number;
}

/** A Verifier or MemoryStore that cannot be built as configured. */
export class ConfigError extends TypeError {
  readonly name: 'ConfigError';
  readonly code: 'invalid_config';
}

/** A dedupe store's failure. JS stores throw it (or any error with such a `code`). */
export class StoreError extends Error {
  constructor(code: 'lease_lost' | 'store_unavailable', message?: string);
  readonly name: 'StoreError';
  readonly code: 'lease_lost' | 'store_unavailable' | string;
}

/** Verifies aXcelerate deliveries: signature, envelope, clientId rules, timestamp. */
export class Verifier {
  constructor(options: VerifierOptions);
  readonly maxBodyBytes: number;
  /** The verified Delivery; throws a VerificationError. */
  verify(headers: HeadersInput, body: BodyInput, at?: At): Delivery;
  /** Frees the wasm memory now (it is also freed on garbage collection). */
  free(): void;
}

/** A verified delivery. */
export class Delivery<M = any> {
  readonly type: EventType;
  readonly namespace: string;
  readonly event: string;
  readonly clientId: number;
  readonly messageId: string;
  readonly timestamp: Date;
  /** The label of the key that matched; null when unsigned. */
  readonly keyLabel: string | null;
  readonly signed: boolean;
  /** The message's raw JSON text, exactly as in the body. */
  readonly messageJson: string;
  /** The message, parsed on first use. */
  readonly message: M;
  /** The body exactly as received. */
  readonly rawBody: Uint8Array;
  /** `clientId:messageId`. */
  readonly dedupeKey: string;
  toJSON(): object;
}

/** What a store hands back for a new claim and takes back to settle it. */
export type Ticket = unknown;

export type ClaimResult =
  | { status: 'new'; ticket: Ticket }
  | { status: 'duplicate' }
  | { status: 'in_progress' };

/** A dedupe store (Workers KV, Durable Objects, a database…). `claim` must be atomic: of
 * concurrent claims of one key at most one is `new` while its lease runs. `complete` and
 * `release` throw an error with `code: 'lease_lost'` for a stale ticket; anything else they
 * (or `claim`) throw means the store is unavailable (503, the sender retries). */
export interface DedupeStore {
  claim(key: string, now: Date): ClaimResult | Promise<ClaimResult>;
  complete(ticket: Ticket, now: Date): unknown;
  release(ticket: Ticket): unknown;
}

export interface MemoryStoreOptions {
  /** How long a claim stays exclusive, in seconds. Default 300. */
  leaseSeconds?: number;
  /** How long completed ids are remembered, in seconds. Default 14 days 5 minutes. */
  retentionSeconds?: number;
  /** The most ids held. Default 100,000. */
  capacity?: number;
}

/** The core's bounded in-memory store: one isolate or process only. */
export class MemoryStore implements DedupeStore {
  constructor(options?: MemoryStoreOptions);
  claim(key: string, now?: Date | number): ClaimResult;
  complete(ticket: Ticket, now?: Date | number): void;
  release(ticket: Ticket): void;
  readonly size: number;
  free(): void;
}

/** What receiving one delivery came to, and the HTTP answer. */
export interface Outcome {
  status: number;
  code: OutcomeCode;
  message: string;
  delivery: Delivery | null;
}

export type Handler = (delivery: Delivery) => unknown | Promise<unknown>;

/** A Verifier, a dedupe store and handlers routed by event type. */
export class Receiver {
  constructor(verifier: Verifier, options?: { store?: DedupeStore });
  readonly verifier: Verifier;
  readonly store: DedupeStore;
  /** Runs `handler` for types matching `pattern`: `*`, `namespace.*` or an exact type. */
  on(pattern: EventType | `${string}.*` | '*', handler: Handler): this;
  receive(headers: HeadersInput, body: BodyInput, options?: At & { store?: DedupeStore }): Promise<Outcome>;
}

/** Reads a Request's body once and verifies it; the Delivery keeps the raw body. */
export function verifyRequest(verifier: Verifier, request: Request, at?: At): Promise<Delivery>;

/** A fetch handler for Workers, Deno, Vercel Edge, Next.js route handlers and Node 18+. */
export function createFetchHandler(
  receiver: Receiver,
  options?: { store?: DedupeStore; onOutcome?: (outcome: Outcome, request: Request) => unknown },
): (request: Request) => Promise<Response>;

export function patternMatches(pattern: string, type: string): boolean;
export function knownEvents(): KnownEventType[];

export declare const testing: typeof import('./testing.js');

/** Web output: loads the .wasm (by default from next to the module). Other outputs: no-op. */
export default function init(input?: { module_or_path?: RequestInfo | URL | Response | BufferSource | WebAssembly.Module }): Promise<void>;
/** Instantiates synchronously from a WebAssembly.Module or the .wasm bytes. */
export function initSync(input: { module: BufferSource | WebAssembly.Module }): void;
