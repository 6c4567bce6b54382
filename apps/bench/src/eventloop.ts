/**
 * Does the event loop stay free under a write load? Per engine (each in a child process of its
 * own): load n keys in random order in atomic batches of 1,000 (one batch in flight), overwrite
 * every key the same way, delete half of them, then compact everything (strata's
 * `compactRange()`; rocksdb's and classic-level's `compactRange`; lmdb and better-sqlite3 have
 * none). Per phase and in total: the event-loop delay (`monitorEventLoopDelay`, 1 ms resolution)
 * p50 / p99 / max, the longest GC pause, and the phase's rate. On Linux also, from the main
 * thread's scheduler statistics (`/proc/thread-self/schedstat`, read at every tick of a 1 ms
 * timer): the longest time the main thread ran between two ticks (the engine's longest task, GC
 * included) and the time it waited for a core (runnable, not running: the machine's share of
 * the delay). With `--idle-probe`, an idle process (a 1 ms timer and nothing else) runs beside
 * each engine and reports its own event-loop delay: what the machine alone adds.
 *
 *   node dist/eventloop.js [--n 1000000] [--engines strata,lmdb,rocksdb,better-sqlite3] [--idle-probe]
 *
 * Target (issue #21): strata at p99 <= 10 ms and max <= 50 ms in every phase.
 */
import { fork } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks'
import { parseArgs } from 'node:util'
import { open } from '@strata/engine'
import { ClassicLevel } from 'classic-level'
import rocksdb from 'rocksdb'
import { type BatchOperation, type EngineName, PEER_CACHE_BYTES } from './adapters/adapter.js'
import { loadAdapter } from './adapters/index.js'
import { freshDirectory, removeDirectory } from './disk.js'
import { KeyList, ValuePool } from './keys.js'
import { Random } from './random.js'

const BATCH_ENTRIES = 1000
const PHASES = ['load', 'overwrite', 'delete half', 'compact'] as const
type Phase = (typeof PHASES)[number]

export interface PhaseFigures {
  phase: Phase | 'total'
  /** Operations per second (undefined for the compaction). */
  rate: number | undefined
  seconds: number
  p50Ms: number
  p99Ms: number
  maxMs: number
  longestGcMs: number
  /** CPU seconds of the main thread (Linux: /proc; undefined elsewhere) and of the whole
   *  process (every thread), so figures taken on a loaded machine can be compared per CPU. */
  mainCpuSeconds: number | undefined
  processCpuSeconds: number
  /** Linux: the longest the main thread ran between two ticks of a 1 ms timer (its longest
   *  task, GC included), and the seconds it waited for a core while runnable. */
  longestTaskMs: number | undefined
  runQueueSeconds: number | undefined
  /** strata only: flushes that ended in the phase and the longest (begin to manifest commit). */
  flushes?: { count: number; longestMs: number }
}

/** CPU seconds the main thread has used (Linux only: utime + stime of its task). */
function mainThreadCpuSeconds(): number | undefined {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    // Fields 14 and 15 of stat (utime, stime), counted from after the command name.
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND
  } catch {
    return undefined
  }
}
/** USER_HZ: 100 on every Linux architecture Node runs on. */
const CLOCK_TICKS_PER_SECOND = 100

/** The calling thread's time on a core and time waiting for one, in ms (Linux schedstat). */
function schedulerTimes(): { runMs: number; waitMs: number } | undefined {
  try {
    const [run, wait] = readFileSync('/proc/thread-self/schedstat', 'latin1').split(' ')
    return { runMs: Number(run) / 1e6, waitMs: Number(wait) / 1e6 }
  } catch {
    return undefined
  }
}

/** Watches the main thread's scheduling at every tick of a 1 ms timer (Linux; elsewhere every
 *  figure is undefined): the longest run between two ticks, and the wait for a core. */
class TaskWatch {
  private last = schedulerTimes()
  private readonly timer: ReturnType<typeof setInterval> | undefined
  longestTaskMs = 0
  private waitMs = 0

  constructor() {
    if (this.last === undefined) return
    this.timer = setInterval(() => {
      const now = schedulerTimes()!
      this.longestTaskMs = Math.max(this.longestTaskMs, now.runMs - this.last!.runMs)
      this.waitMs += now.waitMs - this.last!.waitMs
      this.last = now
    }, 1)
  }

  /** The figures since the last call, then starts over. */
  take(): { longestTaskMs: number | undefined; runQueueSeconds: number | undefined } {
    if (this.timer === undefined) return { longestTaskMs: undefined, runQueueSeconds: undefined }
    const now = schedulerTimes()!
    const taken = {
      longestTaskMs: this.longestTaskMs,
      runQueueSeconds: (this.waitMs + now.waitMs - this.last!.waitMs) / 1000,
    }
    this.last = now
    this.longestTaskMs = 0
    this.waitMs = 0
    return taken
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer)
  }
}

function processCpuSeconds(): number {
  const usage = process.cpuUsage()
  return (usage.user + usage.system) / 1e6
}

function since(start: number | undefined, end: number | undefined): number | undefined {
  return start === undefined || end === undefined ? undefined : end - start
}

/** The store as this workload drives it. */
interface Store {
  batch(operations: BatchOperation[]): unknown
  /** Compacts every key; undefined when the engine has no such call. */
  compact: (() => Promise<void>) | undefined
  close(): Promise<void>
  /** strata only: the flushes since the last call. */
  takeFlushes?(): { count: number; longestMs: number }
}

async function openStore(engine: EngineName, directory: string): Promise<Store> {
  if (engine === 'strata') {
    const database = await open(directory, { sync: false })
    let flushes = { count: 0, longestMs: 0 }
    database.on('flush', (event) => {
      if (event.phase !== 'end') return
      flushes.count++
      flushes.longestMs = Math.max(flushes.longestMs, event.durationMs)
    })
    return {
      takeFlushes: () => {
        const taken = flushes
        flushes = { count: 0, longestMs: 0 }
        return taken
      },
      batch: (operations) => database.batch(operations),
      compact: () => database.compactRange(),
      close: () => database.close(),
    }
  }
  if (engine === 'classic-level') {
    const database = new ClassicLevel<Buffer, Buffer>(directory, {
      keyEncoding: 'buffer',
      valueEncoding: 'buffer',
    })
    await database.open()
    return {
      batch: (operations) => database.batch(operations),
      compact: () => database.compactRange(Buffer.alloc(0), Buffer.alloc(17, 0xff)),
      close: () => database.close(),
    }
  }
  if (engine === 'rocksdb') {
    const database = (rocksdb as unknown as (location: string) => RocksDatabase)(directory)
    await promised((done) => database.open({ createIfMissing: true, cacheSize: PEER_CACHE_BYTES }, done))
    return {
      batch: (operations) => promised((done) => database.batch(operations, { sync: false }, done)),
      compact: () => promised((done) => database.compactRange(Buffer.alloc(0), Buffer.alloc(17, 0xff), done)),
      close: () => promised((done) => database.close(done)),
    }
  }
  const adapter = await (await loadAdapter(engine))(directory, { sync: false })
  return {
    batch: (operations) => adapter.batch(operations),
    compact: undefined,
    close: () => adapter.close(),
  }
}

type Callback = (error: Error | undefined | null) => void
interface RocksDatabase {
  open(options: object, callback: Callback): void
  close(callback: Callback): void
  batch(operations: BatchOperation[], options: object, callback: Callback): void
  compactRange(start: Buffer, end: Buffer, callback: Callback): void
}

function promised(start: (callback: Callback) => void): Promise<void> {
  return new Promise((resolve, reject) => start((error) => (error ? reject(error) : resolve())))
}

/** Runs one engine's phases in this process; returns the figures. */
async function runEngine(engine: EngineName, n: number): Promise<PhaseFigures[]> {
  const random = new Random(21)
  const order = Array.from({ length: n }, (_, index) => index * 2)
  for (let index = n - 1; index > 0; index--) {
    const other = random.below(index + 1)
    ;[order[index], order[other]] = [order[other]!, order[index]!]
  }
  const keys = new KeyList(order)
  const values = new ValuePool(random)
  const directory = freshDirectory(`eventloop-${engine}`)
  const store = await openStore(engine, directory)
  let longestGcMs = 0
  const gc = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) longestGcMs = Math.max(longestGcMs, entry.duration)
  })
  gc.observe({ entryTypes: ['gc'] })
  const total = monitorEventLoopDelay({ resolution: 1 })
  total.enable()
  const tasks = new TaskWatch()
  let totalLongestTaskMs: number | undefined
  let totalRunQueueSeconds: number | undefined
  const totalStarted = performance.now()
  const totalMainCpu = mainThreadCpuSeconds()
  const totalProcessCpu = processCpuSeconds()
  let totalGcMs = 0
  const figures: PhaseFigures[] = []
  const writeAll = async (count: number, operation: (index: number) => BatchOperation) => {
    for (let start = 0; start < count; start += BATCH_ENTRIES) {
      const operations: BatchOperation[] = []
      for (let index = start; index < Math.min(count, start + BATCH_ENTRIES); index++)
        operations.push(operation(index))
      const done = store.batch(operations)
      // A synchronous engine never lets the event loop turn: give it one after each batch, so the
      // delay it caused is measured (as the next timer's lateness) instead of never sampled.
      if (done instanceof Promise) await done
      else await new Promise((resolve) => setImmediate(resolve))
    }
  }
  const work: Record<Phase, (() => Promise<void>) | undefined> = {
    load: () => writeAll(n, (index) => ({ type: 'put', key: keys.key(index), value: values.value(index) })),
    overwrite: () =>
      writeAll(n, (index) => ({
        type: 'put',
        key: keys.key(n - 1 - index),
        value: values.value(index + 7),
      })),
    'delete half': () => writeAll(Math.floor(n / 2), (index) => ({ type: 'del', key: keys.key(index * 2) })),
    compact: store.compact,
  }
  for (const phase of PHASES) {
    const run = work[phase]
    if (run === undefined) continue
    const delay = monitorEventLoopDelay({ resolution: 1 })
    longestGcMs = 0
    store.takeFlushes?.()
    tasks.take()
    delay.enable()
    const started = performance.now()
    const mainCpu = mainThreadCpuSeconds()
    const processCpu = processCpuSeconds()
    await run()
    const seconds = (performance.now() - started) / 1000
    delay.disable()
    totalGcMs = Math.max(totalGcMs, longestGcMs)
    const scheduling = tasks.take()
    if (scheduling.longestTaskMs !== undefined) {
      totalLongestTaskMs = Math.max(totalLongestTaskMs ?? 0, scheduling.longestTaskMs)
      totalRunQueueSeconds = (totalRunQueueSeconds ?? 0) + scheduling.runQueueSeconds!
    }
    const operations = phase === 'load' || phase === 'overwrite' ? n : phase === 'delete half' ? n / 2 : 0
    figures.push({
      phase,
      rate: operations === 0 ? undefined : operations / seconds,
      seconds,
      p50Ms: delay.percentile(50) / 1e6,
      p99Ms: delay.percentile(99) / 1e6,
      maxMs: delay.max / 1e6,
      longestGcMs,
      mainCpuSeconds: since(mainCpu, mainThreadCpuSeconds()),
      processCpuSeconds: processCpuSeconds() - processCpu,
      ...scheduling,
      flushes: store.takeFlushes?.(),
    })
  }
  total.disable()
  tasks.stop()
  gc.disconnect()
  figures.push({
    phase: 'total',
    rate: undefined,
    seconds: (performance.now() - totalStarted) / 1000,
    p50Ms: total.percentile(50) / 1e6,
    p99Ms: total.percentile(99) / 1e6,
    maxMs: total.max / 1e6,
    longestGcMs: totalGcMs,
    mainCpuSeconds: since(totalMainCpu, mainThreadCpuSeconds()),
    processCpuSeconds: processCpuSeconds() - totalProcessCpu,
    longestTaskMs: totalLongestTaskMs,
    runQueueSeconds: totalRunQueueSeconds,
  })
  await store.close()
  removeDirectory(directory)
  return figures
}

/** An idle process's own event-loop delay (ms), measured beside an engine's run. */
export interface IdleFigures {
  p50Ms: number
  p99Ms: number
  maxMs: number
}

/** In the idle probe's process: a 1 ms timer and nothing else, until the parent says stop. */
function runIdleProbe(): void {
  const delay = monitorEventLoopDelay({ resolution: 1 })
  delay.enable()
  const keepAlive = setInterval(() => {}, 1000)
  process.once('message', () => {
    delay.disable()
    clearInterval(keepAlive)
    const figures: IdleFigures = {
      p50Ms: delay.percentile(50) / 1e6,
      p99Ms: delay.percentile(99) / 1e6,
      maxMs: delay.max / 1e6,
    }
    process.send?.(figures, () => process.disconnect())
  })
}

/** Starts the idle probe; `stop()` ends it and resolves to its figures. */
function startIdleProbe(): { stop(): Promise<IdleFigures> } {
  const child = fork(process.argv[1]!, ['--child', 'idle'], { stdio: 'inherit' })
  const figures = new Promise<IdleFigures>((resolve, reject) => {
    child.once('message', (message) => resolve(message as IdleFigures))
    child.once('error', reject)
  })
  return {
    stop: () => {
      child.send('stop')
      return figures
    },
  }
}

/** Runs `engine` in a child process (a fresh heap and event loop) and collects its figures. */
function runChild(engine: string, n: number): Promise<PhaseFigures[]> {
  return new Promise((resolve, reject) => {
    const child = fork(process.argv[1]!, ['--child', engine, '--n', String(n)], { stdio: 'inherit' })
    let figures: PhaseFigures[] | undefined
    child.on('message', (message) => {
      figures = message as PhaseFigures[]
    })
    child.on('error', reject)
    child.on('exit', (code) =>
      figures === undefined ? reject(new Error(`${engine} exited with code ${code}`)) : resolve(figures),
    )
  })
}

const milliseconds = (value: number) => value.toFixed(1)

export function renderFigures(rows: { engine: string; figures: PhaseFigures[] }[]): string {
  const lines = [
    '| engine | phase | ops/s | seconds | main-thread CPU s | process CPU s | delay p50 ms | p99 ms | max ms | longest GC ms | longest task ms | main thread waiting for a core s | flushes, longest ms |',
    '|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|',
  ]
  for (const { engine, figures } of rows) {
    for (const row of figures) {
      lines.push(
        `| ${engine} | ${row.phase} | ${row.rate === undefined ? '—' : Math.round(row.rate).toLocaleString('en-US')} | ` +
          `${row.seconds.toFixed(1)} | ${row.mainCpuSeconds?.toFixed(2) ?? '—'} | ${row.processCpuSeconds.toFixed(2)} | ${milliseconds(row.p50Ms)} | ${milliseconds(row.p99Ms)} | ` +
          `${milliseconds(row.maxMs)} | ${milliseconds(row.longestGcMs)} | ` +
          `${row.longestTaskMs === undefined ? '—' : milliseconds(row.longestTaskMs)} | ${row.runQueueSeconds?.toFixed(2) ?? '—'} | ` +
          `${row.flushes === undefined ? '—' : `${row.flushes.count}, ${row.flushes.longestMs.toFixed(0)}`} |`,
      )
    }
  }
  return lines.join('\n')
}

const { values: flags } = parseArgs({
  options: {
    n: { type: 'string', default: '1000000' },
    engines: { type: 'string', default: 'strata' },
    child: { type: 'string' },
    'idle-probe': { type: 'boolean', default: false },
  },
})
const n = Number(flags.n)
if (flags.child === 'idle') {
  runIdleProbe()
} else if (flags.child !== undefined) {
  const figures = await runEngine(flags.child as EngineName, n)
  process.send?.(figures)
} else if (process.argv[1] !== undefined && import.meta.url.endsWith('eventloop.js')) {
  const engines = flags.engines!.split(',')
  console.log(
    `event-loop delay under 1,000-entry batches: n = ${n.toLocaleString('en-US')}, engines ${engines.join(', ')}, Node ${process.version}`,
  )
  const rows: { engine: string; figures: PhaseFigures[] }[] = []
  const idle: string[] = []
  for (const engine of engines) {
    const probe = flags['idle-probe'] ? startIdleProbe() : undefined
    rows.push({ engine, figures: await runChild(engine, n) })
    console.log(renderFigures(rows.slice(-1)))
    const beside = await probe?.stop()
    if (beside !== undefined) {
      idle.push(
        `| ${engine} | ${milliseconds(beside.p50Ms)} | ${milliseconds(beside.p99Ms)} | ${milliseconds(beside.maxMs)} |`,
      )
      console.log(`idle probe beside ${engine}: ${idle.at(-1)}`)
    }
  }
  console.log('')
  console.log(renderFigures(rows))
  if (idle.length > 0) {
    console.log('')
    console.log('An idle process beside each run (its own event-loop delay: what the machine adds):')
    console.log('')
    console.log('| beside | delay p50 ms | p99 ms | max ms |')
    console.log('|---|--:|--:|--:|')
    for (const line of idle) console.log(line)
  }
}
