/**
 * The state of a database another process may be writing, read without writing anything: the
 * live manifest (a torn final edit ignored), the tables it lists opened (an open descriptor keeps
 * a table readable after the writer's compaction deletes it), and the WAL's entries after the
 * manifest's flushedSeq (a torn or still-growing tail ignored). Used by read-only opens and their
 * `refresh()`.
 *
 * Consistency: the writer records a flush in the manifest before it truncates the WAL, and writes
 * the WAL in seq order. The state is read manifest → tables → WAL → manifest again; when the two
 * manifest reads agree on flushedSeq, the tables hold every write up to it and the WAL every
 * write after it that was written when it was read: a prefix of the writer's writes, each batch
 * (one WAL frame) all or nothing. When they disagree (a flush ran meanwhile), or a file vanished
 * under the read (a compaction deleted a table, a manifest rewrite replaced the manifest), the
 * read starts over.
 */
import { CorruptionError, type FileSystem, StrataError, toIOError } from '@strata/base'
import { scanLog } from '@strata/wal'
import { CURRENT_FILE, IDENTITY_FILE, pathIn, WAL_FILE } from './filenames.js'
import { readIdentity } from './identity.js'
import { inspectManifest, type ManifestState, readCurrent } from './manifest.js'
import { Memtables } from './memtables.js'
import type { WalRecovery } from './options.js'
import type { VersionSet } from './version-set.js'

/** Attempts before a read that keeps racing the writer gives up. */
const MAX_ATTEMPTS = 50

/** What a read of the writer's state found. */
export interface WriterState {
  manifest: ManifestState
  /** Bytes of the live manifest file. */
  manifestBytes: number
  /** The WAL's entries after flushedSeq. */
  memtables: Memtables
  /** The largest seq in the manifest or the WAL. */
  lastSeq: number
  /** Bytes of the WAL file read. */
  walBytes: number
}

/** Raised inside an attempt when the writer changed the files under the read: try again. */
class Raced extends Error {}

/** Reads the live manifest; a manifest replaced meanwhile (CURRENT moved on) is `Raced`. */
async function readManifest(
  fs: FileSystem,
  directory: string,
): Promise<{ state: ManifestState; bytes: number }> {
  const name = readCurrent(fs, directory)
  if (name === undefined) {
    throw new CorruptionError({
      file: pathIn(directory, CURRENT_FILE),
      offset: 0,
      reason: 'CURRENT is missing',
    })
  }
  const path = pathIn(directory, name)
  let found: Awaited<ReturnType<typeof inspectManifest>>
  try {
    found = await inspectManifest(fs, path)
  } catch (error) {
    if (fs.statSync(path) === undefined) throw new Raced()
    throw toIOError(error, 'reading the manifest', path)
  }
  if (found.problem?.kind === 'damaged') {
    throw new CorruptionError({ file: path, offset: found.problem.offset, reason: found.problem.reason })
  }
  if (found.records.length === 0) {
    // A manifest is complete before CURRENT names it: none here means CURRENT moved on meanwhile.
    if (readCurrent(fs, directory) !== name) throw new Raced()
    throw new CorruptionError({
      file: path,
      offset: 0,
      reason: 'the manifest CURRENT names holds no complete edit',
    })
  }
  const recorded = found.state.identity
  if (recorded !== undefined && readIdentity(fs, directory)?.id !== recorded) {
    throw new CorruptionError({
      file: pathIn(directory, IDENTITY_FILE),
      offset: 0,
      reason: `IDENTITY does not name database ${recorded}, which the manifest records`,
    })
  }
  return { state: found.state, bytes: found.fileBytes }
}

/**
 * Reads the writer's state as described above, opening the tables it lists into `tables`
 * (tables already open there are reused). Writes nothing. `walRecovery` decides about damage in
 * the WAL other than a torn tail (`strict` is read as `tolerate-tail`: a still-growing tail is
 * normal beside a writer).
 */
export async function readWriterState(
  fs: FileSystem,
  directory: string,
  tables: VersionSet,
  walRecovery: WalRecovery,
  memtableBytes: number,
): Promise<WriterState> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await readOnce(fs, directory, tables, walRecovery, memtableBytes)
    } catch (error) {
      if (!(error instanceof Raced) || attempt >= MAX_ATTEMPTS) {
        if (error instanceof Raced) {
          throw new StrataError(
            'STRATA_IO',
            `the files of ${directory} kept changing during ${MAX_ATTEMPTS} reads of its state; try again`,
          )
        }
        throw error
      }
      await new Promise((resolve) => setTimeout(resolve, Math.min(attempt, 10)))
    }
  }
}

async function readOnce(
  fs: FileSystem,
  directory: string,
  tables: VersionSet,
  walRecovery: WalRecovery,
  memtableBytes: number,
): Promise<WriterState> {
  const before = await readManifest(fs, directory)
  try {
    await tables.openTables(before.state.version)
  } catch (error) {
    const after = await readManifest(fs, directory)
    if (!sameFiles(before.state, after.state)) throw new Raced()
    throw error
  }
  const walPath = pathIn(directory, WAL_FILE)
  let walData: Uint8Array
  try {
    walData = fs.statSync(walPath) === undefined ? new Uint8Array(0) : await fs.readFile(walPath)
  } catch (error) {
    if (fs.statSync(walPath) === undefined) throw new Raced()
    throw toIOError(error, 'reading the WAL', walPath)
  }
  const after = await readManifest(fs, directory)
  const scan = scanLog(walData, walPath, walRecovery === 'strict' ? 'tolerate-tail' : walRecovery)
  if (scan.report.error !== undefined) throw scan.report.error
  // A flush meanwhile may have truncated the WAL past the tables read: the state holds together
  // only if the WAL read still starts at or before the first seq those tables lack (a WAL is cut
  // from the front only, so it then holds every later entry).
  const firstSeq = scan.entries[0]?.seq
  const walCoversTables = firstSeq !== undefined && firstSeq <= before.state.flushedSeq + 1
  if (after.state.flushedSeq !== before.state.flushedSeq && !walCoversTables) throw new Raced()
  const { flushedSeq } = before.state
  let lastSeq = before.state.lastSeq
  const memtables = new Memtables(memtableBytes)
  for (const entry of scan.entries) {
    if (entry.seq <= flushedSeq) continue
    memtables.replay(entry, memtableBytes)
    if (entry.seq > lastSeq) lastSeq = entry.seq
  }
  return {
    manifest: before.state,
    manifestBytes: before.bytes,
    memtables,
    lastSeq,
    walBytes: scan.report.validBytes,
  }
}

function sameFiles(a: ManifestState, b: ManifestState): boolean {
  const numbers = (state: ManifestState) =>
    [...state.version.files()].map(({ table }) => table.fileNumber).join(',')
  return numbers(a) === numbers(b)
}
