/**
 * How far the WAL file is extended ahead of its frames (see `LogFile.growSync`).
 */
import { MAX_PREALLOCATION_BYTES, MIN_PREALLOCATION_BYTES } from './format.js'

let zeros: Uint8Array | undefined

/** Zeros to write into new space: MAX_PREALLOCATION_BYTES of them, allocated at the first use
 *  and shared (never written to). */
export function zeroBytes(): Uint8Array {
  zeros ??= new Uint8Array(MAX_PREALLOCATION_BYTES)
  return zeros
}

/** The file length to extend to when frames must be written up to `end`, past the `allocated`
 *  bytes: `end` plus as many bytes as the file has, at least MIN_PREALLOCATION_BYTES and at most
 *  MAX_PREALLOCATION_BYTES, so a growing log extends its file a few times, not once per append. */
export function preallocationTarget(allocated: number, end: number): number {
  return end + Math.min(MAX_PREALLOCATION_BYTES, Math.max(MIN_PREALLOCATION_BYTES, allocated))
}
