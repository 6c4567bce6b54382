/**
 * How `get`, `getMany` and `has` read a data block that is not in the block cache.
 *
 * A read from the thread pool costs a round trip through libuv (a few microseconds of the main
 * thread's CPU plus an event-loop turn), even when the block is already in the OS page cache;
 * a synchronous `pread` of a page-cached 4 KiB block costs less than that and answers in the
 * same turn. But a synchronous read that goes to the device blocks the event loop for as long
 * as the device takes. So in `'auto'` mode strata reads synchronously while such reads are
 * measured to be fast, and falls back to the thread pool for a while as soon as they are not.
 */
import {
  ASYNC_BACKOFF_MS,
  SLOW_READ_MS,
  SLOW_READS_TO_SWITCH,
  SLOW_READ_WINDOW as WINDOW,
} from './budgets.js'

export { ASYNC_BACKOFF_MS, SLOW_READ_MS }

export type ReadMode = 'auto' | 'sync' | 'async'

export const READ_MODES: readonly ReadMode[] = ['auto', 'sync', 'async']

/**
 * Decides, read by read, whether a cache miss is read synchronously. In `'auto'` it keeps the
 * last `WINDOW` synchronous read times; when `SLOW_READS_TO_SWITCH` of them exceeded
 * `SLOW_READ_MS` it answers `false` for `ASYNC_BACKOFF_MS`, then tries again. A single slow
 * read (the process descheduled on a busy machine) does not switch it.
 */
export class ReadModeGovernor {
  readonly mode: ReadMode
  private readonly slow = new Uint8Array(WINDOW)
  private next = 0
  private slowCount = 0
  private asyncUntil = 0
  /** Synchronous block reads done, and how many of them were slow. */
  syncReads = 0
  slowSyncReads = 0
  /** Times `auto` switched to the thread pool. */
  switchesToAsync = 0

  constructor(
    mode: ReadMode,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.mode = mode
  }

  /** True when the next cache miss should be read synchronously. */
  readSync(): boolean {
    if (this.mode !== 'auto') return this.mode === 'sync'
    if (this.asyncUntil === 0) return true
    if (this.now() < this.asyncUntil) return false
    this.asyncUntil = 0
    return true
  }

  /** The clock, for timing a read. */
  start(): number {
    return this.now()
  }

  /** Records a synchronous read that began at `startedAt` (from `start()`). */
  record(startedAt: number): void {
    const elapsed = this.now() - startedAt
    this.syncReads++
    const isSlow = elapsed > SLOW_READ_MS ? 1 : 0
    this.slowSyncReads += isSlow
    this.slowCount += isSlow - this.slow[this.next]!
    this.slow[this.next] = isSlow
    this.next = (this.next + 1) % WINDOW
    if (this.mode === 'auto' && this.slowCount >= SLOW_READS_TO_SWITCH) {
      this.asyncUntil = this.now() + ASYNC_BACKOFF_MS
      this.switchesToAsync++
      this.slow.fill(0)
      this.slowCount = 0
    }
  }
}
