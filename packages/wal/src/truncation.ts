/**
 * Where `truncateBefore(seq)` cuts, decided in pure code: given the stretch of the log that holds
 * the first frame with an entry above `seq`, find that frame. A batch frame that straddles `seq`
 * is re-encoded with only its entries above `seq` (still one frame: still atomic).
 */
import { WALCorruptError } from './errors.js'
import type { FrameCodec } from './frame-codec.js'
import { decodePayload, encodeBatchPayload } from './payload.js'

export interface Cut {
  /** Offset in the old file from which bytes are kept verbatim. */
  keptStart: number
  /** A re-encoded frame holding the kept part of a straddling batch, written before the rest. */
  head: Buffer | undefined
  /** First seq kept among the scanned frames (undefined: none of them is kept). */
  firstKeptSeq: number | undefined
}

/** Finds the cut in `region`, the bytes of the log from `regionStart`, which hold whole frames
 *  of `codec`'s layout (the head is encoded with it too). */
export function planCut(
  region: Uint8Array,
  regionStart: number,
  seq: number,
  path: string,
  codec: FrameCodec,
): Cut {
  let offset = 0
  let lastGoodSeq: number | undefined
  while (offset < region.length) {
    const read = codec.read(region, offset)
    const decoded = read.status === 'frame' ? decodePayload(read.payload) : undefined
    if (read.status !== 'frame' || typeof decoded !== 'object') {
      // These bytes were checked when written or replayed: the file changed under the log.
      throw new WALCorruptError({
        file: path,
        offset: regionStart + offset,
        reason: `frame changed on disk since it was written (${
          read.status === 'frame' ? decoded : read.status === 'end' ? 'missing' : read.reason
        })`,
        lastGoodSeq,
      })
    }
    const first = decoded[0]!
    const last = decoded[decoded.length - 1]!
    if (last.seq > seq) {
      if (first.seq > seq)
        return { keptStart: regionStart + offset, head: undefined, firstKeptSeq: first.seq }
      const kept = decoded.filter((entry) => entry.seq > seq)
      return {
        keptStart: regionStart + read.next,
        head: codec.encode(encodeBatchPayload(kept)),
        firstKeptSeq: kept[0]!.seq,
      }
    }
    lastGoodSeq = last.seq
    offset = read.next
  }
  return { keptStart: regionStart + region.length, head: undefined, firstKeptSeq: undefined }
}

/** First seq of the first frame in `bytes` (which start at a frame boundary). */
export function firstSeqOf(bytes: Uint8Array, path: string, offset: number, codec: FrameCodec): number {
  const read = codec.read(bytes, 0)
  const decoded = read.status === 'frame' ? decodePayload(read.payload) : undefined
  if (read.status !== 'frame' || typeof decoded !== 'object') {
    throw new WALCorruptError({
      file: path,
      offset,
      reason: 'frame changed on disk since it was written',
      lastGoodSeq: undefined,
    })
  }
  return decoded[0]!.seq
}
