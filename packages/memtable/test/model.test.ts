/**
 * Model-based property tests: random sequences of writes, reads, iterations (bounded, reversed,
 * at snapshots, with seeks) and long-lived iterators interleaved with later writes, run against
 * the memtable and against the oracle (a sorted array of versions); every answer must agree.
 *
 * Keys come from a small alphabet (0x00, 0x01, 0x61, 0x7f, 0x80, 0xfe, 0xff) and lengths 0..20, so
 * that keys share prefixes, are prefixes of each other, and collide on the memtable's 6-byte
 * slices at every depth. The seed is printed; MEMTABLE_SEED replays a run.
 */
import { type InternalEntry, MAX_SEQ, OpType } from '@strata/base'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { Memtable, type MemtableIterator } from '../src/index.js'
import { type IterateOptions, Oracle, plain, plainAll, seedFor } from './oracle.js'

const byte = fc.constantFrom(0x00, 0x01, 0x61, 0x7f, 0x80, 0xfe, 0xff)
/** Prefixes that end exactly on the memtable's 6-byte slice boundaries, so that many keys (and
 *  bounds, and seek targets) share whole slices and the deeper layers get exercised. */
const prefix = fc.constantFrom(
  [0, 0, 0, 0, 0, 0],
  [0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
  [0x61, 0x61, 0x61, 0x61, 0x61, 0x61],
  [0, 0, 0, 0, 0, 0, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80],
  [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
)
const key = fc
  .oneof(
    { weight: 3, arbitrary: fc.array(byte, { maxLength: 8 }) },
    { weight: 2, arbitrary: fc.array(byte, { minLength: 5, maxLength: 14 }) },
    { weight: 1, arbitrary: fc.array(byte, { minLength: 12, maxLength: 20 }) },
    {
      weight: 4,
      arbitrary: fc.tuple(prefix, fc.array(byte, { maxLength: 8 })).map(([head, tail]) => [...head, ...tail]),
    },
  )
  .map((bytes) => Uint8Array.from(bytes))
const value = fc.oneof(
  fc.uint8Array({ maxLength: 12 }),
  fc.constant(new Uint8Array(0)),
  fc.uint8Array({ minLength: 200, maxLength: 400 }),
)
/** How a write picks its seq: the next one (as the engine does), or any small one (out of order,
 *  or equal to an existing version, which replaces it). */
const seqChoice = fc.oneof(
  { weight: 4, arbitrary: fc.constant('next' as const) },
  { weight: 1, arbitrary: fc.nat(40) },
)

const range = fc.record({ gt: key, gte: key, lt: key, lte: key }, { requiredKeys: [] })
const iterateOptions = fc.record(
  {
    range,
    reverse: fc.boolean(),
    atSeq: fc.option(fc.nat(30), { nil: undefined }),
    versions: fc.constantFrom<'visible' | 'all' | undefined>('visible', 'all', undefined),
  },
  { requiredKeys: ['range', 'reverse', 'versions'] },
)

const operation = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('put' as const), key, value, seq: seqChoice }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete' as const), key, seq: seqChoice }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('apply' as const),
      writes: fc.array(fc.record({ key, value: fc.option(value, { nil: null }) }), { maxLength: 6 }),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('get' as const),
      key,
      atSeq: fc.option(fc.nat(30), { nil: undefined }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('iterate' as const), options: iterateOptions }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('seek' as const),
      options: iterateOptions,
      before: fc.nat(5),
      target: key,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('open' as const), options: iterateOptions, before: fc.nat(3) }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('drain' as const), which: fc.nat(10) }) },
)
type Operation = typeof operation extends fc.Arbitrary<infer T> ? T : never

function toOptions(
  options: Operation & { kind: 'iterate' } extends { options: infer O } ? O : never,
): IterateOptions {
  const result: IterateOptions = { ...options.range, reverse: options.reverse }
  if (options.atSeq !== undefined) result.atSeq = options.atSeq
  if (options.versions !== undefined) result.versions = options.versions
  return result
}

function take(iterator: MemtableIterator, count: number): InternalEntry[] {
  const result: InternalEntry[] = []
  for (let index = 0; index < count; index++) {
    const entry = iterator.next()
    if (entry === undefined) break
    result.push(entry)
  }
  return result
}

/** Runs `operations` against a memtable and the oracle, asserting that every answer agrees. */
function check(operations: Operation[], freezeAtEnd: boolean): void {
  const table = new Memtable({ maxNodeSize: 4 }) // small nodes: many splits, deep trees
  const oracle = new Oracle()
  let nextSeq = 0
  const seqFor = (choice: 'next' | number): number => (choice === 'next' ? ++nextSeq : choice)
  /** Iterators opened earlier, with what they must still yield (decided when they were opened). */
  const open: { iterator: MemtableIterator; expected: InternalEntry[] }[] = []

  for (const operation of operations) {
    switch (operation.kind) {
      case 'put': {
        const seq = seqFor(operation.seq)
        table.put(operation.key, operation.value, seq)
        oracle.write(operation.key, operation.value, seq)
        break
      }
      case 'delete': {
        const seq = seqFor(operation.seq)
        table.delete(operation.key, seq)
        oracle.write(operation.key, null, seq)
        break
      }
      case 'apply': {
        const entries: InternalEntry[] = operation.writes.map((write) => ({
          key: write.key,
          seq: ++nextSeq,
          op: write.value === null ? OpType.Delete : OpType.Put,
          value: write.value,
        }))
        table.apply(entries)
        for (const entry of entries) oracle.write(entry.key, entry.value, entry.seq)
        break
      }
      case 'get':
        expect(plain(table.get(operation.key, operation.atSeq))).toEqual(
          plain(oracle.get(operation.key, operation.atSeq)),
        )
        break
      case 'iterate': {
        const options = toOptions(operation.options)
        expect(plainAll(table.iterator(options))).toEqual(plainAll(oracle.iterate(options)))
        break
      }
      case 'seek': {
        const options = toOptions(operation.options)
        const iterator = table.iterator(options)
        expect(plainAll(take(iterator, operation.before))).toEqual(
          plainAll(oracle.iterate(options).slice(0, operation.before)),
        )
        iterator.seek(operation.target)
        expect(plainAll(iterator)).toEqual(plainAll(oracle.afterSeek(options, operation.target)))
        expect(iterator.next()).toBeUndefined()
        break
      }
      case 'open': {
        // Opened now, partly read now, the rest read after later writes: it must not see them.
        const options = toOptions(operation.options)
        const iterator = table.iterator(options)
        const expected = oracle.iterate(options)
        expect(plainAll(take(iterator, operation.before))).toEqual(
          plainAll(expected.slice(0, operation.before)),
        )
        open.push({ iterator, expected: expected.slice(operation.before) })
        break
      }
      case 'drain': {
        const index = operation.which % Math.max(open.length, 1)
        const opened = open.splice(index, 1)[0]
        if (opened !== undefined) expect(plainAll(opened.iterator)).toEqual(plainAll(opened.expected))
        break
      }
    }
    expect(table.count).toBe(oracle.count)
    expect(table.isEmpty).toBe(oracle.count === 0)
  }
  expect(table.minSeq).toBe(oracle.minSeq)
  expect(table.maxSeq).toBe(oracle.maxSeq)
  if (freezeAtEnd) {
    table.freeze()
    expect(() => table.put(new Uint8Array([1]), new Uint8Array(0), ++nextSeq)).toThrow(
      expect.objectContaining({ code: 'STRATA_READ_ONLY' }),
    )
    expect(plainAll(table.iterator({ versions: 'all' }))).toEqual(
      plainAll(oracle.iterate({ versions: 'all' })),
    )
    expect(plainAll(table.iterator({ reverse: true }))).toEqual(plainAll(oracle.iterate({ reverse: true })))
  }
  for (const opened of open) expect(plainAll(opened.iterator)).toEqual(plainAll(opened.expected))
  expect(plainAll(table.iterator({ versions: 'all', atSeq: MAX_SEQ }))).toEqual(plainAll(oracle.versions))
}

describe('memtable against the oracle', () => {
  it('agrees on every get, iteration, seek and snapshot across random operation sequences', () => {
    const seed = seedFor('memtable model')
    fc.assert(
      fc.property(
        fc.array(operation, { minLength: 5, maxLength: 150, size: 'medium' }),
        fc.boolean(),
        (operations, freezeAtEnd) => {
          check(operations, freezeAtEnd)
        },
      ),
      { seed, numRuns: Number(process.env.MEMTABLE_RUNS ?? 400) },
    )
  })
})
