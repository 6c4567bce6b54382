/**
 * A/B of two builds of the engine's read path in one process, so that a shared machine's load
 * falls on both alike: each build opens its own copy of one 100,000-key database (16-byte keys,
 * 100-byte values, compacted), and rounds alternate which build goes first in every workload
 * (get, getSync, get of missing keys, getMany of 100, seek + 10 entries, a full scan).
 *
 *   node bench/ab-read-path.mjs <base>/packages/engine/dist/index.js <after>/packages/engine/dist/index.js [rounds=9] [blockCacheBytes=32 MiB]
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
  for (let i = 0; i < N; i += 1000) {
    await db.batch(
      Array.from({ length: 1000 }, (_, j) => ({
        type: 'put',
        key: keyOf(i + j),
        value: Buffer.alloc(100, (i + j) & 0xff),
      })),
    )
  }
  await db.flush()
  await db.compactRange()
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
workloads.scan = async (db) => {
  let count = 0
  const it = db.iterator()
  for (;;) {
    const batch = await it.nextv(1000)
    if (batch.length === 0) break
    count += batch.length
  }
  await it.close()
  return count
}
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
console.log(`cache ${CACHE} bytes, ${ROUNDS} rounds, medians of ops per CPU second`)
for (const [name, { base, after }] of Object.entries(results)) {
  const ratios = base.map((b, i) => after[i] / b)
  console.log(
    `${name.padEnd(11)} base ${median(base).toFixed(0).padStart(9)}  after ${median(after).toFixed(0).padStart(9)}  after/base ${(median(after) / median(base)).toFixed(3)}  per-round ratio median ${median(ratios).toFixed(3)}`,
  )
}
await sides.base.close()
await sides.after.close()
execSync(`rm -rf ${root}`)
