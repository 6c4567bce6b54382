/**
 * Recovery modes against damage in the middle of the log (not a torn tail).
 */
import { MemoryFileSystem } from '@strata/base'
import { describe, expect, it } from 'vitest'
import { WALManager, WALWriter } from '../src/index.js'
import { encodeEntryPayload } from '../src/payload.js'
import { entryFor, frameLike } from './support.js'

const seqs = (entries: { seq: number }[]) => entries.map((entry) => entry.seq)

function damagedLog(): { fs: MemoryFileSystem; damageAt: number; size: number } {
  const fs = new MemoryFileSystem()
  const writer = new WALWriter('/wal.log', { fs })
  for (let seq = 1; seq <= 3; seq++) writer.append(entryFor(seq))
  const damageAt = writer.sizeBytes
  for (let seq = 4; seq <= 6; seq++) writer.append(entryFor(seq))
  const size = writer.sizeBytes
  writer.close()
  const bytes = Buffer.from(fs.readFileSync('/wal.log'))
  // A payload byte of the frame of seq 4 (after its length and salt).
  bytes[damageAt + 10]! ^= 0xff
  fs.writeFileSync('/wal.log', bytes)
  return { fs, damageAt, size }
}

describe('damage in the middle of the log', () => {
  it('is a WALCorruptError with file, offset and last good seq under tolerate-tail and strict', () => {
    for (const recovery of ['tolerate-tail', 'strict'] as const) {
      const { fs, damageAt } = damagedLog()
      const writer = new WALWriter('/wal.log', { fs, recovery })
      expect(() => writer.replay()).toThrow(
        expect.objectContaining({
          name: 'WALCorruptError',
          code: 'STRATA_CORRUPTION',
          file: '/wal.log',
          path: '/wal.log',
          offset: damageAt,
          lastGoodSeq: 3,
          reason: 'checksum mismatch',
          message: expect.stringMatching(/point-in-time/),
        }),
      )
      expect(writer.replayReport.error).toMatchObject({ offset: damageAt })
      // Nothing can be appended after damage the mode refuses, and the file is left as it was.
      expect(() => writer.append(entryFor(7))).toThrow(expect.objectContaining({ code: 'STRATA_CORRUPTION' }))
      writer.close()
    }
  })

  it('stops replay under point-in-time, reports where, and drops the rest before new appends', async () => {
    const { fs, damageAt, size } = damagedLog()
    const manager = WALManager.open('/wal.log', { fs, recovery: 'point-in-time' })
    expect(seqs(manager.replay())).toEqual([1, 2, 3])
    expect(manager.replayReport.stoppedAt).toMatchObject({ offset: damageAt, bytes: size - damageAt })
    expect(manager.replayReport.lastGoodSeq).toBe(3)
    expect(manager.lastSeq).toBe(3)
    await manager.append(entryFor(4))
    await manager.close()
    const reopened = new WALWriter('/wal.log', { fs, recovery: 'strict' })
    expect(seqs(reopened.replay())).toEqual([1, 2, 3, 4])
  })

  it('refuses seqs going backwards in the file as damage', () => {
    const fs = new MemoryFileSystem()
    const first = new WALWriter('/a.log', { fs })
    first.append(entryFor(5))
    first.close()
    const a = fs.readFileSync('/a.log')
    // A frame of this file (its salt) holding a lower seq.
    fs.writeFileSync('/c.log', Buffer.concat([a, frameLike(a, encodeEntryPayload(entryFor(2)))]))
    expect(() => new WALWriter('/c.log', { fs }).replay()).toThrow(
      expect.objectContaining({ offset: a.length, reason: expect.stringMatching(/seq 2 follows seq 5/) }),
    )
  })
})
