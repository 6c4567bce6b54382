/**
 * Encodes one block of entries (data blocks, and the index block, which has the same layout):
 *
 *   entry*  restart offsets (u32 each)  restart count (u32)
 *
 * Each entry is `varint shared, varint unshared, u8 op, varint seq, [varint value length when
 * op = Put], unshared key bytes, value bytes`, where `shared` is the length of the prefix the key
 * has in common with the previous key. Every `restartInterval` entries the prefix is reset
 * (shared = 0) and the entry's offset goes into the restart array, so a reader can binary-search
 * the restarts and decode at most `restartInterval` entries. The block is written straight into
 * the table's output sink; `finish` appends the restart array (the table builder then compresses
 * the block and appends its trailer: block-trailer.ts).
 */
import type { ByteSink } from './coding.js'
import { TRAILER_BYTES } from './format.js'

export class BlockBuilder {
  private readonly sink: ByteSink
  private readonly restartInterval: number
  private restarts: number[] = []
  private sinceRestart = 0
  private previousKey = new Uint8Array(64)
  private previousKeyLength = 0
  /** Where this block starts in the sink. */
  start = 0
  /** Entries in the block so far. */
  count = 0

  constructor(sink: ByteSink, restartInterval: number) {
    this.sink = sink
    this.restartInterval = restartInterval
    this.start = sink.length
  }

  /** Bytes the block's contents will take if finished now. */
  get contentBytes(): number {
    return this.sink.length - this.start + (this.restarts.length + 1) * 4
  }

  /** Starts a new block at the sink's current end. */
  reset(): void {
    this.start = this.sink.length
    this.restarts = []
    this.sinceRestart = 0
    this.count = 0
  }

  /** The last key added, also after `reset` (valid until the next `add`). */
  lastKey(): Uint8Array {
    return this.previousKey.subarray(0, this.previousKeyLength)
  }

  /** Length of the last key added (as `lastKey().length`, without making a view). */
  get lastKeyLength(): number {
    return this.previousKeyLength
  }

  /** Compares the last key added with `key` (unsigned bytes): negative, zero or positive. */
  compareLastKey(key: Uint8Array): number {
    const previous = this.previousKey
    const length = this.previousKeyLength
    const common = Math.min(length, key.length)
    for (let index = 0; index < common; index++) {
      const difference = previous[index]! - key[index]!
      if (difference !== 0) return difference
    }
    return length - key.length
  }

  /** Appends an entry; `value` is null for a tombstone. Keys must come in order (not checked). */
  add(key: Uint8Array, seq: number, op: number, value: Uint8Array | null): void {
    const sink = this.sink
    let shared = 0
    if (this.sinceRestart === this.restartInterval || this.count === 0) {
      this.restarts.push(sink.length - this.start)
      this.sinceRestart = 0
    } else {
      const previous = this.previousKey
      const limit = Math.min(this.previousKeyLength, key.length)
      while (shared < limit && previous[shared] === key[shared]) shared++
    }
    const unshared = key.length - shared
    const valueLength = value === null ? 0 : value.length
    sink.reserve(8 * 5 + 1 + unshared + valueLength)
    sink.varint(shared)
    sink.varint(unshared)
    sink.u8(op)
    sink.varint(seq)
    if (value !== null) sink.varint(valueLength)
    sink.append(key, shared, key.length)
    if (value !== null) sink.append(value)
    this.remember(key, shared)
    this.sinceRestart++
    this.count++
  }

  private remember(key: Uint8Array, shared: number): void {
    if (key.length > this.previousKey.length) {
      const grown = new Uint8Array(Math.max(key.length, this.previousKey.length * 2))
      grown.set(this.previousKey.subarray(0, shared))
      this.previousKey = grown
    }
    const previous = this.previousKey
    for (let index = shared; index < key.length; index++) previous[index] = key[index]!
    this.previousKeyLength = key.length
  }

  /** Appends the restart array; returns the contents' length (the trailer is not written). */
  finish(): number {
    const sink = this.sink
    sink.reserve((this.restarts.length + 1) * 4 + TRAILER_BYTES)
    for (const restart of this.restarts) sink.u32(restart)
    sink.u32(this.restarts.length)
    return sink.length - this.start
  }
}
