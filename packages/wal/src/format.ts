/**
 * The constants the WAL's writer and reader share. The layout they describe is written down
 * byte by byte in docs/format.md, section "Write-ahead log". Values marked "On disk" are stored
 * in files: never change or renumber them; a new layout gets a new FORMAT_VERSION.
 */
import { crc32cRange } from '@strata/base'

/** First four bytes of every WAL file: ASCII "SWAL". On disk. */
export const MAGIC = Uint8Array.of(0x53, 0x57, 0x41, 0x4c)

/** Layout version, stored as a u32 little-endian right after the magic. On disk. Version 2
 *  added the synced seq to the header; files of version 1 are still read (and appended to). */
export const FORMAT_VERSION = 2

/** Bytes of the file header: magic (4) + format version (4) + synced seq (u64 LE, 8) + CRC32C
 *  of the 16 bytes before it (u32 LE, 4). On disk. */
export const HEADER_BYTES = 20

/** Bytes of a version-1 file header: magic (4) + format version (4). On disk. */
export const V1_HEADER_BYTES = 8

/** Where the header's synced seq starts: the highest seq this file held when an fsync of it last
 *  completed (0: none yet). Rewritten in place after fsyncs; see `LogFile.noteSynced`. On disk. */
export const SYNCED_SEQ_OFFSET = 8

/** Bytes of a frame's length prefix (u32 little-endian payload length). On disk. */
export const LENGTH_BYTES = 4

/** Bytes of a frame's trailing checksum (u32 little-endian CRC32C of the payload). On disk. */
export const CHECKSUM_BYTES = 4

/** Bytes a frame adds around its payload. */
export const FRAME_OVERHEAD_BYTES = LENGTH_BYTES + CHECKSUM_BYTES

/** The largest payload a frame may hold (128 MiB). A larger length prefix is damage, not a
 *  torn write. Writers refuse larger entries or batches. */
export const MAX_PAYLOAD_BYTES = 128 * 1024 * 1024

/** The WAL header bytes: magic, the version, then `syncedSeq`. */
export function headerBytes(syncedSeq = 0): Buffer {
  const header = Buffer.alloc(HEADER_BYTES)
  header.set(MAGIC, 0)
  header.writeUInt32LE(FORMAT_VERSION, MAGIC.length)
  header.writeBigUInt64LE(BigInt(syncedSeq), SYNCED_SEQ_OFFSET)
  header.writeUInt32LE(crc32cRange(header, 0, HEADER_CHECKSUM_OFFSET), HEADER_CHECKSUM_OFFSET)
  return header
}

/** The header's synced seq is rewritten at most once per this many milliseconds (and at close):
 *  each rewrite adds a page to the next fsync. A crash loses at most this much of its coverage. */
export const CLAIM_INTERVAL_MS = 50

/** Where the header's checksum starts (it covers every header byte before it). On disk. */
export const HEADER_CHECKSUM_OFFSET = 16

/** The header's bytes from SYNCED_SEQ_OFFSET on (synced seq and checksum): what is rewritten in
 *  place when the synced seq moves (12 bytes, one sector: written whole or not at all). */
export function syncedSeqBytes(syncedSeq: number): Buffer {
  return headerBytes(syncedSeq).subarray(SYNCED_SEQ_OFFSET)
}

/** Every this many bytes of log the writer remembers one frame's offset and first seq, so
 *  `truncateBefore` finds its cut by reading at most this much (not the whole removed part). */
export const CHECKPOINT_INTERVAL_BYTES = 64 * 1024

/** Largest single write the group-commit loop issues; a bigger backlog goes in several writes. */
export const MAX_WRITE_BYTES = 1024 * 1024

/** Chunk size for copying the kept part of the log during `truncateBefore`. */
export const COPY_CHUNK_BYTES = 1024 * 1024
