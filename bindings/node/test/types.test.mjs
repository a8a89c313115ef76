// The TypeScript types compile against typed examples, and the event union is the core's.
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { describe, it } from 'node:test'
import { KNOWN_EVENTS } from 'axhook'

const root = new URL('..', import.meta.url)
const require = createRequire(import.meta.url)

describe('TypeScript', () => {
  it('tsc --noEmit passes on the typed examples (CJS and ESM entries)', () => {
    const tsc = require.resolve('typescript/bin/tsc')
    try {
      execFileSync(process.execPath, [tsc, '--noEmit', '-p', 'tsconfig.json'], { cwd: root, stdio: 'pipe' })
    } catch (err) {
      assert.fail(`tsc failed:\n${err.stdout}${err.stderr}`)
    }
  })

  it('declares KnownEventType as exactly the core catalogue', () => {
    const dts = readFileSync(new URL('lib/index.d.cts', root), 'utf8')
    const block = dts.slice(dts.indexOf('export type KnownEventType ='), dts.indexOf('/** A known event type, or'))
    const declared = [...block.matchAll(/'([^']+)'/g)].map((m) => m[1])
    assert.deepEqual(declared, [...KNOWN_EVENTS])
  })

  it('declares the codes the core has', () => {
    const dts = readFileSync(new URL('lib/index.d.cts', root), 'utf8')
    const { CODES } = require('axhook')
    for (const code of Object.keys(CODES)) assert.match(dts, new RegExp(`'${code}'`), code)
  })
})
