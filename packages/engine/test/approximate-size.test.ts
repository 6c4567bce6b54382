/** approximateSize(): tables and memtables, proportional to the range, 0 for an empty range. */
import { describe, expect, it } from 'vitest'
import { open } from '../src/index.js'
import { temporaryDirectory } from './helpers.js'

const key = (index: number) => `k:${String(index).padStart(5, '0')}`

describe('approximateSize', () => {
  it('estimates the bytes of a range in tables and memtables', async () => {
    const database = await open(temporaryDirectory(), {
      compression: 'none', // the byte counts below are of raw values
      keyEncoding: 'utf8',
      valueEncoding: 'utf8',
      sync: false,
      memtableBytes: 64 * 1024,
    })
    const value = 'v'.repeat(100)
    for (let index = 0; index < 2000; index++) await database.put(key(index), value)
    await database.flush()
    for (let index = 2000; index < 2100; index++) await database.put(key(index), value)
    const all = database.approximateSize()
    expect(all.tables).toBeGreaterThan(2000 * 100)
    expect(all.tables).toBeLessThan(2000 * 150)
    expect(all.memtables).toBe(100 * (key(0).length + 100))
    const half = database.approximateSize(key(0), key(1000))
    expect(half.memtables).toBe(0)
    expect(half.tables / all.tables).toBeGreaterThan(0.4)
    expect(half.tables / all.tables).toBeLessThan(0.6)
    expect(database.approximateSize('a', 'b').bytes).toBe(0)
    expect(database.approximateSize(key(2050)).memtables).toBe(50 * (key(0).length + 100))
    await database.close()
  })
})
