import { describe, expect, it } from 'vitest'
import { BlockCompressor, SKIP_AFTER_RAW } from './block-compressor.js'
import { ByteSink } from './coding.js'
import { type BlockCodec, CodecId } from './compression/codec.js'
import { lz4Codec } from './compression/lz4.js'

/** lz4, counting its compress calls. */
function countingLz4(): BlockCodec & { calls: number } {
  const codec = {
    ...lz4Codec,
    calls: 0,
    compress(input: Uint8Array, output?: Uint8Array) {
      codec.calls++
      return lz4Codec.compress(input, output)
    },
  }
  return codec
}

function block(sink: ByteSink, compressible: boolean, seed: number): number {
  sink.length = 0
  sink.reserve(4096)
  let state = seed
  for (let index = 0; index < 4096; index++) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0
    sink.u8(compressible ? 0x61 + (index % 3) : state >>> 24)
  }
  return 0
}

describe('BlockCompressor', () => {
  it(`tries only every ${SKIP_AFTER_RAW}th block after ${SKIP_AFTER_RAW} raw ones, and every block again after one compresses`, () => {
    const codec = countingLz4()
    const compressor = new BlockCompressor(codec)
    const sink = new ByteSink(8192)
    const stored: number[] = []
    for (let index = 0; index < 44; index++)
      stored.push(compressor.compress(sink, block(sink, false, index + 1)))
    expect(stored.every((id) => id === CodecId.None)).toBe(true)
    // Blocks 1..9 are tried (the 9th: a streak of 8), then blocks 17, 25, 33 and 41.
    expect(codec.calls).toBe(13)
    // Blocks 45..48 are skipped; block 49 (a streak of 48) is tried and compresses, then every one.
    const after: number[] = []
    for (let index = 0; index < 12; index++) after.push(compressor.compress(sink, block(sink, true, 1)))
    expect(after.slice(0, 4)).toEqual(Array(4).fill(CodecId.None))
    expect(after.slice(4)).toEqual(Array(8).fill(CodecId.Lz4))
    expect(codec.calls).toBe(13 + 8)
    expect(compressor.rawBytes).toBe(56 * 4096)
  })
})
