'use strict'
// The bench's Express receiver on the axhook Node package (bindings/node, built by
// `make node-setup`): its Express middleware over a Receiver with a MemoryStore and a handler
// that does nothing, as `axhook serve --store memory --log-only`.
//
// Listens on 127.0.0.1:$PORT (0: a free port) and prints {"event":"listening","port":N}.

const express = require('express')
const { MemoryStore, Receiver, Verifier } = require('axhook')
const { middleware } = require('axhook/express')

const receiver = new Receiver(new Verifier({ keys: { current: process.env.AX_KEY } }), new MemoryStore())
receiver.on('*', () => {})

const app = express()
app.post('/webhooks/axcelerate', middleware(receiver))

const server = app.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  console.log(JSON.stringify({ event: 'listening', port: server.address().port }))
})
