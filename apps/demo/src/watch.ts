/**
 * Turns successive `stats()` snapshots into events a person can follow: a flush (memtable →
 * level-0 table), the WAL truncated after it, a compaction (which levels, bytes read and
 * written), a trivial move. The engine has no event API, so the caller polls between batches
 * or on a timer; two snapshots far apart may fold several events into one line.
 */
import type { DatabaseStats } from '@strata/engine'
import { formatBytes, formatCount } from './format.js'

export interface WatchedEvent {
  kind: 'flush' | 'wal-truncated' | 'compaction' | 'trivial-move'
  text: string
}

export class StatsWatcher {
  private previous: DatabaseStats
  /** Totals seen so far, for the summary. */
  flushes = 0
  walTruncations = 0
  compactions = 0
  trivialMoves = 0

  constructor(
    private readonly read: () => DatabaseStats,
    private readonly onEvent: (event: WatchedEvent) => void,
  ) {
    this.previous = read()
  }

  /** Compares the current stats with the last poll and reports what happened in between. */
  poll(): DatabaseStats {
    const current = this.read()
    const before = this.previous
    this.previous = current
    const flushes = current.flushes - before.flushes
    if (flushes > 0) {
      this.flushes += flushes
      const level0 = current.levels[0]?.files ?? 0
      this.onEvent({
        kind: 'flush',
        text:
          `flush${flushes > 1 ? ` ×${flushes}` : ''}: memtable written to a level-0 table ` +
          `(L0 now ${level0} table${level0 === 1 ? '' : 's'})`,
      })
    }
    // The WAL grows by what was appended; anything beyond that it lost was cut by a truncation.
    const appended = current.walBytesWritten - before.walBytesWritten
    const removed = before.walBytes + appended - current.walBytes
    if (removed > 0) {
      this.walTruncations++
      this.onEvent({
        kind: 'wal-truncated',
        text:
          `WAL truncated: ${formatBytes(removed)} of flushed entries dropped, ${formatBytes(current.walBytes)} left ` +
          `(entries up to seq ${formatCount(current.flushedSeq)} now live in tables)`,
      })
    }
    const runs = current.compaction.compactions - before.compaction.compactions
    if (runs > 0) {
      this.compactions += runs
      const levels = current.compaction.byLevel
        .map((count, level) => ({ level, count: count - (before.compaction.byLevel[level] ?? 0) }))
        .filter((entry) => entry.count > 0)
        .map((entry) => `L${entry.level}→L${entry.level + 1}${entry.count > 1 ? ` ×${entry.count}` : ''}`)
      const read = current.compaction.bytesRead - before.compaction.bytesRead
      const written = current.compaction.bytesWritten - before.compaction.bytesWritten
      const dropped = current.compaction.droppedVersions - before.compaction.droppedVersions
      const tombstones = current.compaction.droppedTombstones - before.compaction.droppedTombstones
      const droppedText =
        dropped + tombstones > 0
          ? `, dropped ${formatCount(dropped)} old versions and ${formatCount(tombstones)} tombstones`
          : ''
      this.onEvent({
        kind: 'compaction',
        text:
          `compaction${runs > 1 ? ` ×${runs}` : ''} ${levels.join(', ')}: read ${formatBytes(read)}, ` +
          `wrote ${formatBytes(written)}${droppedText} · tree now ${shape(current)}`,
      })
    }
    const moves = current.compaction.trivialMoves - before.compaction.trivialMoves
    if (moves > 0) {
      this.trivialMoves += moves
      this.onEvent({
        kind: 'trivial-move',
        text: `trivial move${moves > 1 ? ` ×${moves}` : ''}: a table moved one level down without being rewritten (it overlapped nothing there) · tree now ${shape(current)}`,
      })
    }
    return current
  }
}

/** `L0 2 · L1 4 · L2 9` (levels holding tables). */
export function shape(stats: DatabaseStats): string {
  const parts = stats.levels
    .filter((level) => level.files > 0)
    .map((level) => `L${level.level} ${level.files}`)
  return parts.length === 0 ? 'empty' : parts.join(' · ')
}
