import { MemoryFileSystem, OpType } from '@strata/base'
import { describe, expect, it } from 'vitest'
import { bytes } from '../test/helpers.js'
import { TableBuilder } from './builder.js'
import { decodeFooter } from './footer.js'
import { FOOTER_BYTES, FORMAT_VERSION, MAGIC } from './format.js'
import { Table } from './table.js'

/** The version-1 worked example of docs/format.md (written by builds before block compression
 *  and range tombstones): every build reads it back in full. */
const VERSION_1_EXAMPLE = `
  00 05 01 07 03 61 70 70 6c 65 72 65 64  05 00 02 05  02 05 01 06 00 72 69 63 6f 74
  00 00 00 00 01 00 00 00  01 7a e7 07 76
  00 00 00 00 00 00  03 99 99 6e a8
  03 00 00 00 00 00 00 00 01 00 00 00 00 00 00 00 05 00 00 00 00 00 00 00 07 00 00 00 00 00 00 00
  11 00 00 00 00 00 00 00 03 00 00 00 00 00 00 00 00 10 00 00 10 00 00 00 00 00 00 00
  05 00 00 00 61 70 70 6c 65  07 00 00 00 61 70 72 69 63 6f 74  04 f9 f4 d3 38
  00 07 01 06 02 61 70 72 69 63 6f 74 00 23  00 00 00 00 01 00 00 00  02 63 82 50 30
  28 00 00 00 00 00 00 00 06 00 00 00  33 00 00 00 00 00 00 00 50 00 00 00
  88 00 00 00 00 00 00 00 16 00 00 00  01 00 00 00 ef 58 ce 49  73 74 72 61 74 61 53 54`

/** The version-2 worked example of docs/format.md, section "SSTable", byte for byte. */
const WORKED_EXAMPLE = `
  df 00 05 01 07 18 61 70 70 6c 65 72 65 64 03 00 02 f0 07 05 00 02 05 02 05 01 06 00 72 69 63 6f 74 00 00 00 00 01 00 00 00 01 01 38 00 00 00 83 37 a0 56
  00 00 00 00 00 00 03 00 06 00 00 00 f5 6c 99 db
  02 00 00 00 01 00 00 00 62 01 00 00 00 63 02 00 00 00 04 00 00 00 00 00 00 00 08 00 00 00 00 00 00 00 01 00 00 00 63 ff ff ff ff 01 00 00 00 08 00 00 00 00 00 00 00 05 00 37 00 00 00 79 49 32 96
  03 00 00 00 00 00 00 00 01 00 00 00 00 00 00 00 05 00 00 00 00 00 00 00 07 00 00 00 00 00 00 00
  11 00 00 00 00 00 00 00 18 00 00 00 00 00 00 00 00 10 00 00 10 00 00 00 00 00 00 00
  05 00 00 00 61 70 70 6c 65 07 00 00 00 61 70 72 69 63 6f 74 04 00 50 00 00 00 e5 8b 92 5d
  00 07 01 06 02 61 70 72 69 63 6f 74 00 29 00 00 00 00 01 00 00 00 02 00 16 00 00 00 00 36 89 eb
  33 00 00 00 00 00 00 00 06 00 00 00 84 00 00 00 00 00 00 00 50 00 00 00
  de 00 00 00 00 00 00 00 16 00 00 00 02 00 00 00 3d 5c 3f 73 73 74 72 61 74 61 53 54`

const EXAMPLE_FRAGMENTS = [
  { start: bytes('b'), end: bytes('c'), seqs: [4, 8] },
  { start: bytes('c'), end: null, seqs: [8] },
]

function buildExample(fs: MemoryFileSystem): TableBuilder {
  const builder = new TableBuilder('/example.sst', { fs, bloomBitsPerKey: 0, compression: 'lz4' })
  builder.add({ key: bytes('apple'), seq: 7, op: OpType.Put, value: bytes('red'.repeat(8)) })
  builder.add({ key: bytes('apple'), seq: 5, op: OpType.Delete, value: null })
  builder.add({ key: bytes('apricot'), seq: 6, op: OpType.Put, value: bytes('') })
  builder.setRangeTombstones(EXAMPLE_FRAGMENTS)
  return builder
}

describe('table format', () => {
  it('writes the worked example of docs/format.md byte for byte (lz4), and reads it back', async () => {
    const fs = new MemoryFileSystem()
    const builder = buildExample(fs)
    await builder.finish()
    expect(builder.uncompressedDataBytes).toBe(56)
    expect(builder.dataBytes).toBe(41)
    const written = Buffer.from(fs.readFileSync('/example.sst')).toString('hex')
    expect(written).toBe(WORKED_EXAMPLE.replace(/\s+/g, ''))
    const table = await Table.open('/example.sst', { fs })
    expect(table.formatVersion).toBe(2)
    expect(await table.get(bytes('apple'))).toEqual({
      key: bytes('apple'),
      seq: 7,
      op: OpType.Put,
      value: bytes('red'.repeat(8)),
    })
    expect(await table.get(bytes('apple'), 6)).toEqual({
      key: bytes('apple'),
      seq: 5,
      op: OpType.Delete,
      value: null,
    })
    expect(table.rangeFragments).toEqual(EXAMPLE_FRAGMENTS)
    await table.close()
  })

  it('reads the version-1 worked example of docs/format.md (no range-tombstone block)', async () => {
    const fs = new MemoryFileSystem()
    fs.writeFileSync('/example.sst', Buffer.from(VERSION_1_EXAMPLE.replace(/\s+/g, ''), 'hex'))
    const table = await Table.open('/example.sst', { fs })
    expect(table.formatVersion).toBe(1)
    expect(table.rangeFragments).toEqual([])
    expect(table.meta.entryCount).toBe(3)
    const entries = []
    for await (const entry of table.iterator({ versions: 'all' })) entries.push(entry)
    expect(entries).toEqual([
      { key: bytes('apple'), seq: 7, op: OpType.Put, value: bytes('red') },
      { key: bytes('apple'), seq: 5, op: OpType.Delete, value: null },
      { key: bytes('apricot'), seq: 6, op: OpType.Put, value: bytes('') },
    ])
    await table.close()
  })

  it('detects damage in the range-tombstone block', async () => {
    const fs = new MemoryFileSystem()
    await buildExample(fs).finish()
    const file = Buffer.from(fs.readFileSync('/example.sst'))
    const footer = decodeFooter(file.subarray(file.length - FOOTER_BYTES), file.length)
    if ('reason' in footer || footer.rangeTombstones === undefined)
      throw new Error('no range-tombstone block')
    const { offset, length } = footer.rangeTombstones
    // first byte, a middle byte, the last content byte, the trailer's type and its checksum
    for (const at of [offset, offset + 9, offset + length - 1, offset + length, offset + length + 9]) {
      const damaged = Buffer.from(file)
      damaged[at]! ^= 0x40
      fs.writeFileSync('/damaged.sst', damaged)
      await expect(Table.open('/damaged.sst', { fs }), `byte ${at}`).rejects.toMatchObject({
        code: 'STRATA_CORRUPTION',
        block: 'range-tombstones',
      })
    }
  })

  it('ends every table with the version and the magic number', () => {
    const fs = new MemoryFileSystem()
    const builder = new TableBuilder('/t.sst', { fs })
    builder.add({ key: bytes('k'), seq: 1, op: OpType.Put, value: bytes('v') })
    builder.finishSync()
    const file = Buffer.from(fs.readFileSync('/t.sst'))
    const footer = file.subarray(file.length - FOOTER_BYTES)
    expect(footer.readUInt32LE(36)).toBe(FORMAT_VERSION)
    expect(footer.subarray(44).toString('latin1')).toBe('strataST')
    expect([...footer.subarray(44)]).toEqual([...MAGIC])
  })
})
