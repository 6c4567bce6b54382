/**
 * `verify(directory)`: checks a whole database and reports every problem with its file and byte
 * offset, reading only (it runs beside a live writer without blocking it): CURRENT, the live
 * manifest's frames and edits, IDENTITY against the manifest, every listed table (present, the
 * recorded size, every block's checksum and structure, its keys and seqs matching the manifest),
 * the key order within and across the tables of each level, and every WAL frame. A torn final
 * frame of the manifest or the WAL (a crash mid-append, or a writer appending right now) is not
 * a problem.
 */
import { compareBytes, type FileSystem, nodeFileSystem, toIOError } from '@strata/base'
import { inspectTable } from '@strata/sstable'
import { scanLog } from '@strata/wal'
import { CURRENT_FILE, IDENTITY_FILE, pathIn, tableFileName, WAL_FILE } from './filenames.js'
import { readIdentity } from './identity.js'
import { inspectManifest, type ManifestState, readCurrent } from './manifest.js'
import type { TableFileMeta } from './version.js'

/** One problem `verify` found. */
export interface VerifyProblem {
  /** The file it is in. */
  file: string
  /** Byte offset in that file of the damaged block, frame or field (0 for the whole file). */
  offset: number
  /** What kind of file: `table`, `manifest`, `wal`, `current` or `identity`. */
  kind: 'table' | 'manifest' | 'wal' | 'current' | 'identity'
  reason: string
}

/** What `verify` checked and found. */
export interface VerifyReport {
  /** True when no problem was found. */
  ok: boolean
  problems: VerifyProblem[]
  tables: number
  dataBlocks: number
  entries: number
  manifestEdits: number
  walFrames: number
  walEntries: number
  /** Bytes read. */
  bytes: number
}

export interface VerifyOptions {
  /** The file system (default: the disk). */
  fs?: FileSystem
}

/** Checks the database in `directory`, reading only. Resolves with the report (damage is in it,
 *  never thrown); rejects only when the directory cannot be read at all. */
export async function verify(directory: string, options: VerifyOptions = {}): Promise<VerifyReport> {
  const fs = options.fs ?? nodeFileSystem
  const report: VerifyReport = {
    ok: true,
    problems: [],
    tables: 0,
    dataBlocks: 0,
    entries: 0,
    manifestEdits: 0,
    walFrames: 0,
    walEntries: 0,
    bytes: 0,
  }
  const problem = (kind: VerifyProblem['kind'], file: string, offset: number, reason: string) => {
    report.problems.push({ file, offset, kind, reason })
  }
  const manifest = await readLiveManifest(fs, directory, report, problem)
  if (manifest !== undefined) {
    await verifyTables(fs, directory, manifest, report, problem)
    const recorded = manifest.identity
    const identityPath = pathIn(directory, IDENTITY_FILE)
    if (recorded !== undefined) {
      try {
        const found = readIdentity(fs, directory)
        if (found === undefined)
          problem('identity', identityPath, 0, `missing; the manifest records ${recorded}`)
        else if (found.id !== recorded) {
          problem('identity', identityPath, 12, `names ${found.id}; the manifest records ${recorded}`)
        }
      } catch (error) {
        problem('identity', identityPath, 0, reasonOf(error))
      }
    }
  }
  verifyWal(fs, directory, report, problem)
  report.ok = report.problems.length === 0
  return report
}

type Report = (kind: VerifyProblem['kind'], file: string, offset: number, reason: string) => void

function reasonOf(error: unknown): string {
  const reason = (error as { reason?: unknown }).reason
  return typeof reason === 'string' ? reason : error instanceof Error ? error.message : String(error)
}

async function readLiveManifest(
  fs: FileSystem,
  directory: string,
  report: VerifyReport,
  problem: Report,
): Promise<ManifestState | undefined> {
  let name: string | undefined
  try {
    name = readCurrent(fs, directory)
  } catch (error) {
    problem('current', pathIn(directory, CURRENT_FILE), 0, reasonOf(error))
    return undefined
  }
  if (name === undefined) {
    if (fs.statSync(directory) === undefined)
      throw toIOError(new Error('no such directory'), 'verifying', directory)
    problem('current', pathIn(directory, CURRENT_FILE), 0, 'missing: the directory holds no database')
    return undefined
  }
  const path = pathIn(directory, name)
  try {
    const found = await inspectManifest(fs, path)
    report.bytes += found.fileBytes
    report.manifestEdits = found.records.length
    if (found.problem?.kind === 'damaged')
      problem('manifest', path, found.problem.offset, found.problem.reason)
    else if (found.records.length === 0) problem('manifest', path, 0, 'holds no complete edit')
    return found.state
  } catch (error) {
    problem('manifest', path, 0, reasonOf(error))
    return undefined
  }
}

async function verifyTables(
  fs: FileSystem,
  directory: string,
  manifest: ManifestState,
  report: VerifyReport,
  problem: Report,
): Promise<void> {
  for (const [level, files] of manifest.version.levels.entries()) {
    for (const [index, meta] of files.entries()) {
      const path = pathIn(directory, tableFileName(meta.fileNumber))
      if (fs.statSync(path) === undefined) {
        // A live writer's compaction may have removed it since the manifest was read.
        if (await stillListed(fs, directory, meta.fileNumber))
          problem('table', path, 0, 'listed in the manifest but missing')
        continue
      }
      await verifyTable(fs, path, meta, report, problem)
      const next = files[index + 1]
      if (level > 0 && next !== undefined && compareBytes(meta.largestKey, next.smallestKey) >= 0) {
        problem(
          'table',
          pathIn(directory, tableFileName(next.fileNumber)),
          0,
          `level ${level}: its smallest key is not above the largest key of ${tableFileName(meta.fileNumber)} (tables of a level must not overlap and must be in key order)`,
        )
      }
    }
  }
}

async function stillListed(fs: FileSystem, directory: string, fileNumber: number): Promise<boolean> {
  try {
    const name = readCurrent(fs, directory)
    if (name === undefined) return true
    const { state } = await inspectManifest(fs, pathIn(directory, name))
    return [...state.version.files()].some(({ table }) => table.fileNumber === fileNumber)
  } catch {
    return true
  }
}

async function verifyTable(
  fs: FileSystem,
  path: string,
  meta: TableFileMeta,
  report: VerifyReport,
  problem: Report,
): Promise<void> {
  let inspection: Awaited<ReturnType<typeof inspectTable>>
  try {
    inspection = await inspectTable(path, { fs })
  } catch (error) {
    problem('table', path, 0, reasonOf(error))
    return
  }
  report.tables++
  report.bytes += inspection.fileSize
  report.dataBlocks += inspection.dataBlocks.length
  report.entries += inspection.entryCount
  for (const found of inspection.problems) {
    const block = found.blockNumber === undefined ? found.block : `${found.block} block ${found.blockNumber}`
    problem('table', path, found.offset, `${block}: ${found.reason}`)
  }
  if (inspection.fileSize !== meta.fileSize) {
    problem('table', path, 0, `${inspection.fileSize} bytes; the manifest recorded ${meta.fileSize}`)
  }
  const properties = inspection.properties
  if (properties === undefined || inspection.problems.length > 0) return
  const mismatches: string[] = []
  if (compareBytes(properties.smallestKey, meta.smallestKey) !== 0) mismatches.push('smallest key')
  if (compareBytes(properties.largestKey, meta.largestKey) !== 0) mismatches.push('largest key')
  if (properties.entryCount !== meta.entryCount) mismatches.push('entry count')
  if (properties.minSeq !== meta.minSeq || properties.maxSeq !== meta.maxSeq) mismatches.push('seq range')
  if (mismatches.length > 0) {
    problem(
      'table',
      path,
      inspection.footer?.properties.offset ?? 0,
      `${mismatches.join(', ')} differ from the manifest's record`,
    )
  }
}

function verifyWal(fs: FileSystem, directory: string, report: VerifyReport, problem: Report): void {
  const path = pathIn(directory, WAL_FILE)
  let data: Uint8Array
  try {
    if (fs.statSync(path) === undefined) return
    data = fs.readFileSync(path)
  } catch (error) {
    problem('wal', path, 0, reasonOf(error))
    return
  }
  report.bytes += data.length
  const scan = scanLog(data, path, 'tolerate-tail')
  report.walFrames = scan.report.frames
  report.walEntries = scan.report.entries
  const error = scan.report.error
  if (error !== undefined) problem('wal', path, error.offset, reasonOf(error))
}
