/**
 * Open and recovery: the directory and its lock, the manifest (or a new one), the tables it
 * lists, orphan cleanup, then the WAL replayed into memtables. What it returns is the fully
 * recovered state every part of the database is built from.
 */
import {
  CorruptionError,
  ErrorCode,
  InvalidArgumentError,
  OpType,
  StrataError,
  toIOError,
} from '@strata/base'
import type { BlockCache } from '@strata/sstable'
import { WALManager } from '@strata/wal'
import { CURRENT_FILE, parseFileName, pathIn, tableFileName, WAL_FILE } from './filenames.js'
import { DirectoryLock } from './lock.js'
import { EMPTY_STATE, Manifest } from './manifest.js'
import { Memtables } from './memtables.js'
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
  const exists = fs.statSync(directory)
  if (exists === undefined) {
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
  } else if (!exists.isDirectory) {
    throw new InvalidArgumentError(`${directory} is a file, not a directory`, { argument: 'directory' })
  }
  const opened: Opened = { lock: DirectoryLock.acquire(fs, directory) }
  try {
    return await recoverLocked(directory, options, cache, opened)
  } catch (error) {
    await opened.wal?.close().catch(() => {})
    await opened.manifest?.close().catch(() => {})
    await opened.tables?.closeAll().catch(() => {})
    opened.lock.release()
    throw error
  }
}

async function recoverLocked(
  directory: string,
  options: ResolvedOptions,
  cache: BlockCache,
  opened: Opened,
): Promise<RecoveredState> {
  const { fs } = options
  const hasCurrent = fs.statSync(pathIn(directory, CURRENT_FILE)) !== undefined
  if (hasCurrent && options.errorIfExists) {
    throw new StrataError(ErrorCode.Exists, `${directory} already holds a database (errorIfExists is set)`)
  }
  if (!hasCurrent && !options.createIfMissing) {
    throw new StrataError(
      ErrorCode.NotFound,
      `${directory} holds no database (no CURRENT file); pass createIfMissing: true to create one`,
    )
  }
  const manifest = hasCurrent
    ? await Manifest.recover(fs, directory, MANIFEST_REWRITE_BYTES)
    : await Manifest.create(fs, directory, EMPTY_STATE, MANIFEST_REWRITE_BYTES)
  opened.manifest = manifest
  const state = manifest.current
  const flushedSeq = state.flushedSeq
  let lastSeq = state.lastSeq

  const tables = new VersionSet(directory, state.version, cache, fs)
  opened.tables = tables
  for (const { table } of state.version.files()) {
    if (fs.statSync(pathIn(directory, tableFileName(table.fileNumber))) === undefined) {
      throw new CorruptionError({
        file: pathIn(directory, tableFileName(table.fileNumber)),
        offset: 0,
        reason: 'the manifest lists this table but the file is missing',
      })
    }
  }
  await tables.openTables(state.version)
  await removeOrphans(directory, options, manifest)

  const wal = WALManager.open(pathIn(directory, WAL_FILE), { fs, recovery: options.walRecovery })
  opened.wal = wal
  const memtables = new Memtables()
  const entries = wal.replay()
  for (const entry of entries) {
    if (entry.seq <= flushedSeq) continue
    const memtable = memtables.active
    if (entry.op === OpType.Delete) memtable.delete(entry.key, entry.seq)
    else memtable.put(entry.key, entry.value as Uint8Array, entry.seq)
    if (entry.seq > lastSeq) lastSeq = entry.seq
    if (memtable.approximateBytes >= options.memtableBytes) memtables.freeze()
  }
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

/** Deletes files no manifest references: tables from a flush or compaction that crashed before
 *  its manifest edit, old manifests, temporary files. */
async function removeOrphans(directory: string, options: ResolvedOptions, manifest: Manifest): Promise<void> {
  const live = new Set<number>()
  for (const { table } of manifest.current.version.files()) live.add(table.fileNumber)
  for (const name of await options.fs.readdir(directory)) {
    const parsed = parseFileName(name)
    const orphan =
      (parsed.kind === 'table' && !live.has(parsed.fileNumber)) ||
      (parsed.kind === 'manifest' && parsed.fileNumber !== manifest.fileNumber) ||
      parsed.kind === 'temporary'
    if (orphan) await options.fs.unlink(pathIn(directory, name)).catch(() => {})
  }
}
