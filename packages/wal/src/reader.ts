/**
 * Replay: reads a whole WAL file, checks every frame, and decides what the recovery mode makes
 * of a torn tail or damage. Pure: bytes in, entries and a report out.
 */

import { crc32cRange } from '@strata/base'
import { Checkpoints } from './checkpoints.js'
import type { WALEntry } from './entry.js'
import { WALCorruptError } from './errors.js'
import {
  CHECKSUM_BYTES,
  FORMAT_VERSION,
  HEADER_BYTES,
  HEADER_CHECKSUM_OFFSET,
  LENGTH_BYTES,
  MAGIC,
  SYNCED_SEQ_OFFSET,
  V1_HEADER_BYTES,
} from './format.js'
import { readFrame, validFrameEnd } from './frame.js'
import type { RecoveryMode } from './options.js'
import { decodeRangeInto } from './payload.js'

/** What the last replay found. */
export interface ReplayReport {
  /** The WAL file read. */
  path: string
  recovery: RecoveryMode
  /** Frames and entries returned (a batch is one frame holding several entries). */
  frames: number
  entries: number
  /** Bytes in the file when it was read. */
  fileBytes: number
  /** End of the last good frame: the file is cut back to this length before new appends. */
  validBytes: number
  /** Seq of the last entry returned; `undefined` when none was. */
  lastGoodSeq: number | undefined
  /** An incomplete final frame that was dropped (tolerate-tail, point-in-time): where it
   *  starts, how many bytes it had and why it counts as torn. */
  tornTail: { offset: number; bytes: number; reason: string } | undefined
  /** point-in-time only: the first damaged frame, where replay stopped; `bytes` is everything
   *  from there to the end of the file, which is dropped before new appends. */
  stoppedAt: { offset: number; bytes: number; reason: string } | undefined
  /** Damage the recovery mode refuses (replay threw this error); appends refuse it too. */
  error: WALCorruptError | undefined
  /** The header's synced seq (format 2): every seq up to it was in this file when an fsync of
   *  it completed, so a log ending below it (and above what was truncated away) lost entries
   *  that were acknowledged. `undefined` for a format-1 file or a file without a whole header. */
  syncedSeq: number | undefined
  /** The file's format version; `undefined` without a whole header. */
  formatVersion: number | undefined
}

export interface LogScan {
  entries: WALEntry[]
  report: ReplayReport
  /** Whether the file starts with a valid header (false for an empty or torn-header file). */
  hasHeader: boolean
  /** Bytes of that header (16, or 8 for a format-1 file); 0 without one. */
  headerLength: number
  /** Seq of the last entry read. */
  lastSeq: number | undefined
  checkpoints: Checkpoints
}

function emptyReport(path: string, recovery: RecoveryMode, fileBytes: number): ReplayReport {
  return {
    path,
    recovery,
    frames: 0,
    entries: 0,
    fileBytes,
    validBytes: 0,
    lastGoodSeq: undefined,
    tornTail: undefined,
    stoppedAt: undefined,
    error: undefined,
    syncedSeq: undefined,
    formatVersion: undefined,
  }
}

/** What `readHeader` finds at the start of a WAL file. */
export type HeaderCheck =
  | { problem: { torn: boolean; reason: string } }
  | { problem: undefined; version: number; length: number; syncedSeq: number | undefined }

/** Bytes `bytes` must start with for a header of `version`: the magic, then the version. */
function headerPrefix(version: number): Buffer {
  const prefix = Buffer.alloc(V1_HEADER_BYTES)
  prefix.set(MAGIC, 0)
  prefix.writeUInt32LE(version, MAGIC.length)
  return prefix
}

/** Checks the file header (format 1 or 2); a header cut short is torn, anything else foreign
 *  or damaged. `length` is where the first frame starts. */
export function readHeader(bytes: Uint8Array): HeaderCheck {
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const notWal = { problem: { torn: false, reason: 'bad magic: not a strata WAL file' } }
  if (bytes.length < V1_HEADER_BYTES) {
    const torn = [1, FORMAT_VERSION].some((version) =>
      headerPrefix(version).subarray(0, bytes.length).equals(view),
    )
    return torn
      ? { problem: { torn: true, reason: `incomplete file header (${bytes.length} bytes)` } }
      : notWal
  }
  for (let index = 0; index < MAGIC.length; index++) if (bytes[index] !== MAGIC[index]) return notWal
  const version = view.readUInt32LE(MAGIC.length)
  if (version === 1) return { problem: undefined, version, length: V1_HEADER_BYTES, syncedSeq: undefined }
  if (version !== FORMAT_VERSION) {
    return {
      problem: {
        torn: false,
        reason: `format version ${version} is not supported (this build reads 1 and ${FORMAT_VERSION})`,
      },
    }
  }
  if (bytes.length < HEADER_BYTES) {
    return {
      problem: { torn: true, reason: `incomplete file header (${bytes.length} of ${HEADER_BYTES} bytes)` },
    }
  }
  if (crc32cRange(bytes, 0, HEADER_CHECKSUM_OFFSET) !== view.readUInt32LE(HEADER_CHECKSUM_OFFSET)) {
    return { problem: { torn: false, reason: 'file header checksum mismatch' } }
  }
  const syncedSeq = Number(view.readBigUInt64LE(SYNCED_SEQ_OFFSET))
  return { problem: undefined, version, length: HEADER_BYTES, syncedSeq }
}

/** Reads every frame of `bytes` (a whole WAL file) under `recovery`. */
export function scanLog(bytes: Uint8Array, path: string, recovery: RecoveryMode): LogScan {
  const report = emptyReport(path, recovery, bytes.length)
  const checkpoints = new Checkpoints()
  const entries: WALEntry[] = []
  const scan: LogScan = {
    entries,
    report,
    hasHeader: false,
    headerLength: 0,
    lastSeq: undefined,
    checkpoints,
  }
  if (bytes.length === 0) return scan

  let problem: { offset: number; reason: string; torn: boolean } | undefined
  const header = readHeader(bytes)
  let offset = 0
  if (header.problem !== undefined) {
    problem = { offset: 0, ...header.problem }
  } else {
    scan.hasHeader = true
    scan.headerLength = header.length
    report.syncedSeq = header.syncedSeq
    report.formatVersion = header.version
    offset = header.length
    let lastSeq: number | undefined
    for (;;) {
      let next = validFrameEnd(bytes, offset)
      if (next < 0) {
        const read = readFrame(bytes, offset)
        if (read.status === 'end') break
        if (read.status !== 'frame') {
          problem = { offset, reason: read.reason, torn: read.status === 'torn' }
          break
        }
        next = read.next
      }
      const before = entries.length
      const reason = decodeRangeInto(bytes, offset + LENGTH_BYTES, next - CHECKSUM_BYTES, entries)
      if (reason !== undefined) {
        problem = { offset, reason, torn: false }
        break
      }
      const first = entries[before]!.seq
      if (lastSeq !== undefined && first <= lastSeq) {
        entries.length = before
        problem = { offset, reason: `seq ${first} follows seq ${lastSeq}: seqs must increase`, torn: false }
        break
      }
      checkpoints.note(offset, first)
      lastSeq = entries[entries.length - 1]!.seq
      report.frames++
      offset = next
    }
    scan.lastSeq = lastSeq
  }
  report.entries = entries.length
  report.validBytes = offset
  report.lastGoodSeq = scan.lastSeq
  const synced = report.syncedSeq ?? 0
  if (
    synced > (scan.lastSeq ?? 0) &&
    recovery !== 'point-in-time' &&
    (problem === undefined || problem.torn)
  ) {
    // The file once held (and fsynced) entries up to `synced`: ending below it is not a torn
    // write but lost entries that were acknowledged.
    const from = (scan.lastSeq ?? 0) + 1
    report.error = new WALCorruptError({
      file: path,
      offset,
      reason:
        `the log ends at seq ${scan.lastSeq ?? 'none'} but its header records seq ${synced} as synced: ` +
        `seqs ${from}..${synced} are gone${problem === undefined ? ' (the file was shortened)' : ` (${problem.reason})`}`,
      lastGoodSeq: scan.lastSeq,
    })
    return scan
  }
  if (problem === undefined) return scan

  const dropped = { offset: problem.offset, bytes: bytes.length - problem.offset, reason: problem.reason }
  if (problem.torn && recovery !== 'strict') report.tornTail = dropped
  // A bad header is never skipped: the file may not be a WAL at all, and cutting it would destroy it.
  else if (recovery === 'point-in-time' && problem.offset >= V1_HEADER_BYTES) report.stoppedAt = dropped
  else {
    report.error = new WALCorruptError({
      file: path,
      offset: problem.offset,
      reason: problem.torn ? `${problem.reason} (recovery 'strict' accepts no torn tail)` : problem.reason,
      lastGoodSeq: scan.lastSeq,
    })
  }
  return scan
}
