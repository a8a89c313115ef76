// Types of the ESM entry: the same declarations as the CommonJS entry.
export * from './index.cjs'
import * as axhook from './index.cjs'
export default axhook
