/**
 * The bench's fillbatch (n puts in ascending key order, atomic batches of 1,000, one in flight,
 * `sync: false`) run `rounds` times in one process, each on a fresh directory and a fresh
 * database: the first round is what the bench measures (a new process: V8 compiles strata's hot
 * code while it runs), the later ones run on code V8 has already optimized. Prints per round the
 * puts/s and the whole process's CPU (all threads) during it.
 *
 *   node scripts/fillbatch-warm.mjs <checkout, e.g. /work/main> [rounds=4] [n=1000000]
 *
 * Run it after `build` in that checkout.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const [checkout, roundsArg = '4', nArg = '1000000'] = process.argv.slice(2)
if (checkout === undefined) throw new Error('usage: node scripts/fillbatch-warm.mjs <checkout> [rounds] [n]')
const n = Number(nArg)
const { open } = await import(join(checkout, 'packages/engine/dist/index.js'))
const { KeyList, ValuePool, sequentialKeys } = await import(join(checkout, 'apps/bench/dist/keys.js'))
const { Random } = await import(join(checkout, 'apps/bench/dist/random.js'))
const keys = new KeyList(sequentialKeys(n))
const values = new ValuePool(new Random(1))
for (let round = 0; round < Number(roundsArg); round++) {
  const directory = mkdtempSync(join(tmpdir(), 'fillbatch-warm-'))
  const db = await open(directory, { sync: false })
  const started = performance.now()
  const cpuBefore = process.cpuUsage()
  for (let start = 0; start < n; start += 1000) {
    const batch = []
    for (let index = start; index < Math.min(n, start + 1000); index++) {
      batch.push({ type: 'put', key: keys.key(index), value: values.value(index) })
    }
    await db.batch(batch)
  }
  const ms = performance.now() - started
  const cpu = process.cpuUsage(cpuBefore)
  console.log(
    JSON.stringify({
      round,
      opsPerSecond: Math.round((n / ms) * 1000),
      processCpuMs: Math.round((cpu.user + cpu.system) / 1000),
    }),
  )
  await db.close()
  rmSync(directory, { recursive: true, force: true })
}
