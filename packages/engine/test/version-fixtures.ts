/**
 * Table metadata and versions for the compaction pickers' unit tests: `fileMeta` makes a table's
 * record (a new file number each call), `versionOf` a version holding them level by level.
 */
import { type TableFileMeta, Version } from '../src/version.js'

let nextNumber = 1

/** A table's record over [smallest, largest] (text keys); every other field as `fields` say. */
export function fileMeta(
  smallest: string,
  largest: string,
  fields: Partial<TableFileMeta> = {},
): TableFileMeta {
  return {
    fileNumber: nextNumber++,
    fileSize: 100,
    smallestKey: Buffer.from(smallest),
    largestKey: Buffer.from(largest),
    minSeq: 1,
    maxSeq: 1,
    entryCount: 1,
    tombstoneCount: 0,
    rawKeyBytes: 1,
    rawValueBytes: 1,
    ...fields,
  }
}

/** A version whose level `n` holds `levels[n]`. */
export function versionOf(levels: TableFileMeta[][]): Version {
  return new Version().apply({
    added: levels.flatMap((files, level) => files.map((file) => ({ level, table: file }))),
  })
}
