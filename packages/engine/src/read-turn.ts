/**
 * The event-loop budget of reads answered without waiting for I/O. A read served from memory, the
 * block cache or a synchronous `pread` resolves its promise without an event-loop turn, so a loop
 * that awaits such reads one after another never yields: timers and I/O callbacks wait, and so
 * does strata's own background work (an open starts it from `setImmediate`; a compaction's result
 * arrives as a worker message; a flush writes in slices between turns). LevelDB's and RocksDB's
 * background threads do not need the JavaScript thread; strata's do.
 *
 * So reads share a budget per turn, as the WAL's synchronous writes do (`SYNC_WRITE_BUDGET_MS`):
 * once reads answered in one turn have run `READ_TURN_MS`, the next read's answer waits for the
 * next turn (`setImmediate`), which lets the event loop run once.
 */
import { READ_TURN_MS } from './budgets.js'

export class ReadTurn {
  /** When this turn's first read was answered; undefined until a read in a new turn. */
  private startedAt: number | undefined

  /** True when this turn's reads have had their budget: the caller then awaits `next()`. */
  spent(): boolean {
    const now = performance.now()
    if (this.startedAt === undefined) {
      this.startedAt = now
      setImmediate(() => {
        this.startedAt = undefined
      })
      return false
    }
    return now - this.startedAt >= READ_TURN_MS
  }

  /** Resolves in the next event-loop turn. */
  next(): Promise<void> {
    return new Promise((resolve) => setImmediate(resolve))
  }
}
