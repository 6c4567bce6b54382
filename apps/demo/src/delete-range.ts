/**
 * `strata del <dir> --prefix <p>` and `strata del <dir> --range --gte/--gt/--lt/--lte <key>`:
 * one range delete (one write, atomic, whatever the number of keys the range holds).
 */
import { withDatabase } from './database.js'
import { ExitCode, UsageError } from './failure.js'
import { type CommonOptions, type Output, prefixEnd } from './keyvalue.js'

export interface DeleteRangeOptions extends CommonOptions {
  prefix?: string
  range?: boolean
  gt?: string
  gte?: string
  lt?: string
  lte?: string
  sync?: boolean
}

type Range = { gt?: Uint8Array; gte?: Uint8Array; lt?: Uint8Array; lte?: Uint8Array }

/** The range the flags name; a usage error when they name none or too many. */
export function deleteRangeOf(options: DeleteRangeOptions): Range {
  const bounds = (['gt', 'gte', 'lt', 'lte'] as const).filter((name) => options[name] !== undefined)
  if (options.prefix !== undefined) {
    if (options.range || bounds.length > 0) {
      throw new UsageError('--prefix cannot be combined with --range or bounds', 'give one of them')
    }
    if (options.prefix.length === 0) {
      throw new UsageError('the prefix is empty', 'give a prefix of 1 byte or more (or --range with bounds)')
    }
    const start = Buffer.from(options.prefix, 'utf8')
    const end = prefixEnd(start)
    return end === undefined ? { gte: start } : { gte: start, lt: end }
  }
  if (bounds.length === 0) {
    throw new UsageError('--range needs at least one bound', 'give --gte, --gt, --lt and/or --lte')
  }
  const range: Range = {}
  for (const name of bounds) range[name] = Buffer.from(options[name]!, 'utf8')
  return range
}

export async function deleteRangeCommand(
  directory: string,
  options: DeleteRangeOptions,
  out: Output,
): Promise<ExitCode> {
  const range = deleteRangeOf(options)
  const started = performance.now()
  await withDatabase(directory, { walRecovery: options.walRecovery }, (db) =>
    db.deleteRange(range, { sync: options.sync ?? true }),
  )
  const milliseconds = performance.now() - started
  const shown = Object.fromEntries(
    Object.entries(range).map(([name, key]) => [name, Buffer.from(key as Uint8Array).toString('utf8')]),
  )
  if (options.json) await out.write(`${JSON.stringify({ ok: true, range: shown })}\n`)
  else
    await out.write(
      `deleted every key in ${JSON.stringify(shown)} (one range tombstone; ${milliseconds.toFixed(1)} ms with open and close)\n`,
    )
  return ExitCode.Ok
}
