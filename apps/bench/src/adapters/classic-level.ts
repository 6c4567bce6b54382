/**
 * classic-level 3 (LevelDB through abstract-level): promises for writes and reads, `nextv` for
 * scans (its recommended batch read), `{ sync }` per write for durability, buffer encodings so
 * no transcoding happens. Block cache raised to strata's default (32 MiB) so neither side gets
 * a bigger cache; write buffer (4 MiB) and Snappy compression stay at LevelDB's defaults.
 */
import { ClassicLevel } from 'classic-level'
import {
  type Adapter,
  type BatchOperation,
  FIRST_KEY_BOUND,
  type Key,
  LAST_KEY_BOUND,
  levelRange,
  type OpenSettings,
  PEER_CACHE_BYTES,
  type ScanOptions,
  scanByNextv,
  type Value,
  type Visit,
} from './adapter.js'

export async function openClassicLevel(directory: string, settings: OpenSettings): Promise<Adapter> {
  const db = new ClassicLevel<Buffer, Buffer>(directory, {
    keyEncoding: 'buffer',
    valueEncoding: 'buffer',
    cacheSize: PEER_CACHE_BYTES,
  })
  await db.open()
  const writeOptions = { sync: settings.sync }
  return {
    engine: 'classic-level',
    put: (key: Key, value: Value) => db.put(key, value, writeOptions),
    get: (key: Key) => db.get(key),
    delete: (key: Key) => db.del(key, writeOptions),
    batch: (operations: BatchOperation[]) => db.batch(operations, writeOptions),
    scan: (options: ScanOptions, visit: Visit) =>
      scanByNextv(
        db.iterator({
          ...levelRange(options),
          reverse: options.reverse,
          limit: Number.isFinite(options.limit) ? options.limit : -1,
        }),
        options,
        visit,
      ),
    close: () => db.close(),
    compact: () => db.compactRange(FIRST_KEY_BOUND, LAST_KEY_BOUND),
  }
}
