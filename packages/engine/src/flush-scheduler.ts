/**
 * The flush scheduler: writes frozen memtables, oldest first, to level-0 tables in the
 * background, as a pipeline (one table built at a time, while the tables built before it are
 * fsynced and committed; commits in memtable order). A table is built in the compaction worker
 * from the memtable's shared slabs when the worker can take it (`MergeRunner.runFlush`), else on
 * the main thread in slices. Each flush commits its table in the manifest before the WAL is
 * truncated (commit first, clean up after).
 */
import { toIOError } from '@strata/base'
import type { Memtable } from '@strata/memtable'
import { TableBuilder, type TableMeta } from '@strata/sstable'
import { FLUSH_SLICE } from './budgets.js'
import type { WorkerFlushJob } from './compaction-worker.js'
import { tableView } from './event-views.js'
import type { EventBase, EventHub, FlushBeginEvent } from './events.js'
import { pathIn, tableFileName } from './filenames.js'
import type { Memtables } from './memtables.js'
import type { ResolvedOptions } from './options.js'
import { fragmentTombstones } from './range-fragments.js'
import type { Tree } from './tree.js'
import { toFileMeta } from './version.js'
import { WorkSlice } from './work-slice.js'
import type { WriteQueue } from './write-queue.js'

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}

/** A memtable's table, every entry written (or being written in the worker), waiting for its
 *  finish and commit. */
interface BuiltTable {
  /** Writes the table's tail and fsyncs it (or waits for the worker to). */
  finish(): Promise<TableMeta>
  /** Removes the table after a failure (quietly). */
  abandon(): Promise<void>
  path: string
  /** Built by the compaction worker. */
  inWorker: boolean
  job: FlushJob
  /** The memtable's largest seq (undefined: it holds no seq). */
  maxSeq: number | undefined
  /** When its flush began (`performance.now()`). */
  started: number
}

/** What the flush events say of a flush job. */
type FlushJob = Omit<FlushBeginEvent, keyof EventBase<'flush'> | 'phase'>

/** What the flush scheduler asks of the rest of the database. */
export interface FlushHooks {
  isOpen(): boolean
  /** Where the flush events go. */
  events: EventHub
  /** A flush added a level-0 table: compaction may have work. */
  scheduleCompaction(): void
  /** Builds the table in the compaction worker, when it can take it now (compaction-runner.ts);
   *  `mayStart`: start the worker for it if it is not running. */
  flushInWorker?(job: WorkerFlushJob, mayStart: boolean): Promise<TableMeta> | undefined
}

export class FlushScheduler {
  private flushing: Promise<void> | undefined
  private flushedSeqValue: number
  /** Wakes the running pipeline when it has no table to build and a memtable is frozen. */
  private frozenWaiter: (() => void) | undefined

  readonly counters = { flushes: 0, flushesInWorker: 0, flushBytesWritten: 0 }

  constructor(
    private readonly directory: string,
    private readonly options: ResolvedOptions,
    private readonly memtables: Memtables,
    private readonly writes: WriteQueue,
    private readonly tree: Tree,
    flushedSeq: number,
    private readonly hooks: FlushHooks,
  ) {
    this.flushedSeqValue = flushedSeq
  }

  /** Every entry with seq <= this is in a table. */
  get flushedSeq(): number {
    return this.flushedSeqValue
  }

  /** Starts flushing the frozen memtables unless a flush runs already (or there is none). */
  schedule(): void {
    if (this.memtables.frozen.length === 0) return
    if (this.flushing !== undefined) {
      // The running pipeline waits for its commits: it builds this memtable's table meanwhile.
      this.frozenWaiter?.()
      return
    }
    if (this.writes.readOnlyReason !== undefined) return
    this.flushing = this.runFlushes().finally(() => {
      this.flushing = undefined
      // A freeze may have happened while the last flush was finishing.
      if (this.hooks.isOpen()) this.schedule()
    })
  }

  /** Freezes the active memtable and waits until every frozen memtable is flushed and the WAL
   *  truncated after them. */
  async flushAll(): Promise<void> {
    this.memtables.freeze()
    this.schedule()
    await this.waitIdle()
  }

  /** Waits until no flush is running, then cuts the WAL before everything flushed (even where a
   *  background flush found the cut not worth it yet) and waits for the truncations. */
  async waitIdle(): Promise<void> {
    while (this.flushing !== undefined) await this.flushing
    this.writes.truncateWal(this.flushedSeqValue, { force: true })
    await this.writes.waitWalTruncation()
  }

  /**
   * Flushes the frozen memtables, oldest first, as a pipeline: a memtable's table is built (on
   * the main thread, in slices), then finished and fsynced in the background while the next
   * memtable's table is built, so the main thread builds while the disk syncs, and several
   * tables' fsyncs may run at once. Commits in the manifest run in memtable order, one at a
   * time; after a failure nothing more is committed.
   */
  private async runFlushes(): Promise<void> {
    /** The commit of the last table built (each waits for the one before it). */
    let committed: Promise<void> = Promise.resolve()
    /** Frozen memtables (oldest first) whose table is built or being built, not yet dropped. */
    let started = 0
    /** A build or commit of this pipeline failed: the tables built after it are not committed. */
    let failed = false
    while (!failed && this.writes.readOnlyReason === undefined) {
      if (this.memtables.frozen.length <= started) {
        // Nothing to build: wait for the commits to end, or for a memtable frozen meanwhile.
        const woke = await Promise.race([
          committed.then(() => 'committed' as const),
          new Promise<'frozen'>((resolve) => {
            this.frozenWaiter = () => resolve('frozen')
          }),
        ])
        this.frozenWaiter = undefined
        if (woke === 'committed' && this.memtables.frozen.length <= started) break
        continue
      }
      const memtable = this.memtables.frozen[started]!
      started++
      const jobId = this.hooks.events.nextJobId()
      let built: BuiltTable
      try {
        built = await this.buildTable(memtable, jobId)
      } catch (error) {
        failed = true
        this.writes.enterReadOnly(error, { operation: 'flush', jobId })
        break
      }
      // Its fsyncs start now, beside the commits of the tables before it; its commit waits
      // for theirs.
      const durable = this.finishTable(built)
      durable.catch(() => {})
      const previous = committed
      committed = (async () => {
        await previous
        if (failed) {
          await built.abandon()
          return
        }
        try {
          await this.commitTable(built, await durable)
        } catch (error) {
          failed = true
          await built.abandon()
          this.writes.enterReadOnly(error, { operation: 'flush', jobId })
          return
        }
        this.memtables.dropOldestFrozen()
        started--
        // A full memtable kept active for want of room freezes now, and flushes next.
        this.writes.freezeIfFull()
        this.writes.wakeRoomWaiters()
        this.hooks.scheduleCompaction()
      })()
    }
    await committed
  }

  /** Writes the entries of one frozen memtable to a new level-0 table (not yet finished). */
  private async buildTable(memtable: Memtable, jobId: number): Promise<BuiltTable> {
    const maxSeq = memtable.maxSeq
    if (maxSeq !== undefined) await this.writes.waitVisible(maxSeq)
    const started = performance.now()
    const fileNumber = this.tree.newFileNumber()
    const job = {
      jobId,
      fileNumber,
      entries: memtable.count,
      memtableBytes: memtable.approximateBytes,
      memtableLimitBytes: this.options.memtableBytes,
      maxSeq: maxSeq ?? this.flushedSeqValue,
      frozenMemtables: this.memtables.frozen.length,
    }
    this.hooks.events.emit('flush', { phase: 'begin', ...job })
    const path = pathIn(this.directory, tableFileName(fileNumber))
    const table = {
      blockBytes: this.options.blockBytes,
      bloomBitsPerKey: this.options.bloomBitsPerKey,
      compression: this.options.compression,
    }
    const fragments = () =>
      memtable.rangeTombstones.length > 0 ? fragmentTombstones(memtable.rangeTombstones) : []
    // The worker reads the frozen memtable's shared slabs; the memtable stays frozen and
    // unretired (it is dropped only after the commit) until the worker is done.
    const image = this.hooks.flushInWorker === undefined ? undefined : memtable.flushImage()
    const remote =
      image === undefined
        ? undefined
        : this.hooks.flushInWorker!(
            { path, image, rangeFragments: fragments(), table },
            // A worker running for compactions takes flushes too; one is started for flushes only
            // once writers have waited for one (memory for speed, where speed is short).
            this.writes.waitedForMemtables,
          )
    if (remote !== undefined) {
      remote.catch(() => {})
      const fs = this.options.fs
      return {
        finish: () => remote,
        abandon: () => remote.then(() => fs.unlink(path)).catch(() => {}),
        path,
        inWorker: true,
        job,
        maxSeq,
        started,
      }
    }
    const builder = new TableBuilder(path, { fs: this.options.fs, ...table })
    try {
      const rangeFragments = fragments()
      if (rangeFragments.length > 0) builder.setRangeTombstones(rangeFragments)
      // The frozen memtable does not change: building its table in slices is safe.
      const slice = new WorkSlice(FLUSH_SLICE)
      for (const entry of memtable.iterator({ versions: 'all' })) {
        builder.add(entry)
        if (slice.spent(entry.key.length + (entry.value?.length ?? 0))) await yieldToEventLoop()
      }
    } catch (error) {
      await builder.abandon().catch(() => {})
      throw toIOError(error, 'flushing the memtable to a table', path)
    }
    return {
      finish: () => builder.finish(),
      abandon: () => builder.abandon().catch(() => {}),
      path,
      inWorker: false,
      job,
      maxSeq,
      started,
    }
  }

  /** Finishes a built table: writes its tail, fsyncs it and the directory. */
  private async finishTable(built: BuiltTable): Promise<TableMeta> {
    try {
      const meta = await built.finish()
      await this.options.fs.syncDir(this.directory)
      return meta
    } catch (error) {
      throw toIOError(error, 'flushing the memtable to a table', built.path)
    }
  }

  /** Commits a finished (durable) table in the manifest, then truncates the WAL. Commit first,
   *  clean up after. */
  private async commitTable(built: BuiltTable, meta: TableMeta): Promise<void> {
    const { job, started } = built
    // A memtable without a seq of its own flushes as of the tables committed before it.
    const maxSeq = built.maxSeq ?? this.flushedSeqValue
    this.counters.flushBytesWritten += meta.fileSize
    const table = toFileMeta(job.fileNumber, meta)
    await this.tree.applyEdit(
      {
        added: [{ level: 0, table }],
        flushedSeq: maxSeq,
        lastSeq: maxSeq,
        nextFileNumber: this.tree.nextFileNumber,
        wal: this.writes.walRecordAtFlush(this.tree.manifestState),
      },
      { cause: 'flush', jobId: job.jobId },
    )
    this.flushedSeqValue = maxSeq
    this.counters.flushes++
    if (built.inWorker) this.counters.flushesInWorker++
    this.hooks.events.emit('flush', () => ({
      phase: 'end' as const,
      ...job,
      maxSeq,
      fileBytes: meta.fileSize,
      durationMs: performance.now() - started,
      table: tableView(0, table),
      thread: built.inWorker ? ('worker' as const) : ('main' as const),
    }))
    // The table is committed: the WAL no longer needs what it holds.
    this.writes.truncateWal(maxSeq)
  }
}
