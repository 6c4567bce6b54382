import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { oneLineFailure, removeScratch, scratch, strata } from './helpers.js'

const root = scratch()
afterAll(() => removeScratch(root))

describe('strata del --prefix / --range', () => {
  it('deletes every key under a prefix, or within bounds, with one range tombstone', () => {
    const db = join(root, 'prefix')
    for (const key of ['a1', 'b1', 'b2', 'b3', 'c1', 'c2', 'd1']) {
      expect(strata(['put', db, key, `v-${key}`, '--no-sync']).code).toBe(0)
    }
    expect(JSON.parse(strata(['del', db, '--prefix', 'b', '--json']).stdout)).toEqual({
      ok: true,
      range: { gte: 'b', lt: 'c' },
    })
    expect(strata(['scan', db, '--keys-only']).stdout).toBe('a1\nc1\nc2\nd1\n')
    expect(strata(['del', db, '--range', '--gt', 'a1', '--lte', 'c2']).code).toBe(0)
    expect(strata(['scan', db, '--keys-only']).stdout).toBe('a1\nd1\n')
  })

  it('refuses a range with no bound, a key with --prefix, and an empty range', () => {
    const db = join(root, 'refused')
    expect(strata(['put', db, 'k', 'v']).code).toBe(0)
    const noBound = strata(['del', db, '--range'])
    expect(noBound.code).toBe(2)
    expect(noBound.stderr).toMatch(/^strata: --range needs at least one bound/)
    const both = strata(['del', db, 'k', '--prefix', 'k'])
    expect(both.code).toBe(2)
    expect(both.stderr).toMatch(/^strata: give a key or --prefix\/--range, not both/)
    const empty = strata(['del', db, '--range', '--gte', 'b', '--lt', 'a'])
    expect(empty.code).not.toBe(0)
    expect(oneLineFailure(empty)).toMatch(/holds no key/)
    expect(strata(['get', db, 'k']).stdout).toBe('v\n')
  })
})
