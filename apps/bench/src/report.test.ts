import { describe, expect, it } from 'vitest'
import type { EngineName } from './adapters/adapter.js'
import type { RunResult } from './job.js'
import type { RoundResults } from './orchestrate.js'
import { buildCells, checkTargets, fsyncFigures } from './report.js'
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
    expect(check?.target).toMatch(/0\.9 × raw fdatasync/)
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
