/**
 * Merges sorted sources (memtables, tables) into one stream of visible entries: a heap ordered
 * by key (descending when reverse); for a key present in several sources the newest version
 * (largest seq) wins and the rest are skipped; tombstones hide the key and are dropped.
 *
 * Each source yields at most one version per key, already filtered to the read's snapshot
 * ('visible' mode of the memtable and table iterators), tombstones included.
 */
import { compareBytes, type InternalEntry, OpType } from '@strata/base'

/** A sorted source of entries. `next` may answer synchronously (memtable) or not (table). */
export interface EntrySource {
  next(): InternalEntry | undefined | Promise<InternalEntry | undefined>
  seek(target: Uint8Array): void
  /** Releases what the source holds (table iterators); memtable iterators need nothing. */
  close?(): void
}

interface Head {
  entry: InternalEntry
  source: EntrySource
  /** Position of the source: a lower rank is a newer source (breaks seq ties, never expected). */
  rank: number
}

export class MergeIterator {
  private heap: Head[] = []
  private started = false
  private pendingSeek: Uint8Array | undefined
  private readonly direction: number

  constructor(
    private readonly sources: EntrySource[],
    reverse: boolean,
  ) {
    this.direction = reverse ? -1 : 1
  }

  /** The next visible entry (never a tombstone), or undefined at the end. */
  async next(): Promise<InternalEntry | undefined> {
    if (!this.started || this.pendingSeek !== undefined) await this.fill()
    for (;;) {
      const top = this.heap[0]
      if (top === undefined) return undefined
      let winner = top.entry
      await this.advance(top)
      // Other sources holding the same key: keep the newest version, skip the rest.
      for (;;) {
        const other = this.heap[0]
        if (other === undefined || compareBytes(other.entry.key, winner.key) !== 0) break
        if (other.entry.seq > winner.seq) winner = other.entry
        await this.advance(other)
      }
      if (winner.op !== OpType.Delete) return winner
    }
  }

  /** The next `next()` starts at the first key >= target (<= target when reverse). */
  seek(target: Uint8Array): void {
    this.pendingSeek = target
  }

  close(): void {
    for (const source of this.sources) source.close?.()
    this.heap = []
  }

  private async fill(): Promise<void> {
    this.started = true
    const target = this.pendingSeek
    this.pendingSeek = undefined
    this.heap = []
    for (let rank = 0; rank < this.sources.length; rank++) {
      const source = this.sources[rank]!
      if (target !== undefined) source.seek(target)
      const result = source.next()
      const entry = result instanceof Promise ? await result : result
      if (entry !== undefined) this.push({ entry, source, rank })
    }
  }

  /** Moves `head` (the heap's top) to its source's next entry, or drops it at the end. */
  private async advance(head: Head): Promise<void> {
    const result = head.source.next()
    const entry = result instanceof Promise ? await result : result
    if (entry === undefined) {
      this.popTop()
    } else {
      head.entry = entry
      this.siftDown(0)
    }
  }

  private less(a: Head, b: Head): boolean {
    const order = compareBytes(a.entry.key, b.entry.key) * this.direction
    if (order !== 0) return order < 0
    return a.rank < b.rank
  }

  private push(head: Head): void {
    const heap = this.heap
    heap.push(head)
    let index = heap.length - 1
    while (index > 0) {
      const parent = (index - 1) >> 1
      if (!this.less(heap[index]!, heap[parent]!)) break
      ;[heap[index], heap[parent]] = [heap[parent]!, heap[index]!]
      index = parent
    }
  }

  private popTop(): void {
    const heap = this.heap
    const last = heap.pop()
    if (last === undefined || heap.length === 0) return
    heap[0] = last
    this.siftDown(0)
  }

  private siftDown(start: number): void {
    const heap = this.heap
    let index = start
    for (;;) {
      const left = 2 * index + 1
      const right = left + 1
      let smallest = index
      if (left < heap.length && this.less(heap[left]!, heap[smallest]!)) smallest = left
      if (right < heap.length && this.less(heap[right]!, heap[smallest]!)) smallest = right
      if (smallest === index) return
      ;[heap[index], heap[smallest]] = [heap[smallest]!, heap[index]!]
      index = smallest
    }
  }
}
