/**
 * Faults through the FileSystem seam: a crash or an I/O error at each step of a flush, a failing
 * fsync, a full disk. Whatever happens, no acknowledged write is missing after recovery, and
 * nothing is acknowledged that was not made durable.
 */
import { MemoryFileSystem } from '@strata/base'
import { type FaultOperation, FaultyFileSystem } from '@strata/base/testing'
import { describe, expect, it } from 'vitest'
import { Database, open } from '../src/index.js'

const key = (index: number) => `key-${String(index).padStart(4, '0')}`
const value = (index: number) => `value-${index}-${'v'.repeat(index % 40)}`

async function openOn(fs: MemoryFileSystem | FaultyFileSystem) {
  return open<string, string>('/db', {
    fs,
    keyEncoding: 'utf8',
    valueEncoding: 'utf8',
    autoCompaction: false,
  })
}

/** Every key in `acknowledged` has its value; nothing else is there but `maybe` keys. */
async function expectExactly(
  database: Database<string, string>,
  acknowledged: Map<string, string>,
  maybe = new Set<string>(),
) {
  const entries = await database.iterator().all()
  const seen = new Map(entries)
  expect(seen.size).toBe(entries.length)
  for (const [k, v] of acknowledged) expect(seen.get(k), `acknowledged ${k}`).toBe(v)
  for (const [k] of seen) expect(acknowledged.has(k) || maybe.has(k), `unexpected ${k}`).toBe(true)
}

describe('crash at every step of a flush', () => {
  const operations: FaultOperation[] = ['open', 'write', 'fsync', 'rename', 'unlink', 'ftruncate']

  /** Counts the file operations one flush performs, by kind. */
  async function flushOperationCounts(): Promise<Record<FaultOperation, number>> {
    const faulty = new FaultyFileSystem(new MemoryFileSystem())
    const database = await openOn(faulty)
    for (let index = 0; index < 50; index++) await database.put(key(index), value(index))
    const before = { ...faulty.counts }
    await database.flush()
    const counts = { ...faulty.counts }
    for (const name of Object.keys(counts) as FaultOperation[]) counts[name] -= before[name]
    await database.close()
    return counts
  }

  it('recovers every acknowledged write exactly once, whichever operation fails or the power goes', async () => {
    const counts = await flushOperationCounts()
    let cases = 0
    let failedFlushes = 0
    for (const operation of operations) {
      for (let nth = 1; nth <= counts[operation]; nth++) {
        for (const crash of ['process', 'power'] as const) {
          const memory = new MemoryFileSystem()
          const faulty = new FaultyFileSystem(memory)
          const database = await openOn(faulty)
          const acknowledged = new Map<string, string>()
          for (let index = 0; index < 50; index++) {
            await database.put(key(index), value(index))
            acknowledged.set(key(index), value(index))
          }
          faulty.inject({ operation, nth })
          const flushed = await database.flush().then(
            () => true,
            (error: unknown) => {
              expect(error).toMatchObject({ code: expect.stringMatching(/^STRATA_(IO|READ_ONLY)$/) })
              return false
            },
          )
          // A write after a failed flush is refused, not acknowledged.
          if (!flushed) {
            failedFlushes++
            await expect(database.put('after', 'failure')).rejects.toMatchObject({ code: 'STRATA_READ_ONLY' })
          }
          if (crash === 'process') memory.crash()
          else memory.powerLoss()
          const reopened = await openOn(memory)
          await expectExactly(reopened, acknowledged)
          // Seqs continue after every recovered write: a new write wins over the old value.
          await reopened.put(key(7), 'rewritten')
          expect(await reopened.get(key(7))).toBe('rewritten')
          await reopened.close()
          const again = await openOn(memory)
          expect(await again.get(key(7))).toBe('rewritten')
          await again.close()
          cases++
        }
      }
    }
    expect(cases).toBeGreaterThan(10)
    expect(failedFlushes).toBeGreaterThan(cases / 4)
    console.log(
      `flush faults: ${cases} cases, ${failedFlushes} failed flushes, operations per flush ${JSON.stringify(counts)}`,
    )
  })
})

describe('write-path faults', () => {
  it('a failing WAL fsync rejects that write and every later one; earlier writes survive a power cut', async () => {
    const memory = new MemoryFileSystem()
    const faulty = new FaultyFileSystem(memory)
    const database = await openOn(faulty)
    const acknowledged = new Map<string, string>()
    for (let index = 0; index < 20; index++) {
      await database.put(key(index), value(index))
      acknowledged.set(key(index), value(index))
    }
    faulty.inject({ operation: 'fsync', path: /wal\.log$/ })
    const failed = await database.put('doomed', 'x').catch((error: unknown) => error)
    expect(failed).toMatchObject({ code: 'STRATA_IO' })
    await expect(database.put('later', 'y')).rejects.toMatchObject({ code: 'STRATA_READ_ONLY' })
    // Reads still work, and never show the failed write.
    expect(await database.get(key(3))).toBe(value(3))
    expect(await database.get('doomed')).toBeUndefined()
    expect(database.stats().readOnlyReason).toMatch(/EIO/)
    memory.powerLoss()
    const reopened = await openOn(memory)
    await expectExactly(reopened, acknowledged, new Set(['doomed']))
    await reopened.close()
  })

  it('concurrent writers sharing a failed group fsync are all rejected', async () => {
    const memory = new MemoryFileSystem()
    const faulty = new FaultyFileSystem(memory)
    const database = await openOn(faulty)
    await database.put('before', '1')
    faulty.inject({ operation: 'fsync', path: /wal\.log$/ })
    const results = await Promise.allSettled(
      Array.from({ length: 16 }, (_, index) => database.put(key(index), 'x')),
    )
    expect(results.every((result) => result.status === 'rejected')).toBe(true)
    memory.powerLoss()
    const reopened = await openOn(memory)
    expect(await reopened.get('before')).toBe('1')
    await reopened.close()
  })

  it('a full disk rejects writes with ENOSPC and loses nothing acknowledged', async () => {
    const memory = new MemoryFileSystem()
    const faulty = new FaultyFileSystem(memory)
    const database = await open<string, string>('/db', {
      fs: faulty,
      keyEncoding: 'utf8',
      valueEncoding: 'utf8',
      memtableBytes: 2048,
      autoCompaction: false,
    })
    // Room for the preallocated space of the WAL (16 KiB or more per new WAL file) and some writes.
    faulty.spaceLimitBytes = faulty.bytesWritten + 200_000
    const acknowledged = new Map<string, string>()
    let failure: unknown
    // Far more writes than fit (about 1,000 do): the disk fills whatever the memtable's size estimate.
    for (let index = 0; index < 5000 && failure === undefined; index++) {
      try {
        await database.put(key(index), value(index))
        acknowledged.set(key(index), value(index))
      } catch (error) {
        failure = error
      }
    }
    expect(failure).toMatchObject({ code: expect.stringMatching(/^STRATA_(IO|READ_ONLY)$/) })
    expect(acknowledged.size).toBeGreaterThan(10)
    memory.crash()
    const reopened = await openOn(memory)
    await expectExactly(reopened, acknowledged, new Set([...Array(5000).keys()].map(key)))
    await reopened.close()
  })
})

describe('damaged files', () => {
  it('reports a damaged manifest as corruption naming the file and offset', async () => {
    const memory = new MemoryFileSystem()
    const database = await openOn(memory)
    await database.put('a', '1')
    await database.flush()
    await database.close()
    const manifest = memory.readdirSync('/db').find((name) => name.startsWith('MANIFEST-'))!
    const data = memory.readFileSync(`/db/${manifest}`)
    data[10] = data[10]! ^ 0xff
    memory.writeFileSync(`/db/${manifest}`, data)
    const error = await openOn(memory).catch((caught: unknown) => caught)
    expect(error).toMatchObject({ code: 'STRATA_CORRUPTION', file: `/db/${manifest}` })
    expect((error as { offset: number }).offset).toBeGreaterThanOrEqual(0)
  })

  it('reports a table the manifest lists but the directory lost', async () => {
    const memory = new MemoryFileSystem()
    const database = await openOn(memory)
    await database.put('a', '1')
    await database.flush()
    await database.close()
    const table = memory.readdirSync('/db').find((name) => name.endsWith('.sst'))!
    memory.unlinkSync(`/db/${table}`)
    await expect(openOn(memory)).rejects.toMatchObject({
      code: 'STRATA_CORRUPTION',
      message: expect.stringMatching(/lists 1 table that is missing.*\.sst \(missing\)/),
    })
  })

  it('refuses a WAL damaged before its tail unless point-in-time recovery is asked for', async () => {
    const memory = new MemoryFileSystem()
    const database = await openOn(memory)
    for (let index = 0; index < 10; index++) await database.put(key(index), value(index))
    await database.close()
    const data = memory.readFileSync('/db/wal.log')
    const middle = Math.floor(data.length / 2)
    data[middle] = data[middle]! ^ 0x55
    memory.writeFileSync('/db/wal.log', data)
    await expect(openOn(memory)).rejects.toMatchObject({ code: 'STRATA_CORRUPTION' })
    const recovered = await Database.open<string, string>('/db', {
      fs: memory,
      keyEncoding: 'utf8',
      valueEncoding: 'utf8',
      walRecovery: 'point-in-time',
    })
    const entries = await recovered.iterator().all()
    expect(entries.length).toBeGreaterThan(0)
    expect(entries.length).toBeLessThan(10)
    for (const [k, v] of entries) expect(v).toBe(value(Number(k.slice(4))))
    await recovered.close()
  })
})
