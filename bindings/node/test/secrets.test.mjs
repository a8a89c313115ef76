// No secret in util.inspect, toString, JSON.stringify or an error message.
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, it } from 'node:test'
import { format, inspect } from 'node:util'
import { ConfigError, createFetchHandler, MemoryStore, Receiver, RedisStore, StoreError, Verifier } from 'axhook'
import { middleware } from 'axhook/express'
import axhookFastify from 'axhook/fastify'
import { signedDelivery } from 'axhook/testing'

const SECRET = 'sup3r-s3cret-key-value'
const CLIENT_SECRET = 'cl1ent-s3cret-key-value'
const REDIS_PASSWORD = 'r3dis-passw0rd-value'

function assertNoSecret(text, where) {
  assert.ok(!text.includes(SECRET), `${where} shows the key: ${text}`)
  assert.ok(!text.includes(CLIENT_SECRET), `${where} shows the client key: ${text}`)
  assert.ok(!text.includes(REDIS_PASSWORD), `${where} shows the Redis password: ${text}`)
}

/** Every way a program prints or serialises a value. */
function renderings(value) {
  return [
    ['util.inspect', inspect(value)],
    ['util.inspect (showHidden, getters, deep)', inspect(value, { showHidden: true, getters: true, depth: Infinity })],
    ['toString', typeof value?.toString === 'function' ? value.toString() : ''],
    ['String()', String(value)],
    ['template', `${value}`],
    ['JSON.stringify', JSON.stringify(value) ?? ''],
    ['JSON.stringify (nested)', JSON.stringify({ value, list: [value] })],
    ['util.format %o', format('%o', value)],
    ['util.format %O', format('%O', value)],
    ['util.format %s', format('%s', value)],
    ['util.format %j', format('%j', value)],
    ['Object.entries', inspect(Object.entries(value), { depth: Infinity })],
    ['inspect nested', inspect({ deep: { value } }, { depth: Infinity, getters: true })],
  ]
}

describe('secrets', () => {
  const verifier = new Verifier({
    keys: { current: SECRET },
    clientKeys: { 12345678: { acme: CLIENT_SECRET } },
  })

  it('never appear in a Verifier rendered any way', () => {
    for (const [where, text] of [
      ['util.inspect', inspect(verifier)],
      ['util.inspect (showHidden, deep)', inspect(verifier, { showHidden: true, depth: Infinity })],
      ['toString', verifier.toString()],
      ['String()', String(verifier)],
      ['template', `${verifier}`],
      ['JSON.stringify', JSON.stringify(verifier)],
      ['JSON.stringify (nested)', JSON.stringify({ verifier })],
      ['util.format %o', format('%o', verifier)],
      ['util.format %j', format('%j', verifier)],
      ['Object.keys', JSON.stringify(Object.keys(verifier))],
      ['Receiver inspect', inspect(new Receiver(verifier), { depth: Infinity, showHidden: true })],
    ]) {
      assertNoSecret(text, where)
    }
    assert.match(inspect(verifier), /current/, 'the labels are shown')
    assert.match(inspect(verifier), /REDACTED/)
  })

  it('never appear in a Receiver, its stores or the HTTP helpers rendered any way', () => {
    const jsStore = { claim: () => ({ code: 'duplicate' }), complete() {}, release() {} }
    const receiver = new Receiver(verifier, new MemoryStore())
    const things = [
      ['Receiver (MemoryStore)', receiver],
      ['Receiver (JS store)', new Receiver(verifier, jsStore)],
      ['Receiver (RedisStore)', new Receiver(verifier, new RedisStore(`redis://:${REDIS_PASSWORD}@127.0.0.1:1/0`))],
      ['RedisStore (password)', new RedisStore(`redis://:${REDIS_PASSWORD}@127.0.0.1:1/0`)],
      ['RedisStore (user and password)', new RedisStore(new URL(`redis://app:${REDIS_PASSWORD}@127.0.0.1:1/2`))],
      ['fetch handler', createFetchHandler(receiver)],
      ['express middleware (Receiver)', middleware(receiver)],
      ['express middleware (Verifier)', middleware(verifier)],
      ['fastify plugin options', { receiver, path: '/webhooks/axcelerate', plugin: axhookFastify }],
    ]
    for (const [what, value] of things) {
      for (const [where, text] of renderings(value)) assertNoSecret(text, `${what}: ${where}`)
    }
    // What they do show is useful: the labels and the store's address.
    assert.match(inspect({ verifier: receiver.verifier }), /current/)
    assert.match(inspect(new RedisStore(`redis://:${REDIS_PASSWORD}@127.0.0.1:1/0`)), /127\.0\.0\.1:1/)
  })

  it('never appear in a delivery or an outcome', async () => {
    const sent = signedDelivery({ key: SECRET, clientId: 1 })
    const receiver = new Receiver(verifier, new MemoryStore()).on('*', () => {
      throw new Error('handler down')
    })
    const outcome = await receiver.receive(sent.headers, sent.body)
    assert.equal(outcome.code, 'handler_failed')
    for (const [what, value] of [
      ['delivery', verifier.verify(sent.headers, sent.body)],
      ['outcome', outcome],
    ]) {
      for (const [where, text] of renderings(value)) assertNoSecret(text, `${what}: ${where}`)
    }
  })

  it('never appear in console.log output of a real process', () => {
    const program = `
      import { MemoryStore, Receiver, RedisStore, Verifier, createFetchHandler } from 'axhook'
      const verifier = new Verifier({ keys: { current: ${JSON.stringify(SECRET)} },
        clientKeys: { 12345678: { acme: ${JSON.stringify(CLIENT_SECRET)} } } })
      const receiver = new Receiver(verifier, new MemoryStore())
      const redis = new RedisStore('redis://:${REDIS_PASSWORD}@127.0.0.1:1/0')
      console.log(verifier)
      console.log('%s %o %O %j', verifier, verifier, receiver, verifier)
      console.log({ verifier, receiver, redis, handler: createFetchHandler(receiver) })
      console.log(String(verifier), String(receiver), JSON.stringify({ verifier, receiver, redis }))
      console.error(verifier, receiver, redis)
      console.dir(receiver, { depth: null, showHidden: true, getters: true })
      console.table([{ verifier: String(verifier) }])
    `
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', program], {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      encoding: 'utf8',
    })
    assert.equal(run.status, 0, run.stderr)
    const out = run.stdout + run.stderr
    assert.match(run.stderr, /REDACTED/, 'console.error printed the verifier')
    assert.match(out, /REDACTED/, 'the program printed the verifier')
    assertNoSecret(out, 'console.log')
  })

  it('never appear in a Redis store error', async () => {
    const store = new RedisStore(`redis://:${REDIS_PASSWORD}@127.0.0.1:1/0`, { timeoutSeconds: 1 })
    await assert.rejects(store.claim('1:m'), (err) => {
      assert.ok(err instanceof StoreError, inspect(err))
      assert.equal(err.code, 'store_unavailable')
      assertNoSecret(`${err.message} ${err.stack} ${inspect(err)}`, 'store error')
      return true
    })
  })

  it('never appear in verification errors', () => {
    const sent = signedDelivery({ key: 'another-key' })
    assert.throws(() => verifier.verify(sent.headers, sent.body), (err) => {
      assertNoSecret(`${err.message} ${err.stack} ${inspect(err)}`, 'error')
      return err.code === 'signature_mismatch'
    })
  })

  it('never appear in configuration errors, even a key put where a map belongs', () => {
    for (const config of [
      { clientKeys: { 1: CLIENT_SECRET } },
      { keys: SECRET },
      { keys: { current: SECRET }, maxAgeSeconds: SECRET },
      { keys: { current: SECRET }, allowedClientIds: [SECRET] },
    ]) {
      assert.throws(() => new Verifier(config), (err) => {
        assert.ok(err instanceof ConfigError, inspect(err))
        assertNoSecret(`${err.message} ${inspect(err)}`, 'config error')
        return true
      })
    }
  })
})
