/**
 * `strata shell <dir>`: an interactive prompt on an open database — get, put, del, scan, stats,
 * help, history, exit — with line editing and history (kept across sessions in
 * ~/.strata_history, or $STRATA_HISTORY). Also reads commands piped on stdin, one per line.
 * A failing command prints its one-line error and the prompt comes back.
 */
import { appendFileSync, readFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import type { Database } from '@strata/engine'
import { openDatabase } from './database.js'
import { describeFailure, ExitCode, UsageError } from './failure.js'
import { showBytes } from './format.js'
import { type Output, type ScanOptions, scanDatabase } from './keyvalue.js'
import { formatStats } from './maintenance.js'

const HELP = `commands:
  get <key>                      the value, or (not found)
  put <key> <value>              write (fsynced before the prompt returns)
  del <key>                      delete
  scan [--prefix p] [--gte k] [--gt k] [--lte k] [--lt k] [--limit n] [--reverse] [--keys-only]
                                 entries in key order (default limit 20 here)
  stats                          levels, sizes, amplification, counters
  history                        the commands typed so far
  help                           this list
  exit                           close the database and leave (also quit, Ctrl-D)
quote keys and values holding spaces: put "my key" "a value"`

/** Splits a command line into words, honouring "double" and 'single' quotes and \\ escapes. */
export function splitWords(line: string): string[] {
  const words: string[] = []
  let current = ''
  let inWord = false
  let quote: string | undefined
  for (let index = 0; index < line.length; index++) {
    const char = line[index]!
    if (quote !== undefined) {
      if (char === quote) quote = undefined
      else if (char === '\\' && quote === '"' && index + 1 < line.length) current += line[++index]
      else current += char
    } else if (char === '"' || char === "'") {
      quote = char
      inWord = true
    } else if (char === '\\' && index + 1 < line.length) {
      current += line[++index]
      inWord = true
    } else if (char === ' ' || char === '\t') {
      if (inWord) words.push(current)
      current = ''
      inWord = false
    } else {
      current += char
      inWord = true
    }
  }
  if (quote !== undefined) throw new UsageError(`unclosed ${quote} quote`, 'close the quote')
  if (inWord) words.push(current)
  return words
}

function parseScan(words: string[]): ScanOptions {
  const options: ScanOptions = { limit: 20 }
  for (let index = 0; index < words.length; index++) {
    const word = words[index]!
    const value = () => {
      const next = words[++index]
      if (next === undefined) throw new UsageError(`${word} needs a value`, 'type help')
      return next
    }
    switch (word) {
      case '--prefix':
        options.prefix = value()
        break
      case '--gte':
        options.gte = value()
        break
      case '--gt':
        options.gt = value()
        break
      case '--lte':
        options.lte = value()
        break
      case '--lt':
        options.lt = value()
        break
      case '--limit': {
        const text = value()
        const limit = Number(text)
        if (!Number.isInteger(limit) || limit < 0)
          throw new UsageError(`--limit ${text} is not a count`, 'give 0 or more')
        options.limit = limit === 0 ? Number.POSITIVE_INFINITY : limit
        break
      }
      case '--reverse':
        options.reverse = true
        break
      case '--keys-only':
        options.keysOnly = true
        break
      default:
        throw new UsageError(`scan does not take ${word}`, 'type help')
    }
  }
  return options
}

function historyFile(): string {
  return process.env.STRATA_HISTORY ?? join(homedir(), '.strata_history')
}

function loadHistory(): string[] {
  try {
    return readFileSync(historyFile(), 'utf8').split('\n').filter(Boolean).reverse().slice(0, 500)
  } catch {
    return []
  }
}

async function runLine(db: Database, words: string[], out: Output, history: string[]): Promise<boolean> {
  const [command, ...rest] = words
  const need = (count: number, usage: string) => {
    if (rest.length !== count) throw new UsageError(`usage: ${usage}`, 'type help')
  }
  switch (command) {
    case undefined:
      return true
    case 'get': {
      need(1, 'get <key>')
      const value = await db.get(Buffer.from(rest[0]!))
      await out.write(value === undefined ? '(not found)\n' : `${showBytes(value)}\n`)
      return true
    }
    case 'put':
      need(2, 'put <key> <value>')
      if (rest[0] === '') throw new UsageError('the key is empty', 'give a key of 1 to 65,536 bytes')
      await db.put(Buffer.from(rest[0]!), Buffer.from(rest[1]!))
      await out.write('ok\n')
      return true
    case 'del':
    case 'delete':
      need(1, 'del <key>')
      await db.delete(Buffer.from(rest[0]!))
      await out.write('ok\n')
      return true
    case 'scan': {
      const count = await scanDatabase(db, parseScan(rest), out)
      await out.write(`(${count} ${count === 1 ? 'entry' : 'entries'})\n`)
      return true
    }
    case 'stats':
      await out.write(formatStats(db.stats()))
      return true
    case 'history':
      await out.write(history.map((line, index) => `${String(index + 1).padStart(4)}  ${line}\n`).join(''))
      return true
    case 'help':
    case '?':
      await out.write(`${HELP}\n`)
      return true
    case 'exit':
    case 'quit':
      return false
    default:
      throw new UsageError(`unknown command ${command}`, 'type help for the list')
  }
}

export async function shellCommand(
  directory: string,
  options: { walRecovery?: string },
  out: Output,
): Promise<ExitCode> {
  const db = await openDatabase(directory, { walRecovery: options.walRecovery })
  const interactive = process.stdin.isTTY === true
  const lines = createInterface({
    input: process.stdin,
    output: process.stdout,
    terminal: interactive,
    history: interactive ? loadHistory() : [],
    historySize: 500,
  })
  const typed: string[] = []
  if (interactive) await out.write(`strata shell on ${directory} — type help for commands, exit to leave\n`)
  lines.setPrompt('strata> ')
  if (interactive) lines.prompt()
  let failures = 0
  try {
    for await (const line of lines) {
      const trimmed = line.trim()
      if (trimmed !== '') {
        typed.push(trimmed)
        if (interactive) {
          try {
            appendFileSync(historyFile(), `${trimmed}\n`)
          } catch {
            // History is a convenience: an unwritable history file is not worth failing for.
          }
        }
      }
      let keepGoing = true
      try {
        keepGoing = await runLine(db, splitWords(trimmed), out, typed)
      } catch (error) {
        failures++
        process.stderr.write(`strata: ${describeFailure(error).line}\n`)
      }
      if (!keepGoing) break
      if (interactive) lines.prompt()
    }
  } finally {
    lines.close()
    await db.close()
  }
  return failures > 0 && !interactive ? ExitCode.Failure : ExitCode.Ok
}
