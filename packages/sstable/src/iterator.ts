/**
 * `TableIterator`: walks a table's entries within bounds, forward or in reverse, at a snapshot
 * seq, yielding either the visible version of each key or every version. Inside a data block it
 * walks a `BlockCursor` (block-cursor.ts): a seek binary-searches the block's restart points and
 * decodes entries only from there, one at a time as the walk advances (in reverse, one restart
 * interval at a time); only moving into a block that is not cached needs I/O.
 *
 * The walk itself (`step`) is synchronous and pure: when it needs a block that is not in memory
 * it says which one and stops; `next()` reads it asynchronously, `nextSync()` with `readSync`.
 */
import { ClosedError, type InternalEntry, InvalidArgumentError } from '@strata/base'
import type { Block } from './block.js'
import { BlockCursor } from './block-cursor.js'
import { compareKeys } from './coding.js'
import {
  type Bound,
  type CheckedTableIteratorOptions,
  checkTableIteratorOptions,
  type Position,
  positionAt,
  type TableIteratorOptions,
} from './iterator-options.js'
import type { ReadTimer, Table } from './table.js'

export type { TableIteratorOptions }

/**
 * The reading protocol every sorted source of strata follows (this iterator, the engine's level
 * sources and merge; memtable iterators are `next()`-only and always synchronous):
 *
 * - `tryNext()` answers without I/O: the entry, `undefined` at the end, or `null` when a block
 *   must be read first. A caller that gets `null` chooses how the read happens:
 * - `next()` reads it on the thread pool (a promise), or
 * - `nextSync(timer)` reads it with a synchronous `pread` in this turn.
 *
 * The three advance the same position: after `null`, exactly one of `next()` or `nextSync()`
 * delivers the entry. A merge stays synchronous while every source answers `tryNext()`, and the
 * engine's read-mode governor decides between `nextSync` and `next` when one cannot.
 */
export interface TableIterator extends AsyncIterable<InternalEntry> {
  /** The next entry, or `undefined` at the end. Resolves without I/O when the entry's block is
   *  already decoded. The key is a fresh array the caller owns; the value is a read-only view of
   *  the immutable block (possibly cached and shared): copy it before modifying it. Rejects with `SSTableCorruptError` if a block it needs is damaged,
   *  `ClosedError` after `close()` (of the iterator or its table). */
  next(): Promise<InternalEntry | undefined>
  /** Same as `next()`, synchronously (`readSync` on a cache miss). `timer`, when given, is told
   *  the start and end of each such read (see `Table.getSync`). */
  nextSync(timer?: ReadTimer): InternalEntry | undefined
  /** The next entry if it can be had without I/O: the entry, `undefined` at the end, or `null`
   *  when a block must be read first (or a `next()` is pending) — then await `next()`. Lets a
   *  merging reader stay synchronous while blocks are decoded or cached. */
  tryNext(): InternalEntry | undefined | null
  /** Repositions: the next `next()` yields the first key >= `target` (<= `target` when
   *  reverse), never outside the iterator's bounds. Allowed after the end. */
  seek(target: Uint8Array): void
  /** Releases the iterator; later calls fail with `ClosedError`. */
  close(): void
}

const NEED_BLOCK = Symbol('need block')

/** A read started ahead of need: blocks first..last, the first needed being `start`. */
interface Prefetch {
  first: number
  last: number
  start: number
  blocks: (Block | undefined)[] | undefined
  loading: Promise<void>
}
/** Readahead of a sequential scan doubles from one block up to this many bytes per read. */
const MAX_READAHEAD_BYTES = 256 * 1024

/** The run of an iterator that has read nothing (never written into: a read replaces it). */
const NO_RUN: readonly (Block | undefined)[] = []

/**
 * Cursors of closed iterators, for the next iterators to take: a short seek opens an iterator
 * per table and closes it a few entries later, and a cursor (with its key buffer) is most of
 * what it allocates. A cursor is put here once, by the `close()` that ends its iterator's use
 * of it (every later call of that iterator throws before reaching its cursor).
 */
const spareCursors: BlockCursor[] = []
const MAX_SPARE_CURSORS = 64

export class TableIteratorImpl implements TableIterator {
  private readonly table: Table
  private readonly reverse: boolean
  private readonly atSeq: number
  private readonly all: boolean
  private readonly lower: Bound | undefined
  private readonly upper: Bound | undefined
  /** The data block the walk is in (`blockIndex`), and the walk's position inside it. */
  private block: Block | undefined
  private blockIndex = -1
  private readonly cursor = spareCursors.pop() ?? new BlockCursor()
  /** Reverse, visible mode: an entry taken from the cursor and left for the next call. */
  private lookahead: InternalEntry | undefined
  private pending: Position | undefined
  private wantBlock = -1
  private done = false
  private closed = false
  /** Forward, visible mode: whether the key of the last entry consumed was yielded. */
  private keyYielded = false
  /** Forward: the next entry is the first since a repositioning (treated as a new key). */
  private fresh = true
  /** Reverse, visible mode: the newest visible version seen so far of the current key. */
  private candidate: InternalEntry | undefined
  /** Blocks of the last readahead read: run[i] is block runFirst + i (undefined if damaged). */
  private run: readonly (Block | undefined)[] = NO_RUN
  /** Bytes of the blocks in `run` (told to the table's cache as held by iterators). */
  private runBytes = 0
  private runFirst = 0
  /** The block furthest along the walk that this iterator read, and the readahead size. */
  private lastRead = -2
  private readahead = 0
  /** Whether the last read was sequential (the block right after the one read before it). */
  private walking = false
  /** The read started ahead of need, if any. */
  private prefetch: Prefetch | undefined
  /** A `next()` waiting on I/O; later calls queue behind it. */
  private inflight: Promise<unknown> | undefined

  /** `options`: checked ones (`checkTableIteratorOptions`) are taken as they are. */
  constructor(table: Table, options: TableIteratorOptions | CheckedTableIteratorOptions | undefined) {
    this.table = table
    const checked = checkTableIteratorOptions(options)
    this.reverse = checked.reverse
    this.atSeq = checked.atSeq
    this.all = checked.all
    this.lower = checked.lower
    this.upper = checked.upper
    this.pending = checked.start
  }

  next(): Promise<InternalEntry | undefined> {
    if (this.inflight !== undefined) {
      const queued = this.inflight.then(
        () => this.next(),
        () => this.next(),
      )
      return queued
    }
    let result: InternalEntry | undefined | typeof NEED_BLOCK
    try {
      this.checkOpen()
      result = this.step()
    } catch (error) {
      return Promise.reject(error)
    }
    if (result !== NEED_BLOCK) return Promise.resolve(result)
    const slow = this.nextSlow()
    this.inflight = slow
    const clear = () => {
      if (this.inflight === slow) this.inflight = undefined
    }
    slow.then(clear, clear)
    return slow
  }

  private async nextSlow(): Promise<InternalEntry | undefined> {
    for (;;) {
      const wanted = this.wantBlock
      const ahead = this.prefetch
      let first: number
      let last: number
      let blocks: (Block | undefined)[]
      if (ahead !== undefined && wanted === ahead.start) {
        this.prefetch = undefined
        await ahead.loading
        first = ahead.first
        last = ahead.last
        blocks = ahead.blocks!
      } else {
        ;[first, last] = this.planRead(wanted)
        blocks = await this.table.loadRun(first, last, wanted, this.fillsCache())
      }
      this.checkOpen()
      this.installRun(wanted, first, last, blocks)
      this.startPrefetch()
      const result = this.step()
      if (result !== NEED_BLOCK) return result
    }
  }

  tryNext(): InternalEntry | undefined | null {
    this.checkOpen()
    if (this.inflight !== undefined) return null
    // `step` already takes blocks that were read ahead or are cached; NEED_BLOCK means I/O.
    const result = this.step()
    return result === NEED_BLOCK ? null : result
  }

  nextSync(timer?: ReadTimer): InternalEntry | undefined {
    this.checkOpen()
    if (this.inflight !== undefined) {
      throw new InvalidArgumentError('nextSync() was called while a next() is still pending; await it first')
    }
    for (;;) {
      const result = this.step()
      if (result !== NEED_BLOCK) return result
      const wanted = this.wantBlock
      const [first, last] = this.planRead(wanted)
      this.installRun(
        wanted,
        first,
        last,
        this.table.loadRunSync(first, last, wanted, timer, this.fillsCache()),
      )
    }
  }

  seek(target: Uint8Array): void {
    this.checkOpen()
    if (!(target instanceof Uint8Array)) {
      throw new InvalidArgumentError('seek target must be a Uint8Array (or Buffer)', { argument: 'target' })
    }
    if (this.reverse) {
      const upper = this.upper
      const order = upper === undefined ? -1 : compareKeys(target, upper.key)
      this.pending =
        order > 0 || (order === 0 && !upper!.inclusive)
          ? positionAt(upper)
          : { target: new Uint8Array(target), inclusive: true }
    } else {
      const lower = this.lower
      const order = lower === undefined ? 1 : compareKeys(target, lower.key)
      this.pending =
        order < 0 || (order === 0 && !lower!.inclusive)
          ? positionAt(lower)
          : { target: new Uint8Array(target), inclusive: true }
    }
    this.done = false
    this.keyYielded = false
    this.candidate = undefined
    this.lookahead = undefined
  }

  close(): void {
    if (this.closed) return
    this.closed = true
    this.prefetch = undefined
    this.holdRun(NO_RUN)
    this.cursor.release()
    if (spareCursors.length < MAX_SPARE_CURSORS) spareCursors.push(this.cursor)
    this.block = undefined
    this.blockIndex = -1
  }

  [Symbol.asyncIterator](): AsyncIterator<InternalEntry> {
    return {
      next: async () => {
        const entry = await this.next()
        return entry === undefined ? { done: true, value: undefined } : { done: false, value: entry }
      },
      return: async () => {
        this.close()
        return { done: true, value: undefined }
      },
    }
  }

  private checkOpen(): void {
    if (this.closed) throw new ClosedError('SSTable iterator')
    this.table.checkOpen()
  }

  /** Makes block `index` the decoded one if it is in memory; else records it as wanted. */
  private ensureBlock(index: number): boolean {
    if (index === this.blockIndex) return true
    // Bounds checked first: a read past an array's end is a slow path in V8.
    const inRun = index - this.runFirst
    const fromRun = inRun >= 0 && inRun < this.run.length ? this.run[inRun] : undefined
    if (fromRun !== undefined) {
      this.install(index, fromRun)
      return true
    }
    const block = this.table.cachedBlock(index)
    if (block === undefined) {
      this.wantBlock = index
      return false
    }
    this.install(index, block)
    return true
  }

  /**
   * Which blocks to read for `wanted`: just it, unless the walk is sequential (it wants the
   * block right after the last one it read) for the second read in a row, in which case the
   * readahead doubles, up to MAX_READAHEAD_BYTES, and the following blocks in the walk's
   * direction come along. A short seek that runs past the end of the block it landed in reads
   * one more block, not a run it will not use.
   */
  private planRead(wanted: number): [number, number] {
    const sequential = wanted === this.lastRead + (this.reverse ? -1 : 1)
    this.readahead =
      sequential && this.walking ? Math.min(MAX_READAHEAD_BYTES, Math.max(2 * this.readahead, 16 * 1024)) : 0
    this.walking = sequential
    return this.extent(wanted)
  }

  /** Whether the next read puts its blocks in the block cache: not once the walk reads ahead at
   *  full size (a long scan; `Table.loadRun`), so a scan neither evicts what point reads use nor
   *  leaves its blocks behind as long-lived garbage. */
  private fillsCache(): boolean {
    return this.readahead < MAX_READAHEAD_BYTES
  }

  /** The blocks one read fetches starting at `start`, in the walk's direction, within the
   *  current readahead size (at least `start` itself). */
  private extent(start: number): [number, number] {
    const table = this.table
    let first = start
    let last = start
    let bytes = table.blockSize(start)
    if (this.reverse) {
      while (first > 0 && bytes + table.blockSize(first - 1) <= this.readahead)
        bytes += table.blockSize(--first)
    } else {
      const count = table.blockCount
      while (last + 1 < count && bytes + table.blockSize(last + 1) <= this.readahead)
        bytes += table.blockSize(++last)
    }
    return [first, last]
  }

  /**
   * Once a scan reads ahead at full size, the read after the current one is started as soon as
   * the current one arrives (asynchronous `next()` only), so decoding and I/O overlap.
   */
  private startPrefetch(): void {
    if (this.readahead < MAX_READAHEAD_BYTES) return
    const start = this.lastRead + (this.reverse ? -1 : 1)
    if (start < 0 || start >= this.table.blockCount) return
    const [first, last] = this.extent(start)
    const prefetch: Prefetch = { first, last, start, blocks: undefined, loading: undefined as never }
    prefetch.loading = this.table.loadRun(first, last, start, this.fillsCache()).then((blocks) => {
      prefetch.blocks = blocks
    })
    prefetch.loading.catch(() => {
      // Reported to the read that needs the block, if any comes.
    })
    this.prefetch = prefetch
  }

  /** Makes `blocks` the readahead run, telling the table how many bytes of blocks it holds. */
  private holdRun(blocks: readonly (Block | undefined)[]): void {
    let bytes = 0
    for (const block of blocks) if (block !== undefined) bytes += block.bytes.length
    if (bytes !== this.runBytes) this.table.holdIteratorBytes(bytes - this.runBytes)
    this.runBytes = bytes
    this.run = blocks
  }

  private installRun(wanted: number, first: number, last: number, blocks: (Block | undefined)[]): void {
    this.holdRun(blocks)
    this.runFirst = first
    this.lastRead = this.reverse ? first : last
    this.install(wanted, blocks[wanted - first]!)
  }

  /** Makes `block` (data block `index`) the one the walk is in, at its start (reverse: its end). */
  private install(index: number, block: Block): void {
    this.block = block
    this.blockIndex = index
    // A pending repositioning places the cursor itself (`position`): entering first is wasted.
    if (this.pending === undefined) this.cursor.enter(block, this.reverse)
  }

  /** The next entry, `undefined` at the end, or NEED_BLOCK (block `wantBlock` must be read). */
  private step(): InternalEntry | undefined | typeof NEED_BLOCK {
    if (this.pending !== undefined && !this.position(this.pending)) return NEED_BLOCK
    if (this.done) return undefined
    return this.reverse ? this.stepBackward() : this.stepForward()
  }

  /** Applies a pending repositioning; false when a block must be read first. */
  private position(pending: Position): boolean {
    const count = this.table.blockCount
    const target = pending.target
    let index: number
    if (target === undefined) index = this.reverse ? count - 1 : 0
    else if (this.reverse) index = Math.min(this.table.blockAtOrAfter(target, pending.inclusive), count - 1)
    else index = this.table.blockAtOrAfter(target, !pending.inclusive)
    if (index < 0 || index >= count) {
      this.pending = undefined
      this.done = true
      return true
    }
    if (!this.ensureBlock(index)) return false
    const block = this.block!
    // Forward: at the first entry with key >= target (> when exclusive). Reverse: after the
    // last entry with key <= target (< when exclusive).
    if (target === undefined) this.cursor.enter(block, this.reverse)
    else if (this.reverse) this.cursor.seekBefore(block, target, pending.inclusive)
    else this.cursor.seek(block, target, !pending.inclusive)
    this.lookahead = undefined
    this.pending = undefined
    this.done = false
    this.keyYielded = false
    this.fresh = true
    return true
  }

  private stepForward(): InternalEntry | undefined | typeof NEED_BLOCK {
    const upper = this.upper
    const atSeq = this.atSeq
    const cursor = this.cursor
    for (;;) {
      if (!cursor.advance()) {
        const next = this.blockIndex + 1
        if (next >= this.table.blockCount) return this.finish()
        if (!this.ensureBlock(next)) return NEED_BLOCK
        continue
      }
      // The cursor compares keys in its own buffer, never keys it has handed out (a caller may
      // have changed their bytes); skipped versions are never copied out.
      if (!cursor.sameKey || this.fresh) {
        // A new key: check the upper bound (versions of a key in range are all in range).
        this.fresh = false
        this.keyYielded = false
        if (upper !== undefined) {
          const order = cursor.compareKey(upper.key)
          if (order > 0 || (order === 0 && !upper.inclusive)) return this.finish()
        }
      }
      if (cursor.seq > atSeq) continue
      if (!this.all) {
        if (this.keyYielded) continue
        this.keyYielded = true
      }
      return cursor.entry()
    }
  }

  private stepBackward(): InternalEntry | undefined | typeof NEED_BLOCK {
    const lower = this.lower
    const atSeq = this.atSeq
    for (;;) {
      const entry = this.lookahead ?? this.cursor.previous()
      this.lookahead = undefined
      if (entry === undefined) {
        const previous = this.blockIndex - 1
        if (previous < 0) return this.finish()
        const candidate = this.candidate
        if (candidate !== undefined && this.table.compareLastKey(previous, candidate.key) !== 0) {
          // The index shows no older version of this key in the previous block: yield it now,
          // without reading that block.
          this.candidate = undefined
          return candidate
        }
        if (!this.ensureBlock(previous)) return NEED_BLOCK
        continue
      }
      if (lower !== undefined) {
        const order = compareKeys(entry.key, lower.key)
        if (order < 0 || (order === 0 && !lower.inclusive)) return this.finish()
      }
      if (this.all) {
        if (entry.seq > atSeq) continue
        return entry
      }
      const candidate = this.candidate
      if (candidate !== undefined && compareKeys(entry.key, candidate.key) !== 0) {
        // A smaller key: the current key is complete. Leave `entry` for the next call.
        this.candidate = undefined
        this.lookahead = entry
        return candidate
      }
      if (entry.seq <= atSeq) this.candidate = entry
    }
  }

  /** Ends the walk; in reverse visible mode the last key's candidate is still due. */
  private finish(): InternalEntry | undefined {
    this.done = true
    const candidate = this.candidate
    this.candidate = undefined
    return candidate
  }
}
