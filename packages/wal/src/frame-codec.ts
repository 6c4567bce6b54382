/**
 * The two frame layouts of a WAL file, behind one interface: the plain frame of versions 1 and 2
 * (frame.ts, which the manifest shares) and the salted frame of version 3 (salted-frame.ts). A
 * `LogFile`, the reader and `truncateBefore` work through the codec of the file at hand.
 */
import {
  CHECKSUM_BYTES,
  FRAME_OVERHEAD_BYTES,
  LENGTH_BYTES,
  SALT_BYTES,
  SALTED_FRAME_OVERHEAD_BYTES,
} from './format.js'
import {
  encodeFrame,
  encodeFrameWith,
  type FrameRead,
  type FrameScan,
  type PayloadWriter,
  readFrame,
  scanFrames,
  validFrameEnd,
} from './frame.js'
import {
  encodeSaltedFrame,
  encodeSaltedFrameWith,
  readSaltedFrame,
  validSaltedFrameEnd,
} from './salted-frame.js'

export interface FrameCodec {
  /** The file's salt (version 3), or `undefined` for plain frames. */
  readonly salt: number | undefined
  /** Bytes a frame adds around its payload. */
  readonly overheadBytes: number
  /** Where the payload starts, from the start of the frame. */
  readonly payloadOffset: number
  /** One frame around `payload` (1 byte to MAX_PAYLOAD_BYTES). */
  encode(payload: Uint8Array): Buffer
  /** One frame whose payload of `length` bytes `write` encodes in place (see `encodeFrameWith`). */
  encodeWith(length: number, write: PayloadWriter): Buffer
  /** End of the valid frame at `offset`, or -1 (see `validFrameEnd`). */
  validEnd(buffer: Uint8Array, offset: number): number
  /** What is at `offset` (see `readFrame`). */
  read(buffer: Uint8Array, offset: number): FrameRead
}

/** Frames of format versions 1 and 2: `[length][payload][CRC32C of payload]`. */
export const plainCodec: FrameCodec = {
  salt: undefined,
  overheadBytes: FRAME_OVERHEAD_BYTES,
  payloadOffset: LENGTH_BYTES,
  encode: encodeFrame,
  encodeWith: encodeFrameWith,
  validEnd: validFrameEnd,
  read: readFrame,
}

/** Frames of format version 3 in a file whose salt is `salt`. */
export function saltedCodec(salt: number): FrameCodec {
  return {
    salt,
    overheadBytes: SALTED_FRAME_OVERHEAD_BYTES,
    payloadOffset: LENGTH_BYTES + SALT_BYTES,
    encode: (payload) => encodeSaltedFrame(payload, salt),
    encodeWith: (length, write) => encodeSaltedFrameWith(length, salt, write),
    validEnd: (buffer, offset) => validSaltedFrameEnd(buffer, offset, salt),
    read: (buffer, offset) => readSaltedFrame(buffer, offset, salt),
  }
}

/** Bytes of the checksum at a frame's end (the same in both layouts). */
export const FRAME_CHECKSUM_BYTES = CHECKSUM_BYTES

/** Every frame of a whole WAL file `bytes` after its header (as `readHeader` found it), in the
 *  layout of its format, and how the log ends (see `readFrames`). For tools that show a WAL; a
 *  format-3 file's zeros after its last frame end it cleanly. */
export function readLogFrames(
  bytes: Uint8Array,
  header: { length: number; salt: number | undefined },
): FrameScan {
  const codec = header.salt === undefined ? plainCodec : saltedCodec(header.salt)
  return scanFrames(bytes, header.length, codec.read)
}
