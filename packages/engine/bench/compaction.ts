/**
 * The compaction benchmark (`npx pnpm@12.4.2 --filter @strata/engine bench`, which runs it as plain
 * JavaScript through bench/index.ts, so that tsx is not in the RSS figure): fill N random
 * keys (16 B / 100 B, sync: false, 64 writes in flight), overwrite them all once, delete half,
 * then compactRange(). Per phase: ops/s, write amplification, space amplification once
 * compaction has settled, event-loop lag (p99, max) while the phase and its compactions run,
 * and the process's peak RSS against the budget (memtables + block cache + 150 MB).
 *
 * Flags: --n <entries> (default 2,000,000), --dir <path> (default a temp dir, removed after).
 * The side-by-side comparison with other engines lives in apps/bench.
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks'
import { parseArgs } from 'node:util'
import { open } from '@strata/engine'

const { values: flags } = parseArgs({
  options: { n: { type: 'string', default: '2000000' }, dir: { type: 'string' } },
})
const n = Number(flags.n)
const directory = flags.dir ?? mkdtempSync(join(tmpdir(), 'strata-compaction-bench-'))
const KEY_BYTES = 16
const VALUE_BYTES = 100
const IN_FLIGHT = 64
const MiB = 1024 * 1024

// Keys and orders are computed from the index (no arrays), so the benchmark's own memory stays
// out of the RSS figure: key i is 16 pseudo-random bytes mixed from i; a random order is an
// affine permutation i -> (a*i + b) mod n with a coprime to n.
function mix(value: number): number {
  let x = Math.imul(value ^ (value >>> 16), 0x7feb352d)
  x = Math.imul(x ^ (x >>> 15), 0x846ca68b)
  return (x ^ (x >>> 16)) >>> 0
}
function key(index: number): Buffer {
  const bytes = Buffer.allocUnsafe(KEY_BYTES)
  bytes.writeUInt32BE(mix(index), 0)
  bytes.writeUInt32BE(mix(index ^ 0x5bd1e995), 4)
  bytes.writeUInt32BE(mix(index + 0x27d4eb2f), 8)
  bytes.writeUInt32BE(index, 12)
  return bytes
}
const valuePool = Buffer.allocUnsafe(VALUE_BYTES * 1024)
for (let offset = 0; offset < valuePool.length; offset += 4) valuePool.writeUInt32LE(mix(offset), offset)
const value = (index: number) =>
  valuePool.subarray((index % 1000) * VALUE_BYTES, (index % 1000) * VALUE_BYTES + VALUE_BYTES)
function greatestCommonDivisor(a: number, b: number): number {
  return b === 0 ? a : greatestCommonDivisor(b, a % b)
}
/** A permutation of 0..n-1 without an array: index -> (a * index + b) mod n. */
function shuffled(seed: number): (index: number) => number {
  let a = (mix(seed) % n) | 1
  while (greatestCommonDivisor(a, n) !== 1) a = (a + 2) % n
  const b = mix(seed + 1) % n
  return (index) => Number((BigInt(a) * BigInt(index) + BigInt(b)) % BigInt(n))
}

const options = { sync: false, memtableBytes: 4 * MiB, maxFrozenMemtables: 2, blockCacheBytes: 32 * MiB }
const budgetBytes =
  options.memtableBytes * (1 + options.maxFrozenMemtables) + options.blockCacheBytes + 150 * MiB

let peakRss = process.memoryUsage.rss()
/** The main thread's heap and array buffers when the peak was sampled (the compaction worker's
 *  are in the RSS, not here). */
let atPeak = process.memoryUsage()
const rssTimer = setInterval(() => {
  const rss = process.memoryUsage.rss()
  if (rss <= peakRss) return
  peakRss = rss
  atPeak = process.memoryUsage()
}, 25)

function directoryBytes(): { tables: number; wal: number; total: number } {
  let tables = 0
  let wal = 0
  let total = 0
  for (const name of readdirSync(directory)) {
    const size = statSync(join(directory, name)).size
    total += size
    if (name.endsWith('.sst')) tables += size
    if (name === 'wal.log') wal += size
  }
  return { tables, wal, total }
}

let longestGcMs = 0
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) longestGcMs = Math.max(longestGcMs, entry.duration)
}).observe({ entryTypes: ['gc'] })

const database = await open(directory, options)

/** Waits until no compaction has run for 300 ms. */
async function settle(): Promise<void> {
  let quietSince = performance.now()
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 50))
    if (database.stats().compaction.running) quietSince = performance.now()
    else if (performance.now() - quietSince >= 300) return
  }
}

async function inFlight(count: number, operation: (index: number) => Promise<void>): Promise<void> {
  let next = 0
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < count) await operation(next++)
    }),
  )
}

interface PhaseResult {
  phase: string
  operations: number
  seconds: number
  liveKeys: number
}
const rows: string[][] = []

async function phase(
  name: string,
  operations: number,
  liveKeys: number,
  work: () => Promise<void>,
): Promise<PhaseResult> {
  const lag = monitorEventLoopDelay({ resolution: 1 })
  longestGcMs = 0
  lag.enable()
  const started = performance.now()
  await work()
  const seconds = (performance.now() - started) / 1000
  await settle()
  lag.disable()
  const stats = database.stats()
  const disk = directoryBytes()
  const liveBytes = liveKeys * (KEY_BYTES + VALUE_BYTES)
  rows.push([
    name,
    operations === 0 ? '—' : Math.round(operations / seconds).toLocaleString('en-US'),
    seconds.toFixed(1),
    stats.writeAmplification.toFixed(2),
    liveBytes === 0 ? '—' : (disk.tables / liveBytes).toFixed(2),
    (lag.percentile(99) / 1e6).toFixed(1),
    (lag.max / 1e6).toFixed(1),
    (peakRss / MiB).toFixed(0),
    stats.levels.map((level) => level.files).join('/'),
  ])
  const memory = process.memoryUsage()
  console.log(
    `  ${name}: done in ${seconds.toFixed(1)} s; compactions ${stats.compaction.compactions}, trivial moves ` +
      `${stats.compaction.trivialMoves}; longest GC pause ${longestGcMs.toFixed(1)} ms; memory now: rss ` +
      `${(memory.rss / MiB).toFixed(0)} MiB, heap ${(memory.heapUsed / MiB).toFixed(0)}/${(memory.heapTotal / MiB).toFixed(0)} MiB, ` +
      `array buffers ${(memory.arrayBuffers / MiB).toFixed(0)} MiB`,
  )
  return { phase: name, operations, seconds, liveKeys }
}

console.log(
  `strata compaction benchmark: n = ${n.toLocaleString('en-US')}, ${KEY_BYTES} B keys, ${VALUE_BYTES} B values, sync: false, ${IN_FLIGHT} in flight`,
)
console.log(`directory ${directory}; Node ${process.version}`)

await phase('fill', n, n, () => inFlight(n, (index) => database.put(key(index), value(index))))
const fillWriteAmplification = database.stats().writeAmplification
const overwriteOrder = shuffled(1)
await phase('overwrite', n, n, () =>
  inFlight(n, (index) => database.put(key(overwriteOrder(index)), value(index + 7))),
)
const spaceAfterOverwrite = directoryBytes().tables / (n * (KEY_BYTES + VALUE_BYTES))
const deleteOrder = shuffled(2)
const deletes = Math.floor(n / 2)
await phase('delete half', deletes, n - deletes, () =>
  inFlight(deletes, (index) => database.delete(key(deleteOrder(index)))),
)
await phase('compactRange', 0, n - deletes, () => database.compactRange())
const spaceAfterCompactRange = directoryBytes().tables / ((n - deletes) * (KEY_BYTES + VALUE_BYTES))
await database.close()
clearInterval(rssTimer)

const header = [
  'phase',
  'ops/s',
  'seconds',
  'write amp (cumulative)',
  'space amp',
  'lag p99 ms',
  'lag max ms',
  'peak RSS MiB',
  'files per level',
]
const widths = header.map((title, column) =>
  Math.max(title.length, ...rows.map((row) => row[column]!.length)),
)
const line = (cells: string[]) =>
  `| ${cells.map((cell, column) => cell.padEnd(widths[column]!)).join(' | ')} |`
console.log('')
console.log(line(header))
console.log(line(widths.map((width) => '-'.repeat(width))))
for (const row of rows) console.log(line(row))

const lagRows = rows.map((row) => ({ p99: Number(row[5]), max: Number(row[6]) }))
const worstP99 = Math.max(...lagRows.map((row) => row.p99))
const worstMax = Math.max(...lagRows.map((row) => row.max))
const check = (ok: boolean) => (ok ? 'PASS' : 'MISS')
console.log('')
console.log('target                                          figure      target     ')
console.log(
  `write amplification, fill                       ${fillWriteAmplification.toFixed(2).padEnd(11)} <= 12       ${check(fillWriteAmplification <= 12)}`,
)
console.log(
  `space amplification after overwrite settles     ${spaceAfterOverwrite.toFixed(2).padEnd(11)} <= 1.3      ${check(spaceAfterOverwrite <= 1.3)}`,
)
console.log(
  `space amplification after compactRange()        ${spaceAfterCompactRange.toFixed(2).padEnd(11)} <= 1.1      ${check(spaceAfterCompactRange <= 1.1)}`,
)
console.log(
  `event-loop lag p99 (worst phase)                ${worstP99.toFixed(1).padEnd(11)} <= 10 ms    ${check(worstP99 <= 10)}`,
)
console.log(
  `event-loop lag max (worst phase)                ${worstMax.toFixed(1).padEnd(11)} <= 50 ms    ${check(worstMax <= 50)}`,
)
console.log(
  `peak RSS MiB (budget ${(budgetBytes / MiB).toFixed(0)} = memtables + cache + 150) ${(peakRss / MiB).toFixed(0).padEnd(11)} <= ${(budgetBytes / MiB).toFixed(0)}      ${check(peakRss <= budgetBytes)}`,
)
console.log(
  `at the peak, main thread: heap ${(atPeak.heapUsed / MiB).toFixed(0)}/${(atPeak.heapTotal / MiB).toFixed(0)} MiB, ` +
    `array buffers ${(atPeak.arrayBuffers / MiB).toFixed(0)} MiB (the rest: Node's code, the compaction worker, malloc arenas)`,
)
console.log("(keys and orders are computed from indexes, not stored: the RSS is strata's and Node's own)")
if (flags.dir === undefined) rmSync(directory, { recursive: true, force: true })
