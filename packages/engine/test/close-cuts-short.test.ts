import { readdirSync } from 'node:fs'
import { MemoryFileSystem } from '@strata/base'
import { describe, expect, it } from 'vitest'
import { open, repair } from '../src/index.js'
import { temporaryDirectory } from './helpers.js'

const KEYS = 20_000
const keyOf = (index: number) => `key-${String(index).padStart(6, '0')}`

/** A database on the real disk with `KEYS` keys in several level-0 tables and nothing compacted. */
async function uncompacted(directory: string) {
  const database = await open<string, string>(directory, {
    keyEncoding: 'utf8',
    valueEncoding: 'utf8',
    autoCompaction: false,
    memtableBytes: 256 * 1024,
    sync: false,
  })
  const value = 'v'.repeat(100)
  for (let start = 0; start < KEYS; start += 1000) {
    const batch = []
    for (let index = start; index < start + 1000; index++) {
      // Every key twice across the run, so the merge has versions to drop.
      batch.push({ type: 'put' as const, key: keyOf((index * 7919) % KEYS), value: `${value}${index}` })
    }
    await database.batch(batch)
  }
  await database.flush()
  return database
}

describe('work cut short by close()', () => {
  it('compactRange() with a merge in flight rejects with STRATA_CLOSED; nothing is lost', async () => {
    const directory = temporaryDirectory()
    const database = await uncompacted(directory)
    expect(database.stats().levels[0]?.files).toBeGreaterThan(2)
    const tablesBefore = readdirSync(directory).filter((name) => name.endsWith('.sst')).length
    const compacting = database.compactRange()
    const outcome = compacting.then(
      () => 'resolved',
      (error: { code?: string; cause?: unknown }) => error,
    )
    // Close once the merge has started (its first output file exists), not before.
    const started = performance.now()
    while (readdirSync(directory).filter((name) => name.endsWith('.sst')).length <= tablesBefore) {
      if (performance.now() - started > 10_000) throw new Error('the compaction never started')
      await new Promise((resolve) => setTimeout(resolve, 1))
    }
    await database.close()
    const result = await outcome
    expect(result).toMatchObject({ code: 'STRATA_CLOSED' })
    expect(database.status).toBe('closed')

    const reopened = await open<string, string>(directory, { keyEncoding: 'utf8', valueEncoding: 'utf8' })
    try {
      let count = 0
      for await (const [key, value] of reopened.iterator()) {
        expect(key).toBe(keyOf(count))
        expect(value.startsWith('v'.repeat(100))).toBe(true)
        count++
      }
      expect(count).toBe(KEYS)
      await reopened.compactRange()
    } finally {
      await reopened.close()
    }
  })

  it('compactRange() called while close() runs rejects with STRATA_CLOSED', async () => {
    const database = await uncompacted(temporaryDirectory())
    const closing = database.close()
    await expect(database.compactRange()).rejects.toMatchObject({ code: 'STRATA_CLOSED' })
    await expect(database.flush()).rejects.toMatchObject({ code: 'STRATA_CLOSED' })
    await closing
  })
})

describe('flush() racing close()', () => {
  it('resolves or rejects with STRATA_CLOSED, never another code, and keeps every write', async () => {
    for (let round = 0; round < 5; round++) {
      const directory = temporaryDirectory()
      const database = await open<string, string>(directory, {
        keyEncoding: 'utf8',
        valueEncoding: 'utf8',
        sync: false,
      })
      const writes = Array.from({ length: 200 }, (_, index) => database.put(keyOf(index), `r${round}`))
      const flushed = database.flush().then(
        () => 'flushed',
        (error: { code?: string }) => error.code,
      )
      // Close at a different point of the flush each round.
      for (let turn = 0; turn < round; turn++) await new Promise((resolve) => setImmediate(resolve))
      await database.close()
      expect(['flushed', 'STRATA_CLOSED']).toContain(await flushed)
      await Promise.all(writes)
      const reopened = await open<string, string>(directory, { keyEncoding: 'utf8', valueEncoding: 'utf8' })
      expect(await reopened.iterator().all()).toHaveLength(200)
      await reopened.close()
    }
  })
})

describe('reads cut short by close()', () => {
  it('an iterator read waiting for a block rejects with STRATA_CLOSED for this iterator', async () => {
    const directory = temporaryDirectory()
    const writer = await uncompacted(directory)
    await writer.close()
    const database = await open<string, string>(directory, {
      keyEncoding: 'utf8',
      valueEncoding: 'utf8',
      readMode: 'async',
      blockCacheBytes: 0,
    })
    try {
      const iterator = database.iterator()
      const reading = iterator.nextv(KEYS).then(
        (entries) => entries.length,
        (error: { code?: string; message?: string }) => error,
      )
      await iterator.close()
      // Not a short list of entries, as if the walk had reached the end.
      expect(await reading).toMatchObject({
        code: 'STRATA_CLOSED',
        message: expect.stringMatching(/^this iterator is closed/),
      })
    } finally {
      await database.close()
    }
  })
})

/** An in-memory file system whose unlinks of tables take `delayMs` (a slow disk). */
class SlowUnlinks extends MemoryFileSystem {
  constructor(private readonly delayMs: number) {
    super()
  }
  override async unlink(path: string): Promise<void> {
    if (path.endsWith('.sst')) await new Promise((resolve) => setTimeout(resolve, this.delayMs))
    return super.unlink(path)
  }
}

describe('close() and the files a reader held', () => {
  it('resolves only after the tables an open iterator held are deleted: nothing changes after', async () => {
    const fs = new SlowUnlinks(30)
    const options = { fs, keyEncoding: 'utf8', valueEncoding: 'utf8', sync: false } as const
    const database = await open<string, string>('/db', options)
    for (let round = 0; round < 3; round++) {
      await database.batch(
        Array.from({ length: 50 }, (_, index) => ({
          type: 'put' as const,
          key: `k${index}`,
          value: `v${round}`,
        })),
      )
      await database.flush()
    }
    // The iterator holds the three level-0 tables; the compaction retires them, and only the
    // iterator's release (inside close) lets them be deleted.
    const iterator = database.iterator()
    expect(await iterator.next()).toEqual(['k0', 'v2'])
    await database.compactRange()
    const tables = () =>
      fs
        .readdirSync('/db')
        .filter((name) => name.endsWith('.sst'))
        .sort()
    expect(tables().length).toBeGreaterThan(1)
    await database.close()
    const atClose = tables()
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(tables()).toEqual(atClose)
    expect(atClose).toHaveLength(1)
    // A repair right after close sees a directory nothing else changes.
    await expect(repair('/db', { fs })).resolves.toMatchObject({ table: expect.any(String) })
    const reopened = await open<string, string>('/db', options)
    expect(await reopened.get('k7')).toBe('v2')
    await reopened.close()
  })
})
