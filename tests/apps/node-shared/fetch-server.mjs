// A tiny node:http → fetch adapter for a route handler (what Next.js does for an App Router
// route), shared by the fetch-node and wasm-fetch-node apps: each request becomes a `Request`
// whose body streams from the socket, the handler's `Response` is written back. GET /effects
// and GET /health are answered here. Listens on 127.0.0.1:$PORT.
import http from 'node:http'
import { effectsJson } from './effects.mjs'

/**
 * The request body as a web stream. When the handler stops reading (a body over the limit),
 * the rest is drained, not the socket destroyed, so that its answer (413) still arrives.
 */
function bodyStream(req) {
  let cancelled = false
  return new ReadableStream({
    start(controller) {
      req.on('data', (chunk) => {
        if (cancelled) return
        controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength))
        if (controller.desiredSize <= 0) req.pause()
      })
      req.on('end', () => cancelled || controller.close())
      req.on('error', (err) => cancelled || controller.error(err))
    },
    pull() {
      req.resume()
    },
    cancel() {
      cancelled = true
      req.resume()
    },
  })
}

function toRequest(req) {
  const headers = new Headers()
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i], req.rawHeaders[i + 1])
  const url = new URL(req.url, `http://${req.headers.host ?? '127.0.0.1'}`)
  const init = { method: req.method, headers }
  if (req.method !== 'GET' && req.method !== 'HEAD') Object.assign(init, { body: bodyStream(req), duplex: 'half' })
  return new Request(url, init)
}

async function send(res, response) {
  res.writeHead(response.status, [...response.headers].flat())
  res.end(Buffer.from(await response.arrayBuffer()))
}

/** Serves `POST` (a fetch route handler) at /webhooks/axcelerate on 127.0.0.1:$PORT. */
export function serve(POST) {
  const routes = {
    'POST /webhooks/axcelerate': (req) => POST(toRequest(req)),
    'GET /effects': () => new Response(effectsJson(), { headers: { 'content-type': 'application/json' } }),
    'GET /health': () => Response.json({ ok: true }),
  }

  http
    .createServer(async (req, res) => {
      const route = routes[`${req.method} ${new URL(req.url, 'http://x').pathname}`]
      try {
        await send(res, route ? await route(req) : new Response('not found', { status: 404 }))
      } catch (err) {
        console.error(err)
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' })
        res.end(JSON.stringify({ code: 'internal_error' }))
      }
    })
    .listen(Number(process.env.PORT), '127.0.0.1', () => console.error(`route handler on 127.0.0.1:${process.env.PORT}`))
}
