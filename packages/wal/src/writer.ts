/**
 * `WALWriter`: the reference's synchronous WAL over one file. Every method blocks the calling
 * thread on the disk; `WALManager` is the asynchronous front end over the same writer.
 */
import { InvalidArgumentError } from '@strata/base'
import type { WALEntry, WALEntryFields } from './entry.js'
import { MAX_PAYLOAD_BYTES } from './format.js'
import type { FrameCodec } from './frame-codec.js'
import { type FrameRecord, LogFile } from './log-file.js'
import { resolveOptions, type WALOptions } from './options.js'
import {
  batchPayloadBytes,
  type EntryFields,
  entryPayloadBytes,
  writeBatchPayload,
  writeEntryPayload,
} from './payload.js'
import type { ReplayReport } from './reader.js'
import { checkBatch, checkEntry, checkTruncateSeq } from './validate.js'

const logs = new WeakMap<WALWriter, LogFile>()

/** The shared state behind a writer (package-private: used by WALManager). */
export function logFileOf(writer: WALWriter): LogFile {
  const log = logs.get(writer)
  if (log === undefined) {
    throw new InvalidArgumentError('wal must be a WALWriter', { argument: 'wal' })
  }
  return log
}

/** The frame record of one checked entry, its payload encoded straight into the frame. */
export function entryFrameOf(codec: FrameCodec, entry: EntryFields): FrameRecord {
  const length = entryPayloadBytes(entry)
  checkEncodedLength(length, 'entry')
  const frame = codec.encodeWith(length, (out, at) => writeEntryPayload(out, at, entry))
  return { frame, firstSeq: entry.seq, lastSeq: entry.seq }
}

/** The frame record of a checked batch (at least one entry), encoded straight into the frame. */
export function batchFrameOf(codec: FrameCodec, entries: readonly EntryFields[]): FrameRecord {
  const length = batchPayloadBytes(entries)
  checkEncodedLength(length, 'entries')
  const frame = codec.encodeWith(length, (out, at) => writeBatchPayload(out, at, entries))
  return { frame, firstSeq: entries[0]!.seq, lastSeq: entries[entries.length - 1]!.seq }
}

function checkEncodedLength(length: number, what: string): void {
  if (length > MAX_PAYLOAD_BYTES) {
    throw new InvalidArgumentError(
      `${what} encodes to ${length} bytes; one frame holds at most ${MAX_PAYLOAD_BYTES} bytes`,
      { argument: what },
    )
  }
}

export class WALWriter {
  /**
   * Opens the WAL file at `path`, or creates it (and any missing parent directories, made
   * durable with directory fsyncs). An existing file is read once to learn its last seq and
   * check it under `options.recovery` (default 'tolerate-tail'); damage does not throw here:
   * `replay()` reports it. A file that cannot be opened, created or read throws an IOError
   * (`code: 'STRATA_IO'`) with the path and the system's error as `cause`.
   */
  constructor(path: string, options?: WALOptions) {
    logs.set(this, new LogFile(path, resolveOptions(options)))
  }

  /** The WAL file's path. */
  get path(): string {
    return logFileOf(this).path
  }

  /** Bytes of the log (header and whole frames): where the next frame goes. */
  get sizeBytes(): number {
    return logFileOf(this).size
  }

  /** Bytes of the file: `sizeBytes`, then preallocated space (zeros written ahead of the
   *  frames, given back at close). */
  get fileBytes(): number {
    return logFileOf(this).allocated
  }

  /** Highest seq written (or found at open); `undefined` for a log that never held an entry. */
  get lastSeq(): number | undefined {
    return logFileOf(this).lastSeq
  }

  /** What the open scan or the last `replay()` found (torn tail dropped, point-in-time stop). */
  get replayReport(): ReplayReport {
    return logFileOf(this).report
  }

  /**
   * Appends one entry as one frame, then fdatasyncs: durable when this returns. Throws
   * InvalidArgumentError for a malformed entry or a seq not above the last one, ClosedError
   * after close, WALPoisonedError (STRATA_IO) once a write or fsync has failed, WALCorruptError
   * when the file holds damage the recovery mode refuses.
   */
  append(entry: WALEntryFields): void {
    const log = logFileOf(this)
    log.checkWritable()
    log.checkNotBusy('append')
    const fields = checkEntry(entry, 'entry', log.lastSeq)
    log.appendSync([entryFrameOf(log.codec, fields)], fields.seq)
  }

  /** Appends `entries` (strictly increasing seqs) as one frame: replay returns all or none of
   *  them. An empty array writes nothing. Errors as `append`. */
  appendBatch(entries: readonly WALEntryFields[]): void {
    const log = logFileOf(this)
    log.checkWritable()
    log.checkNotBusy('appendBatch')
    const checked = checkBatch(entries, log.lastSeq)
    if (checked.length === 0) return
    log.appendSync([batchFrameOf(log.codec, checked)], checked[checked.length - 1]!.seq)
  }

  /**
   * Reads the file and returns every entry sorted by seq (batches flattened); `[]` for a missing
   * or empty file. A torn final frame is dropped and reported in `replayReport` (unless
   * recovery is 'strict'); other damage throws WALCorruptError (offset, lastGoodSeq) unless
   * recovery is 'point-in-time', which stops there. Keys and values are views over the bytes
   * read (no copy per entry).
   */
  replay(): WALEntry[] {
    return logFileOf(this).replay()
  }

  /**
   * Removes every entry with `entry.seq <= seq`: the kept entries are written to `<path>.tmp`,
   * which is fsynced and renamed over the file, then the directory is fsynced. Costs the kept
   * bytes plus at most one checkpoint interval (64 KiB) of reading; a no-op when no entry is at
   * or below `seq`. A batch frame straddling `seq` is rewritten with its kept entries only.
   */
  truncateBefore(seq: number): void {
    const log = logFileOf(this)
    log.checkWritable()
    log.checkNotBusy('truncateBefore')
    log.truncateBeforeSync(checkTruncateSeq(seq))
  }

  /** fsyncs and closes the file. Never throws: failures go to `options.onWarning`. Safe to
   *  call twice. */
  close(): void {
    logFileOf(this).closeSync()
  }
}
