/**
 * Low-level encoding shared by the writer and the reader: unsigned LEB128 varints (up to
 * 2^53 - 1), little-endian u32/u64, and a growable byte sink. Keeping them here keeps the block,
 * filter and footer code about layout only.
 */

/** Largest value a u64 field may hold here: JavaScript numbers are exact up to 2^53 - 1. */
export const MAX_SAFE = Number.MAX_SAFE_INTEGER

/** Bytes a varint of `value` takes. */
export function varintLength(value: number): number {
  let length = 1
  while (value >= 0x80) {
    value = Math.floor(value / 128)
    length++
  }
  return length
}

/**
 * Where the last `readVarint` stopped. A module-level cursor avoids allocating a result object
 * on the hot path; JavaScript is single-threaded per module instance (and worker threads get
 * their own instance), so this is safe.
 */
export let varintEnd = 0

/**
 * Reads an unsigned varint at `pos`, not past `limit`. Returns the value and sets `varintEnd`,
 * or returns -1 when the bytes are not a valid varint (runs past `limit`, more than 8 bytes, or
 * larger than 2^53 - 1).
 */
export function readVarint(bytes: Uint8Array, pos: number, limit: number): number {
  if (pos < limit) {
    const first = bytes[pos]!
    if (first < 0x80) {
      varintEnd = pos + 1
      return first
    }
  }
  let result = 0
  let scale = 1
  for (let index = 0; index < 8; index++) {
    if (pos >= limit) return -1
    const byte = bytes[pos++]!
    result += (byte & 0x7f) * scale
    if (byte < 0x80) {
      if (result > MAX_SAFE) return -1
      varintEnd = pos
      return result
    }
    scale *= 128
  }
  return -1
}

/** A growable output buffer. `bytes[0..length)` holds what was appended. */
export class ByteSink {
  bytes: Buffer
  length = 0

  constructor(capacity = 4096) {
    this.bytes = Buffer.allocUnsafeSlow(capacity)
  }

  /** Makes room for `extra` more bytes. */
  reserve(extra: number): void {
    const needed = this.length + extra
    if (needed <= this.bytes.length) return
    let capacity = this.bytes.length * 2
    while (capacity < needed) capacity *= 2
    const grown = Buffer.allocUnsafeSlow(capacity)
    this.bytes.copy(grown, 0, 0, this.length)
    this.bytes = grown
  }

  /** Appends a byte; the caller has reserved room. */
  u8(value: number): void {
    this.bytes[this.length++] = value
  }

  /** Appends a little-endian u32; the caller has reserved room. */
  u32(value: number): void {
    this.bytes.writeUInt32LE(value >>> 0, this.length)
    this.length += 4
  }

  /** Appends a little-endian u64 (a safe integer); the caller has reserved room. */
  u64(value: number): void {
    writeU64(this.bytes, this.length, value)
    this.length += 8
  }

  /** Appends a varint (at most 8 bytes); the caller has reserved room. */
  varint(value: number): void {
    const bytes = this.bytes
    let pos = this.length
    while (value >= 0x80) {
      bytes[pos++] = (value % 128) | 0x80
      value = Math.floor(value / 128)
    }
    bytes[pos++] = value
    this.length = pos
  }

  /** Appends `source[start..end)`, reserving room. */
  append(source: Uint8Array, start = 0, end = source.length): void {
    const count = end - start
    this.reserve(count)
    if (count <= 32) {
      const bytes = this.bytes
      let pos = this.length
      for (let index = start; index < end; index++) bytes[pos++] = source[index]!
    } else {
      // A view only when a part of `source` is copied: `set` of the whole allocates nothing.
      this.bytes.set(start === 0 && end === source.length ? source : source.subarray(start, end), this.length)
    }
    this.length += count
  }
}

/** Writes a safe integer as a little-endian u64. */
export function writeU64(bytes: Buffer, pos: number, value: number): void {
  bytes.writeUInt32LE(value % 0x1_0000_0000, pos)
  bytes.writeUInt32LE(Math.floor(value / 0x1_0000_0000), pos + 4)
}

/** Reads a little-endian u64; returns -1 when it exceeds 2^53 - 1. */
export function readU64(bytes: Buffer, pos: number): number {
  const low = bytes.readUInt32LE(pos)
  const high = bytes.readUInt32LE(pos + 4)
  if (high > 0x1f_ffff) return -1
  return high * 0x1_0000_0000 + low
}

/**
 * Unsigned bytewise comparison of `a[aStart..aEnd)` and `b[bStart..bEnd)`, as `Buffer.compare`.
 * A JavaScript loop beats the native call for the short keys that dominate; long ranges go to
 * the native `memcmp`.
 */
export function compareRange(
  a: Uint8Array,
  aStart: number,
  aEnd: number,
  b: Uint8Array,
  bStart: number,
  bEnd: number,
): number {
  const aLength = aEnd - aStart
  const bLength = bEnd - bStart
  const common = Math.min(aLength, bLength)
  if (common > 48) {
    const native = Buffer.compare(
      Buffer.from(a.buffer, a.byteOffset + aStart, common),
      Buffer.from(b.buffer, b.byteOffset + bStart, common),
    )
    return native !== 0 ? native : aLength - bLength
  }
  for (let index = 0; index < common; index++) {
    const difference = a[aStart + index]! - b[bStart + index]!
    if (difference !== 0) return difference
  }
  return aLength - bLength
}

/** `compareRange` over whole arrays. */
export function compareKeys(a: Uint8Array, b: Uint8Array): number {
  return compareRange(a, 0, a.length, b, 0, b.length)
}

/**
 * A new byte array of `length`. Small arrays (up to 64 bytes) live on the JavaScript heap, which
 * V8 allocates cheaply; larger ones come from Node's Buffer pool (`allocUnsafe`, fully
 * overwritten by the caller), since a fresh ArrayBuffer per value costs several hundred ns.
 */
export function allocate(length: number): Uint8Array {
  return length <= 64 ? new Uint8Array(length) : Buffer.allocUnsafe(length)
}

/** A copy of `source[start..end)` that shares no memory with it. */
export function copyRange(source: Uint8Array, start: number, end: number): Uint8Array {
  const length = end - start
  const copy = allocate(length)
  if (length <= 64) {
    for (let index = 0; index < length; index++) copy[index] = source[start + index]!
  } else {
    copy.set(source.subarray(start, end))
  }
  return copy
}
