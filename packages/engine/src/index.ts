export {
  ClosedError,
  CorruptionError,
  ErrorCode,
  InvalidArgumentError,
  IOError,
  LockedError,
  NotADatabaseError,
  ReadOnlyError,
  StrataError,
} from '@strata/base'
export { type BatchOperation, ChainedBatch, type WriteOptions } from './batch.js'
export {
  Database,
  type DatabaseStats,
  type DatabaseStatus,
  type LevelStats,
  open,
} from './database.js'
export type { DeleteRange } from './delete-range.js'
export type { Codec, Decoded, Encoding, EncodingName } from './encoding.js'
export { DIRECTORY_FORMAT_VERSION } from './identity.js'
export { DatabaseIterator, type IteratorOptions } from './iterator.js'
export { DatabaseLockedError } from './lock.js'
export { inspectManifest, type ManifestRecord, type ManifestState } from './manifest.js'
export {
  DEFAULT_OPTIONS,
  type EncodedOpenOptions,
  MAX_KEY_BYTES,
  MAX_VALUE_BYTES,
  type OpenOptions,
  type WalRecovery,
} from './options.js'
export type { ReadMode } from './read-mode.js'
export type { ReadOptions } from './read-options.js'
export { Snapshot } from './snapshot.js'
export { NUM_LEVELS, type TableFileMeta, type VersionEdit } from './version.js'
