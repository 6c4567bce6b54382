/**
 * Property tests: tables built from random entries (few distinct keys, several versions each,
 * tombstones, empty and long keys and values) under random block sizes, restart intervals and
 * filter settings, read back with random gets, bounds, directions, snapshots, version modes and
 * seeks, compared against a sorted-array oracle. The seed is printed; replay a failure with
 * STRATA_SEED=<seed> (and fast-check's printed path).
 */
import { compareBytes, type InternalEntry, MemoryFileSystem, OpType } from '@strata/base'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { BlockCache, Table, type TableIterator } from '../src/index.js'
import {
  buildTable,
  expectedGet,
  expectedScan,
  plain,
  type ReadOptions,
  sortInternal,
  testSeed,
} from './helpers.js'

const keyArbitrary = fc.oneof(
  {
    weight: 8,
    arbitrary: fc
      .array(fc.integer({ min: 0, max: 3 }), { maxLength: 4 })
      .map((digits) => Uint8Array.from(digits)),
  },
  { weight: 1, arbitrary: fc.uint8Array({ minLength: 60, maxLength: 200 }) },
)

const entriesArbitrary = fc
  .array(
    fc.record({
      key: keyArbitrary,
      tombstone: fc.boolean(),
      value: fc.oneof(
        { weight: 6, arbitrary: fc.uint8Array({ maxLength: 24 }) },
        { weight: 1, arbitrary: fc.uint8Array({ minLength: 100, maxLength: 700 }) },
      ),
    }),
    { minLength: 0, maxLength: 160 },
  )
  .map((drafts) =>
    // Seqs 1..n in insertion order: each (key, seq) is unique, versions of a key interleave.
    sortInternal(
      drafts.map(
        (draft, index): InternalEntry =>
          draft.tombstone
            ? { key: draft.key, seq: index + 1, op: OpType.Delete, value: null }
            : { key: draft.key, seq: index + 1, op: OpType.Put, value: draft.value },
      ),
    ),
  )

const optionsArbitrary = fc.record({
  blockBytes: fc.constantFrom(64, 100, 256, 4096),
  restartInterval: fc.integer({ min: 1, max: 16 }),
  bloomBitsPerKey: fc.constantFrom(0, 4, 10, 14),
})

const cacheArbitrary = fc.constantFrom('none', 'tiny', 'large')

const queryArbitrary = fc.record({
  gt: fc.option(keyArbitrary, { nil: undefined }),
  gte: fc.option(keyArbitrary, { nil: undefined }),
  lt: fc.option(keyArbitrary, { nil: undefined }),
  lte: fc.option(keyArbitrary, { nil: undefined }),
  reverse: fc.boolean(),
  atSeq: fc.option(fc.integer({ min: 0, max: 170 }), { nil: undefined }),
  versions: fc.constantFrom<'visible' | 'all'>('visible', 'all'),
  sync: fc.boolean(),
  seekAfter: fc.option(fc.integer({ min: 0, max: 20 }), { nil: undefined }),
  seekTarget: keyArbitrary,
})

function makeCache(kind: string): BlockCache | undefined {
  if (kind === 'none') return undefined
  return new BlockCache(kind === 'tiny' ? 600 : 1 << 20)
}

async function drain(
  iterator: TableIterator,
  sync: boolean,
  limit = Number.POSITIVE_INFINITY,
): Promise<InternalEntry[]> {
  const result: InternalEntry[] = []
  while (result.length < limit) {
    const entry = sync ? iterator.nextSync() : await iterator.next()
    if (entry === undefined) break
    result.push(entry)
  }
  return result
}

describe('Table against a sorted-array oracle', () => {
  it('answers gets, bounded scans, reverse scans, snapshots and seeks like the oracle', async () => {
    const seed = testSeed('oracle property test')
    await fc.assert(
      fc.asyncProperty(
        entriesArbitrary,
        optionsArbitrary,
        cacheArbitrary,
        fc.array(queryArbitrary, { minLength: 1, maxLength: 6 }),
        fc.array(fc.tuple(keyArbitrary, fc.option(fc.integer({ min: 0, max: 170 }), { nil: undefined })), {
          maxLength: 20,
        }),
        async (entries, options, cacheKind, queries, probes) => {
          const fs = new MemoryFileSystem()
          await buildTable('/t.sst', entries, { fs, ...options })
          const table = await Table.open('/t.sst', { fs, cache: makeCache(cacheKind) })
          try {
            // Every stored key (all versions) and random probes, at random snapshots.
            const gets: [Uint8Array, number | undefined][] = [
              ...entries.map((entry): [Uint8Array, number | undefined] => [entry.key, entry.seq]),
              ...probes,
            ]
            for (const [key, atSeq] of gets) {
              const expected = plain(expectedGet(entries, key, atSeq))
              expect(plain(await table.get(key, atSeq))).toEqual(expected)
              expect(plain(table.getSync(key, atSeq))).toEqual(expected)
            }
            for (const query of queries) {
              const readOptions: ReadOptions = {
                reverse: query.reverse,
                versions: query.versions,
                ...(query.atSeq === undefined ? {} : { atSeq: query.atSeq }),
                ...(query.gt === undefined ? {} : { gt: query.gt }),
                ...(query.gte === undefined ? {} : { gte: query.gte }),
                ...(query.lt === undefined ? {} : { lt: query.lt }),
                ...(query.lte === undefined ? {} : { lte: query.lte }),
              }
              const expected = expectedScan(entries, readOptions)
              const iterator = table.iterator(readOptions)
              if (query.seekAfter === undefined) {
                expect((await drain(iterator, query.sync)).map(plain)).toEqual(expected.map(plain))
              } else {
                const before = await drain(iterator, query.sync, query.seekAfter)
                expect(before.map(plain)).toEqual(expected.slice(0, query.seekAfter).map(plain))
                iterator.seek(query.seekTarget)
                const after = await drain(iterator, query.sync)
                const target = query.seekTarget
                const expectedAfter = expected.filter((entry) =>
                  query.reverse ? compareBytes(entry.key, target) <= 0 : compareBytes(entry.key, target) >= 0,
                )
                expect(after.map(plain)).toEqual(expectedAfter.map(plain))
              }
              iterator.close()
            }
          } finally {
            await table.close()
          }
        },
      ),
      { seed, numRuns: 150 },
    )
  })

  it('seeks forward and backward repeatedly on one iterator, also after reaching the end', async () => {
    const seed = testSeed('repeated seek property test')
    await fc.assert(
      fc.asyncProperty(
        entriesArbitrary,
        fc.boolean(),
        fc.constantFrom<'visible' | 'all'>('visible', 'all'),
        fc.array(fc.tuple(keyArbitrary, fc.integer({ min: 0, max: 5 })), { minLength: 1, maxLength: 8 }),
        async (entries, reverse, versions, seeks) => {
          const fs = new MemoryFileSystem()
          await buildTable('/t.sst', entries, { fs, blockBytes: 64, restartInterval: 3 })
          const table = await Table.open('/t.sst', { fs, cache: new BlockCache(300) })
          const iterator = table.iterator({ reverse, versions })
          const all = expectedScan(entries, { reverse, versions })
          await drain(iterator, false)
          for (const [target, take] of seeks) {
            iterator.seek(target)
            const expected = all
              .filter((entry) =>
                reverse ? compareBytes(entry.key, target) <= 0 : compareBytes(entry.key, target) >= 0,
              )
              .slice(0, take)
            expect((await drain(iterator, take % 2 === 0, take)).map(plain)).toEqual(expected.map(plain))
          }
          await table.close()
        },
      ),
      { seed, numRuns: 150 },
    )
  })
})
