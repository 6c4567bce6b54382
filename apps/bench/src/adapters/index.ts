/**
 * Loads one adapter file on demand, so a run that leaves an engine out never loads its native
 * module (and a broken engine build only breaks runs that ask for it).
 */
import type { EngineName, OpenAdapter } from './adapter.js'

export async function loadAdapter(engine: EngineName): Promise<OpenAdapter> {
  switch (engine) {
    case 'strata':
      return (await import('./strata.js')).openStrata
    case 'strata-getsync':
      return (await import('./strata.js')).openStrataGetSync
    case 'strata-mem':
      return (await import('./strata.js')).openStrataMem
    case 'classic-level':
      return (await import('./classic-level.js')).openClassicLevel
    case 'rocksdb':
      return (await import('./rocksdb.js')).openRocksdb
    case 'lmdb':
      return (await import('./lmdb.js')).openLmdb
    case 'better-sqlite3':
      return (await import('./better-sqlite3.js')).openBetterSqlite3
    case 'snap-db':
      return (await import('./snap-db.js')).openSnapDb
  }
}
