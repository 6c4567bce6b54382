import { describe, expect, it } from 'vitest'
import { generator, testSeed } from '../test/helpers.js'
import {
  BLOCKED_MAX_BITS_PER_KEY,
  BloomFilter,
  BloomFilterBuilder,
  FilterHashes,
  murmur3,
  probeCount,
  theoreticalFalsePositiveRate,
} from './bloom.js'
import { FILTER_SEED_1 } from './format.js'

function keyFrom(next: () => number, tag: number): Uint8Array {
  const key = new Uint8Array(16)
  const view = new DataView(key.buffer)
  view.setUint32(0, next())
  view.setUint32(4, next())
  view.setUint32(8, next())
  view.setUint32(12, tag)
  return key
}

function build(bitsPerKey: number, keys: Uint8Array[]): BloomFilter {
  const builder = new BloomFilterBuilder(bitsPerKey)
  for (const key of keys) builder.add(key)
  const filter = BloomFilter.decode(builder.finish())
  if (typeof filter === 'string') throw new Error(filter)
  return filter
}

describe('murmur3', () => {
  it('matches the reference murmur3_x86_32 vectors', () => {
    const encode = (text: string) => new TextEncoder().encode(text)
    expect(murmur3(encode(''), 0)).toBe(0)
    expect(murmur3(encode(''), 1)).toBe(0x514e28b7)
    expect(murmur3(encode('hello'), 0)).toBe(0x248bfa47)
    expect(murmur3(encode('Hello, world!'), 1234)).toBe(0xfaf6cdb3)
    expect(murmur3(encode('The quick brown fox jumps over the lazy dog'), 0x9747b28c)).toBe(0x2fa826cd)
  })
})

describe('bloom filter', () => {
  it('never answers "absent" for a key that was added', () => {
    const next = generator(7)
    const keys = Array.from({ length: 20_000 }, (_, index) => keyFrom(next, index))
    for (const bitsPerKey of [1, 4, 10, 20]) {
      const filter = build(bitsPerKey, keys)
      for (const key of keys) expect(filter.mayContain(key)).toBe(true)
    }
  })

  it('holds keys past one chunk of hashes, and a reset builder makes the same block without growing', () => {
    const next = generator(11)
    // 100,000 keys: the first chunk (32,768 keys) grown to full size, then three more.
    const keys = Array.from({ length: 100_000 }, (_, index) => keyFrom(next, index))
    const builder = new BloomFilterBuilder(10)
    for (const key of keys) builder.add(key)
    const first = builder.finish()
    const held = builder.memoryBytes
    expect(held).toBe(4 * 32_768 * 8)
    const filter = BloomFilter.decode(first)
    if (typeof filter === 'string') throw new Error(filter)
    for (const key of keys) expect(filter.mayContain(key)).toBe(true)
    // The same keys again after a reset (a thread's scratch builder, table after table).
    builder.reset()
    for (const key of keys) builder.add(key)
    expect(Buffer.compare(builder.finish(), first)).toBe(0)
    expect(builder.memoryBytes).toBe(held)
    // A smaller table after it: the same block as a fresh builder's.
    builder.reset()
    const fresh = new BloomFilterBuilder(10)
    for (const key of keys.slice(0, 5_000)) {
      builder.add(key)
      fresh.add(key)
    }
    expect(Buffer.compare(builder.finish(), fresh.finish())).toBe(0)
  })

  // Both layouts: blocked up to BLOCKED_MAX_BITS_PER_KEY (10) bits per key, standard above.
  for (const bitsPerKey of [6, BLOCKED_MAX_BITS_PER_KEY, 12, 16]) {
    it(`has a false-positive rate within 1.5x of theory at ${bitsPerKey} bits/key (100k absent keys)`, () => {
      const seed = testSeed(`bloom ${bitsPerKey} bits/key`)
      const next = generator(seed)
      const count = 100_000
      const present = Array.from({ length: count }, (_, index) => keyFrom(next, index))
      const filter = build(bitsPerKey, present)
      let falsePositives = 0
      // Absent keys differ from every present key in their last 4 bytes (tag >= count).
      for (let index = 0; index < count; index++)
        if (filter.mayContain(keyFrom(next, count + index))) falsePositives++
      const rate = falsePositives / count
      const theory = theoreticalFalsePositiveRate(count * bitsPerKey, probeCount(bitsPerKey), count)
      console.log(
        `  measured ${rate.toFixed(5)}, theory ${theory.toFixed(5)}, ratio ${(rate / theory).toFixed(2)}`,
      )
      expect(rate).toBeLessThanOrEqual(1.5 * theory)
      expect(rate).toBeGreaterThan(0)
    })
  }

  it('answers from precomputed FilterHashes exactly as from the key, in both layouts and with 0 bits', () => {
    const next = generator(11)
    const present = Array.from({ length: 5_000 }, (_, index) => keyFrom(next, index))
    const absent = Array.from({ length: 5_000 }, (_, index) => keyFrom(next, 5_000 + index))
    const hashes = new FilterHashes()
    for (const bitsPerKey of [0, 2, BLOCKED_MAX_BITS_PER_KEY, 16]) {
      const filter = build(bitsPerKey, present)
      let maybe = 0
      for (const key of [...present, ...absent]) {
        hashes.of(key)
        expect(hashes.h1).toBe(murmur3(key, FILTER_SEED_1))
        const answer = filter.mayContain(key)
        expect(filter.mayContainHashes(hashes.h1, hashes.h2)).toBe(answer)
        if (answer) maybe++
      }
      // Both answers occur (except with no filter), so agreeing is not trivially true.
      if (bitsPerKey === 0) expect(maybe).toBe(10_000)
      else expect(maybe).toBeLessThan(10_000)
    }
  })

  it('answers "maybe" for every key when built with 0 bits per key', () => {
    const filter = build(0, [Uint8Array.of(1)])
    expect(filter.bits).toBe(0)
    expect(filter.mayContain(Uint8Array.of(2))).toBe(true)
  })

  it('rejects malformed filter blocks with a reason', () => {
    const good = new BloomFilterBuilder(10)
    good.add(Uint8Array.of(1))
    const block = good.finish()
    expect(BloomFilter.decode(block.subarray(0, 3))).toMatch(/less than its header/)
    expect(BloomFilter.decode(block.subarray(0, block.length - 1))).toMatch(/needs/)
    const badLayout = Buffer.from(block)
    badLayout[0] = 9
    expect(BloomFilter.decode(badLayout)).toMatch(/unknown filter layout/)
    const badProbes = Buffer.from(block)
    badProbes[1] = 0
    expect(BloomFilter.decode(badProbes)).toMatch(/probe count/)
  })
})
