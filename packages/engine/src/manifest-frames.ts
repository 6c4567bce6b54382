/**
 * The manifest's framing: the WAL's frame codec (`[u32 length][payload][u32 CRC32C]`), reused
 * through @strata/wal's exports. A torn final frame is a crash mid-append (that edit was never
 * acknowledged); any other damage is a `CorruptionError` with the file and offset.
 */
import { CorruptionError } from '@strata/base'
import { encodeFrame, readFrames } from '@strata/wal'

export function encodeManifestFrame(payload: Uint8Array): Uint8Array {
  return encodeFrame(payload)
}

/** Every whole frame of `data`, and how it ends (`clean`, `torn` or `damaged`), without throwing. */
export function readManifestFrames(data: Uint8Array) {
  return readFrames(data)
}

export function decodeManifestFrames(
  data: Uint8Array,
  file: string,
): { frames: { offset: number; payload: Uint8Array }[]; validBytes: number } {
  const scan = readFrames(data)
  if (scan.status === 'damaged') {
    throw new CorruptionError({
      file,
      offset: scan.problem?.offset ?? scan.end,
      reason: `manifest frame damaged: ${scan.problem?.reason ?? 'unknown'}`,
    })
  }
  return { frames: scan.frames, validBytes: scan.end }
}
