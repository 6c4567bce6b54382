/**
 * `approximateSize(start, end)`: the bytes the keys in [start, end) occupy — in tables, the span
 * of data blocks from the one that may hold `start` up to the one that may hold `end` (from each
 * table's index in memory: block granularity); in the memtables, the keys' and values' bytes of
 * every version in the range. Reads no file.
 */
import { compareBytes } from '@strata/base'
import type { Memtables } from './memtables.js'
import type { Tree } from './tree.js'

/** Bytes of the range, by where they are. */
export interface ApproximateSize {
  /** tables + memtables */
  bytes: number
  tables: number
  memtables: number
}

/** Estimates the bytes of the keys in [start, end) (either bound open). */
export function approximateSize(
  tree: Tree,
  memtables: Memtables,
  start: Uint8Array | undefined,
  end: Uint8Array | undefined,
): ApproximateSize {
  let tableBytes = 0
  const handle = tree.acquire()
  try {
    for (const { table: meta } of handle.version.files()) {
      if (start !== undefined && compareBytes(meta.largestKey, start) < 0) continue
      if (end !== undefined && compareBytes(meta.smallestKey, end) >= 0) continue
      const table = tree.table(meta.fileNumber)
      const from = start === undefined ? 0 : table.approximateOffsetOf(start)
      tableBytes += Math.max(0, table.approximateOffsetOf(end) - from)
    }
  } finally {
    tree.release(handle)
  }
  let memtableBytes = 0
  const range = { ...(start === undefined ? {} : { gte: start }), ...(end === undefined ? {} : { lt: end }) }
  for (const memtable of memtables.newestFirst()) {
    for (const entry of memtable.iterator({ ...range, versions: 'all' })) {
      memtableBytes += entry.key.length + (entry.value?.length ?? 0)
    }
  }
  return { bytes: tableBytes + memtableBytes, tables: tableBytes, memtables: memtableBytes }
}
