/**
 * Memtable benchmark: 1,000,000 random 16-byte keys with 100-byte values, against a reference
 * built here in the same run — sorted-btree keyed by Buffer with Buffer.compare as comparator,
 * holding the caller's key and value Buffers (no copies). Prints ops/s for insert, get (hits),
 * get (misses) and a full forward scan, the ratio to the reference, the heap per entry and
 * `approximateBytes`, and checks each figure against its target (PASS/MISS).
 *
 *   pnpm --filter @strata/memtable bench            (node --import tsx bench/index.ts)
 *   BENCH_ENTRIES=200000 BENCH_ROUNDS=5 BENCH_SEED=42 pnpm --filter @strata/memtable bench
 *
 * Each figure is the best of BENCH_ROUNDS (default 3) rounds; a round measures the memtable and
 * then the reference, so a burst of load from other processes hits both alike. Lookups (hits and
 * misses) go in a shuffled order, with the probe keys made beforehand, for both implementations.
 * Heap is V8 heap plus array buffers, after a full GC: the script re-runs itself with --expose-gc.
 */
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import sortedBtree from 'sorted-btree'
import { Memtable } from '../src/index.js'

if (typeof globalThis.gc !== 'function') {
  const result = spawnSync(
    process.execPath,
    ['--expose-gc', ...process.execArgv, fileURLToPath(import.meta.url), ...process.argv.slice(2)],
    { stdio: 'inherit' },
  )
  process.exit(result.status ?? 1)
}
const gc = globalThis.gc as () => void

const ENTRIES = Number(process.env.BENCH_ENTRIES ?? 1_000_000)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)
const SEED = Number(process.env.BENCH_SEED ?? Date.now() % 0x7fffffff)
const MAX_NODE_SIZE = process.env.BENCH_NODE === undefined ? undefined : Number(process.env.BENCH_NODE)
const KEY_BYTES = 16
const VALUE_BYTES = 100
const DISTINCT_VALUES = 1024

// --- data ------------------------------------------------------------------------------------

/** Deterministic pseudo-random numbers (xorshift32), so a run can be replayed with BENCH_SEED. */
let state = SEED | 1
function random32(): number {
  state ^= state << 13
  state ^= state >>> 17
  state ^= state << 5
  return state >>> 0
}

function randomBytes(length: number): Buffer {
  const bytes = Buffer.allocUnsafe(length)
  for (let index = 0; index < length; index++) bytes[index] = random32() & 0xff
  return bytes
}

const keyBlock = randomBytes(ENTRIES * KEY_BYTES)
const missBlock = randomBytes(ENTRIES * KEY_BYTES)
const keys: Buffer[] = []
const misses: Buffer[] = []
for (let index = 0; index < ENTRIES; index++) {
  keys.push(keyBlock.subarray(index * KEY_BYTES, (index + 1) * KEY_BYTES))
  misses.push(missBlock.subarray(index * KEY_BYTES, (index + 1) * KEY_BYTES))
}
const values: Buffer[] = []
for (let index = 0; index < DISTINCT_VALUES; index++) values.push(randomBytes(VALUE_BYTES))
/** Lookups go in this order (a shuffle), unrelated to insertion order. */
const lookupOrder = new Uint32Array(ENTRIES)
for (let index = 0; index < ENTRIES; index++) lookupOrder[index] = index
for (let index = ENTRIES - 1; index > 0; index--) {
  const other = random32() % (index + 1)
  const swap = lookupOrder[index]!
  lookupOrder[index] = lookupOrder[other]!
  lookupOrder[other] = swap
}

// --- the two implementations -----------------------------------------------------------------

interface Subject {
  fill(): void
  get(key: Buffer): unknown
  scan(): number
  approximateBytes(): number
  release(): void
}

function memtableSubject(): Subject {
  let table: Memtable | undefined
  return {
    fill() {
      const memtable = new Memtable(MAX_NODE_SIZE === undefined ? {} : { maxNodeSize: MAX_NODE_SIZE })
      for (let index = 0; index < ENTRIES; index++) {
        memtable.put(keys[index]!, values[index & (DISTINCT_VALUES - 1)]!, index + 1)
      }
      table = memtable
    },
    get: (key) => table!.get(key),
    scan() {
      let seen = 0
      const iterator = table!.iterator()
      while (iterator.next() !== undefined) seen++
      return seen
    },
    approximateBytes: () => table!.approximateBytes,
    release() {
      table = undefined
    },
  }
}

const BTree = sortedBtree.default
function referenceSubject(): Subject {
  let tree: InstanceType<typeof BTree<Buffer, Buffer>> | undefined
  return {
    fill() {
      const reference = new BTree<Buffer, Buffer>(undefined, Buffer.compare)
      for (let index = 0; index < ENTRIES; index++) {
        reference.set(keys[index]!, values[index & (DISTINCT_VALUES - 1)]!)
      }
      tree = reference
    },
    get: (key) => tree!.get(key),
    scan() {
      let seen = 0
      const pair: Buffer[] = []
      for (const _ of tree!.entries(undefined, pair)) seen++
      return seen
    },
    approximateBytes: () => Number.NaN,
    release() {
      tree = undefined
    },
  }
}

// --- measuring -------------------------------------------------------------------------------

function heapBytes(): number {
  gc()
  gc()
  const usage = process.memoryUsage()
  return usage.heapUsed + usage.arrayBuffers
}

function seconds(run: () => void): number {
  const start = process.hrtime.bigint()
  run()
  return Number(process.hrtime.bigint() - start) / 1e9
}

interface Figures {
  insert: number
  hits: number
  misses: number
  scan: number
  heapGrowth: number
  approximateBytes: number
}

function measure(subject: Subject): Figures {
  const heapBefore = heapBytes()
  const insert = ENTRIES / seconds(() => subject.fill())
  const heapGrowth = heapBytes() - heapBefore
  const approximateBytes = subject.approximateBytes()
  let found = 0
  const hits =
    ENTRIES /
    seconds(() => {
      for (let index = 0; index < ENTRIES; index++)
        if (subject.get(keys[lookupOrder[index]!]!) !== undefined) found++
    })
  let wronglyFound = 0
  const missed =
    ENTRIES /
    seconds(() => {
      for (let index = 0; index < ENTRIES; index++)
        if (subject.get(misses[lookupOrder[index]!]!) !== undefined) wronglyFound++
    })
  let scanned = 0
  const scan =
    ENTRIES /
    seconds(() => {
      scanned = subject.scan()
    })
  subject.release()
  // Random 16-byte keys: a duplicate or a miss that hits is (astronomically) unlikely; check anyway.
  if (found !== ENTRIES || wronglyFound !== 0 || scanned !== ENTRIES) {
    throw new Error(
      `wrong answers: ${found} hits, ${wronglyFound} misses found, ${scanned} scanned of ${ENTRIES}`,
    )
  }
  return { insert, hits, misses: missed, scan, heapGrowth, approximateBytes }
}

function best(a: Figures | undefined, b: Figures): Figures {
  if (a === undefined) return b
  return {
    insert: Math.max(a.insert, b.insert),
    hits: Math.max(a.hits, b.hits),
    misses: Math.max(a.misses, b.misses),
    scan: Math.max(a.scan, b.scan),
    heapGrowth: Math.min(a.heapGrowth, b.heapGrowth),
    approximateBytes: b.approximateBytes,
  }
}

console.log(
  `memtable bench: ${ENTRIES.toLocaleString('en-US')} random ${KEY_BYTES}-byte keys, ${VALUE_BYTES}-byte values; ` +
    `best of ${ROUNDS} rounds; seed ${SEED} (replay: BENCH_SEED=${SEED}); node ${process.version} ${process.arch}`,
)
let ours: Figures | undefined
let theirs: Figures | undefined
for (let round = 1; round <= ROUNDS; round++) {
  ours = best(ours, measure(memtableSubject()))
  theirs = best(theirs, measure(referenceSubject()))
}

// --- report ----------------------------------------------------------------------------------

const figure = (perSecond: number): string => Math.round(perSecond).toLocaleString('en-US')
const rows: [string, keyof Figures][] = [
  ['insert', 'insert'],
  ['get (hits)', 'hits'],
  ['get (misses)', 'misses'],
  ['full forward scan', 'scan'],
]
console.log('')
console.log(
  `${'operation'.padEnd(20)}${'memtable ops/s'.padStart(16)}${'reference ops/s'.padStart(18)}${'ratio'.padStart(9)}`,
)
for (const [name, field] of rows) {
  const ratio = ours![field] / theirs![field]
  console.log(
    `${name.padEnd(20)}${figure(ours![field]).padStart(16)}${figure(theirs![field]).padStart(18)}${`${ratio.toFixed(2)}x`.padStart(9)}`,
  )
}
const rawBytes = KEY_BYTES + VALUE_BYTES
const heapPerEntry = ours!.heapGrowth / ENTRIES
const accuracy = ours!.approximateBytes / ours!.heapGrowth
console.log('')
console.log(
  `heap per entry: ${heapPerEntry.toFixed(1)} bytes = ${(heapPerEntry / rawBytes).toFixed(2)}x the ${rawBytes} raw key+value bytes ` +
    `(reference, which keeps the caller's buffers instead of copies: ${(theirs!.heapGrowth / ENTRIES).toFixed(1)} bytes)`,
)
console.log(
  `approximateBytes: ${figure(ours!.approximateBytes)} = ${(ours!.approximateBytes / ENTRIES).toFixed(1)} per entry; ` +
    `real heap growth ${figure(ours!.heapGrowth)}; approximateBytes / real = ${accuracy.toFixed(3)}`,
)
console.log('')
const ratio = (field: keyof Figures): number => ours![field] / theirs![field]
const checks: [string, boolean][] = [
  [`insert >= 600,000/s: ${figure(ours!.insert)}`, ours!.insert >= 600_000],
  [`get (hits) >= 750,000/s: ${figure(ours!.hits)}`, ours!.hits >= 750_000],
  [`insert >= 3x reference: ${ratio('insert').toFixed(2)}x`, ratio('insert') >= 3],
  [`get (hits) >= 3x reference: ${ratio('hits').toFixed(2)}x`, ratio('hits') >= 3],
  [`get (misses) >= 3x reference: ${ratio('misses').toFixed(2)}x`, ratio('misses') >= 3],
  [`full scan >= 5,000,000 entries/s: ${figure(ours!.scan)}`, ours!.scan >= 5_000_000],
  [
    `heap per entry <= 3x raw key+value bytes: ${(heapPerEntry / rawBytes).toFixed(2)}x`,
    heapPerEntry <= 3 * rawBytes,
  ],
  [`approximateBytes within 25% of real heap growth: ${accuracy.toFixed(3)}`, Math.abs(accuracy - 1) <= 0.25],
]
for (const [label, pass] of checks) console.log(`${pass ? 'PASS' : 'MISS'}  ${label}`)
