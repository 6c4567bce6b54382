import { crc32c } from '@strata/base'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { seedFor } from '../test/support.js'
import { crc32cRange } from './checksum.js'

describe('crc32cRange', () => {
  it('matches the standard CRC32C check value', () => {
    expect(crc32cRange(Buffer.from('123456789'), 0, 9)).toBe(0xe3069283)
  })

  it("equals base's native crc32c on any range, small or large", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 9000 }), fc.nat(), fc.nat(), (bytes, a, b) => {
        const start = bytes.length === 0 ? 0 : a % bytes.length
        const end = start + (bytes.length - start === 0 ? 0 : b % (bytes.length - start + 1))
        expect(crc32cRange(bytes, start, end)).toBe(crc32c(bytes.subarray(start, end)))
      }),
      { seed: seedFor('crc32cRange'), numRuns: 300 },
    )
  })
})
