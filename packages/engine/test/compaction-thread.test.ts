import { Worker } from 'node:worker_threads'
import { describe, expect, it, vi } from 'vitest'
import { open } from '../src/index.js'
import { overwriteUntilCompacted, paddedKey, temporaryDirectory } from './helpers.js'

// Every compaction worker this file's databases start fails while loading its code.
vi.mock('../src/compaction-worker-start.js', () => ({
  startCompactionWorker: () => ({
    worker: new Worker('throw new Error("the worker code is missing")', { eval: true }),
    source: 'bundle',
  }),
}))

describe('a compaction worker that cannot start', () => {
  it('compactions run on the main thread, stats() says so, writes keep working', async () => {
    const directory = temporaryDirectory()
    const options = {
      keyEncoding: 'utf8',
      valueEncoding: 'utf8',
      sync: false,
      memtableBytes: 32 * 1024,
      // Flushes asked of that worker are built here too.
      flushThread: 'worker',
    } as const
    const database = await open<string, string>(directory, options)
    expect(database.stats().compaction.thread).toBe('worker')
    await overwriteUntilCompacted(database)
    const stats = database.stats()
    expect(stats.compaction.thread).toBe('main')
    expect(stats.compaction.threadReason).toMatch(/could not start \(the worker code is missing\)/)
    expect(stats.readOnlyReason).toBeUndefined()
    expect(stats.flushes).toBeGreaterThan(0)
    expect(stats.flushesInWorker).toBe(0)
    await database.put('after', 'yes')
    await database.close()

    const reopened = await open<string, string>(directory, options)
    expect(await reopened.get('after')).toBe('yes')
    for (let index = 8000; index < 12_000; index++)
      expect(await reopened.get(paddedKey(index % 4000))).toBe(`value-${index}`)
    await reopened.close()
  })
})
