/**
 * Where the command's narration goes. On a terminal, a progress bar redrawn in place (rate,
 * ETA) with event lines printed above it; when stdout is not a terminal (tests, CI, a pipe),
 * plain lines every 10%; with --quiet, only the essentials and no progress at all.
 */
import { formatCount, formatDuration } from './format.js'

export interface ReporterOptions {
  quiet?: boolean
  /** Default `process.stdout`. */
  stream?: NodeJS.WritableStream & { isTTY?: boolean; columns?: number }
}

export class Reporter {
  readonly quiet: boolean
  readonly isTTY: boolean
  private readonly stream: NodeJS.WritableStream & { isTTY?: boolean; columns?: number }
  private active: Progress | undefined

  constructor(options: ReporterOptions = {}) {
    this.stream = options.stream ?? process.stdout
    this.quiet = options.quiet ?? false
    this.isTTY = this.stream.isTTY === true
  }

  get columns(): number {
    return this.stream.columns ?? 100
  }

  /** A line printed even with --quiet. */
  essential(line = ''): void {
    this.write(line)
  }

  /** A line of narration (skipped with --quiet). */
  say(line = ''): void {
    if (!this.quiet) this.write(line)
  }

  private write(line: string): void {
    if (this.active !== undefined && this.isTTY) {
      this.stream.write(`\r\x1b[2K${line}\n`)
      this.active.redraw()
    } else {
      this.stream.write(`${line}\n`)
    }
  }

  /** Starts a progress display for `total` units of work (nothing is shown with --quiet). */
  progress(label: string, total: number, unit: string): Progress {
    const progress = new Progress(this, label, total, unit, (text) => this.stream.write(text))
    this.active = progress
    return progress
  }

  /** @internal */
  ended(progress: Progress): void {
    if (this.active === progress) this.active = undefined
  }
}

export class Progress {
  private done = 0
  private readonly started = performance.now()
  private lastDraw = 0
  private nextStep = 0.1
  private finished = false

  constructor(
    private readonly reporter: Reporter,
    private readonly label: string,
    private readonly total: number,
    private readonly unit: string,
    private readonly write: (text: string) => void,
  ) {
    if (reporter.isTTY && !reporter.quiet) this.redraw()
  }

  /** Sets how much is done. */
  update(done: number): void {
    this.done = done
    if (this.reporter.quiet || this.finished) return
    const now = performance.now()
    if (this.reporter.isTTY) {
      if (now - this.lastDraw >= 80) this.redraw()
      return
    }
    const fraction = this.total === 0 ? 1 : done / this.total
    if (fraction >= this.nextStep && fraction < 1) {
      while (this.nextStep <= fraction) this.nextStep += 0.1
      this.write(`  ${this.describe(now)}\n`)
    }
  }

  private describe(now: number): string {
    const elapsed = now - this.started
    const fraction = this.total === 0 ? 1 : Math.min(1, this.done / this.total)
    const rate = `${formatCount(elapsed <= 0 ? 0 : (this.done * 1000) / elapsed)} ${this.unit}/s`
    const eta = this.done === 0 ? '?' : formatDuration(((this.total - this.done) * elapsed) / this.done)
    return (
      `${this.label}: ${Math.floor(fraction * 100)}% (${formatCount(this.done)} of ${formatCount(this.total)} ${this.unit})` +
      ` · ${rate} · ETA ${eta}`
    )
  }

  /** @internal redraws the bar on a terminal. */
  redraw(): void {
    if (!this.reporter.isTTY || this.reporter.quiet || this.finished) return
    const now = performance.now()
    this.lastDraw = now
    const fraction = this.total === 0 ? 1 : Math.min(1, this.done / this.total)
    const width = Math.max(10, Math.min(40, this.reporter.columns - 70))
    const filled = Math.round(fraction * width)
    const bar = `[${'█'.repeat(filled)}${'░'.repeat(width - filled)}]`
    this.write(`\r\x1b[2K  ${bar} ${this.describe(now)}`)
  }

  /** Ends the display; returns the elapsed milliseconds. */
  finish(): number {
    const elapsed = performance.now() - this.started
    if (!this.finished) {
      this.finished = true
      if (this.reporter.isTTY && !this.reporter.quiet) this.write('\r\x1b[2K')
      this.reporter.ended(this)
    }
    return elapsed
  }
}
