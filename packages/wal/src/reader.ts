/**
 * Replay: reads a whole WAL file, checks every frame, and decides what the recovery mode makes
 * of a torn tail or damage. Pure: bytes in, entries and a report out.
 */
import { Checkpoints } from './checkpoints.js'
import type { WALEntry } from './entry.js'
import { WALCorruptError } from './errors.js'
import { CHECKSUM_BYTES, FORMAT_VERSION, HEADER_BYTES, headerBytes, LENGTH_BYTES, MAGIC } from './format.js'
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
}

export interface LogScan {
  entries: WALEntry[]
  report: ReplayReport
  /** Whether the file starts with a valid header (false for an empty or torn-header file). */
  hasHeader: boolean
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
  }
}

/** Checks the file header; returns the problem, if any, and whether it is a torn header. */
function checkHeader(bytes: Uint8Array): { torn: boolean; reason: string } | undefined {
  const expected = headerBytes()
  if (bytes.length < HEADER_BYTES) {
    const prefix = expected.subarray(0, bytes.length)
    return prefix.equals(bytes)
      ? { torn: true, reason: `incomplete file header (${bytes.length} of ${HEADER_BYTES} bytes)` }
      : { torn: false, reason: 'bad magic: not a strata WAL file' }
  }
  for (let index = 0; index < MAGIC.length; index++) {
    if (bytes[index] !== MAGIC[index]) return { torn: false, reason: 'bad magic: not a strata WAL file' }
  }
  const version = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).readUInt32LE(MAGIC.length)
  if (version !== FORMAT_VERSION) {
    return {
      torn: false,
      reason: `format version ${version} is not supported (this build reads ${FORMAT_VERSION})`,
    }
  }
  return undefined
}

/** Reads every frame of `bytes` (a whole WAL file) under `recovery`. */
export function scanLog(bytes: Uint8Array, path: string, recovery: RecoveryMode): LogScan {
  const report = emptyReport(path, recovery, bytes.length)
  const checkpoints = new Checkpoints()
  const entries: WALEntry[] = []
  const scan: LogScan = { entries, report, hasHeader: false, lastSeq: undefined, checkpoints }
  if (bytes.length === 0) return scan

  let problem: { offset: number; reason: string; torn: boolean } | undefined
  const header = checkHeader(bytes)
  let offset = 0
  if (header !== undefined) {
    problem = { offset: 0, ...header }
  } else {
    scan.hasHeader = true
    offset = HEADER_BYTES
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
  if (problem === undefined) return scan

  const dropped = { offset: problem.offset, bytes: bytes.length - problem.offset, reason: problem.reason }
  if (problem.torn && recovery !== 'strict') report.tornTail = dropped
  // A bad header is never skipped: the file may not be a WAL at all, and cutting it would destroy it.
  else if (recovery === 'point-in-time' && problem.offset >= HEADER_BYTES) report.stoppedAt = dropped
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
