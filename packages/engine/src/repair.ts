/**
 * `repair(dir)`: rebuilds a usable database from whatever of it is readable. Every table whose
 * every block reads back, and every WAL entry before the first damage, are merged (the newest
 * version of each key by seq wins; keys deleted by a point or a range tombstone are dropped) into
 * one new table, listed by a new
 * manifest with a new CURRENT and an empty WAL. Nothing is deleted: every file the new database
 * does not use (damaged or superseded) is moved to `lost/` inside the directory. The report says
 * what was kept, what was moved and why, and which seq ranges may be missing.
 *
 * Entries are merged in memory: repair needs memory in proportion to the live data.
 */
import {
  compareBytes,
  type FileSystem,
  type InternalEntry,
  InvalidArgumentError,
  MAX_SEQ,
  nodeFileSystem,
  OpType,
  type RangeTombstone,
  StrataError,
  toIOError,
} from '@strata/base'
import { Table, TableBuilder } from '@strata/sstable'
import { WALWriter } from '@strata/wal'
import {
  CURRENT_FILE,
  IDENTITY_FILE,
  LOCK_FILE,
  parseFileName,
  pathIn,
  tableFileName,
  WAL_FILE,
} from './filenames.js'
import { newDatabaseId, readIdentity, writeIdentity } from './identity.js'
import { DirectoryLock } from './lock.js'
import { inspectManifest, Manifest, type ManifestState, readCurrent } from './manifest.js'
import { fragmentTombstones, RangeFragments, unfragment } from './range-fragments.js'
import { toFileMeta, Version } from './version.js'

/** Where repair puts every file the rebuilt database does not use. */
export const LOST_DIRECTORY = 'lost'
/** The end of a missing range whose end is unknown. */
export const UNKNOWN_END = Number.MAX_SAFE_INTEGER

export interface RepairOptions {
  /** File system to work through. Default: the real disk. */
  fs?: FileSystem
}

export interface SeqRange {
  from: number
  /** `UNKNOWN_END` when it is not known where the loss ends. */
  to: number
  /** Why these seqs may be missing. */
  reason: string
}

export interface RepairReport {
  directory: string
  /** Files whose readable content the rebuilt database holds, with what was read from each
   *  (`entries`: point entries and range tombstones). */
  kept: { file: string; entries: number; note?: string }[]
  /** Files moved to `lost/`, where they went, and why. */
  moved: { file: string; to: string; reason: string }[]
  /** Seqs whose writes may be missing from the rebuilt database (sorted, may overlap). */
  missingSeqs: SeqRange[]
  /** The new table (undefined when nothing was readable) and the largest seq kept. */
  table: string | undefined
  lastSeq: number
  /** Live keys in the rebuilt database. */
  keys: number
}

interface Source {
  file: string
  entries: InternalEntry[]
  rangeTombstones: RangeTombstone[]
}

/** The manifest's state as far as it reads, or undefined (and why) when none does. */
async function readManifestState(
  fs: FileSystem,
  directory: string,
  names: string[],
): Promise<{ state: ManifestState | undefined; name: string | undefined; problem: string | undefined }> {
  let name: string | undefined
  let problem: string | undefined
  try {
    name = readCurrent(fs, directory)
    if (name === undefined) problem = 'CURRENT is missing'
  } catch (error) {
    problem = `CURRENT is damaged (${(error as Error).message})`
  }
  if (name === undefined || !names.includes(name)) {
    if (name !== undefined) problem = `CURRENT names ${name}, which is missing`
    // The newest manifest present is the best guess of the live one.
    name = names
      .filter((candidate) => parseFileName(candidate).kind === 'manifest')
      .sort()
      .pop()
  }
  if (name === undefined) return { state: undefined, name, problem: problem ?? 'no manifest' }
  try {
    const inspected = await inspectManifest(fs, pathIn(directory, name))
    if (inspected.problem !== undefined) {
      problem = `${name} ${inspected.problem.kind === 'torn' ? 'ends in a torn edit' : 'is damaged'} at byte ${inspected.problem.offset}`
    }
    return { state: inspected.records.length > 0 ? inspected.state : undefined, name, problem }
  } catch (error) {
    return { state: undefined, name, problem: `${name} is unreadable (${(error as Error).message})` }
  }
}

async function readTable(
  fs: FileSystem,
  path: string,
): Promise<{ entries: InternalEntry[]; rangeTombstones: RangeTombstone[] }> {
  const table = await Table.open(path, { fs })
  try {
    const entries: InternalEntry[] = []
    for await (const entry of table.iterator({ versions: 'all' })) {
      entries.push({
        key: new Uint8Array(entry.key),
        seq: entry.seq,
        op: entry.op,
        value: entry.value === null ? null : new Uint8Array(entry.value),
      })
    }
    return { entries, rangeTombstones: unfragment(table.rangeFragments) }
  } finally {
    await table.close().catch(() => {})
  }
}

/** Moves `name` into lost/ (a new name if one is taken); returns where it went. */
function moveToLost(fs: FileSystem, directory: string, name: string): string {
  const lost = pathIn(directory, LOST_DIRECTORY)
  if (fs.statSync(lost) === undefined) {
    fs.mkdirSync(lost)
    fs.syncDirSync(directory)
  }
  let target = name
  for (let attempt = 1; fs.statSync(pathIn(lost, target)) !== undefined; attempt++)
    target = `${name}.${attempt}`
  fs.renameSync(pathIn(directory, name), pathIn(lost, target))
  return `${LOST_DIRECTORY}/${target}`
}

/**
 * Rebuilds the database in `directory` from what is readable (see the file comment). The
 * directory must not be open elsewhere (`STRATA_LOCKED`). Rejects with `STRATA_IO` when a file
 * cannot be written or moved; damage never makes it reject, it is what repair is for.
 */
export async function repair(directory: string, options: RepairOptions = {}): Promise<RepairReport> {
  if (typeof directory !== 'string' || directory.length === 0) {
    throw new InvalidArgumentError('directory must be a non-empty string path', { argument: 'directory' })
  }
  const fs = options.fs ?? nodeFileSystem
  const stat = fs.statSync(directory)
  if (stat === undefined || !stat.isDirectory) {
    throw new InvalidArgumentError(`${directory} is not a directory`, { argument: 'directory' })
  }
  const lock = DirectoryLock.acquire(fs, directory)
  try {
    return await repairLocked(fs, directory)
  } catch (error) {
    if (error instanceof StrataError) throw error
    throw toIOError(error, 'repairing the database', directory)
  } finally {
    lock.release()
  }
}

async function repairLocked(fs: FileSystem, directory: string): Promise<RepairReport> {
  const names = (await fs.readdir(directory)).filter((name) => name !== LOCK_FILE && name !== LOST_DIRECTORY)
  const report: RepairReport = {
    directory,
    kept: [],
    moved: [],
    missingSeqs: [],
    table: undefined,
    lastSeq: 0,
    keys: 0,
  }
  const toMove = new Map<string, string>()
  const { state, problem } = await readManifestState(fs, directory, names)
  const listed = new Map<number, { minSeq: number; maxSeq: number }>()
  for (const { table } of state?.version.files() ?? []) listed.set(table.fileNumber, table)

  const sources: Source[] = []
  let maxFileNumber = state?.nextFileNumber ?? 1
  let maxTableSeq = 0
  for (const name of names) {
    const parsed = parseFileName(name)
    if (parsed.kind === 'manifest') maxFileNumber = Math.max(maxFileNumber, parsed.fileNumber + 1)
    if (parsed.kind !== 'table') continue
    maxFileNumber = Math.max(maxFileNumber, parsed.fileNumber + 1)
    try {
      const { entries, rangeTombstones } = await readTable(fs, pathIn(directory, name))
      sources.push({ file: name, entries, rangeTombstones })
      for (const entry of entries) maxTableSeq = Math.max(maxTableSeq, entry.seq)
      for (const tombstone of rangeTombstones) maxTableSeq = Math.max(maxTableSeq, tombstone.seq)
      toMove.set(name, 'merged into the rebuilt table')
    } catch (error) {
      toMove.set(name, `unreadable table: ${(error as Error).message}`)
      const record = listed.get(parsed.fileNumber)
      report.missingSeqs.push(
        record === undefined
          ? { from: 1, to: UNKNOWN_END, reason: `${name} is unreadable and no manifest records its seqs` }
          : { from: record.minSeq, to: record.maxSeq, reason: `${name} is unreadable` },
      )
    }
  }
  for (const [fileNumber, record] of listed) {
    if (!names.includes(tableFileName(fileNumber))) {
      report.missingSeqs.push({
        from: record.minSeq,
        to: record.maxSeq,
        reason: `${tableFileName(fileNumber)} is listed by the manifest but missing`,
      })
    }
  }

  // The WAL: every entry before the first damage (point-in-time).
  const flushedSeq = state?.flushedSeq ?? maxTableSeq
  const recordedSeq = state?.wal?.seq ?? 0
  if (names.includes(WAL_FILE)) {
    const walEntries: InternalEntry[] = []
    const walRangeTombstones: RangeTombstone[] = []
    let lastGood = 0
    let lossFrom: { reason: string } | undefined
    let claimed = recordedSeq
    try {
      const writer = new WALWriter(pathIn(directory, WAL_FILE), {
        fs,
        recovery: 'point-in-time',
        onWarning: () => {},
      })
      try {
        for (const entry of writer.replay()) {
          if (entry.op === OpType.RangeDelete) {
            walRangeTombstones.push({ start: entry.key, end: entry.value, seq: entry.seq })
          } else {
            walEntries.push({
              key: entry.key,
              seq: entry.seq,
              op: entry.op === OpType.Delete ? OpType.Delete : OpType.Put,
              value: entry.op === OpType.Delete ? null : (entry.value as Uint8Array),
            })
          }
        }
        const walReport = writer.replayReport
        lastGood = walReport.lastGoodSeq ?? 0
        claimed = Math.max(claimed, walReport.syncedSeq ?? 0)
        const cut = walReport.stoppedAt ?? walReport.tornTail
        if (cut !== undefined)
          lossFrom = { reason: `the WAL is damaged at byte ${cut.offset} (${cut.reason})` }
        else if (claimed > lastGood)
          lossFrom = { reason: `the WAL ends at seq ${lastGood}, below its recorded seq ${claimed}` }
      } finally {
        writer.close()
      }
      sources.push({ file: WAL_FILE, entries: walEntries, rangeTombstones: walRangeTombstones })
    } catch (error) {
      lossFrom = { reason: `the WAL is unreadable (${(error as Error).message})` }
    }
    if (lossFrom !== undefined) {
      report.missingSeqs.push({
        from: Math.max(lastGood, flushedSeq) + 1,
        to: UNKNOWN_END,
        reason: lossFrom.reason,
      })
    }
    toMove.set(WAL_FILE, lossFrom === undefined ? 'replaced by an empty WAL' : lossFrom.reason)
  } else {
    report.missingSeqs.push({ from: flushedSeq + 1, to: UNKNOWN_END, reason: 'the WAL is missing' })
  }
  if (problem !== undefined && state === undefined && listed.size === 0) {
    // No manifest says which tables existed: a table deleted with it would go unnoticed.
    report.kept.push({
      file: '(manifest)',
      entries: 0,
      note: `${problem}: tables found in the directory are used`,
    })
  }
  for (const name of names) {
    const kind = parseFileName(name).kind
    if (kind === 'manifest' || kind === 'temporary' || name === CURRENT_FILE) {
      toMove.set(
        name,
        name === CURRENT_FILE || kind === 'manifest' ? 'replaced by a new manifest' : 'a temporary file',
      )
    }
  }

  // Merge: the newest version of each key; keys whose newest version is a delete, or older than a
  // range tombstone covering the key, are dropped.
  const all: InternalEntry[] = []
  const rangeTombstones: RangeTombstone[] = []
  for (const source of sources) {
    for (const entry of source.entries) all.push(entry)
    rangeTombstones.push(...source.rangeTombstones)
    report.kept.push({ file: source.file, entries: source.entries.length + source.rangeTombstones.length })
  }
  all.sort((a, b) => compareBytes(a.key, b.key) || b.seq - a.seq)
  const covering = new RangeFragments(fragmentTombstones(rangeTombstones))
  const live: InternalEntry[] = []
  let lastSeq = state?.lastSeq ?? 0
  for (const tombstone of rangeTombstones) lastSeq = Math.max(lastSeq, tombstone.seq)
  for (let index = 0; index < all.length; index++) {
    const entry = all[index]!
    lastSeq = Math.max(lastSeq, entry.seq)
    if (index > 0 && compareBytes(all[index - 1]!.key, entry.key) === 0) continue
    if (entry.op === OpType.Put && covering.coveringSeq(entry.key, MAX_SEQ) < entry.seq) live.push(entry)
  }

  // Build the new table; then move every old file away; then a new WAL, manifest and CURRENT.
  let version = new Version()
  let fileNumber = maxFileNumber
  if (live.length > 0 || rangeTombstones.length > 0) {
    const path = pathIn(directory, tableFileName(fileNumber))
    const builder = new TableBuilder(path, { fs })
    // The tombstones go into the new table too, though applied above: should this repair be cut
    // short while it moves the old tables away, the next one still hides the keys they deleted.
    if (rangeTombstones.length > 0) builder.setRangeTombstones(covering.fragments)
    for (const entry of live) builder.add(entry)
    const meta = await builder.finish()
    await fs.syncDir(directory)
    report.table = tableFileName(fileNumber)
    version = version.apply({ added: [{ level: 1, table: toFileMeta(fileNumber, meta) }] })
    fileNumber++
  }
  for (const [name, reason] of toMove) {
    report.moved.push({ file: name, to: moveToLost(fs, directory, name), reason })
  }
  fs.syncDirSync(directory)
  // The database keeps its id when IDENTITY reads back; otherwise a damaged one moves to lost/
  // and the rebuilt database gets a new id. IDENTITY comes before the WAL and the manifest.
  let identity: string
  try {
    identity = readIdentity(fs, directory)?.id ?? ''
  } catch (error) {
    report.moved.push({
      file: IDENTITY_FILE,
      to: moveToLost(fs, directory, IDENTITY_FILE),
      reason: `unreadable identity marker: ${(error as Error).message}`,
    })
    identity = ''
  }
  if (identity === '') {
    identity = newDatabaseId()
    await writeIdentity(fs, directory, identity)
  }
  new WALWriter(pathIn(directory, WAL_FILE), { fs }).close()
  const manifest = await Manifest.create(
    fs,
    directory,
    { version, flushedSeq: lastSeq, lastSeq, nextFileNumber: fileNumber, wal: { seq: lastSeq }, identity },
    4 * 1024 * 1024,
  )
  await manifest.close()
  report.lastSeq = lastSeq
  report.keys = live.length
  report.missingSeqs.sort((a, b) => a.from - b.from)
  return report
}

/** The report as lines a person reads (the CLI prints them). */
export function describeRepair(report: RepairReport): string[] {
  const lines = [`repaired ${report.directory}: ${report.keys} keys, last seq ${report.lastSeq}`]
  for (const kept of report.kept)
    lines.push(`  kept   ${kept.file}: ${kept.entries} entries${kept.note ? ` (${kept.note})` : ''}`)
  for (const moved of report.moved) lines.push(`  moved  ${moved.file} -> ${moved.to}: ${moved.reason}`)
  if (report.missingSeqs.length === 0) lines.push('  no seq range is known to be missing')
  for (const range of report.missingSeqs) {
    const to = range.to === UNKNOWN_END ? 'and above' : `..${range.to}`
    lines.push(
      `  may be missing: seqs ${range.from}${range.to === UNKNOWN_END ? ' ' : ''}${to}: ${range.reason}`,
    )
  }
  return lines
}
