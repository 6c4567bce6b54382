/**
 * `WorkSlice`: cuts long main-thread work into slices that each hold the event loop briefly.
 * The work reports each unit it did (an entry and its bytes); the slice says when to give the
 * event loop a turn: after `entries` units, after `bytes` bytes, or once `milliseconds` have
 * passed since the slice's first unit (checked every 32 units, and after every unit of 32 KiB
 * or more), whichever comes first. The count bounds a slice of small entries, the bytes one of
 * large values, the clock one of code not yet optimized (the first flushes of a process) or
 * a slow machine.
 */

/** Units between two readings of the clock (a reading costs more than a small unit). */
const CLOCK_EVERY_UNITS = 32
/** A unit at least this large reads the clock after it. */
const CLOCK_AFTER_BYTES = 32 * 1024

export interface SliceLimits {
  entries: number
  bytes: number
  milliseconds: number
}

export class WorkSlice {
  private entries = 0
  private bytes = 0
  /** When the slice's first unit was reported; undefined before it. */
  private startedAt: number | undefined

  constructor(private readonly limits: SliceLimits) {}

  /** Reports one unit of `bytes`; true when the slice is over: give the event loop a turn (the
   *  next unit starts a new slice). */
  spent(bytes: number): boolean {
    this.startedAt ??= performance.now()
    this.entries++
    this.bytes += bytes
    const limits = this.limits
    const over =
      this.entries >= limits.entries ||
      this.bytes >= limits.bytes ||
      ((this.entries % CLOCK_EVERY_UNITS === 0 || bytes >= CLOCK_AFTER_BYTES) &&
        performance.now() - this.startedAt >= limits.milliseconds)
    if (!over) return false
    this.entries = 0
    this.bytes = 0
    this.startedAt = undefined
    return true
  }
}
