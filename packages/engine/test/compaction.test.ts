import { readdirSync } from 'node:fs'
import { MemoryFileSystem } from '@strata/base'
import { FaultyFileSystem } from '@strata/base/testing'
import { describe, expect, it } from 'vitest'
import { open } from '../src/index.js'
import { temporaryDirectory } from './helpers.js'

const key = (index: number) => `key-${String(index).padStart(6, '0')}`
const utf8 = { keyEncoding: 'utf8', valueEncoding: 'utf8' } as const

describe('compaction', () => {
  it('keeps every version a live snapshot sees, and drops it once the snapshot is released', async () => {
    const database = await open<string, string>('/db', {
      ...utf8,
      fs: new MemoryFileSystem(),
      autoCompaction: false,
    })
    await database.put('k', 'v1')
    const first = database.snapshot()
    await database.put('k', 'v2')
    await database.put('k', 'v3')
    const second = database.snapshot()
    await database.delete('k')
    await database.compactRange()
    expect(await database.get('k', { snapshot: first })).toBe('v1')
    expect(await database.get('k', { snapshot: second })).toBe('v3')
    expect(await database.get('k')).toBeUndefined()
    // v2 was visible to nobody: dropped. v1, v3 and the tombstone stay for the snapshots.
    expect(database.stats().compaction.droppedVersions).toBe(1)
    first.release()
    second.release()
    await database.compactRange()
    const stats = database.stats()
    expect(stats.compaction.droppedVersions + stats.compaction.droppedTombstones).toBe(4)
    expect(stats.tableFiles).toBe(0)
    await database.close()
  })

  it('reclaims the space of mass deletes with compactRange, and reads stay right', async () => {
    const directory = temporaryDirectory()
    const database = await open<string, string>(directory, { ...utf8, sync: false, memtableBytes: 64 * 1024 })
    for (let index = 0; index < 20_000; index++)
      await database.put(key(index), `value-${index}-${'x'.repeat(50)}`)
    await database.flush()
    const full = database.stats().tableBytes
    for (let index = 0; index < 20_000; index += 2) await database.delete(key(index))
    await database.compactRange()
    const stats = database.stats()
    expect(stats.tableBytes).toBeLessThan(full * 0.6)
    expect(stats.spaceAmplification).toBeLessThan(1.1)
    expect(await database.get(key(100))).toBeUndefined()
    expect(await database.get(key(101))).toBe(`value-101-${'x'.repeat(50)}`)
    expect(await database.iterator({ keys: true, values: false }).all()).toHaveLength(10_000)
    // Everything sits in one level after a full compactRange.
    expect(stats.levels.filter((level) => level.files > 0)).toHaveLength(1)
    await database.close()
  })

  it('keeps the event loop responsive while a large compaction runs in the worker', async () => {
    const directory = temporaryDirectory()
    // Uncompressed: the merge writes every byte (its constant values would compress away).
    const database = await open(directory, {
      sync: false,
      autoCompaction: false,
      memtableBytes: 1024 * 1024,
      compression: 'none',
    })
    const value = Buffer.alloc(100, 7)
    let next = 0
    const total = 150_000
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        while (next < total) {
          const index = next++
          await database.put(Buffer.from(`${(index * 7919) % total}`.padStart(16, '0')), value)
        }
      }),
    )
    await database.flush()
    expect(database.stats().levels[0]!.files).toBeGreaterThan(3)
    let largestGap = 0
    let last = performance.now()
    const timer = setInterval(() => {
      const now = performance.now()
      largestGap = Math.max(largestGap, now - last)
      last = now
    }, 2)
    const started = performance.now()
    await database.compactRange()
    const took = performance.now() - started
    clearInterval(timer)
    console.log(
      `compactRange of ${total} entries took ${took.toFixed(0)} ms; largest event-loop gap ${largestGap.toFixed(1)} ms`,
    )
    // Generous: the merge itself runs in the worker; the main thread only opens the outputs.
    expect(largestGap).toBeLessThan(Math.max(250, took / 4))
    expect(database.stats().compaction.bytesWritten).toBeGreaterThan(total * 100)
    await database.close()
  })

  it('removes the outputs of a compaction that failed, and loses nothing', async () => {
    const memory = new MemoryFileSystem()
    const faulty = new FaultyFileSystem(memory)
    const database = await open<string, string>('/db', {
      ...utf8,
      fs: faulty,
      autoCompaction: false,
      memtableBytes: 4096,
    })
    for (let index = 0; index < 600; index++) await database.put(key(index), `v${index}`)
    await database.flush()
    const tablesBefore = memory
      .readdirSync('/db')
      .filter((name) => name.endsWith('.sst'))
      .sort()
    faulty.inject({ operation: 'fsync', path: /\.sst$/ })
    await expect(database.compactRange()).rejects.toMatchObject({ code: 'STRATA_IO' })
    await expect(database.put('x', 'y')).rejects.toMatchObject({ code: 'STRATA_READ_ONLY' })
    memory.crash()
    const reopened = await open<string, string>('/db', { ...utf8, fs: memory, autoCompaction: false })
    expect(
      memory
        .readdirSync('/db')
        .filter((name) => name.endsWith('.sst'))
        .sort(),
    ).toEqual(tablesBefore)
    for (let index = 0; index < 600; index += 37) expect(await reopened.get(key(index))).toBe(`v${index}`)
    await reopened.close()
  })

  it('compacts in the background as level 0 fills, keeping reads right and level 0 short', async () => {
    const directory = temporaryDirectory()
    const database = await open<string, string>(directory, {
      ...utf8,
      sync: false,
      memtableBytes: 16 * 1024,
      level1Bytes: 64 * 1024,
      targetFileBytes: 16 * 1024,
    })
    for (let round = 0; round < 3; round++) {
      for (let index = 0; index < 4000; index++)
        await database.put(key((index * 31) % 4000), `r${round}-${index}`)
    }
    await database.flush()
    await database.close()
    const tables = () => readdirSync(directory).filter((name) => name.endsWith('.sst'))
    const afterClose = tables()
    // Reopened without compactions: the tree stays as the close left it until this close (a
    // background compaction after the reopen would replace the tables counted below).
    const reopened = await open<string, string>(directory, { ...utf8, autoCompaction: false })
    const stats = reopened.stats()
    expect(stats.levels[0]!.files).toBeLessThan(8)
    expect(stats.levels.slice(1).some((level) => level.files > 0)).toBe(true)
    expect(await reopened.get(key((3999 * 31) % 4000))).toBe('r2-3999')
    expect(await reopened.iterator({ values: false }).all()).toHaveLength(4000)
    await reopened.close()
    // No table file is left behind that the manifest does not list (by the first close either:
    // the reopen's cleanup would have removed it).
    const listed = stats.tableFiles
    expect(tables()).toHaveLength(listed)
    expect(afterClose).toHaveLength(listed)
  })
})
