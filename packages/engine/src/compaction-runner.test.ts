import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { nodeFileSystem, OpType } from '@strata/base'
import { Table, TableBuilder } from '@strata/sstable'
import { afterEach, describe, expect, it } from 'vitest'
import { temporaryDirectory } from '../test/helpers.js'
import type { MergeJob } from './compaction-merge.js'
import { WorkerMergeRunner } from './compaction-runner.js'
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
