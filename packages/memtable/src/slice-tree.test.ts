import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { seedFor } from '../test/oracle.js'
import { childRoot, childValue, NO_VALUE, SliceCursor, SliceIndex } from './slice-tree.js'

/** Writes `slice` -> `value` the way the memtable does: prepare, then insert or replace. */
function put(index: SliceIndex, root: number, slice: number, value: number): number {
  const top = index.prepare(root, slice)
  if (index.found) index.setAt(value)
  else index.insertAt(slice, value)
  return top
}

/** Every [slice, value] a cursor yields from `root`. */
function walk(
  index: SliceIndex,
  root: number,
  reverse: boolean,
  from?: number,
  skipFrom = false,
): [number, number][] {
  const cursor = new SliceCursor()
  cursor.start(index, root, reverse, from, skipFrom)
  const out: [number, number][] = []
  while (cursor.next()) out.push([cursor.slice, cursor.value])
  return out
}

/** What `walk` must yield for the sorted reference `entries`. */
function expected(
  entries: [number, number][],
  reverse: boolean,
  from?: number,
  skipFrom = false,
): [number, number][] {
  if (!reverse) return entries.filter(([slice]) => from === undefined || slice >= from)
  return entries
    .filter(([slice]) => from === undefined || (skipFrom ? slice < from : slice <= from))
    .reverse()
}

function sorted(reference: Map<number, number>): [number, number][] {
  return [...reference].sort((a, b) => a[0] - b[0])
}

describe('SliceIndex', () => {
  it('agrees with a sorted map on gets and walks both ways, from anywhere (seeded)', () => {
    const seed = seedFor('slice tree model')
    const order = fc.constantFrom(4, 5, 8, 32)
    // Small slice domains collide (replacements); the ordering of the inserts varies.
    const slices = fc.array(fc.integer({ min: 0, max: 400 }), { maxLength: 600 })
    const shape = fc.constantFrom('random', 'ascending', 'descending')
    fc.assert(
      fc.property(
        order,
        slices,
        shape,
        fc.array(fc.integer({ min: -5, max: 405 }), { maxLength: 12 }),
        (o, s, how, probes) => {
          const input =
            how === 'ascending'
              ? [...s].sort((a, b) => a - b)
              : how === 'descending'
                ? [...s].sort((a, b) => b - a)
                : s
          const index = new SliceIndex(o)
          let root = index.newTree()
          const reference = new Map<number, number>()
          input.forEach((slice, at) => {
            root = put(index, root, slice * 8 + 1, at)
            reference.set(slice * 8 + 1, at)
          })
          const entries = sorted(reference)
          for (const probe of [...probes, ...input.slice(0, 5)]) {
            const slice = probe * 8 + 1
            expect(index.get(root, slice)).toBe(reference.get(slice) ?? NO_VALUE)
            for (const reverse of [false, true])
              for (const skip of [false, true])
                expect(walk(index, root, reverse, slice, skip)).toEqual(
                  expected(entries, reverse, slice, skip),
                )
            // Between stored slices too.
            expect(walk(index, root, false, slice + 3)).toEqual(expected(entries, false, slice + 3))
            expect(walk(index, root, true, slice + 3, true)).toEqual(expected(entries, true, slice + 3, true))
          }
          expect(walk(index, root, false)).toEqual(entries)
          expect(walk(index, root, true)).toEqual(expected(entries, true))
          const visited: [number, number][] = []
          index.forEach(root, (slice, value) => visited.push([slice, value]))
          expect(visited).toEqual(entries)
        },
      ),
      { seed, numRuns: 300 },
    )
  })

  it('leaves a snapshot as it was while writes go on in a newer epoch (seeded)', () => {
    const seed = seedFor('slice tree snapshots')
    const batches = fc.array(fc.array(fc.integer({ min: 0, max: 300 }), { maxLength: 120 }), {
      minLength: 2,
      maxLength: 6,
    })
    fc.assert(
      fc.property(fc.constantFrom(4, 7, 32), batches, (order, writes) => {
        const index = new SliceIndex(order)
        let root = index.newTree()
        const reference = new Map<number, number>()
        const snapshots: { root: number; entries: [number, number][] }[] = []
        let value = 0
        for (const batch of writes) {
          for (const slice of batch) {
            root = put(index, root, slice, value)
            reference.set(slice, value++)
          }
          // Take a snapshot as an iterator does: the next write copies what it changes (while
          // a snapshot is open; these stay open).
          snapshots.push({ root, entries: sorted(reference) })
          if (index.isCurrent(root)) index.epoch++
          index.snapshots++
        }
        for (const snapshot of snapshots) {
          expect(walk(index, snapshot.root, false)).toEqual(snapshot.entries)
          expect(walk(index, snapshot.root, true)).toEqual(expected(snapshot.entries, true))
        }
        expect(walk(index, root, false)).toEqual(sorted(reference))
      }),
      { seed, numRuns: 200 },
    )
  })

  it('stamps nodes it changes in place, so that the next snapshot copies them', () => {
    const index = new SliceIndex(4)
    let root = index.newTree()
    for (let slice = 0; slice < 8; slice++) root = put(index, root, slice, slice)
    // A snapshot as the memtable takes one (bump the epoch if the root was written in this one),
    // closed at once.
    const snapshot = () => {
      if (index.isCurrent(root)) index.epoch++
      index.snapshots++
    }
    snapshot()
    index.snapshots--
    // In place: the root (of the previous epoch) gains a leaf made in this epoch.
    root = put(index, root, 100, 100)
    expect(index.isCurrent(root)).toBe(true)
    snapshot()
    const held = root
    const expectedEntries = walk(index, held, false)
    root = put(index, root, 101, 101)
    expect(root).not.toBe(held)
    expect(walk(index, held, false)).toEqual(expectedEntries)
    expect(walk(index, root, false)).toHaveLength(expectedEntries.length + 1)
  })

  it('fills trees written in ascending order instead of leaving half-full nodes', () => {
    const index = new SliceIndex(32)
    let root = index.newTree()
    for (let slice = 0; slice < 32 * 32; slice++) root = put(index, root, slice, slice)
    // 1,024 slices: 32 full leaves, and the inner nodes above (splitting full nodes on the way
    // down splits the full root one write early). Halves split evenly would need 63 leaves.
    expect(index.nodeCount).toBeLessThanOrEqual(36)
    const shuffled = new SliceIndex(32)
    let other = shuffled.newTree()
    for (let at = 0; at < 1024; at++) other = put(shuffled, other, (at * 619) % 1024, at)
    expect(shuffled.nodeCount).toBeGreaterThan(40)
    expect(walk(index, root, false).map(([slice]) => slice)).toEqual([...Array(1024).keys()])
  })

  it('keeps trees apart, stores child trees as values, and grows its arrays', () => {
    const index = new SliceIndex(4)
    let top = index.newTree()
    let child = index.newTree()
    for (let slice = 0; slice < 500; slice++) child = put(index, child, slice, slice + 1000)
    top = put(index, top, 7, childValue(child))
    top = put(index, top, 3, 42)
    expect(index.get(top, 7)).toBeLessThan(NO_VALUE)
    const below = childRoot(index.get(top, 7))
    expect(below).toBe(child)
    expect(walk(index, below, false)).toHaveLength(500)
    expect(index.get(below, 499)).toBe(1499)
    expect(index.get(top, 499)).toBe(NO_VALUE)
    expect(index.bytes).toBeGreaterThan(index.usedBytes - 1)
    expect(index.usedBytes).toBe(index.nodeCount * (16 + 4 * 12))
    index.reset()
    expect(index.nodeCount).toBe(0)
    const fresh = index.newTree()
    expect(walk(index, fresh, false)).toEqual([])
    expect(index.get(fresh, 7)).toBe(NO_VALUE)
  })
})
