import { closeSync, openSync, readdirSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { NodeFileSystem } from '@strata/base'
import { describe, expect, it } from 'vitest'
import { type Database, open, type ReadMode } from '../src/index.js'
import { bytes, random, seedFor, temporaryDirectory, text } from './helpers.js'

/** Three level-0 tables whose keys overlap (later ones overwrite and delete), then a memtable
 *  write, against a Map model; no block cache, so every table read is a cache miss. */
async function filled(mode: ReadMode, fs?: NodeFileSystem) {
  const seed = seedFor(`read-mode ${mode}`)
  const next = random(seed)
  const database = await open(temporaryDirectory(), {
    readMode: mode,
    blockCacheBytes: 0,
    autoCompaction: false,
    sync: false,
    ...(fs === undefined ? {} : { fs }),
  })
  const model = new Map<string, string>()
  for (let table = 0; table < 3; table++) {
    for (let index = 0; index < 600; index++) {
      const key = `key-${String(Math.floor(next() * 1000)).padStart(4, '0')}`
      if (table > 0 && next() < 0.2) {
        await database.delete(bytes(key))
        model.delete(key)
      } else {
        const value = `${key}@${table}.${index}`
        await database.put(bytes(key), bytes(value))
        model.set(key, value)
      }
    }
    await database.flush()
  }
  await database.put(bytes('key-0001'), bytes('in the memtable'))
  model.set('key-0001', 'in the memtable')
  return { database, model }
}

async function expectModel(database: Database, model: Map<string, string>) {
  const keys = Array.from({ length: 1000 }, (_, index) => `key-${String(index).padStart(4, '0')}`)
  for (const key of keys) {
    expect(text(await database.get(bytes(key)))).toBe(model.get(key))
    expect(await database.has(bytes(key))).toBe(model.has(key))
  }
  const many = await database.getMany(keys.map(bytes))
  expect(many.map(text)).toEqual(keys.map((key) => model.get(key)))
}

/** Scans forward and in reverse, and seeks, comparing with the model; returns the block reads
 *  done synchronously meanwhile. */
async function expectScans(database: Database, model: Map<string, string>): Promise<number> {
  const before = database.stats().reads.syncReads
  const sorted = [...model.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  const all = (await database.iterator().all()).map(([key, value]) => [text(key), text(value)])
  expect(all).toEqual(sorted)
  const reversed = (await database.iterator({ reverse: true }).all()).map(([key]) => text(key))
  expect(reversed).toEqual(sorted.map(([key]) => key).reverse())
  for (const from of [0, 123, 500, 999]) {
    const target = `key-${String(from).padStart(4, '0')}`
    const iterator = database.iterator({ gte: bytes(target), limit: 11 })
    const entries = (await iterator.nextv(100)).map(([key, value]) => [text(key), text(value)])
    await iterator.close()
    expect(entries).toEqual(sorted.filter(([key]) => key >= target).slice(0, 11))
  }
  return database.stats().reads.syncReads - before
}

describe('readMode', () => {
  for (const mode of ['auto', 'sync', 'async'] as const) {
    it(`'${mode}' answers get, has, getMany and iterators from every source like the model`, async () => {
      const { database, model } = await filled(mode)
      expect(database.stats().tableFiles).toBe(3)
      await expectModel(database, model)
      // With no cache every block an iterator enters is read: synchronously unless 'async'.
      const scanReads = await expectScans(database, model)
      if (mode === 'async') expect(scanReads).toBe(0)
      else if (mode === 'sync') expect(scanReads).toBeGreaterThan(10)
      const reads = database.stats().reads
      expect(reads.mode).toBe(mode)
      if (mode === 'async') expect(reads.syncReads).toBe(0)
      else {
        // Every lookup of a key in a table misses the (disabled) cache: thousands of reads, all
        // synchronous in 'sync' mode, and in 'auto' mode unless the machine stalled 4 of 32.
        expect(reads.syncReads).toBeGreaterThan(0)
        if (mode === 'sync' || reads.switchesToAsync === 0) expect(reads.syncReads).toBeGreaterThan(1000)
      }
      await database.close()
    })
  }

  it('concurrent string-key reads that wait for the thread pool each answer for their own key', async () => {
    // Point reads encode a string key into one shared buffer; a search that goes on
    // asynchronously must take its own copy before the next read overwrites that buffer.
    const database = await open<string, string>(temporaryDirectory(), {
      readMode: 'async',
      blockCacheBytes: 0,
      autoCompaction: false,
      sync: false,
      keyEncoding: 'utf8',
      valueEncoding: 'utf8',
    })
    const keys = [
      ...Array.from({ length: 300 }, (_, index) => `key-${String(index).padStart(4, '0')}`),
      ...['ключ-1', 'ключ-2', 'é'.repeat(600), 'x'.repeat(1500), 'x'.repeat(1501), '\u{1f600}'],
    ]
    for (const key of keys) await database.put(key, `value of ${key}`)
    await database.flush()
    const absent = keys.map((key) => `${key}!`)
    const [values, found, missing] = await Promise.all([
      Promise.all(keys.map((key) => database.get(key))),
      Promise.all(keys.map((key) => database.has(key))),
      Promise.all(absent.map((key) => database.get(key))),
    ])
    expect(values).toEqual(keys.map((key) => `value of ${key}`))
    expect(found.every(Boolean)).toBe(true)
    expect(missing.every((value) => value === undefined)).toBe(true)
    expect(database.stats().reads.syncReads).toBe(0)
    await database.close()
  })

  it("'auto' falls back to the thread pool when synchronous reads are slow, and answers the same", async () => {
    let slowReads = 0
    class SlowDisk extends NodeFileSystem {
      override readSync(
        fd: number,
        buffer: Uint8Array,
        offset: number,
        length: number,
        position: number,
      ): number {
        slowReads++
        const until = performance.now() + 1
        while (performance.now() < until) {
          // a device that takes 1 ms per synchronous read
        }
        return super.readSync(fd, buffer, offset, length, position)
      }
    }
    const { database, model } = await filled('auto', new SlowDisk())
    slowReads = 0
    await expectModel(database, model)
    const reads = database.stats().reads
    expect(reads.switchesToAsync).toBeGreaterThanOrEqual(1)
    expect(reads.slowSyncReads).toBeGreaterThanOrEqual(4)
    // Each fallback lasts a second; far fewer synchronous reads than lookups happened.
    expect(slowReads).toBe(reads.syncReads)
    expect(reads.syncReads).toBeLessThan(200)
    await database.close()
  })

  it("'auto' getMany reads synchronously for about a millisecond, then on the thread pool, answering like the model", async () => {
    const { database, model } = await filled('auto')
    // Many keys, most in tables (no block cache): thousands of reads of a few microseconds each.
    const keys = Array.from({ length: 6000 }, (_, index) => `key-${String(index % 1000).padStart(4, '0')}`)
    // The window is real time (the policy's clock; read-mode.test.ts in src drives it by hand):
    // a loaded machine can pause this process past the window before the first read, so a call
    // that read nothing synchronously is tried again, up to 5 calls. Every call answers in full.
    let syncReads = 0
    for (let call = 0; call < 5 && syncReads === 0; call++) {
      const before = database.stats().reads.syncReads
      const values = await database.getMany(keys.map(bytes))
      syncReads = database.stats().reads.syncReads - before
      expect(values.map(text)).toEqual(keys.map((key) => model.get(key)))
    }
    await database.close()
    // The same getMany on the same files in 'sync' mode reads every block synchronously.
    const everything = await open(database.directory, { readMode: 'sync', blockCacheBytes: 0, sync: false })
    expect((await everything.getMany(keys.map(bytes))).map(text)).toEqual(keys.map((key) => model.get(key)))
    const allReads = everything.stats().reads.syncReads
    await everything.close()
    expect(allReads).toBeGreaterThan(3000)
    expect(syncReads).toBeGreaterThan(0)
    expect(syncReads).toBeLessThan(allReads / 2)
  })

  it('getSyncOrPromise answers directly without I/O waits, with a promise when a read goes to the thread pool', async () => {
    const { database, model } = await filled('async')
    // In the memtable: a value, not a promise. Absent everywhere (bloom filters): undefined.
    expect(text(database.getSyncOrPromise(bytes('key-0001')) as Uint8Array)).toBe('in the memtable')
    // A key only in the tables, no block cache, async reads: a promise with get's answer.
    const inTables = [...model.keys()].find((key) => key !== 'key-0001')!
    const pending = database.getSyncOrPromise(bytes(inTables))
    expect(pending).toBeInstanceOf(Promise)
    expect(text(await pending)).toBe(model.get(inTables))
    await database.close()
    expect(() => database.getSyncOrPromise(bytes('key-0001'))).toThrow(
      expect.objectContaining({ code: 'STRATA_CLOSED' }),
    )
    const reopened = await open(database.directory, { readMode: 'sync', blockCacheBytes: 0 })
    const direct = reopened.getSyncOrPromise(bytes(inTables))
    expect(direct).not.toBeInstanceOf(Promise)
    expect(text(direct as Uint8Array)).toBe(model.get(inTables))
    await reopened.close()
  })

  it('a synchronous read of a damaged block rejects the get and the scan with STRATA_CORRUPTION', async () => {
    const { database } = await filled('sync')
    const stats = database.stats()
    await database.close()
    expect(stats.tableFiles).toBe(3)
    // Damage the middle of every table file's first data block, then read every key.
    const directory = database.directory
    for (const name of readdirSync(directory).filter((file) => file.endsWith('.sst'))) {
      const fd = openSync(join(directory, name), 'r+')
      writeSync(fd, Buffer.from([0xde, 0xad, 0xbe, 0xef]), 0, 4, 100)
      closeSync(fd)
    }
    const reopened = await open(directory, { readMode: 'sync', blockCacheBytes: 0 })
    const keys = Array.from({ length: 1000 }, (_, index) => bytes(`key-${String(index).padStart(4, '0')}`))
    const outcomes = await Promise.allSettled(keys.map((key) => reopened.get(key)))
    const rejected = outcomes.filter((outcome) => outcome.status === 'rejected')
    expect(rejected.length).toBeGreaterThan(0)
    for (const outcome of rejected) expect(outcome.reason).toMatchObject({ code: 'STRATA_CORRUPTION' })
    // A scan reads the damaged blocks synchronously too: it rejects, never yields their data.
    const syncReads = reopened.stats().reads.syncReads
    await expect(reopened.iterator().all()).rejects.toMatchObject({ code: 'STRATA_CORRUPTION' })
    expect(reopened.stats().reads.syncReads).toBeGreaterThan(syncReads)
    await reopened.close()
  })
})
