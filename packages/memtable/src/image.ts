/**
 * A frozen memtable's records as another thread can read them: its slabs (`SharedArrayBuffer`s,
 * shared, not copied) and the address of each key's newest version in key order. A flush built
 * in a worker walks it (`forEachImageEntry`) in exactly the order of
 * `memtable.iterator({ versions: 'all' })`: key ascending, then seq descending.
 */
import type { InternalEntry, RangeTombstone } from '@strata/base'
import { NO_RECORD, RecordLog } from './record-log.js'

export interface MemtableImage {
  /** The memtable's slabs, in order (shared memory: nothing is copied). */
  slabs: SharedArrayBuffer[]
  /** Per key, in key order, the address of its newest version. */
  heads: Int32Array
  /** Versions stored (what the walk visits). */
  count: number
  /** The memtable's range tombstones, in the order written. */
  rangeTombstones: RangeTombstone[]
}

/**
 * Calls `visit` with every version in `image`, key ascending and, per key, seq descending. Each
 * entry's `key` and `value` are views into the shared slabs: copy what must outlive the memtable.
 * The memtable must stay frozen and unrecycled meanwhile.
 */
export function forEachImageEntry(image: MemtableImage, visit: (entry: InternalEntry) => void): void {
  const log = RecordLog.reader(image.slabs)
  const heads = image.heads
  for (let index = 0; index < heads.length; index++) {
    for (let record = heads[index]!; record !== NO_RECORD; record = log.next(record)) {
      visit(log.entry(record))
    }
  }
}
