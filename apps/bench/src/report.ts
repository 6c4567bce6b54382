/**
 * Turns the rounds into the report: per workload and engine the median (min–max) across rounds
 * of ops/s, the ratio to strata in the same round, MB/s, latency p50/p99, peak RSS and bytes on
 * disk after close; the targets of the issue checked against it; rendered as markdown or JSON.
 */
import type { EngineName } from './adapters/adapter.js'
import { PROBE_BLOCK } from './disk.js'
import type { RunResult } from './job.js'
import type { Machine } from './machine.js'
import { machineLine } from './machine.js'
import type { RoundResults } from './orchestrate.js'
import type { PrecheckReport } from './precheck.js'
import { median, type Spread, spread } from './stats.js'
import { WORKLOADS, type WorkloadName } from './workloads.js'

export interface Cell {
  workload: WorkloadName
  engine: EngineName
  /** Rounds that produced a result. */
  rounds: number
  opsPerSecond: Spread | undefined
  /** This engine's ops/s over strata's in the same round, across rounds. */
  ratioToStrata: Spread | undefined
  megabytesPerSecond: number | undefined
  p50Micros: number | undefined
  p99Micros: number | undefined
  /** Largest peak RSS over the rounds. */
  peakRssBytes: number | undefined
  diskBytes: number | undefined
  /** Bytes on disk over live key + value bytes (undefined when nothing is live). */
  spaceAmplification: number | undefined
  failures: string[]
}

export interface TargetCheck {
  target: string
  met: boolean
  detail: string
}

export interface Report {
  createdAt: string
  command: string
  machine: Machine
  n: number
  rounds: number
  seed: number
  /** Prefilled stores were fully compacted before closing (`--compact-prefill`). */
  compactPrefill?: boolean
  engines: EngineName[]
  workloads: WorkloadName[]
  durationSeconds: number
  precheck: PrecheckReport
  fsyncPerSecond: Spread | undefined
  /** strata's fillsync ops/s over the raw fdatasync rate of the same round. */
  fillsyncToFsync: Spread | undefined
  /** The raw rates measured between the fillsync runs' own puts (see `InterleavedProbe`). */
  interleaved?: InterleavedFigures | undefined
  cells: Cell[]
  targets: TargetCheck[]
}

const WRITE_TARGETS: WorkloadName[] = [
  'fillseq',
  'fillrandom',
  'overwrite',
  'fillbatch',
  'fill64',
  'deleterandom',
  'fillsync64',
]
const READ_TARGETS: WorkloadName[] = [
  'readrandom',
  'readmissing',
  'readseq',
  'readreverse',
  'seekrandom',
  'mixed',
]
const READ_PEERS: EngineName[] = ['classic-level', 'rocksdb', 'better-sqlite3']
const GROUP_COMMIT_TARGET = 100_000
const FSYNC_TARGET = 1

function medianOf(values: (number | undefined)[]): number | undefined {
  const present = values.filter((value): value is number => value !== undefined)
  return present.length === 0 ? undefined : median(present)
}

export function buildCells(rounds: RoundResults[], engines: EngineName[], workloads: WorkloadName[]): Cell[] {
  const cells: Cell[] = []
  for (const workload of workloads) {
    for (const engine of engines) {
      const runs: RunResult[] = []
      const ratios: number[] = []
      const failures: string[] = []
      for (const round of rounds) {
        const run = round.runs.find((result) => result.engine === engine && result.workload === workload)
        const strata = round.runs.find((result) => result.engine === 'strata' && result.workload === workload)
        if (run !== undefined) {
          runs.push(run)
          if (strata !== undefined) ratios.push(run.opsPerSecond / strata.opsPerSecond)
        }
        for (const failure of round.failures) {
          if (failure.engine === engine && failure.workload === workload) failures.push(failure.error)
        }
      }
      const disk = medianOf(runs.map((run) => run.diskBytes))
      const live = runs[0]?.liveBytes
      cells.push({
        workload,
        engine,
        rounds: runs.length,
        opsPerSecond: runs.length === 0 ? undefined : spread(runs.map((run) => run.opsPerSecond)),
        ratioToStrata: ratios.length === 0 ? undefined : spread(ratios),
        megabytesPerSecond: medianOf(runs.map((run) => run.megabytesPerSecond)),
        p50Micros: medianOf(runs.map((run) => run.p50Micros)),
        p99Micros: medianOf(runs.map((run) => run.p99Micros)),
        peakRssBytes: runs.length === 0 ? undefined : Math.max(...runs.map((run) => run.peakRssBytes)),
        diskBytes: disk,
        spaceAmplification: disk === undefined || live === undefined || live === 0 ? undefined : disk / live,
        failures,
      })
    }
  }
  return cells
}

function cellOf(cells: Cell[], workload: WorkloadName, engine: EngineName): Cell | undefined {
  return cells.find((cell) => cell.workload === workload && cell.engine === engine)
}

const fixed = (value: number, digits = 2) => value.toFixed(digits)
const thousands = (value: number) => Math.round(value).toLocaleString('en-US')

/** Checks the issue's targets against the cells; targets whose workloads did not run are left out. */
export function checkTargets(
  cells: Cell[],
  engines: EngineName[],
  fillsyncToFsync: Spread | undefined,
  /** `fillsyncToFsync` is to the append probe measured between strata's own puts. */
  interleaved = false,
): TargetCheck[] {
  const checks: TargetCheck[] = []
  if (!engines.includes('strata')) return checks
  const compare = (workload: WorkloadName, peers: EngineName[], label: string) => {
    const strata = cellOf(cells, workload, 'strata')
    if (strata?.opsPerSecond === undefined) return
    const behind: string[] = []
    const measured: string[] = []
    for (const peer of peers) {
      const cell = cellOf(cells, workload, peer)
      if (cell?.opsPerSecond === undefined) continue
      const ratio = strata.opsPerSecond.median / cell.opsPerSecond.median
      measured.push(`${peer} ${fixed(ratio)}×`)
      if (ratio < 1) behind.push(`${peer} (strata at ${fixed(ratio)}× its ops/s)`)
    }
    if (measured.length === 0) return
    checks.push({
      target: `${workload}: strata ≥ ${label}`,
      met: behind.length === 0,
      detail: behind.length === 0 ? `strata/peer: ${measured.join(', ')}` : `behind ${behind.join(', ')}`,
    })
  }
  // strata's own variants (strata-getsync) are not peers.
  const peers = engines.filter((engine) => !engine.startsWith('strata'))
  for (const workload of WRITE_TARGETS) compare(workload, peers, 'every peer')
  const groupCommit = cellOf(cells, 'fillsync64', 'strata')?.opsPerSecond
  if (groupCommit !== undefined) {
    checks.push({
      target: `fillsync64: strata ≥ ${thousands(GROUP_COMMIT_TARGET)} synced writes/s`,
      met: groupCommit.median >= GROUP_COMMIT_TARGET,
      detail: `${thousands(groupCommit.median)} /s`,
    })
  }
  if (fillsyncToFsync !== undefined) {
    checks.push({
      target: `fillsync: strata ≥ ${FSYNC_TARGET} × raw fdatasync rate${interleaved ? ' (appends, measured between its puts)' : ''}`,
      met: fillsyncToFsync.median >= FSYNC_TARGET,
      detail: `${fixed(fillsyncToFsync.median)}× (min ${fixed(fillsyncToFsync.min)}, max ${fixed(fillsyncToFsync.max)})`,
    })
  }
  const readPeers = peers.filter((engine) => READ_PEERS.includes(engine))
  for (const workload of READ_TARGETS) compare(workload, readPeers, READ_PEERS.join(', '))
  if (peers.includes('lmdb')) {
    for (const workload of READ_TARGETS) {
      const strata = cellOf(cells, workload, 'strata')?.opsPerSecond
      const lmdb = cellOf(cells, workload, 'lmdb')?.opsPerSecond
      if (strata === undefined || lmdb === undefined) continue
      checks.push({
        target: `${workload}: strata vs lmdb (aim)`,
        met: strata.median >= lmdb.median,
        detail: `strata at ${fixed(strata.median / lmdb.median)}× lmdb's ops/s`,
      })
    }
    // strata-mem: strata with a block cache sized to lmdb's memory (README, "strata-mem").
    for (const workload of READ_TARGETS) {
      const mem = cellOf(cells, workload, 'strata-mem')
      const lmdb = cellOf(cells, workload, 'lmdb')
      if (mem?.opsPerSecond === undefined || lmdb?.opsPerSecond === undefined) continue
      const rss = (cell: Cell) =>
        cell.peakRssBytes === undefined ? '?' : `${fixed(cell.peakRssBytes / 1e6, 1)} MB`
      checks.push({
        target: `${workload}: strata-mem ≥ lmdb at no more peak RSS (aim)`,
        met:
          mem.opsPerSecond.median >= lmdb.opsPerSecond.median &&
          (mem.peakRssBytes ?? Infinity) <= (lmdb.peakRssBytes ?? 0),
        detail: `strata-mem at ${fixed(mem.opsPerSecond.median / lmdb.opsPerSecond.median)}× lmdb's ops/s; peak RSS ${rss(mem)} vs ${rss(lmdb)}`,
      })
    }
  }
  // Memory at defaults: strata's peak RSS at most classic-level's, workload by workload.
  if (peers.includes('classic-level')) {
    for (const workload of new Set(cells.map((cell) => cell.workload))) {
      const strata = cellOf(cells, workload, 'strata')?.peakRssBytes
      const classic = cellOf(cells, workload, 'classic-level')?.peakRssBytes
      if (strata === undefined || classic === undefined) continue
      checks.push({
        target: `${workload}: strata peak RSS ≤ classic-level's`,
        met: strata <= classic,
        detail: `${fixed(strata / 1e6, 1)} MB vs ${fixed(classic / 1e6, 1)} MB`,
      })
    }
  }
  return checks
}

/** fsync rate and strata's fillsync ratio to it, per round that measured both. */
export function fsyncFigures(rounds: RoundResults[]): {
  fsync: Spread | undefined
  ratio: Spread | undefined
} {
  const rates: number[] = []
  const ratios: number[] = []
  for (const round of rounds) {
    if (round.fsyncPerSecond === undefined) continue
    rates.push(round.fsyncPerSecond)
    const strata = round.runs.find((run) => run.engine === 'strata' && run.workload === 'fillsync')
    if (strata !== undefined) ratios.push(strata.opsPerSecond / round.fsyncPerSecond)
  }
  return {
    fsync: rates.length === 0 ? undefined : spread(rates),
    ratio: ratios.length === 0 ? undefined : spread(ratios),
  }
}

export interface InterleavedFigures {
  /** Per round, the strata fillsync run's append probe and overwrite probe (ops/s). */
  append: Spread
  overwrite: Spread
  /** Each engine's fillsync ops/s over the append / overwrite probe of its own run. */
  toAppend: Partial<Record<EngineName, Spread>>
  toOverwrite: Partial<Record<EngineName, Spread>>
}

/** The fillsync runs' interleaved probe figures (see `InterleavedProbe`); `undefined` when no
 *  strata fillsync run measured one. */
export function interleavedFigures(rounds: RoundResults[]): InterleavedFigures | undefined {
  const append: number[] = []
  const overwrite: number[] = []
  const toAppend = new Map<EngineName, number[]>()
  const toOverwrite = new Map<EngineName, number[]>()
  for (const round of rounds) {
    for (const run of round.runs) {
      const probe = run.interleavedProbe
      if (run.workload !== 'fillsync' || probe === undefined) continue
      if (run.engine === 'strata') {
        append.push(probe.appendPerSecond)
        overwrite.push(probe.overwritePerSecond)
      }
      toAppend.set(run.engine, [
        ...(toAppend.get(run.engine) ?? []),
        run.opsPerSecond / probe.appendPerSecond,
      ])
      toOverwrite.set(run.engine, [
        ...(toOverwrite.get(run.engine) ?? []),
        run.opsPerSecond / probe.overwritePerSecond,
      ])
    }
  }
  if (append.length === 0) return undefined
  const spreads = (ratios: Map<EngineName, number[]>) =>
    Object.fromEntries([...ratios].map(([engine, values]) => [engine, spread(values)]))
  return {
    append: spread(append),
    overwrite: spread(overwrite),
    toAppend: spreads(toAppend),
    toOverwrite: spreads(toOverwrite),
  }
}

function withRange(value: Spread | undefined, format: (value: number) => string, rounds: number): string {
  if (value === undefined) return '—'
  if (rounds < 2) return format(value.median)
  return `${format(value.median)} (${format(value.min)}–${format(value.max)})`
}

const megabytes = (bytes: number) => (bytes / 1e6).toFixed(1)
const micros = (value: number | undefined) =>
  value === undefined ? '—' : value < 10 ? value.toFixed(1) : thousands(value)

export function renderMarkdown(report: Report): string {
  const lines: string[] = []
  lines.push(`# strata bench, ${report.createdAt}`)
  lines.push('')
  lines.push(`- Machine: ${machineLine(report.machine)}`)
  lines.push(`- Command: \`${report.command}\``)
  lines.push(
    `- n = ${thousands(report.n)}, ${report.rounds} round${report.rounds > 1 ? 's' : ''} (engines interleaved, order rotating each round), ` +
      `seed ${report.seed}, total time ${(report.durationSeconds / 60).toFixed(1)} min`,
  )
  lines.push(
    report.compactPrefill === true
      ? '- Prefilled stores: filled, fully compacted (strata, classic-level and rocksdb: compactRange over every key, untimed), closed, copied per workload and reopened'
      : "- Prefilled stores: filled, closed as the fill's background compactions left them, copied per workload and reopened",
  )
  lines.push(
    `- Pre-check: ${report.precheck.engines.join(', ')} answered ${thousands(report.precheck.gets)} gets and ` +
      `${report.precheck.scans} scans identically to the model (${thousands(report.precheck.keys)} keys, seed ${report.precheck.seed})`,
  )
  if (report.fsyncPerSecond !== undefined) {
    lines.push(
      `- Raw disk: one 128-byte append + fdatasync at a time (probed before and after the fillsync runs; the faster of the two per round): ${withRange(report.fsyncPerSecond, thousands, report.rounds)} /s` +
        (report.fillsyncToFsync === undefined
          ? ''
          : `; strata fillsync at ${fixed(report.fillsyncToFsync.median)}× that`),
    )
  }
  const interleaved = report.interleaved
  if (interleaved !== undefined) {
    const ratios = (map: Partial<Record<EngineName, Spread>>) =>
      Object.entries(map)
        .map(([engine, ratio]) => `${engine} ${withRange(ratio, fixed, report.rounds)}×`)
        .join(', ')
    lines.push(
      `- Raw disk between the fillsync runs' own puts (blocks of ${PROBE_BLOCK} puts, then ${PROBE_BLOCK} of each probe, in the same process): ` +
        `128-byte append + fdatasync ${withRange(interleaved.append, thousands, report.rounds)} /s ` +
        `(fillsync over it: ${ratios(interleaved.toAppend)}); ` +
        `128-byte overwrite of fsynced space + fdatasync ${withRange(interleaved.overwrite, thousands, report.rounds)} /s ` +
        `(fillsync over it: ${ratios(interleaved.toOverwrite)})`,
    )
  }
  lines.push('')
  lines.push(
    "Figures are medians over the rounds, with (min–max). `× strata` is the engine's ops/s over strata's in the same " +
      'round (above 1: faster than strata). Latency is per operation (per 1,000-entry batch for fillbatch). ' +
      "Peak RSS is the job process's. Disk is the store's size after close, and its ratio to the live key + value bytes.",
  )
  lines.push('')
  lines.push(
    '| workload | engine | ops/s | × strata | MB/s | p50 µs | p99 µs | peak RSS MB | disk MB (× live) |',
  )
  lines.push('|---|---|--:|--:|--:|--:|--:|--:|--:|')
  for (const cell of report.cells) {
    const failed = cell.failures.length > 0 ? ` (failed ${cell.failures.length}×)` : ''
    lines.push(
      [
        '',
        cell.workload,
        cell.engine,
        withRange(cell.opsPerSecond, thousands, cell.rounds) + failed,
        withRange(cell.ratioToStrata, (value) => fixed(value), cell.rounds),
        cell.megabytesPerSecond === undefined ? '—' : fixed(cell.megabytesPerSecond, 1),
        micros(cell.p50Micros),
        micros(cell.p99Micros),
        cell.peakRssBytes === undefined ? '—' : megabytes(cell.peakRssBytes),
        cell.diskBytes === undefined
          ? '—'
          : `${megabytes(cell.diskBytes)}${cell.spaceAmplification === undefined ? '' : ` (${fixed(cell.spaceAmplification)})`}`,
        '',
      ]
        .join(' | ')
        .trim(),
    )
  }
  lines.push('')
  lines.push('Workloads:')
  for (const workload of report.workloads) {
    const spec = WORKLOADS[workload]
    lines.push(
      `- ${workload}: ${spec.description}; ${spec.sync ? 'synced' : 'unsynced'}${spec.prefilled ? '; on a filled, closed and reopened store' : ''}`,
    )
  }
  if (report.targets.length > 0) {
    lines.push('')
    lines.push('## Targets')
    lines.push('')
    for (const check of report.targets)
      lines.push(`- ${check.met ? 'MET' : 'MISSED'}: ${check.target}: ${check.detail}`)
  }
  const failures = report.cells.filter((cell) => cell.failures.length > 0)
  if (failures.length > 0) {
    lines.push('')
    lines.push('## Failures')
    lines.push('')
    for (const cell of failures)
      lines.push(`- ${cell.workload} ${cell.engine}: ${cell.failures[0]!.split('\n')[0]}`)
  }
  return `${lines.join('\n')}\n`
}
