// Types of the `axhook` package (CommonJS entry; the ESM entry re-exports them).

import type { IncomingHttpHeaders } from 'node:http'
import type { inspect } from 'node:util'

/** The event types aXcelerate is known to send (checked against the core's catalogue by the tests). */
export type KnownEventType =
  | 'contact.contact_created'
  | 'contact.contact_updated'
  | 'contact.contact_deleted'
  | 'contact.contact_merged'
  | 'student.workshop_enrolment_created'
  | 'student.workshop_enrolment_updated'
  | 'student.workshop_enrolment_deleted'
  | 'student.workshop_enrolment_status_changed'
  | 'student.class_enrolment_created'
  | 'student.class_enrolment_updated'
  | 'student.class_enrolment_deleted'
  | 'student.class_enrolment_status_changed'
  | 'student.unit_enrolment_created'
  | 'student.unit_enrolment_status_changed'
  | 'student.activity_enrolment_created'
  | 'student.activity_enrolment_updated'
  | 'student.activity_enrolment_deleted'
  | 'course.venue_created'
  | 'course.venue_updated'
  | 'course.venue_deleted'
  | 'course.qualification_created'
  | 'course.qualification_updated'
  | 'course.qualification_deleted'
  | 'course.workshop_type_created'
  | 'course.workshop_type_updated'
  | 'course.workshop_type_deleted'
  | 'course.workshop_created'
  | 'course.workshop_updated'
  | 'course.workshop_deleted'
  | 'course.class_created'
  | 'course.class_updated'
  | 'course.class_deleted'
  | 'calendar.event_created'
  | 'calendar.event_updated'
  | 'calendar.event_deleted'
  | 'trainer.trainer_created'
  | 'trainer.trainer_updated'
  | 'trainer.trainer_deleted'

/** A known event type, or any other `namespace.event` (the list is open). */
export type EventType = KnownEventType | (string & {})

/** The namespaces of the known event types. */
export type KnownNamespace = KnownEventType extends `${infer N}.${string}` ? N : never

/** What `Receiver.on` accepts: `*`, `namespace.*` or an exact type. */
export type EventPattern = '*' | `${KnownNamespace}.*` | EventType

/** Codes of a refused delivery (`VerificationError.code`). */
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

/** Codes of a Receiver's outcome beside the verification codes. */
export type OutcomeCode =
  | 'processed'
  | 'duplicate'
  | 'in_progress'
  | 'handler_failed'
  | 'store_unavailable'
  | 'lease_lost'
  | 'body_already_parsed'

/** A verifier's configuration; omitted fields take the defaults. */
export interface VerifierConfig {
  /** Label → key, e.g. `{ current: '…', previous: '…' }`; each key is used as its exact UTF-8 bytes. */
  keys?: Record<string, string>
  /** clientId → (label → key), for receivers serving several aXcelerate accounts. */
  clientKeys?: Record<string | number, Record<string, string>> | null
  /** The clientIds accepted; absent or `null` accepts every clientId, `[]` none. */
  allowedClientIds?: number[] | null
  /** Accept unsigned (version `0`) deliveries when no key applies. Default `false`. */
  allowUnsigned?: boolean
  /** Oldest accepted timestamp, in seconds. Default 14 days (aXcelerate retries for about 12). */
  maxAgeSeconds?: number | null
  /** Largest accepted clock skew into the future, in seconds. Default 300. */
  maxFutureSkewSeconds?: number | null
  /** Largest accepted body, in bytes. Default 1 MiB. */
  maxBodyBytes?: number | null
}

/** Any header collection: Node's, a fetch `Headers`, a Map, a plain object or pairs. */
export type HeadersInput =
  | IncomingHttpHeaders
  | NodeJS.Dict<string | string[]>
  | Headers
  | Map<string, string | string[]>
  | Record<string, string | string[] | undefined>
  | ReadonlyArray<readonly [string, string]>
  | readonly string[]

/** The raw body: exactly the bytes received. */
export type BodyInput = Buffer | Uint8Array | ArrayBuffer | ArrayBufferView | string

export interface VerifyOptions {
  /** The clock to judge the timestamp by (default: now). */
  now?: Date | number | string
}

/** A verified aXcelerate delivery. `M` types the message; `T` the event type. */
export declare class Delivery<M = unknown, T extends string = EventType> {
  private constructor()
  /** The event type, for example `contact.contact_updated`. */
  readonly type: T
  /** The part of the type before its first dot (`contact`). */
  readonly namespace: string
  /** The part of the type after its first dot (`contact_updated`). */
  readonly event: string
  /** The aXcelerate account that sent it. */
  readonly clientId: number
  /** The delivery's id, the same on every retry. */
  readonly messageId: string
  /** When aXcelerate created the delivery. */
  readonly timestamp: Date
  /** The label of the key that matched; `null` for an unsigned delivery. */
  readonly keyLabel: string | null
  /** Whether the delivery was signed and its signature verified. */
  readonly signed: boolean
  /** The body exactly as received. */
  readonly rawBody: Buffer
  /** The message, parsed from the body on first access. */
  readonly message: M
  /** The message's raw JSON text. */
  readonly messageJson: string
  /** `clientId:messageId`, the key a dedupe store claims. */
  readonly dedupeKey: string
  toJSON(): {
    type: T
    namespace: string
    event: string
    clientId: number
    messageId: string
    timestamp: string
    keyLabel: string | null
    signed: boolean
    message: M
  }
}

/** A delivery the core refused. `code` is stable across runtimes; `status` is the HTTP answer. */
export declare class VerificationError extends Error {
  readonly name: 'VerificationError'
  readonly code: VerificationCode
  readonly status: number
}

/** A Verifier or store that cannot be built as configured (a negative lease, …). */
export declare class ConfigError extends Error {
  readonly name: 'ConfigError'
  readonly code: 'invalid_config'
}

/**
 * A dedupe store that could not answer, or could not be opened: `store_unavailable` (a
 * Receiver answers 503 and the sender retries) or `lease_lost` (a stale ticket).
 */
export declare class StoreError extends Error {
  readonly name: 'StoreError'
  readonly code: 'lease_lost' | 'store_unavailable'
}

/** Verifies aXcelerate deliveries. Build once; immutable; keys never shown. */
export declare class Verifier {
  constructor(config: VerifierConfig)
  /**
   * Verifies a delivery and returns it, or throws a `VerificationError`. A body that is not
   * bytes (already parsed into an object) throws a `TypeError` with code `body_already_parsed`.
   */
  verify<M = unknown, T extends string = EventType>(
    headers: HeadersInput,
    body: BodyInput,
    options?: VerifyOptions,
  ): Delivery<M, T>
  /** The largest body accepted, in bytes. */
  readonly maxBodyBytes: number
  toString(): string
  toJSON(): { verifier: string }
  [inspect.custom](): string
}

/** A ticket for a new claim: pass it to `complete` or `release`. */
export interface Ticket {
  readonly key: string
  readonly token: string
}

/** A store's answer to a claim. */
export type ClaimResult =
  | { code: 'new'; ticket: Ticket }
  | { code: 'duplicate' }
  | { code: 'in_progress' }

/** A dedupe store written in JS (a database of your own…): the MemoryStore's shape, sync or async. */
export interface DedupeStore {
  claim(key: string, options: { now: Date }): ClaimResult | Promise<ClaimResult>
  /** Throw an error with `code: 'lease_lost'` for a stale ticket. */
  complete(ticket: Ticket, options: { now: Date }): void | Promise<void>
  release(ticket: Ticket): void | Promise<void>
}

/** The lease and retention every store of the core takes. */
export interface StoreLimits {
  /** How long a claim stays exclusive, in seconds. Default 300. */
  leaseSeconds?: number
  /** How long completed ids are remembered, in seconds. Default 14 days + 5 minutes. */
  retentionSeconds?: number
}

export interface MemoryStoreOptions extends StoreLimits {
  /** How many ids are held at most. Default 100 000. */
  capacity?: number
}

/** The clock of a store call (default: now). */
export interface StoreCallOptions {
  now?: Date | number
}

/** The core's bounded in-memory dedupe store (one process). Synchronous: it never waits. */
export declare class MemoryStore implements DedupeStore {
  constructor(options?: MemoryStoreOptions)
  claim(key: string, options?: StoreCallOptions): ClaimResult
  complete(ticket: Ticket, options?: StoreCallOptions): void
  release(ticket: Ticket): void
  /** The number of ids held. */
  readonly size: number
  toString(): string
  [inspect.custom](): string
}

export type SqliteStoreOptions = StoreLimits

/**
 * A persistent dedupe store in one SQLite file, shared by every process of a host. The file is
 * opened by the constructor (a `StoreError` if it cannot be); every call runs on libuv's thread
 * pool and returns a Promise.
 */
export declare class SqliteStore implements DedupeStore {
  constructor(path: string | URL, options?: SqliteStoreOptions)
  claim(key: string, options?: StoreCallOptions): Promise<ClaimResult>
  /** Rejects with a `StoreError` (`lease_lost`, `store_unavailable`). */
  complete(ticket: Ticket, options?: StoreCallOptions): Promise<void>
  release(ticket: Ticket): Promise<void>
  toString(): string
  toJSON(): { store: string }
  [inspect.custom](): string
}

export interface RedisStoreOptions extends StoreLimits {
  /** The prefix of every key. Default `axhook:dedupe:`. */
  prefix?: string
  /** Timeout for connecting and for each command, in seconds. Default 2. */
  timeoutSeconds?: number
}

/**
 * A dedupe store in Redis, shared by a fleet of receivers. Connects on first use; every call
 * runs on libuv's thread pool and returns a Promise; an unreachable Redis rejects with a
 * `StoreError` (`store_unavailable`). The URL's password is never shown.
 */
export declare class RedisStore implements DedupeStore {
  /** `url`: `redis://[:password@]host:port/db`. */
  constructor(url: string | URL, options?: RedisStoreOptions)
  claim(key: string, options?: StoreCallOptions): Promise<ClaimResult>
  /** Rejects with a `StoreError` (`lease_lost`, `store_unavailable`). */
  complete(ticket: Ticket, options?: StoreCallOptions): Promise<void>
  release(ticket: Ticket): Promise<void>
  toString(): string
  toJSON(): { store: string }
  [inspect.custom](): string
}

/** Every store a Receiver takes. */
export type Store = MemoryStore | SqliteStore | RedisStore | DedupeStore

/** What happened to one delivery, and what to answer. */
export interface Outcome<M = unknown> {
  /** `status` is 2xx. */
  ok: boolean
  status: number
  code: VerificationCode | OutcomeCode
  message: string
  /** The delivery, when it verified. */
  delivery: Delivery<M> | null
  /** What the handler threw, for `handler_failed`. */
  error?: unknown
}

export type Handler<M = unknown, T extends string = EventType> = (
  delivery: Delivery<M, T>,
) => unknown | Promise<unknown>

/** A Verifier, a dedupe store and handlers. */
export declare class Receiver {
  constructor(verifier: Verifier, store?: Store)
  readonly verifier: Verifier
  readonly store: Store
  /**
   * Runs `handler` for deliveries whose type matches `pattern`. A handler that throws or
   * rejects fails the delivery (500 `handler_failed`) and releases its claim for the retry.
   */
  on<M = unknown, T extends EventType = EventType>(pattern: T, handler: Handler<M, T>): this
  on<M = unknown>(pattern: EventPattern, handler: Handler<M>): this
  /** Verifies, claims, handles and settles one delivery. */
  receive(headers: HeadersInput, body: BodyInput, options?: VerifyOptions): Promise<Outcome>
}

/** Where the helpers log (default: `console`). */
export interface Logger {
  error(message: string, error?: unknown): void
}

/** A fetch-style handler (`Request` → `Response`), e.g. a Next.js App Router `POST` export. */
export declare function createFetchHandler(
  receiver: Receiver,
  options?: { logger?: Logger },
): (request: Request, ...rest: unknown[]) => Promise<Response>

/** Whether `type` matches `pattern` (`*`, `namespace.*` or an exact type). */
export declare function patternMatches(pattern: string, type: string): boolean

/** The known event types, from the core's catalogue. */
export declare const KNOWN_EVENTS: readonly KnownEventType[]

/** Every code with its HTTP status (`undefined` for outcome codes). */
export declare const CODES: Readonly<Record<VerificationCode | OutcomeCode, number | undefined>>

export declare const VERSION_HEADER: 'Ax-Signature-Version'
export declare const SIGNATURE_HEADER: 'Ax-Signature'
