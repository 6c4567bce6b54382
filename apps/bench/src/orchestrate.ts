/**
 * The run: rounds × workloads × engines, each job in a fresh directory and its own child
 * process. Engines are interleaved inside every round (their order rotates from round to round)
 * so drift on a shared, noisy machine spreads over all of them instead of landing on one.
 * Prefilled workloads copy a store that was filled once per engine, closed, and is reopened by
 * the job.
 */
import { type ChildProcess, fork } from 'node:child_process'
import { cpSync, mkdirSync } from 'node:fs'
import type { EngineName } from './adapters/adapter.js'
import type { JobMessage, OutcomeMessage } from './child.js'
import { freshDirectory, removeDirectory } from './disk.js'
import type { Job, JobOutcome, RunResult } from './job.js'
import type { BenchOptions } from './options.js'
import { WORKLOADS, type WorkloadName } from './workloads.js'

export interface RoundResults {
  round: number
  runs: RunResult[]
  /** Raw one-at-a-time fdatasync rate measured in this round (when fillsync ran). */
  fsyncPerSecond: number | undefined
  failures: { engine: EngineName; workload: WorkloadName; error: string }[]
}

export type RunLog = (line: string) => void

/** A job that takes longer than this is killed and recorded as failed (never a hang). */
const JOB_TIMEOUT_MS = 60 * 60 * 1000
const CHILD = new URL('./child.js', import.meta.url)

/** Children running now, and directories to remove, for `stopEverything`. */
const activeChildren = new Set<ChildProcess>()
const liveDirectories = new Set<string>()

/** Kills running jobs and removes the run's directories: on SIGINT/SIGTERM the run stops
 *  without leaving a child (which may be inside a long synchronous loop) or temp data behind. */
export function stopEverything(): void {
  for (const child of activeChildren) child.kill('SIGKILL')
  for (const directory of liveDirectories) removeDirectory(directory)
}

function track(directory: string): string {
  liveDirectories.add(directory)
  return directory
}

function untrack(directory: string): void {
  removeDirectory(directory)
  liveDirectories.delete(directory)
}

/** Runs `job` in a child process and resolves with its outcome. */
export function runInChild(job: Job, execArgv: string[] = []): Promise<JobOutcome> {
  return new Promise((resolve) => {
    const child = fork(CHILD, [], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
    activeChildren.add(child)
    let outcome: JobOutcome | undefined
    const timer = setTimeout(() => {
      outcome = { ok: false, error: `timed out after ${JOB_TIMEOUT_MS / 60000} minutes` }
      child.kill('SIGKILL')
    }, JOB_TIMEOUT_MS)
    child.on('message', (message: Partial<OutcomeMessage>) => {
      if (typeof message === 'object' && message !== null && message.benchOutcome !== undefined) {
        outcome ??= message.benchOutcome
      }
    })
    child.once('error', (error) => {
      outcome ??= { ok: false, error: error.message }
    })
    child.once('exit', (code, signal) => {
      activeChildren.delete(child)
      clearTimeout(timer)
      resolve(
        outcome ?? { ok: false, error: `child exited (code ${code}, signal ${signal}) without a result` },
      )
    })
    const message: JobMessage = { benchJob: job }
    child.send(message)
  })
}

function rotate<T>(items: T[], by: number): T[] {
  const shift = by % items.length
  return [...items.slice(shift), ...items.slice(0, shift)]
}

/** Runs every round; `log` receives one progress line per job, `onRound` the results so far
 *  after each round (so a long run that is stopped still leaves its finished rounds). */
export async function runRounds(
  options: BenchOptions,
  log: RunLog,
  onRound: (results: RoundResults[]) => void = () => {},
): Promise<RoundResults[]> {
  const templates = new Map<EngineName, string | Error>()
  const results: RoundResults[] = []
  const profileArgs = (engine: EngineName) =>
    options.cpuProf !== undefined && engine === 'strata'
      ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProf}`]
      : []
  if (options.cpuProf !== undefined) mkdirSync(options.cpuProf, { recursive: true })

  async function template(engine: EngineName): Promise<string> {
    const existing = templates.get(engine)
    if (existing instanceof Error) throw existing
    if (existing !== undefined) return existing
    const directory = track(freshDirectory(`template-${engine}`))
    const outcome = await runInChild({
      kind: 'prefill',
      engine,
      n: options.n,
      seed: options.seed,
      directory,
      compact: options.compactPrefill,
    })
    if (!outcome.ok) {
      untrack(directory)
      const error = new Error(`prefill failed: ${outcome.error}`)
      templates.set(engine, error)
      throw error
    }
    if (outcome.kind === 'prefill') {
      const { seconds, compactSeconds } = outcome.result
      log(
        `  prefilled ${engine} with ${options.n} keys in ${seconds.toFixed(1)} s` +
          (compactSeconds === undefined ? '' : `, compacted fully in ${compactSeconds.toFixed(1)} s`),
      )
    }
    templates.set(engine, directory)
    return directory
  }

  try {
    for (let round = 1; round <= options.rounds; round++) {
      const roundResults: RoundResults = { round, runs: [], fsyncPerSecond: undefined, failures: [] }
      results.push(roundResults)
      for (const workload of options.workloads) {
        const spec = WORKLOADS[workload]
        const probe = async () => {
          const directory = track(freshDirectory('fsync-probe'))
          const outcome = await runInChild({
            kind: 'fsync-probe',
            operations: spec.operations(options.n),
            directory,
          })
          untrack(directory)
          if (!outcome.ok || outcome.kind !== 'fsync-probe') return
          // Probed before and after the engines: the round keeps the faster figure (what the disk
          // can do; a neighbour's burst of I/O only ever slows a probe down).
          roundResults.fsyncPerSecond = Math.max(
            roundResults.fsyncPerSecond ?? 0,
            outcome.result.opsPerSecond,
          )
          log(
            `[round ${round}/${options.rounds}] raw fdatasync: ${Math.round(outcome.result.opsPerSecond)} /s`,
          )
        }
        if (workload === 'fillsync') await probe()
        for (const engine of rotate(options.engines, round - 1)) {
          const directory = track(freshDirectory(`${engine}-${workload}`))
          try {
            if (spec.prefilled) {
              removeDirectory(directory)
              cpSync(await template(engine), directory, { recursive: true })
            }
            const outcome = await runInChild(
              {
                kind: 'run',
                engine,
                workload,
                n: options.n,
                seed: options.seed,
                directory,
                strataMemCacheBytes: options.strataMemCacheMiB * 1024 * 1024,
              },
              profileArgs(engine),
            )
            if (!outcome.ok) throw new Error(outcome.error)
            if (outcome.kind !== 'run') throw new Error(`unexpected ${outcome.kind} outcome`)
            roundResults.runs.push(outcome.result)
            const result = outcome.result
            log(
              `[round ${round}/${options.rounds}] ${workload.padEnd(12)} ${engine.padEnd(14)} ` +
                `${Math.round(result.opsPerSecond).toLocaleString('en-US').padStart(11)} ops/s ` +
                `(${result.seconds.toFixed(2)} s)`,
            )
          } catch (error) {
            const message = error instanceof Error ? error.message : String(error)
            roundResults.failures.push({ engine, workload, error: message })
            log(`[round ${round}/${options.rounds}] ${workload} ${engine} FAILED: ${message.split('\n')[0]}`)
          } finally {
            untrack(directory)
          }
        }
        if (workload === 'fillsync') await probe()
      }
      onRound(results)
    }
  } finally {
    for (const directory of templates.values()) if (typeof directory === 'string') untrack(directory)
  }
  return results
}
