/**
 * Turns the engine's events into lines a person can follow: a flush (memtable → level-0 table),
 * the WAL truncated after it, a compaction (which levels, bytes read and written), a trivial
 * move, a write stall, a failure. Each line is printed as the event happens, from any source
 * of events (`EventSource`): a database this process opens, or one a read-only open follows.
 */
import type { DatabaseEventListener, DatabaseEventName, DatabaseStats, LevelView } from '@strata/engine'
import { formatBytes, formatCount, formatDuration } from './format.js'
import { describeChange } from './version-diff.js'

export interface WatchedEvent {
  kind: 'flush' | 'wal-truncated' | 'compaction' | 'trivial-move' | 'stall' | 'failure'
  text: string
}

/** What a watcher needs of a database: its events and its tree (`Database` is one). */
export interface EventSource {
  on<Name extends DatabaseEventName>(name: Name, listener: DatabaseEventListener<Name>): unknown
  off<Name extends DatabaseEventName>(name: Name, listener: DatabaseEventListener<Name>): unknown
  levels(): LevelView[]
}

function tables(count: number): string {
  return `${count} table${count === 1 ? '' : 's'}`
}

export class EventWatcher {
  /** Totals seen so far, for the summary. */
  flushes = 0
  walTruncations = 0
  compactions = 0
  trivialMoves = 0
  stalls = 0
  /** Compactions and trivial moves running (begun, not ended). */
  private running = 0
  private levels: LevelView[]
  private readonly detachers: (() => void)[] = []

  constructor(
    private readonly source: EventSource,
    private readonly onEvent: (event: WatchedEvent) => void,
  ) {
    this.levels = source.levels()
    this.listen('version', (event) => {
      this.levels = event.levels
    })
    this.listen('flush', (event) => {
      if (event.phase !== 'end') return
      this.flushes++
      const level0 = this.levels[0]?.tables.length ?? 0
      this.onEvent({
        kind: 'flush',
        text:
          `flush: memtable written to a level-0 table (${formatCount(event.entries)} entries, ${formatBytes(event.fileBytes)} ` +
          `in ${formatDuration(event.durationMs)}; L0 now ${tables(level0)})`,
      })
    })
    this.listen('wal-truncate', (event) => {
      this.walTruncations++
      const removed = Math.max(0, event.bytesBefore - event.bytesAfter)
      this.onEvent({
        kind: 'wal-truncated',
        text:
          `WAL truncated: ${formatBytes(removed)} of flushed entries dropped, ${formatBytes(event.bytesAfter)} left ` +
          `(entries up to seq ${formatCount(event.seq)} now live in tables)`,
      })
    })
    this.listen('compaction', (event) => {
      if (event.phase === 'begin') {
        this.running++
        return
      }
      this.running = Math.max(0, this.running - 1)
      const levels = `L${event.level}→L${event.outputLevel}`
      if (event.trivialMove) {
        this.trivialMoves++
        this.onEvent({
          kind: 'trivial-move',
          text: `trivial move ${levels}: ${tables(event.outputs.length)} moved one level down without being rewritten (${formatBytes(event.outputBytes)}; they overlapped nothing there) · tree now ${shapeOf(this.levels)}`,
        })
        return
      }
      this.compactions++
      const dropped =
        event.droppedVersions + event.droppedTombstones > 0
          ? `, dropped ${formatCount(event.droppedVersions)} old versions and ${formatCount(event.droppedTombstones)} tombstones`
          : ''
      this.onEvent({
        kind: 'compaction',
        text:
          `compaction ${levels}: ${tables(event.inputs.length)} in, ${tables(event.outputs.length)} out, read ${formatBytes(event.bytesRead)}, ` +
          `wrote ${formatBytes(event.bytesWritten)}${dropped} in ${formatDuration(event.durationMs)} · tree now ${shapeOf(this.levels)}`,
      })
    })
    this.listen('stall', (event) => {
      if (event.phase !== 'end') return
      this.stalls++
      const why = {
        memtables: 'frozen memtables waited for their flush',
        'level0-stop': 'level 0 was full, waiting for compaction',
        'level0-slowdown': 'level 0 filled up, each write delayed 1 ms',
      }[event.cause]
      this.onEvent({
        kind: 'stall',
        text: `write stall: ${formatCount(event.writesStalled)} writes held ${formatDuration(event.durationMs)} (${why})`,
      })
    })
    this.listen('read-only', (event) => {
      this.onEvent({
        kind: 'failure',
        text: `the database turned read-only after a failed ${event.operation}: ${event.cause.message}`,
      })
    })
  }

  /** True while a compaction (or trivial move) the watcher saw begin has not ended. */
  get compacting(): boolean {
    return this.running > 0
  }

  /** Resolves once no compaction runs (looked at on the next turn of the event loop, after a
   *  compaction's end: the next one begins at once if there is more to do), or after
   *  `timeoutMs`. True when settled, false on timeout. */
  settled(timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => finish(false), timeoutMs)
      const check = () => setImmediate(() => (this.running === 0 ? finish(true) : undefined))
      const listener: DatabaseEventListener<'compaction'> = (event) => {
        if (event.phase === 'end') check()
      }
      const finish = (settled: boolean) => {
        clearTimeout(timer)
        this.source.off('compaction', listener)
        resolve(settled)
      }
      this.source.on('compaction', listener)
      check()
    })
  }

  /**
   * Reports what changed since the tree the watcher last saw, for a source that sees versions
   * but not the work behind them (a read-only open that looked again): see `describeChange`.
   * A tree the events already showed reports nothing.
   */
  observe(levels: LevelView[]): void {
    const changes = describeChange(this.levels, levels)
    this.levels = levels
    for (const change of changes) {
      if (change.kind === 'flush') this.flushes++
      else if (change.kind === 'compaction') this.compactions++
      else if (change.kind === 'trivial-move') this.trivialMoves++
      this.onEvent({ ...change, text: `${change.text} · tree now ${shapeOf(levels)}` })
    }
  }

  /** The tree as the last event left it. */
  get tree(): LevelView[] {
    return this.levels
  }

  private listen<Name extends DatabaseEventName>(name: Name, listener: DatabaseEventListener<Name>): void {
    this.source.on(name, listener)
    this.detachers.push(() => this.source.off(name, listener))
  }

  /** Stops listening. */
  detach(): void {
    for (const detach of this.detachers.splice(0)) detach()
  }
}

/** `L0 2 · L1 4 · L2 9` (levels holding tables). */
export function shapeOf(levels: readonly LevelView[]): string {
  const parts = levels
    .filter((level) => level.tables.length > 0)
    .map((level) => `L${level.level} ${level.tables.length}`)
  return parts.length === 0 ? 'empty' : parts.join(' · ')
}

/** `L0 2 · L1 4 · L2 9` (levels holding tables), from stats. */
export function shape(stats: DatabaseStats): string {
  const parts = stats.levels
    .filter((level) => level.files > 0)
    .map((level) => `L${level.level} ${level.files}`)
  return parts.length === 0 ? 'empty' : parts.join(' · ')
}
