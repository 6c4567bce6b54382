/**
 * `Table`: an open, immutable SSTable. `open` reads the footer, then the filter, properties and
 * index blocks in one positioned read, verifies their checksums and keeps them in memory (counted
 * as pinned bytes of the block cache). Data blocks are read on demand with positioned reads,
 * verified, and cached in the shared `BlockCache`. A table is opened once and read concurrently
 * by any number of gets and iterators.
 */
import {
  ClosedError,
  type FileSystem,
  type InternalEntry,
  InvalidArgumentError,
  MAX_SEQ,
  type RangeFragment,
  toIOError,
} from '@strata/base'
import { Block } from './block.js'
import { blockContents, readTrailer, type Trailer } from './block-trailer.js'
import { BloomFilter, type FilterHashes } from './bloom.js'
import { type BlockCache, type CacheSpace, cacheSpace } from './cache.js'
import { compareKeys } from './coding.js'
import { CodecId } from './compression/codec.js'
import { DecompressionError } from './compression/errors.js'
import { SSTableCorruptError } from './errors.js'
import { decodeFooter, type Footer } from './footer.js'
import { BLOCK_KIND, type BlockHandle, BlockType, FOOTER_BYTES, trailerBytes } from './format.js'
import { type TableIterator, TableIteratorImpl, type TableIteratorOptions } from './iterator.js'
import type { CheckedTableIteratorOptions } from './iterator-options.js'
import { withTableFileSync } from './open-file.js'
import { resolveOpenOptions, type TableOpenOptions } from './options.js'
import { decodeProperties, type TableMeta } from './properties.js'
import { decodeRangeTombstones } from './range-tombstone-block.js'
import { TableIndex } from './table-index.js'

/** The answer of every `get` that finds nothing without I/O (a settled promise can be shared). */
const NOT_FOUND: Promise<undefined> = Promise.resolve(undefined)

/** Ids of open tables in the block cache's doorkeeper (they wrap at 2^31; a collision only
 *  admits a block early). */
let nextCacheId = 0
function takeCacheId(): number {
  nextCacheId = (nextCacheId + 1) & 0x7fffffff
  return nextCacheId
}
/** The scratch buffer of point reads that do not cache their block (`Table.getSync`): only
 *  ever used within one synchronous call, so one per thread is enough. */
let scratch = Buffer.allocUnsafeSlow(8192)
/** Where a synchronous readahead of several blocks lands before each block is copied out (same
 *  lifetime as `scratch`). */
let runScratch = Buffer.allocUnsafeSlow(64 * 1024)
/** Where such reads decompress their block (same lifetime as `scratch`; a block that decodes
 *  to more than this gets a buffer of its own). */
const decodeScratch = Buffer.allocUnsafeSlow(64 * 1024)

/** Told the start and end of each synchronous block read (`Table.getSync`), e.g. to decide
 *  whether such reads come from the OS page cache. */
export interface ReadTimer {
  /** A timestamp taken just before the read. */
  start(): number
  /** Called just after the read with what `start` returned. */
  record(startedAt: number): void
}

/** What `open` learns from the file before the `Table` exists. */
interface Opened {
  meta: TableMeta
  index: TableIndex
  filter: BloomFilter
  rangeFragments: RangeFragment[]
  pinnedBytes: number
  /** Format version (1 or 2), from the footer. */
  version: number
}

export class Table {
  /** The table's summary (the same values `TableBuilder.finish()` returned). */
  readonly meta: TableMeta
  /** The table's range tombstones, fragmented (sorted by start, disjoint, seqs ascending);
   *  empty for a version-1 table. Read and checked at open. */
  readonly rangeFragments: readonly RangeFragment[]
  readonly path: string
  private readonly fs: FileSystem
  private readonly fd: number
  private readonly cache: BlockCache | undefined
  /** This table's cached blocks by block number: one slot per data block from the start. */
  private readonly space: CacheSpace
  /** This table's id in the cache's doorkeeper. */
  private readonly cacheId = takeCacheId()
  private readonly index: TableIndex
  private readonly filter: BloomFilter
  private readonly pinnedBytes: number
  /** The table's format version (1 or 2) and the length of its block trailers. */
  readonly formatVersion: number
  private readonly trailerBytes: number
  private readonly loading = new Map<number, Promise<Block>>()
  private closed = false
  private closing: Promise<void> | undefined
  private reads = 0
  private readsDrained: (() => void) | undefined

  /**
   * Opens the table at `path`: reads and verifies the footer, filter, properties and index.
   * Rejects with `SSTableCorruptError` when any of them is damaged (bad magic, version, handle
   * or checksum; a truncated file), `IOError` when the file cannot be read.
   */
  static async open(path: string, options?: TableOpenOptions): Promise<Table> {
    const { fs, cache } = resolveOpenOptions(options)
    checkPath(path)
    let fd: number
    try {
      fd = await fs.open(path, 'r')
    } catch (error) {
      throw toIOError(error, 'opening SSTable', path)
    }
    try {
      const { size } = await fs.fstat(fd).catch((error: unknown) => {
        throw toIOError(error, 'reading the size of SSTable', path)
      })
      const footerBytes = await readExactly(fs, fd, path, 'footer', size - FOOTER_BYTES, FOOTER_BYTES, size)
      const footer = parseFooter(path, size, footerBytes)
      const tailOffset = footer.filter.offset
      const tail = await readExactly(
        fs,
        fd,
        path,
        'filter',
        tailOffset,
        size - FOOTER_BYTES - tailOffset,
        size,
      )
      return new Table(path, fs, fd, cache, parseTail(path, size, footer, tail))
    } catch (error) {
      await fs.close(fd).catch(() => undefined)
      throw error
    }
  }

  /** Same as `open`, synchronously. */
  static openSync(path: string, options?: TableOpenOptions): Table {
    const { fs, cache } = resolveOpenOptions(options)
    checkPath(path)
    return withTableFileSync(fs, path, (fd, size) => {
      const footerBytes = readExactlySync(fs, fd, path, 'footer', size - FOOTER_BYTES, FOOTER_BYTES, size)
      const footer = parseFooter(path, size, footerBytes)
      const tailOffset = footer.filter.offset
      const tail = readExactlySync(fs, fd, path, 'filter', tailOffset, size - FOOTER_BYTES - tailOffset, size)
      return new Table(path, fs, fd, cache, parseTail(path, size, footer, tail))
    })
  }

  private constructor(
    path: string,
    fs: FileSystem,
    fd: number,
    cache: BlockCache | undefined,
    opened: Opened,
  ) {
    this.path = path
    this.fs = fs
    this.fd = fd
    this.cache = cache
    this.meta = opened.meta
    this.rangeFragments = opened.rangeFragments
    this.index = opened.index
    this.filter = opened.filter
    this.pinnedBytes = opened.pinnedBytes
    this.formatVersion = opened.version
    this.trailerBytes = trailerBytes(opened.version)
    this.space = cache === undefined ? [] : cacheSpace(opened.index.count)
    cache?.pin(this.pinnedBytes)
  }

  /** Number of data blocks. */
  get blockCount(): number {
    return this.index.count
  }

  /** Whether `close()` was called. */
  get isClosed(): boolean {
    return this.closed
  }

  /**
   * The newest version of `key` with seq <= `atSeq` (default: the newest): a Put entry, a Delete
   * entry (a tombstone: the key is deleted at that snapshot), or `undefined` when this table
   * holds no such version. Consults the bloom filter, then the in-memory index, then at most
   * one data block (from the cache, or one positioned read). Rejects with `ClosedError` after
   * `close()`, `SSTableCorruptError` when that data block is damaged.
   */
  get(key: Uint8Array, atSeq: number = MAX_SEQ): Promise<InternalEntry | undefined> {
    // Not an async function: when the answer needs no I/O (filtered out, or a cached block) it
    // is returned as an already-settled promise, without an async function's bookkeeping.
    let blockIndex: number
    try {
      blockIndex = this.locate(key, atSeq)
      if (blockIndex < 0) return NOT_FOUND
      const block = this.cachedBlock(blockIndex)
      if (block !== undefined) return Promise.resolve(block.find(key, atSeq))
    } catch (error) {
      return Promise.reject(error)
    }
    return this.loadBlock(blockIndex).then((block) => block.find(key, atSeq))
  }

  /** Same answer as `get` when it needs no I/O (filtered out, or the block is cached);
   *  `null` when a block must be read — then call `get`. `hashes`: `key`'s filter hashes, for
   *  a caller that consults several tables (`new FilterHashes().of(key)`). */
  getCached(
    key: Uint8Array,
    atSeq: number = MAX_SEQ,
    hashes?: FilterHashes,
  ): InternalEntry | undefined | null {
    const blockIndex = this.locate(key, atSeq, hashes)
    if (blockIndex < 0) return undefined
    const block = this.cachedBlock(blockIndex)
    return block === undefined ? null : block.find(key, atSeq)
  }

  /**
   * Same answer as `get`, synchronously (`readSync` on a cache miss). `timer`, when given, is
   * told the start and end of that read alone (not of checking or decoding the block);
   * `hashes`, when given, are `key`'s filter hashes (see `getCached`).
   *
   * A missed block is cached when the cache admits it (`BlockCache.admitPointRead`: at once
   * while the cache has room, then on a second miss while its doorkeeper remembers the first);
   * otherwise it is read into a scratch buffer
   * reused by every such read, checked, searched, and dropped, the entry's value copied out.
   * A random walk over data far larger than the cache then allocates nothing per read: fresh
   * memory for every block cost more than the read itself (its pages are faulted in by the
   * kernel as the read fills them).
   */
  getSync(
    key: Uint8Array,
    atSeq: number = MAX_SEQ,
    timer?: ReadTimer,
    hashes?: FilterHashes,
  ): InternalEntry | undefined {
    const blockIndex = this.locate(key, atSeq, hashes)
    if (blockIndex < 0) return undefined
    const block = this.cachedBlock(blockIndex)
    if (block !== undefined) return block.find(key, atSeq)
    if (this.cache?.admitPointRead(this.cacheId, blockIndex)) {
      return this.loadBlockSync(blockIndex, timer).find(key, atSeq)
    }
    return this.loadBlockSync(blockIndex, timer, true).find(key, atSeq, true)
  }

  /**
   * An iterator over the table's entries within the bounds (`gt`/`gte`/`lt`/`lte`; when both of
   * a pair are given, both apply), forward or `reverse`, at snapshot `atSeq` (default: newest).
   * `versions: 'visible'` (default) yields per key the newest version with seq <= atSeq,
   * tombstones included; `'all'` yields every version with seq <= atSeq in internal order (or
   * its reverse). Nothing is read until the first `next()`. Options checked once by
   * `checkTableIteratorOptions` (for many tables) are taken without checking or copying again.
   */
  iterator(options?: TableIteratorOptions | CheckedTableIteratorOptions): TableIterator {
    this.checkOpen()
    return new TableIteratorImpl(this, options)
  }

  /**
   * Closes the table: waits for reads in flight, drops its cached blocks, releases its pinned
   * memory and closes the file. Later calls resolve at once; later reads fail with `ClosedError`.
   */
  close(): Promise<void> {
    if (this.closing === undefined) this.closing = this.closeNow()
    return this.closing
  }

  private async closeNow(): Promise<void> {
    this.closed = true
    this.cache?.dropSpace(this.space)
    this.cache?.pin(-this.pinnedBytes)
    if (this.reads > 0) await new Promise<void>((resolve) => (this.readsDrained = resolve))
    try {
      await this.fs.close(this.fd)
    } catch (error) {
      throw toIOError(error, 'closing SSTable', this.path)
    }
  }

  /** @internal Throws `ClosedError` once closed. */
  checkOpen(): void {
    if (this.closed) throw new ClosedError(`SSTable ${this.path}`)
  }

  /** The data block that may hold `(key, atSeq)`, or -1 when the table certainly has
   *  none (out of its key range, or ruled out by its filter). `hashes`: the filter hashes of
   *  `key`, when the caller computed them for several tables. Throws `ClosedError` once closed,
   *  `InvalidArgumentError` for a bad key or seq. */
  locate(key: Uint8Array, atSeq: number, hashes?: FilterHashes): number {
    this.checkOpen()
    if (!(key instanceof Uint8Array)) {
      throw new InvalidArgumentError('key must be a Uint8Array (or Buffer)', { argument: 'key' })
    }
    if (typeof atSeq !== 'number' || !Number.isSafeInteger(atSeq) || atSeq < 0) {
      throw new InvalidArgumentError(`atSeq must be an integer from 0 to 2^53 - 1, got ${String(atSeq)}`, {
        argument: 'atSeq',
      })
    }
    if (compareKeys(key, this.meta.smallestKey) < 0 || compareKeys(key, this.meta.largestKey) > 0) return -1
    return this.filterAndFind(key, atSeq, hashes)
  }

  /**
   * `locate` without its checks of `key` and `atSeq` and of the table's key range, for a caller
   * that has checked them (the engine's point lookups consult only tables whose file range holds
   * the key): `key` a `Uint8Array`, `atSeq` an integer from 0 to 2^53 - 1. A key outside the
   * range gets -1 or a block that does not hold it, never a wrong entry: the filter and the
   * block search are exact about absence. Throws `ClosedError` once closed.
   */
  locateChecked(key: Uint8Array, atSeq: number, hashes?: FilterHashes): number {
    this.checkOpen()
    return this.filterAndFind(key, atSeq, hashes)
  }

  /** The filter, then the index: the part of `locate` after its checks. */
  private filterAndFind(key: Uint8Array, atSeq: number, hashes: FilterHashes | undefined): number {
    const index = this.index
    if (index.count === 0) return -1
    if (
      !(hashes === undefined
        ? this.filter.mayContain(key)
        : this.filter.mayContainHashes(hashes.h1, hashes.h2))
    ) {
      return -1
    }
    const position = index.find(key, atSeq)
    return position < index.count ? position : -1
  }

  /**
   * @internal First block whose last key is >= `key` (`strict`: > `key`); `blockCount` if none.
   */
  blockAtOrAfter(key: Uint8Array, strict: boolean): number {
    return this.index.atOrAfter(key, strict)
  }

  /** @internal Compares the last key of data block `blockIndex` with `key`. */
  compareLastKey(blockIndex: number, key: Uint8Array): number {
    return this.index.compareLastKey(blockIndex, key)
  }

  /** Whether a point read that missed data block `blockIndex` caches it (the cache's
   *  `admitPointRead`), or reads it into the scratch buffer (`loadBlockSync(…, true)`). */
  admitsPointRead(blockIndex: number): boolean {
    return this.cache?.admitPointRead(this.cacheId, blockIndex) ?? false
  }

  /** @internal Tells the cache that table iterators hold `bytes` more (or fewer) bytes of
   *  readahead blocks. */
  holdIteratorBytes(bytes: number): void {
    this.cache?.holdIteratorBytes(bytes)
  }

  /** The block from the cache (counted as a hit or a miss), if there. */
  cachedBlock(blockIndex: number): Block | undefined {
    return this.cache?.lookup(this.space, blockIndex)
  }

  /** Reads, verifies and caches a block; concurrent loads of one block share a read. Rejects
   *  with `SSTableCorruptError` when it is damaged, `ClosedError` after `close()`. */
  loadBlock(blockIndex: number): Promise<Block> {
    const existing = this.loading.get(blockIndex)
    if (existing !== undefined) return existing
    this.checkOpen()
    const handle = this.handle(blockIndex)
    this.reads++
    const loading = readExactly(
      this.fs,
      this.fd,
      this.path,
      'data',
      handle.offset,
      handle.length + this.trailerBytes,
      undefined,
    )
      .then((bytes) => this.admit(blockIndex, handle, bytes))
      .finally(() => {
        this.loading.delete(blockIndex)
        this.readDone()
      })
    this.loading.set(blockIndex, loading)
    return loading
  }

  /** `loadBlock`, synchronously (`timer`, when given, told of the read). With `scratchRead`, the block is read into the
   *  thread's scratch buffer and not cached: valid only until the next such read. */
  loadBlockSync(blockIndex: number, timer?: ReadTimer, scratchRead = false): Block {
    return this.readBlockSync(blockIndex, timer, scratchRead, true)
  }

  /** `loadBlockSync`; `reuse`: a block to be cached is read into the memory of an evicted one
   *  (`BlockCache.takeBuffer`) when the cache has it. */
  private readBlockSync(
    blockIndex: number,
    timer: ReadTimer | undefined,
    scratchRead: boolean,
    reuse: boolean,
  ): Block {
    this.checkOpen()
    const handle = this.handle(blockIndex)
    const length = handle.length + this.trailerBytes
    const cache = this.cache
    const read = (into: Buffer | undefined) =>
      readExactlySync(this.fs, this.fd, this.path, 'data', handle.offset, length, undefined, timer, into)
    if (!scratchRead && reuse && cache !== undefined && cache.capacityBytes > 0 && !this.closed) {
      const buffer = cache.takeBuffer(length)
      let bytes: Buffer
      try {
        bytes = read(buffer)
      } catch (error) {
        cache.giveBuffer(buffer)
        throw error
      }
      return this.admitReusing(blockIndex, handle, bytes, buffer, cache)
    }
    if (scratchRead && scratch.length < length) {
      scratch = Buffer.allocUnsafeSlow(Math.max(length, 2 * scratch.length))
    }
    const bytes = read(scratchRead ? scratch : undefined)
    if (!scratchRead) return this.admit(blockIndex, handle, bytes)
    // Decompressed into the thread's second scratch buffer: a scratch read allocates nothing.
    const contents = verifyBlock(this.path, handle, bytes, BlockType.Data, this.formatVersion, decodeScratch)
    return new Block(contents, this.path, handle.offset, 'data')
  }

  /** Where the data of keys >= `key` begins in the file: the offset of the first data block whose
   *  last key is >= `key`, or (no such block, or `key` undefined) the end of the data blocks. For
   *  size estimates: the data of the keys in [a, b) is about `approximateOffsetOf(b) -
   *  approximateOffsetOf(a)` bytes. Reads only the index held in memory. */
  approximateOffsetOf(key: Uint8Array | undefined): number {
    this.checkOpen()
    const count = this.blockCount
    if (count === 0) return 0
    const block = key === undefined ? count : this.index.atOrAfter(key, false)
    if (block < count) return this.handle(block).offset
    const last = this.handle(count - 1)
    return last.offset + last.length + this.trailerBytes
  }

  /** @internal Size of data block `blockIndex` with its trailer, in bytes. */
  blockSize(blockIndex: number): number {
    return this.index.lengths[blockIndex]! + this.trailerBytes
  }

  /**
   * @internal Reads data blocks `first..last` (inclusive) in one positioned read, verifies each
   * and caches them: the readahead of a scan. `wanted` is the block the caller needs now: if it
   * is damaged the call fails; another damaged block of the run is left out (`undefined`), so
   * the reads that need it fail when they come to it, and not before. `fillCache: false` (a
   * long scan's full-size readahead) leaves the blocks of a run of several out of the cache: a
   * scan over more data than the cache holds would only evict every other block, and cached
   * blocks outlive the scan as garbage the next major GC frees, not the next young one.
   */
  loadRun(first: number, last: number, wanted: number, fillCache = true): Promise<(Block | undefined)[]> {
    if (first === last) return this.loadBlock(first).then((block) => [block])
    const { offset, length } = this.runExtent(first, last)
    this.reads++
    return readExactly(this.fs, this.fd, this.path, 'data', offset, length, undefined)
      .then((bytes) => this.splitRun(first, last, wanted, bytes, fillCache))
      .finally(() => this.readDone())
  }

  /** @internal `loadRun`, synchronously; `timer` is told the start and end of the read. A run of
   *  several blocks is read into the thread's run buffer, each block copied out of it. */
  loadRunSync(
    first: number,
    last: number,
    wanted: number,
    timer?: ReadTimer,
    fillCache = true,
  ): (Block | undefined)[] {
    // An iterator's block: in fresh memory (its entries are views the caller may keep).
    if (first === last) return [this.readBlockSync(first, timer, false, false)]
    const { offset, length } = this.runExtent(first, last)
    if (runScratch.length < length)
      runScratch = Buffer.allocUnsafeSlow(Math.max(length, 2 * runScratch.length))
    return this.splitRun(
      first,
      last,
      wanted,
      readExactlySync(this.fs, this.fd, this.path, 'data', offset, length, undefined, timer, runScratch),
      fillCache,
    )
  }

  private runExtent(first: number, last: number): BlockHandle {
    this.checkOpen()
    const offset = this.index.offsets[first]!
    return { offset, length: this.index.offsets[last]! + this.blockSize(last) - offset }
  }

  private splitRun(
    first: number,
    last: number,
    wanted: number,
    bytes: Buffer,
    fillCache: boolean,
  ): (Block | undefined)[] {
    const blocks: (Block | undefined)[] = []
    const base = this.index.offsets[first]!
    for (let blockIndex = first; blockIndex <= last; blockIndex++) {
      const handle = this.handle(blockIndex)
      const start = handle.offset - base
      // Each block gets its own memory: a view into the run would keep the whole run alive
      // while the cache charges only the block.
      const own = Buffer.allocUnsafeSlow(handle.length + this.trailerBytes)
      bytes.copy(own, 0, start, start + own.length)
      try {
        blocks.push(this.admit(blockIndex, handle, own, fillCache))
      } catch (error) {
        if (blockIndex === wanted || !(error instanceof SSTableCorruptError)) throw error
        blocks.push(undefined)
      }
    }
    return blocks
  }

  private handle(blockIndex: number): BlockHandle {
    return { offset: this.index.offsets[blockIndex]!, length: this.index.lengths[blockIndex]! }
  }

  private admit(blockIndex: number, handle: BlockHandle, bytes: Buffer, fillCache = true): Block {
    const contents = verifyBlock(this.path, handle, bytes, BlockType.Data, this.formatVersion)
    const block = new Block(contents, this.path, handle.offset, 'data')
    if (fillCache && !this.closed) this.cache?.insert(this.space, blockIndex, block)
    return block
  }

  /** `admit` for a block read into `buffer` (from `cache.takeBuffer`): a raw block stays
   *  there; a compressed one is decompressed into a second such buffer and `buffer` goes back.
   *  The cache may reuse the block's buffer once it evicts the block. */
  private admitReusing(
    blockIndex: number,
    handle: BlockHandle,
    bytes: Buffer,
    buffer: Buffer,
    cache: BlockCache,
  ): Block {
    // Each buffer is given back exactly once, when nothing will read it: on any error, or (the
    // read buffer of a compressed block) once decompressed.
    let holder: Buffer | undefined = buffer
    let block: Block
    try {
      const trailer = readTrailer(bytes, 0, handle.length, BlockType.Data, this.formatVersion)
      if ('reason' in trailer) throw corrupt(this.path, handle.offset + trailer.at, 'data', trailer.reason)
      let contents = bytes.subarray(0, handle.length)
      if (trailer.codec !== CodecId.None) {
        const output = cache.takeBuffer(trailer.rawLength)
        holder = output
        contents = decompress(this.path, handle, 'data', contents, trailer, output)
        cache.giveBuffer(buffer)
        // A codec that cannot decompress in place returned fresh memory: that is what is cached.
        if (contents.buffer !== output.buffer) {
          holder = undefined
          cache.giveBuffer(output)
        }
      }
      block = new Block(contents, this.path, handle.offset, 'data')
    } catch (error) {
      if (holder !== undefined) cache.giveBuffer(holder)
      throw error
    }
    cache.insert(this.space, blockIndex, block, holder)
    return block
  }

  private readDone(): void {
    this.reads--
    if (this.reads === 0 && this.readsDrained !== undefined) {
      const resolve = this.readsDrained
      this.readsDrained = undefined
      resolve()
    }
  }
}

function checkPath(path: unknown): void {
  if (typeof path !== 'string' || path.length === 0) {
    throw new InvalidArgumentError('SSTable path must be a non-empty string', { argument: 'path' })
  }
}

function corrupt(file: string, offset: number, block: SSTableCorruptError['block'], reason: string) {
  return new SSTableCorruptError({ file, offset, block, reason })
}

function checkRead(
  path: string,
  block: SSTableCorruptError['block'],
  position: number,
  length: number,
  fileSize: number | undefined,
): void {
  if (position < 0 || (fileSize !== undefined && position + length > fileSize)) {
    throw corrupt(
      path,
      Math.max(0, position),
      block,
      `file of ${fileSize} bytes is too short for its ${block} block (${length} bytes at ${position}): truncated?`,
    )
  }
}

/** Reads `length` bytes at `position`; a short read (the file ends early) is corruption. */
async function readExactly(
  fs: FileSystem,
  fd: number,
  path: string,
  block: SSTableCorruptError['block'],
  position: number,
  length: number,
  fileSize: number | undefined,
): Promise<Buffer> {
  checkRead(path, block, position, length, fileSize)
  const buffer = Buffer.allocUnsafeSlow(length)
  let done = 0
  while (done < length) {
    let count: number
    try {
      count = await fs.read(fd, buffer, done, length - done, position + done)
    } catch (error) {
      throw toIOError(error, `reading the ${block} block of SSTable`, path)
    }
    if (count === 0) {
      throw corrupt(path, position, block, `file ends ${length - done} bytes before the end of the block`)
    }
    done += count
  }
  return buffer
}

function readExactlySync(
  fs: FileSystem,
  fd: number,
  path: string,
  block: SSTableCorruptError['block'],
  position: number,
  length: number,
  fileSize: number | undefined,
  timer?: ReadTimer,
  into?: Buffer,
): Buffer {
  checkRead(path, block, position, length, fileSize)
  const buffer = into === undefined ? Buffer.allocUnsafeSlow(length) : into.subarray(0, length)
  let done = 0
  while (done < length) {
    let count: number
    const startedAt = timer?.start() ?? 0
    try {
      count = fs.readSync(fd, buffer, done, length - done, position + done)
    } catch (error) {
      throw toIOError(error, `reading the ${block} block of SSTable`, path)
    }
    timer?.record(startedAt)
    if (count === 0) {
      throw corrupt(path, position, block, `file ends ${length - done} bytes before the end of the block`)
    }
    done += count
  }
  return buffer
}

/**
 * Checks a block's trailer (checksum, type, codec) and returns its contents, decompressed when
 * stored compressed (then a fresh buffer). Damage, including bytes that do not decompress, is an
 * `SSTableCorruptError` (a `DecompressionError` is its `cause`).
 */
function verifyBlock(
  path: string,
  handle: BlockHandle,
  bytes: Buffer,
  type: BlockType,
  version: number,
  into?: Buffer,
): Buffer {
  const kind = BLOCK_KIND[type]
  const trailer = readTrailer(bytes, 0, handle.length, type, version)
  if ('reason' in trailer) throw corrupt(path, handle.offset + trailer.at, kind, trailer.reason)
  return decompress(path, handle, kind, bytes.subarray(0, handle.length), trailer, into)
}

/** The contents of a block whose trailer checked out (`blockContents`); bytes that do not
 *  decompress are an `SSTableCorruptError` (the `DecompressionError` its `cause`). */
function decompress(
  path: string,
  handle: BlockHandle,
  kind: SSTableCorruptError['block'],
  stored: Buffer,
  trailer: Trailer,
  into?: Buffer,
): Buffer {
  try {
    return blockContents(stored, trailer, into)
  } catch (error) {
    if (!(error instanceof DecompressionError)) throw error
    throw new SSTableCorruptError({
      file: path,
      offset: handle.offset,
      block: kind,
      reason: error.message,
      cause: error,
    })
  }
}

function parseFooter(path: string, fileSize: number, bytes: Buffer): Footer {
  const footer = decodeFooter(bytes, fileSize)
  if ('reason' in footer) throw corrupt(path, fileSize - FOOTER_BYTES + footer.at, 'footer', footer.reason)
  return footer
}

/** Verifies and decodes the filter, properties and index blocks (`tail` starts at the filter). */
function parseTail(path: string, fileSize: number, footer: Footer, tail: Buffer): Opened {
  const base = footer.filter.offset
  const version = footer.version
  const trailer = trailerBytes(version)
  const slice = (handle: BlockHandle) =>
    tail.subarray(handle.offset - base, handle.offset - base + handle.length + trailer)

  const filterBytes = verifyBlock(path, footer.filter, slice(footer.filter), BlockType.Filter, version)
  const filter = BloomFilter.decode(filterBytes)
  if (typeof filter === 'string') throw corrupt(path, footer.filter.offset, 'filter', filter)

  let rangeFragments: RangeFragment[] = []
  if (footer.rangeTombstones !== undefined) {
    const handle = footer.rangeTombstones
    const rangeBytes = verifyBlock(path, handle, slice(handle), BlockType.RangeTombstones, version)
    const decoded = decodeRangeTombstones(rangeBytes)
    if (typeof decoded === 'string') throw corrupt(path, handle.offset, 'range-tombstones', decoded)
    rangeFragments = decoded
  }

  const propertiesBytes = verifyBlock(
    path,
    footer.properties,
    slice(footer.properties),
    BlockType.Properties,
    version,
  )
  const properties = decodeProperties(propertiesBytes)
  if (typeof properties === 'string') throw corrupt(path, footer.properties.offset, 'properties', properties)

  const indexBytes = verifyBlock(path, footer.index, slice(footer.index), BlockType.Index, version)
  const index = TableIndex.decode(
    new Block(indexBytes, path, footer.index.offset, 'index').decodeAll(),
    footer.filter.offset,
    trailer,
  )
  if (typeof index === 'string') throw corrupt(path, footer.index.offset, 'index', index)

  const indexProblem = (reason: string) => corrupt(path, footer.index.offset, 'index', reason)
  if ((index.count === 0) !== (properties.entryCount === 0)) {
    throw indexProblem(`${index.count} data blocks for ${properties.entryCount} entries`)
  }
  if (index.count > 0 && compareKeys(index.lastKey(index.count - 1), properties.largestKey) !== 0) {
    throw indexProblem('the last block does not end with the largest key')
  }
  const meta: TableMeta = {
    path,
    fileSize,
    entryCount: properties.entryCount,
    tombstoneCount: properties.tombstoneCount,
    smallestKey: properties.smallestKey,
    largestKey: properties.largestKey,
    minSeq: properties.minSeq,
    maxSeq: properties.maxSeq,
    rawKeyBytes: properties.rawKeyBytes,
    rawValueBytes: properties.rawValueBytes,
  }
  const pinnedBytes = filter.byteLength + index.byteLength
  return { meta, index, filter, rangeFragments, pinnedBytes, version }
}

export type { TableIteratorOptions }
