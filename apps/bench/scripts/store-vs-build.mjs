/**
 * Whether a read workload's change between two builds comes from the code or from the store the
 * bench's prefill left: each build prefills a store (the bench's own prefill job), then every
 * build runs the workload on a copy of every store (2 × 2), rounds alternating the order. Prints
 * each store's tables per level, then ops/s per (store, build) pair.
 *
 *   node scripts/store-vs-build.mjs <checkout A> <checkout B> [workload=readreverse] [rounds=3] [n=1000000]
 *
 * Run it after `build` in both checkouts.
 */
import { execFileSync } from 'node:child_process'
import { cpSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runJobInChild } from './job-process.mjs'

const [a, b, workload = 'readreverse', roundsArg = '3', nArg = '1000000'] = process.argv.slice(2)
if (a === undefined || b === undefined) {
  throw new Error('usage: node scripts/store-vs-build.mjs <checkout A> <checkout B> [workload] [rounds] [n]')
}
const n = Number(nArg)
const builds = [
  ['A', a],
  ['B', b],
]
const job = runJobInChild
const shapeOf = (checkout, directory) =>
  execFileSync(
    process.execPath,
    [
      '-e',
      `import(${JSON.stringify(join(checkout, 'packages/engine/dist/index.js'))}).then(async ({ open }) => { const db = await open(${JSON.stringify(directory)}, { readOnly: true }); console.log(db.stats().levels.map((level) => level.files).join(',')); await db.close() })`,
    ],
    { encoding: 'utf8' },
  ).trim()
const stores = new Map()
for (const [name, checkout] of builds) {
  const directory = mkdtempSync(join(tmpdir(), 'store-vs-build-'))
  job(checkout, { kind: 'prefill', engine: 'strata', n, seed: 1, directory })
  stores.set(name, directory)
  console.log(`store prefilled by ${name} (${checkout}): tables per level ${shapeOf(checkout, directory)}`)
}
const results = new Map()
try {
  for (let round = 0; round < Number(roundsArg); round++) {
    for (const [store, source] of stores) {
      for (const [name, checkout] of round % 2 === 0 ? builds : [...builds].reverse()) {
        const directory = mkdtempSync(join(tmpdir(), 'store-vs-build-run-'))
        rmSync(directory, { recursive: true })
        cpSync(source, directory, { recursive: true })
        const result = job(checkout, { kind: 'run', engine: 'strata', workload, n, seed: 1, directory })
        rmSync(directory, { recursive: true, force: true })
        const key = `${workload} | store ${store} | run by ${name}`
        results.set(key, [...(results.get(key) ?? []), Math.round(result.opsPerSecond)])
      }
    }
  }
} finally {
  for (const directory of stores.values()) rmSync(directory, { recursive: true, force: true })
}
for (const [key, values] of results) console.log(`${key} | ${values.join(' | ')}`)
