/**
 * snap-db 1.1 (a pure-TypeScript LSM): `mainThread: true`, which its README recommends for speed
 * ("more than doubled" against its worker mode), string keys (our keys are ASCII, so string
 * order is byte order) and string values (latin1, byte for byte). Calls return promises but run
 * synchronously on the main thread; its compactor is a separate child process.
 *
 * Durability: snap-db fsyncs after every write outside a transaction and has no unsynced mode.
 * `sync: true` uses exactly that. `sync: false` groups writes into transactions of
 * `GROUP_WRITES` (one fsync per group, at `endTx`); a process crash may lose the open group,
 * which is weaker than strata's `sync: false` (README, "Fairness": this favours snap-db).
 * `batch()` is snap-db's own, a transaction with one fsync.
 */
import { SnapDB } from 'snap-db'
import type { Adapter, BatchOperation, Key, OpenSettings, ScanOptions, Value, Visit } from './adapter.js'

const GROUP_WRITES = 1000

export async function openSnapDb(directory: string, settings: OpenSettings): Promise<Adapter> {
  const db = new SnapDB<string>({ dir: directory, key: 'string', mainThread: true })
  await db.ready()
  let inGroup = false
  let grouped = 0

  /** Opens a transaction group before an unsynced write. The flags change before any await, so
   *  writes in flight together share one group (snap-db runs each call synchronously). */
  async function beforeWrite(): Promise<void> {
    if (settings.sync || inGroup) return
    inGroup = true
    await db.startTx()
  }
  async function afterWrite(): Promise<void> {
    if (!settings.sync && ++grouped >= GROUP_WRITES) await endGroup()
  }
  async function endGroup(): Promise<void> {
    if (!inGroup) return
    inGroup = false
    grouped = 0
    await db.endTx()
  }

  return {
    engine: 'snap-db',
    async put(key: Key, value: Value): Promise<void> {
      await beforeWrite()
      await db.put(key.toString('latin1'), value.toString('latin1'))
      await afterWrite()
    },
    async get(key: Key): Promise<Value | undefined> {
      const value = await db.get(key.toString('latin1'))
      return value === undefined ? undefined : Buffer.from(value, 'latin1')
    },
    async delete(key: Key): Promise<void> {
      await beforeWrite()
      await db.delete(key.toString('latin1'))
      await afterWrite()
    },
    async batch(operations: BatchOperation[]): Promise<void> {
      await endGroup()
      await db.batch(
        operations.map((operation) =>
          operation.type === 'put'
            ? {
                type: 'put' as const,
                key: operation.key.toString('latin1'),
                value: operation.value.toString('latin1'),
              }
            : { type: 'del' as const, key: operation.key.toString('latin1') },
        ),
      )
    },
    scan(options: ScanOptions, visit: Visit): Promise<number> {
      const from = options.from?.toString('latin1')
      const range = from === undefined ? {} : options.reverse ? { lte: from } : { gte: from }
      let count = 0
      return new Promise((resolve, reject) => {
        db.query(
          { ...range, reverse: options.reverse, limit: Number.isFinite(options.limit) ? options.limit : -1 },
          (key: string, value: string | undefined) => {
            visit(Buffer.from(key, 'latin1'), Buffer.from(value ?? '', 'latin1'))
            count++
          },
          (error?: unknown) => (error ? reject(error) : resolve(count)),
        )
      })
    },
    async close(): Promise<void> {
      await endGroup()
      await db.close()
    },
  }
}
