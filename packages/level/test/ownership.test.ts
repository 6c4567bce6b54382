/** The engine's ownership and metadata checks through StrataLevel: a foreign directory, a
 *  database that lost CURRENT, a path under a regular file. */
import { createHash } from 'node:crypto'
import { readdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { StrataLevel } from '../src/index.js'
import { temporaryDirectory } from './helpers.js'

function listing(directory: string): string[] {
  return readdirSync(directory)
    .sort()
    .map(
      (name) =>
        `${name} ${createHash('sha256')
          .update(readFileSync(join(directory, name)))
          .digest('hex')}`,
    )
}

const causeCodes = (error: unknown): string[] => {
  const codes: string[] = []
  for (
    let current = error as { code?: string; cause?: unknown } | undefined;
    current;
    current = current.cause as typeof current
  )
    if (current.code !== undefined) codes.push(current.code)
  return codes
}

describe('StrataLevel refuses what is not its own', () => {
  it('a foreign directory: LEVEL_DATABASE_NOT_OPEN caused by STRATA_NOT_A_DATABASE, files untouched', async () => {
    const location = temporaryDirectory()
    for (const name of ['000007.sst', 'wal.log', 'notes.txt'])
      writeFileSync(join(location, name), `user ${name}`)
    const before = listing(location)
    const error = await new StrataLevel(location).open().catch((caught: unknown) => caught)
    expect(causeCodes(error)).toEqual(['LEVEL_DATABASE_NOT_OPEN', 'STRATA_NOT_A_DATABASE'])
    expect(listing(location)).toEqual(before)
  })

  it('a database whose CURRENT was deleted: LEVEL_CORRUPTION, never a fresh empty database', async () => {
    const location = join(temporaryDirectory(), 'db')
    const db = new StrataLevel(location)
    await db.open()
    for (let index = 0; index < 50; index++) await db.put(`k${index}`, `v${index}`)
    await db.close()
    unlinkSync(join(location, 'CURRENT'))
    const before = listing(location)
    const error = await new StrataLevel(location).open().catch((caught: unknown) => caught)
    expect(causeCodes(error)).toEqual(['LEVEL_DATABASE_NOT_OPEN', 'LEVEL_CORRUPTION', 'STRATA_CORRUPTION'])
    expect(listing(location)).toEqual(before)
  })

  it('a location under a regular file: LEVEL_IO_ERROR with the system error ENOTDIR behind it', async () => {
    const base = temporaryDirectory()
    writeFileSync(join(base, 'file'), 'x')
    const error = await new StrataLevel(join(base, 'file', 'db')).open().catch((caught: unknown) => caught)
    expect(causeCodes(error)).toEqual(['LEVEL_DATABASE_NOT_OPEN', 'LEVEL_IO_ERROR', 'STRATA_IO', 'ENOTDIR'])
  })
})
