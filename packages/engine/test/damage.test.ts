/**
 * Whole-database damage: a seeded workload leaves tables in two levels, overwrites whose older
 * versions live in deeper tables, deletes, and unflushed writes in the WAL. Then, for each file
 * (CURRENT, the manifest, each table, the WAL) and each damage (delete, truncate to 0, cuts at
 * several offsets, a flipped byte at several offsets), on a fresh copy, after a clean close or
 * after a crash: reopen with default options and read every key. No silent loss: each
 * acknowledged key is returned with its latest value (a deleted one as absent), or an error was
 * raised (at open or by the read). Then `repair` must leave a database that opens and scans, in
 * which every key is either right or inside a seq range the report names as possibly missing.
 */
import { MemoryFileSystem } from '@strata/base'
import { CLAIM_INTERVAL_MS, HEADER_BYTES, readFrames } from '@strata/wal'
import { describe, expect, it } from 'vitest'
import { type Database, open, repair } from '../src/index.js'
import { random, seedFor } from './helpers.js'

type Files = Map<string, Uint8Array>
type Expected = Map<string, { value: string | undefined; seq: number }>
interface Trial {
  file: string
  damage: string
  apply: (files: Files) => void
}

const options = { keyEncoding: 'utf8', valueEncoding: 'utf8' } as const

/** Builds the database on `memory` at /db; returns every key's latest acknowledged state. */
async function build(memory: MemoryFileSystem, seed: number, crash: boolean): Promise<Expected> {
  const next = random(seed)
  const database = await open<string, string>('/db', {
    ...options,
    fs: memory,
    autoCompaction: false,
    memtableBytes: 64 * 1024,
  })
  const expected: Expected = new Map()
  let seq = 0
  const key = (index: number) => `key-${String(index).padStart(3, '0')}`
  const put = async (index: number, value: string) => {
    await database.put(key(index), value)
    expected.set(key(index), { value, seq: ++seq })
  }
  // Round 1 → a table compacted down to level 1.
  for (let index = 0; index < 120; index++) await put(index, `r1-${index}-${Math.floor(next() * 1e6)}`)
  await database.flush()
  await database.compactRange()
  // Round 2 → overwrites and deletes in a level-0 table over the level-1 one.
  for (let index = 0; index < 120; index += 2) await put(index, `r2-${index}-${Math.floor(next() * 1e6)}`)
  for (let index = 1; index < 120; index += 9) {
    await database.delete(key(index))
    expected.set(key(index), { value: undefined, seq: ++seq })
  }
  await database.flush()
  // Round 3 → only in the WAL: overwrites of keys that live in both tables, and new keys.
  for (let index = 0; index < 120; index += 3) await put(index, `r3-${index}-${Math.floor(next() * 1e6)}`)
  for (let index = 120; index < 150; index++) await put(index, `r3-${index}`)
  expect(
    database
      .stats()
      .levels.slice(0, 2)
      .map((level) => level.files),
  ).toEqual([1, 1])
  if (crash) {
    // The crash comes after the WAL header's synced seq caught up (it is rewritten at most once
    // per CLAIM_INTERVAL_MS): a cut among the writes of the last interval before a crash reads
    // as a torn tail (docs/format.md, "File header").
    await new Promise((resolve) => setTimeout(resolve, CLAIM_INTERVAL_MS + 20))
    memory.crash()
  } else await database.close()
  return expected
}

/** Every file of /db but LOCK (a crashed owner's LOCK is not part of the data). */
function snapshotOf(memory: MemoryFileSystem): Files {
  const files: Files = new Map()
  for (const name of memory.readdirSync('/db')) {
    if (name !== 'LOCK') files.set(name, Buffer.from(memory.readFileSync(`/db/${name}`)))
  }
  return files
}

function restore(files: Files, directory: string): MemoryFileSystem {
  const memory = new MemoryFileSystem()
  memory.mkdirSync(directory)
  for (const [name, data] of files) memory.writeFileSync(`${directory}/${name}`, data)
  return memory
}

/** Frame boundaries of the WAL after its header (for cuts exactly between frames). */
function walFrameEnds(data: Uint8Array): number[] {
  return readFrames(data.subarray(HEADER_BYTES)).frames.map(
    (frame) => HEADER_BYTES + frame.offset + frame.payload.length + 8,
  )
}

function trialsFor(files: Files): Trial[] {
  const trials: Trial[] = []
  for (const [name, data] of files) {
    const size = data.length
    const add = (damage: string, apply: (bytes: Uint8Array) => Uint8Array | undefined) =>
      trials.push({
        file: name,
        damage,
        apply: (copy) => {
          const result = apply(Buffer.from(copy.get(name)!))
          if (result === undefined) copy.delete(name)
          else copy.set(name, result)
        },
      })
    add('delete', () => undefined)
    add('truncate to 0', () => new Uint8Array(0))
    const cuts = new Set([Math.floor(size / 3), size - 1])
    if (name === 'wal.log') {
      const ends = walFrameEnds(data)
      cuts.add(HEADER_BYTES)
      cuts.add(ends[Math.floor(ends.length / 2)]!) // a frame boundary mid-log
      cuts.add(ends[Math.floor(ends.length / 2)]! + 5) // inside the next frame
      cuts.add(ends[ends.length - 2]!) // the last frame removed whole
    } else cuts.add(Math.floor((size * 2) / 3))
    for (const cut of [...cuts].filter((at) => at > 0 && at < size).sort((a, b) => a - b)) {
      add(`cut at ${cut}/${size}`, (bytes) => bytes.subarray(0, cut))
    }
    for (const at of new Set([0, Math.floor(size / 2), size - 1, Math.min(size - 1, 12)])) {
      add(`flip byte ${at}`, (bytes) => {
        bytes[at]! ^= 0x5a
        return bytes
      })
    }
  }
  return trials
}

type Outcome = 'open error' | 'all right' | `read errors: ${number}` | `SILENT LOSS: ${string}`

async function readBack(memory: MemoryFileSystem, directory: string, expected: Expected): Promise<Outcome> {
  let database: Database<string, string>
  try {
    database = await open<string, string>(directory, { ...options, fs: memory })
  } catch {
    return 'open error'
  }
  let errors = 0
  const lost: string[] = []
  try {
    for (const [key, { value }] of expected) {
      try {
        const found = await database.get(key)
        if (found !== value) lost.push(`${key}: ${String(found)} instead of ${String(value)}`)
      } catch {
        errors++
      }
    }
  } finally {
    await database.close().catch(() => {})
  }
  if (lost.length > 0) return `SILENT LOSS: ${lost.length} keys, e.g. ${lost[0]}`
  return errors === 0 ? 'all right' : `read errors: ${errors}`
}

describe.each([
  ['closed cleanly', false],
  ['crashed', true],
])('damage after the database %s', (_, crash) => {
  const seed = seedFor(`damage/${crash ? 'crash' : 'close'}`)
  const memory = new MemoryFileSystem()
  let expected: Expected
  let files: Files
  let trials: Trial[]
  const outcomes: string[] = []

  it('builds the database', async () => {
    expected = await build(memory, seed, crash)
    files = snapshotOf(memory)
    trials = trialsFor(files)
    // Undamaged, it reads back in full.
    expect(await readBack(restore(files, '/db'), '/db', expected)).toBe('all right')
  })

  it('loses nothing silently, whatever file is damaged and however', async () => {
    expect(trials.length).toBeGreaterThanOrEqual(40)
    const silent: string[] = []
    let index = 0
    for (const trial of trials) {
      const copy = new Map([...files].map(([name, data]) => [name, Buffer.from(data)]))
      trial.apply(copy)
      const directory = `/trial-${index++}`
      const outcome = await readBack(restore(copy, directory), directory, expected)
      const name = `${trial.file}/${trial.damage}`
      outcomes.push(`${name.padEnd(40)} ${outcome}`)
      if (outcome.startsWith('SILENT')) silent.push(`${name}: ${outcome}`)
    }
    console.log(`damage after the database ${_} (seed ${seed}):\n${outcomes.join('\n')}`)
    expect(silent).toEqual([])
  })

  it('a deleted CURRENT is an open error that leaves the directory as it was', async () => {
    const copy = new Map(files)
    copy.delete('CURRENT')
    const fs = restore(copy, '/hl')
    await expect(open('/hl', { ...options, fs })).rejects.toMatchObject({ code: 'STRATA_CORRUPTION' })
    expect(fs.readdirSync('/hl').sort()).toEqual([...copy.keys()].sort())
  })

  it('repair leaves a database that opens and scans, missing only what it reports', async () => {
    const summary: string[] = []
    let index = 0
    for (const trial of trials) {
      const copy = new Map([...files].map(([name, data]) => [name, Buffer.from(data)]))
      trial.apply(copy)
      const directory = `/repair-${index++}`
      const fs = restore(copy, directory)
      const report = await repair(directory, { fs })
      const database = await open<string, string>(directory, { ...options, fs })
      const scanned = new Map(await database.iterator().all())
      let missing = 0
      for (const [key, { value, seq }] of expected) {
        if (scanned.get(key) === value) continue
        missing++
        const reported = report.missingSeqs.some((range) => range.from <= seq && seq <= range.to)
        expect(reported, `${trial.file}/${trial.damage}: ${key} (seq ${seq}) lost without a report`).toBe(
          true,
        )
      }
      await database.close()
      summary.push(
        `${`${trial.file}/${trial.damage}`.padEnd(40)} kept ${report.kept.length}, moved ${report.moved.length}, wrong ${missing}`,
      )
    }
    console.log(`repair after the database ${_}:\n${summary.join('\n')}`)
  })
})
