/**
 * A flush builds its table in slices: between two slices the event loop takes a turn, so a
 * callback queued as the flush begins runs long before the flush has written its table — even
 * when the memtable holds few, large entries (the slice ends by bytes as well as by entries).
 */
import { MemoryFileSystem, type OpenFlags } from '@strata/base'
import { describe, expect, it } from 'vitest'
import { open } from '../src/index.js'
import { WorkSlice } from '../src/work-slice.js'

/** A memory file system that counts the bytes written synchronously to table files. */
class CountingFileSystem extends MemoryFileSystem {
  tableBytesWritten = 0
  private readonly tableDescriptors = new Set<number>()

  override openSync(path: string, flags: OpenFlags): number {
    const fd = super.openSync(path, flags)
    if (path.endsWith('.sst') && flags === 'w') this.tableDescriptors.add(fd)
    return fd
  }

  override writeSync(
    fd: number,
    buffer: Uint8Array,
    offset: number,
    length: number,
    position: number | null,
  ): number {
    const written = super.writeSync(fd, buffer, offset, length, position)
    if (this.tableDescriptors.has(fd)) this.tableBytesWritten += written
    return written
  }
}

const VALUE_BYTES = 64 * 1024
const ENTRIES = 64

describe('flush slices', () => {
  it('a callback queued as a flush of few large entries begins runs before half the table is written', async () => {
    const fs = new CountingFileSystem()
    const database = await open('/db', {
      fs,
      memtableBytes: 64 * 1024 * 1024,
      compression: 'none',
      autoCompaction: false,
    })
    const values: Buffer[] = []
    for (let index = 0; index < ENTRIES; index++) {
      const value = Buffer.alloc(VALUE_BYTES, index)
      values.push(value)
      await database.put(Buffer.from(`key-${String(index).padStart(3, '0')}`), value)
    }
    let writtenWhenCalled: number | undefined
    database.on('flush', (event) => {
      if (event.phase !== 'begin') return
      const before = fs.tableBytesWritten
      setImmediate(() => {
        writtenWhenCalled = fs.tableBytesWritten - before
      })
    })
    await database.flush()
    // 64 entries: fewer than the 1,024 a slice may hold, so only the byte limit cuts the build.
    expect(writtenWhenCalled).toBeDefined()
    expect(writtenWhenCalled!).toBeLessThan((ENTRIES * VALUE_BYTES) / 2)
    expect(database.levels()[0]!.tables).toHaveLength(1)
    for (const index of [0, 31, 63]) {
      expect(
        Buffer.compare(
          (await database.get(Buffer.from(`key-${String(index).padStart(3, '0')}`)))!,
          values[index]!,
        ),
      ).toBe(0)
    }
    await database.close()
  })
})

describe('WorkSlice', () => {
  it('ends a slice at the entry limit, at the byte limit, and at the time limit', async () => {
    const byEntries = new WorkSlice({ entries: 3, bytes: 1000, milliseconds: 60_000 })
    expect([byEntries.spent(1), byEntries.spent(1), byEntries.spent(1), byEntries.spent(1)]).toEqual([
      false,
      false,
      true,
      false,
    ])
    const byBytes = new WorkSlice({ entries: 1000, bytes: 100, milliseconds: 60_000 })
    expect([byBytes.spent(60), byBytes.spent(39), byBytes.spent(1), byBytes.spent(99)]).toEqual([
      false,
      false,
      true,
      false,
    ])
    const byTime = new WorkSlice({ entries: 1_000_000, bytes: 1e12, milliseconds: 5 })
    let units = 0
    const started = performance.now()
    while (!byTime.spent(1)) units++
    const elapsed = performance.now() - started
    expect(elapsed).toBeGreaterThanOrEqual(5)
    expect(elapsed).toBeLessThan(1000)
    // The clock is read every 32nd unit: the slice ends on one of those.
    expect(units % 32).toBe(31)
  })
})
