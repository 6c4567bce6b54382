/**
 * The frame of WAL format 3: `[u32 LE payload length][u32 LE salt][payload][u32 LE CRC32C of the
 * length, salt and payload bytes]`. The salt is the file's (its header holds it), so a frame
 * left in the file by an earlier file or generation, or zeroed space, never reads as a frame of
 * this one. See docs/format.md, "Write-ahead log".
 *
 * A format-3 file is preallocated: after its last frame come zeros (space written once, ahead of
 * the frames) up to the end of the file. Reading ends at the first offset where no valid frame
 * of this salt starts: the end of the file, or zeros up to it, end the log cleanly; other bytes
 * are a torn final frame, unless a valid frame of this salt starts somewhere after them (then a
 * frame in the middle of the log is damaged).
 */
import { crc32cRange } from '@strata/base'
import {
  CHECKSUM_BYTES,
  LENGTH_BYTES,
  MAX_PAYLOAD_BYTES,
  SALT_BYTES,
  SALTED_FRAME_OVERHEAD_BYTES,
} from './format.js'
import {
  allZero,
  checkFramePayload,
  checkFramePayloadLength,
  type FrameRead,
  type PayloadWriter,
  u32,
} from './frame.js'

const HEAD_BYTES = LENGTH_BYTES + SALT_BYTES

/** One salted frame whose payload of `length` bytes (1 to MAX_PAYLOAD_BYTES) `write` puts in
 *  place: the payload is encoded straight into the frame, never copied. */
export function encodeSaltedFrameWith(length: number, salt: number, write: PayloadWriter): Buffer {
  checkFramePayloadLength(length)
  const frame = Buffer.allocUnsafe(length + SALTED_FRAME_OVERHEAD_BYTES)
  frame.writeUInt32LE(length, 0)
  frame.writeUInt32LE(salt, LENGTH_BYTES)
  write(frame, HEAD_BYTES)
  const end = HEAD_BYTES + length
  frame.writeUInt32LE(crc32cRange(frame, 0, end), end)
  return frame
}

/** One salted frame around `payload` (1 byte to MAX_PAYLOAD_BYTES). The payload is copied. */
export function encodeSaltedFrame(payload: Uint8Array, salt: number): Buffer {
  checkFramePayload(payload)
  return encodeSaltedFrameWith(payload.length, salt, (frame, at) => frame.set(payload, at))
}

/** End of the valid frame of `salt` at `offset`, or -1 when there is none. Allocates nothing. */
export function validSaltedFrameEnd(buffer: Uint8Array, offset: number, salt: number): number {
  if (buffer.length - offset < SALTED_FRAME_OVERHEAD_BYTES) return -1
  if (u32(buffer, offset + LENGTH_BYTES) !== salt) return -1
  const length = u32(buffer, offset)
  if (length === 0 || length > MAX_PAYLOAD_BYTES) return -1
  const checksumAt = offset + HEAD_BYTES + length
  if (checksumAt + CHECKSUM_BYTES > buffer.length) return -1
  if (crc32cRange(buffer, offset, checksumAt) !== u32(buffer, checksumAt)) return -1
  return checksumAt + CHECKSUM_BYTES
}

/** True when a valid frame of `salt` starts anywhere in `buffer[from..]`. */
function validFrameFollows(buffer: Uint8Array, from: number, salt: number): boolean {
  const last = buffer.length - SALTED_FRAME_OVERHEAD_BYTES
  for (let offset = from; offset <= last; offset++) {
    // The salt first: one comparison rules out nearly every offset.
    if (buffer[offset + LENGTH_BYTES] !== (salt & 0xff)) continue
    if (validSaltedFrameEnd(buffer, offset, salt) >= 0) return true
  }
  return false
}

/** Why the bytes at `offset` are no valid frame of `salt` (there is at least one byte). */
function whyNotAFrame(buffer: Uint8Array, offset: number, salt: number): string {
  const remaining = buffer.length - offset
  if (remaining < HEAD_BYTES) return `incomplete frame header (${remaining} of ${HEAD_BYTES} bytes)`
  const length = u32(buffer, offset)
  const frameSalt = u32(buffer, offset + LENGTH_BYTES)
  if (frameSalt !== salt) {
    return `salt ${frameSalt} is not this file's (${salt}): bytes of another file or generation`
  }
  if (length === 0 || length > MAX_PAYLOAD_BYTES)
    return `frame length ${length} is not 1 to ${MAX_PAYLOAD_BYTES}`
  if (offset + SALTED_FRAME_OVERHEAD_BYTES + length > buffer.length) {
    return `incomplete final frame (${remaining} of ${length + SALTED_FRAME_OVERHEAD_BYTES} bytes)`
  }
  return 'checksum mismatch'
}

/** Reads the salted frame at `offset` of `buffer` (which ends where the file ends). */
export function readSaltedFrame(buffer: Uint8Array, offset: number, salt: number): FrameRead {
  if (offset >= buffer.length) return { status: 'end', offset }
  const next = validSaltedFrameEnd(buffer, offset, salt)
  if (next >= 0) {
    const payload = new Uint8Array(
      buffer.buffer,
      buffer.byteOffset + offset + HEAD_BYTES,
      next - offset - SALTED_FRAME_OVERHEAD_BYTES,
    )
    return { status: 'frame', offset, payload, next }
  }
  // Preallocated space no frame was written into yet: the log ends here.
  if (allZero(buffer, offset, buffer.length)) return { status: 'end', offset }
  const reason = whyNotAFrame(buffer, offset, salt)
  if (validFrameFollows(buffer, offset + 1, salt)) {
    return { status: 'damaged', offset, reason }
  }
  return { status: 'torn', offset, reason }
}
