/**
 * `stats().memory`: the engine's own memory by part — memtables, block cache, spare block
 * buffers, pinned index and filter blocks, iterators — follows what the database holds.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { type Database, open } from '../src/index.js'
import { bytes, temporaryDirectory } from './helpers.js'

const opened: Database[] = []

afterEach(async () => {
  for (const database of opened.splice(0)) await database.close()
})

const keyOf = (index: number) => bytes(`key-${String(index).padStart(6, '0')}`)
const storedValue = (index: number) => bytes(`value ${index} `.padEnd(100, '.'))

async function filled(count: number, blockCacheBytes = 1 << 20): Promise<Database> {
  const database = await open(temporaryDirectory(), { autoCompaction: false, sync: false, blockCacheBytes })
  opened.push(database)
  for (let start = 0; start < count; start += 1000) {
    await database.batch(
      Array.from({ length: Math.min(1000, count - start) }, (_, offset) => ({
        type: 'put' as const,
        key: keyOf(start + offset),
        value: storedValue(start + offset),
      })),
    )
  }
  return database
}

function sumOf(memory: ReturnType<Database['stats']>['memory']): number {
  return (
    memory.memtables +
    memory.pooledSlabBytes +
    memory.blockCache +
    memory.spareBlocks +
    memory.pinned +
    memory.iterators.blockBytes +
    memory.wal
  )
}

describe('stats().memory', () => {
  it('counts the memtables, then, once flushed, the pinned index and filter blocks', async () => {
    const database = await filled(5000)
    const before = database.stats()
    // 5,000 entries of 110+ bytes: at least their key and value bytes, in the memtable.
    expect(before.memory.memtables).toBeGreaterThan(5000 * 110)
    expect(before.memory.memtables).toBe(before.memtableBytes + before.frozenMemtableBytes)
    expect(before.memory.pinned).toBe(0)
    expect(before.memory.blockCache).toBe(0)
    await database.flush()
    const after = database.stats()
    // The new memtable is empty but for its hash index, sized for the 5,000 keys of the last one.
    expect(after.memory.memtables).toBeLessThan(before.memory.memtables / 4)
    expect(after.memory.pinned).toBeGreaterThan(0)
    expect(after.memory.blockCache).toBe(0)
    expect(after.memory.total).toBe(sumOf(after.memory))
  })

  it("counts the WAL's copy buffer once a cut after a flush has used it", async () => {
    const database = await filled(5000)
    expect(database.stats().memory.wal).toBe(0)
    // Writes while the flush runs: the WAL is then cut after the flushed entries, and the
    // writes after them are copied into the new file.
    const flushing = database.flush()
    for (let index = 5000; index < 6000; index++) await database.put(keyOf(index), storedValue(index))
    await flushing
    const deadline = Date.now() + 5000
    while (database.stats().memory.wal === 0 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 10))
    const { memory } = database.stats()
    expect(memory.wal).toBe(1024 * 1024)
    expect(memory.total).toBe(sumOf(memory))
  })

  it('counts the cached blocks point reads load, within the cache capacity', async () => {
    const capacity = 64 * 1024
    const database = await filled(5000, capacity)
    await database.flush()
    const { pinned } = database.stats().memory
    for (let index = 0; index < 5000; index += 10) {
      expect(database.getSync(keyOf(index))).toEqual(storedValue(index))
    }
    const { memory, cache } = database.stats()
    expect(memory.blockCache).toBeGreaterThan(16 * 1024)
    expect(memory.blockCache + memory.pinned).toBe(cache.usedBytes)
    expect(memory.blockCache + memory.pinned).toBeLessThanOrEqual(capacity)
    expect(memory.pinned).toBe(pinned)
    // A full cache evicts as reads go on; evicted blocks' buffers wait to be reused.
    expect(memory.spareBlocks).toBeGreaterThan(0)
    expect(memory.total).toBe(sumOf(memory))
  })

  it('counts open iterators and the readahead blocks they hold, until they close', async () => {
    const database = await filled(5000)
    await database.flush()
    const iterator = database.iterator()
    for (let index = 0; index < 50; index++) await iterator.next()
    const reading = database.stats().memory
    expect(reading.iterators.open).toBe(1)
    expect(reading.iterators.blockBytes).toBeGreaterThan(1000)
    await iterator.close()
    const closed = database.stats().memory
    expect(closed.iterators).toEqual({ open: 0, blockBytes: 0 })
  })
})
