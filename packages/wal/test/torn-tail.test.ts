/**
 * A torn tail cut at every byte offset of the last frame (a single entry, then an atomic batch),
 * under each recovery mode, on the in-memory file system and on the real disk.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { crc32c, type FileSystem, MemoryFileSystem, nodeFileSystem } from '@strata/base'
import { afterAll, describe, expect, it } from 'vitest'
import { V2_HEADER_BYTES } from '../src/format.js'
import { encodeFrame, HEADER_BYTES, WALWriter } from '../src/index.js'
import { encodeBatchPayload, encodeEntryPayload } from '../src/payload.js'
import { entryFor, frameLike, plain, tempDirectory } from './support.js'

const seqs = (entries: { seq: number }[]) => entries.map((entry) => entry.seq)

function buildLog(lastIsBatch: boolean): { bytes: Buffer; lastFrameStart: number } {
  const path = '/wal.log'
  const memory = new MemoryFileSystem()
  const writer = new WALWriter(path, { fs: memory })
  for (let seq = 1; seq <= 3; seq++) writer.append(entryFor(seq))
  const lastFrameStart = writer.sizeBytes
  writer.close()
  // The last frame as a crash mid-append leaves it: written, never fsynced, so the header's
  // synced seq is still 3 (a synced frame cut short is damage, tested in recovery.test.ts).
  const file = memory.readFileSync(path)
  const last = lastIsBatch
    ? frameLike(file, encodeBatchPayload([entryFor(4), entryFor(5), entryFor(6)]))
    : frameLike(file, encodeEntryPayload(entryFor(4)))
  return { bytes: Buffer.concat([file, last]), lastFrameStart }
}

function writeFile(fs: FileSystem, path: string, bytes: Uint8Array): void {
  if (fs instanceof MemoryFileSystem) fs.writeFileSync(path, bytes)
  else writeFileSync(path, bytes)
}

const disk = tempDirectory()
afterAll(() => disk.cleanup())

describe.each([
  ['a single entry', false],
  ['an atomic batch', true],
])('a torn final frame holding %s', (_, lastIsBatch) => {
  const { bytes, lastFrameStart } = buildLog(lastIsBatch)
  const before = [1, 2, 3]

  it.each([
    ['in memory', new MemoryFileSystem() as FileSystem, '/db/wal.log'],
    ['on the real disk', nodeFileSystem, join(disk.path, `wal-${lastIsBatch}.log`)],
  ])('is dropped and reported at every cut, then cut back before new appends (%s)', (_, fs, path) => {
    for (let cut = lastFrameStart + 1; cut < bytes.length; cut++) {
      if (fs instanceof MemoryFileSystem) fs.mkdirSync('/db')
      writeFile(fs, path, bytes.subarray(0, cut))
      const writer = new WALWriter(path, { fs })
      expect(seqs(writer.replay())).toEqual(before)
      expect(writer.replayReport.tornTail).toMatchObject({
        offset: lastFrameStart,
        bytes: cut - lastFrameStart,
      })
      expect(writer.replayReport).toMatchObject({ validBytes: lastFrameStart, lastGoodSeq: 3, entries: 3 })
      writer.append(entryFor(10))
      writer.close()
      const reopened = new WALWriter(path, { fs })
      expect(reopened.replay().map(plain)).toEqual([1, 2, 3, 10].map((seq) => plain(entryFor(seq))))
      expect(reopened.replayReport.tornTail).toBeUndefined()
      reopened.close()
    }
  })

  it('stops there under point-in-time and is an error under strict, at every cut', () => {
    const fs = new MemoryFileSystem()
    for (let cut = lastFrameStart + 1; cut < bytes.length; cut++) {
      fs.writeFileSync('/wal.log', bytes.subarray(0, cut))
      const pointInTime = new WALWriter('/wal.log', { fs, recovery: 'point-in-time' })
      expect(seqs(pointInTime.replay())).toEqual(before)
      pointInTime.close()
      const strict = new WALWriter('/wal.log', { fs, recovery: 'strict' })
      expect(() => strict.replay()).toThrow(
        expect.objectContaining({ name: 'WALCorruptError', offset: lastFrameStart, lastGoodSeq: 3 }),
      )
      expect(() => strict.append(entryFor(10))).toThrow(
        expect.objectContaining({ code: 'STRATA_CORRUPTION' }),
      )
      strict.close()
    }
  })

  it('replays every entry when the cut falls exactly after the last frame', () => {
    const fs = new MemoryFileSystem()
    fs.writeFileSync('/wal.log', bytes)
    const writer = new WALWriter('/wal.log', { fs, recovery: 'strict' })
    expect(seqs(writer.replay())).toEqual(lastIsBatch ? [1, 2, 3, 4, 5, 6] : [1, 2, 3, 4])
  })
})

describe('a torn file header', () => {
  it('is a torn tail: the log is empty and starts over cleanly', () => {
    const fs = new MemoryFileSystem()
    new WALWriter('/fresh.log', { fs }).close()
    const header = Buffer.from(fs.readFileSync('/fresh.log'))
    expect(header.length).toBe(HEADER_BYTES)
    for (let cut = 1; cut < HEADER_BYTES; cut++) {
      fs.writeFileSync('/wal.log', header.subarray(0, cut))
      const writer = new WALWriter('/wal.log', { fs })
      expect(writer.replay()).toEqual([])
      expect(writer.replayReport.tornTail).toMatchObject({ offset: 0, bytes: cut })
      writer.append(entryFor(1))
      writer.close()
      expect(seqs(new WALWriter('/wal.log', { fs, recovery: 'strict' }).replay())).toEqual([1])
    }
  })
})

/** `buildLog`'s frames in a format-2 file (20-byte header, plain frames). */
function buildFormat2Log(): Buffer {
  const { bytes } = buildLog(false)
  const header = Buffer.from('5357414c020000000300000000000000', 'hex')
  const withChecksum = Buffer.concat([header, Buffer.alloc(4)])
  withChecksum.writeUInt32LE(crc32c(header), 16)
  const frames = [1, 2, 3, 4].map((seq) => encodeFrame(encodeEntryPayload(entryFor(seq))))
  expect(bytes.length).toBeGreaterThan(V2_HEADER_BYTES)
  return Buffer.concat([withChecksum, ...frames])
}

describe('zeros after the last frame of a format-3 file (preallocated space)', () => {
  it('end the log cleanly, even under strict, and are kept for the next appends', () => {
    const { bytes } = buildLog(false)
    const fs = new MemoryFileSystem()
    fs.writeFileSync('/wal.log', Buffer.concat([bytes, Buffer.alloc(4096)]))
    const writer = new WALWriter('/wal.log', { fs, recovery: 'strict' })
    expect(seqs(writer.replay())).toEqual([1, 2, 3, 4])
    expect(writer.replayReport).toMatchObject({ tornTail: undefined, validBytes: bytes.length })
    expect(writer.replayReport.fileBytes).toBe(bytes.length + 4096)
    writer.append(entryFor(7))
    // Written over the zeros: the file did not grow.
    expect(fs.readFileSync('/wal.log').length).toBe(bytes.length + 4096)
    writer.close()
    expect(seqs(new WALWriter('/wal.log', { fs, recovery: 'strict' }).replay())).toEqual([1, 2, 3, 4, 7])
  })

  it('but a frame of the file after them is damage', () => {
    const { bytes } = buildLog(false)
    const fs = new MemoryFileSystem()
    const late = frameLike(bytes, encodeEntryPayload(entryFor(9)))
    fs.writeFileSync('/wal.log', Buffer.concat([bytes, Buffer.alloc(64), late]))
    expect(() => new WALWriter('/wal.log', { fs }).replay()).toThrow(
      expect.objectContaining({ offset: bytes.length, lastGoodSeq: 4 }),
    )
  })
})

describe('zeros after the last frame of a format-2 file (a power cut after the file grew)', () => {
  it('are a torn tail, not damage', () => {
    const bytes = buildFormat2Log()
    const fs = new MemoryFileSystem()
    fs.writeFileSync('/wal.log', Buffer.concat([bytes, Buffer.alloc(4096)]))
    const writer = new WALWriter('/wal.log', { fs })
    expect(seqs(writer.replay())).toEqual([1, 2, 3, 4])
    expect(writer.replayReport.tornTail).toMatchObject({ offset: bytes.length, bytes: 4096 })
  })

  it('but a frame after them is damage', () => {
    const bytes = buildFormat2Log()
    const fs = new MemoryFileSystem()
    const late = encodeFrame(encodeEntryPayload(entryFor(9)))
    fs.writeFileSync('/wal.log', Buffer.concat([bytes, Buffer.alloc(64), late]))
    expect(() => new WALWriter('/wal.log', { fs }).replay()).toThrow(
      expect.objectContaining({ offset: bytes.length, lastGoodSeq: 4 }),
    )
  })
})
