import { describe, expect, it } from 'vitest'
import { seededRandom } from './random.js'
import { testSeed } from './test-seed.js'

describe('seeded randomness', () => {
  it('repeats its sequence for a seed, differs between seeds, stays in [0, 1)', () => {
    const first = Array.from({ length: 100 }, seededRandom(42))
    const again = Array.from({ length: 100 }, seededRandom(42))
    const other = Array.from({ length: 100 }, seededRandom(43))
    expect(again).toEqual(first)
    expect(other).not.toEqual(first)
    expect(first.every((value) => value >= 0 && value < 1)).toBe(true)
    expect(new Set(first.map((value) => Math.floor(value * 10))).size).toBe(10)
  })

  it('takes the seed from the environment to replay a run', () => {
    process.env.STRATA_TEST_SEED_CHECK = '1234'
    expect(testSeed('check', 'STRATA_TEST_SEED_CHECK')).toBe(1234)
    delete process.env.STRATA_TEST_SEED_CHECK
    expect(Number.isInteger(testSeed('check', 'STRATA_TEST_SEED_CHECK'))).toBe(true)
  })
})
