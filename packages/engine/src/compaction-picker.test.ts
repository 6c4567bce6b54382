import { describe, expect, it } from 'vitest'
import { fileMeta, versionOf } from '../test/version-fixtures.js'
import {
  type CompactionOptions,
  levelScores,
  levelTargets,
  maxBytesForLevel,
  pickCompaction,
  planRangeCompaction,
} from './compaction-picker.js'

const options: CompactionOptions = {
  level0CompactionTrigger: 4,
  level1Bytes: 1000,
  levelSizeMultiplier: 10,
  targetFileBytes: 100,
}
const key = (text: string) => Buffer.from(text)
const table = (smallest: string, largest: string, fileSize = 100) => fileMeta(smallest, largest, { fileSize })
const version = versionOf

describe('pickCompaction', () => {
  it('does nothing while every level is within budget', () => {
    const tree = version([[table('a', 'c'), table('b', 'd')], [table('a', 'z', 900)]])
    expect(levelScores(tree, options)[0]).toBe(0.5)
    expect(pickCompaction(tree, options)).toBeUndefined()
  })

  it('compacts all of level 0 with the level-1 tables it overlaps once the trigger is reached', () => {
    const l1Inside = table('c', 'e')
    const l1Outside = table('x', 'z')
    const tree = version([
      [table('a', 'c'), table('b', 'f'), table('d', 'd'), table('a', 'b')],
      [l1Inside, l1Outside],
    ])
    const plan = pickCompaction(tree, options)!
    expect(plan).toMatchObject({ reason: 'level0-files', level: 0, outputLevel: 1, trivialMove: false })
    expect(plan.inputs).toHaveLength(4)
    expect(plan.outputInputs.map((file) => file.fileNumber)).toEqual([l1Inside.fileNumber])
  })

  it('moves level-0 tables down without rewriting when they overlap neither each other nor level 1', () => {
    const tree = version([
      [table('a', 'b'), table('c', 'd'), table('e', 'f'), table('g', 'h')],
      [table('x', 'z')],
    ])
    expect(pickCompaction(tree, options)).toMatchObject({ level: 0, trivialMove: true, outputInputs: [] })
  })

  it('picks the level furthest over its budget, one table at a time, round-robin', () => {
    expect(maxBytesForLevel(1, options)).toBe(1000)
    expect(maxBytesForLevel(3, options)).toBe(100_000)
    const first = table('a', 'f', 600)
    const second = table('g', 'm', 600)
    const below = table('a', 'c', 50)
    const tree = version([[], [first, second], [below]])
    const plan = pickCompaction(tree, options)!
    expect(plan).toMatchObject({ reason: 'level-size', level: 1, outputLevel: 2, trivialMove: false })
    expect(plan.inputs.map((file) => file.fileNumber)).toEqual([first.fileNumber])
    expect(plan.outputInputs.map((file) => file.fileNumber)).toEqual([below.fileNumber])
    const pointers = [undefined, key('f')]
    const next = pickCompaction(tree, options, pointers)!
    expect(next.inputs.map((file) => file.fileNumber)).toEqual([second.fileNumber])
    expect(next.trivialMove).toBe(true)
  })

  it('skips tables already being compacted', () => {
    const only = table('a', 'f', 2000)
    const tree = version([[], [only]])
    expect(pickCompaction(tree, options, [], new Set([only.fileNumber]))).toBeUndefined()
  })

  it('does not move a table down trivially when it would overlap too much two levels below', () => {
    const big = table('a', 'z', 2000)
    const grandparents = Array.from({ length: 12 }, (_, index) => table(`b${index}`, `b${index}z`, 100))
    const tree = version([[], [big], [], grandparents])
    const plan = pickCompaction(tree, options)!
    expect(plan).toMatchObject({ level: 1, outputInputs: [], trivialMove: false })
  })
})

describe('planRangeCompaction', () => {
  it('takes every level-0 table, since they may overlap', () => {
    const tree = version([[table('a', 'b'), table('m', 'n'), table('y', 'z')]])
    const plan = planRangeCompaction(tree, 0, key('m'), key('m'))!
    expect(plan.inputs).toHaveLength(3)
    expect(plan).toMatchObject({ reason: 'manual', outputLevel: 1 })
  })

  it('takes the tables of a sorted level overlapping the range, and nothing when none does', () => {
    const left = table('a', 'c')
    const middle = table('d', 'f')
    const tree = version([[], [left, middle, table('g', 'i')]])
    expect(planRangeCompaction(tree, 1, key('b'), key('e'))!.inputs.map((file) => file.fileNumber)).toEqual([
      left.fileNumber,
      middle.fileNumber,
    ])
    expect(planRangeCompaction(tree, 2, undefined, undefined)).toBeUndefined()
  })
})

describe('level targets', () => {
  it('cap a level at the deepest level divided by the multiplier per level, never below one file', () => {
    const tree = version([[], [table('a', 'b', 500)], [table('a', 'z', 3000)], [table('a', 'z', 50_000)]])
    const targets = levelTargets(tree, options)
    expect(targets[3]).toBe(maxBytesForLevel(3, options))
    expect(targets[2]).toBe(5000)
    expect(targets[1]).toBe(500)
    const small = version([[], [table('a', 'b', 50)], [table('a', 'z', 300)]])
    expect(levelTargets(small, options)[1]).toBe(options.targetFileBytes)
  })

  it('compact a level that outgrew its share of the bottom level even below its static target', () => {
    const upper = table('a', 'm', 700)
    const tree = version([[], [upper], [table('a', 'z', 3000)]])
    expect(maxBytesForLevel(1, options)).toBeGreaterThan(700)
    expect(pickCompaction(tree, options)).toMatchObject({ level: 1, outputLevel: 2 })
  })
})
