/**
 * A flushed memtable's slabs serve the next memtables: every reader that still uses a memtable
 * after it leaves the read path keeps it (iterators, checkpoints), and every view a caller gets
 * is its own copy. Each test writes over recycled slabs (10,000 entries of 300-byte values fill
 * more than one full-size slab) and then checks what the earlier reader sees.
 */
import { MemoryFileSystem } from '@strata/base'
import { describe, expect, it } from 'vitest'
import { type Database, open } from '../src/index.js'
import { HeldFiles } from './helpers.js'

const COUNT = 10_000
const key = (prefix: string, index: number) => Buffer.from(`${prefix}${String(index).padStart(6, '0')}`)
const value = (fill: string, index: number, length = 300) => `${fill}-${index}-`.padEnd(length, fill)
const text = (data: Uint8Array | undefined) => (data === undefined ? undefined : Buffer.from(data).toString())

async function fill(db: Database<Uint8Array, Uint8Array>, prefix: string, fillWith: string, length = 300) {
  const pending: Promise<void>[] = []
  for (let index = 0; index < COUNT; index++) {
    pending.push(db.put(key(prefix, index), Buffer.from(value(fillWith, index, length))))
  }
  await Promise.all(pending)
}

/** Flushes the memtables (their slabs go back to the pool), then fills more over those slabs. */
async function flushAndOverwriteSlabs(db: Database<Uint8Array, Uint8Array>): Promise<void> {
  await db.flush()
  await fill(db, 'z', 'z')
  await db.flush()
}

describe('memtable slabs reused after a flush', () => {
  it('an iterator opened before the flush reads what it saw', async () => {
    const db = await open<Uint8Array, Uint8Array>('/db', { fs: new MemoryFileSystem(), sync: false })
    await fill(db, 'a', 'a')
    const iterator = db.iterator({ gte: key('a', 0), lt: key('b', 0) })
    const first = await iterator.next()
    await flushAndOverwriteSlabs(db)
    expect(db.stats().memory.pooledSlabBytes).toBeGreaterThan(0)
    const seen = [text(first![1])]
    for (let entry = await iterator.next(); entry !== undefined; entry = await iterator.next())
      seen.push(text(entry[1]))
    await iterator.close()
    expect(seen).toEqual(Array.from({ length: COUNT }, (_, index) => value('a', index)))
    await db.close()
  })

  it('the memtable after a full one starts with a hash index for as many keys', async () => {
    const db = await open<Uint8Array, Uint8Array>('/db', { fs: new MemoryFileSystem(), sync: false })
    let index = 0
    while (db.stats().frozenMemtables === 0) await db.put(key('a', index++), Buffer.from(value('a', index)))
    // About 8,700 keys filled 4 MiB; the next memtable is empty, its index sized for 8,700 keys
    // (32,768 slot pairs of 8 bytes) instead of 1,024 that double as keys arrive.
    expect(index).toBeGreaterThan(8192)
    expect(db.stats().memtableBytes).toBeGreaterThanOrEqual(32_768 * 8)
    await db.close()
  })

  it('a value a codec kept from the memtable stays what was read', async () => {
    const keeping = {
      name: 'keeping',
      encode: (data: Uint8Array) => data,
      decode: (data: Uint8Array) => data,
    }
    const db = await open<Uint8Array, Uint8Array>('/db', {
      fs: new MemoryFileSystem(),
      sync: false,
      valueEncoding: keeping,
    })
    await fill(db, 'a', 'a')
    // Late entries: a memtable's first slabs are small, and only full-size ones are reused.
    const kept = [
      db.getSync(key('a', 9007)),
      await db.get(key('a', 9008)),
      ...(await db.getMany([key('a', 9009)])),
    ]
    await flushAndOverwriteSlabs(db)
    expect(kept.map(text)).toEqual([value('a', 9007), value('a', 9008), value('a', 9009)])
    await db.close()
  })

  it('getMany: a memtable answer stays right while another key waits for its read', async () => {
    // Reads of the first table only (the one 'on-disk' is in): the flushes meanwhile read theirs.
    let firstTable: string | undefined
    const fs = new HeldFiles((path) => {
      if (path.endsWith('.sst')) firstTable ??= path
      return path === firstTable
    }, 'read')
    const db = await open<Uint8Array, Uint8Array>('/db', {
      fs,
      sync: false,
      readMode: 'async',
      blockCacheBytes: 0,
    })
    await db.put(Buffer.from('on-disk'), Buffer.from('disk value'))
    await db.flush()
    await fill(db, 'a', 'a')
    fs.hold()
    const reading = db.getMany([key('a', 9005), Buffer.from('on-disk')])
    await flushAndOverwriteSlabs(db)
    fs.release()
    expect((await reading).map(text)).toEqual([value('a', 9005), 'disk value'])
    await db.close()
  })

  it('a checkpoint writes the memtable entries it read, whatever happens to them meanwhile', async () => {
    // Links are refused (as across devices): the checkpoint copies the table, and that copy's
    // writes are held, after it read the memtables and before it writes its WAL.
    class RefusedTableLinks extends HeldFiles {
      override linkSync(existingPath: string, newPath: string): void {
        if (!(newPath.startsWith('/copy/') && newPath.endsWith('.sst'))) {
          super.linkSync(existingPath, newPath)
          return
        }
        throw Object.assign(new Error('EXDEV: cross-device link not permitted'), { code: 'EXDEV' })
      }
    }
    const fs = new RefusedTableLinks((path) => path.startsWith('/copy/'), 'write')
    const db = await open<Uint8Array, Uint8Array>('/db', { fs, sync: false, memtableBytes: 32 * 1024 * 1024 })
    await db.put(Buffer.from('on-disk'), Buffer.from('disk value'))
    await db.flush()
    await fill(db, 'a', 'a', 1000)
    fs.hold()
    const copying = db.checkpoint('/copy')
    while (fs.held === 0) await new Promise((resolve) => setTimeout(resolve, 1))
    await flushAndOverwriteSlabs(db)
    fs.release()
    await copying
    await db.close()
    const copy = await open<Uint8Array, Uint8Array>('/copy', { fs })
    const found: (string | undefined)[] = []
    for await (const [, found_] of copy.iterator({ lt: key('b', 0) })) found.push(text(found_))
    expect(found).toEqual(Array.from({ length: COUNT }, (_, index) => value('a', index, 1000)))
    expect(await copy.get(key('z', 0))).toBeUndefined()
    expect(text(await copy.get(Buffer.from('on-disk')))).toBe('disk value')
    await copy.close()
  })
})

describe('iterators between writes', () => {
  it('a closed iterator leaves the memtable to fill as if none had been opened', async () => {
    // Each put followed by an iterator (opened, read, closed): while an iterator is open the
    // memtable copies the index nodes a write changes, so if closing did not end that, these
    // memtables would fill with copies and flush far more often.
    const flushesAfter = async (iterate: boolean) => {
      const db = await open<Uint8Array, Uint8Array>('/db', {
        fs: new MemoryFileSystem(),
        sync: false,
        memtableBytes: 256 * 1024,
      })
      for (let index = 0; index < 4000; index++) {
        const written = key('k', (index * 7919) % 4000)
        await db.put(written, Buffer.from(value('v', index, 40)))
        if (!iterate) continue
        const iterator = db.iterator({ gte: written, limit: 2 })
        expect(text((await iterator.next())?.[0])).toBe(written.toString())
        await iterator.close()
      }
      const { flushes } = db.stats()
      await db.close()
      return flushes
    }
    const plain = await flushesAfter(false)
    const iterated = await flushesAfter(true)
    expect(plain).toBeGreaterThan(0)
    expect(iterated).toBeLessThanOrEqual(plain + 1)
  })
})
