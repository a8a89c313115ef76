import type { Logger, Receiver } from './index.cjs'

/**
 * `fastify.register(axhookFastify, { receiver, path: '/webhooks/axcelerate' })`: a POST route
 * that reads the raw body in its own encapsulated context.
 */
declare function axhookFastify(fastify: any, options: axhookFastify.AxhookFastifyOptions): Promise<void>
declare namespace axhookFastify {
  export interface AxhookFastifyOptions {
    receiver: Receiver
    /** The route's path under the register prefix (default `/`). */
    path?: string
    /** Default: the request's pino logger. */
    logger?: Logger
  }
  export { axhookFastify, axhookFastify as default }
}
export = axhookFastify
