/**
 * Checks of what callers pass in. Each failure is an InvalidArgumentError that names the
 * argument, says what was received and what is allowed.
 */
import { describeType, InvalidArgumentError, isBytes, OpType } from '@strata/base'
import type { EntryFields } from './payload.js'

function reject(argument: string, message: string): never {
  throw new InvalidArgumentError(`${argument} ${message}`, { argument })
}

function describe(value: unknown): string {
  return typeof value === 'number' || typeof value === 'bigint' ? String(value) : describeType(value)
}

/** Checks one entry's fields and returns them; `after` is the seq the entry must exceed. */
export function checkEntry(entry: unknown, argument: string, after: number | undefined): EntryFields {
  if (typeof entry !== 'object' || entry === null) {
    reject(argument, `must be a WALEntry (seq, timestampMs, op, key, value), got ${describeType(entry)}`)
  }
  const { seq, timestampMs, op, key, value } = entry as Record<string, unknown>
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 0) {
    reject(`${argument}.seq`, `must be a non-negative safe integer, got ${describe(seq)}`)
  }
  if (after !== undefined && seq <= after) {
    reject(
      `${argument}.seq`,
      `must be greater than the last seq written (${after}), got ${seq}: seqs strictly increase`,
    )
  }
  if (typeof timestampMs !== 'number' || !Number.isSafeInteger(timestampMs) || timestampMs < 0) {
    reject(
      `${argument}.timestampMs`,
      `must be a non-negative safe integer (milliseconds since the epoch), got ${describe(timestampMs)}`,
    )
  }
  if (op !== OpType.Put && op !== OpType.Delete && op !== OpType.RangeDelete) {
    reject(
      `${argument}.op`,
      `must be OpType.Put (1), OpType.Delete (2) or OpType.RangeDelete (3), got ${describe(op)}`,
    )
  }
  if (!isBytes(key)) reject(`${argument}.key`, `must be a Uint8Array or Buffer, got ${describeType(key)}`)
  if (op === OpType.Put && !isBytes(value)) {
    reject(`${argument}.value`, `must be a Uint8Array or Buffer for a Put, got ${describeType(value)}`)
  }
  if (op === OpType.Delete && value !== null) {
    reject(`${argument}.value`, `must be null for a Delete, got ${describeType(value)}`)
  }
  if (op === OpType.RangeDelete && value !== null && !isBytes(value)) {
    reject(
      `${argument}.value`,
      `must be the range's end (bytes) or null (no end) for a RangeDelete, got ${describeType(value)}`,
    )
  }
  return entry as EntryFields
}

/** Checks a batch: an array of one or more entries with strictly increasing seqs after `after`. */
export function checkBatch(entries: unknown, after: number | undefined): EntryFields[] {
  if (!Array.isArray(entries)) {
    reject('entries', `must be an array of WALEntry, got ${describeType(entries)}`)
  }
  let previous = after
  for (let index = 0; index < entries.length; index++) {
    const entry: unknown = entries[index]
    // The common entry is accepted without building its argument name; any other goes through
    // `checkEntry`, which names what is wrong.
    previous = isWellFormedPointEntry(entry, previous)
      ? (entry as EntryFields).seq
      : checkEntry(entry, `entries[${index}]`, previous).seq
  }
  return entries as EntryFields[]
}

/** True for a put or a delete whose fields are all good and whose seq is above `after`. */
function isWellFormedPointEntry(entry: unknown, after: number | undefined): boolean {
  if (typeof entry !== 'object' || entry === null) return false
  const { seq, timestampMs, op, key, value } = entry as Record<string, unknown>
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 0) return false
  if (after !== undefined && seq <= after) return false
  if (typeof timestampMs !== 'number' || !Number.isSafeInteger(timestampMs) || timestampMs < 0) {
    return false
  }
  if (!(key instanceof Uint8Array)) return false
  if (op === OpType.Put) return value instanceof Uint8Array
  return op === OpType.Delete && value === null
}

/** Checks the `seq` passed to truncateBefore. */
export function checkTruncateSeq(seq: unknown): number {
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 0) {
    reject('seq', `must be a non-negative safe integer, got ${describe(seq)}`)
  }
  return seq
}
