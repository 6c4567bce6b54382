/**
 * Reads one verified block (layout in block-builder.ts): decodes all of its entries (index
 * blocks, inspection), or finds one entry in place for `get` by binary search over the restart
 * points and a short linear scan; table iterators walk it with a `BlockCursor`
 * (block-cursor.ts), which reads its restart points through `restartOffset`. Every length and
 * offset read from the block is bounds-checked; anything malformed is an `SSTableCorruptError`
 * naming the block, never a wrong answer.
 */
import { type InternalEntry, OpType } from '@strata/base'
import { allocate, compareRange, copyRange, readVarint, varintEnd } from './coding.js'
import { entryHeader, readEntryHeader } from './entry-header.js'
import { SSTableCorruptError } from './errors.js'
import type { BlockKind } from './format.js'

const EMPTY = new Uint8Array(0)

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
  /**
   * @internal Set once a view of `bytes` may outlive the call that used the block: a cursor
   * entered it (iterator entries are views), `find` answered with a view of a large value, or
   * `decodeAll` ran. The block cache reuses the memory of an evicted point-read block only while
   * this is false.
   */
  viewed = false

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

  /**
   * Every entry of the block, in stored order (index blocks, `inspectTable`; table iterators
   * walk data blocks with a `BlockCursor` instead). Values are views of the (immutable) block;
   * keys are fresh arrays.
   */
  decodeAll(): InternalEntry[] {
    this.viewed = true
    const bytes = this.bytes
    const limit = this.restartsAt
    const entries: InternalEntry[] = []
    let previous: Uint8Array = EMPTY
    let restartIndex = 0
    let nextRestart = this.restartCount > 0 ? 0 : limit
    let pos = 0
    while (pos < limit) {
      const entryStart = pos
      if (!readEntryHeader(bytes, pos, limit, previous.length))
        throw this.corrupt('malformed entry', entryStart)
      const { shared, unshared, op, seq, valueLength, valueStart } = entryHeader
      pos = entryHeader.keyStart
      const keyLength = shared + unshared
      if (entryStart === nextRestart) {
        if (shared !== 0) throw this.corrupt('restart entry shares a prefix', entryStart)
        restartIndex++
        nextRestart = restartIndex < this.restartCount ? this.restartOffset(restartIndex) : limit
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
   * the newest version of `key` with seq <= atSeq. The entry's `key` is the `key` passed in. Values are copied unless they take most of
   * the block, so a small value does not keep a whole cached block alive; `copyValue` copies
   * them always (for a block read into memory that is about to be reused).
   *
   * The scan never rebuilds keys: it tracks `matched`, how many leading bytes of the previous
   * key equal `key`. An entry sharing fewer bytes than that with the previous key is greater
   * than `key` (keys ascend, and the previous key agreed with `key` further); one sharing more
   * is still smaller; only one sharing exactly `matched` bytes needs its suffix compared. At a
   * restart point `shared` is 0 by construction, so such an entry is compared in full.
   */
  find(key: Uint8Array, atSeq: number, copyValue = false): InternalEntry | undefined {
    const bytes = this.bytes
    const limit = this.restartsAt
    if (this.restartCount === 0) return undefined
    // Binary search: the last restart whose entry sorts before (key, atSeq).
    let low = 0
    let high = this.restartCount - 1
    while (low < high) {
      const middle = (low + high + 1) >>> 1
      if (this.restartSortsBefore(this.restartOffset(middle), key, atSeq)) low = middle
      else high = middle - 1
    }
    const keyLength = key.length
    let pos = this.restartOffset(low)
    // Length of the previous entry's key, and how many of its leading bytes equal `key`'s
    // (-1 before the first entry). `previousEqual`: the previous key equals `key`.
    let previousLength = 0
    let matched = -1
    let previousEqual = false
    // The header is decoded inline here rather than with `readEntryHeader` (entry-header.ts,
    // which `decodeAll` and scans use): the point read's hot loop, with seqs decoded without a
    // call, measured 15-20% faster per cached lookup (0.44-0.53 vs 0.53-0.79 µs).
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
      // Seqs commonly take 2-4 bytes: decode up to 4 inline, longer ones with readVarint.
      let seq = -1
      if (pos + 4 <= limit) {
        const b0 = bytes[pos]!
        if (b0 < 0x80) {
          seq = b0
          pos += 1
        } else {
          const b1 = bytes[pos + 1]!
          if (b1 < 0x80) {
            seq = (b0 & 0x7f) | (b1 << 7)
            pos += 2
          } else {
            const b2 = bytes[pos + 2]!
            if (b2 < 0x80) {
              seq = (b0 & 0x7f) | ((b1 & 0x7f) << 7) | (b2 << 14)
              pos += 3
            } else if (bytes[pos + 3]! < 0x80) {
              seq = (b0 & 0x7f) | ((b1 & 0x7f) << 7) | ((b2 & 0x7f) << 14) | (bytes[pos + 3]! << 21)
              pos += 4
            }
          }
        }
      }
      if (seq < 0) {
        seq = readVarint(bytes, pos, limit)
        pos = varintEnd
      }
      let valueLength = 0
      if (op === OpType.Put) {
        valueLength = pos < limit ? bytes[pos]! : 0x80
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
        shared > previousLength ||
        (matched < 0 && shared !== 0) ||
        valueStart + valueLength > limit
      ) {
        throw this.corrupt('malformed entry', entryStart)
      }
      const length = shared + unshared
      let equal: boolean
      if (previousEqual && shared === previousLength && unshared === 0) {
        equal = true // another version of the same key
      } else if (shared !== 0 && shared < matched) {
        return undefined // this key is greater than `key`
      } else if (shared !== 0 && shared > matched) {
        equal = false // still smaller than `key`
        previousLength = length
        previousEqual = false
        pos = valueStart + valueLength
        continue
      } else {
        // Compare the suffix with `key` from byte `shared`: == matched, or 0 (the first entry,
        // or a restart point, where shared is 0 whatever the keys have in common).
        let index = shared
        let keyAt = pos
        const end = Math.min(length, keyLength)
        while (index < end && bytes[keyAt] === key[index]) {
          index++
          keyAt++
        }
        if (index < end) {
          if (bytes[keyAt]! > key[index]!) return undefined
          matched = index
          equal = false
        } else if (length > keyLength) {
          return undefined // `key` is a proper prefix of this key: this key is greater
        } else {
          matched = index
          equal = length === keyLength
        }
      }
      if (matched < 0) matched = 0
      previousLength = length
      previousEqual = equal
      if (equal && seq <= atSeq) {
        let value: Uint8Array | null = null
        if (op === OpType.Put) {
          if (valueLength * 2 >= bytes.length && !copyValue) {
            this.viewed = true
            value = new Uint8Array(bytes.buffer, bytes.byteOffset + valueStart, valueLength)
          } else {
            value = copyRange(bytes, valueStart, valueStart + valueLength)
          }
        }
        // The caller's `key` itself, not a copy: the entry's key equals it byte for byte, and a
        // point read's answer is wanted for its value (a copy cost ~6% of a cached lookup).
        return { key, seq, op: op as OpType, value }
      }
      pos = valueStart + valueLength
    }
    return undefined
  }

  /** Offset of restart point `index` (a u32 little-endian in the restart array), 0 <= index <
   *  `restartCount`; the constructor checked that the points ascend within the entries. */
  restartOffset(index: number): number {
    const bytes = this.bytes
    const at = this.restartsAt + index * 4
    return (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16)) + bytes[at + 3]! * 0x1000000
  }

  /** Whether the entry starting at `at` (a restart point) sorts before `(key, atSeq)`. */
  private restartSortsBefore(at: number, key: Uint8Array, atSeq: number): boolean {
    const bytes = this.bytes
    const limit = this.restartsAt
    // Header bytes below 0x80 are one-byte varints: the common case, decoded inline.
    let pos = at
    const shared = bytes[pos++]
    let unshared = pos < limit ? bytes[pos]! : 0x80
    if (unshared < 0x80) pos++
    else {
      unshared = readVarint(bytes, pos, limit)
      pos = varintEnd
    }
    const op = bytes[pos++]
    let seq = pos < limit ? bytes[pos]! : 0x80
    if (seq < 0x80) pos++
    else {
      seq = readVarint(bytes, pos, limit)
      pos = varintEnd
    }
    if (op === OpType.Put) {
      if (pos < limit && bytes[pos]! < 0x80) pos++
      else if (readVarint(bytes, pos, limit) < 0) pos = limit + 1
      else pos = varintEnd
    }
    if (shared !== 0 || unshared < 0 || seq < 0 || pos + unshared > limit) {
      throw this.corrupt('malformed restart entry', at)
    }
    const order = compareRange(bytes, pos, pos + unshared, key, 0, key.length)
    return order < 0 || (order === 0 && seq > atSeq)
  }
}
