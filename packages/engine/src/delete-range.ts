/**
 * `deleteRange`'s argument: a range `{ gt?, gte?, lt?, lte? }` of keys in the database's key
 * encoding, turned into the range tombstone's bytes — an inclusive start (`gt k` starts at the
 * key right after k: k followed by a zero byte; no lower bound starts at the empty key, before
 * every key) and an exclusive end (`lte k` ends right after k; no upper bound: null). A range
 * that holds no key, or an argument that is not such a range, is an `InvalidArgumentError`.
 */
import { compareBytes, describeType, InvalidArgumentError, OpType } from '@strata/base'
import type { ResolvedEncoding } from './encoding.js'
import { MAX_KEY_BYTES } from './options.js'
import { type EncodedOperation, encodedOperation } from './write-queue.js'

/** A key range, as `deleteRange` and the `deleteRange` batch operation take it. */
export interface DeleteRange<K> {
  gt?: K
  gte?: K
  lt?: K
  lte?: K
}

/** The bytes of a range tombstone: `start` inclusive, `end` exclusive (null: no end). */
export interface EncodedRange {
  start: Uint8Array
  end: Uint8Array | null
}

const BOUNDS = ['gt', 'gte', 'lt', 'lte'] as const

/** The key right after `key` in byte order. */
function successor(key: Uint8Array): Uint8Array {
  const next = new Uint8Array(key.length + 1)
  next.set(key)
  return next
}

/**
 * Checks `range` and encodes its bounds with `encode`. `allowed`: other property names the
 * object may carry (`type` for a batch operation). `argument`: how errors name it.
 */
export function encodeDeleteRange<K>(
  range: unknown,
  encode: (key: K, argument: string) => Uint8Array,
  argument = 'range',
  allowed: readonly string[] = [],
): EncodedRange {
  if (typeof range !== 'object' || range === null || Array.isArray(range)) {
    throw new InvalidArgumentError(
      `${argument} must be an object { gt?, gte?, lt?, lte? }, not ${describeType(range)}`,
      { argument },
    )
  }
  const given = range as Record<string, unknown>
  for (const name of Object.keys(given)) {
    if (!(BOUNDS as readonly string[]).includes(name) && !allowed.includes(name)) {
      throw new InvalidArgumentError(
        `${argument}.${name} is not a range bound; a range takes gt, gte, lt and lte`,
        { argument: `${argument}.${name}` },
      )
    }
  }
  const bytes: Partial<Record<(typeof BOUNDS)[number], Uint8Array>> = {}
  for (const name of BOUNDS) {
    const value = given[name]
    if (value === undefined) continue
    if (value === null) {
      throw new InvalidArgumentError(`${argument}.${name} must be a key or undefined, not null`, {
        argument: `${argument}.${name}`,
      })
    }
    const encoded = encode(value as K, `${argument}.${name}`)
    if (encoded.length > MAX_KEY_BYTES) {
      throw new InvalidArgumentError(
        `${argument}.${name} is ${encoded.length} bytes; the largest key allowed is ${MAX_KEY_BYTES}`,
        { argument: `${argument}.${name}` },
      )
    }
    bytes[name] = encoded
  }
  if (bytes.gt !== undefined && bytes.gte !== undefined) {
    throw new InvalidArgumentError(`${argument} gives both gt and gte; give at most one lower bound`, {
      argument,
    })
  }
  if (bytes.lt !== undefined && bytes.lte !== undefined) {
    throw new InvalidArgumentError(`${argument} gives both lt and lte; give at most one upper bound`, {
      argument,
    })
  }
  const start = bytes.gte ?? (bytes.gt !== undefined ? successor(bytes.gt) : new Uint8Array(0))
  const end = bytes.lt ?? (bytes.lte !== undefined ? successor(bytes.lte) : null)
  if (end !== null && compareBytes(start, end) >= 0) {
    throw new InvalidArgumentError(
      `${argument} holds no key (its lower bound is not below its upper bound); an empty range cannot be deleted`,
      { argument },
    )
  }
  return { start, end }
}

/** The write operation of a range delete: `range` checked and encoded with `keyEncoding`. */
export function rangeDeleteOperation<K>(
  range: unknown,
  keyEncoding: ResolvedEncoding<K>,
  argument: string,
  allowed: readonly string[] = [],
): EncodedOperation {
  const { start, end } = encodeDeleteRange<K>(
    range,
    (key, name) => keyEncoding.encode(key, name),
    argument,
    allowed,
  )
  return encodedOperation(OpType.RangeDelete, start, end)
}
