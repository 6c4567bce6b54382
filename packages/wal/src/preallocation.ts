/**
 * How far the WAL file is extended ahead of its frames (see `LogFile.growSync`).
 */
import { MAX_PREALLOCATION_BYTES, MIN_PREALLOCATION_BYTES } from './format.js'

let zeros: Uint8Array | undefined

/** `length` zeros (at most MAX_PREALLOCATION_BYTES: no growth is larger) to write into new
 *  space: a view of one buffer allocated at the first use and shared (never written to). */
export function zeroBytes(length: number): Uint8Array {
  zeros ??= new Uint8Array(MAX_PREALLOCATION_BYTES)
  return zeros.subarray(0, length)
}

/** The file length to extend to when frames must be written up to `end`, past the `allocated`
 *  bytes: `end` plus as many bytes as the file has, at least MIN_PREALLOCATION_BYTES and at most
 *  MAX_PREALLOCATION_BYTES, so a growing log extends its file a few times, not once per append. */
export function preallocationTarget(allocated: number, end: number): number {
  return end + Math.min(MAX_PREALLOCATION_BYTES, Math.max(MIN_PREALLOCATION_BYTES, allocated))
}
