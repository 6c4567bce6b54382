import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { oneLineFailure, removeScratch, scratch, strata } from './helpers.js'

const root = scratch()
afterAll(() => removeScratch(root))

/** A database with a few keys in a table (after `compact`) and one in the WAL. */
function database(name: string): string {
  const directory = join(root, name)
  for (const key of ['a', 'b', 'c']) expect(strata(['put', directory, key, `value-${key}`]).code).toBe(0)
  expect(strata(['compact', directory]).code).toBe(0)
  expect(strata(['put', directory, 'd', 'value-d']).code).toBe(0)
  return directory
}

const listing = (directory: string) =>
  readdirSync(directory)
    .sort()
    .map((name) => [name, readFileSync(join(directory, name)).toString('base64')])

describe('hints after a failure', () => {
  it('calls a database without CURRENT damaged, suggests repair, and never a write', () => {
    const directory = database('no-current')
    rmSync(join(directory, 'CURRENT'))
    const before = listing(directory)
    for (const args of [
      ['get', directory, 'a'],
      ['scan', directory],
      ['put', directory, 'e', 'value-e'],
    ]) {
      const run = strata(args)
      expect(run.code, args[0]).toBe(1)
      const line = oneLineFailure(run)
      expect(line, args[0]).toMatch(/holds a damaged strata database: .*MANIFEST-\d+.* but no CURRENT file/)
      expect(line, args[0]).toContain(`strata repair ${directory}`)
      expect(line, args[0]).not.toMatch(/strata (put|load)/)
    }
    // The refused put wrote nothing: the directory is as it was.
    expect(listing(directory)).toEqual(before)
  })

  it('prints the code of an engine error and suggests repair for a damaged table', () => {
    const directory = database('bad-table')
    const table = join(directory, readdirSync(directory).find((name) => name.endsWith('.sst'))!)
    const data = readFileSync(table)
    data[10]! ^= 0x40
    writeFileSync(table, data)
    const run = strata(['get', directory, 'a'])
    expect(run.code).toBe(1)
    const line = oneLineFailure(run)
    expect(line).toMatch(/^strata: STRATA_CORRUPTION: .*\.sst is damaged at byte \d+/)
    expect(line).toContain(`strata repair ${directory}`)
    expect(line).not.toMatch(/strata (put|load)/)
  })

  it('suggests a write only for a directory that does not exist', () => {
    const empty = join(root, 'empty')
    mkdirSync(empty)
    const foreign = join(root, 'foreign')
    mkdirSync(foreign)
    writeFileSync(join(foreign, 'notes.txt'), 'mine')
    for (const directory of [empty, foreign]) {
      const line = oneLineFailure(strata(['get', directory, 'k']))
      expect(line).toMatch(/holds no strata database \(no CURRENT file/)
      expect(line).not.toMatch(/strata (put|load|repair)/)
    }
    expect(oneLineFailure(strata(['get', join(root, 'absent'), 'k']))).toMatch(
      /absent does not exist — check the path \(`strata put <dir> <key> <value>` or `strata load` creates a database there\)/,
    )
  })
})
