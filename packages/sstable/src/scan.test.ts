import { type InternalEntry, MemoryFileSystem, OpType, seededRandom } from '@strata/base'
import { describe, expect, it } from 'vitest'
import { bytes, del, plain, put, sortInternal } from '../test/helpers.js'
import { BloomFilterBuilder } from './bloom.js'
import { TableBuilder } from './builder.js'
import { ByteSink } from './coding.js'
import { SCAN_CHUNK_BYTES, TableScan } from './scan.js'
import { Table } from './table.js'

const PATH = '/t.sst'

function build(fs: MemoryFileSystem, entries: InternalEntry[], blockBytes = 256): void {
  const builder = new TableBuilder(PATH, { fs, blockBytes })
  for (const entry of entries) builder.add(entry)
  builder.finishSync()
}

/** Every entry a scan yields, copied (its views change as it moves on). */
function scanAll(fs: MemoryFileSystem, chunkBytes: number): ReturnType<typeof plain>[] {
  const scan = TableScan.openSync(PATH, fs, Buffer.alloc(chunkBytes))
  const seen = []
  try {
    while (scan.next()) seen.push(plain({ key: scan.key, seq: scan.seq, op: scan.op, value: scan.value }))
    expect(scan.next()).toBe(false)
  } finally {
    scan.close()
  }
  return seen
}

function randomEntries(seed: number, count: number): InternalEntry[] {
  const random = seededRandom(seed)
  const entries: InternalEntry[] = []
  let seq = 1
  for (let index = 0; index < count; index++) {
    // Shared prefixes of varying length, keys of varying length, a few long values and keys.
    const key = bytes(
      `key:${Math.floor(random() * count * 2).toString(36)}${'k'.repeat(Math.floor(random() * 3) * 40)}`,
    )
    const valueLength = random() < 0.02 ? 3000 : Math.floor(random() * 60)
    entries.push(
      random() < 0.2 ? del(key, seq++) : put(key, seq++, bytes('v'.repeat(valueLength) + String(index))),
    )
  }
  const sorted = sortInternal(entries)
  return sorted.filter(
    (entry, index) =>
      index === 0 ||
      Buffer.compare(entry.key, sorted[index - 1]!.key) !== 0 ||
      entry.seq !== sorted[index - 1]!.seq,
  )
}

describe('TableScan', () => {
  it('yields every version in internal order, as the table iterator does, whatever the buffer size', async () => {
    const fs = new MemoryFileSystem()
    const entries = randomEntries(7, 3000)
    build(fs, entries)
    const table = await Table.open(PATH, { fs })
    const expected = []
    for await (const entry of table.iterator({ versions: 'all' })) expected.push(plain(entry))
    await table.close()
    expect(expected.length).toBe(entries.length)
    // Buffers smaller than a block (each block then read alone into a buffer of its own), a few
    // blocks, and the default.
    for (const chunkBytes of [64, 700, 4096, SCAN_CHUNK_BYTES]) {
      expect(scanAll(fs, chunkBytes)).toEqual(expected)
    }
  })

  it('scans an empty table', () => {
    const fs = new MemoryFileSystem()
    build(fs, [])
    expect(scanAll(fs, 1024)).toEqual([])
  })

  it('reports the file size and keeps key and value views valid until the next entry', () => {
    const fs = new MemoryFileSystem()
    build(fs, [put('a', 3, 'one'), put('a', 2, 'two'), del('ab', 1), put('b', 4, 'x'.repeat(500))], 64)
    const scan = TableScan.openSync(PATH, fs, Buffer.alloc(128))
    expect(scan.fileSize).toBe(fs.statSync(PATH)!.size)
    expect(scan.next()).toBe(true)
    const key = scan.key
    const value = scan.value!
    expect([Buffer.from(key).toString(), Buffer.from(value).toString()]).toEqual(['a', 'one'])
    expect(scan.next()).toBe(true)
    expect([scan.seq, Buffer.from(scan.value!).toString()]).toEqual([2, 'two'])
    expect(scan.next()).toBe(true)
    expect([Buffer.from(scan.key).toString(), scan.op, scan.value]).toEqual(['ab', OpType.Delete, null])
    expect(scan.next()).toBe(true)
    expect(Buffer.from(scan.value!).toString()).toBe('x'.repeat(500))
    expect(scan.next()).toBe(false)
    scan.close()
    scan.close()
  })

  it('reports a damaged data block as corruption naming the block', () => {
    const fs = new MemoryFileSystem()
    build(fs, randomEntries(3, 500))
    const scanOnce = () => scanAll(fs, 1024)
    const good = scanOnce()
    // Flip one byte inside the data region.
    const fd = fs.openSync(PATH, 'r+')
    const byte = Buffer.alloc(1)
    fs.readSync(fd, byte, 0, 1, 300)
    byte[0] = byte[0]! ^ 0x40
    fs.writeSync(fd, byte, 0, 1, 300)
    fs.closeSync(fd)
    expect(good.length).toBe(500)
    expect(scanOnce).toThrow(
      expect.objectContaining({
        code: 'STRATA_CORRUPTION',
        block: 'data',
        message: expect.stringMatching(/checksum/),
      }),
    )
  })

  it('reports a damaged footer or a truncated file as corruption', () => {
    const fs = new MemoryFileSystem()
    build(fs, randomEntries(5, 200))
    const size = fs.statSync(PATH)!.size
    const fd = fs.openSync(PATH, 'r+')
    fs.ftruncateSync(fd, size - 10)
    fs.closeSync(fd)
    expect(() => TableScan.openSync(PATH, fs, Buffer.alloc(1024))).toThrow(
      expect.objectContaining({ code: 'STRATA_CORRUPTION', block: 'footer' }),
    )
  })

  it('rejects a buffer too small for the footer', () => {
    const fs = new MemoryFileSystem()
    build(fs, [put('a', 1, 'b')])
    expect(() => TableScan.openSync(PATH, fs, Buffer.alloc(8))).toThrow(
      expect.objectContaining({ code: 'STRATA_INVALID_ARGUMENT' }),
    )
  })
})

describe('builder memory reuse', () => {
  it('writes the same filter bytes with finishInto as with finish, also after a reset', () => {
    for (const bits of [0, 6, 10, 14]) {
      const filter = new BloomFilterBuilder(bits)
      for (let round = 0; round < 2; round++) {
        filter.reset()
        for (let index = 0; index < 1000 + round * 3000; index++) filter.add(bytes(`k${index}:${round}`))
        const sink = new ByteSink(16)
        sink.u8(0xaa)
        filter.finishInto(sink)
        expect(Buffer.from(sink.bytes.subarray(1, sink.length))).toEqual(filter.finish())
        expect(sink.bytes[0]).toBe(0xaa)
      }
    }
  })

  it('tables built one after another (reusing buffers) read back exactly', async () => {
    const fs = new MemoryFileSystem()
    const sets = [randomEntries(11, 2000), randomEntries(12, 50), randomEntries(13, 4000), []]
    for (const [index, entries] of sets.entries()) {
      const builder = new TableBuilder(`/t${index}.sst`, { fs, blockBytes: 512 })
      for (const entry of entries) builder.add(entry)
      if (index % 2 === 0) builder.finishSync()
      else await builder.finish()
      // An abandoned builder in between gives its buffers back too.
      const abandoned = new TableBuilder('/abandoned.sst', { fs })
      abandoned.add(put('zzz', 1, 'garbage'))
      await abandoned.abandon()
    }
    for (const [index, entries] of sets.entries()) {
      const table = await Table.open(`/t${index}.sst`, { fs })
      const read = []
      for await (const entry of table.iterator({ versions: 'all' })) read.push(plain(entry))
      expect(read).toEqual(entries.map(plain))
      for (const entry of entries.slice(0, 50)) {
        expect(plain(await table.get(entry.key))).toEqual(
          plain(entries.find((other) => Buffer.compare(other.key, entry.key) === 0)),
        )
      }
      await table.close()
    }
  })
})
