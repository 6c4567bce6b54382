/**
 * The memtable's storage: an append-only log of version records in large shared slabs. A record
 * is one version of one key: a 24-byte header, then (for the first version of a key) the key
 * bytes, then the value bytes. Keeping the header beside the key bytes means a lookup that finds a
 * key touches one spot of memory to check the key and read its seq; keeping everything in slabs
 * means no JavaScript object per version (a `Uint8Array` alone costs about 100 bytes of heap).
 *
 * Header, at an 8-byte aligned offset (float64/int32 indexes relative to it):
 *
 *     f64[0]  seq
 *     i32[2]  next      address of the next older version of the key, or NO_RECORD
 *     i32[3]  keyOwner  address of the record whose bytes hold the key (itself for a key's first
 *                       version; the later versions of a key share those bytes)
 *     i32[4]  keyLength
 *     i32[5]  valueLength, or -1 for a tombstone
 *
 * A record's address is `slab << 17 | offset / 8` (an int32: the index stores it in an Int32Array).
 * Slabs hold at most 1 MiB, so offsets fit in 17 bits of 8-byte units; a record larger than a slab
 * gets a slab of its own at offset 0. At most 2^14 slabs exist (16 GiB at the default slab size).
 *
 * Records are immutable once anything points at them (the index, or another record's `next`), and
 * their bytes are never reused, so a view returned to a caller never changes and an iterator that
 * walks an old chain sees exactly the versions of its snapshot. Only the record just appended is
 * still edited (`setNext`, `shareKey`), before it is published.
 */
import { type InternalEntry, InvalidArgumentError, OpType } from '@strata/base'
import type { SlabPool } from './slab-pool.js'

/** `next` of a key's oldest version; also "no record" anywhere an address is expected. */
export const NO_RECORD = -1

const HEADER_BYTES = 24
const OFFSET_BITS = 17
const OFFSET_MASK = (1 << OFFSET_BITS) - 1
/** Largest regular slab: offsets of 8-byte units must fit in OFFSET_BITS. */
export const MAX_SLAB_BYTES = 8 << OFFSET_BITS
const MAX_SLABS = 1 << (31 - OFFSET_BITS)
const FIRST_SLAB_BYTES = 4096

// int32 field indexes, relative to offset / 4.
const NEXT = 2
const KEY_OWNER = 3
const KEY_LENGTH = 4
const VALUE_LENGTH = 5

export class RecordLog {
  /** Bytes handed out to records (headers, key and value bytes, alignment). */
  bytesUsed = 0
  /** Bytes of all slabs together. */
  bytesAllocated = 0
  /** A sum of the seqs `touch` last read: nothing uses it. */
  touched = 0

  // One entry per slab, three views of the same ArrayBuffer.
  private readonly bytes: Uint8Array[] = []
  private readonly ints: Int32Array[] = []
  private readonly floats: Float64Array[] = []
  private readonly maxSlabBytes: number
  private nextSlabBytes = FIRST_SLAB_BYTES
  /** The slab being filled, and the first free byte in it. */
  private slab = -1
  private used = 0
  private capacity = 0
  /** The size of the record last appended, while it may still be edited. */
  private lastSize = 0

  constructor(
    maxSlabBytes: number,
    private readonly pool?: SlabPool,
    /** Slabs are `SharedArrayBuffer`s, which another thread can read (`RecordLog.reader`). */
    readonly shared = false,
  ) {
    this.maxSlabBytes = maxSlabBytes
  }

  /**
   * A log that reads the records in `slabs` (the `slabBuffers` of a log whose records no longer
   * change, possibly from another thread): `entry`, `next`, `seq` and the other reads work on it;
   * it must not be appended to.
   */
  static reader(slabs: readonly ArrayBufferLike[]): RecordLog {
    const log = new RecordLog(MAX_SLAB_BYTES)
    for (const buffer of slabs) log.addViews(buffer, buffer.byteLength)
    return log
  }

  /** The slabs, in order (record addresses count them from 0). */
  get slabBuffers(): ArrayBufferLike[] {
    return this.bytes.map((bytes) => bytes.buffer)
  }

  /** Hands every full-size slab to the pool and forgets them all: from now on any read of a
   *  record throws (a `TypeError`, from a missing slab). Only for `Memtable.recycle()`. */
  recycle(): void {
    const pool = this.pool
    if (pool !== undefined) for (const bytes of this.bytes) pool.give(bytes.buffer)
    this.bytes.length = 0
    this.ints.length = 0
    this.floats.length = 0
    this.slab = -1
    this.used = 0
    this.capacity = 0
  }

  /**
   * Appends a version that owns a copy of `key`, with a copy of `value` (null: a tombstone) and
   * `next` as its older version. Returns its address.
   */
  append(seq: number, key: Uint8Array, value: Uint8Array | null, next: number): number {
    const keyLength = key.length
    const valueLength = value === null ? 0 : value.length
    const size = (HEADER_BYTES + keyLength + valueLength + 7) & ~7
    const offset = this.allocate(size)
    const slab = this.slab
    const address = (slab << OFFSET_BITS) | (offset >>> 3)
    this.floats[slab]![offset >>> 3] = seq
    const ints = this.ints[slab]!
    const at = offset >>> 2
    ints[at + NEXT] = next
    ints[at + KEY_OWNER] = address
    ints[at + KEY_LENGTH] = keyLength
    ints[at + VALUE_LENGTH] = value === null ? -1 : valueLength
    const bytes = this.bytes[slab]!
    bytes.set(key, offset + HEADER_BYTES)
    if (value !== null) bytes.set(value, offset + HEADER_BYTES + keyLength)
    this.lastSize = size
    return address
  }

  /**
   * Makes the record just appended share the key bytes of `owner` (a version of the same key)
   * instead of its own copy, and gives the copy's space back.
   */
  shareKey(record: number, owner: number): void {
    const slab = record >>> OFFSET_BITS
    const offset = (record & OFFSET_MASK) << 3
    const ints = this.ints[slab]!
    const at = offset >>> 2
    const keyLength = ints[at + KEY_LENGTH]!
    const valueLength = ints[at + VALUE_LENGTH]!
    ints[at + KEY_OWNER] = this.keyOwner(owner)
    if (valueLength > 0) {
      const start = offset + HEADER_BYTES
      this.bytes[slab]!.copyWithin(start, start + keyLength, start + keyLength + valueLength)
    }
    const size = (HEADER_BYTES + Math.max(valueLength, 0) + 7) & ~7
    this.used -= this.lastSize - size
    this.bytesUsed -= this.lastSize - size
    this.lastSize = size
  }

  /** Sets `next` of the record just appended (nothing points at it yet). */
  setNext(record: number, next: number): void {
    this.ints[record >>> OFFSET_BITS]![((record & OFFSET_MASK) << 1) + NEXT] = next
  }

  /** Appends a copy of `record` (same seq, key and value) whose `next` is `next`. */
  copy(record: number, next: number): number {
    const value = this.valueView(record)
    const slab = record >>> OFFSET_BITS
    const at = (record & OFFSET_MASK) << 1
    const ints = this.ints[slab]!
    const keyLength = ints[at + KEY_LENGTH]!
    const valueLength = value === null ? 0 : value.length
    const size = (HEADER_BYTES + valueLength + 7) & ~7
    const offset = this.allocate(size)
    const to = this.slab
    this.floats[to]![offset >>> 3] = this.seq(record)
    const toInts = this.ints[to]!
    const toAt = offset >>> 2
    toInts[toAt + NEXT] = next
    toInts[toAt + KEY_OWNER] = ints[at + KEY_OWNER]!
    toInts[toAt + KEY_LENGTH] = keyLength
    toInts[toAt + VALUE_LENGTH] = value === null ? -1 : valueLength
    if (value !== null) this.bytes[to]!.set(value, offset + HEADER_BYTES)
    this.lastSize = size
    return (to << OFFSET_BITS) | (offset >>> 3)
  }

  seq(record: number): number {
    return this.floats[record >>> OFFSET_BITS]![record & OFFSET_MASK]!
  }

  next(record: number): number {
    return this.ints[record >>> OFFSET_BITS]![((record & OFFSET_MASK) << 1) + NEXT]!
  }

  keyOwner(record: number): number {
    return this.ints[record >>> OFFSET_BITS]![((record & OFFSET_MASK) << 1) + KEY_OWNER]!
  }

  /**
   * Reads the headers of `count` records in a tight loop, so that the CPU overlaps their cache
   * misses; the reads that follow then find them in cache. Returns nothing useful.
   */
  touch(records: readonly number[], count: number): void {
    let sum = 0
    for (let index = 0; index < count; index++) {
      const record = records[index]!
      sum += this.floats[record >>> OFFSET_BITS]![record & OFFSET_MASK]!
    }
    // Kept so that the loads are not optimised away.
    this.touched = sum
  }

  /** The newest record in the chain starting at `record` with seq <= `atSeq`, or NO_RECORD. */
  visible(record: number, atSeq: number): number {
    while (record !== NO_RECORD && this.seq(record) > atSeq) record = this.next(record)
    return record
  }

  /**
   * Compares the key of `record` with `bytes`, both from byte `from` on (the bytes before it are
   * known to be equal): negative, zero or positive, in unsigned bytewise order.
   */
  compareKey(record: number, bytes: Uint8Array, from: number): number {
    const owner = this.keyOwner(record)
    const slab = owner >>> OFFSET_BITS
    const offset = (owner & OFFSET_MASK) << 3
    const length = this.ints[slab]![(offset >>> 2) + KEY_LENGTH]!
    const stored = this.bytes[slab]!
    const start = offset + HEADER_BYTES
    const common = Math.min(length, bytes.length)
    for (let at = from; at < common; at++) {
      const difference = stored[start + at]! - bytes[at]!
      if (difference !== 0) return difference
    }
    return length - bytes.length
  }

  /** A view of the key of `record` (for computing its slices; not handed out). */
  keyView(record: number): Uint8Array {
    const owner = this.keyOwner(record)
    const slab = owner >>> OFFSET_BITS
    const offset = (owner & OFFSET_MASK) << 3
    const length = this.ints[slab]![(offset >>> 2) + KEY_LENGTH]!
    return new Uint8Array(this.bytes[slab]!.buffer, offset + HEADER_BYTES, length)
  }

  /**
   * A fresh entry for `record`: `key` and `value` are new read-only views into the slabs, never
   * copies. The bytes behind them are never changed by the memtable.
   */
  entry(record: number, knownKey?: Uint8Array): InternalEntry {
    const slab = record >>> OFFSET_BITS
    const unit = record & OFFSET_MASK
    const ints = this.ints[slab]!
    const at = unit << 1
    const seq = this.floats[slab]![unit]!
    const owner = ints[at + KEY_OWNER]!
    const keyLength = ints[at + KEY_LENGTH]!
    const valueLength = ints[at + VALUE_LENGTH]!
    const buffer = this.bytes[slab]!.buffer
    let key: Uint8Array
    let valueOffset = (unit << 3) + HEADER_BYTES
    if (owner === record) {
      // A point read already holds the key's bytes: no second view of them.
      key = knownKey ?? new Uint8Array(buffer, valueOffset, keyLength)
      valueOffset += keyLength
    } else if (knownKey !== undefined) {
      key = knownKey
    } else {
      key = new Uint8Array(
        this.bytes[owner >>> OFFSET_BITS]!.buffer,
        ((owner & OFFSET_MASK) << 3) + HEADER_BYTES,
        keyLength,
      )
    }
    if (valueLength < 0) return { key, seq, op: OpType.Delete, value: null }
    return { key, seq, op: OpType.Put, value: new Uint8Array(buffer, valueOffset, valueLength) }
  }

  private valueView(record: number): Uint8Array | null {
    const slab = record >>> OFFSET_BITS
    const at = (record & OFFSET_MASK) << 1
    const ints = this.ints[slab]!
    const valueLength = ints[at + VALUE_LENGTH]!
    if (valueLength < 0) return null
    let offset = ((record & OFFSET_MASK) << 3) + HEADER_BYTES
    if (ints[at + KEY_OWNER] === record) offset += ints[at + KEY_LENGTH]!
    return new Uint8Array(this.bytes[slab]!.buffer, offset, valueLength)
  }

  /** Reserves `size` bytes (a multiple of 8) in the current slab or a new one; returns the offset. */
  private allocate(size: number): number {
    let offset = this.used
    if (offset + size > this.capacity) {
      this.addSlab(size)
      offset = 0
    }
    this.used = offset + size
    this.bytesUsed += size
    return offset
  }

  private addSlab(minimum: number): void {
    if (this.bytes.length >= MAX_SLABS) {
      throw new InvalidArgumentError(
        `the memtable is full: it holds ${this.bytesUsed} bytes in ${MAX_SLABS} slabs, its limit; ` +
          'flush it and write to a new one (or use a larger options.maxSlabBytes)',
        { argument: 'memtable' },
      )
    }
    let size = this.nextSlabBytes
    if (size < this.maxSlabBytes) this.nextSlabBytes = Math.min(size * 2, this.maxSlabBytes)
    if (size < minimum) size = minimum
    // A pooled slab is full size: taken when the memtable writes full-size slabs, and then from
    // its first slab on (a memtable after a flushed one will most likely fill as many).
    let buffer: ArrayBufferLike | undefined
    if (this.pool !== undefined && this.maxSlabBytes === MAX_SLAB_BYTES && minimum <= MAX_SLAB_BYTES) {
      buffer = this.pool.take()
      if (buffer !== undefined) {
        size = MAX_SLAB_BYTES
        this.nextSlabBytes = MAX_SLAB_BYTES
      }
    }
    buffer ??= this.shared ? new SharedArrayBuffer(size) : new ArrayBuffer(size)
    this.addViews(buffer, size)
    this.used = 0
    this.capacity = size
    this.bytesAllocated += size
  }

  private addViews(buffer: ArrayBufferLike, size: number): void {
    this.bytes.push(new Uint8Array(buffer, 0, size))
    this.ints.push(new Int32Array(buffer, 0, size >>> 2))
    this.floats.push(new Float64Array(buffer, 0, size >>> 3))
    this.slab = this.bytes.length - 1
  }
}
