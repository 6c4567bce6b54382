import { describe, expect, it } from 'vitest'
import { resolveEncoding } from './encoding.js'

describe('encodings', () => {
  it('binary accepts bytes and UTF-8 strings and returns Buffers', () => {
    const binary = resolveEncoding(undefined, 'keyEncoding')
    expect([...binary.encode(new Uint8Array([1, 2]), 'key')]).toEqual([1, 2])
    expect([...binary.encode('é' as unknown as Uint8Array, 'key')]).toEqual([0xc3, 0xa9])
    expect(Buffer.isBuffer(binary.decode(new Uint8Array([7])))).toBe(true)
  })

  it('utf8 round-trips strings, json round-trips values', () => {
    const utf8 = resolveEncoding('utf8', 'keyEncoding')
    expect(utf8.decode(utf8.encode('ключ', 'key'))).toBe('ключ')
    const json = resolveEncoding<unknown>('json', 'valueEncoding')
    expect(json.decode(json.encode({ a: [1, 'b'], c: null }, 'value'))).toEqual({ a: [1, 'b'], c: null })
  })

  it('encodeTransient gives the bytes encode gives, for every kind of string and for bytes', () => {
    const lone = String.fromCharCode(0xd800) // a lone surrogate: U+FFFD in UTF-8, as encode does
    const texts = [
      '',
      'a',
      'key-0001',
      'ключ',
      '\u{1f600}',
      lone,
      `x${lone}y`,
      'é'.repeat(600),
      'x'.repeat(1024),
    ]
    texts.push('x'.repeat(1025), 'é'.repeat(513))
    for (const name of ['utf8', 'binary'] as const) {
      const encoding = resolveEncoding<unknown>(name, 'keyEncoding')
      for (const text of texts) {
        const expected = [...encoding.encode(text, 'key')]
        expect([...encoding.encodeTransient(text, 'key')], `${name} ${text.slice(0, 20)}`).toEqual(expected)
      }
      const given = new Uint8Array([1, 2, 3])
      expect(encoding.encodeTransient(given, 'key')).toBe(given)
    }
    // Transient: the next call may reuse the memory; encode's bytes are the caller's to keep.
    const utf8 = resolveEncoding('utf8', 'keyEncoding')
    const kept = utf8.encode('abc', 'key')
    const first = utf8.encodeTransient('abc', 'key')
    utf8.encodeTransient('xyz', 'key')
    expect(utf8.decode(kept)).toBe('abc')
    expect(utf8.decode(first)).toBe('xyz')
    const json = resolveEncoding<unknown>('json', 'valueEncoding')
    expect([...json.encodeTransient({ a: 1 }, 'key')]).toEqual([...json.encode({ a: 1 }, 'key')])
  })

  it('rejects values it cannot encode with a typed error naming the argument', () => {
    const utf8 = resolveEncoding('utf8', 'keyEncoding')
    expect(() => utf8.encode(42 as unknown as string, 'key')).toThrow(
      expect.objectContaining({
        code: 'STRATA_INVALID_ARGUMENT',
        message: expect.stringMatching(/key must be a Uint8Array or a string.*not a number/),
      }),
    )
    const json = resolveEncoding<unknown>('json', 'valueEncoding')
    expect(() => json.encode(undefined, 'value')).toThrow(/cannot be encoded as JSON/)
    const cyclic: Record<string, unknown> = {}
    cyclic.self = cyclic
    expect(() => json.encode(cyclic, 'value')).toThrow(/cannot be encoded as JSON/)
  })

  it('uses a user codec and rejects unknown encoding names', () => {
    const codec = resolveEncoding<number>(
      {
        name: 'u32',
        encode: (n) => new Uint8Array(new Uint32Array([n]).buffer),
        decode: (d) => new Uint32Array(d.slice().buffer)[0]!,
      },
      'valueEncoding',
    )
    expect(codec.decode(codec.encode(123456, 'value'))).toBe(123456)
    // decode gets a copy over a buffer of its own, even for a view into a larger buffer
    const kept: Uint8Array[] = []
    const keeping = resolveEncoding<Uint8Array>(
      {
        encode: (data) => data,
        decode: (data) => {
          kept.push(data)
          return data
        },
      },
      'valueEncoding',
    )
    const stored = new Uint8Array([9, 9, 1, 2, 3, 9])
    const view = stored.subarray(2, 5)
    expect([...keeping.decode(view)]).toEqual([1, 2, 3])
    stored.fill(0)
    expect([...kept[0]!]).toEqual([1, 2, 3])
    expect(kept[0]!.byteOffset).toBe(0)
    expect(kept[0]!.buffer.byteLength).toBe(3)
    expect(() => resolveEncoding('hex' as never, 'keyEncoding')).toThrow(
      /options.keyEncoding must be 'binary'.*not 'hex'/,
    )
  })
})

describe('ownership', () => {
  it('binary decode hands out a copy the caller may write into', () => {
    const binary = resolveEncoding<Uint8Array>(undefined, 'valueEncoding')
    const stored = Buffer.from('stored')
    const returned = binary.decode(stored)
    returned[0] = 0
    expect(stored.toString()).toBe('stored')
  })
})
