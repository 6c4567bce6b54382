import { MemoryFileSystem, OpType } from '@strata/base'
import { FaultyFileSystem } from '@strata/base/testing'
import { describe, expect, it } from 'vitest'
import { bytes, del, put } from '../test/helpers.js'
import { TableBuilder } from './builder.js'
import { Table } from './table.js'

const PATH = '/t.sst'

describe('TableBuilder', () => {
  it('rejects a key that sorts before the previous one, and an equal key with a seq not smaller', () => {
    const fs = new MemoryFileSystem()
    const builder = new TableBuilder(PATH, { fs })
    builder.add(put('b', 10, 'x'))
    expect(() => builder.add(put('a', 20, 'x'))).toThrow(
      expect.objectContaining({
        code: 'STRATA_INVALID_ARGUMENT',
        message: expect.stringMatching(/ascending/),
      }),
    )
    expect(() => builder.add(put('b', 10, 'y'))).toThrow(/seq strictly descending/)
    expect(() => builder.add(put('b', 11, 'y'))).toThrow(/seq strictly descending/)
    // A prefix sorts first, so 'b' < 'b\0'; a rejected entry leaves the builder usable.
    builder.add(put('b', 9, 'older'))
    builder.add(put('b\0', 1, 'z'))
    expect(builder.entryCount).toBe(3)
  })

  it('rejects malformed entries with a message naming the field', () => {
    const builder = new TableBuilder(PATH, { fs: new MemoryFileSystem() })
    const cases: [unknown, RegExp][] = [
      [null, /expects an entry/],
      [{ key: 'a', seq: 1, op: OpType.Put, value: bytes('v') }, /entry.key/],
      [{ key: bytes('a'), seq: -1, op: OpType.Put, value: bytes('v') }, /entry.seq/],
      [{ key: bytes('a'), seq: 1.5, op: OpType.Put, value: bytes('v') }, /entry.seq/],
      [{ key: bytes('a'), seq: 2 ** 53, op: OpType.Put, value: bytes('v') }, /entry.seq/],
      [{ key: bytes('a'), seq: 1, op: 3, value: bytes('v') }, /entry.op/],
      [{ key: bytes('a'), seq: 1, op: OpType.Put, value: null }, /entry.value/],
      [{ key: bytes('a'), seq: 1, op: OpType.Delete, value: bytes('v') }, /entry.value/],
    ]
    for (const [entry, message] of cases) {
      expect(() => builder.add(entry as never)).toThrow(
        expect.objectContaining({ code: 'STRATA_INVALID_ARGUMENT', message: expect.stringMatching(message) }),
      )
    }
    expect(builder.entryCount).toBe(0)
  })

  it('rejects bad options, naming the option and the allowed range', () => {
    const fs = new MemoryFileSystem()
    const cases: [object, string][] = [
      [{ blockBytes: 10 }, 'options.blockBytes'],
      [{ blockBytes: 4096.5 }, 'options.blockBytes'],
      [{ restartInterval: 0 }, 'options.restartInterval'],
      [{ bloomBitsPerKey: -1 }, 'options.bloomBitsPerKey'],
      [{ bloomBitsPerKey: 65 }, 'options.bloomBitsPerKey'],
      [{ fs: {} }, 'options.fs'],
    ]
    for (const [options, argument] of cases) {
      expect(() => new TableBuilder(PATH, { fs, ...options })).toThrow(
        expect.objectContaining({
          code: 'STRATA_INVALID_ARGUMENT',
          argument,
          message: expect.stringMatching(/must be/),
        }),
      )
    }
  })

  it('returns metadata that describes what was added, and the same as the opened table', async () => {
    const fs = new MemoryFileSystem()
    const builder = new TableBuilder(PATH, { fs })
    const entries = [
      put('apple', 7, 'red'),
      del('apple', 5),
      put('apple', 2, 'green'),
      put('kiwi', 9, ''),
      del('plum', 3),
    ]
    for (const entry of entries) builder.add(entry)
    const meta = await builder.finish()
    expect(meta).toMatchObject({
      path: PATH,
      entryCount: 5,
      tombstoneCount: 2,
      smallestKey: bytes('apple'),
      largestKey: bytes('plum'),
      minSeq: 2,
      maxSeq: 9,
      rawKeyBytes: 5 * 3 + 4 + 4,
      rawValueBytes: 3 + 5,
    })
    expect(meta.fileSize).toBe(fs.readFileSync(PATH).length)
    const table = await Table.open(PATH, { fs })
    expect(table.meta).toEqual(meta)
    await table.close()
  })

  it('keeps copies of what it is given: reusing the caller buffers changes nothing', async () => {
    const fs = new MemoryFileSystem()
    const builder = new TableBuilder(PATH, { fs })
    const key = Buffer.from('aaaa')
    const value = Buffer.from('value')
    builder.add({ key, seq: 2, op: OpType.Put, value })
    key.write('bbbb')
    value.write('VALUE')
    builder.add({ key, seq: 1, op: OpType.Put, value })
    key.write('zzzz')
    const meta = await builder.finish()
    expect(meta.smallestKey).toEqual(bytes('aaaa'))
    expect(meta.largestKey).toEqual(bytes('bbbb'))
    const table = await Table.open(PATH, { fs })
    expect((await table.get(bytes('aaaa')))?.value).toEqual(bytes('value'))
    await table.close()
  })

  it('fsyncs and closes the file in finish(), and refuses use afterwards', async () => {
    const memory = new MemoryFileSystem()
    const fs = new FaultyFileSystem(memory)
    const builder = new TableBuilder(PATH, { fs })
    builder.add(put('a', 1, 'x'))
    await builder.finish()
    expect(fs.counts.fsync).toBe(1)
    expect(memory.openDescriptors).toBe(0)
    expect(() => builder.add(put('b', 1, 'x'))).toThrow(expect.objectContaining({ code: 'STRATA_CLOSED' }))
    await expect(builder.finish()).rejects.toMatchObject({ code: 'STRATA_CLOSED' })
    await expect(builder.abandon()).rejects.toMatchObject({ code: 'STRATA_CLOSED' })
  })

  it('keeps the table durable across a power loss once finish() resolved', async () => {
    const fs = new MemoryFileSystem()
    fs.mkdirSync('/db')
    fs.syncDirSync('/')
    const builder = new TableBuilder('/db/1.sst', { fs })
    builder.add(put('a', 1, 'x'))
    fs.syncDirSync('/db')
    await builder.finish()
    fs.powerLoss()
    const table = await Table.open('/db/1.sst', { fs })
    expect((await table.get(bytes('a')))?.value).toEqual(bytes('x'))
    await table.close()
  })

  it('finishSync() writes the same file as finish()', async () => {
    const fs = new MemoryFileSystem()
    const entries = Array.from({ length: 500 }, (_, index) =>
      put(`key${String(index).padStart(4, '0')}`, index + 1, `v${index}`),
    )
    const asyncBuilder = new TableBuilder('/a.sst', { fs, blockBytes: 256 })
    const syncBuilder = new TableBuilder('/b.sst', { fs, blockBytes: 256 })
    for (const entry of entries) {
      asyncBuilder.add(entry)
      syncBuilder.add(entry)
    }
    const asyncMeta = await asyncBuilder.finish()
    const syncMeta = syncBuilder.finishSync()
    expect({ ...syncMeta, path: '' }).toEqual({ ...asyncMeta, path: '' })
    expect(Buffer.compare(fs.readFileSync('/a.sst'), fs.readFileSync('/b.sst'))).toBe(0)
  })

  it('estimates the final file size closely while building', async () => {
    const fs = new MemoryFileSystem()
    const builder = new TableBuilder(PATH, { fs })
    for (let index = 0; index < 20_000; index++) {
      builder.add(put(`key${String(index).padStart(8, '0')}`, index + 1, 'v'.repeat(50)))
    }
    const estimate = builder.estimatedFileBytes
    const meta = await builder.finish()
    expect(Math.abs(estimate - meta.fileSize) / meta.fileSize).toBeLessThan(0.02)
  })

  it('abandon() removes the half-written file and closes it', async () => {
    const memory = new MemoryFileSystem()
    const builder = new TableBuilder(PATH, { fs: memory, blockBytes: 64 })
    for (let index = 0; index < 50_000; index++)
      builder.add(put(`k${String(index).padStart(6, '0')}`, 1, 'value'))
    expect(memory.statSync(PATH)?.size).toBeGreaterThan(0) // full chunks were written already
    await builder.abandon()
    expect(memory.statSync(PATH)).toBeUndefined()
    expect(memory.openDescriptors).toBe(0)
    await builder.abandon() // twice is fine
    expect(() => builder.add(put('z', 1, 'x'))).toThrow(expect.objectContaining({ code: 'STRATA_CLOSED' }))
  })

  it('turns a failed write into an IOError, refuses more work, and abandon() still cleans up', async () => {
    const memory = new MemoryFileSystem()
    const fs = new FaultyFileSystem(memory)
    fs.spaceLimitBytes = 100_000
    const builder = new TableBuilder(PATH, { fs })
    let failure: unknown
    try {
      for (let index = 0; index < 100_000; index++)
        builder.add(put(`k${String(index).padStart(6, '0')}`, 1, 'value'))
    } catch (error) {
      failure = error
    }
    expect(failure).toMatchObject({ code: 'STRATA_IO', systemCode: 'ENOSPC', path: PATH })
    expect(() => builder.add(put('z', 1, 'x'))).toThrow(expect.objectContaining({ code: 'STRATA_IO' }))
    await expect(builder.finish()).rejects.toMatchObject({ code: 'STRATA_IO' })
    expect(memory.openDescriptors).toBe(0)
    await builder.abandon()
    expect(memory.statSync(PATH)).toBeUndefined()
  })

  it('reports a failed fsync in finish() as an IOError; the file is then abandoned', async () => {
    const memory = new MemoryFileSystem()
    const fs = new FaultyFileSystem(memory)
    const builder = new TableBuilder(PATH, { fs })
    builder.add(put('a', 1, 'x'))
    fs.inject({ operation: 'fsync' })
    await expect(builder.finish()).rejects.toMatchObject({ code: 'STRATA_IO', systemCode: 'EIO' })
    await builder.abandon()
    expect(memory.statSync(PATH)).toBeUndefined()
    expect(memory.openDescriptors).toBe(0)

    const syncBuilder = new TableBuilder(PATH, { fs })
    syncBuilder.add(put('a', 1, 'x'))
    fs.inject({ operation: 'fsync' })
    expect(() => syncBuilder.finishSync()).toThrow(expect.objectContaining({ code: 'STRATA_IO' }))
  })

  it('finishDeferringSync: metadata at once, durable once the fsync and close are done; a failed fsync rejects durable', async () => {
    const memory = new MemoryFileSystem()
    const fs = new FaultyFileSystem(memory)
    const builder = new TableBuilder(PATH, { fs })
    builder.add(put('a', 1, 'x'))
    const fsyncs = fs.counts.fsync
    const { meta, durable } = builder.finishDeferringSync()
    expect(meta.entryCount).toBe(1)
    expect(() => builder.add(put('b', 1, 'x'))).toThrow(expect.objectContaining({ code: 'STRATA_CLOSED' }))
    await durable
    expect(fs.counts.fsync).toBe(fsyncs + 1)
    expect(memory.openDescriptors).toBe(0)
    // Durable means what it says: the table survives a power loss once `durable` resolved.
    memory.powerLoss()
    const table = await Table.open(PATH, { fs: memory })
    expect((await table.get(bytes('a')))?.value).toEqual(bytes('x'))
    await table.close()

    const failing = new TableBuilder(PATH, { fs })
    failing.add(put('a', 1, 'x'))
    fs.inject({ operation: 'fsync' })
    const deferred = failing.finishDeferringSync()
    await expect(deferred.durable).rejects.toMatchObject({ code: 'STRATA_IO', systemCode: 'EIO', path: PATH })
    expect(memory.openDescriptors).toBe(0)
  })

  it('reports a file that cannot be created as an IOError naming the path', () => {
    expect(() => new TableBuilder('/missing/dir/t.sst', { fs: new MemoryFileSystem() })).toThrow(
      expect.objectContaining({ code: 'STRATA_IO', systemCode: 'ENOENT', path: '/missing/dir/t.sst' }),
    )
  })

  it('writes an empty table that opens with zero entries', async () => {
    const fs = new MemoryFileSystem()
    const meta = await new TableBuilder(PATH, { fs }).finish()
    expect(meta).toMatchObject({ entryCount: 0, minSeq: 0, maxSeq: 0, smallestKey: new Uint8Array(0) })
    const table = await Table.open(PATH, { fs })
    expect(await table.get(bytes('a'))).toBeUndefined()
    expect(await table.iterator().next()).toBeUndefined()
    expect(table.iterator({ reverse: true }).nextSync()).toBeUndefined()
    await table.close()
  })
})
