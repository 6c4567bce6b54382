/**
 * Read-only opens beside a live writer in another process (fixtures/loading-writer.ts), which
 * flushes and compacts all the time: every refresh sees a consistent prefix of the writer's
 * acknowledged batches (all of them acknowledged before the refresh began, each batch whole), an
 * iterator opened before many refreshes keeps reading the tables the writer's compactions
 * deleted, and nothing in the directory is written by the readers.
 */
import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { runUntilKilled } from '@strata/base/testing'
import { describe, expect, it } from 'vitest'
import { type Database, open } from '../src/index.js'
import { temporaryDirectory } from './helpers.js'

const writer = fileURLToPath(new URL('./fixtures/loading-writer.ts', import.meta.url))
const seqKey = (index: number) => `seq:${String(index).padStart(8, '0')}`
const indexOf = (value: string | undefined) => (value === undefined ? 0 : Number(value.split(':')[0]))

/** Checks that `database` shows exactly batches 1..n for some n >= `atLeast`; returns n. */
async function checkPrefix(database: Database<string, string>, atLeast: number): Promise<number> {
  const iterator = database.iterator({ gte: 'seq:', lt: 'seq;' })
  const entries = await iterator.all()
  const counter = indexOf(await database.get('counter'))
  expect(counter).toBeGreaterThanOrEqual(atLeast)
  expect(entries.length).toBe(counter)
  for (let index = 1; index <= counter; index++) expect(entries[index - 1]![0]).toBe(seqKey(index))
  for (let hot = 0; hot < 50; hot++) {
    let expected = counter - ((counter - hot + 50) % 50)
    if (expected <= 0) expected = 0
    expect(indexOf(await database.get(`hot:${hot}`))).toBe(expected)
  }
  return counter
}

/** Names and sizes of the directory's files other than the WAL, tables and manifests, which
 *  the writer changes (the readers must not create or change anything). */
function listing(directory: string): string[] {
  // Filtered before the stat: the writer renames and removes its other files meanwhile.
  return readdirSync(directory)
    .filter((name) => /^(IDENTITY|LOCK)/.test(name))
    .sort()
    .map((name) => `${name}:${statSync(join(directory, name)).mtimeMs}`)
}

describe('read-only open beside a writer in another process', () => {
  it('every refresh shows a consistent prefix holding every batch acknowledged before it', async () => {
    const directory = temporaryDirectory()
    let acknowledged = 0
    let ready!: () => void
    const isReady = new Promise<void>((resolve) => {
      ready = resolve
    })
    let kill: (() => void) | undefined
    const child = runUntilKilled(['--import', 'tsx', writer, directory], (line, killChild) => {
      kill = killChild
      const event = JSON.parse(line) as { ready?: boolean; A?: number }
      if (event.ready) ready()
      if (event.A !== undefined) acknowledged = event.A
    })
    try {
      await isReady
      while (acknowledged < 200) await new Promise((resolve) => setTimeout(resolve, 10))
      const readers = await Promise.all([
        open(directory, { readOnly: true, keyEncoding: 'utf8', valueEncoding: 'utf8' }),
        open(directory, { readOnly: true, keyEncoding: 'utf8', valueEncoding: 'utf8' }),
      ])
      const before = listing(directory)
      const held = readers[1]!.iterator({ gte: 'seq:', lt: 'seq;' })
      const heldCounter = indexOf(await readers[1]!.get('counter'))
      const tablesAtStart = new Set(readdirSync(directory).filter((name) => name.endsWith('.sst')))
      let last = await checkPrefix(readers[0]!, 0)
      const deadline = Date.now() + 3000
      let refreshes = 0
      while (Date.now() < deadline || refreshes < 10) {
        const reader = readers[refreshes % 2]!
        const ackedBefore = acknowledged
        await reader.refresh()
        refreshes++
        if (refreshes % 2 === 1) {
          const seen = await checkPrefix(reader, Math.max(ackedBefore, last))
          last = seen
        }
      }
      expect(last).toBeGreaterThan(200)
      // The writer's compactions deleted tables the held iterator reads: it still reads them.
      const tablesNow = new Set(readdirSync(directory).filter((name) => name.endsWith('.sst')))
      expect([...tablesAtStart].some((name) => !tablesNow.has(name))).toBe(true)
      const heldEntries = await held.all()
      expect(heldEntries.length).toBe(heldCounter)
      expect(heldEntries.at(-1)?.[0]).toBe(seqKey(heldCounter))
      expect(listing(directory)).toEqual(before)
      await expect(readers[0]!.put('k', 'v')).rejects.toMatchObject({ code: 'STRATA_READ_ONLY' })
      await Promise.all(readers.map((reader) => reader.close()))
    } finally {
      kill?.()
      await child
    }
  }, 60_000)
})
