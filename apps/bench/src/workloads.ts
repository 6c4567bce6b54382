/**
 * The db_bench-style workloads: what each one does, how many operations it times, at which
 * durability, and whether it runs on a store that was filled, closed and reopened first.
 */
import type { Adapter, MaybePromise, Value } from './adapters/adapter.js'
import {
  KEY_BYTES,
  KeyList,
  keyNumberOf,
  randomKeys,
  sequentialKeys,
  shuffledKeys,
  VALUE_BYTES,
  ValuePool,
} from './keys.js'
import { deriveSeed, Random } from './random.js'

export const WORKLOAD_NAMES = [
  'fillseq',
  'fillrandom',
  'fillbatch',
  'fill64',
  'overwrite',
  'readrandom',
  'readmissing',
  'readseq',
  'readreverse',
  'seekrandom',
  'deleterandom',
  'fillsync',
  'fillsync64',
  'mixed',
] as const
export type WorkloadName = (typeof WORKLOAD_NAMES)[number]

/** Entries per batch in fillbatch and in the fill that prepares a store for the read workloads. */
export const BATCH_ENTRIES = 1000
/** Writes in flight in fill64 and fillsync64. */
export const IN_FLIGHT = 64
/** Entries each seekrandom seek reads: the one it lands on and 10 nexts. */
export const SEEK_ENTRIES = 11

export interface WorkloadSpec {
  name: WorkloadName
  /** One line for the report. */
  description: string
  /** Writes (the targets ask strata to lead every peer on these). */
  writes: boolean
  /** The durability the workload runs at (strata's `sync`; each peer's equivalent). */
  sync: boolean
  /** Runs on a store filled with `n` keys, closed and reopened (so data is on disk). */
  prefilled: boolean
  /** Timed operations for a run of size `n`. */
  operations(n: number): number
  /** What one latency sample covers. */
  latencyOf: 'operation' | 'batch' | 'none'
}

const all = (n: number) => n

export const WORKLOADS: Record<WorkloadName, WorkloadSpec> = {
  fillseq: {
    name: 'fillseq',
    description: 'n puts in ascending key order, one at a time',
    writes: true,
    sync: false,
    prefilled: false,
    operations: all,
    latencyOf: 'operation',
  },
  fillrandom: {
    name: 'fillrandom',
    description: 'n puts, every key once in random order, one at a time',
    writes: true,
    sync: false,
    prefilled: false,
    operations: all,
    latencyOf: 'operation',
  },
  fillbatch: {
    name: 'fillbatch',
    description: `n puts in ascending key order, in atomic batches of ${BATCH_ENTRIES}`,
    writes: true,
    sync: false,
    prefilled: false,
    operations: all,
    latencyOf: 'batch',
  },
  fill64: {
    name: 'fill64',
    description: `n puts in random order, ${IN_FLIGHT} in flight`,
    writes: true,
    sync: false,
    prefilled: false,
    operations: all,
    latencyOf: 'operation',
  },
  overwrite: {
    name: 'overwrite',
    description: 'n puts of random existing keys, one at a time',
    writes: true,
    sync: false,
    prefilled: true,
    operations: all,
    latencyOf: 'operation',
  },
  readrandom: {
    name: 'readrandom',
    description: 'n gets of random existing keys, one at a time',
    writes: false,
    sync: false,
    prefilled: true,
    operations: all,
    latencyOf: 'operation',
  },
  readmissing: {
    name: 'readmissing',
    description: 'n gets of random absent keys (between stored ones), one at a time',
    writes: false,
    sync: false,
    prefilled: true,
    operations: all,
    latencyOf: 'operation',
  },
  readseq: {
    name: 'readseq',
    description: 'one forward scan of all n entries',
    writes: false,
    sync: false,
    prefilled: true,
    operations: all,
    latencyOf: 'none',
  },
  readreverse: {
    name: 'readreverse',
    description: 'one reverse scan of all n entries',
    writes: false,
    sync: false,
    prefilled: true,
    operations: all,
    latencyOf: 'none',
  },
  seekrandom: {
    name: 'seekrandom',
    description: `n/10 seeks to random existing keys, each reading ${SEEK_ENTRIES} entries (seek + 10 next)`,
    writes: false,
    sync: false,
    prefilled: true,
    operations: (n) => Math.max(1, Math.floor(n / 10)),
    latencyOf: 'operation',
  },
  deleterandom: {
    name: 'deleterandom',
    description: 'n deletes, every key once in random order, one at a time',
    writes: true,
    sync: false,
    prefilled: true,
    operations: all,
    latencyOf: 'operation',
  },
  fillsync: {
    name: 'fillsync',
    description: 'n/100 synced puts in random order, one at a time',
    writes: true,
    sync: true,
    prefilled: false,
    operations: (n) => Math.max(100, Math.floor(n / 100)),
    latencyOf: 'operation',
  },
  fillsync64: {
    name: 'fillsync64',
    description: `n/10 synced puts in random order, ${IN_FLIGHT} in flight (group commit)`,
    writes: true,
    sync: true,
    prefilled: false,
    operations: (n) => Math.max(100, Math.floor(n / 10)),
    latencyOf: 'operation',
  },
  mixed: {
    name: 'mixed',
    description: 'n operations on random existing keys: 90% gets, 10% puts, one at a time',
    writes: false,
    sync: false,
    prefilled: true,
    operations: all,
    latencyOf: 'operation',
  },
}

/** What one timed run measured. */
export interface Measurement {
  operations: number
  seconds: number
  /** Key and value bytes moved: written, read back, or (for deletes and misses) keys only. */
  bytes: number
  /** Latency of each operation (or batch) in milliseconds; absent for whole-store scans. */
  latencies: Float64Array | undefined
}

/** A store answered wrongly while timed (a read found nothing, a scan came up short). */
export class WorkloadAnswerError extends Error {
  readonly code = 'BENCH_WRONG_ANSWER'
}

/** Work run between blocks of a timed workload, outside its time (see `timed`). */
export interface Between {
  every: number
  run(): void
}

function isPromise<T>(value: MaybePromise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown } | undefined)?.then === 'function'
}

/**
 * Times `count` calls of `operation`, `inFlight` at a time. Each call's answer is awaited when it
 * is a promise (a thenable), whatever the adapter declares: an adapter whose reads are
 * synchronous may still scan asynchronously, and timing the creation of a promise would time
 * nothing. An answer that is not a promise costs one type check. `onResult` sees each answer.
 * With `between` (one at a time only), `between.run()` is called after every `between.every`
 * operations, and its time is not counted.
 */
export async function timed<R>(
  count: number,
  inFlight: number,
  operation: (index: number) => MaybePromise<R>,
  onResult: (result: R, index: number) => void,
  latencies: Float64Array | undefined,
  between?: Between,
): Promise<number> {
  const started = performance.now()
  let excluded = 0
  if (inFlight <= 1) {
    for (let index = 0; index < count; index++) {
      if (between !== undefined && index > 0 && index % between.every === 0) {
        const paused = performance.now()
        between.run()
        excluded += performance.now() - paused
      }
      const begin = performance.now()
      let result = operation(index)
      if (isPromise(result)) result = await result
      if (latencies !== undefined) latencies[index] = performance.now() - begin
      onResult(result as R, index)
    }
  } else {
    let next = 0
    const worker = async () => {
      while (next < count) {
        const index = next++
        const begin = performance.now()
        let result = operation(index)
        if (isPromise(result)) result = await result
        if (latencies !== undefined) latencies[index] = performance.now() - begin
        onResult(result as R, index)
      }
    }
    await Promise.all(Array.from({ length: Math.min(inFlight, count) }, worker))
  }
  return (performance.now() - started - excluded) / 1000
}

const ENTRY_BYTES = KEY_BYTES + VALUE_BYTES
const ignore = () => {}

/**
 * Fills a fresh store with the `n` stored keys in random order, in batches (the preparation of
 * every prefilled workload; not timed). The caller closes it.
 */
export async function prefill(adapter: Adapter, n: number, seed: number): Promise<void> {
  const keys = new KeyList(shuffledKeys(n, new Random(deriveSeed(seed, 'prefill-order'))))
  const values = new ValuePool(new Random(deriveSeed(seed, 'prefill-values')))
  for (let start = 0; start < n; start += BATCH_ENTRIES) {
    const end = Math.min(n, start + BATCH_ENTRIES)
    const operations = []
    for (let index = start; index < end; index++) {
      operations.push({ type: 'put' as const, key: keys.key(index), value: values.value(index) })
    }
    const done = adapter.batch(operations)
    if (isPromise(done)) await done
  }
}

/** Runs `spec` on an open adapter (prefilled with `n` keys when the spec asks) and measures it.
 *  `between` runs between blocks of a one-at-a-time fill's puts, outside its time (see `timed`). */
export async function runWorkload(
  adapter: Adapter,
  spec: WorkloadSpec,
  n: number,
  seed: number,
  between?: Between,
): Promise<Measurement> {
  const count = spec.operations(n)
  const random = new Random(deriveSeed(seed, spec.name))
  const values = new ValuePool(new Random(deriveSeed(seed, `${spec.name}-values`)))
  const latencies = spec.latencyOf === 'operation' ? new Float64Array(count) : undefined

  switch (spec.name) {
    case 'fillseq':
    case 'fillrandom':
    case 'fill64':
    case 'fillsync':
    case 'fillsync64':
    case 'overwrite': {
      const numbers =
        spec.name === 'fillseq'
          ? sequentialKeys(count)
          : spec.name === 'overwrite'
            ? randomKeys(count, n, random)
            : shuffledKeys(count, random)
      const keys = new KeyList(numbers)
      const inFlight = spec.name === 'fill64' || spec.name === 'fillsync64' ? IN_FLIGHT : 1
      const seconds = await timed(
        count,
        inFlight,
        (index) => adapter.put(keys.key(index), values.value(index)),
        ignore,
        latencies,
        between,
      )
      return { operations: count, seconds, bytes: count * ENTRY_BYTES, latencies }
    }
    case 'fillbatch': {
      const keys = new KeyList(sequentialKeys(count))
      const batches = Math.ceil(count / BATCH_ENTRIES)
      const batchLatencies = new Float64Array(batches)
      const operations = Array.from({ length: batches }, (_, batch) => {
        const list = []
        for (
          let index = batch * BATCH_ENTRIES;
          index < Math.min(count, (batch + 1) * BATCH_ENTRIES);
          index++
        ) {
          list.push({ type: 'put' as const, key: keys.key(index), value: values.value(index) })
        }
        return list
      })
      const seconds = await timed(
        batches,
        1,
        (batch) => adapter.batch(operations[batch]!),
        ignore,
        batchLatencies,
      )
      return { operations: count, seconds, bytes: count * ENTRY_BYTES, latencies: batchLatencies }
    }
    case 'deleterandom': {
      const keys = new KeyList(shuffledKeys(count, random))
      const seconds = await timed(count, 1, (index) => adapter.delete(keys.key(index)), ignore, latencies)
      return { operations: count, seconds, bytes: count * KEY_BYTES, latencies }
    }
    case 'readrandom':
    case 'readmissing': {
      const missing = spec.name === 'readmissing'
      const keys = new KeyList(randomKeys(count, n, random, missing))
      let found = 0
      const seconds = await timed(
        count,
        1,
        (index) => adapter.get(keys.key(index)),
        (value: Value | undefined) => {
          if (value !== undefined) found++
        },
        latencies,
      )
      const expected = missing ? 0 : count
      if (found !== expected) {
        throw new WorkloadAnswerError(
          `${adapter.engine} found ${found} of ${count} ${missing ? 'absent' : 'stored'} keys in ${spec.name}; expected ${expected}`,
        )
      }
      return {
        operations: count,
        seconds,
        bytes: missing ? count * KEY_BYTES : count * ENTRY_BYTES,
        latencies,
      }
    }
    case 'readseq':
    case 'readreverse': {
      let bytes = 0
      const visit = (key: Buffer, value: Buffer) => {
        bytes += key.length + value.length
      }
      const started = performance.now()
      let scanned = adapter.scan(
        { reverse: spec.name === 'readreverse', limit: Number.POSITIVE_INFINITY },
        visit,
      )
      if (isPromise(scanned)) scanned = await scanned
      const seconds = (performance.now() - started) / 1000
      if (scanned !== n) {
        throw new WorkloadAnswerError(
          `${adapter.engine} scanned ${scanned} entries in ${spec.name}; expected ${n}`,
        )
      }
      return { operations: scanned, seconds, bytes, latencies: undefined }
    }
    case 'seekrandom': {
      const keys = new KeyList(randomKeys(count, n, random))
      let bytes = 0
      let short = 0
      const visit = (key: Buffer, value: Buffer) => {
        bytes += key.length + value.length
      }
      // A seek near the end of the key space legitimately reads fewer entries.
      const lastFull = n - SEEK_ENTRIES
      const seconds = await timed(
        count,
        1,
        (index) => adapter.scan({ from: keys.key(index), reverse: false, limit: SEEK_ENTRIES }, visit),
        (scanned: number, index) => {
          if (scanned !== SEEK_ENTRIES && keyNumberOf(keys.key(index)) / 2 <= lastFull) short++
        },
        latencies,
      )
      if (short > 0) {
        throw new WorkloadAnswerError(
          `${adapter.engine} returned fewer than ${SEEK_ENTRIES} entries on ${short} seeks`,
        )
      }
      return { operations: count, seconds, bytes, latencies }
    }
    case 'mixed': {
      const keys = new KeyList(randomKeys(count, n, random))
      const isWrite = new Uint8Array(count)
      for (let index = 0; index < count; index++) isWrite[index] = random.below(10) === 0 ? 1 : 0
      let readsFound = 0
      let reads = 0
      for (const flag of isWrite) if (flag === 0) reads++
      const seconds = await timed(
        count,
        1,
        (index): MaybePromise<unknown> =>
          isWrite[index] === 1
            ? adapter.put(keys.key(index), values.value(index))
            : adapter.get(keys.key(index)),
        (value, index) => {
          if (isWrite[index] === 0 && value !== undefined) readsFound++
        },
        latencies,
      )
      if (readsFound !== reads) {
        throw new WorkloadAnswerError(
          `${adapter.engine} found ${readsFound} of ${reads} stored keys in mixed`,
        )
      }
      return { operations: count, seconds, bytes: count * ENTRY_BYTES, latencies }
    }
  }
}

/** Stored keys (and absent keys) sampled after a prefilled workload, untimed. */
export const VERIFY_SAMPLE = 1000

/**
 * Checks, untimed, that the store still answers correctly after `spec` ran: a random sample of
 * stored keys is found (none after deleterandom) and a sample of absent keys is not. Catches a
 * store whose timed answers only looked plausible, e.g. one that reports every key absent, which
 * readmissing alone would reward.
 */
export async function verifyAfter(
  adapter: Adapter,
  spec: WorkloadSpec,
  n: number,
  seed: number,
): Promise<void> {
  if (!spec.prefilled) return
  const random = new Random(deriveSeed(seed, `${spec.name}-verify`))
  const stored = new KeyList(randomKeys(VERIFY_SAMPLE, n, random))
  const absent = new KeyList(randomKeys(VERIFY_SAMPLE, n, random, true))
  const expectStored = spec.name !== 'deleterandom'
  let wrong = 0
  let example = ''
  for (let index = 0; index < VERIFY_SAMPLE; index++) {
    const found = (await adapter.get(stored.key(index))) !== undefined
    if (found !== expectStored) {
      wrong++
      example ||= `${stored.key(index).toString('latin1')} ${found ? 'found' : 'missing'}`
    }
    if ((await adapter.get(absent.key(index))) !== undefined) {
      wrong++
      example ||= `${absent.key(index).toString('latin1')} (never written) found`
    }
  }
  if (wrong > 0) {
    throw new WorkloadAnswerError(
      `${adapter.engine} answered ${wrong} of ${2 * VERIFY_SAMPLE} sampled gets wrongly after ${spec.name} ` +
        `(expected stored keys ${expectStored ? 'present' : 'deleted'}, absent keys absent); e.g. ${example}`,
    )
  }
}
