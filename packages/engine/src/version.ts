/**
 * Versions: which table files make up the tree, level by level. A `Version` is immutable; a
 * `VersionEdit` (recorded in the manifest) turns one version into the next. Pure code: no I/O.
 *
 * Level 0 holds flushed memtables; its tables may overlap and are kept newest first. Levels 1
 * and deeper hold non-overlapping tables sorted by smallest key.
 */
import { CorruptionError, compareBytes } from '@strata/base'
import type { TableMeta } from '@strata/sstable'

export const NUM_LEVELS = 7

/** What the manifest records of one table file. */
export interface TableFileMeta {
  fileNumber: number
  fileSize: number
  smallestKey: Uint8Array
  largestKey: Uint8Array
  minSeq: number
  maxSeq: number
  entryCount: number
  tombstoneCount: number
  rawKeyBytes: number
  rawValueBytes: number
}

/** A change to the tree. Every field is optional; an edit records only what changed. */
export interface VersionEdit {
  added?: { level: number; table: TableFileMeta }[]
  removed?: { level: number; fileNumber: number }[]
  /** Every entry with seq <= flushedSeq is in a table: the WAL may drop them. */
  flushedSeq?: number
  /** The largest seq used so far. */
  lastSeq?: number
  /** The next free file number (tables and manifests). */
  nextFileNumber?: number
  /** The database id of the directory's IDENTITY marker (directory format 2). */
  identity?: string
  /** What the WAL must hold (see `WalRecord`); replaces the previous record. */
  wal?: WalRecord
}

/**
 * What the WAL held, durably, when the manifest was written: every seq above `flushedSeq` up to
 * `seq` is in it. `bytes` (a clean close only) is the WAL file's exact length then: until the
 * next record, the WAL may grow but never be shorter. Recorded by every flush and by `close()`.
 */
export interface WalRecord {
  seq: number
  bytes?: number
}

/** Whether `file` may hold a point entry of `key` (a table of range tombstones alone holds none:
 *  its tombstones reach reads through `RangeDeletes`). */
export function holdsKey(file: TableFileMeta, key: Uint8Array): boolean {
  return (
    file.entryCount > 0 && compareBytes(file.smallestKey, key) <= 0 && compareBytes(key, file.largestKey) <= 0
  )
}

export function compareFilesBySmallestKey(a: TableFileMeta, b: TableFileMeta): number {
  return compareBytes(a.smallestKey, b.smallestKey) || a.fileNumber - b.fileNumber
}

export class Version {
  /** `levels[0]` newest first; deeper levels sorted by smallest key. */
  readonly levels: readonly (readonly TableFileMeta[])[]

  constructor(levels?: readonly (readonly TableFileMeta[])[]) {
    this.levels = levels ?? Array.from({ length: NUM_LEVELS }, () => [])
  }

  /** The version after `edit`; throws `CorruptionError` (with `source`) if the edit does not fit. */
  apply(edit: VersionEdit, source = 'MANIFEST'): Version {
    if (edit.added === undefined && edit.removed === undefined) return this
    const levels = this.levels.map((files) => [...files])
    for (const { level, fileNumber } of edit.removed ?? []) {
      const files = levels[level]
      const index = files?.findIndex((file) => file.fileNumber === fileNumber) ?? -1
      if (files === undefined || index < 0) {
        throw new CorruptionError({
          file: source,
          offset: 0,
          reason: `an edit removes table ${fileNumber} from level ${level}, which does not hold it`,
        })
      }
      files.splice(index, 1)
    }
    for (const { level, table } of edit.added ?? []) {
      const files = levels[level]
      if (files === undefined) {
        throw new CorruptionError({
          file: source,
          offset: 0,
          reason: `an edit adds a table to level ${level}`,
        })
      }
      files.push(table)
    }
    levels[0]?.sort((a, b) => b.fileNumber - a.fileNumber)
    for (let level = 1; level < levels.length; level++) levels[level]?.sort(compareFilesBySmallestKey)
    return new Version(levels)
  }

  /** Every file in the version, all levels. */
  *files(): Generator<{ level: number; table: TableFileMeta }> {
    for (let level = 0; level < this.levels.length; level++) {
      for (const table of this.levels[level] ?? []) yield { level, table }
    }
  }

  levelBytes(level: number): number {
    let total = 0
    for (const file of this.levels[level] ?? []) total += file.fileSize
    return total
  }

  /** In a sorted level (1+), the file whose range may hold `key`, or undefined. */
  fileFor(level: number, key: Uint8Array): TableFileMeta | undefined {
    const files = this.levels[level] ?? []
    let low = 0
    let high = files.length
    while (low < high) {
      const middle = (low + high) >>> 1
      if (compareBytes(files[middle]!.largestKey, key) < 0) low = middle + 1
      else high = middle
    }
    const file = files[low]
    return file !== undefined && compareBytes(file.smallestKey, key) <= 0 ? file : undefined
  }

  /** Files of `level` whose key range overlaps [smallest, largest] (either bound may be open). */
  overlapping(
    level: number,
    smallest: Uint8Array | undefined,
    largest: Uint8Array | undefined,
  ): TableFileMeta[] {
    return (this.levels[level] ?? []).filter(
      (file) =>
        (smallest === undefined || compareBytes(file.largestKey, smallest) >= 0) &&
        (largest === undefined || compareBytes(file.smallestKey, largest) <= 0),
    )
  }
}

/** The manifest's record of a table file from what its builder reported. */
export function toFileMeta(fileNumber: number, meta: TableMeta): TableFileMeta {
  return {
    fileNumber,
    fileSize: meta.fileSize,
    smallestKey: meta.smallestKey,
    largestKey: meta.largestKey,
    minSeq: meta.minSeq,
    maxSeq: meta.maxSeq,
    entryCount: meta.entryCount,
    tombstoneCount: meta.tombstoneCount,
    rawKeyBytes: meta.rawKeyBytes,
    rawValueBytes: meta.rawValueBytes,
  }
}
