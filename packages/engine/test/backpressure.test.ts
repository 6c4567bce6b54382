import { MemoryFileSystem } from '@strata/base'
import { describe, expect, it } from 'vitest'
import { open } from '../src/index.js'

describe('backpressure', () => {
  it('holds concurrent writers to maxFrozenMemtables, not only the first writer woken', async () => {
    const database = await open('/db', {
      fs: new MemoryFileSystem(),
      memtableBytes: 64 * 1024,
      maxFrozenMemtables: 2,
      autoCompaction: false,
      keyEncoding: 'utf8',
      valueEncoding: 'utf8',
    })
    let mostFrozen = 0
    const look = () => {
      mostFrozen = Math.max(mostFrozen, database.stats().frozenMemtables)
    }
    database.on('flush', look)
    const value = 'x'.repeat(1000)
    for (let round = 0; round < 3; round++) {
      await Promise.all(
        Array.from({ length: 2000 }, (_, index) => database.put(`k${round}-${index}`, value).then(look)),
      )
    }
    const stalls = database.stats().stalls.count
    await database.close()
    expect(stalls, 'the writers had to wait: the test exercises backpressure').toBeGreaterThan(0)
    // A writer passes with fewer than 2 frozen and may freeze one more: never past 2.
    expect(mostFrozen).toBeLessThanOrEqual(2)
  })
})
