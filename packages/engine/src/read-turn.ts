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
import { READ_TURN_MS, READS_PER_CLOCK_CHECK } from './budgets.js'

export class ReadTurn {
  /** When this turn's first read was answered; undefined until a read in a new turn. */
  private startedAt: number | undefined
  /** Answers since the clock was last read in this turn. */
  private sinceClock = 0
  /** The synchronous block reads counted when the clock was last read. */
  private syncReadsSeen = 0

  /** `syncReads`: how many blocks reads have read synchronously so far (the read-mode
   *  governor's count); `now`: the clock (tests drive both by hand). */
  constructor(
    private readonly syncReads: () => number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** True when this turn's reads have had their budget: the caller then awaits `next()`. The
   *  clock is read every `READS_PER_CLOCK_CHECK` answers, and at once after an answer that read
   *  a block synchronously (which can take far longer than one from memory). */
  spent(): boolean {
    if (this.startedAt === undefined) {
      this.startedAt = this.now()
      this.sinceClock = 0
      this.syncReadsSeen = this.syncReads()
      setImmediate(() => {
        this.startedAt = undefined
      })
      return false
    }
    const syncReads = this.syncReads()
    if (++this.sinceClock < READS_PER_CLOCK_CHECK && syncReads === this.syncReadsSeen) return false
    this.sinceClock = 0
    this.syncReadsSeen = syncReads
    return this.now() - this.startedAt >= READ_TURN_MS
  }

  /** Resolves in the next event-loop turn. */
  next(): Promise<void> {
    return new Promise((resolve) => setImmediate(resolve))
  }
}
