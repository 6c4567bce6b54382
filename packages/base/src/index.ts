export { asBuffer, compareBytes, describeType, isBytes, utf8Text } from './bytes.js'
export { crc32c, crc32cImplementation, crc32cRange } from './checksum.js'
export { crc32cPortable } from './crc32c-portable.js'
export {
  compareInternal,
  type InternalEntry,
  inRange,
  type KeyRange,
  MAX_SEQ,
  OpType,
  type RangeFragment,
  type RangeTombstone,
} from './entry.js'
export {
  ClosedError,
  type CorruptionDetails,
  CorruptionError,
  ErrorCode,
  InvalidArgumentError,
  IOError,
  LockedError,
  NotADatabaseError,
  ReadOnlyError,
  StrataError,
  type StrataErrorOptions,
  toIOError,
} from './errors.js'
export {
  type FileStat,
  type FileSystem,
  NodeFileSystem,
  nodeFileSystem,
  type OpenFlags,
  parentDirectory,
} from './fs.js'
export { MemoryFileSystem } from './memory-fs.js'
export { decodeMsgpack, encodeMsgpack, MsgpackError, type MsgpackValue } from './msgpack.js'
export { seededRandom } from './random.js'
