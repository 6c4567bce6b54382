/**
 * Options of `TableBuilder` and `Table.open`, their defaults, and validation: a bad option is an
 * `InvalidArgumentError` naming it and saying what is allowed.
 */
import { type FileSystem, InvalidArgumentError, nodeFileSystem } from '@strata/base'
import type { BlockCache } from './cache.js'
import type { BlockCodec } from './compression/codec.js'
import { CODECS, codecByName } from './compression/registry.js'

/** Names of the block codecs a table can be written with. */
export type CompressionName = 'none' | 'lz4' | 'deflate'

/** Every `CompressionName`, in codec id order. */
export const COMPRESSION_NAMES: readonly CompressionName[] = ['none', 'lz4', 'deflate']

export interface TableBuilderOptions {
  /** File system to write through. Default: the real disk (`nodeFileSystem`). */
  fs?: FileSystem
  /** Target size of a data block's contents, 64..1 GiB. Default 4096. A block closes once it
   *  reaches this size, so a block holds at least one entry (a larger value makes a larger
   *  block). Smaller blocks mean a larger index held in memory and less read per `get`; larger
   *  ones mean better compression of shared prefixes and faster scans. */
  blockBytes?: number
  /** Keys between restart points, 1..65536. Default 16. A `get` decodes up to this many entries
   *  after its binary search; 1 disables prefix compression. */
  restartInterval?: number
  /** Bloom filter bits per distinct user key, 0..64 (fractions allowed). Default 10: about 0.8%
   *  false positives for 1.25 bytes per key. 0 writes no filter, so every `get` of an absent
   *  key reads a data block. */
  bloomBitsPerKey?: number
  /** Codec of the data blocks: `none`, `lz4` (fast) or `deflate` (smaller, slower). Default
   *  `none` (the engine's default is `lz4`). A block that does not shrink by at least 12.5% is stored raw; the filter, properties
   *  and index blocks are always stored raw. */
  compression?: CompressionName
}

export interface ResolvedBuilderOptions {
  fs: FileSystem
  blockBytes: number
  restartInterval: number
  bloomBitsPerKey: number
  compression: BlockCodec
}

export interface TableOpenOptions {
  /** File system to read through. Default: the real disk (`nodeFileSystem`). */
  fs?: FileSystem
  /** Shared block cache for data blocks (and where index/filter memory is counted). Default:
   *  none: every data block a read needs is read from the file (the OS page cache may still
   *  help). Iterators keep their current block either way. */
  cache?: BlockCache
}

function checkObject(options: unknown, what: string): Record<string, unknown> {
  if (options === undefined) return {}
  if (options === null || typeof options !== 'object') {
    throw new InvalidArgumentError(`${what} options must be an object or undefined`, { argument: 'options' })
  }
  return options as Record<string, unknown>
}

function checkFileSystem(value: unknown): FileSystem {
  if (value === undefined) return nodeFileSystem
  if (value === null || typeof value !== 'object' || typeof (value as FileSystem).openSync !== 'function') {
    throw new InvalidArgumentError('options.fs must be a FileSystem (such as nodeFileSystem)', {
      argument: 'options.fs',
    })
  }
  return value as FileSystem
}

function checkNumber(
  value: unknown,
  name: string,
  fallback: number,
  minimum: number,
  maximum: number,
  integer: boolean,
): number {
  if (value === undefined) return fallback
  if (
    typeof value !== 'number' ||
    !Number.isFinite(value) ||
    (integer && !Number.isInteger(value)) ||
    value < minimum ||
    value > maximum
  ) {
    throw new InvalidArgumentError(
      `options.${name} must be ${integer ? 'an integer' : 'a number'} from ${minimum} to ${maximum}, got ${String(value)}`,
      { argument: `options.${name}` },
    )
  }
  return value
}

export function resolveBuilderOptions(options: unknown): ResolvedBuilderOptions {
  const given = checkObject(options, 'TableBuilder')
  return {
    fs: checkFileSystem(given.fs),
    blockBytes: checkNumber(given.blockBytes, 'blockBytes', 4096, 64, 1024 * 1024 * 1024, true),
    restartInterval: checkNumber(given.restartInterval, 'restartInterval', 16, 1, 65536, true),
    bloomBitsPerKey: checkNumber(given.bloomBitsPerKey, 'bloomBitsPerKey', 10, 0, 64, false),
    compression: checkCompression(given.compression, 'compression', 'none'),
  }
}

/** The codec named `value` (`fallback` when undefined); anything else is an
 *  `InvalidArgumentError` naming `options.<name>` and the codecs allowed. */
export function checkCompression(value: unknown, name: string, fallback: CompressionName): BlockCodec {
  const codec = codecByName(value === undefined ? fallback : (value as string))
  if (typeof (value ?? fallback) !== 'string' || codec === undefined) {
    throw new InvalidArgumentError(
      `options.${name} must be one of ${CODECS.map((each) => `'${each.name}'`).join(', ')}, got ${String(value)}`,
      { argument: `options.${name}` },
    )
  }
  return codec
}

export function resolveOpenOptions(options: unknown): { fs: FileSystem; cache: BlockCache | undefined } {
  const given = checkObject(options, 'Table.open')
  const cache = given.cache
  if (cache !== undefined && (cache === null || typeof cache !== 'object' || !('capacityBytes' in cache))) {
    throw new InvalidArgumentError('options.cache must be a BlockCache or undefined', {
      argument: 'options.cache',
    })
  }
  return { fs: checkFileSystem(given.fs), cache: cache as BlockCache | undefined }
}
