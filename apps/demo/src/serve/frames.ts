/**
 * The page's timeline, built on the server: what happened is gathered between ticks and sent as
 * one frame per tick (`FrameBuilder.tick`), so hundreds of events a second cost the page a few
 * messages a second. A frame holds the events of the tick (at most `maxEventsPerTick`; the rest
 * are counted by kind in `dropped`), how the tree changed (tables added and removed by file
 * number: exact whatever was dropped), a stats sample, the jobs running and the current stall.
 * The last `historyFrames` frames are kept with the tree before the first of them (`base`), so
 * a page that opens late replays them. Pure: no I/O, no timers.
 */
import type { DatabaseEvents, DatabaseStats, LevelView, StallCause, TableView } from '@strata/engine'

/** An engine event as the page gets it: a `version` event without its `levels` (the frame's
 *  tree change says it), errors as `{ name, code, message }`. Or, for a source that only sees
 *  the tree change (a read-only open following another process), `observed` work. */
export type PageEvent =
  | (Record<string, unknown> & { type: keyof DatabaseEvents; timestampMs: number })
  | { type: 'observed'; kind: 'flush' | 'compaction' | 'trivial-move'; text: string; timestampMs: number }

/** Stats without the directory and the levels (the frames carry the tree). */
export type StatsSample = Omit<DatabaseStats, 'directory' | 'levels'>

/** A background job between its begin and end events. */
export interface RunningJob {
  jobId: number
  kind: 'flush' | 'compaction'
  startedMs: number
  level: number
  outputLevel: number
  /** File numbers read (a compaction) or written (a flush). */
  tables: number[]
  bytes: number
}

export interface Frame {
  /** Numbers the frames from 1, in order. */
  seq: number
  timestampMs: number
  events: PageEvent[]
  /** Events left out of this frame by kind (more than `maxEventsPerTick` in one tick). */
  dropped: Record<string, number>
  /** Tables that left the tree (or changed level) since the last frame, then tables that
   *  entered it (or arrived in a new level): apply `removed` first. */
  removed: number[]
  added: TableView[]
  stats: StatsSample | undefined
  running: RunningJob[]
  stall: { cause: StallCause; sinceMs: number } | undefined
}

export interface FrameOptions {
  /** Events a frame carries at most (default 200). */
  maxEventsPerTick?: number
  /** Frames kept for a page that opens later (default 3000: 10 minutes at 200 ms). */
  historyFrames?: number
  /** A frame with nothing new is still sent this often, for the stats (default 1000 ms). */
  idleFrameMs?: number
}

function pageEvent(event: { type: string; timestampMs: number }): PageEvent {
  const copy: Record<string, unknown> = {}
  for (const [name, value] of Object.entries(event) as [string, unknown][]) {
    if (event.type === 'version' && name === 'levels') continue
    copy[name] =
      value instanceof Error
        ? { name: value.name, code: (value as { code?: unknown }).code, message: value.message }
        : value
  }
  return copy as PageEvent
}

/** What the page shows for an event (its `data-event`): the end of a trivial move is a
 *  `trivial-move`, every other engine event its type. */
export function eventKind(event: PageEvent): string {
  if (event.type === 'observed') return event.kind
  if (event.type === 'compaction' && event.trivialMove === true) return 'trivial-move'
  return event.type
}

function tablesOf(levels: readonly LevelView[]): Map<number, TableView> {
  const tables = new Map<number, TableView>()
  for (const level of levels) for (const table of level.tables) tables.set(table.fileNumber, table)
  return tables
}

export class FrameBuilder {
  private readonly maxEventsPerTick: number
  private readonly historyFrames: number
  private readonly idleFrameMs: number
  private pending: PageEvent[] = []
  private dropped: Record<string, number> = {}
  /** The tree as the last frame left it, and before the first frame kept. */
  private sent = new Map<number, TableView>()
  private base = new Map<number, TableView>()
  private readonly history: Frame[] = []
  private readonly running = new Map<number, RunningJob>()
  private stall: Frame['stall']
  private lastSeq = 0
  private lastFrameMs = Number.NEGATIVE_INFINITY
  /** Ended events seen since the builder started, by kind (begins are not counted). */
  readonly seen: Record<string, number> = {}

  constructor(options: FrameOptions = {}) {
    this.maxEventsPerTick = options.maxEventsPerTick ?? 200
    this.historyFrames = options.historyFrames ?? 3000
    this.idleFrameMs = options.idleFrameMs ?? 1000
  }

  /** Starts from `levels` (the tree when the first source is attached) without reporting it
   *  as a change. Once frames were made, a later source's tree is the next frame's change. */
  startFrom(levels: readonly LevelView[]): void {
    if (this.history.length > 0) return
    this.sent = tablesOf(levels)
    this.base = new Map(this.sent)
  }

  /** Notes one engine event for the next frame. */
  add(event: { type: string; timestampMs: number }): void {
    const page = pageEvent(event)
    this.track(page)
    const kind = eventKind(page)
    const ended = !('phase' in page) || page.phase === 'end'
    if (ended && page.type !== 'version') this.seen[kind] = (this.seen[kind] ?? 0) + 1
    if (this.pending.length < this.maxEventsPerTick) this.pending.push(page)
    else this.dropped[kind] = (this.dropped[kind] ?? 0) + 1
  }

  private track(event: PageEvent): void {
    if (event.type === 'flush') {
      const jobId = event.jobId as number
      if (event.phase === 'begin') {
        this.running.set(jobId, {
          jobId,
          kind: 'flush',
          startedMs: event.timestampMs,
          level: 0,
          outputLevel: 0,
          tables: [event.fileNumber as number],
          bytes: event.memtableBytes as number,
        })
      } else this.running.delete(jobId)
    } else if (event.type === 'compaction') {
      const jobId = event.jobId as number
      if (event.phase === 'begin') {
        this.running.set(jobId, {
          jobId,
          kind: 'compaction',
          startedMs: event.timestampMs,
          level: event.level as number,
          outputLevel: event.outputLevel as number,
          tables: (event.inputs as TableView[]).map((table) => table.fileNumber),
          bytes: event.inputBytes as number,
        })
      } else this.running.delete(jobId)
    } else if (event.type === 'stall') {
      this.stall =
        event.phase === 'begin' ? { cause: event.cause as StallCause, sinceMs: event.timestampMs } : undefined
    } else if (event.type === 'close') {
      this.running.clear()
      this.stall = undefined
    }
  }

  /**
   * The frame for this tick, given the tree and stats now, or `undefined` when nothing
   * happened and the last frame is younger than `idleFrameMs`.
   */
  tick(
    nowMs: number,
    levels: readonly LevelView[] | undefined,
    stats: StatsSample | undefined,
  ): Frame | undefined {
    const change = levels === undefined ? { removed: [], added: [] } : this.recordChange(tablesOf(levels))
    const quiet =
      this.pending.length === 0 &&
      Object.keys(this.dropped).length === 0 &&
      change.removed.length + change.added.length === 0
    if (quiet && nowMs - this.lastFrameMs < this.idleFrameMs) return undefined
    const frame: Frame = {
      seq: ++this.lastSeq,
      timestampMs: nowMs,
      events: this.pending,
      dropped: this.dropped,
      removed: change.removed,
      added: change.added,
      stats,
      running: [...this.running.values()],
      stall: this.stall,
    }
    this.pending = []
    this.dropped = {}
    this.lastFrameMs = nowMs
    this.history.push(frame)
    if (this.history.length > this.historyFrames) {
      const oldest = this.history.shift()!
      for (const fileNumber of oldest.removed) this.base.delete(fileNumber)
      for (const table of oldest.added) this.base.set(table.fileNumber, table)
    }
    return frame
  }

  /** Diffs `tables` against the tree last sent and makes it the tree sent. */
  private recordChange(tables: Map<number, TableView>): { removed: number[]; added: TableView[] } {
    const removed: number[] = []
    const added: TableView[] = []
    for (const [fileNumber, table] of this.sent) {
      const now = tables.get(fileNumber)
      if (now === undefined || now.level !== table.level) removed.push(fileNumber)
    }
    for (const [fileNumber, table] of tables) {
      const before = this.sent.get(fileNumber)
      if (before === undefined || before.level !== table.level) added.push(table)
    }
    this.sent = tables
    return { removed, added }
  }

  /** The frames kept and the tree before the first of them: what a page opening now replays. */
  replay(): { base: TableView[]; frames: Frame[] } {
    return { base: [...this.base.values()], frames: [...this.history] }
  }

  /** The jobs running and the stall now. */
  get current(): { running: RunningJob[]; stall: Frame['stall'] } {
    return { running: [...this.running.values()], stall: this.stall }
  }
}
