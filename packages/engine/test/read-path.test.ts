/**
 * Walks each row of the read path's decision table (docs/architecture.md, "The read path"): for
 * every case, whether the answer came synchronously, and what the block cache and the read-mode
 * governor counted.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { type Database, open, type ReadMode } from '../src/index.js'
import { bytes, temporaryDirectory, text } from './helpers.js'

const opened: Database[] = []

afterEach(async () => {
  for (const database of opened.splice(0)) await database.close()
})

const keyOf = (index: number) => `key-${String(index).padStart(4, '0')}`

/** 2,000 keys in one level-0 table (many blocks), one more key in the memtable; nothing cached. */
async function tableAndMemtable(readMode: ReadMode, blockCacheBytes = 1 << 20): Promise<Database> {
  const directory = temporaryDirectory()
  const writer = await open(directory, { autoCompaction: false, sync: false })
  await writer.batch(
    Array.from({ length: 2000 }, (_, index) => ({
      type: 'put' as const,
      key: bytes(keyOf(index)),
      value: bytes(`value ${index}`),
    })),
  )
  await writer.flush()
  await writer.close()
  const database = await open(directory, { autoCompaction: false, sync: false, readMode, blockCacheBytes })
  await database.put(bytes('key-0500.5'), bytes('in the memtable'))
  opened.push(database)
  return database
}

function counters(database: Database) {
  const { cache, reads } = database.stats()
  return {
    lookups: cache.hits + cache.misses,
    hits: cache.hits,
    misses: cache.misses,
    admitted: cache.pointReadsAdmitted,
    notAdmitted: cache.pointReadsNotAdmitted,
    syncReads: reads.syncReads,
  }
}

function changes(database: Database, before: ReturnType<typeof counters>) {
  const after = counters(database)
  return Object.fromEntries(
    Object.entries(after).map(([name, value]) => [name, value - before[name as keyof typeof before]]),
  )
}

describe('the read path, row by row', () => {
  it('1: a key in the memtable answers synchronously without consulting a table', async () => {
    const database = await tableAndMemtable('async')
    const before = counters(database)
    const found = database.getSyncOrPromise(bytes('key-0500.5'))
    expect(found).not.toBeInstanceOf(Promise)
    expect(text(found as Uint8Array)).toBe('in the memtable')
    expect(changes(database, before).lookups).toBe(0)
  })

  it('2: a key every table rules out answers synchronously without a block', async () => {
    const database = await tableAndMemtable('async')
    const before = counters(database)
    for (const key of ['a', 'zzz']) expect(database.getSyncOrPromise(bytes(key))).toBeUndefined()
    expect(changes(database, before).lookups).toBe(0)
  })

  it('3: a key in a cached block answers synchronously from the cache', async () => {
    const database = await tableAndMemtable('async')
    expect(text(await database.get(bytes(keyOf(7))))).toBe('value 7')
    const before = counters(database)
    const found = database.getSyncOrPromise(bytes(keyOf(8)))
    expect(found).not.toBeInstanceOf(Promise)
    expect(text(found as Uint8Array)).toBe('value 8')
    expect(changes(database, before)).toMatchObject({ hits: 1, misses: 0, syncReads: 0 })
  })

  it('4: getSync reads an uncached block synchronously, untimed, whatever the read mode', async () => {
    const database = await tableAndMemtable('async')
    const before = counters(database)
    expect(text(database.getSync(bytes(keyOf(1500))))).toBe('value 1500')
    expect(changes(database, before)).toMatchObject({ misses: 1, syncReads: 0, admitted: 1 })
  })

  it('5: get reads an uncached block synchronously while the policy allows, cached when admitted, else through the scratch buffer', async () => {
    const roomy = await tableAndMemtable('sync')
    let before = counters(roomy)
    const found = roomy.getSyncOrPromise(bytes(keyOf(1200)))
    expect(found).not.toBeInstanceOf(Promise)
    expect(text(found as Uint8Array)).toBe('value 1200')
    expect(changes(roomy, before)).toMatchObject({ misses: 1, syncReads: 1, admitted: 1 })
    expect(text(await roomy.get(bytes(keyOf(1200))))).toBe('value 1200')
    expect(await roomy.has(bytes(keyOf(1201)))).toBe(true)
    expect(changes(roomy, before)).toMatchObject({ hits: 2, syncReads: 1 })

    // A cache without room: the first miss goes through the scratch buffer, the second (the
    // doorkeeper remembers the first) caches the block, the third is a hit.
    const full = await tableAndMemtable('sync', 64 * 1024)
    before = counters(full)
    for (let round = 0; round < 3; round++) {
      expect(text(full.getSyncOrPromise(bytes(keyOf(1300))) as Uint8Array)).toBe('value 1300')
    }
    expect(changes(full, before)).toMatchObject({ notAdmitted: 1, admitted: 1, hits: 1, syncReads: 2 })

    // getMany within its window reads synchronously too.
    before = counters(roomy)
    const many = await roomy.getMany([bytes(keyOf(100)), bytes(keyOf(1900)), bytes('nope')])
    expect(many.map(text)).toEqual(['value 100', 'value 1900', undefined])
    expect(changes(roomy, before).syncReads).toBe(2)
  })

  it('6: get goes on the thread pool when the policy says so: a promise, the version pinned, the block cached', async () => {
    const database = await tableAndMemtable('async')
    const before = counters(database)
    const pending = database.getSyncOrPromise(bytes(keyOf(1700)))
    expect(pending).toBeInstanceOf(Promise)
    expect(text(await pending)).toBe('value 1700')
    const many = await database.getMany([bytes(keyOf(300)), bytes(keyOf(1701))])
    expect(many.map(text)).toEqual(['value 300', 'value 1701'])
    expect(changes(database, before).syncReads).toBe(0)
    const cached = database.getSyncOrPromise(bytes(keyOf(1700)))
    expect(cached).not.toBeInstanceOf(Promise)
    expect(text(cached as Uint8Array)).toBe('value 1700')
  })

  it('7: an iterator reads uncached blocks synchronously while the policy allows', async () => {
    const database = await tableAndMemtable('sync')
    const before = counters(database)
    const entries = await database.iterator({ gte: bytes(keyOf(1000)), limit: 600 }).all()
    expect(entries).toHaveLength(600)
    expect(text(entries[0]![0])).toBe(keyOf(1000))
    expect(changes(database, before).syncReads).toBeGreaterThan(0)
  })

  it('8: an iterator awaits uncached blocks on the thread pool when the policy says so', async () => {
    const database = await tableAndMemtable('async')
    const before = counters(database)
    const entries = await database.iterator({ reverse: true, lt: bytes(keyOf(1000)), limit: 600 }).all()
    expect(entries).toHaveLength(600)
    expect(text(entries[0]![0])).toBe(keyOf(999))
    expect(changes(database, before).syncReads).toBe(0)
  })
})
