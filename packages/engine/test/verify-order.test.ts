/** verify() reports two tables of one level (1+) whose key ranges overlap. */
import { nodeFileSystem } from '@strata/base'
import { describe, expect, it } from 'vitest'
import { open, verify } from '../src/index.js'
import { Manifest } from '../src/manifest.js'
import { temporaryDirectory } from './helpers.js'

describe('verify: key order across a level', () => {
  it('reports overlapping tables in level 1, which a sound tree never has', async () => {
    const directory = temporaryDirectory()
    const database = await open(directory, {
      keyEncoding: 'utf8',
      valueEncoding: 'utf8',
      autoCompaction: false,
    })
    for (const round of [1, 2]) {
      for (let index = 0; index < 50; index++) await database.put(`k${index}`, `round ${round}`)
      await database.flush()
    }
    await database.close()
    expect((await verify(directory)).ok).toBe(true)

    // Move both (overlapping) level-0 tables to level 1 with a manifest edit.
    const manifest = await Manifest.recover(nodeFileSystem, directory, Number.MAX_SAFE_INTEGER)
    const level0 = manifest.current.version.levels[0]!
    expect(level0.length).toBe(2)
    await manifest.apply({
      removed: level0.map((table) => ({ level: 0, fileNumber: table.fileNumber })),
      added: level0.map((table) => ({ level: 1, table })),
    })
    await manifest.close()
    const report = await verify(directory)
    expect(report.ok).toBe(false)
    expect(report.problems).toHaveLength(1)
    expect(report.problems[0]!.reason).toMatch(/level 1: .*must not overlap/)
  })
})
