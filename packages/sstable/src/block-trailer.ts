/**
 * Block trailers. Every block of a table is followed by a trailer whose layout depends on the
 * table's format version (docs/format.md, "SSTable"):
 *
 * - version 1 (5 bytes): u8 block type, u32 CRC32C of contents + type; contents stored raw.
 * - version 2 (10 bytes): u8 block type, u8 codec id, u32 uncompressed length, u32 CRC32C of the
 *   stored contents + the trailer's first 6 bytes. The stored contents are the codec's output.
 *
 * The writer always writes version 2; `readTrailer` checks either and `blockContents` returns
 * what the block holds, decompressed.
 */
import { crc32c } from '@strata/base'
import type { ByteSink } from './coding.js'
import { type CodecId, CodecId as Codecs } from './compression/codec.js'
import { codecById } from './compression/registry.js'
import { TRAILER_CODEC_AT, TRAILER_RAW_LENGTH_AT, TRAILER_V2_BYTES, TRAILER_V2_CRC_AT } from './format.js'

/**
 * Appends a version-2 trailer to the block stored at `sink[start..]`: `type`, `codec` (the codec
 * the stored bytes were written with) and `rawLength` (the block's length before compression).
 */
export function appendTrailer(
  sink: ByteSink,
  start: number,
  type: number,
  codec: CodecId,
  rawLength: number,
): void {
  sink.reserve(TRAILER_V2_BYTES)
  sink.u8(type)
  sink.u8(codec)
  sink.u32(rawLength)
  sink.u32(crc32c(sink.bytes.subarray(start, sink.length)))
}

/** What a trailer says about its block, once checked. */
export interface Trailer {
  /** Codec id of the stored contents (always `none` in a version-1 table). */
  codec: number
  /** Length of the contents once decompressed. */
  rawLength: number
}

/** A trailer problem: what is wrong, and the byte offset in the block (from its start). */
export interface TrailerProblem {
  reason: string
  at: number
}

/**
 * Checks the trailer that follows the `length` stored bytes at `bytes[at..]` of a table of format
 * `version`: checksum, then block `type`, then (version 2) that a raw block's uncompressed length
 * is its stored length. Returns the trailer, or the problem.
 */
export function readTrailer(
  bytes: Uint8Array,
  at: number,
  length: number,
  type: number,
  version: number,
): Trailer | TrailerProblem {
  const end = at + length
  const checked = version === 1 ? 1 : TRAILER_V2_CRC_AT
  const stored = readU32(bytes, end + checked)
  const actual = crc32c(bytes.subarray(at, end + checked))
  if (stored !== actual) {
    return { reason: `checksum mismatch (stored ${hex(stored)}, computed ${hex(actual)})`, at: 0 }
  }
  if (bytes[end] !== type) return { reason: `block type ${bytes[end]} where ${type} belongs`, at: length }
  if (version === 1) return { codec: Codecs.None, rawLength: length }
  const codec = bytes[end + TRAILER_CODEC_AT]!
  const rawLength = readU32(bytes, end + TRAILER_RAW_LENGTH_AT)
  if (codec === Codecs.None && rawLength !== length) {
    return { reason: `raw block of ${length} bytes records ${rawLength} uncompressed bytes`, at: length + 2 }
  }
  return { codec, rawLength }
}

/**
 * The contents of a checked block: `stored` itself when raw, else the decompressed bytes: in
 * `into` when given and long enough (a view, valid until `into` is reused; lz4 only), else in a
 * fresh buffer. Throws `DecompressionError` (code `STRATA_CORRUPTION`) when the codec id is
 * unknown or the bytes do not decode to exactly `trailer.rawLength` bytes: the caller wraps it.
 */
export function blockContents(stored: Buffer, trailer: Trailer, into?: Buffer): Buffer {
  if (trailer.codec === Codecs.None) return stored
  const decoded = codecById(trailer.codec).decompress(stored, trailer.rawLength, into)
  return Buffer.isBuffer(decoded) ? decoded : Buffer.from(decoded.buffer, decoded.byteOffset, decoded.length)
}

function readU32(bytes: Uint8Array, pos: number): number {
  return (bytes[pos]! | (bytes[pos + 1]! << 8) | (bytes[pos + 2]! << 16) | (bytes[pos + 3]! << 24)) >>> 0
}

function hex(value: number): string {
  return `0x${value.toString(16).padStart(8, '0')}`
}
