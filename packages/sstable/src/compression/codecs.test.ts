/**
 * Every shipped codec: round trips on real strata blocks and random bytes (seeded; the seed is
 * printed), the edge lengths, and damaged input (truncated, extended, bytes flipped, wrong
 * expected length): each decompress either throws a `DecompressionError` (code
 * STRATA_CORRUPTION) or returns exactly the expected number of bytes (the table's block
 * checksum, which covers the compressed bytes, catches the rest) — never another error, a hang,
 * or a wrong length.
 */
import { ErrorCode, InvalidArgumentError, OpType, seededRandom } from '@strata/base'
import { testSeed } from '@strata/base/testing'
import { describe, expect, it } from 'vitest'
import { BlockBuilder } from '../block-builder.js'
import { ByteSink } from '../coding.js'
import { type BlockCodec, CodecId, MAX_CODEC_INPUT_BYTES, worthStoringCompressed } from './codec.js'
import { DecompressionError } from './errors.js'
import { lz4Implementation } from './lz4.js'
import { lz4JavascriptCodec } from './lz4-js.js'
import { CODECS, codecById, codecByName } from './registry.js'

const seed = testSeed('compression codecs')

function randomBytes(next: () => number, length: number): Uint8Array {
  const bytes = new Uint8Array(length)
  for (let index = 0; index < length; index++) bytes[index] = Math.floor(next() * 256)
  return bytes
}

/** Real strata data blocks of about `blockBytes`: event-like keys and JSON values, built by the
 *  table builder's BlockBuilder (restart array included, trailer excluded). */
function eventBlocks(next: () => number, count: number, blockBytes = 4096): Uint8Array[] {
  const encoder = new TextEncoder()
  const sink = new ByteSink()
  const builder = new BlockBuilder(sink, 16)
  const blocks: Uint8Array[] = []
  let timestampMs = Date.UTC(2024, 10, 1)
  let userId = Math.floor(next() * 10_000)
  let seq = 1
  while (blocks.length < count) {
    timestampMs += 1 + Math.floor(next() * 10_000)
    if (next() < 0.05) userId = Math.floor(next() * 10_000)
    const key = `user:${String(userId).padStart(5, '0')}:${String(timestampMs).padStart(13, '0')}`
    const value = JSON.stringify({
      type: ['page_view', 'search', 'click', 'purchase'][Math.floor(next() * 4)],
      at: new Date(timestampMs).toISOString(),
      path: `/products/${Math.floor(next() * 5000)}`,
      ms: 5 + Math.floor(next() * 900),
    })
    builder.add(encoder.encode(key), seq++, OpType.Put, encoder.encode(value))
    if (builder.contentBytes >= blockBytes) {
      const length = builder.finish()
      blocks.push(new Uint8Array(sink.bytes.subarray(builder.start, builder.start + length)))
      sink.length = 0
      builder.reset()
    }
  }
  return blocks
}

const same = (a: Uint8Array, b: Uint8Array) => a.length === b.length && Buffer.compare(a, b) === 0

function expectRoundTrip(codec: BlockCodec, input: Uint8Array): Uint8Array {
  const before = input.slice()
  const compressed = codec.compress(input).slice()
  expect(same(input, before)).toBe(true)
  expect(compressed.length).toBeLessThanOrEqual(codec.maxCompressedLength(input.length))
  const output = codec.decompress(compressed, input.length)
  expect(output.length).toBe(input.length)
  expect(same(output, input)).toBe(true)
  return compressed
}

/** Decompresses damaged input: a DecompressionError or exactly `expectedLength` bytes. */
function expectTypedErrorOrLength(
  codec: BlockCodec,
  input: Uint8Array,
  expectedLength: number,
): 'error' | 'ok' {
  try {
    const output = codec.decompress(input, expectedLength)
    expect(output.length).toBe(expectedLength)
    return 'ok'
  } catch (error) {
    if (!(error instanceof DecompressionError)) throw error
    expect(error.code).toBe(ErrorCode.Corruption)
    expect(error.codec).toBe(codec.name)
    return 'error'
  }
}

describe('codec ids', () => {
  it('keeps the stored ids: none 0, lz4 1, deflate 2', () => {
    expect(CodecId).toEqual({ None: 0, Lz4: 1, Deflate: 2 })
    expect(CODECS.map((codec) => [codec.id, codec.name])).toEqual([
      [0, 'none'],
      [1, 'lz4'],
      [2, 'deflate'],
    ])
    for (const codec of CODECS) {
      expect(codecById(codec.id)).toBe(codec)
      expect(codecByName(codec.name)).toBe(codec)
    }
    expect(codecByName('snappy')).toBeUndefined()
  })

  it('rejects an unknown stored id with a corruption error', () => {
    for (const id of [3, 255, -1, 1.5]) {
      expect(() => codecById(id)).toThrow(DecompressionError)
      expect(() => codecById(id)).toThrow(/unknown codec id/)
    }
  })
})

describe('worthStoringCompressed', () => {
  it('keeps a block compressed only when it shrinks by at least 12.5%', () => {
    expect(worthStoringCompressed(4096, 3584)).toBe(true)
    expect(worthStoringCompressed(4096, 3585)).toBe(false)
    expect(worthStoringCompressed(8, 7)).toBe(true)
    expect(worthStoringCompressed(7, 6)).toBe(true)
    expect(worthStoringCompressed(7, 7)).toBe(false)
    expect(worthStoringCompressed(0, 0)).toBe(false)
    expect(worthStoringCompressed(1, 1)).toBe(false)
  })
})

/** Every shipped codec, and lz4's TypeScript fallback (the registry's lz4 runs WebAssembly here). */
const IMPLEMENTATIONS: [string, BlockCodec][] = [
  ...CODECS.map((codec): [string, BlockCodec] => [codec.name, codec]),
  ['lz4 (TypeScript fallback)', lz4JavascriptCodec],
]

it('runs lz4 in WebAssembly under Node', () => {
  expect(lz4Implementation()).toBe('webassembly')
})

for (const [label, codec] of IMPLEMENTATIONS) {
  describe(`codec ${label}`, () => {
    it('round-trips real strata blocks and shrinks them (except none)', () => {
      const blocks = eventBlocks(seededRandom(seed), 40)
      let raw = 0
      let compressed = 0
      for (const block of blocks) {
        raw += block.length
        compressed += expectRoundTrip(codec, block).length
      }
      if (codec.id === CodecId.None) expect(compressed).toBe(raw)
      else expect(compressed).toBeLessThan(raw * 0.6)
    })

    it('round-trips random bytes of many lengths', () => {
      const next = seededRandom(seed + 1)
      for (let length = 0; length < 300; length++) expectRoundTrip(codec, randomBytes(next, length))
      for (const length of [4095, 4096, 4097, 65_535, 65_536, 65_537])
        expectRoundTrip(codec, randomBytes(next, length))
    })

    it('round-trips the empty input and one byte', () => {
      expectRoundTrip(codec, new Uint8Array(0))
      expectRoundTrip(codec, Uint8Array.of(0))
      expectRoundTrip(codec, Uint8Array.of(255))
    })

    it('round-trips runs and repeats that overlap themselves, and large blocks', () => {
      const next = seededRandom(seed + 2)
      expectRoundTrip(codec, new Uint8Array(100_000))
      expectRoundTrip(codec, new Uint8Array(100_000).fill(0xab))
      const pattern = randomBytes(next, 7)
      const repeated = new Uint8Array(70_001)
      for (let index = 0; index < repeated.length; index++) repeated[index] = pattern[index % 7]!
      expectRoundTrip(codec, repeated)
      // Matches farther back than LZ4's 64 KiB window: a 40 KiB random chunk, 80 KiB apart.
      const chunk = randomBytes(next, 40_000)
      const far = new Uint8Array(200_000)
      far.set(chunk, 0)
      far.set(randomBytes(next, 80_000), 40_000)
      far.set(chunk, 120_000)
      expectRoundTrip(codec, far)
      // A 4 MiB block (a value larger than a block makes one large block), half compressible.
      const large = new Uint8Array(4 << 20)
      large.set(randomBytes(next, 1 << 20), 0)
      large.set(eventBlocks(next, 1, 3 << 20)[0]!.subarray(0, 3 << 20), 1 << 20)
      expectRoundTrip(codec, large)
    })

    it('writes into a given output buffer when it is large enough', () => {
      const block = eventBlocks(seededRandom(seed + 3), 1)[0]!
      const output = new Uint8Array(codec.maxCompressedLength(block.length))
      const compressed = codec.compress(block, output)
      expect(same(codec.decompress(compressed.slice(), block.length), block)).toBe(true)
      const tooSmall = new Uint8Array(1)
      expect(same(codec.decompress(codec.compress(block, tooSmall).slice(), block.length), block)).toBe(true)
      expect(tooSmall[0]).toBe(0)
    })

    it('rejects a wrong expected length with a corruption error', () => {
      const block = eventBlocks(seededRandom(seed + 4), 1)[0]!
      const compressed = codec.compress(block).slice()
      for (const length of [0, 1, block.length - 1, block.length + 1, block.length * 2]) {
        expect(() => codec.decompress(compressed, length)).toThrow(DecompressionError)
      }
      expect(() => codec.decompress(codec.compress(new Uint8Array(0)).slice(), 1)).toThrow(DecompressionError)
    })

    it('rejects bad arguments with InvalidArgumentError', () => {
      const compressed = codec.compress(Uint8Array.of(1, 2, 3)).slice()
      for (const length of [-1, 1.5, Number.NaN, MAX_CODEC_INPUT_BYTES + 1]) {
        expect(() => codec.decompress(compressed, length)).toThrow(InvalidArgumentError)
      }
      expect(() => codec.compress('text' as unknown as Uint8Array)).toThrow(InvalidArgumentError)
      const huge = new Uint8Array(1)
      Object.defineProperty(huge, 'length', { value: MAX_CODEC_INPUT_BYTES + 1 })
      expect(() => codec.compress(huge)).toThrow(/at most 2147483647 bytes/)
    })

    it('never crashes, hangs or returns a wrong length on damaged input (fuzz)', () => {
      const next = seededRandom(seed + 5)
      const blocks = [...eventBlocks(next, 6), randomBytes(next, 4096), new Uint8Array(4096)]
      const outcomes = { error: 0, ok: 0 }
      const started = performance.now()
      for (const block of blocks) {
        const compressed = codec.compress(block).slice()
        // Every truncation.
        for (let length = 0; length < compressed.length; length += Math.max(1, compressed.length >> 6)) {
          outcomes[expectTypedErrorOrLength(codec, compressed.subarray(0, length), block.length)]++
        }
        // Random damage: flipped bytes, random bytes written over, a cut tail, garbage appended.
        for (let round = 0; round < 500; round++) {
          const damaged = compressed.slice()
          const kind = Math.floor(next() * 4)
          const at = Math.floor(next() * damaged.length)
          if (kind === 0) damaged[at] = damaged[at]! ^ (1 << Math.floor(next() * 8))
          else if (kind === 1)
            for (let index = 0; index < 3; index++)
              damaged[Math.floor(next() * damaged.length)] = Math.floor(next() * 256)
          else if (kind === 2) damaged[at] = 0xff
          const input =
            kind === 3
              ? Uint8Array.from([...damaged, ...randomBytes(next, 1 + Math.floor(next() * 8))])
              : damaged
          outcomes[expectTypedErrorOrLength(codec, input, block.length)]++
        }
      }
      // Random bytes as compressed input.
      for (let round = 0; round < 500; round++) {
        const length = Math.floor(next() * 64)
        outcomes[expectTypedErrorOrLength(codec, randomBytes(next, length), Math.floor(next() * 8192))]++
      }
      expect(outcomes.error + outcomes.ok).toBeGreaterThan(4000)
      if (codec.id !== CodecId.None) expect(outcomes.error).toBeGreaterThan(1000)
      expect(performance.now() - started).toBeLessThan(20_000)
    })
  })
}
