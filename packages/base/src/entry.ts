/**
 * The internal entry every layer of strata speaks: the WAL replays them, the memtable holds
 * them, SSTables store them, the engine merges them. Internal order is key ascending (unsigned
 * bytes), then seq descending: the newest version of a key comes first.
 */
import { compareBytes } from './bytes.js'

/** What a write did. These numbers are stored on disk (WAL, SSTables): never renumber. */
export const OpType = {
  /** A value was written. */
  Put: 1,
  /** The key was deleted: a tombstone, which hides older versions. */
  Delete: 2,
} as const
export type OpType = (typeof OpType)[keyof typeof OpType]

/** One version of one key. `value` is `null` exactly when `op` is `OpType.Delete`. */
export interface InternalEntry {
  key: Uint8Array
  seq: number
  op: OpType
  value: Uint8Array | null
}

/** The largest seq (a read at this seq sees everything). */
export const MAX_SEQ = Number.MAX_SAFE_INTEGER

/** Internal order: key ascending by unsigned bytes, then seq descending. */
export function compareInternal(a: InternalEntry, b: InternalEntry): number {
  return compareBytes(a.key, b.key) || b.seq - a.seq
}

/** Bounds of a range read; each is optional. Keys are compared by unsigned bytes. */
export interface KeyRange {
  gt?: Uint8Array
  gte?: Uint8Array
  lt?: Uint8Array
  lte?: Uint8Array
}

/** True when `key` lies inside `range`. */
export function inRange(key: Uint8Array, range: KeyRange): boolean {
  if (range.gt !== undefined && compareBytes(key, range.gt) <= 0) return false
  if (range.gte !== undefined && compareBytes(key, range.gte) < 0) return false
  if (range.lt !== undefined && compareBytes(key, range.lt) >= 0) return false
  if (range.lte !== undefined && compareBytes(key, range.lte) > 0) return false
  return true
}
