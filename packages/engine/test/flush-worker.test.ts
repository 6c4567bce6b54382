/**
 * With `flushThread: 'worker'` on the real disk, flushed tables are built in the compaction worker from the frozen
 * memtables' shared slabs (when it runs no merge): every write reads back the same, before and
 * after a reopen, range deletes included, and the tables verify.
 */
import { rmSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { afterEach, describe, expect, it } from 'vitest'
import { open } from '../src/index.js'
import { random, seedFor, temporaryDirectory } from './helpers.js'

const directories: string[] = []
afterEach(() => {
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true })
})

/** A fresh database of 16 KiB memtables, without compactions. */
async function openSmall(flushThread: 'auto' | 'worker' | 'main') {
  const directory = temporaryDirectory()
  directories.push(directory)
  return open<string, string>(directory, {
    keyEncoding: 'utf8',
    valueEncoding: 'utf8',
    sync: false,
    memtableBytes: 16 * 1024,
    autoCompaction: false,
    flushThread,
  })
}

describe('flushes built in the compaction worker', () => {
  // 'auto' picks the worker on a machine with more than one processor.
  const threads = availableParallelism() > 1 ? (['worker', 'auto'] as const) : (['worker'] as const)
  it.each(threads)(
    '(%s) keep every write, overwrite, delete and range delete, across a reopen',
    async (flushThread) => {
      const next = random(seedFor('flush-worker'))
      const directory = temporaryDirectory()
      directories.push(directory)
      const options = {
        keyEncoding: 'utf8',
        valueEncoding: 'utf8',
        sync: false,
        memtableBytes: 64 * 1024,
        autoCompaction: false,
        flushThread,
      } as const
      const database = await open<string, string>(directory, options)
      const model = new Map<string, string>()
      const key = (index: number) => `key-${String(index).padStart(5, '0')}`
      // Rounds go on until the worker (started by the first flush) has built a few tables, at least
      // 60 of them; a slow machine starts the worker slowly.
      const started = Date.now()
      const enough = () => database.stats().flushesInWorker >= 3 || Date.now() - started > 20_000
      for (let round = 0; round < 60 || !enough(); round++) {
        const batch: Parameters<typeof database.batch>[0] = []
        for (let index = 0; index < 200; index++) {
          const k = key(Math.floor(next() * 5000))
          if (next() < 0.15) {
            batch.push({ type: 'del', key: k })
            model.delete(k)
          } else {
            const value = `v${round}-${index}-${'x'.repeat(Math.floor(next() * 300))}`
            batch.push({ type: 'put', key: k, value })
            model.set(k, value)
          }
        }
        await database.batch(batch)
        if (round % 10 === 9) {
          // Keys from 1000·r up to 1000·r + 50: gone.
          const from = key(1000 * (Math.floor(round / 10) % 5))
          const to = key(1000 * (Math.floor(round / 10) % 5) + 50)
          await database.deleteRange({ gte: from, lt: to })
          for (const k of [...model.keys()]) if (k >= from && k < to) model.delete(k)
        }
        // Let the flushes (and the worker's start) run between batches.
        if (round % 5 === 4) await new Promise((resolve) => setTimeout(resolve, 20))
      }
      await database.flush()
      const stats = database.stats()
      expect(stats.flushes).toBeGreaterThanOrEqual(20)
      expect(stats.flushesInWorker).toBeGreaterThanOrEqual(3)
      const read = async (db: typeof database) => {
        const seen = new Map<string, string>()
        for await (const [k, v] of db.iterator()) seen.set(k, v)
        return seen
      }
      expect(await read(database)).toEqual(model)
      await database.close()
      const reopened = await open<string, string>(directory, options)
      expect(await read(reopened)).toEqual(model)
      for (let index = 0; index < 5000; index += 7)
        expect(await reopened.get(key(index))).toBe(model.get(key(index)))
      expect(await reopened.verify()).toMatchObject({ ok: true, problems: [] })
      await reopened.close()
    },
  )

  it('do not start a worker while writers never wait for a flush', async () => {
    const database = await openSmall('worker')
    // Slow writes: each flush is done long before the next memtable fills.
    for (let index = 0; index < 1500; index++) {
      await database.put(`key-${index}`, 'v'.repeat(100))
      if (index % 50 === 49) await new Promise((resolve) => setTimeout(resolve, 60))
    }
    await database.flush()
    const stats = database.stats()
    expect(stats.flushes).toBeGreaterThanOrEqual(5)
    expect(stats.stalls.count).toBe(0)
    expect(stats.flushesInWorker).toBe(0)
    await database.close()
  })

  it("with flushThread 'main' (or 'auto' on one processor), every table is built here", async () => {
    const auto = availableParallelism() > 1 ? [] : (['auto'] as const)
    for (const flushThread of ['main', ...auto] as const) {
      const database = await openSmall(flushThread)
      for (let round = 0; round < 40; round++) {
        await database.batch(
          Array.from({ length: 200 }, (_, index) => ({
            type: 'put' as const,
            key: `key-${round}-${index}`,
            value: 'v'.repeat(100),
          })),
        )
        if (round % 10 === 9) await new Promise((resolve) => setTimeout(resolve, 100))
      }
      await database.flush()
      const stats = database.stats()
      // Writers waited (a worker would be started for flushes), yet none was built there.
      expect(stats.stalls.count).toBeGreaterThan(0)
      expect(stats.flushes).toBeGreaterThanOrEqual(20)
      expect(stats.flushesInWorker).toBe(0)
      await database.close()
    }
  })

  it('a flush that begins while a merge runs is built on the main thread', async () => {
    const next = random(seedFor('flush-worker-merges'))
    const directory = temporaryDirectory()
    directories.push(directory)
    const database = await open<string, string>(directory, {
      keyEncoding: 'utf8',
      valueEncoding: 'utf8',
      sync: false,
      memtableBytes: 32 * 1024,
      level0CompactionTrigger: 2,
      targetFileBytes: 64 * 1024,
      level1Bytes: 128 * 1024,
      flushThread: 'worker',
    })
    /** When each merge (not a trivial move) began and ended, in this process's clock. */
    const merges: { begin: number; end: number }[] = []
    const running = new Map<number, number>()
    database.on('compaction', (event) => {
      if (event.trivialMove) return
      if (event.phase === 'begin') running.set(event.jobId, performance.now())
      else merges.push({ begin: running.get(event.jobId)!, end: performance.now() })
    })
    const begun = new Map<number, number>()
    const flushes: { begin: number; thread: 'worker' | 'main' }[] = []
    database.on('flush', (event) => {
      if (event.phase === 'begin') begun.set(event.jobId, performance.now())
      else flushes.push({ begin: begun.get(event.jobId)!, thread: event.thread })
    })
    for (let round = 0; round < 150; round++) {
      await database.batch(
        Array.from({ length: 100 }, () => ({
          type: 'put' as const,
          key: `key-${Math.floor(next() * 20_000)}`,
          value: 'v'.repeat(150),
        })),
      )
      if (round % 10 === 9) await new Promise((resolve) => setTimeout(resolve, 10))
    }
    await database.flush()
    await database.close()
    const duringMerge = (at: number) => merges.some((merge) => merge.begin <= at && at <= merge.end)
    expect(merges.length).toBeGreaterThan(0)
    // Flushes began during merges (the rule had cases to decide), and none of them went to the
    // worker.
    expect(flushes.filter((flush) => duringMerge(flush.begin)).length).toBeGreaterThan(0)
    for (const flush of flushes) if (duringMerge(flush.begin)) expect(flush.thread).toBe('main')
    expect(database.stats().flushes).toBe(flushes.length)
  })
})
