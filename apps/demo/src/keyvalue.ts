/**
 * The everyday key-value commands: put, get, del and scan. Keys and values given on the command
 * line are UTF-8 text; what is read back is printed as text when it is valid UTF-8 and escaped
 * otherwise (see format.ts). `--json` gives one parseable document on stdout.
 */
import type { Database, IteratorOptions } from '@strata/engine'
import { withDatabase } from './database.js'
import { CliError, ExitCode, UsageError } from './failure.js'
import { jsonBytes, showBytes } from './format.js'

export interface CommonOptions {
  json?: boolean
  walRecovery?: string
}

export interface Output {
  write(text: string): Promise<void>
}

/** Writes to a stream, waiting for it to drain when its buffer is full (a long scan into a pipe). */
export function streamOutput(stream: NodeJS.WritableStream): Output {
  return {
    write: (text) =>
      new Promise((resolve) => {
        if (stream.write(text)) resolve()
        else stream.once('drain', resolve)
      }),
  }
}

function keyBytes(key: string, name = 'key'): Buffer {
  if (key.length === 0) throw new UsageError(`the ${name} is empty`, 'give a key of 1 to 65,536 bytes')
  return Buffer.from(key, 'utf8')
}

export async function putCommand(
  directory: string,
  key: string,
  value: string,
  options: CommonOptions & { sync?: boolean },
  out: Output,
): Promise<ExitCode> {
  const keyData = keyBytes(key)
  const valueData = Buffer.from(value, 'utf8')
  const seq = await withDatabase(
    directory,
    { create: true, walRecovery: options.walRecovery },
    async (db) => {
      await db.put(keyData, valueData, { sync: options.sync ?? true })
      return db.stats().lastSeq
    },
  )
  if (options.json) await out.write(`${JSON.stringify({ ok: true, key, bytes: valueData.length, seq })}\n`)
  else await out.write(`put ${showBytes(keyData)} (${valueData.length} bytes, seq ${seq})\n`)
  return ExitCode.Ok
}

export async function getCommand(
  directory: string,
  key: string,
  options: CommonOptions,
  out: Output,
): Promise<ExitCode> {
  const keyData = keyBytes(key)
  const value = await withDatabase(directory, { walRecovery: options.walRecovery }, (db) => db.get(keyData))
  if (options.json) {
    const found = value === undefined ? { found: false } : { found: true, ...jsonBytes('value', value) }
    await out.write(`${JSON.stringify({ key, ...found })}\n`)
    return value === undefined ? ExitCode.NotFound : ExitCode.Ok
  }
  if (value === undefined) {
    throw new CliError(
      `no value for key ${showBytes(keyData)}`,
      'the key is absent or deleted (exit code 3)',
      {
        exitCode: ExitCode.NotFound,
      },
    )
  }
  await out.write(`${showBytes(value)}\n`)
  return ExitCode.Ok
}

export async function delCommand(
  directory: string,
  key: string,
  options: CommonOptions & { sync?: boolean },
  out: Output,
): Promise<ExitCode> {
  const keyData = keyBytes(key)
  const existed = await withDatabase(directory, { walRecovery: options.walRecovery }, async (db) => {
    const had = await db.has(keyData)
    await db.delete(keyData, { sync: options.sync ?? true })
    return had
  })
  if (options.json) await out.write(`${JSON.stringify({ ok: true, key, existed })}\n`)
  else
    await out.write(
      existed
        ? `deleted ${showBytes(keyData)}\n`
        : `deleted ${showBytes(keyData)} (it was already absent; a tombstone was written anyway)\n`,
    )
  return ExitCode.Ok
}

export interface ScanOptions extends CommonOptions {
  gt?: string
  gte?: string
  lt?: string
  lte?: string
  prefix?: string
  limit?: number
  reverse?: boolean
  keysOnly?: boolean
}

/** The engine's iterator options for the scan flags. */
export function scanRange(options: ScanOptions): IteratorOptions<Uint8Array> {
  const range: IteratorOptions<Uint8Array> = {}
  if (options.prefix !== undefined) {
    const prefix = keyBytes(options.prefix, '--prefix')
    range.gte = prefix
    const end = prefixEnd(prefix)
    if (end !== undefined) range.lt = end
  }
  if (options.gt !== undefined) range.gt = keyBytes(options.gt, '--gt')
  if (options.gte !== undefined) range.gte = keyBytes(options.gte, '--gte')
  if (options.lt !== undefined) range.lt = keyBytes(options.lt, '--lt')
  if (options.lte !== undefined) range.lte = keyBytes(options.lte, '--lte')
  if (options.limit !== undefined) range.limit = options.limit
  if (options.reverse) range.reverse = true
  if (options.keysOnly) range.values = false
  return range
}

/** The smallest key greater than every key starting with `prefix` (undefined: no such key). */
export function prefixEnd(prefix: Uint8Array): Uint8Array | undefined {
  const end = Buffer.from(prefix)
  for (let index = end.length - 1; index >= 0; index--) {
    if (end[index]! < 0xff) {
      end[index]!++
      return end.subarray(0, index + 1)
    }
  }
  return undefined
}

/** Streams the entries of a range: `key<TAB>value` lines, keys only, or a JSON array. */
export async function scanDatabase(db: Database, options: ScanOptions, out: Output): Promise<number> {
  const iterator = db.iterator(scanRange(options))
  let count = 0
  try {
    if (options.json) await out.write('[')
    for (;;) {
      const entries = await iterator.nextv(256)
      if (entries.length === 0) break
      let text = ''
      for (const [key, value] of entries) {
        if (options.json) {
          const item = options.keysOnly
            ? jsonBytes('key', key)
            : { ...jsonBytes('key', key), ...jsonBytes('value', value) }
          text += `${count === 0 ? '\n' : ',\n'}${JSON.stringify(item)}`
        } else if (options.keysOnly) {
          text += `${showBytes(key)}\n`
        } else {
          text += `${showBytes(key)}\t${showBytes(value)}\n`
        }
        count++
      }
      await out.write(text)
    }
    if (options.json) await out.write(count === 0 ? ']\n' : '\n]\n')
  } finally {
    await iterator.close()
  }
  return count
}

export async function scanCommand(directory: string, options: ScanOptions, out: Output): Promise<ExitCode> {
  await withDatabase(directory, { walRecovery: options.walRecovery }, (db) => scanDatabase(db, options, out))
  return ExitCode.Ok
}
