/**
 * Flushes run as a pipeline: while one table waits for its fsync and its commit, the next frozen
 * memtable's table is built and fsynced; commits still happen oldest first.
 */
import { MemoryFileSystem, type OpenFlags } from '@strata/base'
import { describe, expect, it } from 'vitest'
import { open } from '../src/index.js'

/** Holds the fsync of the first table until released. */
class HeldFirstTableSync extends MemoryFileSystem {
  readonly tables: { fd: number }[] = []
  release: () => void = () => {}
  private readonly held = new Promise<void>((resolve) => {
    this.release = resolve
  })
  firstSyncReached = false
  /** The descriptors fsynced, in call order. */
  readonly fsyncCalls: number[] = []

  override openSync(path: string, flags: OpenFlags): number {
    const fd = super.openSync(path, flags)
    if (path.endsWith('.sst') && flags === 'w') this.tables.push({ fd })
    return fd
  }

  override async fsync(fd: number): Promise<void> {
    this.fsyncCalls.push(fd)
    if (this.tables[0]?.fd === fd) {
      this.firstSyncReached = true
      await this.held
    }
    return super.fsync(fd)
  }
}

describe('flush pipeline', () => {
  it("builds the next memtable's table while the previous one waits for its fsync", async () => {
    const fs = new HeldFirstTableSync()
    const database = await open('/db', {
      fs,
      sync: false,
      memtableBytes: 16 * 1024,
      maxFrozenMemtables: 64,
      autoCompaction: false,
    })
    const flushesBegun: number[] = []
    const flushesEnded: number[] = []
    database.on('flush', (event) => {
      if (event.phase === 'begin') flushesBegun.push(event.fileNumber)
      else flushesEnded.push(event.fileNumber)
    })
    const key = (index: number) => Buffer.from(`key-${String(index).padStart(6, '0')}`)
    // Several memtables' worth, written while the first flush is held at its fsync.
    for (let index = 0; index < 400; index++) await database.put(key(index), Buffer.alloc(150, index % 251))
    for (let turn = 0; turn < 200 && flushesBegun.length < 3; turn++) {
      await new Promise((resolve) => setImmediate(resolve))
    }
    expect(fs.firstSyncReached).toBe(true)
    // Every frozen memtable's table is built (its file written up to the finish) meanwhile.
    expect(flushesBegun.length).toBeGreaterThanOrEqual(3)
    expect(fs.tables.length).toBe(flushesBegun.length)
    // The later tables are fsynced meanwhile, beside the first one.
    expect(fs.fsyncCalls).toContain(fs.tables[1]!.fd)
    // Nothing is committed before the first table: its commit comes first.
    expect(flushesEnded).toEqual([])
    fs.release()
    await database.flush()
    expect(flushesEnded.length).toBeGreaterThanOrEqual(3)
    expect(flushesEnded).toEqual([...flushesEnded].sort((a, b) => a - b))
    for (let index = 0; index < 400; index += 7) {
      expect(await database.get(key(index))).toEqual(Buffer.alloc(150, index % 251))
    }
    await database.close()
    const reopened = await open('/db', { fs, autoCompaction: false })
    let count = 0
    for await (const _ of reopened.iterator()) count++
    expect(count).toBe(400)
    await reopened.close()
  })

  it('writers go on while three memtables wait for their flush (maxFrozenMemtables 4)', async () => {
    const fs = new HeldFirstTableSync()
    const database = await open('/db', {
      fs,
      sync: false,
      memtableBytes: 16 * 1024,
      maxFrozenMemtables: 4,
      autoCompaction: false,
    })
    const key = (index: number) => Buffer.from(`key-${String(index).padStart(6, '0')}`)
    // Not awaited: the first table's fsync is held, so its memtable stays frozen meanwhile.
    const writes: Promise<void>[] = []
    const filling = () => database.stats().frozenMemtables < 3 && database.stats().stalls.count === 0
    for (let index = 0; index < 1000 && filling(); index++) {
      writes.push(database.put(key(index), Buffer.alloc(150, 1)))
    }
    expect(database.stats().stalls.count).toBe(0)
    expect(database.stats().frozenMemtables).toBe(3)
    fs.release()
    await Promise.all(writes)
    await database.close()
  })
})
