/**
 * Model-based test: random puts, deletes, range deletes, batches, gets, iterations, snapshots,
 * flushes, range compactions and reopens against a Map oracle, with tiny sizes so flushes and compactions happen constantly.
 * Prints its seed; replay with STRATA_SEED=<seed>.
 */
import { MemoryFileSystem } from '@strata/base'
import { describe, expect, it } from 'vitest'
import { type Database, type OpenOptions, open, repair, type Snapshot } from '../src/index.js'
import { random, seedFor, temporaryDirectory } from './helpers.js'

type Model = Map<string, string>

interface HeldSnapshot {
  snapshot: Snapshot
  model: Model
  iterator: ReturnType<Database<string, string>['iterator']> | undefined
  iteratorExpected: [string, string][] | undefined
}

function expectedRange(
  model: Model,
  options: { gt?: string; gte?: string; lt?: string; lte?: string; reverse?: boolean; limit?: number },
) {
  let entries = [...model.entries()]
    .filter(
      ([key]) =>
        (options.gt === undefined || key > options.gt) && (options.gte === undefined || key >= options.gte),
    )
    .filter(
      ([key]) =>
        (options.lt === undefined || key < options.lt) && (options.lte === undefined || key <= options.lte),
    )
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  if (options.reverse) entries.reverse()
  if (options.limit !== undefined && options.limit >= 0) entries = entries.slice(0, options.limit)
  return entries
}

type Bounds = { gt?: string; gte?: string; lt?: string; lte?: string }

/** Whether `bounds` holds no key at all (deleteRange refuses it). */
function isEmptyRange(bounds: Bounds): boolean {
  const lower = bounds.gte ?? (bounds.gt === undefined ? '' : `${bounds.gt}\u0000`)
  const upper = bounds.lt ?? (bounds.lte === undefined ? undefined : `${bounds.lte}\u0000`)
  return upper !== undefined && lower >= upper
}

function deleteFromModel(model: Model, bounds: Bounds): void {
  for (const [key] of expectedRange(model, bounds)) model.delete(key)
}

async function runModel(
  seed: number,
  steps: number,
  options: OpenOptions<string, string>,
  directory: string,
) {
  const next = random(seed)
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!
  // Latin-1 keys only: JS string order equals byte order for them, so the oracle sorts right.
  const keyFor = () =>
    `k${Math.floor(next() * 300)
      .toString(36)
      .padStart(2, '0')}${next() < 0.1 ? '\u00ff' : ''}`
  // Mostly narrow ranges (a few keys), sometimes open-ended ones.
  const rangeFor = (): Bounds => {
    const bounds: Bounds = {}
    const low = keyFor()
    if (next() < 0.9) bounds[next() < 0.5 ? 'gt' : 'gte'] = low
    if (next() < 0.9) {
      const high = next() < 0.7 ? `${low.slice(0, 2)}${String.fromCharCode(low.charCodeAt(2) + 1)}` : keyFor()
      bounds[next() < 0.5 ? 'lt' : 'lte'] = high
    }
    return bounds
  }
  const valueFor = (step: number) => `v${step}-${'x'.repeat(Math.floor(next() * 60))}`
  const fullOptions: OpenOptions<string, string> = { ...options, keyEncoding: 'utf8', valueEncoding: 'utf8' }
  let database = await open<string, string>(directory, fullOptions)
  let model: Model = new Map()
  const totals = { flushes: 0, compactions: 0, reopens: 0, checkpoints: 0, repairs: 0 }
  const count = () => {
    const stats = database.stats()
    totals.flushes += stats.flushes
    totals.compactions += stats.compaction.compactions + stats.compaction.trivialMoves
  }
  const held: HeldSnapshot[] = []
  const context = (step: number, what: string) => `seed ${seed}, step ${step}: ${what}`

  for (let step = 0; step < steps; step++) {
    const roll = next()
    if (roll < 0.35) {
      const key = keyFor()
      const value = valueFor(step)
      await database.put(key, value)
      model.set(key, value)
    } else if (roll < 0.45) {
      if (next() < 0.3) {
        const bounds = rangeFor()
        if (isEmptyRange(bounds)) {
          await expect(database.deleteRange(bounds), context(step, 'empty range')).rejects.toMatchObject({
            code: 'STRATA_INVALID_ARGUMENT',
          })
        } else {
          await database.deleteRange(bounds)
          deleteFromModel(model, bounds)
        }
      } else {
        const key = keyFor()
        await database.delete(key)
        model.delete(key)
      }
    } else if (roll < 0.55) {
      const operations = Array.from({ length: 1 + Math.floor(next() * 6) }, () => {
        const kind = next()
        if (kind < 0.6) return { type: 'put' as const, key: keyFor(), value: valueFor(step) }
        if (kind < 0.9) return { type: 'del' as const, key: keyFor() }
        const bounds = rangeFor()
        return isEmptyRange(bounds)
          ? { type: 'del' as const, key: keyFor() }
          : { type: 'deleteRange' as const, ...bounds }
      })
      await database.batch(operations)
      for (const operation of operations) {
        if (operation.type === 'put') model.set(operation.key, operation.value)
        else if (operation.type === 'del') model.delete(operation.key)
        else deleteFromModel(model, operation)
      }
    } else if (roll < 0.7) {
      const key = next() < 0.8 ? pick([...model.keys(), keyFor()]) : keyFor()
      const expected = model.get(key)
      expect(await database.get(key), context(step, `get ${key}`)).toBe(expected)
      expect(database.getSync(key), context(step, `getSync ${key}`)).toBe(expected)
    } else if (roll < 0.8) {
      const bounds: Record<string, string | boolean | number> = {}
      if (next() < 0.5) bounds[pick(['gt', 'gte'])] = keyFor()
      if (next() < 0.5) bounds[pick(['lt', 'lte'])] = keyFor()
      if (next() < 0.5) bounds.reverse = true
      if (next() < 0.3) bounds.limit = Math.floor(next() * 20)
      const actual = await database.iterator(bounds).all()
      expect(actual, context(step, `iterator ${JSON.stringify(bounds)}`)).toEqual(
        expectedRange(model, bounds),
      )
    } else if (roll < 0.85) {
      const snapshot = database.snapshot()
      const entry: HeldSnapshot = {
        snapshot,
        model: new Map(model),
        iterator: undefined,
        iteratorExpected: undefined,
      }
      if (next() < 0.5) {
        // An iterator opened now must read this state even after later flushes and compactions.
        entry.iterator = database.iterator()
        entry.iteratorExpected = expectedRange(model, {})
      }
      held.push(entry)
    } else if (roll < 0.92 && held.length > 0) {
      const index = Math.floor(next() * held.length)
      const entry = held[index]!
      const key = pick([...entry.model.keys(), keyFor()])
      expect(
        await database.get(key, { snapshot: entry.snapshot }),
        context(step, `snapshot get ${key}`),
      ).toBe(entry.model.get(key))
      expect(
        await database.iterator({ snapshot: entry.snapshot }).all(),
        context(step, 'snapshot iterator'),
      ).toEqual(expectedRange(entry.model, {}))
      if (entry.iterator !== undefined) {
        expect(await entry.iterator.all(), context(step, 'iterator opened earlier')).toEqual(
          entry.iteratorExpected,
        )
        entry.iterator = undefined
      }
      if (next() < 0.5) {
        entry.snapshot.release()
        held.splice(index, 1)
      }
    } else if (roll < 0.97) {
      if (next() < 0.05 && options.autoCompaction !== false) await database.compactRange()
      else await database.flush()
    } else {
      for (const entry of held.splice(0)) {
        await entry.iterator?.close()
        entry.snapshot.release()
      }
      count()
      // A reopen, or the same through a checkpoint (the copy goes on) or after a repair: each
      // must hold exactly what the model holds, range tombstones included.
      const how = next()
      if (how < 0.3) {
        const copy = `${directory}-copy-${step}`
        await database.checkpoint(copy)
        totals.checkpoints++
        await database.close()
        directory = copy
      } else {
        await database.close()
        if (how < 0.6) {
          await repair(directory, options.fs === undefined ? {} : { fs: options.fs })
          totals.repairs++
        }
      }
      totals.reopens++
      database = await open<string, string>(directory, fullOptions)
      expect(await database.iterator().all(), context(step, 'scan after reopen')).toEqual(
        expectedRange(model, {}),
      )
    }
  }
  expect(await database.iterator().all(), `seed ${seed}: final scan`).toEqual(expectedRange(model, {}))
  if (options.autoCompaction !== false) {
    await database.compactRange()
    expect(await database.iterator().all(), `seed ${seed}: scan after compactRange`).toEqual(
      expectedRange(model, {}),
    )
  }
  count()
  await database.close()
  model = new Map()
  console.log(`seed ${seed}: ${JSON.stringify(totals)}`)
  return totals
}

const tiny: OpenOptions<string, string> = {
  memtableBytes: 1024,
  blockBytes: 256,
  targetFileBytes: 2048,
  level1Bytes: 4096,
  levelSizeMultiplier: 2,
  level0CompactionTrigger: 2,
  level0SlowdownTrigger: 3,
  level0StopTrigger: 4,
  sync: false,
}

describe('model-based', () => {
  it('matches a Map oracle with constant flushes and compactions (in-memory file system)', async () => {
    const seed = seedFor('model/memory')
    const stats = await runModel(seed, 2500, { ...tiny, fs: new MemoryFileSystem() }, '/db')
    expect(stats.flushes).toBeGreaterThan(10)
    expect(stats.compactions).toBeGreaterThan(3)
    expect(stats.checkpoints).toBeGreaterThan(3)
    expect(stats.repairs).toBeGreaterThan(3)
  })

  it('matches a Map oracle on disk, compactions in the worker thread', async () => {
    const seed = seedFor('model/disk')
    const stats = await runModel(seed, 1500, tiny, temporaryDirectory())
    expect(stats.compactions).toBeGreaterThan(3)
    // 35-70 s alone on a 2-core machine (752 flushes, each fsynced); the suite runs beside it.
  }, 300_000)

  it('matches a Map oracle without compaction (level 0 only)', async () => {
    const seed = seedFor('model/level0')
    await runModel(seed, 800, { ...tiny, autoCompaction: false, fs: new MemoryFileSystem() }, '/db')
  })
})
