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
  /** Every version older than it of every key in [key, value) was deleted: a range tombstone.
   *  `key` is the inclusive start, `value` the exclusive end (`null`: no end). Logged in the WAL
   *  and kept in memtables; tables store range tombstones in a block of their own. */
  RangeDelete: 3,
} as const
export type OpType = (typeof OpType)[keyof typeof OpType]

/** One version of one key. `value` is `null` when `op` is `OpType.Delete`; for
 *  `OpType.RangeDelete` (never stored among point entries) `key` is the range's inclusive start
 *  and `value` its exclusive end, `null` when it has none. */
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

/**
 * A range tombstone: at `seq`, every version with a smaller seq of every key k with
 * `start <= k < end` (unsigned bytes; `end` null: no upper end) was deleted. `start` may be
 * empty (every key sorts after it).
 */
export interface RangeTombstone {
  start: Uint8Array
  end: Uint8Array | null
  seq: number
}

/** Range tombstones cut into a disjoint piece: every tombstone in `seqs` (ascending, distinct)
 *  covers all of `[start, end)` (`end` null: no end). Tables store range tombstones so. */
export interface RangeFragment {
  start: Uint8Array
  end: Uint8Array | null
  seqs: number[]
}
