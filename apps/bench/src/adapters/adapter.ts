/**
 * The one small interface every engine is driven through. Each adapter file opens its engine the
 * way that engine's own documentation recommends for throughput, at the durability it is asked
 * for. Each call returns its answer or a promise of it; the runner awaits every answer that is a
 * promise, call by call (an engine may read synchronously and scan asynchronously).
 */

export type Key = Buffer
export type Value = Buffer
export type MaybePromise<T> = T | Promise<T>

export const ENGINE_NAMES = [
  'strata',
  'strata-getsync',
  'strata-mem',
  'classic-level',
  'rocksdb',
  'lmdb',
  'better-sqlite3',
  'snap-db',
] as const
export type EngineName = (typeof ENGINE_NAMES)[number]

export interface OpenSettings {
  /** `true`: an acknowledged write has been fsynced (survives a power cut). `false`: the OS has
   *  the bytes (survives a process crash, not a power cut). strata's `sync` option, mapped onto
   *  each peer's nearest equivalent (see README, "Fairness"). */
  sync: boolean
  /** Block cache of the `strata-mem` variant, in bytes (`--strata-mem-cache`). */
  strataMemCacheBytes?: number
  /** Where strata's compactions run (its `compactionThread` option; scripts/threads-rss.mjs).
   *  Absent: strata's default. Other engines ignore it. */
  strataCompactionThread?: 'auto' | 'worker' | 'main'
}

export type BatchOperation = { type: 'put'; key: Key; value: Value } | { type: 'del'; key: Key }

export interface ScanOptions {
  /** Forward: start at the first key >= `from`; reverse: at the last key <= `from`. Absent: from
   *  the first (last, when reverse) key of the store. */
  from?: Key
  reverse: boolean
  /** Stop after this many entries (`Infinity` for all). */
  limit: number
}

/** Called for each entry of a scan, in order. */
export type Visit = (key: Key, value: Value) => void

export interface Adapter {
  readonly engine: EngineName
  put(key: Key, value: Value): MaybePromise<void>
  /** The value of `key`, or `undefined` when absent. */
  get(key: Key): MaybePromise<Value | undefined>
  delete(key: Key): MaybePromise<void>
  /** Applies every operation atomically. */
  batch(operations: BatchOperation[]): MaybePromise<void>
  /** Visits entries in key order (descending when reverse); resolves to the number visited. */
  scan(options: ScanOptions, visit: Visit): MaybePromise<number>
  /** Waits for pending writes and closes every file. */
  close(): Promise<void>
  /** Compacts every key into the engine's settled shape (an LSM's full manual compaction);
   *  absent for engines that have none (B-trees). Used by `--compact-prefill`, untimed. */
  compact?(): Promise<void>
}

/** Below every bench key (16 decimal digits) and above every one: a full-range compaction. */
export const FIRST_KEY_BOUND = Buffer.from([0x00])
export const LAST_KEY_BOUND = Buffer.alloc(17, 0xff)

/** Opens (creating when missing) the engine's store in `directory`. */
export type OpenAdapter = (directory: string, settings: OpenSettings) => Promise<Adapter>

/** A scan's start as level-style bounds: `gte` forward, `lte` reverse, none without `from`. */
export function levelRange(options: ScanOptions): { gte?: Key; lte?: Key } {
  if (options.from === undefined) return {}
  return options.reverse ? { lte: options.from } : { gte: options.from }
}

/** Block cache of the LSM peers (classic-level, rocksdb): strata's default, so neither side
 *  gets a bigger cache. */
export const PEER_CACHE_BYTES = 32 * 1024 * 1024

/** `strata-mem`'s block cache when `--strata-mem-cache` is not given, in MiB: 16 MiB below the
 *  size whose peak RSS stayed under lmdb's in all four read workloads at n = 1,000,000 in one
 *  run and went over in another (README, "strata-mem"). */
export const STRATA_MEM_CACHE_MIB = 64

/** Entries read per `nextv` call by the adapters whose iterators have one. */
export const SCAN_CHUNK = 1000

/** Visits `iterator`'s entries through `nextv(SCAN_CHUNK)` until its end or `options.limit`;
 *  closes it either way and resolves to the number visited. */
export async function scanByNextv(
  iterator: {
    nextv(size: number): Promise<[unknown, unknown][]>
    close(): Promise<void>
  },
  options: ScanOptions,
  visit: Visit,
): Promise<number> {
  let count = 0
  try {
    for (;;) {
      const entries = await iterator.nextv(Math.min(SCAN_CHUNK, options.limit - count))
      if (entries.length === 0) break
      for (const [key, value] of entries) visit(key as Key, value as Value)
      count += entries.length
      if (count >= options.limit) break
    }
  } finally {
    await iterator.close()
  }
  return count
}
