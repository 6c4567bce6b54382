/**
 * A caller may reuse its buffers as soon as a call returns, before the promise settles: every
 * write (put, batch, deleteRange) and read keeps what the bytes were at the call, live and after
 * a reopen.
 */
import { describe, expect, it } from 'vitest'
import { type Database, open } from '../src/index.js'
import { HeldFiles, temporaryDirectory } from './helpers.js'

const name = (prefix: string, index: number) => `${prefix}${String(index).padStart(3, '0')}`

async function contents(db: Database<Uint8Array, Uint8Array>): Promise<string[]> {
  const found: string[] = []
  for await (const [key, value] of db.iterator()) found.push(`${Buffer.from(key)}=${Buffer.from(value)}`)
  return found
}

describe('buffers the caller reuses right after a call', () => {
  it('put, batch, deleteRange and get keep the bytes given at the call', async () => {
    const directory = temporaryDirectory()
    const db = await open(directory, { sync: false })
    const expected: string[] = []
    const key = Buffer.alloc(4)
    const value = Buffer.alloc(4)
    const pending: Promise<unknown>[] = []
    for (let index = 0; index < 50; index++) {
      key.write(name('k', index))
      value.write(name('v', index))
      pending.push(db.put(key, value))
      pending.push(db.batch([{ type: 'put', key: Buffer.from(name('b', index)), value }]))
    }
    await Promise.all(pending)
    const start = Buffer.from('k010')
    const end = Buffer.from('k020')
    const deleting = db.deleteRange({ gte: start, lt: end })
    start.write('k040')
    end.write('k045')
    await deleting
    for (let index = 0; index < 50; index++) {
      expected.push(`${name('b', index)}=${name('v', index)}`)
      if (index < 10 || index >= 20) expected.push(`${name('k', index)}=${name('v', index)}`)
    }
    expected.sort()
    expect(await contents(db)).toEqual(expected)

    // Reads from disk (asynchronous, after a flush and with the cache cold): the key buffer is
    // overwritten while each read is pending.
    await db.flush()
    await db.close()
    const reopened = await open(directory, { sync: false, blockCacheBytes: 0, readMode: 'async' })
    expect(await contents(reopened)).toEqual(expected)
    const probe = Buffer.from('k030')
    const reads = []
    for (let index = 30; index < 40; index++) {
      probe.write(name('k', index))
      reads.push(reopened.get(probe))
    }
    probe.write('zzzz')
    const values = (await Promise.all(reads)).map((found) =>
      found === undefined ? undefined : `${Buffer.from(found)}`,
    )
    expect(values).toEqual(Array.from({ length: 10 }, (_, offset) => name('v', 30 + offset)))
    await reopened.close()
  })
  it("a chained batch holds the bytes given to each call, not the caller's buffers", async () => {
    const db = await open(temporaryDirectory(), { sync: false })
    const key = Buffer.from('aaaa')
    const value = Buffer.from('1111')
    const batch = db.batch()
    batch.put(key, value)
    key.write('bbbb')
    value.write('2222')
    batch.put(key, value)
    key.write('cccc')
    batch.del(key)
    const start = Buffer.from('x000')
    const end = Buffer.from('x100')
    batch.deleteRange({ gte: start, lt: end })
    start.write('a')
    end.write('z')
    key.write('zzzz')
    value.write('9999')
    await batch.write()
    expect(await contents(db)).toEqual(['aaaa=1111', 'bbbb=2222'])
    // A bad operation is refused at its call, with its place in the batch; the rest stays queued.
    const refused = db.batch().put(Buffer.from('k'), Buffer.from('v'))
    expect(() => refused.deleteRange({ gte: Buffer.from('b'), lt: Buffer.from('a') })).toThrow(
      expect.objectContaining({ code: 'STRATA_INVALID_ARGUMENT', argument: 'operations[1]' }),
    )
    expect(refused.length).toBe(1)
    await refused.write()
    expect(await contents(db)).toEqual(['aaaa=1111', 'bbbb=2222', 'k=v'])
    await db.close()
  })
  it('a write that waits for room (backpressure) keeps the bytes given at the call', async () => {
    // A file system that holds the flush's table writes until released: the frozen memtable
    // cannot leave, so the next write waits for room before it is written.
    const fs = new HeldFiles((path) => path.endsWith('.sst'), 'write')
    fs.hold()
    const db = await open('/db', {
      fs,
      sync: false,
      memtableBytes: 1024,
      maxFrozenMemtables: 1,
    })
    // Not awaited: the memtable fills and freezes within these calls, and its flush is held.
    const filling = Array.from({ length: 10 }, (_, index) =>
      db.put(Buffer.from(name('f', index)), Buffer.alloc(200, 1)),
    )
    const key = Buffer.from('w000')
    const value = Buffer.from('v000')
    const writing = db.put(key, value)
    // A batch waiting for room: its keys and values are copied together.
    const batchKeys = [Buffer.from('x000'), Buffer.from('x001'), Buffer.from('x002')]
    const batchValue = Buffer.from('b000')
    const batching = db.batch([
      { type: 'put', key: batchKeys[0]!, value: batchValue },
      { type: 'del', key: batchKeys[1]! },
      { type: 'put', key: batchKeys[2]!, value: Buffer.alloc(300, 7) },
    ])
    key.write('zzzz')
    value.write('9999')
    for (const batchKey of batchKeys) batchKey.write('yyyy')
    batchValue.write('8888')
    expect(db.stats().stalls.count).toBeGreaterThan(0)
    fs.release()
    await Promise.all([...filling, writing, batching])
    expect(await db.get(Buffer.from('w000'))).toEqual(Buffer.from('v000'))
    expect(await db.get(Buffer.from('zzzz'))).toBeUndefined()
    expect(await db.get(Buffer.from('x000'))).toEqual(Buffer.from('b000'))
    expect(await db.get(Buffer.from('x001'))).toBeUndefined()
    expect(await db.get(Buffer.from('x002'))).toEqual(Buffer.alloc(300, 7))
    expect(await db.get(Buffer.from('yyyy'))).toBeUndefined()
    await db.close()
  })
})

describe('bytes a codec keeps', () => {
  // A codec may keep the bytes its decode is given (an identity codec returns them): they must
  // stay what was read, whatever the engine does with its blocks and memtables afterwards.
  const keeping = {
    name: 'keeping',
    encode: (value: Uint8Array) => value,
    decode: (data: Uint8Array) => data,
  }
  const value = (index: number) => `value-${String(index).padStart(5, '0')}|`.repeat(16)
  const text = (data: Uint8Array | undefined) =>
    data === undefined ? undefined : Buffer.from(data).toString()

  it('a value decoded from a cached block stays the same after its block is evicted', async () => {
    const directory = temporaryDirectory()
    let db = await open<Uint8Array, Uint8Array>(directory, { sync: false, valueEncoding: keeping })
    for (let index = 0; index < 2000; index++)
      await db.put(Buffer.from(name('k', index + 1000)), Buffer.from(value(index)))
    await db.close()
    db = await open<Uint8Array, Uint8Array>(directory, { valueEncoding: keeping, blockCacheBytes: 16 * 1024 })
    const kept = [db.getSync(Buffer.from(name('k', 1000))), await db.get(Buffer.from(name('k', 1001)))]
    const scanned: Uint8Array[] = []
    for await (const [, found] of db.iterator({ limit: 3 })) scanned.push(found)
    // Every other block goes through the small cache: blocks are evicted and their memory reused.
    for (let index = 2; index < 2000; index++) {
      expect(text(db.getSync(Buffer.from(name('k', index + 1000))))).toBe(value(index))
    }
    expect(kept.map(text)).toEqual([value(0), value(1)])
    expect(scanned.map(text)).toEqual([value(0), value(1), value(2)])
    await db.close()
  })
})
