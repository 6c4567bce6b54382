/**
 * Options of `open()`: defaults, their cost, and validation. An unknown or invalid option is an
 * `InvalidArgumentError` that names it and says what is allowed.
 */
import { type FileSystem, InvalidArgumentError, nodeFileSystem } from '@strata/base'
import { COMPRESSION_NAMES, type CompressionName } from '@strata/sstable'
import type { Encoding } from './encoding.js'
import { READ_MODES, type ReadMode } from './read-mode.js'

/** Where flushed tables are built (see `flushThread`). */
export type FlushThread = 'auto' | 'worker' | 'main'
export const FLUSH_THREADS: readonly FlushThread[] = ['auto', 'worker', 'main']

/** Where merges run (see `compactionThread`). */
export type CompactionThreadOption = 'auto' | 'worker' | 'main'
export const COMPACTION_THREADS: readonly CompactionThreadOption[] = ['auto', 'worker', 'main']

export type WalRecovery = 'tolerate-tail' | 'point-in-time' | 'strict'
const WAL_RECOVERIES: readonly WalRecovery[] = ['tolerate-tail', 'point-in-time', 'strict']

export interface OpenOptions<K = Uint8Array, V = Uint8Array> {
  /** Create the directory and an empty database when missing. Default `true`. */
  createIfMissing?: boolean
  /** Fail with `STRATA_EXISTS` when a database already exists there. Default `false`. */
  errorIfExists?: boolean
  /** Open without writing anything, beside a writer in another process or thread and any number
   *  of other read-only openers: no LOCK is taken and no file is written, deleted or renamed.
   *  The database shows the writer's state as of the open; `refresh()` catches up. Every write
   *  method rejects with `STRATA_READ_ONLY`. Default `false`. */
  readOnly?: boolean
  /** Size at which the memtable is frozen and flushed to a level-0 table. Default 4 MiB. Larger
   *  means fewer, bigger flushes and fewer level-0 tables, at the cost of memory and a longer
   *  WAL replay after a crash. */
  memtableBytes?: number
  /** Frozen memtables allowed to wait for their flush before writers wait. Default 2. Flushes
   *  run as a pipeline (the next table is built while the previous one is fsynced), so on a
   *  quiet disk 4 measured no faster than 2 (fillbatch of 1,000,000 entries: 673/667, 788/705,
   *  655/795 thousand ops/s, 4 against 2) and peaked 12–33 MB higher; on a disk busy with other
   *  work, 4 (or more) spares writers the stalls of a slow fsync, for up to `memtableBytes` more
   *  memory per memtable. */
  maxFrozenMemtables?: number
  /** Default durability of writes: `true` resolves after fsync (survives power loss; costs one
   *  fsync per group of concurrent writes); `false` after the OS has the bytes (survives a
   *  process crash, not a power cut). Default `true`. */
  sync?: boolean
  /** Bytes of decoded SSTable blocks kept in the shared LRU cache. Default 32 MiB. */
  blockCacheBytes?: number
  /** How `get`, `getMany` and `has` read a block that is not in the block cache. `'auto'`
   *  (default): a synchronous read while such reads are measured to be fast (the block is in the
   *  OS page cache: a few microseconds, cheaper than a thread-pool round trip), falling back to
   *  the thread pool for a second whenever 4 of the last 32 took over 0.2 ms (the device is
   *  being read), so a slow disk never blocks the event loop for long. `'async'`: always the
   *  thread pool (never blocks the event loop on I/O). `'sync'`: always synchronous (as
   *  `getSync`). In `'auto'`, one `getMany` reads synchronously for at most 1 ms, then sends its
   *  remaining keys to the thread pool. Iterators follow the same governor: a block a scan or
   *  seek must read is read synchronously while `auto` allows, else on the thread pool. */
  readMode?: ReadMode
  /** Where flushed tables are built on the real disk. `'worker'`: in the compaction worker,
   *  from the frozen memtable's shared slabs, while no merge runs or ran in the last second (it is started for flushes
   *  once writers have waited for one); `'main'`: on the main thread, in slices. `'auto'`
   *  (default): `'worker'` on a machine with more than one processor (`availableParallelism()`),
   *  else `'main'`. Any other `FileSystem`: `'main'`. */
  flushThread?: FlushThread
  /** Where compactions merge tables on the real disk. `'worker'`: in one worker thread, started
   *  for the first merge and stopped after 10 s without work (an idle one holds about 10–13 MB
   *  resident); `'main'`: on the main thread, in slices that give the event loop a turn, and no
   *  worker thread ever starts (flushes are then built on the main thread too): no second thread
   *  and its memory, slower writes under load. `'auto'` (default): `'worker'`. Any other
   *  `FileSystem`: `'main'`.
   *  `flushThread: 'worker'` needs the worker: with `'main'` here it is an InvalidArgumentError. */
  compactionThread?: CompactionThreadOption
  /** Bloom filter bits per key in new tables; 0 disables filters. Default 10 (~1% false positives). */
  bloomBitsPerKey?: number
  /** Target size of an SSTable data block (before compression). Default 4096. */
  blockBytes?: number
  /** Codec of the data blocks of new tables: `'lz4'` (default: fast), `'deflate'` (about a
   *  third smaller on JSON-like data, slower to write and to read) or `'none'`. A block that does
   *  not shrink by at least 12.5% is stored raw either way. Tables keep the codec they were
   *  written with; changing it affects the tables written afterwards. */
  compression?: CompressionName
  /** Codec of the tables a compaction writes when no deeper level holds data in their key range
   *  (the bottommost data: where most of it ends up, and the coldest). Same values as
   *  `compression`. Default: the same as `compression`. */
  bottommostCompression?: CompressionName
  /** What to do with a damaged WAL at open: `tolerate-tail` (default) drops an incomplete final
   *  frame (a crash mid-write) and fails on other damage; `point-in-time` recovers everything
   *  before the first damaged frame and drops the rest; `strict` fails on any damage. */
  walRecovery?: WalRecovery
  /** Level-0 table count that triggers a compaction into level 1. Default 4. */
  level0CompactionTrigger?: number
  /** Level-0 table count at which writes are slowed down a little. Default 8. */
  level0SlowdownTrigger?: number
  /** Level-0 table count at which writes wait for compaction. Default 12. */
  level0StopTrigger?: number
  /** Target total size of level 1; each deeper level is `levelSizeMultiplier` times larger.
   *  Above the deepest level holding data, a level is also kept to that level's size divided by
   *  the multiplier once per level in between (never below one output file). Default 64 MiB. */
  level1Bytes?: number
  /** Growth factor between levels. Default 10. */
  levelSizeMultiplier?: number
  /** Size at which compaction output files are cut. Default 8 MiB. */
  targetFileBytes?: number
  /** Run compactions in the background. Default `true`; `false` leaves the tree as flushed
   *  (useful for tests and for bulk loads followed by `compactRange()`). */
  autoCompaction?: boolean
  /** Compact a table that iterator seeks keep passing on the way to another table (LevelDB's
   *  seek compaction; see the README). Default `true`; needs `autoCompaction`. */
  seekCompaction?: boolean
  /** Encoding of keys: `binary` (default; Uint8Array, strings accepted as UTF-8), `utf8`, `json`,
   *  or a codec `{ encode, decode }`. */
  keyEncoding?: Encoding<K>
  /** Encoding of values, as `keyEncoding`. */
  valueEncoding?: Encoding<V>
  /** The file system strata uses (tests pass an in-memory or fault-injecting one). */
  fs?: FileSystem
}

/**
 * `OpenOptions` as `open()` reads it without type arguments: the encodings' own types (`'utf8'`,
 * a codec…) are kept, so that `open(dir, { keyEncoding: 'utf8', valueEncoding: 'json' })` is a
 * `Database<string, unknown>` (see `Decoded`).
 */
export type EncodedOpenOptions<KeyEncoding, ValueEncoding> = Omit<
  OpenOptions,
  'keyEncoding' | 'valueEncoding'
> & {
  keyEncoding?: KeyEncoding
  valueEncoding?: ValueEncoding
}

export interface ResolvedOptions {
  createIfMissing: boolean
  errorIfExists: boolean
  readOnly: boolean
  memtableBytes: number
  maxFrozenMemtables: number
  sync: boolean
  blockCacheBytes: number
  readMode: ReadMode
  flushThread: FlushThread
  compactionThread: CompactionThreadOption
  bloomBitsPerKey: number
  blockBytes: number
  compression: CompressionName
  bottommostCompression: CompressionName
  walRecovery: WalRecovery
  level0CompactionTrigger: number
  level0SlowdownTrigger: number
  level0StopTrigger: number
  level1Bytes: number
  levelSizeMultiplier: number
  targetFileBytes: number
  autoCompaction: boolean
  seekCompaction: boolean
  fs: FileSystem
}

const MiB = 1024 * 1024

export const DEFAULT_OPTIONS: Omit<ResolvedOptions, 'fs'> = {
  createIfMissing: true,
  errorIfExists: false,
  readOnly: false,
  memtableBytes: 4 * MiB,
  maxFrozenMemtables: 2,
  sync: true,
  blockCacheBytes: 32 * MiB,
  readMode: 'auto',
  flushThread: 'auto',
  compactionThread: 'auto',
  bloomBitsPerKey: 10,
  blockBytes: 4096,
  compression: 'lz4',
  bottommostCompression: 'lz4',
  walRecovery: 'tolerate-tail',
  level0CompactionTrigger: 4,
  level0SlowdownTrigger: 8,
  level0StopTrigger: 12,
  level1Bytes: 64 * MiB,
  levelSizeMultiplier: 10,
  targetFileBytes: 8 * MiB,
  autoCompaction: true,
  seekCompaction: true,
}

/** Largest key strata accepts, in bytes. */
export const MAX_KEY_BYTES = 64 * 1024
/** Largest value strata accepts, in bytes. */
export const MAX_VALUE_BYTES = 64 * MiB

type IntegerRule = { min: number; max: number }
const integerRules: Record<string, IntegerRule> = {
  memtableBytes: { min: 1024, max: 1024 * MiB },
  maxFrozenMemtables: { min: 1, max: 64 },
  blockCacheBytes: { min: 0, max: 64 * 1024 * MiB },
  bloomBitsPerKey: { min: 0, max: 64 },
  blockBytes: { min: 256, max: 4 * MiB },
  level0CompactionTrigger: { min: 2, max: 1000 },
  level0SlowdownTrigger: { min: 2, max: 1000 },
  level0StopTrigger: { min: 2, max: 1000 },
  level1Bytes: { min: 1024, max: 1024 * 1024 * MiB },
  levelSizeMultiplier: { min: 2, max: 100 },
  targetFileBytes: { min: 1024, max: 4096 * MiB },
}
const booleanOptions = [
  'createIfMissing',
  'errorIfExists',
  'readOnly',
  'sync',
  'autoCompaction',
  'seekCompaction',
]
const otherOptions = [
  'readMode',
  'flushThread',
  'compactionThread',
  'compression',
  'bottommostCompression',
  'walRecovery',
  'keyEncoding',
  'valueEncoding',
  'fs',
]
const known = new Set([...Object.keys(integerRules), ...booleanOptions, ...otherOptions])

/** `given[name]` when it is one of `allowed` (`undefined` when not given); anything else is an
 *  `InvalidArgumentError` naming the allowed values. */
function oneOf<T extends string>(
  given: Record<string, unknown>,
  name: string,
  allowed: readonly T[],
): T | undefined {
  const value = given[name]
  if (value === undefined) return undefined
  if (!allowed.includes(value as T)) {
    const names = allowed.map((each) => `'${each}'`)
    throw new InvalidArgumentError(
      `options.${name} must be ${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}, not ${String(value)}`,
      { argument: `options.${name}` },
    )
  }
  return value as T
}

/** Checks `options` and fills in defaults. Encodings are checked by `resolveEncoding`. */
export function resolveOptions(options: object | undefined): ResolvedOptions {
  if (options === undefined || options === null) return { ...DEFAULT_OPTIONS, fs: nodeFileSystem }
  if (typeof options !== 'object') {
    throw new InvalidArgumentError(`options must be an object, not ${typeof options}`, {
      argument: 'options',
    })
  }
  const given = options as Record<string, unknown>
  const unknown = Object.keys(given).filter((name) => !known.has(name) && given[name] !== undefined)
  if (unknown.length > 0) {
    throw new InvalidArgumentError(
      `unknown option${unknown.length > 1 ? 's' : ''} ${unknown.map((name) => `'${name}'`).join(', ')}; ` +
        `allowed: ${[...known].join(', ')}`,
      { argument: `options.${unknown[0]}` },
    )
  }
  const resolved: ResolvedOptions = { ...DEFAULT_OPTIONS, fs: nodeFileSystem }
  const target = resolved as unknown as Record<string, unknown>
  for (const [name, rule] of Object.entries(integerRules)) {
    const value = given[name]
    if (value === undefined) continue
    if (typeof value !== 'number' || !Number.isInteger(value) || value < rule.min || value > rule.max) {
      throw new InvalidArgumentError(
        `options.${name} must be an integer from ${rule.min} to ${rule.max}, not ${String(value)}`,
        { argument: `options.${name}` },
      )
    }
    target[name] = value
  }
  for (const name of booleanOptions) {
    const value = given[name]
    if (value === undefined) continue
    if (typeof value !== 'boolean') {
      throw new InvalidArgumentError(`options.${name} must be true or false, not ${String(value)}`, {
        argument: `options.${name}`,
      })
    }
    target[name] = value
  }
  const walRecovery = oneOf(given, 'walRecovery', WAL_RECOVERIES)
  if (walRecovery !== undefined) resolved.walRecovery = walRecovery
  const readMode = oneOf(given, 'readMode', READ_MODES)
  if (readMode !== undefined) resolved.readMode = readMode
  const flushThread = oneOf(given, 'flushThread', FLUSH_THREADS)
  if (flushThread !== undefined) resolved.flushThread = flushThread
  const compactionThread = oneOf(given, 'compactionThread', COMPACTION_THREADS)
  if (compactionThread !== undefined) resolved.compactionThread = compactionThread
  if (resolved.flushThread === 'worker' && resolved.compactionThread === 'main') {
    throw new InvalidArgumentError(
      "options.flushThread 'worker' needs the compaction worker: with options.compactionThread 'main' no worker starts (use flushThread 'main' or 'auto')",
      { argument: 'options.flushThread' },
    )
  }
  for (const name of ['compression', 'bottommostCompression'] as const) {
    const value = given[name]
    if (value === undefined) continue
    if (!COMPRESSION_NAMES.includes(value as CompressionName)) {
      throw new InvalidArgumentError(
        `options.${name} must be one of ${COMPRESSION_NAMES.map((each) => `'${each}'`).join(', ')}, not ${String(value)}`,
        { argument: `options.${name}` },
      )
    }
    resolved[name] = value as CompressionName
  }
  if (given.bottommostCompression === undefined) resolved.bottommostCompression = resolved.compression
  const fs = given.fs
  if (fs !== undefined) {
    if (typeof fs !== 'object' || fs === null || typeof (fs as FileSystem).openSync !== 'function') {
      throw new InvalidArgumentError('options.fs must implement the FileSystem interface of @strata/base', {
        argument: 'options.fs',
      })
    }
    resolved.fs = fs as FileSystem
  }
  if (resolved.level0SlowdownTrigger < resolved.level0CompactionTrigger) {
    throw new InvalidArgumentError(
      `options.level0SlowdownTrigger (${resolved.level0SlowdownTrigger}) must be at least ` +
        `level0CompactionTrigger (${resolved.level0CompactionTrigger})`,
      { argument: 'options.level0SlowdownTrigger' },
    )
  }
  if (resolved.level0StopTrigger < resolved.level0SlowdownTrigger) {
    throw new InvalidArgumentError(
      `options.level0StopTrigger (${resolved.level0StopTrigger}) must be at least ` +
        `level0SlowdownTrigger (${resolved.level0SlowdownTrigger})`,
      { argument: 'options.level0StopTrigger' },
    )
  }
  return resolved
}
