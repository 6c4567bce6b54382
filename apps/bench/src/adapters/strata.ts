/**
 * strata through its own API, at its defaults (4 MiB memtable, 32 MiB block cache, 10-bit bloom
 * filters) with the workload's `sync`: promises for writes and `get`, `iterator().nextv()` for
 * scans, `batch()` for batches.
 */
import { open } from '@strata/engine'
import {
  type Adapter,
  type BatchOperation,
  type Key,
  levelRange,
  type OpenSettings,
  type ScanOptions,
  STRATA_MEM_CACHE_MIB,
  scanByNextv,
  type Value,
  type Visit,
} from './adapter.js'

export async function openStrata(directory: string, settings: OpenSettings): Promise<Adapter> {
  return openWith(directory, settings, false)
}

/**
 * strata with lmdb's memory: as `strata` (promise `get`), with a block cache of
 * `settings.strataMemCacheBytes` (`--strata-mem-cache <MiB>`, default `STRATA_MEM_CACHE_MIB`)
 * in place of 32 MiB — sized so that the job's peak RSS stays at or under lmdb's in the same
 * workload, which reads through a memory map whose pages count in its RSS (README, "strata-mem").
 * Its own row, never a peer.
 */
export async function openStrataMem(directory: string, settings: OpenSettings): Promise<Adapter> {
  return openWith(
    directory,
    settings,
    false,
    settings.strataMemCacheBytes ?? STRATA_MEM_CACHE_MIB * 1024 * 1024,
  )
}

/**
 * strata with point reads through `getSync` — the engine's documented choice for callers who
 * accept a blocking read (a cached block costs a lookup; an uncached one a synchronous `pread`,
 * like lmdb's and better-sqlite3's reads). Everything else is as `strata`. Reported as its own
 * row, never in place of the promise figures.
 */
export async function openStrataGetSync(directory: string, settings: OpenSettings): Promise<Adapter> {
  return openWith(directory, settings, true)
}

async function openWith(
  directory: string,
  settings: OpenSettings,
  getSync: boolean,
  blockCacheBytes?: number,
): Promise<Adapter> {
  const db = await open(directory, {
    sync: settings.sync,
    ...(blockCacheBytes === undefined ? {} : { blockCacheBytes }),
    ...(settings.strataCompactionThread === undefined
      ? {}
      : { compactionThread: settings.strataCompactionThread }),
  })
  return {
    engine: getSync ? 'strata-getsync' : blockCacheBytes === undefined ? 'strata' : 'strata-mem',
    put: (key: Key, value: Value) => db.put(key, value),
    get: getSync
      ? (key: Key) => db.getSync(key) as Value | undefined
      : (key: Key) => db.get(key) as Promise<Value | undefined>,
    delete: (key: Key) => db.delete(key),
    batch: (operations: BatchOperation[]) => db.batch(operations),
    scan: (options: ScanOptions, visit: Visit) =>
      scanByNextv(
        db.iterator({ ...levelRange(options), reverse: options.reverse, limit: options.limit }),
        options,
        visit,
      ),
    close: () => db.close(),
    compact: () => db.compactRange(),
  }
}
