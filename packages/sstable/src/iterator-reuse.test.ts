import { MemoryFileSystem, OpType } from '@strata/base'
import { describe, expect, it } from 'vitest'
import { TableBuilder } from './builder.js'
import { BlockCache } from './cache.js'
import { Table } from './table.js'

const key = (index: number) => Buffer.from(`key${String(index).padStart(6, '0')}`)

describe('iterators closed and opened again (their cursors are reused)', () => {
  it('two iterators opened after one was closed twice walk independently', async () => {
    const fs = new MemoryFileSystem()
    const builder = new TableBuilder('/t.sst', { fs, blockBytes: 256 })
    for (let index = 0; index < 300; index++) {
      builder.add({ key: key(index), seq: index + 1, op: OpType.Put, value: Buffer.alloc(8, index) })
    }
    await builder.finish()
    const table = await Table.open('/t.sst', { fs, cache: new BlockCache() })
    for (let round = 0; round < 3; round++) {
      const first = table.iterator({ gte: key(10) })
      await first.next()
      first.close()
      first.close()
      const forward = table.iterator({ gte: key(100) })
      const backward = table.iterator({ lte: key(200), reverse: true })
      const seenForward: number[] = []
      const seenBackward: number[] = []
      for (let step = 0; step < 40; step++) {
        seenForward.push((await forward.next())!.seq - 1)
        seenBackward.push((await backward.next())!.seq - 1)
      }
      expect(seenForward).toEqual(Array.from({ length: 40 }, (_, index) => 100 + index))
      expect(seenBackward).toEqual(Array.from({ length: 40 }, (_, index) => 200 - index))
      forward.close()
      backward.close()
      expect(() => first.tryNext()).toThrow(/closed/)
    }
    await table.close()
  })
})
