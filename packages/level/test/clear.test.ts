/**
 * `clear()`: without `limit` (and without a snapshot) one range delete — a single write however
 * many keys the range holds; with a limit, key by key as before.
 */
import { MemoryFileSystem } from '@strata/base'
import { describe, expect, it } from 'vitest'
import { StrataLevel } from '../src/index.js'

async function filled(count: number): Promise<StrataLevel<string, string>> {
  const db = new StrataLevel<string, string>('/db', { fs: new MemoryFileSystem() })
  await db.open()
  await db.batch(
    Array.from({ length: count }, (_, index) => ({
      type: 'put' as const,
      key: `k${String(index).padStart(5, '0')}`,
      value: 'v',
    })),
  )
  return db
}

describe('clear', () => {
  it('deletes a range of any size with one write when no limit is given', async () => {
    const db = await filled(5000)
    const before = db.stats().lastSeq
    await db.clear({ gte: 'k01000', lt: 'k04000' })
    expect(db.stats().lastSeq).toBe(before + 1)
    expect(await db.keys().all()).toHaveLength(2000)
    expect(await db.get('k00999')).toBe('v')
    expect(await db.get('k01000')).toBeUndefined()
    await db.clear({ gt: 'k01000', lt: 'k01000' }) // holds no key: nothing written
    expect(db.stats().lastSeq).toBe(before + 1)
    await db.clear()
    expect(await db.keys().all()).toEqual([])
    await db.close()
  })

  it('deletes key by key when a limit is given', async () => {
    const db = await filled(100)
    const before = db.stats().lastSeq
    await db.clear({ limit: 10 })
    expect(db.stats().lastSeq).toBe(before + 10)
    expect(await db.keys().all()).toHaveLength(90)
    await db.close()
  })
})
