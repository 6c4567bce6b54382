/**
 * The live side of the page's server: listens to the database served (`attach`), or is told the
 * tree a read-only open found (`observe`, for a source following another process), gathers it
 * into one frame per tick (frames.ts) and pushes each frame to every page connected to
 * `/api/events` as a server-sent event. A page connecting gets `hello` first (the state now and
 * the frames kept, to replay), then a `frame` event per tick. A page that cannot keep up (more
 * than `MAX_BUFFERED_BYTES` unsent) is disconnected; its EventSource reconnects and replays.
 */
import type { ServerResponse } from 'node:http'
import {
  DATABASE_EVENT_NAMES,
  type DatabaseEventListener,
  type DatabaseEventName,
  type DatabaseStats,
  type LevelView,
} from '@strata/engine'
import { describeChange } from '../version-diff.js'
import type { EventSource } from '../watch.js'
import { FrameBuilder, type FrameOptions, type PageEvent, type StatsSample } from './frames.js'
import { type ServeState, statsSample } from './snapshot.js'

/** What the server reads of a database: events, tree and stats (`Database` is one). */
export interface ServedSource extends EventSource {
  stats(): DatabaseStats
  readonly readOnly?: boolean
}

export interface LiveFeedOptions extends FrameOptions {
  /** The database's directory, shown on the page. */
  directory: string
  /** How often a frame is gathered (default 200 ms). */
  tickMs?: number
  /** The memtable size limit, when known (a flush event tells it otherwise). */
  memtableLimitBytes?: number
}

/** Unsent bytes after which a page is disconnected (it reconnects and replays). */
export const MAX_BUFFERED_BYTES = 8 * 1024 * 1024

export class LiveFeed {
  private readonly frames: FrameBuilder
  private readonly clients = new Set<ServerResponse>()
  private readonly timer: NodeJS.Timeout
  private source: ServedSource | undefined
  private detachers: (() => void)[] = []
  private treeChanged = false
  private observed: LevelView[] | undefined
  private lastLevels: LevelView[] = []
  private lastStats: StatsSample | undefined
  private memtableLimitBytes: number | undefined
  private mode: ServeState['mode'] = 'detached'

  constructor(private readonly options: LiveFeedOptions) {
    this.frames = new FrameBuilder(options)
    this.memtableLimitBytes = options.memtableLimitBytes
    this.timer = setInterval(() => this.tick(), options.tickMs ?? 200)
    this.timer.unref()
  }

  /** Follows `source`'s events and tree until `detach` (one source at a time). */
  attach(source: ServedSource, options: { memtableLimitBytes?: number } = {}): void {
    this.detach()
    this.source = source
    this.mode = source.readOnly === true ? 'follow' : 'own'
    if (options.memtableLimitBytes !== undefined) this.memtableLimitBytes = options.memtableLimitBytes
    this.lastLevels = source.levels()
    this.observed = source.readOnly === true ? this.lastLevels : undefined
    this.frames.startFrom(this.lastLevels)
    this.treeChanged = true
    for (const name of DATABASE_EVENT_NAMES) {
      const listener: DatabaseEventListener<DatabaseEventName> = (event) => {
        if (event.type === 'version') this.treeChanged = true
        if (event.type === 'flush') this.memtableLimitBytes = event.memtableLimitBytes
        this.frames.add(event)
      }
      source.on(name, listener)
      this.detachers.push(() => source.off(name, listener))
    }
  }

  /** Stops following the source (its last tree and stats stay on the page). */
  detach(): void {
    if (this.source === undefined) return
    this.tick()
    for (const detach of this.detachers.splice(0)) detach()
    this.source = undefined
    this.mode = 'detached'
  }

  /** For a source following another process: the tree it found on its last look. The work
   *  that changed it becomes `observed` events (version-diff.ts). */
  observe(levels: LevelView[]): void {
    const before = this.observed ?? this.lastLevels
    const timestampMs = Date.now()
    for (const change of describeChange(before, levels)) {
      if (change.kind === 'flush' || change.kind === 'compaction' || change.kind === 'trivial-move') {
        const observed: PageEvent = { type: 'observed', kind: change.kind, text: change.text, timestampMs }
        this.frames.add(observed)
      }
    }
    this.observed = levels
    this.treeChanged = true
  }

  /** Gathers this tick's frame and sends it to every page. */
  tick(): void {
    let levels: LevelView[] | undefined
    if (this.source !== undefined) {
      if (this.treeChanged) {
        try {
          levels = this.observed ?? this.source.levels()
          this.lastLevels = levels
        } catch {
          levels = undefined
        }
        this.treeChanged = false
      }
      if (this.clients.size > 0 || this.lastStats === undefined) this.sampleStats()
    }
    const frame = this.frames.tick(Date.now(), levels, this.source === undefined ? undefined : this.lastStats)
    if (frame === undefined) return
    this.broadcast('frame', frame)
  }

  /** Reads the source's stats (the last ones stay if it cannot answer, closing meanwhile). */
  private sampleStats(): void {
    if (this.source === undefined) return
    try {
      this.lastStats = statsSample(this.source.stats())
    } catch {
      // The last stats stay.
    }
  }

  /** The state now: what `/api/state` answers and a page's `hello` starts from. */
  state(): ServeState {
    this.sampleStats()
    return {
      directory: this.options.directory,
      mode: this.mode,
      timestampMs: Date.now(),
      memtableLimitBytes: this.memtableLimitBytes,
      levels: this.lastLevels,
      stats: this.lastStats,
      ...this.frames.current,
      seen: { ...this.frames.seen },
      clients: this.clients.size,
    }
  }

  /** Streams to `response` (already answered 200 with `text/event-stream`) until it closes. */
  addClient(response: ServerResponse): void {
    this.clients.add(response)
    response.on('close', () => this.clients.delete(response))
    response.write('retry: 2000\n\n')
    this.send(response, 'hello', { state: this.state(), ...this.frames.replay() })
  }

  private broadcast(name: string, data: unknown): void {
    if (this.clients.size === 0) return
    const message = `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`
    for (const client of this.clients) this.write(client, message)
  }

  private send(response: ServerResponse, name: string, data: unknown): void {
    this.write(response, `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`)
  }

  private write(response: ServerResponse, message: string): void {
    if (response.writableLength > MAX_BUFFERED_BYTES) {
      this.clients.delete(response)
      response.end()
      return
    }
    response.write(message)
  }

  /** Ends every stream and stops ticking (the source is detached first). */
  close(): void {
    this.detach()
    clearInterval(this.timer)
    for (const client of this.clients) client.end()
    this.clients.clear()
  }
}
