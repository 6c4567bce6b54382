/**
 * verify(): a sound database verifies clean (also while a writer loads it); a flipped byte in
 * every kind of table block, in the manifest, the WAL, CURRENT and IDENTITY is reported with its
 * file (and, inside a table, the damaged block's offset).
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { inspectTable } from '@strata/sstable'
import { HEADER_BYTES } from '@strata/wal'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { open, verify } from '../src/index.js'
import { temporaryDirectory } from './helpers.js'

const options = {
  keyEncoding: 'utf8',
  valueEncoding: 'utf8',
  sync: false,
  memtableBytes: 16 * 1024,
  blockBytes: 512,
} as const

let sound: string

/** A copy of the sound database with the byte at `offset` of `name` flipped. */
function damaged(name: string, offset: number): string {
  const directory = temporaryDirectory()
  cpSync(sound, directory, { recursive: true })
  const path = join(directory, name)
  const data = readFileSync(path)
  data[offset] = data[offset]! ^ 0x40
  writeFileSync(path, data)
  return directory
}

beforeAll(async () => {
  sound = mkdtempSync(join(tmpdir(), 'strata-verify-'))
  const database = await open(sound, options)
  for (let index = 0; index < 400; index++)
    await database.put(`k:${String(index).padStart(5, '0')}`, 'v'.repeat(80))
  await database.compactRange()
  for (let index = 0; index < 200; index++) await database.put(`w:${index}`, `fresh ${index}`)
  await database.flush()
  for (let index = 0; index < 20; index++) await database.put(`tail:${index}`, 'in the WAL')
  await database.close()
})

afterAll(() => rmSync(sound, { recursive: true, force: true }))

describe('verify', () => {
  it('finds nothing wrong in a sound database', async () => {
    const report = await verify(sound)
    expect(report.problems).toEqual([])
    expect(report.ok).toBe(true)
    expect(report.tables).toBeGreaterThan(1)
    expect(report.walEntries).toBe(20)
    expect(report.manifestEdits).toBeGreaterThan(1)
  })

  it('finds a flipped byte in every kind of table block', async () => {
    const table = readdirSync(sound).find((name) => name.endsWith('.sst'))!
    const inspection = await inspectTable(join(sound, table))
    const footer = inspection.footer!
    const blocks = {
      data: inspection.dataBlocks[1]!.offset,
      index: footer.index.offset,
      filter: footer.filter.offset,
      properties: footer.properties.offset,
      footer: footer.offset,
    }
    for (const [kind, offset] of Object.entries(blocks)) {
      const report = await verify(damaged(table, offset + 2))
      expect(report.ok, kind).toBe(false)
      const found = report.problems.find((problem) => problem.file.endsWith(table))
      expect(found, kind).toBeDefined()
      expect(found!.kind).toBe('table')
      expect(found!.reason, kind).toContain(kind)
    }
  })

  it('finds a flipped byte in the manifest, the WAL, CURRENT and IDENTITY', async () => {
    const manifest = readdirSync(sound).find((name) => name.startsWith('MANIFEST-'))!
    const cases: [string, number, string][] = [
      [manifest, 6, 'manifest'],
      ['wal.log', HEADER_BYTES + 6, 'wal'],
      ['CURRENT', 0, 'current'],
      ['IDENTITY', 14, 'identity'],
    ]
    for (const [name, offset, kind] of cases) {
      const report = await verify(damaged(name, offset))
      expect(report.ok, name).toBe(false)
      expect(report.problems[0]!.kind, name).toBe(kind)
      expect(report.problems[0]!.file.endsWith(name), name).toBe(true)
    }
  })

  it('verifies a database while it is being written, without blocking the writes', async () => {
    const directory = temporaryDirectory()
    const database = await open(directory, { ...options, level0CompactionTrigger: 2 })
    let stop = false
    let written = 0
    const writing = (async () => {
      for (let index = 0; !stop; index++) {
        await database.put(`k:${index % 700}`, `${index} ${'p'.repeat(60)}`)
        written++
      }
    })()
    // Enough writes that tables exist (and compactions run) before verify starts.
    while (written < 300 || database.stats().flushes < 2) {
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
    const before = written
    for (let round = 0; round < 5; round++) {
      const verifying = database.verify()
      // A write issued while verify runs completes: verify takes no lock.
      await database.put('during', String(round))
      const report = await verifying
      expect(report.problems).toEqual([])
      expect(report.tables).toBeGreaterThan(0)
    }
    expect(written).toBeGreaterThan(before)
    stop = true
    await writing
    await database.close()
  })
})
