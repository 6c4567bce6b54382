/**
 * `BlockCursor`: a table iterator's position inside one data block (layout in block-builder.ts).
 * It decodes entries where they lie, one at a time and only as the walk reaches them: a seek
 * binary-searches the block's restart points and decodes from the restart at or before the
 * target, so a seek that reads a few entries decodes a few entries, not the whole block.
 *
 * Forward, the current entry's key is rebuilt in a buffer of the cursor's own (prefix
 * compression needs the previous key, and keys handed out belong to the caller), and `entry()`
 * makes the caller's copy only for an entry the walk yields: skipped versions cost no
 * allocation. In reverse, prefix compression only decodes forward, so the cursor decodes one
 * restart interval at a time (the entries between two restart points), from the interval that
 * holds the target back to the block's first, each entry once.
 *
 * Every entry decoded is checked as `Block.decodeAll` checks it (entry-header.ts, restart
 * points landing on entries): anything malformed is an `SSTableCorruptError` naming the block.
 * Entries the walk never reaches are not checked; the block's checksum covers them.
 */
import { type InternalEntry, OpType } from '@strata/base'
import type { Block } from './block.js'
import { allocate, compareRange } from './coding.js'
import { entryHeader, readEntryHeader } from './entry-header.js'

const EMPTY = new Uint8Array(0)

export class BlockCursor {
  private bytes: Uint8Array = EMPTY
  private block: Block | undefined
  /** End of the block's entries (where its restart array starts). */
  private limit = 0
  /** The key of the entry decoded last, rebuilt in place; `hasKey` false when there is none. */
  private keyBytes = new Uint8Array(64)
  private keyLength = 0
  private hasKey = false

  // Forward walk.
  /** Where the next entry starts. */
  private pos = 0
  /** The next restart point the walk reaches (its index, and its offset: `limit` past the last):
   *  an entry must start exactly there. */
  private restartIndex = 0
  private nextRestart = 0
  /** The current entry was decoded by a seek and not yet taken by `advance()`. */
  private held = false
  /** The current entry (after `advance()` returned true). */
  seq = 0
  op: OpType = OpType.Put
  /** Whether the current entry has the same key as the entry decoded before it: the one before
   *  it in the block or, after `enter(…)` into the next block, the previous block's last one. */
  sameKey = false
  private valueStart = 0
  private valueLength = 0

  // Reverse walk.
  /** The entries of the interval from restart point `intervalRestart`, decoded in order; the
   *  next one `previous()` returns is intervalEntries[intervalPos - 1]. */
  private intervalEntries: InternalEntry[] = []
  private intervalPos = 0
  private intervalRestart = 0

  /**
   * Moves to the start of `block` (forward: `advance()` yields its first entry) or, for a
   * reverse walk, to its end (`previous()` yields its last). The key decoded last stays known,
   * so the first entry's `sameKey` compares with the previous block's last key when a forward
   * walk steps into the next block.
   */
  enter(block: Block, reverse: boolean): void {
    this.use(block)
    if (reverse) this.startInterval(block.restartCount)
    else this.startAt(0)
  }

  /**
   * Forward: moves to the first entry whose key is >= `target` (> `target` when `strict`) and
   * makes it current, for the next `advance()` to take; at the block's end when there is none.
   */
  seek(block: Block, target: Uint8Array, strict: boolean): void {
    this.use(block)
    this.hasKey = false
    // The last restart point whose key is < target (<= when strict): every entry before it is
    // too small; the first entry at or after the target is in its interval or later.
    let low = 0
    let high = block.restartCount - 1
    while (low < high) {
      const middle = (low + high + 1) >>> 1
      const order = this.compareRestartKey(middle, target)
      if (order < 0 || (strict && order === 0)) low = middle
      else high = middle - 1
    }
    this.startAt(low)
    while (this.decodeNext()) {
      const order = compareRange(this.keyBytes, 0, this.keyLength, target, 0, target.length)
      if (order > 0 || (order === 0 && !strict)) {
        this.held = true
        return
      }
    }
  }

  /**
   * Reverse: moves to just after the last entry whose key is <= `target` (< `target` when not
   * `inclusive`), for `previous()` to yield it first; before the block's first entry when none.
   */
  seekBefore(block: Block, target: Uint8Array, inclusive: boolean): void {
    this.use(block)
    // The last restart point whose key is <= target (< when exclusive): the entries from the
    // next restart point on are all past the target.
    let low = 0
    let high = block.restartCount
    while (low < high) {
      const middle = (low + high) >>> 1
      const order = this.compareRestartKey(middle, target)
      if (order < 0 || (inclusive && order === 0)) low = middle + 1
      else high = middle
    }
    if (low === 0) {
      this.startInterval(0)
      return
    }
    this.decodeInterval(low - 1, target, inclusive)
  }

  /** Forward: makes the next entry current; false at the end of the block. */
  advance(): boolean {
    if (this.held) {
      this.held = false
      return true
    }
    return this.decodeNext()
  }

  /** Compares the current entry's key with `key` (negative, zero or positive). */
  compareKey(key: Uint8Array): number {
    return compareRange(this.keyBytes, 0, this.keyLength, key, 0, key.length)
  }

  /** The current entry: its key a fresh array the caller owns, its value a view of the block. */
  entry(): InternalEntry {
    const length = this.keyLength
    const key = allocate(length)
    const keyBytes = this.keyBytes
    for (let index = 0; index < length; index++) key[index] = keyBytes[index]!
    const bytes = this.bytes
    const value =
      this.op === OpType.Put
        ? new Uint8Array(bytes.buffer, bytes.byteOffset + this.valueStart, this.valueLength)
        : null
    return { key, seq: this.seq, op: this.op, value }
  }

  /** Reverse: the entry before the position (its key a fresh array, its value a view of the
   *  block), or `undefined` at the block's start. */
  previous(): InternalEntry | undefined {
    if (this.intervalPos > 0) return this.intervalEntries[--this.intervalPos]
    while (this.intervalPos === 0) {
      if (this.intervalRestart === 0) return undefined
      this.decodeInterval(this.intervalRestart - 1, undefined, true)
    }
    return this.intervalEntries[--this.intervalPos]
  }

  /** Drops the block (the cursor keeps no reference to it): the cursor is as new, for any
   *  block of any table. */
  release(): void {
    this.block = undefined
    this.bytes = EMPTY
    this.limit = 0
    this.pos = 0
    this.nextRestart = 0
    this.held = false
    this.hasKey = false
    this.intervalEntries.length = 0
    this.intervalPos = 0
    this.intervalRestart = 0
  }

  private use(block: Block): void {
    // Entries are views of the block's bytes: the cache must never reuse its memory.
    block.viewed = true
    this.block = block
    this.bytes = block.bytes
    this.limit = block.restartsAt
    this.held = false
  }

  /** Forward: the next entry decoded is the one at restart point `index`. */
  private startAt(index: number): void {
    const block = this.block!
    this.restartIndex = index
    this.nextRestart = index < block.restartCount ? block.restartOffset(index) : this.limit
    this.pos = this.nextRestart
  }

  /** Reverse: nothing decoded yet; `previous()` starts with the interval before `index`. */
  private startInterval(index: number): void {
    this.intervalPos = 0
    this.intervalRestart = index
  }

  /** Decodes the entry at `pos` into the current entry; false at the end of the block. */
  private decodeNext(): boolean {
    const at = this.pos
    const limit = this.limit
    if (at >= limit) {
      if (this.nextRestart !== limit) throw this.block!.corrupt('restart point past the last entry', at)
      return false
    }
    this.decodeAt(at)
    this.pos = this.valueStart + this.valueLength
    return true
  }

  /**
   * Decodes the entry at `at` (the previous entry's key in `keyBytes`, unless `at` is a restart
   * point) into the current entry, rebuilding its key in place and setting `sameKey`.
   */
  private decodeAt(at: number): void {
    const block = this.block!
    const bytes = this.bytes
    const atRestart = at === this.nextRestart
    if (atRestart) {
      this.restartIndex++
      this.nextRestart =
        this.restartIndex < block.restartCount ? block.restartOffset(this.restartIndex) : this.limit
    } else if (at > this.nextRestart) {
      throw block.corrupt('restart point does not start an entry', at)
    }
    if (!readEntryHeader(bytes, at, this.limit, this.hasKey ? this.keyLength : 0)) {
      throw block.corrupt('malformed entry', at)
    }
    const { shared, unshared, keyStart, valueStart } = entryHeader
    if (atRestart && shared !== 0) throw block.corrupt('restart entry shares a prefix', at)
    const length = shared + unshared
    const previousLength = this.keyLength
    let keyBytes = this.keyBytes
    this.sameKey =
      this.hasKey &&
      length === previousLength &&
      (unshared === 0 ||
        (bytes[keyStart] === keyBytes[shared] &&
          compareRange(bytes, keyStart, valueStart, keyBytes, shared, length) === 0))
    if (length > keyBytes.length) {
      const grown = new Uint8Array(Math.max(length, keyBytes.length * 2))
      grown.set(keyBytes.subarray(0, shared))
      keyBytes = grown
      this.keyBytes = grown
    }
    if (unshared <= 32) {
      for (let index = 0; index < unshared; index++) keyBytes[shared + index] = bytes[keyStart + index]!
    } else {
      keyBytes.set(bytes.subarray(keyStart, valueStart), shared)
    }
    this.keyLength = length
    this.hasKey = true
    this.seq = entryHeader.seq
    this.op = entryHeader.op as OpType
    this.valueStart = valueStart
    this.valueLength = entryHeader.valueLength
  }

  /**
   * Reverse: decodes the interval from restart point `index` to the next one (or the end) and
   * positions after its last entry; when `target` is given, only the entries with a key <=
   * target (< when not `inclusive`). Each key is a fresh array: the entries go to the caller
   * whole, so a key's shared prefix is copied from the previous entry's key, not yet handed out.
   */
  private decodeInterval(index: number, target: Uint8Array | undefined, inclusive: boolean): void {
    const block = this.block!
    const bytes = this.bytes
    const entries = this.intervalEntries
    // An entry may not run over the next restart point: it bounds the interval's entries.
    const end = index + 1 < block.restartCount ? block.restartOffset(index + 1) : this.limit
    let count = 0
    let previous: Uint8Array = EMPTY
    let at = block.restartOffset(index)
    while (at < end) {
      // At the restart point, a previous key length of 0 admits no shared prefix.
      if (!readEntryHeader(bytes, at, end, previous.length)) throw block.corrupt('malformed entry', at)
      const { shared, unshared, op, keyStart, valueStart, valueLength } = entryHeader
      const length = shared + unshared
      const key = allocate(length)
      for (let position = 0; position < shared; position++) key[position] = previous[position]!
      if (unshared <= 32) {
        for (let position = 0; position < unshared; position++)
          key[shared + position] = bytes[keyStart + position]!
      } else {
        key.set(bytes.subarray(keyStart, valueStart), shared)
      }
      if (target !== undefined) {
        const order = compareRange(key, 0, length, target, 0, target.length)
        if (order > 0 || (order === 0 && !inclusive)) break
      }
      const value =
        op === OpType.Put ? new Uint8Array(bytes.buffer, bytes.byteOffset + valueStart, valueLength) : null
      entries[count++] = { key, seq: entryHeader.seq, op: op as OpType, value }
      previous = key
      at = valueStart + valueLength
    }
    this.intervalPos = count
    this.intervalRestart = index
  }

  /** Compares the key of the entry at restart point `index` with `key`. */
  private compareRestartKey(index: number, key: Uint8Array): number {
    const block = this.block!
    const at = block.restartOffset(index)
    if (!readEntryHeader(this.bytes, at, this.limit, 0)) throw block.corrupt('malformed restart entry', at)
    return compareRange(this.bytes, entryHeader.keyStart, entryHeader.valueStart, key, 0, key.length)
  }
}
