/**
 * The state of one open WAL file and the I/O both front ends share: `WALWriter` (synchronous,
 * the reference's API) and `WALManager` (asynchronous, group commit) drive the same `LogFile`.
 * Private to the package.
 */
import {
  ClosedError,
  type FileSystem,
  InvalidArgumentError,
  IOError,
  parentDirectory,
  StrataError,
  toIOError,
} from '@strata/base'
import { Checkpoints } from './checkpoints.js'
import type { WALEntry } from './entry.js'
import { type WALCorruptError, WALPoisonedError } from './errors.js'
import {
  CLAIM_INTERVAL_MS,
  COPY_CHUNK_BYTES,
  FORMAT_VERSION,
  HEADER_BYTES,
  headerBytes,
  LENGTH_BYTES,
  MAX_READ_CALL_BYTES,
  newSalt,
  SYNCED_SEQ_OFFSET,
  syncedSeqBytes,
} from './format.js'
import { type FrameCodec, saltedCodec } from './frame-codec.js'
import { convertToCurrentFormat } from './legacy.js'
import type { ResolvedOptions } from './options.js'
import { preallocationTarget, zeroBytes } from './preallocation.js'
import { type LogScan, type ReplayReport, scanLog } from './reader.js'
import { type Cut, firstSeqOf, planCut } from './truncation.js'

/** A frame on its way into the log. */
export interface FrameRecord {
  frame: Buffer
  firstSeq: number
  lastSeq: number
}

function isMissing(error: unknown): boolean {
  return (error as { code?: unknown })?.code === 'ENOENT'
}

/** Creates `directory` and any missing parents, making each new entry durable. */
function ensureDirectory(fs: FileSystem, directory: string): void {
  const missing: string[] = []
  let current = directory
  while (fs.statSync(current) === undefined) {
    missing.push(current)
    const parent = parentDirectory(current)
    if (parent === current) break
    current = parent
  }
  if (missing.length === 0) return
  fs.mkdirSync(directory)
  for (const created of missing.reverse()) fs.syncDirSync(parentDirectory(created))
}

export class LogFile {
  readonly path: string
  readonly directory: string
  readonly tempPath: string
  readonly fs: FileSystem
  readonly options: ResolvedOptions

  /** Read-write descriptor (frames are written at `size`, not appended); `undefined` once
   *  closed. */
  fd: number | undefined
  /** Bytes of the file that hold the header and whole, written frames: the log's length. */
  size = 0
  /** Bytes of the file: `size`, then preallocated space (zeros, see `growSync`). */
  allocated = 0
  /** The file's salt (format 3). A file of format 1 or 2 gets it when `convertSync` rewrites
   *  it as format 3, before its first write. */
  salt: number = newSalt()
  /** The frame layout every frame written from now on has (format 3, this file's salt). */
  codec: FrameCodec = saltedCodec(this.salt)
  /** Writing preallocated space failed: not tried again until the file is cut or rewritten. */
  private growFailed = false
  /** A synced append was made on this log: from then on space is preallocated (see `growSync`).
   *  A log that only ever gets unsynced appends grows by appending, as an unsynced append gains
   *  nothing from preallocated space and would pay for writing the zeros. */
  syncedAppendSeen = false
  /** The file is of format 1 or 2: it is rewritten as format 3 before the first write. */
  private legacy: { headerLength: number; codec: FrameCodec } | undefined
  /** Highest seq accepted (written, or queued by the manager). */
  lastSeq: number | undefined
  /** Last seq of the last frame written to the file (not necessarily synced). */
  writtenSeq: number | undefined
  /** Highest seq this file held when an fsync of it last completed (the header's record at
   *  open, then each fsync of this process); `undefined` for none. */
  syncedSeq: number | undefined
  /** Read-write descriptor for rewriting the header's synced seq in place (format-2 files only:
   *  a format-1 file has no such field until `truncateBefore` rewrites it). */
  headerFd: number | undefined
  checkpoints = new Checkpoints()
  closed = false
  /** Set by a failed write/fsync: every later write is refused with it. */
  poison: WALPoisonedError | undefined
  /** Damage the recovery mode does not accept: appends are refused with it. */
  damage: WALCorruptError | undefined
  /** Before the next write the file must be cut back to this length (torn tail, point-in-time
   *  stop, torn header: below HEADER_BYTES the header is rewritten). */
  cutTo: number | undefined
  report: ReplayReport
  /** The synced seq the header holds (as far as this process wrote it). */
  private claimed = 0
  /** When the header's synced seq was last written, and the timer that writes it next. */
  private claimWrittenAt = Number.NEGATIVE_INFINITY
  private claimTimer: ReturnType<typeof setTimeout> | undefined
  /** The last `truncateBefore` removed every entry up to this seq (0: none yet). */
  truncatedThrough = 0
  /** The header's synced seq must be lowered to `lastSeq` with the next cut (point-in-time). */
  private lowerClaim = false
  /** The scan made at open, handed to the first `replay()` if nothing changed since. */
  private openScan: LogScan | undefined
  /** Set by a WALManager: true while asynchronous work is queued or in flight. */
  asyncBusy: (() => boolean) | undefined

  constructor(path: string, options: ResolvedOptions) {
    if (typeof path !== 'string' || path.length === 0) {
      throw new InvalidArgumentError(
        `path must be a non-empty string naming the WAL file, got ${typeof path === 'string' ? 'an empty string' : typeof path}`,
        { argument: 'path' },
      )
    }
    this.path = path
    this.directory = parentDirectory(path)
    this.tempPath = `${path}.tmp`
    this.fs = options.fs
    this.options = options
    const fs = this.fs
    let fd: number
    let existed: boolean
    try {
      ensureDirectory(fs, this.directory)
      const stat = fs.statSync(path)
      if (stat?.isDirectory) {
        throw Object.assign(new Error(`EISDIR: illegal operation on a directory, open '${path}'`), {
          code: 'EISDIR',
          syscall: 'open',
        })
      }
      existed = stat !== undefined
      fd = fs.openSync(path, existed ? 'r+' : 'wx')
    } catch (error) {
      throw this.openError(error)
    }
    this.fd = fd
    try {
      const fileBytes = fs.fstatSync(fd).size
      if (fileBytes === 0) {
        this.writeAllSync(fd, headerBytes(0, this.salt), 0)
        fs.fsyncSync(fd)
        if (!existed) fs.syncDirSync(this.directory)
        this.size = HEADER_BYTES
        this.allocated = HEADER_BYTES
        this.report = scanLog(new Uint8Array(0), path, options.recovery).report
        this.headerFd = fs.openSync(path, 'r+')
        return
      }
      const scan = scanLog(fs.readFileSync(path), path, options.recovery)
      this.report = scan.report
      this.openScan = scan
      this.size = scan.report.validBytes
      this.allocated = fileBytes
      this.lastSeq = scan.lastSeq
      this.writtenSeq = scan.lastSeq
      this.syncedSeq = scan.report.syncedSeq
      this.claimed = scan.report.syncedSeq ?? 0
      this.checkpoints = scan.checkpoints
      this.damage = scan.report.error
      if (scan.codec.salt !== undefined) {
        this.salt = scan.codec.salt
        this.codec = scan.codec
      }
      // Format 3 keeps the zeros after its last frame (preallocated space); a torn or damaged
      // tail is cut off. An older file is rewritten as format 3 (dropping any such tail).
      const tail = scan.report.tornTail ?? scan.report.stoppedAt
      if (tail !== undefined || !scan.hasHeader) this.cutTo = scan.report.validBytes
      if (scan.hasHeader && scan.report.formatVersion !== FORMAT_VERSION) {
        this.legacy = { headerLength: scan.headerLength, codec: scan.codec }
        this.cutTo = scan.report.validBytes
      }
      // point-in-time accepted a log ending below its header's synced seq: the header is
      // lowered to the last entry kept before the next write.
      if ((scan.report.syncedSeq ?? 0) > (scan.lastSeq ?? 0) && scan.report.error === undefined) {
        this.cutTo = scan.report.validBytes
        this.lowerClaim = true
      }
      if (scan.headerLength === HEADER_BYTES) this.headerFd = fs.openSync(path, 'r+')
    } catch (error) {
      try {
        fs.closeSync(fd)
      } catch {}
      if (this.headerFd !== undefined) this.quietly(() => fs.closeSync(this.headerFd!))
      throw this.openError(error)
    }
  }

  private openError(error: unknown): StrataError {
    if (error instanceof StrataError) return error
    const system = error as { code?: unknown; message?: unknown; syscall?: unknown }
    return new IOError(
      `cannot open or create the WAL file ${this.path}${typeof system?.code === 'string' ? ` (${system.code})` : ''}: ${
        typeof system?.message === 'string' ? system.message : String(error)
      }`,
      {
        cause: error,
        path: this.path,
        ...(typeof system?.syscall === 'string' ? { syscall: system.syscall } : {}),
      },
    )
  }

  // ---- state checks -------------------------------------------------------------------------

  /** Throws unless the log may be written: open, not poisoned, not damaged. */
  checkWritable(): void {
    if (this.closed) throw new ClosedError(`WAL ${this.path}`)
    if (this.poison !== undefined) throw this.poison
    if (this.damage !== undefined) throw this.damage
  }

  /** Throws when a synchronous write would race the manager's asynchronous work. */
  checkNotBusy(call: string): void {
    if (this.asyncBusy?.()) {
      throw new InvalidArgumentError(
        `${call} cannot run while asynchronous appends or a truncation of this WAL are in flight; ` +
          'await them first, or use the asynchronous methods',
        { argument: call },
      )
    }
  }

  /** The synced seq a file rewritten without the entries at or below `seq` records: entries
   *  up to the synced seq are copied into it when that is above `seq`; otherwise none of
   *  them is kept and the new file claims nothing (0). */
  syncedSeqAfterCut(seq: number): number {
    const synced = this.syncedSeq ?? 0
    return synced > seq ? synced : 0
  }

  /** Marks the log poisoned by a failed `action`; returns the error to reject with. */
  poisonWith(action: string, cause: unknown): WALPoisonedError {
    this.poison ??= new WALPoisonedError(this.path, action, cause)
    return this.poison
  }

  /**
   * A write or fsync of frames written from `base` on failed: poisons the log and cuts the file
   * back to `base` (see `cutBackSync`), whose last frame ends with `baseSeq`. Returns the error
   * for the appends of those frames: outcome `'rejected'` once the cut is durable, `'unknown'`
   * when the cut failed too (they may be replayed after a reopen).
   */
  failAppends(action: string, cause: unknown, base: number, baseSeq: number | undefined): WALPoisonedError {
    const poison = this.poisonWith(action, cause)
    if (this.fd !== undefined && this.cutBackSync(base, baseSeq)) return poison
    return new WALPoisonedError(this.path, action, cause, 'unknown')
  }

  /** Something is about to change the file: the cached open scan is stale from now on. */
  private touched(): void {
    this.openScan = undefined
  }

  // ---- replay -------------------------------------------------------------------------------

  /** Reads the file and returns its entries in seq order; throws the damage the mode refuses. */
  replay(): WALEntry[] {
    if (this.closed) throw new ClosedError(`WAL ${this.path}`)
    let scan = this.openScan
    this.openScan = undefined
    if (scan === undefined) {
      let bytes: Uint8Array
      try {
        bytes = this.fs.readFileSync(this.path)
      } catch (error) {
        if (!isMissing(error)) throw toIOError(error, 'reading the WAL', this.path)
        bytes = new Uint8Array(0)
      }
      // Bytes past `size` belong to a write still in flight: not part of the log yet.
      if (this.cutTo === undefined && bytes.length > this.size) bytes = bytes.subarray(0, this.size)
      scan = scanLog(bytes, this.path, this.options.recovery)
    }
    this.report = scan.report
    if (scan.report.error !== undefined) throw scan.report.error
    return scan.entries
  }

  // ---- synchronous writes -------------------------------------------------------------------

  writeAllSync(fd: number, buffer: Uint8Array, position: number | null = null): void {
    let written = 0
    while (written < buffer.length) {
      written += this.fs.writeSync(
        fd,
        buffer,
        written,
        buffer.length - written,
        position === null ? null : position + written,
      )
    }
  }

  /** Cuts the file back as the open scan decided, or rewrites a file of format 1 or 2 as
   *  format 3 (once, before the first write). */
  repairSync(): void {
    if (this.cutTo === undefined) return
    this.touched()
    if (this.legacy !== undefined) {
      this.convertSync(this.legacy)
      return
    }
    const fd = this.fd!
    const cutTo = this.cutTo
    try {
      this.fs.ftruncateSync(fd, cutTo)
      if (cutTo === 0) this.writeAllSync(fd, headerBytes(0, this.salt), 0)
      if (cutTo === 0) this.headerFd ??= this.fs.openSync(this.path, 'r+')
      if (this.lowerClaim && this.headerFd !== undefined)
        this.writeAllSync(this.headerFd, syncedSeqBytes(this.lastSeq ?? 0, this.salt), SYNCED_SEQ_OFFSET)
      this.fs.fsyncSync(fd)
    } catch (error) {
      throw this.poisonWith('cutting the torn tail', error)
    }
    this.size = cutTo === 0 ? HEADER_BYTES : cutTo
    this.allocated = this.size
    this.growFailed = false
    this.cutTo = undefined
    if (this.lowerClaim) {
      this.syncedSeq = this.lastSeq
      this.claimed = this.lastSeq ?? 0
    }
    this.lowerClaim = false
  }

  /** Book-keeping after `records` were written at `base`. */
  noteWritten(records: readonly FrameRecord[], base: number): void {
    let offset = base
    for (const record of records) {
      this.checkpoints.note(offset, record.firstSeq)
      offset += record.frame.length
    }
    this.size = offset
    if (records.length > 0) this.writtenSeq = records[records.length - 1]!.lastSeq
  }

  /**
   * An fsync of the file completed after `writtenSeq` was written: it becomes the synced seq,
   * and the header's record of it is rewritten in place (one 12-byte write into the page cache,
   * no fsync of its own: the next fsync makes it durable, so the record never claims more than
   * was on disk). That write dirties a second page for the next fsync to flush, so it happens at
   * most once per CLAIM_INTERVAL_MS: the first fsync after a quiet interval writes it at once,
   * later ones leave it to a timer at the end of the interval. `force` (at close) writes it now.
   * A failure to write it only leaves the record lower (a warning, not an error).
   */
  noteSynced(force = false): void {
    const seq = this.writtenSeq
    // Never lowered here (a damaged log keeps its record of what it lost).
    if (seq === undefined || seq <= (this.syncedSeq ?? 0) || this.damage !== undefined) {
      if (force) this.writeClaim()
      return
    }
    this.syncedSeq = seq
    const wait = this.claimWrittenAt + CLAIM_INTERVAL_MS - performance.now()
    if (force || wait <= 0) this.writeClaim()
    else if (this.claimTimer === undefined) {
      this.claimTimer = setTimeout(() => this.writeClaim(), wait)
      this.claimTimer.unref?.()
    }
  }

  /** Writes the synced seq into the header now (see `noteSynced`). */
  private writeClaim(): void {
    if (this.claimTimer !== undefined) clearTimeout(this.claimTimer)
    this.claimTimer = undefined
    const seq = this.syncedSeq ?? 0
    // Entries up to `truncatedThrough` were removed on purpose: no claim about them.
    if (this.headerFd === undefined || seq <= this.truncatedThrough || seq <= this.claimed) return
    this.claimWrittenAt = performance.now()
    try {
      this.writeAllSync(this.headerFd, syncedSeqBytes(seq, this.salt), SYNCED_SEQ_OFFSET)
      this.claimed = seq
    } catch (error) {
      this.options.onWarning(`recording the synced seq in the header of WAL ${this.path} failed`, error)
    }
  }

  /**
   * After a failed write or fsync: cuts the file back to `end` (the end of the last frame whose
   * append was acknowledged) and fsyncs, so no rejected frame is replayed later. Returns false
   * when the cut itself fails: the rejected frames' fate is then unknown.
   */
  cutBackSync(end: number, writtenSeq: number | undefined): boolean {
    this.touched()
    try {
      this.fs.ftruncateSync(this.fd!, end)
      this.fs.fsyncSync(this.fd!)
    } catch (error) {
      this.options.onWarning(
        `cutting WAL ${this.path} back to byte ${end} after a failed write failed`,
        error,
      )
      return false
    }
    this.size = end
    this.allocated = end
    this.growFailed = false
    this.writtenSeq = writtenSeq
    return true
  }

  /** Writes `records` and fdatasyncs: the synchronous append. A failure poisons the log. */
  appendSync(records: readonly FrameRecord[], lastSeq: number): void {
    this.syncedAppendSeen = true
    this.touched()
    this.repairSync()
    const buffer =
      records.length === 1 ? records[0]!.frame : Buffer.concat(records.map((record) => record.frame))
    const base = this.size
    const baseSeq = this.writtenSeq
    this.lastSeq = lastSeq
    try {
      this.growSync(base + buffer.length)
      this.writeAllSync(this.fd!, buffer, base)
    } catch (error) {
      throw this.failAppends('writing', error, base, baseSeq)
    }
    this.noteWritten(records, base)
    try {
      this.fs.fdatasyncSync(this.fd!)
    } catch (error) {
      throw this.failAppends('fsync', error, base, baseSeq)
    }
    this.noteSynced()
  }

  // ---- asynchronous writes (WALManager) -----------------------------------------------------

  async writeAll(fd: number, buffer: Uint8Array, position: number | null = null): Promise<void> {
    let written = 0
    while (written < buffer.length) {
      written += await this.fs.write(
        fd,
        buffer,
        written,
        buffer.length - written,
        position === null ? null : position + written,
      )
    }
  }

  /** Asynchronous `repairSync` (the rewrite of a format-1 or -2 file, once per such file, is
   *  synchronous). */
  async repair(): Promise<void> {
    if (this.cutTo === undefined) return
    this.touched()
    if (this.legacy !== undefined) {
      this.convertSync(this.legacy)
      return
    }
    const fd = this.fd!
    const cutTo = this.cutTo
    try {
      await this.fs.ftruncate(fd, cutTo)
      if (cutTo === 0) await this.writeAll(fd, headerBytes(0, this.salt), 0)
      if (cutTo === 0) this.headerFd ??= await this.fs.open(this.path, 'r+')
      if (this.lowerClaim && this.headerFd !== undefined)
        await this.writeAll(this.headerFd, syncedSeqBytes(this.lastSeq ?? 0, this.salt), SYNCED_SEQ_OFFSET)
      await this.fs.fsync(fd)
    } catch (error) {
      throw this.poisonWith('cutting the torn tail', error)
    }
    this.size = cutTo === 0 ? HEADER_BYTES : cutTo
    this.allocated = this.size
    this.growFailed = false
    this.cutTo = undefined
    if (this.lowerClaim) {
      this.syncedSeq = this.lastSeq
      this.claimed = this.lastSeq ?? 0
    }
    this.lowerClaim = false
  }

  // ---- preallocation -----------------------------------------------------------------------

  /**
   * Before frames are written up to `end`: when that passes the allocated space, and once the
   * log has seen a synced append (`syncedAppendSeen`), zeros are written after `end` (see `preallocationTarget`), so the synced appends that follow overwrite
   * allocated bytes and their fdatasync changes no file size. The zeros reach the disk with the
   * fsync of the frames being written. Best effort: when writing them fails (a disk too full
   * for them, though maybe not for the frames), the frames are written without (a warning), and
   * no more space is preallocated until the file is next cut back or rewritten.
   */
  growSync(end: number): void {
    const target = this.growthTarget(end)
    if (target === undefined) return
    try {
      this.writeAllSync(this.fd!, zeroBytes(target - end), end)
    } catch (error) {
      this.growthFailed(end, error)
      return
    }
    this.allocated = target
  }

  /** Asynchronous `growSync` (the write loop's: up to 4 MiB of zeros are not written on the
   *  event loop). */
  async grow(end: number): Promise<void> {
    const target = this.growthTarget(end)
    if (target === undefined) return
    try {
      await this.writeAll(this.fd!, zeroBytes(target - end), end)
    } catch (error) {
      this.growthFailed(end, error)
      return
    }
    this.allocated = target
  }

  /** The file length to extend to before frames are written up to `end`; `undefined` when
   *  nothing is to be written (the space is there, or preallocation failed before). */
  private growthTarget(end: number): number | undefined {
    if (end <= this.allocated) return undefined
    if (this.growFailed || !this.syncedAppendSeen) {
      this.allocated = end
      return undefined
    }
    return preallocationTarget(this.allocated, end)
  }

  private growthFailed(end: number, error: unknown): void {
    this.growFailed = true
    this.allocated = end
    // Zeros written past `end` before the failure are harmless: they end the log cleanly.
    this.options.onWarning(
      `preallocating space in WAL ${this.path} failed; appending without preallocated space`,
      error,
    )
  }

  /** At close: the preallocated space after the last frame is given back (the file ends with
   *  its last frame), so a closed log takes its length on disk. */
  private releaseSpaceSync(fd: number): void {
    if (this.allocated <= this.size || this.cutTo !== undefined || this.damage !== undefined) return
    this.fs.ftruncateSync(fd, this.size)
    this.allocated = this.size
  }

  /** Rewrites a file of format 1 or 2 (its valid frames, re-encoded) as format 3. */
  private convertSync(legacy: { headerLength: number; codec: FrameCodec }): void {
    const fs = this.fs
    const syncedSeq = this.lowerClaim ? (this.lastSeq ?? 0) : this.claimed
    let converted: ReturnType<typeof convertToCurrentFormat>
    let fd: number
    try {
      const bytes = fs.readFileSync(this.path).subarray(0, this.cutTo)
      converted = convertToCurrentFormat(bytes, legacy, syncedSeq, this.codec, this.path)
      const tempFd = fs.openSync(this.tempPath, 'w')
      try {
        this.writeAllSync(tempFd, converted.bytes, 0)
        fs.fsyncSync(tempFd)
      } finally {
        fs.closeSync(tempFd)
      }
      fs.renameSync(this.tempPath, this.path)
      fs.syncDirSync(this.directory)
      fd = fs.openSync(this.path, 'r+')
    } catch (error) {
      throw this.poisonWith('rewriting the WAL as format 3', error)
    }
    this.quietly(() => fs.closeSync(this.fd!))
    this.closeHeader()
    this.fd = fd
    this.quietly(() => {
      this.headerFd = fs.openSync(this.path, 'r+')
    })
    this.checkpoints = converted.checkpoints
    this.size = converted.bytes.length
    this.allocated = this.size
    this.growFailed = false
    if (this.lowerClaim) this.syncedSeq = this.lastSeq
    this.claimed = syncedSeq
    this.legacy = undefined
    this.lowerClaim = false
    this.cutTo = undefined
  }

  // ---- truncation ---------------------------------------------------------------------------

  /** Reads `[start, end)` of the descriptor, synchronously (at most `MAX_READ_CALL_BYTES` a
   *  call: Node refuses a longer read). */
  private readRangeSync(fd: number, start: number, end: number): Buffer {
    const buffer = Buffer.allocUnsafe(end - start)
    let done = 0
    while (done < buffer.length) {
      const length = Math.min(buffer.length - done, MAX_READ_CALL_BYTES)
      const read = this.fs.readSync(fd, buffer, done, length, start + done)
      if (read === 0) throw Object.assign(new Error(`unexpected end of ${this.path}`), { code: 'EIO' })
      done += read
    }
    return buffer
  }

  /** Reads `[start, end)` of the descriptor (at most `MAX_READ_CALL_BYTES` a call), into the
   *  start of `into` when given and large enough (a view of it is returned), else into a new
   *  buffer. */
  async readRange(fd: number, start: number, end: number, into?: Buffer): Promise<Buffer> {
    const buffer =
      into !== undefined && into.length >= end - start
        ? into.subarray(0, end - start)
        : Buffer.allocUnsafe(end - start)
    let done = 0
    while (done < buffer.length) {
      const length = Math.min(buffer.length - done, MAX_READ_CALL_BYTES)
      const read = await this.fs.read(fd, buffer, done, length, start + done)
      if (read === 0) throw Object.assign(new Error(`unexpected end of ${this.path}`), { code: 'EIO' })
      done += read
    }
    return buffer
  }

  /** The cut for `seq`, or `undefined` when no entry is at or below `seq`. */
  planSync(seq: number, readFd: number): Cut | undefined {
    const span = this.checkpoints.span(seq, this.size)
    if (span === undefined) return undefined
    return this.completeCut(
      planCut(this.readRangeSync(readFd, span.start, span.end), span.start, seq, this.path, this.codec),
      span,
    )
  }

  async plan(seq: number, readFd: number): Promise<Cut | undefined> {
    const span = this.checkpoints.span(seq, this.size)
    if (span === undefined) return undefined
    const region = await this.readRange(readFd, span.start, span.end)
    return this.completeCut(planCut(region, span.start, seq, this.path, this.codec), span)
  }

  private completeCut(cut: Cut, span: { end: number; nextSeq: number | undefined }): Cut {
    // Nothing kept inside the span: the kept part starts at the next checkpoint, if any.
    if (cut.firstKeptSeq === undefined && span.nextSeq !== undefined && cut.keptStart === span.end) {
      return { ...cut, firstKeptSeq: span.nextSeq }
    }
    return cut
  }

  /** Synchronous truncateBefore: rewrite what is kept into a temp file, fsync it, rename it
   *  over the log, fsync the directory. Costs the kept bytes; the removed part is not read
   *  beyond one checkpoint interval. */
  truncateBeforeSync(seq: number): void {
    this.touched()
    this.repairSync()
    const fs = this.fs
    let readFd: number | undefined
    let tempFd: number | undefined
    let cut: Cut | undefined
    const end = this.size
    try {
      readFd = fs.openSync(this.path, 'r')
      cut = this.planSync(seq, readFd)
      if (cut === undefined) return
      tempFd = fs.openSync(this.tempPath, 'w')
      let position = 0
      const write = (bytes: Uint8Array) => {
        this.writeAllSync(tempFd!, bytes, position)
        position += bytes.length
      }
      write(headerBytes(this.syncedSeqAfterCut(seq), this.salt))
      if (cut.head !== undefined) write(cut.head)
      for (let from = cut.keptStart; from < end; from += COPY_CHUNK_BYTES) {
        write(this.readRangeSync(readFd, from, Math.min(end, from + COPY_CHUNK_BYTES)))
      }
      fs.fsyncSync(tempFd)
      fs.closeSync(tempFd)
      tempFd = undefined
      fs.renameSync(this.tempPath, this.path)
    } catch (error) {
      if (tempFd !== undefined) this.quietly(() => fs.closeSync(tempFd!))
      if (cut !== undefined) this.quietly(() => fs.unlinkSync(this.tempPath))
      throw toIOError(error, `truncating the WAL before seq ${seq}`, this.path)
    } finally {
      if (readFd !== undefined) this.quietly(() => fs.closeSync(readFd!))
    }
    // The new file is in place: from here a failure leaves the log's state unknown.
    let fd: number
    try {
      fs.syncDirSync(this.directory)
      fd = fs.openSync(this.path, 'r+')
    } catch (error) {
      throw this.poisonWith('switching to the truncated file', error)
    }
    this.switchTo(fd, cut, end, end)
    this.truncatedThrough = Math.max(this.truncatedThrough, seq)
  }

  /** Adopts the truncated file: `cut` of the old file's `[.., end)`, whose first `plannedEnd`
   *  bytes were planned; `firstSeq` of the kept bytes when the plan did not see any. */
  switchTo(fd: number, cut: Cut, end: number, plannedEnd: number, caughtUpFirstSeq?: number): void {
    const old = this.fd!
    this.quietly(() => this.fs.closeSync(old))
    this.closeHeader()
    this.fd = fd
    this.claimed = 0
    try {
      this.headerFd = this.fs.openSync(this.path, 'r+')
    } catch (error) {
      this.options.onWarning(`opening the header of WAL ${this.path} failed`, error)
    }
    const movedTo = HEADER_BYTES + (cut.head?.length ?? 0)
    let firstSeq = cut.firstKeptSeq
    if (firstSeq === undefined && cut.keptStart >= plannedEnd && end > cut.keptStart)
      firstSeq = caughtUpFirstSeq
    this.checkpoints.rebase(cut.keptStart, movedTo, firstSeq)
    this.size = movedTo + (end - cut.keptStart)
    this.allocated = this.size
    this.growFailed = false
  }

  /** First seq of the frame at `offset` of the (old) file behind `readFd`, which holds whole
   *  frames up to `end`: reads that one frame only. */
  async firstSeqAt(readFd: number, offset: number, end: number): Promise<number> {
    const length = await this.readRange(readFd, offset, Math.min(end, offset + LENGTH_BYTES))
    const frameEnd =
      length.length < LENGTH_BYTES ? end : offset + length.readUInt32LE(0) + this.codec.overheadBytes
    return firstSeqOf(
      await this.readRange(readFd, offset, Math.min(end, frameEnd)),
      this.path,
      offset,
      this.codec,
    )
  }

  quietly(work: () => void): void {
    try {
      work()
    } catch {}
  }

  // ---- close --------------------------------------------------------------------------------

  private closeHeader(): void {
    if (this.claimTimer !== undefined) clearTimeout(this.claimTimer)
    this.claimTimer = undefined
    const headerFd = this.headerFd
    this.headerFd = undefined
    if (headerFd !== undefined) this.quietly(() => this.fs.closeSync(headerFd))
  }

  /** fsync and close; never throws (failures go to onWarning); a second call does nothing. */
  closeSync(): void {
    if (this.closed) return
    this.closed = true
    this.openScan = undefined
    const fd = this.fd
    this.fd = undefined
    if (fd === undefined) return
    if (this.poison === undefined) {
      try {
        this.releaseSpaceSync(fd)
        this.fs.fsyncSync(fd)
        this.noteSynced(true)
        if (this.headerFd !== undefined) this.fs.fsyncSync(this.headerFd)
      } catch (error) {
        this.options.onWarning(`fsync of WAL ${this.path} failed while closing it`, error)
      }
    }
    this.closeHeader()
    try {
      this.fs.closeSync(fd)
    } catch (error) {
      this.options.onWarning(`closing WAL ${this.path} failed`, error)
    }
  }

  /** Asynchronous `closeSync`. */
  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.openScan = undefined
    const fd = this.fd
    this.fd = undefined
    if (fd === undefined) return
    if (this.poison === undefined) {
      try {
        this.releaseSpaceSync(fd)
        await this.fs.fsync(fd)
        this.noteSynced(true)
        if (this.headerFd !== undefined) await this.fs.fsync(this.headerFd)
      } catch (error) {
        this.options.onWarning(`fsync of WAL ${this.path} failed while closing it`, error)
      }
    }
    this.closeHeader()
    try {
      await this.fs.close(fd)
    } catch (error) {
      this.options.onWarning(`closing WAL ${this.path} failed`, error)
    }
  }
}
