/**
 * CRC32C over a range of a buffer, without allocating: replay checks one small frame after
 * another, where building a Buffer view per frame for the native call (base's `crc32c`, via
 * @node-rs/crc32) costs more than the checksum. Small ranges use a slicing-by-8 table in
 * JavaScript; large ones the native hardware CRC. Both give base's `crc32c` value (tested).
 */
import { crc32c } from '@strata/base'

/** At or above this many bytes the native CRC wins over the table. */
const NATIVE_FROM_BYTES = 4096

const table = new Int32Array(8 * 256)
for (let byte = 0; byte < 256; byte++) {
  let crc = byte
  for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1
  table[byte] = crc
}
for (let byte = 0; byte < 256; byte++) {
  let crc = table[byte]!
  for (let slice = 1; slice < 8; slice++) {
    crc = table[crc & 0xff]! ^ (crc >>> 8)
    table[slice * 256 + byte] = crc
  }
}

/** CRC32C of `bytes[start..end)`, unsigned 32-bit: equal to `crc32c(bytes.subarray(start, end))`. */
export function crc32cRange(bytes: Uint8Array, start: number, end: number): number {
  if (end - start >= NATIVE_FROM_BYTES) {
    return crc32c(Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start))
  }
  let crc = -1
  let index = start
  for (; index + 8 <= end; index += 8) {
    const low =
      crc ^ (bytes[index]! | (bytes[index + 1]! << 8) | (bytes[index + 2]! << 16) | (bytes[index + 3]! << 24))
    crc =
      table[1792 + (low & 0xff)]! ^
      table[1536 + ((low >>> 8) & 0xff)]! ^
      table[1280 + ((low >>> 16) & 0xff)]! ^
      table[1024 + (low >>> 24)]! ^
      table[768 + bytes[index + 4]!]! ^
      table[512 + bytes[index + 5]!]! ^
      table[256 + bytes[index + 6]!]! ^
      table[bytes[index + 7]!]!
  }
  for (; index < end; index++) crc = table[(crc ^ bytes[index]!) & 0xff]! ^ (crc >>> 8)
  return (crc ^ -1) >>> 0
}
