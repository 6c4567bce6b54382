/**
 * The range tombstones a read must honour: those of every memtable and of every table of the
 * version it reads, fragmented together (range-fragments.ts). A read looks up the largest
 * tombstone seq covering its key at its snapshot and hides any version older than it. Where a
 * tombstone is stored does not matter to a read, so a table's key range need not cover its
 * tombstones. The fragments are built once per (version, memtables) and cached; with no range
 * tombstone anywhere a read pays one check.
 */
import type { RangeTombstone } from '@strata/base'
import type { Memtables } from './memtables.js'
import { fragmentTombstones, RangeFragments, unfragment } from './range-fragments.js'
import type { Tree } from './tree.js'
import type { Version } from './version.js'

export class RangeDeletes {
  /** Per version: its tables' tombstones (undefined: none). */
  private readonly byVersion = new WeakMap<Version, RangeTombstone[]>()
  private cachedVersion: Version | undefined
  private cachedGeneration = -1
  private cachedActiveCount = -1
  /** The fragments of the cached (version, memtables) state; undefined: no range tombstone. */
  private cached: RangeFragments | undefined

  constructor(
    private readonly memtables: Memtables,
    private readonly tree: Tree,
  ) {}

  /** The fragments a read of `version` (default: the current one) honours now, or undefined
   *  when there is no range tombstone at all. */
  at(version: Version = this.tree.current): RangeFragments | undefined {
    const activeCount = this.memtables.active.rangeTombstones.length
    // The answer (fragments or none) holds while the version and the memtables' tombstones do.
    if (
      this.cachedVersion === version &&
      this.cachedGeneration === this.memtables.generation &&
      this.cachedActiveCount === activeCount
    ) {
      return this.cached
    }
    const tableTombstones = this.tablesOf(version)
    if (tableTombstones.length === 0 && !this.memtables.hasRangeTombstones) this.cached = undefined
    else {
      const all = [...tableTombstones]
      for (const memtable of this.memtables.newestFirst()) all.push(...memtable.rangeTombstones)
      this.cached = new RangeFragments(fragmentTombstones(all))
    }
    this.cachedVersion = version
    this.cachedGeneration = this.memtables.generation
    this.cachedActiveCount = activeCount
    return this.cached
  }

  /** The range tombstones of `version`'s tables. */
  tablesOf(version: Version): RangeTombstone[] {
    let tombstones = this.byVersion.get(version)
    if (tombstones === undefined) {
      tombstones = []
      for (const files of version.levels) {
        for (const file of files) {
          const fragments = this.tree.table(file.fileNumber).rangeFragments
          if (fragments.length > 0) tombstones.push(...unfragment(fragments))
        }
      }
      this.byVersion.set(version, tombstones)
    }
    return tombstones
  }
}
