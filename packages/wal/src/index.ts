/**
 * @strata/wal — strata's write-ahead log. Public entry: everything else in src/ is private.
 */
export { OpType, WALEntry, type WALEntryFields } from './entry.js'
export { type WALCorruptDetails, WALCorruptError, WALPoisonedError } from './errors.js'
export {
  CLAIM_INTERVAL_MS,
  FORMAT_VERSION,
  HEADER_BYTES,
  MAGIC,
  MAX_PAYLOAD_BYTES,
  MAX_PREALLOCATION_BYTES,
  V2_HEADER_BYTES,
} from './format.js'
export { encodeFrame, type FrameRead, type FrameScan, readFrame, readFrames } from './frame.js'
export { readLogFrames } from './frame-codec.js'
export { SYNC_WRITE_BUDGET_MS, WALManager } from './manager.js'
export { type AppendOptions, RECOVERY_MODES, type RecoveryMode, type WALOptions } from './options.js'
export { decodePayload, type EntryFields, encodeBatchPayload, encodeEntryPayload } from './payload.js'
export { type HeaderCheck, type LogScan, type ReplayReport, readHeader, scanLog } from './reader.js'
export { WALWriter } from './writer.js'
