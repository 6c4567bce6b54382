/**
 * rocksdb 5 (the leveldown-style binding): callbacks, wrapped in one promise each. Keys and
 * values are Buffers (the binding stringifies anything else). Scans use the binding's iterator,
 * which fetches entries in native batches (`highWaterMark`). `{ sync }` per write. Block cache
 * 32 MiB (strata's default); everything else at the binding's defaults (4 MiB write buffer,
 * Snappy).
 */
import rocksdb from 'rocksdb'
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
  type Value,
  type Visit,
} from './adapter.js'

type Callback<T = void> = (error: Error | undefined | null, result?: T) => void

interface RocksIterator {
  next(callback: (error: Error | undefined | null, key?: Buffer, value?: Buffer) => void): void
  end(callback: Callback): void
}

interface RocksDatabase {
  open(options: object, callback: Callback): void
  close(callback: Callback): void
  put(key: Buffer, value: Buffer, options: object, callback: Callback): void
  get(key: Buffer, options: object, callback: Callback<Buffer>): void
  del(key: Buffer, options: object, callback: Callback): void
  batch(operations: BatchOperation[], options: object, callback: Callback): void
  iterator(options: object): RocksIterator
  compactRange(start: Buffer, end: Buffer, callback: Callback): void
}

const createDatabase = rocksdb as unknown as (location: string) => RocksDatabase

function promised(start: (callback: Callback) => void): Promise<void> {
  return new Promise((resolve, reject) => start((error) => (error ? reject(error) : resolve())))
}

function isNotFound(error: Error): boolean {
  return /NotFound/i.test(error.message)
}

export async function openRocksdb(directory: string, settings: OpenSettings): Promise<Adapter> {
  const db = createDatabase(directory)
  await promised((callback) => db.open({ createIfMissing: true, cacheSize: PEER_CACHE_BYTES }, callback))
  const writeOptions = { sync: settings.sync }
  const getOptions = { asBuffer: true, fillCache: true }

  function next(iterator: RocksIterator): Promise<[Buffer, Buffer] | undefined> {
    return new Promise((resolve, reject) =>
      iterator.next((error, key, value) => {
        if (error) reject(error)
        else resolve(key === undefined ? undefined : [key, value as Buffer])
      }),
    )
  }

  return {
    engine: 'rocksdb',
    put: (key: Key, value: Value) => promised((callback) => db.put(key, value, writeOptions, callback)),
    get: (key: Key) =>
      new Promise<Value | undefined>((resolve, reject) =>
        db.get(key, getOptions, (error, value) => {
          if (error) {
            if (isNotFound(error)) resolve(undefined)
            else reject(error)
          } else resolve(value)
        }),
      ),
    delete: (key: Key) => promised((callback) => db.del(key, writeOptions, callback)),
    batch: (operations: BatchOperation[]) =>
      promised((callback) => db.batch(operations, writeOptions, callback)),
    async scan(options: ScanOptions, visit: Visit): Promise<number> {
      const iterator = db.iterator({
        ...levelRange(options),
        reverse: options.reverse,
        limit: Number.isFinite(options.limit) ? options.limit : -1,
        keyAsBuffer: true,
        valueAsBuffer: true,
      })
      let count = 0
      try {
        while (count < options.limit) {
          const entry = await next(iterator)
          if (entry === undefined) break
          visit(entry[0], entry[1])
          count++
        }
      } finally {
        await promised((callback) => iterator.end(callback))
      }
      return count
    },
    close: () => promised((callback) => db.close(callback)),
    compact: () => promised((callback) => db.compactRange(FIRST_KEY_BOUND, LAST_KEY_BOUND, callback)),
  }
}
