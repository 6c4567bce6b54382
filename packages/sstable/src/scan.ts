/**
 * `TableScan`: a forward scan of every entry of a table (every version, in internal order), for
 * compaction. `Table` and `TableIterator` serve readers: they allocate a buffer for the table's
 * filter and index and one per block read (blocks may go to the shared cache), and decode a
 * block into an array of entries with fresh keys. A compaction reads each input once from end to
 * end, and at that volume those allocations are what its memory is made of (tens of MiB of dead
 * buffers waiting for a major GC, and the fragmentation they leave in the allocator). A scan
 * reads only the footer and the index (into the caller's buffer), then runs of whole data
 * blocks with one `readSync` each into that same buffer, which the caller reuses from one
 * compaction to the next; it verifies each block's checksum and decodes one entry at a time in
 * place: after `next()` the scan itself is the current entry, its `key` and `value` views valid
 * until the following `next()` (copy what must outlive it; `TableBuilder.add` copies).
 *
 * Every length and offset read from a block is checked as `Block` checks it; anything malformed
 * is an `SSTableCorruptError` naming the file, the block's offset and the reason.
 */
import { type FileSystem, type InternalEntry, InvalidArgumentError, OpType, toIOError } from '@strata/base'
import { Block } from './block.js'
import { blockContents, readTrailer } from './block-trailer.js'
import { readVarint, varintEnd } from './coding.js'
import { CodecId } from './compression/codec.js'
import { DecompressionError } from './compression/errors.js'
import { entryHeader, readEntryHeader } from './entry-header.js'
import { SSTableCorruptError } from './errors.js'
import { decodeFooter } from './footer.js'
import { BLOCK_KIND, type BlockKind, BlockType, FOOTER_BYTES, trailerBytes } from './format.js'
import { withTableFileSync } from './open-file.js'

/** Default size of a scan's read buffer: one `readSync` fetches this many bytes of blocks (a
 *  merge of n tables holds n of them). */
export const SCAN_CHUNK_BYTES = 128 * 1024

const EMPTY = new Uint8Array(0)

export class TableScan implements InternalEntry {
  /** The current entry (after `next()` returned true); views valid until the next `next()`. */
  key: Uint8Array = EMPTY
  seq = 0
  op: OpType = OpType.Put
  value: Uint8Array | null = null

  readonly path: string
  /** The file's size in bytes. */
  readonly fileSize: number
  private readonly fs: FileSystem
  private fd: number | undefined
  /** Size of each data block with its trailer (the blocks tile the file from offset 0). */
  private readonly blockSizes: number[]
  /** The caller's buffer, and the buffer the current run was read into (the caller's, or a
   *  one-off one for a block larger than it). */
  private readonly chunk: Buffer
  /** The table's format version and the length of its block trailers. */
  private readonly version: number
  private readonly trailerBytes: number
  /** The current run of stored blocks (as read), and the bytes of the block being decoded: a
   *  view of the run when the block is stored raw, its decompressed contents otherwise. */
  private run: Buffer = Buffer.alloc(0)
  /** Where compressed blocks are decompressed, reused from block to block (grown as needed). */
  private readonly decoded: { buffer: Buffer } = { buffer: Buffer.alloc(0) }
  private bytes: Uint8Array = EMPTY
  /** Key bytes of the current entry (prefix-decoded in place). */
  private keyBytes = new Uint8Array(64)
  private keyLength = 0
  /** The length `key` was last made a view of `keyBytes` for (-1: make a new view). */
  private keyViewLength = -1
  /** The run in `bytes`: blocks up to `runLast`, the first at file offset `runOffset`. */
  private runLast = -1
  private runOffset = 0
  /** The next block to decode, its position in `bytes`, and the next run's file offset. */
  private nextBlock = 0
  private nextBlockAt = 0
  private fileOffset = 0
  /** The block being decoded: where it starts in `bytes`, its file offset, its entries' end and
   *  restart array, the position of the next entry and the next restart point. */
  private blockAt = 0
  private blockOffset = 0
  private limit = 0
  private pos = 0
  private restartsAt = 0
  private restartCount = 0
  private restartIndex = 0
  private nextRestart = 0
  private previousRestart = -1
  private inBlock = false
  private done = false

  /**
   * Opens the table at `path` for a scan: reads and checks its footer and index (into `chunk`).
   * `chunk` is the read buffer (`SCAN_CHUNK_BYTES` is a good size; a block or index larger than
   * it is read into a buffer of its own): the caller keeps it and may reuse it once the scan is
   * closed. Throws `SSTableCorruptError` when the footer or index is damaged, `IOError` when the
   * file cannot be read.
   */
  static openSync(path: string, fs: FileSystem, chunk: Buffer): TableScan {
    if (!Buffer.isBuffer(chunk) || chunk.length < FOOTER_BYTES) {
      throw new InvalidArgumentError(`the scan buffer must be a Buffer of at least ${FOOTER_BYTES} bytes`, {
        argument: 'chunk',
      })
    }
    return withTableFileSync(fs, path, (fd, size) => {
      if (size < FOOTER_BYTES) {
        throw corrupt(path, 0, 'footer', `file of ${size} bytes is too short for its footer`)
      }
      readFully(fs, fd, path, chunk, FOOTER_BYTES, size - FOOTER_BYTES, 'footer')
      const footer = decodeFooter(chunk.subarray(0, FOOTER_BYTES), size)
      if ('reason' in footer) throw corrupt(path, size - FOOTER_BYTES + footer.at, 'footer', footer.reason)
      const handle = footer.index
      const trailer = trailerBytes(footer.version)
      const length = handle.length + trailer
      const bytes = length <= chunk.length ? chunk : Buffer.allocUnsafe(length)
      readFully(fs, fd, path, bytes, length, handle.offset, 'index')
      const contents = checkedContents(
        path,
        bytes,
        0,
        handle.length,
        BlockType.Index,
        handle.offset,
        footer.version,
      )
      const entries = new Block(contents, path, handle.offset, 'index').decodeAll()
      // The data blocks, one index entry each, must tile [0, filter offset) exactly.
      const blockSizes: number[] = []
      let expected = 0
      for (const entry of entries) {
        const value = entry.value
        const offset = value === null ? -1 : readVarint(value, 0, value.length)
        const blockLength = offset < 0 ? -1 : readVarint(value!, varintEnd, value!.length)
        if (offset !== expected || blockLength < 4 || varintEnd !== value!.length) {
          throw corrupt(
            path,
            handle.offset,
            'index',
            `index entry ${blockSizes.length} has a bad block handle`,
          )
        }
        blockSizes.push(blockLength + trailer)
        expected += blockLength + trailer
      }
      if (expected !== footer.filter.offset) {
        throw corrupt(path, handle.offset, 'index', 'data blocks do not end where the filter block starts')
      }
      return new TableScan(path, fs, fd, size, blockSizes, chunk, footer.version)
    })
  }

  private constructor(
    path: string,
    fs: FileSystem,
    fd: number,
    fileSize: number,
    blockSizes: number[],
    chunk: Buffer,
    version: number,
  ) {
    this.version = version
    this.trailerBytes = trailerBytes(version)
    this.path = path
    this.fs = fs
    this.fd = fd
    this.fileSize = fileSize
    this.blockSizes = blockSizes
    this.chunk = chunk
  }

  /**
   * Moves to the next entry: true when there is one (read it from `key`, `seq`, `op`, `value`),
   * false at the end. Throws `SSTableCorruptError` for a damaged block, `IOError` when a read
   * fails.
   */
  next(): boolean {
    for (;;) {
      if (this.inBlock) {
        if (this.pos < this.limit) {
          this.decodeEntry()
          return true
        }
        if (this.nextRestart !== this.limit) {
          throw this.corrupt('restart point past the last entry', this.nextRestart)
        }
        this.inBlock = false
      }
      if (this.done) return false
      if (this.nextBlock >= this.blockSizes.length) {
        this.done = true
        this.key = EMPTY
        this.keyViewLength = -1
        this.value = null
        return false
      }
      if (this.nextBlock > this.runLast) this.readRun()
      this.startBlock()
    }
  }

  /** Closes the scan's descriptor. Idempotent. */
  close(): void {
    const fd = this.fd
    this.fd = undefined
    this.done = true
    this.inBlock = false
    this.bytes = EMPTY
    this.run = Buffer.alloc(0)
    this.decoded.buffer = Buffer.alloc(0)
    this.key = EMPTY
    this.keyViewLength = -1
    this.value = null
    if (fd === undefined) return
    try {
      this.fs.closeSync(fd)
    } catch {
      // Only read here: nothing is lost with the descriptor.
    }
  }

  /** Reads the blocks from `nextBlock` on that fit in the chunk (at least one) in one go. */
  private readRun(): void {
    if (this.fd === undefined) throw toIOError(new Error('the scan is closed'), 'reading SSTable', this.path)
    const sizes = this.blockSizes
    const first = this.nextBlock
    let last = first
    let length = sizes[first]!
    while (last + 1 < sizes.length && length + sizes[last + 1]! <= this.chunk.length) length += sizes[++last]!
    // A block larger than the chunk gets a buffer of its own, dropped after it.
    const bytes = length <= this.chunk.length ? this.chunk : Buffer.allocUnsafe(length)
    const position = this.fileOffset
    readFully(this.fs, this.fd, this.path, bytes, length, position, 'data')
    this.run = bytes
    this.runLast = last
    this.runOffset = position
    this.nextBlockAt = 0
    this.fileOffset = position + length
  }

  /** Verifies block `nextBlock` (checksum, type, restart count) and starts decoding it. */
  private startBlock(): void {
    const runAt = this.nextBlockAt
    const size = this.blockSizes[this.nextBlock]!
    this.blockOffset = this.runOffset + runAt
    const stored = size - this.trailerBytes
    const contents = checkedContents(
      this.path,
      this.run,
      runAt,
      stored,
      BlockType.Data,
      this.blockOffset,
      this.version,
      this.decoded,
    )
    // Raw: decode in place in the run. Compressed: decode the decompressed contents.
    const raw = contents.buffer === this.run.buffer && contents.byteOffset === this.run.byteOffset + runAt
    const bytes = raw ? this.run : contents
    const at = raw ? runAt : 0
    const length = contents.length
    this.bytes = bytes
    this.blockAt = at
    if (length < 4) throw this.corrupt(`block of ${length} bytes has no restart count`, 0)
    const restartCount = readU32(bytes, at + length - 4)
    const restartsAt = length - 4 - restartCount * 4
    if (restartsAt < 0) throw this.corrupt(`restart count ${restartCount} does not fit in ${length} bytes`, 0)
    if ((restartCount === 0) !== (restartsAt === 0)) {
      throw this.corrupt(`${restartCount} restart points for ${restartsAt} bytes of entries`, 0)
    }
    this.restartCount = restartCount
    this.restartsAt = restartsAt
    this.limit = at + restartsAt
    this.pos = at
    this.restartIndex = 0
    this.previousRestart = -1
    this.nextRestart = restartCount > 0 ? this.restart(0) : this.limit
    this.keyLength = 0
    this.inBlock = true
    this.nextBlock++
    this.nextBlockAt = runAt + size
  }

  /** Restart point `index` as a position in `bytes`, checked to be in order and in bounds. */
  private restart(index: number): number {
    const restart = readU32(this.bytes, this.blockAt + this.restartsAt + index * 4)
    if (restart <= this.previousRestart || restart >= this.restartsAt || (index === 0 && restart !== 0)) {
      throw this.corrupt(`restart point ${index} (${restart}) is out of order or out of bounds`, 0)
    }
    this.previousRestart = restart
    return this.blockAt + restart
  }

  /** Decodes the entry at `pos` into `key`, `seq`, `op`, `value`. */
  private decodeEntry(): void {
    const bytes = this.bytes
    const limit = this.limit
    const entryStart = this.pos
    if (!readEntryHeader(bytes, entryStart, limit, this.keyLength)) {
      throw this.corrupt('malformed entry', entryStart - this.blockAt)
    }
    const { shared, unshared, op, seq, valueLength, valueStart } = entryHeader
    const pos = entryHeader.keyStart
    const keyLength = shared + unshared
    if (entryStart === this.nextRestart) {
      if (shared !== 0) throw this.corrupt('restart entry shares a prefix', entryStart - this.blockAt)
      this.restartIndex++
      this.nextRestart = this.restartIndex < this.restartCount ? this.restart(this.restartIndex) : limit
    } else if (entryStart > this.nextRestart) {
      throw this.corrupt('restart point does not start an entry', entryStart - this.blockAt)
    }
    // The key: the shared prefix is already in place (the previous key's bytes).
    let keyBytes = this.keyBytes
    if (keyLength > keyBytes.length) {
      const grown = new Uint8Array(Math.max(keyLength, keyBytes.length * 2))
      grown.set(keyBytes.subarray(0, shared))
      keyBytes = grown
      this.keyBytes = grown
      this.keyViewLength = -1
    }
    if (unshared <= 32) {
      for (let index = 0; index < unshared; index++) keyBytes[shared + index] = bytes[pos + index]!
    } else {
      keyBytes.set(bytes.subarray(pos, valueStart), shared)
    }
    this.keyLength = keyLength
    // One view per key length, not per entry: its bytes change in place.
    if (this.keyViewLength !== keyLength) {
      this.key = keyBytes.subarray(0, keyLength)
      this.keyViewLength = keyLength
    }
    this.seq = seq
    this.op = op as OpType
    this.value =
      op === OpType.Put ? new Uint8Array(bytes.buffer, bytes.byteOffset + valueStart, valueLength) : null
    this.pos = valueStart + valueLength
  }

  private corrupt(reason: string, at: number): SSTableCorruptError {
    return corrupt(this.path, this.blockOffset + at, 'data', reason)
  }
}

function corrupt(file: string, offset: number, block: BlockKind, reason: string): SSTableCorruptError {
  return new SSTableCorruptError({ file, offset, block, reason })
}

/** Reads `length` bytes at `position` into `bytes[0..length)`; a short read is corruption. */
function readFully(
  fs: FileSystem,
  fd: number,
  path: string,
  bytes: Uint8Array,
  length: number,
  position: number,
  block: BlockKind,
): void {
  let done = 0
  while (done < length) {
    let count: number
    try {
      count = fs.readSync(fd, bytes, done, length - done, position + done)
    } catch (error) {
      throw toIOError(error, `reading the ${block} block of SSTable`, path)
    }
    if (count === 0) {
      throw corrupt(path, position, block, `file ends ${length - done} bytes before the end of the block`)
    }
    done += count
  }
}

/** Checks the trailer (type byte, CRC32C of contents + type) of the block at `bytes[at..]`. */
/** Checks the trailer of the `length` stored bytes at `bytes[at..]` (file offset `offset`) and
 *  returns the block's contents: a view of `bytes` when raw; when compressed, a view of
 *  `decoded.buffer` (grown to fit, valid until the next block) or, without `decoded`, a fresh
 *  buffer. */
function checkedContents(
  path: string,
  bytes: Buffer,
  at: number,
  length: number,
  type: BlockType,
  offset: number,
  version: number,
  decoded?: { buffer: Buffer },
): Buffer {
  const kind = BLOCK_KIND[type]
  const trailer = readTrailer(bytes, at, length, type, version)
  if ('reason' in trailer) throw corrupt(path, offset + trailer.at, kind, trailer.reason)
  // Grown only for a length lz4 can reach from these bytes (it refuses the others unallocated).
  if (
    decoded !== undefined &&
    trailer.codec === CodecId.Lz4 &&
    decoded.buffer.length < trailer.rawLength &&
    trailer.rawLength <= 255 * length
  ) {
    decoded.buffer = Buffer.allocUnsafeSlow(Math.max(trailer.rawLength, 2 * decoded.buffer.length, 8192))
  }
  try {
    return blockContents(bytes.subarray(at, at + length), trailer, decoded?.buffer)
  } catch (error) {
    if (!(error instanceof DecompressionError)) throw error
    throw new SSTableCorruptError({ file: path, offset, block: kind, reason: error.message, cause: error })
  }
}

function readU32(bytes: Uint8Array, pos: number): number {
  return (bytes[pos]! | (bytes[pos + 1]! << 8) | (bytes[pos + 2]! << 16) | (bytes[pos + 3]! << 24)) >>> 0
}
