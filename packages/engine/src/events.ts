/**
 * The database's events: what happens in the background (flushes, compactions, WAL truncations,
 * write stalls, failures, the tree's shape after each edit, close), as typed payloads for
 * `database.on(name, listener)`. Every payload is plain JSON data (keys as hex strings) apart
 * from the `Error` of a failure, so a listener may log it or send it to a page as it is.
 *
 * Listeners run synchronously, in the order they were added, at the moment the engine reaches
 * the step the event describes. A listener that throws (or returns a promise that rejects)
 * never reaches the engine: the other listeners still run, and the error is reported as a
 * `background-error` event with `operation: 'listener'`; a `background-error` listener that
 * throws, or a listener error with no `background-error` listener to hear it, is reported once
 * per listener as a process warning.
 */
import { InvalidArgumentError, type StrataError } from '@strata/base'
import type { CompactionReason } from './compaction-picker.js'
import type { LevelView, TableView } from './event-views.js'

export type { LevelView, TableView } from './event-views.js'

/** Fields every event carries. */
export interface EventBase<Name extends string> {
  /** The event's name, as given to `on`. */
  type: Name
  /** When it happened (`Date.now()`). */
  timestampMs: number
}

/** A memtable on its way to a level-0 table. `jobId` pairs the begin with its end. */
export interface FlushBeginEvent extends EventBase<'flush'> {
  phase: 'begin'
  /** Numbers the database's background jobs (flushes and compactions) from 1. */
  jobId: number
  /** The table file the flush writes (`<fileNumber>.sst`, six digits). */
  fileNumber: number
  /** Entries in the memtable (every version of every key, tombstones included). */
  entries: number
  /** The memtable's size in memory (its fill: compare with `memtableLimitBytes`). */
  memtableBytes: number
  memtableLimitBytes: number
  /** The largest seq in the memtable: once flushed, every entry up to it is in a table. */
  maxSeq: number
  /** Frozen memtables waiting for their flush, this one included. */
  frozenMemtables: number
}

/** A flush committed: its table is in level 0 and the manifest. */
export interface FlushEndEvent extends Omit<FlushBeginEvent, 'phase'> {
  phase: 'end'
  /** The table file's size on disk. */
  fileBytes: number
  /** From the flush's begin to its commit in the manifest. */
  durationMs: number
  /** The new level-0 table. */
  table: TableView
  /** Where the table was built: the compaction worker or the main thread (`flushThread`). */
  thread: 'worker' | 'main'
}

export type FlushEvent = FlushBeginEvent | FlushEndEvent

/** Why a compaction runs: level 0 holds `level0CompactionTrigger` tables (`level0-files`), a
 *  level outgrew its target (`level-size`), or `compactRange()` asked for it (`manual`). */
export type { CompactionReason }

/** A compaction starting: which tables it reads. */
export interface CompactionBeginEvent extends EventBase<'compaction'> {
  phase: 'begin'
  jobId: number
  reason: CompactionReason
  /** The level it compacts and the level its output goes to. */
  level: number
  outputLevel: number
  /** A move by a manifest edit alone: the inputs overlap nothing in `outputLevel` and are not
   *  rewritten (no bytes read or written). */
  trivialMove: boolean
  /** The tables it reads: of `level`, then the tables of `outputLevel` they overlap. */
  inputs: TableView[]
  /** Their total size on disk. */
  inputBytes: number
}

/** A compaction committed: its outputs replace its inputs in the manifest. */
export interface CompactionEndEvent extends Omit<CompactionBeginEvent, 'phase'> {
  phase: 'end'
  /** The tables it wrote, in `outputLevel` (a trivial move: its inputs, moved). */
  outputs: TableView[]
  outputBytes: number
  /** Bytes read from the inputs and written to the outputs (0 for a trivial move). */
  bytesRead: number
  bytesWritten: number
  /** Overwritten versions no snapshot could see, and tombstones nothing below could hold. */
  droppedVersions: number
  droppedTombstones: number
  durationMs: number
}

export type CompactionEvent = CompactionBeginEvent | CompactionEndEvent

/** The WAL lost the entries a flush put in a table. */
export interface WalTruncateEvent extends EventBase<'wal-truncate'> {
  /** Every entry with seq <= `seq` is dropped from the WAL. */
  seq: number
  /** The WAL's size before and after (appends made meanwhile count in `bytesAfter`). */
  bytesBefore: number
  bytesAfter: number
  durationMs: number
}

/** Why writes wait: too many frozen memtables wait for their flush (`memtables`), level 0 is at
 *  `level0StopTrigger` (`level0-stop`: writes wait for compaction), or at
 *  `level0SlowdownTrigger` (`level0-slowdown`: each write is delayed 1 ms). */
export type StallCause = 'memtables' | 'level0-stop' | 'level0-slowdown'

/** Writes began to wait (one stall at a time: a change of cause ends one and begins the next). */
export interface StallBeginEvent extends EventBase<'stall'> {
  phase: 'begin'
  cause: StallCause
  frozenMemtables: number
  level0Files: number
}

/** Writes no longer wait for that cause. */
export interface StallEndEvent extends EventBase<'stall'> {
  phase: 'end'
  cause: StallCause
  durationMs: number
  /** Writes that waited (or were delayed) during the stall. */
  writesStalled: number
}

export type StallEvent = StallBeginEvent | StallEndEvent

/** The work that failed: a write to the WAL, a flush, a compaction, a WAL truncation, or a
 *  listener of an event. */
export type BackgroundOperation = 'wal-append' | 'flush' | 'compaction' | 'wal-truncate' | 'listener'

/** A failure outside the caller's own call. An engine failure (every operation but
 *  `listener`) also turns the database read-only: a `read-only` event follows. */
export interface BackgroundErrorEvent extends EventBase<'background-error'> {
  operation: BackgroundOperation
  /** The failed flush's or compaction's job. */
  jobId?: number
  /** For `operation: 'listener'`: the event whose listener threw. */
  event?: DatabaseEventName
  error: Error
}

/** The database turned read-only: writes reject with `STRATA_READ_ONLY`, reads still work. */
export interface ReadOnlyEvent extends EventBase<'read-only'> {
  operation: Exclude<BackgroundOperation, 'listener'>
  /** The I/O failure (a `StrataError`, the original error as its `cause`). */
  cause: StrataError
}

/** The tree after a manifest edit: every level with its tables. */
export interface VersionEvent extends EventBase<'version'> {
  /** The job whose edit it is. */
  cause: 'flush' | 'compaction'
  jobId: number
  /** File numbers the edit added and removed (a trivial move: the same numbers in both). */
  added: number[]
  removed: number[]
  levels: LevelView[]
}

/** The database closed: its files are closed and its lock released. The last event. */
export interface CloseEvent extends EventBase<'close'> {
  /** From the `close()` call to the end. */
  durationMs: number
}

/** Each event's name and its payload. */
export interface DatabaseEvents {
  flush: FlushEvent
  compaction: CompactionEvent
  'wal-truncate': WalTruncateEvent
  stall: StallEvent
  'background-error': BackgroundErrorEvent
  'read-only': ReadOnlyEvent
  version: VersionEvent
  close: CloseEvent
}

export type DatabaseEventName = keyof DatabaseEvents

/** Every event name, for code that forwards them all. */
export const DATABASE_EVENT_NAMES: readonly DatabaseEventName[] = [
  'flush',
  'compaction',
  'wal-truncate',
  'stall',
  'background-error',
  'read-only',
  'version',
  'close',
]

export type DatabaseEventListener<Name extends DatabaseEventName> = (event: DatabaseEvents[Name]) => unknown

/** A payload without the fields the hub fills in. */
export type EventFields<Name extends DatabaseEventName> = DatabaseEvents[Name] extends infer Event
  ? Event extends unknown
    ? Omit<Event, 'type' | 'timestampMs'>
    : never
  : never

type AnyListener = (event: unknown) => unknown

function toError(value: unknown): Error {
  return value instanceof Error ? value : new Error(`a listener threw ${String(value)}`)
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === 'function'
}

/**
 * The listeners of one database and the emitting side the parts use. `emit` takes the payload
 * or a function building it, called only when someone listens (a `version` payload walks every
 * table).
 */
export class EventHub {
  private readonly listeners = new Map<DatabaseEventName, AnyListener[]>()
  private readonly warned = new WeakSet<AnyListener>()
  private lastJobId = 0

  /** The next background job's id (from 1). */
  nextJobId(): number {
    return ++this.lastJobId
  }

  on<Name extends DatabaseEventName>(name: Name, listener: DatabaseEventListener<Name>): void {
    this.listenersOf(name, listener).push(listener as AnyListener)
  }

  off<Name extends DatabaseEventName>(name: Name, listener: DatabaseEventListener<Name>): void {
    const listeners = this.listeners.get(name)
    if (listeners === undefined) return
    for (let index = listeners.length - 1; index >= 0; index--) {
      const candidate = listeners[index]!
      if (candidate === listener || (candidate as { listener?: unknown }).listener === listener) {
        listeners.splice(index, 1)
        return
      }
    }
  }

  once<Name extends DatabaseEventName>(name: Name, listener: DatabaseEventListener<Name>): void {
    const wrapper = (event: unknown) => {
      this.off(name, wrapper)
      return (listener as AnyListener)(event)
    }
    wrapper.listener = listener
    this.listenersOf(name, listener).push(wrapper)
  }

  listenerCount(name: DatabaseEventName): number {
    return this.listeners.get(name)?.length ?? 0
  }

  /** The listeners of `name`, once `name` and `listener` are checked. */
  private listenersOf(name: DatabaseEventName, listener: unknown): AnyListener[] {
    if (!DATABASE_EVENT_NAMES.includes(name)) {
      throw new InvalidArgumentError(
        `'${String(name)}' is not a database event; events: ${DATABASE_EVENT_NAMES.join(', ')}`,
        { argument: 'name' },
      )
    }
    if (typeof listener !== 'function') {
      throw new InvalidArgumentError(`a listener must be a function, not ${typeof listener}`, {
        argument: 'listener',
      })
    }
    let listeners = this.listeners.get(name)
    if (listeners === undefined) {
      listeners = []
      this.listeners.set(name, listeners)
    }
    return listeners
  }

  /** Calls every listener of `name` with the payload (built by `fields` if a function). */
  emit<Name extends DatabaseEventName>(
    name: Name,
    fields: EventFields<Name> | (() => EventFields<Name>),
  ): void {
    const listeners = this.listeners.get(name)
    if (listeners === undefined || listeners.length === 0) return
    let payload: unknown
    try {
      const given = typeof fields === 'function' ? fields() : fields
      payload = { type: name, timestampMs: Date.now(), ...given }
    } catch (error) {
      this.warn(undefined, name, error)
      return
    }
    for (const listener of [...listeners]) {
      try {
        const result = listener(payload)
        if (isThenable(result)) result.then(undefined, (error) => this.listenerFailed(name, listener, error))
      } catch (error) {
        this.listenerFailed(name, listener, error)
      }
    }
  }

  private listenerFailed(name: DatabaseEventName, listener: AnyListener, error: unknown): void {
    if (name !== 'background-error' && this.listenerCount('background-error') > 0) {
      this.emit('background-error', { operation: 'listener', event: name, error: toError(error) })
    } else {
      this.warn(listener, name, error)
    }
  }

  /** A process warning, once per listener. */
  private warn(listener: AnyListener | undefined, name: DatabaseEventName, error: unknown): void {
    if (listener !== undefined) {
      if (this.warned.has(listener)) return
      this.warned.add(listener)
    }
    const message = `a listener of the database's '${name}' event threw (the engine carries on): ${toError(error).message}`
    const host = (globalThis as { process?: { emitWarning?: (message: string, type: string) => void } })
      .process
    if (typeof host?.emitWarning === 'function') host.emitWarning(message, 'StrataListenerWarning')
    else console.warn(message)
  }
}

/**
 * `on`/`off`/`once` typed per event (see `DatabaseEvents`), for a class whose parts emit
 * through `events`. `on('flush', (event) => …)` gives `event` the type `FlushEvent`.
 */
export abstract class DatabaseEventSource {
  protected readonly events = new EventHub()

  /** Calls `listener` with each `name` event (see `DatabaseEvents`) until `off`. A name that
   *  is not an event, or a listener that is not a function, throws `STRATA_INVALID_ARGUMENT`. */
  on<Name extends DatabaseEventName>(name: Name, listener: DatabaseEventListener<Name>): this {
    this.events.on(name, listener)
    return this
  }

  /** Removes `listener` (added last, if added more than once) from `name`. */
  off<Name extends DatabaseEventName>(name: Name, listener: DatabaseEventListener<Name>): this {
    this.events.off(name, listener)
    return this
  }

  /** Calls `listener` with the next `name` event only. */
  once<Name extends DatabaseEventName>(name: Name, listener: DatabaseEventListener<Name>): this {
    this.events.once(name, listener)
    return this
  }

  /** How many listeners `name` has. */
  listenerCount(name: DatabaseEventName): number {
    return this.events.listenerCount(name)
  }
}
