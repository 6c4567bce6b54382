/**
 * When a flush's WAL truncation runs: in the background only once it removes at least
 * `WAL_CUT_DEAD_RATIO` times what it copies; `flush()` and `close()` cut regardless; a crash with
 * flushed entries still in the WAL loses and repeats nothing.
 */
import { MemoryFileSystem } from '@strata/base'
import { describe, expect, it } from 'vitest'
import { WAL_CUT_DEAD_RATIO } from '../src/budgets.js'
import { open } from '../src/index.js'

const utf8 = { keyEncoding: 'utf8', valueEncoding: 'utf8' } as const
const key = (index: number) => `key-${String(index).padStart(7, '0')}`
const value = (index: number) => `value-${index}-${'v'.repeat(180)}`
/** The WAL's sparse index counts flushed bytes to a checkpoint (one per 64 KiB). */
const CHECKPOINT_BYTES = 64 * 1024

interface Cut {
  bytesBefore: number
  bytesAfter: number
}

async function load(memory: MemoryFileSystem, count: number) {
  const memtableBytes = 256 * 1024
  const database = await open<string, string>('/db', {
    ...utf8,
    fs: memory,
    sync: false,
    memtableBytes,
    autoCompaction: false,
  })
  const cuts: Cut[] = []
  let flushes = 0
  let largestWal = 0
  database.on('wal-truncate', (event) => cuts.push(event))
  database.on('flush', (event) => {
    if (event.phase === 'end') flushes++
  })
  for (let start = 0; start < count; start += 100) {
    const batch = []
    for (let index = start; index < Math.min(count, start + 100); index++) {
      batch.push({ type: 'put' as const, key: key(index), value: value(index) })
    }
    await database.batch(batch)
    largestWal = Math.max(largestWal, database.stats().walBytes)
  }
  return { database, cuts, flushes: () => flushes, largestWal: () => largestWal, memtableBytes }
}

describe('WAL truncation after flushes', () => {
  it('cuts in the background only when it removes twice what it copies, and stays bounded', async () => {
    const { database, cuts, flushes, largestWal, memtableBytes } = await load(new MemoryFileSystem(), 39_950)
    // An explicit flush cuts everything flushed, whatever the ratio.
    await database.flush()
    expect(cuts[cuts.length - 1]).toMatchObject({ seq: 39_950 })
    expect(database.stats().walBytes).toBeLessThan(1024)
    expect(flushes()).toBeGreaterThanOrEqual(20)
    // Cutting after every flush would copy the unflushed memtables each time. (A cut's own
    // figures do not show the ratio: appends go on while it copies.)
    expect(cuts.length).toBeLessThan(flushes() / 2)
    // What stays in the WAL: the unflushed memtables (the active one, up to two frozen, and a
    // batch past the size), and up to the ratio times that of flushed entries, plus a checkpoint.
    const unflushed = 3 * memtableBytes + 64 * 1024
    expect(largestWal()).toBeLessThanOrEqual((1 + WAL_CUT_DEAD_RATIO) * unflushed + CHECKPOINT_BYTES)
    await database.close()
  })

  it('close() cuts what a background flush left in the WAL', async () => {
    const memory = new MemoryFileSystem()
    const { database, cuts } = await load(memory, 12_000)
    const walBefore = database.stats().walBytes
    await database.close()
    expect(cuts.length).toBeGreaterThan(0)
    const last = cuts[cuts.length - 1]!
    expect(last.bytesAfter).toBeLessThan(walBefore)
    const reopened = await open<string, string>('/db', { ...utf8, fs: memory, autoCompaction: false })
    for (let index = 0; index < 12_000; index += 101)
      expect(await reopened.get(key(index))).toBe(value(index))
    await reopened.close()
  })

  it('a crash with flushed entries still in the WAL loses none and repeats none', async () => {
    const memory = new MemoryFileSystem()
    const { database, flushes } = await load(memory, 29_950)
    expect(flushes()).toBeGreaterThanOrEqual(10)
    // More than the unflushed memtables can hold: flushed entries are still in the WAL.
    expect(database.stats().walBytes).toBeGreaterThan(3 * 256 * 1024 + 64 * 1024)
    memory.crash()
    const reopened = await open<string, string>('/db', { ...utf8, fs: memory, autoCompaction: false })
    let count = 0
    let previous = ''
    for await (const [k, v] of reopened.iterator()) {
      expect(k > previous).toBe(true)
      expect(v).toBe(value(Number(k.slice(4))))
      previous = k
      count++
    }
    expect(count).toBe(29_950)
    await reopened.close()
  })
})
