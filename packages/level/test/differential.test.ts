/**
 * StrataLevel against classic-level itself: the same random operations through the same
 * abstract-level calls on both, every answer compared. Keys come from a small alphabet with the
 * edges of the adapter's key mapping (the empty key, zero bytes, 0xff); tiny memtables make
 * strata flush and compact all the time, so reads cross the memtable, level 0 and deeper levels.
 * Iterators mix next/nextv/all with seek, ranges, reverse and limits, at implicit and explicit
 * snapshots. Prints its seed; replay with STRATA_SEED=<seed>.
 */
import { join } from 'node:path'
import { ClassicLevel } from 'classic-level'
import { describe, expect, it } from 'vitest'
import { StrataLevel } from '../src/index.js'
import { hex, random, seedFor, temporaryDirectory } from './helpers.js'

/** Both databases, through the abstract-level API they share (typed as StrataLevel's). */
type Key = Buffer | string
type Level = StrataLevel<Key, string>
type Range = { gt?: Key; gte?: Key; lt?: Key; lte?: Key; reverse?: boolean; limit?: number }
/** A key's bytes (a string key: its UTF-8 bytes, the order both databases keep). */
const bytesOf = (key: Key) => (typeof key === 'string' ? Buffer.from(key, 'utf8') : key)
/** True when `key` is inside `range` (gte wins over gt, lte over lt, as abstract-level says). */
function withinRange(key: Key, range: Range): boolean {
  const compare = (a: Key, b: Key) => Buffer.compare(bytesOf(a), bytesOf(b))
  if (
    range.gte !== undefined
      ? compare(key, range.gte) < 0
      : range.gt !== undefined && compare(key, range.gt) <= 0
  ) {
    return false
  }
  if (
    range.lte !== undefined
      ? compare(key, range.lte) > 0
      : range.lt !== undefined && compare(key, range.lt) >= 0
  ) {
    return false
  }
  return true
}

const show = (value: unknown): unknown =>
  Buffer.isBuffer(value) ? hex(value) : Array.isArray(value) ? value.map(show) : value

async function runDifferential(
  seed: number,
  steps: number,
  directory: string,
  keyEncoding: 'buffer' | 'utf8',
): Promise<Record<string, number>> {
  const next = random(seed)
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!
  // Bytes, or characters whose UTF-8 bytes sort the same way (ÿ is c3 bf).
  const bytes = [0x00, 0x01, 0x61, 0x62, 0xff]
  const characters = ['\u0000', '\u0001', 'a', 'b', 'ÿ']
  const randomKey = (): Key => {
    const length = Math.floor(next() * 4)
    if (keyEncoding === 'utf8') return Array.from({ length }, () => pick(characters)).join('')
    return Buffer.from(Array.from({ length }, () => pick(bytes)))
  }
  const randomValue = () => `v${Math.floor(next() * 1e6)}`.repeat(1 + Math.floor(next() * 4))
  const randomRange = (): Range => {
    const range: Range = {}
    if (next() < 0.4) range[pick(['gt', 'gte'] as const)] = randomKey()
    if (next() < 0.4) range[pick(['lt', 'lte'] as const)] = randomKey()
    if (next() < 0.5) range.reverse = true
    if (next() < 0.3) range.limit = Math.floor(next() * 6)
    return range
  }

  const options = { keyEncoding, valueEncoding: 'utf8' } as const
  const strata = new StrataLevel<Key, string>(join(directory, 'strata'), {
    ...options,
    memtableBytes: 1024,
    level0CompactionTrigger: 2,
    level1Bytes: 4096,
    targetFileBytes: 2048,
    blockBytes: 256,
  })
  const classic = new ClassicLevel<Key, string>(join(directory, 'classic'), options) as unknown as Level
  const both: [Level, Level] = [strata, classic]
  // getSync() and snapshot() are not deferred until the open, as abstract-level specifies.
  await Promise.all(both.map((db) => db.open()))
  const counts: Record<string, number> = {}
  const snapshots: [ReturnType<Level['snapshot']>, ReturnType<Level['snapshot']>][] = []

  /** Runs `read` on both databases and expects the same answer. */
  const same = async (
    step: number,
    what: string,
    read: (db: Level, index: number) => Promise<unknown>,
    detail: () => unknown = () => '',
  ) => {
    counts[what] = (counts[what] ?? 0) + 1
    const [ours, theirs] = await Promise.all([read(strata, 0), read(classic, 1)])
    if (JSON.stringify(show(ours)) !== JSON.stringify(show(theirs))) {
      console.log(`strata: ${JSON.stringify(show(ours))}\nclassic: ${JSON.stringify(show(theirs))}`)
      const keys = await classic.keys().all()
      console.log(
        `seed ${seed}, step ${step}: ${what} ${JSON.stringify(show(detail()))}; keys ${JSON.stringify(show(keys))}`,
      )
    }
    expect(show(ours), `seed ${seed}, step ${step}: ${what}`).toEqual(show(theirs))
  }

  // STRATA_TRACE=1 prints every write, for replaying a failure with its seed.
  const trace = (step: number, ...what: unknown[]) => {
    if (process.env.STRATA_TRACE === '1') console.log(step, ...what.map((item) => JSON.stringify(show(item))))
  }
  for (let step = 0; step < steps; step++) {
    const roll = next()
    if (roll < 0.3) {
      const key = randomKey()
      const value = randomValue()
      trace(step, 'put', key, value)
      await Promise.all(both.map((db) => db.put(key, value)))
    } else if (roll < 0.4) {
      const key = randomKey()
      trace(step, 'del', key)
      await Promise.all(both.map((db) => db.del(key)))
    } else if (roll < 0.5) {
      const operations = Array.from({ length: 1 + Math.floor(next() * 8) }, () =>
        next() < 0.7
          ? { type: 'put' as const, key: randomKey(), value: randomValue() }
          : { type: 'del' as const, key: randomKey() },
      )
      trace(
        step,
        'batch',
        operations.map((operation) => [operation.type, operation.key]),
      )
      await Promise.all(both.map((db) => db.batch(operations)))
    } else if (roll < 0.53) {
      const range = randomRange()
      trace(step, 'clear', range)
      // classic-level 3.0.0's clear() leaves the empty key behind when it is the only key, so on
      // classic-level the same deletes are made by their definition: the range's keys, deleted.
      const doomed = await classic.keys(range).all()
      await Promise.all([
        strata.clear(range),
        classic.batch(doomed.map((key) => ({ type: 'del' as const, key }))),
      ])
    } else if (roll < 0.63) {
      const key = randomKey()
      const at = snapshots.length > 0 && next() < 0.5 ? pick(snapshots) : undefined
      await same(step, 'get', (db, index) => db.get(key, at === undefined ? {} : { snapshot: at[index]! }))
    } else if (roll < 0.67) {
      const keys = Array.from({ length: 1 + Math.floor(next() * 4) }, randomKey)
      await same(step, 'getMany', (db) => db.getMany(keys))
      await same(step, 'hasMany', (db) => db.hasMany(keys))
    } else if (roll < 0.69) {
      const key = randomKey()
      await same(step, 'getSync', async (db) => db.getSync(key))
    } else if (roll < 0.85) {
      const range = randomRange()
      const at = snapshots.length > 0 && next() < 0.3 ? pick(snapshots) : undefined
      const kind = pick(['iterator', 'keys', 'values'] as const)
      // One script of reads per iterator, replayed on both. classic-level 3.0.0 quirks are kept
      // out (test/level.test.ts covers strata there): it aborts the process (LevelDB asserts
      // valid_ in DBIter::Next/Prev) when reading after a seek outside the range, or after a
      // reverse seek to the empty key, so targets are in range and not empty when reverse; and
      // its limit counts entries it read ahead, not those yielded, so it stops early after a
      // seek: iterators with a limit do not seek.
      const seeks = range.limit === undefined
      const script = Array.from({ length: 1 + Math.floor(next() * 5) }, () => {
        let action = pick(['next', 'next', 'nextv', 'seek', 'all'] as const)
        const target = randomKey()
        const usable = withinRange(target, range) && !(range.reverse === true && target.length === 0)
        if (action === 'seek' && (!seeks || !usable)) action = 'next'
        return { action, size: 1 + Math.floor(next() * 4), target }
      })
      await same(
        step,
        `${kind} script`,
        async (db, index) => {
          const iteratorOptions = at === undefined ? range : { ...range, snapshot: at[index]! }
          const iterator = (db[kind] as (options: object) => ReturnType<Level['iterator']>)(iteratorOptions)
          const seen: unknown[] = []
          try {
            for (const { action, size, target } of script) {
              if (action === 'next') seen.push(await iterator.next())
              else if (action === 'nextv') seen.push(await iterator.nextv(size))
              else if (action === 'seek') iterator.seek(target)
              else {
                seen.push(await iterator.all())
                break
              }
            }
          } finally {
            await iterator.close()
          }
          return seen
        },
        () => [
          range,
          script.map(({ action, size, target }) => [action, size, target]),
          at === undefined ? 'latest' : 'snapshot',
        ],
      )
    } else if (roll < 0.88) {
      snapshots.push([strata.snapshot(), classic.snapshot()])
      counts.snapshot = (counts.snapshot ?? 0) + 1
    } else if (roll < 0.9 && snapshots.length > 0) {
      const [ours, theirs] = snapshots.splice(Math.floor(next() * snapshots.length), 1)[0]!
      await Promise.all([ours.close(), theirs.close()])
    } else if (roll < 0.91) {
      // Reopen both: strata replays its WAL and reloads its tables (open snapshots are closed).
      trace(step, 'reopen')
      snapshots.length = 0
      await Promise.all(both.map((db) => db.close()))
      await Promise.all(both.map((db) => db.open()))
      counts.reopen = (counts.reopen ?? 0) + 1
    } else {
      await same(step, 'full scan', (db) => db.iterator().all())
    }
  }
  await same(steps, 'final scan', (db) => db.iterator().all())
  await Promise.all(both.map((db) => db.close()))
  return counts
}

describe('StrataLevel against classic-level', () => {
  it('answers every read like classic-level over random operations (buffer keys)', async () => {
    const seed = seedFor('differential/buffer')
    const counts = await runDifferential(seed, 2500, temporaryDirectory(), 'buffer')
    console.log(`seed ${seed}: ${JSON.stringify(counts)}`)
    expect(counts.get).toBeGreaterThan(0)
  }, 180_000)

  it('answers every read like classic-level over random operations (utf8 keys)', async () => {
    const seed = seedFor('differential/utf8')
    const counts = await runDifferential(seed, 1500, temporaryDirectory(), 'utf8')
    console.log(`seed ${seed}: ${JSON.stringify(counts)}`)
    expect(counts.get).toBeGreaterThan(0)
  }, 180_000)
})
