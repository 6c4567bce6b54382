/**
 * Exactly one owner per directory, whatever the route: processes and worker threads racing to
 * open one directory, symlinked, relative and trailing-slash spellings, a worker thread of the
 * owning process, and a stale LOCK taken over by two processes at once.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { threadId, Worker } from 'node:worker_threads'
import { describe, expect, it } from 'vitest'
import { DatabaseLockedError, open } from '../src/index.js'
import type { RoundOutcome } from './fixtures/race-opener.js'
import { temporaryDirectory } from './helpers.js'

const raceOpener = fileURLToPath(new URL('./fixtures/race-opener.ts', import.meta.url))
const holdOpen = fileURLToPath(new URL('./fixtures/hold-open.ts', import.meta.url))
const tsWorker = new URL('./fixtures/ts-worker.mjs', import.meta.url)
const openInWorker = new URL('./fixtures/open-in-worker.ts', import.meta.url).href

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

function exitOf(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode)
    else child.once('exit', (code) => resolve(code))
  })
}

/** Runs one race-opener child per entry of `directoriesByProcess` (each its own spellings of the
 *  rounds' directories), starts them together, and returns every opener's outcomes. */
async function race(options: {
  directoriesByProcess: string[][]
  threads: number
  writes: number
}): Promise<RoundOutcome[]> {
  const coordination = temporaryDirectory('strata-race-')
  const openers = options.directoriesByProcess.length * (options.threads + 1)
  const children = options.directoriesByProcess.map((directories) => {
    const config = {
      coordination,
      openers,
      directories,
      spacingMs: 60,
      writes: options.writes,
      threads: options.threads,
    }
    const child = spawn(process.execPath, ['--import', 'tsx', raceOpener, JSON.stringify(config)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    let output = ''
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString()
    })
    return { child, output: () => output }
  })
  const deadline = Date.now() + 30_000
  while (readdirSync(coordination).filter((name) => name.startsWith('ready-')).length < openers) {
    if (Date.now() > deadline) throw new Error('the racing openers did not get ready')
    await sleep(10)
  }
  writeFileSync(join(coordination, 'start'), String(Date.now() + 100))
  const outcomes: RoundOutcome[] = []
  for (const { child, output } of children) {
    expect(await exitOf(child)).toBe(0)
    outcomes.push(...(JSON.parse(output()) as RoundOutcome[]))
  }
  return outcomes
}

/** Exactly one winner per round; every loser got STRATA_LOCKED naming the winner (pid and
 *  thread); every write the winner had acknowledged is there after reopening. */
async function expectOneOwnerPerRound(outcomes: RoundOutcome[], directories: string[]): Promise<void> {
  for (let round = 0; round < directories.length; round++) {
    const inRound = outcomes.filter((outcome) => outcome.round === round)
    const winners = inRound.filter((outcome) => outcome.outcome === 'won')
    expect(winners, `round ${round}: ${JSON.stringify(inRound)}`).toHaveLength(1)
    const winner = winners[0]!
    for (const loser of inRound.filter((outcome) => outcome !== winner)) {
      expect(loser, `round ${round}: ${JSON.stringify(inRound)}`).toMatchObject({
        outcome: 'locked',
        ownerPid: winner.pid,
        ownerThreadId: winner.threadId,
      })
    }
    const database = await open<string, string>(directories[round]!, {
      keyEncoding: 'utf8',
      valueEncoding: 'utf8',
      createIfMissing: false,
    })
    for (const key of winner.acknowledged!)
      expect(await database.get(key), `round ${round}`).toBe(`value of ${key}`)
    await database.close()
  }
}

describe('exactly one owner per directory', () => {
  it('of 3 processes x (main thread + 1 worker) racing to open a new directory, one wins each of 20 rounds', async () => {
    const base = temporaryDirectory()
    const directories = Array.from({ length: 20 }, (_, round) => join(base, `round-${round}`))
    const outcomes = await race({
      directoriesByProcess: [directories, directories, directories],
      threads: 1,
      writes: 10,
    })
    expect(outcomes).toHaveLength(20 * 6)
    await expectOneOwnerPerRound(outcomes, directories)
  }, 60_000)

  it('one wins when the racers spell the directory differently: real path, symlink, relative, trailing slash', async () => {
    const base = temporaryDirectory()
    const real = join(base, 'real')
    mkdirSync(real)
    const rounds = 8
    const directories = Array.from({ length: rounds }, (_, round) => join(real, `round-${round}`))
    for (const directory of directories) mkdirSync(directory)
    symlinkSync(real, join(base, 'link'))
    const spellings = [
      directories,
      directories.map((_, round) => join(base, 'link', `round-${round}`)),
      directories.map((directory) => relative(process.cwd(), directory)),
      directories.map((directory) => `${directory}/`),
    ]
    const outcomes = await race({ directoriesByProcess: spellings, threads: 0, writes: 5 })
    await expectOneOwnerPerRound(outcomes, directories)
  }, 60_000)

  it('a worker thread of the process that holds the database gets STRATA_LOCKED naming this thread', async () => {
    const directory = temporaryDirectory()
    const database = await open(directory)
    await database.put(Buffer.from('k'), Buffer.from('v'))
    const worker = new Worker(tsWorker, { workerData: { entry: openInWorker, directory } })
    const result = await new Promise<Record<string, unknown>>((resolve, reject) => {
      worker.once('message', resolve)
      worker.once('error', reject)
    })
    expect(result).toMatchObject({ outcome: 'STRATA_LOCKED', ownerPid: process.pid, ownerThreadId: threadId })
    expect(String(result.message)).toContain(`thread ${threadId}, this process`)
    expect(Buffer.from((await database.get(Buffer.from('k')))!).toString()).toBe('v')
    await database.close()
  }, 30_000)

  it('in one process, a second open through a symlink, a symlinked parent, a relative path or a trailing slash is refused', async () => {
    const base = temporaryDirectory()
    const real = join(base, 'real')
    mkdirSync(join(real, 'db'), { recursive: true })
    symlinkSync(join(real, 'db'), join(base, 'db-link'))
    symlinkSync(real, join(base, 'parent-link'))
    const directory = join(real, 'db')
    const database = await open(directory)
    for (const spelling of [
      join(base, 'db-link'),
      join(base, 'parent-link', 'db'),
      relative(process.cwd(), directory),
      `${directory}/`,
      `${directory}/../db`,
    ]) {
      const error = await open(spelling).catch((caught: unknown) => caught)
      expect(error, spelling).toBeInstanceOf(DatabaseLockedError)
      expect(error).toMatchObject({ code: 'STRATA_LOCKED', ownerPid: process.pid, ownerThreadId: threadId })
    }
    await database.put(Buffer.from('k'), Buffer.from('v'))
    await database.close()
    const again = await open(join(base, 'db-link'))
    expect(Buffer.from((await again.get(Buffer.from('k')))!).toString()).toBe('v')
    await again.close()
  })

  it('a process holding the directory through a symlink locks out an open through the real path', async () => {
    const base = temporaryDirectory()
    mkdirSync(join(base, 'db'))
    symlinkSync(join(base, 'db'), join(base, 'link'))
    const child = spawn(process.execPath, ['--import', 'tsx', holdOpen, join(base, 'link')], {
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve())
      child.once('exit', (code) => reject(new Error(`holder exited early (${code})`)))
    })
    const error = await open(join(base, 'db')).catch((caught: unknown) => caught)
    expect(error).toMatchObject({ code: 'STRATA_LOCKED', ownerPid: child.pid, ownerThreadId: 0 })
    child.kill('SIGKILL')
    await exitOf(child)
  }, 30_000)

  it('after a holder is killed (SIGKILL), of 3 processes racing to take its LOCK over, one wins each of 5 rounds', async () => {
    const base = temporaryDirectory()
    const directories = Array.from({ length: 5 }, (_, round) => join(base, `round-${round}`))
    const holder = spawn(process.execPath, ['--import', 'tsx', holdOpen, ...directories], {
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    await new Promise<void>((resolve, reject) => {
      holder.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve())
      holder.once('exit', (code) => reject(new Error(`holder exited early (${code})`)))
    })
    holder.kill('SIGKILL')
    await exitOf(holder)
    for (const directory of directories) expect(readdirSync(directory)).toContain('LOCK')
    const outcomes = await race({
      directoriesByProcess: [directories, directories, directories],
      threads: 0,
      writes: 3,
    })
    await expectOneOwnerPerRound(outcomes, directories)
    for (const directory of directories) {
      const database = await open(directory)
      expect(Buffer.from((await database.get(Buffer.from('held-by')))!).toString()).toBe(String(holder.pid))
      await database.close()
      expect(readdirSync(directory).filter((name) => name.startsWith('LOCK'))).toEqual([])
    }
  }, 60_000)
})
