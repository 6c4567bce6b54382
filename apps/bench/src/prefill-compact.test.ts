import { readdirSync } from 'node:fs'
import { open } from '@strata/engine'
import { afterEach, describe, expect, it } from 'vitest'
import { freshDirectory, removeDirectory } from './disk.js'
import { runJob } from './job.js'
import { keyOf, storedKeyNumber } from './keys.js'

const directories: string[] = []
afterEach(() => {
  for (const directory of directories.splice(0)) removeDirectory(directory)
})

/** Tables per level of the strata store in `directory`. */
async function shape(directory: string): Promise<number[]> {
  const db = await open(directory)
  try {
    return db.levels().map((level) => level.tables.length)
  } finally {
    await db.close()
  }
}

describe('--compact-prefill', () => {
  it("leaves strata's prefilled store in one level, level 0 empty; without it level 0 keeps tables", async () => {
    const n = 60_000 // ~7 MB: several 4 MiB memtables, so the fill leaves level-0 tables
    const shapes: Record<string, number[]> = {}
    for (const compact of [false, true]) {
      const directory = freshDirectory('prefill-compact-test')
      directories.push(directory)
      const outcome = await runJob({ kind: 'prefill', engine: 'strata', n, seed: 3, directory, compact })
      expect(outcome).toMatchObject({ ok: true, kind: 'prefill' })
      if (outcome.ok && outcome.kind === 'prefill') {
        expect(outcome.result.compactSeconds === undefined).toBe(!compact)
      }
      shapes[String(compact)] = await shape(directory)
    }
    expect(shapes.false![0]).toBeGreaterThan(0)
    expect(shapes.true![0]).toBe(0)
    expect(shapes.true!.filter((tables) => tables > 0)).toHaveLength(1)
  })

  it.each(['classic-level', 'rocksdb'] as const)(
    "compacts %s's store over every bench key and keeps every key",
    async (engine) => {
      // Small enough to stay in the write buffer and its log: only the compaction writes tables.
      const n = 5_000
      const tables = (directory: string) => readdirSync(directory).filter((name) => /\.(ldb|sst)$/.test(name))
      const plain = freshDirectory('prefill-compact-test')
      directories.push(plain)
      expect(await runJob({ kind: 'prefill', engine, n, seed: 3, directory: plain })).toMatchObject({
        ok: true,
      })
      expect(tables(plain)).toEqual([])
      const directory = freshDirectory('prefill-compact-test')
      directories.push(directory)
      const outcome = await runJob({ kind: 'prefill', engine, n, seed: 3, directory, compact: true })
      expect(outcome).toMatchObject({
        ok: true,
        kind: 'prefill',
        result: { compactSeconds: expect.any(Number) },
      })
      expect(tables(directory).length).toBeGreaterThan(0)
      const { loadAdapter } = await import('./adapters/index.js')
      const adapter = await (await loadAdapter(engine))(directory, { sync: false })
      try {
        let found = 0
        for (let index = 0; index < n; index++)
          if ((await adapter.get(keyOf(storedKeyNumber(index)))) !== undefined) found++
        expect(found).toBe(n)
      } finally {
        await adapter.close()
      }
    },
  )

  it('has nothing to compact in a B-tree engine: lmdb prefills as before', async () => {
    const directory = freshDirectory('prefill-compact-test')
    directories.push(directory)
    const outcome = await runJob({
      kind: 'prefill',
      engine: 'lmdb',
      n: 1_000,
      seed: 3,
      directory,
      compact: true,
    })
    expect(outcome).toMatchObject({ ok: true, kind: 'prefill', result: { compactSeconds: undefined } })
  })
})
