import { MemoryFileSystem } from '@strata/base'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { entryFor, plain, seedFor } from '../test/support.js'
import { WALEntry } from './entry.js'
import { plainCodec, saltedCodec } from './frame-codec.js'
import { WALManager } from './manager.js'
import { encodeBatchPayload, encodeEntryPayload } from './payload.js'
import { checkBatch } from './validate.js'
import { batchFrameOf, entryFrameOf } from './writer.js'

const entryArbitrary = fc
  .record({
    timestampMs: fc.maxSafeNat(),
    remove: fc.boolean(),
    key: fc.uint8Array({ maxLength: 300 }),
    value: fc.uint8Array({ maxLength: 70_000 }),
  })
  .map(({ timestampMs, remove, key, value }) => ({ timestampMs, remove, key, value }))

describe('frames encoded in place', () => {
  it('are byte for byte the frame around the separately encoded payload, in both layouts', () => {
    fc.assert(
      fc.property(
        fc.array(entryArbitrary, { minLength: 1, maxLength: 20 }),
        fc.nat({ max: 2 ** 40 }),
        fc.nat({ max: 0xffff_ffff }),
        (drawn, firstSeq, salt) => {
          const entries = drawn.map(({ timestampMs, remove, key, value }, index) =>
            remove
              ? new WALEntry(firstSeq + index, timestampMs, 2, key, null)
              : new WALEntry(firstSeq + index, timestampMs, 1, key, value),
          )
          for (const codec of [plainCodec, saltedCodec(salt)]) {
            const batch = batchFrameOf(codec, entries)
            expect(batch.frame).toEqual(codec.encode(encodeBatchPayload(entries)))
            expect([batch.firstSeq, batch.lastSeq]).toEqual([firstSeq, firstSeq + entries.length - 1])
            const single = entryFrameOf(codec, entries[0]!)
            expect(single.frame).toEqual(codec.encode(encodeEntryPayload(entries[0]!)))
            expect(codec.read(batch.frame, 0)).toMatchObject({ status: 'frame', next: batch.frame.length })
          }
        },
      ),
      { seed: seedFor('frames encoded in place'), numRuns: 60 },
    )
  })

  it('refuse a length a frame cannot hold before writing anything', () => {
    const writes: number[] = []
    for (const codec of [plainCodec, saltedCodec(7)]) {
      for (const length of [0, -1, 1.5, 2 ** 32]) {
        expect(() => codec.encodeWith(length, () => writes.push(length))).toThrow(
          expect.objectContaining({ code: 'STRATA_INVALID_ARGUMENT', argument: 'payload' }),
        )
      }
    }
    expect(writes).toEqual([])
  })
})

describe('batch checks', () => {
  it('accept good entries without copying the array, and name the first bad one', () => {
    const entries = [entryFor(3), entryFor(4), entryFor(5)]
    expect(checkBatch(entries, 2)).toBe(entries)
    const bad: Array<[unknown[], string]> = [
      [[entryFor(3), entryFor(3)], 'entries[1].seq'],
      [[entryFor(3), { ...entryFor(4), timestampMs: -1 }], 'entries[1].timestampMs'],
      [[entryFor(3), entryFor(4), { ...entryFor(6), op: 1, value: null }], 'entries[2].value'],
      [[{ ...entryFor(5), op: 2, value: new Uint8Array(1) }], 'entries[0].value'],
      [[entryFor(3), { ...entryFor(4), key: 'text' }], 'entries[1].key'],
      [[entryFor(3), null], 'entries[1]'],
    ]
    for (const [batch, argument] of bad) {
      expect(() => checkBatch(batch, 2)).toThrow(
        expect.objectContaining({ code: 'STRATA_INVALID_ARGUMENT', argument }),
      )
    }
  })

  it('appendBatch takes plain objects with the entry fields and replays them as entries', async () => {
    const fs = new MemoryFileSystem()
    const manager = WALManager.open('/db/wal.log', { fs })
    const fields = [entryFor(1), entryFor(2), entryFor(5)].map((entry) => ({
      seq: entry.seq,
      timestampMs: entry.timestampMs,
      op: entry.op,
      key: entry.key,
      value: entry.value,
    }))
    await manager.appendBatch(fields, { sync: false })
    await manager.append({ ...fields[2]!, seq: 6 }, { sync: false })
    await manager.close()
    const replayed = WALManager.open('/db/wal.log', { fs }).replay()
    expect(replayed.map(plain)).toEqual(
      [entryFor(1), entryFor(2), entryFor(5), { ...entryFor(5), seq: 6 }].map((entry) =>
        plain(entry as WALEntry),
      ),
    )
    expect(replayed.every((entry) => entry instanceof WALEntry)).toBe(true)
  })
})
