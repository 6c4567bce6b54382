/**
 * fixtures/format-2/wal.log was written by the last build of format 2 (puts, deletes, an atomic
 * batch with a range delete, an empty key and value, a truncateBefore, then more appends);
 * expected.json lists what it holds. Every build reads it back in full, and its first write
 * rewrites it as format 3 without losing or changing an entry.
 */
import { readFileSync } from 'node:fs'
import { crc32c, MemoryFileSystem } from '@strata/base'
import { describe, expect, it } from 'vitest'
import { type OpType, V2_HEADER_BYTES, WALEntry, WALManager, WALWriter } from '../src/index.js'
import { plain } from './support.js'

const fixture = new URL('./fixtures/format-2/', import.meta.url)
const file = readFileSync(new URL('wal.log', fixture))
const expected: {
  syncedSeq: number
  entries: Array<{ seq: number; timestampMs: number; op: OpType; key: string; value: string | null }>
} = JSON.parse(readFileSync(new URL('expected.json', fixture), 'utf8'))
const expectedEntries = expected.entries.map((entry) =>
  plain(
    new WALEntry(
      entry.seq,
      entry.timestampMs,
      entry.op,
      Buffer.from(entry.key, 'hex'),
      entry.value === null ? null : Buffer.from(entry.value, 'hex'),
    ),
  ),
)

function copied(): MemoryFileSystem {
  const fs = new MemoryFileSystem()
  fs.writeFileSync('/wal.log', file)
  return fs
}

describe('a WAL written by the format-2 build', () => {
  it('is format 2 on disk: the 20-byte header of docs/format.md', () => {
    const header = Buffer.from('5357414c020000000000000000000000', 'hex')
    expect(crc32c(header).toString(16)).toBe('e8c1b271')
    expect(file.subarray(0, 8).toString('hex')).toBe('5357414c02000000')
    expect(Number(file.readBigUInt64LE(8))).toBe(expected.syncedSeq)
    expect(file.readUInt32LE(16)).toBe(crc32c(file.subarray(0, 16)))
  })

  it('is read back in full under every recovery mode', () => {
    for (const recovery of ['strict', 'tolerate-tail', 'point-in-time'] as const) {
      const writer = new WALWriter('/wal.log', { fs: copied(), recovery })
      expect(writer.replay().map(plain)).toEqual(expectedEntries)
      expect(writer.replayReport).toMatchObject({
        formatVersion: 2,
        syncedSeq: expected.syncedSeq,
        validBytes: file.length,
        tornTail: undefined,
      })
      writer.close()
    }
  })

  it('becomes format 3 at its first append, keeping every entry and its synced seq', async () => {
    const fs = copied()
    const manager = WALManager.open('/wal.log', { fs })
    manager.replay()
    const next = new WALEntry(51, 1732406800000, 1, Buffer.from('after'), Buffer.from('conversion'))
    await manager.append(next)
    await manager.close()
    const converted = Buffer.from(fs.readFileSync('/wal.log'))
    expect(converted.readUInt32LE(4)).toBe(3)
    // Each frame is 4 bytes longer (the salt), the header too.
    expect(converted.length).toBeGreaterThan(file.length + 24 - V2_HEADER_BYTES)
    const reopened = new WALWriter('/wal.log', { fs, recovery: 'strict' })
    expect(reopened.replay().map(plain)).toEqual([...expectedEntries, plain(next)])
    expect(reopened.replayReport).toMatchObject({ formatVersion: 3, syncedSeq: 51 })
    reopened.close()
  })

  it('is truncated (and becomes format 3) by truncateBefore before any append', async () => {
    const fs = copied()
    const manager = WALManager.open('/wal.log', { fs })
    manager.replay()
    await manager.truncateBefore(30)
    await manager.close()
    const reopened = new WALWriter('/wal.log', { fs, recovery: 'strict' })
    expect(reopened.replay().map(plain)).toEqual(expectedEntries.filter((entry) => entry[0] > 30))
    expect(reopened.replayReport.formatVersion).toBe(3)
  })
})
