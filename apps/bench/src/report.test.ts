import { describe, expect, it } from 'vitest'
import type { EngineName } from './adapters/adapter.js'
import type { RunResult } from './job.js'
import type { RoundResults } from './orchestrate.js'
import { buildCells, checkTargets, fsyncFigures, interleavedFigures } from './report.js'
import type { WorkloadName } from './workloads.js'

function run(engine: EngineName, workload: WorkloadName, opsPerSecond: number): RunResult {
  return {
    engine,
    workload,
    operations: 1000,
    seconds: 1000 / opsPerSecond,
    opsPerSecond,
    megabytesPerSecond: (opsPerSecond * 116) / 1e6,
    p50Micros: 10,
    p99Micros: 100,
    peakRssBytes: engine === 'strata' ? 80e6 : 60e6,
    diskBytes: 232_000,
    liveBytes: 116_000,
    openMillis: 1,
    closeMillis: 1,
  }
}

function round(number: number, runs: RunResult[], fsyncPerSecond?: number): RoundResults {
  return { round: number, runs, fsyncPerSecond, failures: [] }
}

describe('report cells', () => {
  it('takes each ratio to strata within its round, then the median across rounds', () => {
    // Round 2 is slow for everyone: per-round ratios stay 2.0 even though raw figures drift.
    const rounds = [
      round(1, [run('strata', 'fillseq', 100), run('lmdb', 'fillseq', 200)]),
      round(2, [run('strata', 'fillseq', 10), run('lmdb', 'fillseq', 20)]),
      round(3, [run('strata', 'fillseq', 50), run('lmdb', 'fillseq', 100)]),
    ]
    const [strata, lmdb] = buildCells(rounds, ['strata', 'lmdb'], ['fillseq'])
    expect(strata?.ratioToStrata).toEqual({ median: 1, min: 1, max: 1 })
    expect(lmdb?.ratioToStrata).toEqual({ median: 2, min: 2, max: 2 })
    expect(lmdb?.opsPerSecond).toEqual({ median: 100, min: 20, max: 200 })
    expect(strata?.peakRssBytes).toBe(80e6)
    expect(lmdb?.spaceAmplification).toBe(2)
  })

  it('records failures and leaves a failed engine without figures', () => {
    const rounds: RoundResults[] = [
      {
        round: 1,
        runs: [run('strata', 'readrandom', 100)],
        fsyncPerSecond: undefined,
        failures: [{ engine: 'rocksdb', workload: 'readrandom', error: 'boom' }],
      },
    ]
    const [, rocks] = buildCells(rounds, ['strata', 'rocksdb'], ['readrandom'])
    expect(rocks?.opsPerSecond).toBeUndefined()
    expect(rocks?.failures).toEqual(['boom'])
  })
})

describe('targets', () => {
  it('misses a write target when a peer beats strata, and names the peer and ratio', () => {
    const rounds = [
      round(1, [
        run('strata', 'fillrandom', 100),
        run('rocksdb', 'fillrandom', 125),
        run('lmdb', 'fillrandom', 50),
      ]),
    ]
    const cells = buildCells(rounds, ['strata', 'rocksdb', 'lmdb'], ['fillrandom'])
    const [check] = checkTargets(cells, ['strata', 'rocksdb', 'lmdb'], undefined)
    expect(check?.met).toBe(false)
    expect(check?.detail).toMatch(/rocksdb \(strata at 0\.80×/)
  })

  it('checks fillsync against the raw fsync rate of the same round', () => {
    const rounds = [
      round(1, [run('strata', 'fillsync', 950)], 1000),
      round(2, [run('strata', 'fillsync', 400)], 500),
      round(3, [run('strata', 'fillsync', 850)], 1000),
    ]
    const { fsync, ratio } = fsyncFigures(rounds)
    expect(fsync?.median).toBe(1000)
    expect(ratio?.median).toBeCloseTo(0.85)
    const cells = buildCells(rounds, ['strata'], ['fillsync'])
    const [check] = checkTargets(cells, ['strata'], ratio)
    expect(check?.met).toBe(false)
    expect(check?.target).toMatch(/1 × raw fdatasync rate$/)
  })

  it("checks fillsync against the probe measured between each run's own puts", () => {
    const probed = (engine: EngineName, opsPerSecond: number, append: number, overwrite: number) => ({
      ...run(engine, 'fillsync', opsPerSecond),
      interleavedProbe: { appendPerSecond: append, overwritePerSecond: overwrite, operations: 980 },
    })
    const rounds = [
      round(1, [probed('strata', 1100, 1000, 2000), probed('rocksdb', 500, 1000, 2000)], 3000),
      round(2, [probed('strata', 300, 200, 400), run('rocksdb', 'fillsync', 100)], 3000),
      round(3, [probed('strata', 900, 1000, 1500), run('strata', 'fillsync64', 1)], 3000),
    ]
    const figures = interleavedFigures(rounds)
    expect(figures?.append.median).toBe(1000)
    expect(figures?.overwrite.median).toBe(1500)
    expect(figures?.toAppend.strata?.median).toBeCloseTo(1.1)
    expect(figures?.toAppend.strata?.max).toBeCloseTo(1.5)
    expect(figures?.toOverwrite.strata?.median).toBeCloseTo(0.6)
    expect(figures?.toAppend.rocksdb?.median).toBeCloseTo(0.5)
    // The probe before and after (3,000/s) would give 0.37×; the one between the puts, 1.1×.
    const cells = buildCells(rounds, ['strata'], ['fillsync'])
    const [check] = checkTargets(cells, ['strata'], figures?.toAppend.strata, true)
    expect(check?.met).toBe(true)
    expect(check?.target).toMatch(/measured between its puts/)
    expect(interleavedFigures([round(1, [run('strata', 'fillsync', 10)], 100)])).toBeUndefined()
  })

  it('holds reads to classic-level, rocksdb and better-sqlite3 and reports lmdb as the aim', () => {
    const rounds = [
      round(1, [
        run('strata', 'readrandom', 100),
        run('better-sqlite3', 'readrandom', 90),
        run('lmdb', 'readrandom', 300),
      ]),
    ]
    const engines: EngineName[] = ['strata', 'better-sqlite3', 'lmdb']
    const checks = checkTargets(buildCells(rounds, engines, ['readrandom']), engines, undefined)
    expect(checks.map((check) => [check.target, check.met])).toEqual([
      ['readrandom: strata ≥ classic-level, rocksdb, better-sqlite3', true],
      ['readrandom: strata vs lmdb (aim)', false],
    ])
  })
})
