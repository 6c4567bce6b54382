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
export type { CompressionName } from '@strata/sstable'
export type { ApproximateSize } from './approximate-size.js'
export { type BatchOperation, ChainedBatch, type WriteOptions } from './batch.js'
export type { CheckpointResult } from './checkpoint.js'
export {
  Database,
  type DatabaseStats,
  type DatabaseStatus,
  type LevelStats,
  open,
} from './database.js'
export type { DeleteRange } from './delete-range.js'
export { type DestroyOptions, type DestroyResult, destroy } from './destroy.js'
export type { Codec, Decoded, Encoding, EncodingName } from './encoding.js'
export {
  type BackgroundErrorEvent,
  type BackgroundOperation,
  type CloseEvent,
  type CompactionBeginEvent,
  type CompactionEndEvent,
  type CompactionEvent,
  type CompactionReason,
  DATABASE_EVENT_NAMES,
  type DatabaseEventListener,
  type DatabaseEventName,
  type DatabaseEvents,
  type FlushBeginEvent,
  type FlushEndEvent,
  type FlushEvent,
  type LevelView,
  type ReadOnlyEvent,
  type StallBeginEvent,
  type StallCause,
  type StallEndEvent,
  type StallEvent,
  type TableView,
  type VersionEvent,
  type WalTruncateEvent,
} from './events.js'
export { DIRECTORY_FORMAT_VERSION } from './identity.js'
export { DatabaseIterator, type IteratorOptions } from './iterator.js'
export { DatabaseLockedError } from './lock.js'
export { inspectManifest, type ManifestRecord, type ManifestState } from './manifest.js'
export {
  type CompactionThreadOption,
  DEFAULT_OPTIONS,
  type EncodedOpenOptions,
  type FlushThread,
  MAX_KEY_BYTES,
  MAX_VALUE_BYTES,
  type OpenOptions,
  type WalRecovery,
} from './options.js'
export type { ReadMode } from './read-mode.js'
export type { ReadOptions } from './read-options.js'
export {
  describeRepair,
  LOST_DIRECTORY,
  type RepairOptions,
  type RepairReport,
  repair,
  type SeqRange,
  UNKNOWN_END,
} from './repair.js'
export { Snapshot } from './snapshot.js'
export { type VerifyOptions, type VerifyProblem, type VerifyReport, verify } from './verify.js'
export { NUM_LEVELS, type TableFileMeta, type VersionEdit } from './version.js'
