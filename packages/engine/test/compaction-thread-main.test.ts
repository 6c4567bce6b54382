import { describe, expect, it, vi } from 'vitest'
import { open } from '../src/index.js'
import { overwriteUntilCompacted, temporaryDirectory } from './helpers.js'

// No worker may start in this file: any attempt is counted and fails.
const starts = vi.hoisted(() => ({ count: 0 }))
vi.mock('../src/compaction-worker-start.js', () => ({
  startCompactionWorker: () => {
    starts.count++
    throw new Error('a worker was started')
  },
}))

describe("compactionThread: 'main'", () => {
  it('merges and flushes on the main thread, never starts a worker, and keeps every write', async () => {
    const directory = temporaryDirectory()
    const options = {
      keyEncoding: 'utf8',
      valueEncoding: 'utf8',
      sync: false,
      memtableBytes: 32 * 1024,
      compactionThread: 'main',
    } as const
    const database = await open<string, string>(directory, options)
    const before = database.stats().compaction
    expect(before.thread).toBe('main')
    expect(before.threadReason).toMatch(/compactionThread is 'main'/)
    const model = await overwriteUntilCompacted(database)
    await database.compactRange()
    const stats = database.stats()
    expect(stats.flushes).toBeGreaterThan(0)
    expect(stats.flushesInWorker).toBe(0)
    expect(stats.compaction.thread).toBe('main')
    expect(starts.count).toBe(0)
    const scanned = new Map((await database.iterator().all()) as [string, string][])
    expect(scanned).toEqual(model)
    await database.close()

    const reopened = await open<string, string>(directory, options)
    for (const [name, value] of model) expect(await reopened.get(name)).toBe(value)
    await reopened.close()
    expect(starts.count).toBe(0)
  })

  it("refuses flushThread 'worker' with it, before touching the directory", async () => {
    const directory = temporaryDirectory()
    await expect(open(directory, { compactionThread: 'main', flushThread: 'worker' })).rejects.toMatchObject({
      code: 'STRATA_INVALID_ARGUMENT',
      argument: 'options.flushThread',
    })
    const { existsSync } = await import('node:fs')
    expect(existsSync(`${directory}/CURRENT`)).toBe(false)
  })
})
