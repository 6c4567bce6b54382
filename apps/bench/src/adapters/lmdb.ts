/**
 * lmdb-js 3: synchronous memory-mapped reads (`get`, `getRange`) and asynchronous writes, which
 * lmdb-js batches into one transaction per event turn (its recommended write path). Binary keys
 * and values (no msgpack). Durability: `sync: true` keeps lmdb-js's default syncing
 * (overlappingSync) and waits for each write's `flushed` promise (separateFlushed), i.e. until
 * the OS reports the commit on disk; `sync: false` opens with `noSync` (commits reach the OS,
 * not the disk: survives a process crash, not a power cut).
 */
import { open, type RootDatabase } from 'lmdb'
import type { Adapter, BatchOperation, Key, OpenSettings, ScanOptions, Value, Visit } from './adapter.js'

type WritePromise = Promise<boolean> & { flushed?: Promise<boolean> }

export async function openLmdb(directory: string, settings: OpenSettings): Promise<Adapter> {
  const db: RootDatabase<Buffer, Buffer> = open<Buffer, Buffer>({
    path: directory,
    keyEncoding: 'binary',
    encoding: 'binary',
    ...(settings.sync ? { separateFlushed: true } : { noSync: true }),
  })
  const settle = settings.sync
    ? async (write: WritePromise) => {
        await write
        await (write.flushed ?? db.flushed)
      }
    : async (write: WritePromise) => {
        await write
      }
  return {
    engine: 'lmdb',
    put: (key: Key, value: Value) => settle(db.put(key, value)),
    get: (key: Key) => db.get(key),
    delete: (key: Key) => settle(db.remove(key)),
    batch: (operations: BatchOperation[]) =>
      settle(
        db.batch(() => {
          for (const operation of operations) {
            if (operation.type === 'put') db.put(operation.key, operation.value)
            else db.remove(operation.key)
          }
        }),
      ),
    scan(options: ScanOptions, visit: Visit): number {
      let count = 0
      const range = db.getRange({
        ...(options.from === undefined ? {} : { start: options.from }),
        reverse: options.reverse,
        ...(Number.isFinite(options.limit) ? { limit: options.limit } : {}),
      })
      for (const { key, value } of range) {
        visit(key, value)
        count++
      }
      return count
    },
    close: () => db.close(),
  }
}
