import { InvalidArgumentError, MemoryFileSystem, OpType } from '@strata/base'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { testSeed } from '../test/helpers.js'
import { TableBuilder } from './builder.js'
import { BlockCache } from './cache.js'
import {
  type CheckedTableIteratorOptions,
  checkTableIteratorOptions,
  type TableIteratorOptions,
} from './iterator-options.js'
import { Table } from './table.js'

const key = (index: number) => Buffer.from(`key${String(index).padStart(4, '0')}`)

/** Two tables: even keys in one, odd keys in the other, two versions of every key. */
async function openTables(): Promise<Table[]> {
  const fs = new MemoryFileSystem()
  const cache = new BlockCache()
  const tables: Table[] = []
  for (const parity of [0, 1]) {
    const path = `/t${parity}.sst`
    const builder = new TableBuilder(path, { fs, blockBytes: 128, restartInterval: 3 })
    for (let index = parity; index < 200; index += 2) {
      for (const seq of [2 * index + 2, 2 * index + 1]) {
        builder.add({ key: key(index), seq, op: OpType.Put, value: Buffer.from(`v${seq}`) })
      }
    }
    await builder.finish()
    tables.push(await Table.open(path, { fs, cache }))
  }
  return tables
}

/** What table `parity` of `openTables` holds for `options`, from its contents. */
function expectedWalk(
  parity: number,
  bounds: { gt?: number; gte?: number; lt?: number; lte?: number },
  reverse: boolean,
  atSeq: number,
  versions: 'visible' | 'all',
): string[] {
  const seen: string[] = []
  for (let index = parity; index < 200; index += 2) {
    if (bounds.gt !== undefined && index <= bounds.gt) continue
    if (bounds.gte !== undefined && index < bounds.gte) continue
    if (bounds.lt !== undefined && index >= bounds.lt) continue
    if (bounds.lte !== undefined && index > bounds.lte) continue
    const visible = [2 * index + 2, 2 * index + 1].filter((seq) => seq <= atSeq)
    const yielded = versions === 'all' ? visible : visible.slice(0, 1)
    seen.push(...yielded.map((seq) => `${key(index).toString()}@${seq}`))
  }
  return reverse ? seen.reverse() : seen
}

async function walk(table: Table, options: TableIteratorOptions | CheckedTableIteratorOptions) {
  const iterator = table.iterator(options)
  const seen: string[] = []
  for (let entry = await iterator.next(); entry !== undefined; entry = await iterator.next()) {
    seen.push(`${Buffer.from(entry.key).toString()}@${entry.seq}`)
  }
  iterator.close()
  return seen
}

describe('table iterator options checked once', () => {
  it('serve every table and walk as the same options unchecked, as the table holds', async () => {
    const tables = await openTables()
    const bound = fc.option(fc.integer({ min: -1, max: 201 }), { nil: undefined })
    await fc.assert(
      fc.asyncProperty(
        fc.record({ gt: bound, gte: bound, lt: bound, lte: bound }),
        fc.boolean(),
        fc.integer({ min: 0, max: 500 }),
        fc.constantFrom<'visible' | 'all'>('visible', 'all'),
        async (bounds, reverse, atSeq, versions) => {
          const options: TableIteratorOptions = { reverse, atSeq, versions }
          for (const name of ['gt', 'gte', 'lt', 'lte'] as const) {
            if (bounds[name] !== undefined) options[name] = key(bounds[name])
          }
          const checked = checkTableIteratorOptions(options)
          expect(checkTableIteratorOptions(checked)).toBe(checked)
          for (const [parity, table] of tables.entries()) {
            const expected = expectedWalk(parity, bounds, reverse, atSeq, versions)
            expect(await walk(table, options)).toEqual(expected)
            // Twice: an iterator must leave the shared options as it found them.
            expect(await walk(table, checked)).toEqual(expected)
            expect(await walk(table, checked)).toEqual(expected)
          }
        },
      ),
      { seed: testSeed('checked table iterator options'), numRuns: 150 },
    )
    for (const table of tables) await table.close()
  })

  it('keep their own copy of the bounds', async () => {
    const [table] = await openTables()
    const lower = key(10)
    const upper = key(14)
    const checked = checkTableIteratorOptions({ gte: lower, lte: upper })
    lower.fill(0)
    upper.fill(0xff)
    expect(await walk(table!, checked)).toEqual(['key0010@22', 'key0012@26', 'key0014@30'])
    const reverse = checkTableIteratorOptions({ lt: upper, reverse: true })
    upper.fill(0)
    expect((await walk(table!, reverse)).length).toBe(100)
    await table!.close()
  })

  it('are refused as the table iterator refuses them', () => {
    const refusals: [unknown, string][] = [
      [5, 'options'],
      [{ atSeq: -1 }, 'options.atSeq'],
      [{ atSeq: 1.5 }, 'options.atSeq'],
      [{ versions: 'some' }, 'options.versions'],
      [{ gte: 'a' }, 'options.gte'],
      [{ lt: [1] }, 'options.lt'],
    ]
    for (const [options, argument] of refusals) {
      let thrown: unknown
      try {
        checkTableIteratorOptions(options as TableIteratorOptions)
      } catch (error) {
        thrown = error
      }
      expect(thrown).toBeInstanceOf(InvalidArgumentError)
      expect((thrown as InvalidArgumentError).argument).toBe(argument)
    }
  })
})
