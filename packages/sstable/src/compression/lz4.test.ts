/**
 * The LZ4 codec (both implementations) against the block format itself: its output decodes with an independent LZ4
 * decoder (lz4js, a dev dependency used only as an oracle) and it decodes that library's
 * output; hand-made streams exercise each check of the decoder.
 */
import { seededRandom } from '@strata/base'
import { testSeed } from '@strata/base/testing'
import lz4js from 'lz4js'
import { describe, expect, it } from 'vitest'
import type { BlockCodec } from './codec.js'
import { DecompressionError } from './errors.js'
import { lz4JavascriptCodec } from './lz4-js.js'
import { createLz4WebAssemblyCodec, runtimeWebAssembly } from './lz4-wasm.js'

const seed = testSeed('lz4 codec')

/** Text-like bytes: words from a small vocabulary, so there is something to match. */
function textLike(next: () => number, length: number): Uint8Array {
  const words = ['{"type":"page_view"', ',"at":"2024-11-', 'T10:', '"path":"/products/', '}', 'user:000']
  const bytes = new Uint8Array(length)
  let pos = 0
  while (pos < length) {
    const word = next() < 0.3 ? String(Math.floor(next() * 1e6)) : words[Math.floor(next() * words.length)]!
    for (let index = 0; index < word.length && pos < length; index++) bytes[pos++] = word.charCodeAt(index)
  }
  return bytes
}

function decodeWithOracle(compressed: Uint8Array, length: number): Uint8Array {
  const output = new Uint8Array(length)
  const written = lz4js.decompressBlock(compressed, output, 0, compressed.length, 0)
  expect(written).toBe(length)
  return output
}

function expectDamaged(codec: BlockCodec, input: number[], expectedLength: number, reason: RegExp): void {
  let error: unknown
  try {
    codec.decompress(Uint8Array.from(input), expectedLength)
  } catch (caught) {
    error = caught
  }
  expect(error).toBeInstanceOf(DecompressionError)
  expect((error as DecompressionError).code).toBe('STRATA_CORRUPTION')
  expect((error as DecompressionError).reason).toMatch(reason)
}

const IMPLEMENTATIONS: [string, BlockCodec][] = [
  ['WebAssembly', createLz4WebAssemblyCodec(runtimeWebAssembly)!],
  ['TypeScript', lz4JavascriptCodec],
]

describe.each(IMPLEMENTATIONS)('lz4 codec in %s', (_, codec) => {
  it('writes standard LZ4 blocks that another decoder reads', () => {
    const next = seededRandom(seed)
    for (let round = 0; round < 200; round++) {
      const length = Math.floor(next() * 20_000)
      const input = textLike(next, length)
      const compressed = codec.compress(input)
      expect(Buffer.compare(decodeWithOracle(compressed, length), input)).toBe(0)
    }
  })

  it('reads LZ4 blocks written by another encoder', () => {
    const next = seededRandom(seed + 1)
    for (let round = 0; round < 200; round++) {
      const input = textLike(next, 16 + Math.floor(next() * 20_000))
      const compressed = new Uint8Array(lz4js.compressBound(input.length))
      const written = lz4js.compressBlock(input, compressed, 0, input.length, new Uint32Array(1 << 16))
      if (written === 0) continue
      const output = codec.decompress(compressed.subarray(0, written), input.length)
      expect(Buffer.compare(output, input)).toBe(0)
    }
  })

  it('keeps the format rules: last 5 bytes literal, last match 12+ bytes before the end', () => {
    // 13 zero bytes: one match is allowed (at 1, length 7, ending 5 before the end).
    const compressed = codec.compress(new Uint8Array(13))
    expect(Array.from(compressed)).toEqual([0x13, 0, 1, 0, 0x50, 0, 0, 0, 0, 0])
    // 12 bytes: too short for any match.
    expect(Array.from(codec.compress(new Uint8Array(12)))).toEqual([0xc0, ...new Array(12).fill(0)])
    expect(Array.from(codec.compress(new Uint8Array(0)))).toEqual([0])
  })

  it('encodes counts of 15 and more with extension bytes', () => {
    const input = new Uint8Array(300)
    for (let index = 0; index < 20; index++) input[index] = index + 1 // 20 distinct literals
    const compressed = codec.compress(input)
    // 21 literals (the 20 distinct bytes and the first zero): 15 in the token + extension 6;
    // then a match of 274 zeros: code 15 in the token + extension bytes.
    expect(compressed[0]).toBe(0xff)
    expect(compressed[1]).toBe(6)
    expect(compressed.length).toBeLessThan(40)
    expect(codec.decompress(compressed, 300)).toEqual(Buffer.from(input))
  })

  it('decodes the longest output a block of its size allows (255 bytes per byte)', () => {
    const input = new Uint8Array(100_000).fill(9)
    const compressed = codec.compress(input)
    expect(input.length / compressed.length).toBeGreaterThan(200)
    expect(codec.decompress(compressed, input.length)).toEqual(Buffer.from(input))
  })

  it('reports each kind of damage', () => {
    expectDamaged(codec, [], 0, /ends before its last sequence/)
    expectDamaged(codec, [0xf0], 20, /literal count runs past the end/)
    expectDamaged(codec, [0x30, 1, 2], 3, /3 literals run past the end/)
    expectDamaged(codec, [0x30, 1, 2, 3], 2, /overflow the expected 2 bytes/)
    expectDamaged(codec, [0x14, 7, 0, 0], 10, /match offset 0 /)
    expectDamaged(codec, [0x14, 7, 2, 0], 10, /match offset 2 at output byte 1/)
    expectDamaged(codec, [0x14, 7, 1], 10, /match offset runs past the end/)
    expectDamaged(codec, [0x1f, 7, 1, 0], 30, /match length runs past the end/)
    expectDamaged(codec, [0x14, 7, 1, 0, 0x00], 5, /overflows the expected 5 bytes/)
    expectDamaged(codec, [0x10, 7], 2, /decodes to 1 bytes, expected 2/)
    // A length no block of this size can reach is refused before the output is allocated.
    expectDamaged(codec, [0x10, 7], 511, /2 bytes cannot decode to 511 bytes/)
    expectDamaged(codec, [0x10, 7], 2 ** 31 - 1, /cannot decode to 2147483647 bytes/)
    // A well-formed overlapping match: 1 literal repeated 9 times (offset 1, length 8).
    expect(Array.from(codec.decompress(Uint8Array.from([0x14, 7, 1, 0, 0x00]), 9))).toEqual(
      new Array(9).fill(7),
    )
  })

  it('decodes into a given output long enough, and into a fresh array otherwise', () => {
    const input = new TextEncoder().encode('abcabcabcabcabcabcabc-0123456789-abcabcabcabc'.repeat(20))
    const compressed = codec.compress(input).slice()
    const into = new Uint8Array(input.length + 100).fill(7)
    const decoded = codec.decompress(compressed, input.length, into)
    expect(decoded.buffer).toBe(into.buffer)
    expect(Buffer.from(decoded).equals(Buffer.from(input))).toBe(true)
    const short = new Uint8Array(input.length - 1)
    const fresh = codec.decompress(compressed, input.length, short)
    expect(fresh.buffer).not.toBe(short.buffer)
    expect(Buffer.from(fresh).equals(Buffer.from(input))).toBe(true)
  })
})
