import { type InternalEntry, OpType } from '@strata/base'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { plain, put, testSeed } from '../test/helpers.js'
import { Block } from './block.js'
import { BlockBuilder } from './block-builder.js'
import { ByteSink } from './coding.js'
import { SSTableCorruptError } from './errors.js'
import { decodeProperties } from './properties.js'

function encode(entries: InternalEntry[], restartInterval: number): Buffer {
  const sink = new ByteSink(16)
  const builder = new BlockBuilder(sink, restartInterval)
  for (const entry of entries) builder.add(entry.key, entry.seq, entry.op, entry.value)
  const length = builder.finish()
  expect(sink.length).toBe(length)
  return Buffer.from(sink.bytes.subarray(0, length))
}

const sortedEntries = fc
  .uniqueArray(fc.uint8Array({ maxLength: 12 }), {
    selector: (key) => Buffer.from(key).toString('hex'),
    maxLength: 60,
  })
  .chain((keys) =>
    fc.tuple(
      fc.constant(keys.sort(Buffer.compare)),
      fc.array(fc.option(fc.uint8Array({ maxLength: 30 }), { nil: null }), {
        minLength: keys.length,
        maxLength: keys.length,
      }),
    ),
  )
  .map(([keys, values]) =>
    keys.map(
      (key, index): InternalEntry => ({
        key,
        seq: index % 2 === 0 ? index * 1_000_003 : index * 150_000_000_007,
        op: values[index] === null ? OpType.Delete : OpType.Put,
        value: values[index] ?? null,
      }),
    ),
  )

/** Runs every read of a block; only SSTableCorruptError may escape. */
function readAll(contents: Buffer, probes: Uint8Array[]): void {
  try {
    const block = new Block(contents, 'fuzz.sst', 100, 'data')
    block.decodeAll()
    for (const probe of probes) block.find(probe, Number.MAX_SAFE_INTEGER)
  } catch (error) {
    if (!(error instanceof SSTableCorruptError)) throw error
    expect(error.block).toBe('data')
    expect(error.offset).toBeGreaterThanOrEqual(100)
  }
}

describe('data block encoding', () => {
  it('round-trips entries with prefix compression at every restart interval', () => {
    fc.assert(
      fc.property(sortedEntries, fc.integer({ min: 1, max: 20 }), (entries, restartInterval) => {
        const block = new Block(encode(entries, restartInterval), 't.sst', 0, 'data')
        expect(block.restartCount).toBe(Math.ceil(entries.length / restartInterval))
        expect(block.decodeAll().map(plain)).toEqual(entries.map(plain))
        for (const entry of entries) expect(plain(block.find(entry.key, entry.seq))).toEqual(plain(entry))
      }),
      { seed: testSeed('block round trip') },
    )
  })

  it('compresses shared prefixes: keys with a long common prefix take little room', () => {
    const prefix = 'a'.repeat(100)
    const entries = Array.from({ length: 32 }, (_, index) =>
      put(`${prefix}${String(index).padStart(2, '0')}`, 1, ''),
    )
    // 2 restart keys in full, 30 keys as 2-byte suffixes, plus ~5 bytes of header each.
    expect(encode(entries, 16).length).toBeLessThan(2 * 102 + 30 * 2 + 32 * 6 + 3 * 4)
  })

  it('never throws anything but SSTableCorruptError on arbitrary or mutated bytes', () => {
    const seed = testSeed('block fuzz')
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 200 }),
        fc.array(fc.uint8Array({ maxLength: 6 }), { maxLength: 4 }),
        (bytes, probes) => {
          readAll(Buffer.from(bytes), probes)
        },
      ),
      { seed, numRuns: 2000 },
    )
    fc.assert(
      fc.property(
        sortedEntries,
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }),
        (entries, flips) => {
          const contents = encode(entries, 3)
          for (const [at, mask] of flips) contents[at % contents.length]! ^= mask
          readAll(
            contents,
            entries.map((entry) => entry.key),
          )
        },
      ),
      { seed, numRuns: 2000 },
    )
  })

  it('reports properties that do not fit their block as a reason, not an exception', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 120 }), (bytes) => {
        const result = decodeProperties(Buffer.from(bytes))
        if (typeof result !== 'string')
          expect(result.entryCount).toBeGreaterThanOrEqual(result.tombstoneCount)
      }),
      { seed: testSeed('properties fuzz'), numRuns: 2000 },
    )
  })
})
