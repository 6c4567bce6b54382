/**
 * The properties block and `TableMeta`, the summary of a table the engine records in its
 * manifest. Layout (all little-endian): u64 entryCount, u64 tombstoneCount, u64 minSeq,
 * u64 maxSeq, u64 rawKeyBytes, u64 rawValueBytes, u32 blockBytes, u32 restartInterval,
 * u32 bloomBitsPerKey x 1000, then u32 length + bytes of the smallest key, and of the largest.
 */
import { type ByteSink, readU64 } from './coding.js'
import { PROPERTIES_FIXED_BYTES } from './format.js'

/** A table's summary: returned by `TableBuilder.finish()`, and `Table.meta` once opened. */
export interface TableMeta {
  /** The table's path. */
  path: string
  /** Size of the file in bytes. */
  fileSize: number
  /** Entries stored (every version and tombstone counts). */
  entryCount: number
  /** Entries with op Delete. */
  tombstoneCount: number
  /** Smallest user key (an empty array when the table is empty). */
  smallestKey: Uint8Array
  /** Largest user key (an empty array when the table is empty). */
  largestKey: Uint8Array
  /** Smallest seq stored (0 when empty). */
  minSeq: number
  /** Largest seq stored (0 when empty). */
  maxSeq: number
  /** Sum of key lengths over all entries, before prefix compression. */
  rawKeyBytes: number
  /** Sum of value lengths over all entries. */
  rawValueBytes: number
}

/** What the builder was configured with, stored for tools that inspect tables. */
export interface BuildSettings {
  blockBytes: number
  restartInterval: number
  bloomBitsPerKey: number
}

export type StoredProperties = Omit<TableMeta, 'path' | 'fileSize'> & BuildSettings

/** Encodes the properties block's contents into `sink` (trailer not included). */
export function encodeProperties(sink: ByteSink, properties: StoredProperties): void {
  sink.reserve(PROPERTIES_FIXED_BYTES + 8 + properties.smallestKey.length + properties.largestKey.length)
  sink.u64(properties.entryCount)
  sink.u64(properties.tombstoneCount)
  sink.u64(properties.minSeq)
  sink.u64(properties.maxSeq)
  sink.u64(properties.rawKeyBytes)
  sink.u64(properties.rawValueBytes)
  sink.u32(properties.blockBytes)
  sink.u32(properties.restartInterval)
  sink.u32(Math.round(properties.bloomBitsPerKey * 1000))
  sink.u32(properties.smallestKey.length)
  sink.append(properties.smallestKey)
  sink.reserve(4)
  sink.u32(properties.largestKey.length)
  sink.append(properties.largestKey)
}

/** Decodes verified properties contents, or returns what is wrong with them. */
export function decodeProperties(bytes: Buffer): StoredProperties | string {
  if (bytes.length < PROPERTIES_FIXED_BYTES + 8) return `properties block is only ${bytes.length} bytes`
  const counters: number[] = []
  for (let index = 0; index < 6; index++) {
    const value = readU64(bytes, index * 8)
    if (value < 0) return `property ${index} exceeds 2^53 - 1`
    counters.push(value)
  }
  const [entryCount, tombstoneCount, minSeq, maxSeq, rawKeyBytes, rawValueBytes] = counters as [
    number,
    number,
    number,
    number,
    number,
    number,
  ]
  let pos = 48
  const blockBytes = bytes.readUInt32LE(pos)
  const restartInterval = bytes.readUInt32LE(pos + 4)
  const bloomBitsPerKey = bytes.readUInt32LE(pos + 8) / 1000
  pos += 12
  const smallestLength = bytes.readUInt32LE(pos)
  pos += 4
  if (pos + smallestLength + 4 > bytes.length) return 'smallest key runs past the block'
  const smallestKey = new Uint8Array(bytes.subarray(pos, pos + smallestLength))
  pos += smallestLength
  const largestLength = bytes.readUInt32LE(pos)
  pos += 4
  if (pos + largestLength !== bytes.length) return 'largest key does not end the block'
  const largestKey = new Uint8Array(bytes.subarray(pos, pos + largestLength))
  if (tombstoneCount > entryCount) return 'more tombstones than entries'
  if (minSeq > maxSeq) return 'minSeq is larger than maxSeq'
  return {
    entryCount,
    tombstoneCount,
    smallestKey,
    largestKey,
    minSeq,
    maxSeq,
    rawKeyBytes,
    rawValueBytes,
    blockBytes,
    restartInterval,
    bloomBitsPerKey,
  }
}
