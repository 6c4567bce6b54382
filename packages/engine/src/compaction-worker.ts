/**
 * The compaction worker thread: receives merge jobs, runs them with synchronous I/O (which
 * blocks only this thread), posts back the result or the error. The main thread owns the
 * manifest and applies results; this thread only reads input tables and writes output tables.
 */
import { parentPort } from 'node:worker_threads'
import { nodeFileSystem, StrataError } from '@strata/base'
import { MergeBuffers, type MergeJob, runMergeSync } from './compaction-merge.js'

export interface WorkerRequest {
  id: number
  job: MergeJob
}

export type WorkerResponse =
  | { id: number; result: import('./compaction-merge.js').MergeResult }
  | {
      id: number
      error: { name: string; message: string; code: string | undefined; stack: string | undefined }
    }

/** Read buffers, reused by every merge this thread runs. */
const buffers = new MergeBuffers()

parentPort?.on('message', (request: WorkerRequest) => {
  let response: WorkerResponse
  try {
    response = { id: request.id, result: runMergeSync(request.job, nodeFileSystem, buffers) }
  } catch (error) {
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
