import { describe, expect, it } from 'vitest'
// @ts-expect-error: a plain ES module script without types
import { compileCrc32cWat } from '../scripts/build-crc32c-wasm.mjs'
import { loadWasmCrc32c } from './crc32c-wasm.js'
import { CRC32C_WASM_BASE64 } from './crc32c-wasm-binary.js'

describe('the WebAssembly CRC32C', () => {
  it('is the committed compile of crc32c.wat (run scripts/build-crc32c-wasm.mjs after editing it)', async () => {
    expect(await compileCrc32cWat()).toBe(CRC32C_WASM_BASE64)
  })

  it('gives the standard check value, from any offset and across chunks', () => {
    const wasm = loadWasmCrc32c()!
    const padded = Buffer.concat([Buffer.from('xx'), Buffer.from('123456789'), Buffer.from('yy')])
    expect(wasm(padded, 2, 11)).toBe(0xe3069283)
    expect(wasm(new Uint8Array(0), 0, 0)).toBe(0)
    // 32 zero bytes: RFC 3720 B.4. Then 300 KiB of them: three chunks, same as chaining.
    expect(wasm(new Uint8Array(32), 0, 32)).toBe(0x8a9136aa)
    const large = new Uint8Array(300_000)
    expect(wasm(large, 0, large.length)).toBe(wasm(large, 150_000, 300_000, wasm(large, 0, 150_000)))
  })
})
