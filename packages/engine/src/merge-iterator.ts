/**
 * Merges sorted sources (memtables, tables) into one stream of visible entries: a heap ordered
 * by key (descending when reverse); for a key present in several sources the newest version
 * (largest seq) wins and the rest are skipped; tombstones hide the key and are dropped.
 *
 * Each source yields at most one version per key, already filtered to the read's snapshot
 * ('visible' mode of the memtable and table iterators), tombstones included.
 *
 * The merge is synchronous while every source can answer without I/O (memtables always can;
 * tables can while their blocks are decoded, read ahead or cached): `next()` then returns the
 * entry itself, and a scan costs no promise per entry. Only when a source must read does
 * `next()` return a promise.
 *
 * A source that can bound its entries without reading (`startBound`: a level whose next table
 * starts past the seek target) enters the heap at that bound and is read only when the bound
 * reaches the top: a short seek that ends before it never reads its block. The heap's order
 * stays sound because every entry the source yields lies at or beyond its bound; a stand-in at
 * the top is read before its key could be yielded or could equal the key being resolved.
 */
import { compareBytes, type InternalEntry, OpType } from '@strata/base'
import type { ReadTimer } from '@strata/sstable'
import { Heap } from './heap.js'
import { type RangeSkip, SKIP_TO_END } from './range-skip.js'

/** A sorted source of entries, read by the `next`/`tryNext`/`nextSync` protocol explained on
 *  `TableIterator` in @strata/sstable. Sources without `tryNext` (memtables) are synchronous
 *  through `next()`. */
export interface EntrySource {
  next(): InternalEntry | undefined | Promise<InternalEntry | undefined>
  tryNext?(): InternalEntry | undefined | null
  nextSync?(timer: ReadTimer): InternalEntry | undefined
  seek(target: Uint8Array): void
  /** Releases what the source holds (table iterators); memtable iterators need nothing. */
  close?(): void
  /**
   * Called right after the source is positioned (created, or `seek`): a key that every entry
   * it will yield is at or after (at or before, reverse) and that lies past the position it
   * was given, known without reading anything (a level: its next table's smallest key); or
   * undefined when it cannot tell without reading. A source that gives one is read only once
   * the merge reaches that key.
   */
  startBound?(): Uint8Array | undefined
}

interface Head {
  /** The source's next entry; for a head not `positioned` yet, a stand-in whose key is the
   *  source's `startBound()` (never yielded). */
  entry: InternalEntry
  source: EntrySource
  /** Position of the source: a lower rank is a newer source (breaks seq ties, never expected). */
  rank: number
  /** False until the source is read: its entries all lie at or beyond `entry.key`. */
  positioned: boolean
}

/** A source that must read before the merge can go on. */
const STALLED = Symbol('stalled')

/** `firstEntry`'s answer for a source left unread at its start bound. */
const NOT_READ = Symbol('not read')

/** The stand-in entry of a source not read yet: its `startBound()` key (never yielded). */
function boundEntry(key: Uint8Array): InternalEntry {
  return { key, seq: 0, op: OpType.Put, value: null }
}

/** Whether a block a source must read is read synchronously now (the engine's read-mode
 *  governor), and the timer told of each such read. */
export interface SyncReads extends ReadTimer {
  readSync(): boolean
}

export class MergeIterator {
  private readonly heap: Heap<Head>
  private started = false
  private pendingSeek: Uint8Array | undefined
  private readonly direction: number
  /** The newest version so far of the key being resolved, if a key is being resolved. */
  private winner: InternalEntry | undefined
  /** A head taken out of the heap because its source must read before it can advance. */
  private stalled: Head | undefined
  /** The pending `next()` of the stalled source, when it had no `tryNext` and already started one. */
  private stalledResult: Promise<InternalEntry | undefined> | undefined

  /** `reads`: when a source must read a block and `reads.readSync()` allows, the source reads
   *  it synchronously (`nextSync`) and the merge goes on without a promise, as a point read
   *  does; otherwise (or without `reads`) the read goes through `next()`'s promise. */
  constructor(
    private readonly sources: EntrySource[],
    reverse: boolean,
    private readonly reads?: SyncReads,
    /** True for an entry a range tombstone deleted at the read's snapshot: skipped as a
     *  tombstone is. */
    private readonly covered?: (entry: InternalEntry) => boolean,
    /** After a covered entry, seeks the sources it allows past the covering tombstone. */
    private readonly skip?: RangeSkip,
  ) {
    this.direction = reverse ? -1 : 1
    this.heap = new Heap<Head>((a, b) => this.less(a, b))
  }

  /** The next visible entry (never a tombstone) or undefined at the end — directly when no
   *  source needs to wait for I/O, else as a promise. */
  next(): InternalEntry | undefined | Promise<InternalEntry | undefined> {
    if (!this.started || this.pendingSeek !== undefined) {
      const filling = this.fill()
      if (filling !== undefined) return filling.then(() => this.next())
    }
    const result = this.step()
    if (result !== STALLED) return result
    return this.refillStalled().then(() => this.next())
  }

  /** The next `next()` starts at the first key >= target (<= target when reverse). */
  seek(target: Uint8Array): void {
    this.pendingSeek = target
  }

  close(): void {
    for (const source of this.sources) source.close?.()
    this.heap.reset()
    this.stalled = undefined
    this.winner = undefined
  }

  private step(): InternalEntry | undefined | typeof STALLED {
    for (;;) {
      if (this.stalled !== undefined) return STALLED
      const top = this.heap.top()
      // A source not read yet, at the top: read it before its bound could be taken as an entry
      // or could hide a version of the key being resolved. Past that key it may wait.
      if (
        top !== undefined &&
        !top.positioned &&
        (this.winner === undefined || compareBytes(top.entry.key, this.winner.key) * this.direction <= 0)
      ) {
        top.positioned = true
        this.advance(top)
        continue
      }
      if (this.winner === undefined) {
        if (top === undefined) return undefined
        this.winner = top.entry
        this.advance(top)
        continue
      }
      // Other sources holding the same key: keep the newest version, skip the rest.
      if (top !== undefined && compareBytes(top.entry.key, this.winner.key) === 0) {
        if (top.entry.seq > this.winner.seq) this.winner = top.entry
        this.advance(top)
        continue
      }
      const winner = this.winner
      this.winner = undefined
      if (winner.op === OpType.Delete) continue
      if (this.covered === undefined || !this.covered(winner)) return winner
      if (this.skip !== undefined) this.skipCovered(this.skip)
    }
  }

  /** Seeks the sources at the top of the heap past the range tombstone that covered the last
   *  entry, while `skip` allows (range-skip.ts); each source at most once (a seek that lands
   *  inside the range, at a bound of the iterator, is then stepped as usual). */
  private skipCovered(skip: RangeSkip): void {
    let sought: Set<Head> | undefined
    for (let top = this.heap.top(); top !== undefined && this.stalled === undefined; top = this.heap.top()) {
      if (sought?.has(top)) return
      const target = skip.targetFor(top.entry.key, top.rank)
      if (target === undefined) return
      if (target === SKIP_TO_END) this.heap.popTop()
      else {
        sought ??= new Set()
        sought.add(top)
        top.source.seek(target)
        top.positioned = true
        this.advance(top)
      }
    }
  }

  /** Moves the heap's top to its source's next entry: re-sifted, dropped at the end, or set
   *  aside as stalled when the source must read first. */
  private advance(head: Head): void {
    const source = head.source
    let entry: InternalEntry | undefined | null
    if (source.tryNext !== undefined) entry = this.nextWithoutWaiting(source)
    else {
      const result = source.next()
      // A source without tryNext that turned out asynchronous: the refill awaits this result.
      if (result instanceof Promise) this.stalledResult = result
      entry = result instanceof Promise ? null : result
    }
    if (entry === null) {
      this.heap.popTop()
      this.stalled = head
      return
    }
    if (entry === undefined) {
      this.heap.popTop()
      return
    }
    head.entry = entry
    this.heap.topChanged()
  }

  private async refillStalled(): Promise<void> {
    const head = this.stalled!
    const pending = this.stalledResult
    this.stalledResult = undefined
    const entry = await (pending ?? head.source.next())
    this.stalled = undefined
    if (entry !== undefined) {
      head.entry = entry
      this.heap.push(head)
    }
  }

  /** (Re)starts the merge at the pending seek target: every source's first entry. Synchronous
   *  while no source must wait for I/O; from the first that must, a promise. */
  private fill(): Promise<void> | undefined {
    this.started = true
    const target = this.pendingSeek
    this.pendingSeek = undefined
    this.heap.reset()
    this.winner = undefined
    this.stalled = undefined
    this.stalledResult = undefined
    for (let rank = 0; rank < this.sources.length; rank++) {
      const entry = this.firstEntry(rank, target)
      if (entry instanceof Promise) return this.fillFrom(rank, entry, target)
      if (entry !== undefined) this.heap.push(this.headOf(rank, entry))
    }
    return undefined
  }

  /** The head of source `rank` at its first entry, or at the stand-in of its start bound. */
  private headOf(rank: number, entry: InternalEntry | typeof NOT_READ): Head {
    const source = this.sources[rank]!
    if (entry !== NOT_READ) return { entry, source, rank, positioned: true }
    return { entry: boundEntry(source.startBound!()!), source, rank, positioned: false }
  }

  /** The rest of `fill` from source `rank`, whose first entry is `pending`. */
  private async fillFrom(
    rank: number,
    pending: Promise<InternalEntry | undefined>,
    target: Uint8Array | undefined,
  ): Promise<void> {
    let entry: InternalEntry | undefined | typeof NOT_READ = await pending
    for (;;) {
      if (entry !== undefined) this.heap.push(this.headOf(rank, entry))
      if (++rank >= this.sources.length) return
      const next = this.firstEntry(rank, target)
      entry = next instanceof Promise ? await next : next
    }
  }

  /** Source `rank`'s first entry after seeking it to `target` (if given); `NOT_READ` when the
   *  source gave a start bound instead (`startBound`): it is read when the merge reaches it. */
  private firstEntry(
    rank: number,
    target: Uint8Array | undefined,
  ): InternalEntry | undefined | typeof NOT_READ | Promise<InternalEntry | undefined> {
    const source = this.sources[rank]!
    if (target !== undefined) source.seek(target)
    if (source.startBound?.() !== undefined) return NOT_READ
    if (source.tryNext === undefined) return source.next()
    const entry = this.nextWithoutWaiting(source)
    return entry === null ? source.next() : entry
  }

  /** A source's next entry if it needs no wait for I/O: from memory, or read synchronously
   *  while `reads` allows; `null` when the source must read asynchronously. */
  private nextWithoutWaiting(source: EntrySource): InternalEntry | undefined | null {
    const entry = source.tryNext!()
    if (entry === null && source.nextSync !== undefined && this.reads?.readSync()) {
      return source.nextSync(this.reads)
    }
    return entry
  }

  private less(a: Head, b: Head): boolean {
    const order = compareBytes(a.entry.key, b.entry.key) * this.direction
    if (order !== 0) return order < 0
    return a.rank < b.rank
  }
}
