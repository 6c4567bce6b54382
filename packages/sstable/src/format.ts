/**
 * Constants of the SSTable format shared by the writer and the reader. The layout is described
 * byte by byte in docs/format.md, section "SSTable". Every value marked "On disk" is stored in
 * files: never renumber or change it without bumping `FORMAT_VERSION`.
 */

/**
 * Version of the table layout, stored in the footer. On disk. Never renumber. Version 1: 5-byte
 * block trailers, every block stored raw, no range tombstones. Version 2: 10-byte block trailers
 * that record the block's codec and uncompressed length (data blocks may be compressed), and a
 * range-tombstone block between the filter and the properties. This build writes version 2 and
 * reads both.
 */
export const FORMAT_VERSION = 2

/** Format versions this build reads. */
export const READABLE_FORMAT_VERSIONS: readonly number[] = [1, 2]

/** The last 8 bytes of every table: ASCII "strataST". On disk. */
export const MAGIC = Uint8Array.of(0x73, 0x74, 0x72, 0x61, 0x74, 0x61, 0x53, 0x54)

/**
 * Footer: three block handles (filter, properties, index: u64 offset + u32 length each), the
 * format version (u32), a CRC32C of the 40 bytes before it, and the magic. On disk.
 */
export const FOOTER_BYTES = 52
export const FOOTER_VERSION_AT = 36
export const FOOTER_CRC_AT = 40
export const FOOTER_MAGIC_AT = 44

/** Version 1: every block is followed by a 5-byte trailer: its type (u8) and a CRC32C of
 *  contents + type. */
export const TRAILER_V1_BYTES = 5

/**
 * Version 2: every block is followed by a 10-byte trailer: type (u8), codec id (u8), uncompressed
 * length (u32), CRC32C (u32) of the stored contents + the trailer's first 6 bytes. Offsets
 * within the trailer below. On disk.
 */
export const TRAILER_V2_BYTES = 10
export const TRAILER_TYPE_AT = 0
export const TRAILER_CODEC_AT = 1
export const TRAILER_RAW_LENGTH_AT = 2
export const TRAILER_V2_CRC_AT = 6

/** The trailer length of every block of a table of format `version` (1 or 2). */
export function trailerBytes(version: number): number {
  return version === 1 ? TRAILER_V1_BYTES : TRAILER_V2_BYTES
}

/** The trailer length of the tables this build writes. */
export const TRAILER_BYTES = TRAILER_V2_BYTES

/** Block types stored in the trailer. On disk. Never renumber. */
export const BlockType = {
  Data: 1,
  Index: 2,
  Filter: 3,
  Properties: 4,
  /** Range tombstones, fragmented (format version 2 on). */
  RangeTombstones: 5,
} as const
export type BlockType = (typeof BlockType)[keyof typeof BlockType]

/** Which block a corruption was found in (the `block` of `SSTableCorruptError`). */
export type BlockKind = 'footer' | 'index' | 'filter' | 'properties' | 'data' | 'range-tombstones'

export const BLOCK_KIND: Record<BlockType, BlockKind> = {
  [BlockType.Data]: 'data',
  [BlockType.Index]: 'index',
  [BlockType.Filter]: 'filter',
  [BlockType.Properties]: 'properties',
  [BlockType.RangeTombstones]: 'range-tombstones',
}

/** Where a block lives in the file: `length` counts its contents, not the trailer. */
export interface BlockHandle {
  offset: number
  length: number
}

/** Properties block: 6 u64 counters, 3 u32 build options, then two u32-length-prefixed keys. */
export const PROPERTIES_FIXED_BYTES = 6 * 8 + 3 * 4

/** Filter block header: u8 layout, u8 probe count, u32 bit count; the bit array follows. */
export const FILTER_HEADER_BYTES = 6

/** Filter layouts (first byte of the filter block). On disk. Never renumber. */
export const FilterLayout = {
  /** No filter: every key may be present. */
  None: 0,
  /** Probes spread over the whole bit array. */
  Standard: 1,
  /** All probes of a key inside one 512-bit block. */
  Blocked: 2,
} as const
export type FilterLayout = (typeof FilterLayout)[keyof typeof FilterLayout]

/** Seeds of the two 32-bit murmur3 hashes the bloom filter combines. On disk (they decide
 *  which bits are set). */
export const FILTER_SEED_1 = 0xbc9f1d34
export const FILTER_SEED_2 = 0x7a6b9c23

/** Largest block a handle can describe (u32 length). */
export const MAX_BLOCK_BYTES = 0xffff_ffff
