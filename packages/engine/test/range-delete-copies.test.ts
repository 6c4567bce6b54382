/**
 * Range tombstones in the database's copies and rebuilds: a checkpoint and a repair must honour
 * every acknowledged `deleteRange` wherever it lies (the active memtable, a frozen one, a table
 * holding nothing but range tombstones, a table beside data, the WAL of a crashed process), and
 * writes after either must stay visible. Each case is checked against a sorted-map model.
 */
import { copyFileSync, cpSync, existsSync, readdirSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { type Database, open, repair } from '../src/index.js'

type Store = Database<string, string>

import { temporaryDirectory } from './helpers.js'

const KEYS = 200
const key = (index: number) => `k${String(index).padStart(4, '0')}`
const options = { keyEncoding: 'utf8', valueEncoding: 'utf8', sync: false } as const

type Model = Map<string, string>

async function filled(directory: string): Promise<{ db: Store; model: Model }> {
  const db = await open(directory, options)
  const model: Model = new Map()
  for (let index = 0; index < KEYS; index++) {
    await db.put(key(index), `v${index}`)
    model.set(key(index), `v${index}`)
  }
  await db.flush()
  return { db, model }
}

async function deleteRange(db: Store, model: Model, from: number, to: number): Promise<void> {
  await db.deleteRange({ gte: key(from), lt: key(to) })
  for (let index = from; index < to; index++) model.delete(key(index))
}

/** Every key the database at `directory` holds, in order, and a point read of each model key. */
async function expectHolds(directory: string, model: Model): Promise<void> {
  const db = await open(directory, options)
  try {
    const scanned: [string, string][] = []
    for await (const [k, v] of db.iterator()) scanned.push([k as string, v as string])
    expect(scanned).toEqual([...model].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
    for (let index = 0; index < KEYS; index++) expect(await db.get(key(index))).toBe(model.get(key(index)))
  } finally {
    await db.close()
  }
}

/** The states a range tombstone can be in when the copy is made. */
const placements: { name: string; place: (db: Store, model: Model) => Promise<void> }[] = [
  {
    name: 'in the active memtable',
    place: (db, model) => deleteRange(db, model, 20, 120),
  },
  {
    name: 'alone in a flushed table',
    place: async (db, model) => {
      await deleteRange(db, model, 20, 120)
      await db.flush()
    },
  },
  {
    name: 'in a flushed table beside point writes, then more in the memtable',
    place: async (db, model) => {
      await db.put(key(150), 'new')
      model.set(key(150), 'new')
      await deleteRange(db, model, 140, 160)
      await db.flush()
      await deleteRange(db, model, 10, 30)
      await db.put(key(15), 'after')
      model.set(key(15), 'after')
    },
  },
  {
    name: 'compacted into the tables below',
    place: async (db, model) => {
      await deleteRange(db, model, 50, 70)
      await db.flush()
      await db.compactRange()
      await deleteRange(db, model, 0, 5)
    },
  },
]

describe('checkpoint with range tombstones', () => {
  for (const { name, place } of placements) {
    it(`a tombstone ${name} is in the copy, and the copy takes new writes`, async () => {
      const directory = temporaryDirectory()
      const target = join(temporaryDirectory(), 'copy')
      const { db, model } = await filled(directory)
      await place(db, model)
      await db.checkpoint(target)
      // The source goes on: nothing it writes after the checkpoint reaches the copy.
      await db.put(key(60), 'source only')
      await db.close()
      await expectHolds(target, model)
      // The copy's next seq is past every tombstone it holds: a write in a deleted range shows.
      const copy = await open(target, options)
      await copy.put(key(100), 'in the copy')
      await copy.close()
      model.set(key(100), 'in the copy')
      await expectHolds(target, model)
      rmSync(directory, { recursive: true, force: true })
    })
  }
})

describe('repair with range tombstones', () => {
  for (const { name, place } of placements) {
    it(`a tombstone ${name} stays applied after a repair of the closed database`, async () => {
      const directory = temporaryDirectory()
      const { db, model } = await filled(directory)
      await place(db, model)
      await db.close()
      const report = await repair(directory)
      expect(report.keys).toBe(model.size)
      await expectHolds(directory, model)
      const reopened = await open(directory, options)
      await reopened.put(key(100), 'after repair')
      await reopened.close()
      model.set(key(100), 'after repair')
      await expectHolds(directory, model)
    })
  }

  it('a tombstone only in the WAL of a crashed process stays applied', async () => {
    const directory = temporaryDirectory()
    const { db, model } = await filled(directory)
    await db.deleteRange({ gte: key(20), lt: key(120) }, { sync: true })
    for (let index = 20; index < 120; index++) model.delete(key(index))
    // The directory as a crash leaves it: the tombstone is in the WAL only, the LOCK still held.
    const image = join(temporaryDirectory(), 'crashed')
    cpSync(directory, image, { recursive: true })
    await db.close()
    rmSync(join(image, 'LOCK'), { force: true })
    const report = await repair(image)
    expect(report.keys).toBe(KEYS - 100)
    expect(report.lastSeq).toBe(KEYS + 1)
    await expectHolds(image, model)
  })
  it('a repair cut short while moving old tables away leaves no deleted key to come back', async () => {
    const directory = temporaryDirectory()
    const { db, model } = await filled(directory)
    await deleteRange(db, model, 20, 120)
    await db.flush()
    await db.close()
    const data = readdirSync(directory).filter((name) => name.endsWith('.sst'))
    await repair(directory)
    // As if the first repair had stopped before it moved the old data table (the largest) into
    // lost/, after it had moved the table of the range tombstone.
    const moved = data.filter((name) => existsSync(join(directory, 'lost', name)))
    const size = (name: string) => statSync(join(directory, 'lost', name)).size
    const stale = moved.sort((a, b) => size(b) - size(a))[0]!
    expect(moved.length).toBe(2)
    copyFileSync(join(directory, 'lost', stale), join(directory, stale))
    await repair(directory)
    await expectHolds(directory, model)
  })
})
