/**
 * The manifest's record of the WAL, end to end (issue #14, findings 5, 7, 8): a WAL that is
 * missing, shortened after a clean close, or that continues past a manifest whose last edit was
 * cut off is STRATA_CORRUPTION naming the seqs, and nothing is deleted; a disk that fills with
 * many writes in flight leaves no rejected write behind.
 */
import { MemoryFileSystem } from '@strata/base'
import { FaultyFileSystem } from '@strata/base/testing'
import { CLAIM_INTERVAL_MS } from '@strata/wal'
import { describe, expect, it } from 'vitest'
import { open } from '../src/index.js'

const options = { keyEncoding: 'utf8', valueEncoding: 'utf8', autoCompaction: false } as const
const key = (index: number) => `key-${String(index).padStart(4, '0')}`

async function filled(memory: MemoryFileSystem, flushedWrites: number, walWrites: number) {
  const database = await open<string, string>('/db', { ...options, fs: memory })
  for (let index = 0; index < flushedWrites; index++) await database.put(key(index), `old-${index}`)
  await database.flush()
  for (let index = 0; index < walWrites; index++) await database.put(key(index), `new-${index}`)
  return database
}

const listing = (memory: MemoryFileSystem) => memory.readdirSync('/db').sort()

describe('a missing or shortened WAL', () => {
  it('deleted after a clean close: corruption naming the seqs, suggesting repair', async () => {
    const memory = new MemoryFileSystem()
    await (await filled(memory, 50, 20)).close()
    memory.unlinkSync('/db/wal.log')
    const before = listing(memory)
    await expect(open('/db', { ...options, fs: memory })).rejects.toMatchObject({
      code: 'STRATA_CORRUPTION',
      message: expect.stringMatching(/WAL is missing: seqs 51\.\.70 may be lost.*strata repair/),
    })
    expect(listing(memory)).toEqual(before)
  })

  it('cut at a frame boundary after a clean close (looks like a clean end): corruption', async () => {
    const memory = new MemoryFileSystem()
    await (await filled(memory, 50, 20)).close()
    const bytes = memory.readFileSync('/db/wal.log')
    // Drop the last frame exactly: the header still says seq 70 was synced.
    const database = await open<string, string>('/db', { ...options, fs: memory })
    await database.close()
    const frameBytes = (bytes.length - 20) / 20
    memory.writeFileSync('/db/wal.log', bytes.subarray(0, bytes.length - Math.round(frameBytes)))
    await expect(open('/db', { ...options, fs: memory })).rejects.toMatchObject({
      code: 'STRATA_CORRUPTION',
      message: expect.stringMatching(/seq 70|seqs 70/),
    })
  })

  it('cut in the middle after a crash: corruption, not a torn tail', async () => {
    const memory = new MemoryFileSystem()
    const database = await filled(memory, 50, 20)
    await new Promise((resolve) => setTimeout(resolve, CLAIM_INTERVAL_MS + 20))
    // The log's length, not the file's (which has preallocated space after the last frame).
    const logBytes = database.stats().walBytes
    memory.crash()
    const bytes = memory.readFileSync('/db/wal.log')
    expect(bytes.length).toBeGreaterThan(logBytes)
    memory.writeFileSync('/db/wal.log', bytes.subarray(0, Math.floor(logBytes / 2)))
    memory.unlinkSync('/db/LOCK')
    await expect(open('/db', { ...options, fs: memory })).rejects.toMatchObject({ code: 'STRATA_CORRUPTION' })
  })
})

describe('a manifest whose last edit was cut off (finding 5)', () => {
  it('while the WAL starts past its flushedSeq + 1: corruption naming the seqs; nothing deleted', async () => {
    const memory = new MemoryFileSystem()
    const database = await filled(memory, 40, 0)
    for (let index = 40; index < 60; index++) await database.put(key(index), `second-${index}`)
    await database.flush() // edit 2: flushedSeq 60; the WAL is truncated before 60
    for (let index = 60; index < 70; index++) await database.put(key(index), `wal-${index}`)
    memory.crash()
    memory.unlinkSync('/db/LOCK')
    const manifestName = memory.readdirSync('/db').find((name) => name.startsWith('MANIFEST-'))!
    const manifest = memory.readFileSync(`/db/${manifestName}`)
    // Cut into the last edit (the second flush): it reads as a torn tail and is dropped.
    memory.writeFileSync(`/db/${manifestName}`, manifest.subarray(0, manifest.length - 5))
    const before = listing(memory)
    await expect(open('/db', { ...options, fs: memory })).rejects.toMatchObject({
      code: 'STRATA_CORRUPTION',
      message: expect.stringMatching(
        /everything up to seq 40 .* continues at seq 61: seqs 41\.\.60 are missing/,
      ),
    })
    // The flushed table of the lost edit is still there (not deleted as an orphan).
    expect(listing(memory)).toEqual(before)
  })
})

describe('a full disk with many writes in flight (finding 7)', () => {
  it('leaves every acknowledged write and no rejected one after reopen', async () => {
    // The first append preallocates 16 KiB of WAL space: the disk fills after it, in three places.
    for (const limit of [18_000, 22_000, 27_000]) {
      const memory = new MemoryFileSystem()
      const faulty = new FaultyFileSystem(memory)
      const database = await open<string, string>('/db', { ...options, fs: faulty })
      faulty.spaceLimitBytes = faulty.bytesWritten + limit
      const acknowledged = new Set<string>()
      const rejected: { key: string; error: { code?: string; outcome?: string; message?: string } }[] = []
      // 8 writers, each with its next write in flight as soon as the last one settles: groups
      // of several frames share each WAL write and fsync until the disk is full.
      await Promise.all(
        Array.from({ length: 8 }, async (_, writer) => {
          for (let round = 0; round < 60; round++) {
            const index = round * 8 + writer
            try {
              await database.put(key(index), `value-${index}-${'x'.repeat(index % 50)}`, {
                sync: index % 4 !== 0,
              })
              acknowledged.add(key(index))
            } catch (error) {
              rejected.push({ key: key(index), error: error as never })
            }
          }
        }),
      )
      expect(rejected.length).toBeGreaterThan(0)
      expect(acknowledged.size).toBeGreaterThan(0)
      for (const { error } of rejected) {
        expect(error.code).toMatch(/^STRATA_(IO|READ_ONLY)$/)
        expect(error.outcome).not.toBe('unknown')
      }
      await database.close()
      const reopened = await open<string, string>('/db', { ...options, fs: memory })
      const present = new Set((await reopened.iterator().all()).map(([k]) => k))
      for (const k of acknowledged) expect(present.has(k), `acknowledged ${k}`).toBe(true)
      for (const { key: k } of rejected) expect(present.has(k), `rejected ${k} came back`).toBe(false)
      await reopened.close()
    }
  })
})

describe('errors that ask for repair', () => {
  it('a WAL cut below its header synced seq names the seqs and suggests repair', async () => {
    const memory = new MemoryFileSystem()
    await (await filled(memory, 10, 10)).close()
    const bytes = memory.readFileSync('/db/wal.log')
    memory.writeFileSync('/db/wal.log', bytes.subarray(0, bytes.length - 10))
    await expect(open('/db', { ...options, fs: memory })).rejects.toMatchObject({
      code: 'STRATA_CORRUPTION',
      message: expect.stringMatching(/seqs? (20|\d+\.\.20).*repair\(dir\).*strata repair \/db/s),
    })
  })
})

describe('a rejected write whose cut-back fails', () => {
  it('says its outcome is unknown, never that it was not made durable', async () => {
    const memory = new MemoryFileSystem()
    const faulty = new FaultyFileSystem(memory)
    const database = await open<string, string>('/db', { ...options, fs: faulty })
    await database.put('before', '1')
    faulty.inject({ operation: 'fsync', path: /wal\.log$/ })
    faulty.inject({ operation: 'ftruncate', path: /wal\.log$/ })
    const error = await database.put('doomed', 'x').catch((caught: unknown) => caught)
    expect(error).toMatchObject({ code: 'STRATA_IO', outcome: 'unknown' })
    expect((error as Error).message).toMatch(
      /outcome is unknown|whether this append is in the log is unknown/,
    )
    expect((error as Error).message).not.toMatch(/not made durable/)
    await database.close()
  })
})
