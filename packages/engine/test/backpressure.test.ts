import { MemoryFileSystem, type OpenFlags } from '@strata/base'
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

  it('with maxFrozenMemtables waiting, writes fill the active memtable before they wait', async () => {
    const fs = new HeldTableSyncs()
    const memtableBytes = 16 * 1024
    const database = await open('/db', {
      fs,
      sync: false,
      memtableBytes,
      maxFrozenMemtables: 1,
      autoCompaction: false,
    })
    const key = (index: number) => Buffer.from(`key-${String(index).padStart(6, '0')}`)
    let atStall: { frozen: number; activeBytes: number } | undefined
    database.on('stall', (event) => {
      if (event.phase !== 'begin' || atStall !== undefined) return
      const stats = database.stats()
      atStall = { frozen: stats.frozenMemtables, activeBytes: stats.memtableBytes }
    })
    let mostFrozen = 0
    database.on('flush', () => {
      mostFrozen = Math.max(mostFrozen, database.stats().frozenMemtables)
    })
    // Not awaited: every table's fsync is held, so the first frozen memtable stays frozen.
    const writes: Promise<void>[] = []
    for (let index = 0; index < 2000 && database.stats().stalls.count === 0; index++) {
      writes.push(database.put(key(index), Buffer.alloc(150, 1)))
      mostFrozen = Math.max(mostFrozen, database.stats().frozenMemtables)
    }
    // The writers waited only once one memtable was frozen and the active one full as well.
    expect(database.stats().stalls.count).toBe(1)
    expect(atStall?.frozen).toBe(1)
    expect(atStall?.activeBytes).toBeGreaterThanOrEqual(memtableBytes)
    const written = writes.length
    // Released, the flush commits; the full memtable freezes then, and the writers go on.
    fs.release()
    await Promise.all(writes)
    expect(mostFrozen).toBeLessThanOrEqual(1)
    for (let index = 0; index < written; index += 97) {
      expect(await database.get(key(index))).toEqual(Buffer.alloc(150, 1))
    }
    await database.flush()
    expect(database.levels()[0]!.tables.length).toBeGreaterThanOrEqual(2)
    await database.close()
  })
})

/** Holds every table's fsync until `release()`. */
class HeldTableSyncs extends MemoryFileSystem {
  release: () => void = () => {}
  private readonly held = new Promise<void>((resolve) => {
    this.release = resolve
  })
  private readonly tables = new Set<number>()
  override openSync(path: string, flags: OpenFlags): number {
    const fd = super.openSync(path, flags)
    if (path.endsWith('.sst') && flags === 'w') this.tables.add(fd)
    return fd
  }
  override async fsync(fd: number): Promise<void> {
    if (this.tables.has(fd)) await this.held
    return super.fsync(fd)
  }
}
