// ESM and CommonJS entries: the same classes either way, so `instanceof` holds across them.
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { describe, it } from 'node:test'
import * as esm from 'axhook'
import esmDefault from 'axhook'
import * as esmExpress from 'axhook/express'
import esmFastify from 'axhook/fastify'
import * as esmTesting from 'axhook/testing'

const require = createRequire(import.meta.url)
const cjs = require('axhook')

const API = [
  'Verifier',
  'Delivery',
  'VerificationError',
  'ConfigError',
  'StoreError',
  'MemoryStore',
  'SqliteStore',
  'RedisStore',
  'Receiver',
  'createFetchHandler',
  'patternMatches',
  'KNOWN_EVENTS',
  'CODES',
  'VERSION_HEADER',
  'SIGNATURE_HEADER',
]

describe('module entries', () => {
  it('export the same API from import and require', () => {
    for (const name of API) {
      assert.ok(esm[name] !== undefined, `ESM exports ${name}`)
      assert.equal(esm[name], cjs[name], `${name} is one object`)
      assert.equal(esmDefault[name], cjs[name])
    }
    assert.equal(esmExpress.middleware, require('axhook/express').middleware)
    assert.equal(esmExpress.default, esmExpress.middleware)
    assert.equal(esmFastify, require('axhook/fastify'))
    assert.equal(typeof esmFastify, 'function')
    assert.equal(esmTesting.signedDelivery, require('axhook/testing').signedDelivery)
  })

  it('keep instanceof across CJS and ESM', () => {
    const verifier = new esm.Verifier({ keys: { current: 'k' } })
    assert.ok(verifier instanceof cjs.Verifier)
    const sent = require('axhook/testing').signedDelivery({ key: 'k' })
    assert.ok(verifier.verify(sent.headers, sent.body) instanceof cjs.Delivery)
    try {
      new cjs.Verifier({ keys: { current: 'k' } }).verify({}, sent.body)
      assert.fail('refused')
    } catch (err) {
      assert.ok(err instanceof esm.VerificationError)
      assert.ok(err instanceof cjs.VerificationError)
      assert.ok(err instanceof Error)
      assert.equal(err.name, 'VerificationError')
      assert.equal(err.code, 'missing_signature_version')
    }
    assert.throws(() => new esm.Verifier({}), cjs.ConfigError)
  })

  it('load in a CommonJS program', async () => {
    const { execFileSync } = await import('node:child_process')
    const out = execFileSync(
      process.execPath,
      [
        '-e',
        `const { Verifier, VerificationError } = require('axhook');
         const { signedDelivery } = require('axhook/testing');
         const { middleware } = require('axhook/express');
         const fastifyPlugin = require('axhook/fastify');
         const s = signedDelivery({ key: 'k' });
         const d = new Verifier({ keys: { current: 'k' } }).verify(s.headers, s.body);
         console.log(d.type, typeof middleware, typeof fastifyPlugin, typeof VerificationError);`,
      ],
      { cwd: new URL('..', import.meta.url) },
    )
    assert.equal(out.toString().trim(), 'contact.contact_updated function function function')
  })

  it('list the known events and codes of the core', () => {
    assert.ok(cjs.KNOWN_EVENTS.includes('contact.contact_merged'))
    assert.equal(cjs.CODES.signature_mismatch, 401)
    assert.equal(cjs.CODES.duplicate_header, 400)
    assert.ok('processed' in cjs.CODES)
  })
})
