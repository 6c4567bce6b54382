/**
 * The header's synced seq (formats 2 and 3): a log shortened below what an fsync once covered is
 * damage, not a torn tail; a frame written but never fsynced that is cut short is still a torn
 * tail; format-1 files (8-byte header, no synced seq) are still read and appended to.
 */
import { readFileSync } from 'node:fs'
import { MemoryFileSystem } from '@strata/base'
import { FaultyFileSystem } from '@strata/base/testing'
import { describe, expect, it } from 'vitest'
import { headerBytes } from '../src/format.js'
import {
  CLAIM_INTERVAL_MS,
  encodeFrame,
  HEADER_BYTES,
  WALCorruptError,
  WALEntry,
  WALManager,
  WALWriter,
} from '../src/index.js'
import { encodeBatchPayload, encodeEntryPayload } from '../src/payload.js'
import { encodeSaltedFrame } from '../src/salted-frame.js'
import { entryFor, frameLike, saltOf } from './support.js'

const seqs = (entries: { seq: number }[]) => entries.map((entry) => entry.seq)

/** A closed log holding seqs 1..10, and the end offset of each frame. */
function closedLog(): { fs: MemoryFileSystem; bytes: Buffer; ends: number[] } {
  const fs = new MemoryFileSystem()
  const writer = new WALWriter('/wal.log', { fs })
  const ends: number[] = []
  for (let seq = 1; seq <= 10; seq++) {
    writer.append(entryFor(seq))
    ends.push(writer.sizeBytes)
  }
  writer.close()
  return { fs, bytes: Buffer.from(fs.readFileSync('/wal.log')), ends }
}

describe('the header records the synced seq', () => {
  it('a synced log cut at any byte after its header is damage naming the lost seqs', () => {
    const { fs, bytes, ends } = closedLog()
    let checked = 0
    for (let cut = HEADER_BYTES; cut < bytes.length; cut++) {
      fs.writeFileSync('/wal.log', bytes.subarray(0, cut))
      const writer = new WALWriter('/wal.log', { fs })
      const kept = ends.filter((end) => end <= cut).length
      let error: unknown
      try {
        writer.replay()
      } catch (caught) {
        error = caught
      }
      expect(error, `cut at ${cut}`).toBeInstanceOf(WALCorruptError)
      expect((error as WALCorruptError).lastGoodSeq).toBe(kept === 0 ? undefined : kept)
      expect((error as Error).message).toContain(`seqs ${kept + 1}..10 are gone`)
      // Nothing is written over the damage.
      expect(() => writer.append(entryFor(11))).toThrow(
        expect.objectContaining({ code: 'STRATA_CORRUPTION' }),
      )
      writer.close()
      expect(Buffer.from(fs.readFileSync('/wal.log')).equals(bytes.subarray(0, cut))).toBe(true)
      checked++
    }
    expect(checked).toBe(bytes.length - HEADER_BYTES)
  })

  it('point-in-time keeps what is left, reports it and lowers the header before appending', async () => {
    const { fs, ends } = closedLog()
    const bytes = fs.readFileSync('/wal.log')
    fs.writeFileSync('/wal.log', bytes.subarray(0, ends[4]!))
    const manager = WALManager.open('/wal.log', { fs, recovery: 'point-in-time' })
    expect(seqs(manager.replay())).toEqual([1, 2, 3, 4, 5])
    await manager.append(entryFor(6))
    await manager.close()
    expect(seqs(new WALWriter('/wal.log', { fs, recovery: 'strict' }).replay())).toEqual([1, 2, 3, 4, 5, 6])
  })

  it('moves with each group fsync of the manager, and never past what was fsynced', async () => {
    const memory = new MemoryFileSystem()
    const manager = WALManager.open('/wal.log', { fs: memory })
    await Promise.all([1, 2, 3].map((seq) => manager.append(entryFor(seq))))
    expect(manager.syncedSeq).toBe(3)
    await manager.append(entryFor(4), { sync: false })
    expect(manager.syncedSeq).toBe(3)
    // A process crash now: the OS holds every byte, the header says 3.
    memory.crash()
    const afterCrash = new WALWriter('/wal.log', { fs: memory })
    expect(afterCrash.replayReport.syncedSeq).toBe(3)
    expect(seqs(afterCrash.replay())).toEqual([1, 2, 3, 4])
    afterCrash.close()
  })

  it('a frame written after the last fsync and cut short is a torn tail, dropped quietly', () => {
    const fs = new MemoryFileSystem()
    const writer = new WALWriter('/wal.log', { fs })
    for (let seq = 1; seq <= 3; seq++) writer.append(entryFor(seq))
    writer.close()
    const synced = fs.readFileSync('/wal.log')
    const unsynced = frameLike(synced, encodeEntryPayload(entryFor(4)))
    fs.writeFileSync('/wal.log', Buffer.concat([synced, unsynced.subarray(0, unsynced.length - 3)]))
    const reopened = new WALWriter('/wal.log', { fs })
    expect(seqs(reopened.replay())).toEqual([1, 2, 3])
    expect(reopened.replayReport.tornTail).toBeDefined()
    reopened.close()
  })

  it('a damaged header (synced seq or checksum) is corruption, not a torn tail', () => {
    const { fs, bytes } = closedLog()
    for (let index = 8; index < HEADER_BYTES; index++) {
      const damaged = Buffer.from(bytes)
      damaged[index]! ^= 0x01
      fs.writeFileSync('/wal.log', damaged)
      expect(() => new WALWriter('/wal.log', { fs }).replay()).toThrow(
        expect.objectContaining({ reason: 'file header checksum mismatch' }),
      )
    }
  })
})

describe('format-1 files', () => {
  it('are read and appended to (no synced seq: a cut stays a torn tail)', () => {
    const fs = new MemoryFileSystem()
    const frames = [1, 2, 3].map((seq) => encodeFrame(encodeEntryPayload(entryFor(seq))))
    const header = Buffer.from('SWAL\x01\x00\x00\x00', 'latin1')
    fs.writeFileSync('/wal.log', Buffer.concat([header, ...frames]))
    const writer = new WALWriter('/wal.log', { fs, recovery: 'strict' })
    expect(seqs(writer.replay())).toEqual([1, 2, 3])
    expect(writer.replayReport).toMatchObject({ formatVersion: 1, syncedSeq: undefined })
    writer.append(entryFor(4))
    writer.close()
    expect(seqs(new WALWriter('/wal.log', { fs, recovery: 'strict' }).replay())).toEqual([1, 2, 3, 4])
  })

  it('become format 3 at their first write, and truncateBefore keeps them so', () => {
    const fs = new MemoryFileSystem()
    const frames = [1, 2, 3].map((seq) => encodeFrame(encodeEntryPayload(entryFor(seq))))
    fs.writeFileSync('/wal.log', Buffer.concat([Buffer.from('SWAL\x01\x00\x00\x00', 'latin1'), ...frames]))
    const writer = new WALWriter('/wal.log', { fs })
    writer.append(entryFor(4))
    expect(Buffer.from(fs.readFileSync('/wal.log')).readUInt32LE(4)).toBe(3)
    writer.truncateBefore(2)
    writer.append(entryFor(5))
    writer.close()
    const reopened = new WALWriter('/wal.log', { fs, recovery: 'strict' })
    expect(seqs(reopened.replay())).toEqual([3, 4, 5])
    expect(reopened.replayReport).toMatchObject({ formatVersion: 3, syncedSeq: 5 })
  })
})

describe('a failed append is cut back out of the file', () => {
  it('(synchronous writer) so replay never returns it', () => {
    const memory = new MemoryFileSystem()
    const faulty = new FaultyFileSystem(memory)
    const writer = new WALWriter('/wal.log', { fs: faulty })
    writer.append(entryFor(1))
    faulty.inject({ operation: 'fsync', path: /wal\.log$/ })
    expect(() => writer.append(entryFor(2))).toThrow(expect.objectContaining({ outcome: 'rejected' }))
    writer.close()
    expect(seqs(new WALWriter('/wal.log', { fs: memory }).replay())).toEqual([1])
  })
})

/** The hex bytes of the code block after `heading` in docs/format.md's WAL worked example:
 *  each line's leading two-digit hex tokens. */
function exampleOfTheDoc(heading: string): string {
  const doc = readFileSync(new URL('../../../docs/format.md', import.meta.url), 'utf8')
  const section = doc.slice(
    doc.indexOf('### Worked example (checked by a test: packages/wal/test/synced-seq.test.ts)'),
  )
  const start = section.indexOf(heading)
  expect(start, `docs/format.md holds "${heading}"`).toBeGreaterThan(0)
  const block = /```\n([\s\S]*?)```/.exec(section.slice(start))
  expect(block).not.toBeNull()
  return block![1]!
    .split('\n')
    .map((line) => /^(?:[0-9a-f]{2}(?: |$))+/.exec(line)?.[0] ?? '')
    .join('')
    .replace(/\s+/g, '')
}

/** The header bytes docs/format.md's WAL worked example quotes after `lead` (in backticks). */
function headerOfTheDoc(lead: string): string {
  const doc = readFileSync(new URL('../../../docs/format.md', import.meta.url), 'utf8')
  const at = doc.indexOf(lead)
  expect(at, `docs/format.md holds "${lead}"`).toBeGreaterThan(0)
  return /`([0-9a-f ]+)`/.exec(doc.slice(at))![1]!.replace(/\s+/g, '')
}

describe('the worked example of docs/format.md (WAL format 3)', () => {
  const salt = 0x1a2b3c4d
  const text = (value: string) => new TextEncoder().encode(value)
  const put42 = WALEntry.put(42, text('user:1'), text('alice'), 1732406400000)

  it('is byte for byte what headerBytes and the salted frame encoder write', () => {
    expect(headerBytes(0, salt).toString('hex')).toBe(
      '5357414c03000000' + '0000000000000000' + '4d3c2b1a' + '203dd0b8',
    )
    expect(headerOfTheDoc('Its header:')).toBe(headerBytes(0, salt).toString('hex'))
    expect(headerOfTheDoc('After the entry below was fsynced, bytes 8..23 read')).toBe(
      headerBytes(42, salt).subarray(8).toString('hex'),
    )
    expect(exampleOfTheDoc('One entry, `WALEntry.put(42')).toBe(
      encodeSaltedFrame(encodeEntryPayload(put42), salt).toString('hex'),
    )
    expect(headerBytes(42, salt).toString('hex')).toBe(
      '5357414c03000000' + '2a00000000000000' + '4d3c2b1a' + '17f20266',
    )
    expect(encodeSaltedFrame(encodeEntryPayload(put42), salt).toString('hex')).toBe(
      '1b000000' + '4d3c2b1a' + '952acb427935b77d40000001c406757365723a31c405616c696365' + '2fb73436',
    )
    const batch = [
      WALEntry.put(43, text('a'), text('1'), 1732406400001),
      WALEntry.delete(44, text('b'), 1732406400001),
    ]
    expect(exampleOfTheDoc('A batch, `[put(43')).toBe(
      encodeSaltedFrame(encodeBatchPayload(batch), salt).toString('hex'),
    )
    expect(encodeSaltedFrame(encodeBatchPayload(batch), salt).toString('hex')).toBe(
      '23000000' +
        '4d3c2b1a' +
        '92' +
        '952bcb427935b77d40100001c40161c40131' +
        '952ccb427935b77d40100002c40162c0' +
        '4425b4f0',
    )
  })

  it('is what the writer writes, with the salt it chose', () => {
    const fs = new MemoryFileSystem()
    const writer = new WALWriter('/wal.log', { fs })
    const created = fs.readFileSync('/wal.log')
    expect(Buffer.from(created).equals(headerBytes(0, saltOf(created)))).toBe(true)
    writer.append(put42)
    writer.close()
    const closed = Buffer.from(fs.readFileSync('/wal.log'))
    const ownSalt = saltOf(closed)
    expect(ownSalt).not.toBe(0)
    expect(
      closed.equals(
        Buffer.concat([headerBytes(42, ownSalt), encodeSaltedFrame(encodeEntryPayload(put42), ownSalt)]),
      ),
    ).toBe(true)
  })
})

describe('the header is rewritten at most once per CLAIM_INTERVAL_MS', () => {
  it('lags during a burst of fsyncs, then catches up when the interval ends', async () => {
    const memory = new MemoryFileSystem()
    const manager = WALManager.open('/wal.log', { fs: memory })
    const headerSeq = () => Number(Buffer.from(memory.readFileSync('/wal.log')).readBigUInt64LE(8))
    await manager.append(entryFor(1))
    expect(headerSeq()).toBe(1) // the first fsync after a quiet interval: at once
    for (let seq = 2; seq <= 20; seq++) await manager.append(entryFor(seq))
    expect(manager.syncedSeq).toBe(20)
    expect(headerSeq()).toBeLessThan(20) // the burst's rewrites wait for the interval
    await new Promise((resolve) => setTimeout(resolve, CLAIM_INTERVAL_MS + 30))
    expect(headerSeq()).toBe(20)
    await manager.close()
  })
})
