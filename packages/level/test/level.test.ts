/**
 * StrataLevel's behaviour beyond the compliance suite: what a classic-level user relies on
 * (persistence, locking, error codes, options), the adapter's own mapping (empty keys, keys
 * starting with a zero byte), and the engine issues it works around (returned buffers that
 * alias the memtable, reverse seek in the memtable).
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { MemoryFileSystem } from '@strata/base'
import { FaultyFileSystem } from '@strata/base/testing'
import { open as openEngine } from '@strata/engine'
import { ClassicLevel } from 'classic-level'
import { describe, expect, it } from 'vitest'
import { CLEAR_BATCH, StrataLevel } from '../src/index.js'
import { hex, temporaryDirectory } from './helpers.js'

const padded = (index: number) => `key${String(index).padStart(6, '0')}`

describe('StrataLevel as a drop-in for classic-level', () => {
  it('keeps what was written across close and reopen, with the same calls as classic-level', async () => {
    const location = join(temporaryDirectory(), 'db')
    for (const Level of [StrataLevel, ClassicLevel]) {
      const directory = `${location}-${Level.name}`
      const db = new Level<string, { n: number }>(directory, { valueEncoding: 'json' })
      await db.put('a', { n: 1 })
      await db.batch([
        { type: 'put', key: 'b', value: { n: 2 } },
        { type: 'put', key: 'c', value: { n: 3 } },
        { type: 'del', key: 'a' },
      ])
      await db.batch().put('d', { n: 4 }).del('c').write()
      await db.close()
      await db.open()
      expect(await db.iterator().all(), Level.name).toEqual([
        ['b', { n: 2 }],
        ['d', { n: 4 }],
      ])
      expect(await db.get('a'), Level.name).toBeUndefined()
      expect(await db.getMany(['b', 'c']), Level.name).toEqual([{ n: 2 }, undefined])
      await db.close()
    }
  })

  it('fails a second open of the same directory with LEVEL_LOCKED as the cause, keeping strata’s error', async () => {
    const location = join(temporaryDirectory(), 'db')
    const first = new StrataLevel(location)
    await first.open()
    const second = new StrataLevel(location)
    const error = await second.open().catch((caught: unknown) => caught)
    expect(error).toMatchObject({ code: 'LEVEL_DATABASE_NOT_OPEN', cause: { code: 'LEVEL_LOCKED' } })
    expect((error as { cause: { cause: { code: string } } }).cause.cause.code).toBe('STRATA_LOCKED')
    expect(second.status).toBe('closed')
    await first.close()
    await second.open()
    expect(second.status).toBe('open')
    await second.close()
  })

  it('creates missing parent directories unless createIfMissing is false', async () => {
    const location = join(temporaryDirectory(), 'a', 'b', 'db')
    const refused = new StrataLevel(location, { createIfMissing: false })
    await expect(refused.open()).rejects.toMatchObject({
      code: 'LEVEL_DATABASE_NOT_OPEN',
      cause: { code: 'STRATA_NOT_FOUND', message: expect.stringMatching(/does not exist/) },
    })
    const db = new StrataLevel(location)
    await db.put('k', 'v')
    await db.close()
    expect(readdirSync(location)).toContain('CURRENT')
  })

  it('rejects calls after close with LEVEL_DATABASE_NOT_OPEN, and the extra methods too', async () => {
    const db = new StrataLevel(join(temporaryDirectory(), 'db'))
    await db.open()
    await db.close()
    await expect(db.get('k')).rejects.toMatchObject({ code: 'LEVEL_DATABASE_NOT_OPEN' })
    await expect(db.put('k', 'v')).rejects.toMatchObject({ code: 'LEVEL_DATABASE_NOT_OPEN' })
    expect(() => db.getSync('k')).toThrow(expect.objectContaining({ code: 'LEVEL_DATABASE_NOT_OPEN' }))
    await expect(db.compactRange('a', 'z')).rejects.toMatchObject({ code: 'LEVEL_DATABASE_NOT_OPEN' })
    expect(() => db.stats()).toThrow(expect.objectContaining({ code: 'LEVEL_DATABASE_NOT_OPEN' }))
  })

  it('refuses a bad option at open, naming it, and a bad location at construction', async () => {
    const db = new StrataLevel(join(temporaryDirectory(), 'db'), { memtableBytes: -1 })
    const error = await db.open().catch((caught: unknown) => caught)
    expect(error).toMatchObject({
      code: 'LEVEL_DATABASE_NOT_OPEN',
      cause: { code: 'STRATA_INVALID_ARGUMENT', message: expect.stringMatching(/memtableBytes/) },
    })
    expect(() => new StrataLevel('')).toThrow(expect.objectContaining({ code: 'STRATA_INVALID_ARGUMENT' }))
    const file = join(temporaryDirectory(), 'file')
    writeFileSync(file, 'not a database')
    await expect(new StrataLevel(file).open()).rejects.toMatchObject({
      code: 'LEVEL_DATABASE_NOT_OPEN',
      cause: {
        code: 'STRATA_INVALID_ARGUMENT',
        message: expect.stringMatching(/is a file, not a directory/),
      },
    })
  })

  it('tells the truth in its manifest', async () => {
    const db = new StrataLevel(join(temporaryDirectory(), 'db'))
    expect(db.supports).toMatchObject({
      implicitSnapshots: true,
      explicitSnapshots: true,
      snapshots: true,
      permanence: true,
      seek: true,
      has: true,
      getSync: true,
      createIfMissing: true,
      errorIfExists: true,
      deferredOpen: true,
      signals: { iterators: true },
      additionalMethods: { compactRange: true, stats: true },
      encodings: { buffer: true, view: true, utf8: true, json: true },
    })
    await db.close()
  })
})

describe('keys', () => {
  const keys = [[], [0], [0, 0], [0, 1], [0, 0xff], [1], [0xff], [0xff, 0]].map((key) => Buffer.from(key))

  it('stores the empty key and keys starting with zero bytes, in byte order, through every read', async () => {
    const location = join(temporaryDirectory(), 'db')
    const db = new StrataLevel<Buffer, string>(location, { keyEncoding: 'buffer' })
    const shuffled = [5, 2, 7, 0, 3, 6, 1, 4].map((index) => keys[index]!)
    for (const key of shuffled) await db.put(key, hex(key))
    for (const flushed of [false, true]) {
      if (flushed) await db.compactRange(Buffer.alloc(0), Buffer.from([0xff, 0xff]))
      const all = await db.keys().all()
      expect(all.map(hex), `flushed: ${flushed}`).toEqual(keys.map(hex))
      expect((await db.keys({ reverse: true }).all()).map(hex)).toEqual(keys.map(hex).reverse())
      expect((await db.keys({ gt: Buffer.alloc(0), lt: Buffer.from([1]) }).all()).map(hex)).toEqual([
        '00',
        '0000',
        '0001',
        '00ff',
      ])
      expect((await db.keys({ lte: Buffer.alloc(0) }).all()).map(hex)).toEqual([''])
      expect((await db.keys({ gte: Buffer.from([0, 0]), lte: Buffer.from([0, 1]) }).all()).map(hex)).toEqual([
        '0000',
        '0001',
      ])
      for (const key of keys) expect(await db.get(key)).toBe(hex(key))
      expect(db.getSync(Buffer.alloc(0))).toBe('')
      expect(await db.hasMany([Buffer.alloc(0), Buffer.from([0, 2])])).toEqual([true, false])
      const iterator = db.keys()
      iterator.seek(Buffer.from([0, 0]))
      expect(hex((await iterator.next())!)).toBe('0000')
      await iterator.close()
    }
    await db.del(Buffer.alloc(0))
    expect(await db.get(Buffer.alloc(0))).toBeUndefined()
    await db.close()

    // The stored form, as the engine sees it: only the empty key and keys starting with 00 change.
    const engine = await openEngine(location)
    const stored = (await engine.iterator().all()).map(([key]) => hex(key))
    expect(stored).toEqual(['0000', '000000', '000001', '0000ff', '01', 'ff', 'ff00'])
    await engine.close()
  })

  it('refuses keys the engine cannot store with LEVEL_INVALID_KEY', async () => {
    const db = new StrataLevel<Buffer, string>(join(temporaryDirectory(), 'db'), { keyEncoding: 'buffer' })
    await expect(db.put(Buffer.alloc(70_000, 1), 'v')).rejects.toMatchObject({
      code: 'LEVEL_INVALID_KEY',
      cause: { code: 'STRATA_INVALID_ARGUMENT' },
    })
    await expect(db.put(Buffer.alloc(65_536, 0), 'v')).rejects.toMatchObject({ code: 'LEVEL_INVALID_KEY' })
    await db.put(Buffer.alloc(65_536, 1), 'largest')
    expect(await db.get(Buffer.alloc(65_536, 1))).toBe('largest')
    await db.close()
  })
})

describe('engine workarounds', () => {
  it('hands out copies: changing a returned key or value does not change the database', async () => {
    const db = new StrataLevel<Buffer, Buffer>(join(temporaryDirectory(), 'db'), {
      keyEncoding: 'buffer',
      valueEncoding: 'buffer',
    })
    const key = Buffer.from('key')
    await db.put(key, Buffer.from('value'))
    await db.put(Buffer.from('other'), Buffer.from('value2'))
    const scribble = (data: Buffer | undefined) => data?.fill(0x21)
    scribble(await db.get(key))
    scribble(db.getSync(key))
    for (const value of await db.getMany([key])) scribble(value)
    for (const [entryKey, value] of await db.iterator().all()) {
      scribble(entryKey)
      scribble(value)
    }
    for (const entryKey of await db.keys().all()) scribble(entryKey)
    for (const value of await db.values().all()) scribble(value)
    expect((await db.iterator().all()).map(([k, v]) => `${k}=${v}`)).toEqual(['key=value', 'other=value2'])
    await db.close()
  })

  it('seeks in reverse without an upper bound, in the memtable and in tables', async () => {
    const db = new StrataLevel(join(temporaryDirectory(), 'db'))
    await db.batch(['a', 'b', 'c', 'd', 'e'].map((key) => ({ type: 'put' as const, key, value: key })))
    for (const where of ['memtable', 'tables']) {
      if (where === 'tables') await db.compactRange('a', 'z')
      const cases: [object, string, string[]][] = [
        [{ reverse: true }, 'c', ['c', 'b', 'a']],
        [{ reverse: true, gt: 'b' }, 'd', ['d', 'c']],
        [{ reverse: true, gt: 'b' }, 'a', []],
        [{ reverse: true }, 'zzz', ['e', 'd', 'c', 'b', 'a']],
      ]
      for (const [options, target, expected] of cases) {
        const iterator = db.keys(options)
        iterator.seek(target)
        expect(await iterator.all(), `${where}: ${JSON.stringify(options)} seek ${target}`).toEqual(expected)
      }
    }
    await db.close()
  })
})

describe('seek', () => {
  // abstract-level's own "seek() respects range" test pushes functions, not promises, so it
  // asserts nothing; its table of expectations is checked here.
  const table: [object, string, string | undefined][] = [
    [{ gt: '5' }, '4', undefined],
    [{ gt: '5' }, '5', undefined],
    [{ gt: '5' }, '6', '6'],
    [{ gte: '5' }, '4', undefined],
    [{ gte: '5' }, '5', '5'],
    [{ gte: '5', gt: '7' }, '4', undefined],
    [{ gte: '5', gt: '7' }, '6', '6'],
    [{ gte: '5', gt: '3' }, '4', undefined],
    [{ lt: '5' }, '4', '4'],
    [{ lt: '5' }, '5', undefined],
    [{ lte: '5' }, '5', '5'],
    [{ lte: '5' }, '6', undefined],
    [{ lte: '5', lt: '3' }, '4', '4'],
    [{ lte: '5', lt: '7' }, '6', undefined],
    [{ lt: '5', reverse: true }, '4', '4'],
    [{ lt: '5', reverse: true }, '5', undefined],
    [{ lt: '5', reverse: true }, '6', undefined],
    [{ lte: '5', reverse: true }, '5', '5'],
    [{ lte: '5', reverse: true }, '6', undefined],
    [{ gt: '5', reverse: true }, '4', undefined],
    [{ gt: '5', reverse: true }, '5', undefined],
    [{ gt: '5', reverse: true }, '6', '6'],
    [{ gte: '5', reverse: true }, '5', '5'],
    [{ gt: '7', lt: '8' }, '7', undefined],
    [{ gte: '7', lt: '8' }, '7', '7'],
    [{ gte: '7', lt: '8' }, '8', undefined],
    [{ gt: '7', lte: '8' }, '8', '8'],
  ]

  it('ends the iterator when the target is outside the range, as abstract-level specifies', async () => {
    const db = new StrataLevel(join(temporaryDirectory(), 'db'))
    await db.batch(
      Array.from({ length: 10 }, (_, index) => ({
        type: 'put' as const,
        key: String(index),
        value: String(index),
      })),
    )
    for (const where of ['memtable', 'tables']) {
      if (where === 'tables') await db.compactRange('0', '9')
      for (const [range, target, expected] of table) {
        const iterator = db.keys(range)
        iterator.seek(target)
        expect(await iterator.next(), `${where}: seek(${target}) on ${JSON.stringify(range)}`).toBe(expected)
        // A later seek inside the range reads again.
        const first = (await db.keys(range).all())[0]
        if (first !== undefined) {
          iterator.seek(first)
          expect(await iterator.next(), `${where}: seek(${first}) after seek(${target})`).toBe(first)
        }
        await iterator.close()
      }
    }
    await db.close()
  })

  it('seeks in reverse to the empty key below an empty upper bound (classic-level 3.0.0 aborts there)', async () => {
    const db = new StrataLevel<Buffer, string>(join(temporaryDirectory(), 'db'), { keyEncoding: 'buffer' })
    await db.put(Buffer.from('a'), 'x')
    await db.del(Buffer.from('a'))
    const iterator = db.iterator({ reverse: true, lt: Buffer.alloc(0) })
    expect(await iterator.nextv(2)).toEqual([])
    iterator.seek(Buffer.alloc(0))
    expect(await iterator.next()).toBeUndefined()
    await iterator.close()
    await db.close()
  })

  it('counts only the entries it yields against the limit, read-ahead and seeks notwithstanding', async () => {
    const db = new StrataLevel(join(temporaryDirectory(), 'db'))
    await db.batch(['a', 'b', 'c', 'd', 'e'].map((key) => ({ type: 'put' as const, key, value: key })))
    const iterator = db.keys({ limit: 3 })
    expect(await iterator.nextv(1)).toEqual(['a'])
    expect(await iterator.next()).toBe('b')
    iterator.seek('d')
    expect(await iterator.next()).toBe('d')
    expect(await iterator.next()).toBeUndefined()
    await iterator.close()
    await db.close()
  })
})

describe('durability and failures', () => {
  it('fsyncs only writes that ask for it, by option or per write', async () => {
    const fs = new FaultyFileSystem(new MemoryFileSystem())
    const db = new StrataLevel('/db', { fs })
    await db.open()
    const before = fs.counts.fsync
    await db.put('a', '1')
    await db.batch([{ type: 'put', key: 'b', value: '2' }])
    expect(fs.counts.fsync).toBe(before)
    await db.put('c', '3', { sync: true } as object)
    expect(fs.counts.fsync).toBeGreaterThan(before)
    await db.close()

    const synced = new StrataLevel('/db', { fs, sync: true })
    await synced.open()
    const reopened = fs.counts.fsync
    await synced.put('d', '4')
    expect(fs.counts.fsync).toBeGreaterThan(reopened)
    await synced.close()
  })

  it('reports a failed WAL fsync as LEVEL_IO_ERROR, then refuses writes with LEVEL_READONLY, still reading', async () => {
    const fs = new FaultyFileSystem(new MemoryFileSystem())
    const db = new StrataLevel('/db', { fs, sync: true })
    await db.put('kept', 'yes')
    fs.inject({ operation: 'fsync', path: /wal/, persistent: true })
    const error = await db.put('lost', 'no').catch((caught: unknown) => caught)
    expect(error).toMatchObject({ code: 'LEVEL_IO_ERROR', cause: { code: 'STRATA_IO', systemCode: 'EIO' } })
    await expect(db.put('later', 'no')).rejects.toMatchObject({
      code: 'LEVEL_READONLY',
      cause: { code: 'STRATA_READ_ONLY' },
    })
    expect(await db.get('kept')).toBe('yes')
    expect(await db.get('lost')).toBeUndefined()
    await db.close()
  })

  it('reports a damaged table as LEVEL_CORRUPTION, never as data', async () => {
    const location = join(temporaryDirectory(), 'db')
    const db = new StrataLevel(location)
    await db.batch(
      Array.from({ length: 2000 }, (_, index) => ({
        type: 'put' as const,
        key: padded(index),
        value: 'v'.repeat(50),
      })),
    )
    await db.compactRange(padded(0), padded(2000))
    await db.close()
    const table = readdirSync(location).find((name) => name.endsWith('.sst'))!
    const data = readFileSync(join(location, table))
    for (let offset = 64; offset < 96; offset++) data[offset] = data[offset]! ^ 0x5a
    writeFileSync(join(location, table), data)

    const reopened = new StrataLevel(location)
    const error = await reopened
      .open()
      .then(() => reopened.iterator().all())
      .catch((caught: unknown) => caught)
    const code = (error as { code?: string }).code
    // Damage found at open is wrapped by abstract-level; damage found by a read is the read's error.
    const corruption = code === 'LEVEL_DATABASE_NOT_OPEN' ? (error as { cause: unknown }).cause : error
    expect(corruption).toMatchObject({ code: 'LEVEL_CORRUPTION', cause: { code: 'STRATA_CORRUPTION' } })
    await reopened.close()
  })

  it('lets reads in flight finish before closing', async () => {
    const db = new StrataLevel(join(temporaryDirectory(), 'db'))
    await db.batch(
      Array.from({ length: 500 }, (_, index) => ({
        type: 'put' as const,
        key: padded(index),
        value: String(index),
      })),
    )
    await db.compactRange(padded(0), padded(500))
    const reads = Array.from({ length: 500 }, (_, index) => db.get(padded(index)))
    const many = db.getMany([padded(1), padded(2)])
    await db.close()
    expect(await Promise.all(reads)).toEqual(Array.from({ length: 500 }, (_, index) => String(index)))
    expect(await many).toEqual(['1', '2'])
  })
})

describe('get without options (the short path past abstract-level)', () => {
  it('answers like get with options, from the memtable, the cache and the thread pool, and close waits for it', async () => {
    const location = join(temporaryDirectory(), 'db')
    const db = new StrataLevel(location, { readMode: 'async', cacheSize: 0 })
    const keys = Array.from({ length: 400 }, (_, index) => padded(index))
    await db.batch(keys.map((key, index) => ({ type: 'put' as const, key, value: `v${index}` })))
    await db.compactRange(padded(0), padded(400))
    await db.put(padded(7), 'in the memtable')
    const expected = keys.map((_key, index) => (index === 7 ? 'in the memtable' : `v${index}`))
    expect(await Promise.all(keys.map((key) => db.get(key, {})))).toEqual(expected)
    const reads = keys.map((key) => db.get(key))
    const absent = db.get('absent')
    await db.close() // waits for the reads on the thread pool
    expect(await Promise.all(reads)).toEqual(expected)
    expect(await absent).toBeUndefined()
    await expect(db.get(padded(1))).rejects.toMatchObject({ code: 'LEVEL_DATABASE_NOT_OPEN' })
  })

  it('rejects (never throws) a null key with LEVEL_INVALID_KEY and an undecodable value with LEVEL_DECODE_ERROR', async () => {
    const location = join(temporaryDirectory(), 'db')
    const text = new StrataLevel<string, string>(location)
    await text.put('good', '{"a":1}')
    await text.put('bad', 'not json')
    await text.close()
    const json = new StrataLevel<string, unknown>(location, { valueEncoding: 'json' })
    await json.open()
    expect(await json.get('good')).toEqual({ a: 1 })
    const bad = json.get('bad')
    expect(bad).toBeInstanceOf(Promise)
    await expect(bad).rejects.toMatchObject({ code: 'LEVEL_DECODE_ERROR', cause: { name: 'SyntaxError' } })
    await expect(json.get(null as unknown as string)).rejects.toMatchObject({ code: 'LEVEL_INVALID_KEY' })
    // Before the open completes, the call waits for it (abstract-level's deferred open).
    await json.close()
    const deferred = new StrataLevel<string, unknown>(location, { valueEncoding: 'json' })
    expect(deferred.status).toBe('opening')
    expect(await deferred.get('good')).toEqual({ a: 1 })
    await deferred.close()
  })
})

describe('clear', () => {
  it('deletes a range larger than one delete batch, and only that range', async () => {
    const db = new StrataLevel(join(temporaryDirectory(), 'db'))
    const count = CLEAR_BATCH * 2 + 500
    await db.batch(
      Array.from({ length: count }, (_, index) => ({ type: 'put' as const, key: padded(index), value: 'v' })),
    )
    await db.clear({ gte: padded(100), lt: padded(count - 100) })
    const left = await db.keys().all()
    expect(left).toEqual([
      ...Array.from({ length: 100 }, (_, index) => padded(index)),
      ...Array.from({ length: 100 }, (_, index) => padded(count - 100 + index)),
    ])
    await db.clear({ reverse: true, limit: 150 })
    expect(await db.keys().all()).toEqual(Array.from({ length: 50 }, (_, index) => padded(index)))
    await db.close()
  })

  it('never deletes what was written after the snapshot it reads', async () => {
    const db = new StrataLevel(join(temporaryDirectory(), 'db'))
    await db.batch(
      Array.from({ length: 10 }, (_, index) => ({ type: 'put' as const, key: padded(index), value: 'old' })),
    )
    const snapshot = db.snapshot()
    await db.put(padded(100), 'new')
    await db.clear({ snapshot })
    expect(await db.iterator().all()).toEqual([[padded(100), 'new']])
    await snapshot.close()

    await db.batch(
      Array.from({ length: 3000 }, (_, index) => ({
        type: 'put' as const,
        key: padded(index),
        value: 'old',
      })),
    )
    const clearing = db.clear()
    const late = db.put(padded(5000), 'late')
    await Promise.all([clearing, late])
    expect(await db.iterator().all()).toEqual([[padded(5000), 'late']])
    await db.close()
  })
})

describe('snapshots and extra methods', () => {
  it('refuses a snapshot of another database instead of reading at the wrong point in time', async () => {
    const one = new StrataLevel(join(temporaryDirectory(), 'one'))
    const two = new StrataLevel(join(temporaryDirectory(), 'two'))
    await Promise.all([one.open(), two.open()])
    const snapshot = one.snapshot()
    await expect(two.get('k', { snapshot })).rejects.toMatchObject({ code: 'STRATA_INVALID_ARGUMENT' })
    await snapshot.close()
    await Promise.all([one.close(), two.close()])
  })

  it('compacts a range into tables and reports the engine statistics', async () => {
    const db = new StrataLevel(join(temporaryDirectory(), 'db'))
    await db.batch(
      Array.from({ length: 1000 }, (_, index) => ({ type: 'put' as const, key: padded(index), value: 'v' })),
    )
    await db.clear({ lt: padded(900) })
    const before = db.stats()
    expect(before.tableFiles).toBe(0)
    await db.compactRange(padded(0), padded(1000))
    const after = db.stats()
    expect(after.tableFiles).toBeGreaterThan(0)
    expect(after.memtableBytes).toBeLessThan(before.memtableBytes)
    expect(await db.keys().all()).toEqual(Array.from({ length: 100 }, (_, index) => padded(900 + index)))
    await expect(db.compactRange('a', undefined as unknown as string)).rejects.toMatchObject({
      code: 'LEVEL_INVALID_KEY',
    })
    await db.close()
  })
})
