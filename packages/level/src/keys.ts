/**
 * How abstract-level keys are stored in the engine.
 *
 * abstract-level (and LevelDB, and the compliance suite) allow the empty key; strata's engine
 * stores keys of 1 byte or more. The adapter maps every user key to a non-empty stored key with
 * a map that keeps byte order and is one-to-one:
 *
 *   ''                        → 00
 *   a key starting with 00    → 00 ‖ key        (one byte longer)
 *   any other key             → the key itself  (no copy)
 *
 * Order: 00 sorts before every 00 00…, and every 00… sorts before a key starting with 01 or
 * more; within each group the order is the key's own. So range bounds and seek targets go
 * through the same map and still select exactly the same keys. Stored keys of the form
 * 00 x… with x ≠ 00 never occur.
 *
 * Most keys (text, and binary keys not starting with a zero byte) are stored exactly as given,
 * so a database written through the adapter reads the same through `@strata/engine` directly,
 * apart from those two kinds of keys.
 */
import { InvalidArgumentError } from '@strata/base'
import { MAX_KEY_BYTES } from '@strata/engine'

const ESCAPE = 0x00
const EMPTY_KEY_STORED = Buffer.from([ESCAPE])

/** An inclusive upper bound at or above every key the engine can store (the engine's largest
 *  key, all 0xff bytes). */
export const STORED_KEY_CEILING: Buffer = Buffer.alloc(MAX_KEY_BYTES, 0xff)

/** The stored form of `key`: `key` itself unless it is empty or starts with a zero byte. Throws
 *  `InvalidArgumentError` for a key starting with a zero byte that would outgrow the engine's
 *  key limit once mapped (longer keys are reported by the engine itself). */
export function toStoredKey(key: Uint8Array): Uint8Array {
  if (key.length === 0) return EMPTY_KEY_STORED
  if (key[0] !== ESCAPE) return key
  if (key.length >= MAX_KEY_BYTES) {
    throw new InvalidArgumentError(
      `key is ${key.length} bytes and starts with a zero byte; such keys may be at most ${MAX_KEY_BYTES - 1} ` +
        `bytes (other keys up to ${MAX_KEY_BYTES}), because they are stored with one more byte`,
      { argument: 'key' },
    )
  }
  return toStoredBound(key)
}

/** The stored form of a range bound or seek target: as `toStoredKey`, with no length limit
 *  (a bound only takes part in comparisons). */
export function toStoredBound(key: Uint8Array): Uint8Array {
  if (key.length === 0) return EMPTY_KEY_STORED
  if (key[0] !== ESCAPE) return key
  const stored = Buffer.allocUnsafe(key.length + 1)
  stored[0] = ESCAPE
  stored.set(key, 1)
  return stored
}

/** The user key stored as `stored`, as a new Buffer (never a view of the engine's memory). */
export function fromStoredKey(stored: Uint8Array): Buffer {
  return Buffer.from(stored[0] === ESCAPE ? stored.subarray(1) : stored)
}

/** Range bounds of a read, as abstract-level passes them (encoded) or as the engine takes them. */
export interface Range {
  gt?: Uint8Array
  gte?: Uint8Array
  lt?: Uint8Array
  lte?: Uint8Array
}

/** The engine's range for abstract-level's `range`: each bound mapped with `toStoredBound`.
 *  abstract-level gives `gte` precedence over `gt` and `lte` over `lt` (the engine would use the
 *  tighter of the two), so the other one is dropped. */
export function storedRange(range: Range): Range {
  const stored: Range = {}
  if (range.gte !== undefined) stored.gte = toStoredBound(range.gte)
  else if (range.gt !== undefined) stored.gt = toStoredBound(range.gt)
  if (range.lte !== undefined) stored.lte = toStoredBound(range.lte)
  else if (range.lt !== undefined) stored.lt = toStoredBound(range.lt)
  return stored
}
