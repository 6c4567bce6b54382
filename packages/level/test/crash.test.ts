/**
 * Real crashes through the adapter: a child process writes through StrataLevel with its default
 * sync: false (classic-level's default: acknowledged once the OS has the bytes, which survives a
 * crash of the process) and is killed with SIGKILL at a random moment, round after round on one
 * directory. After each kill the database is reopened through StrataLevel and checked: every
 * acknowledged put and delete holds, every batch (array or chained, spanning a sublevel) is
 * all-or-nothing, and the empty key and keys starting with a zero byte come back as written.
 * Prints its seed.
 */
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { eventsUntilKilled } from '@strata/base/testing'
import { describe, expect, it } from 'vitest'
import { StrataLevel } from '../src/index.js'
import { random, seedFor, temporaryDirectory } from './helpers.js'

const fixture = fileURLToPath(new URL('./fixtures/crash-writer.ts', import.meta.url))

interface Event {
  I?: 'put' | 'del' | 'batch'
  A?: 'put' | 'del' | 'batch'
  ready?: boolean
  key?: string
  value?: string
  id?: string
  keys?: string[]
  subKeys?: string[]
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

describe('crash recovery through the adapter (SIGKILL)', () => {
  it('keeps every acknowledged write and every batch all-or-nothing, with default sync: false', async () => {
    const seed = seedFor('level crash')
    const next = random(seed)
    const directory = join(temporaryDirectory(), 'db')
    /** Keys whose state is known: value (present) or null (deleted). */
    const expected = new Map<string, string | null>()
    /** Keys whose last write was issued but maybe not acknowledged: either state is allowed. */
    const uncertain = new Map<string, { before: string | null | undefined; after: string | null }>()
    const batches: { id: string; keys: string[]; subKeys: string[]; acknowledged: boolean }[] = []
    let acknowledged = 0
    const rounds = 4
    for (let round = 0; round < rounds; round++) {
      const events = await runAndKill(
        directory,
        round,
        Math.floor(next() * 2 ** 31),
        200 + Math.floor(next() * 500),
      )
      for (const event of events) {
        if (event.I === 'put')
          uncertain.set(event.key!, { before: expected.get(event.key!), after: event.value! })
        if (event.I === 'del') uncertain.set(event.key!, { before: expected.get(event.key!), after: null })
        if (event.I === 'batch') {
          batches.push({ id: event.id!, keys: event.keys!, subKeys: event.subKeys!, acknowledged: false })
        }
        if (event.A === 'put' || event.A === 'del') {
          expected.set(event.key!, event.A === 'put' ? event.value! : null)
          uncertain.delete(event.key!)
          acknowledged++
        }
        if (event.A === 'batch') {
          batches.find((batch) => batch.id === event.id)!.acknowledged = true
          acknowledged++
        }
      }
      const db = new StrataLevel<string, string>(directory, { keyEncoding: 'hex' })
      const sublevel = db.sublevel<string, string>('sub', { keyEncoding: 'hex' })
      await db.open()
      try {
        for (const [key, value] of expected) {
          if (uncertain.has(key)) continue
          expect(await db.get(key), `seed ${seed} round ${round}: acknowledged ${key}`).toBe(
            value ?? undefined,
          )
        }
        for (const [key, { before, after }] of uncertain) {
          const actual = (await db.get(key)) ?? null
          expect([before ?? null, after], `seed ${seed} round ${round}: in-flight ${key}`).toContain(actual)
          expected.set(key, actual)
        }
        uncertain.clear()
        for (const batch of batches.splice(0)) {
          const values = [...(await db.getMany(batch.keys)), ...(await sublevel.getMany(batch.subKeys))]
          const present = values.filter((value) => value === `batch-${batch.id}`).length
          const total = batch.keys.length + batch.subKeys.length
          if (batch.acknowledged) {
            expect(present, `seed ${seed} round ${round}: acknowledged batch ${batch.id}`).toBe(total)
          } else {
            expect([0, total], `seed ${seed} round ${round}: batch ${batch.id} all-or-nothing`).toContain(
              present,
            )
          }
          for (const key of batch.keys) expected.set(key, present > 0 ? `batch-${batch.id}` : null)
        }
      } finally {
        await db.close()
      }
    }
    expect(acknowledged).toBeGreaterThan(rounds * 20)
    // The empty key (the first write) was acknowledged and checked like any other.
    expect(expected.has('')).toBe(true)
    console.log(`level crash: ${rounds} kills, ${acknowledged} acknowledged writes checked`)
  }, 60_000)
})
