/**
 * Tombstone-density picking: a table whose entries are mostly point tombstones is compacted one
 * level down even when every level is within its size budget, in two cases:
 * - a deeper level holds keys in its range: its tombstones then meet the versions they hide,
 *   which the merge drops (and the tombstones with them once nothing below may hold their keys);
 * - nothing deeper holds keys in its range and no live snapshot predates its newest entry: every
 *   tombstone it holds hides nothing, and the merge drops them all (an elision; never a trivial
 *   move, which would keep them).
 * For level 0 the plan takes every level-0 table (they may overlap, and a newer one shadows an
 * older), as the trigger-driven level-0 compaction does. So a store whose keys were deleted one
 * by one gives its space back on its own instead of keeping the tombstones above the data they
 * hide, or at the bottom with nothing left to hide.
 *
 * It ends: the first case moves tombstones strictly down; the second leaves a table with no
 * point tombstone, never dense again. A dense table that a snapshot still needs, with nothing
 * below, is left alone.
 *
 * Of several dense tables, the deepest level's goes first (the densest of that level): its
 * tombstones are the nearest to the data they hide, so its merge is the one that drops versions.
 * Ranking by density alone picked level 0 whenever it had a table: a fresh flush of deletes is
 * all tombstones, denser than anything below, so under steady deletes every flush was merged
 * into level 1 and level 1's tombstones never went down onto the data. Deleting all 1,000,000
 * keys of the bench's store (deleterandom) left 104 MB on disk that way, 9 MB this way.
 */
import type { CompactionOptions, CompactionPlan } from './compaction-picker.js'
import { keyRange } from './compaction-picker.js'
import { NUM_LEVELS, type TableFileMeta, type Version } from './version.js'

/** A table is dense when at least this share of its entries are tombstones... */
export const DENSE_TOMBSTONE_SHARE = 0.5
/** ...and it holds at least this many of them (small tables are not worth a compaction). */
export const DENSE_MIN_TOMBSTONES = 256

/** Whether enough of the entries counted are point tombstones to compact them for that alone. */
export function isTombstoneDense(tombstones: number, entries: number): boolean {
  return tombstones >= DENSE_MIN_TOMBSTONES && tombstones >= DENSE_TOMBSTONE_SHARE * entries
}

function hasDataBelow(version: Version, level: number, file: TableFileMeta): boolean {
  for (let deeper = level + 1; deeper < NUM_LEVELS; deeper++) {
    if (version.overlapping(deeper, file.smallestKey, file.largestKey).length > 0) return true
  }
  return false
}

/**
 * The table worth compacting for its tombstones (the densest of the deepest level that has one),
 * as a plan into the next level; or undefined. `oldestSnapshot`: the seq of the oldest live
 * snapshot (undefined: none).
 */
export function pickDenseTable(
  version: Version,
  _options: CompactionOptions,
  busy: ReadonlySet<number>,
  oldestSnapshot?: number,
): CompactionPlan | undefined {
  let best: { level: number; file: TableFileMeta; share: number; below: boolean } | undefined
  for (let level = 0; level < NUM_LEVELS - 1; level++) {
    for (const file of version.levels[level] ?? []) {
      if (!isTombstoneDense(file.tombstoneCount, file.entryCount) || busy.has(file.fileNumber)) continue
      const share = file.tombstoneCount / file.entryCount
      // Levels are visited top down: a table of a deeper level replaces any shallower pick.
      if (best !== undefined && best.level === level && share <= best.share) continue
      const below = hasDataBelow(version, level, file)
      const droppable = oldestSnapshot === undefined || oldestSnapshot >= file.maxSeq
      if (below || droppable) best = { level, file, share, below }
    }
  }
  if (best === undefined) return undefined
  const { level, file, below } = best
  const inputs = level === 0 ? [...(version.levels[0] ?? [])] : [file]
  if (inputs.some((input) => busy.has(input.fileNumber))) return undefined
  const { smallest, largest } = keyRange(inputs)
  const outputInputs = version.overlapping(level + 1, smallest, largest)
  if (outputInputs.some((other) => busy.has(other.fileNumber))) return undefined
  return {
    reason: 'tombstone-density',
    level,
    outputLevel: level + 1,
    inputs,
    outputInputs,
    // A move keeps the tombstones: only worth it when they go down onto data below.
    trivialMove: below && level > 0 && outputInputs.length === 0,
    score: 0,
  }
}
