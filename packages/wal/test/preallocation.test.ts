/**
 * Format 3's preallocated space and salt: synced appends write into space written ahead of them
 * (the file grows in chunks, not per append), close gives the space back, and bytes after the
 * last frame that belong to another file or generation (another salt) never read as frames.
 */
import { MemoryFileSystem } from '@strata/base'
import { FaultyFileSystem } from '@strata/base/testing'
import { describe, expect, it } from 'vitest'
import {
  MAX_PREALLOCATION_BYTES,
  type RecoveryMode,
  WALCorruptError,
  WALManager,
  WALWriter,
} from '../src/index.js'
import { encodeEntryPayload } from '../src/payload.js'
import { entryFor, frameLike, plain, saltOf } from './support.js'

const seqs = (entries: { seq: number }[]) => entries.map((entry) => entry.seq)

/** A closed log of `from..to` (100-byte values) and the end offset of each frame. */
function closedLog(from: number, to: number): { bytes: Buffer; ends: number[] } {
  const fs = new MemoryFileSystem()
  const writer = new WALWriter('/wal.log', { fs })
  const ends: number[] = []
  for (let seq = from; seq <= to; seq++) {
    writer.append(entryFor(seq, 100))
    ends.push(writer.sizeBytes)
  }
  writer.close()
  return { bytes: Buffer.from(fs.readFileSync('/wal.log')), ends }
}

describe('preallocated space', () => {
  it('is written ahead of the frames: synced appends change the file size only per chunk', () => {
    const fs = new MemoryFileSystem()
    const writer = new WALWriter('/wal.log', { fs })
    const sizes = new Set<number>()
    for (let seq = 1; seq <= 400; seq++) {
      writer.append(entryFor(seq, 1000))
      const fileBytes = fs.statSync('/wal.log')!.size
      expect(fileBytes).toBe(writer.fileBytes)
      expect(fileBytes).toBeGreaterThan(writer.sizeBytes)
      expect(fileBytes - writer.sizeBytes).toBeLessThanOrEqual(MAX_PREALLOCATION_BYTES)
      sizes.add(fileBytes)
    }
    // ~330 KB of frames: 16 KiB, then doubling — a handful of sizes, not one per append.
    expect(writer.sizeBytes).toBeGreaterThan(300_000)
    expect(sizes.size).toBeLessThanOrEqual(7)
    writer.close()
    // Close gives the space back: the file ends with its last frame.
    const closed = fs.readFileSync('/wal.log')
    const reopened = new WALWriter('/wal.log', { fs, recovery: 'strict' })
    expect(closed.length).toBe(reopened.sizeBytes)
    expect(seqs(reopened.replay())).toEqual(Array.from({ length: 400 }, (_, index) => index + 1))
  })

  it('is not written for a log that has only seen unsynced appends, and is from its first synced one', async () => {
    const memory = new MemoryFileSystem()
    const manager = WALManager.open('/wal.log', { fs: memory })
    for (let seq = 1; seq <= 200; seq++) await manager.append(entryFor(seq, 1000), { sync: false })
    // Unsynced appends gain nothing from preallocated space: the file ends with the last frame.
    expect(memory.statSync('/wal.log')!.size).toBe(manager.sizeBytes)
    await manager.append(entryFor(201, 1000), { sync: true })
    expect(memory.statSync('/wal.log')!.size).toBeGreaterThan(manager.sizeBytes)
    await manager.close()
    const reopened = new WALWriter('/wal.log', { fs: memory, recovery: 'strict' })
    expect(seqs(reopened.replay())).toEqual(Array.from({ length: 201 }, (_, index) => index + 1))
  })

  it('is kept by a writer that opens a file a crash left with zeros after its last frame', async () => {
    const memory = new MemoryFileSystem()
    const manager = WALManager.open('/wal.log', { fs: memory })
    for (let seq = 1; seq <= 20; seq++) await manager.append(entryFor(seq))
    const fileBytes = manager.fileBytes
    expect(fileBytes).toBeGreaterThan(manager.sizeBytes)
    memory.crash()
    const reopened = WALManager.open('/wal.log', { fs: memory, recovery: 'strict' })
    expect(seqs(reopened.replay())).toEqual(Array.from({ length: 20 }, (_, index) => index + 1))
    expect(reopened.replayReport).toMatchObject({ fileBytes, tornTail: undefined })
    await reopened.append(entryFor(21))
    expect(memory.readFileSync('/wal.log').length).toBe(fileBytes)
    await reopened.close()
  })
})

describe('stale frames of an earlier generation after the last frame', () => {
  // A file reused for a newer log: its start overwritten by the new header and frames, the rest
  // still holding the old log's frames (another salt).
  const old = closedLog(1, 60)
  const fresh = closedLog(101, 103)

  it.each(['tolerate-tail', 'point-in-time'] as RecoveryMode[])(
    'are never read: replay returns exactly the new frames, wherever the old ones start (%s)',
    (recovery) => {
      expect(saltOf(old.bytes)).not.toBe(saltOf(fresh.bytes))
      const boundary = old.ends.find((end) => end > fresh.bytes.length)!
      const fs = new MemoryFileSystem()
      // The new log ending mid-way through an old frame, and exactly where an old frame starts
      // (seqs below the new ones there: a reader taking it as a frame would fail on them).
      const splices = [
        Buffer.concat([fresh.bytes, old.bytes.subarray(fresh.bytes.length)]),
        Buffer.concat([fresh.bytes, old.bytes.subarray(boundary)]),
        Buffer.concat([fresh.bytes, Buffer.alloc(100), old.bytes.subarray(boundary)]),
      ]
      for (const spliced of splices) {
        fs.writeFileSync('/wal.log', spliced)
        const writer = new WALWriter('/wal.log', { fs, recovery })
        expect(writer.replay().map(plain)).toEqual([101, 102, 103].map((seq) => plain(entryFor(seq, 100))))
        expect(writer.replayReport.validBytes).toBe(fresh.bytes.length)
        // Dropped before the next write; what follows reads back.
        writer.append(entryFor(104, 100))
        writer.close()
        const reopened = new WALWriter('/wal.log', { fs, recovery: 'strict' })
        expect(seqs(reopened.replay())).toEqual([101, 102, 103, 104])
        reopened.close()
      }
    },
  )

  it('but a frame of this file after them is damage', () => {
    const fs = new MemoryFileSystem()
    const late = frameLike(fresh.bytes, encodeEntryPayload(entryFor(110, 100)))
    fs.writeFileSync(
      '/wal.log',
      Buffer.concat([fresh.bytes, old.bytes.subarray(fresh.bytes.length, 600), late]),
    )
    expect(() => new WALWriter('/wal.log', { fs }).replay()).toThrow(WALCorruptError)
  })
})

describe('a failure to write preallocated space', () => {
  it('leaves the append to succeed without it (a warning), and no more is tried', () => {
    const memory = new MemoryFileSystem()
    const faulty = new FaultyFileSystem(memory)
    const warnings: string[] = []
    const writer = new WALWriter('/wal.log', { fs: faulty, onWarning: (message) => warnings.push(message) })
    // The next write to the file is the zeros ahead of the first frame.
    faulty.inject({ operation: 'write', path: /wal\.log$/ })
    writer.append(entryFor(1))
    expect(warnings).toEqual([expect.stringMatching(/preallocating space in WAL \/wal\.log failed/)])
    for (let seq = 2; seq <= 50; seq++) writer.append(entryFor(seq, 1000))
    // Every append grew the file by its frame: no zeros after the last frame.
    expect(writer.fileBytes).toBe(writer.sizeBytes)
    expect(memory.statSync('/wal.log')!.size).toBe(writer.sizeBytes)
    expect(warnings).toHaveLength(1)
    writer.close()
    const reopened = new WALWriter('/wal.log', { fs: memory, recovery: 'strict' })
    expect(seqs(reopened.replay())).toEqual(Array.from({ length: 50 }, (_, index) => index + 1))
  })
})
