/**
 * Real crashes: a child process writes with sync: true and is killed with SIGKILL at a random
 * moment, round after round on one directory (flushes and compactions included, since the sizes
 * are tiny). After each kill the database is reopened and checked: every acknowledged put and
 * delete holds, and every batch is all-or-nothing — a batch holding a range delete included.
 * Prints its seed.
 */
import { fileURLToPath } from 'node:url'
import { eventsUntilKilled } from '@strata/base/testing'
import { describe, expect, it } from 'vitest'
import { open } from '../src/index.js'
import { random, seedFor, temporaryDirectory } from './helpers.js'

const fixture = fileURLToPath(new URL('./fixtures/crash-writer.ts', import.meta.url))

interface Event {
  I?: 'put' | 'del' | 'batch' | 'rangedel'
  A?: 'put' | 'del' | 'batch' | 'rangedel'
  ready?: boolean
  key?: string
  value?: string
  id?: string
  keys?: string[]
}

/** Runs the writer until `killAfterMs` after it is ready, then SIGKILLs it; returns its events. */
async function runAndKill(
  directory: string,
  round: number,
  seed: number,
  killAfterMs: number,
): Promise<Event[]> {
  return eventsUntilKilled<Event>(
    ['--import', 'tsx', fixture, directory, String(round), String(seed)],
    killAfterMs,
  )
}

describe('crash recovery (SIGKILL)', () => {
  it('keeps every acknowledged write and every batch all-or-nothing across many kills', async () => {
    const seed = seedFor('crash')
    const next = random(seed)
    const directory = temporaryDirectory()
    /** Keys whose state is known: value (present) or null (deleted). */
    const expected = new Map<string, string | null>()
    /** Keys whose last write was issued but maybe not acknowledged: either state is allowed. */
    const uncertain = new Map<string, { before: string | null | undefined; after: string | null }>()
    const batches: { id: string; keys: string[]; acknowledged: boolean }[] = []
    /** Range deletes of a batch's keys (with the marker `<id>-cleared` in the same batch). */
    const rangeDeletes: { id: string; keys: string[]; acknowledged: boolean }[] = []
    let rangeDeletesAcknowledged = 0
    let acknowledged = 0
    // At least 8 kills; more (up to 20) while the kills have not yet landed among enough
    // acknowledged writes and range deletes (a loaded machine starts the writer slowly).
    const minimumRounds = 8
    const enoughLanded = () => acknowledged > minimumRounds * 2 && rangeDeletesAcknowledged > 0
    let round = 0
    for (; round < minimumRounds || (round < 20 && !enoughLanded()); round++) {
      const events = await runAndKill(
        directory,
        round,
        Math.floor(next() * 2 ** 31),
        300 + Math.floor(next() * 900),
      )
      for (const event of events) {
        if (event.I === 'put')
          uncertain.set(event.key!, { before: expected.get(event.key!), after: event.value! })
        if (event.I === 'del') uncertain.set(event.key!, { before: expected.get(event.key!), after: null })
        if (event.I === 'batch') batches.push({ id: event.id!, keys: event.keys!, acknowledged: false })
        if (event.A === 'put' || event.A === 'del') {
          expected.set(event.key!, event.A === 'put' ? event.value! : null)
          uncertain.delete(event.key!)
          acknowledged++
        }
        if (event.I === 'rangedel') {
          // The batch it clears was acknowledged: its keys hold its value or are gone.
          const index = batches.findIndex((batch) => batch.id === event.id)
          if (index >= 0) batches.splice(index, 1)
          for (const key of event.keys!) uncertain.set(key, { before: `batch-${event.id}`, after: null })
          rangeDeletes.push({ id: event.id!, keys: event.keys!, acknowledged: false })
        }
        if (event.A === 'rangedel') {
          for (const key of event.keys!) {
            expected.set(key, null)
            uncertain.delete(key)
          }
          expected.set(`${event.id}-cleared`, 'yes')
          rangeDeletes.find((entry) => entry.id === event.id)!.acknowledged = true
          rangeDeletesAcknowledged++
          acknowledged++
        }
        if (event.A === 'batch') {
          batches.find((batch) => batch.id === event.id)!.acknowledged = true
          acknowledged++
        }
      }
      const database = await open<string, string>(directory, { keyEncoding: 'utf8', valueEncoding: 'utf8' })
      try {
        for (const [key, value] of expected) {
          if (uncertain.has(key)) continue
          expect(await database.get(key), `seed ${seed} round ${round}: acknowledged ${key}`).toBe(
            value ?? undefined,
          )
        }
        for (const entry of rangeDeletes.splice(0)) {
          const values = await database.getMany(entry.keys)
          const gone = values.every((value) => value === undefined)
          const kept = values.every((value) => value === `batch-${entry.id}`)
          const marker = await database.get(`${entry.id}-cleared`)
          const what = `seed ${seed} round ${round}: range delete of batch ${entry.id}`
          expect(marker === 'yes' ? gone : kept, `${what} all-or-nothing`).toBe(true)
          if (entry.acknowledged) expect(marker, `${what} acknowledged`).toBe('yes')
          expected.set(`${entry.id}-cleared`, marker ?? null)
        }
        for (const [key, { before, after }] of uncertain) {
          const actual = (await database.get(key)) ?? null
          expect([before ?? null, after], `seed ${seed} round ${round}: in-flight ${key}`).toContain(actual)
          // Whatever recovery decided is now the known state.
          expected.set(key, actual)
        }
        uncertain.clear()
        for (const batch of batches.splice(0)) {
          const values = await database.getMany(batch.keys)
          const present = values.filter((value) => value === `batch-${batch.id}`).length
          if (batch.acknowledged) {
            expect(present, `seed ${seed} round ${round}: acknowledged batch ${batch.id}`).toBe(
              batch.keys.length,
            )
          } else {
            expect(
              [0, batch.keys.length],
              `seed ${seed} round ${round}: batch ${batch.id} all-or-nothing`,
            ).toContain(present)
          }
          for (const key of batch.keys) expected.set(key, present > 0 ? `batch-${batch.id}` : null)
        }
      } finally {
        await database.close()
      }
    }
    // Not vacuous: the kills landed among acknowledged writes (178 on an idle 2-core machine,
    // under 40 when it is loaded).
    expect(acknowledged, `${round} kills`).toBeGreaterThan(minimumRounds * 2)
    expect(rangeDeletesAcknowledged, `${round} kills`).toBeGreaterThan(0)
    // The kills landed on a tree that was flushing and compacting, not on a lone memtable.
    const database = await open(directory, { autoCompaction: false })
    const levels = database.stats().levels
    await database.close()
    expect(levels.slice(1).some((level) => level.files > 0)).toBe(true)
    console.log(
      `crash: ${round} kills, ${acknowledged} acknowledged writes checked (${rangeDeletesAcknowledged} range deletes)`,
    )
  }, 240_000)
})
