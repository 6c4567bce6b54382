/**
 * Slabs a memtable gave back, waiting for the next memtable to write into them: a database
 * writes one memtable after another, each about as large as the last, and without a pool every
 * memtable allocates its slabs anew while the flushed one's wait as garbage for a major GC
 * (resident memory for nothing, and the cost of faulting fresh pages in).
 *
 * Only full-size slabs (`MAX_SLAB_BYTES`) are kept, at most `maxIdleSlabs` of them. A memtable
 * gives its slabs back only through `Memtable.recycle()`, whose caller promises that nothing
 * reads the memtable or a view it handed out again.
 *
 * The pool keeps a recycled memtable's hash-index table too (at most `MAX_IDLE_SLOT_TABLES`, of at
 * most `MAX_KEPT_SLOT_TABLE_BYTES` each): the next memtable, sized like the last, asks for a table
 * of the same length. Without it each memtable's table (512 KiB for a 4 MiB memtable of 100-byte
 * values) was garbage that only a major GC frees: 25 MB of it per 1,000,000 puts.
 *
 * And it keeps a recycled memtable's ordered index (slice-tree.ts; at most
 * `MAX_IDLE_SLICE_INDEXES`, of at most `MAX_KEPT_SLICE_INDEX_BYTES` each), emptied, for the next
 * memtable with the same node size: its arrays have grown to what such a memtable needs.
 */
import { MAX_SLAB_BYTES } from './record-log.js'
import type { SliceIndex } from './slice-tree.js'

/** Hash-index tables kept at once (one memtable is recycled at a time, and the next takes it). */
const MAX_IDLE_SLOT_TABLES = 2
/** Larger tables (a memtable of millions of keys) are left to the garbage collector. */
const MAX_KEPT_SLOT_TABLE_BYTES = 8 * 1024 * 1024

/** Slice indexes kept at once, and the largest kept. */
const MAX_IDLE_SLICE_INDEXES = 2
const MAX_KEPT_SLICE_INDEX_BYTES = 16 * 1024 * 1024

export class SlabPool {
  private readonly idle: ArrayBufferLike[] = []
  private readonly idleSlotTables: Int32Array[] = []
  private reusedCount = 0
  private reusedSlotTableCount = 0
  private readonly idleSliceIndexes: SliceIndex[] = []
  private reusedSliceIndexCount = 0

  /** At most `maxIdleSlabs` slabs (of `MAX_SLAB_BYTES` each) wait in the pool; beyond, a slab
   *  given back is left to the garbage collector. */
  constructor(readonly maxIdleSlabs: number) {}

  /** A slab of `MAX_SLAB_BYTES` from the pool (its bytes are whatever was written last), or
   *  undefined when none waits. */
  take(): ArrayBufferLike | undefined {
    const slab = this.idle.pop()
    if (slab !== undefined) this.reusedCount++
    return slab
  }

  /** Gives back a slab nothing reads any more (slabs of another size are not kept). */
  give(slab: ArrayBufferLike): void {
    if (slab.byteLength === MAX_SLAB_BYTES && this.idle.length < this.maxIdleSlabs) this.idle.push(slab)
  }

  /** A hash-index table of exactly `length` int32s from the pool (its contents are whatever was
   *  written last: the caller clears it), or undefined when none of that length waits. */
  takeSlotTable(length: number): Int32Array | undefined {
    const table = takeNewest(this.idleSlotTables, (table) => table.length === length)
    if (table !== undefined) this.reusedSlotTableCount++
    return table
  }

  /** Gives back a hash-index table nothing reads any more. When the pool is full the oldest table
   *  waiting leaves it (the newest is the likeliest size of the next memtable's). */
  giveSlotTable(table: Int32Array): void {
    if (table.byteLength > MAX_KEPT_SLOT_TABLE_BYTES || table.byteLength === 0) return
    keepNewest(this.idleSlotTables, table, MAX_IDLE_SLOT_TABLES)
  }

  /** An emptied slice index of node size `order` from the pool, or undefined when none waits. */
  takeSliceIndex(order: number): SliceIndex | undefined {
    const index = takeNewest(this.idleSliceIndexes, (index) => index.order === order)
    if (index === undefined) return undefined
    index.reset()
    this.reusedSliceIndexCount++
    return index
  }

  /** Gives back a slice index nothing reads any more (the oldest waiting one leaves a full pool). */
  giveSliceIndex(index: SliceIndex): void {
    if (index.bytes > MAX_KEPT_SLICE_INDEX_BYTES) return
    keepNewest(this.idleSliceIndexes, index, MAX_IDLE_SLICE_INDEXES)
  }

  /** Bytes of the slice indexes waiting in the pool. */
  get idleSliceIndexBytes(): number {
    return sumOf(this.idleSliceIndexes, (index) => index.bytes)
  }

  /** Slice indexes taken from the pool instead of made, since it was made. */
  get reusedSliceIndexes(): number {
    return this.reusedSliceIndexCount
  }

  /** Bytes of the slabs waiting in the pool. */
  get idleBytes(): number {
    return this.idle.length * MAX_SLAB_BYTES
  }

  /** Bytes of the hash-index tables waiting in the pool. */
  get idleSlotTableBytes(): number {
    return sumOf(this.idleSlotTables, (table) => table.byteLength)
  }

  /** Hash-index tables taken from the pool instead of allocated, since it was made. */
  get reusedSlotTables(): number {
    return this.reusedSlotTableCount
  }

  /** Slabs taken from the pool instead of allocated, since it was made. */
  get reused(): number {
    return this.reusedCount
  }
}

/** Removes and returns the newest of `items` that `fits`, or undefined when none does. */
function takeNewest<T>(items: T[], fits: (item: T) => boolean): T | undefined {
  for (let at = items.length - 1; at >= 0; at--) {
    if (fits(items[at]!)) return items.splice(at, 1)[0]
  }
  return undefined
}

/** The sum of `bytesOf` over `items`. */
function sumOf<T>(items: readonly T[], bytesOf: (item: T) => number): number {
  let bytes = 0
  for (const item of items) bytes += bytesOf(item)
  return bytes
}

/** Adds `item` as the newest of `items`, the oldest leaving when `limit` are there already. */
function keepNewest<T>(items: T[], item: T, limit: number): void {
  if (items.length >= limit) items.shift()
  items.push(item)
}
