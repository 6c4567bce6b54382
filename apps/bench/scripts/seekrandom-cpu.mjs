/**
 * seekrandom per CPU second, in one process: strata and better-sqlite3 (and, when given,
 * strata from another checkout's build), rounds alternating which goes first. Every store is
 * filled once as the bench fills it and closed; each round opens a fresh copy of it, so each
 * round starts with a cold block cache and the filled layout, as a bench job does. The other
 * build reads a copy of strata's store: the two builds compare on the same tables (two fills
 * leave different level layouts, which moved seeks per CPU second by 1.5x). On a shared machine
 * the wall clock of a short run moves 2x with the load; the CPU time the work itself takes moves
 * far less.
 *
 *   node scripts/seekrandom-cpu.mjs [rounds=7] [n=100000] [<other checkout>/apps/bench/dist]
 *
 * Prints each engine's median seeks per CPU second (user + system, all threads) and the median
 * (min–max) of the per-round ratios of strata to better-sqlite3. Run it after `build`.
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const rounds = Number(process.argv[2] ?? 7)
const n = Number(process.argv[3] ?? 100_000)
const other = process.argv[4]
const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist')
const adapters = await import(join(dist, 'adapters', 'index.js'))
const workloads = await import(join(dist, 'workloads.js'))

const root = mkdtempSync(join(tmpdir(), 'strata-seek-cpu-'))
const sides = {
  strata: { open: await adapters.loadAdapter('strata'), directory: join(root, 'strata') },
  'better-sqlite3': { open: await adapters.loadAdapter('better-sqlite3'), directory: join(root, 'sqlite') },
}
if (other !== undefined) {
  const otherAdapters = await import(join(other, 'adapters', 'index.js'))
  sides['strata (other build)'] = {
    open: await otherAdapters.loadAdapter('strata'),
    directory: join(root, 'other'),
  }
}
const names = Object.keys(sides)
try {
  for (const [name, side] of Object.entries(sides)) {
    if (name === 'strata (other build)') continue
    const adapter = await side.open(side.directory, { sync: false })
    await workloads.prefill(adapter, n, 1)
    await adapter.close()
  }
  if (other !== undefined)
    cpSync(sides.strata.directory, sides['strata (other build)'].directory, { recursive: true })
  const rates = Object.fromEntries(names.map((name) => [name, []]))
  for (let round = 0; round < rounds; round++) {
    for (let turn = 0; turn < names.length; turn++) {
      const name = names[(turn + round) % names.length]
      const side = sides[name]
      const copy = `${side.directory}-round`
      cpSync(side.directory, copy, { recursive: true })
      const adapter = await side.open(copy, { sync: false })
      const before = process.cpuUsage()
      const measured = await workloads.runWorkload(adapter, workloads.WORKLOADS.seekrandom, n, 100 + round)
      const used = process.cpuUsage(before)
      await adapter.close()
      rmSync(copy, { recursive: true, force: true })
      rates[name].push(measured.operations / ((used.user + used.system) / 1e6))
    }
  }
  const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]
  console.log(`seekrandom, n = ${n}, ${rounds} rounds: seeks per CPU second`)
  for (const name of names) {
    console.log(`${name.padEnd(22)} median ${median(rates[name]).toFixed(0).padStart(7)}`)
  }
  for (const name of names.filter((name) => name !== 'better-sqlite3')) {
    const ratios = rates[name].map((rate, index) => rate / rates['better-sqlite3'][index])
    const low = Math.min(...ratios).toFixed(2)
    const high = Math.max(...ratios).toFixed(2)
    console.log(`${name} / better-sqlite3: per-round median ${median(ratios).toFixed(2)} (${low}–${high})`)
  }
} finally {
  rmSync(root, { recursive: true, force: true })
}
