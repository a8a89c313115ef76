// axhook-wasm/testing: what aXcelerate sends, signed by the Rust core's signer.

/** Lowercase hex HMAC-SHA256 of `body` under `key`. */
export function sign(body: string | Uint8Array, key: string): string;
/** The headers of a delivery signed with `key` (version 1). */
export function signedHeaders(body: string | Uint8Array, key: string): { 'Ax-Signature-Version': '1'; 'Ax-Signature': string };
/** The headers of an unsigned delivery (version 0). */
export function unsignedHeaders(): { 'Ax-Signature-Version': '0'; 'Ax-Signature': '' };
