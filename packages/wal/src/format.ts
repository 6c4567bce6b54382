/**
 * The constants the WAL's writer and reader share. The layout they describe is written down
 * byte by byte in docs/format.md, section "Write-ahead log". Values marked "On disk" are stored
 * in files: never change or renumber them; a new layout gets a new FORMAT_VERSION.
 */
import { crc32cRange } from '@strata/base'

/** First four bytes of every WAL file: ASCII "SWAL". On disk. */
export const MAGIC = Uint8Array.of(0x53, 0x57, 0x41, 0x4c)

/** Layout version, stored as a u32 little-endian right after the magic. On disk. Version 2
 *  added the synced seq to the header; version 3 the file's salt (in the header and in every
 *  frame) and preallocated space after the last frame. Files of versions 1 and 2 are still read;
 *  the first write to one rewrites it as version 3 (see `LogFile.convertSync`). */
export const FORMAT_VERSION = 3

/** Bytes of the file header: magic (4) + format version (4) + synced seq (u64 LE, 8) + salt
 *  (u32 LE, 4) + CRC32C of the 20 bytes before it (u32 LE, 4). On disk. */
export const HEADER_BYTES = 24

/** Bytes of a version-2 file header: magic (4) + version (4) + synced seq (8) + CRC32C (4). */
export const V2_HEADER_BYTES = 20

/** Where a version-2 header's checksum starts. On disk. */
export const V2_HEADER_CHECKSUM_OFFSET = 16

/** Bytes of a version-1 file header: magic (4) + format version (4). On disk. */
export const V1_HEADER_BYTES = 8

/** Where the header's salt starts (version 3): a random non-zero u32 chosen when the file is
 *  written from its first byte, repeated in every frame, so bytes left in the file by an
 *  earlier file or generation never read as a frame of this one. On disk. */
export const SALT_OFFSET = 16

/** Bytes of a version-3 frame's salt (u32 LE, after the length prefix). On disk. */
export const SALT_BYTES = 4

/** Where the header's synced seq starts: the highest seq this file held when an fsync of it last
 *  completed (0: none yet). Rewritten in place after fsyncs; see `LogFile.noteSynced`. On disk. */
export const SYNCED_SEQ_OFFSET = 8

/** Bytes of a frame's length prefix (u32 little-endian payload length). On disk. */
export const LENGTH_BYTES = 4

/** Bytes of a frame's trailing checksum (u32 little-endian CRC32C of the payload). On disk. */
export const CHECKSUM_BYTES = 4

/** Bytes a frame of the plain codec (versions 1 and 2, the manifest) adds around its payload. */
export const FRAME_OVERHEAD_BYTES = LENGTH_BYTES + CHECKSUM_BYTES

/** Bytes a version-3 frame adds around its payload: length, salt, checksum. */
export const SALTED_FRAME_OVERHEAD_BYTES = LENGTH_BYTES + SALT_BYTES + CHECKSUM_BYTES

/** The largest payload a frame may hold (128 MiB). A larger length prefix is damage, not a
 *  torn write. Writers refuse larger entries or batches. */
export const MAX_PAYLOAD_BYTES = 128 * 1024 * 1024

/** The WAL header bytes (version 3): magic, the version, `syncedSeq`, then `salt`. */
export function headerBytes(syncedSeq: number, salt: number): Buffer {
  const header = Buffer.alloc(HEADER_BYTES)
  header.set(MAGIC, 0)
  header.writeUInt32LE(FORMAT_VERSION, MAGIC.length)
  header.writeBigUInt64LE(BigInt(syncedSeq), SYNCED_SEQ_OFFSET)
  header.writeUInt32LE(salt, SALT_OFFSET)
  header.writeUInt32LE(crc32cRange(header, 0, HEADER_CHECKSUM_OFFSET), HEADER_CHECKSUM_OFFSET)
  return header
}

/** A new file's salt: random, never 0 (zeroed space has salt 0). */
export function newSalt(): number {
  const salt = new Uint32Array(1)
  while (salt[0] === 0) crypto.getRandomValues(salt)
  return salt[0]!
}

/** The header's synced seq is rewritten at most once per this many milliseconds (and at close):
 *  each rewrite adds a page to the next fsync. A crash loses at most this much of its coverage. */
export const CLAIM_INTERVAL_MS = 50

/** Where the header's checksum starts (it covers every header byte before it). On disk. */
export const HEADER_CHECKSUM_OFFSET = 20

/** The header's bytes from SYNCED_SEQ_OFFSET on (synced seq, salt and checksum): what is
 *  rewritten in place when the synced seq moves (16 bytes, one sector: written whole or not at
 *  all). */
export function syncedSeqBytes(syncedSeq: number, salt: number): Buffer {
  return headerBytes(syncedSeq, salt).subarray(SYNCED_SEQ_OFFSET)
}

/** Space is added to the file ahead of the frames (zeros written once), so that a synced
 *  append overwrites allocated bytes and changes no file size: fdatasync then writes data only.
 *  Each extension adds as many bytes as the file already has, at least MIN and at most MAX. */
export const MIN_PREALLOCATION_BYTES = 16 * 1024
export const MAX_PREALLOCATION_BYTES = 4 * 1024 * 1024

/** Every this many bytes of log the writer remembers one frame's offset and first seq, so
 *  `truncateBefore` finds its cut by reading at most this much (not the whole removed part). */
export const CHECKPOINT_INTERVAL_BYTES = 64 * 1024

/** Largest single write the group-commit loop issues; a bigger backlog goes in several writes. */
export const MAX_WRITE_BYTES = 1024 * 1024

/** Chunk size for copying the kept part of the log during `truncateBefore`. */
export const COPY_CHUNK_BYTES = 1024 * 1024

/** Largest length one read call asks for: Node refuses a read of 2 GiB or more in one call. */
export const MAX_READ_CALL_BYTES = 1024 * 1024 * 1024
