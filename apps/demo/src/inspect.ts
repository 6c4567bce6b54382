/**
 * `strata inspect <path>`: the operator's dump tool (what sst_dump and ldb are to RocksDB). It
 * tells a file's kind by its name and bytes, reads the whole file, verifies every checksum and
 * prints what it holds — WAL entries, manifest edits, SSTable footer/properties/filter/index/
 * blocks/entries, CURRENT, LOCK — naming the byte offset of any damage. A torn WAL or manifest
 * tail (a crash mid-write) is normal and reported as such; real damage exits with code 1.
 * Given a directory, it prints one line per file.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { basename, join } from 'node:path'
import { nodeFileSystem } from '@strata/base'
import { inspectManifest, type VersionEdit } from '@strata/engine'
import { decodePayload, readHeader, readLogFrames, MAGIC as WAL_MAGIC } from '@strata/wal'
import { CliError, ExitCode } from './failure.js'
import { formatBytes, formatCount, jsonBytes, padEnd, padStart, showBytes } from './format.js'
import { inspectTableFile, TABLE_MAGIC } from './inspect-table.js'
import type { Output } from './keyvalue.js'

export type FileKind = 'wal' | 'sst' | 'manifest' | 'current' | 'lock'

export interface InspectOptions {
  type?: FileKind
  limit?: number
  all?: boolean
  json?: boolean
}

/** Damage found by an inspection: where, and what. */
export interface Damage {
  offset: number
  reason: string
  block?: string
}

/** What one inspector returns: the text (or JSON) to print and the first damage, if any. */
export interface Inspection {
  kind: FileKind
  /** One line for directory listings. */
  summary: string
  text: string[]
  json: Record<string, unknown>
  damage: Damage[]
}

/** The kind of file at `path`, from its name, then its first and last bytes. */
export function detectKind(path: string, data: Uint8Array): FileKind | undefined {
  const name = basename(path)
  if (name === 'CURRENT') return 'current'
  if (name === 'LOCK') return 'lock'
  if (/^MANIFEST-\d+$/.test(name)) return 'manifest'
  if (name.endsWith('.sst')) return 'sst'
  if (name.endsWith('.log')) return 'wal'
  if (data.length >= 4 && WAL_MAGIC.every((byte, index) => data[index] === byte)) return 'wal'
  if (data.length >= 8 && TABLE_MAGIC.every((byte, index) => data[data.length - 8 + index] === byte))
    return 'sst'
  return undefined
}

export function rowLimit(options: InspectOptions): number {
  return options.all ? Number.POSITIVE_INFINITY : (options.limit ?? 20)
}

// ----------------------------------------------------------------------------------- WAL

export function inspectWal(path: string, data: Uint8Array, options: InspectOptions): Inspection {
  const limit = rowLimit(options)
  const text: string[] = []
  const damage: Damage[] = []
  const entriesJson: Record<string, unknown>[] = []
  text.push(`${path}: write-ahead log, ${formatCount(data.length)} bytes`)
  let status = 'clean'
  let entries = 0
  let frames = 0
  let batches = 0
  let firstSeq: number | undefined
  let lastSeq: number | undefined
  let tornAt: { offset: number; reason: string } | undefined
  const header = readHeader(data)
  let syncedSeq: number | undefined
  if (data.length === 0) {
    text.push('  empty file: an empty log (the header is written before the first frame)')
  } else if (header.problem?.torn) {
    text.push(`  torn header (${header.problem.reason}): an empty log whose creation was interrupted`)
    status = 'torn'
  } else if (header.problem !== undefined) {
    const magicOk = WAL_MAGIC.every((byte, index) => data[index] === byte)
    damage.push({ offset: magicOk ? 4 : 0, reason: header.problem.reason })
    status = 'damaged'
  } else {
    syncedSeq = header.syncedSeq
    text.push(
      `  header    magic SWAL ✓  format version ${header.version} ✓` +
        (syncedSeq === undefined ? '' : `  checksum ✓  synced through seq ${formatCount(syncedSeq)}`),
    )
    const scan = readLogFrames(data, header)
    const rows: string[] = []
    for (const frame of scan.frames) {
      const decoded = decodePayload(frame.payload)
      if (typeof decoded === 'string') {
        damage.push({ offset: frame.offset, reason: `frame payload: ${decoded}` })
        break
      }
      const first = decoded[0]!
      if (lastSeq !== undefined && first.seq <= lastSeq) {
        damage.push({
          offset: frame.offset,
          reason: `seq ${first.seq} does not follow seq ${lastSeq} (seqs must increase)`,
        })
        break
      }
      frames++
      if (decoded.length > 1) batches++
      for (const [position, entry] of decoded.entries()) {
        firstSeq ??= entry.seq
        lastSeq = entry.seq
        if (entries < limit) {
          const batchMark = decoded.length > 1 ? `${position + 1}/${decoded.length}` : ''
          rows.push(
            `  ${padStart(formatCount(frame.offset), 11)}  ${padStart(String(entry.seq), 9)}  ${padEnd(batchMark, 9)} ` +
              `${new Date(entry.timestampMs).toISOString()}  ${entry.op === 1 ? 'put' : entry.op === 3 ? 'delete-range' : 'del'}  ${showBytes(entry.key, 40)}` +
              (entry.value === null ? '' : `  ${showBytes(entry.value, 48)}`),
          )
          entriesJson.push({
            offset: frame.offset,
            seq: entry.seq,
            timestampMs: entry.timestampMs,
            op: entry.op === 1 ? 'put' : entry.op === 3 ? 'delete-range' : 'del',
            batch: decoded.length > 1 ? { position, size: decoded.length } : undefined,
            ...jsonBytes('key', entry.key),
            ...(entry.value === null ? {} : jsonBytes('value', entry.value)),
          })
        }
        entries++
      }
    }
    if (rows.length > 0) {
      text.push(
        `  ${padStart('offset', 11)}  ${padStart('seq', 9)}  ${padEnd('batch', 9)} ${padEnd('time', 24)}  op   key  value`,
      )
      text.push(...rows)
      if (entries > rows.length)
        text.push(`  … ${formatCount(entries - rows.length)} more entries (--all shows every one)`)
    }
    if (damage.length === 0 && scan.status === 'damaged')
      damage.push({ offset: scan.problem!.offset, reason: scan.problem!.reason })
    // The header says entries up to syncedSeq were fsynced: a log ending below it lost them.
    const end = damage[0]?.offset ?? scan.problem?.offset ?? data.length
    if (damage.length === 0 && syncedSeq !== undefined && syncedSeq > (lastSeq ?? 0)) {
      damage.push({
        offset: end,
        reason: `the log ends at seq ${lastSeq ?? 'none'} but its header records seq ${syncedSeq} as synced: seqs ${(lastSeq ?? 0) + 1}..${syncedSeq} are gone`,
      })
    }
    if (damage.length > 0) status = 'damaged'
    else if (scan.status === 'torn') {
      status = 'torn'
      tornAt = scan.problem
    }
  }
  const seqs =
    firstSeq === undefined ? 'no entries' : `seqs ${formatCount(firstSeq)}..${formatCount(lastSeq!)}`
  const checked = `${formatCount(entries)} entries in ${formatCount(frames)} frames (${formatCount(batches)} batches), ${seqs}`
  text.push(
    `  ${checked}; ${damage.length === 0 ? 'every frame checksum verified' : 'every frame before the damage verified'}`,
  )
  const ending = describeEnding(status, damage[0], tornAt)
  text.push(`  end: ${ending}`)
  return {
    kind: 'wal',
    summary: `write-ahead log, ${formatBytes(data.length)}, ${checked} — ${ending}`,
    text,
    json: {
      file: path,
      kind: 'wal',
      bytes: data.length,
      status,
      entries,
      frames,
      batches,
      firstSeq: firstSeq ?? null,
      lastSeq: lastSeq ?? null,
      torn: tornAt ?? null,
      damage: damage[0] ?? null,
      shownEntries: entriesJson,
    },
    damage,
  }
}

function describeEnding(
  status: string,
  damage: Damage | undefined,
  torn: { offset: number; reason: string } | undefined,
): string {
  if (damage !== undefined) return `DAMAGED at byte ${formatCount(damage.offset)}: ${damage.reason}`
  if (status === 'torn' && torn !== undefined) {
    return `torn tail at byte ${formatCount(torn.offset)} (${torn.reason}): a write interrupted by a crash, never acknowledged; dropped at the next open`
  }
  if (status === 'torn') return 'torn (interrupted by a crash; normal)'
  return 'clean (the file ends after a whole frame)'
}

// ------------------------------------------------------------------------------ manifest

function describeEdit(edit: VersionEdit): string {
  const parts: string[] = []
  for (const { level, table } of edit.added ?? []) {
    parts.push(
      `+L${level} ${String(table.fileNumber).padStart(6, '0')}.sst (${formatBytes(table.fileSize)}, ${formatCount(table.entryCount)} entries, ` +
        `${showBytes(table.smallestKey, 20)} … ${showBytes(table.largestKey, 20)})`,
    )
  }
  for (const { level, fileNumber } of edit.removed ?? [])
    parts.push(`-L${level} ${String(fileNumber).padStart(6, '0')}.sst`)
  if (edit.flushedSeq !== undefined) parts.push(`flushedSeq ${edit.flushedSeq}`)
  if (edit.lastSeq !== undefined) parts.push(`lastSeq ${edit.lastSeq}`)
  if (edit.nextFileNumber !== undefined) parts.push(`nextFileNumber ${edit.nextFileNumber}`)
  return parts.join(', ')
}

export async function inspectManifestFile(path: string, options: InspectOptions): Promise<Inspection> {
  const limit = rowLimit(options)
  const report = await inspectManifest(nodeFileSystem, path)
  const text: string[] = [
    `${path}: manifest, ${formatCount(report.fileBytes)} bytes, ${formatCount(report.records.length)} version edits`,
  ]
  report.records.slice(0, limit).forEach((record, index) => {
    const label = index === 0 ? 'snapshot' : 'edit'
    text.push(
      `  ${padStart(formatCount(record.offset), 9)}  ${padEnd(label, 8)} ${describeEdit(record.edit)}`,
    )
  })
  if (report.records.length > limit)
    text.push(`  … ${formatCount(report.records.length - limit)} more edits (--all shows every one)`)
  const levels = report.state.version.levels
    .map((files, level) => ({ level, files }))
    .filter(({ files }) => files.length > 0)
    .map(
      ({ level, files }) =>
        `L${level} ${files.length} (${formatBytes(files.reduce((total, file) => total + file.fileSize, 0))})`,
    )
  const state = `${levels.join(' · ') || 'no tables'}; flushedSeq ${report.state.flushedSeq}, lastSeq ${report.state.lastSeq}, nextFileNumber ${report.state.nextFileNumber}`
  text.push(`  replays to: ${state}`)
  const damage: Damage[] = []
  let status = 'clean'
  if (report.problem !== undefined) {
    if (report.problem.kind === 'damaged') {
      damage.push({ offset: report.problem.offset, reason: report.problem.reason })
      status = 'damaged'
    } else status = 'torn'
  }
  const ending = describeEnding(status, damage[0], report.problem)
  text.push(
    `  ${damage.length === 0 ? 'every frame checksum verified' : 'every frame before the damage verified'}; end: ${ending}`,
  )
  return {
    kind: 'manifest',
    summary: `manifest, ${formatBytes(report.fileBytes)}, ${report.records.length} edits, replays to ${state} — ${ending}`,
    text,
    json: {
      file: path,
      kind: 'manifest',
      bytes: report.fileBytes,
      status,
      edits: report.records.slice(0, limit).map((record) => ({
        offset: record.offset,
        added: (record.edit.added ?? []).map(({ level, table }) => ({
          level,
          fileNumber: table.fileNumber,
          fileSize: table.fileSize,
          entryCount: table.entryCount,
          tombstoneCount: table.tombstoneCount,
          minSeq: table.minSeq,
          maxSeq: table.maxSeq,
          ...jsonBytes('smallestKey', table.smallestKey),
          ...jsonBytes('largestKey', table.largestKey),
        })),
        removed: record.edit.removed ?? [],
        flushedSeq: record.edit.flushedSeq ?? null,
        lastSeq: record.edit.lastSeq ?? null,
        nextFileNumber: record.edit.nextFileNumber ?? null,
      })),
      editCount: report.records.length,
      state: {
        levels: report.state.version.levels.map((files) => files.map((file) => file.fileNumber)),
        flushedSeq: report.state.flushedSeq,
        lastSeq: report.state.lastSeq,
        nextFileNumber: report.state.nextFileNumber,
      },
      torn: report.problem?.kind === 'torn' ? report.problem : null,
      damage: damage[0] ?? null,
    },
    damage,
  }
}

// ------------------------------------------------------------------------- CURRENT, LOCK

export function inspectCurrent(path: string, data: Uint8Array): Inspection {
  const content = Buffer.from(data).toString('utf8')
  const damage: Damage[] = []
  const match = /^(MANIFEST-\d{6,})\n$/.exec(content)
  let line: string
  if (match === null) {
    damage.push({
      offset: 0,
      reason: `CURRENT holds ${JSON.stringify(content.slice(0, 40))}, not a manifest name and a newline`,
    })
    line = `DAMAGED at byte 0: ${damage[0]!.reason}`
  } else {
    const manifest = join(path, '..', match[1]!)
    const exists = statSync(manifest, { throwIfNoEntry: false }) !== undefined
    if (!exists) damage.push({ offset: 0, reason: `names ${match[1]}, which does not exist` })
    line = exists ? `names ${match[1]} ✓ (it exists)` : `DAMAGED: names ${match[1]}, which does not exist`
  }
  return {
    kind: 'current',
    summary: `CURRENT: ${line}`,
    text: [`${path}: CURRENT, ${data.length} bytes: ${line}`],
    json: { file: path, kind: 'current', manifest: match?.[1] ?? null, damage: damage[0] ?? null },
    damage,
  }
}

export function inspectLock(path: string, data: Uint8Array): Inspection {
  let owner: { pid?: unknown; startTime?: unknown } | undefined
  try {
    owner = JSON.parse(Buffer.from(data).toString('utf8'))
  } catch {
    owner = undefined
  }
  let line: string
  let running: boolean | null = null
  if (typeof owner?.pid !== 'number') {
    line = 'no owner recorded (unreadable): the next open treats it as stale'
  } else {
    try {
      process.kill(owner.pid, 0)
      running = true
    } catch (error) {
      running = (error as NodeJS.ErrnoException).code === 'EPERM'
    }
    line = running
      ? `held by process ${owner.pid}, which is running: the database is open there`
      : `left by process ${owner.pid}, which no longer runs: stale, taken over at the next open`
  }
  return {
    kind: 'lock',
    summary: `LOCK: ${line}`,
    text: [`${path}: LOCK: ${line}`],
    json: { file: path, kind: 'lock', pid: owner?.pid ?? null, startTime: owner?.startTime ?? null, running },
    damage: [],
  }
}

// ------------------------------------------------------------------------------ dispatch

export async function inspectFile(path: string, options: InspectOptions): Promise<Inspection> {
  const data = readFileSync(path)
  const kind = options.type ?? detectKind(path, data)
  switch (kind) {
    case 'wal':
      return inspectWal(path, data, options)
    case 'manifest':
      return inspectManifestFile(path, options)
    case 'sst':
      return inspectTableFile(path, options)
    case 'current':
      return inspectCurrent(path, data)
    case 'lock':
      return inspectLock(path, data)
    default:
      throw new CliError(
        `cannot tell what kind of file ${path} is (not named like a strata file, no WAL or SSTable magic)`,
        'pass --type wal, sst, manifest, current or lock',
      )
  }
}

export async function inspectCommand(path: string, options: InspectOptions, out: Output): Promise<ExitCode> {
  const stat = statSync(path, { throwIfNoEntry: false })
  if (stat === undefined) throw new CliError(`${path} does not exist`, 'check the path')
  if (stat.isDirectory()) return inspectDirectory(path, options, out)
  const inspection = await inspectFile(path, options)
  if (options.json) await out.write(`${JSON.stringify(inspection.json, null, 2)}\n`)
  else await out.write(`${inspection.text.join('\n')}\n`)
  const damage = inspection.damage[0]
  if (damage !== undefined) {
    const more =
      inspection.damage.length > 1 ? ` (and ${inspection.damage.length - 1} more problems, listed above)` : ''
    throw new CliError(
      `${path} is damaged at byte ${damage.offset}${damage.block === undefined ? '' : ` (${damage.block} block)`}: ${damage.reason}${more}`,
      inspection.kind === 'wal'
        ? 'open the database with --wal-recovery point-in-time to keep the entries before the damage, or restore the file from a backup'
        : 'restore the file from a backup',
    )
  }
  return ExitCode.Ok
}

async function inspectDirectory(directory: string, options: InspectOptions, out: Output): Promise<ExitCode> {
  const names = readdirSync(directory).sort()
  const results: Record<string, unknown>[] = []
  let damaged = 0
  const lines: string[] = [`${directory}: ${names.length} files`]
  for (const name of names) {
    const path = join(directory, name)
    if (statSync(path).isDirectory()) continue
    const kind = detectKind(path, readFileSync(path))
    if (kind === undefined || name.endsWith('.tmp')) {
      lines.push(
        `  ${padEnd(name, 18)} ${name.endsWith('.tmp') ? 'temporary file (left by an interrupted replace; deleted at open)' : 'not a strata file'}`,
      )
      continue
    }
    const inspection = await inspectFile(path, { ...options, limit: 0, all: false })
    if (inspection.damage.length > 0) damaged++
    lines.push(`  ${padEnd(name, 18)} ${inspection.summary}`)
    results.push({ name, ...inspection.json })
  }
  if (options.json) await out.write(`${JSON.stringify({ directory, files: results }, null, 2)}\n`)
  else await out.write(`${lines.join('\n')}\n`)
  if (damaged > 0) {
    throw new CliError(
      `${damaged} file${damaged === 1 ? ' is' : 's are'} damaged in ${directory}`,
      'run `strata inspect <file>` on each DAMAGED file for the details',
    )
  }
  return ExitCode.Ok
}
