import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ByteSink, compareRange, readU64, readVarint, varintEnd, varintLength, writeU64 } from './coding.js'

describe('varint', () => {
  it('round-trips values at every length boundary up to 2^53 - 1', () => {
    const values = [
      0,
      1,
      127,
      128,
      16383,
      16384,
      2 ** 21 - 1,
      2 ** 21,
      2 ** 32 - 1,
      2 ** 32,
      2 ** 49,
      2 ** 53 - 1,
    ]
    const sink = new ByteSink(8)
    for (const value of values) {
      sink.reserve(8)
      sink.varint(value)
    }
    let pos = 0
    for (const value of values) {
      expect(readVarint(sink.bytes, pos, sink.length)).toBe(value)
      expect(varintEnd - pos).toBe(varintLength(value))
      pos = varintEnd
    }
    expect(pos).toBe(sink.length)
  })

  it('rejects a varint that runs past its limit, is too long, or exceeds 2^53 - 1', () => {
    expect(readVarint(Uint8Array.of(0x80, 0x80), 0, 2)).toBe(-1)
    expect(readVarint(Uint8Array.of(0x80, 0x01), 0, 1)).toBe(-1)
    expect(readVarint(new Uint8Array(9).fill(0x80), 0, 9)).toBe(-1)
    // 2^53 exactly: seven 0x80 bytes then 0x10 (bits 49..55)
    expect(readVarint(Uint8Array.of(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x10), 0, 8)).toBe(-1)
    expect(readVarint(Uint8Array.of(), 0, 0)).toBe(-1)
  })
})

describe('u64', () => {
  it('round-trips safe integers and flags values above 2^53 - 1', () => {
    const buffer = Buffer.alloc(8)
    for (const value of [0, 1, 2 ** 32 - 1, 2 ** 32 + 5, 2 ** 53 - 1]) {
      writeU64(buffer, 0, value)
      expect(readU64(buffer, 0)).toBe(value)
    }
    buffer.fill(0xff)
    expect(readU64(buffer, 0)).toBe(-1)
  })
})

describe('compareRange', () => {
  it('orders byte ranges exactly as Buffer.compare, short and long', () => {
    const key = fc.uint8Array({ maxLength: 80 })
    fc.assert(
      fc.property(key, key, fc.uint8Array({ maxLength: 4 }), (a, b, prefix) => {
        const left = Buffer.concat([prefix, a])
        const right = Buffer.concat([prefix, b])
        const expected = Math.sign(Buffer.compare(left, right))
        expect(Math.sign(compareRange(left, 0, left.length, right, 0, right.length))).toBe(expected)
        // Offsets into larger arrays.
        const paddedLeft = Buffer.concat([Buffer.from([9, 9]), left])
        expect(Math.sign(compareRange(paddedLeft, 2, paddedLeft.length, right, 0, right.length))).toBe(
          expected,
        )
      }),
    )
  })
})
