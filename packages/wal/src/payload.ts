/**
 * Frame payloads of the WAL: one entry is the msgpack array `[seq, timestampMs, op, key, value]`
 * (key and value as msgpack bin, a Delete's value as nil); an atomic batch is a msgpack array
 * of such arrays. Decoding checks every field, so a checksum-valid but malformed payload is
 * reported as damage rather than returned as a wrong entry.
 */
import { OpType } from '@strata/base'
import { Packr, Unpackr } from 'msgpackr'
import { WALEntry } from './entry.js'

const packr = new Packr({ useRecords: false })
// Decoded bins are views into the read buffer (no copy); 64-bit integers decode to numbers
// (anything beyond 2^53 then fails the safe-integer check instead of becoming a bigint).
const unpackr = new Unpackr({ useRecords: false, int64AsType: 'number' })

/** The fields of an entry as they are written. */
export interface EntryFields {
  seq: number
  timestampMs: number
  op: number
  key: Uint8Array
  value: Uint8Array | null
}

function tuple(entry: EntryFields): unknown[] {
  return [entry.seq, entry.timestampMs, entry.op, entry.key, entry.value]
}

/** The payload of a frame holding one entry. */
export function encodeEntryPayload(entry: EntryFields): Uint8Array {
  return packr.pack(tuple(entry))
}

/** The payload of a frame holding an atomic batch (at least one entry). */
export function encodeBatchPayload(entries: readonly EntryFields[]): Uint8Array {
  return packr.pack(entries.map(tuple))
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
  return `op ${String(op)} of seq ${seq} is neither Put (1) nor Delete (2)`
}

/** Decodes a payload into its entries (one, or a whole batch), or says what is wrong with it. */
export function decodePayload(payload: Uint8Array): WALEntry[] | string {
  let decoded: unknown
  try {
    decoded = unpackr.unpack(payload)
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
