/**
 * Database iterators: a merged, snapshot-consistent walk over the memtables and every level.
 * Async iterable of `[key, value]`; `next()`, `nextv(n)`, `all()`, `seek(target)`, `close()`.
 */
import { ClosedError, type InternalEntry } from '@strata/base'
import type { MergeIterator } from './merge-iterator.js'
import type { ReadTurn } from './read-turn.js'

export interface IteratorOptions<K> {
  gt?: K
  gte?: K
  lt?: K
  lte?: K
  /** Walk from the largest key down. Default false. */
  reverse?: boolean
  /** Stop after this many entries; -1 or Infinity for no limit. Default no limit. */
  limit?: number
  /** Read at this snapshot instead of the latest acknowledged write. */
  snapshot?: import('./snapshot.js').Snapshot
  /** Decode keys. Default true (when false, keys come back `undefined`). */
  keys?: boolean
  /** Decode values. Default true (when false, values come back `undefined`). */
  values?: boolean
}

export interface IteratorInternals<K, V> {
  merge: MergeIterator
  limit: number
  decodeKey: ((data: Uint8Array) => K) | undefined
  decodeValue: ((data: Uint8Array) => V) | undefined
  encodeTarget: (target: K) => Uint8Array
  /** The reads' event-loop budget (read-turn.ts). */
  turn: ReadTurn
  /** Called with each `seek()` target, encoded (seek-compaction.ts charges it). */
  onSeek: (target: Uint8Array) => void
  /** Releases what the iterator pinned (version, snapshot registration). */
  release: () => void
}

export class DatabaseIterator<K, V> implements AsyncIterable<[K, V]> {
  private count = 0
  private closed = false

  /** @internal created by `Database.iterator()` */
  constructor(private readonly internals: IteratorInternals<K, V>) {}

  /** Entries returned so far. */
  get yielded(): number {
    return this.count
  }

  /** The next `[key, value]`, or `undefined` at the end (or past `limit`). */
  async next(): Promise<[K, V] | undefined> {
    if (this.closed) throw new ClosedError('this iterator')
    if (this.count >= this.internals.limit) return undefined
    if (this.internals.turn.spent()) await this.nextTurn()
    let entry = this.internals.merge.next()
    if (entry instanceof Promise) entry = await this.settle(entry)
    if (entry === undefined) return undefined
    this.count++
    return this.decode(entry)
  }

  /** Up to `size` entries; fewer (or none) at the end. Entries whose blocks are in memory are
   *  gathered without a promise each. */
  async nextv(size: number): Promise<[K, V][]> {
    if (this.closed) throw new ClosedError('this iterator')
    if (this.internals.turn.spent()) await this.nextTurn()
    const entries: [K, V][] = []
    const merge = this.internals.merge
    while (entries.length < size && this.count < this.internals.limit) {
      let entry = merge.next()
      if (entry instanceof Promise) entry = await this.settle(entry)
      if (entry === undefined) break
      this.count++
      entries.push(this.decode(entry))
    }
    return entries
  }

  /** Waits for the next event-loop turn (this turn's reads have had their budget). */
  private async nextTurn(): Promise<void> {
    await this.internals.turn.next()
    if (this.closed) throw new ClosedError('this iterator')
  }

  /** A pending read's entry. A read cut short by `close()` (this iterator's or the database's)
   *  rejects with this iterator's `ClosedError`, never ends the walk early as if it were done. */
  private async settle(pending: Promise<InternalEntry | undefined>): Promise<InternalEntry | undefined> {
    let entry: InternalEntry | undefined
    try {
      entry = await pending
    } catch (error) {
      if (this.closed) throw new ClosedError('this iterator', { cause: error })
      throw error
    }
    if (this.closed) throw new ClosedError('this iterator')
    return entry
  }

  private decode(entry: InternalEntry): [K, V] {
    const { decodeKey, decodeValue } = this.internals
    return [
      (decodeKey === undefined ? undefined : decodeKey(entry.key)) as K,
      (decodeValue === undefined || entry.value === null ? undefined : decodeValue(entry.value)) as V,
    ]
  }

  /** Every remaining entry; closes the iterator. */
  async all(): Promise<[K, V][]> {
    try {
      return await this.nextv(Number.POSITIVE_INFINITY)
    } finally {
      await this.close()
    }
  }

  /** Moves to the first key >= target (<= target when reverse), within the iterator's range. */
  seek(target: K): void {
    if (this.closed) throw new ClosedError('this iterator')
    const encoded = this.internals.encodeTarget(target)
    this.internals.onSeek(encoded)
    this.internals.merge.seek(encoded)
  }

  /** Releases what the iterator holds. Safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.internals.merge.close()
    this.internals.release()
  }

  get isClosed(): boolean {
    return this.closed
  }

  async *[Symbol.asyncIterator](): AsyncIterator<[K, V]> {
    try {
      for (;;) {
        const entries = await this.nextv(256)
        if (entries.length === 0) return
        yield* entries
      }
    } finally {
      await this.close()
    }
  }
}

/** One part of each entry of the iterator `create` makes (on first use, so an iterable that is
 *  never walked pins nothing); the iterator is closed when the walk ends or stops early. */
export async function* entryParts<K, V, T>(
  create: () => DatabaseIterator<K, V>,
  part: (entry: [K, V]) => T,
): AsyncGenerator<T> {
  for await (const entry of create()) yield part(entry)
}
