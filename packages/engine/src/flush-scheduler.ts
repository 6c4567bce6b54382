/**
 * The flush scheduler: writes frozen memtables, oldest first, to level-0 tables, one at a time
 * in the background. Each flush commits its table in the manifest before the WAL is truncated
 * (commit first, clean up after).
 */
import { toIOError } from '@strata/base'
import type { Memtable } from '@strata/memtable'
import { TableBuilder, type TableMeta } from '@strata/sstable'
import { FLUSH_SLICE } from './budgets.js'
import { tableView } from './event-views.js'
import type { EventHub } from './events.js'
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

/** What the flush scheduler asks of the rest of the database. */
export interface FlushHooks {
  isOpen(): boolean
  /** Where the flush events go. */
  events: EventHub
  /** A flush added a level-0 table: compaction may have work. */
  scheduleCompaction(): void
}

export class FlushScheduler {
  private flushing: Promise<void> | undefined
  private flushedSeqValue: number

  readonly counters = { flushes: 0, flushBytesWritten: 0 }

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
    if (this.flushing !== undefined || this.memtables.frozen.length === 0) return
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

  /** Waits until no flush is running and the WAL truncations asked for are done. */
  async waitIdle(): Promise<void> {
    while (this.flushing !== undefined) await this.flushing
    await this.writes.waitWalTruncation()
  }

  private async runFlushes(): Promise<void> {
    while (this.memtables.frozen.length > 0 && this.writes.readOnlyReason === undefined) {
      const memtable = this.memtables.oldestFrozen!
      const jobId = this.hooks.events.nextJobId()
      try {
        await this.flushMemtable(memtable, jobId)
      } catch (error) {
        this.writes.enterReadOnly(error, { operation: 'flush', jobId })
        return
      }
      this.memtables.dropOldestFrozen()
      this.writes.wakeRoomWaiters()
      this.hooks.scheduleCompaction()
    }
  }

  /** Writes one frozen memtable to a level-0 table; commits it in the manifest; then truncates
   *  the WAL. Commit first, clean up after. */
  private async flushMemtable(memtable: Memtable, jobId: number): Promise<void> {
    const maxSeq = memtable.maxSeq ?? this.flushedSeqValue
    await this.writes.waitVisible(maxSeq)
    const started = performance.now()
    const fileNumber = this.tree.newFileNumber()
    const job = {
      jobId,
      fileNumber,
      entries: memtable.count,
      memtableBytes: memtable.approximateBytes,
      memtableLimitBytes: this.options.memtableBytes,
      maxSeq,
      frozenMemtables: this.memtables.frozen.length,
    }
    this.hooks.events.emit('flush', { phase: 'begin', ...job })
    const path = pathIn(this.directory, tableFileName(fileNumber))
    const builder = new TableBuilder(path, {
      fs: this.options.fs,
      blockBytes: this.options.blockBytes,
      bloomBitsPerKey: this.options.bloomBitsPerKey,
      compression: this.options.compression,
    })
    let meta: TableMeta
    try {
      if (memtable.rangeTombstones.length > 0) {
        builder.setRangeTombstones(fragmentTombstones(memtable.rangeTombstones))
      }
      // The frozen memtable does not change: building its table in slices is safe.
      const slice = new WorkSlice(FLUSH_SLICE)
      for (const entry of memtable.iterator({ versions: 'all' })) {
        builder.add(entry)
        if (slice.spent(entry.key.length + (entry.value?.length ?? 0))) await yieldToEventLoop()
      }
      meta = await builder.finish()
      await this.options.fs.syncDir(this.directory)
    } catch (error) {
      await builder.abandon().catch(() => {})
      throw toIOError(error, 'flushing the memtable to a table', path)
    }
    this.counters.flushBytesWritten += meta.fileSize
    const table = toFileMeta(fileNumber, meta)
    await this.tree.applyEdit(
      {
        added: [{ level: 0, table }],
        flushedSeq: maxSeq,
        lastSeq: maxSeq,
        nextFileNumber: this.tree.nextFileNumber,
        wal: this.writes.walRecordAtFlush(this.tree.manifestState),
      },
      { cause: 'flush', jobId },
    )
    this.flushedSeqValue = maxSeq
    this.counters.flushes++
    this.hooks.events.emit('flush', () => ({
      phase: 'end' as const,
      ...job,
      fileBytes: meta.fileSize,
      durationMs: performance.now() - started,
      table: tableView(0, table),
    }))
    // The table is committed: the WAL no longer needs what it holds.
    this.writes.truncateWal(maxSeq)
  }
}
