/**
 * The fixed-size footer at the end of every table (52 bytes):
 *
 *   0  u64 filter offset      8 u32 filter length
 *  12  u64 properties offset 20 u32 properties length
 *  24  u64 index offset      32 u32 index length
 *  36  u32 format version    40 u32 CRC32C of bytes 0..39
 *  44  8-byte magic "strataST"
 *
 * The three blocks it points at are laid out back to back right before it (filter, properties,
 * index, each followed by its trailer: 5 bytes in version 1, 10 in version 2), which the reader
 * checks: a footer that points anywhere else is damage, as is a file too short to hold one. In
 * version 2 the range-tombstone block sits between the filter and the properties: its handle is
 * the gap between them (it has no field of its own).
 */
import { crc32c } from '@strata/base'
import { type ByteSink, readU64 } from './coding.js'
import {
  type BlockHandle,
  FOOTER_BYTES,
  FOOTER_CRC_AT,
  FOOTER_MAGIC_AT,
  FOOTER_VERSION_AT,
  FORMAT_VERSION,
  MAGIC,
  READABLE_FORMAT_VERSIONS,
  trailerBytes,
} from './format.js'

export interface Footer {
  filter: BlockHandle
  properties: BlockHandle
  index: BlockHandle
  /** The table's format version (1 or 2): it decides the blocks' trailer layout. */
  version: number
  /** Version 2: the range-tombstone block; version 1 tables have none. */
  rangeTombstones: BlockHandle | undefined
}

/** Appends the footer to `sink`. */
export function encodeFooter(sink: ByteSink, footer: Omit<Footer, 'version' | 'rangeTombstones'>): void {
  sink.reserve(FOOTER_BYTES)
  const start = sink.length
  for (const handle of [footer.filter, footer.properties, footer.index]) {
    sink.u64(handle.offset)
    sink.u32(handle.length)
  }
  sink.u32(FORMAT_VERSION)
  sink.u32(crc32c(sink.bytes.subarray(start, start + FOOTER_CRC_AT)))
  sink.append(MAGIC)
}

/** A footer problem: what is wrong and at which byte of the footer. */
export interface FooterProblem {
  reason: string
  at: number
}

/** Decodes the last `FOOTER_BYTES` of a file of `fileSize` bytes, or says what is wrong. */
export function decodeFooter(bytes: Buffer, fileSize: number): Footer | FooterProblem {
  for (let index = 0; index < MAGIC.length; index++) {
    if (bytes[FOOTER_MAGIC_AT + index] !== MAGIC[index]) {
      return { reason: 'bad magic number (not a strata table, or truncated)', at: FOOTER_MAGIC_AT }
    }
  }
  const stored = bytes.readUInt32LE(FOOTER_CRC_AT)
  const actual = crc32c(bytes.subarray(0, FOOTER_CRC_AT))
  if (stored !== actual) return { reason: 'footer checksum mismatch', at: FOOTER_CRC_AT }
  const version = bytes.readUInt32LE(FOOTER_VERSION_AT)
  if (!READABLE_FORMAT_VERSIONS.includes(version)) {
    return {
      reason: `unsupported format version ${version} (this reader reads versions ${READABLE_FORMAT_VERSIONS.join(' and ')})`,
      at: FOOTER_VERSION_AT,
    }
  }
  const handles: BlockHandle[] = []
  for (let index = 0; index < 3; index++) {
    const offset = readU64(bytes, index * 12)
    const length = bytes.readUInt32LE(index * 12 + 8)
    if (offset < 0) return { reason: `block handle ${index} offset is out of range`, at: index * 12 }
    handles.push({ offset, length })
  }
  const [filter, properties, index] = handles as [BlockHandle, BlockHandle, BlockHandle]
  const end = fileSize - FOOTER_BYTES
  const trailer = trailerBytes(version)
  const filterEnd = filter.offset + filter.length + trailer
  const rangeTombstones =
    version >= 2 ? { offset: filterEnd, length: properties.offset - filterEnd - trailer } : undefined
  if (
    index.offset + index.length + trailer !== end ||
    properties.offset + properties.length + trailer !== index.offset ||
    (rangeTombstones === undefined ? filterEnd !== properties.offset : rangeTombstones.length < 4)
  ) {
    return { reason: 'block handles do not describe the blocks before the footer', at: 0 }
  }
  return { filter, properties, index, version, rangeTombstones }
}
