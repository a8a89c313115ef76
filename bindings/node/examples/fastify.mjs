// The README's Fastify example; test/http.test.mjs serves it on 127.0.0.1.
import Fastify from 'fastify'
import axhookFastify from 'axhook/fastify'

/** A Fastify server that receives aXcelerate deliveries with `receiver`. */
export function createServer(receiver) {
  const fastify = Fastify()
  // The plugin parses nothing outside its own route: the rest of the app keeps JSON parsing.
  fastify.register(axhookFastify, { receiver, path: '/webhooks/axcelerate' })
  fastify.post('/api/notes', async (request) => ({ saved: request.body }))
  return fastify
}
