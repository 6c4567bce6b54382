/**
 * Reads one verified block (layout in block-builder.ts): decodes all of its entries for
 * iterators, or finds one entry in place for `get` by binary search over the restart points and
 * a short linear scan. Every length and offset read from the block is bounds-checked; anything
 * malformed is an `SSTableCorruptError` naming the block, never a wrong answer.
 */
import { type InternalEntry, OpType } from '@strata/base'
import { allocate, compareRange, copyRange, readVarint, varintEnd } from './coding.js'
import { SSTableCorruptError } from './errors.js'
import type { BlockKind } from './format.js'

const EMPTY = new Uint8Array(0)

/** Reused key buffer for in-place searches (searches are synchronous, so one is enough). */
let scratch = new Uint8Array(256)

export class Block {
  /** The block's contents (trailer excluded); never mutated once read. A plain Uint8Array view
   *  (not a Buffer): its `slice` and views are cheaper. */
  readonly bytes: Uint8Array
  /** Where the restart array starts (= end of the entries). */
  readonly restartsAt: number
  readonly restartCount: number
  readonly file: string
  /** The block's offset in the file, for error reports. */
  readonly offset: number
  readonly kind: BlockKind

  /** Checks the restart array of verified contents; throws `SSTableCorruptError` if malformed. */
  constructor(bytes: Buffer, file: string, offset: number, kind: BlockKind) {
    this.bytes = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length)
    this.file = file
    this.offset = offset
    this.kind = kind
    if (bytes.length < 4) throw this.corrupt(`block of ${bytes.length} bytes has no restart count`)
    const restartCount = bytes.readUInt32LE(bytes.length - 4)
    const restartsAt = bytes.length - 4 - restartCount * 4
    if (restartsAt < 0)
      throw this.corrupt(`restart count ${restartCount} does not fit in ${bytes.length} bytes`)
    this.restartCount = restartCount
    this.restartsAt = restartsAt
    if ((restartCount === 0) !== (restartsAt === 0)) {
      throw this.corrupt(`${restartCount} restart points for ${restartsAt} bytes of entries`)
    }
    let previous = -1
    for (let index = 0; index < restartCount; index++) {
      const restart = bytes.readUInt32LE(restartsAt + index * 4)
      if (restart <= previous || restart >= restartsAt || (index === 0 && restart !== 0)) {
        throw this.corrupt(`restart point ${index} (${restart}) is out of order or out of bounds`)
      }
      previous = restart
    }
  }

  /** An error about this block; `at` is a position inside the contents, if known. */
  corrupt(reason: string, at?: number): SSTableCorruptError {
    return new SSTableCorruptError({
      file: this.file,
      offset: this.offset + (at ?? 0),
      block: this.kind,
      reason,
    })
  }

  /** Every entry of the block, in stored order. Values are views of the (immutable) block. */
  decodeAll(): InternalEntry[] {
    const bytes = this.bytes
    const limit = this.restartsAt
    const entries: InternalEntry[] = []
    let previous: Uint8Array = EMPTY
    let restartIndex = 0
    let nextRestart = this.restartCount > 0 ? 0 : limit
    let pos = 0
    while (pos < limit) {
      const entryStart = pos
      let shared = bytes[pos]!
      if (shared < 0x80) pos++
      else {
        shared = readVarint(bytes, pos, limit)
        pos = varintEnd
      }
      let unshared = pos < limit ? bytes[pos]! : 0x80
      if (unshared < 0x80) pos++
      else {
        unshared = readVarint(bytes, pos, limit)
        pos = varintEnd
      }
      const op = bytes[pos++]!
      const seq = readVarint(bytes, pos, limit)
      pos = varintEnd
      let valueLength = 0
      if (op === OpType.Put) {
        valueLength = readVarint(bytes, pos, limit)
        pos = varintEnd
      }
      const keyLength = shared + unshared
      const valueStart = pos + unshared
      if (
        shared < 0 ||
        unshared < 0 ||
        seq < 0 ||
        valueLength < 0 ||
        (op !== OpType.Put && op !== OpType.Delete) ||
        shared > previous.length ||
        valueStart + valueLength > limit
      ) {
        throw this.corrupt('malformed entry', entryStart)
      }
      if (entryStart === nextRestart) {
        if (shared !== 0) throw this.corrupt('restart entry shares a prefix', entryStart)
        restartIndex++
        nextRestart = restartIndex < this.restartCount ? this.restart(restartIndex) : limit
      } else if (entryStart > nextRestart) {
        throw this.corrupt('restart point does not start an entry', entryStart)
      }
      const key = allocate(keyLength)
      for (let index = 0; index < shared; index++) key[index] = previous[index]!
      if (unshared <= 32) {
        for (let index = 0; index < unshared; index++) key[shared + index] = bytes[pos + index]!
      } else {
        key.set(bytes.subarray(pos, valueStart), shared)
      }
      const value =
        op === OpType.Put ? new Uint8Array(bytes.buffer, bytes.byteOffset + valueStart, valueLength) : null
      entries.push({ key, seq, op: op as OpType, value })
      previous = key
      pos = valueStart + valueLength
    }
    if (nextRestart !== limit) throw this.corrupt('restart point past the last entry', nextRestart)
    return entries
  }

  /**
   * The first entry at or after `(key, atSeq)` in internal order, if it has the same user key:
   * the newest version of `key` with seq <= atSeq. Values are copied unless they take most of
   * the block, so a small value does not keep a whole cached block alive.
   */
  find(key: Uint8Array, atSeq: number): InternalEntry | undefined {
    const bytes = this.bytes
    const limit = this.restartsAt
    if (this.restartCount === 0) return undefined
    // Binary search: the last restart whose entry sorts before (key, atSeq).
    let low = 0
    let high = this.restartCount - 1
    while (low < high) {
      const middle = (low + high + 1) >>> 1
      if (this.restartSortsBefore(this.restart(middle), key, atSeq)) low = middle
      else high = middle - 1
    }
    let pos = this.restart(low)
    let keyLength = 0
    while (pos < limit) {
      const entryStart = pos
      let shared = bytes[pos]!
      if (shared < 0x80) pos++
      else {
        shared = readVarint(bytes, pos, limit)
        pos = varintEnd
      }
      let unshared = pos < limit ? bytes[pos]! : 0x80
      if (unshared < 0x80) pos++
      else {
        unshared = readVarint(bytes, pos, limit)
        pos = varintEnd
      }
      const op = bytes[pos++]
      const seq = readVarint(bytes, pos, limit)
      pos = varintEnd
      let valueLength = 0
      if (op === OpType.Put) {
        valueLength = bytes[pos]!
        if (valueLength < 0x80) pos++
        else {
          valueLength = readVarint(bytes, pos, limit)
          pos = varintEnd
        }
      }
      const valueStart = pos + unshared
      if (
        shared < 0 ||
        unshared < 0 ||
        seq < 0 ||
        valueLength < 0 ||
        (op !== OpType.Put && op !== OpType.Delete) ||
        shared > keyLength ||
        valueStart + valueLength > limit
      ) {
        throw this.corrupt('malformed entry', entryStart)
      }
      const length = shared + unshared
      if (length > scratch.length) {
        const grown = new Uint8Array(Math.max(length, scratch.length * 2))
        grown.set(scratch.subarray(0, shared))
        scratch = grown
      }
      const buffer = scratch
      for (let index = 0; index < unshared; index++) buffer[shared + index] = bytes[pos + index]!
      keyLength = length
      const order = compareRange(buffer, 0, keyLength, key, 0, key.length)
      if (order > 0) return undefined
      if (order === 0 && seq <= atSeq) {
        let value: Uint8Array | null = null
        if (op === OpType.Put) {
          value =
            valueLength * 2 >= bytes.length
              ? new Uint8Array(bytes.buffer, bytes.byteOffset + valueStart, valueLength)
              : copyRange(bytes, valueStart, valueStart + valueLength)
        }
        return { key: copyRange(buffer, 0, keyLength), seq, op: op as OpType, value }
      }
      pos = valueStart + valueLength
    }
    return undefined
  }

  /** Offset of restart point `index` (a u32 little-endian in the restart array). */
  private restart(index: number): number {
    const bytes = this.bytes
    const at = this.restartsAt + index * 4
    return (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16)) + bytes[at + 3]! * 0x1000000
  }

  /** Whether the entry starting at `at` (a restart point) sorts before `(key, atSeq)`. */
  private restartSortsBefore(at: number, key: Uint8Array, atSeq: number): boolean {
    const bytes = this.bytes
    const limit = this.restartsAt
    const shared = readVarint(bytes, at, limit)
    const unshared = readVarint(bytes, varintEnd, limit)
    let pos = varintEnd
    const op = bytes[pos++]
    const seq = readVarint(bytes, pos, limit)
    pos = varintEnd
    if (op === OpType.Put) {
      readVarint(bytes, pos, limit)
      pos = varintEnd
    }
    if (shared !== 0 || unshared < 0 || seq < 0 || pos + unshared > limit) {
      throw this.corrupt('malformed restart entry', at)
    }
    const order = compareRange(bytes, pos, pos + unshared, key, 0, key.length)
    return order < 0 || (order === 0 && seq > atSeq)
  }
}
