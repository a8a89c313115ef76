export * from './express.cjs'
import { middleware } from './express.cjs'
export default middleware
