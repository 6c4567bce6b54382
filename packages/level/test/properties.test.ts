/** approximateSize and getProperty, classic-level's names, against the engine's figures. */
import { describe, expect, it } from 'vitest'
import { StrataLevel } from '../src/index.js'
import { temporaryDirectory } from './helpers.js'

describe('approximateSize and getProperty', () => {
  it('answers classic-level names from the engine statistics', async () => {
    const db = new StrataLevel(temporaryDirectory(), { memtableBytes: 64 * 1024, sync: false })
    await db.open()
    const value = 'v'.repeat(100)
    await db.batch(
      Array.from({ length: 2000 }, (_, index) => ({
        type: 'put' as const,
        key: `k${String(index).padStart(5, '0')}`,
        value,
      })),
    )
    expect(await db.approximateSize('k00000', 'k02000')).toBeGreaterThan(2000 * 100)
    expect(await db.approximateSize('a', 'b')).toBe(0)
    await db.compactRange('k', 'l')
    const files =
      Number(db.getProperty('leveldb.num-files-at-level1')) +
      Number(db.getProperty('leveldb.num-files-at-level0'))
    const stats = db.stats()
    expect(files).toBe(stats.levels[0]!.files + stats.levels[1]!.files)
    expect(stats.tableFiles).toBeGreaterThan(0)
    expect(db.getProperty('leveldb.num-files-at-level6')).toBe(String(stats.levels[6]!.files))
    expect(db.getProperty('leveldb.stats')).toMatch(/Level\s+Files\s+Size\(MB\)/)
    expect(Number(db.getProperty('leveldb.approximate-memory-usage'))).toBeGreaterThan(0)
    expect(() => db.getProperty('leveldb.nonsense')).toThrow(
      expect.objectContaining({ code: 'LEVEL_INVALID_VALUE' }),
    )
    await db.close()
    expect(() => db.getProperty('leveldb.stats')).toThrow(
      expect.objectContaining({ code: 'LEVEL_DATABASE_NOT_OPEN' }),
    )
  })
})
