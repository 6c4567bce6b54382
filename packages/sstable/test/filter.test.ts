/**
 * The bloom filter at work inside a table: of 100,000 absent keys, the share that gets past the
 * filter (and costs a data block lookup) stays within 1.5x the textbook false-positive rate for
 * the table's bits per key.
 */
import { MemoryFileSystem, OpType } from '@strata/base'
import { describe, expect, it } from 'vitest'
import { probeCount, theoreticalFalsePositiveRate } from '../src/bloom.js'
import { BlockCache, Table, TableBuilder } from '../src/index.js'
import { generator, testSeed } from './helpers.js'

const COUNT = 100_000

/** 16-byte keys: 12 random bytes, then a 4-byte tag (present keys have even tags, absent odd). */
function keyOf(next: () => number, tag: number): Buffer {
  const key = Buffer.allocUnsafe(16)
  key.writeUInt32BE(next(), 0)
  key.writeUInt32BE(next(), 4)
  key.writeUInt32BE(next(), 8)
  key.writeUInt32BE(tag, 12)
  return key
}

describe('bloom filter in a table', () => {
  for (const bitsPerKey of [10, 16]) {
    it(`lets at most 1.5x the theoretical false positives through at ${bitsPerKey} bits/key`, async () => {
      const next = generator(testSeed(`table filter ${bitsPerKey} bits/key`))
      const present = Array.from({ length: COUNT }, (_, index) => keyOf(next, index * 2)).sort(Buffer.compare)
      const fs = new MemoryFileSystem()
      const builder = new TableBuilder('/t.sst', { fs, bloomBitsPerKey: bitsPerKey })
      for (const key of present) builder.add({ key, seq: 1, op: OpType.Put, value: new Uint8Array(0) })
      await builder.finish()
      const cache = new BlockCache()
      const table = await Table.open('/t.sst', { fs, cache })
      let passed = 0
      for (let index = 0; index < COUNT; index++) {
        // Absent keys inside the table's key range, so only the filter can turn them away.
        let key = keyOf(next, index * 2 + 1)
        while (Buffer.compare(key, present[0]!) <= 0 || Buffer.compare(key, present[COUNT - 1]!) >= 0) {
          key = keyOf(next, index * 2 + 1)
        }
        const lookupsBefore = cache.hits + cache.misses
        expect(table.getSync(key)).toBeUndefined()
        if (cache.hits + cache.misses > lookupsBefore) passed++
      }
      const rate = passed / COUNT
      const theory = theoreticalFalsePositiveRate(COUNT * bitsPerKey, probeCount(bitsPerKey), COUNT)
      console.log(
        `  ${bitsPerKey} bits/key: ${passed} of ${COUNT} absent keys passed (${rate}); theory ${theory.toFixed(5)}`,
      )
      expect(rate).toBeLessThanOrEqual(1.5 * theory)
      // Every present key gets through.
      for (let index = 0; index < COUNT; index += 97) expect(table.getSync(present[index]!)).toBeDefined()
      await table.close()
    })
  }
})
