/**
 * The WAL's own errors. Both extend base classes, so callers may branch on `code`
 * (`STRATA_CORRUPTION`, `STRATA_IO`) or on `instanceof` across packages.
 */
import { CorruptionError, IOError } from '@strata/base'

export interface WALCorruptDetails {
  /** The damaged WAL file. */
  file: string
  /** Byte offset in the file where the bad frame (or header) starts. */
  offset: number
  /** What is wrong, in a few words. */
  reason: string
  /** Seq of the last entry read intact before `offset`; `undefined` when none was. */
  lastGoodSeq: number | undefined
}

/** The WAL file failed a check (header, length, checksum, payload, seq order) in a way the
 *  chosen recovery mode does not accept. `code === 'STRATA_CORRUPTION'`. */
export class WALCorruptError extends CorruptionError {
  /** Same as `file`. */
  readonly path: string
  readonly lastGoodSeq: number | undefined

  constructor(details: WALCorruptDetails) {
    const lastGood =
      details.lastGoodSeq === undefined ? 'no entry before it' : `last good seq ${details.lastGoodSeq}`
    super(
      details,
      `WAL ${details.file} is damaged at byte ${details.offset}: ${details.reason} (${lastGood}). ` +
        `Open it with recovery 'point-in-time' to keep the entries before the damage, or restore the file.`,
    )
    this.path = details.file
    this.lastGoodSeq = details.lastGoodSeq
  }
}

/** A write or fsync of the WAL failed, so whether its bytes reached the disk is unknown (and
 *  after a failed fsync the kernel may have dropped them). The log accepts nothing more: the
 *  failing appends and every later one reject with this error, `code === 'STRATA_IO'`, `cause`
 *  the original failure. Close it and open it again; replay returns every acknowledged entry. */
export class WALPoisonedError extends IOError {
  /**
   * What became of the append that receives this error. `'rejected'`: it is not in the log and
   * never will be (it was not written, or the log was cut back past it and the cut fsynced).
   * `'unknown'`: it was written but cutting it back failed, so a reopen may replay it.
   */
  readonly outcome: 'rejected' | 'unknown'

  constructor(path: string, action: string, cause: unknown, outcome: 'rejected' | 'unknown' = 'rejected') {
    const system = cause as { code?: unknown; message?: unknown; syscall?: unknown }
    const code = typeof system?.code === 'string' ? ` (${system.code})` : ''
    super(
      `WAL ${path} accepts no more writes: ${action} failed${code}` +
        `${typeof system?.message === 'string' ? `: ${system.message}` : ''}. ` +
        (outcome === 'unknown'
          ? 'Cutting the log back failed too: whether this append is in the log is unknown (a reopen may replay it). '
          : 'This append is not in the log. ') +
        `Close it and open it again; every acknowledged entry is replayed.`,
      {
        cause,
        path,
        ...(typeof system?.syscall === 'string' ? { syscall: system.syscall } : {}),
      },
    )
    this.outcome = outcome
  }
}
