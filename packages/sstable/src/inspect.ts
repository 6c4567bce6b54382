/**
 * `inspectTable`: reads a whole table for an operator's tool (`strata inspect`): the footer, the
 * filter, properties and index blocks, and every data block; verifies every checksum and every
 * structural rule the reader relies on (handles tiling the file, restart arrays, entry order,
 * index keys matching block ends, properties matching the entries, the filter admitting every
 * key). It never throws for damage: each problem is reported with its byte offset and its block,
 * and everything that can still be checked is checked. Only a failure to read the file at all
 * (missing, unreadable) rejects, with an `IOError`.
 *
 * The layout is in docs/format.md, "SSTable". Unlike `Table.open`, this reads the whole file
 * into memory at once: it is a tool for looking at one table, not a read path.
 */
import {
  compareBytes,
  crc32c,
  type FileSystem,
  type InternalEntry,
  nodeFileSystem,
  OpType,
  type RangeFragment,
  StrataError,
  toIOError,
} from '@strata/base'
import { Block } from './block.js'
import { blockContents, readTrailer } from './block-trailer.js'
import { BloomFilter } from './bloom.js'
import { readU64, readVarint, varintEnd } from './coding.js'
import { CODECS } from './compression/registry.js'
import { SSTableCorruptError } from './errors.js'
import {
  BLOCK_KIND,
  type BlockKind,
  BlockType,
  FilterLayout,
  FOOTER_BYTES,
  FOOTER_CRC_AT,
  FOOTER_MAGIC_AT,
  FOOTER_VERSION_AT,
  MAGIC,
  READABLE_FORMAT_VERSIONS,
  trailerBytes,
} from './format.js'
import { decodeProperties } from './properties.js'
import { decodeRangeTombstones } from './range-tombstone-block.js'

/** Where a block lives: `length` counts its stored contents, not its trailer. */
export interface TableBlockHandle {
  offset: number
  length: number
}

/** One thing wrong with the table. */
export interface TableProblem {
  /** The block the damage is in. */
  block: BlockKind
  /** For a data block, its position in the file (0 = first). */
  blockNumber?: number
  /** Byte offset in the file of the damaged block or field. */
  offset: number
  /** What is wrong, in a few words. */
  reason: string
}

export interface InspectedDataBlock {
  /** Position in the file, from 0. */
  number: number
  offset: number
  /** Bytes stored (compressed when `codec` is not `none`), without the trailer. */
  length: number
  /** The codec the block is stored with (`none`, `lz4`, `deflate`; `#<id>` for an unknown id). */
  codec: string
  /** The block's length once decompressed (`length` when stored raw). */
  uncompressedLength: number
  /** False when the block failed a check (its problem is in `problems`). */
  ok: boolean
  entryCount: number
  restartCount: number
  firstKey: Uint8Array | undefined
  lastKey: Uint8Array | undefined
  /** Every entry of the block, when `inspectTable` was asked for them (values are views). */
  entries?: InternalEntry[]
}

/** The properties block as stored. */
export interface TableProperties {
  entryCount: number
  tombstoneCount: number
  minSeq: number
  maxSeq: number
  rawKeyBytes: number
  rawValueBytes: number
  smallestKey: Uint8Array
  largestKey: Uint8Array
  blockBytes: number
  restartInterval: number
  bloomBitsPerKey: number
}

export interface TableInspection {
  path: string
  fileSize: number
  /** `undefined` when the file is too short to hold one. */
  footer:
    | {
        offset: number
        filter: TableBlockHandle
        properties: TableBlockHandle
        index: TableBlockHandle
        formatVersion: number
        magicOk: boolean
        checksumOk: boolean
      }
    | undefined
  properties: TableProperties | undefined
  /** Format version 2: the range-tombstone block's fragments (undefined: version 1, or damaged). */
  rangeTombstones?: RangeFragment[]
  filter:
    | {
        layout: 'none' | 'standard' | 'blocked'
        probes: number
        bits: number
        offset: number
        length: number
      }
    | undefined
  /** The index block: one entry per data block. */
  index: { offset: number; length: number; entryCount: number } | undefined
  dataBlocks: InspectedDataBlock[]
  /** Entries decoded from the data blocks that passed their checks. */
  entryCount: number
  tombstoneCount: number
  /** True when every data block was located and checked (the index was readable). */
  allBlocksChecked: boolean
  /** Every problem found, in file order of discovery; empty for a sound table. */
  problems: TableProblem[]
}

export interface InspectTableOptions {
  /** The file system (default `nodeFileSystem`). */
  fs?: FileSystem
  /** Keep every decoded entry in `dataBlocks[i].entries`. Default false. */
  entries?: boolean
}

const LAYOUT_NAMES = {
  [FilterLayout.None]: 'none',
  [FilterLayout.Standard]: 'standard',
  [FilterLayout.Blocked]: 'blocked',
} as const

function hex(value: number): string {
  return `0x${value.toString(16).padStart(8, '0')}`
}

/** Reads and checks the table at `path`. Rejects only when the file cannot be read. */
export async function inspectTable(
  path: string,
  options: InspectTableOptions = {},
): Promise<TableInspection> {
  const fs = options.fs ?? nodeFileSystem
  let raw: Uint8Array
  try {
    raw = await fs.readFile(path)
  } catch (error) {
    throw toIOError(error, 'reading the table', path)
  }
  const bytes = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength)
  const result: TableInspection = {
    path,
    fileSize: bytes.length,
    footer: undefined,
    properties: undefined,
    filter: undefined,
    index: undefined,
    dataBlocks: [],
    entryCount: 0,
    tombstoneCount: 0,
    allBlocksChecked: false,
    problems: [],
  }
  const problem = (block: BlockKind, offset: number, reason: string, blockNumber?: number) => {
    result.problems.push(
      blockNumber === undefined ? { block, offset, reason } : { block, blockNumber, offset, reason },
    )
  }

  // ---- footer
  if (bytes.length < FOOTER_BYTES) {
    problem(
      'footer',
      0,
      `the file is ${bytes.length} bytes, shorter than the ${FOOTER_BYTES}-byte footer (truncated?)`,
    )
    return result
  }
  const footerAt = bytes.length - FOOTER_BYTES
  const footer = bytes.subarray(footerAt)
  const magicOk = MAGIC.every((byte, index) => footer[FOOTER_MAGIC_AT + index] === byte)
  if (!magicOk)
    problem('footer', footerAt + FOOTER_MAGIC_AT, 'bad magic number (not a strata table, or truncated)')
  const storedCrc = footer.readUInt32LE(FOOTER_CRC_AT)
  const actualCrc = crc32c(footer.subarray(0, FOOTER_CRC_AT))
  const checksumOk = storedCrc === actualCrc
  if (!checksumOk) {
    problem(
      'footer',
      footerAt + FOOTER_CRC_AT,
      `footer checksum mismatch (stored ${hex(storedCrc)}, computed ${hex(actualCrc)})`,
    )
  }
  const formatVersion = footer.readUInt32LE(FOOTER_VERSION_AT)
  if (!READABLE_FORMAT_VERSIONS.includes(formatVersion)) {
    problem(
      'footer',
      footerAt + FOOTER_VERSION_AT,
      `format version ${formatVersion} (this reader reads versions ${READABLE_FORMAT_VERSIONS.join(' and ')})`,
    )
  }
  const trailerLength = trailerBytes(formatVersion)
  const handles = [0, 1, 2].map((index) => ({
    offset: readU64(footer, index * 12),
    length: footer.readUInt32LE(index * 12 + 8),
  })) as [TableBlockHandle, TableBlockHandle, TableBlockHandle]
  const [filterHandle, propertiesHandle, indexHandle] = handles
  const laidOut =
    handles.every((handle) => handle.offset >= 0) &&
    indexHandle.offset + indexHandle.length + trailerLength === footerAt &&
    propertiesHandle.offset + propertiesHandle.length + trailerLength === indexHandle.offset &&
    (formatVersion >= 2
      ? filterHandle.offset + filterHandle.length + 2 * trailerLength + 4 <= propertiesHandle.offset
      : filterHandle.offset + filterHandle.length + trailerLength === propertiesHandle.offset)
  result.footer = {
    offset: footerAt,
    filter: filterHandle,
    properties: propertiesHandle,
    index: indexHandle,
    formatVersion,
    magicOk,
    checksumOk,
  }
  if (!laidOut) {
    problem(
      'footer',
      footerAt,
      'block handles do not describe the filter, properties and index blocks before the footer; no block can be located',
    )
    return result
  }

  /** Checks a block's trailer; returns its contents, or undefined (problem reported) when bad. */
  const verified = (
    handle: TableBlockHandle,
    type: BlockType,
    blockNumber?: number,
    inspected?: InspectedDataBlock,
  ): Buffer | undefined => {
    const kind = BLOCK_KIND[type]
    const end = handle.offset + handle.length
    if (end + trailerLength > footerAt) {
      problem(kind, handle.offset, `block of ${handle.length} bytes runs past the data region`, blockNumber)
      return undefined
    }
    const trailer = readTrailer(bytes, handle.offset, handle.length, type, formatVersion)
    if ('reason' in trailer) {
      problem(kind, handle.offset + trailer.at, trailer.reason, blockNumber)
      return undefined
    }
    if (inspected !== undefined) {
      inspected.codec = CODECS[trailer.codec]?.name ?? `#${trailer.codec}`
      inspected.uncompressedLength = trailer.rawLength
    }
    try {
      return blockContents(bytes.subarray(handle.offset, end), trailer)
    } catch (error) {
      if (!(error instanceof StrataError)) throw error
      problem(kind, handle.offset, error.message, blockNumber)
      return undefined
    }
  }

  // ---- filter
  let filter: BloomFilter | undefined
  const filterBytes = verified(filterHandle, BlockType.Filter)
  if (filterBytes !== undefined) {
    const decoded = BloomFilter.decode(filterBytes)
    if (typeof decoded === 'string') problem('filter', filterHandle.offset, decoded)
    else {
      filter = decoded
      result.filter = {
        layout: LAYOUT_NAMES[decoded.layout],
        probes: decoded.probes,
        bits: decoded.bits,
        offset: filterHandle.offset,
        length: filterHandle.length,
      }
    }
  }

  // ---- range tombstones (format version 2)
  if (formatVersion >= 2) {
    const offset = filterHandle.offset + filterHandle.length + trailerLength
    const handle = { offset, length: propertiesHandle.offset - offset - trailerLength }
    const rangeBytes = verified(handle, BlockType.RangeTombstones)
    if (rangeBytes !== undefined) {
      const decoded = decodeRangeTombstones(rangeBytes)
      if (typeof decoded === 'string') problem('range-tombstones', offset, decoded)
      else result.rangeTombstones = decoded
    }
  }

  // ---- properties
  const propertiesBytes = verified(propertiesHandle, BlockType.Properties)
  if (propertiesBytes !== undefined) {
    const decoded = decodeProperties(propertiesBytes)
    if (typeof decoded === 'string') problem('properties', propertiesHandle.offset, decoded)
    else result.properties = decoded
  }

  // ---- index
  const dataEnd = filterHandle.offset
  const locations: { handle: TableBlockHandle; lastKey: Uint8Array; lastSeq: number }[] = []
  let indexComplete = false
  const indexBytes = verified(indexHandle, BlockType.Index)
  if (indexBytes !== undefined) {
    try {
      const entries = new Block(indexBytes, path, indexHandle.offset, 'index').decodeAll()
      result.index = { offset: indexHandle.offset, length: indexHandle.length, entryCount: entries.length }
      let expected = 0
      indexComplete = true
      for (const [position, entry] of entries.entries()) {
        const value = entry.value
        const offset = value === null ? -1 : readVarint(value, 0, value.length)
        const length = offset < 0 || value === null ? -1 : readVarint(value, varintEnd, value.length)
        if (offset < 0 || length < 0 || varintEnd !== value?.length) {
          problem('index', indexHandle.offset, `index entry ${position} has a malformed block handle`)
          indexComplete = false
          break
        }
        if (offset !== expected) {
          problem(
            'index',
            indexHandle.offset,
            `index entry ${position} points at byte ${offset}, but block ${position} starts at byte ${expected}`,
          )
          indexComplete = false
          break
        }
        if (offset + length + trailerLength > dataEnd) {
          problem(
            'index',
            indexHandle.offset,
            `index entry ${position} (${length} bytes at ${offset}) runs past the data region`,
          )
          indexComplete = false
          break
        }
        locations.push({ handle: { offset, length }, lastKey: entry.key, lastSeq: entry.seq })
        expected = offset + length + trailerLength
      }
      if (indexComplete && expected !== dataEnd) {
        problem(
          'index',
          indexHandle.offset,
          `the data blocks end at byte ${expected}, but the filter block starts at byte ${dataEnd}`,
        )
        indexComplete = false
      }
    } catch (error) {
      if (!(error instanceof SSTableCorruptError)) throw error
      problem('index', error.offset, error.reason)
    }
  }
  if (result.index === undefined) {
    problem('data', 0, 'the data blocks cannot be located without a readable index; none were checked')
  }

  // ---- data blocks
  let previous: InternalEntry | undefined
  let minSeq = Number.POSITIVE_INFINITY
  let maxSeq = -1
  let rawKeyBytes = 0
  let rawValueBytes = 0
  let smallestKey: Uint8Array | undefined
  let largestKey: Uint8Array | undefined
  let filterMisses = 0
  for (const [number, location] of locations.entries()) {
    const { handle } = location
    const inspected: InspectedDataBlock = {
      number,
      offset: handle.offset,
      length: handle.length,
      codec: 'none',
      uncompressedLength: handle.length,
      ok: false,
      entryCount: 0,
      restartCount: 0,
      firstKey: undefined,
      lastKey: undefined,
    }
    result.dataBlocks.push(inspected)
    const contents = verified(handle, BlockType.Data, number, inspected)
    if (contents === undefined) {
      previous = undefined
      continue
    }
    let entries: InternalEntry[]
    try {
      const block = new Block(contents, path, handle.offset, 'data')
      inspected.restartCount = block.restartCount
      entries = block.decodeAll()
    } catch (error) {
      if (!(error instanceof SSTableCorruptError)) throw error
      problem('data', error.offset, error.reason, number)
      previous = undefined
      continue
    }
    let sound = entries.length > 0
    if (entries.length === 0) problem('data', handle.offset, 'a data block with no entries', number)
    for (const entry of entries) {
      if (previous !== undefined) {
        const order = compareBytes(previous.key, entry.key) || entry.seq - previous.seq
        if (order >= 0) {
          problem(
            'data',
            handle.offset,
            `entries out of order (seq ${entry.seq} after seq ${previous.seq})`,
            number,
          )
          sound = false
          break
        }
      }
      if (filter !== undefined && (previous === undefined || compareBytes(previous.key, entry.key) !== 0)) {
        if (!filter.mayContain(entry.key)) filterMisses++
      }
      previous = entry
    }
    const last = entries[entries.length - 1]
    if (
      last !== undefined &&
      (compareBytes(last.key, location.lastKey) !== 0 || last.seq !== location.lastSeq)
    ) {
      problem(
        'index',
        indexHandle.offset,
        `index entry ${number} does not name the last entry of data block ${number}`,
      )
      sound = false
    }
    inspected.ok = sound
    inspected.entryCount = entries.length
    inspected.firstKey = entries[0]?.key
    inspected.lastKey = last?.key
    if (options.entries) inspected.entries = entries
    for (const entry of entries) {
      result.entryCount++
      if (entry.op === OpType.Delete) result.tombstoneCount++
      minSeq = Math.min(minSeq, entry.seq)
      maxSeq = Math.max(maxSeq, entry.seq)
      rawKeyBytes += entry.key.length
      rawValueBytes += entry.value?.length ?? 0
    }
    smallestKey ??= entries[0]?.key
    largestKey = last?.key ?? largestKey
  }
  if (filterMisses > 0) {
    problem(
      'filter',
      filterHandle.offset,
      `${filterMisses} keys of the table test absent in the filter (a filter must admit every key it was built from)`,
    )
  }
  result.allBlocksChecked = indexComplete && result.dataBlocks.every((block) => block.ok)

  // ---- properties against the entries (only when every entry was read)
  const properties = result.properties
  if (properties !== undefined && result.allBlocksChecked) {
    const empty = result.entryCount === 0
    const checks: [string, number | Uint8Array, number | Uint8Array][] = [
      ['entry count', properties.entryCount, result.entryCount],
      ['tombstone count', properties.tombstoneCount, result.tombstoneCount],
      ['smallest seq', properties.minSeq, empty ? 0 : minSeq],
      ['largest seq', properties.maxSeq, empty ? 0 : maxSeq],
      ['raw key bytes', properties.rawKeyBytes, rawKeyBytes],
      ['raw value bytes', properties.rawValueBytes, rawValueBytes],
      ['smallest key', properties.smallestKey, smallestKey ?? new Uint8Array(0)],
      ['largest key', properties.largestKey, largestKey ?? new Uint8Array(0)],
    ]
    for (const [name, stored, found] of checks) {
      const same =
        typeof stored === 'number' ? stored === found : compareBytes(stored, found as Uint8Array) === 0
      if (!same) {
        const show = (value: number | Uint8Array) =>
          typeof value === 'number' ? String(value) : JSON.stringify(Buffer.from(value).toString('latin1'))
        problem(
          'properties',
          propertiesHandle.offset,
          `${name} is ${show(stored)}, but the data blocks hold ${show(found)}`,
        )
      }
    }
  }
  return result
}
