/**
 * CRC32C (Castagnoli). Every checksum strata stores on disk is this function of the covered
 * bytes, stored as an unsigned 32-bit little-endian int. It runs on the native, hardware-
 * accelerated `@node-rs/crc32` when that optional dependency loads, and otherwise on the portable
 * JavaScript implementation (crc32c-portable.ts); both give the same value for every input.
 * `crc32cImplementation` says which one this process uses.
 */

import { loadNativeCrc32c } from './crc32c-native.js'
import { crc32cPortable, crc32cPortableRange } from './crc32c-portable.js'

const native = loadNativeCrc32c()

/** At or above this many bytes a range's checksum goes to the native CRC (when it loaded): below
 *  it, making the Buffer view the native call takes costs more than the table. */
const NATIVE_FROM_BYTES = 4096

/** Which CRC32C this process computes with, and, for `portable`, why the native one is absent. */
export const crc32cImplementation: { kind: 'native' | 'portable'; reason: string | undefined } =
  native.crc32c === undefined
    ? { kind: 'portable', reason: native.reason }
    : { kind: 'native', reason: undefined }

/** CRC32C of `data`, continuing from `initial` (0 for a fresh checksum). Unsigned 32-bit. */
export const crc32c: (data: Uint8Array, initial?: number) => number =
  native.crc32c === undefined
    ? crc32cPortable
    : (data, initial = 0) => {
        const buffer = Buffer.isBuffer(data)
          ? data
          : Buffer.from(data.buffer, data.byteOffset, data.byteLength)
        return native.crc32c!(buffer, initial) >>> 0
      }

/** CRC32C of `bytes[start..end)`, unsigned 32-bit, without allocating for small ranges: equal to
 *  `crc32c(bytes.subarray(start, end))`. */
export function crc32cRange(bytes: Uint8Array, start: number, end: number): number {
  if (native.crc32c !== undefined && end - start >= NATIVE_FROM_BYTES) {
    return native.crc32c(Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start), 0) >>> 0
  }
  return crc32cPortableRange(bytes, start, end)
}
