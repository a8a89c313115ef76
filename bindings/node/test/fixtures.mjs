// The shared fixtures (../../../fixtures), read as every binding reads them.
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const dir = fileURLToPath(new URL('../../../fixtures/', import.meta.url))

/** A fixture file of ../../../fixtures, parsed. */
export function loadFixture(name) {
  return JSON.parse(readFileSync(`${dir}${name}`, 'utf8'))
}

export const vectors = loadFixture('vectors.json')
export const dedupe = loadFixture('dedupe.json')

/**
 * A case's body as the bytes sent: `body` (UTF-8 text), `bodyBase64`, or `bodyGenerated`
 * (prefix + repeat × count + suffix, for bodies too large to store).
 */
export function caseBody(c) {
  if (typeof c.body === 'string') return Buffer.from(c.body, 'utf8')
  if (typeof c.bodyBase64 === 'string') return Buffer.from(c.bodyBase64, 'base64')
  const g = c.bodyGenerated
  if (g) return Buffer.from(g.prefix + g.repeat.repeat(g.count) + g.suffix, 'utf8')
  throw new Error(`case ${c.name} has no body, bodyBase64 or bodyGenerated`)
}

/** A case's clock (the case's own `now`, else the file's). */
export function caseNow(c, file = vectors) {
  return new Date(c.now ?? file.now)
}
