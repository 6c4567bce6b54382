/**
 * `destroy(directory)`: removes a database — only strata's own files, under the LOCK, so a
 * database open for writing anywhere is refused (`STRATA_LOCKED`), as is a directory that is not
 * a strata database (`STRATA_NOT_A_DATABASE`) or a damaged one whose kind cannot be told. The
 * directory itself goes too when nothing else is left in it.
 *
 * Order: tables, the WAL, manifests and temporaries, then CURRENT, then IDENTITY, so that a
 * destroy cut short (a crash) leaves a directory a second destroy still recognises: with CURRENT
 * it is a database, without CURRENT but with IDENTITY a half-created one. Read-only openers take
 * no lock: one reading the database keeps its open files readable until it closes.
 */
import { ErrorCode, type FileSystem, nodeFileSystem, StrataError, toIOError } from '@strata/base'
import { inspectDirectory } from './directory.js'
import { CURRENT_FILE, IDENTITY_FILE, parseFileName, pathIn, WAL_FILE } from './filenames.js'
import { DirectoryLock, isLockFileName, removeDeadLockTemporaries } from './lock.js'

export interface DestroyOptions {
  /** The file system (default: the disk). */
  fs?: FileSystem
}

/** What `destroy` removed. */
export interface DestroyResult {
  /** Names of the files removed. */
  removed: string[]
  /** Names left in the directory (not strata's); empty when the directory was removed. */
  kept: string[]
  /** True when the directory itself was removed. */
  directoryRemoved: boolean
}

/** Removal order: 0 first. */
function rank(name: string): number | undefined {
  if (name === CURRENT_FILE) return 1
  if (name === IDENTITY_FILE) return 2
  if (name === WAL_FILE || name === `${WAL_FILE}.tmp`) return 0
  return parseFileName(name).kind === 'other' ? undefined : 0
}

/** Removes the database in `directory` (see above). Rejects with `STRATA_NOT_FOUND` when the
 *  directory does not exist. */
export async function destroy(directory: string, options: DestroyOptions = {}): Promise<DestroyResult> {
  const fs = options.fs ?? nodeFileSystem
  const found = inspectDirectory(fs, directory)
  if (found.kind === 'missing') throw new StrataError(ErrorCode.NotFound, `${directory} does not exist`)
  const lock = DirectoryLock.acquire(fs, directory)
  const removed: string[] = []
  try {
    // Asked again under the LOCK: the directory may have changed meanwhile.
    const contents = inspectDirectory(fs, directory)
    if (contents.kind === 'missing') throw new StrataError(ErrorCode.NotFound, `${directory} does not exist`)
    const names = contents.names
      .filter((name) => rank(name) !== undefined)
      .sort((left, right) => rank(left)! - rank(right)!)
    for (const name of names) {
      try {
        fs.unlinkSync(pathIn(directory, name))
      } catch (error) {
        throw toIOError(error, 'removing a database file', pathIn(directory, name))
      }
      removed.push(name)
    }
    removeDeadLockTemporaries(fs, lock.realPath, fs.readdirSync(directory))
  } finally {
    lock.release()
  }
  const kept = fs.readdirSync(directory).filter((name) => !isLockFileName(name))
  let directoryRemoved = false
  if (fs.readdirSync(directory).length === 0) {
    try {
      fs.rmdirSync(directory)
      directoryRemoved = true
    } catch {}
  }
  return { removed, kept, directoryRemoved }
}
