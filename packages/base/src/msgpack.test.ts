import fc from 'fast-check'
import { Packr } from 'msgpackr'
import { describe, expect, it } from 'vitest'
import { decodeMsgpack, encodeMsgpack, MsgpackError, type MsgpackValue } from './msgpack.js'
import { testSeed } from './test-seed.js'

// The encoder strata's WAL and manifest bytes were written with before this one.
const msgpackr = new Packr({ useRecords: false, mapsAsObjects: true, variableMapSize: true })

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex')

/** Values of every type and size class the encoder writes (strings with non-ASCII text too). */
const values: fc.Arbitrary<MsgpackValue> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    fc.integer({ min: -0x80000000, max: 0xffffffff }),
    fc.constantFrom(0, 1, 31, 32, 127, 128, 255, 256, 65535, 65536, -1, -32, -33, -128, -129, -32768, -32769),
    fc.maxSafeInteger(),
    fc.double({ noNaN: true }),
    fc.string({ maxLength: 40 }),
    fc.string({ unit: 'grapheme', maxLength: 20 }),
    fc.constantFrom(31, 32, 255, 256, 65536).map((length) => 'x'.repeat(length)),
    fc.uint8Array({ maxLength: 40 }),
    fc.constantFrom(255, 256, 65536).map((length) => new Uint8Array(length).fill(7)),
    fc.array(tie('value'), { maxLength: 5 }),
    fc.constantFrom(15, 16).map((count) => Array.from({ length: count }, (_, index) => index)),
    fc.dictionary(fc.string({ maxLength: 8 }), tie('value'), { maxKeys: 5 }),
  ),
})).value as fc.Arbitrary<MsgpackValue>

/** msgpackr decodes bins as Buffers and maps as plain objects: compare as plain data. */
function plain(value: unknown): unknown {
  if (value instanceof Uint8Array) return { bin: hex(value) }
  if (Array.isArray(value)) return value.map(plain)
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, plain(item)]))
  }
  return Object.is(value, -0) ? 0 : value
}

describe('msgpack', () => {
  it('writes what msgpackr writes, and each reads the other (seeded)', () => {
    fc.assert(
      fc.property(values, (value) => {
        const ours = encodeMsgpack(value)
        expect(hex(ours)).toBe(hex(msgpackr.pack(value)))
        expect(plain(decodeMsgpack(ours))).toEqual(plain(value))
        expect(plain(msgpackr.unpack(ours))).toEqual(plain(value))
      }),
      { seed: testSeed('msgpack round trip'), numRuns: 500 },
    )
  })

  it('reads the forms the specification allows that it never writes', () => {
    const cases: [string, MsgpackValue][] = [
      ['cf0000000100000000', 2 ** 32], // uint 64
      ['d3ffffffff00000000', -(2 ** 32)], // int 64
      ['ca3fc00000', 1.5], // float 32
      ['d90161', 'a'], // str 8 for a short string
      ['dc0001c3', [true]], // array 16 of one
      ['de0001a16101', { a: 1 }], // map 16 of one
      ['c50001ff', Uint8Array.of(255)], // bin 16 of one byte
    ]
    for (const [bytes, value] of cases)
      expect(plain(decodeMsgpack(Buffer.from(bytes, 'hex')))).toEqual(plain(value))
  })

  it('rejects what it cannot read with a MsgpackError that says where', () => {
    const cases: [string, RegExp][] = [
      ['', /cut short at offset 0/],
      ['92c3', /array of 2 elements at offset 1 runs past the end/],
      ['92c3c4', /cut short at offset 3 \(1 bytes needed\)/],
      ['c40561', /cut short at offset 2 \(5 bytes needed\)/],
      ['c3c3', /1 bytes follow the value at offset 1/],
      ['d70100000000000000', /type byte 0xd7 at offset 0 is not one strata reads/],
      ['c1', /type byte 0xc1/],
      ['81c3c3', /map key at offset 1 is not a string/],
      ['a2c328', /not valid UTF-8/],
      ['dd7fffffff', /array of 2147483647 elements at offset 5 runs past the end/],
      ['91'.repeat(100) + 'c0', /nest deeper than 64/],
    ]
    for (const [bytes, message] of cases) {
      const attempt = () => decodeMsgpack(Buffer.from(bytes, 'hex'))
      expect(attempt).toThrow(MsgpackError)
      expect(attempt).toThrow(message)
    }
    expect(() => encodeMsgpack(new Date() as unknown as MsgpackValue)).toThrow(
      /cannot encode a value of type object/,
    )
    expect(() => encodeMsgpack(undefined as unknown as MsgpackValue)).toThrow(
      /cannot encode a value of type undefined/,
    )
  })

  it('leaves out map keys whose value is undefined, and decodes a bin as a copy', () => {
    expect(hex(encodeMsgpack({ a: 1, b: undefined }))).toBe(hex(encodeMsgpack({ a: 1 })))
    const payload = encodeMsgpack([Uint8Array.of(1, 2, 3)])
    const decoded = decodeMsgpack(payload) as Uint8Array[]
    payload[payload.length - 1] = 9
    expect([...decoded[0]!]).toEqual([1, 2, 3])
    expect(Buffer.isBuffer(decoded[0])).toBe(true)
    // A "__proto__" key is an ordinary key of the decoded map, not its prototype.
    const tricky = decodeMsgpack(Buffer.from('81a95f5f70726f746f5f5f01', 'hex')) as Record<string, unknown>
    expect(Object.keys(tricky)).toEqual(['__proto__'])
    expect(Object.getPrototypeOf(tricky)).toBe(null)
  })
})
