/**
 * One measured job, run inside its own child process (so its peak RSS is its own, and one
 * engine's memory, threads or crash cannot touch another's figures): open the engine on a
 * prepared directory, time the workload, close, and measure the directory.
 */
import type { EngineName } from './adapters/adapter.js'
import { loadAdapter } from './adapters/index.js'
import { diskBytes, InterleavedProbe, type InterleavedProbeRates, PROBE_BLOCK, probeFsync } from './disk.js'
import { KEY_BYTES, VALUE_BYTES } from './keys.js'
import { percentileOfSorted } from './stats.js'
import {
  type Measurement,
  prefill,
  runWorkload,
  verifyAfter,
  WORKLOADS,
  type WorkloadName,
} from './workloads.js'

export type Job =
  | {
      kind: 'run'
      engine: EngineName
      workload: WorkloadName
      n: number
      seed: number
      directory: string
      /** `strata-mem`'s block cache (`--strata-mem-cache`). */
      strataMemCacheBytes?: number
      /** strata's `compactionThread` (scripts/threads-rss.mjs); absent: its default. */
      strataCompactionThread?: 'auto' | 'worker' | 'main'
    }
  | {
      kind: 'prefill'
      engine: EngineName
      n: number
      seed: number
      directory: string
      /** Compact the filled store fully before closing it (`--compact-prefill`). */
      compact?: boolean
    }
  | { kind: 'fsync-probe'; operations: number; directory: string }

export interface RunResult {
  engine: EngineName
  workload: WorkloadName
  operations: number
  seconds: number
  opsPerSecond: number
  megabytesPerSecond: number
  /** Latency percentiles in microseconds (per batch for fillbatch); undefined for full scans. */
  p50Micros: number | undefined
  p99Micros: number | undefined
  /** Peak resident set size of the job's process (open, run, close). */
  peakRssBytes: number
  /** Bytes the store occupies on disk after close. */
  diskBytes: number
  /** Key + value bytes of the live entries after the workload (for space amplification). */
  liveBytes: number
  openMillis: number
  closeMillis: number
  /** fillsync only: the disk's raw synced-write rates measured between blocks of the run's puts
   *  (see `InterleavedProbe`). */
  interleavedProbe?: InterleavedProbeRates | undefined
}

export interface PrefillResult {
  /** The fill's time (not the compaction's). */
  seconds: number
  /** The full compaction's time (and close) with `--compact-prefill`, for engines that have one. */
  compactSeconds: number | undefined
}

export type JobOutcome =
  | { ok: true; kind: 'run'; result: RunResult }
  | { ok: true; kind: 'prefill'; result: PrefillResult }
  | { ok: true; kind: 'fsync-probe'; result: { operations: number; seconds: number; opsPerSecond: number } }
  | { ok: false; error: string }

/** Live entries after `workload` on a store of `n` keys. */
function liveEntries(workload: WorkloadName, n: number): number {
  const spec = WORKLOADS[workload]
  if (workload === 'deleterandom') return 0
  if (spec.prefilled) return n
  return spec.operations(n)
}

export async function runJob(job: Job): Promise<JobOutcome> {
  if (job.kind === 'fsync-probe') {
    return { ok: true, kind: 'fsync-probe', result: probeFsync(job.directory, job.operations) }
  }
  const open = await loadAdapter(job.engine)
  if (job.kind === 'prefill') {
    const started = performance.now()
    const adapter = await open(job.directory, { sync: false })
    await prefill(adapter, job.n, job.seed)
    const filled = performance.now()
    if (job.compact === true) await adapter.compact?.()
    await adapter.close()
    const compactSeconds =
      job.compact === true && adapter.compact !== undefined ? (performance.now() - filled) / 1000 : undefined
    return {
      ok: true,
      kind: 'prefill',
      result: { seconds: (filled - started) / 1000, compactSeconds },
    }
  }
  const spec = WORKLOADS[job.workload]
  const openStarted = performance.now()
  const adapter = await open(job.directory, {
    sync: spec.sync,
    strataMemCacheBytes: job.strataMemCacheBytes,
    strataCompactionThread: job.strataCompactionThread,
  })
  const openMillis = performance.now() - openStarted
  const probe = job.workload === 'fillsync' ? new InterleavedProbe(`${job.directory}-probe`) : undefined
  let measurement: Measurement
  try {
    measurement = await runWorkload(
      adapter,
      spec,
      job.n,
      job.seed,
      probe === undefined ? undefined : { every: PROBE_BLOCK, run: () => probe.run(PROBE_BLOCK) },
    )
  } finally {
    probe?.close()
  }
  await verifyAfter(adapter, spec, job.n, job.seed)
  const closeStarted = performance.now()
  await adapter.close()
  const closeMillis = performance.now() - closeStarted
  let p50Micros: number | undefined
  let p99Micros: number | undefined
  if (measurement.latencies !== undefined && measurement.latencies.length > 0) {
    const sorted = measurement.latencies.sort()
    p50Micros = percentileOfSorted(sorted, 50) * 1000
    p99Micros = percentileOfSorted(sorted, 99) * 1000
  }
  return {
    ok: true,
    kind: 'run',
    result: {
      engine: job.engine,
      workload: job.workload,
      operations: measurement.operations,
      seconds: measurement.seconds,
      opsPerSecond: measurement.operations / measurement.seconds,
      megabytesPerSecond: measurement.bytes / measurement.seconds / 1e6,
      p50Micros,
      p99Micros,
      peakRssBytes: process.resourceUsage().maxRSS * 1024,
      diskBytes: diskBytes(job.directory),
      liveBytes: liveEntries(job.workload, job.n) * (KEY_BYTES + VALUE_BYTES),
      openMillis,
      closeMillis,
      interleavedProbe: probe?.rates(),
    },
  }
}
