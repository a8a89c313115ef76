import type { EventType } from './index.cjs'

export interface DeliveryOptions {
  /** Default `contact.contact_updated`, with a realistic sample message for the type. */
  type?: EventType
  message?: unknown
  clientId?: number
  messageId?: string
  /** Default: now. */
  timestamp?: Date | number | string
}

export interface SentDelivery {
  /** The JSON body, as aXcelerate serialises it. */
  body: Buffer
  /** `Ax-Signature-Version` and `Ax-Signature`, ready for `fetch` or `http.request`. */
  headers: Record<string, string>
  headerPairs: [string, string][]
  messageId: string
}

/** A delivery signed with `key` (version `1`) by the Rust signer. */
export declare function signedDelivery(options: DeliveryOptions & { key: string }): SentDelivery
/** A delivery without a signature (version `0`). */
export declare function unsignedDelivery(options?: DeliveryOptions): SentDelivery
/** 64 lowercase hex digits of HMAC-SHA256(key, body). */
export declare function sign(body: Buffer | Uint8Array | ArrayBuffer | string, key: string): string
/** A realistic message for an event type. */
export declare function sampleMessage(type: EventType, seed?: number): any
