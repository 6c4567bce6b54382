/**
 * Tombstone-density picking: a store whose keys are deleted one by one gives its space back on
 * its own (no compactRange), as the tables dense with tombstones are compacted down onto the
 * data they hide.
 */
import { describe, expect, it } from 'vitest'
import { open } from '../src/index.js'
import { temporaryDirectory } from './helpers.js'

const key = (index: number) => `k${String(index).padStart(6, '0')}`

describe('tombstone-density picking', () => {
  it('shrinks a store whose every key was deleted one by one, without compactRange', async () => {
    const database = await open<string, string>(temporaryDirectory(), {
      compression: 'none', // the budget below is of raw bytes: lz4 shrinks the values, not the tombstones
      keyEncoding: 'utf8',
      valueEncoding: 'utf8',
      memtableBytes: 64 * 1024,
      targetFileBytes: 64 * 1024,
      level1Bytes: 1024 * 1024,
      sync: false,
    })
    const count = 30_000
    for (let start = 0; start < count; start += 1000) {
      const operations = []
      for (let index = start; index < start + 1000; index++) {
        operations.push({ type: 'put' as const, key: key(index), value: `value-${index}-${'x'.repeat(40)}` })
      }
      await database.batch(operations)
    }
    await database.compactRange()
    const full = database.stats().tableBytes
    for (let start = 0; start < count; start += 1000) {
      const operations = []
      for (let index = start; index < start + 1000; index++)
        operations.push({ type: 'del' as const, key: key(index) })
      await database.batch(operations)
    }
    await database.flush()
    // Background compactions run until no level is over budget and no dense table is left.
    let previous = -1
    for (let wait = 0; wait < 200; wait++) {
      await new Promise((resolve) => setTimeout(resolve, 50))
      const stats = database.stats()
      const done = stats.compaction.compactions + stats.compaction.trivialMoves
      if (done === previous && !stats.compaction.running) break
      previous = done
    }
    const after = database.stats().tableBytes
    expect(after, `${after} of ${full} bytes left`).toBeLessThan(full * 0.1)
    expect(await database.iterator().all()).toEqual([])
    await database.close()
  }, 60_000)
})
