/**
 * Range skips: an iterator that meets an entry a range tombstone deleted seeks its sources past
 * the tombstone instead of stepping through every entry it covers. A deleted range that is not
 * compacted yet then costs a scan one seek per source, not one step per covered entry.
 *
 * Only a source whose versions are all older than the covering tombstone may be sought past it
 * (its `maxSeq`, the largest seq it may yield, below the tombstone's seq): every entry it holds in
 * the covered range is then deleted. A source that may hold a newer version in the range (a
 * put after the delete) is stepped as before, so that version surfaces.
 *
 * Covering is decided per fragment (range-fragments.ts): every key of a fragment has the same
 * covering seqs, so the skip goes to the fragment's end (forward) or start (reverse); a
 * neighbouring fragment is skipped in turn when the merge meets its first covered entry.
 *
 * The merge asks `covered(entry)` for each entry it would yield; after a true answer it asks
 * `targetFor(key, rank)` for the source at the top of its heap, seeks it there (or drops it when
 * the fragment has no end) and repeats while the answer allows.
 */
import { compareBytes, type InternalEntry } from '@strata/base'
import type { RangeFragment, RangeFragments } from './range-fragments.js'

/** `targetFor`'s answer for a source whose every remaining entry is covered: drop it. */
export const SKIP_TO_END = Symbol('skip to end')

export class RangeSkip {
  /** The fragment and covering seq of the last entry `covered` found deleted. */
  private fragment: RangeFragment | undefined
  private coveringSeq = -1

  /**
   * `fragments`: the read's range tombstones; `atSeq`: its snapshot; `sourceMaxSeqs[rank]`: the
   * largest seq the merge's source `rank` may yield.
   */
  constructor(
    private readonly fragments: RangeFragments,
    private readonly atSeq: number,
    private readonly reverse: boolean,
    private readonly sourceMaxSeqs: readonly number[],
  ) {}

  /** True when a range tombstone visible at the read's snapshot deleted `entry`. */
  readonly covered = (entry: InternalEntry): boolean => {
    const fragment = this.fragments.fragmentOf(entry.key)
    if (fragment === undefined) return false
    const seqs = fragment.seqs
    let covering = -1
    for (let index = seqs.length - 1; index >= 0; index--) {
      if (seqs[index]! <= this.atSeq) {
        covering = seqs[index]!
        break
      }
    }
    if (covering <= entry.seq) return false
    this.fragment = fragment
    this.coveringSeq = covering
    return true
  }

  /**
   * Where source `rank`, whose next entry is at `key`, may seek after the last covered entry:
   * past the covering fragment (its end; its start in reverse), `SKIP_TO_END` when nothing
   * after `key` survives in that direction, or undefined to step it as usual (it may hold a
   * newer version, or `key` is outside the fragment or already at its edge).
   */
  targetFor(key: Uint8Array, rank: number): Uint8Array | typeof SKIP_TO_END | undefined {
    const fragment = this.fragment
    if (fragment === undefined || this.sourceMaxSeqs[rank]! >= this.coveringSeq) return undefined
    if (this.reverse) {
      // Reverse seeks land on the last key <= target: the fragment's start itself is stepped.
      if (compareBytes(key, fragment.start) <= 0) return undefined
      if (fragment.end !== null && compareBytes(key, fragment.end) >= 0) return undefined
      return fragment.start
    }
    if (compareBytes(key, fragment.start) < 0) return undefined
    if (fragment.end === null) return SKIP_TO_END
    return compareBytes(key, fragment.end) < 0 ? fragment.end : undefined
  }
}
