// The README's Express example; test/http.test.mjs serves it on 127.0.0.1.
import express from 'express'
import { middleware } from 'axhook/express'

/** An Express app that receives aXcelerate deliveries with `receiver`. */
export function createApp(receiver) {
  const app = express()
  // The webhook route first: it reads the raw body itself.
  app.post('/webhooks/axcelerate', middleware(receiver))
  // JSON parsing for the rest of the app comes after it.
  app.use(express.json())
  app.post('/api/notes', (req, res) => res.json({ saved: req.body }))
  return app
}
