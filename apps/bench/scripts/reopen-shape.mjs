/**
 * The tree a read workload of apps/bench starts from: fills a strata store with the bench's own
 * prefill (its adapter, key order and values), closes it, reopens it with the same checkout's
 * engine and prints the number of tables per level then, and again over the next seconds.
 *
 *   node scripts/reopen-shape.mjs <checkout, e.g. /work/main> [n=1000000]
 *
 * Run it after `build` in that checkout.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const checkout = process.argv[2]
const n = Number(process.argv[3] ?? 1_000_000)
if (checkout === undefined) throw new Error('usage: node scripts/reopen-shape.mjs <checkout> [n]')
const { loadAdapter } = await import(join(checkout, 'apps/bench/dist/adapters/index.js'))
const { prefill } = await import(join(checkout, 'apps/bench/dist/workloads.js'))
const { open } = await import(join(checkout, 'packages/engine/dist/index.js'))

const directory = mkdtempSync(join(tmpdir(), 'strata-reopen-shape-'))
try {
  const adapter = await (await loadAdapter('strata'))(directory, { sync: false })
  await prefill(adapter, n, 1)
  await adapter.close()
  const db = await open(directory, { sync: false })
  const shape = () =>
    db
      .levels()
      .map((level) => level.tables.length)
      .join(',')
  console.log(`tables per level at reopen: ${shape()}`)
  let waited = 0
  for (const seconds of [1, 2, 4]) {
    await new Promise((resolve) => setTimeout(resolve, (seconds - waited) * 1000))
    waited = seconds
    console.log(`after ${seconds} s: ${shape()}`)
  }
  await db.close()
} finally {
  rmSync(directory, { recursive: true, force: true })
}
