import { MemoryFileSystem, OpType } from '@strata/base'
import { describe, expect, it } from 'vitest'
import { bytes } from '../test/helpers.js'
import { TableBuilder } from './builder.js'
import { FOOTER_BYTES, FORMAT_VERSION, MAGIC } from './format.js'
import { Table } from './table.js'

/** The version-2 worked example of docs/format.md, section "SSTable", byte for byte. */
const WORKED_EXAMPLE = `
  df 00 05 01 07 18 61 70 70 6c 65 72 65 64  03 00  02
  f0 07  05 00 02 05 02 05 01 06 00 72 69 63 6f 74 00 00 00 00 01 00 00 00
  01 01 38 00 00 00 83 37 a0 56
  00 00 00 00 00 00  03 00 06 00 00 00 f5 6c 99 db
  03 00 00 00 00 00 00 00 01 00 00 00 00 00 00 00 05 00 00 00 00 00 00 00 07 00 00 00 00 00 00 00
  11 00 00 00 00 00 00 00 18 00 00 00 00 00 00 00 00 10 00 00 10 00 00 00 00 00 00 00
  05 00 00 00 61 70 70 6c 65  07 00 00 00 61 70 72 69 63 6f 74  04 00 50 00 00 00 e5 8b 92 5d
  00 07 01 06 02 61 70 72 69 63 6f 74 00 29  00 00 00 00 01 00 00 00  02 00 16 00 00 00 00 36 89 eb
  33 00 00 00 00 00 00 00 06 00 00 00  43 00 00 00 00 00 00 00 50 00 00 00
  9d 00 00 00 00 00 00 00 16 00 00 00  02 00 00 00 55 59 93 60  73 74 72 61 74 61 53 54`

/** The version-1 worked example of docs/format.md (written by builds before block compression). */
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

describe('table format', () => {
  it('writes the worked example of docs/format.md byte for byte (lz4), and reads it back', async () => {
    const fs = new MemoryFileSystem()
    const builder = new TableBuilder('/example.sst', { fs, bloomBitsPerKey: 0, compression: 'lz4' })
    builder.add({ key: bytes('apple'), seq: 7, op: OpType.Put, value: bytes('red'.repeat(8)) })
    builder.add({ key: bytes('apple'), seq: 5, op: OpType.Delete, value: null })
    builder.add({ key: bytes('apricot'), seq: 6, op: OpType.Put, value: bytes('') })
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
    await table.close()
  })

  it('reads the version-1 worked example of docs/format.md', async () => {
    const fs = new MemoryFileSystem()
    fs.writeFileSync('/example.sst', Buffer.from(VERSION_1_EXAMPLE.replace(/\s+/g, ''), 'hex'))
    const table = await Table.open('/example.sst', { fs })
    expect(table.formatVersion).toBe(1)
    const entries = []
    for await (const entry of table.iterator({ versions: 'all' })) entries.push(entry)
    expect(entries).toEqual([
      { key: bytes('apple'), seq: 7, op: OpType.Put, value: bytes('red') },
      { key: bytes('apple'), seq: 5, op: OpType.Delete, value: null },
      { key: bytes('apricot'), seq: 6, op: OpType.Put, value: bytes('') },
    ])
    await table.close()
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
