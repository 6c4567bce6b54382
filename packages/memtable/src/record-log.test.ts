import { OpType } from '@strata/base'
import { describe, expect, it } from 'vitest'
import { NO_RECORD, RecordLog } from './record-log.js'

const text = (value: string): Uint8Array => new Uint8Array(Buffer.from(value))

describe('RecordLog', () => {
  it('gives back the key bytes of a version that shares its key, keeping its value intact', () => {
    const log = new RecordLog(1 << 20)
    const first = log.append(1, text('a-long-key'), text('one'), NO_RECORD)
    const used = log.bytesUsed
    const second = log.append(2, text('a-long-key'), text('two!'), NO_RECORD)
    log.shareKey(second, first)
    log.setNext(second, first)
    expect(log.bytesUsed - used).toBe(24 + 8) // header + 'two!' rounded up to 8, no key bytes
    expect(log.entry(second)).toEqual({
      key: text('a-long-key'),
      seq: 2,
      op: OpType.Put,
      value: text('two!'),
    })
    expect(log.entry(first)).toEqual({ key: text('a-long-key'), seq: 1, op: OpType.Put, value: text('one') })
    expect(log.next(second)).toBe(first)
    expect(log.visible(second, 1)).toBe(first)
    expect(log.visible(second, 0)).toBe(NO_RECORD)
  })

  it('copies a version with a new next, leaving the original untouched', () => {
    const log = new RecordLog(1 << 20)
    const oldest = log.append(1, text('k'), null, NO_RECORD)
    const original = log.append(5, text('k'), text('five'), NO_RECORD)
    log.shareKey(original, oldest)
    const copy = log.copy(original, oldest)
    expect(log.entry(copy)).toEqual(log.entry(original))
    expect(log.next(copy)).toBe(oldest)
    expect(log.next(original)).toBe(NO_RECORD)
    expect(log.entry(oldest)).toEqual({ key: text('k'), seq: 1, op: OpType.Delete, value: null })
  })

  it('compares a stored key with bytes in unsigned order, from a given offset', () => {
    const log = new RecordLog(1 << 20)
    const record = log.append(1, Uint8Array.from([1, 2, 0x80]), null, NO_RECORD)
    expect(log.compareKey(record, Uint8Array.from([1, 2, 0x80]), 0)).toBe(0)
    expect(log.compareKey(record, Uint8Array.from([1, 2, 0x7f]), 0)).toBeGreaterThan(0)
    expect(log.compareKey(record, Uint8Array.from([1, 2, 0x80, 0]), 0)).toBeLessThan(0)
    expect(log.compareKey(record, Uint8Array.from([1, 2]), 0)).toBeGreaterThan(0)
    expect(log.compareKey(record, Uint8Array.from([9, 9, 0x80]), 2)).toBe(0)
  })
})
