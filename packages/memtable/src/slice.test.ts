import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { seedFor } from '../test/oracle.js'
import { CONTINUES, continuesPast, SLICE_BYTES, sliceOf } from './slice.js'

describe('slice numbers', () => {
  it('order like Buffer.compare for keys that share the bytes before the slice (seeded)', () => {
    const seed = seedFor('slice order')
    const byte = fc.constantFrom(0x00, 0x01, 0x7f, 0x80, 0xff)
    const tail = fc.array(byte, { maxLength: 9 })
    fc.assert(
      fc.property(fc.array(byte, { maxLength: 12 }), tail, tail, (shared, a, b) => {
        const left = Uint8Array.from([...shared, ...a])
        const right = Uint8Array.from([...shared, ...b])
        const offset = shared.length
        const bySlice = Math.sign(sliceOf(left, offset) - sliceOf(right, offset))
        const byBytes = Math.sign(Buffer.compare(left, right))
        if (bySlice !== 0) expect(bySlice).toBe(byBytes)
        // Equal slice numbers: the same key, or both go on past the slice (the next layer decides).
        else expect(byBytes === 0 || (continuesPast(left, offset) && continuesPast(right, offset))).toBe(true)
      }),
      { seed, numRuns: 2000 },
    )
  })

  it('are exact integers below 2^51, with the code in the low 3 bits', () => {
    const ones = new Uint8Array(SLICE_BYTES + 1).fill(0xff)
    expect(sliceOf(ones, 0)).toBe((2 ** 48 - 1) * 8 + CONTINUES)
    expect(Number.isSafeInteger(sliceOf(ones, 0))).toBe(true)
    expect(sliceOf(ones.subarray(0, SLICE_BYTES), 0)).toBe((2 ** 48 - 1) * 8 + SLICE_BYTES)
    expect(sliceOf(new Uint8Array(0), 0)).toBe(0)
    expect(sliceOf(Uint8Array.from([1]), 0)).toBe(2 ** 40 * 8 + 1)
    expect(sliceOf(Uint8Array.from([9, 9, 9, 9, 9, 9, 1, 2]), SLICE_BYTES)).toBe(
      (2 ** 40 + 2 * 2 ** 32) * 8 + 2,
    )
  })
})
