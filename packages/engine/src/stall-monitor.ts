/**
 * Write stalls as episodes, for the `stall` events: a stall begins when a write first waits (or
 * is delayed) for a cause, lasts while writes keep waiting for it or its condition holds, and
 * ends when a write passes without waiting, when the background work that frees room finds the
 * condition gone, or at a failure or close. One stall at a time: a write waiting for another
 * cause ends the current one and begins the next, so a listener sees begin/end pairs in order.
 */
import type { EventHub, StallCause } from './events.js'

/** What the monitor reads of the database when a stall begins. */
export interface StallState {
  frozenMemtables(): number
  level0Files(): number
}

export class StallMonitor {
  private cause: StallCause | undefined
  private started = 0
  private writes = 0

  constructor(
    private readonly events: EventHub,
    private readonly state: StallState,
  ) {}

  /** True while a stall lasts. */
  get active(): boolean {
    return this.cause !== undefined
  }

  /** A write begins to wait (or is delayed) for `cause`. */
  waiting(cause: StallCause): void {
    if (this.cause !== cause) {
      this.end()
      this.cause = cause
      this.started = performance.now()
      this.writes = 0
      this.events.emit('stall', () => ({
        phase: 'begin' as const,
        cause,
        frozenMemtables: this.state.frozenMemtables(),
        level0Files: this.state.level0Files(),
      }))
    }
    this.writes++
  }

  /** Ends the stall, if one lasts. */
  end(): void {
    const cause = this.cause
    if (cause === undefined) return
    this.cause = undefined
    const durationMs = performance.now() - this.started
    const writesStalled = this.writes
    this.events.emit('stall', { phase: 'end', cause, durationMs, writesStalled })
  }
}
