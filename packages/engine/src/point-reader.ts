/**
 * Point reads: the newest version of a key at a seq, from the memtables, then level 0 newest
 * first, then one table per deeper level. Answers synchronously whenever it can (the memtables,
 * cached blocks, or a synchronous read the read-mode governor allows), else with a promise.
 */
import { compareBytes, type InternalEntry } from '@strata/base'
import { FilterHashes, type ReadTimer } from '@strata/sstable'
import type { Memtables } from './memtables.js'
import type { ReadModeGovernor } from './read-mode.js'
import type { Tree } from './tree.js'
import type { TableFileMeta, Version } from './version.js'

function keyWithin(file: TableFileMeta, key: Uint8Array): boolean {
  return compareBytes(file.smallestKey, key) <= 0 && compareBytes(key, file.largestKey) <= 0
}

export class PointReader {
  /** Filter hashes of the key being looked up, shared by the tables one point read consults. */
  private readonly filterHashes = new FilterHashes()

  constructor(
    private readonly memtables: Memtables,
    private readonly tree: Tree,
    private readonly governor: ReadModeGovernor,
  ) {}

  /**
   * The newest version of `key` with seq <= `seq` in any source (a tombstone included). While
   * the read-mode governor allows synchronous reads, answers synchronously (cached blocks, else
   * a timed `pread`). Otherwise answers synchronously while every table it consults has the
   * block it needs cached; the first table that must read turns the rest of the search
   * asynchronous (with the version pinned).
   */
  getAt(
    key: Uint8Array,
    seq: number,
    allowSync = true,
  ): InternalEntry | undefined | Promise<InternalEntry | undefined> {
    const found = this.memtables.get(key, seq)
    if (found !== undefined) return found
    // Synchronous reads allowed: each table answers from the cache or with a timed pread.
    if (allowSync && this.governor.readSync()) return this.getFromTablesSync(key, seq, this.governor)
    const candidates = this.candidateTables(this.tree.current, key)
    const hashes = this.hashesFor(candidates, key)
    for (let index = 0; index < candidates.length; index++) {
      const entry = this.tree.table(candidates[index]!.fileNumber).getCached(key, seq, hashes)
      // Going on asynchronously: a transient key (encodeReadKey) would be overwritten meanwhile.
      if (entry === null) return this.getFromTables(candidates, index, key.slice(), seq)
      if (entry !== undefined) return entry
    }
    return undefined
  }

  /** The newest version of `key` with seq <= `seq`, every uncached block read synchronously. */
  getSync(key: Uint8Array, seq: number): InternalEntry | undefined {
    return this.memtables.get(key, seq) ?? this.getFromTablesSync(key, seq)
  }

  /** The tables that may hold `key`, in search order: level 0 newest first, then one table per
   *  deeper level. */
  private candidateTables(version: Version, key: Uint8Array): TableFileMeta[] {
    const candidates: TableFileMeta[] = []
    for (const file of version.levels[0] ?? []) {
      if (keyWithin(file, key)) candidates.push(file)
    }
    for (let level = 1; level < version.levels.length; level++) {
      const file = version.fileFor(level, key)
      if (file !== undefined) candidates.push(file)
    }
    return candidates
  }

  /** `key`'s filter hashes when more than one table is consulted (computed once for them all;
   *  valid until the next read computes its own), else undefined. */
  private hashesFor(candidates: TableFileMeta[], key: Uint8Array): FilterHashes | undefined {
    return candidates.length > 1 ? this.filterHashes.of(key) : undefined
  }

  /** The tables' newest version of `key` with seq <= `seq`, a block that is not cached read
   *  synchronously (`timer`, when given, told of each read). */
  private getFromTablesSync(key: Uint8Array, seq: number, timer?: ReadTimer): InternalEntry | undefined {
    const candidates = this.candidateTables(this.tree.current, key)
    const hashes = this.hashesFor(candidates, key)
    for (let index = 0; index < candidates.length; index++) {
      const entry = this.tree.table(candidates[index]!.fileNumber).getSync(key, seq, timer, hashes)
      if (entry !== undefined) return entry
    }
    return undefined
  }

  /** The rest of a search, from `candidates[from]`, with the current version pinned. */
  private async getFromTables(
    candidates: TableFileMeta[],
    from: number,
    key: Uint8Array,
    seq: number,
  ): Promise<InternalEntry | undefined> {
    const handle = this.tree.acquire()
    try {
      for (let index = from; index < candidates.length; index++) {
        const entry = await this.tree.table(candidates[index]!.fileNumber).get(key, seq)
        if (entry !== undefined) return entry
      }
      return undefined
    } finally {
      this.tree.release(handle)
    }
  }
}
