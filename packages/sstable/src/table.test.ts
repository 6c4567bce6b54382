import * as nodePath from 'node:path'
import { type InternalEntry, MAX_SEQ, MemoryFileSystem, OpType } from '@strata/base'
import { FaultyFileSystem } from '@strata/base/testing'
import { afterAll, describe, expect, it } from 'vitest'
import {
  buildTable,
  bytes,
  del,
  expectedGet,
  expectedScan,
  plain,
  put,
  removeDirectory,
  temporaryDirectory,
} from '../test/helpers.js'
import { FilterHashes } from './bloom.js'
import { TableBuilder } from './builder.js'
import { BlockCache } from './cache.js'
import { TRAILER_BYTES } from './format.js'
import { Table } from './table.js'

const directory = temporaryDirectory()
afterAll(() => removeDirectory(directory))

/** Key i as 8 digits, so order is numeric order. */
const keyOf = (index: number) => bytes(`key${String(index).padStart(8, '0')}`)

function entriesOf(count: number, valueBytes: (index: number) => number): InternalEntry[] {
  return Array.from({ length: count }, (_, index) => {
    const value = new Uint8Array(valueBytes(index))
    for (let position = 0; position < value.length; position += 97)
      value[position] = (index + position) & 0xff
    return { key: keyOf(index), seq: count - index, op: OpType.Put, value }
  })
}

async function scanAll(
  table: Table,
  reverse = false,
  sync = false,
  visible = false,
): Promise<InternalEntry[]> {
  const iterator = table.iterator({ reverse, versions: visible ? 'visible' : 'all' })
  const result: InternalEntry[] = []
  for (;;) {
    const entry = sync ? iterator.nextSync() : await iterator.next()
    if (entry === undefined) return result
    result.push(entry)
  }
}

/** Writes `entries` to a real file, reopens it, and checks every read path against them. */
async function roundTrip(name: string, entries: InternalEntry[], options: { blockBytes?: number } = {}) {
  const path = nodePath.join(directory, `${name}.sst`)
  const meta = await buildTable(path, entries, options)
  const cache = new BlockCache()
  const table = await Table.open(path, { cache })
  expect(table.meta).toEqual(meta)
  expect(table.meta.entryCount).toBe(entries.length)
  const expected = entries.map(plain)
  expect((await scanAll(table)).map(plain)).toEqual(expected)
  expect((await scanAll(table, true, true)).map(plain)).toEqual([...expected].reverse())
  expect((await scanAll(table, false, false, true)).map(plain)).toEqual(expectedScan(entries).map(plain))
  const step = Math.max(1, Math.floor(entries.length / 2000))
  const hashes = new FilterHashes()
  for (let index = 0; index < entries.length; index += step) {
    const entry = entries[index]!
    const newest = plain(expectedGet(entries, entry.key))
    expect(plain(await table.get(entry.key))).toEqual(newest)
    expect(plain(table.getSync(entry.key))).toEqual(newest)
    expect(plain(table.getSync(entry.key, undefined, undefined, hashes.of(entry.key)))).toEqual(newest)
    const cached = table.getCached(entry.key, undefined, hashes.of(entry.key))
    if (cached !== null) expect(plain(cached)).toEqual(newest)
    expect(plain(await table.get(entry.key, entry.seq))).toEqual(plain(entry))
  }
  expect(await table.get(bytes('key'))).toBeUndefined() // before the first key
  expect(await table.get(bytes('kez'))).toBeUndefined() // after the last
  await table.close()
  return { meta, blocks: table.blockCount }
}

describe('Table round trips', () => {
  it('stores a single entry', async () => {
    const { blocks } = await roundTrip('one', [put('only', 1, 'value')])
    expect(blocks).toBe(1)
  })

  it('fills exactly one block, then starts a second at the next entry', async () => {
    // Entries of 'key00000000' (11 bytes) and a 20-byte value; find how many fit one 512-byte block.
    let fit = 0
    for (let count = 1; count < 100; count++) {
      const { blocks } = await roundTrip(
        `fit-${count}`,
        entriesOf(count, () => 20),
        { blockBytes: 512 },
      )
      if (blocks > 1) break
      fit = count
    }
    expect(fit).toBeGreaterThan(5)
    expect(
      (
        await roundTrip(
          'exact',
          entriesOf(fit, () => 20),
          { blockBytes: 512 },
        )
      ).blocks,
    ).toBe(1)
    expect(
      (
        await roundTrip(
          'exact-plus-one',
          entriesOf(fit + 1, () => 20),
          { blockBytes: 512 },
        )
      ).blocks,
    ).toBe(2)
  })

  it('round-trips around many block boundaries, with several versions of a key across blocks', async () => {
    const entries: InternalEntry[] = []
    for (let key = 0; key < 300; key++) {
      const versions = 1 + (key % 7)
      for (let version = versions; version >= 1; version--) {
        entries.push(
          version % 3 === 0 ? del(keyOf(key), version) : put(keyOf(key), version, `v${key}.${version}`),
        )
      }
    }
    const { blocks } = await roundTrip('versions', entries, { blockBytes: 64 })
    expect(blocks).toBeGreaterThan(100)
  })

  it('round-trips 100,000 entries', async () => {
    const { meta, blocks } = await roundTrip(
      'large',
      entriesOf(100_000, (index) => index % 50),
    )
    expect(blocks).toBeGreaterThan(500)
    expect(meta.rawValueBytes).toBe(
      Array.from({ length: 100_000 }, (_, index) => index % 50).reduce((a, b) => a + b),
    )
  })

  it('round-trips values of 0 bytes and of 1 MiB, larger than a block', async () => {
    const sizes = [0, 1024 * 1024, 0, 5, 1024 * 1024 + 3, 0]
    const { blocks } = await roundTrip(
      'sizes',
      entriesOf(sizes.length, (index) => sizes[index]!),
    )
    expect(blocks).toBeGreaterThanOrEqual(3)
  })

  it('round-trips keys longer than a block and keys that share long prefixes', async () => {
    const prefix = 'p'.repeat(300)
    const entries = [
      put(`${prefix}a`, 3, 'x'),
      put(`${prefix}ab`, 2, 'y'),
      put('q'.repeat(10_000), 1, 'z'),
      put(new Uint8Array(0), 9, 'empty key sorts first'),
    ]
    await roundTrip('long-keys', [entries[3]!, entries[0]!, entries[1]!, entries[2]!], { blockBytes: 256 })
  })
})

describe('Table reads', () => {
  const entries = [
    put('a', 9, 'a9'),
    del('a', 7),
    put('a', 4, 'a4'),
    put('b', 8, 'b8'),
    del('c', 6),
    put('c', 2, 'c2'),
    put('d', 5, 'd5'),
  ]

  it('get answers with the newest version at the snapshot: value, tombstone or undefined', async () => {
    const fs = new MemoryFileSystem()
    await buildTable('/t.sst', entries, { fs, blockBytes: 64 })
    const table = await Table.open('/t.sst', { fs })
    for (const key of ['a', 'b', 'c', 'd', 'e', '']) {
      for (const atSeq of [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 100]) {
        const expected = plain(expectedGet(entries, bytes(key), atSeq))
        expect(plain(await table.get(bytes(key), atSeq)), `${key}@${atSeq}`).toEqual(expected)
        expect(plain(table.getSync(bytes(key), atSeq)), `${key}@${atSeq}`).toEqual(expected)
      }
    }
    expect((await table.get(bytes('c')))?.op).toBe(OpType.Delete)
    await table.close()
  })

  it('returns values that do not alias a cached block', async () => {
    const fs = new MemoryFileSystem()
    await buildTable('/t.sst', entries, { fs })
    const cache = new BlockCache()
    const table = await Table.open('/t.sst', { fs, cache })
    const first = await table.get(bytes('a'))
    first!.value!.fill(0)
    first!.key.fill(0)
    expect(plain(await table.get(bytes('a')))).toEqual(plain(entries[0]))
    expect(cache.hits).toBe(1)
    await table.close()
  })

  it('reads data blocks with positioned reads only, and once each while cached', async () => {
    const memory = new MemoryFileSystem()
    const fs = new FaultyFileSystem(memory)
    const many = Array.from({ length: 2000 }, (_, index) =>
      put(`k${String(index).padStart(5, '0')}`, 1, 'v'.repeat(40)),
    )
    await buildTable('/t.sst', many, { fs })
    let wholeFileReads = 0
    memory.readFile = () => {
      wholeFileReads++
      throw new Error('whole-file read')
    }
    memory.readFileSync = memory.readFile as never
    const cache = new BlockCache()
    const before = fs.counts.read
    const table = await Table.open('/t.sst', { fs, cache })
    expect(fs.counts.read - before).toBe(2) // footer, then filter + properties + index
    await table.get(many[1000]!.key)
    await table.get(many[1001]!.key) // same block
    expect(fs.counts.read - before).toBe(3)
    expect(cache.misses).toBe(1)
    expect(cache.hits).toBe(1)
    expect(wholeFileReads).toBe(0)
    await table.close()
  })

  it('reads ahead during a scan, and caches each block it caches in memory of its own size', async () => {
    const memory = new MemoryFileSystem()
    const fs = new FaultyFileSystem(memory)
    const many = Array.from({ length: 20_000 }, (_, index) =>
      put(`k${String(index).padStart(6, '0')}`, 1, 'v'.repeat(40)),
    )
    await buildTable('/t.sst', many, { fs })
    const cache = new BlockCache(64 * 1024 * 1024)
    const table = await Table.open('/t.sst', { fs, cache })
    const before = fs.counts.read
    const iterator = table.iterator()
    let count = 0
    while ((await iterator.next()) !== undefined) count++
    expect(count).toBe(many.length)
    const reads = fs.counts.read - before
    expect(reads).toBeLessThan(table.blockCount / 8) // many blocks per read
    // The blocks read before the readahead reached full size (see 'long scans' below).
    expect(cache.blockCount).toBeGreaterThan(10)
    for (let blockIndex = 0; blockIndex < table.blockCount; blockIndex++) {
      const block = table.cachedBlock(blockIndex)
      if (block === undefined) continue
      // A view into a larger read would keep all of it alive while charged as one block.
      expect(block.bytes.buffer.byteLength).toBeLessThanOrEqual(block.bytes.length + TRAILER_BYTES)
    }
    await table.close()
  })

  it('reads one block at a time after a seek until the walk reads a second block in a row', async () => {
    const memory = new MemoryFileSystem()
    const fs = new FaultyFileSystem(memory)
    const many = Array.from({ length: 20_000 }, (_, index) =>
      put(`k${String(index).padStart(6, '0')}`, 1, 'v'.repeat(40)),
    )
    await buildTable('/t.sst', many, { fs })
    for (const sync of [true, false]) {
      const cache = new BlockCache(64 * 1024 * 1024)
      const table = await Table.open('/t.sst', { fs, cache })
      const iterator = table.iterator({ gte: bytes('k010000') })
      const next = () => (sync ? iterator.nextSync() : iterator.next())
      const before = fs.counts.read
      // The block the seek lands in, then the one after it: one block per read.
      let entry = await next()
      expect(entry?.key).toEqual(bytes('k010000'))
      const first = cache.blockCount
      expect(first).toBe(1)
      let walked = 0
      while (cache.blockCount === first) {
        entry = await next()
        walked++
      }
      expect(cache.blockCount).toBe(2)
      expect(fs.counts.read - before).toBe(2)
      // The third block in a row comes with the readahead (16 KiB of blocks).
      while (cache.blockCount === 2) {
        entry = await next()
        walked++
      }
      expect(fs.counts.read - before).toBe(3)
      expect(cache.blockCount).toBeGreaterThan(3)
      expect(entry?.key).toEqual(bytes(`k${String(10_000 + walked).padStart(6, '0')}`))
      iterator.close()
      await table.close()
    }
  })

  it('shares one read between concurrent gets of the same block', async () => {
    const memory = new MemoryFileSystem()
    const fs = new FaultyFileSystem(memory)
    await buildTable('/t.sst', entries, { fs })
    const table = await Table.open('/t.sst', { fs })
    const before = fs.counts.read
    const results = await Promise.all(['a', 'b', 'c', 'd'].map((key) => table.get(bytes(key))))
    expect(results.map((entry) => entry?.seq)).toEqual([9, 8, 6, 5])
    expect(fs.counts.read - before).toBe(1)
    await table.close()
  })

  it('counts its index and filter as pinned cache bytes until closed, and drops its blocks at close', async () => {
    const fs = new MemoryFileSystem()
    await buildTable('/t.sst', entries, { fs })
    const cache = new BlockCache()
    const table = await Table.open('/t.sst', { fs, cache })
    expect(cache.pinnedBytes).toBeGreaterThan(0)
    await table.get(bytes('a'))
    expect(cache.blockCount).toBe(1)
    await table.close()
    expect(cache.pinnedBytes).toBe(0)
    expect(cache.blockCount).toBe(0)
    expect(cache.usedBytes).toBe(0)
  })

  it('fails reads after close with ClosedError, and close waits for reads in flight', async () => {
    const fs = new MemoryFileSystem()
    await buildTable('/t.sst', entries, { fs })
    const table = await Table.open('/t.sst', { fs })
    const iterator = table.iterator()
    const inFlight = table.get(bytes('b'))
    const closing = table.close()
    expect((await inFlight)?.seq).toBe(8)
    await closing
    expect(fs.openDescriptors).toBe(0)
    await expect(table.get(bytes('a'))).rejects.toMatchObject({ code: 'STRATA_CLOSED' })
    expect(() => table.getSync(bytes('a'))).toThrow(expect.objectContaining({ code: 'STRATA_CLOSED' }))
    expect(() => table.iterator()).toThrow(expect.objectContaining({ code: 'STRATA_CLOSED' }))
    await expect(iterator.next()).rejects.toMatchObject({ code: 'STRATA_CLOSED' })
    await table.close() // again: resolves
  })

  it('rejects bad arguments with InvalidArgumentError', async () => {
    const fs = new MemoryFileSystem()
    await buildTable('/t.sst', entries, { fs })
    const table = await Table.open('/t.sst', { fs })
    await expect(table.get('a' as never)).rejects.toMatchObject({
      code: 'STRATA_INVALID_ARGUMENT',
      argument: 'key',
    })
    expect(() => table.getSync(bytes('a'), -1)).toThrow(expect.objectContaining({ argument: 'atSeq' }))
    expect(() => table.iterator({ atSeq: 1.5 })).toThrow(
      expect.objectContaining({ argument: 'options.atSeq' }),
    )
    expect(() => table.iterator({ versions: 'some' as never })).toThrow(/'visible' or 'all'/)
    expect(() => table.iterator({ gt: 'a' as never })).toThrow(
      expect.objectContaining({ argument: 'options.gt' }),
    )
    expect(() => table.iterator().seek('a' as never)).toThrow(expect.objectContaining({ argument: 'target' }))
    await expect(Table.open('', { fs })).rejects.toMatchObject({ argument: 'path' })
    await expect(Table.open('/t.sst', { fs, cache: {} as never })).rejects.toMatchObject({
      argument: 'options.cache',
    })
    await expect(Table.open('/missing.sst', { fs })).rejects.toMatchObject({
      code: 'STRATA_IO',
      systemCode: 'ENOENT',
    })
    expect(() => Table.openSync('/missing.sst', { fs })).toThrow(
      expect.objectContaining({ code: 'STRATA_IO' }),
    )
    await table.close()
  })

  it('reports a failed read as an IOError, not as corruption', async () => {
    const fs = new FaultyFileSystem(new MemoryFileSystem())
    await buildTable('/t.sst', entries, { fs })
    const table = await Table.open('/t.sst', { fs })
    fs.inject({ operation: 'read' })
    await expect(table.get(bytes('a'))).rejects.toMatchObject({ code: 'STRATA_IO', systemCode: 'EIO' })
    expect(plain(await table.get(bytes('a')))).toEqual(plain(entries[0])) // the next read works
    await table.close()
  })

  it('openSync and open see the same table', async () => {
    const fs = new MemoryFileSystem()
    await buildTable('/t.sst', entries, { fs })
    const table = Table.openSync('/t.sst', { fs })
    expect(table.meta.entryCount).toBe(entries.length)
    const iterator = table.iterator({ versions: 'all' })
    const all: InternalEntry[] = []
    for (let entry = iterator.nextSync(); entry !== undefined; entry = iterator.nextSync()) all.push(entry)
    expect(all.map(plain)).toEqual(expectedScan(entries, { versions: 'all' }).map(plain))
    await table.close()
  })

  it('walks correctly when the caller changes yielded keys, bounds and seek targets', async () => {
    const fs = new MemoryFileSystem()
    const many: InternalEntry[] = []
    for (let key = 0; key < 200; key++) {
      for (let version = 3; version >= 1; version--)
        many.push(put(`k${String(key).padStart(3, '0')}`, version, `v${version}`))
    }
    await buildTable('/t.sst', many, { fs, blockBytes: 64 })
    const table = await Table.open('/t.sst', { fs })
    for (const reverse of [false, true]) {
      const gte = bytes('k010')
      const lt = bytes('k150')
      const iterator = table.iterator({ gte, lt, reverse })
      gte.fill(0)
      lt.fill(0xff)
      const seen: ReturnType<typeof plain>[] = []
      for (let entry = iterator.nextSync(); entry !== undefined; entry = iterator.nextSync()) {
        seen.push(plain(entry))
        entry.key.fill(reverse ? 0 : 0xff) // keys are the caller's; values are views: not touched
      }
      expect(seen).toEqual(expectedScan(many, { gte: bytes('k010'), lt: bytes('k150'), reverse }).map(plain))
      const target = bytes('k100')
      iterator.seek(target)
      target.fill(reverse ? 0 : 0xff)
      expect(plain(iterator.nextSync())?.key).toBe(Buffer.from('k100').toString('hex'))
    }
    await table.close()
  })

  it('supports for await, and closes the iterator when the loop breaks', async () => {
    const fs = new MemoryFileSystem()
    await buildTable('/t.sst', entries, { fs })
    const table = await Table.open('/t.sst', { fs })
    const seen: string[] = []
    for await (const entry of table.iterator({ reverse: true, atSeq: 6 }))
      seen.push(`${String.fromCharCode(entry.key[0]!)}${entry.seq}`)
    expect(seen).toEqual(['d5', 'c6', 'a4']) // b's only version (seq 8) is after the snapshot
    const iterator = table.iterator()
    for await (const _entry of iterator) break
    await expect(iterator.next()).rejects.toMatchObject({ code: 'STRATA_CLOSED' })
    await table.close()
  })
})

describe('TableBuilder and Table together', () => {
  it('leave no descriptor open after build, open, reads and close', async () => {
    const fs = new MemoryFileSystem()
    const builder = new TableBuilder('/t.sst', { fs })
    builder.add(put('a', 1, 'x'))
    await builder.finish()
    const table = await Table.open('/t.sst', { fs })
    await table.get(bytes('a'))
    await table.close()
    expect(fs.openDescriptors).toBe(0)
  })
})

describe('filter hashes given by the caller', () => {
  it("are what the filter consults: another key's hashes filter a present key out", async () => {
    const path = nodePath.join(directory, 'hashes.sst')
    const entries = entriesOf(2000, () => 20)
    await buildTable(path, entries)
    const table = await Table.open(path, { cache: new BlockCache() })
    const hashes = new FilterHashes()
    let filteredOut = 0
    for (let index = 0; index < 2000; index += 10) {
      const key = entries[index]!.key
      expect(plain(table.getSync(key, undefined, undefined, hashes.of(key)))).toEqual(plain(entries[index]!))
      if (table.getSync(key, undefined, undefined, hashes.of(bytes(`absent ${index}`))) === undefined)
        filteredOut++
    }
    // About 99% at 10 bits per key; all 200 would be found if the hashes were ignored.
    expect(filteredOut).toBeGreaterThan(180)
    await table.close()
  })
})

describe('getSync and the cache doorkeeper', () => {
  it('caches a missed block at once while the cache has room', async () => {
    const path = nodePath.join(directory, 'doorkeeper-room.sst')
    const entries = entriesOf(2000, () => 40)
    await buildTable(path, entries)
    const cache = new BlockCache()
    const table = await Table.open(path, { cache })
    for (let index = 0; index < 2000; index += 100) table.getSync(entries[index]!.key)
    expect(cache.blockCount).toBe(20)
    expect(cache.pointReadsAdmitted).toBe(20)
    expect(cache.pointReadsNotAdmitted).toBe(0)
    await table.close()
  })

  it('once the cache is full, caches a missed block on its second miss; the first is answered from a reused buffer, values copied out', async () => {
    const path = nodePath.join(directory, 'doorkeeper.sst')
    // Small values and, every 50th key, one that takes most of its block (returned as a view
    // of a cached block, so it must be copied when the block is not kept).
    const entries = entriesOf(2000, (index) => (index % 50 === 0 ? 3000 : 40))
    await buildTable(path, entries)
    // Room for several blocks, but less free than the 64 KiB under which the cache counts as full.
    const cache = new BlockCache(48 * 1024)
    const table = await Table.open(path, { cache })
    expect(cache.pinnedBytes).toBeLessThan(24 * 1024)
    expect(table.blockCount).toBeGreaterThan(40)
    const answers: InternalEntry[] = []
    for (let index = 0; index < 2000; index += 50) answers.push(table.getSync(entries[index]!.key)!)
    // Every block was missed once: nothing cached yet, and each answer survived the reads that
    // reused the buffer after it.
    expect(cache.blockCount).toBe(0)
    expect(cache.pointReadsNotAdmitted).toBe(40)
    expect(answers.map(plain)).toEqual(entries.filter((_, index) => index % 50 === 0).map(plain))
    // The second miss of a block admits it; the third read is a cache hit.
    const key = entries[1000]!.key
    expect(plain(table.getSync(key))).toEqual(plain(entries[1000]!))
    expect(cache.blockCount).toBe(1)
    expect(cache.pointReadsAdmitted).toBe(1)
    const hits = cache.hits
    expect(plain(table.getSync(key))).toEqual(plain(entries[1000]!))
    expect(cache.hits).toBe(hits + 1)
    await table.close()
  })

  it('caches nothing without capacity, and a damaged block read through the reused buffer is SSTableCorruptError', async () => {
    const fs = new MemoryFileSystem()
    const entries = entriesOf(500, () => 40)
    await buildTable('/doorkeeper-damaged.sst', entries, { fs })
    const cache = new BlockCache(0)
    const table = await Table.open('/doorkeeper-damaged.sst', { fs, cache })
    for (let index = 0; index < 500; index += 7)
      expect(plain(table.getSync(entries[index]!.key))).toEqual(plain(entries[index]!))
    expect(cache.blockCount).toBe(0)
    expect(cache.pointReadsAdmitted).toBe(0)
    await table.close()
    const file = fs.readFileSync('/doorkeeper-damaged.sst')
    file[20] = file[20]! ^ 0xff
    fs.writeFileSync('/doorkeeper-damaged.sst', file)
    const damaged = await Table.open('/doorkeeper-damaged.sst', { fs, cache })
    expect(() => damaged.getSync(entries[0]!.key)).toThrow(
      expect.objectContaining({ code: 'STRATA_CORRUPTION', block: 'data', offset: 0 }),
    )
    await damaged.close()
  })
})

describe('locateChecked', () => {
  it('answers as locate inside the key range, and never points at a block holding another key outside it', async () => {
    const path = nodePath.join(directory, 'locate-checked.sst')
    // Every other key stored: the odd ones are absent, between stored neighbours.
    const entries = entriesOf(4000, () => 30).filter((_, index) => index % 2 === 0)
    await buildTable(path, entries)
    const table = await Table.open(path)
    const hashes = new FilterHashes()
    let located = 0
    for (let index = 0; index < 4000; index++) {
      const key = keyOf(index)
      const expected = table.locate(key, MAX_SEQ)
      expect(table.locateChecked(key, MAX_SEQ)).toBe(expected)
      expect(table.locateChecked(key, MAX_SEQ, hashes.of(key))).toBe(expected)
      if (expected >= 0) located++
    }
    expect(located).toBeGreaterThanOrEqual(2000)
    // Outside the range (before the first key, after the last): -1 from locate; locateChecked
    // may name a block, but that block does not hold the key.
    for (const outside of [bytes('a'), bytes('key'), bytes('key99999999'), bytes('zzz')]) {
      expect(table.locate(outside, MAX_SEQ)).toBe(-1)
      const block = table.locateChecked(outside, MAX_SEQ)
      if (block >= 0) expect((await table.loadBlock(block)).find(outside, MAX_SEQ)).toBeUndefined()
    }
    await table.close()
    expect(() => table.locateChecked(keyOf(0), MAX_SEQ)).toThrow(
      expect.objectContaining({ code: 'STRATA_CLOSED' }),
    )
  })
})

describe('reusing the memory of evicted blocks', () => {
  /** A table of 2,000 entries (40-byte values; with `large`, every 50th 3,000 bytes) over a
   *  cache with room for a few blocks, and where each key's block is. */
  async function smallCache(name: string, large = false) {
    const path = nodePath.join(directory, `${name}.sst`)
    const entries = entriesOf(2000, (index) => (large && index % 50 === 0 ? 3000 : 40))
    await buildTable(path, entries)
    const cache = new BlockCache(24 * 1024)
    const table = await Table.open(path, { cache })
    const blockOf = (index: number) => table.locate(entries[index]!.key, MAX_SEQ)
    return { entries, cache, table, blockOf }
  }

  it('reads a block into the memory of an evicted one, and every answer stays right', async () => {
    const { entries, cache, table, blockOf } = await smallCache('reuse', true)
    const answers: InternalEntry[] = []
    for (let index = 1; index < 2000; index += 7) {
      if (index % 50 === 0) continue
      table.loadBlockSync(blockOf(index))
      answers.push(table.getSync(entries[index]!.key)!)
    }
    expect(cache.buffersReused).toBeGreaterThan(20)
    expect(cache.usedBytes).toBeLessThanOrEqual(cache.capacityBytes)
    const expected = entries.filter((_, index) => index % 7 === 1 && index % 50 !== 0)
    expect(answers.map(plain)).toEqual(expected.map(plain))
    await table.close()
  })

  it('never reuses a block an iterator entered: its entries stay intact after eviction', async () => {
    const { entries, cache, table, blockOf } = await smallCache('reuse-iterator')
    // Cached in reusable memory, then entered by the iterator.
    table.loadBlockSync(blockOf(10))
    const iterator = table.iterator({ gte: entries[10]!.key })
    const first = iterator.nextSync()!
    const second = iterator.nextSync()!
    const entered = cache.hits
    const held = [plain(first), plain(second)]
    expect(entered).toBe(1) // the iterator entered the cached block
    for (let index = 200; index < 2000; index += 13) table.loadBlockSync(blockOf(index))
    expect(cache.buffersReused).toBeGreaterThan(10)
    expect([plain(first), plain(second)]).toEqual(held)
    expect(held).toEqual([plain(entries[10]!), plain(entries[11]!)])
    await iterator.close()
    await table.close()
  })

  it('never reuses a block whose large value was answered as a view', async () => {
    const { entries, cache, table, blockOf } = await smallCache('reuse-large-value', true)
    table.loadBlockSync(blockOf(100))
    const large = table.getSync(entries[100]!.key)!
    expect(large.value!.length).toBe(3000)
    const held = plain(large)
    for (let index = 300; index < 2000; index += 13) table.loadBlockSync(blockOf(index))
    expect(cache.buffersReused).toBeGreaterThan(10)
    expect(plain(large)).toEqual(held)
    expect(held).toEqual(plain(entries[100]!))
    await table.close()
  })
})

describe('long scans and the block cache', () => {
  it('caches the blocks a scan reads until its readahead reaches full size, then no more', async () => {
    const path = nodePath.join(directory, 'long-scan.sst')
    const entries = entriesOf(20_000, () => 100)
    await buildTable(path, entries)
    for (const sync of [true, false]) {
      const cache = new BlockCache(16 * 1024 * 1024)
      const table = await Table.open(path, { cache })
      expect(table.blockCount).toBeGreaterThan(400)
      const scanned = await scanAll(table, false, sync)
      expect(scanned.length).toBe(20_000)
      expect(scanned[12_345]!.value).toEqual(entries[12_345]!.value)
      // The first runs (16, 32, 64, 128 KiB of blocks) are cached; the full-size ones are not.
      expect(cache.blockCount).toBeGreaterThan(20)
      expect(cache.blockCount).toBeLessThan(100)
      await table.close()
    }
  })
})
