/**
 * Block compression in the engine: flushes write `compression`, compactions whose outputs have
 * no deeper data write `bottommostCompression`, every value reads back (also after reopening
 * with other codecs), and `stats()` reports each level's bytes before and after compression.
 */
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { inspectTable } from '@strata/sstable'
import { describe, expect, it } from 'vitest'
import { open } from '../src/index.js'
import { temporaryDirectory } from './helpers.js'

const KEYS = 6000
const keyOf = (index: number) => `event:${String(index).padStart(6, '0')}`
const eventValueOf = (index: number, round: number) =>
  JSON.stringify({
    user: index % 211,
    type: ['view', 'click', 'buy'][index % 3],
    path: `/p/${index % 89}`,
    round,
  })

async function codecsOf(directory: string): Promise<Set<string>> {
  const codecs = new Set<string>()
  for (const name of readdirSync(directory).filter((each) => each.endsWith('.sst'))) {
    const inspection = await inspectTable(join(directory, name))
    expect(inspection.problems).toEqual([])
    for (const block of inspection.dataBlocks) codecs.add(block.codec)
  }
  return codecs
}

async function fill(directory: string, options: object, round: number) {
  const database = await open<string, string>(directory, {
    keyEncoding: 'utf8',
    valueEncoding: 'utf8',
    autoCompaction: false,
    memtableBytes: 256 * 1024,
    sync: false,
    ...options,
  })
  const batch = []
  for (let index = 0; index < KEYS; index++)
    batch.push({ type: 'put' as const, key: keyOf(index), value: eventValueOf(index, round) })
  await database.batch(batch)
  await database.flush()
  return database
}

async function expectRound(database: Awaited<ReturnType<typeof fill>>, round: number) {
  let count = 0
  for await (const [key, value] of database.iterator()) {
    expect(value).toBe(eventValueOf(Number(key.slice(6)), round))
    count++
  }
  expect(count).toBe(KEYS)
  for (let index = 0; index < KEYS; index += 101)
    expect(await database.get(keyOf(index))).toBe(eventValueOf(index, round))
}

describe('block compression in the engine', () => {
  it('flushes lz4 tables by default and reports bytes before and after compression per level', async () => {
    const directory = temporaryDirectory()
    const database = await fill(directory, {}, 1)
    expect(await codecsOf(directory)).toEqual(new Set(['lz4']))
    const level0 = database.stats().levels[0]!
    expect(level0.uncompressedBytes).toBe(
      KEYS * keyOf(0).length +
        Array.from({ length: KEYS }, (_, index) => eventValueOf(index, 1).length).reduce((a, b) => a + b, 0),
    )
    expect(level0.bytes).toBeLessThan(level0.uncompressedBytes * 0.6)
    await expectRound(database, 1)
    await database.close()
  })

  it('writes bottommost compaction outputs with bottommostCompression, and reads mixed codecs after reopening', async () => {
    const directory = temporaryDirectory()
    const first = await fill(directory, { compression: 'none', bottommostCompression: 'deflate' }, 1)
    expect(await codecsOf(directory)).toEqual(new Set(['none']))
    const uncompressed = first.stats().levels[0]!.bytes
    await first.compactRange()
    expect(await codecsOf(directory)).toEqual(new Set(['deflate']))
    const stats = first.stats()
    expect(stats.levels[0]!.files).toBe(0)
    expect(stats.tableBytes).toBeLessThan(uncompressed * 0.5)
    await expectRound(first, 1)
    await first.close()

    const second = await fill(directory, { compression: 'lz4' }, 2)
    expect(await codecsOf(directory)).toEqual(new Set(['deflate', 'lz4']))
    await expectRound(second, 2)
    await second.close()
  })
})
