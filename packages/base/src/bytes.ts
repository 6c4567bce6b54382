/**
 * Byte helpers shared by the packages. Keys are ordered by unsigned bytewise comparison (the
 * order of `Buffer.compare`): a shorter key that is a prefix of a longer one sorts first.
 */

/** Keys up to this length are compared in JavaScript: cheaper than a call into C++. */
const INLINE_COMPARE_BYTES = 64

/** Unsigned bytewise comparison: negative, zero or positive, as `Buffer.compare`. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const length = Math.min(a.length, b.length)
  if (length > INLINE_COMPARE_BYTES) return Buffer.compare(a, b)
  for (let index = 0; index < length; index++) {
    const difference = a[index]! - b[index]!
    if (difference !== 0) return difference
  }
  return a.length - b.length
}

/** True when `value` is a `Uint8Array` (a `Buffer` is one). */
export function isBytes(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array
}

/** A `Buffer` view of `bytes` without copying. */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}

// `ignoreBOM: true` keeps a leading U+FEFF in the text, as `Buffer#toString('utf8')` does.
const utf8Decoder = new TextDecoder('utf-8', { ignoreBOM: true })

/** `bytes` decoded as UTF-8 (malformed sequences become U+FFFD), the same text as
 *  `Buffer#toString('utf8')` gives, without wrapping a Uint8Array in a Buffer first (which costs
 *  more than the decoding of a short string). */
export function utf8Text(bytes: Uint8Array): string {
  return utf8Decoder.decode(bytes)
}

/** A short printable description of a value's type, for error messages. */
export function describeType(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  if (typeof value === 'object') return `an object (${(value as object).constructor?.name ?? 'Object'})`
  return `a ${typeof value}`
}
