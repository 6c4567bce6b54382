import { OpType } from '@strata/base'
import { describe, expect, it } from 'vitest'
import { WALEntry } from './entry.js'
import {
  decodePayload,
  encodeBatchPayload,
  encodeEntryPayload,
  encodeEntryPayloadGeneric,
} from './payload.js'

const bytes = (text: string) => new Uint8Array(Buffer.from(text, 'latin1'))
const hex = (data: Uint8Array) => Buffer.from(data).toString('hex')

describe('RangeDelete payloads (op 3)', () => {
  it('encodes the examples of docs/format.md and decodes them back', () => {
    const bounded = new WALEntry(9, 0, OpType.RangeDelete, bytes('a'), bytes('c'))
    const open = new WALEntry(9, 0, OpType.RangeDelete, new Uint8Array(0), null)
    expect(hex(encodeEntryPayload(bounded))).toBe('95090003c40161c40163')
    expect(hex(encodeEntryPayload(open))).toBe('95090003c400c0')
    expect(hex(encodeEntryPayload(bounded))).toBe(hex(encodeEntryPayloadGeneric(bounded)))
    for (const entry of [bounded, open]) {
      const decoded = decodePayload(encodeEntryPayload(entry))
      expect(decoded).toHaveLength(1)
      const [back] = decoded as WALEntry[]
      expect(back!.op).toBe(OpType.RangeDelete)
      expect(hex(back!.key)).toBe(hex(entry.key))
      expect(back!.value === null ? null : hex(back!.value)).toBe(
        entry.value === null ? null : hex(entry.value),
      )
    }
  })

  it('sits in a batch beside puts and deletes', () => {
    const batch = [
      WALEntry.put(1, bytes('k'), bytes('v'), 0),
      new WALEntry(2, 0, OpType.RangeDelete, bytes('a'), null),
      WALEntry.delete(3, bytes('z'), 0),
    ]
    const decoded = decodePayload(encodeBatchPayload(batch)) as WALEntry[]
    expect(decoded.map((entry) => entry.op)).toEqual([OpType.Put, OpType.RangeDelete, OpType.Delete])
    expect(decoded[1]!.value).toBeNull()
  })

  it('refuses a RangeDelete whose end is neither bytes nor nil', () => {
    // [9, 0, 3, bin "a", 7]: the generic decoder names the problem.
    const payload = Uint8Array.from([0x95, 0x09, 0x00, 0x03, 0xc4, 0x01, 0x61, 0x07])
    expect(decodePayload(payload)).toMatch(/end of RangeDelete seq 9/)
  })
})
