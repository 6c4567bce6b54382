import { compareBytes, type InternalEntry, OpType } from '@strata/base'
import { describe, expect, it } from 'vitest'
import { type EntrySource, MergeIterator } from './merge-iterator.js'
import { fragmentTombstones, RangeFragments } from './range-fragments.js'
import { RangeSkip } from './range-skip.js'

const key = (index: number) => Buffer.from(`k${String(index).padStart(4, '0')}`)
const put = (index: number, seq: number): InternalEntry => ({
  key: key(index),
  seq,
  op: OpType.Put,
  value: Buffer.from(`v${index}@${seq}`),
})

/** A sorted in-memory source (one version per key) that counts the entries it hands out. */
class CountingSource implements EntrySource {
  handedOut = 0
  private position = 0

  constructor(
    private readonly entries: InternalEntry[],
    private readonly reverse: boolean,
  ) {
    if (reverse) this.entries = [...entries].reverse()
  }

  next(): InternalEntry | undefined {
    const entry = this.entries[this.position]
    if (entry !== undefined) {
      this.position++
      this.handedOut++
    }
    return entry
  }

  seek(target: Uint8Array): void {
    const before = (entry: InternalEntry) =>
      this.reverse ? compareBytes(entry.key, target) > 0 : compareBytes(entry.key, target) < 0
    this.position = 0
    while (this.position < this.entries.length && before(this.entries[this.position]!)) this.position++
  }
}

function drain(merge: MergeIterator): string[] {
  const keys: string[] = []
  for (let entry = merge.next(); entry !== undefined; entry = merge.next()) {
    if (entry instanceof Promise) throw new Error('in-memory sources never wait')
    keys.push(`${Buffer.from(entry.key).toString()}@${entry.seq}`)
  }
  return keys
}

/**
 * Three sources: an old one holding keys 0..999 (seq 1..), one with two puts inside the deleted
 * range written after the delete (seq 5000+), and one holding keys 2000..2099 older than the
 * delete; tombstones [100, 900) at seq 3000 and [2050, end) at seq 3001.
 */
function scenario(reverse: boolean, withSkip: boolean) {
  const old = Array.from({ length: 1000 }, (_, index) => put(index, index + 1))
  const newer = [put(300, 5000), put(700, 5001)]
  const tail = Array.from({ length: 100 }, (_, index) => put(2000 + index, 1500 + index))
  const sources = [
    new CountingSource(newer, reverse),
    new CountingSource(old, reverse),
    new CountingSource(tail, reverse),
  ]
  const fragments = new RangeFragments(
    fragmentTombstones([
      { start: key(100), end: key(900), seq: 3000 },
      { start: key(2050), end: null, seq: 3001 },
    ]),
  )
  const skip = new RangeSkip(fragments, Number.MAX_SAFE_INTEGER, reverse, [5001, 1000, 1599])
  const covered = withSkip ? skip.covered : (entry: InternalEntry) => skip.covered(entry)
  const merge = new MergeIterator(sources, reverse, undefined, covered, withSkip ? skip : undefined)
  const expected = [
    ...Array.from({ length: 100 }, (_, index) => `${key(index).toString()}@${index + 1}`),
    `${key(300).toString()}@5000`,
    `${key(700).toString()}@5001`,
    ...Array.from({ length: 100 }, (_, index) => `${key(900 + index).toString()}@${901 + index}`),
    ...Array.from({ length: 50 }, (_, index) => `${key(2000 + index).toString()}@${1500 + index}`),
  ]
  return { merge, sources, expected: reverse ? expected.reverse() : expected }
}

describe('range skip', () => {
  for (const reverse of [false, true]) {
    it(`keeps the newer puts inside a deleted range and drops every covered entry (${reverse ? 'reverse' : 'forward'})`, () => {
      const { merge, expected } = scenario(reverse, true)
      expect(drain(merge)).toEqual(expected)
    })

    it(`seeks past a deleted range instead of stepping through it (${reverse ? 'reverse' : 'forward'})`, () => {
      const stepped = scenario(reverse, false)
      expect(drain(stepped.merge)).toEqual(stepped.expected)
      const skipped = scenario(reverse, true)
      drain(skipped.merge)
      const handedOut = (sources: CountingSource[]) =>
        sources.reduce((sum, source) => sum + source.handedOut, 0)
      // Without the skip every one of the 800 + 50 covered entries is handed out.
      expect(handedOut(stepped.sources)).toBeGreaterThanOrEqual(1102)
      // With it, the old sources hand out a few entries per fragment edge, not the range.
      expect(handedOut(skipped.sources)).toBeLessThan(260)
    })
  }

  it('follows a seek into the middle of a deleted range', () => {
    const { merge, expected } = scenario(false, true)
    merge.seek(key(500))
    expect(drain(merge)).toEqual(expected.slice(expected.indexOf(`${key(700).toString()}@5001`)))
  })

  it('steps a source whose seek lands inside the range, at a bound of the iterator', () => {
    // A reverse source bounded below at key 50 that clamps a seek below its bound up to it (so
    // it lands on key 50 again, inside the deleted range [10, 90)): sought once, then stepped.
    const entries = Array.from({ length: 50 }, (_, index) => put(50 + index, index + 1))
    const source = new CountingSource(entries, true)
    let seeks = 0
    const seek = source.seek.bind(source)
    source.seek = (target: Uint8Array) => {
      if (++seeks > 100) throw new Error('seeking in circles')
      seek(compareBytes(target, key(50)) < 0 ? key(50) : target)
    }
    const fragments = new RangeFragments(fragmentTombstones([{ start: key(10), end: key(90), seq: 1000 }]))
    const skip = new RangeSkip(fragments, Number.MAX_SAFE_INTEGER, true, [50])
    const merge = new MergeIterator([source], true, undefined, skip.covered, skip)
    expect(drain(merge)).toEqual(
      Array.from({ length: 10 }, (_, index) => `${key(99 - index).toString()}@${50 - index}`),
    )
  })

  it('skips nothing for a tombstone the read’s snapshot does not see', () => {
    const old = Array.from({ length: 10 }, (_, index) => put(index, index + 1))
    const fragments = new RangeFragments(fragmentTombstones([{ start: key(2), end: key(8), seq: 100 }]))
    const skip = new RangeSkip(fragments, 50, false, [10])
    const merge = new MergeIterator([new CountingSource(old, false)], false, undefined, skip.covered, skip)
    expect(drain(merge)).toHaveLength(10)
  })
})
