/**
 * Where compaction merges run. With the real disk: in one `worker_threads` worker, so the event
 * loop stays responsive while a large compaction decodes, merges and encodes. With any other
 * `FileSystem` (in-memory, fault-injecting: objects a worker cannot share) the same merge runs
 * on the main thread in slices that give the event loop a turn.
 */
import { Worker } from 'node:worker_threads'
import { CorruptionError, type FileSystem, IOError, NodeFileSystem, StrataError } from '@strata/base'
import { MergeBuffers, type MergeJob, type MergeResult, runMergeSliced } from './compaction-merge.js'
import type { WorkerRequest, WorkerResponse } from './compaction-worker.js'

export interface MergeRunner {
  run(job: MergeJob): Promise<MergeResult>
  close(): Promise<void>
}

/** Runs merges on the calling thread (any file system). */
export class InlineMergeRunner implements MergeRunner {
  private readonly buffers = new MergeBuffers()
  constructor(private readonly fs: FileSystem) {}
  run(job: MergeJob): Promise<MergeResult> {
    return runMergeSliced(job, this.fs, this.buffers)
  }
  async close(): Promise<void> {}
}

/**
 * The worker's heap: a merge holds a few decoded blocks per input and one output chunk, so a
 * small young generation is plenty; the default (16 MiB semi-spaces) costs resident memory for
 * nothing. The old generation is capped well above what a merge needs.
 */
const WORKER_LIMITS = { maxYoungGenerationSizeMb: 4, maxOldGenerationSizeMb: 256 }

function startWorker(): Worker {
  // Built package: dist/compaction-worker.js beside this file. From the TypeScript sources (tests),
  // a small loader registers tsx first.
  const source = import.meta.url.endsWith('.ts')
  return new Worker(
    new URL(source ? './compaction-worker-source.mjs' : './compaction-worker.js', import.meta.url),
    {
      resourceLimits: WORKER_LIMITS,
    },
  )
}

/**
 * A worker with no merge for this long is stopped (and started again by the next merge): an idle
 * database then holds none of the worker's memory (its V8 heap, read and write buffers, thread
 * stack: about 20-30 MiB). Starting one costs a few tens of milliseconds, against compactions
 * that take hundreds.
 */
export const WORKER_IDLE_EXIT_MS = 10_000

/** Runs merges in one worker thread, one at a time, started on first use and stopped when idle. */
export class WorkerMergeRunner implements MergeRunner {
  private worker: Worker | undefined
  private idleTimer: NodeJS.Timeout | undefined
  private nextId = 1
  private readonly waiting = new Map<
    number,
    { resolve: (result: MergeResult) => void; reject: (error: unknown) => void }
  >()

  constructor(private readonly idleExitMs = WORKER_IDLE_EXIT_MS) {}

  /** Whether a worker thread is running (for tests). */
  get hasWorker(): boolean {
    return this.worker !== undefined
  }

  private start(): Worker {
    if (this.worker !== undefined) return this.worker
    const worker = startWorker()
    worker.on('message', (response: WorkerResponse) => {
      const waiter = this.waiting.get(response.id)
      if (waiter === undefined) return
      this.waiting.delete(response.id)
      if (this.waiting.size === 0) {
        worker.unref()
        this.stopWhenIdle(worker)
      }
      if ('result' in response) waiter.resolve(response.result)
      else waiter.reject(reviveError(response.error))
    })
    // A worker stopped for idleness has no merge waiting; those waiting belong to its successor.
    worker.on('error', (error) => {
      if (this.worker === worker) this.failAll(error)
    })
    worker.on('exit', (code) => {
      if (this.worker !== worker) return
      this.worker = undefined
      if (this.waiting.size > 0) this.failAll(new IOError(`the compaction worker exited (code ${code})`))
    })
    worker.unref()
    this.worker = worker
    return worker
  }

  private failAll(error: unknown): void {
    for (const waiter of this.waiting.values()) waiter.reject(error)
    this.waiting.clear()
  }

  private stopWhenIdle(worker: Worker): void {
    clearTimeout(this.idleTimer)
    this.idleTimer = setTimeout(() => {
      this.idleTimer = undefined
      if (this.worker !== worker || this.waiting.size > 0) return
      this.worker = undefined
      worker.terminate().catch(() => {})
    }, this.idleExitMs)
    this.idleTimer.unref()
  }

  run(job: MergeJob): Promise<MergeResult> {
    clearTimeout(this.idleTimer)
    this.idleTimer = undefined
    const worker = this.start()
    const id = this.nextId++
    worker.ref()
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject })
      worker.postMessage({ id, job } satisfies WorkerRequest)
    })
  }

  async close(): Promise<void> {
    clearTimeout(this.idleTimer)
    this.idleTimer = undefined
    const worker = this.worker
    this.worker = undefined
    if (worker !== undefined) await worker.terminate()
    if (this.waiting.size > 0) this.failAll(new IOError('the compaction worker was stopped (closed)'))
  }
}

function reviveError(error: {
  name: string
  message: string
  code: string | undefined
  stack: string | undefined
}) {
  let revived: Error
  if (error.code === 'STRATA_CORRUPTION') {
    revived = new CorruptionError(
      { file: 'compaction input', offset: 0, reason: error.message },
      error.message,
    )
  } else if (error.code?.startsWith('STRATA_')) {
    revived = new StrataError(error.code as StrataError['code'], error.message)
  } else {
    revived = new IOError(`compaction failed: ${error.message}`, { cause: error })
  }
  if (error.stack !== undefined) revived.stack = error.stack
  return revived
}

/** The runner for `fs`: a worker thread for the real disk, inline otherwise. */
export function mergeRunnerFor(fs: FileSystem): MergeRunner {
  return fs instanceof NodeFileSystem ? new WorkerMergeRunner() : new InlineMergeRunner(fs)
}
