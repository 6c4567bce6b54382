/**
 * Range tombstones, fragmented: overlapping tombstones are cut at every start and end into
 * disjoint fragments `[start, end)` (`end` null: no end), each with the ascending seqs of the
 * tombstones covering it. A key's covering seqs are then one binary search away, however the
 * tombstones nest or overlap. Pure data (it crosses to the compaction worker as is).
 */
import { compareBytes, type RangeFragment, type RangeTombstone } from '@strata/base'

export type { RangeFragment }

/** `a` compared with `b` where null is an end past every key. */
function compareEnds(a: Uint8Array | null, b: Uint8Array | null): number {
  if (a === null) return b === null ? 0 : 1
  if (b === null) return -1
  return compareBytes(a, b)
}

/** The fragments of `tombstones` (any order, overlapping or not), sorted by start. */
export function fragmentTombstones(tombstones: readonly RangeTombstone[]): RangeFragment[] {
  if (tombstones.length === 0) return []
  const points: Uint8Array[] = []
  for (const tombstone of tombstones) {
    points.push(tombstone.start)
    if (tombstone.end !== null) points.push(tombstone.end)
  }
  points.sort(compareBytes)
  const bounds: Uint8Array[] = []
  for (const point of points) {
    if (bounds.length === 0 || compareBytes(bounds[bounds.length - 1]!, point) !== 0) bounds.push(point)
  }
  // Interval i is [bounds[i], bounds[i + 1]); the last one has no end.
  const seqs: number[][] = bounds.map(() => [])
  for (const tombstone of tombstones) {
    const first = lowerBound(bounds, tombstone.start)
    const last = tombstone.end === null ? bounds.length : lowerBound(bounds, tombstone.end)
    for (let index = first; index < last; index++) seqs[index]!.push(tombstone.seq)
  }
  const fragments: RangeFragment[] = []
  for (let index = 0; index < bounds.length; index++) {
    const covering = seqs[index]!
    if (covering.length === 0) continue
    covering.sort((a, b) => a - b)
    const distinct = covering.filter((seq, at) => at === 0 || covering[at - 1] !== seq)
    fragments.push({ start: bounds[index]!, end: bounds[index + 1] ?? null, seqs: distinct })
  }
  return fragments
}

/** The tombstones a list of fragments stands for (one per fragment and seq). */
export function unfragment(fragments: readonly RangeFragment[]): RangeTombstone[] {
  const tombstones: RangeTombstone[] = []
  for (const fragment of fragments) {
    for (const seq of fragment.seqs) tombstones.push({ start: fragment.start, end: fragment.end, seq })
  }
  return tombstones
}

/** Index of the first bound >= key. */
function lowerBound(bounds: readonly Uint8Array[], key: Uint8Array): number {
  let low = 0
  let high = bounds.length
  while (low < high) {
    const middle = (low + high) >>> 1
    if (compareBytes(bounds[middle]!, key) < 0) low = middle + 1
    else high = middle
  }
  return low
}

/** Answers "which tombstones cover this key" over a fragment list. */
export class RangeFragments {
  constructor(readonly fragments: readonly RangeFragment[]) {}

  get isEmpty(): boolean {
    return this.fragments.length === 0
  }

  /** The fragment holding `key`, or undefined. */
  fragmentOf(key: Uint8Array): RangeFragment | undefined {
    const fragments = this.fragments
    let low = 0
    let high = fragments.length
    while (low < high) {
      const middle = (low + high) >>> 1
      if (compareBytes(fragments[middle]!.start, key) <= 0) low = middle + 1
      else high = middle
    }
    // Before the first fragment: answered without reading index -1 (a named-property lookup).
    if (low === 0) return undefined
    const fragment = fragments[low - 1]!
    return compareEnds(key, fragment.end) < 0 ? fragment : undefined
  }

  /** The largest seq <= `atSeq` of a tombstone covering `key`, or -1 (none). A version of `key`
   *  with a smaller seq is deleted at `atSeq`. */
  coveringSeq(key: Uint8Array, atSeq: number): number {
    const seqs = this.fragmentOf(key)?.seqs
    if (seqs === undefined) return -1
    for (let index = seqs.length - 1; index >= 0; index--) if (seqs[index]! <= atSeq) return seqs[index]!
    return -1
  }

  /** The smallest seq > `seq` of a tombstone covering `key`, or Infinity: the first delete of
   *  the version `seq` of `key`. */
  firstAbove(key: Uint8Array, seq: number): number {
    const seqs = this.fragmentOf(key)?.seqs
    if (seqs === undefined) return Number.POSITIVE_INFINITY
    for (const covering of seqs) if (covering > seq) return covering
    return Number.POSITIVE_INFINITY
  }
}
