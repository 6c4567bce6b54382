import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { MemoryFileSystem } from '@strata/base'
import { FaultyFileSystem } from '@strata/base/testing'
import { afterEach, describe, expect, it } from 'vitest'
import { entryFor, plain, random, seedFor, tempDirectory } from '../test/support.js'
import { WALEntry } from './entry.js'
import { HEADER_BYTES } from './format.js'
import { WALWriter } from './writer.js'

const bytes = (text: string) => new Uint8Array(Buffer.from(text))
const seqs = (entries: WALEntry[]) => entries.map((entry) => entry.seq)

const directories: Array<() => void> = []
afterEach(() => {
  for (const cleanup of directories.splice(0)) cleanup()
})
function tempPath(name = 'wal.log'): string {
  const directory = tempDirectory()
  directories.push(directory.cleanup)
  return join(directory.path, name)
}

describe('WALWriter on the real disk', () => {
  it('round-trips puts, deletes and batches with every field intact', () => {
    const path = tempPath()
    const writer = new WALWriter(path)
    const written = [
      WALEntry.put(1, bytes('alpha'), bytes('one'), 1_700_000_000_001),
      WALEntry.delete(2, bytes('alpha'), 1_700_000_000_002),
      WALEntry.put(3, new Uint8Array(0), new Uint8Array(0), 3),
    ]
    for (const entry of written) writer.append(entry)
    const batch = [WALEntry.put(4, bytes('b'), bytes('x'), 4), WALEntry.delete(5, bytes('c'), 5)]
    writer.appendBatch(batch)
    writer.close()

    const reopened = new WALWriter(path)
    const replayed = reopened.replay()
    expect(replayed.map(plain)).toEqual([...written, ...batch].map(plain))
    expect(replayed.map((entry) => entry.isTombstone)).toEqual([false, true, false, false, true])
    expect(reopened.lastSeq).toBe(5)
    expect(reopened.replayReport).toMatchObject({
      frames: 4,
      entries: 5,
      lastGoodSeq: 5,
      tornTail: undefined,
    })
    reopened.close()
  })

  it('creates missing parent directories and an empty log replays as []', () => {
    const path = join(tempPath('x'), '..', 'deep', 'er', 'wal.log')
    const writer = new WALWriter(path)
    expect(existsSync(path)).toBe(true)
    expect(writer.path).toBe(path)
    expect(writer.replay()).toEqual([])
    expect(writer.sizeBytes).toBe(HEADER_BYTES)
    writer.close()
  })

  it('replays [] when the file is missing and treats a 0-byte file as new', () => {
    const path = tempPath()
    const writer = new WALWriter(path)
    rmSync(path)
    expect(writer.replay()).toEqual([])
    writer.close()
    writeFileSync(path, new Uint8Array(0))
    const again = new WALWriter(path)
    again.append(entryFor(1))
    expect(seqs(again.replay())).toEqual([1])
    again.close()
  })

  it('throws a typed IOError with the path and the system cause when the file cannot be opened', () => {
    const path = tempPath()
    mkdirSync(path)
    expect(() => new WALWriter(path)).toThrow(
      expect.objectContaining({
        code: 'STRATA_IO',
        path,
        systemCode: 'EISDIR',
        message: expect.stringContaining(path),
      }),
    )
    const underFile = tempPath('plain-file')
    writeFileSync(underFile, 'x')
    expect(() => new WALWriter(join(underFile, 'wal.log'))).toThrow(
      expect.objectContaining({ code: 'STRATA_IO' }),
    )
  })

  it('refuses a file that is not a WAL without touching it, in every recovery mode', () => {
    const path = tempPath()
    writeFileSync(path, "this is somebody else's file")
    for (const recovery of ['tolerate-tail', 'point-in-time', 'strict'] as const) {
      const writer = new WALWriter(path, { recovery })
      expect(() => writer.replay()).toThrow(expect.objectContaining({ code: 'STRATA_CORRUPTION', offset: 0 }))
      expect(() => writer.append(entryFor(1))).toThrow(expect.objectContaining({ code: 'STRATA_CORRUPTION' }))
      writer.close()
    }
    expect(readFileSync(path, 'utf8')).toBe("this is somebody else's file")
  })
})

describe('WALWriter input checks', () => {
  const fs = () => new MemoryFileSystem()

  it('rejects bad entries with InvalidArgumentError naming the field, writing nothing', () => {
    const writer = new WALWriter('/db/wal.log', { fs: fs() })
    writer.append(entryFor(1))
    const cases: Array<[unknown, string, RegExp]> = [
      [null, 'entry', /must be a WALEntry/],
      [
        new WALEntry(2, 0, 1, 'key' as unknown as Uint8Array, bytes('v')),
        'entry.key',
        /Uint8Array or Buffer, got a string/,
      ],
      [new WALEntry(2, 0, 1, bytes('k'), 42 as unknown as Uint8Array), 'entry.value', /for a Put/],
      [new WALEntry(2, 0, 2, bytes('k'), bytes('v')), 'entry.value', /null for a Delete/],
      [
        new WALEntry(2, 0, 7 as 1, bytes('k'), bytes('v')),
        'entry.op',
        /Put \(1\), OpType.Delete \(2\) or OpType.RangeDelete \(3\), got 7/,
      ],
      [new WALEntry(-2, 0, 1, bytes('k'), bytes('v')), 'entry.seq', /non-negative safe integer, got -2/],
      [
        new WALEntry(2, Number.NaN, 1, bytes('k'), bytes('v')),
        'entry.timestampMs',
        /non-negative safe integer/,
      ],
      [entryFor(1), 'entry.seq', /greater than the last seq written \(1\), got 1/],
    ]
    for (const [entry, argument, message] of cases) {
      expect(() => writer.append(entry as WALEntry)).toThrow(
        expect.objectContaining({
          code: 'STRATA_INVALID_ARGUMENT',
          argument,
          message: expect.stringMatching(message),
        }),
      )
    }
    expect(() => writer.appendBatch([entryFor(3), entryFor(2)])).toThrow(
      expect.objectContaining({ argument: 'entries[1].seq' }),
    )
    expect(() => writer.truncateBefore(-1)).toThrow(expect.objectContaining({ argument: 'seq' }))
    expect(() => new WALWriter('/db/other.log', { fs: fs(), recovery: 'lenient' as 'strict' })).toThrow(
      expect.objectContaining({
        argument: 'options.recovery',
        message: expect.stringMatching(/'tolerate-tail'/),
      }),
    )
    expect(() => new WALWriter('', { fs: fs() })).toThrow(expect.objectContaining({ argument: 'path' }))
    expect(seqs(writer.replay())).toEqual([1])
    writer.append(entryFor(2))
    expect(seqs(writer.replay())).toEqual([1, 2])
  })

  it('is closed after close(): calls throw ClosedError, close() twice is fine', () => {
    const writer = new WALWriter('/db/wal.log', { fs: fs() })
    writer.close()
    writer.close()
    expect(() => writer.append(entryFor(1))).toThrow(expect.objectContaining({ code: 'STRATA_CLOSED' }))
    expect(() => writer.replay()).toThrow(expect.objectContaining({ code: 'STRATA_CLOSED' }))
    expect(() => writer.truncateBefore(1)).toThrow(expect.objectContaining({ code: 'STRATA_CLOSED' }))
  })

  it('close() never throws: a failed fsync is passed to onWarning', () => {
    const faulty = new FaultyFileSystem(new MemoryFileSystem())
    const warnings: unknown[] = []
    const writer = new WALWriter('/db/wal.log', {
      fs: faulty,
      onWarning: (message, error) => warnings.push(message, error),
    })
    faulty.inject({ operation: 'fsync' })
    expect(() => writer.close()).not.toThrow()
    expect(warnings[0]).toMatch(/fsync of WAL \/db\/wal.log failed/)
    expect(warnings[1]).toMatchObject({ code: 'EIO' })
  })

  it('poisons itself when fsync fails: that append and every later one throw WALPoisonedError', () => {
    const memory = new MemoryFileSystem()
    const faulty = new FaultyFileSystem(memory)
    const writer = new WALWriter('/db/wal.log', { fs: faulty })
    writer.append(entryFor(1))
    faulty.inject({ operation: 'fsync' })
    const failure = (() => {
      try {
        writer.append(entryFor(2))
      } catch (error) {
        return error
      }
    })()
    expect(failure).toMatchObject({ name: 'WALPoisonedError', code: 'STRATA_IO', cause: { code: 'EIO' } })
    expect(() => writer.append(entryFor(3))).toThrow(failure as Error)
    memory.powerLoss()
    expect(seqs(new WALWriter('/db/wal.log', { fs: memory }).replay())).toEqual([1])
  })
})

describe('WALWriter.truncateBefore', () => {
  it('removes entries at or below seq, keeps the rest, and survives a power cut', () => {
    const memory = new MemoryFileSystem()
    const writer = new WALWriter('/db/wal.log', { fs: memory })
    for (let seq = 1; seq <= 10; seq++) writer.append(entryFor(seq))
    const before = writer.sizeBytes
    writer.truncateBefore(4)
    expect(seqs(writer.replay())).toEqual([5, 6, 7, 8, 9, 10])
    expect(writer.sizeBytes).toBeLessThan(before)
    writer.append(entryFor(11))
    memory.powerLoss()
    const reopened = new WALWriter('/db/wal.log', { fs: memory })
    expect(reopened.replay().map(plain)).toEqual([5, 6, 7, 8, 9, 10, 11].map((seq) => plain(entryFor(seq))))
    expect(memory.readdirSync('/db')).toEqual(['wal.log'])
  })

  it('is a no-op below the first seq, empties the log above the last, and keeps seqs increasing', () => {
    const writer = new WALWriter('/db/wal.log', { fs: new MemoryFileSystem() })
    for (let seq = 10; seq <= 12; seq++) writer.append(entryFor(seq))
    const size = writer.sizeBytes
    writer.truncateBefore(9)
    expect(writer.sizeBytes).toBe(size)
    writer.truncateBefore(100)
    expect(writer.replay()).toEqual([])
    expect(writer.sizeBytes).toBe(HEADER_BYTES)
    expect(() => writer.append(entryFor(12))).toThrow(expect.objectContaining({ argument: 'entry.seq' }))
    writer.append(entryFor(13))
    expect(seqs(writer.replay())).toEqual([13])
  })

  it('rewrites a batch that straddles seq with only its kept entries, still atomic', () => {
    const writer = new WALWriter('/db/wal.log', { fs: new MemoryFileSystem() })
    writer.append(entryFor(1))
    writer.appendBatch([entryFor(2), entryFor(3), entryFor(4)])
    writer.append(entryFor(5))
    writer.truncateBefore(2)
    expect(writer.replay().map(plain)).toEqual([3, 4, 5].map((seq) => plain(entryFor(seq))))
    expect(writer.replayReport.frames).toBe(2)
  })

  it('cuts exactly at random points of a log spanning many checkpoints', () => {
    const rng = random(seedFor('truncate at random points'))
    const memory = new MemoryFileSystem()
    const writer = new WALWriter('/db/wal.log', { fs: memory })
    let seq = 0
    let floor = 0
    for (let round = 0; round < 8; round++) {
      const count = 200 + Math.floor(rng() * 800)
      for (let index = 0; index < count; index++) {
        if (rng() < 0.1) {
          const size = 1 + Math.floor(rng() * 6)
          writer.appendBatch(Array.from({ length: size }, () => entryFor(++seq, 150)))
        } else writer.append(entryFor(++seq, 150))
      }
      floor = Math.max(floor, floor + Math.floor(rng() * (seq - floor)))
      writer.truncateBefore(floor)
      const expected = Array.from({ length: seq - floor }, (_, index) => floor + 1 + index)
      expect(seqs(writer.replay())).toEqual(expected)
    }
    writer.close()
    expect(seqs(new WALWriter('/db/wal.log', { fs: memory }).replay())).toEqual(
      Array.from({ length: seq - floor }, (_, index) => floor + 1 + index),
    )
  })

  it('leaves the log intact when writing the new file fails', () => {
    const faulty = new FaultyFileSystem(new MemoryFileSystem())
    const writer = new WALWriter('/db/wal.log', { fs: faulty })
    for (let seq = 1; seq <= 5; seq++) writer.append(entryFor(seq))
    faulty.inject({ operation: 'write', path: /\.tmp$/, code: 'ENOSPC' })
    expect(() => writer.truncateBefore(2)).toThrow(
      expect.objectContaining({ code: 'STRATA_IO', systemCode: 'ENOSPC' }),
    )
    expect(seqs(writer.replay())).toEqual([1, 2, 3, 4, 5])
    writer.append(entryFor(6))
    writer.truncateBefore(2)
    expect(seqs(writer.replay())).toEqual([3, 4, 5, 6])
  })
})
