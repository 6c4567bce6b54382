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
  scanByNextv,
  type Value,
  type Visit,
} from './adapter.js'

export async function openStrata(directory: string, settings: OpenSettings): Promise<Adapter> {
  return openWith(directory, settings, false)
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

async function openWith(directory: string, settings: OpenSettings, getSync: boolean): Promise<Adapter> {
  const db = await open(directory, { sync: settings.sync })
  return {
    engine: getSync ? 'strata-getsync' : 'strata',
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
  }
}
