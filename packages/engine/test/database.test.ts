import { existsSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { MemoryFileSystem } from '@strata/base'
import { HEADER_BYTES } from '@strata/wal'
import { describe, expect, it } from 'vitest'
import { Database, DatabaseLockedError, MAX_KEY_BYTES, open } from '../src/index.js'
import { bytes, temporaryDirectory, text } from './helpers.js'

describe('open', () => {
  it('creates a database in a missing directory and reopens it with its data', async () => {
    const directory = join(temporaryDirectory(), 'nested', 'db')
    const database = await open(directory)
    await database.put(bytes('a'), bytes('1'))
    await database.close()
    expect(readdirSync(directory).sort()).toEqual(expect.arrayContaining(['CURRENT', 'wal.log']))
    const reopened = await open(directory)
    expect(text(await reopened.get(bytes('a')))).toBe('1')
    await reopened.close()
  })

  it('refuses a missing directory with createIfMissing: false, and an existing one with errorIfExists', async () => {
    const directory = temporaryDirectory()
    await expect(open(join(directory, 'missing'), { createIfMissing: false })).rejects.toMatchObject({
      code: 'STRATA_NOT_FOUND',
    })
    const database = await open(directory)
    await database.close()
    await expect(open(directory, { errorIfExists: true })).rejects.toMatchObject({ code: 'STRATA_EXISTS' })
  })

  it('locks the directory against a second open until the first closes', async () => {
    const directory = temporaryDirectory()
    const database = await open(directory)
    const error = await open(directory).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(DatabaseLockedError)
    expect(error).toMatchObject({ code: 'STRATA_LOCKED' })
    await database.close()
    const again = await open(directory)
    await again.close()
  })

  it('takes over a LOCK left by a process that no longer runs', async () => {
    const directory = temporaryDirectory()
    const database = await open(directory)
    await database.close()
    // A pid far above pid_max stands for a dead owner.
    writeFileSync(join(directory, 'LOCK'), JSON.stringify({ pid: 2 ** 30, startTime: '1' }))
    const reopened = await open(directory)
    await reopened.close()
  })

  it('rejects unknown options naming them', async () => {
    await expect(open(temporaryDirectory(), { memtableSize: 1 } as never)).rejects.toMatchObject({
      code: 'STRATA_INVALID_ARGUMENT',
      message: expect.stringContaining("'memtableSize'"),
    })
  })
})

describe('reads and writes', () => {
  it('puts, gets, deletes, and answers undefined for a missing key', async () => {
    const database = await open(temporaryDirectory())
    await database.put(bytes('k'), bytes('v1'))
    await database.put(bytes('k'), bytes('v2'))
    expect(text(await database.get(bytes('k')))).toBe('v2')
    expect(database.getSync(bytes('k'))?.toString()).toBe('v2')
    expect(await database.has(bytes('k'))).toBe(true)
    await database.delete(bytes('k'))
    expect(await database.get(bytes('k'))).toBeUndefined()
    expect(database.getSync(bytes('k'))).toBeUndefined()
    expect(await database.has(bytes('k'))).toBe(false)
    expect(await database.get(bytes('never'))).toBeUndefined()
    await database.close()
  })

  it('rejects empty, oversized and non-byte keys and missing values with typed errors', async () => {
    const database = await open(temporaryDirectory())
    await expect(database.put(new Uint8Array(0), bytes('v'))).rejects.toMatchObject({
      code: 'STRATA_INVALID_ARGUMENT',
      message: expect.stringMatching(/key must not be empty/),
    })
    await expect(database.put(new Uint8Array(MAX_KEY_BYTES + 1), bytes('v'))).rejects.toThrow(
      /the largest allowed is 65536/,
    )
    await expect(database.put(42 as never, bytes('v'))).rejects.toThrow(
      /key must be a Uint8Array or a string/,
    )
    await expect(database.put(bytes('k'), undefined as never)).rejects.toThrow(
      /use delete\(\) to remove a key/,
    )
    await expect(database.get(null as never)).rejects.toMatchObject({ code: 'STRATA_INVALID_ARGUMENT' })
    await expect(database.put(bytes('k'), bytes('v'), { sync: 'no' as never })).rejects.toThrow(
      /options.sync must be true or false/,
    )
    await database.close()
  })

  it('rejects every call after close with STRATA_CLOSED, and close is idempotent', async () => {
    const database = await open(temporaryDirectory())
    await database.put(bytes('a'), bytes('1'))
    await Promise.all([database.close(), database.close()])
    await database.close()
    await expect(database.put(bytes('a'), bytes('2'))).rejects.toMatchObject({ code: 'STRATA_CLOSED' })
    await expect(database.get(bytes('a'))).rejects.toMatchObject({ code: 'STRATA_CLOSED' })
    expect(() => database.getSync(bytes('a'))).toThrow(expect.objectContaining({ code: 'STRATA_CLOSED' }))
    expect(() => database.iterator()).toThrow(expect.objectContaining({ code: 'STRATA_CLOSED' }))
    expect(database.status).toBe('closed')
  })

  it('reads many keys at one snapshot with getMany', async () => {
    const database = await open(temporaryDirectory())
    await database.batch([
      { type: 'put', key: bytes('a'), value: bytes('1') },
      { type: 'put', key: bytes('c'), value: bytes('3') },
    ])
    const values = await database.getMany([bytes('a'), bytes('b'), bytes('c')])
    expect(values.map(text)).toEqual(['1', undefined, '3'])
    await database.close()
  })

  it('applies array and chained batches atomically, with consecutive seqs', async () => {
    const database = await open(temporaryDirectory())
    await database.put(bytes('gone'), bytes('x'))
    const before = database.stats().lastSeq
    await database.batch([
      { type: 'put', key: bytes('a'), value: bytes('1') },
      { type: 'del', key: bytes('gone') },
      { type: 'put', key: bytes('b'), value: bytes('2') },
    ])
    expect(database.stats().lastSeq).toBe(before + 3)
    const chained = database.batch().put(bytes('c'), bytes('3')).delete(bytes('a'))
    expect(chained.length).toBe(2)
    await chained.write()
    await expect(chained.write()).rejects.toMatchObject({ code: 'STRATA_CLOSED' })
    expect((await database.getMany([bytes('a'), bytes('b'), bytes('c'), bytes('gone')])).map(text)).toEqual([
      undefined,
      '2',
      '3',
      undefined,
    ])
    await expect(database.batch([{ type: 'merge', key: bytes('a') } as never])).rejects.toThrow(
      /batch operation 0 must be/,
    )
    await database.close()
  })

  it('encodes keys and values with utf8, json and a user codec', async () => {
    const directory = temporaryDirectory()
    const database = await open<string, { n: number }>(directory, {
      keyEncoding: 'utf8',
      valueEncoding: 'json',
    })
    await database.put('ключ', { n: 1 })
    expect(await database.get('ключ')).toEqual({ n: 1 })
    expect(await database.iterator().all()).toEqual([['ключ', { n: 1 }]])
    await database.close()
    const codec = {
      name: 'reversed',
      encode: (value: string) => Buffer.from([...value].reverse().join('')),
      decode: (data: Uint8Array) => [...Buffer.from(data).toString()].reverse().join(''),
    }
    const custom = await open<string, string>(directory, { keyEncoding: 'utf8', valueEncoding: codec })
    await custom.put('k', 'abc')
    expect(await custom.get('k')).toBe('abc')
    await custom.close()
    const raw = await open(directory)
    expect(text(await raw.get(bytes('k')))).toBe('cba')
    await raw.close()
  })
})

describe('iterators', () => {
  async function filled(keys: string[]) {
    const database = await open<string, string>(temporaryDirectory(), {
      keyEncoding: 'utf8',
      valueEncoding: 'utf8',
    })
    await database.batch(keys.map((key) => ({ type: 'put' as const, key, value: `v-${key}` })))
    return database
  }

  it('honours gt/gte/lt/lte, reverse and limit', async () => {
    const database = await filled(['a', 'b', 'c', 'd', 'e'])
    const keys = async (options: object) => (await database.iterator(options).all()).map(([key]) => key)
    expect(await keys({})).toEqual(['a', 'b', 'c', 'd', 'e'])
    expect(await keys({ gt: 'a', lt: 'e' })).toEqual(['b', 'c', 'd'])
    expect(await keys({ gte: 'b', lte: 'd' })).toEqual(['b', 'c', 'd'])
    expect(await keys({ reverse: true, limit: 2 })).toEqual(['e', 'd'])
    expect(await keys({ reverse: true, gte: 'c' })).toEqual(['e', 'd', 'c'])
    expect(await keys({ limit: 0 })).toEqual([])
    expect(await keys({ limit: -1 })).toHaveLength(5)
    await database.close()
  })

  it('seeks forward and in reverse, and reads in batches with nextv', async () => {
    const database = await filled(['a', 'c', 'e', 'g'])
    const iterator = database.iterator()
    iterator.seek('d')
    expect((await iterator.next())?.[0]).toBe('e')
    iterator.seek('a')
    expect((await iterator.nextv(3)).map(([key]) => key)).toEqual(['a', 'c', 'e'])
    expect((await iterator.nextv(3)).map(([key]) => key)).toEqual(['g'])
    expect(await iterator.nextv(3)).toEqual([])
    await iterator.close()
    await expect(iterator.next()).rejects.toMatchObject({ code: 'STRATA_CLOSED' })
    const reverse = database.iterator({ reverse: true })
    reverse.seek('d')
    expect((await reverse.next())?.[0]).toBe('c')
    await reverse.close()
    await database.close()
  })

  it('yields keys and values only, and works with for await', async () => {
    const database = await filled(['x', 'y'])
    const seen: string[] = []
    for await (const key of database.keys()) seen.push(key)
    for await (const value of database.values({ reverse: true })) seen.push(value)
    expect(seen).toEqual(['x', 'y', 'v-y', 'v-x'])
    const [[key, value]] = (await database.iterator({ values: false, limit: 1 }).all()) as [[string, string]]
    expect([key, value]).toEqual(['x', undefined])
    await database.close()
  })

  it('reads one snapshot whatever is written meanwhile, across a flush', async () => {
    const database = await filled(['a', 'b', 'c'])
    const iterator = database.iterator()
    expect((await iterator.next())?.[0]).toBe('a')
    await database.put('b', 'changed')
    await database.delete('c')
    await database.put('d', 'new')
    await database.flush()
    expect(await iterator.nextv(10)).toEqual([
      ['b', 'v-b'],
      ['c', 'v-c'],
    ])
    await iterator.close()
    expect(await database.iterator().all()).toEqual([
      ['a', 'v-a'],
      ['b', 'changed'],
      ['d', 'new'],
    ])
    await database.close()
  })
})

describe('snapshots', () => {
  it('gives repeatable reads until released', async () => {
    const database = await open<string, string>(temporaryDirectory(), {
      keyEncoding: 'utf8',
      valueEncoding: 'utf8',
    })
    await database.put('k', 'old')
    const snapshot = database.snapshot()
    await database.put('k', 'new')
    await database.put('other', 'x')
    await database.flush()
    expect(await database.get('k', { snapshot })).toBe('old')
    expect(database.getSync('k', { snapshot })).toBe('old')
    expect(await database.get('other', { snapshot })).toBeUndefined()
    expect(await database.iterator({ snapshot }).all()).toEqual([['k', 'old']])
    expect(await database.get('k')).toBe('new')
    expect(database.stats().snapshots).toBe(1)
    snapshot.release()
    snapshot.release()
    expect(database.stats().snapshots).toBe(0)
    await expect(database.get('k', { snapshot })).rejects.toThrow(/snapshot was released/)
    await database.close()
  })
})

describe('flush and the WAL', () => {
  it('moves the memtable into a level-0 table and truncates the WAL to what follows it', async () => {
    const directory = temporaryDirectory()
    const database = await open(directory, { autoCompaction: false })
    for (let index = 0; index < 100; index++)
      await database.put(bytes(`key-${index}`), bytes(`value-${index}`))
    const walBefore = database.stats().walBytes
    await database.flush()
    const stats = database.stats()
    expect(stats.levels[0]).toMatchObject({ files: 1 })
    expect(stats.flushes).toBe(1)
    expect(stats.flushedSeq).toBe(100)
    // Only the WAL's file header remains: every entry was flushed.
    expect(stats.walBytes).toBe(HEADER_BYTES)
    expect(walBefore).toBeGreaterThan(100 * 20)
    await database.put(bytes('after'), bytes('flush'))
    expect(database.stats().walBytes).toBeGreaterThan(0)
    await database.close()
    const reopened = await open(directory, { autoCompaction: false })
    expect(text(await reopened.get(bytes('key-42')))).toBe('value-42')
    expect(text(await reopened.get(bytes('after')))).toBe('flush')
    expect(reopened.stats().lastSeq).toBe(101)
    await reopened.close()
  })

  it('flushes on its own when the memtable is full, and writes keep flowing', async () => {
    const directory = temporaryDirectory()
    const database = await open(directory, { memtableBytes: 16 * 1024, autoCompaction: false, sync: false })
    const writes: Promise<void>[] = []
    for (let index = 0; index < 3000; index++) {
      writes.push(database.put(bytes(`key-${String(index).padStart(5, '0')}`), Buffer.alloc(64, index % 256)))
    }
    await Promise.all(writes)
    await database.flush()
    const stats = database.stats()
    expect(stats.flushes).toBeGreaterThan(5)
    expect(stats.levels[0]!.files).toBe(stats.flushes)
    expect((await database.get(bytes('key-01234')))?.[0]).toBe(1234 % 256)
    expect(await database.iterator({ values: false }).all()).toHaveLength(3000)
    await database.close()
  })

  it('deletes table files no manifest references at open', async () => {
    const directory = temporaryDirectory()
    const database = await open(directory)
    await database.put(bytes('a'), bytes('1'))
    await database.close()
    writeFileSync(join(directory, '000777.sst'), 'orphan from a crashed flush')
    writeFileSync(join(directory, 'CURRENT.tmp'), 'half-written')
    const reopened = await open(directory)
    expect(existsSync(join(directory, '000777.sst'))).toBe(false)
    expect(existsSync(join(directory, 'CURRENT.tmp'))).toBe(false)
    await reopened.close()
  })
})

describe('stats', () => {
  it('reports levels, memtable, seqs, cache and bytes written as plain JSON', async () => {
    const database = await open(temporaryDirectory(), { autoCompaction: false })
    await database.put(bytes('key'), bytes('value'))
    await database.flush()
    await database.get(bytes('key'))
    const stats = database.stats()
    expect(JSON.parse(JSON.stringify(stats))).toEqual(stats)
    expect(stats).toMatchObject({ status: 'open', lastSeq: 1, tableFiles: 1, userBytesWritten: 8 })
    expect(stats.diskBytesWritten).toBeGreaterThan(stats.userBytesWritten)
    expect(stats.writeAmplification).toBeGreaterThan(1)
    expect(stats.cache.hits + stats.cache.misses).toBeGreaterThan(0)
    await database.close()
  })
})

describe('in-memory file system', () => {
  it('runs entirely on a MemoryFileSystem and survives a simulated crash', async () => {
    const fs = new MemoryFileSystem()
    const database = await Database.open('/db', { fs, memtableBytes: 4096 })
    for (let index = 0; index < 200; index++) await database.put(bytes(`k${index}`), bytes(`v${index}`))
    fs.crash()
    const reopened = await Database.open('/db', { fs })
    for (let index = 0; index < 200; index += 17)
      expect(text(await reopened.get(bytes(`k${index}`)))).toBe(`v${index}`)
    await reopened.close()
  })
})

describe('ownership of bytes', () => {
  it('a value returned to the caller can be written into without changing the database', async () => {
    const database = await open(temporaryDirectory(), { autoCompaction: false })
    const key = bytes('k')
    await database.put(key, bytes('original'))
    const fromMemtable = (await database.get(key))!
    fromMemtable.fill(0)
    const fromIterator = (await database.iterator().all())[0]!
    fromIterator[0].fill(0)
    fromIterator[1].fill(0)
    expect(text(await database.get(key))).toBe('original')
    await database.flush()
    const fromTable = (await database.get(key))!
    fromTable.fill(0)
    expect(text(database.getSync(key))).toBe('original')
    expect(text(await database.get(key))).toBe('original')
    await database.close()
  })

  it('a buffer the caller reuses after put does not change what was stored', async () => {
    const database = await open(temporaryDirectory())
    const scratch = Buffer.from('first')
    await database.put(bytes('a'), scratch)
    scratch.write('XXXXX')
    expect(text(await database.get(bytes('a')))).toBe('first')
    await database.close()
  })
})
