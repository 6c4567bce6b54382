import { type InternalEntry, MemoryFileSystem, OpType } from '@strata/base'
import { describe, expect, it } from 'vitest'
import { TableBuilder } from './builder.js'
import { BlockCache } from './cache.js'
import { Table } from './table.js'

const key = (index: number) => Buffer.from(`key${String(index).padStart(6, '0')}`)

async function build(count: number): Promise<{ fs: MemoryFileSystem; entries: InternalEntry[] }> {
  const fs = new MemoryFileSystem()
  const entries: InternalEntry[] = []
  const builder = new TableBuilder('/t.sst', { fs, blockBytes: 256 })
  for (let index = 0; index < count; index++) {
    const entry: InternalEntry = {
      key: key(index),
      seq: index + 1,
      op: OpType.Put,
      value: Buffer.alloc(20, index),
    }
    entries.push(entry)
    builder.add(entry)
  }
  await builder.finish()
  return { fs, entries }
}

describe('answers without I/O', () => {
  it('getCached answers from the filter or a cached block, and says null when a read is needed', async () => {
    const { fs } = await build(500)
    const cache = new BlockCache()
    const table = await Table.open('/t.sst', { fs, cache })
    expect(table.getCached(Buffer.from('zzz'))).toBeUndefined()
    expect(table.getCached(key(250))).toBeNull()
    expect((await table.get(key(250)))?.seq).toBe(251)
    expect(table.getCached(key(250))?.seq).toBe(251)
    expect(table.getCached(key(250), 100)).toBeUndefined()
    await table.close()
  })

  it('tryNext walks decoded and cached blocks synchronously and asks for next() at a cold block', async () => {
    const { fs, entries } = await build(500)
    const table = await Table.open('/t.sst', { fs, cache: new BlockCache() })
    const iterator = table.iterator()
    const seen: number[] = []
    let reads = 0
    for (;;) {
      let entry = iterator.tryNext()
      if (entry === null) {
        reads++
        entry = await iterator.next()
      }
      if (entry === undefined) break
      seen.push(entry.seq)
    }
    expect(seen).toEqual(entries.map((entry) => entry.seq))
    expect(reads).toBeGreaterThan(0)
    expect(reads).toBeLessThan(seen.length / 10)
    // Every block is cached now: a second walk needs no read at all.
    const again = table.iterator({ reverse: true })
    let count = 0
    for (let entry = again.tryNext(); entry !== undefined; entry = again.tryNext()) {
      expect(entry).not.toBeNull()
      count++
    }
    expect(count).toBe(500)
    await table.close()
  })
})
