/**
 * Where the wall time of a fillbatch run goes (issue #21): the bench's fillbatch (n puts in
 * ascending key order, atomic batches of 1,000, one in flight, `sync: false`) against a checkout's
 * strata in this process, timed around the batches alone. Prints one JSON line:
 *
 * - `opsPerSecond`, `wallMs`; `mainCpuMs` (the main thread's CPU, `/proc/<pid>/task/<pid>/schedstat`)
 *   and `opsPerMainCpuSecond`; `runQueueMs` (the main thread runnable but waiting for a core: the
 *   machine's load and this process's other threads); `offCpuMs` (wall − main CPU − run queue:
 *   the main thread had nothing to run, waiting for the disk); `eventLoopIdleMs`;
 * - `otherThreadsCpuMs` (V8's GC and compiler helpers, libuv's pool, the compaction worker);
 *   `gc` (main-thread pauses, count and ms); `batchP50Us`, `batchP99Us`;
 * - `stalls` (strata's `stall` events: per cause, count and ms), `flushes`, `compactions`;
 * - `walPausedMs`: how long the WAL's appends were paused by its truncations.
 *
 *   node scripts/fillbatch-wall.mjs <checkout, e.g. /work/main> [n=1000000] [--options <json>]
 *
 * Run it after `build` in that checkout. Linux only (schedstat).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PerformanceObserver, performance } from 'node:perf_hooks'

const checkout = process.argv[2]
if (checkout === undefined)
  throw new Error('usage: node scripts/fillbatch-wall.mjs <checkout> [n] [--options <json>]')
const n = Number(process.argv[3]?.startsWith('--') ? 1_000_000 : (process.argv[3] ?? 1_000_000))
const optionsAt = process.argv.indexOf('--options')
const extraOptions = optionsAt > 0 ? JSON.parse(process.argv[optionsAt + 1]) : {}
const { open } = await import(join(checkout, 'packages/engine/dist/index.js'))
const { WALManager } = await import(join(checkout, 'packages/wal/dist/index.js'))
const { KeyList, ValuePool, sequentialKeys } = await import(join(checkout, 'apps/bench/dist/keys.js'))
const { Random } = await import(join(checkout, 'apps/bench/dist/random.js'))

// How long truncations keep the WAL's appends paused.
const walPause = { count: 0, ms: 0, maxMs: 0 }
let pausedAt
const pauseWrites = WALManager.prototype.pauseWrites
const resumeWrites = WALManager.prototype.resumeWrites
WALManager.prototype.pauseWrites = function () {
  pausedAt = performance.now()
  return pauseWrites.call(this)
}
WALManager.prototype.resumeWrites = function () {
  if (pausedAt !== undefined) {
    const ms = performance.now() - pausedAt
    walPause.count++
    walPause.ms += ms
    walPause.maxMs = Math.max(walPause.maxMs, ms)
    pausedAt = undefined
  }
  return resumeWrites.call(this)
}

/** [cpu ms, run-queue ms] of thread `tid` of this process. */
function schedstat(tid) {
  const [cpu, wait] = readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').split(' ')
  return [Number(cpu) / 1e6, Number(wait) / 1e6]
}
function otherThreadsCpu() {
  let total = 0
  for (const tid of readdirSync('/proc/self/task')) {
    if (Number(tid) === process.pid) continue
    try {
      total += schedstat(tid)[0]
    } catch {}
  }
  return total
}

const directory = mkdtempSync(join(tmpdir(), 'fillbatch-wall-'))
const db = await open(directory, { sync: false, ...extraOptions })
const keys = new KeyList(sequentialKeys(n))
const values = new ValuePool(new Random(1))
const batches = []
for (let start = 0; start < n; start += 1000) {
  const batch = []
  for (let index = start; index < Math.min(n, start + 1000); index++) {
    batch.push({ type: 'put', key: keys.key(index), value: values.value(index) })
  }
  batches.push(batch)
}
const stalls = {}
const flushes = { count: 0, ms: 0 }
const compactions = { count: 0, trivialMoves: 0, ms: 0 }
db.on('stall', (event) => {
  if (event.phase !== 'end') return
  stalls[event.cause] ??= { count: 0, ms: 0 }
  const cause = stalls[event.cause]
  cause.count++
  cause.ms += event.durationMs
})
db.on('flush', (event) => {
  if (event.phase !== 'end') return
  flushes.count++
  flushes.ms += event.durationMs
})
db.on('compaction', (event) => {
  if (event.phase !== 'end') return
  compactions.count++
  if (event.trivialMove) compactions.trivialMoves++
  compactions.ms += event.durationMs
})
const gc = { count: 0, ms: 0 }
const observer = new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    gc.count++
    gc.ms += entry.duration
  }
})
observer.observe({ entryTypes: ['gc'] })

const latencies = new Float64Array(batches.length)
const [cpuBefore, waitBefore] = schedstat(process.pid)
const othersBefore = otherThreadsCpu()
const loopBefore = performance.eventLoopUtilization()
const started = performance.now()
for (let index = 0; index < batches.length; index++) {
  const begin = performance.now()
  await db.batch(batches[index])
  latencies[index] = performance.now() - begin
}
const wallMs = performance.now() - started
const [cpuAfter, waitAfter] = schedstat(process.pid)
const otherThreadsCpuMs = otherThreadsCpu() - othersBefore
const loop = performance.eventLoopUtilization(loopBefore)
await new Promise((resolve) => setTimeout(resolve, 20))
observer.disconnect()
await db.close()
rmSync(directory, { recursive: true, force: true })

latencies.sort()
const quantile = (q) => Math.round(latencies[Math.floor(q * (latencies.length - 1))] * 1000)
const mainCpuMs = cpuAfter - cpuBefore
const runQueueMs = waitAfter - waitBefore
const round = (value) => Math.round(value)
const rounded = (object) => Object.fromEntries(Object.entries(object).map(([k, v]) => [k, round(v)]))
console.log(
  JSON.stringify({
    n,
    opsPerSecond: round((n / wallMs) * 1000),
    wallMs: round(wallMs),
    mainCpuMs: round(mainCpuMs),
    opsPerMainCpuSecond: round((n / mainCpuMs) * 1000),
    runQueueMs: round(runQueueMs),
    offCpuMs: round(wallMs - mainCpuMs - runQueueMs),
    eventLoopIdleMs: round(loop.idle),
    otherThreadsCpuMs: round(otherThreadsCpuMs),
    gc: rounded(gc),
    batchP50Us: quantile(0.5),
    batchP99Us: quantile(0.99),
    stalls: Object.fromEntries(Object.entries(stalls).map(([cause, figures]) => [cause, rounded(figures)])),
    flushes: rounded(flushes),
    compactions: rounded(compactions),
    walPaused: rounded(walPause),
  }),
)
