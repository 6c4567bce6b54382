/**
 * The memtable: the newest writes, sorted and versioned, until they are flushed to an SSTable.
 *
 * Layout (chosen for speed and heap; see README.md):
 * - the index is a trie of B+trees keyed by 6-byte key slices as numbers (slice.ts), all kept in
 *   typed arrays outside the JavaScript heap (slice-tree.ts); it maps each key to the address of
 *   its newest version;
 * - a hash index (hash-index.ts: a flat Int32Array of [hash, address] pairs) maps each key to the
 *   same address, so a point read costs one probe instead of a B-tree descent;
 * - versions are records in an append-only log of slabs (record-log.ts): a 24-byte header, the key
 *   bytes (first version of a key only) and the value bytes; each header links to the next older
 *   version of its key.
 * A key with one version costs one B+tree slot, one hash slot pair (8 bytes, at most half the
 * table full), one header and its bytes: no JavaScript object, string or array of its own.
 */
import {
  type InternalEntry,
  InvalidArgumentError,
  type KeyRange,
  MAX_SEQ,
  OpType,
  type RangeTombstone,
} from '@strata/base'
import { MemtableFrozenError, MemtableRecycledError } from './errors.js'
import { HashIndex, hashKey } from './hash-index.js'
import type { MemtableImage } from './image.js'
import { type MemtableIterator, MemtableIteratorImpl, type MemtableIteratorOptions } from './iterator.js'
import { MAX_SLAB_BYTES, NO_RECORD, RecordLog } from './record-log.js'
import type { SlabPool } from './slab-pool.js'
import { continuesPast, SLICE_BYTES, sliceOf } from './slice.js'
import { childRoot, childValue, SliceIndex } from './slice-tree.js'
import { checkEntries, checkKey, checkSeq, checkValue } from './validate.js'

export interface MemtableOptions {
  /**
   * Largest slab the records (header, key and value bytes) are copied into: 64 KiB to 1 MiB,
   * default 1 MiB. Slabs start at 4 KiB and double up to this size; a record larger than it gets a
   * slab of its own. Larger slabs mean fewer allocations; the unused tail of the newest slab is the
   * memory cost (less than this much). A memtable holds at most 16,384 slabs (16 GiB at 1 MiB).
   * Note that a view returned by `get` or an iterator keeps its whole slab alive.
   */
  maxSlabBytes?: number
  /**
   * Entries per node of the index's B+trees, 4 to 256; default 32. Every node holds this many
   * slots of 12 bytes, even the root of a layer of two keys. Measured on 1,000,000 random 16-byte
   * keys: inserts at 32 about as fast as at 64 and faster than at 16. Smaller nodes exercise
   * splits (the tests use 4).
   */
  maxNodeSize?: number
  /**
   * Where the memtable takes full-size slabs and its hash-index table from and, after `recycle()`,
   * gives them back (one pool per owner of a sequence of memtables: a database). Without one, they
   * are always fresh memory and are left to the garbage collector.
   */
  slabPool?: SlabPool
  /**
   * Distinct keys the memtable is expected to hold (a memtable after a flushed one: as many as
   * that one held), so that its hash index is made that large at once instead of doubling up to
   * it (each doubling leaves the old table as garbage). Default 0; at most 2^21 is used.
   */
  expectedKeys?: number
  /**
   * Keep the records in `SharedArrayBuffer` slabs, so that once frozen the memtable can hand them
   * to a worker thread without a copy (`flushImage`). Default false (plain `ArrayBuffer`s). A
   * slab pool given with it should hold shared slabs only.
   */
  sharedSlabs?: boolean
}

const MIN_SLAB_BYTES = 64 * 1024

/** What a recycled memtable holds instead of its index: no nodes, never written. */
const RECYCLED_INDEX = new SliceIndex(4, 1)
const DEFAULT_MAX_NODE_SIZE = 32

export class Memtable {
  private readonly pool: SlabPool | undefined
  /** The trie of B+trees (slice-tree.ts): every layer's nodes. After the recycle, an empty
   *  stand-in (the index itself may serve another memtable by then). */
  private index: SliceIndex
  /** The top layer's root node. A write after an iterator took the index copies it (a new node). */
  private root: number
  private readonly log: RecordLog
  /** Key -> newest version, for point reads (the trie serves iterators and ordered inserts). */
  private readonly hash: HashIndex
  private entryCount = 0
  /** Range tombstones, in the order written (beside the point entries: reads combine them). */
  private readonly rangeTombstoneList: RangeTombstone[] = []
  private rangeTombstoneBytes = 0
  private smallestSeq = MAX_SEQ
  private largestSeq = -1
  private frozen = false
  /** Readers that may still use this memtable or views it handed out (`pin`). */
  private pins = 0
  /** The owner is done with it (`retire`): its slabs go back to the pool once no pin is held. */
  private retired = false
  private recycled = false
  /**
   * An empty, writable memtable. `options` (all optional) is described by `MemtableOptions`; bad
   * options throw `InvalidArgumentError`.
   */
  constructor(options: MemtableOptions = {}) {
    if (typeof options !== 'object' || options === null) {
      throw new InvalidArgumentError('options must be an object or undefined', { argument: 'options' })
    }
    const maxSlabBytes = options.maxSlabBytes ?? MAX_SLAB_BYTES
    if (
      !Number.isSafeInteger(maxSlabBytes) ||
      maxSlabBytes < MIN_SLAB_BYTES ||
      maxSlabBytes > MAX_SLAB_BYTES
    ) {
      throw new InvalidArgumentError(
        `options.maxSlabBytes must be an integer from ${MIN_SLAB_BYTES} to ${MAX_SLAB_BYTES}, got ${String(maxSlabBytes)}`,
        { argument: 'options.maxSlabBytes' },
      )
    }
    const maxNodeSize = options.maxNodeSize ?? DEFAULT_MAX_NODE_SIZE
    if (!Number.isSafeInteger(maxNodeSize) || maxNodeSize < 4 || maxNodeSize > 256) {
      throw new InvalidArgumentError(
        `options.maxNodeSize must be an integer from 4 to 256, got ${String(maxNodeSize)}`,
        { argument: 'options.maxNodeSize' },
      )
    }
    const expectedKeys = options.expectedKeys ?? 0
    if (!Number.isSafeInteger(expectedKeys) || expectedKeys < 0) {
      throw new InvalidArgumentError(
        `options.expectedKeys must be an integer >= 0, got ${String(expectedKeys)}`,
        { argument: 'options.expectedKeys' },
      )
    }
    const log = new RecordLog(maxSlabBytes, options.slabPool, options.sharedSlabs === true)
    this.log = log
    this.hash = new HashIndex(
      (address, key) => log.compareKey(address, key, 0) === 0,
      expectedKeys,
      options.slabPool,
    )
    this.pool = options.slabPool
    this.index = options.slabPool?.takeSliceIndex(maxNodeSize) ?? new SliceIndex(maxNodeSize)
    this.root = this.index.newTree()
  }

  /**
   * Adds version `seq` of `key` with `value`. `key` and `value` are copied (the memtable keeps no
   * reference to them). Any safe integer seq >= 0 is accepted in any order; writing a (key, seq)
   * that is already present replaces that version. The empty key is accepted and sorts first.
   * Throws `InvalidArgumentError` for a non-byte key or value or a bad seq, and
   * `MemtableFrozenError` (STRATA_READ_ONLY) after `freeze()`.
   */
  put(key: Uint8Array, value: Uint8Array, seq: number): void {
    if (this.frozen) throw new MemtableFrozenError('put')
    checkKey(key)
    checkValue(value)
    checkSeq(seq)
    this.insert(key, value, seq)
  }

  /** Adds a tombstone for `key` at `seq`: reads at `seq` or later see "deleted", older reads do
   *  not. Same rules and errors as `put`. */
  delete(key: Uint8Array, seq: number): void {
    if (this.frozen) throw new MemtableFrozenError('delete')
    checkKey(key)
    checkSeq(seq)
    this.insert(key, null, seq)
  }

  /**
   * Adds a range tombstone at `seq`: reads at `seq` or later see every key k with
   * `start <= k < end` (`end` null: no end) as deleted in every version older than `seq`. The
   * memtable keeps it beside its point entries (`rangeTombstones`); `get` and iterators answer
   * for point entries only — the reader combines the two. Bytes are copied. Same errors as `put`.
   */
  deleteRange(start: Uint8Array, end: Uint8Array | null, seq: number): void {
    if (this.frozen) throw new MemtableFrozenError('deleteRange')
    checkEntries([{ key: start, seq, op: OpType.RangeDelete, value: end }])
    this.addRangeTombstone(start, end, seq)
  }

  /** Range tombstones stored, in the order written. The array is the memtable's own: do not
   *  change it. */
  get rangeTombstones(): readonly RangeTombstone[] {
    return this.rangeTombstoneList
  }

  private addRangeTombstone(start: Uint8Array, end: Uint8Array | null, seq: number): void {
    // Copies: `slice()` of a Buffer would be a view of the caller's bytes, which it may reuse.
    this.rangeTombstoneList.push({
      start: new Uint8Array(start),
      end: end === null ? null : new Uint8Array(end),
      seq,
    })
    this.rangeTombstoneBytes += 64 + start.length + (end?.length ?? 0)
    this.entryCount++
    if (seq < this.smallestSeq) this.smallestSeq = seq
    if (seq > this.largestSeq) this.largestSeq = seq
  }

  /**
   * Adds every entry of a batch (each as `put`, `delete` or `deleteRange`, by its `op`). The whole batch is
   * checked first: if any entry is bad, `InvalidArgumentError` names it and nothing is applied.
   * A Put needs a byte `value`; a Delete's `value` must be null (or undefined).
   */
  apply(entries: readonly InternalEntry[]): void {
    if (this.frozen) throw new MemtableFrozenError('apply')
    checkEntries(entries)
    for (const entry of entries) {
      if (entry.op === OpType.RangeDelete) this.addRangeTombstone(entry.key, entry.value, entry.seq)
      else this.insert(entry.key, entry.op === OpType.Put ? entry.value : null, entry.seq)
    }
  }

  /**
   * The newest version of `key` with seq <= `atSeq` (default MAX_SEQ, i.e. the newest): an entry
   * with op Put (the value), an entry with op Delete (a tombstone: "deleted here, stop looking"),
   * or `undefined` (no version of the key here at that snapshot: look deeper). The entry is a new
   * object; its `key` is the `key` passed in (the same bytes), its `value` a read-only view into
   * the memtable's storage that the memtable never changes (copy it before handing it to code
   * that might write into it).
   */
  get(key: Uint8Array, atSeq: number = MAX_SEQ): InternalEntry | undefined {
    if (this.recycled) throw new MemtableRecycledError('get')
    checkKey(key)
    if (atSeq !== MAX_SEQ) checkSeq(atSeq, 'atSeq')
    const head = this.hash.get(key, hashKey(key))
    if (head === NO_RECORD) return undefined
    const record = this.log.visible(head, atSeq)
    return record === NO_RECORD ? undefined : this.log.entry(record, key)
  }

  /**
   * An iterator over the keys within the bounds (`gt`/`gte`/`lt`/`lte`, all optional; when both a
   * `gt` and a `gte` are given, both apply), at snapshot `atSeq` (default MAX_SEQ), ascending or,
   * with `reverse: true`, descending.
   * - `versions: 'visible'` (the default): per key, the newest version with seq <= atSeq, tombstones
   *   included; keys with no such version are skipped.
   * - `versions: 'all'`: every version with seq <= atSeq in internal order (key ascending, seq
   *   descending), or exactly the reverse of it with `reverse: true`.
   * The iterator is a snapshot: writes made after it was created are never seen by it. Creating one
   * is O(1): it shares the index copy-on-write, and the next writes copy the nodes they touch.
   * Entries are as for `get`.
   */
  iterator(options: KeyRange & MemtableIteratorOptions = {}): MemtableIterator {
    if (typeof options !== 'object' || options === null) {
      throw new InvalidArgumentError('iterator options must be an object or undefined', {
        argument: 'options',
      })
    }
    if (this.recycled) throw new MemtableRecycledError('iterator')
    if (this.frozen) return new MemtableIteratorImpl(this.index, this.root, this.log, options)
    // From now on the current index belongs to this iterator too: writes copy what they change,
    // until every such iterator is closed. (A root older than the epoch has not been written
    // since the last iterator took it.)
    const index = this.index
    const iterator = new MemtableIteratorImpl(index, this.root, this.log, options, () => {
      // Once recycled, the index may be another memtable's: leave it alone.
      if (!this.recycled) index.snapshots--
    })
    if (index.isCurrent(this.root)) index.epoch++
    index.snapshots++
    return iterator
  }

  /**
   * The records of this frozen memtable for another thread (see image.ts): its shared slabs and
   * each key's newest version in key order. `undefined` when the slabs are not shared
   * (`sharedSlabs`). Throws `InvalidArgumentError` before `freeze()` (the records must not change
   * any more) and `MemtableRecycledError` once recycled. Costs one walk of the index, O(keys).
   * The caller keeps the memtable pinned (or unretired) while the other thread reads.
   */
  flushImage(): MemtableImage | undefined {
    if (this.recycled) throw new MemtableRecycledError('flushImage')
    if (!this.frozen) {
      throw new InvalidArgumentError('flushImage() needs a frozen memtable', { argument: 'flushImage' })
    }
    if (!this.log.shared) return undefined
    const heads = new Int32Array(this.hash.size)
    let count = 0
    const index = this.index
    const visit = (_slice: number, value: number): void => {
      if (value >= 0) heads[count++] = value
      else index.forEach(childRoot(value), visit)
    }
    index.forEach(this.root, visit)
    return {
      slabs: this.log.slabBuffers as SharedArrayBuffer[],
      heads: count === heads.length ? heads : heads.subarray(0, count),
      count: this.entryCount - this.rangeTombstoneList.length,
      rangeTombstones: this.rangeTombstoneList,
    }
  }

  /**
   * The memtable's size estimate in bytes: key and value bytes, plus a measured per-version and
   * per-key overhead (version record, index slot). It tracks real heap growth
   * (V8 heap plus array buffers) within a few percent for typical entries; the engine compares it
   * with its memtable size limit. O(1).
   */
  get approximateBytes(): number {
    return this.log.bytesUsed + this.index.usedBytes + this.hash.bytes + this.rangeTombstoneBytes
  }

  /** Versions stored (every put, delete and range delete, minus versions replaced by a write of
   *  the same key and seq). O(1). */
  get count(): number {
    return this.entryCount
  }

  /** Smallest seq stored, or undefined when empty. */
  get minSeq(): number | undefined {
    return this.entryCount === 0 ? undefined : this.smallestSeq
  }

  /** Largest seq stored, or undefined when empty. */
  get maxSeq(): number | undefined {
    return this.entryCount === 0 ? undefined : this.largestSeq
  }

  /** Distinct keys stored (a key written several times counts once). O(1). */
  get keyCount(): number {
    return this.hash.size
  }

  get isEmpty(): boolean {
    return this.entryCount === 0
  }

  /**
   * Makes the memtable immutable: later `put`/`delete`/`apply` throw `MemtableFrozenError`
   * (code STRATA_READ_ONLY). Reads and iterators, including ones created before, keep working.
   * Idempotent.
   */
  freeze(): void {
    this.frozen = true
  }

  get isFrozen(): boolean {
    return this.frozen
  }

  /**
   * Marks one more reader that may still read the memtable, an iterator of it or a view it handed
   * out: the slabs are not recycled until as many `unpin()`s. Throws `MemtableRecycledError`
   * once recycled.
   */
  pin(): void {
    if (this.recycled) throw new MemtableRecycledError('pin')
    this.pins++
  }

  /** Ends one `pin()`; the last one of a retired memtable recycles it. */
  unpin(): void {
    if (this.pins === 0) {
      throw new InvalidArgumentError('memtable.unpin() without a pin() to end', { argument: 'unpin' })
    }
    this.pins--
    if (this.pins === 0 && this.retired) this.recycleNow()
  }

  /**
   * The owner is done with this memtable (a database: its table is installed, and no read starts
   * on it again). Its slabs go back to the pool now, or when the last pin ends. The caller
   * promises that everything which may still read the memtable, an iterator of it or a view it
   * handed out holds a pin; after the recycle, `get`, `iterator` and `pin` throw
   * `MemtableRecycledError`. Only a frozen memtable retires. Idempotent.
   */
  retire(): void {
    if (!this.frozen) throw new InvalidArgumentError('only a frozen memtable retires', { argument: 'retire' })
    if (this.retired) return
    this.retired = true
    if (this.pins === 0) this.recycleNow()
  }

  /** True once the slabs went back to the pool. */
  get isRecycled(): boolean {
    return this.recycled
  }

  private recycleNow(): void {
    this.recycled = true
    this.log.recycle()
    this.hash.release()
    const index = this.index
    this.index = RECYCLED_INDEX
    this.pool?.giveSliceIndex(index)
  }

  private insert(key: Uint8Array, value: Uint8Array | null, seq: number): void {
    const log = this.log
    const hash = hashKey(key)
    // Optimistically assume a new key (the common case): the record owns a copy of the key.
    const record = log.append(seq, key, value, NO_RECORD)
    this.entryCount++
    if (seq < this.smallestSeq) this.smallestSeq = seq
    if (seq > this.largestSeq) this.largestSeq = seq

    const index = this.index
    // Each layer's root may change (copied for a snapshot, or split): `parentLeaf`/`parentSlot`
    // say where the current layer's root is stored (-1: it is the top layer, `this.root`).
    let parentLeaf = -1
    let parentSlot = 0
    let root = this.root
    for (let offset = 0; ; offset += SLICE_BYTES) {
      const slice = sliceOf(key, offset)
      const top = index.prepare(root, slice)
      if (top !== root) {
        if (parentLeaf < 0) this.root = top
        else index.setValue(parentLeaf, parentSlot, childValue(top))
      }
      if (!index.found) {
        index.insertAt(slice, record)
        this.hash.insertNew(hash, record)
        return
      }
      const found = index.valueAt()
      if (found < 0) {
        // Several keys share this slice and go on: the layer below decides.
        parentLeaf = index.leaf
        parentSlot = index.slot
        root = childRoot(found)
        continue
      }
      if (continuesPast(key, offset) && log.compareKey(found, key, offset) !== 0) {
        // Another key has this slice and goes on too: both move down to a new layer.
        const below = index.newTree()
        index.setAt(childValue(below))
        parentLeaf = index.leaf
        parentSlot = index.slot
        const foundSlice = sliceOf(log.keyView(found), offset + SLICE_BYTES)
        index.prepare(below, foundSlice)
        index.insertAt(foundSlice, found)
        root = below
        continue
      }
      // The key exists: share its bytes and link the new version in.
      log.shareKey(record, found)
      let head = record
      if (seq > log.seq(found)) log.setNext(record, found)
      else head = this.linkOlder(found, record, seq)
      index.setAt(head)
      this.hash.set(key, hash, head)
      return
    }
  }

  /**
   * Links `record` (version `seq`) into the chain starting at `head`, where it is not the newest.
   * Records are immutable once reachable, so the newer records are copied; returns the new head.
   */
  private linkOlder(head: number, record: number, seq: number): number {
    const log = this.log
    const newer: number[] = []
    let at = head
    while (at !== NO_RECORD && log.seq(at) > seq) {
      newer.push(at)
      at = log.next(at)
    }
    if (at !== NO_RECORD && log.seq(at) === seq) {
      // Same key and seq: the new write replaces that version.
      at = log.next(at)
      this.entryCount--
    }
    log.setNext(record, at)
    let next = record
    for (let index = newer.length - 1; index >= 0; index--) next = log.copy(newer[index]!, next)
    return next
  }
}
