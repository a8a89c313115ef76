// No secret in util.inspect, toString, JSON.stringify or an error message.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { format, inspect } from 'node:util'
import { ConfigError, Receiver, Verifier } from 'axhook'
import { signedDelivery } from 'axhook/testing'

const SECRET = 'sup3r-s3cret-key-value'
const CLIENT_SECRET = 'cl1ent-s3cret-key-value'

function assertNoSecret(text, where) {
  assert.ok(!text.includes(SECRET), `${where} shows the key: ${text}`)
  assert.ok(!text.includes(CLIENT_SECRET), `${where} shows the client key: ${text}`)
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
