/**
 * The compaction worker thread: receives merge jobs, runs them with synchronous I/O (which
 * blocks only this thread), posts back the result or the error. It also builds flushed tables
 * from a frozen memtable's shared slabs (`WorkerFlushJob`), when the main thread hands one over.
 * The main thread owns the manifest and applies results; this thread only reads input tables,
 * reads memtable images and writes output tables.
 */
import { stat } from 'node:fs'
import { parentPort } from 'node:worker_threads'
import { nodeFileSystem, StrataError } from '@strata/base'
import { forEachImageEntry, type MemtableImage } from '@strata/memtable'
import { TableBuilder, type TableBuilderOptions, type TableMeta } from '@strata/sstable'
import {
  MergeBuffers,
  type MergeJob,
  type MergeResult,
  removeOutputs,
  runMergeSync,
} from './compaction-merge.js'
import { COMPACTION_THREAD_NICE, lowerThreadPriority } from './thread-priority.js'

export type WorkerRequest = { id: number; job: MergeJob } | { id: number; flush: WorkerFlushJob }

/** A frozen memtable to write to a new table at `path` (shared slabs: nothing copied). */
export interface WorkerFlushJob {
  path: string
  image: MemtableImage
  /** The memtable's range tombstones, fragmented (range-fragments.ts). */
  rangeFragments: Parameters<TableBuilder['setRangeTombstones']>[0]
  table: Pick<TableBuilderOptions, 'blockBytes' | 'bloomBitsPerKey' | 'compression'>
}

/** The first message a worker posts (before any job): it loaded and listens. */
export interface WorkerReady {
  ready: true
}

export type WorkerResponse =
  | { id: number; result: MergeResult | TableMeta }
  | {
      id: number
      error: { name: string; message: string; code: string | undefined; stack: string | undefined }
    }

// A thread takes the nice value of the thread that starts it, and libuv's thread pool starts on
// its first request: one request (a stat) goes first, so the pool never starts from this thread
// once lowered; then this thread lowers its own priority.
stat('/', () => lowerThreadPriority(COMPACTION_THREAD_NICE))

/** Read buffers, reused by every merge this thread runs. */
const buffers = new MergeBuffers()

/** Writes a memtable image to a table, fsyncs it; on failure removes what it wrote. */
async function buildFlushedTable(job: WorkerFlushJob): Promise<TableMeta> {
  const builder = new TableBuilder(job.path, { fs: nodeFileSystem, ...job.table })
  try {
    if (job.rangeFragments.length > 0) builder.setRangeTombstones(job.rangeFragments)
    forEachImageEntry(job.image, (entry) => builder.add(entry))
    return await builder.finish()
  } catch (error) {
    await builder.abandon().catch(() => {})
    throw error
  }
}

parentPort?.on('message', async (request: WorkerRequest) => {
  let response: WorkerResponse
  // Each output's fsync runs on the thread pool while the merge builds the next output; the
  // result goes back only once every output is durable.
  const durability: Promise<void>[] = []
  let result: MergeResult | undefined
  try {
    if ('flush' in request) {
      response = { id: request.id, result: await buildFlushedTable(request.flush) }
    } else {
      result = runMergeSync(request.job, nodeFileSystem, buffers, durability)
      await Promise.all(durability)
      response = { id: request.id, result }
    }
  } catch (error) {
    // Wait for every fsync (and close) to settle, then leave no output behind: none is in a
    // manifest. (A merge that failed midway has removed its outputs already; so has a flush.)
    await Promise.allSettled(durability)
    if ('job' in request) removeOutputs(request.job, result, nodeFileSystem)
    const failure = error as Error & { code?: unknown }
    response = {
      id: request.id,
      error: {
        name: failure?.name ?? 'Error',
        message: failure?.message ?? String(error),
        code:
          error instanceof StrataError
            ? error.code
            : typeof failure?.code === 'string'
              ? failure.code
              : undefined,
        stack: failure?.stack,
      },
    }
  }
  parentPort?.postMessage(response)
})
parentPort?.postMessage({ ready: true } satisfies WorkerReady)
