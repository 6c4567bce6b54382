/**
 * The idle tombstone flush: once writes pause, an active memtable made mostly of point
 * tombstones (`isTombstoneDense`) is flushed, so that its tombstones reach the tables, where
 * tombstone-density picking compacts them onto the data they hide. Without it, the last deletes
 * of a store whose keys were deleted one by one would stay in the memtable (and the WAL) until
 * later writes fill it, and the versions they hide would stay on disk beneath them.
 *
 * Writes have paused when the last seq has not moved for one check period (`IDLE_CHECK_MS`) and
 * every write is acknowledged. Each memtable state is examined once: a check counts the
 * memtable's tombstones only when the last seq moved since the last count. The timer never keeps
 * the process alive.
 */
import { OpType } from '@strata/base'
import type { FlushScheduler } from './flush-scheduler.js'
import type { Memtables } from './memtables.js'
import { isTombstoneDense } from './tombstone-density.js'
import type { WriteQueue } from './write-queue.js'

/** How often writes are checked for a pause. */
export const IDLE_CHECK_MS = 1000

export class IdleTombstoneFlush {
  private timer: ReturnType<typeof setInterval> | undefined
  /** The last seq at the previous check. */
  private seenSeq = -1
  /** The last seq when the memtable's tombstones were last counted. */
  private countedSeq = -1

  constructor(
    private readonly memtables: Memtables,
    private readonly writes: WriteQueue,
    private readonly flushes: FlushScheduler,
    private readonly isOpen: () => boolean,
  ) {}

  start(): void {
    if (this.timer !== undefined) return
    this.timer = setInterval(() => this.check(), IDLE_CHECK_MS)
    this.timer.unref()
  }

  stop(): void {
    clearInterval(this.timer)
    this.timer = undefined
  }

  /** One check: flushes the active memtable if writes paused and it is dense with tombstones. */
  check(): void {
    const seq = this.writes.lastSeq
    const paused = seq === this.seenSeq
    this.seenSeq = seq
    if (!paused || seq === this.countedSeq || seq !== this.writes.visibleSeq) return
    if (!this.isOpen() || this.writes.readOnlyReason !== undefined) return
    this.countedSeq = seq
    const memtable = this.memtables.active
    if (memtable.isEmpty) return
    let tombstones = 0
    for (const entry of memtable.iterator({ versions: 'all' })) {
      if (entry.op === OpType.Delete) tombstones++
    }
    if (!isTombstoneDense(tombstones, memtable.count)) return
    // A flush that fails turns the database read-only and reports it; nothing to add here.
    this.flushes.flushAll().catch(() => {})
  }
}
