/**
 * CRC32C (Castagnoli). Every checksum strata stores on disk is this function of the covered
 * bytes, stored as an unsigned 32-bit little-endian int. Three implementations, all giving the
 * same value for every input (tested), chosen once at load:
 * - `native`: `@node-rs/crc32` (hardware CRC), an optional dependency, when it loads; ranges
 *   under 4 KiB go to the JavaScript table, cheaper than building the Buffer view the call takes;
 * - `webassembly`: otherwise, crc32c.wat for inputs from 512 bytes, JavaScript below;
 * - `javascript`: where WebAssembly is unavailable too, crc32c-portable.ts for everything.
 * `crc32cImplementation` says which one this process uses and why it is not native.
 */
import { loadNativeCrc32c } from './crc32c-native.js'
import { crc32cPortableRange } from './crc32c-portable.js'
import { loadWasmCrc32c } from './crc32c-wasm.js'

const native = loadNativeCrc32c()
const wasm = native.crc32c === undefined ? loadWasmCrc32c() : undefined

/** From this many bytes a range goes to the native CRC, when it loaded. */
const NATIVE_FROM_BYTES = 4096
/** From this many bytes a range goes to the WebAssembly CRC, when it is the fallback. */
const WASM_FROM_BYTES = 512

/** Which CRC32C this process computes with; when `native`, the file of the package's entry it
 *  loaded (a worker thread loads the same one from there); otherwise why the native one is absent. */
export const crc32cImplementation: {
  kind: 'native' | 'webassembly' | 'javascript'
  nativePath: string | undefined
  reason: string | undefined
} =
  native.crc32c !== undefined
    ? { kind: 'native', nativePath: native.path, reason: undefined }
    : {
        kind: wasm === undefined ? 'javascript' : 'webassembly',
        nativePath: undefined,
        reason: native.reason,
      }

/** CRC32C of `bytes[start..end)` continuing from `initial` (0 for a fresh checksum), unsigned
 *  32-bit, without allocating for small ranges: equal to `crc32c(bytes.subarray(start, end))`. */
export function crc32cRange(bytes: Uint8Array, start: number, end: number, initial = 0): number {
  if (native.crc32c !== undefined) {
    if (end - start < NATIVE_FROM_BYTES) return crc32cPortableRange(bytes, start, end, initial)
    return native.crc32c(Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start), initial) >>> 0
  }
  if (wasm !== undefined && end - start >= WASM_FROM_BYTES) return wasm(bytes, start, end, initial)
  return crc32cPortableRange(bytes, start, end, initial)
}

/** CRC32C of `data`, continuing from `initial` (0 for a fresh checksum). Unsigned 32-bit. */
export function crc32c(data: Uint8Array, initial = 0): number {
  if (native.crc32c !== undefined) {
    const buffer = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength)
    return native.crc32c(buffer, initial) >>> 0
  }
  return crc32cRange(data, 0, data.length, initial)
}
