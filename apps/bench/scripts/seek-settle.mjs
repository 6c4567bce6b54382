/**
 * Seeks on a tree a load and an update left unsettled, with and without `seekCompaction`: fills a
 * strata store as the bench's prefill does (n keys, random order), compacts it, overwrites
 * 3 × 30,000 random keys with a flush after each (three level-0 tables spanning every key, below
 * the level-0 trigger of 4), closes it; then, on a fresh copy per side, runs `seeks` seeks of 11
 * entries each (as seekrandom) and yields to the event loop every `yieldEvery` seeks, as a server
 * does between requests. Sides alternate, `rounds` times.
 *
 *   node scripts/seek-settle.mjs [n=1000000] [seeks=400000] [rounds=1] [yieldEvery=1000]
 *
 * `yieldEvery` 0: the loop never yields (as the bench's loops); strata's reads then give the
 * event loop a turn themselves every READ_TURN_MS (read-turn.ts).
 *
 * Prints, per side: the tree before and after, seeks per second overall and per 20,000 seeks,
 * the process's CPU seconds (the compaction worker's included) and each compaction it ran.
 * Run it after `build`.
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const n = Number(process.argv[2] ?? 1_000_000)
const seeks = Number(process.argv[3] ?? 400_000)
const rounds = Number(process.argv[4] ?? 1)
const yieldEvery = Number(process.argv[5] ?? 1000)
const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist')
const { loadAdapter } = await import(join(dist, 'adapters', 'index.js'))
const { prefill } = await import(join(dist, 'workloads.js'))
const { keyOf, storedKeyNumber } = await import(join(dist, 'keys.js'))
const { Random } = await import(join(dist, 'random.js'))
const { open } = await import('@strata/engine')

/** The bench's seeded generator as a function: the same keys for every side. */
function generator(seed) {
  const random = new Random(seed)
  return () => random.below(n)
}
const shape = (db) =>
  db
    .levels()
    .map((level) => level.tables.length)
    .join(',')

const root = mkdtempSync(join(tmpdir(), 'strata-seek-settle-'))
try {
  const template = join(root, 'template')
  const adapter = await (await loadAdapter('strata'))(template, { sync: false })
  await prefill(adapter, n, 1)
  await adapter.close()
  const loaded = await open(template, { sync: false })
  await loaded.compactRange()
  const pick = generator(7)
  for (let round = 0; round < 3; round++) {
    const batch = []
    for (let index = 0; index < 30_000; index++) {
      batch.push({
        type: 'put',
        key: keyOf(storedKeyNumber(pick())),
        value: Buffer.alloc(100, 65 + round),
      })
    }
    await loaded.batch(batch)
    await loaded.flush()
  }
  console.log(
    `n = ${n}, ${seeks} seeks per side, ${yieldEvery > 0 ? `yielding every ${yieldEvery}` : 'never yielding'}; tree after the load and the updates: ${shape(loaded)}`,
  )
  await loaded.close()

  for (let round = 0; round < rounds; round++) {
    for (const seekCompaction of round % 2 === 0 ? [false, true] : [true, false]) {
      const directory = join(root, `copy-${round}-${seekCompaction}`)
      cpSync(template, directory, { recursive: true })
      const db = await open(directory, { sync: false, seekCompaction })
      const compactions = []
      let started = performance.now()
      db.on('compaction', (event) => {
        if (event.phase === 'end') {
          compactions.push(
            `${event.reason} L${event.level}→L${event.outputLevel} ${(event.outputBytes / 1e6).toFixed(1)} MB out (${(event.bytesWritten / 1e6).toFixed(1)} MB written), ` +
              `${Math.round(event.durationMs)} ms, ended at ${Math.round(performance.now() - started)} ms`,
          )
        }
      })
      const before = shape(db)
      const random = generator(11)
      const cpu = process.cpuUsage()
      started = performance.now()
      let mark = started
      const rates = []
      for (let seek = 0; seek < seeks; seek++) {
        const iterator = db.iterator({ gte: keyOf(storedKeyNumber(random())), limit: 11 })
        await iterator.nextv(11)
        await iterator.close()
        if (yieldEvery > 0 && seek % yieldEvery === yieldEvery - 1)
          await new Promise((resolve) => setImmediate(resolve))
        if (seek % 20_000 === 19_999) {
          const now = performance.now()
          rates.push(Math.round(20_000 / ((now - mark) / 1000)))
          mark = now
        }
      }
      const seconds = (performance.now() - started) / 1000
      const used = process.cpuUsage(cpu)
      console.log(
        `seekCompaction: ${seekCompaction}  tree ${before} → ${shape(db)}  ${Math.round(seeks / seconds)} seeks/s, ` +
          `CPU ${((used.user + used.system) / 1e6).toFixed(2)} s\n  per 20,000 seeks: ${rates.join(' ')}` +
          (compactions.length > 0 ? `\n  ${compactions.join('\n  ')}` : ''),
      )
      await db.close()
      rmSync(directory, { recursive: true, force: true })
    }
  }
} finally {
  rmSync(root, { recursive: true, force: true })
}
