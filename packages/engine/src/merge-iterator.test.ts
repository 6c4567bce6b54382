import { compareBytes, type InternalEntry, OpType } from '@strata/base'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { seedFor } from '../test/helpers.js'
import { type EntrySource, MergeIterator } from './merge-iterator.js'
import { fragmentTombstones, RangeFragments } from './range-fragments.js'
import { RangeSkip } from './range-skip.js'

const key = (index: number) => Buffer.from(`k${String(index).padStart(4, '0')}`)
const entry = (index: number, seq: number, op: OpType = OpType.Put): InternalEntry => ({
  key: key(index),
  seq,
  op,
  value: op === OpType.Put ? Buffer.from(`v${index}@${seq}`) : null,
})

/**
 * A sorted in-memory source (one version per key). With `bounded`, it answers `startBound()`
 * as a level does: until it is read, the key of its first entry when that lies past the
 * position it was sought to. `reads` counts the entries it handed out.
 */
class Source implements EntrySource {
  reads = 0
  private position = 0
  private target: Uint8Array | undefined
  private read = false

  constructor(
    private readonly entries: InternalEntry[],
    private readonly reverse: boolean,
    private readonly bounded: boolean,
  ) {
    if (reverse) this.entries = [...entries].reverse()
  }

  tryNext(): InternalEntry | undefined {
    this.read = true
    const found = this.entries[this.position]
    if (found !== undefined) {
      this.position++
      this.reads++
    }
    return found
  }

  next(): Promise<InternalEntry | undefined> {
    return Promise.resolve(this.tryNext())
  }

  seek(target: Uint8Array): void {
    const before = (candidate: InternalEntry) =>
      this.reverse ? compareBytes(candidate.key, target) > 0 : compareBytes(candidate.key, target) < 0
    this.position = 0
    while (this.position < this.entries.length && before(this.entries[this.position]!)) this.position++
    this.target = target
    this.read = false
  }

  startBound(): Uint8Array | undefined {
    if (!this.bounded || this.read || this.target === undefined) return undefined
    const first = this.entries[this.position]
    if (first === undefined) return undefined
    const past = compareBytes(first.key, this.target) * (this.reverse ? -1 : 1) > 0
    return past ? first.key : undefined
  }
}

/** Up to `count` entries of `merge` (every one when count is Infinity), as `k0001@7`. */
async function take(merge: MergeIterator, count: number): Promise<string[]> {
  const seen: string[] = []
  while (seen.length < count) {
    let next = merge.next()
    if (next instanceof Promise) next = await next
    if (next === undefined) break
    seen.push(`${Buffer.from(next.key).toString()}@${next.seq}`)
  }
  return seen
}

describe('a source merged from its start bound', () => {
  it('is not read by a seek that ends before its bound, and yields its entries once reached', async () => {
    const near = new Source([entry(1, 1), entry(2, 2), entry(3, 3)], false, false)
    const far = new Source([entry(50, 4), entry(51, 5)], false, true)
    const merge = new MergeIterator([near, far], false)
    merge.seek(key(0))
    expect(await take(merge, 3)).toEqual(['k0001@1', 'k0002@2', 'k0003@3'])
    expect(far.reads).toBe(0)
    expect(await take(merge, Number.POSITIVE_INFINITY)).toEqual(['k0050@4', 'k0051@5'])
    expect(far.reads).toBe(2)
  })

  it('in reverse, is not read by a seek that ends before its bound (its largest key)', async () => {
    const near = new Source([entry(50, 1), entry(51, 2), entry(52, 3)], true, false)
    const far = new Source([entry(1, 4), entry(2, 5)], true, true)
    const merge = new MergeIterator([near, far], true)
    merge.seek(key(99))
    expect(await take(merge, 3)).toEqual(['k0052@3', 'k0051@2', 'k0050@1'])
    expect(far.reads).toBe(0)
    expect(await take(merge, Number.POSITIVE_INFINITY)).toEqual(['k0002@5', 'k0001@4'])
  })

  it('is read before the key at its bound is yielded from another source: the newest version wins', async () => {
    // The bound source is older by rank but holds the newer version of k0050, and a tombstone
    // for k0060 that hides the other source's put.
    for (const reverse of [false, true]) {
      const newer = new Source([entry(10, 1), entry(50, 2), entry(60, 3), entry(70, 4)], reverse, false)
      const older = new Source([entry(50, 9), entry(60, 8, OpType.Delete)], reverse, true)
      const merge = new MergeIterator([newer, older], reverse)
      merge.seek(key(reverse ? 99 : 0))
      const expected = ['k0010@1', 'k0050@9', 'k0070@4']
      expect(await take(merge, Number.POSITIVE_INFINITY)).toEqual(reverse ? expected.reverse() : expected)
    }
  })

  it('sought past a deleted range while unread, yields what lies past it', async () => {
    // k0020 is deleted by [k0015, k0060) at seq 50; the unread source's bound k0030 is inside
    // that range too, so the range skip seeks it to k0060 before it was ever read.
    for (const reverse of [false, true]) {
      const covered = new Source([entry(reverse ? 50 : 20, 31)], reverse, false)
      const unread = new Source(
        reverse
          ? [entry(5, 34), entry(30, 32), entry(40, 33)]
          : [entry(30, 32), entry(40, 33), entry(70, 34)],
        reverse,
        true,
      )
      const fragments = new RangeFragments(fragmentTombstones([{ start: key(15), end: key(60), seq: 50 }]))
      const skip = new RangeSkip(fragments, Number.MAX_SAFE_INTEGER, reverse, [40, 40])
      const merge = new MergeIterator([covered, unread], reverse, undefined, skip.covered, skip)
      merge.seek(key(reverse ? 55 : 0))
      expect(await take(merge, Number.POSITIVE_INFINITY)).toEqual([reverse ? 'k0005@34' : 'k0070@34'])
    }
  })

  it('merges as eagerly read sources do, forward and in reverse, whatever the seek', async () => {
    const sourceEntries = fc.array(
      fc.uniqueArray(fc.record({ index: fc.integer({ min: 0, max: 40 }), tombstone: fc.boolean() }), {
        selector: (draft) => draft.index,
        maxLength: 12,
      }),
      { minLength: 1, maxLength: 5 },
    )
    await fc.assert(
      fc.asyncProperty(
        sourceEntries,
        fc.boolean(),
        fc.integer({ min: 0, max: 41 }),
        fc.integer({ min: 1, max: 30 }),
        async (drafts, reverse, target, count) => {
          // Seqs distinct across sources: rank 0 (the newest source) gets the largest.
          let seq = 1000
          const perSource = drafts.map((draft) =>
            draft
              .map(({ index, tombstone }) => entry(index, seq--, tombstone ? OpType.Delete : OpType.Put))
              .sort((a, b) => compareBytes(a.key, b.key)),
          )
          const run = (bounded: boolean) => {
            const merge = new MergeIterator(
              perSource.map((entries) => new Source(entries, reverse, bounded)),
              reverse,
            )
            merge.seek(key(target))
            return take(merge, count)
          }
          expect(await run(true)).toEqual(await run(false))
        },
      ),
      { seed: seedFor('merge from start bounds'), numRuns: 400 },
    )
  })
})
