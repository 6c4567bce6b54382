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
  MAGIC,
  SALT_OFFSET,
  SYNCED_SEQ_OFFSET,
  V1_HEADER_BYTES,
  V2_HEADER_BYTES,
  V2_HEADER_CHECKSUM_OFFSET,
} from './format.js'
import { type FrameCodec, plainCodec, saltedCodec } from './frame-codec.js'
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
  /** Bytes in the file when it was read (format 3: frames, then preallocated space). */
  fileBytes: number
  /** End of the last good frame: the log's length. Format 3: what follows up to `fileBytes` is
   *  preallocated space (zeros), kept; a torn or damaged tail is cut off before new appends. */
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
  /** Bytes of that header (24; 20 for format 2, 8 for format 1); 0 without one. */
  headerLength: number
  /** The frame layout of the file (plain for formats 1 and 2; salted for 3); plain without a
   *  header. */
  codec: FrameCodec
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
  | {
      problem: undefined
      version: number
      length: number
      syncedSeq: number | undefined
      /** The file's salt (format 3); `undefined` before. */
      salt: number | undefined
    }

/** Bytes `bytes` must start with for a header of `version`: the magic, then the version. */
function headerPrefix(version: number): Buffer {
  const prefix = Buffer.alloc(V1_HEADER_BYTES)
  prefix.set(MAGIC, 0)
  prefix.writeUInt32LE(version, MAGIC.length)
  return prefix
}

/** True when `header` is a format-3 header but for its version field: one flipped bit turns 3
 *  into 1 or 2, and a format-1 header has no checksum to catch it. */
function isCurrentHeaderWithDamagedVersion(header: Buffer): boolean {
  if (header.length < HEADER_BYTES) return false
  const restored = Buffer.from(header.subarray(0, HEADER_CHECKSUM_OFFSET))
  restored.writeUInt32LE(FORMAT_VERSION, MAGIC.length)
  return crc32cRange(restored, 0, HEADER_CHECKSUM_OFFSET) === header.readUInt32LE(HEADER_CHECKSUM_OFFSET)
}

/** Checks the file header (format 1, 2 or 3); a header cut short is torn, anything else foreign
 *  or damaged. `length` is where the first frame starts. */
export function readHeader(bytes: Uint8Array): HeaderCheck {
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const notWal = { problem: { torn: false, reason: 'bad magic: not a strata WAL file' } }
  if (bytes.length < V1_HEADER_BYTES) {
    const torn = [1, 2, FORMAT_VERSION].some((version) =>
      headerPrefix(version).subarray(0, bytes.length).equals(view),
    )
    return torn
      ? { problem: { torn: true, reason: `incomplete file header (${bytes.length} bytes)` } }
      : notWal
  }
  for (let index = 0; index < MAGIC.length; index++) if (bytes[index] !== MAGIC[index]) return notWal
  const version = view.readUInt32LE(MAGIC.length)
  if (version !== FORMAT_VERSION && isCurrentHeaderWithDamagedVersion(view)) {
    return {
      problem: { torn: false, reason: 'file header checksum mismatch (its version field is damaged)' },
    }
  }
  if (version === 1) {
    return { problem: undefined, version, length: V1_HEADER_BYTES, syncedSeq: undefined, salt: undefined }
  }
  if (version !== 2 && version !== FORMAT_VERSION) {
    return {
      problem: {
        torn: false,
        reason: `format version ${version} is not supported (this build reads 1 to ${FORMAT_VERSION})`,
      },
    }
  }
  const length = version === 2 ? V2_HEADER_BYTES : HEADER_BYTES
  const checksumAt = version === 2 ? V2_HEADER_CHECKSUM_OFFSET : HEADER_CHECKSUM_OFFSET
  if (bytes.length < length) {
    return {
      problem: { torn: true, reason: `incomplete file header (${bytes.length} of ${length} bytes)` },
    }
  }
  if (crc32cRange(bytes, 0, checksumAt) !== view.readUInt32LE(checksumAt)) {
    return { problem: { torn: false, reason: 'file header checksum mismatch' } }
  }
  const syncedSeq = Number(view.readBigUInt64LE(SYNCED_SEQ_OFFSET))
  const salt = version === 2 ? undefined : view.readUInt32LE(SALT_OFFSET)
  return { problem: undefined, version, length, syncedSeq, salt }
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
    codec: plainCodec,
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
    const codec = header.salt === undefined ? plainCodec : saltedCodec(header.salt)
    scan.codec = codec
    report.syncedSeq = header.syncedSeq
    report.formatVersion = header.version
    offset = header.length
    let lastSeq: number | undefined
    for (;;) {
      let next = codec.validEnd(bytes, offset)
      if (next < 0) {
        const read = codec.read(bytes, offset)
        if (read.status === 'end') break
        if (read.status !== 'frame') {
          problem = { offset, reason: read.reason, torn: read.status === 'torn' }
          break
        }
        next = read.next
      }
      const before = entries.length
      const reason = decodeRangeInto(bytes, offset + codec.payloadOffset, next - CHECKSUM_BYTES, entries)
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
