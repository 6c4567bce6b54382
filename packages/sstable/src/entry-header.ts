/**
 * The header of a block entry (layout in block-builder.ts): `varint shared, varint unshared,
 * u8 op, varint seq, [varint value length when op = Put]`. One decoder for every reader of
 * blocks (`Block.decodeAll`, `BlockCursor`, `TableScan`), with the same checks.
 */
import { OpType } from '@strata/base'
import { readVarint, varintEnd } from './coding.js'

/**
 * The fields of the header last read by `readEntryHeader`: a module-level record (as
 * `varintEnd`), so decoding allocates nothing per entry.
 */
export const entryHeader = {
  shared: 0,
  unshared: 0,
  op: 0,
  seq: 0,
  valueLength: 0,
  /** Where the entry's unshared key bytes start; the value follows them at `valueStart`. */
  keyStart: 0,
  valueStart: 0,
}

/**
 * Reads the header of the entry at `pos` (entries end at `limit`) into `entryHeader`. Returns
 * false when it is malformed: a bad varint, an unknown op, more shared key bytes than the
 * previous key's `previousKeyLength`, or key and value bytes running past `limit`.
 */
export function readEntryHeader(
  bytes: Uint8Array,
  pos: number,
  limit: number,
  previousKeyLength: number,
): boolean {
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
  const valueStart = pos + unshared
  if (
    shared < 0 ||
    unshared < 0 ||
    seq < 0 ||
    valueLength < 0 ||
    (op !== OpType.Put && op !== OpType.Delete) ||
    shared > previousKeyLength ||
    valueStart + valueLength > limit
  ) {
    return false
  }
  const header = entryHeader
  header.shared = shared
  header.unshared = unshared
  header.op = op
  header.seq = seq
  header.valueLength = valueLength
  header.keyStart = pos
  header.valueStart = valueStart
  return true
}
