export {
  AbortError,
  type ErrorSubject,
  LevelError,
  type LevelErrorCode,
  levelCodeOf,
  toLevelError,
} from './errors.js'
export { READAHEAD, StrataIterator, StrataKeyIterator, StrataValueIterator } from './iterator.js'
export { CLEAR_BATCH, StrataLevel, type StrataLevelOptions } from './level.js'
export { DEFAULT_SYNC, type StrataOpenOptions } from './options.js'
export { StrataSnapshot } from './snapshot.js'
