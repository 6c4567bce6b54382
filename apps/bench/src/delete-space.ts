/**
 * Space given back by point deletes (issue #17), strata against rocksdb and classic-level in one
 * run: fill n keys (16-byte keys, 100-byte values, random order, batches of 1,000), close; reopen
 * and delete every key one by one (random order, unsynced), close; reopen and idle until the
 * store settles — its bytes on disk unchanged for 5 s (and, for strata, no compaction running),
 * at most 60 s — with no manual compaction; close and report the bytes on disk after each phase.
 * Engines alternate from round to round.
 *
 *   node dist/delete-space.js [keys=1000000] [rounds=1] [engines=strata,rocksdb,classic-level]
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { open } from '@strata/engine'
import type { EngineName } from './adapters/adapter.js'
import { loadAdapter } from './adapters/index.js'
import { diskBytes, freshDirectory, removeDirectory } from './disk.js'
import { KeyList, shuffledKeys } from './keys.js'
import { Random } from './random.js'
import { prefill } from './workloads.js'

const keys = Number(process.argv[2] ?? 1_000_000)
const rounds = Number(process.argv[3] ?? 1)
const engines = (process.argv[4] ?? 'strata,rocksdb,classic-level').split(',') as EngineName[]
/** The store is settled once its bytes have not changed for this long... */
const SETTLED_MS = 5_000
/** ...or after this long, whichever comes first. */
const IDLE_LIMIT_MS = 60_000
const POLL_MS = 500

/** Idles with the store open until it settles; the milliseconds it took. */
async function idleUntilSettled(directory: string, busy: () => boolean): Promise<number> {
  const started = performance.now()
  let bytes = diskBytes(directory)
  let unchangedSince = started
  while (performance.now() - started < IDLE_LIMIT_MS) {
    await sleep(POLL_MS)
    const now = diskBytes(directory)
    if (now !== bytes || busy()) {
      bytes = now
      unchangedSince = performance.now()
    } else if (performance.now() - unchangedSince >= SETTLED_MS) break
  }
  return Math.round(performance.now() - started)
}

async function scenario(engine: EngineName, seed: number) {
  const directory = freshDirectory(`delete-space-${engine}`)
  const openAdapter = await loadAdapter(engine)
  let adapter = await openAdapter(directory, { sync: false })
  let started = performance.now()
  await prefill(adapter, keys, seed)
  await adapter.close()
  const fillMs = performance.now() - started
  const bytesFilled = diskBytes(directory)

  adapter = await openAdapter(directory, { sync: false })
  const order = new KeyList(shuffledKeys(keys, new Random(seed + 1)))
  started = performance.now()
  for (let index = 0; index < keys; index++) {
    const done = adapter.delete(order.key(index))
    if (done instanceof Promise) await done
  }
  await adapter.close()
  const deleteMs = performance.now() - started
  const bytesDeleted = diskBytes(directory)

  let idleMs: number
  let levels: string | undefined
  if (engine === 'strata') {
    // Through the engine itself, to see when its compactions stop and what is left per level.
    const db = await open(directory, { sync: false })
    idleMs = await idleUntilSettled(directory, () => db.stats().compaction.running)
    // Per level holding tables: files, bytes, entries and point tombstones.
    levels = db
      .levels()
      .filter((level) => level.tables.length > 0)
      .map((level) => {
        const entries = level.tables.reduce((sum, table) => sum + table.entries, 0)
        const tombstones = level.tables.reduce((sum, table) => sum + table.tombstones, 0)
        return `L${level.level}: ${level.tables.length} files ${level.bytes} B ${entries} entries ${tombstones} tombstones`
      })
      .join('; ')
    await db.close()
  } else {
    adapter = await openAdapter(directory, { sync: false })
    idleMs = await idleUntilSettled(directory, () => false)
    await adapter.close()
  }
  const bytesSettled = diskBytes(directory)
  removeDirectory(directory)
  return {
    engine,
    keys,
    fillMs: Math.round(fillMs),
    deleteMs: Math.round(deleteMs),
    idleMs,
    bytesFilled,
    bytesDeleted,
    bytesSettled,
    ...(levels === undefined ? {} : { levels }),
  }
}

console.log(
  `delete-space bench: ${keys} keys, ${rounds} round(s), load ${(await import('node:os'))
    .loadavg()
    .map((x) => x.toFixed(1))
    .join(' ')}`,
)
for (let round = 0; round < rounds; round++) {
  const order = engines.map((_, index) => engines[(index + round) % engines.length]!)
  for (const engine of order) console.log(JSON.stringify(await scenario(engine, 7 + round)))
}
