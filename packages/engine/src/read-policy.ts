/**
 * The read policy: the one place that decides how a block a read needs, and that is not in the
 * block cache, is read — for point reads (`get`, `has`, `getSyncOrPromise`, `getSync`),
 * `getMany` and iterators. It owns the read-mode governor (synchronous `pread` or the thread
 * pool), `getMany`'s synchronous deadline and the cache admission of point reads. The table in
 * docs/architecture.md ("The read path") lists every case.
 */
import type { Table } from '@strata/sstable'
import { GET_MANY_SYNC_MS } from './budgets.js'
import type { SyncReads } from './merge-iterator.js'
import { type ReadMode, ReadModeGovernor } from './read-mode.js'

/** How a lookup reads a block it misses: synchronously (timed by the governor, or untimed for
 *  `getSync`), or on the thread pool. */
export type BlockRead = 'sync-timed' | 'sync' | 'async'

/** A `getMany`'s clock: true while its keys may still read synchronously. */
export type SyncWindow = () => boolean

const ALWAYS: SyncWindow = () => true

export class ReadPolicy {
  readonly governor: ReadModeGovernor

  /** `now`: the clock of the governor and of `getManyWindow` (tests drive it by hand). */
  constructor(
    mode: ReadMode,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.governor = new ReadModeGovernor(mode, now)
  }

  get mode(): ReadMode {
    return this.governor.mode
  }

  /** How a `get`/`has`/`getSyncOrPromise` (or a `getMany` key, `inWindow` telling whether its
   *  deadline has passed) reads a block it misses: synchronously while the governor allows,
   *  else on the thread pool. */
  pointRead(inWindow = true): BlockRead {
    return inWindow && this.governor.readSync() ? 'sync-timed' : 'async'
  }

  /** The window of one `getMany`: in `'auto'`, `GET_MANY_SYNC_MS` from now; otherwise no
   *  deadline (the governor alone decides). */
  getManyWindow(): SyncWindow {
    if (this.governor.mode !== 'auto') return ALWAYS
    const now = this.now
    const deadline = now() + GET_MANY_SYNC_MS
    return () => now() < deadline
  }

  /** Whether a block a point read misses and reads synchronously is cached (true) or read into
   *  the scratch buffer and dropped: at once while the cache has room, then only on a second
   *  miss the cache's doorkeeper remembers. A block read on the thread pool is always cached. */
  admitsPointRead(table: Table, blockIndex: number): boolean {
    return table.admitsPointRead(blockIndex)
  }

  /** For iterators: a source that must read asks `readSync()` (the same governor) and reports
   *  each synchronous read's time. */
  get iteratorReads(): SyncReads {
    return this.governor
  }
}
