/**
 * The part of MessagePack (https://github.com/msgpack/msgpack/blob/master/spec.md) that strata's
 * files use: nil, booleans, numbers, UTF-8 strings, byte arrays, arrays and maps with string
 * keys. The WAL's generic payload reader and the manifest's edits use it; the WAL's hot paths
 * have their own fixed-shape code.
 *
 * `encodeMsgpack` writes the bytes msgpackr (`useRecords: false`, `variableMapSize: true`)
 * writes for these values, the encoder strata's files were written with before this one:
 * - a safe integer in the 32-bit ranges: positive fixint, uint 8/16/32, negative fixint,
 *   int 8/16/32 (the smallest that holds it); any other number: float 64;
 * - a string: fixstr, str 8/16/32 by its UTF-8 length; a `Uint8Array`: bin 8/16/32;
 * - an array: fixarray, array 16/32; a plain object: fixmap, map 16/32 of its own enumerable
 *   keys whose value is not `undefined`, in insertion order.
 *
 * `decodeMsgpack` reads every encoding of those types the specification allows (uint 64 and
 * int 64 as numbers, float 32), bins as `Buffer` copies, maps as objects without a prototype
 * (string keys only, so a `__proto__` key is just a key), and rejects anything
 * else — ext types, a truncated value, bytes after the value, nesting deeper than 64 — with a
 * `MsgpackError` that says what and where.
 */

/** What `encodeMsgpack` writes and `decodeMsgpack` returns. */
export type MsgpackValue =
  | null
  | boolean
  | number
  | string
  | Uint8Array
  | MsgpackValue[]
  | { [key: string]: MsgpackValue | undefined }

/** A payload `decodeMsgpack` cannot read, or a value `encodeMsgpack` cannot write. */
export class MsgpackError extends Error {
  override name = 'MsgpackError'
}

const MAX_DEPTH = 64
const utf8 = new TextEncoder()
const utf8Decoder = new TextDecoder('utf-8', { fatal: true })

function isPlainObject(value: object): value is { [key: string]: MsgpackValue | undefined } {
  const prototype = Object.getPrototypeOf(value)
  return prototype === Object.prototype || prototype === null
}

/** The MessagePack bytes of `value` (see the file comment for the forms written). */
export function encodeMsgpack(value: MsgpackValue): Uint8Array {
  const writer = new Writer()
  writer.value(value, 0)
  return writer.bytes.subarray(0, writer.length)
}

class Writer {
  bytes = new Uint8Array(256)
  view = new DataView(this.bytes.buffer)
  length = 0

  private reserve(count: number): void {
    if (this.length + count <= this.bytes.length) return
    let size = this.bytes.length * 2
    while (size < this.length + count) size *= 2
    const grown = new Uint8Array(size)
    grown.set(this.bytes.subarray(0, this.length))
    this.bytes = grown
    this.view = new DataView(grown.buffer)
  }

  private byte(value: number): void {
    this.reserve(1)
    this.bytes[this.length++] = value
  }

  /** A type byte and a big-endian unsigned integer of `size` bytes (1, 2 or 4). */
  private head(type: number, size: 1 | 2 | 4, value: number): void {
    this.reserve(1 + size)
    this.bytes[this.length] = type
    if (size === 1) this.bytes[this.length + 1] = value
    else if (size === 2) this.view.setUint16(this.length + 1, value)
    else this.view.setUint32(this.length + 1, value)
    this.length += 1 + size
  }

  value(value: MsgpackValue, depth: number): void {
    if (depth > MAX_DEPTH) throw new MsgpackError(`values nest deeper than ${MAX_DEPTH}`)
    if (value === null) this.byte(0xc0)
    else if (value === false) this.byte(0xc2)
    else if (value === true) this.byte(0xc3)
    else if (typeof value === 'number') this.number(value)
    else if (typeof value === 'string') this.string(value)
    else if (value instanceof Uint8Array) {
      this.counted(value.length, 0, 0, 0xc4, 0xc5)
      this.raw(value)
    } else if (Array.isArray(value)) {
      this.counted(value.length, 0x90, 16, 0, 0xdc)
      for (const item of value) this.value(item, depth + 1)
    } else if (typeof value === 'object' && isPlainObject(value)) {
      const keys = Object.keys(value).filter((key) => value[key] !== undefined)
      this.counted(keys.length, 0x80, 16, 0, 0xde)
      for (const key of keys) {
        this.string(key)
        this.value(value[key]!, depth + 1)
      }
    } else {
      throw new MsgpackError(`cannot encode a value of type ${typeof value}`)
    }
  }

  private number(value: number): void {
    // As msgpackr: an integer in the 32-bit ranges (-0 counts as 0) in the smallest integer form.
    if (Number.isInteger(value) && value >= -0x80000000 && value <= 0xffffffff) {
      if (value >= 0) {
        if (value < 0x80) this.byte(value)
        else if (value < 0x100) this.head(0xcc, 1, value)
        else if (value < 0x10000) this.head(0xcd, 2, value)
        else this.head(0xce, 4, value)
      } else if (value >= -0x20) this.byte(value & 0xff)
      else if (value >= -0x80) this.head(0xd0, 1, value & 0xff)
      else if (value >= -0x8000) this.head(0xd1, 2, value & 0xffff)
      else this.head(0xd2, 4, value >>> 0)
      return
    }
    this.reserve(9)
    this.bytes[this.length] = 0xcb
    this.view.setFloat64(this.length + 1, value)
    this.length += 9
  }

  private string(value: string): void {
    const encoded = utf8.encode(value)
    this.counted(encoded.length, 0xa0, 0x20, 0xd9, 0xda)
    this.raw(encoded)
  }

  /**
   * The header of a value of `count` elements or bytes, in its smallest form: `fix | count`
   * below `fixLimit` (0: the type has no fix form), then type `t8` with an 8-bit count (0: none),
   * `t16` with a 16-bit one, `t16 + 1` with a 32-bit one (the specification numbers them so).
   */
  private counted(count: number, fix: number, fixLimit: number, t8: number, t16: number): void {
    if (count < fixLimit) this.byte(fix | count)
    else if (t8 !== 0 && count < 0x100) this.head(t8, 1, count)
    else if (count < 0x10000) this.head(t16, 2, count)
    else this.head(t16 + 1, 4, count)
  }

  private raw(bytes: Uint8Array): void {
    this.reserve(bytes.length)
    this.bytes.set(bytes, this.length)
    this.length += bytes.length
  }
}

/**
 * The value `bytes` hold: exactly one MessagePack value, with nothing after it. Throws
 * `MsgpackError` for anything else (see the file comment).
 */
export function decodeMsgpack(bytes: Uint8Array): MsgpackValue {
  const reader = new Reader(bytes)
  const value = reader.value(0)
  if (reader.at !== bytes.length) {
    throw new MsgpackError(`${bytes.length - reader.at} bytes follow the value at offset ${reader.at}`)
  }
  return value
}

class Reader {
  at = 0
  private readonly view: DataView

  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  }

  /** Moves past `count` bytes; returns where they start. */
  private take(count: number): number {
    const start = this.at
    if (count > this.bytes.length - start) {
      throw new MsgpackError(`the value is cut short at offset ${start} (${count} bytes needed)`)
    }
    this.at = start + count
    return start
  }

  private u8(): number {
    return this.bytes[this.take(1)]!
  }
  private u16(): number {
    return this.view.getUint16(this.take(2))
  }
  private u32(): number {
    return this.view.getUint32(this.take(4))
  }

  value(depth: number): MsgpackValue {
    if (depth > MAX_DEPTH) throw new MsgpackError(`values nest deeper than ${MAX_DEPTH}`)
    const offset = this.at
    const type = this.u8()
    if (type < 0x80) return type
    if (type >= 0xe0) return type - 0x100
    if (type < 0x90) return this.map(type & 0x0f, depth)
    if (type < 0xa0) return this.array(type & 0x0f, depth)
    if (type < 0xc0) return this.string(type & 0x1f)
    switch (type) {
      case 0xc0:
        return null
      case 0xc2:
        return false
      case 0xc3:
        return true
      case 0xc4:
        return this.bin(this.u8())
      case 0xc5:
        return this.bin(this.u16())
      case 0xc6:
        return this.bin(this.u32())
      case 0xca:
        return this.view.getFloat32(this.take(4))
      case 0xcb:
        return this.view.getFloat64(this.take(8))
      case 0xcc:
        return this.u8()
      case 0xcd:
        return this.u16()
      case 0xce:
        return this.u32()
      case 0xcf:
        return Number(this.view.getBigUint64(this.take(8)))
      case 0xd0:
        return this.view.getInt8(this.take(1))
      case 0xd1:
        return this.view.getInt16(this.take(2))
      case 0xd2:
        return this.view.getInt32(this.take(4))
      case 0xd3:
        return Number(this.view.getBigInt64(this.take(8)))
      case 0xd9:
        return this.string(this.u8())
      case 0xda:
        return this.string(this.u16())
      case 0xdb:
        return this.string(this.u32())
      case 0xdc:
        return this.array(this.u16(), depth)
      case 0xdd:
        return this.array(this.u32(), depth)
      case 0xde:
        return this.map(this.u16(), depth)
      case 0xdf:
        return this.map(this.u32(), depth)
      default:
        throw new MsgpackError(
          `type byte 0x${type.toString(16)} at offset ${offset} is not one strata reads (nil, booleans, numbers, strings, bin, arrays, maps)`,
        )
    }
  }

  private bin(length: number): Buffer {
    const start = this.take(length)
    // A copy (the caller may keep it, and it must not keep the whole payload alive), and a
    // Buffer, as msgpackr returned.
    return Buffer.from(this.bytes.subarray(start, start + length))
  }

  private string(length: number): string {
    const start = this.take(length)
    try {
      return utf8Decoder.decode(this.bytes.subarray(start, start + length))
    } catch {
      throw new MsgpackError(`the string at offset ${start} is not valid UTF-8`)
    }
  }

  private array(count: number, depth: number): MsgpackValue[] {
    // Every element takes at least one byte: a count beyond the bytes left is a damaged length.
    if (count > this.bytes.length - this.at) {
      throw new MsgpackError(`an array of ${count} elements at offset ${this.at} runs past the end`)
    }
    const items: MsgpackValue[] = []
    for (let index = 0; index < count; index++) items.push(this.value(depth + 1))
    return items
  }

  private map(count: number, depth: number): { [key: string]: MsgpackValue } {
    if (count * 2 > this.bytes.length - this.at) {
      throw new MsgpackError(`a map of ${count} entries at offset ${this.at} runs past the end`)
    }
    const map: { [key: string]: MsgpackValue } = Object.create(null)
    for (let index = 0; index < count; index++) {
      const keyAt = this.at
      const key = this.value(depth + 1)
      if (typeof key !== 'string') throw new MsgpackError(`the map key at offset ${keyAt} is not a string`)
      map[key] = this.value(depth + 1)
    }
    return map
  }
}
