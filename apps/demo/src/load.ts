/**
 * `strata load <dir> <file>`: JSON Lines (`{"key": "...", "value": ...}`, a non-string value is
 * stored as its JSON text) or CSV (`key,value`, an optional `key,value` header), written in
 * batches (each batch one atomic, fsynced write by default), with a progress display. A bad line
 * is reported with its line number; `--on-error stop` (the default) writes every good line
 * before it and stops, `--on-error skip` reports it and goes on.
 */
import { createReadStream, statSync } from 'node:fs'
import { basename, extname } from 'node:path'
import { createInterface } from 'node:readline'
import { type BatchOperation, MAX_KEY_BYTES, MAX_VALUE_BYTES } from '@strata/engine'
import { CsvReader } from './csv.js'
import { withDatabase } from './database.js'
import { CliError, ExitCode, UsageError } from './failure.js'
import { formatCount, formatDuration, formatRate, plural } from './format.js'
import type { Output } from './keyvalue.js'
import type { Reporter } from './reporter.js'
import { EventWatcher } from './watch.js'

export type LoadFormat = 'jsonl' | 'csv'
export type OnError = 'skip' | 'stop'

export interface LoadOptions {
  format?: string
  onError?: string
  batch?: number
  sync?: boolean
  json?: boolean
  walRecovery?: string
}

export interface BadLine {
  line: number
  reason: string
}

export interface LoadSummary {
  file: string
  format: LoadFormat
  loaded: number
  lines: number
  skipped: number
  badLines: BadLine[]
  /** The bad line the load stopped at (`--on-error stop`), or null. */
  stoppedAtLine: number | null
  ms: number
}

/** Bad lines listed one by one before the rest are only counted. */
const BAD_LINES_SHOWN = 20

export function detectFormat(file: string, format: string | undefined): LoadFormat {
  if (format !== undefined) {
    if (format === 'jsonl' || format === 'csv') return format
    throw new UsageError(`--format ${format} is not a format`, 'use --format jsonl or --format csv')
  }
  const extension = extname(file).toLowerCase()
  if (extension === '.jsonl' || extension === '.ndjson' || extension === '.json') return 'jsonl'
  if (extension === '.csv') return 'csv'
  throw new UsageError(
    `cannot tell the format of ${basename(file)} from its extension`,
    'pass --format jsonl or --format csv',
  )
}

type Parsed = { key: Buffer; value: Buffer } | { reason: string } | undefined

function checkSizes(key: Buffer, value: Buffer): Parsed {
  if (key.length === 0) return { reason: 'the key is empty; keys are 1 to 65,536 bytes' }
  if (key.length > MAX_KEY_BYTES) {
    return { reason: `the key is ${formatCount(key.length)} bytes; keys are 1 to 65,536 bytes` }
  }
  if (value.length > MAX_VALUE_BYTES) {
    return { reason: `the value is ${formatCount(value.length)} bytes; values are at most 64 MiB` }
  }
  return { key, value }
}

/** One JSON Lines line: undefined for a blank line. */
export function parseJsonLine(line: string): Parsed {
  if (line.trim() === '') return undefined
  let record: unknown
  try {
    record = JSON.parse(line)
  } catch (error) {
    return { reason: `not valid JSON (${(error as Error).message})` }
  }
  if (typeof record !== 'object' || record === null || Array.isArray(record)) {
    return { reason: 'not a JSON object; each line is {"key": "...", "value": ...}' }
  }
  const { key, value } = record as { key?: unknown; value?: unknown }
  if (typeof key !== 'string') {
    return {
      reason: `"key" is ${key === undefined ? 'missing' : `not a string (${typeof key})`}; each line is {"key": "...", "value": ...}`,
    }
  }
  if (value === undefined || value === null) {
    return { reason: `"value" is ${value === null ? 'null' : 'missing'}; give a string or any JSON value` }
  }
  const valueText = typeof value === 'string' ? value : JSON.stringify(value)
  return checkSizes(Buffer.from(key, 'utf8'), Buffer.from(valueText, 'utf8'))
}

export async function loadCommand(
  directory: string,
  file: string,
  options: LoadOptions,
  reporter: Reporter,
  out: Output,
): Promise<ExitCode> {
  const format = detectFormat(file, options.format)
  const onError = options.onError ?? 'stop'
  if (onError !== 'skip' && onError !== 'stop') {
    throw new UsageError(`--on-error ${onError} is not a choice`, 'use --on-error skip or --on-error stop')
  }
  const stat = statSync(file, { throwIfNoEntry: false })
  if (stat === undefined) throw new CliError(`${file} does not exist`, 'check the path of the file to load')
  if (stat.isDirectory()) throw new CliError(`${file} is a directory`, 'pass a .jsonl or .csv file')
  const batchSize = options.batch ?? 1000
  const sync = options.sync ?? true

  const summary = await withDatabase(
    directory,
    { create: true, walRecovery: options.walRecovery },
    async (db) => {
      const progress = reporter.progress(`loading ${basename(file)}`, stat.size, 'bytes')
      const watcher = new EventWatcher(db, (event) => reporter.say(`  · ${event.text}`))
      const result: LoadSummary = {
        file,
        format,
        loaded: 0,
        lines: 0,
        skipped: 0,
        badLines: [],
        stoppedAtLine: null,
        ms: 0,
      }
      let batch: BatchOperation<Uint8Array, Uint8Array>[] = []
      let bytesRead = 0
      const flushBatch = async () => {
        if (batch.length === 0) return
        await db.batch(batch, { sync })
        result.loaded += batch.length
        batch = []
        progress.update(bytesRead)
      }
      const bad = (line: number, reason: string): boolean => {
        result.badLines.push({ line, reason })
        if (onError === 'stop') {
          result.stoppedAtLine = line
          return true
        }
        result.skipped++
        if (result.badLines.length <= BAD_LINES_SHOWN) {
          process.stderr.write(`strata: ${basename(file)} line ${line}: ${reason} (skipped)\n`)
        }
        return false
      }
      const accept = async (parsed: Parsed, line: number): Promise<boolean> => {
        if (parsed === undefined) return false
        if ('reason' in parsed) return bad(line, parsed.reason)
        batch.push({ type: 'put', key: parsed.key, value: parsed.value })
        if (batch.length >= batchSize) await flushBatch()
        return false
      }

      const lines = createInterface({ input: createReadStream(file), crlfDelay: Number.POSITIVE_INFINITY })
      const csv = new CsvReader()
      let lineNumber = 0
      let stop = false
      try {
        for await (const line of lines) {
          lineNumber++
          bytesRead += Buffer.byteLength(line) + 1
          if (format === 'jsonl') {
            stop = await accept(parseJsonLine(line), lineNumber)
          } else {
            if (line === '' && !csv.inRecord) continue
            const record = csv.push(line, lineNumber)
            if (record === undefined) continue
            if (record.kind === 'error') stop = bad(record.line, record.reason)
            else if (
              record.line === 1 &&
              record.fields.length === 2 &&
              record.fields[0]?.toLowerCase() === 'key' &&
              record.fields[1]?.toLowerCase() === 'value'
            ) {
              // the optional header
            } else if (record.fields.length !== 2) {
              stop = bad(
                record.line,
                `${record.fields.length} field${record.fields.length === 1 ? '' : 's'}; each record is key,value (quote a value holding commas)`,
              )
            } else {
              stop = await accept(
                checkSizes(Buffer.from(record.fields[0]!), Buffer.from(record.fields[1]!)),
                record.line,
              )
            }
          }
          if (stop) break
        }
        if (!stop && format === 'csv') {
          const record = csv.end()
          if (record?.kind === 'error') stop = bad(record.line, record.reason)
        }
      } finally {
        lines.close()
      }
      await flushBatch()
      result.lines = lineNumber
      result.ms = progress.finish()
      watcher.detach()
      return result
    },
  )

  if (options.json) {
    await out.write(`${JSON.stringify(summary)}\n`)
  } else {
    const extra = summary.badLines.length - BAD_LINES_SHOWN
    if (summary.skipped > 0 && extra > 0)
      reporter.essential(`  … and ${formatCount(extra)} more bad lines (skipped)`)
    const skipped =
      summary.skipped > 0
        ? `; skipped ${formatCount(summary.skipped)} bad line${summary.skipped === 1 ? '' : 's'}`
        : ''
    reporter.essential(
      `loaded ${plural(summary.loaded, 'record')} from ${basename(file)} (${summary.format}) into ${directory} ` +
        `in ${formatDuration(summary.ms)} (${formatRate(summary.loaded, summary.ms, 'records')})${skipped}`,
    )
  }
  if (summary.stoppedAtLine !== null) {
    const first = summary.badLines[0]!
    throw new CliError(
      `${basename(file)} line ${first.line}: ${first.reason}; stopped there (the ${plural(summary.loaded, 'record')} before it ${summary.loaded === 1 ? 'is' : 'are'} loaded)`,
      'fix the line and load the rest, or pass --on-error skip to load every good line',
    )
  }
  return ExitCode.Ok
}
