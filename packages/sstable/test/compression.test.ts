/**
 * Block compression in tables: data blocks written with `lz4` or `deflate` read back exactly
 * (gets, iterators, compaction scans, inspection); blocks that do not shrink by 12.5% are stored
 * raw; a compressed block whose bytes do not decode is an `SSTableCorruptError` caused by a
 * `DecompressionError`, even when its checksum was made to match.
 */
import { crc32c, type InternalEntry, MemoryFileSystem, OpType } from '@strata/base'
import { describe, expect, it } from 'vitest'
import { DecompressionError } from '../src/compression/errors.js'
import { TRAILER_V2_CRC_AT } from '../src/format.js'
import {
  inspectTable,
  SCAN_CHUNK_BYTES,
  SSTableCorruptError,
  Table,
  TableBuilder,
  TableScan,
} from '../src/index.js'
import { plain } from './helpers.js'

const encoder = new TextEncoder()

/** Event-like JSON values (compressible), keys in order. */
function events(count: number): InternalEntry[] {
  const entries: InternalEntry[] = []
  for (let index = 0; index < count; index++) {
    const value = JSON.stringify({
      user: index % 313,
      type: ['view', 'click', 'buy'][index % 3],
      path: `/p/${index % 97}`,
    })
    entries.push({
      key: encoder.encode(`event:${String(index).padStart(7, '0')}`),
      seq: index + 1,
      op: OpType.Put,
      value: encoder.encode(value),
    })
  }
  return entries
}

/** Random (incompressible) values. */
function randomValues(count: number): InternalEntry[] {
  let state = 12345
  const entries: InternalEntry[] = []
  for (let index = 0; index < count; index++) {
    const value = new Uint8Array(100)
    for (let at = 0; at < value.length; at++) {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0
      value[at] = state >>> 24
    }
    entries.push({
      key: encoder.encode(`k${String(index).padStart(6, '0')}`),
      seq: index + 1,
      op: OpType.Put,
      value,
    })
  }
  return entries
}

function build(
  fs: MemoryFileSystem,
  path: string,
  entries: InternalEntry[],
  compression: 'none' | 'lz4' | 'deflate',
) {
  const builder = new TableBuilder(path, { fs, compression })
  for (const entry of entries) builder.add(entry)
  const meta = builder.finishSync()
  return { meta, raw: builder.uncompressedDataBytes, stored: builder.dataBytes }
}

describe('block compression', () => {
  const entries = events(3000)
  const expected = entries.map(plain)

  for (const codec of ['lz4', 'deflate'] as const) {
    it(`${codec}: stores compressible blocks compressed and reads every entry back exactly`, async () => {
      const fs = new MemoryFileSystem()
      const plainSize = build(fs, '/none.sst', entries, 'none').meta.fileSize
      const { meta, raw, stored } = build(fs, '/c.sst', entries, codec)
      expect(stored).toBeLessThan(raw * 0.6)
      expect(meta.fileSize).toBeLessThan(plainSize * 0.6)

      const table = await Table.open('/c.sst', { fs })
      const seen = []
      for await (const entry of table.iterator({ versions: 'all' })) seen.push(plain(entry))
      expect(seen).toEqual(expected)
      for (const entry of entries.filter((_, index) => index % 37 === 0)) {
        expect(plain(await table.get(entry.key))).toEqual(plain(entry))
        expect(plain(table.getSync(entry.key))).toEqual(plain(entry))
      }
      await table.close()

      const scan = TableScan.openSync('/c.sst', fs, Buffer.alloc(SCAN_CHUNK_BYTES))
      const scanned = []
      const decodedInto = new Set<ArrayBufferLike>()
      while (scan.next()) {
        scanned.push(plain({ key: scan.key, seq: scan.seq, op: scan.op, value: scan.value }))
        if (scan.value !== null) decodedInto.add(scan.value.buffer)
      }
      scan.close()
      expect(scanned).toEqual(expected)
      // lz4 blocks are decoded into one buffer the scan reuses, not one buffer per block.
      if (codec === 'lz4') expect(decodedInto.size).toBe(1)
      else expect(decodedInto.size).toBeGreaterThan(10)

      const inspection = await inspectTable('/c.sst', { fs })
      expect(inspection.problems).toEqual([])
      expect(inspection.dataBlocks.every((block) => block.codec === codec)).toBe(true)
      expect(inspection.dataBlocks.reduce((total, block) => total + block.uncompressedLength, 0)).toBe(raw)
      expect(inspection.dataBlocks.reduce((total, block) => total + block.length, 0)).toBe(stored)
    })
  }

  it('stores blocks that do not shrink by 12.5% raw', async () => {
    const fs = new MemoryFileSystem()
    const { raw, stored } = build(fs, '/r.sst', randomValues(500), 'lz4')
    expect(stored).toBe(raw)
    const inspection = await inspectTable('/r.sst', { fs })
    expect(inspection.dataBlocks.length).toBeGreaterThan(5)
    expect(inspection.dataBlocks.every((block) => block.codec === 'none')).toBe(true)
  })

  it('reports a compressed block that does not decode as corruption, with its checksum made to match', async () => {
    const fs = new MemoryFileSystem()
    build(fs, '/c.sst', entries, 'lz4')
    const sound = await inspectTable('/c.sst', { fs })
    const block = sound.dataBlocks[3]!
    const data = Buffer.from(fs.readFileSync('/c.sst'))
    // Claim one more uncompressed byte than the block decodes to, and fix the checksum.
    const trailerAt = block.offset + block.length
    data.writeUInt32LE(block.uncompressedLength + 1, trailerAt + 2)
    data.writeUInt32LE(
      crc32c(data.subarray(block.offset, trailerAt + TRAILER_V2_CRC_AT)),
      trailerAt + TRAILER_V2_CRC_AT,
    )
    fs.writeFileSync('/c.sst', data)

    const table = await Table.open('/c.sst', { fs })
    const inBlock = (await inspectTable('/c.sst', { fs })).problems
    expect(inBlock).toMatchObject([{ block: 'data', blockNumber: 3, offset: block.offset }])
    const keyOfBlock = sound.dataBlocks[3]!.firstKey!
    const error = await table.get(keyOfBlock).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(SSTableCorruptError)
    expect((error as SSTableCorruptError).offset).toBe(block.offset)
    expect((error as SSTableCorruptError).cause).toBeInstanceOf(DecompressionError)
    expect(() => table.getSync(keyOfBlock)).toThrow(SSTableCorruptError)
    await table.close()

    const scan = TableScan.openSync('/c.sst', fs, Buffer.alloc(SCAN_CHUNK_BYTES))
    expect(() => {
      while (scan.next()) {}
    }).toThrow(SSTableCorruptError)
    scan.close()
  })

  it('after 8 raw blocks in a row tries every 8th block, and compresses again once one shrinks', async () => {
    const fs = new MemoryFileSystem()
    // About 40 blocks of random values, then compressible events (keys sort after "k").
    const mixed = [
      ...randomValues(1600),
      ...events(3000).map((entry) => ({ ...entry, key: Buffer.concat([Buffer.from('z'), entry.key]) })),
    ]
    build(fs, '/m.sst', mixed, 'lz4')
    const codecs = (await inspectTable('/m.sst', { fs })).dataBlocks.map((block) => block.codec)
    const firstCompressed = codecs.indexOf('lz4')
    expect(codecs.slice(0, firstCompressed).every((codec) => codec === 'none')).toBe(true)
    expect(firstCompressed).toBeGreaterThan(30)
    // The first compressible block is at most 8 blocks after the last random one; from the first
    // compressed block on, every block is compressed.
    const randomBlocks = (await inspectTable('/m.sst', { fs, entries: true })).dataBlocks.filter((block) =>
      (block.entries ?? []).some((entry) => entry.key[0] === 0x6b),
    ).length
    expect(firstCompressed - randomBlocks).toBeLessThan(8)
    expect(codecs.slice(firstCompressed).every((codec) => codec === 'lz4')).toBe(true)
  })

  it('rejects an unknown codec name with InvalidArgumentError', () => {
    const fs = new MemoryFileSystem()
    expect(() => new TableBuilder('/x.sst', { fs, compression: 'zstd' as never })).toThrow(
      /options.compression must be one of 'none', 'lz4', 'deflate', got zstd/,
    )
  })
})
