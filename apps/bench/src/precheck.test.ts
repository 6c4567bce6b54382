import { describe, expect, it } from 'vitest'
import type { Adapter, EngineName, OpenAdapter } from './adapters/adapter.js'
import { ENGINE_NAMES } from './adapters/adapter.js'
import { loadAdapter } from './adapters/index.js'
import { keyNumberOf } from './keys.js'
import { type PrecheckEngine, PrecheckMismatchError, precheck } from './precheck.js'

const SEED = Number(process.env.BENCH_TEST_SEED ?? Date.now() % 0xffff_ffff)
console.log(`precheck.test.ts seed ${SEED} (replay with BENCH_TEST_SEED=${SEED})`)
const SMALL = { keys: 400, gets: 400, scans: 60, seed: SEED }

async function engine(name: EngineName): Promise<PrecheckEngine> {
  return { name, open: await loadAdapter(name) }
}

/** Wraps an engine's adapter so that `change` may alter what it does. */
function faulty(
  name: string,
  open: OpenAdapter,
  change: (adapter: Adapter) => Partial<Adapter>,
): PrecheckEngine {
  return {
    name,
    open: async (directory, settings) => {
      const adapter = await open(directory, settings)
      return { ...adapter, ...change(adapter) }
    },
  }
}

describe('precheck', () => {
  it('passes every engine on the same writes, gets and scans, strata included', async () => {
    const engines = await Promise.all(ENGINE_NAMES.map(engine))
    const report = await precheck(engines, SMALL)
    expect(report.engines).toEqual([...ENGINE_NAMES])
    expect(report.scans).toBe(SMALL.scans + 2)
  })

  it('catches a get that returns one wrong byte', async () => {
    const sqlite = await loadAdapter('better-sqlite3')
    const wrong = faulty('flipped-byte', sqlite, (adapter) => ({
      get(key) {
        const value = adapter.get(key) as Buffer | undefined
        if (value === undefined || keyNumberOf(key) % 7 !== 0) return value
        const copy = Buffer.from(value)
        copy[50] = copy[50]! ^ 1
        return copy
      },
    }))
    const failure = precheck([await engine('better-sqlite3'), wrong], SMALL)
    await expect(failure).rejects.toBeInstanceOf(PrecheckMismatchError)
    await expect(failure).rejects.toMatchObject({ engine: 'flipped-byte', code: 'BENCH_PRECHECK_MISMATCH' })
    await expect(failure).rejects.toThrow(/get \d{16}: got 100 bytes/)
  })

  it('catches deletes that are silently dropped', async () => {
    const lmdb = await loadAdapter('lmdb')
    const wrong = faulty('ignores-deletes', lmdb, (adapter) => ({
      delete: async () => {},
      batch: (operations) => adapter.batch(operations.filter((operation) => operation.type === 'put')),
    }))
    await expect(precheck([wrong], SMALL)).rejects.toMatchObject({ engine: 'ignores-deletes' })
  })

  it('catches a scan that skips an entry or stops early', async () => {
    const sqlite = await loadAdapter('better-sqlite3')
    const skips = faulty('skips-one', sqlite, (adapter) => ({
      scan(options, visit) {
        let seen = 0
        const count = adapter.scan(options, (key, value) => {
          if (seen++ !== 3) visit(key, value)
        }) as number
        return Math.min(count, Math.max(0, count - 1))
      },
    }))
    await expect(precheck([skips], SMALL)).rejects.toThrow(/scan (forward|reverse)/)
    const ignoresLimit = faulty('ignores-limit', sqlite, (adapter) => ({
      scan: (options, visit) => adapter.scan({ ...options, limit: Number.POSITIVE_INFINITY }, visit),
    }))
    await expect(precheck([ignoresLimit], SMALL)).rejects.toMatchObject({ engine: 'ignores-limit' })
  })

  it('catches a reverse scan that goes forward', async () => {
    const classic = await loadAdapter('classic-level')
    const forward = faulty('no-reverse', classic, (adapter) => ({
      scan: (options, visit) => adapter.scan({ ...options, reverse: false }, visit),
    }))
    await expect(precheck([forward], SMALL)).rejects.toThrow(/scan reverse/)
  })
})
