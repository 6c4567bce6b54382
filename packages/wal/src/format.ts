/**
 * The constants the WAL's writer and reader share. The layout they describe is written down
 * byte by byte in docs/format.md, section "Write-ahead log". Values marked "On disk" are stored
 * in files: never change or renumber them; a new layout gets a new FORMAT_VERSION.
 */

/** First four bytes of every WAL file: ASCII "SWAL". On disk. */
export const MAGIC = Uint8Array.of(0x53, 0x57, 0x41, 0x4c)

/** Layout version, stored as a u32 little-endian right after the magic. On disk. */
export const FORMAT_VERSION = 1

/** Bytes of the file header: magic (4) + format version (4). On disk. */
export const HEADER_BYTES = 8

/** Bytes of a frame's length prefix (u32 little-endian payload length). On disk. */
export const LENGTH_BYTES = 4

/** Bytes of a frame's trailing checksum (u32 little-endian CRC32C of the payload). On disk. */
export const CHECKSUM_BYTES = 4

/** Bytes a frame adds around its payload. */
export const FRAME_OVERHEAD_BYTES = LENGTH_BYTES + CHECKSUM_BYTES

/** The largest payload a frame may hold (128 MiB). A larger length prefix is damage, not a
 *  torn write. Writers refuse larger entries or batches. */
export const MAX_PAYLOAD_BYTES = 128 * 1024 * 1024

/** The WAL header bytes: magic then the version. */
export function headerBytes(): Buffer {
  const header = Buffer.alloc(HEADER_BYTES)
  header.set(MAGIC, 0)
  header.writeUInt32LE(FORMAT_VERSION, MAGIC.length)
  return header
}

/** Every this many bytes of log the writer remembers one frame's offset and first seq, so
 *  `truncateBefore` finds its cut by reading at most this much (not the whole removed part). */
export const CHECKPOINT_INTERVAL_BYTES = 64 * 1024

/** Largest single write the group-commit loop issues; a bigger backlog goes in several writes. */
export const MAX_WRITE_BYTES = 1024 * 1024

/** Chunk size for copying the kept part of the log during `truncateBefore`. */
export const COPY_CHUNK_BYTES = 1024 * 1024
