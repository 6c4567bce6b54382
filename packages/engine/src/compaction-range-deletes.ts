/**
 * What a compaction needs to know about range tombstones, computed on the main thread from the
 * version (pure data, sent to the merge with the job):
 * - every range tombstone of the version's tables, fragmented: a version of a key that one of
 *   them deletes is dropped unless a live snapshot still sees it (wherever the tombstone lies);
 * - the input tables' own tombstones, which the outputs carry on;
 * - the key spans of every table outside the compaction: a tombstone is dropped only when none of
 *   them overlaps its range (then nothing outside can hold a version it deletes) and no live
 *   snapshot predates it.
 */
import { compareBytes, type RangeFragment, type RangeTombstone } from '@strata/base'
import type { KeySpan } from './compaction-merge.js'
import { fragmentTombstones, unfragment } from './range-fragments.js'
import type { Tree } from './tree.js'
import type { TableFileMeta, Version } from './version.js'

export interface CompactionRangeDeletes {
  /** Every range tombstone of the version's tables, fragmented. */
  rangeFragments: RangeFragment[]
  /** The input tables' range tombstones, fragmented. */
  inputRangeFragments: RangeFragment[]
  /** Key spans of the tables that are not inputs (any level). */
  otherSpans: KeySpan[]
}

export function compactionRangeDeletes(
  version: Version,
  inputs: readonly TableFileMeta[],
  tree: Tree,
): CompactionRangeDeletes {
  const inputNumbers = new Set(inputs.map((file) => file.fileNumber))
  const all: RangeTombstone[] = []
  const ofInputs: RangeTombstone[] = []
  const otherSpans: KeySpan[] = []
  for (const files of version.levels) {
    for (const file of files) {
      const tombstones = unfragment(tree.table(file.fileNumber).rangeFragments)
      all.push(...tombstones)
      if (inputNumbers.has(file.fileNumber)) ofInputs.push(...tombstones)
      else otherSpans.push({ smallest: file.smallestKey, largest: file.largestKey, size: file.fileSize })
    }
  }
  if (all.length === 0) return { rangeFragments: [], inputRangeFragments: [], otherSpans: [] }
  return {
    rangeFragments: fragmentTombstones(all),
    inputRangeFragments: fragmentTombstones(ofInputs),
    otherSpans,
  }
}

/** Whether a table spanning `span` may hold a key of `[fragment.start, fragment.end)`. */
function overlaps(span: KeySpan, fragment: RangeFragment): boolean {
  if (compareBytes(span.largest, fragment.start) < 0) return false
  return fragment.end === null || compareBytes(span.smallest, fragment.end) < 0
}

/**
 * The input tombstones the outputs keep: a tombstone is dropped when no live snapshot is older
 * than it (`oldestSnapshot`: the oldest live snapshot's seq, if any) and no table outside the
 * compaction overlaps its range. Returns the kept fragments and how many tombstones were dropped.
 */
export function keptRangeFragments(
  fragments: readonly RangeFragment[],
  otherSpans: readonly KeySpan[],
  oldestSnapshot: number | undefined,
): { kept: RangeFragment[]; dropped: number } {
  const kept: RangeFragment[] = []
  let dropped = 0
  for (const fragment of fragments) {
    const outsideMayHold = otherSpans.some((span) => overlaps(span, fragment))
    const seqs = fragment.seqs.filter(
      (seq) => outsideMayHold || (oldestSnapshot !== undefined && oldestSnapshot < seq),
    )
    dropped += fragment.seqs.length - seqs.length
    if (seqs.length > 0) kept.push({ start: fragment.start, end: fragment.end, seqs })
  }
  return { kept, dropped }
}

/**
 * The manifest entry of a compaction output: as built, except for an output holding range
 * tombstones and no entry (no key range of its own), which takes the inputs' smallest key as its
 * range — inside the compaction's key range, so the output level's tables stay disjoint.
 */
export function rangeTombstoneCarrier(file: TableFileMeta, inputs: readonly TableFileMeta[]): TableFileMeta {
  if (file.entryCount > 0 || inputs.length === 0) return file
  let smallest = inputs[0]!.smallestKey
  for (const input of inputs) if (compareBytes(input.smallestKey, smallest) < 0) smallest = input.smallestKey
  return { ...file, smallestKey: smallest, largestKey: smallest }
}
