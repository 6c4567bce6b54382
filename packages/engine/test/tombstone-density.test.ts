/**
 * Tombstone-density picking: a store whose keys are deleted one by one gives its space back on
 * its own (no compactRange), as the tables dense with tombstones are compacted down onto the
 * data they hide.
 */
import { describe, expect, it } from 'vitest'
import { IDLE_CHECK_MS } from '../src/idle-tombstone-flush.js'
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

  it('flushes an idle memtable of tombstones (and only such a one) so their space comes back', async () => {
    const database = await open<string, string>(temporaryDirectory(), {
      keyEncoding: 'utf8',
      valueEncoding: 'utf8',
      sync: false,
    })
    const count = 2000
    const puts = []
    for (let index = 0; index < count; index++)
      puts.push({ type: 'put' as const, key: key(index), value: 'v'.repeat(100) })
    await database.batch(puts)
    await database.flush()
    const tableBytes = database.stats().tableBytes
    // A memtable of puts stays in memory however long writes pause.
    await database.put(key(count), 'last')
    await new Promise((resolve) => setTimeout(resolve, 2.5 * IDLE_CHECK_MS))
    expect(database.stats().flushes).toBe(1)
    for (let index = 0; index <= count; index++) await database.delete(key(index))
    // Once writes pause, the memtable of tombstones is flushed and compacted onto the table.
    let stats = database.stats()
    for (let wait = 0; wait < 100 && (stats.flushes < 2 || stats.tableBytes > 0); wait++) {
      await new Promise((resolve) => setTimeout(resolve, 50))
      stats = database.stats()
    }
    expect(stats.flushes).toBe(2)
    expect(stats.tableBytes, `${stats.tableBytes} of ${tableBytes} table bytes left`).toBe(0)
    expect(await database.iterator().all()).toEqual([])
    await database.close()
  }, 30_000)
})
