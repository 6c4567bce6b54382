/**
 * Peak RSS and ops/s of the bench's own jobs (one process per job, as the bench runs them) for
 * strata at its defaults, strata with `compactionThread: 'main'` (no worker thread) and
 * classic-level, alternating in each round: what strata's compaction worker costs in memory and
 * what it buys in throughput. Prefilled workloads prefill once per round and engine variant
 * (strata's two variants share the default's prefill, copied).
 *
 *   node scripts/threads-rss.mjs <checkout, e.g. /work/main> [rounds=3] [workloads=deleterandom,fillrandom,overwrite] [n=1000000]
 *
 * Run it after `build` in that checkout. Prints one line per job, then per workload and variant
 * the peak RSS (MB) and ops/s of every round.
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runJobInChild } from './job-process.mjs'

const [checkout, roundsArg = '3', workloadsArg = 'deleterandom,fillrandom,overwrite', nArg = '1000000'] =
  process.argv.slice(2)
if (checkout === undefined) {
  throw new Error('usage: node scripts/threads-rss.mjs <checkout> [rounds] [workloads] [n]')
}
const n = Number(nArg)
const { WORKLOADS } = await import(join(checkout, 'apps/bench/dist/workloads.js'))
const job = (spec) => runJobInChild(checkout, spec)
const variants = [
  { name: 'strata', engine: 'strata' },
  { name: "strata compactionThread 'main'", engine: 'strata', strataCompactionThread: 'main' },
  { name: 'classic-level', engine: 'classic-level' },
]
const results = new Map()
for (let round = 0; round < Number(roundsArg); round++) {
  for (const workload of workloadsArg.split(',')) {
    const prefilled = WORKLOADS[workload].prefilled
    const stores = new Map()
    const order = round % 2 === 0 ? variants : [...variants].reverse()
    for (const variant of order) {
      const directory = mkdtempSync(join(tmpdir(), 'threads-rss-'))
      rmSync(directory, { recursive: true })
      if (prefilled) {
        if (!stores.has(variant.engine)) {
          const store = mkdtempSync(join(tmpdir(), 'threads-rss-store-'))
          job({ kind: 'prefill', engine: variant.engine, n, seed: 1, directory: store })
          stores.set(variant.engine, store)
        }
        cpSync(stores.get(variant.engine), directory, { recursive: true })
      }
      const result = job({
        kind: 'run',
        engine: variant.engine,
        workload,
        n,
        seed: 1,
        directory,
        ...(variant.strataCompactionThread === undefined
          ? {}
          : { strataCompactionThread: variant.strataCompactionThread }),
      })
      rmSync(directory, { recursive: true, force: true })
      const cell = `${(result.peakRssBytes / 1e6).toFixed(1)} MB ${Math.round(result.opsPerSecond)}/s`
      console.log(`round ${round} ${workload} ${variant.name}: ${cell}`)
      const key = `${workload} | ${variant.name}`
      results.set(key, [...(results.get(key) ?? []), cell])
    }
    for (const store of stores.values()) rmSync(store, { recursive: true, force: true })
  }
}
for (const [key, cells] of results) console.log(`${key} | ${cells.join(' | ')}`)
