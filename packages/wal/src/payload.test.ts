import fc from 'fast-check'
import { Packr } from 'msgpackr'
import { describe, expect, it } from 'vitest'
import { plain, seedFor } from '../test/support.js'
import { WALEntry } from './entry.js'
import { encodeFrame } from './frame.js'
import {
  decodePayload,
  encodeBatchPayload,
  encodeBatchPayloadGeneric,
  encodeEntryPayload,
  encodeEntryPayloadGeneric,
} from './payload.js'

const packr = new Packr({ useRecords: false })
const bytes = (text: string) => new Uint8Array(Buffer.from(text))

const entryArbitrary = fc
  .record({
    seq: fc.maxSafeNat(),
    timestampMs: fc.maxSafeNat(),
    remove: fc.boolean(),
    key: fc.uint8Array({ maxLength: 64 }),
    value: fc.uint8Array({ maxLength: 200 }),
  })
  .map(({ seq, timestampMs, remove, key, value }) =>
    remove ? new WALEntry(seq, timestampMs, 2, key, null) : new WALEntry(seq, timestampMs, 1, key, value),
  )

describe('entry payloads', () => {
  const seed = seedFor('entry payloads')

  it('decode to the entry that was encoded, for any field values', () => {
    fc.assert(
      fc.property(entryArbitrary, (entry) => {
        const decoded = decodePayload(encodeEntryPayload(entry))
        expect(Array.isArray(decoded) && decoded.map(plain)).toEqual([plain(entry)])
      }),
      { seed, numRuns: 500 },
    )
  })

  it('decode a batch to all its entries in order', () => {
    fc.assert(
      fc.property(fc.array(entryArbitrary, { minLength: 1, maxLength: 12 }), (items) => {
        const entries = items.map(
          (entry, index) => new WALEntry(index * 3 + 1, entry.timestampMs, entry.op, entry.key, entry.value),
        )
        const decoded = decodePayload(encodeBatchPayload(entries))
        expect(Array.isArray(decoded) && decoded.map(plain)).toEqual(entries.map(plain))
      }),
      { seed, numRuns: 300 },
    )
  })

  it('are written byte for byte as msgpackr writes them (the fast encoder changes no byte)', () => {
    const sized = fc
      .record({
        seq: fc.oneof(fc.nat(300), fc.nat(70_000), fc.maxSafeNat()),
        timestampMs: fc.oneof(fc.nat(255), fc.maxSafeNat()),
        remove: fc.boolean(),
        key: fc.oneof(fc.uint8Array({ maxLength: 20 }), fc.uint8Array({ minLength: 250, maxLength: 70_000 })),
        value: fc.oneof(
          fc.uint8Array({ maxLength: 300 }),
          fc.uint8Array({ minLength: 65_530, maxLength: 66_000 }),
        ),
      })
      .map(({ seq, timestampMs, remove, key, value }) =>
        remove ? new WALEntry(seq, timestampMs, 2, key, null) : new WALEntry(seq, timestampMs, 1, key, value),
      )
    fc.assert(
      fc.property(sized, (entry) => {
        expect(
          Buffer.from(encodeEntryPayload(entry)).equals(Buffer.from(encodeEntryPayloadGeneric(entry))),
        ).toBe(true)
      }),
      { seed, numRuns: 300 },
    )
    fc.assert(
      fc.property(fc.array(entryArbitrary, { minLength: 1, maxLength: 40 }), (entries) => {
        expect(
          Buffer.from(encodeBatchPayload(entries)).equals(Buffer.from(encodeBatchPayloadGeneric(entries))),
        ).toBe(true)
      }),
      { seed, numRuns: 300 },
    )
    const many = Array.from(
      { length: 70_000 },
      (_, index) => new WALEntry(index + 1, 1, 1, bytes('k'), bytes('v')),
    )
    expect(Buffer.from(encodeBatchPayload(many)).equals(Buffer.from(encodeBatchPayloadGeneric(many)))).toBe(
      true,
    )
  })

  it('never throw on arbitrary bytes: entries or a reason', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (data) => {
        const decoded = decodePayload(data)
        expect(typeof decoded === 'string' || Array.isArray(decoded)).toBe(true)
      }),
      { seed, numRuns: 1000 },
    )
  })

  it('encode the tuple in the reference order with bin keys and values', () => {
    const payload = encodeEntryPayload(new WALEntry(7, 1000, 1, bytes('k'), bytes('v')))
    expect(Buffer.from(payload).toString('hex')).toBe('9507cd03e801c4016bc40176')
  })

  it('reports malformed payloads instead of returning wrong entries', () => {
    const cases: Array<[unknown, RegExp]> = [
      [[1, 2, 1, bytes('k')], /5-element/],
      [[1, 2, 1, 'k', bytes('v')], /key of seq 1 is not bytes/],
      [[1, 2, 4, bytes('k'), bytes('v')], /op 4/],
      [[1, 2, 3, bytes('k'), 5], /end of RangeDelete seq 1/],
      [[1, 2, 2, bytes('k'), bytes('v')], /Delete seq 1 is not nil/],
      [[1, 2, 1, bytes('k'), null], /Put seq 1 is not bytes/],
      [[-1, 2, 1, bytes('k'), bytes('v')], /seq -1/],
      [[1, 2.5, 1, bytes('k'), bytes('v')], /timestampMs/],
      [
        [
          [2, 0, 1, bytes('a'), bytes('b')],
          [2, 0, 1, bytes('a'), bytes('b')],
        ],
        /not increasing/,
      ],
      [{ seq: 1 }, /not an entry or a batch/],
      [[], /not an entry or a batch/],
    ]
    for (const [value, reason] of cases) expect(decodePayload(packr.pack(value))).toMatch(reason)
    expect(
      decodePayload(
        Buffer.concat([encodeEntryPayload(new WALEntry(1, 1, 1, bytes('k'), bytes('v'))), Buffer.of(1)]),
      ),
    ).toMatch(/not valid msgpack/)
    // A uint64 above 2^53 cannot be a seq: it fails instead of being rounded.
    expect(decodePayload(Buffer.from('95cf00200000000000010001c4016bc40176', 'hex'))).toMatch(/safe integer/)
  })
})

describe('the worked example in docs/format.md', () => {
  it('is exactly what the encoder writes', () => {
    const hex = (data: Uint8Array) => Buffer.from(data).toString('hex')
    const entry = WALEntry.put(42, bytes('user:1'), bytes('alice'), 1732406400000)
    expect(hex(encodeFrame(encodeEntryPayload(entry)))).toBe(
      '1b000000952acb427935b77d40000001c406757365723a31c405616c696365974160f9',
    )
    const batch = [
      WALEntry.put(43, bytes('a'), bytes('1'), 1732406400001),
      WALEntry.delete(44, bytes('b'), 1732406400001),
    ]
    expect(hex(encodeFrame(encodeBatchPayload(batch)))).toBe(
      '2300000092952bcb427935b77d40100001c40161c40131952ccb427935b77d40100002c40162c071def788',
    )
  })
})
