/**
 * Files of formats 1 and 2 (plain frames, no salt, no preallocated space) are read as they are;
 * before the first write to one, its valid frames are re-encoded as format 3 (pure code here;
 * `LogFile.convertSync` writes the result to a temp file and renames it over the log).
 */
import { Checkpoints } from './checkpoints.js'
import { WALCorruptError } from './errors.js'
import { headerBytes } from './format.js'
import type { FrameCodec } from './frame-codec.js'
import { firstSeqOf } from './truncation.js'

/** `bytes` (a whole file of format 1 or 2 up to the end of its last valid frame, whose header is
 *  `legacy.headerLength` bytes) as a format-3 file of `codec`'s salt claiming `syncedSeq`. */
export function convertToCurrentFormat(
  bytes: Uint8Array,
  legacy: { headerLength: number; codec: FrameCodec },
  syncedSeq: number,
  codec: FrameCodec,
  path: string,
): { bytes: Buffer; checkpoints: Checkpoints } {
  const parts: Uint8Array[] = [headerBytes(syncedSeq, codec.salt!)]
  const checkpoints = new Checkpoints()
  let written = parts[0]!.length
  for (let offset = legacy.headerLength; offset < bytes.length; ) {
    const read = legacy.codec.read(bytes, offset)
    if (read.status !== 'frame') {
      // These frames were checked when the file was opened: it changed since.
      throw new WALCorruptError({
        file: path,
        offset,
        reason: 'frame changed on disk since the file was opened',
        lastGoodSeq: undefined,
      })
    }
    const frame = codec.encode(read.payload)
    checkpoints.note(written, firstSeqOf(frame, path, offset, codec))
    parts.push(frame)
    written += frame.length
    offset = read.next
  }
  return { bytes: Buffer.concat(parts, written), checkpoints }
}
