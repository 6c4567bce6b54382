/**
 * Range deletes, strata's `deleteRange` against classic-level's `clear`, in one run (engines
 * alternated per scenario): load n keys (16-byte keys, 100-byte values), compact; then for the
 * whole range and for a 10 % sub-range: time to acknowledge the delete, time until the space is
 * back (`compactRange`), disk bytes before and after, and point-read and scan rates of the
 * surviving keys before the delete, after it, and after the compaction.
 *
 *   node dist/range-delete.js [keys=1000000] [rounds=1]
 */

import { open } from '@strata/engine'
import { ClassicLevel } from 'classic-level'
import { diskBytes, freshDirectory, removeDirectory } from './disk.js'
import { keyOf, putAscending } from './keys.js'
import { Random } from './random.js'

const keys = Number(process.argv[2] ?? 1_000_000)
const rounds = Number(process.argv[3] ?? 1)
const READS = 20_000
const SCANS = 20
const SCAN_LENGTH = 1_000

interface Store {
  batch(operations: { type: 'put'; key: Buffer; value: Buffer }[]): Promise<void>
  get(key: Buffer): Promise<unknown>
  scan(from: Buffer, count: number): Promise<number>
  deleteRange(range: { gte?: Buffer; lt?: Buffer }): Promise<void>
  compact(): Promise<void>
  close(): Promise<void>
}

async function openStrata(directory: string): Promise<Store> {
  const db = await open(directory, { sync: false })
  return {
    batch: (operations) => db.batch(operations),
    get: (key) => db.get(key),
    scan: async (from, count) => {
      const iterator = db.iterator({ gte: from, limit: count })
      const entries = await iterator.all()
      return entries.length
    },
    deleteRange: (range) => db.deleteRange(range),
    compact: () => db.compactRange(),
    close: () => db.close(),
  }
}

async function openClassic(directory: string): Promise<Store> {
  const db = new ClassicLevel<Buffer, Buffer>(directory, { keyEncoding: 'buffer', valueEncoding: 'buffer' })
  await db.open()
  return {
    batch: (operations) => db.batch(operations),
    get: (key) => db.get(key),
    scan: async (from, count) => (await db.iterator({ gte: from, limit: count }).all()).length,
    deleteRange: (range) => db.clear(range),
    compact: () => db.compactRange(keyOf(0), keyOf(keys)),
    close: () => db.close(),
  }
}

/** Point reads per second of random keys drawn from `survivors` (key number ranges). */
async function readRate(store: Store, survivors: [number, number][], random: Random): Promise<number> {
  const total = survivors.reduce((sum, [from, to]) => sum + to - from, 0)
  if (total === 0) return 0
  const started = performance.now()
  for (let index = 0; index < READS; index++) {
    let pick = Math.floor(random.fraction() * total)
    let key = 0
    for (const [from, to] of survivors) {
      if (pick < to - from) {
        key = from + pick
        break
      }
      pick -= to - from
    }
    if ((await store.get(keyOf(key))) === undefined) throw new Error(`surviving key ${key} is missing`)
  }
  return READS / ((performance.now() - started) / 1000)
}

/** Entries scanned per second from random surviving starts. */
async function scanRate(store: Store, survivors: [number, number][], random: Random): Promise<number> {
  if (survivors.length === 0) return 0
  let entries = 0
  const started = performance.now()
  for (let index = 0; index < SCANS; index++) {
    const [from, to] = survivors[index % survivors.length]!
    entries += await store.scan(
      keyOf(from + Math.floor(random.fraction() * Math.max(1, to - from - SCAN_LENGTH))),
      SCAN_LENGTH,
    )
  }
  return entries / ((performance.now() - started) / 1000)
}

async function scenario(engine: 'strata' | 'classic-level', name: 'whole' | '10%') {
  const directory = freshDirectory(`range-${engine}`)
  const store = engine === 'strata' ? await openStrata(directory) : await openClassic(directory)
  const random = new Random(42)
  await putAscending(store, keys)
  await store.compact()
  const from = name === 'whole' ? 0 : Math.floor(keys * 0.45)
  const to = name === 'whole' ? keys : Math.floor(keys * 0.55)
  const survivors: [number, number][] =
    name === 'whole'
      ? []
      : [
          [0, from],
          [to, keys],
        ]
  const bytesBefore = diskBytes(directory)
  const readsBefore = await readRate(store, survivors, random)
  const scansBefore = await scanRate(store, survivors, random)
  let started = performance.now()
  await store.deleteRange(name === 'whole' ? {} : { gte: keyOf(from), lt: keyOf(to) })
  const acknowledgeMs = performance.now() - started
  const readsAfterDelete = await readRate(store, survivors, random)
  const scansAfterDelete = await scanRate(store, survivors, random)
  started = performance.now()
  await store.compact()
  const compactMs = performance.now() - started
  const bytesAfter = diskBytes(directory)
  const readsAfterCompact = await readRate(store, survivors, random)
  const scansAfterCompact = await scanRate(store, survivors, random)
  await store.close()
  removeDirectory(directory)
  const round = (x: number) => Math.round(x)
  return {
    engine,
    range: name,
    acknowledgeMs: Number(acknowledgeMs.toFixed(3)),
    compactMs: round(compactMs),
    bytesBefore,
    bytesAfter,
    readsPerSecond: [readsBefore, readsAfterDelete, readsAfterCompact].map(round),
    scannedPerSecond: [scansBefore, scansAfterDelete, scansAfterCompact].map(round),
  }
}

console.log(
  `range-delete bench: ${keys} keys, ${rounds} round(s), load ${(await import('node:os'))
    .loadavg()
    .map((x) => x.toFixed(1))
    .join(' ')}`,
)
for (let round = 0; round < rounds; round++) {
  for (const name of ['whole', '10%'] as const) {
    for (const engine of ['strata', 'classic-level'] as const) {
      console.log(JSON.stringify(await scenario(engine, name)))
    }
  }
}
