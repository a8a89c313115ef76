// ESM entry: the same classes as the CommonJS entry (one module instance, so `instanceof`
// holds whichever way a program loads axhook).
import axhook from './index.cjs'

export const {
  Verifier,
  Delivery,
  VerificationError,
  ConfigError,
  StoreError,
  MemoryStore,
  SqliteStore,
  RedisStore,
  Receiver,
  createFetchHandler,
  patternMatches,
  KNOWN_EVENTS,
  CODES,
  VERSION_HEADER,
  SIGNATURE_HEADER,
} = axhook
export default axhook
