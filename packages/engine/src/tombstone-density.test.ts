import { describe, expect, it } from 'vitest'
import { fileMeta, versionOf } from '../test/version-fixtures.js'
import { type CompactionOptions, pickCompaction } from './compaction-picker.js'
import { DENSE_MIN_TOMBSTONES } from './tombstone-density.js'

const options: CompactionOptions = {
  level0CompactionTrigger: 4,
  level1Bytes: 1_000_000,
  levelSizeMultiplier: 10,
  targetFileBytes: 1000,
}
const table = (smallest: string, largest: string, tombstones = 0, entries = 1000, maxSeq = 10) =>
  fileMeta(smallest, largest, { tombstoneCount: tombstones, entryCount: entries, maxSeq })
const version = versionOf

describe('tombstone-density picking', () => {
  it('leaves tables with few tombstones alone', () => {
    const tree = version([[table('a', 'z', 900, 2000)], [], [table('a', 'z', DENSE_MIN_TOMBSTONES - 1, 300)]])
    expect(pickCompaction(tree, options)).toBeUndefined()
  })

  it('compacts every level-0 table into level 1 when one of them is dense above data, below the trigger', () => {
    const dense = table('c', 'f', 900)
    const other = table('a', 'b')
    const l1 = table('e', 'g')
    const tree = version([[dense, other], [l1, table('x', 'z')], [table('a', 'z')]])
    const plan = pickCompaction(tree, options)!
    expect(plan).toMatchObject({ reason: 'tombstone-density', level: 0, outputLevel: 1, trivialMove: false })
    expect(plan.inputs.map((file) => file.fileNumber).sort()).toEqual(
      [dense.fileNumber, other.fileNumber].sort(),
    )
    expect(plan.outputInputs.map((file) => file.fileNumber)).toEqual([l1.fileNumber])
  })

  it('moves a dense table down onto the data below it, by a move when the next level is clear', () => {
    const dense = table('c', 'f', 900)
    const tree = version([[], [dense], [], [table('a', 'z')]])
    expect(pickCompaction(tree, options)).toMatchObject({
      reason: 'tombstone-density',
      level: 1,
      outputLevel: 2,
      trivialMove: true,
    })
  })

  it('merges away a dense table with nothing below it (never a move, which would keep the tombstones)', () => {
    const dense = table('c', 'f', 900)
    const tree = version([[], [table('a', 'b')], [dense]])
    const plan = pickCompaction(tree, options)!
    expect(plan).toMatchObject({ reason: 'tombstone-density', level: 2, outputLevel: 3, trivialMove: false })
    expect(plan.inputs).toEqual([dense])
  })

  it('leaves a dense table with nothing below alone while a snapshot older than it may need it', () => {
    const tree = version([[], [], [table('c', 'f', 900, 1000, 50)]])
    expect(pickCompaction(tree, options, [], new Set(), 49)).toBeUndefined()
    expect(pickCompaction(tree, options, [], new Set(), 50)).toMatchObject({ reason: 'tombstone-density' })
    // With data below, its tombstones go down whatever the snapshots.
    const above = version([[], [], [table('c', 'f', 900, 1000, 50)], [table('a', 'z')]])
    expect(pickCompaction(above, options, [], new Set(), 1)).toMatchObject({ level: 2, outputLevel: 3 })
  })

  it('takes the deepest level first: a fresh level-0 flush of deletes waits while level 1 goes down', () => {
    // Level 0 holds a table of tombstones only (the densest); level 1 one that is 90% tombstones,
    // above the data at level 2 that they hide.
    const fresh = table('a', 'z', 1000)
    const l1 = table('a', 'z', 900)
    const tree = version([[fresh], [l1], [table('a', 'm'), table('n', 'z')]])
    const plan = pickCompaction(tree, options)!
    expect(plan).toMatchObject({ reason: 'tombstone-density', level: 1, outputLevel: 2, trivialMove: false })
    expect(plan.inputs).toEqual([l1])
    // Within a level the densest goes first.
    const denser = table('a', 'z', 950)
    const two = version([[fresh], [l1, denser], [table('a', 'z')]])
    expect(pickCompaction(two, options)!.inputs).toEqual([denser])
    // Once level 1 holds no dense table, level 0's turn comes.
    const settled = version([[fresh], [table('a', 'z', 100)], [table('a', 'z')]])
    expect(pickCompaction(settled, options)).toMatchObject({ level: 0, outputLevel: 1 })
  })

  it('never takes a table a running compaction holds', () => {
    const dense = table('c', 'f', 900)
    const tree = version([[], [dense], [table('a', 'z')]])
    expect(pickCompaction(tree, options, [], new Set([dense.fileNumber]))).toBeUndefined()
  })
})
