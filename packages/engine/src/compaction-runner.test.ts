import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { Worker } from 'node:worker_threads'
import { nodeFileSystem, OpType } from '@strata/base'
import { Memtable } from '@strata/memtable'
import { Table, TableBuilder } from '@strata/sstable'
import { afterEach, describe, expect, it } from 'vitest'
import { temporaryDirectory } from '../test/helpers.js'
import type { MergeJob } from './compaction-merge.js'
import { WorkerMergeRunner } from './compaction-runner.js'
import { startCompactionWorker } from './compaction-worker-start.js'
import { tableFileName } from './filenames.js'

const directories: string[] = []
afterEach(() => {
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true })
})

/** Two overlapping input tables (file numbers 1 and 2) and a job merging them into `outputs`. */
function inputs(directory: string, outputs: number[]): MergeJob {
  const key = (index: number) => Buffer.from(`key-${String(index).padStart(5, '0')}`)
  for (const [number, seqBase] of [
    [1, 0],
    [2, 10_000],
  ] as const) {
    const builder = new TableBuilder(join(directory, tableFileName(number)), { fs: nodeFileSystem })
    for (let index = 0; index < 3000; index++) {
      builder.add({
        key: key(index),
        seq: seqBase + index + 1,
        op: OpType.Put,
        value: Buffer.from(`v${seqBase}`),
      })
    }
    builder.finishSync()
  }
  return {
    inputs: [1, 2].map((number) => join(directory, tableFileName(number))),
    directory,
    fileNumbers: outputs,
    targetFileBytes: 1 << 20,
    blockBytes: 4096,
    bloomBitsPerKey: 10,
    compression: 'lz4',
    snapshots: [],
    deeperLevels: [],
    grandparents: [],
    maxGrandparentOverlapBytes: 1 << 30,
  }
}

describe('WorkerMergeRunner', () => {
  it('merges in a worker, stops the worker when idle, and starts one again for the next merge', async () => {
    const directory = temporaryDirectory()
    directories.push(directory)
    const runner = new WorkerMergeRunner(50)
    try {
      const first = await runner.run(inputs(directory, [3]))
      expect(first).toMatchObject({ entriesRead: 6000, entriesWritten: 3000, droppedVersions: 3000 })
      expect(runner.hasWorker).toBe(true)
      await new Promise((resolve) => setTimeout(resolve, 300))
      expect(runner.hasWorker).toBe(false)
      const second = await runner.run(inputs(directory, [4]))
      expect(second.entriesWritten).toBe(3000)
      expect(runner.hasWorker).toBe(true)
      // The newest versions won.
      const table = await Table.open(join(directory, tableFileName(4)), { fs: nodeFileSystem })
      const entry = await table.get(Buffer.from('key-00042'))
      expect(Buffer.from(entry!.value!).toString()).toBe('v10000')
      await table.close()
    } finally {
      await runner.close()
    }
    expect(runner.hasWorker).toBe(false)
  })
})

describe('WorkerMergeRunner flushes', () => {
  /** A frozen memtable with shared slabs: 3,000 keys, every tenth written twice, one deleted. */
  function frozenMemtable(): Memtable {
    const memtable = new Memtable({ sharedSlabs: true })
    for (let index = 0; index < 3000; index++) {
      memtable.put(Buffer.from(`key-${String(index).padStart(5, '0')}`), Buffer.from(`v${index}`), index + 1)
    }
    for (let index = 0; index < 3000; index += 10) {
      memtable.put(
        Buffer.from(`key-${String(index).padStart(5, '0')}`),
        Buffer.from(`w${index}`),
        5000 + index,
      )
    }
    memtable.delete(Buffer.from('key-00007'), 9000)
    memtable.freeze()
    return memtable
  }
  const table = { blockBytes: 4096, bloomBitsPerKey: 10, compression: 'lz4' as const }

  it('builds a table from shared slabs in the worker, byte for byte as the main thread does', async () => {
    const directory = temporaryDirectory()
    directories.push(directory)
    const runner = new WorkerMergeRunner(50)
    const memtable = frozenMemtable()
    const job = (name: string) => ({
      path: join(directory, name),
      image: memtable.flushImage()!,
      rangeFragments: [],
      table,
    })
    try {
      // No worker, and not to be started: the caller builds it, and none starts.
      expect(runner.runFlush(job('first.sst'), false)).toBeUndefined()
      expect(runner.hasWorker).toBe(false)
      // No worker yet: the caller builds this one; the worker starts for the next.
      expect(runner.runFlush(job('first.sst'), true)).toBeUndefined()
      expect(runner.hasWorker).toBe(true)
      let remote: Promise<unknown> | undefined
      for (let tries = 0; remote === undefined && tries < 400; tries++) {
        await new Promise((resolve) => setTimeout(resolve, 25))
        remote = runner.runFlush(job('worker.sst'), false)
      }
      expect(remote).toBeDefined()
      const meta = await remote
      expect(meta).toMatchObject({ entryCount: 3301 })
      const builder = new TableBuilder(join(directory, 'main.sst'), { fs: nodeFileSystem, ...table })
      for (const entry of memtable.iterator({ versions: 'all' })) builder.add(entry)
      await builder.finish()
      expect(nodeFileSystem.readFileSync(join(directory, 'worker.sst'))).toEqual(
        nodeFileSystem.readFileSync(join(directory, 'main.sst')),
      )
      const opened = await Table.open(join(directory, 'worker.sst'), { fs: nodeFileSystem })
      expect(Buffer.from((await opened.get(Buffer.from('key-00010')))!.value!).toString()).toBe('w10')
      expect((await opened.get(Buffer.from('key-00007')))!.op).toBe(OpType.Delete)
      await opened.close()
    } finally {
      await runner.close()
    }
  })

  it('leaves a flush to the caller while a merge runs in the worker, and shortly after', async () => {
    const directory = temporaryDirectory()
    directories.push(directory)
    // Stays up between the jobs; takes no flush for 200 ms after a merge.
    const runner = new WorkerMergeRunner(5_000, startCompactionWorker, 200)
    const memtable = frozenMemtable()
    const job = { path: join(directory, 'f.sst'), image: memtable.flushImage()!, rangeFragments: [], table }
    try {
      const merge = runner.run(inputs(directory, [3]))
      expect(runner.runFlush(job, true)).toBeUndefined()
      await merge
      // Merges keep coming after one, as a rule: not yet.
      expect(runner.runFlush(job, false)).toBeUndefined()
      await new Promise((resolve) => setTimeout(resolve, 250))
      // The merge's worker runs: it takes the flush.
      const remote = runner.runFlush(job, false)
      expect(remote).toBeDefined()
      await remote
    } finally {
      await runner.close()
    }
  })
})

describe('WorkerMergeRunner without a worker', () => {
  it('merges on the main thread when the worker throws while loading, and says why', async () => {
    const directory = temporaryDirectory()
    directories.push(directory)
    let starts = 0
    const runner = new WorkerMergeRunner(50, () => {
      starts++
      return { worker: new Worker('throw new Error("no worker here")', { eval: true }), source: 'bundle' }
    })
    expect(runner.thread).toBe('worker')
    try {
      const first = await runner.run(inputs(directory, [3]))
      expect(first).toMatchObject({ entriesRead: 6000, entriesWritten: 3000 })
      expect(runner.thread).toBe('main')
      expect(runner.threadReason).toMatch(
        /could not start \(no worker here\); compactions run on the main thread/,
      )
      expect(runner.hasWorker).toBe(false)
      // Later merges go straight to the main thread: no second attempt per merge.
      expect((await runner.run(inputs(directory, [4]))).entriesWritten).toBe(3000)
      expect(starts).toBe(1)
      const table = await Table.open(join(directory, tableFileName(4)), { fs: nodeFileSystem })
      expect(Buffer.from((await table.get(Buffer.from('key-00042')))!.value!).toString()).toBe('v10000')
      await table.close()
    } finally {
      await runner.close()
    }
  })

  it('merges on the main thread when no worker can be constructed', async () => {
    const directory = temporaryDirectory()
    directories.push(directory)
    const runner = new WorkerMergeRunner(50, () => {
      throw new Error('worker threads are not available')
    })
    try {
      expect((await runner.run(inputs(directory, [3]))).entriesWritten).toBe(3000)
      expect(runner.threadReason).toMatch(/worker threads are not available/)
    } finally {
      await runner.close()
    }
  })
})

describe('the bundled worker code (dist/compaction-worker-bundle.js)', () => {
  it('runs a merge in a worker started from the string alone', async () => {
    const directory = temporaryDirectory()
    directories.push(directory)
    // The built package's copy (the test task builds first); a path in a variable, so that the
    // type-check (which runs before this package's build) does not look for it.
    const builtBundle = '../dist/compaction-worker-bundle.js'
    const { compactionWorkerBundle } = (await import(builtBundle)) as {
      compactionWorkerBundle: string | undefined
    }
    expect(compactionWorkerBundle).toBeTypeOf('string')
    const moduleUrl = pathToFileURL(join(import.meta.dirname, '../dist/index.js')).href
    const runner = new WorkerMergeRunner(50, () => ({
      worker: new Worker(compactionWorkerBundle!, { eval: true, workerData: { moduleUrl } }),
      source: 'bundle',
    }))
    try {
      const result = await runner.run(inputs(directory, [3]))
      expect(result).toMatchObject({ entriesRead: 6000, entriesWritten: 3000, droppedVersions: 3000 })
      expect(runner.thread).toBe('worker')
      const table = await Table.open(join(directory, tableFileName(3)), { fs: nodeFileSystem })
      expect(Buffer.from((await table.get(Buffer.from('key-02999')))!.value!).toString()).toBe('v10000')
      await table.close()
    } finally {
      await runner.close()
    }
  })
})
