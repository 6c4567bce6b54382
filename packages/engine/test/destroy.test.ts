/**
 * destroy(): removes only strata's files, and the directory when nothing else is left; refuses a
 * foreign directory, a database open for writing, and a missing directory.
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { destroy, open } from '../src/index.js'
import { temporaryDirectory } from './helpers.js'

async function makeDatabase(directory: string): Promise<void> {
  const database = await open(directory, { memtableBytes: 16 * 1024, sync: false })
  for (let index = 0; index < 100; index++)
    await database.put(Buffer.from(`k${index}`), Buffer.alloc(40, index))
  await database.flush()
  await database.put(Buffer.from('tail'), Buffer.from('wal'))
  await database.close()
}

describe('destroy', () => {
  it('removes every file of the database and then the empty directory', async () => {
    const directory = join(temporaryDirectory(), 'db')
    await makeDatabase(directory)
    expect(readdirSync(directory).some((name) => name.endsWith('.sst'))).toBe(true)
    const result = await destroy(directory)
    expect(result.directoryRemoved).toBe(true)
    expect(result.removed).toContain('CURRENT')
    expect(existsSync(directory)).toBe(false)
  })

  it("keeps files that are not strata's, and the directory holding them", async () => {
    const directory = temporaryDirectory()
    await makeDatabase(directory)
    writeFileSync(join(directory, 'notes.txt'), 'mine')
    mkdirSync(join(directory, 'sub'))
    const result = await destroy(directory)
    expect(result.directoryRemoved).toBe(false)
    expect(readdirSync(directory).sort()).toEqual(['notes.txt', 'sub'])
    expect(result.kept.sort()).toEqual(['notes.txt', 'sub'])
  })

  it('refuses a database open for writing, a foreign directory and a missing one, touching nothing', async () => {
    const directory = temporaryDirectory()
    await makeDatabase(directory)
    const database = await open(directory)
    const before = readdirSync(directory).sort()
    await expect(destroy(directory)).rejects.toMatchObject({ code: 'STRATA_LOCKED' })
    expect(readdirSync(directory).sort()).toEqual(before)
    await database.close()

    const foreign = temporaryDirectory()
    writeFileSync(join(foreign, 'data.bin'), 'x')
    writeFileSync(join(foreign, '000001.sst'), 'not a table of ours')
    await expect(destroy(foreign)).rejects.toMatchObject({ code: 'STRATA_NOT_A_DATABASE' })
    expect(readdirSync(foreign).sort()).toEqual(['000001.sst', 'data.bin'])
    await expect(destroy(join(foreign, 'none'))).rejects.toMatchObject({ code: 'STRATA_NOT_FOUND' })
  })
})
