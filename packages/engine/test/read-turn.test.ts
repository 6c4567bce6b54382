import { MemoryFileSystem } from '@strata/base'
import { describe, expect, it } from 'vitest'
import { type CompactionEvent, type Database, open } from '../src/index.js'

const KEYS = 2000
const keyOf = (index: number) => `key-${String(index).padStart(5, '0')}`

async function filled(options: { level0CompactionTrigger?: number } = {}): Promise<Database<string, string>> {
  const database = await open<string, string>('/db', {
    fs: new MemoryFileSystem(),
    keyEncoding: 'utf8',
    valueEncoding: 'utf8',
    sync: false,
    ...options,
  })
  for (let round = 0; round < 3; round++) {
    await database.batch(
      Array.from({ length: KEYS }, (_, index) => ({
        type: 'put' as const,
        key: keyOf(index),
        value: `v${round}`,
      })),
    )
    await database.flush()
  }
  return database
}

/** Runs `read` back to back, never yielding but to its own promises, for `ms`; returns how many
 *  reads ran before a timer set at the start fired (Infinity: it never fired during the loop). */
async function readsBeforeTimer(ms: number, read: (index: number) => Promise<unknown>): Promise<number> {
  let fired = false
  const timer = setTimeout(() => {
    fired = true
  }, 0)
  let firedAfter = Number.POSITIVE_INFINITY
  const started = performance.now()
  for (let index = 0; performance.now() - started < ms; index++) {
    await read(index)
    if (fired && firedAfter === Number.POSITIVE_INFINITY) firedAfter = index
  }
  clearTimeout(timer)
  return firedAfter
}

describe('the reads’ event-loop budget', () => {
  it('lets a timer run during a loop of get() answered from memory', async () => {
    const database = await filled()
    const reads = await readsBeforeTimer(100, async (index) => {
      expect(await database.get(keyOf(index % KEYS))).toBe('v2')
    })
    expect(reads).toBeLessThan(Number.POSITIVE_INFINITY)
    await database.close()
  })

  it('lets a timer run during a loop of iterator reads (next, nextv, seeks)', async () => {
    const database = await filled()
    const iterator = database.iterator()
    expect(await readsBeforeTimer(60, () => iterator.next())).toBeLessThan(Number.POSITIVE_INFINITY)
    await iterator.close()
    const seeks = await readsBeforeTimer(60, async (index) => {
      const entries = await database.iterator({ gte: keyOf(index % KEYS), limit: 3 }).nextv(3)
      expect(entries[0]![0]).toBe(keyOf(index % KEYS))
    })
    expect(seeks).toBeLessThan(Number.POSITIVE_INFINITY)
    await database.close()
  })

  it('lets seek compaction finish while a loop of seeks never yields', async () => {
    const database = await filled({ level0CompactionTrigger: 4 })
    const ends: CompactionEvent[] = []
    database.on('compaction', (event) => {
      if (event.phase === 'end') ends.push(event)
    })
    expect(database.levels()[0]!.tables).toHaveLength(3)
    const started = performance.now()
    let endedDuringLoop = false
    for (let index = 0; performance.now() - started < 1500 && !endedDuringLoop; index++) {
      await database.iterator({ gte: keyOf((index * 7) % KEYS), limit: 2 }).nextv(2)
      endedDuringLoop = ends.length > 0
    }
    expect(endedDuringLoop).toBe(true)
    expect(ends[0]!.reason).toBe('seek')
    expect(database.levels()[0]!.tables).toHaveLength(0)
    await database.close()
  })
})
