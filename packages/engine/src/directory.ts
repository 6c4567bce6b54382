/**
 * What a directory handed to `open()` holds, decided by reading only (docs/format.md, "Database
 * directory"): nothing yet, a strata database, a database whose creation stopped before CURRENT,
 * a strata database that lost CURRENT (corruption), or somebody else's files (not a database).
 * `open()` asks before it creates or writes anything, and asks again once it holds the LOCK.
 */
import {
  CorruptionError,
  type FileSystem,
  InvalidArgumentError,
  NotADatabaseError,
  toIOError,
} from '@strata/base'
import { HEADER_BYTES as WAL_HEADER_BYTES } from '@strata/wal'
import { CURRENT_FILE, IDENTITY_FILE, parseFileName, pathIn, WAL_FILE } from './filenames.js'
import { type DatabaseIdentity, readIdentity } from './identity.js'
import { isLockFileName } from './lock.js'
import { decodeEdit, EMPTY_STATE, type ManifestState } from './manifest.js'
import { readManifestFrames } from './manifest-frames.js'

export type DirectoryContents =
  /** No such directory. */
  | { kind: 'missing' }
  /** Nothing but lock files (and `IDENTITY.tmp`: a creation that stopped, or is running, at its
   *  first step). */
  | { kind: 'empty'; names: string[] }
  /** IDENTITY and nothing a database holds once CURRENT exists: creation stopped midway. */
  | { kind: 'half-created'; names: string[]; identity: DatabaseIdentity }
  /** CURRENT exists (IDENTITY too, except in a database of directory format 1). */
  | { kind: 'database'; names: string[]; identity: DatabaseIdentity | undefined }

/**
 * Reads `directory` and says what it holds. Throws `NotADatabaseError` for a non-empty directory
 * without IDENTITY or CURRENT (unless a strata manifest in it shows a database that lost
 * CURRENT: `CorruptionError`), `CorruptionError` for IDENTITY beside tables, a WAL or a manifest
 * with content but no CURRENT, `STRATA_IO` when the file system refuses to show it.
 */
export function inspectDirectory(fs: FileSystem, directory: string): DirectoryContents {
  let names: string[]
  try {
    const stat = fs.statSync(directory)
    if (stat === undefined) return { kind: 'missing' }
    if (!stat.isDirectory) {
      throw new InvalidArgumentError(`${directory} is a file, not a directory`, { argument: 'directory' })
    }
    names = fs.readdirSync(directory)
  } catch (error) {
    if (error instanceof InvalidArgumentError) throw error
    throw toIOError(error, 'reading the database directory', directory)
  }
  const entries = names.filter((name) => !isLockFileName(name) && name !== `${IDENTITY_FILE}.tmp`)
  if (entries.length === 0) return { kind: 'empty', names }
  const identity = entries.includes(IDENTITY_FILE) ? readIdentity(fs, directory) : undefined
  if (entries.includes(CURRENT_FILE)) return { kind: 'database', names, identity }

  const databaseFiles = entries.filter((name) => isDatabaseFile(fs, directory, name))
  if (identity !== undefined) {
    if (databaseFiles.length === 0) return { kind: 'half-created', names, identity }
    throw missingCurrent(directory, [IDENTITY_FILE, ...databaseFiles])
  }
  const manifests = entries.filter((name) => parseFileName(name).kind === 'manifest')
  if (manifests.some((name) => isStrataManifest(fs, pathIn(directory, name)))) {
    throw missingCurrent(directory, databaseFiles)
  }
  throw new NotADatabaseError(directory, entries)
}

/** A table, a WAL, or a manifest that holds more than the empty database creation writes. */
function isDatabaseFile(fs: FileSystem, directory: string, name: string): boolean {
  const parsed = parseFileName(name)
  // A WAL that holds no frame yet (creation writes it before the first manifest) holds nothing.
  if (name === WAL_FILE) return (fs.statSync(pathIn(directory, name))?.size ?? 0) > WAL_HEADER_BYTES
  if (parsed.kind === 'table') return true
  if (parsed.kind !== 'manifest') return false
  const state = manifestState(fs, pathIn(directory, name))
  return (
    state === undefined ||
    state.lastSeq !== 0 ||
    state.flushedSeq !== 0 ||
    [...state.version.files()].length > 0
  )
}

/** The state a manifest file replays to (a torn tail dropped); `undefined` if it is damaged. */
function manifestState(fs: FileSystem, path: string): ManifestState | undefined {
  try {
    const scan = readManifestFrames(fs.readFileSync(path))
    if (scan.status === 'damaged') return undefined
    let state = EMPTY_STATE
    for (const { payload, offset } of scan.frames) {
      const edit = decodeEdit(payload, path, offset)
      state = { ...state, version: state.version.apply(edit, path), lastSeq: edit.lastSeq ?? state.lastSeq }
      state = { ...state, flushedSeq: edit.flushedSeq ?? state.flushedSeq }
    }
    return state
  } catch {
    return undefined
  }
}

/** Whether the file's first frame is a strata manifest edit. */
function isStrataManifest(fs: FileSystem, path: string): boolean {
  try {
    const first = readManifestFrames(fs.readFileSync(path)).frames[0]
    if (first === undefined) return false
    decodeEdit(first.payload, path, first.offset)
    return true
  } catch {
    return false
  }
}

function missingCurrent(directory: string, found: string[]): CorruptionError {
  const shown = found.slice(0, 8).join(', ') + (found.length > 8 ? ', ...' : '')
  return new CorruptionError(
    {
      file: pathIn(directory, CURRENT_FILE),
      offset: 0,
      reason: `CURRENT is missing although the directory holds a strata database (${shown})`,
    },
    `${directory} holds a strata database (${shown}) but its CURRENT file is missing; ` +
      `strata will not start a fresh database over it. Rebuild it with \`strata repair ${directory}\` ` +
      '(or repair() from @strata/engine); nothing was changed',
  )
}
