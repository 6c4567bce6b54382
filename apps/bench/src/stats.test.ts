import { describe, expect, it } from 'vitest'
import { maximum, median, minimum, percentile, percentileOfSorted, spread } from './stats.js'

describe('median', () => {
  it('takes the middle value of an odd count, whatever the input order', () => {
    expect(median([9, 1, 5])).toBe(5)
    expect(median([3, 7, 1, 9, 5])).toBe(5)
  })

  it('averages the two middle values of an even count', () => {
    expect(median([4, 1, 3, 2])).toBe(2.5)
  })

  it('does not reorder its input', () => {
    const values = [3, 1, 2]
    median(values)
    expect(values).toEqual([3, 1, 2])
  })

  it('refuses no values and NaN instead of answering wrongly', () => {
    expect(() => median([])).toThrow(RangeError)
    expect(() => median([1, Number.NaN, 2])).toThrow(/NaN/)
  })
})

describe('minimum, maximum and spread', () => {
  it('finds the extremes numerically, not lexically', () => {
    const values = [10, 9, 100, 2]
    expect(minimum(values)).toBe(2)
    expect(maximum(values)).toBe(100)
    expect(spread(values)).toEqual({ median: 9.5, min: 2, max: 100 })
  })

  it('gives one value as its own median, min and max', () => {
    expect(spread([7])).toEqual({ median: 7, min: 7, max: 7 })
  })
})

describe('percentile (nearest rank)', () => {
  const hundred = Array.from({ length: 100 }, (_, index) => 100 - index) // 100 … 1

  it('returns the smallest value with at least p% of values at or below it', () => {
    expect(percentile(hundred, 50)).toBe(50)
    expect(percentile(hundred, 99)).toBe(99)
    expect(percentile(hundred, 99.5)).toBe(100)
    expect(percentile([5, 1, 3], 50)).toBe(3)
    expect(percentile([1, 2, 3, 4], 50)).toBe(2)
  })

  it('gives the minimum at 0 and the maximum at 100', () => {
    expect(percentile(hundred, 0)).toBe(1)
    expect(percentile(hundred, 100)).toBe(100)
  })

  it('sees one slow outlier in p99 of 100 samples only when it is in the top 1%', () => {
    const samples = Array.from({ length: 100 }, () => 1)
    samples[17] = 1000
    expect(percentile(samples, 99)).toBe(1)
    expect(percentile(samples, 100)).toBe(1000)
    samples[42] = 1000
    expect(percentile(samples, 99)).toBe(1000)
  })

  it('works on a sorted Float64Array without copying', () => {
    const sorted = new Float64Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
    expect(percentileOfSorted(sorted, 90)).toBe(9)
    expect(percentileOfSorted(sorted, 91)).toBe(10)
  })

  it('rejects a percentile outside 0–100', () => {
    expect(() => percentile([1], 101)).toThrow(/0 to 100/)
    expect(() => percentile([1], -1)).toThrow(/0 to 100/)
  })
})
