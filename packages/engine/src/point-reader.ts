/**
 * Point reads: the memtables, then the one lookup core (point-lookup.ts) over the tables, driven
 * by a small synchronous loop or a small asynchronous one. The read policy (read-policy.ts)
 * decides, block by block, which: a block read synchronously keeps the read synchronous; the
 * first block read on the thread pool turns the rest of the lookup asynchronous, with the
 * version pinned.
 */
import type { InternalEntry } from '@strata/base'
import { FilterHashes, type ReadTimer, type Table } from '@strata/sstable'
import type { Memtables } from './memtables.js'
import { NEED_BLOCK, PointLookup } from './point-lookup.js'
import type { RangeDeletes } from './range-deletes.js'
import type { ReadPolicy } from './read-policy.js'
import type { Tree } from './tree.js'
import { holdsKey, type Version } from './version.js'

/** `entry`, unless a range tombstone with seq `cover` deleted it (then undefined). */
function unlessCovered(entry: InternalEntry | undefined, cover: number): InternalEntry | undefined {
  return entry !== undefined && entry.seq < cover ? undefined : entry
}

export class PointReader {
  /** Filter hashes of the key being looked up, shared by the tables one point read consults. */
  private readonly filterHashes = new FilterHashes()
  /** The lookup of synchronous reads (one at a time: a read that goes asynchronous detaches). */
  private readonly lookup = new PointLookup()

  constructor(
    private readonly memtables: Memtables,
    private readonly tree: Tree,
    private readonly policy: ReadPolicy,
    private readonly rangeDeletes: RangeDeletes,
  ) {}

  /** The seq of the newest range tombstone covering `key` at `seq`, or -1. */
  private coverOf(key: Uint8Array, seq: number): number {
    return this.rangeDeletes.at()?.coveringSeq(key, seq) ?? -1
  }

  /**
   * The newest version of `key` with seq <= `seq` in any source (a tombstone included):
   * synchronously while every block it needs is cached or the read policy lets it read the block
   * synchronously (`inWindow`: false once a `getMany`'s deadline has passed), else a promise.
   * `key` may be a transient buffer: a lookup that goes on asynchronously copies it.
   */
  getAt(
    key: Uint8Array,
    seq: number,
    inWindow = true,
  ): InternalEntry | undefined | Promise<InternalEntry | undefined> {
    const cover = this.coverOf(key, seq)
    const found = this.memtables.get(key, seq)
    if (found !== undefined) return unlessCovered(found, cover)
    const lookup = this.startLookup(key, seq)
    for (;;) {
      const answer = lookup.step()
      if (answer !== NEED_BLOCK) return unlessCovered(answer, cover)
      if (this.policy.pointRead(inWindow) === 'async') {
        const pending = this.finishAsync(lookup.detach(new Uint8Array(key)))
        return cover < 0 ? pending : pending.then((entry) => unlessCovered(entry, cover))
      }
      const entry = this.readSync(lookup, this.policy.governor)
      if (entry !== undefined) return unlessCovered(entry, cover)
    }
  }

  /** The newest version of `key` with seq <= `seq`, every block it misses read synchronously
   *  (untimed: `getSync`'s caller chose a blocking read). */
  getSync(key: Uint8Array, seq: number): InternalEntry | undefined {
    const cover = this.coverOf(key, seq)
    const found = this.memtables.get(key, seq)
    if (found !== undefined) return unlessCovered(found, cover)
    const lookup = this.startLookup(key, seq)
    for (;;) {
      const answer = lookup.step()
      if (answer !== NEED_BLOCK) return unlessCovered(answer, cover)
      const entry = this.readSync(lookup, undefined)
      if (entry !== undefined) return unlessCovered(entry, cover)
    }
  }

  private startLookup(key: Uint8Array, seq: number): PointLookup {
    const tables = this.candidateTables(this.tree.current, key)
    return this.lookup.start(key, seq, tables, tables.length > 1 ? this.filterHashes.of(key) : undefined)
  }

  /** The synchronous driver's read: the block the lookup needs, cached if the policy admits it,
   *  else through the scratch buffer. */
  private readSync(lookup: PointLookup, timer: ReadTimer | undefined): InternalEntry | undefined {
    const table = lookup.table!
    const admitted = this.policy.admitsPointRead(table, lookup.blockIndex)
    return lookup.resume(table.loadBlockSync(lookup.blockIndex, timer, !admitted), !admitted)
  }

  /** The asynchronous driver: the rest of the lookup, each missed block read on the thread pool
   *  (and cached), with the current version pinned. */
  private async finishAsync(lookup: PointLookup): Promise<InternalEntry | undefined> {
    const handle = this.tree.acquire()
    try {
      for (;;) {
        const block = await lookup.table!.loadBlock(lookup.blockIndex)
        const entry = lookup.resume(block, false)
        if (entry !== undefined) return entry
        const answer = lookup.step()
        if (answer !== NEED_BLOCK) return answer
      }
    } finally {
      this.tree.release(handle)
    }
  }

  /** The tables that may hold `key`, in search order: level 0 newest first, then one table per
   *  deeper level. */
  private candidateTables(version: Version, key: Uint8Array): Table[] {
    const candidates: Table[] = []
    for (const file of version.levels[0] ?? []) {
      if (holdsKey(file, key)) candidates.push(this.tree.table(file.fileNumber))
    }
    for (let level = 1; level < version.levels.length; level++) {
      const file = version.fileFor(level, key)
      if (file !== undefined) candidates.push(this.tree.table(file.fileNumber))
    }
    return candidates
  }
}
