/**
 * CRC32C (Castagnoli), hardware-accelerated through @node-rs/crc32. Every checksum strata stores
 * on disk is this function of the covered bytes, stored as an unsigned 32-bit little-endian int.
 */
import { crc32c as nativeCrc32c } from '@node-rs/crc32'

/** CRC32C of `data`, continuing from `initial` (0 for a fresh checksum). Unsigned 32-bit. */
export function crc32c(data: Uint8Array, initial = 0): number {
  const buffer = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength)
  return nativeCrc32c(buffer, initial) >>> 0
}
