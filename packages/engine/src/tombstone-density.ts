/**
 * Tombstone-density picking: a table (level 1 and below) whose entries are mostly point
 * tombstones, above a deeper level holding keys in its range, is compacted one level down even
 * when every level is within its size budget. Its tombstones then meet the versions they hide,
 * which the merge drops (and the tombstones with them once nothing below may hold their keys), so
 * a store whose keys were deleted one by one gives its space back on its own instead of keeping
 * the tombstones in upper levels above the data they hide.
 *
 * It always moves tombstones down (never compacts a level into itself), so it ends: at the
 * deepest level holding data a dense table is left alone.
 */
import type { CompactionOptions, CompactionPlan } from './compaction-picker.js'
import { NUM_LEVELS, type TableFileMeta, type Version } from './version.js'

/** A table is dense when at least this share of its entries are tombstones... */
export const DENSE_TOMBSTONE_SHARE = 0.5
/** ...and it holds at least this many of them (small tables are not worth a compaction). */
export const DENSE_MIN_TOMBSTONES = 256

function isDense(file: TableFileMeta): boolean {
  return (
    file.tombstoneCount >= DENSE_MIN_TOMBSTONES &&
    file.tombstoneCount >= DENSE_TOMBSTONE_SHARE * file.entryCount
  )
}

/** The densest table with data below it, as a plan into the next level; or undefined. */
export function pickDenseTable(
  version: Version,
  _options: CompactionOptions,
  busy: ReadonlySet<number>,
): CompactionPlan | undefined {
  let best: { level: number; file: TableFileMeta; share: number } | undefined
  for (let level = 1; level < NUM_LEVELS - 1; level++) {
    for (const file of version.levels[level] ?? []) {
      if (!isDense(file) || busy.has(file.fileNumber)) continue
      const share = file.tombstoneCount / file.entryCount
      if (best !== undefined && share <= best.share) continue
      let below = false
      for (let deeper = level + 1; deeper < NUM_LEVELS && !below; deeper++) {
        below = version.overlapping(deeper, file.smallestKey, file.largestKey).length > 0
      }
      if (below) best = { level, file, share }
    }
  }
  if (best === undefined) return undefined
  const { level, file } = best
  const outputInputs = version.overlapping(level + 1, file.smallestKey, file.largestKey)
  if (outputInputs.some((other) => busy.has(other.fileNumber))) return undefined
  return {
    reason: 'tombstone-density',
    level,
    outputLevel: level + 1,
    inputs: [file],
    outputInputs,
    trivialMove: outputInputs.length === 0,
    score: 0,
  }
}
