import axhookFastify from './fastify.cjs'

export { axhookFastify }
export default axhookFastify
