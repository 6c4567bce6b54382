import { createRequire } from 'node:module'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { NativeCrc32c } from './crc32c-native.js'
import { seededRandom } from './random.js'
import { testSeed } from './test-seed.js'

const native = createRequire(import.meta.url)('@node-rs/crc32').crc32c as NativeCrc32c

/** checksum.ts loaded afresh with the native binding missing (and WebAssembly too, if asked). */
async function checksumWithout(options: { wasm: boolean }) {
  vi.resetModules()
  vi.doMock('./crc32c-native.js', () => ({
    loadNativeCrc32c: () => ({ crc32c: undefined, reason: "Cannot find module '@node-rs/crc32'" }),
  }))
  if (!options.wasm) vi.doMock('./crc32c-wasm.js', () => ({ loadWasmCrc32c: () => undefined }))
  return import('./checksum.js')
}

afterEach(() => {
  vi.doUnmock('./crc32c-native.js')
  vi.doUnmock('./crc32c-wasm.js')
})

describe.each([
  { wasm: true, kind: 'webassembly' },
  { wasm: false, kind: 'javascript' },
])('crc32c without the native binding ($kind)', ({ wasm, kind }) => {
  it('says which implementation runs and why', async () => {
    const { crc32cImplementation } = await checksumWithout({ wasm })
    expect(crc32cImplementation).toEqual({
      kind,
      nativePath: undefined,
      reason: "Cannot find module '@node-rs/crc32'",
    })
  })

  it('gives the native values on random inputs of every size, ranges and continuations', async () => {
    const { crc32c, crc32cRange } = await checksumWithout({ wasm })
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283)
    const random = seededRandom(testSeed(`crc32c fallback ${kind}`))
    for (let round = 0; round < 100; round++) {
      // Sizes spread over 0 B .. 300 KiB: both sides of the WebAssembly threshold and of its chunk.
      const length = Math.floor(random() ** 4 * 300_000)
      const bytes = Uint8Array.from({ length }, () => Math.floor(random() * 256))
      const start = Math.floor(random() * (length + 1))
      const end = start + Math.floor(random() * (length - start + 1))
      const initial = Math.floor(random() * 2 ** 32)
      expect(crc32c(bytes)).toBe(native(Buffer.from(bytes), 0) >>> 0)
      expect(crc32c(bytes, initial)).toBe(native(Buffer.from(bytes), initial) >>> 0)
      expect(crc32cRange(bytes, start, end, initial)).toBe(
        native(Buffer.from(bytes.buffer, start, end - start), initial) >>> 0,
      )
    }
  })
})
