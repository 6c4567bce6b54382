/**
 * A scan across a deleted range: n keys loaded in order and compacted, the middle 10 % deleted
 * with one `deleteRange` (flushed: the tombstone in a table, the covered entries still there),
 * then scans of 1,000 entries starting 500 keys before the range — half of each scan's entries
 * lie before it, half after — timed before and after `compactRange`. Rounds alternate between
 * the stores; prints each round's milliseconds per scan and the medians.
 *
 * With `STRATA_ENGINE_B=<path to another build's dist/index.js>`, the same runs against that
 * build too (its own store), alternating with this one round by round: an A/B of two builds in
 * one process on one machine state.
 *
 *   node dist/range-delete-scan.js [keys=1000000] [rounds=7] [scans=10]
 */
import * as engineA from '@strata/engine'
import { freshDirectory, removeDirectory } from './disk.js'
import { keyOf, putAscending } from './keys.js'

const keys = Number(process.argv[2] ?? 1_000_000)
const rounds = Number(process.argv[3] ?? 7)
const scans = Number(process.argv[4] ?? 10)
const SCAN_LENGTH = 1_000
const from = Math.floor(keys * 0.45)
const to = Math.floor(keys * 0.55)

type Engine = typeof engineA
const builds: { name: string; engine: Engine }[] = [{ name: 'this build', engine: engineA }]
if (process.env.STRATA_ENGINE_B !== undefined) {
  builds.push({
    name: process.env.STRATA_ENGINE_B,
    engine: (await import(process.env.STRATA_ENGINE_B)) as Engine,
  })
}

async function store(engine: Engine) {
  const directory = freshDirectory('range-scan')
  const db = await engine.open(directory, { sync: false })
  await putAscending(db, keys)
  await db.compactRange()
  await db.deleteRange({ gte: keyOf(from), lt: keyOf(to) })
  await db.flush()
  return { db, directory }
}

type Store = Awaited<ReturnType<typeof store>>

/** Milliseconds per scan of `SCAN_LENGTH` entries across the deleted range. */
async function scanMs({ db }: Store): Promise<number> {
  const started = performance.now()
  for (let scan = 0; scan < scans; scan++) {
    const entries = await db.iterator({ gte: keyOf(from - SCAN_LENGTH / 2), limit: SCAN_LENGTH }).all()
    const last = entries[entries.length - 1]![0] as Buffer
    if (entries.length !== SCAN_LENGTH || !last.equals(keyOf(to + SCAN_LENGTH / 2 - 1))) {
      throw new Error(`scan read ${entries.length} entries up to ${last.toString()}`)
    }
  }
  return (performance.now() - started) / scans
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!
const stores = []
for (const build of builds) stores.push(await store(build.engine))
console.log(
  `range-delete-scan: ${keys} keys, deleted [${from}, ${to}), ${rounds} rounds of ${scans} scans, load ${(
    await import('node:os')
  )
    .loadavg()
    .map((x) => x.toFixed(1))
    .join(' ')}`,
)
for (const phase of ['before compactRange', 'after compactRange'] as const) {
  if (phase === 'after compactRange') for (const { db } of stores) await db.compactRange()
  for (const current of stores) await scanMs(current) // warm-up
  const perBuild: number[][] = builds.map(() => [])
  for (let round = 0; round < rounds; round++) {
    for (let index = 0; index < stores.length; index++) {
      const which = (index + round) % stores.length
      perBuild[which]!.push(Number((await scanMs(stores[which]!)).toFixed(3)))
    }
  }
  for (let index = 0; index < builds.length; index++) {
    const values = perBuild[index]!
    console.log(
      JSON.stringify({
        phase,
        build: builds[index]!.name,
        msPerScan: values,
        median: median(values),
        min: Math.min(...values),
        max: Math.max(...values),
      }),
    )
  }
}
for (const { db, directory } of stores) {
  await db.close()
  removeDirectory(directory)
}
