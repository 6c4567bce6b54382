/**
 * The cost a range tombstone adds to point reads of keys outside it: two stores with the same
 * n keys (compacted, blocks cached after a warm-up), one of them with a range tombstone over
 * keys it does not hold (in its memtable, then in a table, then compacted away); rounds of random
 * `getSync` reads alternate between them. Prints the reads per second of each round (wall clock) and per CPU
 * second of the process, their medians, and the ratio of each pair of rounds (with/without) with
 * its median, min and max: the spread a finding must stand out from.
 *
 *   node dist/range-delete-reads.js [keys=200000] [rounds=7] [reads=200000]
 */
import { open } from '@strata/engine'
import { freshDirectory, removeDirectory } from './disk.js'
import { keyOf, putAscending } from './keys.js'
import { Random } from './random.js'

const keys = Number(process.argv[2] ?? 200_000)
const rounds = Number(process.argv[3] ?? 7)
const reads = Number(process.argv[4] ?? 200_000)

async function store(withTombstone: boolean) {
  const directory = freshDirectory(withTombstone ? 'reads-tombstone' : 'reads-plain')
  const db = await open(directory, { sync: false, blockCacheBytes: 256 * 1024 * 1024 })
  await putAscending(db, keys)
  await db.compactRange()
  // Keys numbered from `keys` on are never written: the tombstone covers none of the reads.
  if (withTombstone) await db.deleteRange({ gte: keyOf(keys), lt: keyOf(keys * 2) })
  return { db, directory }
}

/** Reads per wall-clock second and per CPU second (user + system) of one round. */
function readRate(db: Awaited<ReturnType<typeof store>>['db'], seed: number): { wall: number; cpu: number } {
  const random = new Random(seed)
  const started = performance.now()
  const cpuStarted = process.cpuUsage()
  for (let index = 0; index < reads; index++) {
    if (db.getSync(keyOf(Math.floor(random.fraction() * keys))) === undefined) throw new Error('missing key')
  }
  const cpu = process.cpuUsage(cpuStarted)
  return {
    wall: reads / ((performance.now() - started) / 1000),
    cpu: reads / ((cpu.user + cpu.system) / 1e6),
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!
const plain = await store(false)
const covered = await store(true)
readRate(plain.db, 1) // warm-up: every block cached
readRate(covered.db, 1)
for (const phase of ['tombstone in the memtable', 'tombstone in a table', 'after compactRange'] as const) {
  if (phase === 'tombstone in a table') await covered.db.flush()
  // Nothing below holds a key of the range: the compaction drops the tombstone itself.
  if (phase === 'after compactRange') {
    await covered.db.compactRange()
    await plain.db.compactRange()
    readRate(covered.db, 1) // the compaction's output tables are new: cache their blocks again
    readRate(plain.db, 1)
  }
  const rates = {
    plain: [] as number[],
    tombstone: [] as number[],
    plainCpu: [] as number[],
    tombstoneCpu: [] as number[],
  }
  for (let round = 0; round < rounds; round++) {
    // The order within a pair alternates too, so neither store always reads first.
    const [first, second] = round % 2 === 0 ? [plain.db, covered.db] : [covered.db, plain.db]
    const firstRate = readRate(first, round + 2)
    const secondRate = readRate(second, round + 2)
    const [plainRate, tombstoneRate] = round % 2 === 0 ? [firstRate, secondRate] : [secondRate, firstRate]
    rates.plain.push(Math.round(plainRate.wall))
    rates.tombstone.push(Math.round(tombstoneRate.wall))
    rates.plainCpu.push(Math.round(plainRate.cpu))
    rates.tombstoneCpu.push(Math.round(tombstoneRate.cpu))
  }
  const pairs = rates.tombstone.map((rate, round) => Number((rate / rates.plain[round]!).toFixed(3)))
  const cpuPairs = rates.tombstoneCpu.map((rate, round) => Number((rate / rates.plainCpu[round]!).toFixed(3)))
  console.log(
    JSON.stringify({
      phase,
      keys,
      reads,
      ...rates,
      medianPlain: median(rates.plain),
      medianTombstone: median(rates.tombstone),
      ratio: Number((median(rates.tombstone) / median(rates.plain)).toFixed(3)),
      pairRatios: pairs,
      pairRatio: { median: median(pairs), min: Math.min(...pairs), max: Math.max(...pairs) },
      cpuRatio: Number((median(rates.tombstoneCpu) / median(rates.plainCpu)).toFixed(3)),
      cpuPairRatio: { median: median(cpuPairs), min: Math.min(...cpuPairs), max: Math.max(...cpuPairs) },
    }),
  )
}
for (const { db, directory } of [plain, covered]) {
  await db.close()
  removeDirectory(directory)
}
