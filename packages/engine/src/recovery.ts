/**
 * Open and recovery: the directory and its lock, the manifest (or a new one), the tables it
 * lists, the WAL replayed into memtables, then — once all of it validated — the cleanup of
 * provably obsolete files. What it returns is the fully
 * recovered state every part of the database is built from.
 */
import { CorruptionError, ErrorCode, StrataError, toIOError } from '@strata/base'
import type { BlockCache } from '@strata/sstable'
import { WALManager } from '@strata/wal'
import { removeObsoleteFiles } from './cleanup.js'
import { type DirectoryContents, inspectDirectory } from './directory.js'
import { pathIn, WAL_FILE } from './filenames.js'
import { flushesInWorker } from './flush-thread.js'
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
import { checkWalFile, checkWalReplay, replayWal } from './wal-tracking.js'

/** Manifests are rewritten from a snapshot once they grow past this. */
const MANIFEST_REWRITE_BYTES = 4 * 1024 * 1024

/** The state of an opened database after recovery. */
export interface RecoveredState {
  /** `lock`, `manifest` and `wal` are `undefined` in a read-only open (read-only-open.ts). */
  lock: DirectoryLock | undefined
  manifest: Manifest | undefined
  wal: WALManager | undefined
  /** Bytes of the manifest and the WAL a read-only open read. */
  readBytes?: { manifest: number; wal: number }
  tables: VersionSet
  /** The WAL's entries after `flushedSeq`, replayed (frozen memtables past `memtableBytes`). */
  memtables: Memtables
  /** The largest seq in the manifest or the WAL: every write up to it is acknowledged. */
  lastSeq: number
  flushedSeq: number
  nextFileNumber: number
}

/** What recovery has opened so far: closed again if recovery fails. */
type Opened = { lock: DirectoryLock; manifest?: Manifest; wal?: WALManager; tables?: VersionSet }

/** Opens (creating it if allowed) the database in `directory` and recovers its state. On failure
 *  closes what it opened and releases the lock. */
export async function recover(
  directory: string,
  options: ResolvedOptions,
  cache: BlockCache,
): Promise<RecoveredState> {
  const { fs } = options
  // Decided before anything is created: a foreign directory is refused untouched. A database
  // without CURRENT may be one that another opener is creating right now (IDENTITY, then the
  // WAL, then the manifest and CURRENT): the inspection under the lock decides that case.
  let found: DirectoryContents | undefined
  try {
    found = inspectDirectory(fs, directory)
  } catch (error) {
    if (!(error instanceof CorruptionError)) throw error
  }
  if (found?.kind === 'missing') {
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
  const walPath = pathIn(directory, WAL_FILE)
  const openWal = () => {
    opened.wal = WALManager.open(walPath, { fs, recovery: options.walRecovery })
    return opened.wal
  }
  const manifest =
    contents.kind === 'database'
      ? await openManifest(fs, directory, contents, MANIFEST_REWRITE_BYTES)
      : await createDatabaseFiles(fs, directory, contents, MANIFEST_REWRITE_BYTES, openWal)
  opened.manifest = manifest
  const state = manifest.current
  const flushedSeq = state.flushedSeq
  let lastSeq = state.lastSeq

  const tables = new VersionSet(directory, state.version, cache, fs)
  opened.tables = tables
  checkTableFiles(fs, directory, state.version)
  await tables.openTables(state.version)

  // The WAL is checked against the manifest before any file is deleted (cleanup runs last).
  if (hasCurrent) checkWalFile(fs, walPath, directory, state)
  const wal = opened.wal ?? openWal()
  // Shared slabs when flushes are built in the compaction worker.
  const memtables = new Memtables(options.memtableBytes, flushesInWorker(options))
  const entries = replayWal(wal, directory)
  checkWalReplay(wal, entries, directory, state, options.walRecovery === 'point-in-time')
  let firstSeqAfterFlushed: number | undefined
  for (const entry of entries) {
    if (entry.seq <= flushedSeq) continue
    firstSeqAfterFlushed ??= entry.seq
    memtables.replay(entry, options.memtableBytes)
    if (entry.seq > lastSeq) lastSeq = entry.seq
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
