/**
 * The steps of `open()` that create a database's first files or check an existing one's metadata
 * before anything is written: identity against manifest, every listed table present with its
 * recorded size, and the undo of a failed open. Contracts: docs/format.md, "Database directory".
 */
import { CorruptionError, type FileSystem, toIOError } from '@strata/base'
import type { DirectoryContents } from './directory.js'
import { CURRENT_FILE, IDENTITY_FILE, parseFileName, pathIn, tableFileName, WAL_FILE } from './filenames.js'
import { newDatabaseId, readIdentity, writeIdentity } from './identity.js'
import { Manifest, NEW_DATABASE_STATE } from './manifest.js'
import type { Version } from './version.js'

/** Creates a database's first files in an empty (or half-created) directory, in crash-safe order:
 *  IDENTITY (fsynced, directory fsynced), then the WAL (`createWal`: a manifest always has its
 *  WAL), then the manifest, then CURRENT. */
export async function createDatabaseFiles(
  fs: FileSystem,
  directory: string,
  contents: DirectoryContents,
  rewriteBytes: number,
  createWal: () => void,
): Promise<Manifest> {
  const id =
    (contents.kind === 'half-created' ? contents.identity.id : undefined) ??
    (await writeNewIdentity(fs, directory))
  createWal()
  return Manifest.create(fs, directory, { ...NEW_DATABASE_STATE, identity: id }, rewriteBytes)
}

/** Replays the live manifest and checks it against IDENTITY: a manifest that records an id needs
 *  the IDENTITY file with that id. Reads only. */
export async function openManifest(
  fs: FileSystem,
  directory: string,
  contents: DirectoryContents & { kind: 'database' },
  rewriteBytes: number,
): Promise<Manifest> {
  const manifest = await Manifest.recover(fs, directory, rewriteBytes)
  const recorded = manifest.current.identity
  const file = pathIn(directory, IDENTITY_FILE)
  const repair = `; rebuild it with \`strata repair ${directory}\``
  if (recorded !== undefined && contents.identity === undefined) {
    await manifest.close()
    throw new CorruptionError({
      file,
      offset: 0,
      reason: `IDENTITY is missing although the manifest records database ${recorded}${repair}`,
    })
  }
  if (recorded !== undefined && contents.identity!.id !== recorded) {
    await manifest.close()
    throw new CorruptionError({
      file,
      offset: 12,
      reason: `IDENTITY names database ${contents.identity!.id} but the manifest records ${recorded}: files of two databases are mixed`,
    })
  }
  return manifest
}

/** Every table `version` lists exists with the size the manifest recorded, else one
 *  `CorruptionError` naming every missing or resized file. Reads only. */
export function checkTableFiles(fs: FileSystem, directory: string, version: Version): void {
  const problems: string[] = []
  let first: string | undefined
  for (const { table } of version.files()) {
    const path = pathIn(directory, tableFileName(table.fileNumber))
    let stat: ReturnType<FileSystem['statSync']>
    try {
      stat = fs.statSync(path)
    } catch (error) {
      throw toIOError(error, 'checking a table file', path)
    }
    const problem =
      stat === undefined
        ? 'missing'
        : stat.size !== table.fileSize
          ? `${stat.size} bytes, the manifest recorded ${table.fileSize}`
          : undefined
    if (problem === undefined) continue
    first ??= path
    problems.push(`${tableFileName(table.fileNumber)} (${problem})`)
  }
  if (first === undefined) return
  throw new CorruptionError({
    file: first,
    offset: 0,
    reason:
      `the manifest lists ${problems.length} table${problems.length === 1 ? '' : 's'} that ` +
      `${problems.length === 1 ? 'is' : 'are'} missing or not the recorded size: ${problems.join(', ')}; ` +
      `rebuild with \`strata repair ${directory}\``,
  })
}

/** A database of directory format 1 (no id in its manifest) gets its IDENTITY marker (unless a
 *  previous open wrote it already) and the id recorded in its manifest. Runs once the open has
 *  validated everything. */
export async function recordIdentity(fs: FileSystem, directory: string, manifest: Manifest): Promise<void> {
  if (manifest.current.identity !== undefined) return
  const id = readIdentity(fs, directory)?.id ?? (await writeNewIdentity(fs, directory))
  await manifest.apply({ identity: id })
}

/** Names of files a failed open may have created: strata's own names only. */
function isOwnName(name: string): boolean {
  return (
    name === CURRENT_FILE ||
    name === IDENTITY_FILE ||
    name === WAL_FILE ||
    name === `${WAL_FILE}.tmp` ||
    parseFileName(name).kind !== 'other'
  )
}

/** After a failed open: removes the strata files that were not in `namesBefore` (the listing
 *  taken under the LOCK before anything was written), so the directory is left as it was. */
export function removeCreatedFiles(fs: FileSystem, directory: string, namesBefore: readonly string[]): void {
  const before = new Set(namesBefore)
  let names: string[]
  try {
    names = fs.readdirSync(directory)
  } catch {
    return
  }
  for (const name of names) {
    if (before.has(name) || !isOwnName(name)) continue
    try {
      fs.unlinkSync(pathIn(directory, name))
    } catch {}
  }
}

/** Writes the IDENTITY marker of a new database id into `directory`; returns the id. */
async function writeNewIdentity(fs: FileSystem, directory: string): Promise<string> {
  const id = newDatabaseId()
  try {
    await writeIdentity(fs, directory, id)
  } catch (error) {
    throw toIOError(error, 'writing the identity marker', pathIn(directory, IDENTITY_FILE))
  }
  return id
}
