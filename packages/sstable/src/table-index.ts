/**
 * A table's index, decoded at open and held in memory: per data block, its last internal key
 * (user key + seq) and its handle. Keys live in one contiguous byte array with a big-endian
 * 4-byte prefix per key in a typed array, so a binary search mostly compares numbers and touches
 * little memory, instead of chasing one object per block. The prefix is taken after the bytes
 * every key of the index starts with (`shared`: e.g. the leading zeros of zero-padded numbers),
 * where the keys differ; a searched key is checked against those shared bytes once per search.
 */

import type { InternalEntry } from '@strata/base'
import { compareRange, readVarint, varintEnd } from './coding.js'

/** `prefixFor` of a key that sorts before / after every key of the index. */
const BELOW = -1
const ABOVE = -2

/** First 4 bytes of `key[start..end)` as a big-endian number, zero-padded. */
function prefixOf(key: Uint8Array, start: number, end: number): number {
  const length = end - start
  return (
    (length > 0 ? key[start]! : 0) * 0x1000000 +
    (length > 1 ? key[start + 1]! << 16 : 0) +
    (length > 2 ? key[start + 2]! << 8 : 0) +
    (length > 3 ? key[start + 3]! : 0)
  )
}

export class TableIndex {
  readonly count: number
  private readonly keyBytes: Uint8Array
  private readonly keyStarts: Uint32Array
  private readonly prefixes: Uint32Array
  /** How many leading bytes every key of the index has in common (those of its first key). */
  private readonly shared: number
  private readonly lastSeqs: Float64Array
  readonly offsets: Float64Array
  readonly lengths: Uint32Array

  /**
   * Builds the index from the index block's entries (value = varint offset, varint length).
   * Returns a reason string when the entries are malformed, out of order, or do not tile the
   * data region `[0, dataEnd)` exactly, block after block (each followed by its trailer of
   * `trailerBytes`).
   */
  static decode(entries: InternalEntry[], dataEnd: number, trailerBytes: number): TableIndex | string {
    const count = entries.length
    let totalKeyBytes = 0
    for (const entry of entries) totalKeyBytes += entry.key.length
    // Keys in order share what the first and the last share (checked below, entry by entry).
    let shared = 0
    if (count > 1) {
      const first = entries[0]!.key
      const last = entries[count - 1]!.key
      const most = Math.min(first.length, last.length)
      while (shared < most && first[shared] === last[shared]) shared++
    }
    const index = new TableIndex(count, totalKeyBytes, shared)
    let expected = 0
    let keyAt = 0
    for (let position = 0; position < count; position++) {
      const entry = entries[position]!
      const value = entry.value
      if (value === null) return `index entry ${position} has no block handle`
      const offset = readVarint(value, 0, value.length)
      const length = offset < 0 ? -1 : readVarint(value, varintEnd, value.length)
      if (offset < 0 || length < 0 || varintEnd !== value.length) {
        return `index entry ${position} has a malformed block handle`
      }
      if (offset !== expected || length < 4 || length > 0xffff_ffff) {
        return `block handle ${position} (${length} bytes at ${offset}) does not follow the previous block`
      }
      expected = offset + length + trailerBytes
      index.keyBytes.set(entry.key, keyAt)
      index.keyStarts[position] = keyAt
      keyAt += entry.key.length
      index.keyStarts[position + 1] = keyAt
      if (index.prefixFor(entry.key) < 0) return `index entry ${position} is out of order`
      index.prefixes[position] = prefixOf(entry.key, shared, entry.key.length)
      index.lastSeqs[position] = entry.seq
      index.offsets[position] = offset
      index.lengths[position] = length
      if (position > 0) {
        const order = index.compareTo(position - 1, entry.key, index.prefixFor(entry.key))
        if (order > 0 || (order === 0 && index.lastSeqs[position - 1]! <= entry.seq)) {
          return `index entry ${position} is out of order`
        }
      }
    }
    if (expected !== dataEnd) return 'data blocks do not end where the filter block starts'
    return index
  }

  private constructor(count: number, keyBytes: number, shared: number) {
    this.count = count
    this.shared = shared
    this.keyBytes = new Uint8Array(keyBytes)
    this.keyStarts = new Uint32Array(count + 1)
    this.prefixes = new Uint32Array(count)
    this.lastSeqs = new Float64Array(count)
    this.offsets = new Float64Array(count)
    this.lengths = new Uint32Array(count)
  }

  /** Memory held, in bytes. */
  get byteLength(): number {
    return this.keyBytes.length + this.count * (4 + 4 + 8 + 8 + 4) + 4
  }

  /** The last key of block `position` (a copy). */
  lastKey(position: number): Uint8Array {
    return this.keyBytes.slice(this.keyStarts[position]!, this.keyStarts[position + 1]!)
  }

  /** Compares the last key of block `position` with `key`. */
  compareLastKey(position: number, key: Uint8Array): number {
    return this.compareTo(position, key, this.prefixFor(key))
  }

  /** The 4 bytes of `key` after the index's shared bytes (as `prefixes` holds them), or `BELOW`
   *  / `ABOVE` when `key` does not start with those bytes: then it sorts before / after every
   *  key of the index. (The first key's bytes start at 0 in `keyBytes`.) */
  private prefixFor(key: Uint8Array): number {
    const shared = this.shared
    if (shared > 0) {
      const keyBytes = this.keyBytes
      const most = Math.min(shared, key.length)
      for (let at = 0; at < most; at++) {
        if (key[at] !== keyBytes[at]) return key[at]! < keyBytes[at]! ? BELOW : ABOVE
      }
      if (key.length < shared) return BELOW // a proper prefix of every key
    }
    return prefixOf(key, shared, key.length)
  }

  /** Compares the last key of block `position` with `key` (whose `prefixFor` is `prefix`). */
  private compareTo(position: number, key: Uint8Array, prefix: number): number {
    if (prefix < 0) return prefix === BELOW ? 1 : -1
    const own = this.prefixes[position]!
    if (own !== prefix) return own < prefix ? -1 : 1
    return compareRange(
      this.keyBytes,
      this.keyStarts[position]!,
      this.keyStarts[position + 1]!,
      key,
      0,
      key.length,
    )
  }

  /** The first block whose last entry sorts at or after `(key, atSeq)`; `count` if none. */
  find(key: Uint8Array, atSeq: number): number {
    const prefix = this.prefixFor(key)
    const lastSeqs = this.lastSeqs
    let low = 0
    let high = this.count
    while (low < high) {
      const middle = (low + high) >>> 1
      const order = this.compareTo(middle, key, prefix)
      if (order < 0 || (order === 0 && lastSeqs[middle]! > atSeq)) low = middle + 1
      else high = middle
    }
    return low
  }

  /** The first block whose last key is >= `key` (`strict`: > `key`); `count` if none. */
  atOrAfter(key: Uint8Array, strict: boolean): number {
    const prefix = this.prefixFor(key)
    let low = 0
    let high = this.count
    while (low < high) {
      const middle = (low + high) >>> 1
      const order = this.compareTo(middle, key, prefix)
      if (order < 0 || (strict && order === 0)) low = middle + 1
      else high = middle
    }
    return low
  }
}
