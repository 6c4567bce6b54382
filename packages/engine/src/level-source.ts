/**
 * An `EntrySource` over one sorted level (1 and deeper): its tables hold disjoint key ranges in
 * order, so one table iterator at a time is enough. Tables are entered lazily and closed as soon
 * as the walk leaves them.
 */
import { compareBytes, type InternalEntry } from '@strata/base'
import type { CheckedTableIteratorOptions, ReadTimer, TableIterator } from '@strata/sstable'
import type { EntrySource } from './merge-iterator.js'
import type { TableFileMeta } from './version.js'
import type { VersionSet } from './version-set.js'

export class LevelSource implements EntrySource {
  private index: number
  private iterator: TableIterator | undefined
  private seekTarget: Uint8Array | undefined

  private readonly reverse: boolean

  /** `options`: the iterator's bounds, direction and snapshot, checked once; every table of the
   *  level is opened with them as they are. */
  constructor(
    private readonly files: readonly TableFileMeta[],
    private readonly tables: VersionSet,
    private readonly options: CheckedTableIteratorOptions,
  ) {
    this.reverse = options.reverse
    this.index = this.startIndex(undefined)
  }

  /** The first file to visit for a walk starting at `target` (or at the range's start). */
  private startIndex(target: Uint8Array | undefined): number {
    const files = this.files
    if (!this.reverse) {
      const from = target ?? this.options.lower?.key
      if (from === undefined) return 0
      // First file whose largest key >= from.
      let low = 0
      let high = files.length
      while (low < high) {
        const middle = (low + high) >>> 1
        if (compareBytes(files[middle]!.largestKey, from) < 0) low = middle + 1
        else high = middle
      }
      return low
    }
    const from = target ?? this.options.upper?.key
    if (from === undefined) return files.length - 1
    // Last file whose smallest key <= from.
    let low = 0
    let high = files.length
    while (low < high) {
      const middle = (low + high) >>> 1
      if (compareBytes(files[middle]!.smallestKey, from) <= 0) low = middle + 1
      else high = middle
    }
    return low - 1
  }

  private open(): TableIterator | undefined {
    const file = this.files[this.index]
    if (file === undefined) return undefined
    const iterator = this.tables.table(file.fileNumber).iterator(this.options)
    if (this.seekTarget !== undefined) {
      iterator.seek(this.seekTarget)
      this.seekTarget = undefined
    }
    return iterator
  }

  tryNext(): InternalEntry | undefined | null {
    for (;;) {
      if (this.iterator === undefined) {
        this.iterator = this.open()
        if (this.iterator === undefined) return undefined
      }
      const entry = this.iterator.tryNext()
      if (entry !== undefined) return entry
      if (!this.leaveTable()) return undefined
    }
  }

  /** Closes the current table's iterator and steps to the next table; false past the last. */
  private leaveTable(): boolean {
    this.iterator?.close()
    this.iterator = undefined
    this.index += this.reverse ? -1 : 1
    if (this.index < 0 || this.index >= this.files.length) {
      this.index = this.reverse ? -1 : this.files.length
      return false
    }
    return true
  }

  nextSync(timer: ReadTimer): InternalEntry | undefined {
    for (;;) {
      if (this.iterator === undefined) {
        this.iterator = this.open()
        if (this.iterator === undefined) return undefined
      }
      const entry = this.iterator.nextSync(timer)
      if (entry !== undefined) return entry
      if (!this.leaveTable()) return undefined
    }
  }

  async next(): Promise<InternalEntry | undefined> {
    for (;;) {
      if (this.iterator === undefined) {
        this.iterator = this.open()
        if (this.iterator === undefined) return undefined
      }
      const entry = await this.iterator.next()
      if (entry !== undefined) return entry
      if (!this.leaveTable()) return undefined
    }
  }

  /**
   * The start bound of the merge protocol (`EntrySource.startBound`): before the walk enters a
   * table, the table's smallest key (largest, reverse) when it lies past where the walk starts
   * (the seek target or the iterator's bound) — the level's entries from there on all lie at or
   * beyond it, tables being sorted and disjoint. Undefined once a table is entered, when the
   * table may hold the start itself, or when it holds no point entries.
   */
  startBound(): Uint8Array | undefined {
    if (this.iterator !== undefined) return undefined
    const file = this.files[this.index]
    if (file === undefined || file.entryCount === 0) return undefined
    if (this.reverse) {
      const from = this.seekTarget ?? this.options.upper?.key
      return from !== undefined && compareBytes(file.largestKey, from) < 0 ? file.largestKey : undefined
    }
    const from = this.seekTarget ?? this.options.lower?.key
    return from !== undefined && compareBytes(file.smallestKey, from) > 0 ? file.smallestKey : undefined
  }

  seek(target: Uint8Array): void {
    this.iterator?.close()
    this.iterator = undefined
    this.index = this.startIndex(target)
    this.seekTarget = target
  }

  close(): void {
    this.iterator?.close()
    this.iterator = undefined
    this.index = this.reverse ? -1 : this.files.length
  }
}
