/**
 * Range deletes: the API and its typed errors, the exact semantics at snapshots, through the WAL
 * (reopen), flushes and compactions, and space coming back after compactRange.
 */
import { MemoryFileSystem } from '@strata/base'
import { describe, expect, it } from 'vitest'
import { type Database, open } from '../src/index.js'
import { temporaryDirectory } from './helpers.js'

const small = { memtableBytes: 64 * 1024, targetFileBytes: 32 * 1024, sync: false }
const key = (index: number) => `k${String(index).padStart(5, '0')}`

async function fill(database: Database<string, string>, count: number): Promise<void> {
  for (let start = 0; start < count; start += 500) {
    const operations = []
    for (let index = start; index < Math.min(count, start + 500); index++) {
      operations.push({ type: 'put' as const, key: key(index), value: `v${index}` })
    }
    await database.batch(operations)
  }
}

/** A store of `count` keys compacted to its bottom level, and its table bytes then. */
async function compactedStore(count: number) {
  const database = await open<string, string>(temporaryDirectory(), {
    ...small,
    keyEncoding: 'utf8',
    valueEncoding: 'utf8',
  })
  await fill(database, count)
  await database.compactRange()
  return { database, full: database.stats().tableBytes }
}

describe('deleteRange', () => {
  it('refuses an empty range and anything that is not a range, with a typed error', async () => {
    const database = await open<string, string>('/db', {
      fs: new MemoryFileSystem(),
      keyEncoding: 'utf8',
      valueEncoding: 'utf8',
    })
    const refused = [
      { gte: 'b', lt: 'a' },
      { gte: 'b', lt: 'b' },
      { gt: 'b', lte: 'b' },
      { gt: 'b', lt: 'b\u0000' },
      { gt: 'a', gte: 'a' },
      { lt: 'a', lte: 'a' },
      { from: 'a' },
      null,
      'a',
      [],
    ]
    for (const range of refused) {
      await expect(database.deleteRange(range as never), JSON.stringify(range)).rejects.toMatchObject({
        code: 'STRATA_INVALID_ARGUMENT',
      })
    }
    await expect(
      database.batch([
        { type: 'put', key: 'x', value: '1' },
        { type: 'deleteRange', gte: 'b', lt: 'a' },
      ]),
    ).rejects.toMatchObject({ code: 'STRATA_INVALID_ARGUMENT' })
    expect(await database.get('x')).toBeUndefined() // the batch applied nothing
    await database.close()
  })

  it('hides older versions at later snapshots only, and later writes stay visible', async () => {
    const database = await open<string, string>('/db', {
      fs: new MemoryFileSystem(),
      keyEncoding: 'utf8',
      valueEncoding: 'utf8',
    })
    await fill(database, 100)
    const before = database.snapshot()
    await database.flush()
    await database.deleteRange({ gte: key(10), lt: key(20) })
    await database.deleteRange({ gt: key(15), lte: key(30) }) // overlapping
    await database.deleteRange({ gte: key(40), lt: key(41) }) // one key
    await database.delete(key(50))
    await database.deleteRange({ gte: key(50), lt: key(51) }) // over a point tombstone
    await database.put(key(12), 'again')
    const expected = (index: number): string | undefined =>
      index === 12
        ? 'again'
        : (index >= 10 && index <= 30) || index === 40 || index === 50
          ? undefined
          : `v${index}`
    const check = async (what: string) => {
      for (let index = 0; index < 100; index++) {
        expect(await database.get(key(index)), `${what}: get ${index}`).toBe(expected(index))
        expect(await database.get(key(index), { snapshot: before }), `${what}: snapshot ${index}`).toBe(
          `v${index}`,
        )
      }
      const all = Array.from({ length: 100 }, (_, index) => index).filter(
        (index) => expected(index) !== undefined,
      )
      expect(
        (await database.iterator().all()).map(([k]) => k),
        what,
      ).toEqual(all.map(key))
      expect((await database.iterator({ reverse: true, limit: 5 }).all()).map(([k]) => k)).toEqual(
        all.reverse().slice(0, 5).map(key),
      )
      expect((await database.iterator({ gt: key(5), lte: key(35) }).all()).map(([k]) => k)).toEqual(
        [6, 7, 8, 9, 12, 31, 32, 33, 34, 35].map(key),
      )
      const iterator = database.iterator()
      iterator.seek(key(11))
      expect((await iterator.next())?.[0]).toBe(key(12))
      expect((await iterator.next())?.[0]).toBe(key(31))
      await iterator.close()
      expect(await database.getMany([key(9), key(10), key(12)])).toEqual(['v9', undefined, 'again'])
      expect(await database.has(key(25))).toBe(false)
      expect((await database.iterator({ snapshot: before }).all()).length).toBe(100)
    }
    await check('memtable')
    await database.flush()
    await check('tables')
    await database.compactRange()
    await check('after compactRange, with a snapshot held')
    before.release()
    await database.close()
  })

  it('survives a reopen (WAL replay) and a reopen after flush', async () => {
    const directory = temporaryDirectory()
    const options = { ...small, keyEncoding: 'utf8', valueEncoding: 'utf8' } as const
    let database = await open(directory, options)
    await fill(database, 300)
    await database
      .batch()
      .deleteRange({ gte: key(100), lt: key(200) })
      .put(key(150), 'kept')
      .write()
    await database.close()
    database = await open(directory, options)
    expect(await database.get(key(120))).toBeUndefined()
    expect(await database.get(key(150))).toBe('kept')
    expect(await database.get(key(200))).toBe('v200')
    await database.flush()
    await database.close()
    database = await open(directory, options)
    expect((await database.iterator({ gte: key(99), lt: key(201) }).all()).map(([k]) => k)).toEqual([
      key(99),
      key(150),
      key(200),
    ])
    await database.close()
  })

  it('gives the space back: after deleting everything and compactRange the tables hold (almost) nothing', async () => {
    const { database, full } = await compactedStore(20_000)
    expect(full).toBeGreaterThan(200_000)
    await database.deleteRange({})
    expect(await database.iterator().all()).toEqual([])
    await database.compactRange()
    const stats = database.stats()
    expect(stats.tableBytes, JSON.stringify(stats.levels)).toBeLessThan(1024)
    expect(await database.iterator().all()).toEqual([])
    await database.put('after', 'x')
    expect(await database.iterator().all()).toEqual([['after', 'x']])
    await database.close()
  })

  it('gives a sub-range back and keeps the rest readable', async () => {
    const { database, full } = await compactedStore(20_000)
    await database.deleteRange({ gte: key(5000), lt: key(15000) })
    await database.compactRange()
    expect(database.stats().tableBytes).toBeLessThan(full * 0.6)
    expect(await database.get(key(4999))).toBe('v4999')
    expect(await database.get(key(5000))).toBeUndefined()
    expect(await database.get(key(15000))).toBe('v15000')
    expect((await database.iterator().all()).length).toBe(10_000)
    await database.close()
  })
})
