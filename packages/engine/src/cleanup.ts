/**
 * Cleanup at open: deletes only files this database wrote and provably no longer needs, and
 * only once the whole open has validated (docs/format.md, "Cleanup at open"). When in doubt a
 * file is kept: a kept file costs disk space, a wrongly deleted one costs data.
 */
import type { FileSystem } from '@strata/base'
import { parseFileName, pathIn } from './filenames.js'
import { removeDeadLockTemporaries } from './lock.js'

/** What the validated open knows, from which obsolescence is proven. */
export interface CleanupFacts {
  /** Tables the live version lists. */
  liveTables: ReadonlySet<number>
  /** Tables an edit of the live manifest removed (file numbers are never reused). */
  removedTables: ReadonlySet<number>
  /** The next free file number the manifest recorded. */
  nextFileNumber: number
  /** File number of the live manifest (the one CURRENT names). */
  manifestFileNumber: number
  /** The WAL's first entry after the manifest's flushedSeq is flushedSeq + 1: no flush edit
   *  is missing from the manifest. */
  walMeetsManifest: boolean
}

/**
 * The names among `names` that are obsolete files of this database:
 * - a table the live version does not list, if an edit of the live manifest removed it, or if
 *   its number was never recorded as handed out (>= nextFileNumber: the output of a flush or
 *   compaction that crashed before its edit) and the WAL meets the manifest (so no recorded
 *   flush edit is missing: such a table's entries are still in the WAL or in listed tables);
 * - a manifest numbered below the live one (replaced by a rewrite);
 * - a temporary file by strata's exact names (`CURRENT.tmp`, `IDENTITY.tmp`,
 *   `MANIFEST-<n>.tmp`, `<n>.sst.tmp`).
 * Everything else is kept: an unlisted table numbered below nextFileNumber that no edit removed,
 * a manifest numbered above the live one, any other name.
 */
export function obsoleteFiles(names: readonly string[], facts: CleanupFacts): string[] {
  return names.filter((name) => {
    const parsed = parseFileName(name)
    switch (parsed.kind) {
      case 'table':
        if (facts.liveTables.has(parsed.fileNumber)) return false
        return (
          facts.removedTables.has(parsed.fileNumber) ||
          (parsed.fileNumber >= facts.nextFileNumber && facts.walMeetsManifest)
        )
      case 'manifest':
        return parsed.fileNumber < facts.manifestFileNumber
      case 'temporary':
        return true
      default:
        return false
    }
  })
}

/** Deletes `obsoleteFiles` of the directory and lock temporaries of openers that died. */
export async function removeObsoleteFiles(
  fs: FileSystem,
  directory: string,
  realPath: string,
  facts: CleanupFacts,
): Promise<void> {
  const names = await fs.readdir(directory)
  for (const name of obsoleteFiles(names, facts)) await fs.unlink(pathIn(directory, name)).catch(() => {})
  removeDeadLockTemporaries(fs, realPath, names)
}
