/**
 * A level whose table starts past a seek's target is read only when the merge reaches that
 * table's first key (merge-iterator.ts, `startBound`): a short seek that ends before it looks
 * up none of its blocks, and a longer one still yields its keys in order and its versions by
 * seq, forward and in reverse.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { type Database, open } from '../src/index.js'
import { bytes, temporaryDirectory, text } from './helpers.js'

const opened: Database[] = []

afterEach(async () => {
  for (const database of opened.splice(0)) await database.close()
})

/** Level 1: one table of k80..k89 (k85 deleted later, k89 overwritten later); the memtable:
 *  k30, k40, k97, k98, k85's tombstone and k89's newer value. */
async function levelAboveTheMemtable(): Promise<Database> {
  const database = await open(temporaryDirectory(), { autoCompaction: false, sync: false })
  opened.push(database)
  await database.batch(
    Array.from({ length: 10 }, (_, index) => ({
      type: 'put' as const,
      key: bytes(`k${80 + index}`),
      value: bytes(`old ${80 + index}`),
    })),
  )
  await database.flush()
  await database.compactRange()
  expect(database.levels().map((level) => level.tables.length)).toEqual([0, 1, 0, 0, 0, 0, 0])
  await database.put(bytes('k30'), bytes('new 30'))
  await database.put(bytes('k40'), bytes('new 40'))
  await database.put(bytes('k97'), bytes('new 97'))
  await database.put(bytes('k98'), bytes('new 98'))
  await database.delete(bytes('k85'))
  await database.put(bytes('k89'), bytes('new 89'))
  return database
}

const lookups = (database: Database) => database.stats().cache.hits + database.stats().cache.misses

async function read(database: Database, options: Parameters<Database['iterator']>[0]): Promise<string[]> {
  const entries = await database.iterator(options).all()
  return entries.map(([key, value]) => `${text(key)}=${text(value)}`)
}

describe('a level that starts past the target', () => {
  it('is not read by a seek that ends before its first key', async () => {
    const database = await levelAboveTheMemtable()
    const before = lookups(database)
    expect(await read(database, { gte: bytes('k20'), limit: 2 })).toEqual(['k30=new 30', 'k40=new 40'])
    expect(lookups(database)).toBe(before)
    expect(await read(database, { lte: bytes('k99'), reverse: true, limit: 2 })).toEqual([
      'k98=new 98',
      'k97=new 97',
    ])
    expect(lookups(database)).toBe(before)
  })

  it('is read once the merge reaches it: keys in order, the newest version of each', async () => {
    const database = await levelAboveTheMemtable()
    const forward = [
      'k30=new 30',
      'k40=new 40',
      ...[80, 81, 82, 83, 84, 86, 87, 88].map((key) => `k${key}=old ${key}`),
      'k89=new 89',
      'k97=new 97',
      'k98=new 98',
    ]
    expect(await read(database, { gte: bytes('k20') })).toEqual(forward)
    expect(await read(database, { gt: bytes('k3'), limit: 4 })).toEqual(forward.slice(0, 4))
    expect(await read(database, { lte: bytes('k99'), reverse: true })).toEqual([...forward].reverse())
    expect(await read(database, { lt: bytes('k99'), gte: bytes('k84'), reverse: true, limit: 5 })).toEqual(
      [...forward].reverse().slice(0, 5),
    )
    const iterator = database.iterator({ gte: bytes('k00') })
    iterator.seek(bytes('k35'))
    expect((await iterator.nextv(3)).map(([key]) => text(key))).toEqual(['k40', 'k80', 'k81'])
    await iterator.close()
  })
})
