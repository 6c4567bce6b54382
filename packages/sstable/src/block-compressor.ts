/**
 * `BlockCompressor`: compresses each data block a `TableBuilder` finishes, in place in the
 * builder's output sink, with the table's codec, and keeps it only when it shrinks by at least
 * 12.5% (`worthStoringCompressed`); otherwise the block stays raw (codec `none`). After
 * `SKIP_AFTER_RAW` blocks in a row that stayed raw, only every `SKIP_AFTER_RAW`th block is tried
 * until one compresses again: incompressible data (random or already compressed values) then
 * costs one compression attempt per 8 blocks instead of one per block. Counts the bytes before
 * and after.
 */
import type { ByteSink } from './coding.js'
import { type BlockCodec, CodecId, worthStoringCompressed } from './compression/codec.js'

/** Shortest stored block: a block's restart count alone takes 4 bytes, and the index refuses
 *  handles shorter than that. */
const MIN_STORED_BYTES = 4

/** Blocks in a row stored raw after which only every such block is tried. */
export const SKIP_AFTER_RAW = 8

export class BlockCompressor {
  readonly codec: BlockCodec
  /** Data blocks' bytes before compression, and as stored. */
  rawBytes = 0
  storedBytes = 0
  private output: Uint8Array = new Uint8Array(0)
  /** Blocks stored raw in a row (a compressed one resets it). */
  private rawStreak = 0

  constructor(codec: BlockCodec) {
    this.codec = codec
  }

  /**
   * Compresses the block at `sink.bytes[start, sink.length)`. When worth storing compressed, the
   * compressed bytes replace it (the sink is shortened) and the codec's id is returned; otherwise
   * the block is left as is and `CodecId.None` is returned.
   */
  compress(sink: ByteSink, start: number): CodecId {
    const rawLength = sink.length - start
    this.rawBytes += rawLength
    if (this.codec.id === CodecId.None || rawLength === 0) {
      this.storedBytes += rawLength
      return CodecId.None
    }
    if (this.rawStreak >= SKIP_AFTER_RAW && this.rawStreak % SKIP_AFTER_RAW !== 0) {
      this.rawStreak++
      this.storedBytes += rawLength
      return CodecId.None
    }
    const bound = this.codec.maxCompressedLength(rawLength)
    if (this.output.length < bound) this.output = new Uint8Array(Math.max(bound, 2 * this.output.length))
    const compressed = this.codec.compress(sink.bytes.subarray(start, sink.length), this.output)
    if (!worthStoringCompressed(rawLength, compressed.length) || compressed.length < MIN_STORED_BYTES) {
      this.rawStreak++
      this.storedBytes += rawLength
      return CodecId.None
    }
    this.rawStreak = 0
    sink.bytes.set(compressed, start)
    sink.length = start + compressed.length
    this.storedBytes += compressed.length
    return this.codec.id
  }
}
