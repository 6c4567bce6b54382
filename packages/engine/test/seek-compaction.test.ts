import { MemoryFileSystem } from '@strata/base'
import { describe, expect, it } from 'vitest'
import { type CompactionEvent, type LevelView, open } from '../src/index.js'
import { BYTES_PER_SEEK, MIN_ALLOWED_SEEKS } from '../src/seek-compaction.js'
import { random, seedFor } from './helpers.js'

const KEYS = 3000
const keyOf = (index: number) => `key-${String(index).padStart(5, '0')}`

/** A store whose three level-0 tables each span every key (below the level-0 trigger of 4, so no
 *  size rule compacts them), newest values last. */
async function unsettled(seekCompaction: boolean) {
  const fs = new MemoryFileSystem()
  const database = await open<string, string>('/db', {
    fs,
    keyEncoding: 'utf8',
    valueEncoding: 'utf8',
    sync: false,
    level0CompactionTrigger: 4,
    seekCompaction,
  })
  const compactions: CompactionEvent[] = []
  database.on('compaction', (event) => void compactions.push(event))
  for (let round = 0; round < 3; round++) {
    const batch = []
    for (let index = round; index < KEYS; index += 3)
      batch.push({ type: 'put' as const, key: keyOf(index), value: `r${round}` })
    batch.push({ type: 'put' as const, key: keyOf(0), value: `first-${round}` })
    batch.push({ type: 'put' as const, key: keyOf(KEYS - 1), value: `last-${round}` })
    await database.batch(batch)
    await database.flush()
  }
  return { database, compactions }
}

/** The seeks level 0's newest table may absorb with level 1 empty (seek-compaction.ts): one per
 *  512 bytes of level 0, at least 100. */
function allowanceOf(levels: LevelView[]): number {
  expect(levels[1]!.tables).toHaveLength(0)
  const bytes = levels[0]!.tables.reduce((sum, table) => sum + table.fileBytes, 0)
  return Math.max(MIN_ALLOWED_SEEKS, Math.floor(bytes / BYTES_PER_SEEK))
}

async function settle() {
  for (let tick = 0; tick < 20; tick++) await new Promise((resolve) => setTimeout(resolve, 10))
}

describe('seek compaction', () => {
  it('compacts level 0 down once iterator seeks have searched its tables often enough, and keeps every entry', async () => {
    const next = random(seedFor('seek-compaction'))
    const { database, compactions } = await unsettled(true)
    expect(database.levels()[0]!.tables).toHaveLength(3)
    const expected = await database.iterator().all()
    const allowance = allowanceOf(database.levels())
    // Fewer seeks than the newest table's allowance: nothing happens.
    for (let seek = 0; seek < allowance - 1; seek++) {
      const start = keyOf(Math.floor(next() * KEYS))
      await database.iterator({ gte: start, limit: 3 }).all()
    }
    await settle()
    expect(compactions).toHaveLength(0)
    // The allowance's last seek (through `seek()` this time) makes it a candidate.
    const iterator = database.iterator()
    iterator.seek(keyOf(1234))
    expect((await iterator.next())?.[0]).toBe(keyOf(1234))
    await iterator.close()
    await settle()
    expect(compactions.map((event) => [event.phase, event.reason, event.level])).toEqual([
      ['begin', 'seek', 0],
      ['end', 'seek', 0],
    ])
    expect(database.levels()[0]!.tables).toHaveLength(0)
    expect(await database.iterator().all()).toEqual(expected)
    expect(await database.get(keyOf(0))).toBe('first-2')
    await database.close()
  })

  it('charges reverse seeks and iterator start bounds too, and nothing when a seek searches one table', async () => {
    const { database, compactions } = await unsettled(true)
    // Past every table's range: no table holds the key, nothing is charged.
    for (let seek = 0; seek < 3 * MIN_ALLOWED_SEEKS; seek++) {
      await database.iterator({ gte: 'zzz', limit: 1 }).all()
    }
    await settle()
    expect(compactions).toHaveLength(0)
    const allowance = allowanceOf(database.levels())
    for (let seek = 0; seek < allowance; seek++) {
      await database.iterator({ lte: keyOf(2000), reverse: true, limit: 1 }).all()
    }
    await settle()
    expect(compactions.filter((event) => event.phase === 'end' && event.reason === 'seek')).toHaveLength(1)
    await database.close()
  })

  it('leaves the tree alone with seekCompaction: false', async () => {
    const { database, compactions } = await unsettled(false)
    for (let seek = 0; seek < 3 * MIN_ALLOWED_SEEKS; seek++) {
      await database.iterator({ gte: keyOf(seek % KEYS), limit: 1 }).all()
    }
    await settle()
    expect(compactions).toHaveLength(0)
    expect(database.levels()[0]!.tables).toHaveLength(3)
    await database.close()
  })
})
