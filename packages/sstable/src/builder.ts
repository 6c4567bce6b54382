/**
 * `TableBuilder`: streams entries in internal order into a new table file. Entries are encoded
 * straight into an output buffer that is written with `writeSync` in chunks of about 256 KiB;
 * `finish` appends the filter, properties and index blocks and the footer, fsyncs the file (not
 * its directory: the engine does that once it has named the file in its manifest) and closes it.
 */
import {
  ClosedError,
  type FileSystem,
  type InternalEntry,
  InvalidArgumentError,
  MAX_SEQ,
  OpType,
  type RangeFragment,
  toIOError,
} from '@strata/base'
import { BlockBuilder } from './block-builder.js'
import { BlockCompressor } from './block-compressor.js'
import { appendTrailer } from './block-trailer.js'
import { BloomFilterBuilder } from './bloom.js'
import { ByteSink, varintLength } from './coding.js'
import { CodecId } from './compression/codec.js'
import { encodeFooter } from './footer.js'
import { type BlockHandle, BlockType, FOOTER_BYTES, MAX_BLOCK_BYTES } from './format.js'
import { resolveBuilderOptions, type TableBuilderOptions } from './options.js'
import { encodeProperties, type TableMeta } from './properties.js'
import { encodeRangeTombstones } from './range-tombstone-block.js'

/** Output is written once this much is buffered. */
const WRITE_CHUNK_BYTES = 256 * 1024

/**
 * The memory a builder writes through: the output buffer, the index block's buffer and the
 * filter's key hashes (about 1.5 MiB for an 8 MiB table). A finished (or abandoned) builder
 * hands it to the next builder of the same thread, so writing table after table (the outputs of
 * a compaction, one flush after another) allocates it once instead of per table: garbage of that
 * size and rate is what grows a thread's malloc arena (a buffer per table, freed only at the
 * next major GC).
 */
interface Scratch {
  sink: ByteSink
  indexSink: ByteSink
  filter: BloomFilterBuilder
}
/** Idle scratch of this thread (module state is per thread), at most MAX_IDLE_SCRATCH: tables
 *  are built one after another, rarely two at once. */
const idleScratch: Scratch[] = []
const MAX_IDLE_SCRATCH = 1
/** Scratch grown past this (a table of huge values, or of more than about a million keys) is not
 *  kept. An 8 MiB table of tombstones (about 400,000 keys) needs 4 MiB of filter hashes. */
const MAX_KEPT_SCRATCH_BYTES = 8 * 1024 * 1024

function takeScratch(bloomBitsPerKey: number): Scratch {
  for (let index = idleScratch.length - 1; index >= 0; index--) {
    const scratch = idleScratch[index]!
    if (scratch.filter.bitsPerKey !== bloomBitsPerKey) continue
    idleScratch.splice(index, 1)
    scratch.sink.length = 0
    scratch.indexSink.length = 0
    scratch.filter.reset()
    return scratch
  }
  return {
    sink: new ByteSink(WRITE_CHUNK_BYTES + 64 * 1024),
    indexSink: new ByteSink(4096),
    filter: new BloomFilterBuilder(bloomBitsPerKey),
  }
}

function giveBackScratch(scratch: Scratch): void {
  const bytes = scratch.sink.bytes.length + scratch.indexSink.bytes.length + scratch.filter.memoryBytes
  if (bytes > MAX_KEPT_SCRATCH_BYTES || idleScratch.length >= MAX_IDLE_SCRATCH) return
  idleScratch.push(scratch)
}

type BuilderState = 'open' | 'finishing' | 'finished' | 'failed' | 'abandoned'

export class TableBuilder {
  /** The file being written. */
  readonly path: string
  private readonly fs: FileSystem
  private readonly blockBytes: number
  private readonly restartInterval: number
  private readonly bloomBitsPerKey: number
  private fd: number | undefined
  private state: BuilderState = 'open'
  private finishing: Promise<TableMeta> | undefined
  private failure: unknown
  /** Output buffer, index buffer and filter: borrowed from this thread's idle scratch, given
   *  back once the builder is done (then `scratch` is undefined). */
  private scratch: Scratch | undefined
  private readonly sink: ByteSink
  /** Bytes already written to the file (the sink holds what follows). */
  private written = 0
  private readonly block: BlockBuilder
  private readonly indexSink: ByteSink
  private readonly index: BlockBuilder
  private readonly filter: BloomFilterBuilder
  private readonly handleScratch = new ByteSink(32)
  private readonly compressor: BlockCompressor
  private lastSeq = 0
  private _entryCount = 0
  private tombstoneCount = 0
  private minSeq = MAX_SEQ
  private maxSeq = 0
  private rawKeyBytes = 0
  private rawValueBytes = 0
  private smallestKey: Uint8Array = new Uint8Array(0)
  private rangeFragments: readonly RangeFragment[] = []

  /**
   * Creates (or truncates) the file at `path` and prepares to write a table to it. Throws
   * `InvalidArgumentError` for bad options and `IOError` when the file cannot be created.
   */
  constructor(path: string, options?: TableBuilderOptions) {
    if (typeof path !== 'string' || path.length === 0) {
      throw new InvalidArgumentError('TableBuilder path must be a non-empty string', { argument: 'path' })
    }
    const resolved = resolveBuilderOptions(options)
    this.path = path
    this.fs = resolved.fs
    this.blockBytes = resolved.blockBytes
    this.restartInterval = resolved.restartInterval
    this.bloomBitsPerKey = resolved.bloomBitsPerKey
    this.compressor = new BlockCompressor(resolved.compression)
    const scratch = takeScratch(this.bloomBitsPerKey)
    this.scratch = scratch
    this.sink = scratch.sink
    this.indexSink = scratch.indexSink
    this.filter = scratch.filter
    this.block = new BlockBuilder(this.sink, this.restartInterval)
    this.index = new BlockBuilder(this.indexSink, this.restartInterval)
    try {
      this.fd = this.fs.openSync(path, 'w')
    } catch (error) {
      this.releaseScratch()
      throw toIOError(error, 'creating SSTable', path)
    }
  }

  /** Entries added so far. */
  get entryCount(): number {
    return this._entryCount
  }

  /** Bytes of the data blocks finished so far as stored (after block compression), without
   *  their trailers. */
  get dataBytes(): number {
    return this.compressor.storedBytes
  }

  /** Bytes of the data blocks finished so far before block compression. */
  get uncompressedDataBytes(): number {
    return this.compressor.rawBytes
  }

  /** About how large the file will be if finished now (for cutting compaction output). */
  get estimatedFileBytes(): number {
    // Index entry of the open block, properties (two keys and counters), footer.
    const keyBytes = this.block.lastKeyLength
    const tail = 32 + keyBytes + 96 + 2 * keyBytes + FOOTER_BYTES
    return this.written + this.sink.length + this.indexSink.length + this.filter.estimatedBytes + tail
  }

  /**
   * Appends one entry. Entries must come in internal order: key ascending (unsigned bytes), and
   * for equal keys seq strictly descending; anything else is an `InvalidArgumentError`, as is a
   * malformed entry. Synchronous: full chunks are written with `writeSync` (an `IOError` then
   * leaves the builder failed: call `abandon()`). The entry's arrays are copied, not kept.
   */
  add(entry: InternalEntry): void {
    this.checkOpen()
    const { key, seq, op, value } = checkEntry(entry)
    if (this._entryCount > 0) {
      const order = this.block.compareLastKey(key)
      if (order > 0 || (order === 0 && seq >= this.lastSeq)) {
        throw new InvalidArgumentError(
          order > 0
            ? 'TableBuilder.add: keys must come in ascending order (unsigned bytes); this key sorts before the previous one'
            : `TableBuilder.add: versions of a key must come newest first (seq strictly descending); got seq ${seq} after seq ${this.lastSeq}`,
          { argument: 'entry' },
        )
      }
      if (order !== 0) this.filter.add(key)
    } else {
      this.filter.add(key)
      this.smallestKey = new Uint8Array(key) // a copy (Buffer.prototype.slice would be a view)
    }
    this.block.add(key, seq, op, value)
    this.lastSeq = seq
    this._entryCount++
    if (op === OpType.Delete) this.tombstoneCount++
    if (seq < this.minSeq) this.minSeq = seq
    if (seq > this.maxSeq) this.maxSeq = seq
    this.rawKeyBytes += key.length
    if (value !== null) this.rawValueBytes += value.length
    if (this.block.contentBytes >= this.blockBytes) {
      this.finishDataBlock()
      if (this.sink.length >= WRITE_CHUNK_BYTES) this.flushSync()
    }
  }

  /**
   * Sets the table's range tombstones: fragments sorted by start, disjoint, each with ascending
   * seqs (as `Table.rangeFragments` returns them). They are written to the range-tombstone block
   * at `finish`, whatever the point entries; a table may hold range tombstones and no entry.
   */
  setRangeTombstones(fragments: readonly RangeFragment[]): void {
    this.checkOpen()
    this.rangeFragments = fragments
  }

  /**
   * Writes the rest of the table, fsyncs the file (not its directory) and closes it; resolves to
   * the table's metadata. Rejects with `IOError` on a write or fsync failure (the builder is then
   * failed: call `abandon()` to remove the file), `ClosedError` if already finished or abandoned.
   */
  finish(): Promise<TableMeta> {
    try {
      this.checkOpen()
    } catch (error) {
      return Promise.reject(error)
    }
    this.finishing = this.finishAsync()
    return this.finishing
  }

  private async finishAsync(): Promise<TableMeta> {
    const meta = this.encodeTail()
    this.state = 'finishing'
    const fd = this.fd!
    try {
      let offset = 0
      while (offset < this.sink.length) {
        offset += await this.fs.write(fd, this.sink.bytes, offset, this.sink.length - offset, null)
      }
      this.written += this.sink.length
      this.sink.length = 0
      await this.fs.fsync(fd)
      this.fd = undefined
      await this.fs.close(fd)
    } catch (error) {
      throw this.fail(error, 'finishing SSTable')
    }
    this.state = 'finished'
    this.releaseScratch()
    return meta
  }

  /** Same as `finish()`, synchronously (for a compaction worker thread). */
  finishSync(): TableMeta {
    const meta = this.writeTailSync()
    const fd = this.fd!
    try {
      this.fs.fsyncSync(fd)
      this.fd = undefined
      this.fs.closeSync(fd)
    } catch (error) {
      throw this.fail(error, 'finishing SSTable')
    }
    this.state = 'finished'
    this.releaseScratch()
    return meta
  }

  /**
   * As `finishSync()`, but the fsync runs on libuv's thread pool: returns the table's metadata
   * once every byte is written, and `durable`, a promise that resolves once the file is fsynced
   * and closed (or rejects with `IOError`; the file is then closed and left for the caller to
   * remove). The table must not be recorded anywhere before `durable` resolves. Lets a
   * compaction worker build its next output while the previous one reaches the disk.
   */
  finishDeferringSync(): { meta: TableMeta; durable: Promise<void> } {
    const meta = this.writeTailSync()
    const fd = this.fd!
    this.fd = undefined
    this.state = 'finished'
    this.releaseScratch()
    const { fs, path } = this
    const durable = fs.fsync(fd).then(
      () => fs.close(fd),
      async (error: unknown) => {
        await fs.close(fd).catch(() => {})
        throw toIOError(error, 'fsyncing SSTable', path)
      },
    )
    return { meta, durable }
  }

  /** Encodes the rest of the table and writes everything still buffered, synchronously; the
   *  file is not yet fsynced or closed. A write failure fails the builder. */
  private writeTailSync(): TableMeta {
    this.checkOpen()
    const meta = this.encodeTail()
    try {
      this.flushSync()
    } catch (error) {
      throw this.fail(error, 'finishing SSTable')
    }
    return meta
  }

  /**
   * Closes and removes the half-written file. Safe after a failure and when called twice;
   * rejects with `ClosedError` after a successful `finish()` (the table is complete: delete it
   * through the file system if it is not wanted).
   */
  async abandon(): Promise<void> {
    if (this.state === 'finishing') await this.finishing?.catch(() => undefined)
    if (this.state === 'finished') throw new ClosedError(`TableBuilder for ${this.path} (already finished)`)
    if (this.state === 'abandoned') return
    this.state = 'abandoned'
    this.releaseScratch()
    const fd = this.fd
    this.fd = undefined
    if (fd !== undefined) {
      try {
        await this.fs.close(fd)
      } catch {
        // The descriptor is gone either way; removing the file is what matters.
      }
    }
    try {
      await this.fs.unlink(this.path)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
        throw toIOError(error, 'removing SSTable', this.path)
    }
  }

  private checkOpen(): void {
    if (this.state === 'open') return
    if (this.state === 'failed') throw this.failure
    throw new ClosedError(`TableBuilder for ${this.path}`)
  }

  /** Gives the buffers back for the next builder; this one writes nothing more. */
  private releaseScratch(): void {
    const scratch = this.scratch
    this.scratch = undefined
    if (scratch !== undefined) giveBackScratch(scratch)
  }

  /** Records a failure: the builder refuses further work; the descriptor is closed. */
  private fail(error: unknown, action: string): unknown {
    const wrapped = toIOError(error, action, this.path)
    this.state = 'failed'
    this.failure = wrapped
    this.releaseScratch()
    const fd = this.fd
    this.fd = undefined
    if (fd !== undefined) {
      try {
        this.fs.closeSync(fd)
      } catch {
        // Already failing; the original error is the one to report.
      }
    }
    return wrapped
  }

  private flushSync(): void {
    const fd = this.fd!
    try {
      let offset = 0
      while (offset < this.sink.length) {
        offset += this.fs.writeSync(fd, this.sink.bytes, offset, this.sink.length - offset, null)
      }
    } catch (error) {
      throw this.fail(error, 'writing SSTable')
    }
    this.written += this.sink.length
    this.sink.length = 0
    this.block.start = 0
  }

  private finishDataBlock(): void {
    const block = this.block
    const start = block.start
    const rawLength = block.finish()
    if (rawLength > MAX_BLOCK_BYTES) {
      throw this.fail(
        new InvalidArgumentError(`a data block of ${rawLength} bytes exceeds the 4 GiB block limit`),
        'writing SSTable',
      )
    }
    const codec = this.compressor.compress(this.sink, start)
    const length = this.sink.length - start
    appendTrailer(this.sink, start, BlockType.Data, codec, rawLength)
    this.addIndexEntry(block.lastKey(), this.lastSeq, { offset: this.written + start, length })
    block.reset()
  }

  private addIndexEntry(key: Uint8Array, seq: number, handle: BlockHandle): void {
    const scratch = this.handleScratch
    scratch.length = 0
    scratch.reserve(varintLength(handle.offset) + varintLength(handle.length))
    scratch.varint(handle.offset)
    scratch.varint(handle.length)
    this.index.add(key, seq, OpType.Put, scratch.bytes.subarray(0, scratch.length))
  }

  /** Appends the last data block, filter, properties, index and footer to the sink. */
  private encodeTail(): TableMeta {
    try {
      if (this.block.count > 0) this.finishDataBlock()
      const sink = this.sink
      const filterStart = sink.length
      this.filter.finishInto(sink)
      const filter = { offset: this.written + filterStart, length: sink.length - filterStart }
      appendTrailer(sink, filterStart, BlockType.Filter, CodecId.None, filter.length)

      const rangeStart = sink.length
      encodeRangeTombstones(sink, this.rangeFragments)
      appendTrailer(sink, rangeStart, BlockType.RangeTombstones, CodecId.None, sink.length - rangeStart)

      const empty = this._entryCount === 0
      const largestKey = empty ? new Uint8Array(0) : this.block.lastKey().slice()
      const stored = {
        entryCount: this._entryCount,
        tombstoneCount: this.tombstoneCount,
        smallestKey: this.smallestKey,
        largestKey,
        minSeq: empty ? 0 : this.minSeq,
        maxSeq: this.maxSeq,
        rawKeyBytes: this.rawKeyBytes,
        rawValueBytes: this.rawValueBytes,
        blockBytes: this.blockBytes,
        restartInterval: this.restartInterval,
        bloomBitsPerKey: this.bloomBitsPerKey,
      }
      const propertiesStart = sink.length
      encodeProperties(sink, stored)
      const properties = { offset: this.written + propertiesStart, length: sink.length - propertiesStart }
      appendTrailer(sink, propertiesStart, BlockType.Properties, CodecId.None, properties.length)

      const indexLength = this.index.finish()
      appendTrailer(this.indexSink, 0, BlockType.Index, CodecId.None, indexLength)
      const indexStart = sink.length
      sink.append(this.indexSink.bytes, 0, this.indexSink.length)
      const index = { offset: this.written + indexStart, length: indexLength }

      encodeFooter(sink, { filter, properties, index })
      const fileSize = this.written + sink.length
      return {
        path: this.path,
        fileSize,
        entryCount: stored.entryCount,
        tombstoneCount: stored.tombstoneCount,
        smallestKey: stored.smallestKey,
        largestKey: stored.largestKey,
        minSeq: stored.minSeq,
        maxSeq: stored.maxSeq,
        rawKeyBytes: stored.rawKeyBytes,
        rawValueBytes: stored.rawValueBytes,
      }
    } catch (error) {
      if (this.state === 'failed') throw error
      throw this.fail(error, 'finishing SSTable')
    }
  }
}

/** Validates an entry's shape; returns it typed. */
function checkEntry(entry: InternalEntry): InternalEntry {
  if (entry === null || typeof entry !== 'object') {
    throw new InvalidArgumentError('TableBuilder.add expects an entry { key, seq, op, value }', {
      argument: 'entry',
    })
  }
  const { key, seq, op, value } = entry
  if (!(key instanceof Uint8Array)) {
    throw new InvalidArgumentError('entry.key must be a Uint8Array (or Buffer)', { argument: 'entry.key' })
  }
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 0) {
    throw new InvalidArgumentError(`entry.seq must be an integer from 0 to 2^53 - 1, got ${String(seq)}`, {
      argument: 'entry.seq',
    })
  }
  if (op === OpType.Put) {
    if (!(value instanceof Uint8Array)) {
      throw new InvalidArgumentError('entry.value must be a Uint8Array when op is Put (1)', {
        argument: 'entry.value',
      })
    }
  } else if (op === OpType.Delete) {
    if (value !== null && value !== undefined) {
      throw new InvalidArgumentError('entry.value must be null when op is Delete (2)', {
        argument: 'entry.value',
      })
    }
  } else {
    throw new InvalidArgumentError(`entry.op must be 1 (Put) or 2 (Delete), got ${String(op)}`, {
      argument: 'entry.op',
    })
  }
  return op === OpType.Delete ? { key, seq, op, value: null } : entry
}
