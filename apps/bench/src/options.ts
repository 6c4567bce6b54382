/**
 * Command-line flags of the benchmark, parsed with node:util parseArgs and checked: a bad flag is
 * an `InvalidArgumentError` (code STRATA_INVALID_ARGUMENT) naming the flag and what it accepts.
 */
import { parseArgs } from 'node:util'
import { InvalidArgumentError } from '@strata/base'
import { ENGINE_NAMES, type EngineName, STRATA_MEM_CACHE_MIB } from './adapters/adapter.js'
import { WORKLOAD_NAMES, type WorkloadName } from './workloads.js'

export interface BenchOptions {
  /** Keys per workload (db_bench's --num). Default 1,000,000. */
  n: number
  /** Rounds; engines run interleaved in each. Default 3. */
  rounds: number
  engines: EngineName[]
  workloads: WorkloadName[]
  /** Print the results as JSON on stdout instead of the markdown table. */
  json: boolean
  /** Seed of every key order and value. Default 1. */
  seed: number
  /** Directory the results files (latest.md, latest.json) are written to. */
  out: string
  /** When set, strata's jobs run with `node --cpu-prof` and their profiles land here. */
  cpuProf: string | undefined
  /** Block cache of the `strata-mem` engine, in MiB. Default `STRATA_MEM_CACHE_MIB`. */
  strataMemCacheMiB: number
  /** Prefilled stores are fully compacted before closing (engines with a manual compaction). */
  compactPrefill: boolean
  help: boolean
}

export const USAGE = `Usage: node dist/cli.js [flags]

  --n <count>            keys per workload (default 1000000; fillsync uses n/100, fillsync64 n/10,
                         seekrandom n/10 seeks)
  --rounds <count>       rounds, engines interleaved in each (default 3)
  --engines <list>       comma-separated, from: ${ENGINE_NAMES.join(', ')} (default all)
  --workloads <list>     comma-separated, from: ${WORKLOAD_NAMES.join(', ')} (default all)
  --seed <integer>       seed of key orders and values (default 1)
  --json                 print results as JSON instead of the markdown table
  --out <directory>      where latest.md and latest.json are written (default ./bench-results)
  --cpu-prof <directory> profile strata's jobs (node --cpu-prof) into this directory
  --strata-mem-cache <MiB>
                         block cache of the strata-mem engine (default ${STRATA_MEM_CACHE_MIB})
  --compact-prefill      fully compact each engine's prefilled store before closing it (strata,
                         classic-level, rocksdb: compactRange over every key; untimed), so that
                         every prefilled workload starts from a settled tree, not from wherever the
                         fill's background compactions stopped
  --help                 this text
`

function integer(flag: string, text: string | undefined, fallback: number, min: number, max: number): number {
  if (text === undefined) return fallback
  const value = Number(text.replace(/[_,]/g, ''))
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new InvalidArgumentError(`--${flag} must be an integer from ${min} to ${max}, not '${text}'`, {
      argument: `--${flag}`,
    })
  }
  return value
}

function list<T extends string>(flag: string, text: string | undefined, allowed: readonly T[]): T[] {
  if (text === undefined) return [...allowed]
  const names = text
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name.length > 0)
  const unknown = names.filter((name) => !(allowed as readonly string[]).includes(name))
  if (names.length === 0 || unknown.length > 0) {
    throw new InvalidArgumentError(
      `--${flag} got ${unknown.length > 0 ? `unknown name${unknown.length > 1 ? 's' : ''} ${unknown.map((name) => `'${name}'`).join(', ')}` : 'no names'}; allowed: ${allowed.join(', ')}`,
      { argument: `--${flag}` },
    )
  }
  return allowed.filter((name) => names.includes(name))
}

const FLAGS = {
  n: { type: 'string' },
  rounds: { type: 'string' },
  engines: { type: 'string' },
  workloads: { type: 'string' },
  seed: { type: 'string' },
  json: { type: 'boolean', default: false },
  out: { type: 'string' },
  'cpu-prof': { type: 'string' },
  'strata-mem-cache': { type: 'string' },
  'compact-prefill': { type: 'boolean', default: false },
  help: { type: 'boolean', default: false },
} as const

function parseFlags(argv: string[]) {
  try {
    return parseArgs({ args: argv, options: FLAGS, strict: true, allowPositionals: false }).values
  } catch (cause) {
    throw new InvalidArgumentError(`${(cause as Error).message}\n\n${USAGE}`, { argument: 'argv', cause })
  }
}

/** Reads the flags in `argv` (without the node and script paths). */
export function parseOptions(argv: string[]): BenchOptions {
  const values = parseFlags(argv)
  return {
    n: integer('n', values.n, 1_000_000, 100, 100_000_000),
    rounds: integer('rounds', values.rounds, 3, 1, 100),
    engines: list('engines', values.engines, ENGINE_NAMES),
    workloads: list('workloads', values.workloads, WORKLOAD_NAMES),
    seed: integer('seed', values.seed, 1, 0, 0xffff_ffff),
    json: values.json,
    out: values.out ?? 'bench-results',
    cpuProf: values['cpu-prof'],
    strataMemCacheMiB: integer(
      'strata-mem-cache',
      values['strata-mem-cache'],
      STRATA_MEM_CACHE_MIB,
      0,
      65_536,
    ),
    compactPrefill: values['compact-prefill'],
    help: values.help,
  }
}
