/**
 * `WALManager`: the asynchronous front end of a `WALWriter`, with group commit. Appends queue
 * up; one loop writes everything queued with one write and one fdatasync, then resolves each
 * append whose bytes that fsync covered. Writes go to the OS's page cache synchronously, within a
 * time budget per event-loop turn (`takeSyncWriteTurn`). An fdatasync runs in libuv's thread pool,
 * except for a lone synced append on a disk whose fdatasync is fast (`fsyncInline`): the event
 * loop then waits for the disk for at most about `INLINE_FSYNC_MAX_MS`.
 */
import { ClosedError, toIOError } from '@strata/base'
import type { WALEntry, WALEntryFields } from './entry.js'
import { COPY_CHUNK_BYTES, headerBytes, MAX_WRITE_BYTES } from './format.js'
import type { FrameRecord, LogFile } from './log-file.js'
import { type AppendOptions, resolveSync, type WALOptions } from './options.js'
import type { ReplayReport } from './reader.js'
import type { Cut } from './truncation.js'
import { checkBatch, checkEntry, checkTruncateSeq } from './validate.js'
import { batchFrameOf, entryFrameOf, logFileOf, WALWriter } from './writer.js'

/** Time per event-loop turn that synchronous writes of unsynced groups may take (see
 *  `takeSyncWriteTurn`). */
export const SYNC_WRITE_BUDGET_MS = 1

/**
 * A synced group of one append (nothing else queued) is fsynced on the calling thread while the
 * recent fdatasyncs of this log took at most this long on average (see `fsyncInline`).
 */
export const INLINE_FSYNC_MAX_MS = 1

/** Weight of the newest fdatasync in the running estimate of its duration. */
const FSYNC_ESTIMATE_WEIGHT = 0.25

/** A truncation pauses appends once what they wrote since its last background fsync of the
 *  copy is at most this much (or after `BACKGROUND_CATCH_UP_ROUNDS` rounds of catching up). */
const PAUSED_CATCH_UP_BYTES = 256 * 1024
const BACKGROUND_CATCH_UP_ROUNDS = 4

interface PendingAppend extends FrameRecord {
  sync: boolean
  resolve: () => void
  reject: (error: unknown) => void
}

export class WALManager {
  /** The wrapped synchronous writer. */
  readonly wal: WALWriter
  private readonly log: LogFile
  private queue: PendingAppend[] = []
  /** The write loop is running. */
  private running = false
  /** A truncation holds the file: the loop finishes its group and waits. */
  private paused = false
  private idleWaiters: Array<() => void> = []
  /** Truncations run one after another. */
  private truncations: Promise<void> = Promise.resolve()
  /** The buffer truncations copy through, a chunk at a time (truncations run one at a time):
   *  one allocation for the log's life, not one per chunk copied. */
  private copyChunk: Buffer | undefined
  private truncating = 0
  private closing: Promise<void> | undefined
  /** When this event-loop turn's first synchronous write happened (see `takeSyncWriteTurn`). */
  private turnStartedAt: number | undefined
  /** The most recently queued append: a truncation first waits for it. */
  private lastQueued: Promise<void> | undefined
  /** Running estimate of one fdatasync of this log, in ms (undefined before the first). */
  private fsyncMillis: number | undefined
  /** fdatasyncs made on the calling thread / in the thread pool (`stats`). */
  private inlineFsyncs = 0
  private pooledFsyncs = 0

  /** Wraps `wal`. From now on write through this manager only. */
  constructor(wal: WALWriter) {
    this.log = logFileOf(wal)
    this.wal = wal
    this.log.asyncBusy = () => this.running || this.queue.length > 0 || this.truncating > 0
  }

  /** Opens (or creates) the WAL at `path` (see `WALWriter`'s constructor) and wraps it. */
  static open(path: string, options?: WALOptions): WALManager {
    return new WALManager(new WALWriter(path, options))
  }

  get path(): string {
    return this.log.path
  }

  /** Bytes of the log (header and whole, written frames): where the next frame goes. */
  get sizeBytes(): number {
    return this.log.size
  }

  /** Bytes of the buffers the WAL keeps between writes: the copy buffer of its cuts
   *  (`COPY_CHUNK_BYTES`, once a cut has copied a kept tail), 0 before. */
  get heldBufferBytes(): number {
    return this.copyChunk?.length ?? 0
  }

  /** Bytes of the file: `sizeBytes`, then preallocated space (zeros written ahead of the
   *  frames, given back at close). */
  get fileBytes(): number {
    return this.log.allocated
  }

  /** Highest seq known to be on disk: the last seq of the file when an fsync of it last
   *  completed in this process (after `close()`: everything written). `undefined` before. */
  get syncedSeq(): number | undefined {
    return this.log.syncedSeq
  }

  /** Last seq of the last frame written to the file. */
  get writtenSeq(): number | undefined {
    return this.log.writtenSeq
  }

  /** Highest seq accepted so far (queued or written); `undefined` for a log that never held one. */
  get lastSeq(): number | undefined {
    return this.log.lastSeq
  }

  /**
   * Bytes of the log's frames, from the first, whose entries all have a seq at most `seq`: what
   * `truncateBefore(seq)` would remove, less than one checkpoint interval (64 KiB) short of it
   * at most. O(log n), no I/O: the caller can weigh a truncation (it copies the rest,
   * `sizeBytes` minus the header and this) before asking for it.
   */
  bytesThrough(seq: number): number {
    return this.log.checkpoints.bytesThrough(seq, this.log.size)
  }

  /** Seq of the first entry in the log (`undefined` when it holds none). */
  get firstSeq(): number | undefined {
    return this.log.checkpoints.firstSeq
  }

  /** What the open scan or the last `replay()` found (torn tail dropped, point-in-time stop). */
  get replayReport(): ReplayReport {
    return this.log.report
  }

  /** Synchronous replay (see `WALWriter.replay`): call it at open, before appending. */
  replay(): WALEntry[] {
    return this.log.replay()
  }

  /** Synchronous append + fdatasync on the calling thread (see `WALWriter.append`). Throws
   *  InvalidArgumentError while asynchronous appends or a truncation are in flight. */
  syncAppend(entry: WALEntryFields): void {
    if (this.closing !== undefined) throw new ClosedError(`WAL ${this.log.path}`)
    this.wal.append(entry)
  }

  /**
   * Appends one entry. With `sync: true` (default) resolves once it is on disk; appends made
   * while a write is in flight share the next write and fsync. With `sync: false` resolves once
   * the OS has the bytes (no fsync). Rejects with InvalidArgumentError (malformed entry, seq not
   * above the last accepted one: checked at call time, in call order), ClosedError once
   * `close()` was called, WALPoisonedError (STRATA_IO) once a write or fsync failed.
   */
  append(entry: WALEntryFields, options: AppendOptions = {}): Promise<void> {
    try {
      const sync = resolveSync(options)
      this.checkWritable()
      const fields = checkEntry(entry, 'entry', this.log.lastSeq)
      const record = entryFrameOf(this.log.codec, fields)
      this.log.lastSeq = fields.seq
      return this.enqueue(record, sync)
    } catch (error) {
      return Promise.reject(error)
    }
  }

  /** Appends `entries` (strictly increasing seqs) as one frame: replay returns all or none of
   *  them. Resolves as `append`; an empty array resolves at once and writes nothing. */
  appendBatch(entries: readonly WALEntryFields[], options: AppendOptions = {}): Promise<void> {
    try {
      const sync = resolveSync(options)
      this.checkWritable()
      const checked = checkBatch(entries, this.log.lastSeq)
      if (checked.length === 0) return Promise.resolve()
      const record = batchFrameOf(this.log.codec, checked)
      this.log.lastSeq = record.lastSeq
      return this.enqueue(record, sync)
    } catch (error) {
      return Promise.reject(error)
    }
  }

  private checkWritable(): void {
    if (this.closing !== undefined) throw new ClosedError(`WAL ${this.log.path}`)
    this.log.checkWritable()
  }

  private enqueue(record: FrameRecord, sync: boolean): Promise<void> {
    if (sync) this.log.syncedAppendSeen = true
    const appended = new Promise<void>((resolve, reject) => {
      this.queue.push({
        frame: record.frame,
        firstSeq: record.firstSeq,
        lastSeq: record.lastSeq,
        sync,
        resolve,
        reject,
      })
      this.kick()
    })
    this.lastQueued = appended
    return appended
  }

  private kick(): void {
    if (this.running || this.paused || this.queue.length === 0) return
    this.running = true
    void this.drain()
  }

  /** Rejects everything queued with the poison error. */
  private failQueued(error: unknown): void {
    const queued = this.queue
    this.queue = []
    for (const pending of queued) pending.reject(error)
  }

  /** The write loop: one group per iteration, one write and (if any member asked) one fsync. */
  private async drain(): Promise<void> {
    const log = this.log
    try {
      await log.repair()
      while (this.queue.length > 0 && !this.paused) {
        if (log.poison !== undefined || log.fd === undefined) {
          this.failQueued(log.poison ?? new ClosedError(`WAL ${log.path}`))
          break
        }
        if (!this.takeSyncWriteTurn()) {
          // This turn's budget of synchronous writes is spent: let timers and I/O run, then go
          // on (appends made meanwhile join the next group).
          await new Promise<void>((resolve) => setImmediate(resolve))
          continue
        }
        let bytes = 0
        let count = 0
        while (
          count < this.queue.length &&
          (count === 0 || bytes + this.queue[count]!.frame.length <= MAX_WRITE_BYTES)
        ) {
          bytes += this.queue[count]!.frame.length
          count++
        }
        const group = this.queue.splice(0, count)
        const buffer =
          count === 1
            ? group[0]!.frame
            : Buffer.concat(
                group.map((pending) => pending.frame),
                bytes,
              )
        // Every frame before `base` belongs to an acknowledged append: a failure below cuts the
        // file back to it, so a rejected append is never replayed.
        const base = log.size
        const baseSeq = log.writtenSeq
        try {
          // Rarely (once per extension of the file): zeros written ahead, asynchronously.
          if (base + buffer.length > log.allocated) await log.grow(base + buffer.length)
          log.writeAllSync(log.fd!, buffer, base)
        } catch (error) {
          const failure = log.failAppends('writing', error, base, baseSeq)
          for (const pending of group) pending.reject(failure)
          this.failQueued(log.poison)
          break
        }
        log.noteWritten(group, base)
        // A group with a synced member is acknowledged as a whole after its fsync (so a failed
        // fsync rejects all of it, and the cut back to `base` removes only rejected frames).
        if (!group.some((pending) => pending.sync)) {
          for (const pending of group) pending.resolve()
          continue
        }
        try {
          const started = performance.now()
          if (this.fsyncInline(count)) {
            log.fs.fdatasyncSync(log.fd!)
            this.inlineFsyncs++
          } else {
            await log.fs.fdatasync(log.fd!)
            this.pooledFsyncs++
          }
          this.noteFsyncMillis(performance.now() - started)
        } catch (error) {
          const failure = log.failAppends('fsync', error, base, baseSeq)
          for (const pending of group) pending.reject(failure)
          this.failQueued(log.poison)
          break
        }
        log.noteSynced()
        for (const pending of group) pending.resolve()
      }
    } catch (error) {
      this.failQueued(log.poison ?? error)
    } finally {
      this.running = false
      for (const waiter of this.idleWaiters.splice(0)) waiter()
      this.kick()
    }
  }

  /**
   * A group is written with one synchronous write(2): the bytes only have to reach the OS's page
   * cache, which costs microseconds, far less than a round trip through libuv's thread pool — so
   * `sync: false` appends awaited one at a time run at memory speed, and a synced group pays one
   * thread-pool round trip (its fdatasync, always asynchronous) instead of two. Synchronous writes
   * stop for the rest of an event-loop turn once they have run for `SYNC_WRITE_BUDGET_MS` in it;
   * the write loop then waits for the next turn (`setImmediate`), so a writer that never yields
   * cannot hold timers and I/O back for longer than that. (Handing the write to the thread pool
   * instead, as an earlier version did, left the main thread idle for a pool round trip after
   * every millisecond of writes: 25% of a stream of batches.)
   */
  private takeSyncWriteTurn(): boolean {
    const now = performance.now()
    if (this.turnStartedAt === undefined) {
      this.turnStartedAt = now
      setImmediate(() => {
        this.turnStartedAt = undefined
      })
    }
    return now - this.turnStartedAt < SYNC_WRITE_BUDGET_MS
  }

  /**
   * Whether the fdatasync of a synced group of `count` appends runs on the calling thread. libuv's
   * thread pool costs a round trip (30-40 µs here) on top of the fdatasync itself, which on a fast
   * disk is a fifth to a third of a lone synced write. So a group of one, with nothing else queued
   * (a writer that waits for each synced write before the next), is fsynced synchronously while
   * the running estimate of an fdatasync is at most `INLINE_FSYNC_MAX_MS`: the event loop waits
   * that long at most, typically. A larger group, or a slow disk, goes to the pool: appends made
   * while the fsync runs then join the next group (group commit), and the event loop runs on.
   */
  private fsyncInline(count: number): boolean {
    return (
      count === 1 &&
      this.queue.length === 0 &&
      this.fsyncMillis !== undefined &&
      this.fsyncMillis <= INLINE_FSYNC_MAX_MS
    )
  }

  private noteFsyncMillis(millis: number): void {
    this.fsyncMillis =
      this.fsyncMillis === undefined
        ? millis
        : this.fsyncMillis + FSYNC_ESTIMATE_WEIGHT * (millis - this.fsyncMillis)
  }

  /** How this log's fdatasyncs ran: on the calling thread (`inline`) or in the thread pool. */
  get fsyncCounts(): { inline: number; pooled: number } {
    return { inline: this.inlineFsyncs, pooled: this.pooledFsyncs }
  }

  /** Stops the loop after its current group; resolves once no write is in flight. */
  private async pauseWrites(): Promise<void> {
    this.paused = true
    while (this.running) await new Promise<void>((resolve) => this.idleWaiters.push(resolve))
  }

  private resumeWrites(): void {
    this.paused = false
    this.kick()
  }

  /**
   * Removes every entry with `entry.seq <= seq`, while appends go on. It first waits for the
   * appends made before the call to be written, so none of those at or below `seq` survives;
   * appends made after the call are concurrent with it (kept unless their seq is at or below
   * `seq` and they were written before the cut was planned). The kept entries are
   * copied to `<path>.tmp` and fsynced in the background, as are the appends made meanwhile
   * until they are a short tail; then appends pause for the final step (copy the tail, fsync,
   * rename over the log, fsync the directory) and resume on the new file. Costs the kept bytes; never loses an entry appended concurrently.
   * Rejects with ClosedError after `close()`, WALPoisonedError if the log is poisoned (or the
   * switch to the new file fails), IOError if the copy fails (the log is then unchanged).
   */
  truncateBefore(seq: number): Promise<void> {
    try {
      checkTruncateSeq(seq)
      this.checkWritable()
    } catch (error) {
      return Promise.reject(error)
    }
    this.truncating++
    const barrier = this.lastQueued
    const run = this.truncations.then(async () => {
      await barrier?.then(
        () => {},
        () => {},
      )
      return this.truncate(seq)
    })
    const settled = run.then(
      () => {
        this.truncating--
      },
      () => {
        this.truncating--
      },
    )
    this.truncations = settled
    return run
  }

  private async truncate(seq: number): Promise<void> {
    const log = this.log
    log.checkWritable()
    if (log.cutTo !== undefined) {
      await this.pauseWrites()
      try {
        await log.repair()
      } finally {
        this.resumeWrites()
      }
    }
    if (log.checkpoints.firstSeq === undefined || log.checkpoints.firstSeq > seq) return
    const fs = log.fs
    let readFd: number | undefined
    let tempFd: number | undefined
    let cut: Cut | undefined
    let paused = false
    let switched = false
    try {
      readFd = await fs.open(log.path, 'r')
      const plannedEnd = log.size
      cut = await log.plan(seq, readFd)
      if (cut === undefined) return
      tempFd = await fs.open(log.tempPath, 'w')
      let position = 0
      const write = async (bytes: Uint8Array) => {
        await log.writeAll(tempFd!, bytes, position)
        position += bytes.length
      }
      const copy = async (from: number, to: number) => {
        if (to <= from) return
        this.copyChunk ??= Buffer.allocUnsafeSlow(COPY_CHUNK_BYTES)
        for (let start = from; start < to; start += COPY_CHUNK_BYTES) {
          await write(
            await log.readRange(readFd!, start, Math.min(to, start + COPY_CHUNK_BYTES), this.copyChunk),
          )
        }
      }
      await write(headerBytes(log.syncedSeqAfterCut(seq), log.salt))
      if (cut.head !== undefined) await write(cut.head)
      await copy(cut.keptStart, plannedEnd)
      const catchUpFrom = Math.max(plannedEnd, cut.keptStart)
      let caughtUpFirstSeq: number | undefined
      let copiedTo = catchUpFrom
      // What was written meanwhile, copied a chunk at a time, however much it is.
      const catchUp = async () => {
        const end = log.size
        if (end <= copiedTo) return
        if (copiedTo === catchUpFrom && cut!.firstKeptSeq === undefined) {
          caughtUpFirstSeq = await log.firstSeqAt(readFd!, catchUpFrom, end)
        }
        await copy(copiedTo, end)
        copiedTo = end
      }
      // Still beside the appends: catch up and fsync the copy (the bulk of the final step's
      // cost), again while the appends made meanwhile exceed `PAUSED_CATCH_UP_BYTES`, so the
      // pause below copies and fsyncs only a short tail.
      for (let round = 0; round < BACKGROUND_CATCH_UP_ROUNDS; round++) {
        await catchUp()
        await fs.fsync(tempFd)
        if (log.size - copiedTo <= PAUSED_CATCH_UP_BYTES) break
      }
      // Final step, with appends paused: catch up with what was written meanwhile, then switch.
      await this.pauseWrites()
      paused = true
      log.checkWritable()
      const end = log.size
      await catchUp()
      await fs.fsync(tempFd)
      await fs.close(tempFd)
      tempFd = undefined
      await fs.rename(log.tempPath, log.path)
      switched = true
      let fd: number
      try {
        await fs.syncDir(log.directory)
        fd = await fs.open(log.path, 'r+')
      } catch (error) {
        const poison = log.poisonWith('switching to the truncated file', error)
        this.failQueued(poison)
        throw poison
      }
      log.switchTo(fd, cut, end, plannedEnd, caughtUpFirstSeq)
      log.truncatedThrough = Math.max(log.truncatedThrough, seq)
    } catch (error) {
      if (switched) throw error
      if (tempFd !== undefined) await fs.close(tempFd).catch(() => {})
      if (cut !== undefined) await fs.unlink(log.tempPath).catch(() => {})
      throw toIOError(error, `truncating the WAL before seq ${seq}`, log.path)
    } finally {
      if (paused) this.resumeWrites()
      if (readFd !== undefined) await fs.close(readFd).catch(() => {})
    }
  }

  /**
   * Stops accepting appends (they reject with ClosedError), waits for queued appends and
   * truncations to finish, then fsyncs and closes the file. Never rejects: failures go to
   * `options.onWarning`. Safe to call twice (both calls resolve when closed).
   */
  close(): Promise<void> {
    this.closing ??= this.closeNow()
    return this.closing
  }

  private async closeNow(): Promise<void> {
    await this.truncations
    this.kick()
    while (this.running || this.queue.length > 0) {
      await new Promise<void>((resolve) => this.idleWaiters.push(resolve))
    }
    await this.log.close()
  }
}
