// The shared fixtures (../../../fixtures), read as every binding reads them.
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const dir = fileURLToPath(new URL('../../../fixtures/', import.meta.url))

export const vectors = JSON.parse(readFileSync(`${dir}vectors.json`, 'utf8'))
export const dedupe = JSON.parse(readFileSync(`${dir}dedupe.json`, 'utf8'))

/** A case's body as the bytes sent. */
export function caseBody(c) {
  return c.body === null ? Buffer.from(c.bodyBase64, 'base64') : Buffer.from(c.body, 'utf8')
}

/** A case's clock. */
export function caseNow(c) {
  return new Date(c.now ?? vectors.now)
}
