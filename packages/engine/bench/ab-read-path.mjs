/**
 * A/B of two builds of the engine's read path in one process, so that a shared machine's load
 * falls on both alike: each build opens its own copy of one 100,000-key database (12-byte keys,
 * 100-byte values), and rounds alternate which build goes first in every workload (get, getSync,
 * get of missing keys, getMany of 100, seek + 10 entries, a full scan forward and in reverse).
 *
 *   node bench/ab-read-path.mjs <base>/packages/engine/dist/index.js <after>/packages/engine/dist/index.js [rounds=9] [blockCacheBytes=32 MiB] [layout=compacted]
 *
 * `layout`: `compacted` (written in batches of 1,000, flushed and compacted into one level) or `fresh`
 * (written in random key order in batches of 1,000 and closed without compacting, as apps/bench
 * prefills a store: level-0 tables, deeper levels and a memtable replayed from the WAL, so a
 * seek merges several sources).
 *
 * Prints per workload the median ops per CPU second (user + system, all threads) of each build, their ratio and the median of the
 * per-round ratios. The database is written by the second build.
 */
import { execSync } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const { open: openBase } = await import(process.argv[2])
const { open: openAfter } = await import(process.argv[3])

const N = 100_000
const ROUNDS = Number(process.argv[4] ?? 9)
const CACHE = Number(process.argv[5] ?? 32 * 1024 * 1024)
const LAYOUT = process.argv[6] ?? 'compacted'
if (LAYOUT !== 'compacted' && LAYOUT !== 'fresh')
  throw new Error(`layout must be compacted or fresh, got ${LAYOUT}`)
const keyOf = (i) => Buffer.from(`key-${String((i * 7919) % N).padStart(8, '0')}`)
let seed = 1
const rand = () => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff
  return seed / 0x80000000
}

const root = mkdtempSync(join(tmpdir(), 'strata-ab-'))
const dirA = join(root, 'a')
{
  const db = await openAfter(dirA, { sync: false })
  // fresh: every key once, in a random order (a seeded shuffle).
  const order = Array.from({ length: N }, (_, i) => i)
  if (LAYOUT === 'fresh') {
    for (let i = N - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1))
      ;[order[i], order[j]] = [order[j], order[i]]
    }
  }
  for (let i = 0; i < N; i += 1000) {
    await db.batch(
      order
        .slice(i, i + 1000)
        .map((k) => ({ type: 'put', key: keyOf(k), value: Buffer.alloc(100, k & 0xff) })),
    )
  }
  if (LAYOUT === 'compacted') {
    await db.flush()
    await db.compactRange()
  }
  await db.close()
}
execSync(`cp -r ${dirA} ${join(root, 'b')}`)
const sides = {
  base: await openBase(dirA, { sync: false, blockCacheBytes: CACHE }),
  after: await openAfter(join(root, 'b'), { sync: false, blockCacheBytes: CACHE }),
}
const ops = 20_000
const workloads = {
  get: async (db) => {
    for (let i = 0; i < ops; i++) await db.get(keyOf(Math.floor(rand() * N)))
    return ops
  },
  getSync: async (db) => {
    for (let i = 0; i < ops; i++) db.getSync(keyOf(Math.floor(rand() * N)))
    return ops
  },
  getMissing: async (db) => {
    for (let i = 0; i < ops; i++)
      await db.get(Buffer.from(`key-${String(Math.floor(rand() * N)).padStart(8, '0')}x`))
    return ops
  },
  getMany100: async (db) => {
    for (let i = 0; i < ops / 100; i++)
      await db.getMany(Array.from({ length: 100 }, () => keyOf(Math.floor(rand() * N))))
    return ops
  },
  seek10: async (db) => {
    for (let i = 0; i < ops / 10; i++) {
      const it = db.iterator({ gte: keyOf(Math.floor(rand() * N)), limit: 11 })
      await it.nextv(11)
      await it.close()
    }
    return ops / 10
  },
}
const fullScan = async (db, reverse) => {
  let count = 0
  const it = db.iterator({ reverse })
  for (;;) {
    const batch = await it.nextv(1000)
    if (batch.length === 0) break
    count += batch.length
  }
  await it.close()
  return count
}
workloads.scan = (db) => fullScan(db, false)
workloads.scanReverse = (db) => fullScan(db, true)
const results = {}
for (let round = 0; round < ROUNDS; round++) {
  const order = round % 2 === 0 ? ['base', 'after'] : ['after', 'base']
  for (const [name, run] of Object.entries(workloads)) {
    for (const side of order) {
      seed = 1000 + round
      const cpuBefore = process.cpuUsage()
      const count = await run(sides[side])
      const cpu = process.cpuUsage(cpuBefore)
      // Per CPU second of this process (user + system, all threads): a shared machine's other
      // processes slow the wall clock, far less the CPU time the work itself takes.
      const rate = count / ((cpu.user + cpu.system) / 1e6)
      results[name] ??= { base: [], after: [] }
      results[name][side].push(rate)
    }
  }
}
const median = (values) => {
  const s = [...values].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)]
}
console.log(`layout ${LAYOUT}, cache ${CACHE} bytes, ${ROUNDS} rounds, medians of ops per CPU second`)
for (const [name, { base, after }] of Object.entries(results)) {
  const ratios = base.map((b, i) => after[i] / b)
  console.log(
    `${name.padEnd(11)} base ${median(base).toFixed(0).padStart(9)}  after ${median(after).toFixed(0).padStart(9)}  after/base ${(median(after) / median(base)).toFixed(3)}  per-round ratio median ${median(ratios).toFixed(3)}`,
  )
}
await sides.base.close()
await sides.after.close()
execSync(`rm -rf ${root}`)
