/**
 * Iteration over one snapshot of the memtable: index nodes that no write changes any more (a
 * write copies them first: slice-tree.ts) and immutable version records.
 */
import {
  compareBytes,
  describeType,
  type InternalEntry,
  InvalidArgumentError,
  type KeyRange,
  MAX_SEQ,
} from '@strata/base'
import { NO_RECORD, type RecordLog } from './record-log.js'
import { continuesPast, SLICE_BYTES, sliceOf } from './slice.js'
import { childRoot, NO_VALUE, SliceCursor, type SliceIndex } from './slice-tree.js'
import { checkKey, checkSeq } from './validate.js'

export interface MemtableIteratorOptions {
  /** Descending key order. Default false (ascending). */
  reverse?: boolean
  /** Snapshot: only versions with seq <= atSeq exist for the iterator. Default MAX_SEQ. */
  atSeq?: number
  /** 'visible' (default): the newest version per key, tombstones included. 'all': every version,
   *  in internal order (key ascending, seq descending), reversed when `reverse` is true. */
  versions?: 'visible' | 'all'
}

export interface MemtableIterator extends Iterable<InternalEntry> {
  /** The next entry, or `undefined` at the end (and after it, until `seek`). Synchronous. */
  next(): InternalEntry | undefined
  /**
   * Repositions the iterator, forwards or backwards: `next()` then yields the first key >= target
   * (<= target in reverse) that lies within the bounds (with all of its versions in 'all' mode).
   * A target outside the bounds clamps to them. Throws `InvalidArgumentError` for a non-byte target.
   */
  seek(target: Uint8Array): void
  /**
   * Ends the iterator: `next()` yields nothing more (a `seek` does not revive it). Optional, and
   * idempotent; but while an iterator of a writable memtable is open, every write copies the
   * index nodes it changes (they may be this iterator's), so a writer that also iterates keeps
   * its memtable small by closing its iterators. The engine closes its own.
   */
  close(): void
}

/** Read-ahead: keys found per batch, from FIRST_BATCH after each (re)positioning up to MAX_BATCH. */
const FIRST_BATCH = 4
const MAX_BATCH = 64

/** Where the walk is in one layer of the index. */
interface Frame {
  /** The walk of the layer's tree: its `slice` and `value` (a record, or a layer below). */
  readonly cursor: SliceCursor
  /** A record to yield before reading the cursor again (found while positioning), or NO_RECORD. */
  pending: number
  /** True while every layer above agreed with the far bound's slices (the upper bound going
   *  forward, the lower one in reverse), so entries here must be checked against that bound. */
  boundary: boolean
}

export class MemtableIteratorImpl implements MemtableIterator {
  private readonly index: SliceIndex
  private readonly root: number
  private readonly log: RecordLog
  private readonly reverse: boolean
  private readonly atSeq: number
  private readonly all: boolean
  private readonly lower: Uint8Array | undefined
  private readonly lowerExclusive: boolean
  private readonly upper: Uint8Array | undefined
  private readonly upperExclusive: boolean
  /** The bound the walk runs towards (upper forward, lower in reverse), and whether it is exclusive. */
  private readonly far: Uint8Array | undefined
  private readonly farExclusive: boolean
  /** One frame per layer from the top layer down to the one being walked; reused. */
  private readonly frames: Frame[] = []
  /** Index in `frames` of the layer being walked; -1 once the end is reached. */
  private depth = -1
  /**
   * Head records of the next keys, found ahead of time: reading their headers in one tight loop
   * lets the CPU overlap the cache misses, which otherwise dominate a scan (records are in write
   * order, a scan goes in key order). Grown with the batch (a short seek never needs MAX_BATCH).
   */
  private readonly ahead: number[] = []
  private aheadIndex = 0
  private aheadLength = 0
  private batch = FIRST_BATCH
  /** 'all' mode, forward: the next older version of the current key to yield, or NO_RECORD. */
  private older = NO_RECORD
  /** 'all' mode, reverse: versions of the current key still to yield, the next one last. */
  private readonly stack: number[] = []

  /** Told once, on the first `close()` (the memtable's count of open snapshots). */
  private onClose: (() => void) | undefined
  private closed = false

  constructor(
    index: SliceIndex,
    root: number,
    log: RecordLog,
    options: KeyRange & MemtableIteratorOptions,
    onClose?: () => void,
  ) {
    const { gt, gte, lt, lte, reverse, atSeq, versions: mode } = options
    if (reverse !== undefined && typeof reverse !== 'boolean') {
      throw new InvalidArgumentError(`options.reverse must be a boolean, got ${describeType(reverse)}`, {
        argument: 'options.reverse',
      })
    }
    if (atSeq !== undefined) checkSeq(atSeq, 'options.atSeq')
    if (mode !== undefined && mode !== 'visible' && mode !== 'all') {
      throw new InvalidArgumentError(
        `options.versions must be 'visible' or 'all', got ${typeof mode === 'string' ? `'${mode}'` : describeType(mode)}`,
        { argument: 'options.versions' },
      )
    }
    if (gt !== undefined) checkKey(gt, 'options.gt')
    if (gte !== undefined) checkKey(gte, 'options.gte')
    if (lt !== undefined) checkKey(lt, 'options.lt')
    if (lte !== undefined) checkKey(lte, 'options.lte')
    // Both bounds of a side apply: keep the tighter one.
    if (gt !== undefined && (gte === undefined || compareBytes(gt, gte) >= 0)) {
      this.lower = gt
      this.lowerExclusive = true
    } else {
      this.lower = gte
      this.lowerExclusive = false
    }
    if (lt !== undefined && (lte === undefined || compareBytes(lt, lte) <= 0)) {
      this.upper = lt
      this.upperExclusive = true
    } else {
      this.upper = lte
      this.upperExclusive = false
    }
    this.index = index
    this.root = root
    this.log = log
    this.onClose = onClose
    this.reverse = reverse === true
    this.atSeq = atSeq ?? MAX_SEQ
    this.all = mode === 'all'
    this.far = this.reverse ? this.lower : this.upper
    this.farExclusive = this.reverse ? this.lowerExclusive : this.upperExclusive
    this.position(undefined)
  }

  next(): InternalEntry | undefined {
    const log = this.log
    if (this.all) {
      if (this.older !== NO_RECORD) {
        // Older versions of the current key: all have seq <= atSeq, since a chain is newest first.
        const record = this.older
        this.older = log.next(record)
        return log.entry(record)
      }
      if (this.stack.length > 0) return log.entry(this.stack.pop()!)
    }
    for (;;) {
      if (this.aheadIndex === this.aheadLength && !this.readAhead()) return undefined
      const head = this.ahead[this.aheadIndex++]!
      const record = log.visible(head, this.atSeq)
      if (record === NO_RECORD) continue
      if (this.all && log.next(record) !== NO_RECORD) {
        if (!this.reverse) {
          this.older = log.next(record)
        } else {
          // Reverse internal order yields a key's versions oldest first: stack them in chain
          // order (newest at the bottom) and pop.
          for (let at = record; at !== NO_RECORD; at = log.next(at)) this.stack.push(at)
          return log.entry(this.stack.pop()!)
        }
      }
      return log.entry(record)
    }
  }

  seek(target: Uint8Array): void {
    checkKey(target, 'target')
    if (this.closed) return
    this.position(target)
  }

  close(): void {
    if (this.closed) return
    this.closed = true
    this.older = NO_RECORD
    this.stack.length = 0
    this.aheadIndex = 0
    this.aheadLength = 0
    this.depth = -1
    const onClose = this.onClose
    this.onClose = undefined
    onClose?.()
  }

  [Symbol.iterator](): Iterator<InternalEntry> {
    // One result object for the whole walk (a `for...of` reads it before asking for the next),
    // instead of a generator's new result per entry: a flush walks every entry this way.
    const result: { done: boolean; value: InternalEntry | undefined } = { done: false, value: undefined }
    return {
      next: () => {
        const entry = this.next()
        if (entry === undefined) {
          result.done = true
          result.value = undefined
        } else result.value = entry
        return result as IteratorResult<InternalEntry>
      },
    }
  }

  /** Finds the next batch of keys; false at the end. */
  private readAhead(): boolean {
    const batch = this.batch
    const ahead = this.ahead
    let length = 0
    while (length < batch) {
      const head = this.nextKey()
      if (head === NO_RECORD) break
      ahead[length++] = head
    }
    if (batch < MAX_BATCH) this.batch = batch * 2
    this.aheadIndex = 0
    this.aheadLength = length
    if (length > 1) this.log.touch(ahead, length)
    return length > 0
  }

  /** The head record of the next key within the bounds, or NO_RECORD at the end. */
  private nextKey(): number {
    const frames = this.frames
    while (this.depth >= 0) {
      const frame = frames[this.depth]!
      if (frame.pending !== NO_RECORD) {
        // Found while positioning, and already checked against the bounds there.
        const record = frame.pending
        frame.pending = NO_RECORD
        return record
      }
      const cursor = frame.cursor
      if (!cursor.next()) {
        this.depth--
        continue
      }
      const found = cursor.value
      let boundary = false
      if (frame.boundary) {
        const slice = cursor.slice
        const farSlice = sliceOf(this.far!, this.depth * SLICE_BYTES)
        if (this.reverse ? slice < farSlice : slice > farSlice) return this.end()
        // Same slice as the far bound: a key here is the bound itself or, when both go on past
        // the slice, the bytes after it decide; a layer here is on the boundary in turn.
        boundary = slice === farSlice
        if (boundary && found >= 0 && !this.withinFar(found)) return this.end()
      }
      if (found >= 0) return found
      this.enter(childRoot(found), boundary, undefined)
    }
    return NO_RECORD
  }

  /** True when the key of `record` is on the near side of the far bound (or on it, inclusive). */
  private withinFar(record: number): boolean {
    const order = this.log.compareKey(record, this.far!, 0)
    if (order === 0) return !this.farExclusive
    return this.reverse ? order > 0 : order < 0
  }

  /** Pushes a frame for the layer whose tree has root `layer`, positioned at its start (or at
   *  `from`, a slice number, when given). */
  private enter(layer: number, boundary: boolean, from: number | undefined, skipFrom = false): Frame {
    const depth = ++this.depth
    let frame = this.frames[depth]
    if (frame === undefined) {
      frame = { cursor: new SliceCursor(), pending: NO_RECORD, boundary }
      this.frames[depth] = frame
    } else {
      frame.pending = NO_RECORD
      frame.boundary = boundary
    }
    frame.cursor.start(this.index, layer, this.reverse, from, skipFrom)
    return frame
  }

  /**
   * Starts the walk at the near bound, or at `target` when it lies further in (seek): the first
   * key >= start going forward (> for an exclusive bound), <= start in reverse.
   */
  private position(target: Uint8Array | undefined): void {
    this.older = NO_RECORD
    this.stack.length = 0
    this.aheadIndex = 0
    this.aheadLength = 0
    this.batch = FIRST_BATCH
    this.depth = -1
    const reverse = this.reverse
    let start = reverse ? this.upper : this.lower
    let exclusive = reverse ? this.upperExclusive : this.lowerExclusive
    if (target !== undefined) {
      const order = start === undefined ? 0 : compareBytes(target, start)
      if (start === undefined || (reverse ? order < 0 : order > 0)) {
        start = target
        exclusive = false
      }
    }
    // The far bound matters only if it is not already behind the start (then nothing is left).
    let boundary = this.far !== undefined
    if (start === undefined) {
      this.enter(this.root, boundary, undefined)
      return
    }
    let layer = this.root
    for (let offset = 0; ; offset += SLICE_BYTES) {
      const slice = sliceOf(start, offset)
      if (!continuesPast(start, offset)) {
        // The start key ends in this layer: begin at its slice (after it, if exclusive).
        if (reverse) this.enter(layer, boundary, slice, exclusive)
        else this.enter(layer, boundary, exclusive ? slice + 1 : slice)
        return
      }
      const found = this.index.get(layer, slice)
      // Keys with this slice are dealt with below; the cursor goes on after them.
      const frame = reverse
        ? this.enter(layer, boundary, slice, true)
        : this.enter(layer, boundary, slice + 1)
      if (found === NO_VALUE) return
      const farSlice = boundary ? sliceOf(this.far!, offset) : 0
      if (found >= 0) {
        const order = this.log.compareKey(found, start, offset)
        if (order === 0 ? !exclusive : reverse ? order < 0 : order > 0) {
          frame.pending = found
          // Pending records skip the slice test in nextKey; apply the far bound here.
          if (boundary && (reverse ? slice < farSlice : slice > farSlice)) frame.pending = NO_RECORD
          else if (boundary && slice === farSlice && !this.withinFar(found)) frame.pending = NO_RECORD
        }
        return
      }
      if (boundary && (reverse ? slice < farSlice : slice > farSlice)) return
      boundary = boundary && slice === farSlice
      layer = childRoot(found)
    }
  }

  private end(): number {
    this.depth = -1
    return NO_RECORD
  }
}
