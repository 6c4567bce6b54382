/**
 * `strata checkpoint <dir> <target>`, `strata verify <dir>` and `strata destroy <dir>`: the
 * operator's tools over the engine's `checkpoint()`, `verify()` and `destroy()`. Verify reads only
 * (it runs beside a process writing the database) and exits 1 on any problem; checkpoint opens
 * the database for writing (refused while another process holds it: `STRATA_LOCKED`); destroy
 * removes only strata's files.
 */
import { destroy, verify } from '@strata/engine'
import { checkDirectory, withDatabase } from './database.js'
import { ExitCode } from './failure.js'
import { formatBytes, formatCount, formatDuration } from './format.js'
import type { Output } from './keyvalue.js'

export async function checkpointCommand(
  directory: string,
  target: string,
  options: { json?: boolean; walRecovery?: string },
  out: Output,
): Promise<ExitCode> {
  const started = performance.now()
  const result = await withDatabase(directory, { walRecovery: options.walRecovery }, (db) =>
    db.checkpoint(target),
  )
  const ms = performance.now() - started
  if (options.json) {
    await out.write(`${JSON.stringify({ directory, target, ms: Math.round(ms), ...result })}\n`)
    return ExitCode.Ok
  }
  await out.write(
    `checkpoint of ${directory} in ${target} at seq ${formatCount(result.seq)} (${formatDuration(ms)})\n` +
      `  tables: ${formatCount(result.linkedTables)} hard-linked (${formatBytes(result.bytesLinked)}), ` +
      `${formatCount(result.copiedTables)} copied\n` +
      `  written: ${formatBytes(result.bytesWritten)}\n`,
  )
  return ExitCode.Ok
}

export async function verifyCommand(
  directory: string,
  options: { json?: boolean },
  out: Output,
): Promise<ExitCode> {
  checkDirectory(directory, false)
  const started = performance.now()
  const report = await verify(directory)
  const ms = performance.now() - started
  const code = report.ok ? ExitCode.Ok : ExitCode.Failure
  if (options.json) {
    await out.write(`${JSON.stringify({ directory, ms: Math.round(ms), ...report })}\n`)
    return code
  }
  const lines = [
    `${report.ok ? 'ok' : `${report.problems.length} problem${report.problems.length === 1 ? '' : 's'}`}: ${directory} ` +
      `(${formatCount(report.tables)} tables, ${formatCount(report.dataBlocks)} data blocks, ${formatCount(report.entries)} entries, ` +
      `${formatCount(report.manifestEdits)} manifest edits, ${formatCount(report.walFrames)} WAL frames; ` +
      `${formatBytes(report.bytes)} read in ${formatDuration(ms)})`,
  ]
  for (const problem of report.problems) {
    lines.push(`  ${problem.file} at byte ${problem.offset} (${problem.kind}): ${problem.reason}`)
  }
  await out.write(`${lines.join('\n')}\n`)
  return code
}

export async function destroyCommand(
  directory: string,
  options: { json?: boolean },
  out: Output,
): Promise<ExitCode> {
  const result = await destroy(directory)
  if (options.json) {
    await out.write(`${JSON.stringify({ directory, ...result })}\n`)
    return ExitCode.Ok
  }
  await out.write(
    `destroyed ${directory}: removed ${formatCount(result.removed.length)} files` +
      (result.directoryRemoved
        ? ' and the directory\n'
        : `; kept ${result.kept.join(', ')} (not strata's)\n`),
  )
  return ExitCode.Ok
}
