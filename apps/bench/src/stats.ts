/**
 * Statistics of a run: medians with min–max across rounds, and latency percentiles.
 */

/** The middle value (the mean of the two middle values for an even count). Throws on none. */
export function median(values: ArrayLike<number>): number {
  const sorted = sortedCopy(values)
  const middle = sorted.length >> 1
  if (sorted.length % 2 === 1) return sorted[middle]!
  return (sorted[middle - 1]! + sorted[middle]!) / 2
}

export function minimum(values: ArrayLike<number>): number {
  return sortedCopy(values)[0]!
}

export function maximum(values: ArrayLike<number>): number {
  const sorted = sortedCopy(values)
  return sorted[sorted.length - 1]!
}

/** Nearest-rank percentile of values already sorted ascending: the smallest value with at
 *  least `p`% of the values at or below it. `p` from 0 (the minimum) to 100 (the maximum). */
export function percentileOfSorted(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) throw new RangeError('percentile of no values')
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be from 0 to 100, not ${p}`)
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length))
  return sorted[rank - 1]!
}

/** Nearest-rank percentile (see `percentileOfSorted`) of unsorted values. */
export function percentile(values: ArrayLike<number>, p: number): number {
  return percentileOfSorted(sortedCopy(values), p)
}

export interface Spread {
  median: number
  min: number
  max: number
}

/** Median with min and max, the form every figure of the report takes across rounds. */
export function spread(values: ArrayLike<number>): Spread {
  const sorted = sortedCopy(values)
  const middle = sorted.length >> 1
  return {
    median: sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2,
    min: sorted[0]!,
    max: sorted[sorted.length - 1]!,
  }
}

function sortedCopy(values: ArrayLike<number>): Float64Array {
  if (values.length === 0) throw new RangeError('statistics of no values')
  const copy = Float64Array.from(values as ArrayLike<number>)
  for (const value of copy) {
    if (Number.isNaN(value)) throw new RangeError('statistics of NaN')
  }
  return copy.sort()
}
