/**
 * Options of `new StrataLevel(location, options)` and `db.open(options)`, and how they map to
 * `@strata/engine`'s. classic-level's names for the same knobs are accepted as aliases, so its
 * options can be passed unchanged; classic-level options strata has no counterpart for are
 * accepted and have no effect (see the README). Values are validated by the engine, at open.
 */
import type { FileSystem } from '@strata/base'
import type { Codec, CompressionName, OpenOptions, ReadMode, WalRecovery } from '@strata/engine'

export interface StrataOpenOptions {
  /** Create the directory (and missing parents, as classic-level does) and an empty database
   *  when missing. Default `true`. */
  createIfMissing?: boolean | undefined
  /** Fail to open when a database already exists at the location. Default `false`. */
  errorIfExists?: boolean | undefined
  /** Wait for, but do not start, opening (abstract-level's). Default `false`. */
  passive?: boolean | undefined
  /** Default durability of writes; a write's own `{ sync }` option overrides it. Default
   *  `false`, as classic-level: a write resolves once the OS has it (it survives a crash of the
   *  process, not a power cut). `true` resolves after fsync (survives a power cut; concurrent
   *  writes share one fsync, yet each waits for the disk). */
  sync?: boolean | undefined
  /** Memtable size that triggers a flush to a level-0 table. Default 4 MiB. Larger: fewer
   *  tables, more memory, longer WAL replay after a crash. Alias: `writeBufferSize`. */
  memtableBytes?: number | undefined
  /** Bytes of decoded table blocks kept in the LRU cache. Default 32 MiB (classic-level's
   *  `cacheSize` defaults to 8 MiB). Alias: `cacheSize`. */
  blockCacheBytes?: number | undefined
  /** How `get`/`getMany`/`has` read a block that is not cached: `'auto'` (default) reads it
   *  synchronously while such reads are measured to come from the OS page cache, else on the
   *  thread pool; `'async'` always on the thread pool; `'sync'` always synchronously (see
   *  @strata/engine). */
  readMode?: ReadMode | undefined
  /** Target size of a table data block. Default 4096. Alias: `blockSize`. */
  blockBytes?: number | undefined
  /** Size at which compaction output tables are cut. Default 8 MiB. Alias: `maxFileSize`. */
  targetFileBytes?: number | undefined
  /** Bloom filter bits per key; 0 disables filters. Default 10 (~1% false positives). */
  bloomBitsPerKey?: number | undefined
  /** Frozen memtables allowed to wait for their flush before writers wait. Default 2. */
  maxFrozenMemtables?: number | undefined
  /** What to do with a damaged WAL at open. Default `'tolerate-tail'` (see @strata/engine). */
  walRecovery?: WalRecovery | undefined
  /** Level-0 tables that trigger a compaction. Default 4. */
  level0CompactionTrigger?: number | undefined
  /** Level-0 tables at which each write is delayed 1 ms. Default 8. */
  level0SlowdownTrigger?: number | undefined
  /** Level-0 tables at which writes wait for compaction. Default 12. */
  level0StopTrigger?: number | undefined
  /** Target size of level 1. Default 64 MiB. */
  level1Bytes?: number | undefined
  /** Size ratio between levels. Default 10. */
  levelSizeMultiplier?: number | undefined
  /** Compact in the background. Default `true`. */
  autoCompaction?: boolean | undefined
  /** The file system (tests pass `MemoryFileSystem` from @strata/base or `FaultyFileSystem` from @strata/base/testing).
   *  Default: the real disk. */
  fs?: FileSystem | undefined

  /** classic-level's name for `memtableBytes`. */
  writeBufferSize?: number | undefined
  /** classic-level's name for `blockCacheBytes`. */
  cacheSize?: number | undefined
  /** classic-level's name for `blockBytes`. */
  blockSize?: number | undefined
  /** classic-level's name for `targetFileBytes`. */
  maxFileSize?: number | undefined
  /** Codec of the data blocks of new tables: classic-level's `true` (its default) is strata's
   *  fast codec `'lz4'`, `false` is `'none'`; strata's names `'none'`, `'lz4'` and `'deflate'`
   *  are accepted too. Default `'lz4'`. */
  compression?: boolean | CompressionName | undefined
  /** Codec of the bottommost data's tables (see @strata/engine); `'none'`, `'lz4'` or
   *  `'deflate'`. Default: as `compression`. */
  bottommostCompression?: CompressionName | undefined
  /** classic-level option; strata keeps its table files open. Accepted, no effect. */
  maxOpenFiles?: number | undefined
  /** classic-level option; strata's block layout has no restart interval. Accepted, no effect. */
  blockRestartInterval?: number | undefined
  /** classic-level option; strata compacts in one worker thread. Accepted, no effect. */
  multithreading?: boolean | undefined
}

/** Engine options passed through under the same name. */
const SAME_NAME = [
  'createIfMissing',
  'errorIfExists',
  'memtableBytes',
  'blockCacheBytes',
  'readMode',
  'blockBytes',
  'targetFileBytes',
  'bloomBitsPerKey',
  'maxFrozenMemtables',
  'walRecovery',
  'level0CompactionTrigger',
  'level0SlowdownTrigger',
  'level0StopTrigger',
  'level1Bytes',
  'levelSizeMultiplier',
  'autoCompaction',
  'bottommostCompression',
  'fs',
] as const

/** classic-level's name → strata's. strata's own name wins when both are given. */
const ALIASES = {
  writeBufferSize: 'memtableBytes',
  cacheSize: 'blockCacheBytes',
  blockSize: 'blockBytes',
  maxFileSize: 'targetFileBytes',
} as const

/** The adapter's default for `sync` (classic-level's). */
export const DEFAULT_SYNC = false

/**
 * The engine's bytes as they are, without the copy its `binary` encoding makes: the adapter
 * copies them itself (or decodes them to strings) in `toOutput`, so they are copied once.
 */
export const VIEW: Codec<Uint8Array> = {
  name: 'view (no copy)',
  encode: (data) => data,
  decode: (data) => data,
}

/**
 * The engine's open options for the adapter's `options` (constructor options merged with the
 * `open()` call's, as abstract-level passes them). Keys and values always travel as bytes (the
 * engine's views, copied by the adapter); options the engine does not know (abstract-level's,
 * userland ones, classic-level's without a counterpart) are left out.
 */
export function engineOptions(options: StrataOpenOptions): OpenOptions {
  const result: Record<string, unknown> = {}
  const given = options as Record<string, unknown>
  for (const [alias, name] of Object.entries(ALIASES)) {
    if (given[alias] !== undefined) result[name] = given[alias]
  }
  for (const name of SAME_NAME) {
    if (given[name] !== undefined) result[name] = given[name]
  }
  const compression = given.compression
  if (compression !== undefined) {
    // classic-level's boolean; anything else goes to the engine, which checks it.
    result.compression = compression === true ? 'lz4' : compression === false ? 'none' : compression
  }
  result.sync = options.sync ?? DEFAULT_SYNC
  result.keyEncoding = VIEW
  result.valueEncoding = VIEW
  return result as OpenOptions
}
