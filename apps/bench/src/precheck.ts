/**
 * The correctness pre-check, run before anything is timed: every adapter is given the same
 * random puts, overwrites, deletes and batches, is closed and reopened, and must then answer the
 * same random gets (stored, overwritten, deleted and never-written keys) and range scans
 * (forward and reverse, from random points, with limits) exactly as a reference model does.
 * A benchmark of wrong answers is worthless, so any difference stops the run.
 */
import type { Adapter, BatchOperation, Key, MaybePromise, OpenAdapter } from './adapters/adapter.js'
import { freshDirectory, removeDirectory } from './disk.js'
import { checkValue, keyNumberOf, keyOf, missingKeyNumber, storedKeyNumber } from './keys.js'
import { deriveSeed, Random } from './random.js'

export interface PrecheckEngine {
  name: string
  open: OpenAdapter
}

export interface PrecheckOptions {
  /** Keys written (default 2,000). */
  keys?: number
  /** Gets asked after reopening (default 2,000). */
  gets?: number
  /** Range scans asked after reopening (default 200), plus two full scans. */
  scans?: number
  seed: number
}

export interface PrecheckReport {
  engines: string[]
  keys: number
  gets: number
  scans: number
  seed: number
}

/** An adapter answered differently from the model. `mismatches` lists the first few. */
export class PrecheckMismatchError extends Error {
  readonly code = 'BENCH_PRECHECK_MISMATCH'
  readonly engine: string
  readonly mismatches: string[]

  constructor(engine: string, mismatches: string[], seed: number) {
    super(
      `pre-check failed: ${engine} answered ${mismatches.length === 1 ? 'one query' : `${mismatches.length}+ queries`} ` +
        `differently from the model (seed ${seed}; replay with --seed ${seed}):\n  ${mismatches.join('\n  ')}`,
    )
    this.engine = engine
    this.mismatches = mismatches
  }
}

const MAX_REPORTED = 5

async function settle<T>(value: MaybePromise<T>): Promise<T> {
  return await value
}

type Step =
  | { kind: 'batch'; operations: { type: 'put' | 'del'; keyNumber: number; version: number }[] }
  | { kind: 'put'; keyNumber: number; version: number }
  | { kind: 'del'; keyNumber: number }

type Query =
  | { kind: 'get'; keyNumber: number }
  | { kind: 'scan'; fromNumber: number | undefined; reverse: boolean; limit: number }

/** The writes every adapter is given, and the model's final state (key number → version). */
function plan(options: Required<PrecheckOptions>): {
  steps: Step[]
  model: Map<number, number>
  queries: Query[]
} {
  const random = new Random(deriveSeed(options.seed, 'precheck'))
  const model = new Map<number, number>()
  const steps: Step[] = []
  const keys = options.keys
  const next = new Map<number, number>()
  const version = (keyNumber: number) => {
    const value = next.get(keyNumber) ?? 0
    next.set(keyNumber, value + 1)
    return value
  }
  // Fill in batches of random sizes, random order.
  const order = Array.from({ length: keys }, (_, index) => storedKeyNumber(index))
  for (let index = order.length - 1; index > 0; index--) {
    const other = random.below(index + 1)
    ;[order[index], order[other]] = [order[other]!, order[index]!]
  }
  for (let start = 0; start < order.length; ) {
    const size = 1 + random.below(200)
    const operations = order.slice(start, start + size).map((keyNumber) => {
      const written = version(keyNumber)
      model.set(keyNumber, written)
      return { type: 'put' as const, keyNumber, version: written }
    })
    steps.push({ kind: 'batch', operations })
    start += size
  }
  // Overwrites, deletes and a batch mixing both, one at a time.
  for (let index = 0; index < keys / 2; index++) {
    const keyNumber = storedKeyNumber(random.below(keys))
    const roll = random.below(10)
    if (roll < 6) {
      const written = version(keyNumber)
      model.set(keyNumber, written)
      steps.push({ kind: 'put', keyNumber, version: written })
    } else if (roll < 9) {
      model.delete(keyNumber)
      steps.push({ kind: 'del', keyNumber })
    } else {
      const other = storedKeyNumber(random.below(keys))
      const written = version(other)
      model.delete(keyNumber)
      model.set(other, written)
      steps.push({
        kind: 'batch',
        operations: [
          { type: 'del', keyNumber, version: 0 },
          { type: 'put', keyNumber: other, version: written },
        ],
      })
    }
  }
  const queries: Query[] = []
  for (let index = 0; index < options.gets; index++) {
    const pick = random.below(keys + 1)
    queries.push({
      kind: 'get',
      keyNumber: random.below(4) === 0 ? missingKeyNumber(pick) : storedKeyNumber(pick),
    })
  }
  queries.push({ kind: 'scan', fromNumber: undefined, reverse: false, limit: Number.POSITIVE_INFINITY })
  queries.push({ kind: 'scan', fromNumber: undefined, reverse: true, limit: Number.POSITIVE_INFINITY })
  for (let index = 0; index < options.scans; index++) {
    const pick = random.below(keys + 2)
    queries.push({
      kind: 'scan',
      fromNumber: random.below(2) === 0 ? missingKeyNumber(pick) : storedKeyNumber(pick),
      reverse: random.below(2) === 0,
      limit: 1 + random.below(50),
    })
  }
  return { steps, model, queries }
}

function describeValue(value: Uint8Array | undefined): string {
  if (value === undefined) return 'undefined'
  const text = Buffer.from(value).toString('latin1')
  return `${value.length} bytes "${text.length > 12 ? `${text.slice(0, 12)}…` : text}"`
}

/** What the model answers for `query`: a value, or the [keyNumber, version] list of a scan. */
function expected(
  model: Map<number, number>,
  sortedLive: number[],
  query: Query,
): Buffer | undefined | [number, number][] {
  if (query.kind === 'get') {
    const written = model.get(query.keyNumber)
    return written === undefined ? undefined : checkValue(query.keyNumber, written)
  }
  const list = query.reverse ? [...sortedLive].reverse() : sortedLive
  const start =
    query.fromNumber === undefined
      ? 0
      : list.findIndex((keyNumber) =>
          query.reverse ? keyNumber <= query.fromNumber! : keyNumber >= query.fromNumber!,
        )
  if (start < 0) return []
  return list
    .slice(start, start + Math.min(query.limit, list.length))
    .map((keyNumber) => [keyNumber, model.get(keyNumber)!])
}

async function apply(adapter: Adapter, step: Step): Promise<void> {
  if (step.kind === 'put')
    return settle(adapter.put(keyOf(step.keyNumber), checkValue(step.keyNumber, step.version)))
  if (step.kind === 'del') return settle(adapter.delete(keyOf(step.keyNumber)))
  const operations: BatchOperation[] = step.operations.map((operation) =>
    operation.type === 'put'
      ? {
          type: 'put',
          key: keyOf(operation.keyNumber),
          value: checkValue(operation.keyNumber, operation.version),
        }
      : { type: 'del', key: keyOf(operation.keyNumber) },
  )
  return settle(adapter.batch(operations))
}

function describeQuery(query: Query): string {
  if (query.kind === 'get') return `get ${keyOf(query.keyNumber).toString('latin1')}`
  const from = query.fromNumber === undefined ? 'the start' : keyOf(query.fromNumber).toString('latin1')
  return `scan ${query.reverse ? 'reverse' : 'forward'} from ${from} limit ${query.limit}`
}

/** Asks `query` and returns a description of the difference from the model, if any. */
async function ask(
  adapter: Adapter,
  query: Query,
  want: ReturnType<typeof expected>,
): Promise<string | undefined> {
  if (query.kind === 'get') {
    const got = await settle(adapter.get(keyOf(query.keyNumber)))
    const wanted = want as Buffer | undefined
    const same =
      got === undefined || wanted === undefined ? got === wanted : Buffer.compare(got, wanted) === 0
    return same
      ? undefined
      : `${describeQuery(query)}: got ${describeValue(got)}, expected ${describeValue(wanted)}`
  }
  const wanted = want as [number, number][]
  const got: [Key, Buffer][] = []
  const reported = await settle(
    adapter.scan(
      {
        ...(query.fromNumber === undefined ? {} : { from: keyOf(query.fromNumber) }),
        reverse: query.reverse,
        limit: query.limit,
      },
      (key, value) => {
        got.push([Buffer.from(key), Buffer.from(value)])
      },
    ),
  )
  if (reported !== got.length)
    return `${describeQuery(query)}: visited ${got.length} entries but reported ${reported}`
  for (let index = 0; index < Math.max(got.length, wanted.length); index++) {
    const entry = got[index]
    const model = wanted[index]
    if (entry === undefined || model === undefined) {
      return `${describeQuery(query)}: got ${got.length} entries, expected ${wanted.length}`
    }
    const [keyNumber, written] = model
    if (keyNumberOf(entry[0]) !== keyNumber || entry[0].length !== 16) {
      return `${describeQuery(query)}: entry ${index} has key ${entry[0].toString('latin1')}, expected ${keyOf(keyNumber).toString('latin1')}`
    }
    if (Buffer.compare(entry[1], checkValue(keyNumber, written)) !== 0) {
      return `${describeQuery(query)}: entry ${index} (${entry[0].toString('latin1')}) has value ${describeValue(entry[1])}, expected ${describeValue(checkValue(keyNumber, written))}`
    }
  }
  return undefined
}

/**
 * Runs the pre-check on every engine (each in a fresh directory, removed afterwards). Resolves
 * with what was checked; rejects with `PrecheckMismatchError` naming the first engine that
 * answered wrongly, or with the engine's own error if it failed.
 */
export async function precheck(engines: PrecheckEngine[], options: PrecheckOptions): Promise<PrecheckReport> {
  const resolved: Required<PrecheckOptions> = { keys: 2000, gets: 2000, scans: 200, ...options }
  const { steps, model, queries } = plan(resolved)
  const sortedLive = [...model.keys()].sort((a, b) => a - b)
  const wants = queries.map((query) => expected(model, sortedLive, query))
  for (const engine of engines) {
    const directory = freshDirectory(`precheck-${engine.name}`)
    try {
      let adapter = await engine.open(directory, { sync: false })
      try {
        for (const step of steps) await apply(adapter, step)
      } finally {
        await adapter.close()
      }
      adapter = await engine.open(directory, { sync: false })
      const mismatches: string[] = []
      try {
        for (let index = 0; index < queries.length && mismatches.length < MAX_REPORTED; index++) {
          const difference = await ask(adapter, queries[index]!, wants[index]!)
          if (difference !== undefined) mismatches.push(difference)
        }
      } finally {
        await adapter.close()
      }
      if (mismatches.length > 0) throw new PrecheckMismatchError(engine.name, mismatches, resolved.seed)
    } finally {
      removeDirectory(directory)
    }
  }
  return {
    engines: engines.map((engine) => engine.name),
    keys: resolved.keys,
    gets: resolved.gets,
    scans: resolved.scans + 2,
    seed: resolved.seed,
  }
}
