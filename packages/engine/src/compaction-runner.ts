/**
 * Where compaction merges run. With the real disk: in one `worker_threads` worker, so the event
 * loop stays responsive while a large compaction decodes, merges and encodes. With any other
 * `FileSystem` (in-memory, fault-injecting: objects a worker cannot share), or when no worker can
 * start, the same merge runs on the main thread in slices that give the event loop a turn.
 */
import type { Worker } from 'node:worker_threads'
import {
  CorruptionError,
  type FileSystem,
  IOError,
  NodeFileSystem,
  nodeFileSystem,
  StrataError,
} from '@strata/base'
import type { TableMeta } from '@strata/sstable'
import { MergeBuffers, type MergeJob, type MergeResult, runMergeSliced } from './compaction-merge.js'
import type { WorkerFlushJob, WorkerReady, WorkerRequest, WorkerResponse } from './compaction-worker.js'
import { startCompactionWorker, type WorkerSource } from './compaction-worker-start.js'
import type { CompactionThreadOption } from './options.js'

/** Where a runner's merges run: in a worker thread, or on the main thread and why. */
export type CompactionThread = 'worker' | 'main'

export interface MergeRunner {
  run(job: MergeJob): Promise<MergeResult>
  /**
   * Builds a flushed table in the worker thread, when one is ready and no merge runs or ended in
   * the last `MERGE_QUIET_MS` (a flush must not wait behind a long merge: writers may be waiting
   * for it; and one queued there would hold merges back); `undefined` otherwise, and the caller
   * builds the table itself.
   */
  runFlush?(job: WorkerFlushJob, mayStart: boolean): Promise<TableMeta> | undefined
  close(): Promise<void>
  /** Where merges run (for `stats()`). */
  readonly thread: CompactionThread
  /** Why merges run on the main thread; `undefined` when they run in a worker. */
  readonly threadReason: string | undefined
}

/** Runs merges on the calling thread (any file system), in slices that give the event loop a turn. */
export class InlineMergeRunner implements MergeRunner {
  readonly thread = 'main'
  private readonly buffers = new MergeBuffers()
  constructor(
    private readonly fs: FileSystem,
    readonly threadReason: string = 'the file system is not the real disk (a worker cannot share it)',
  ) {}
  run(job: MergeJob): Promise<MergeResult> {
    return runMergeSliced(job, this.fs, this.buffers)
  }
  async close(): Promise<void> {}
}

/**
 * A worker with no merge for this long is stopped (and started again by the next merge): an idle
 * database then holds none of the worker's memory (its V8 heap, read and write buffers, thread
 * stack: about 20-30 MiB). Starting one costs a few tens of milliseconds, against compactions
 * that take hundreds.
 */
export const WORKER_IDLE_EXIT_MS = 10_000

/**
 * For this long after a merge ended the worker takes no flush: merges keep coming then (a load of
 * random keys), and a flush queued in the worker would hold them back, the two threads sharing
 * the machine's cores. An ascending load only moves tables (no merge), and its flushes go to the
 * worker (apps/bench RESULTS.md, session 9).
 */
export const MERGE_QUIET_MS = 1000

/**
 * Runs merges in one worker thread, one at a time, started on first use and stopped when idle.
 * A worker that cannot start (no worker code found, a runtime without worker threads, a worker
 * that fails or exits before it posts `ready`) makes this runner merge on the main thread, in
 * slices, from then on; `thread` and `threadReason` say so. The merge asked for meanwhile runs
 * there too: a compaction never fails because its worker did not start.
 */
export class WorkerMergeRunner implements MergeRunner {
  private worker: Worker | undefined
  /** Settles when `worker` has posted `ready` (or failed to). */
  private ready: Promise<void> | undefined
  private mainThread: InlineMergeRunner | undefined
  private idleTimer: NodeJS.Timeout | undefined
  private nextId = 1
  private readonly waiting = new Map<
    number,
    // biome-ignore lint/suspicious/noExplicitAny: a merge's or a flush's result, by request
    { resolve: (result: any) => void; reject: (error: unknown) => void; merge: boolean }
  >()
  /** Merges posted and not yet answered, and when the last one was answered. */
  private merges = 0
  private lastMergeEnded = Number.NEGATIVE_INFINITY
  /** The current worker has posted `ready`. */
  private workerReady = false

  constructor(
    private readonly idleExitMs = WORKER_IDLE_EXIT_MS,
    private readonly startWorker: () => { worker: Worker; source: WorkerSource } = startCompactionWorker,
    private readonly mergeQuietMs = MERGE_QUIET_MS,
  ) {}

  get thread(): CompactionThread {
    return this.mainThread === undefined ? 'worker' : 'main'
  }

  get threadReason(): string | undefined {
    return this.mainThread?.threadReason
  }

  /** Whether a worker thread is running (for tests). */
  get hasWorker(): boolean {
    return this.worker !== undefined
  }

  private start(): { worker: Worker; ready: Promise<void> } {
    if (this.worker !== undefined && this.ready !== undefined)
      return { worker: this.worker, ready: this.ready }
    const { worker } = this.startWorker()
    let isReady = false
    let settleReady!: (error?: unknown) => void
    const ready = new Promise<void>((resolve, reject) => {
      settleReady = (error) => (error === undefined ? resolve() : reject(error))
    })
    worker.on('message', (response: WorkerResponse | WorkerReady) => {
      if ('ready' in response) {
        isReady = true
        if (this.worker === worker) this.workerReady = true
        settleReady()
        return
      }
      const waiter = this.waiting.get(response.id)
      if (waiter === undefined) return
      this.waiting.delete(response.id)
      if (waiter.merge) {
        this.merges--
        this.lastMergeEnded = performance.now()
      }
      if (this.waiting.size === 0) {
        worker.unref()
        this.stopWhenIdle(worker)
      }
      if ('result' in response) waiter.resolve(response.result)
      else waiter.reject(reviveError(response.error))
    })
    // A worker stopped for idleness has no merge waiting; those waiting belong to its successor.
    worker.on('error', (error) => {
      if (!isReady) settleReady(error)
      else if (this.worker === worker) this.failAll(error)
    })
    worker.on('exit', (code) => {
      if (!isReady) settleReady(new Error(`it exited (code ${code}) before it was ready`))
      if (this.worker !== worker) return
      this.forgetWorker()
      if (this.waiting.size > 0) this.failAll(new IOError(`the compaction worker exited (code ${code})`))
    })
    this.worker = worker
    this.ready = ready
    return { worker, ready }
  }

  /** Drops the current worker (without stopping it); returns it. */
  private forgetWorker(): Worker | undefined {
    const worker = this.worker
    this.worker = undefined
    this.ready = undefined
    this.workerReady = false
    return worker
  }

  private failAll(error: unknown): void {
    for (const waiter of this.waiting.values()) waiter.reject(error)
    this.waiting.clear()
    this.merges = 0
  }

  private cancelIdleStop(): void {
    clearTimeout(this.idleTimer)
    this.idleTimer = undefined
  }

  private stopWhenIdle(worker: Worker): void {
    clearTimeout(this.idleTimer)
    this.idleTimer = setTimeout(() => {
      this.idleTimer = undefined
      if (this.worker !== worker || this.waiting.size > 0) return
      this.forgetWorker()
      worker.terminate().catch(() => {})
    }, this.idleExitMs)
    this.idleTimer.unref()
  }

  /** From now on, merges run on the main thread, because the worker could not start. */
  private runOnMainThread(error: unknown): InlineMergeRunner {
    this.forgetWorker()
      ?.terminate()
      .catch(() => {})
    const message = error instanceof Error ? error.message : String(error)
    this.mainThread ??= new InlineMergeRunner(
      nodeFileSystem,
      `the compaction worker could not start (${message}); compactions run on the main thread in slices`,
    )
    return this.mainThread
  }

  async run(job: MergeJob): Promise<MergeResult> {
    if (this.mainThread !== undefined) return this.mainThread.run(job)
    this.cancelIdleStop()
    let worker: Worker
    try {
      const started = this.start()
      worker = started.worker
      worker.ref()
      await started.ready
    } catch (error) {
      return this.runOnMainThread(error).run(job)
    }
    return this.post(worker, { id: this.nextId++, job }, true)
  }

  /**
   * A flush for the worker, when it is ready and no merge runs or ended in the last
   * `mergeQuietMs`; else `undefined`. With
   * `mayStart`, a worker not started yet starts now, ready for the next flush (a worker costs
   * about 20 MiB: the caller asks only when flushes on the main thread held writers up).
   * Flushes queue behind flushes only.
   */
  runFlush(job: WorkerFlushJob, mayStart: boolean): Promise<TableMeta> | undefined {
    if (this.mainThread !== undefined || this.merges > 0) return undefined
    if (performance.now() - this.lastMergeEnded < this.mergeQuietMs) return undefined
    if (this.worker === undefined) {
      if (!mayStart) return undefined
      this.cancelIdleStop()
      try {
        const { worker, ready } = this.start()
        // It holds no process open, and stops again if nothing comes (a failure to start is the
        // next merge's to handle).
        worker.unref()
        ready.then(
          () => {
            if (this.waiting.size === 0) this.stopWhenIdle(worker)
          },
          () => {},
        )
      } catch {
        // No worker here: the next merge finds out and runs on the main thread.
      }
      return undefined
    }
    if (!this.workerReady) return undefined
    this.cancelIdleStop()
    return this.post(this.worker, { id: this.nextId++, flush: job }, false)
  }

  private post<T>(worker: Worker, request: WorkerRequest, merge: boolean): Promise<T> {
    worker.ref()
    if (merge) this.merges++
    return new Promise((resolve, reject) => {
      this.waiting.set(request.id, { resolve, reject, merge })
      worker.postMessage(request)
    })
  }

  async close(): Promise<void> {
    this.cancelIdleStop()
    const worker = this.forgetWorker()
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

/** The runner for `fs` and the `compactionThread` option: a worker thread for the real disk,
 *  inline for any other file system or when the option says `'main'`. */
export function mergeRunnerFor(
  fs: FileSystem,
  compactionThread: CompactionThreadOption = 'auto',
): MergeRunner {
  if (!(fs instanceof NodeFileSystem)) return new InlineMergeRunner(fs)
  if (compactionThread === 'main') {
    return new InlineMergeRunner(
      fs,
      "options.compactionThread is 'main': no worker thread, merges run in slices",
    )
  }
  return new WorkerMergeRunner()
}
