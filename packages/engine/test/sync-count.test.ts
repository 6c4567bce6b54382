/**
 * What a synced write costs in syncs, counted on the real disk: one fdatasync per acknowledged
 * write when writes come one at a time (no second sync for the header, the preallocated space
 * or the directory), one shared by writes in flight together, none for `sync: false`.
 */
import { nodeFileSystem } from '@strata/base'
import { FaultyFileSystem } from '@strata/base/testing'
import { describe, expect, it } from 'vitest'
import { open } from '../src/index.js'
import { bytes, temporaryDirectory } from './helpers.js'

const key = (index: number) => bytes(`key-${String(index).padStart(6, '0')}`)
const value = bytes('v'.repeat(100))

async function opened() {
  const faulty = new FaultyFileSystem(nodeFileSystem)
  const database = await open(temporaryDirectory(), { fs: faulty, sync: true })
  // The first write: the WAL's first preallocation; counted from the second on.
  await database.put(key(0), value)
  return { database, faulty }
}

describe('syncs per acknowledged write', () => {
  it('one synced put at a time: exactly one fdatasync each', async () => {
    const { database, faulty } = await opened()
    const before = faulty.counts.fsync
    // 300 puts of ~130 bytes: the WAL's preallocated space grows twice meanwhile.
    for (let index = 1; index <= 300; index++) {
      await database.put(key(index), value)
      expect(faulty.counts.fsync - before).toBe(index)
    }
    await database.close()
  })

  it('64 synced puts in flight together share one fdatasync', async () => {
    const { database, faulty } = await opened()
    for (let round = 0; round < 5; round++) {
      const before = faulty.counts.fsync
      await Promise.all(
        Array.from({ length: 64 }, (_, index) => database.put(key(round * 64 + index + 1), value)),
      )
      expect(faulty.counts.fsync - before).toBe(1)
    }
    await database.close()
  })

  it('sync: false puts: no fdatasync', async () => {
    const { database, faulty } = await opened()
    const before = faulty.counts.fsync
    for (let index = 1; index <= 50; index++) await database.put(key(index), value, { sync: false })
    expect(faulty.counts.fsync - before).toBe(0)
    await database.close()
  })
})
