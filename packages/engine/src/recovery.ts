/**
 * Open and recovery: the directory and its lock, the manifest (or a new one), the tables it
 * lists, the WAL replayed into memtables, then — once all of it validated — the cleanup of
 * provably obsolete files. What it returns is the fully
 * recovered state every part of the database is built from.
 */
import { ErrorCode, OpType, StrataError, toIOError } from '@strata/base'
import type { BlockCache } from '@strata/sstable'
import { WALManager } from '@strata/wal'
import { removeObsoleteFiles } from './cleanup.js'
import { type DirectoryContents, inspectDirectory } from './directory.js'
import { pathIn, WAL_FILE } from './filenames.js'
import { DirectoryLock } from './lock.js'
import type { Manifest } from './manifest.js'
import { Memtables } from './memtables.js'
import {
  checkTableFiles,
  createDatabaseFiles,
  openManifest,
  recordIdentity,
  removeCreatedFiles,
} from './open-checks.js'
import type { ResolvedOptions } from './options.js'
import { VersionSet } from './version-set.js'

/** Manifests are rewritten from a snapshot once they grow past this. */
const MANIFEST_REWRITE_BYTES = 4 * 1024 * 1024

/** The state of an opened database after recovery. */
export interface RecoveredState {
  lock: DirectoryLock
  manifest: Manifest
  wal: WALManager
  tables: VersionSet
  /** The WAL's entries after `flushedSeq`, replayed (frozen memtables past `memtableBytes`). */
  memtables: Memtables
  /** The largest seq in the manifest or the WAL: every write up to it is acknowledged. */
  lastSeq: number
  flushedSeq: number
  nextFileNumber: number
}

/** What recovery has opened so far: closed again if recovery fails. */
type Opened = Partial<RecoveredState> & { lock: DirectoryLock }

/** Opens (creating it if allowed) the database in `directory` and recovers its state. On failure
 *  closes what it opened and releases the lock. */
export async function recover(
  directory: string,
  options: ResolvedOptions,
  cache: BlockCache,
): Promise<RecoveredState> {
  const { fs } = options
  // Decided before anything is created: a foreign or damaged directory is refused untouched.
  const found = inspectDirectory(fs, directory)
  if (found.kind === 'missing') {
    if (!options.createIfMissing) {
      throw new StrataError(
        ErrorCode.NotFound,
        `${directory} does not exist; pass createIfMissing: true to create a database there`,
      )
    }
    try {
      fs.mkdirSync(directory)
    } catch (error) {
      throw toIOError(error, 'creating the database directory', directory)
    }
  }
  const opened: Opened = { lock: DirectoryLock.acquire(fs, directory) }
  let namesBefore: string[] | undefined
  try {
    const contents = inspectDirectory(fs, directory)
    if (contents.kind !== 'missing') namesBefore = contents.names
    return await recoverLocked(directory, options, cache, opened, contents)
  } catch (error) {
    await opened.wal?.close().catch(() => {})
    await opened.manifest?.close().catch(() => {})
    await opened.tables?.closeAll().catch(() => {})
    if (namesBefore !== undefined) removeCreatedFiles(fs, directory, namesBefore)
    opened.lock.release()
    throw error
  }
}

async function recoverLocked(
  directory: string,
  options: ResolvedOptions,
  cache: BlockCache,
  opened: Opened,
  contents: DirectoryContents,
): Promise<RecoveredState> {
  const { fs } = options
  const hasCurrent = contents.kind === 'database'
  if (hasCurrent && options.errorIfExists) {
    throw new StrataError(ErrorCode.Exists, `${directory} already holds a database (errorIfExists is set)`)
  }
  if (!hasCurrent && !options.createIfMissing) {
    throw new StrataError(
      ErrorCode.NotFound,
      `${directory} holds no database (no CURRENT file); pass createIfMissing: true to create one`,
    )
  }
  const manifest =
    contents.kind === 'database'
      ? await openManifest(fs, directory, contents, MANIFEST_REWRITE_BYTES)
      : await createDatabaseFiles(fs, directory, contents, MANIFEST_REWRITE_BYTES)
  opened.manifest = manifest
  const state = manifest.current
  const flushedSeq = state.flushedSeq
  let lastSeq = state.lastSeq

  const tables = new VersionSet(directory, state.version, cache, fs)
  opened.tables = tables
  checkTableFiles(fs, directory, state.version)
  await tables.openTables(state.version)

  const wal = WALManager.open(pathIn(directory, WAL_FILE), { fs, recovery: options.walRecovery })
  opened.wal = wal
  const memtables = new Memtables()
  const entries = wal.replay()
  let firstSeqAfterFlushed: number | undefined
  for (const entry of entries) {
    if (entry.seq <= flushedSeq) continue
    firstSeqAfterFlushed ??= entry.seq
    const memtable = memtables.active
    if (entry.op === OpType.Delete) memtable.delete(entry.key, entry.seq)
    else if (entry.op === OpType.RangeDelete) memtable.deleteRange(entry.key, entry.value, entry.seq)
    else memtable.put(entry.key, entry.value as Uint8Array, entry.seq)
    if (entry.seq > lastSeq) lastSeq = entry.seq
    if (memtable.approximateBytes >= options.memtableBytes) memtables.freeze()
  }
  await manifest.cutTornTail()
  await recordIdentity(fs, directory, manifest)
  await removeOrphans(fs, directory, opened.lock, manifest, firstSeqAfterFlushed === flushedSeq + 1)
  return {
    lock: opened.lock,
    manifest,
    wal,
    tables,
    memtables,
    lastSeq,
    flushedSeq,
    nextFileNumber: state.nextFileNumber,
  }
}

/** Deletes the provably obsolete files of this database (cleanup.ts says which), once the whole
 *  open has validated. */
async function removeOrphans(
  fs: ResolvedOptions['fs'],
  directory: string,
  lock: DirectoryLock,
  manifest: Manifest,
  walMeetsManifest: boolean,
): Promise<void> {
  const liveTables = new Set<number>()
  for (const { table } of manifest.current.version.files()) liveTables.add(table.fileNumber)
  await removeObsoleteFiles(fs, directory, lock.realPath, {
    liveTables,
    removedTables: manifest.removedFileNumbers,
    nextFileNumber: manifest.current.nextFileNumber,
    manifestFileNumber: manifest.fileNumber,
    walMeetsManifest,
  })
}
