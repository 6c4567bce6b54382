/**
 * Argument checks for the memtable's public calls. Each throws `InvalidArgumentError` naming the
 * argument, what it was, and what is allowed.
 */
import {
  compareBytes,
  describeType,
  type InternalEntry,
  InvalidArgumentError,
  isBytes,
  OpType,
} from '@strata/base'

/** Longest key or value the memtable stores (its storage addresses bytes with 31-bit offsets). */
export const MAX_BYTES_LENGTH = 0x7fff_ffff

export function checkKey(key: unknown, argument = 'key'): asserts key is Uint8Array {
  if (!isBytes(key)) {
    throw new InvalidArgumentError(`${argument} must be a Uint8Array (or Buffer), got ${describeType(key)}`, {
      argument,
    })
  }
  if (key.length > MAX_BYTES_LENGTH) {
    throw new InvalidArgumentError(
      `${argument} is ${key.length} bytes long; the memtable stores keys of at most ${MAX_BYTES_LENGTH} bytes`,
      { argument },
    )
  }
}

export function checkValue(value: unknown, argument = 'value'): asserts value is Uint8Array {
  if (!isBytes(value)) {
    throw new InvalidArgumentError(
      `${argument} must be a Uint8Array (or Buffer), got ${describeType(value)}; use delete() to remove a key`,
      { argument },
    )
  }
  if (value.length > MAX_BYTES_LENGTH) {
    throw new InvalidArgumentError(
      `${argument} is ${value.length} bytes long; the memtable stores values of at most ${MAX_BYTES_LENGTH} bytes`,
      { argument },
    )
  }
}

export function checkSeq(seq: unknown, argument = 'seq'): asserts seq is number {
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 0) {
    const shown = typeof seq === 'number' ? String(seq) : describeType(seq)
    throw new InvalidArgumentError(
      `${argument} must be an integer from 0 to Number.MAX_SAFE_INTEGER, got ${shown}`,
      { argument },
    )
  }
}

/** True for the common entry, a put or a delete whose fields are all good: checked without
 *  building any argument name (a batch checks every entry; names are built only for the one
 *  that fails, by the full checks below). */
function isWellFormedPointEntry(entry: unknown): boolean {
  if (typeof entry !== 'object' || entry === null) return false
  const { key, seq, op, value } = entry as Record<string, unknown>
  if (!(key instanceof Uint8Array) || key.length > MAX_BYTES_LENGTH) return false
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 0) return false
  if (op === OpType.Put) return value instanceof Uint8Array && value.length <= MAX_BYTES_LENGTH
  return op === OpType.Delete && (value === null || value === undefined)
}

/** Checks a whole batch before any of it is applied, so a bad entry leaves the table unchanged. */
export function checkEntries(entries: unknown): asserts entries is readonly InternalEntry[] {
  if (!Array.isArray(entries)) {
    throw new InvalidArgumentError(
      `entries must be an array of InternalEntry, got ${describeType(entries)}`,
      {
        argument: 'entries',
      },
    )
  }
  for (let index = 0; index < entries.length; index++) {
    const entry: unknown = entries[index]
    if (isWellFormedPointEntry(entry)) continue
    const name = `entries[${index}]`
    if (typeof entry !== 'object' || entry === null) {
      throw new InvalidArgumentError(
        `${name} must be an object { key, seq, op, value }, got ${describeType(entry)}`,
        { argument: name },
      )
    }
    const { key, seq, op, value } = entry as Record<string, unknown>
    checkKey(key, `${name}.key`)
    checkSeq(seq, `${name}.seq`)
    if (op === OpType.Put) {
      checkValue(value, `${name}.value`)
    } else if (op === OpType.Delete) {
      if (value !== null && value !== undefined) {
        throw new InvalidArgumentError(
          `${name} is a delete (op ${OpType.Delete}) with a value; a delete's value must be null`,
          { argument: `${name}.value` },
        )
      }
    } else if (op === OpType.RangeDelete) {
      if (value !== null && !(value instanceof Uint8Array)) {
        throw new InvalidArgumentError(
          `${name} is a range delete (op ${OpType.RangeDelete}); its value (the range's end) must be bytes or null`,
          { argument: `${name}.value` },
        )
      }
      if (value !== null && compareBytes(key, value) >= 0) {
        throw new InvalidArgumentError(
          `${name} is a range delete whose start (key) is not below its end (value): it holds no key`,
          { argument: `${name}.value` },
        )
      }
    } else {
      throw new InvalidArgumentError(
        `${name}.op must be OpType.Put (${OpType.Put}), OpType.Delete (${OpType.Delete}) or OpType.RangeDelete (${OpType.RangeDelete}), got ${typeof op === 'number' ? op : describeType(op)}`,
        { argument: `${name}.op` },
      )
    }
  }
}
