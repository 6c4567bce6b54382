/**
 * The cost a range tombstone adds to point reads of keys outside it: two stores with the same
 * n keys (compacted, blocks cached after a warm-up), one of them with a range tombstone over
 * keys it does not hold (in its memtable, then in a table); rounds of random `getSync` reads
 * alternate between them. Prints the reads per second of each round and the medians.
 *
 *   node dist/range-delete-reads.js [keys=200000] [rounds=7] [reads=200000]
 */
import { open } from '@strata/engine'
import { freshDirectory, removeDirectory } from './disk.js'
import { keyOf, VALUE_BYTES } from './keys.js'
import { Random } from './random.js'

const keys = Number(process.argv[2] ?? 200_000)
const rounds = Number(process.argv[3] ?? 7)
const reads = Number(process.argv[4] ?? 200_000)

async function store(withTombstone: boolean) {
  const directory = freshDirectory(withTombstone ? 'reads-tombstone' : 'reads-plain')
  const db = await open(directory, { sync: false, blockCacheBytes: 256 * 1024 * 1024 })
  const value = Buffer.alloc(VALUE_BYTES, 0x61)
  for (let start = 0; start < keys; start += 1000) {
    const operations = []
    for (let key = start; key < Math.min(keys, start + 1000); key++) {
      operations.push({ type: 'put' as const, key: keyOf(key), value })
    }
    await db.batch(operations)
  }
  await db.compactRange()
  // Keys numbered from `keys` on are never written: the tombstone covers none of the reads.
  if (withTombstone) await db.deleteRange({ gte: keyOf(keys), lt: keyOf(keys * 2) })
  return { db, directory }
}

function readRate(db: Awaited<ReturnType<typeof store>>['db'], seed: number): number {
  const random = new Random(seed)
  const started = performance.now()
  for (let index = 0; index < reads; index++) {
    if (db.getSync(keyOf(Math.floor(random.fraction() * keys))) === undefined) throw new Error('missing key')
  }
  return reads / ((performance.now() - started) / 1000)
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!
const plain = await store(false)
const covered = await store(true)
readRate(plain.db, 1) // warm-up: every block cached
readRate(covered.db, 1)
for (const phase of ['tombstone in the memtable', 'tombstone in a table'] as const) {
  if (phase === 'tombstone in a table') await covered.db.flush()
  const rates: { plain: number[]; tombstone: number[] } = { plain: [], tombstone: [] }
  for (let round = 0; round < rounds; round++) {
    rates.plain.push(Math.round(readRate(plain.db, round + 2)))
    rates.tombstone.push(Math.round(readRate(covered.db, round + 2)))
  }
  const ratio = median(rates.tombstone) / median(rates.plain)
  console.log(
    JSON.stringify({
      phase,
      keys,
      reads,
      plain: rates.plain,
      tombstone: rates.tombstone,
      medianPlain: median(rates.plain),
      medianTombstone: median(rates.tombstone),
      ratio: Number(ratio.toFixed(3)),
    }),
  )
}
for (const { db, directory } of [plain, covered]) {
  await db.close()
  removeDirectory(directory)
}
