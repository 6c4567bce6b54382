/**
 * The tour's crash step, for real: a child process (this same CLI, hidden subcommand
 * `__crash-writer`) writes with `sync: true` and prints `ack <n>` on stdout as each write is
 * acknowledged (stdout to a pipe is synchronous on Linux, so a printed ack is in the pipe before
 * the next write starts). The parent kills it with SIGKILL mid-stream, reopens the database and
 * counts: every acknowledged write must be back, with its value. Writes that were sent but not
 * acknowledged may or may not be there; both are correct.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { type Database, type OpenOptions, open } from '@strata/engine'
import { CliError } from './failure.js'

/** Key and value of crash write `n`. */
export function crashKey(n: number): string {
  return `crash:${String(n).padStart(8, '0')}`
}
export function crashValue(n: number): string {
  return JSON.stringify({ n, note: 'written with sync: true by the crash writer' })
}

/** The child: opens `directory`, prints `ready`, then writes forever with `concurrency`
 *  writes in flight, printing `sent <n>` before and `ack <n>` after each. */
export async function crashWriter(
  directory: string,
  options: { concurrency: number; limit: number; openOptions: OpenOptions },
): Promise<void> {
  // Never outlive the tour: if the parent dies without killing us, stop writing.
  const parent = process.ppid
  setInterval(() => {
    if (process.ppid !== parent) process.exit(1)
  }, 200).unref()
  const db = await open(directory, options.openOptions)
  process.stdout.write('ready\n')
  let next = 0
  const worker = async () => {
    while (next < options.limit) {
      const n = next++
      process.stdout.write(`sent ${n}\n`)
      await db.put(Buffer.from(crashKey(n)), Buffer.from(crashValue(n)), { sync: true })
      process.stdout.write(`ack ${n}\n`)
    }
  }
  await Promise.all(Array.from({ length: options.concurrency }, worker))
  await db.close()
}

export interface CrashRun {
  acknowledged: number[]
  /** Sent but never acknowledged. */
  inFlight: number[]
  /** Milliseconds between `ready` and the kill. */
  ranMs: number
  signal: NodeJS.Signals | null
}

/** Runs the child writer on `directory` and kills it with SIGKILL once `killAfterAcks` writes
 *  are acknowledged or `killAfterMs` have passed since it was ready (whichever comes first). */
export function runAndKill(
  directory: string,
  options: { killAfterAcks: number; killAfterMs: number; seedArgs: string[] },
): Promise<CrashRun> {
  const cli = fileURLToPath(new URL('./cli.js', import.meta.url))
  const child: ChildProcess = spawn(
    process.execPath,
    [cli, '__crash-writer', directory, ...options.seedArgs],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  const acknowledged: number[] = []
  const sent = new Set<number>()
  let stderr = ''
  let buffered = ''
  let readyAt: number | undefined
  let killedAt: number | undefined
  let timer: NodeJS.Timeout | undefined
  const kill = () => {
    if (killedAt !== undefined) return
    killedAt = performance.now()
    child.kill('SIGKILL')
  }
  return new Promise((resolve, reject) => {
    child.stdout!.setEncoding('utf8')
    child.stdout!.on('data', (chunk: string) => {
      buffered += chunk
      const lines = buffered.split('\n')
      buffered = lines.pop() ?? ''
      for (const line of lines) {
        if (line === 'ready') {
          readyAt = performance.now()
          timer = setTimeout(kill, options.killAfterMs)
        } else if (line.startsWith('sent ')) sent.add(Number(line.slice(5)))
        else if (line.startsWith('ack ')) {
          const n = Number(line.slice(4))
          acknowledged.push(n)
          sent.delete(n)
        }
      }
      if (acknowledged.length >= options.killAfterAcks) kill()
    })
    child.stderr!.setEncoding('utf8')
    child.stderr!.on('data', (chunk: string) => {
      stderr += chunk
    })
    child.on('error', reject)
    child.on('close', (code, signal) => {
      if (timer !== undefined) clearTimeout(timer)
      // A half-printed last line is not an acknowledgement: it is ignored (`buffered`).
      if (killedAt === undefined || readyAt === undefined) {
        const detail = stderr.trim().split('\n').pop() ?? `exit code ${code}`
        reject(
          new CliError(
            `the crash writer stopped on its own before it was killed (${detail})`,
            'rerun with --debug; if the directory is in use, close the other process',
          ),
        )
        return
      }
      resolve({ acknowledged, inFlight: [...sent], ranMs: killedAt - readyAt, signal })
    })
  })
}

export interface CrashCheck {
  found: number
  missing: number[]
  wrongValue: number[]
  inFlightFound: number
}

/** Looks up every acknowledged write (and the in-flight ones) in the reopened database. */
export async function checkCrashWrites(db: Database, run: CrashRun): Promise<CrashCheck> {
  const check: CrashCheck = { found: 0, missing: [], wrongValue: [], inFlightFound: 0 }
  for (let start = 0; start < run.acknowledged.length; start += 1000) {
    const chunk = run.acknowledged.slice(start, start + 1000)
    const values = await db.getMany(chunk.map((n) => Buffer.from(crashKey(n))))
    chunk.forEach((n, index) => {
      const value = values[index]
      if (value === undefined) check.missing.push(n)
      else if (Buffer.from(value).toString('utf8') !== crashValue(n)) check.wrongValue.push(n)
      else check.found++
    })
  }
  const inFlight = await db.getMany(run.inFlight.map((n) => Buffer.from(crashKey(n))))
  check.inFlightFound = inFlight.filter((value) => value !== undefined).length
  return check
}
