/**
 * `strata watch <dir>`: the live events of a database — flushes, WAL truncations, compactions,
 * trivial moves, write stalls, failures — one line each (or one JSON object each with
 * `--json`), until Ctrl-C or `--seconds`. The events come from a `WatchSource`: here the
 * database opened by this process (its own background work: the compactions an open starts).
 * `openWatchSource` picks the source: the database itself, or — when another process holds it — a
 * read-only open following that writer, with `refresh`; the command then tells the work from how
 * the tree changed between looks (version-diff.ts; `--json`: a `version` object with
 * `cause: 'refresh'` per change).
 */
import {
  DATABASE_EVENT_NAMES,
  type Database,
  type DatabaseEventListener,
  type DatabaseEventName,
  ErrorCode,
  type LevelView,
  StrataError,
} from '@strata/engine'
import { openDatabase } from './database.js'
import { ExitCode } from './failure.js'
import { formatCount, formatDuration } from './format.js'
import type { Output } from './keyvalue.js'
import type { Reporter } from './reporter.js'
import { type EventSource, EventWatcher, shapeOf } from './watch.js'

export interface WatchOptions {
  json?: boolean
  /** Stop after this many seconds (default: until SIGINT or SIGTERM). */
  seconds?: number
  walRecovery?: string
}

/** A source of events the command closes when it stops (`close` is idempotent). */
export interface WatchSource extends EventSource {
  close(): Promise<void>
  /** For a source that follows another process (a read-only open): catches up with its newest
   *  state. The command calls it every `REFRESH_MS` and reports what changed in the tree. */
  refresh?(): Promise<void>
  /** True for a read-only open (the one kind of source that refreshes). */
  readonly readOnly?: boolean
}

/** How often a source with `refresh` looks again. */
export const REFRESH_MS = 250

/** Opens the source of `directory`'s events: the database itself, opened by this process. A
 *  database another process holds is refused with what to do instead. */
export async function openWatchSource(directory: string, options: WatchOptions): Promise<Database> {
  try {
    return await openDatabase(directory, { walRecovery: options.walRecovery })
  } catch (error) {
    if (!(error instanceof StrataError && error.code === ErrorCode.Locked)) throw error
    // Another process writes it: follow that writer through a read-only open, which takes no
    // lock and changes nothing; `refresh` catches up with it.
    return openDatabase(directory, { walRecovery: options.walRecovery, readOnly: true })
  }
}

/** An event as one line of JSON: errors as `{ name, code, message }`. */
export function eventJson(event: unknown): string {
  return JSON.stringify(event, (_key, value: unknown) =>
    value instanceof Error
      ? { name: value.name, code: (value as { code?: unknown }).code, message: value.message }
      : value,
  )
}

/** Resolves after `seconds` (when given) or at SIGINT/SIGTERM, whichever comes first. */
export function untilStopped(seconds: number | undefined): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
      if (timer !== undefined) clearTimeout(timer)
      resolve()
    }
    const timer = seconds === undefined ? undefined : setTimeout(stop, seconds * 1000)
    process.on('SIGINT', stop)
    process.on('SIGTERM', stop)
  })
}

/**
 * Calls `source.refresh()` every `REFRESH_MS`, one call at a time, and hands the tree after
 * each to `onLevels`, until the returned function is called (it waits for a call in flight).
 */
export function followRefreshes(
  source: Pick<WatchSource, 'readOnly' | 'refresh' | 'levels'>,
  onLevels: (levels: LevelView[]) => void,
  onError: (error: Error) => void,
): () => Promise<void> {
  // Only a read-only open follows another process; a database this process opened reports its
  // own work through events.
  const refresh = source.readOnly === true ? source.refresh?.bind(source) : undefined
  if (refresh === undefined) return async () => {}
  let timer: NodeJS.Timeout | undefined
  let looking: Promise<void> | undefined
  let following = true
  const lookAgain = () => {
    timer = setTimeout(() => {
      looking = (async () => {
        try {
          await refresh()
          onLevels(source.levels())
        } catch (error) {
          onError(error as Error)
        }
        if (following) lookAgain()
      })()
    }, REFRESH_MS)
  }
  lookAgain()
  return async () => {
    following = false
    clearTimeout(timer)
    await looking
  }
}

/** The file numbers of every table in `levels`. */
function fileNumbers(levels: readonly LevelView[]): Set<number> {
  return new Set(levels.flatMap((level) => level.tables.map((table) => table.fileNumber)))
}

export async function watchCommand(
  directory: string,
  options: WatchOptions,
  reporter: Reporter,
  out: Output,
  openSource: (directory: string, options: WatchOptions) => Promise<WatchSource> = openWatchSource,
): Promise<ExitCode> {
  const source = await openSource(directory, options)
  const started = performance.now()
  // On stop the refreshes end, then the source closes (close waits for the work in progress,
  // whose events are still printed), then the listeners go.
  let detach: () => void = () => {}
  try {
    if (options.json) {
      const write = (event: unknown) => void out.write(`${eventJson(event)}\n`)
      const listeners = DATABASE_EVENT_NAMES.map((name) => {
        const listener: DatabaseEventListener<DatabaseEventName> = (event) => {
          // close is this command's own doing, not the database's.
          if (event.type !== 'close') write(event)
        }
        source.on(name, listener)
        return () => source.off(name, listener)
      })
      detach = () => {
        for (const remove of listeners) remove()
      }
      // A source that refreshes: each new tree as a `version` event with `cause: 'refresh'`.
      let seen = fileNumbers(source.levels())
      const stopFollowing = followRefreshes(
        source,
        (levels) => {
          const now = fileNumbers(levels)
          const added = [...now].filter((fileNumber) => !seen.has(fileNumber))
          const removed = [...seen].filter((fileNumber) => !now.has(fileNumber))
          seen = now
          if (added.length + removed.length === 0) return
          write({ type: 'version', timestampMs: Date.now(), cause: 'refresh', added, removed, levels })
        },
        (error) => write({ type: 'refresh-error', timestampMs: Date.now(), error }),
      )
      await untilStopped(options.seconds)
      await stopFollowing()
      await source.close()
      return ExitCode.Ok
    }
    const levels = source.levels()
    const tableCount = levels.reduce((total, level) => total + level.tables.length, 0)
    reporter.essential(
      `watching ${directory}: tree ${shapeOf(levels)} (${formatCount(tableCount)} tables)` +
        (options.seconds === undefined ? '; Ctrl-C to stop' : ` for ${options.seconds} s`),
    )
    const watcher = new EventWatcher(source, (event) => reporter.essential(`· ${event.text}`))
    detach = () => watcher.detach()
    const stopFollowing = followRefreshes(
      source,
      (levels) => watcher.observe(levels),
      (error) => reporter.essential(`· refresh failed: ${error.message}`),
    )
    await untilStopped(options.seconds)
    await stopFollowing()
    await source.close()
    reporter.essential(
      `watched ${formatDuration(performance.now() - started)}: ${watcher.flushes} flushes, ${watcher.walTruncations} WAL truncations, ` +
        `${watcher.compactions} compactions, ${watcher.trivialMoves} trivial moves, ${watcher.stalls} write stalls · tree ${shapeOf(watcher.tree)}`,
    )
    return ExitCode.Ok
  } finally {
    detach()
    await source.close()
  }
}
