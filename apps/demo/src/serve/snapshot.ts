/**
 * The state `/api/state` answers and a page starts from: the tree, the last stats, the memtable
 * limit, the jobs running, the current stall and the events counted since the server started.
 * Plain JSON data.
 */
import type { DatabaseStats, LevelView } from '@strata/engine'
import type { RunningJob, StatsSample } from './frames.js'

export interface ServeState {
  directory: string
  /** `own`: this process opened the database and hears its events; `follow`: a read-only open
   *  follows another process's writer; `detached`: no database open (the tour between steps). */
  mode: 'own' | 'follow' | 'detached'
  timestampMs: number
  /** The memtable's size limit (from the options given, or the last flush); undefined when not
   *  known (following a writer that has not flushed while watched). */
  memtableLimitBytes: number | undefined
  levels: LevelView[]
  stats: StatsSample | undefined
  running: RunningJob[]
  stall: { cause: string; sinceMs: number } | undefined
  /** Events heard since the server started, by kind (`flush`, `compaction`, `trivial-move`,
   *  `wal-truncate`, `stall`...; ends only). */
  seen: Record<string, number>
  /** Pages connected to the event stream. */
  clients: number
}

/** `stats` without the directory and the levels (the tree is sent as tables). */
export function statsSample(stats: DatabaseStats): StatsSample {
  const { directory: _directory, levels: _levels, ...sample } = stats
  return sample
}
