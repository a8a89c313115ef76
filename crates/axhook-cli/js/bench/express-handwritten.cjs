'use strict'
// The bench's baseline: an Express receiver written by hand with node:crypto, doing what
// `axhook serve --store memory --log-only` does for a valid delivery: check both headers,
// HMAC-SHA256 of the raw body compared in constant time, JSON.parse, check the envelope's
// fields and timestamp window, deduplicate clientId:messageId in memory, answer JSON.
//
// Listens on 127.0.0.1:$PORT (0: a free port) and prints {"event":"listening","port":N}.

const express = require('express')
const { createHmac, timingSafeEqual } = require('node:crypto')

const KEY = process.env.AX_KEY
const MAX_AGE_MS = 14 * 86400e3
const MAX_SKEW_MS = 300e3
const done = new Map()

const app = express()
app.post('/webhooks/axcelerate', express.raw({ type: () => true, limit: '1mb' }), (req, res) => {
  const answer = (status, code) => res.status(status).json({ status, code })
  if ((req.get('ax-signature-version') ?? '').trim() !== '1') return answer(401, 'unsupported_signature_version')
  const sig = (req.get('ax-signature') ?? '').trim()
  if (!/^[0-9a-fA-F]{64}$/.test(sig)) return answer(401, 'malformed_signature')
  const expected = createHmac('sha256', KEY).update(req.body).digest()
  if (!timingSafeEqual(Buffer.from(sig, 'hex'), expected)) return answer(401, 'signature_mismatch')
  let env
  try {
    env = JSON.parse(req.body)
  } catch {
    return answer(400, 'malformed_json')
  }
  if (typeof env !== 'object' || env === null || Array.isArray(env)) return answer(400, 'malformed_json')
  const dot = typeof env.type === 'string' ? env.type.indexOf('.') : -1
  if (dot < 1 || dot === env.type.length - 1) return answer(400, 'invalid_field')
  if (!('message' in env)) return answer(400, 'missing_field')
  if (!Number.isSafeInteger(env.clientId) || env.clientId < 0) return answer(400, 'invalid_field')
  if (typeof env.messageId !== 'string' || env.messageId.length === 0 || env.messageId.length > 256) return answer(400, 'invalid_field')
  const ts = typeof env.timestamp === 'string' ? Date.parse(env.timestamp) : NaN
  if (Number.isNaN(ts)) return answer(400, 'invalid_field')
  const now = Date.now()
  if (now - ts > MAX_AGE_MS) return answer(401, 'timestamp_too_old')
  if (ts - now > MAX_SKEW_MS) return answer(401, 'timestamp_in_future')
  const key = `${env.clientId}:${env.messageId}`
  if ((done.get(key) ?? 0) > now) return answer(200, 'duplicate')
  done.set(key, now + MAX_AGE_MS + MAX_SKEW_MS)
  return answer(200, 'processed')
})

const server = app.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  console.log(JSON.stringify({ event: 'listening', port: server.address().port }))
})
