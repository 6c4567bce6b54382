/**
 * better-sqlite3 12: one `kv` table with a BLOB primary key, WITHOUT ROWID (the table is the
 * key's B-tree), WAL journal mode, prepared statements, every call synchronous. A batch is one
 * transaction (`db.transaction`). Durability: `sync: true` → `synchronous = FULL` (in WAL mode
 * every commit fsyncs the WAL); `sync: false` → `synchronous = NORMAL` (commits reach the OS;
 * WAL mode stays consistent after a process crash). Page cache 32 MiB, strata's block cache.
 */

import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import type { Adapter, BatchOperation, Key, OpenSettings, ScanOptions, Value, Visit } from './adapter.js'

const CACHE_KIB = 32 * 1024

export async function openBetterSqlite3(directory: string, settings: OpenSettings): Promise<Adapter> {
  mkdirSync(directory, { recursive: true })
  const db = new Database(join(directory, 'kv.sqlite'))
  db.pragma('journal_mode = WAL')
  db.pragma(`synchronous = ${settings.sync ? 'FULL' : 'NORMAL'}`)
  db.pragma(`cache_size = -${CACHE_KIB}`)
  db.exec('CREATE TABLE IF NOT EXISTS kv (k BLOB PRIMARY KEY, v BLOB NOT NULL) WITHOUT ROWID')

  const putStatement = db.prepare<[Key, Value]>('INSERT OR REPLACE INTO kv (k, v) VALUES (?, ?)')
  const getStatement = db.prepare<[Key], Value>('SELECT v FROM kv WHERE k = ?').pluck()
  const deleteStatement = db.prepare<[Key]>('DELETE FROM kv WHERE k = ?')
  const scanAll = db.prepare<[number]>('SELECT k, v FROM kv ORDER BY k LIMIT ?').raw()
  const scanAllReverse = db.prepare<[number]>('SELECT k, v FROM kv ORDER BY k DESC LIMIT ?').raw()
  const scanFrom = db.prepare<[Key, number]>('SELECT k, v FROM kv WHERE k >= ? ORDER BY k LIMIT ?').raw()
  const scanFromReverse = db
    .prepare<[Key, number]>('SELECT k, v FROM kv WHERE k <= ? ORDER BY k DESC LIMIT ?')
    .raw()
  const applyBatch = db.transaction((operations: BatchOperation[]) => {
    for (const operation of operations) {
      if (operation.type === 'put') putStatement.run(operation.key, operation.value)
      else deleteStatement.run(operation.key)
    }
  })

  return {
    engine: 'better-sqlite3',
    put(key: Key, value: Value): void {
      putStatement.run(key, value)
    },
    get: (key: Key) => getStatement.get(key),
    delete(key: Key): void {
      deleteStatement.run(key)
    },
    batch(operations: BatchOperation[]): void {
      applyBatch(operations)
    },
    scan(options: ScanOptions, visit: Visit): number {
      // SQLite reads LIMIT -1 as "no limit".
      const limit = Number.isFinite(options.limit) ? options.limit : -1
      const rows =
        options.from === undefined
          ? (options.reverse ? scanAllReverse : scanAll).iterate(limit)
          : (options.reverse ? scanFromReverse : scanFrom).iterate(options.from, limit)
      let count = 0
      for (const row of rows as Iterable<[Key, Value]>) {
        visit(row[0], row[1])
        count++
      }
      return count
    },
    async close(): Promise<void> {
      db.close()
    },
  }
}
