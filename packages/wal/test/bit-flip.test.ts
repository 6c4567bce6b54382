/**
 * Every bit of a small log flipped in turn (header, lengths, payloads, checksums): replay must
 * either fail with a WALCorruptError or return a strict prefix of the entries with the rest
 * reported as a torn tail — never a wrong entry, never the damaged file taken as whole.
 */
import { MemoryFileSystem } from '@strata/base'
import { describe, expect, it } from 'vitest'
import { HEADER_BYTES, type RecoveryMode, WALCorruptError, type WALEntry, WALWriter } from '../src/index.js'
import { entryFor, plain } from './support.js'

function smallLog(): { bytes: Buffer; entries: WALEntry[] } {
  const fs = new MemoryFileSystem()
  const writer = new WALWriter('/wal.log', { fs })
  const entries = [entryFor(1, 8), entryFor(2, 8), entryFor(5), entryFor(6, 4), entryFor(7, 4)]
  writer.append(entries[0]!)
  writer.append(entries[1]!)
  writer.append(entries[2]!)
  writer.appendBatch([entries[3]!, entries[4]!])
  writer.close()
  return { bytes: Buffer.from(fs.readFileSync('/wal.log')), entries }
}

describe('a bit flipped at every byte of a small log', () => {
  const { bytes, entries } = smallLog()
  const expected = entries.map(plain)

  it.each(['tolerate-tail', 'point-in-time', 'strict'] as RecoveryMode[])(
    'never yields a wrong entry (%s)',
    (recovery) => {
      const fs = new MemoryFileSystem()
      let errors = 0
      let prefixes = 0
      for (let index = 0; index < bytes.length; index++) {
        for (let bit = 0; bit < 8; bit++) {
          const damaged = Buffer.from(bytes)
          damaged[index]! ^= 1 << bit
          fs.writeFileSync('/wal.log', damaged)
          const writer = new WALWriter('/wal.log', { fs, recovery })
          let replayed: WALEntry[]
          try {
            replayed = writer.replay()
          } catch (error) {
            expect(error).toBeInstanceOf(WALCorruptError)
            expect((error as WALCorruptError).offset).toBeLessThanOrEqual(index)
            errors++
            continue
          }
          // Not an error: a strict prefix of what was written, with the rest reported dropped.
          expect(recovery).not.toBe('strict')
          expect(replayed.length).toBeLessThan(entries.length)
          expect(replayed.map(plain)).toEqual(expected.slice(0, replayed.length))
          const report = writer.replayReport
          const dropped = report.tornTail ?? report.stoppedAt
          expect(dropped?.offset).toBeLessThanOrEqual(index)
          prefixes++
        }
      }
      expect(errors + prefixes).toBe(bytes.length * 8)
      if (recovery === 'strict') expect(prefixes).toBe(0)
      // point-in-time only fails on a damaged header (its checksum covers the synced seq too);
      // every frame flip stops replay instead.
      if (recovery === 'point-in-time') expect(errors).toBe(HEADER_BYTES * 8)
      // tolerate-tail: a flip that makes the log end early (a torn-looking tail) is still an
      // error, since the header records the last entry as synced.
      if (recovery === 'tolerate-tail') expect(prefixes).toBe(0)
    },
  )
})
