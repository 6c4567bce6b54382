/**
 * Frame payloads of the WAL: one entry is the msgpack array `[seq, timestampMs, op, key, value]`
 * (key and value as msgpack bin, a Delete's value as nil; a RangeDelete (op 3) holds the range's
 * inclusive start as key and its exclusive end as value, nil when the range has no end); an atomic batch is a msgpack array
 * of such arrays. Decoding checks every field, so a checksum-valid but malformed payload is
 * reported as damage rather than returned as a wrong entry.
 */
import { decodeMsgpack, encodeMsgpack, type MsgpackValue, OpType } from '@strata/base'
import { WALEntry } from './entry.js'

/** The fields of an entry as they are written. */
export interface EntryFields {
  seq: number
  timestampMs: number
  op: number
  key: Uint8Array
  value: Uint8Array | null
}

function tuple(entry: EntryFields): MsgpackValue[] {
  return [entry.seq, entry.timestampMs, entry.op, entry.key, entry.value]
}

/** The payload of a frame holding one entry. */
export function encodeEntryPayload(entry: EntryFields): Uint8Array {
  const out = Buffer.allocUnsafe(tupleBytes(entry))
  writeTuple(out, 0, entry)
  return out
}

/** The payload of a frame holding an atomic batch (at least one entry). */
export function encodeBatchPayload(entries: readonly EntryFields[]): Uint8Array {
  const out = Buffer.allocUnsafe(batchPayloadBytes(entries))
  writeBatchPayload(out, 0, entries)
  return out
}

/** Bytes of `encodeEntryPayload(entry)`. */
export function entryPayloadBytes(entry: EntryFields): number {
  return tupleBytes(entry)
}

/** Writes `encodeEntryPayload(entry)` into `out` at `at` (it has room); returns where it ends. */
export function writeEntryPayload(out: Buffer, at: number, entry: EntryFields): number {
  return writeTuple(out, at, entry)
}

/** Bytes of `encodeBatchPayload(entries)`. */
export function batchPayloadBytes(entries: readonly EntryFields[]): number {
  let total = arrayHeaderBytes(entries.length)
  for (let index = 0; index < entries.length; index++) total += tupleBytes(entries[index]!)
  return total
}

/** Writes `encodeBatchPayload(entries)` into `out` at `at` (it has room); returns where it ends. */
export function writeBatchPayload(out: Buffer, at: number, entries: readonly EntryFields[]): number {
  at = writeArrayHeader(out, at, entries.length)
  for (let index = 0; index < entries.length; index++) at = writeTuple(out, at, entries[index]!)
  return at
}

/** The same bytes through the generic encoder (`encodeMsgpack`, which writes what msgpackr
 *  writes): the reference the fast encoder above is tested against (they must agree byte for
 *  byte). */
export function encodeBatchPayloadGeneric(entries: readonly EntryFields[]): Uint8Array {
  return encodeMsgpack(entries.map(tuple))
}

export function encodeEntryPayloadGeneric(entry: EntryFields): Uint8Array {
  return encodeMsgpack(tuple(entry))
}

// ---- fast encoder ---------------------------------------------------------------------------
// Writes exactly what msgpackr writes for our tuples — the smallest unsigned integer form up to
// 32 bits and a float 64 beyond (msgpackr's choice for larger integers), bin 8/16/32, nil,
// fixarray/array 16/array 32 — without building an array per entry or walking generic types.
// Fields were validated by the caller (non-negative safe integers, bytes or null).

function integerBytes(value: number): number {
  if (value < 0x80) return 1
  if (value < 0x100) return 2
  if (value < 0x10000) return 3
  if (value < 0x100000000) return 5
  return 9
}

function writeInteger(out: Buffer, at: number, value: number): number {
  if (value < 0x80) {
    out[at] = value
    return at + 1
  }
  if (value < 0x100) {
    out[at] = 0xcc
    out[at + 1] = value
    return at + 2
  }
  if (value < 0x10000) {
    out[at] = 0xcd
    out.writeUInt16BE(value, at + 1)
    return at + 3
  }
  if (value < 0x100000000) {
    out[at] = 0xce
    out.writeUInt32BE(value, at + 1)
    return at + 5
  }
  out[at] = 0xcb
  out.writeDoubleBE(value, at + 1)
  return at + 9
}

function binBytes(data: Uint8Array | null): number {
  if (data === null) return 1
  const length = data.length
  return (length < 0x100 ? 2 : length < 0x10000 ? 3 : 5) + length
}

function writeBin(out: Buffer, at: number, data: Uint8Array | null): number {
  if (data === null) {
    out[at] = 0xc0
    return at + 1
  }
  const length = data.length
  if (length < 0x100) {
    out[at] = 0xc4
    out[at + 1] = length
    at += 2
  } else if (length < 0x10000) {
    out[at] = 0xc5
    out.writeUInt16BE(length, at + 1)
    at += 3
  } else {
    out[at] = 0xc6
    out.writeUInt32BE(length, at + 1)
    at += 5
  }
  out.set(data, at)
  return at + length
}

function arrayHeaderBytes(count: number): number {
  return count < 16 ? 1 : count < 0x10000 ? 3 : 5
}

function writeArrayHeader(out: Buffer, at: number, count: number): number {
  if (count < 16) {
    out[at] = 0x90 | count
    return at + 1
  }
  if (count < 0x10000) {
    out[at] = 0xdc
    out.writeUInt16BE(count, at + 1)
    return at + 3
  }
  out[at] = 0xdd
  out.writeUInt32BE(count, at + 1)
  return at + 5
}

function tupleBytes(entry: EntryFields): number {
  return (
    1 +
    integerBytes(entry.seq) +
    integerBytes(entry.timestampMs) +
    integerBytes(entry.op) +
    binBytes(entry.key) +
    binBytes(entry.value)
  )
}

function writeTuple(out: Buffer, at: number, entry: EntryFields): number {
  out[at] = 0x95
  at = writeInteger(out, at + 1, entry.seq)
  at = writeInteger(out, at, entry.timestampMs)
  at = writeInteger(out, at, entry.op)
  at = writeBin(out, at, entry.key)
  return writeBin(out, at, entry.value)
}

function toEntry(value: unknown): WALEntry | string {
  if (!Array.isArray(value) || value.length !== 5) return 'an entry is not a 5-element array'
  const [seq, timestampMs, op, key, data] = value as [unknown, unknown, unknown, unknown, unknown]
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 0) {
    return `seq ${String(seq)} is not a non-negative safe integer`
  }
  if (typeof timestampMs !== 'number' || !Number.isSafeInteger(timestampMs) || timestampMs < 0) {
    return `timestampMs of seq ${seq} is not a non-negative safe integer`
  }
  if (!(key instanceof Uint8Array)) return `key of seq ${seq} is not bytes`
  if (op === OpType.Put) {
    if (!(data instanceof Uint8Array)) return `value of Put seq ${seq} is not bytes`
    return new WALEntry(seq, timestampMs, OpType.Put, key, data)
  }
  if (op === OpType.Delete) {
    if (data !== null) return `value of Delete seq ${seq} is not nil`
    return new WALEntry(seq, timestampMs, OpType.Delete, key, null)
  }
  if (op === OpType.RangeDelete) {
    if (data !== null && !(data instanceof Uint8Array)) {
      return `end of RangeDelete seq ${seq} is neither bytes nor nil`
    }
    return new WALEntry(seq, timestampMs, OpType.RangeDelete, key, data)
  }
  return `op ${String(op)} of seq ${seq} is not Put (1), Delete (2) or RangeDelete (3)`
}

// ---- fast path ------------------------------------------------------------------------------
// Replay decodes millions of small payloads; a generic decoder (`decodeMsgpack`) allocates an
// array per tuple and a Buffer per bin. This reader handles exactly the encodings written for our
// tuples (positive fixint, uint 8/16/32/64, float 64 holding an integer; bin 8/16/32; nil) with
// no intermediate objects; any other byte sends the payload to the generic decoder below, which
// accepts every valid msgpack spelling and explains what is wrong with an invalid one.

// The reader works in absolute positions over the payload's whole ArrayBuffer (payloads are
// views into one file buffer), so nothing is allocated per payload besides the entries.
let buffer: ArrayBufferLike = new ArrayBuffer(0)
let bytes: Uint8Array = new Uint8Array(buffer)
let view: DataView = new DataView(buffer)
let position = 0
let limit = 0
const FALLBACK = -1

/** A non-negative safe integer at `position`, or FALLBACK. */
function readInteger(): number {
  if (position >= limit) return FALLBACK
  const marker = bytes[position]!
  if (marker < 0x80) {
    position += 1
    return marker
  }
  let value: number
  switch (marker) {
    case 0xcc:
      if (position + 2 > limit) return FALLBACK
      value = bytes[position + 1]!
      position += 2
      return value
    case 0xcd:
      if (position + 3 > limit) return FALLBACK
      value = view.getUint16(position + 1)
      position += 3
      return value
    case 0xce:
      if (position + 5 > limit) return FALLBACK
      value = view.getUint32(position + 1)
      position += 5
      return value
    case 0xcf:
      if (position + 9 > limit || view.getUint32(position + 1) >= 0x200000) return FALLBACK
      value = view.getUint32(position + 1) * 0x100000000 + view.getUint32(position + 5)
      position += 9
      return value
    case 0xcb:
      if (position + 9 > limit) return FALLBACK
      value = view.getFloat64(position + 1)
      if (!Number.isSafeInteger(value) || value < 0 || Object.is(value, -0)) return FALLBACK
      position += 9
      return value
    default:
      return FALLBACK
  }
}

/** A bin at `position` as a view (no copy), or undefined. */
function readBin(): Uint8Array | undefined {
  if (position >= limit) return undefined
  const marker = bytes[position]!
  let length: number
  let header: number
  if (marker === 0xc4 && position + 2 <= limit) {
    length = bytes[position + 1]!
    header = 2
  } else if (marker === 0xc5 && position + 3 <= limit) {
    length = view.getUint16(position + 1)
    header = 3
  } else if (marker === 0xc6 && position + 5 <= limit) {
    length = view.getUint32(position + 1)
    header = 5
  } else return undefined
  const start = position + header
  if (start + length > limit) return undefined
  position = start + length
  return new Uint8Array(buffer, start, length)
}

function readTuple(): WALEntry | undefined {
  if (position >= limit || bytes[position] !== 0x95) return undefined
  position++
  const seq = readInteger()
  if (seq === FALLBACK) return undefined
  const timestampMs = readInteger()
  if (timestampMs === FALLBACK || position >= limit) return undefined
  const op = bytes[position++]
  const key = readBin()
  if (key === undefined) return undefined
  if (op === OpType.Put) {
    const value = readBin()
    return value === undefined ? undefined : new WALEntry(seq, timestampMs, OpType.Put, key, value)
  }
  if (op === OpType.Delete && position < limit && bytes[position] === 0xc0) {
    position++
    return new WALEntry(seq, timestampMs, OpType.Delete, key, null)
  }
  if (op === OpType.RangeDelete) {
    if (position < limit && bytes[position] === 0xc0) {
      position++
      return new WALEntry(seq, timestampMs, OpType.RangeDelete, key, null)
    }
    const end = readBin()
    return end === undefined ? undefined : new WALEntry(seq, timestampMs, OpType.RangeDelete, key, end)
  }
  return undefined
}

/** Entries of a canonically encoded payload, pushed onto `out`; false (nothing pushed) otherwise. */
function decodeCanonical(payload: Uint8Array, out: WALEntry[]): boolean {
  return decodeCanonicalRange(payload, 0, payload.length, out)
}

/** `decodeCanonical` of `source[start..end)`, without a view of the payload. */
function decodeCanonicalRange(source: Uint8Array, start: number, end: number, out: WALEntry[]): boolean {
  if (source.buffer !== buffer) {
    buffer = source.buffer
    bytes = new Uint8Array(buffer)
    view = new DataView(buffer)
  }
  position = source.byteOffset + start
  limit = source.byteOffset + end
  const length = end - start
  const marker = bytes[position]
  if (marker === 0x95) {
    const entry = readTuple()
    if (entry === undefined || position !== limit) return false
    out.push(entry)
    return true
  }
  let count: number
  if (marker !== undefined && marker >= 0x91 && marker <= 0x9f) {
    count = marker - 0x90
    position += 1
  } else if (marker === 0xdc && length >= 3) {
    count = view.getUint16(position + 1)
    position += 3
  } else if (marker === 0xdd && length >= 5) {
    count = view.getUint32(position + 1)
    position += 5
  } else return false
  if (count === 0) return false
  const before = out.length
  let previous = -1
  for (let index = 0; index < count; index++) {
    const entry = readTuple()
    if (entry === undefined || entry.seq <= previous) {
      out.length = before
      return false
    }
    previous = entry.seq
    out.push(entry)
  }
  if (position !== limit) {
    out.length = before
    return false
  }
  return true
}

/**
 * Appends the entries of `payload` (one, or a whole batch) to `out` and returns undefined, or
 * returns what is wrong with it (then nothing is appended).
 */
export function decodePayloadInto(payload: Uint8Array, out: WALEntry[]): string | undefined {
  if (decodeCanonical(payload, out)) return undefined
  const decoded = decodeGeneric(payload)
  if (typeof decoded === 'string') return decoded
  for (const entry of decoded) out.push(entry)
  return undefined
}

/** `decodePayloadInto` for the payload `source[start..end)`: the replay hot path. */
export function decodeRangeInto(
  source: Uint8Array,
  start: number,
  end: number,
  out: WALEntry[],
): string | undefined {
  if (decodeCanonicalRange(source, start, end, out)) return undefined
  return decodePayloadInto(source.subarray(start, end), out)
}

/** Decodes a payload into its entries (one, or a whole batch), or says what is wrong with it. */
export function decodePayload(payload: Uint8Array): WALEntry[] | string {
  const out: WALEntry[] = []
  const problem = decodePayloadInto(payload, out)
  return problem ?? out
}

function decodeGeneric(payload: Uint8Array): WALEntry[] | string {
  let decoded: unknown
  try {
    // Bins decode as copies; 64-bit integers as numbers (beyond 2^53 they then fail the
    // safe-integer check).
    decoded = decodeMsgpack(payload)
  } catch (error) {
    return `payload is not valid msgpack (${(error as Error).message})`
  }
  if (!Array.isArray(decoded) || decoded.length === 0) return 'payload is not an entry or a batch'
  if (!Array.isArray(decoded[0])) {
    const entry = toEntry(decoded)
    return typeof entry === 'string' ? entry : [entry]
  }
  const entries: WALEntry[] = []
  for (const item of decoded) {
    const entry = toEntry(item)
    if (typeof entry === 'string') return `batch entry ${entries.length}: ${entry}`
    const previous = entries[entries.length - 1]
    if (previous !== undefined && entry.seq <= previous.seq) {
      return `batch seqs are not increasing (${entry.seq} after ${previous.seq})`
    }
    entries.push(entry)
  }
  return entries
}
