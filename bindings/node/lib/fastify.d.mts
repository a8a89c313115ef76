import axhookFastify from './fastify.cjs'
export type AxhookFastifyOptions = axhookFastify.AxhookFastifyOptions
export { axhookFastify }
export default axhookFastify
