import { describe, expect, it } from 'vitest'
import { fileMeta, versionOf } from '../test/version-fixtures.js'
import { type CompactionOptions, pickCompaction } from './compaction-picker.js'
import { allowedSeeks, MIN_ALLOWED_SEEKS, pickSeekCompaction, SeekCharges } from './seek-compaction.js'

const options: CompactionOptions = {
  level0CompactionTrigger: 4,
  level1Bytes: 1_000_000,
  levelSizeMultiplier: 10,
  targetFileBytes: 1000,
}
const table = (smallest: string, largest: string, fileSize = 100, entries = 1000) =>
  fileMeta(smallest, largest, { fileSize, entryCount: entries, maxSeq: 10 })
const version = versionOf
const key = (text: string) => Buffer.from(text)

describe('seek charges', () => {
  it('allows one seek per 512 bytes its compaction would read (level 0: every level-0 table), at least 100', () => {
    const small = table('a', 'b', 100)
    expect(allowedSeeks(version([[], [small]]), 1, small)).toBe(MIN_ALLOWED_SEEKS)
    const upper = table('c', 'f', 1024 * 1024)
    const tree = version([
      [],
      [upper],
      [table('a', 'd', 3 * 1024 * 1024), table('e', 'g', 4 * 1024 * 1024), table('x', 'z', 9e9)],
    ])
    expect(allowedSeeks(tree, 1, upper)).toBe((8 * 1024 * 1024) / 512)
    const first = table('a', 'c', 512 * 1000)
    const second = table('b', 'k', 512 * 2000)
    const zero = version([
      [first, second],
      [table('j', 'm', 512 * 500), table('x', 'z', 9e9)],
    ])
    expect(allowedSeeks(zero, 0, first)).toBe(3500)
  })

  it('charges the newest table a seek searches when it searches two, until its allowance is spent', () => {
    const older = table('a', 'z')
    const newer = table('a', 'm')
    const tree = version([[older, newer]])
    let asked = 0
    const charges = new SeekCharges(() => asked++)
    for (let seek = 0; seek < MIN_ALLOWED_SEEKS - 1; seek++) charges.chargeSeek(tree, key('c'))
    expect(charges.candidateIn(tree)).toBeUndefined()
    charges.chargeSeek(tree, key('c'))
    expect(charges.candidateIn(tree)).toEqual({ level: 0, fileNumber: newer.fileNumber })
    expect(asked).toBe(1)
    // One candidate at a time: more spent tables do not ask again while it waits.
    for (let seek = 0; seek < MIN_ALLOWED_SEEKS; seek++) charges.chargeSeek(tree, key('c'))
    expect(asked).toBe(1)
  })

  it('charges nothing for a seek inside one table, or none', () => {
    const tree = version([[table('a', 'c')], [table('d', 'f')], [table('x', 'z')]])
    const charges = new SeekCharges(() => {})
    for (let seek = 0; seek < 500; seek++) {
      charges.chargeSeek(tree, key('b'))
      charges.chargeSeek(tree, key('e'))
      charges.chargeSeek(tree, key('y'))
      charges.chargeSeek(tree, key('g'))
    }
    expect(charges.candidateIn(tree)).toBeUndefined()
    expect(charges.tracked).toBe(0)
  })

  it('charges the shallower of two levels that hold the key, and a table of range tombstones alone not at all', () => {
    const upper = table('a', 'm')
    const lower = table('a', 'z')
    const tombstonesOnly = table('a', 'z', 100, 0)
    const charges = new SeekCharges(() => {})
    const tree = version([[tombstonesOnly], [], [upper], [lower]])
    for (let seek = 0; seek < MIN_ALLOWED_SEEKS; seek++) charges.chargeSeek(tree, key('c'))
    expect(charges.candidateIn(tree)).toEqual({ level: 2, fileNumber: upper.fileNumber })
  })

  it('forgets the counts of tables gone from the tree', () => {
    const charges = new SeekCharges(() => {})
    for (let round = 0; round < 100; round++) {
      const tree = version([[table('a', 'z'), table('a', 'z')]])
      charges.chargeSeek(tree, key('c'))
    }
    expect(charges.tracked).toBeLessThanOrEqual(65)
  })
})

describe('seek compaction picking', () => {
  it('compacts a spent level-1 table into level 2 with the tables it overlaps there', () => {
    const spent = table('c', 'f')
    const below = table('e', 'h')
    const tree = version([[], [table('a', 'b'), spent], [below, table('x', 'z')]])
    const plan = pickSeekCompaction(tree, options, { level: 1, fileNumber: spent.fileNumber }, new Set())
    expect(plan).toMatchObject({ reason: 'seek', level: 1, outputLevel: 2, trivialMove: false })
    expect(plan!.inputs.map((file) => file.fileNumber)).toEqual([spent.fileNumber])
    expect(plan!.outputInputs.map((file) => file.fileNumber)).toEqual([below.fileNumber])
  })

  it('takes every level-0 table for a spent level-0 table', () => {
    const first = table('a', 'k')
    const second = table('f', 'z')
    const tree = version([[first, second], [table('a', 'z')]])
    const plan = pickSeekCompaction(tree, options, { level: 0, fileNumber: second.fileNumber }, new Set())
    expect(plan).toMatchObject({ reason: 'seek', level: 0, outputLevel: 1, trivialMove: false })
    expect(plan!.inputs).toHaveLength(2)
    expect(plan!.outputInputs).toHaveLength(1)
  })

  it('plans nothing for a table gone, busy, or at the bottom level', () => {
    const spent = table('c', 'f')
    const tree = version([[], [spent], [table('a', 'z')]])
    const candidate = { level: 1, fileNumber: spent.fileNumber }
    expect(pickSeekCompaction(tree, options, { level: 1, fileNumber: 9999 }, new Set())).toBeUndefined()
    expect(pickSeekCompaction(tree, options, candidate, new Set([spent.fileNumber]))).toBeUndefined()
    expect(
      pickSeekCompaction(tree, options, { level: 6, fileNumber: spent.fileNumber }, new Set()),
    ).toBeUndefined()
  })

  it('comes after a level over its budget, and before a table dense with tombstones', () => {
    const spent = table('c', 'f')
    const full = [table('a', 'b'), table('g', 'h'), table('i', 'j'), table('k', 'l')]
    const candidate = { level: 1, fileNumber: spent.fileNumber }
    const crowded = version([full, [spent], [table('a', 'z')]])
    expect(pickCompaction(crowded, options, [], new Set(), undefined, candidate)).toMatchObject({
      reason: 'level0-files',
    })
    const dense = { ...table('x', 'y'), tombstoneCount: 900 }
    const calm = version([[], [spent, dense], [table('a', 'z')]])
    expect(pickCompaction(calm, options, [], new Set(), undefined, candidate)).toMatchObject({
      reason: 'seek',
    })
    expect(pickCompaction(calm, options, [], new Set(), undefined)).toMatchObject({
      reason: 'tombstone-density',
    })
  })
})
