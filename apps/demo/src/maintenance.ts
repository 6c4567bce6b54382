/**
 * `strata stats <dir>` and `strata compact <dir>`. Stats are the engine's `stats()` object,
 * pretty or as JSON. Counters (flushes, bytes written, compactions) count since the database
 * was opened, which for a command is just now: the tree, sizes and sequence numbers are the
 * lasting part.
 */
import type { DatabaseStats } from '@strata/engine'
import { withDatabase } from './database.js'
import { ExitCode } from './failure.js'
import { formatBytes, formatCount, formatDuration, padEnd, padStart } from './format.js'
import type { Output } from './keyvalue.js'
import { shape } from './watch.js'

function tables(count: number): string {
  return `${formatCount(count)} table${count === 1 ? '' : 's'}`
}

export function formatStats(stats: DatabaseStats): string {
  const lines: string[] = []
  const row = (label: string, value: string) => lines.push(`${padEnd(label, 21)}${value}`)
  row(
    'database',
    `${stats.directory} (${stats.status}${stats.readOnlyReason ? `, read-only: ${stats.readOnlyReason}` : ''})`,
  )
  row('tree', `${tables(stats.tableFiles)}, ${formatBytes(stats.tableBytes)}`)
  for (const level of stats.levels) {
    if (level.files === 0) continue
    lines.push(
      `${padEnd(`  L${level.level}`, 21)}${padStart(formatCount(level.files), 5)} table${level.files === 1 ? ' ' : 's'} ${padStart(formatBytes(level.bytes), 10)}`,
    )
  }
  row(
    'memtable',
    `${formatBytes(stats.memtableBytes)} (+ ${stats.frozenMemtables} frozen, ${formatBytes(stats.frozenMemtableBytes)})`,
  )
  row('sequence', `last ${formatCount(stats.lastSeq)}, flushed to tables ${formatCount(stats.flushedSeq)}`)
  row('WAL', `${formatBytes(stats.walBytes)} (entries after seq ${formatCount(stats.flushedSeq)})`)
  row('manifest', formatBytes(stats.manifestBytes))
  row(
    'block cache',
    `${formatBytes(stats.cache.usedBytes)} of ${formatBytes(stats.cache.capacityBytes)}, ${formatCount(stats.cache.hits)} hits, ${formatCount(stats.cache.misses)} misses`,
  )
  row(
    'written',
    `${formatBytes(stats.userBytesWritten)} by the user → ${formatBytes(stats.diskBytesWritten)} to disk ` +
      `(WAL ${formatBytes(stats.walBytesWritten)}, flush ${formatBytes(stats.flushBytesWritten)}, compaction ${formatBytes(stats.compaction.bytesWritten)})`,
  )
  row(
    'write amplification',
    stats.userBytesWritten === 0
      ? 'n/a (nothing written since open)'
      : `${stats.writeAmplification.toFixed(2)}×`,
  )
  row(
    'space amplification',
    stats.estimatedLiveBytes === 0
      ? 'n/a (no tables)'
      : `${stats.spaceAmplification.toFixed(2)}× (${formatBytes(stats.tableBytes)} on disk for ~${formatBytes(stats.estimatedLiveBytes)} live)`,
  )
  row('flushes', `${formatCount(stats.flushes)} since open`)
  row(
    'compactions',
    `${formatCount(stats.compaction.compactions)} since open (+ ${formatCount(stats.compaction.trivialMoves)} trivial moves), ` +
      `read ${formatBytes(stats.compaction.bytesRead)}, dropped ${formatCount(stats.compaction.droppedVersions)} versions and ` +
      `${formatCount(stats.compaction.droppedTombstones)} tombstones${stats.compaction.running ? ' (one running)' : ''}`,
  )
  row(
    'write stalls',
    stats.stalls.count === 0
      ? 'none'
      : `${formatCount(stats.stalls.count)} (${formatDuration(stats.stalls.totalMs)} in all)`,
  )
  row('readers', `${stats.snapshots} snapshots, ${stats.openIterators} open iterators`)
  return `${lines.join('\n')}\n`
}

export async function statsCommand(
  directory: string,
  options: { json?: boolean; walRecovery?: string },
  out: Output,
): Promise<ExitCode> {
  const stats = await withDatabase(directory, { walRecovery: options.walRecovery }, async (db) => db.stats())
  await out.write(options.json ? `${JSON.stringify(stats, null, 2)}\n` : formatStats(stats))
  return ExitCode.Ok
}

export async function compactCommand(
  directory: string,
  options: { start?: string; end?: string; json?: boolean; walRecovery?: string },
  out: Output,
): Promise<ExitCode> {
  const result = await withDatabase(directory, { walRecovery: options.walRecovery }, async (db) => {
    const before = db.stats()
    const started = performance.now()
    await db.compactRange(
      options.start === undefined ? undefined : Buffer.from(options.start),
      options.end === undefined ? undefined : Buffer.from(options.end),
    )
    const ms = performance.now() - started
    return { before, after: db.stats(), ms }
  })
  const { before, after, ms } = result
  if (options.json) {
    await out.write(
      `${JSON.stringify({
        start: options.start ?? null,
        end: options.end ?? null,
        ms: Math.round(ms),
        before: { tables: before.tableFiles, bytes: before.tableBytes, levels: before.levels },
        after: { tables: after.tableFiles, bytes: after.tableBytes, levels: after.levels },
        compaction: after.compaction,
      })}\n`,
    )
    return ExitCode.Ok
  }
  const range =
    options.start === undefined && options.end === undefined
      ? 'every key'
      : `keys ${options.start ?? '(start)'} … ${options.end ?? '(end)'}`
  await out.write(
    `compacted ${range} in ${formatDuration(ms)}\n` +
      `  before: ${tables(before.tableFiles)}, ${formatBytes(before.tableBytes)} (${shape(before)})\n` +
      `  after:  ${tables(after.tableFiles)}, ${formatBytes(after.tableBytes)} (${shape(after)})\n` +
      `  read ${formatBytes(after.compaction.bytesRead)}, wrote ${formatBytes(after.compaction.bytesWritten)}, dropped ` +
      `${formatCount(after.compaction.droppedVersions)} old versions and ${formatCount(after.compaction.droppedTombstones)} tombstones\n`,
  )
  return ExitCode.Ok
}
