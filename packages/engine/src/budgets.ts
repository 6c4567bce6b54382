/**
 * Event-loop budgets: every limit on how long strata's work may hold the main thread before it
 * gives the event loop a turn (or moves the work off it), in one place. Each is a trade of
 * latency for other callbacks against throughput of the work itself; the tests and the benches
 * (apps/bench, each package's `bench`) measure them at these values.
 */

/** Synchronous WAL writes of unsynced groups stop for the rest of an event-loop turn once they
 *  have run this long in it (the WAL's group commit; defined in @strata/wal, which the engine
 *  depends on, never the reverse). */
export { SYNC_WRITE_BUDGET_MS } from '@strata/wal'

/** Reads answered without waiting for I/O (`get()`, an iterator's `next()`/`nextv()`) may take
 *  this long in one event-loop turn; the next such read's answer then waits for the next turn
 *  (read-turn.ts), so a loop of reads that never yields still lets timers, I/O and strata's own
 *  background work run. */
export const READ_TURN_MS = 2

/** The read turn looks at the clock after every this many answers, and after any answer that
 *  read a block synchronously (read-turn.ts): an answer without I/O costs about a microsecond,
 *  a look at the clock a tenth of one, so the budget is overrun by a few microseconds at most. */
export const READS_PER_CLOCK_CHECK = 8

/** How long one `getMany` may read uncached blocks synchronously (`readMode: 'auto'`) before its
 *  remaining keys go to the thread pool. */
export const GET_MANY_SYNC_MS = 1

/**
 * A flush's WAL truncation runs in the background only once it removes at least this many times
 * the bytes it must copy (the entries of memtables not yet flushed). Cutting after every flush
 * copied about twice what each flush wrote, with an fsync or three per cut: at 1,000-entry
 * batches the truncations took a quarter of the run. `flush()` and `close()` cut regardless.
 * The WAL then holds at most about (1 + this) times the unflushed memtables' bytes.
 */
export const WAL_CUT_DEAD_RATIO = 2

/** A flush gives the event loop a turn after this many entries written to its table, this many
 *  bytes of keys and values, or this long, whichever comes first (work-slice.ts). */
export const FLUSH_SLICE = { entries: 1024, bytes: 256 * 1024, milliseconds: 2 } as const

/** A compaction merge on the main thread (a `FileSystem` a worker cannot share) gives the event
 *  loop a turn after this many entries read; with the real disk merges run in a worker. */
export const COMPACTION_SLICE_ENTRIES = 8192

/** The read-mode governor (`readMode: 'auto'`): a synchronous block read slower than
 *  `SLOW_READ_MS` counts as slow (it went to the device); when `SLOW_READS_TO_SWITCH` of the last
 *  `SLOW_READ_WINDOW` synchronous reads were slow, uncached blocks are read on the thread pool
 *  for `ASYNC_BACKOFF_MS`, then synchronous reads are measured again. */
export const SLOW_READ_MS = 0.2
export const SLOW_READ_WINDOW = 32
export const SLOW_READS_TO_SWITCH = 4
export const ASYNC_BACKOFF_MS = 1000
