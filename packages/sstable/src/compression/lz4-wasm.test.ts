/**
 * The WebAssembly lz4 codec against the TypeScript one: the committed module is lz4.wat
 * assembled; both write the same bytes for every input; both decode the same input to the same
 * bytes, and refuse the same damaged input with the same `DecompressionError` (reason and
 * position), never a WebAssembly trap; memory grows for large blocks and blocks past its limit
 * go to the TypeScript codec; without WebAssembly the codec is the TypeScript one.
 */
import { readFileSync } from 'node:fs'
import { seededRandom } from '@strata/base'
import { testSeed } from '@strata/base/testing'
import { describe, expect, it } from 'vitest'
import type { BlockCodec } from './codec.js'
import { DecompressionError } from './errors.js'
import { lz4JavascriptCodec } from './lz4-js.js'
import {
  createLz4WebAssemblyCodec,
  MAX_MEMORY_BYTES,
  runtimeWebAssembly,
  type WebAssemblyApi,
} from './lz4-wasm.js'

const seed = testSeed('lz4 webassembly')
const webAssembly = createLz4WebAssemblyCodec(runtimeWebAssembly)!
const typeScript = lz4JavascriptCodec

interface AssembleScript {
  assembleLz4Wasm(): Promise<Uint8Array>
  renderBytesModule(bytes: Uint8Array): string
  bytesModuleUrl: URL
}

function randomBytes(next: () => number, length: number): Uint8Array {
  const bytes = new Uint8Array(length)
  for (let index = 0; index < length; index++) bytes[index] = Math.floor(next() * 256)
  return bytes
}

/** Event-like text (keys, JSON, numbers), `alphabet` distinct bytes at most in the random parts. */
function textLike(next: () => number, length: number, alphabet = 256): Uint8Array {
  const words = ['user:00', '{"type":"click"', ',"at":"2024-11-0', '"path":"/products/', '}', 'ms":']
  const bytes = new Uint8Array(length)
  let pos = 0
  while (pos < length) {
    const choice = next()
    if (choice < 0.6) {
      const word = words[Math.floor(next() * words.length)]!
      for (let index = 0; index < word.length && pos < length; index++) bytes[pos++] = word.charCodeAt(index)
    } else if (choice < 0.9) {
      for (let index = Math.floor(next() * 12); index > 0 && pos < length; index--)
        bytes[pos++] = Math.floor(next() * alphabet)
    } else {
      // A run, or a repeat of recent bytes at a short distance (overlapping matches).
      const distance = 1 + Math.floor(next() * 9)
      for (let index = Math.floor(next() * 40); index > 0 && pos < length; index--) {
        bytes[pos] = pos >= distance ? bytes[pos - distance]! : 0
        pos++
      }
    }
  }
  return bytes
}

/** The inputs both encoders see: every length to 300, text of many lengths, runs, random bytes. */
function fixtures(next: () => number): Uint8Array[] {
  const inputs: Uint8Array[] = []
  for (let length = 0; length <= 300; length++) inputs.push(textLike(next, length, 4))
  for (let round = 0; round < 150; round++) inputs.push(textLike(next, Math.floor(next() * 20_000)))
  for (const length of [4095, 4096, 4097, 65_535, 65_536, 65_537, 200_000]) {
    inputs.push(textLike(next, length), randomBytes(next, length), new Uint8Array(length).fill(7))
  }
  return inputs
}

type Outcome = { bytes: Uint8Array } | { reason: string; at: number }

function outcome(codec: BlockCodec, input: Uint8Array, expectedLength: number): Outcome {
  try {
    return { bytes: codec.decompress(input, expectedLength).slice() }
  } catch (error) {
    // Anything but a DecompressionError (a WebAssembly RuntimeError: an out-of-bounds access or
    // "unreachable") fails the test here.
    if (!(error instanceof DecompressionError)) throw error
    return { reason: error.reason, at: error.at }
  }
}

function expectSameOutcome(input: Uint8Array, expectedLength: number): 'ok' | 'error' {
  const expected = outcome(typeScript, input, expectedLength)
  const actual = outcome(webAssembly, input, expectedLength)
  if ('bytes' in expected) {
    // Compared as Buffers: a deep equality of typed arrays costs milliseconds each.
    expect('bytes' in actual && Buffer.from(actual.bytes).equals(Buffer.from(expected.bytes))).toBe(true)
    return 'ok'
  }
  if (!('reason' in actual) || actual.reason !== expected.reason || actual.at !== expected.at) {
    expect(actual).toEqual(expected)
  }
  return 'error'
}

describe('lz4 in WebAssembly', () => {
  it('is lz4.wat assembled: the committed lz4-wasm-bytes.ts matches the source', async () => {
    const scriptPath = '../../scripts/assemble-lz4-wasm.mjs'
    const script = (await import(scriptPath)) as AssembleScript
    const committed = readFileSync(script.bytesModuleUrl, 'utf8')
    expect(committed).toBe(script.renderBytesModule(await script.assembleLz4Wasm()))
  })

  it('writes the bytes the TypeScript encoder writes, into a given output or a fresh one', () => {
    const next = seededRandom(seed)
    const given = new Uint8Array(typeScript.maxCompressedLength(200_000))
    for (const input of fixtures(next)) {
      const expected = typeScript.compress(input).slice()
      expect(Buffer.from(webAssembly.compress(input)).equals(Buffer.from(expected))).toBe(true)
      const into = webAssembly.compress(input, given)
      expect(into.buffer).toBe(given.buffer)
      expect(Buffer.from(into).equals(Buffer.from(expected))).toBe(true)
    }
  })

  it('decodes every fixture to the same bytes, into a given output or a fresh one', () => {
    const next = seededRandom(seed + 1)
    for (const input of fixtures(next)) {
      const compressed = typeScript.compress(input).slice()
      expect(Buffer.from(webAssembly.decompress(compressed, input.length)).equals(Buffer.from(input))).toBe(
        true,
      )
      // Bytes of `into` past the expected length stay as they were.
      const into = new Uint8Array(input.length + 64).fill(0xee)
      const decoded = webAssembly.decompress(compressed, input.length, into)
      expect(decoded.buffer).toBe(into.buffer)
      expect(Buffer.from(decoded).equals(Buffer.from(input))).toBe(true)
      expect(into.subarray(input.length).every((byte) => byte === 0xee)).toBe(true)
    }
  })

  it('refuses damaged input exactly as the TypeScript decoder does (fuzz)', () => {
    const next = seededRandom(seed + 2)
    const outcomes = { ok: 0, error: 0 }
    const started = performance.now()
    for (let block = 0; block < 40; block++) {
      const input = textLike(next, 1 + Math.floor(next() * 6000), block % 2 === 0 ? 4 : 256)
      const compressed = typeScript.compress(input).slice()
      for (let length = 0; length < compressed.length; length += Math.max(1, compressed.length >> 5)) {
        outcomes[expectSameOutcome(compressed.subarray(0, length), input.length)]++
      }
      for (let round = 0; round < 200; round++) {
        const damaged = compressed.slice()
        for (let flips = 1 + Math.floor(next() * 3); flips > 0; flips--) {
          const at = Math.floor(next() * damaged.length)
          damaged[at] = next() < 0.5 ? damaged[at]! ^ (1 << Math.floor(next() * 8)) : Math.floor(next() * 256)
        }
        const expectedLength =
          next() < 0.8 ? input.length : Math.max(0, input.length + Math.floor(next() * 64) - 32)
        outcomes[expectSameOutcome(damaged, expectedLength)]++
      }
    }
    // Random bytes as compressed input: long literal runs, offsets far back, long matches.
    for (let round = 0; round < 3000; round++) {
      const input = randomBytes(next, Math.floor(next() * 80))
      outcomes[expectSameOutcome(input, Math.floor(next() * 4 * input.length + 1))]++
    }
    expect(outcomes.error).toBeGreaterThan(8000)
    expect(outcomes.ok).toBeGreaterThan(100)
    expect(performance.now() - started).toBeLessThan(20_000)
  })

  it('refuses each kind of damage a hand-made stream can hold, as the TypeScript decoder does', () => {
    const streams: [number[], number][] = [
      [[], 0],
      [[0xf0], 20],
      [[0xf0, 255, 255], 600],
      [[0x30, 1, 2], 3],
      [[0x30, 1, 2, 3], 2],
      [[0x14, 7, 0, 0], 10],
      [[0x14, 7, 2, 0], 10],
      [[0x14, 7, 1], 10],
      [[0x1f, 7, 1, 0], 30],
      [[0x1f, 7, 1, 0, 255, 255], 600],
      [[0x14, 7, 1, 0, 0x00], 5],
      [[0x14, 7, 1, 0, 0x00], 10],
      [[0x10, 7], 2],
      [[0x10, 7], 0],
      [[0x10, 7], 511],
      // 17 literals (a 16-byte copy would not be enough), then a match of 20 at offset 17.
      [[0xf0, 2, ...Array.from({ length: 17 }, (_, index) => index), 0x00], 17],
      [[0xf0, 2, ...Array.from({ length: 17 }, (_, index) => index), 17, 0, 0x00], 38],
    ]
    for (const [input, expectedLength] of streams) expectSameOutcome(Uint8Array.from(input), expectedLength)
    expect(() => webAssembly.decompress(Uint8Array.of(0x14, 7, 2, 0), 10)).toThrow(
      /match offset 2 at output byte 1/,
    )
    expect(Array.from(webAssembly.decompress(Uint8Array.of(0x14, 7, 1, 0, 0x00), 9))).toEqual(
      new Array(9).fill(7),
    )
  })

  it('grows its memory for large blocks and leaves blocks past its limit to TypeScript', () => {
    const codec = createLz4WebAssemblyCodec(runtimeWebAssembly)!
    const next = seededRandom(seed + 3)
    // Small, then 1 MiB (the memory grows), then small again.
    for (const length of [100, 1 << 20, 4096]) {
      const input = textLike(next, length)
      const compressed = codec.compress(input).slice()
      expect(Buffer.from(compressed).equals(Buffer.from(typeScript.compress(input)))).toBe(true)
      expect(Buffer.from(codec.decompress(compressed, length)).equals(Buffer.from(input))).toBe(true)
    }
    // Past the limit: the same bytes (TypeScript's), and the codec still works afterwards.
    const huge = new Uint8Array(MAX_MEMORY_BYTES + 1).fill(3)
    huge.set(textLike(next, 4096), 1000)
    const compressed = codec.compress(huge).slice()
    expect(Buffer.from(compressed).equals(Buffer.from(typeScript.compress(huge)))).toBe(true)
    expect(Buffer.from(codec.decompress(compressed, huge.length)).equals(Buffer.from(huge))).toBe(true)
    const small = textLike(next, 5000)
    expect(
      Buffer.from(codec.decompress(codec.compress(small).slice(), 5000)).equals(Buffer.from(small)),
    ).toBe(true)
  })

  it('is unavailable without WebAssembly, or when the runtime refuses to compile it', () => {
    expect(createLz4WebAssemblyCodec(undefined)).toBeUndefined()
    const refusing: WebAssemblyApi = {
      Module: class {
        constructor() {
          throw new Error('WebAssembly is disabled')
        }
      },
      Instance: class {
        exports = {}
      },
    }
    expect(createLz4WebAssemblyCodec(refusing)).toBeUndefined()
  })
})
