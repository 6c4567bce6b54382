/**
 * The manifest's record of the WAL, and the cross-check at open. The manifest says what the WAL
 * must hold (`WalRecord`: every seq above `flushedSeq` up to `seq`, and after a clean close its
 * exact length); the WAL's header says what it last fsynced (checked by @strata/wal itself). At
 * open a WAL that is missing, shorter than recorded, ending below the recorded seq, starting
 * past `flushedSeq + 1` or skipping seqs is damage: `CorruptionError` naming the seqs that are
 * gone, raised before anything in the directory is changed or deleted. A torn final frame that
 * no record covers (a crash mid-append) is still dropped quietly by the WAL.
 */
import { CorruptionError, type FileSystem } from '@strata/base'
import { V2_HEADER_BYTES, type WALEntry, type WALManager } from '@strata/wal'
import type { ManifestState } from './manifest.js'
import type { WalRecord } from './version.js'

/** What every error that asks for a repair ends with. */
export function repairHint(directory: string): string {
  return `run repair(dir) from @strata/engine, or \`strata repair ${directory}\`, to rebuild the database from what is readable`
}

function walDamage(path: string, directory: string, offset: number, reason: string): CorruptionError {
  return new CorruptionError(
    { file: path, offset, reason },
    `${path} is damaged at byte ${offset}: ${reason}; ${repairHint(directory)}`,
  )
}

/** `from..to`, or `from and above` when the end is unknown. */
function seqRange(from: number, to: number | undefined): string {
  if (to === undefined) return `seqs ${from} and above`
  return from === to ? `seq ${from}` : `seqs ${from}..${to}`
}

/** `wal.replay()`, with damage the WAL itself found (e.g. a log ending below its header's
 *  synced seq) also pointing at `repair`. */
export function replayWal(wal: WALManager, directory: string): WALEntry[] {
  try {
    return wal.replay()
  } catch (error) {
    if (error instanceof CorruptionError) error.message = `${error.message} Or ${repairHint(directory)}.`
    throw error
  }
}

/**
 * Before the WAL is opened (opening would create a missing file or write a header into an
 * empty one): a manifest that tracks its WAL needs the file, with at least a whole header.
 */
export function checkWalFile(fs: FileSystem, path: string, directory: string, state: ManifestState): void {
  if (state.wal === undefined) return
  const stat = fs.statSync(path)
  const lost = seqRange(state.flushedSeq + 1, state.wal.seq > state.flushedSeq ? state.wal.seq : undefined)
  if (stat === undefined) {
    throw walDamage(path, directory, 0, `the WAL is missing: ${lost} may be lost (the manifest tracks it)`)
  }
  // The shortest whole header among the formats a WAL may have (format 2's; format 3's is longer).
  if (!stat.isDirectory && stat.size < V2_HEADER_BYTES && stat.size < (state.wal.bytes ?? V2_HEADER_BYTES)) {
    throw walDamage(
      path,
      directory,
      0,
      `the WAL has ${stat.size} bytes, less than its header: ${lost} may be lost (the manifest tracks it)`,
    )
  }
}

/**
 * After replay: the WAL against the manifest. `entries` are the replayed entries in seq order.
 * Under recovery 'point-in-time' the records are not enforced (that mode accepts a log cut
 * short), but a gap after `flushedSeq` still is: it means the manifest lost an edit.
 */
export function checkWalReplay(
  wal: WALManager,
  entries: readonly WALEntry[],
  directory: string,
  state: ManifestState,
  pointInTime: boolean,
): void {
  const report = wal.replayReport
  const lastSeq = report.lastGoodSeq ?? 0
  const record = state.wal
  if (record !== undefined && !pointInTime) {
    if (record.bytes !== undefined && report.validBytes < record.bytes) {
      throw walDamage(
        wal.path,
        directory,
        report.validBytes,
        `the WAL was ${record.bytes} bytes at the last clean close but ${report.validBytes} are readable now: ` +
          `${seqRange(Math.max(lastSeq, state.flushedSeq) + 1, Math.max(record.seq, lastSeq + 1))} may be lost`,
      )
    }
    if (record.seq > state.flushedSeq && lastSeq < record.seq) {
      throw walDamage(
        wal.path,
        directory,
        report.validBytes,
        `the WAL ends at seq ${report.lastGoodSeq ?? 'none'} but the manifest records seq ${record.seq} as written to it: ` +
          `${seqRange(Math.max(lastSeq, state.flushedSeq) + 1, record.seq)} are gone`,
      )
    }
  }
  let previous: number | undefined
  for (const entry of entries) {
    if (entry.seq <= state.flushedSeq) {
      previous = entry.seq
      continue
    }
    const expected =
      previous === undefined || previous < state.flushedSeq ? state.flushedSeq + 1 : previous + 1
    if (entry.seq > expected) {
      const where =
        expected === state.flushedSeq + 1
          ? `the manifest has everything up to seq ${state.flushedSeq} in tables but the WAL continues at seq ${entry.seq}`
          : `the WAL skips from seq ${previous} to seq ${entry.seq}`
      throw walDamage(
        wal.path,
        directory,
        0,
        `${where}: ${seqRange(expected, entry.seq - 1)} are missing (a lost manifest edit or a damaged WAL)`,
      )
    }
    previous = entry.seq
  }
}

/** The record a flush writes: what the WAL has fsynced (never lower than the last record). */
export function walRecordAtFlush(state: ManifestState, wal: WALManager): WalRecord {
  return { seq: Math.max(state.wal?.seq ?? 0, wal.syncedSeq ?? 0) }
}

/** The record `close()` writes once the WAL is closed (fsynced): its last seq and exact length,
 *  or only the seq when the closing fsync failed. */
export function walRecordAtClose(state: ManifestState, wal: WALManager): WalRecord {
  const seq = Math.max(state.wal?.seq ?? 0, wal.syncedSeq ?? 0)
  const synced = wal.writtenSeq === undefined || wal.syncedSeq === wal.writtenSeq
  return synced ? { seq, bytes: wal.sizeBytes } : { seq }
}
