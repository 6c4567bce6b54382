import { createRequire } from 'node:module'
import { describe, expect, it } from 'vitest'
import { crc32c, crc32cImplementation, crc32cRange } from './checksum.js'
import { loadNativeCrc32c, type NativeCrc32c } from './crc32c-native.js'
import { crc32cPortable, crc32cPortableRange } from './crc32c-portable.js'
import { seededRandom } from './random.js'
import { testSeed } from './test-seed.js'

/** The native binding, loaded directly (a dev install has it). */
const native = createRequire(import.meta.url)('@node-rs/crc32').crc32c as NativeCrc32c

/** Known CRC32C values (RFC 3720 appendix B.4 and the standard check value). */
const vectors: [Uint8Array, number][] = [
  [new Uint8Array(0), 0],
  [Buffer.from('123456789'), 0xe3069283],
  [new Uint8Array(32), 0x8a9136aa],
  [new Uint8Array(32).fill(0xff), 0x62a8ab43],
  [Uint8Array.from({ length: 32 }, (_, index) => index), 0x46dd794e],
  [Uint8Array.from({ length: 32 }, (_, index) => 31 - index), 0x113fdb5c],
]

describe('crc32c', () => {
  it('uses the native binding in a dev install', () => {
    expect(crc32cImplementation).toEqual({
      kind: 'native',
      nativePath: expect.stringMatching(/@node-rs[/\\]crc32[/\\]index\.js$/),
      reason: undefined,
    })
  })

  it('gives the known vectors, native and portable', () => {
    for (const [bytes, expected] of vectors) {
      expect(crc32c(bytes)).toBe(expected)
      expect(crc32cPortable(bytes)).toBe(expected)
      expect(crc32cRange(bytes, 0, bytes.length)).toBe(expected)
    }
  })

  it('portable equals native on random inputs, ranges and continuations', () => {
    const random = seededRandom(testSeed('crc32c portable vs native'))
    for (let round = 0; round < 300; round++) {
      const length = Math.floor(random() ** 3 * 20_000)
      const bytes = Uint8Array.from({ length }, () => Math.floor(random() * 256))
      const start = Math.floor(random() * (length + 1))
      const end = start + Math.floor(random() * (length - start + 1))
      const initial = Math.floor(random() * 2 ** 32)
      const view = Buffer.from(bytes.buffer, start, end - start)
      expect(crc32cPortable(bytes)).toBe(native(Buffer.from(bytes), 0) >>> 0)
      expect(crc32cPortableRange(bytes, start, end)).toBe(native(view, 0) >>> 0)
      expect(crc32cPortableRange(bytes, start, end, initial)).toBe(native(view, initial) >>> 0)
      expect(crc32cRange(bytes, start, end)).toBe(native(view, 0) >>> 0)
      // Two halves chained give the whole.
      expect(crc32cPortable(bytes.subarray(start), crc32cPortable(bytes.subarray(0, start)))).toBe(
        crc32c(bytes),
      )
    }
  })
})

describe('loadNativeCrc32c', () => {
  it('loads the native binding when it is installed', () => {
    expect(loadNativeCrc32c().crc32c).toBeTypeOf('function')
  })

  it('reports why when the binding is missing, so the portable CRC is used', () => {
    const missing = loadNativeCrc32c(() => {
      throw new Error("Cannot find module '@node-rs/crc32'")
    })
    expect(missing).toEqual({
      crc32c: undefined,
      reason: expect.stringMatching(/did not load: Cannot find module/),
    })
  })

  it('refuses a binding that computes another checksum', () => {
    const wrong = loadNativeCrc32c(() => ({ crc32c: () => 0x1234 }))
    expect(wrong).toEqual({ crc32c: undefined, reason: expect.stringMatching(/wrong check value/) })
  })
})
