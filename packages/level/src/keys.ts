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
 *
 * Keys arrive in one of the two formats the adapter declares to abstract-level: 'buffer'
 * (bytes) or 'utf8' (a string, stored as its UTF-8 bytes). A string key that needs no mapping
 * is handed to the engine as it is (the engine encodes it once).
 */
import { InvalidArgumentError, utf8Text } from '@strata/base'
import { MAX_KEY_BYTES } from '@strata/engine'

const ESCAPE = 0x00
const EMPTY_KEY_STORED = Buffer.from([ESCAPE])

/** A key, bound or target as abstract-level's private API passes it: bytes, or a string in the
 *  'utf8' format. */
export type KeyData = Uint8Array | string

/** The format of data handed back to abstract-level: a Buffer, or a string for 'utf8'. */
export type Format = 'buffer' | 'utf8'

/** The stored form of `key`: `key` itself unless it is empty or starts with a zero byte (a
 *  string: with U+0000). Throws `InvalidArgumentError` for a key starting with a zero byte that
 *  would outgrow the engine's key limit once mapped (longer keys are reported by the engine). */
export function toStoredKey(key: KeyData): KeyData {
  if (key.length === 0) return EMPTY_KEY_STORED
  if (typeof key === 'string' ? key.charCodeAt(0) !== ESCAPE : key[0] !== ESCAPE) return key
  const stored = toStoredBound(key)
  if (stored.length > MAX_KEY_BYTES) {
    throw new InvalidArgumentError(
      `key is ${stored.length - 1} bytes and starts with a zero byte; such keys may be at most ${MAX_KEY_BYTES - 1} ` +
        `bytes (other keys up to ${MAX_KEY_BYTES}), because they are stored with one more byte`,
      { argument: 'key' },
    )
  }
  return stored
}

/** The stored form of a range bound or seek target, as bytes: as `toStoredKey`, with no length
 *  limit (a bound only takes part in comparisons). */
export function toStoredBound(key: KeyData): Uint8Array {
  const bytes = typeof key === 'string' ? Buffer.from(key, 'utf8') : key
  if (bytes.length === 0) return EMPTY_KEY_STORED
  if (bytes[0] !== ESCAPE) return bytes
  const stored = Buffer.allocUnsafe(bytes.length + 1)
  stored[0] = ESCAPE
  stored.set(bytes, 1)
  return stored
}

/** `data` for abstract-level in `format`: a new Buffer (never a view of the engine's memory,
 *  which may be its memtable's) or, for 'utf8', a string. */
export function toOutput(data: Uint8Array, format: Format): Buffer | string {
  if (format === 'utf8') return utf8Text(data)
  return Buffer.from(data)
}

/** The user key stored as `stored`, in `format` (see `toOutput`). */
export function fromStoredKey(stored: Uint8Array, format: Format = 'buffer'): Buffer | string {
  return toOutput(stored[0] === ESCAPE ? stored.subarray(1) : stored, format)
}

/** Range bounds of a read, as abstract-level passes them (encoded) or as the engine takes them. */
export interface Range<T = KeyData> {
  gt?: T
  gte?: T
  lt?: T
  lte?: T
}

/** The engine's range for abstract-level's `range`: each bound mapped with `toStoredBound`.
 *  abstract-level gives `gte` precedence over `gt` and `lte` over `lt` (the engine would use the
 *  tighter of the two), so the other one is dropped. */
export function storedRange(range: Range): Range<Uint8Array> {
  const stored: Range<Uint8Array> = {}
  if (range.gte !== undefined) stored.gte = toStoredBound(range.gte)
  else if (range.gt !== undefined) stored.gt = toStoredBound(range.gt)
  if (range.lte !== undefined) stored.lte = toStoredBound(range.lte)
  else if (range.lt !== undefined) stored.lt = toStoredBound(range.lt)
  return stored
}
