/**
 * The write queue: assigns seqs, hands each write to the WAL (group commit) and the memtable,
 * and acknowledges writes in seq order, so a write becomes visible only with every write before
 * it. Owns the WAL, backpressure (writers wait while flush or compaction falls behind) and the
 * switch to read-only after an I/O failure.
 */
import { ClosedError, type OpType, ReadOnlyError, type StrataError, toIOError } from '@strata/base'
import type { WALManager } from '@strata/wal'
import { type WriteOptions, writeSyncOf } from './batch.js'
import { WAL_CUT_DEAD_RATIO } from './budgets.js'
import type { BackgroundOperation, EventHub, StallCause } from './events.js'
import { CHECK_INVARIANTS, invariant } from './invariants.js'
import type { ManifestState } from './manifest.js'
import type { Memtables } from './memtables.js'
import type { ResolvedOptions } from './options.js'
import { StallMonitor } from './stall-monitor.js'
import type { WalRecord } from './version.js'
import { walRecordAtClose, walRecordAtFlush } from './wal-tracking.js'

interface PendingWrite {
  lastSeq: number
  done: boolean
  error: unknown
  resolve: () => void
  reject: (error: unknown) => void
}

interface Waiter {
  seq: number
  resolve: () => void
  reject: (error: unknown) => void
}

/** One operation of a write, encoded. The write queue stamps `seq` and `timestampMs` into it and
 *  hands the same object to the WAL and the memtable (one object per operation, not three). */
export interface EncodedOperation {
  seq: number
  timestampMs: number
  op: OpType
  key: Uint8Array
  value: Uint8Array | null
}

/** `operation` holding bytes of its own (copied in place). A caller may reuse its buffers as soon
 *  as its call returns: a write that reads them later (one that waits for room, a chained batch's
 *  until `write()`) takes copies first. */
export function ownBytes(operation: EncodedOperation): EncodedOperation {
  ownAllBytes([operation])
  return operation
}

/** `operations` holding bytes of their own, every key and value copied into one new buffer: one
 *  allocation for a whole batch, not one or two per operation (the memtable and the WAL copy
 *  what they keep, so no view outlives the write). */
export function ownAllBytes(operations: EncodedOperation[]): void {
  let total = 0
  for (const operation of operations) total += operation.key.length + (operation.value?.length ?? 0)
  const bytes = new Uint8Array(total)
  let at = 0
  for (const operation of operations) {
    const { key, value } = operation
    bytes.set(key, at)
    operation.key = bytes.subarray(at, at + key.length)
    at += key.length
    if (value !== null) {
      bytes.set(value, at)
      operation.value = bytes.subarray(at, at + value.length)
      at += value.length
    }
  }
}

/** An operation of a write, not yet given its seq (`encodeOperations`, put, delete, deleteRange). */
export function encodedOperation(op: OpType, key: Uint8Array, value: Uint8Array | null): EncodedOperation {
  return { seq: 0, timestampMs: 0, op, key, value }
}

/** What the write queue asks of the rest of the database. */
export interface WriteQueueHooks {
  isOpen(): boolean
  /** Where the stall, WAL truncation and failure events go. */
  events: EventHub
  level0Files(): number
  compactsInBackground(): boolean
  scheduleFlush(): void
  scheduleCompaction(): void
}

export class WriteQueue {
  private lastSeqValue: number
  private visibleSeqValue: number
  /** WAL size when last looked at (for `walBytesWritten`). */
  private walSizeSeen: number
  private pending: PendingWrite[] = []
  private pendingHead = 0
  private visibilityWaiters: Waiter[] = []
  private roomWaiters: (() => void)[] = []
  /** The WAL truncations asked for so far, one after another. */
  private walTruncation: Promise<void> = Promise.resolve()
  /** Every WAL entry up to this seq is in a committed table (see `truncateWal`). */
  private walCutWanted = -1
  /** The newest cut a queued or finished truncation covers. */
  private walCutAsked = -1
  /** The newest cut made. */
  private walCutDone = -1
  private waitedForMemtablesValue = false
  private readOnlyError: StrataError | undefined
  private readonly stall: StallMonitor

  readonly counters = { userBytesWritten: 0, walBytesWritten: 0, stalls: 0, stallMs: 0 }

  constructor(
    private readonly directory: string,
    private readonly options: ResolvedOptions,
    /** `undefined` in a read-only open: every write is refused, and `readOnlyReason` says so. */
    private readonly wal: WALManager | undefined,
    private readonly memtables: Memtables,
    lastSeq: number,
    private readonly hooks: WriteQueueHooks,
  ) {
    this.lastSeqValue = lastSeq
    this.visibleSeqValue = lastSeq
    this.walSizeSeen = wal?.sizeBytes ?? 0
    this.stall = new StallMonitor(hooks.events, {
      frozenMemtables: () => memtables.frozen.length,
      level0Files: () => hooks.level0Files(),
    })
    if (wal === undefined) {
      this.readOnlyError = new ReadOnlyError(`the database at ${directory} is opened with readOnly: true`)
    }
  }

  /** A read-only open's refresh: the writer's state read up to `seq`, with a WAL of `walBytes`. */
  advanceTo(seq: number, walBytes: number): void {
    this.lastSeqValue = Math.max(this.lastSeqValue, seq)
    this.visibleSeqValue = this.lastSeqValue
    this.walSizeSeen = walBytes
  }

  /** The largest seq assigned. */
  get lastSeq(): number {
    return this.lastSeqValue
  }

  /** The largest seq acknowledged: reads see every write up to it. */
  get visibleSeq(): number {
    return this.visibleSeqValue
  }

  get walBytes(): number {
    return this.wal?.sizeBytes ?? this.walSizeSeen
  }

  /** Bytes of the buffers the WAL keeps between writes (`stats().memory.wal`). */
  get walBufferBytes(): number {
    return this.wal?.heldBufferBytes ?? 0
  }

  /** Bytes of the WAL file: `walBytes` and its preallocated space. */
  get walFileBytes(): number {
    return this.wal?.fileBytes ?? this.walSizeSeen
  }

  /** The I/O failure that made the database read-only, if any. */
  get readOnlyReason(): StrataError | undefined {
    return this.readOnlyError
  }

  /** Throws `ReadOnlyError` once the database is read-only. */
  checkWritable(): void {
    if (this.wal === undefined) {
      throw new ReadOnlyError(
        `the database at ${this.directory} is opened with readOnly: true; reads and refresh() work, writes need a writable open`,
      )
    }
    if (this.readOnlyError !== undefined) {
      throw new ReadOnlyError(
        `the database at ${this.directory} is read-only after an I/O failure (${this.readOnlyError.message}); ` +
          'reads still work; close and reopen it once the cause is fixed',
        { cause: this.readOnlyError },
      )
    }
  }

  async write(operations: EncodedOperation[], options: WriteOptions | undefined): Promise<void> {
    const sync = writeSyncOf(options, this.options.sync)
    if (this.needsRoom()) {
      ownAllBytes(operations)
      await this.makeRoom()
      // Writers woken together each saw room before any of them wrote: look again, right before
      // the synchronous part below, so the hard limits hold for every writer, not the first.
      while (this.atHardLimit() && this.readOnlyError === undefined && this.hooks.isOpen()) {
        await this.makeRoom()
      }
    } else if (this.stall.active) this.stall.end()
    if (!this.hooks.isOpen()) throw new ClosedError(`the database at ${this.directory}`)
    this.checkWritable()
    // From here to the WAL call nothing awaits: seqs reach the WAL in order.
    const first = this.lastSeqValue + 1
    this.lastSeqValue += operations.length
    const now = Date.now()
    let userBytes = 0
    for (let index = 0; index < operations.length; index++) {
      const operation = operations[index]!
      operation.seq = first + index
      operation.timestampMs = now
      userBytes += operation.key.length + (operation.value?.length ?? 0)
    }
    this.counters.userBytesWritten += userBytes
    const appended =
      operations.length === 1
        ? this.wal!.append(operations[0]!, { sync })
        : this.wal!.appendBatch(operations, { sync })
    const memtable = this.memtables.active
    memtable.apply(operations)
    const done = new Promise<void>((resolve, reject) => {
      const pending: PendingWrite = {
        lastSeq: this.lastSeqValue,
        done: false,
        error: undefined,
        resolve,
        reject,
      }
      if (CHECK_INVARIANTS) this.checkQueued(first)
      this.pending.push(pending)
      appended.then(
        () => {
          pending.done = true
          this.drainPending()
        },
        (error: unknown) => {
          pending.done = true
          pending.error = error
          this.drainPending()
        },
      )
    })
    this.freezeIfFull()
    return done
  }

  /** Writers have waited for a flush at least once (flushes could not keep up with them). */
  get waitedForMemtables(): boolean {
    return this.waitedForMemtablesValue
  }

  /**
   * Freezes the active memtable once it holds `memtableBytes`, and starts its flush, while fewer
   * than `maxFrozenMemtables` wait for theirs. Otherwise it stays active, over its size, and the
   * next write waits for room (`makeRoom`) until a flush is committed and this is called again.
   */
  freezeIfFull(): void {
    if (this.activeFull() && this.memtables.frozen.length < this.options.maxFrozenMemtables) {
      this.memtables.freeze()
      this.hooks.scheduleFlush()
    }
  }

  /** Every memtable is taken: the active one is full and `maxFrozenMemtables` wait to flush. */
  private memtablesFull(): boolean {
    return this.memtables.frozen.length >= this.options.maxFrozenMemtables && this.activeFull()
  }

  /** The active memtable holds `memtableBytes` or more. */
  private activeFull(): boolean {
    return this.memtables.active.approximateBytes >= this.options.memtableBytes
  }

  /** Adds what the WAL grew by since last looked at to the bytes written to disk. */
  private countWalGrowth(): void {
    if (this.wal === undefined) return
    const size = this.wal.sizeBytes
    if (size > this.walSizeSeen) this.counters.walBytesWritten += size - this.walSizeSeen
    this.walSizeSeen = size
  }

  /** Acknowledges finished writes in seq order, so a write is visible only with all before it. */
  private drainPending(): void {
    this.countWalGrowth()
    const pending = this.pending
    while (this.pendingHead < pending.length) {
      const write = pending[this.pendingHead]!
      if (!write.done) break
      this.pendingHead++
      if (write.error !== undefined) {
        // The WAL says what became of it: not in the log ('rejected', cut back out), or
        // 'unknown' when the cut failed. Either way the database turns read-only.
        this.enterReadOnly(write.error)
        write.reject(toIOError(write.error, 'writing to the WAL'))
        continue
      }
      // In the WAL as asked even if the database turned read-only meanwhile (a failed flush or
      // compaction): it comes back after a reopen, so it is acknowledged, not refused.
      if (CHECK_INVARIANTS) this.checkAcknowledged(write.lastSeq)
      this.visibleSeqValue = write.lastSeq
      write.resolve()
    }
    if (this.pendingHead === pending.length) {
      this.pending = []
      this.pendingHead = 0
    } else if (this.pendingHead > 1024) {
      this.pending = pending.slice(this.pendingHead)
      this.pendingHead = 0
    }
    if (this.visibilityWaiters.length > 0) {
      const ready = this.visibilityWaiters.filter((waiter) => waiter.seq <= this.visibleSeqValue)
      this.visibilityWaiters = this.visibilityWaiters.filter((waiter) => waiter.seq > this.visibleSeqValue)
      for (const waiter of ready) waiter.resolve()
    }
  }

  /** A write queued with seqs from `first`: right after the last one still queued. */
  private checkQueued(first: number): void {
    const previous =
      this.pendingHead < this.pending.length ? this.pending[this.pending.length - 1] : undefined
    invariant(
      previous === undefined || previous.lastSeq === first - 1,
      () => `a write queued with seq ${first} after one ending at ${previous?.lastSeq}`,
    )
  }

  /** A write acknowledged up to `lastSeq`: after every write acknowledged before it. */
  private checkAcknowledged(lastSeq: number): void {
    invariant(
      lastSeq > this.visibleSeqValue,
      () => `a write up to seq ${lastSeq} acknowledged after seq ${this.visibleSeqValue}`,
    )
  }

  /** The error a write gets when the database turned read-only before it was durable. */
  readOnlyWriteError(): ReadOnlyError {
    return new ReadOnlyError(
      `the database at ${this.directory} became read-only after an I/O failure; this write was not made durable`,
      { cause: this.readOnlyError },
    )
  }

  /** Turns the database read-only after `error` of `failed` (the first failure wins: it is
   *  reported as a `background-error` event, then `read-only`); wakes every waiter. */
  enterReadOnly(
    error: unknown,
    failed: { operation: Exclude<BackgroundOperation, 'listener'>; jobId?: number | undefined } = {
      operation: 'wal-append',
    },
  ): void {
    if (this.readOnlyError !== undefined) return
    const cause = toIOError(error, 'a background write')
    this.readOnlyError = cause
    for (const waiter of this.visibilityWaiters) waiter.reject(cause)
    this.visibilityWaiters = []
    this.stall.end()
    const { events } = this.hooks
    events.emit('background-error', { ...failed, error: cause })
    events.emit('read-only', { operation: failed.operation, cause })
    this.wakeRoomWaiters()
  }

  /** Resolves once every write up to `seq` is acknowledged. */
  waitVisible(seq: number): Promise<void> {
    if (seq <= this.visibleSeqValue) return Promise.resolve()
    if (this.readOnlyError !== undefined) return Promise.reject(this.readOnlyError)
    return new Promise((resolve, reject) => this.visibilityWaiters.push({ seq, resolve, reject }))
  }

  /** Resolves once every write assigned a seq so far is acknowledged. */
  waitAllVisible(): Promise<void> {
    return this.waitVisible(this.lastSeqValue)
  }

  // ---------------------------------------------------------------------------- backpressure

  /** Writers must wait (not merely slow down): every memtable taken, or level 0 at its stop
   *  threshold while compactions run in the background. */
  private atHardLimit(): boolean {
    return (
      this.memtablesFull() ||
      (this.hooks.compactsInBackground() && this.hooks.level0Files() >= this.options.level0StopTrigger)
    )
  }

  private needsRoom(): boolean {
    return (
      this.memtablesFull() ||
      (this.hooks.compactsInBackground() && this.hooks.level0Files() >= this.options.level0SlowdownTrigger)
    )
  }

  /** Backpressure. Writers wait while the active memtable is full and `maxFrozenMemtables` wait
   *  for their flush (the first of them freezes it once a flush is committed), or while
   *  level 0 is at the stop threshold; at the slowdown threshold each write is delayed 1 ms once,
   *  giving compaction a share of the machine instead of stopping writes later. */
  private async makeRoom(): Promise<void> {
    const started = performance.now()
    this.counters.stalls++
    let delayed = false
    let waitingFor: StallCause | undefined
    const wait = (cause: StallCause) => {
      if (waitingFor === cause) return
      waitingFor = cause
      this.stall.waiting(cause)
    }
    for (;;) {
      if (this.readOnlyError !== undefined || !this.hooks.isOpen()) break
      this.freezeIfFull()
      if (this.memtablesFull()) {
        wait('memtables')
        this.waitedForMemtablesValue = true
        this.hooks.scheduleFlush()
        await new Promise<void>((resolve) => this.roomWaiters.push(resolve))
      } else if (
        this.hooks.compactsInBackground() &&
        this.hooks.level0Files() >= this.options.level0StopTrigger
      ) {
        wait('level0-stop')
        this.hooks.scheduleCompaction()
        await new Promise<void>((resolve) => this.roomWaiters.push(resolve))
      } else if (
        !delayed &&
        this.hooks.compactsInBackground() &&
        this.hooks.level0Files() >= this.options.level0SlowdownTrigger
      ) {
        delayed = true
        wait('level0-slowdown')
        await new Promise((resolve) => setTimeout(resolve, 1))
      } else break
    }
    this.counters.stallMs += performance.now() - started
  }

  /** Lets writers waiting for room look again (after a flush, a compaction, a failure, close). */
  wakeRoomWaiters(): void {
    const waiters = this.roomWaiters
    this.roomWaiters = []
    for (const wake of waiters) wake()
    if (this.stall.active && (!this.hooks.isOpen() || !this.needsRoom())) this.stall.end()
  }

  // ------------------------------------------------------------------------------------ WAL

  /**
   * Says that every WAL entry up to `seq` is in a committed table. The WAL is truncated before
   * the newest such seq once the truncations asked for earlier are done, and only when it pays
   * (`walCutPays`) unless `force`: a truncation copies the entries it keeps, so cutting after
   * every flush would copy the unflushed memtables' bytes again each time. It runs beside the
   * next flush (the WAL stays appendable throughout), so writers do not wait for it; a failure
   * turns the database read-only as any failed write of the WAL does.
   */
  truncateWal(seq: number, options: { force?: boolean } = {}): void {
    if (seq > this.walCutWanted) this.walCutWanted = seq
    if (this.wal === undefined || this.walCutWanted <= this.walCutAsked) return
    const firstSeq = this.wal.firstSeq
    // Nothing in the log at or below the cut.
    if (firstSeq === undefined || firstSeq > this.walCutWanted) return
    if (options.force !== true && !this.walCutPays()) return
    this.walCutAsked = this.walCutWanted
    this.walTruncation = this.walTruncation.then(async () => {
      // The newest cut asked for by now (later flushes' cuts join this one).
      const seq = this.walCutWanted
      if (this.readOnlyError !== undefined || seq <= this.walCutDone) return
      this.walCutAsked = Math.max(this.walCutAsked, seq)
      try {
        this.countWalGrowth()
        const started = performance.now()
        const bytesBefore = this.wal!.sizeBytes
        await this.wal!.truncateBefore(seq)
        this.walCutDone = seq
        this.walSizeSeen = this.wal!.sizeBytes
        this.hooks.events.emit('wal-truncate', {
          seq,
          bytesBefore,
          bytesAfter: this.walSizeSeen,
          durationMs: performance.now() - started,
        })
      } catch (error) {
        this.enterReadOnly(error, { operation: 'wal-truncate' })
      }
    })
  }

  /** A truncation before `walCutWanted` removes at least `WAL_CUT_DEAD_RATIO` times the bytes it
   *  copies (the WAL's sparse index tells, without I/O). */
  private walCutPays(): boolean {
    const wal = this.wal!
    const dead = wal.bytesThrough(this.walCutWanted)
    return dead > 0 && dead >= WAL_CUT_DEAD_RATIO * (wal.sizeBytes - dead)
  }

  /** Resolves once the WAL truncations asked for so far are done. */
  waitWalTruncation(): Promise<void> {
    return this.walTruncation
  }

  async close(): Promise<void> {
    this.stall.end()
    await this.walTruncation
    await this.wal?.close()
  }

  /** What the manifest records of the WAL at a flush (see wal-tracking.ts). */
  walRecordAtFlush(state: ManifestState): WalRecord {
    return walRecordAtFlush(state, this.wal!)
  }

  /** What a clean close records of the (closed) WAL: its last synced seq and, when every
   *  written frame was synced, its exact length. */
  walRecordAtClose(state: ManifestState): WalRecord {
    return walRecordAtClose(state, this.wal!)
  }
}
