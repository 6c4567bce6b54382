/**
 * The frame codec: `[u32 LE payload length][payload][u32 LE CRC32C of payload]`. It knows
 * nothing about what the payload means, so the engine's manifest reuses it through
 * `@strata/wal`'s exports. See docs/format.md, "Write-ahead log".
 *
 * Reading tells a torn tail (the process or the machine died while the last frame was being
 * written: expected, droppable) apart from damage (a frame that was once complete is now wrong:
 * an error unless the caller asked for point-in-time recovery).
 */
import { crc32cRange, InvalidArgumentError, isBytes } from '@strata/base'
import { CHECKSUM_BYTES, FRAME_OVERHEAD_BYTES, LENGTH_BYTES, MAX_PAYLOAD_BYTES } from './format.js'

/** Throws InvalidArgumentError unless `payload` is bytes a frame can hold (1 byte to
 *  MAX_PAYLOAD_BYTES): the check of every frame layout's encoder. */
export function checkFramePayload(payload: Uint8Array): void {
  if (!isBytes(payload)) {
    throw new InvalidArgumentError('payload must be a Uint8Array or Buffer', { argument: 'payload' })
  }
  checkFramePayloadLength(payload.length)
}

/** Throws InvalidArgumentError unless a frame can hold a payload of `length` bytes. */
export function checkFramePayloadLength(length: number): void {
  if (!Number.isSafeInteger(length) || length <= 0 || length > MAX_PAYLOAD_BYTES) {
    throw new InvalidArgumentError(
      `payload is ${length} bytes; a frame holds 1 to ${MAX_PAYLOAD_BYTES} bytes`,
      {
        argument: 'payload',
      },
    )
  }
}

/** Writes a payload of exactly the length it was promised into `frame` at `at`. */
export type PayloadWriter = (frame: Buffer, at: number) => void

/** One frame whose payload of `length` bytes (1 to MAX_PAYLOAD_BYTES) `write` puts in place:
 *  the payload is encoded straight into the frame, never copied. */
export function encodeFrameWith(length: number, write: PayloadWriter): Buffer {
  checkFramePayloadLength(length)
  const frame = Buffer.allocUnsafe(length + FRAME_OVERHEAD_BYTES)
  frame.writeUInt32LE(length, 0)
  write(frame, LENGTH_BYTES)
  frame.writeUInt32LE(crc32cRange(frame, LENGTH_BYTES, LENGTH_BYTES + length), LENGTH_BYTES + length)
  return frame
}

/** One frame around `payload` (1 byte to MAX_PAYLOAD_BYTES). The payload is copied. */
export function encodeFrame(payload: Uint8Array): Buffer {
  checkFramePayload(payload)
  return encodeFrameWith(payload.length, (frame, at) => frame.set(payload, at))
}

/** What `readFrame` found at an offset. */
export type FrameRead =
  /** A complete frame whose checksum matches. `payload` is a view into the buffer. */
  | { status: 'frame'; offset: number; payload: Uint8Array; next: number }
  /** The buffer ends exactly here: no more frames. */
  | { status: 'end'; offset: number }
  /** An incomplete final frame (or zero bytes where a frame would start): the writer died
   *  mid-write. Everything from `offset` to the end can be dropped. */
  | { status: 'torn'; offset: number; reason: string }
  /** A frame that is wrong (checksum mismatch, impossible length): the file is damaged here. */
  | { status: 'damaged'; offset: number; reason: string }

/** Whether `buffer[from..to)` is all zero bytes (both frame layouts: a zero-filled tail). */
export function allZero(buffer: Uint8Array, from: number, to: number): boolean {
  for (let index = from; index < to; index++) if (buffer[index] !== 0) return false
  return true
}

/** The u32 little-endian at `offset` (both frame layouts' lengths, salts and checksums). */
export function u32(buffer: Uint8Array, offset: number): number {
  return (
    (buffer[offset]! |
      (buffer[offset + 1]! << 8) |
      (buffer[offset + 2]! << 16) |
      (buffer[offset + 3]! << 24)) >>>
    0
  )
}

function checksumMatches(buffer: Uint8Array, payloadStart: number, length: number): boolean {
  return crc32cRange(buffer, payloadStart, payloadStart + length) === u32(buffer, payloadStart + length)
}

/** True when a complete, checksum-valid frame starts anywhere in `buffer[from..]`. Used only
 *  when a frame's length runs past the end, to tell a torn last frame from a damaged length
 *  prefix with good frames after it. Frames written by strata carry msgpack arrays, so the
 *  payload's first byte is an array marker; that filter keeps the search linear in practice. */
function validFrameFollows(buffer: Uint8Array, from: number): boolean {
  for (let offset = from; offset + FRAME_OVERHEAD_BYTES < buffer.length; offset++) {
    const length = u32(buffer, offset)
    if (length === 0 || length > MAX_PAYLOAD_BYTES) continue
    const payloadStart = offset + LENGTH_BYTES
    if (payloadStart + length + CHECKSUM_BYTES > buffer.length) continue
    const marker = buffer[payloadStart]!
    if (!((marker >= 0x90 && marker <= 0x9f) || marker === 0xdc || marker === 0xdd)) continue
    if (checksumMatches(buffer, payloadStart, length)) return true
  }
  return false
}

/** The hot path of reading: the end of the valid frame at `offset` (its payload is
 *  `[offset + 4, end - 4)`), or -1 when there is no valid frame there (end of buffer, torn or
 *  damaged: `readFrame` says which). Allocates nothing. */
export function validFrameEnd(buffer: Uint8Array, offset: number): number {
  if (buffer.length - offset < LENGTH_BYTES) return -1
  const length = u32(buffer, offset)
  if (length === 0 || length > MAX_PAYLOAD_BYTES) return -1
  const payloadStart = offset + LENGTH_BYTES
  const next = payloadStart + length + CHECKSUM_BYTES
  if (next > buffer.length || !checksumMatches(buffer, payloadStart, length)) return -1
  return next
}

/** Reads the frame starting at `offset` in `buffer` (which ends where the file ends). */
export function readFrame(buffer: Uint8Array, offset: number): FrameRead {
  const remaining = buffer.length - offset
  if (remaining === 0) return { status: 'end', offset }
  if (remaining < LENGTH_BYTES) {
    return { status: 'torn', offset, reason: `incomplete frame header (${remaining} of 4 bytes)` }
  }
  const length = u32(buffer, offset)
  if (length === 0) {
    if (allZero(buffer, offset, buffer.length)) {
      return { status: 'torn', offset, reason: `zero-filled tail (${remaining} bytes never written)` }
    }
    return { status: 'damaged', offset, reason: 'frame length is 0; a frame holds at least 1 byte' }
  }
  if (length > MAX_PAYLOAD_BYTES) {
    return {
      status: 'damaged',
      offset,
      reason: `frame length ${length} exceeds the maximum ${MAX_PAYLOAD_BYTES}`,
    }
  }
  const payloadStart = offset + LENGTH_BYTES
  const next = payloadStart + length + CHECKSUM_BYTES
  if (next > buffer.length) {
    if (validFrameFollows(buffer, offset + 1)) {
      return {
        status: 'damaged',
        offset,
        reason: `frame length ${length} runs past the end of the file, yet complete frames follow`,
      }
    }
    return {
      status: 'torn',
      offset,
      reason: `incomplete final frame (${remaining} of ${length + FRAME_OVERHEAD_BYTES} bytes)`,
    }
  }
  if (!checksumMatches(buffer, payloadStart, length)) {
    // A power cut can leave the file longer than what reached the disk, the rest reading as
    // zeros. A final frame whose checksum field is still zero was never completely written.
    if (u32(buffer, payloadStart + length) === 0 && allZero(buffer, next, buffer.length)) {
      return { status: 'torn', offset, reason: 'final frame only partly written (its checksum is zero)' }
    }
    return { status: 'damaged', offset, reason: 'checksum mismatch' }
  }
  const payload = new Uint8Array(buffer.buffer, buffer.byteOffset + payloadStart, length)
  return { status: 'frame', offset, payload, next }
}

/** Every frame of `buffer` from `start`, and how the buffer ends. */
export interface FrameScan {
  frames: Array<{ offset: number; payload: Uint8Array }>
  /** End of the last good frame: where a writer would continue after dropping the rest. */
  end: number
  /** `clean`: the buffer ends after a whole frame; `torn`: an incomplete final frame starts at
   *  `problem.offset`; `damaged`: a bad frame starts at `problem.offset` (frames after it are
   *  not read). */
  status: 'clean' | 'torn' | 'damaged'
  problem: { offset: number; reason: string } | undefined
}

/** Reads frames from `buffer[start..]` until its end, a torn tail or damage. */
export function readFrames(buffer: Uint8Array, start = 0): FrameScan {
  return scanFrames(buffer, start, readFrame)
}

/** `readFrames` for any frame layout: `read` reads the frame at an offset. */
export function scanFrames(
  buffer: Uint8Array,
  start: number,
  read: (buffer: Uint8Array, offset: number) => FrameRead,
): FrameScan {
  const frames: FrameScan['frames'] = []
  let offset = start
  for (;;) {
    const found = read(buffer, offset)
    if (found.status === 'frame') {
      frames.push({ offset, payload: found.payload })
      offset = found.next
      continue
    }
    if (found.status === 'end') return { frames, end: offset, status: 'clean', problem: undefined }
    return { frames, end: offset, status: found.status, problem: { offset, reason: found.reason } }
  }
}
