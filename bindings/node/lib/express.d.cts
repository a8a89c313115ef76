import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Delivery, Logger, Receiver, Verifier } from './index.cjs'

declare global {
  namespace Express {
    interface Request {
      /** The verified delivery, set by `middleware(verifier)`. */
      axhook?: Delivery
    }
  }
}

/** A connect-style middleware (Express 4 and 5). */
export type Middleware = (
  req: IncomingMessage & { body?: unknown; rawBody?: unknown },
  res: ServerResponse,
  next: (err?: unknown) => void,
) => void

/**
 * With a Receiver: verifies, deduplicates, runs the handlers and answers the request.
 * With a Verifier: verifies only, sets `req.axhook` and calls `next()`.
 * Mount it before `express.json()`.
 */
export declare function middleware(target: Receiver | Verifier, options?: { logger?: Logger }): Middleware
export default middleware
