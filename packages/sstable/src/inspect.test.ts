import { crc32c, type InternalEntry, MemoryFileSystem, OpType } from '@strata/base'
import { describe, expect, it } from 'vitest'
import { bytes, plain } from '../test/helpers.js'
import { TableBuilder } from './builder.js'
import { FORMAT_VERSION, TRAILER_BYTES, TRAILER_V2_CRC_AT } from './format.js'
import { inspectTable, type TableInspection } from './inspect.js'
import { Table } from './table.js'

/** Seeded entries: keys with shared prefixes, several versions, some tombstones. */
function entriesFor(count: number, seed: number): InternalEntry[] {
  let state = seed >>> 0
  const next = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0
    return state / 4294967296
  }
  const entries: InternalEntry[] = []
  let seq = count * 3
  for (let index = 0; index < count; index++) {
    const key = bytes(`user:${String(index * 7).padStart(6, '0')}`)
    const versions = 1 + Math.floor(next() * 3)
    for (let version = 0; version < versions; version++) {
      if (next() < 0.15) entries.push({ key, seq: seq--, op: OpType.Delete, value: null })
      else
        entries.push({
          key,
          seq: seq--,
          op: OpType.Put,
          value: bytes(`value-${index}-${version}-${'x'.repeat(Math.floor(next() * 40))}`),
        })
    }
  }
  return entries
}

async function build(
  fs: MemoryFileSystem,
  path: string,
  entries: InternalEntry[],
  options: { blockBytes?: number; bloomBitsPerKey?: number } = {},
) {
  const builder = new TableBuilder(path, {
    fs,
    blockBytes: options.blockBytes ?? 256,
    bloomBitsPerKey: options.bloomBitsPerKey ?? 10,
  })
  for (const entry of entries) builder.add(entry)
  await builder.finish()
  return fs.readFileSync(path)
}

/** The kind (and data block number) of the region holding byte `position` of a sound table. */
function regionOf(sound: TableInspection, position: number): { block: string; blockNumber?: number } {
  const footer = sound.footer!
  if (position >= footer.offset) return { block: 'footer' }
  for (const block of sound.dataBlocks) {
    if (position >= block.offset && position < block.offset + block.length + TRAILER_BYTES) {
      return { block: 'data', blockNumber: block.number }
    }
  }
  const within = (handle: { offset: number; length: number }) =>
    position >= handle.offset && position < handle.offset + handle.length + TRAILER_BYTES
  if (within(footer.filter)) return { block: 'filter' }
  if (within(footer.properties)) return { block: 'properties' }
  if (within(footer.index)) return { block: 'index' }
  // Format version 2: the range-tombstone block fills the gap between filter and properties.
  const filterEnd = footer.filter.offset + footer.filter.length + TRAILER_BYTES
  if (position >= filterEnd && position < footer.properties.offset) return { block: 'range-tombstones' }
  throw new Error(`byte ${position} is in no block`)
}

/** Rewrites a block's contents in place and gives it a valid trailer checksum again. */
function rewriteBlock(
  data: Uint8Array,
  handle: { offset: number; length: number },
  change: (contents: Buffer) => void,
) {
  const copy = Buffer.from(data)
  change(copy.subarray(handle.offset, handle.offset + handle.length))
  const crcAt = handle.offset + handle.length + TRAILER_V2_CRC_AT
  copy.writeUInt32LE(crc32c(copy.subarray(handle.offset, crcAt)), crcAt)
  return copy
}

describe('inspectTable', () => {
  it('reports nothing wrong with a sound table, and reads every block and entry', async () => {
    const fs = new MemoryFileSystem()
    const entries = entriesFor(400, 7)
    await build(fs, '/t.sst', entries)
    const report = await inspectTable('/t.sst', { fs, entries: true })
    expect(report.problems).toEqual([])
    expect(report.allBlocksChecked).toBe(true)
    const table = await Table.open('/t.sst', { fs })
    expect(report.dataBlocks.length).toBe(table.blockCount)
    expect(report.index?.entryCount).toBe(table.blockCount)
    await table.close()
    expect(report.dataBlocks.flatMap((block) => block.entries ?? []).map(plain)).toEqual(entries.map(plain))
    expect(report.entryCount).toBe(entries.length)
    expect(report.tombstoneCount).toBe(entries.filter((entry) => entry.op === OpType.Delete).length)
    expect(report.properties?.entryCount).toBe(entries.length)
    expect(report.filter?.layout).toBe('blocked')
    expect(report.footer).toMatchObject({ magicOk: true, checksumOk: true, formatVersion: FORMAT_VERSION })
  })

  it('names the damaged data block and its offset, and still checks the others', async () => {
    const fs = new MemoryFileSystem()
    const data = await build(fs, '/t.sst', entriesFor(400, 11))
    const sound = await inspectTable('/t.sst', { fs })
    const target = sound.dataBlocks[3]!
    const damaged = Buffer.from(data)
    damaged[target.offset + 10]! ^= 0x40
    fs.writeFileSync('/t.sst', damaged)
    const report = await inspectTable('/t.sst', { fs })
    expect(report.problems).toEqual([
      {
        block: 'data',
        blockNumber: 3,
        offset: target.offset,
        reason: expect.stringMatching(/checksum mismatch/),
      },
    ])
    expect(report.dataBlocks.filter((block) => !block.ok).map((block) => block.number)).toEqual([3])
    expect(report.entryCount).toBe(sound.entryCount - target.entryCount)
    expect(report.allBlocksChecked).toBe(false)
  })

  it('finds every single-byte flip, in the block that holds it, without throwing', async () => {
    const fs = new MemoryFileSystem()
    const data = await build(fs, '/t.sst', entriesFor(30, 3), { blockBytes: 128 })
    const sound = await inspectTable('/t.sst', { fs })
    expect(sound.problems).toEqual([])
    for (let position = 0; position < data.length; position++) {
      for (const mask of [0x01, 0x80]) {
        const damaged = Buffer.from(data)
        damaged[position]! ^= mask
        fs.writeFileSync('/t.sst', damaged)
        const report = await inspectTable('/t.sst', { fs })
        const region = regionOf(sound, position)
        const named = report.problems.some(
          (problem) =>
            problem.block === region.block &&
            (region.blockNumber === undefined || problem.blockNumber === region.blockNumber),
        )
        if (!named)
          throw new Error(
            `flip ${mask} at byte ${position} (${JSON.stringify(region)}): ${JSON.stringify(report.problems)}`,
          )
      }
    }
  })

  it('reports every truncation without throwing', async () => {
    const fs = new MemoryFileSystem()
    const data = await build(fs, '/t.sst', entriesFor(30, 5), { blockBytes: 128 })
    for (let length = 0; length < data.length; length++) {
      fs.writeFileSync('/t.sst', data.subarray(0, length))
      const report = await inspectTable('/t.sst', { fs })
      expect(report.problems.length, `truncated to ${length} bytes`).toBeGreaterThan(0)
      if (length < 52) expect(report.problems[0]).toMatchObject({ block: 'footer', offset: 0 })
    }
  })

  it('checks the properties against the entries the blocks hold', async () => {
    const fs = new MemoryFileSystem()
    const entries = entriesFor(100, 9)
    const data = await build(fs, '/t.sst', entries)
    const sound = await inspectTable('/t.sst', { fs })
    const handle = sound.footer!.properties
    // A properties block with a wrong entry count but a valid checksum: only the cross-check sees it.
    fs.writeFileSync(
      '/t.sst',
      rewriteBlock(data, handle, (contents) => contents.writeUInt32LE(entries.length + 1, 0)),
    )
    const report = await inspectTable('/t.sst', { fs })
    expect(report.problems).toEqual([
      {
        block: 'properties',
        offset: handle.offset,
        reason: `entry count is ${entries.length + 1}, but the data blocks hold ${entries.length}`,
      },
    ])
  })

  it('reports a filter that rejects keys the table holds', async () => {
    const fs = new MemoryFileSystem()
    const data = await build(fs, '/t.sst', entriesFor(100, 13))
    const sound = await inspectTable('/t.sst', { fs })
    const handle = sound.footer!.filter
    fs.writeFileSync(
      '/t.sst',
      rewriteBlock(data, handle, (contents) => contents.fill(0, 6)),
    )
    const report = await inspectTable('/t.sst', { fs })
    expect(report.problems).toEqual([
      {
        block: 'filter',
        offset: handle.offset,
        reason: expect.stringMatching(/^100 keys of the table test absent/),
      },
    ])
  })

  it('reports index damage and that the data blocks could not be located', async () => {
    const fs = new MemoryFileSystem()
    const data = await build(fs, '/t.sst', entriesFor(100, 17))
    const sound = await inspectTable('/t.sst', { fs })
    const handle = sound.footer!.index
    const damaged = Buffer.from(data)
    damaged[handle.offset + 2]! ^= 0xff
    fs.writeFileSync('/t.sst', damaged)
    const report = await inspectTable('/t.sst', { fs })
    expect(report.problems).toEqual([
      { block: 'index', offset: handle.offset, reason: expect.stringMatching(/checksum mismatch/) },
      { block: 'data', offset: 0, reason: expect.stringMatching(/cannot be located/) },
    ])
    expect(report.dataBlocks).toEqual([])
  })

  it('rejects with an IOError when the file cannot be read', async () => {
    await expect(inspectTable('/missing.sst', { fs: new MemoryFileSystem() })).rejects.toMatchObject({
      code: 'STRATA_IO',
    })
  })
})
