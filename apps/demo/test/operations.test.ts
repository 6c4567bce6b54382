/** `strata checkpoint`, `strata verify` and `strata destroy`, run as a user would, with --json. */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { holdOpen, oneLineFailure, removeScratch, scratch, strata } from './helpers.js'

const root = scratch()
afterAll(() => removeScratch(root))

function load(db: string, count: number): void {
  const lines = Array.from({ length: count }, (_, index) =>
    JSON.stringify({ key: `key-${String(index).padStart(5, '0')}`, value: { n: index } }),
  ).join('\n')
  const file = `${db}.jsonl`
  writeFileSync(file, lines)
  expect(strata(['load', db, file, '--quiet']).code).toBe(0)
}

describe('checkpoint, verify, destroy', () => {
  it('checkpoints a database into a copy that verifies and reads the same', () => {
    const db = join(root, 'source')
    load(db, 3000)
    expect(strata(['compact', db]).code).toBe(0)
    expect(strata(['put', db, 'after-compaction', 'in the WAL']).code).toBe(0)
    const copy = join(root, 'copy')
    const run = strata(['checkpoint', db, copy, '--json'])
    expect(run.code).toBe(0)
    const result = JSON.parse(run.stdout)
    expect(result.seq).toBe(3001)
    expect(result.linkedTables + result.copiedTables).toBeGreaterThan(0)
    expect(strata(['get', copy, 'key-02999']).stdout).toBe('{"n":2999}\n')
    expect(strata(['get', copy, 'after-compaction']).stdout).toBe('in the WAL\n')
    const verified = strata(['verify', copy, '--json'])
    expect(verified.code).toBe(0)
    expect(JSON.parse(verified.stdout)).toMatchObject({ ok: true, problems: [] })
    expect(strata(['verify', copy]).stdout).toMatch(/^ok: /)
  })

  it('verify exits 1 and names the file and offset of a flipped byte', () => {
    const db = join(root, 'damaged')
    load(db, 2000)
    expect(strata(['compact', db]).code).toBe(0)
    const table = readdirSync(db).find((name) => name.endsWith('.sst'))!
    const data = readFileSync(join(db, table))
    data[100] = data[100]! ^ 0xff
    writeFileSync(join(db, table), data)
    const run = strata(['verify', db, '--json'])
    expect(run.code).toBe(1)
    const report = JSON.parse(run.stdout)
    expect(report.ok).toBe(false)
    expect(report.problems[0].file).toBe(join(db, table))
    expect(strata(['verify', db]).stdout).toMatch(new RegExp(`${table} at byte \\d+ \\(table\\)`))
  })

  it('destroy refuses an open database and removes a closed one', async () => {
    const db = join(root, 'doomed')
    load(db, 100)
    const holder = await holdOpen(db)
    try {
      const refused = strata(['destroy', db])
      expect(refused.code).toBe(1)
      expect(oneLineFailure(refused)).toMatch(/lock|open/i)
    } finally {
      holder.kill('SIGKILL')
    }
    await new Promise((resolve) => holder.once('close', resolve))
    const run = strata(['destroy', db, '--json'])
    expect(run.code).toBe(0)
    expect(JSON.parse(run.stdout).directoryRemoved).toBe(true)
    expect(existsSync(db)).toBe(false)
  })
})
