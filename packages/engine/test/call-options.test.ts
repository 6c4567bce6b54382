import { describe, expect, it } from 'vitest'
import { type Database, open } from '../src/index.js'
import { temporaryDirectory } from './helpers.js'

async function filled(): Promise<Database<string, string>> {
  const database = await open<string, string>(temporaryDirectory(), {
    keyEncoding: 'utf8',
    valueEncoding: 'utf8',
  })
  for (const key of ['a', 'b', 'c', 'd', 'e']) await database.put(key, `value-${key}`)
  return database
}

/** Runs `call` (which may throw or reject) and returns the typed error it failed with. */
async function failure(call: () => unknown): Promise<{ code: string; message: string; argument?: string }> {
  try {
    const result = call() as unknown
    if (result !== null && typeof result === 'object' && Symbol.asyncIterator in result) {
      for await (const _ of result as AsyncIterable<unknown>) break
    } else await result
  } catch (error) {
    return error as { code: string; message: string; argument?: string }
  }
  throw new Error('the call succeeded; expected a typed error')
}

describe('snapshot read options', () => {
  it('refuses a snapshot of another database in every read and iterator', async () => {
    const mine = await filled()
    const other = await filled()
    const foreign = other.snapshot()
    try {
      const reads: [string, () => unknown][] = [
        ['get', () => mine.get('a', { snapshot: foreign })],
        ['getSync', () => mine.getSync('a', { snapshot: foreign })],
        ['getSyncOrPromise', () => mine.getSyncOrPromise('a', { snapshot: foreign })],
        ['getMany', () => mine.getMany(['a'], { snapshot: foreign })],
        ['has', () => mine.has('a', { snapshot: foreign })],
        ['iterator', () => mine.iterator({ snapshot: foreign })],
        ['keys', () => mine.keys({ snapshot: foreign })],
        ['values', () => mine.values({ snapshot: foreign })],
      ]
      for (const [name, read] of reads) {
        const error = await failure(read)
        expect(error.code, name).toBe('STRATA_INVALID_ARGUMENT')
        expect(error.argument, name).toBe('options.snapshot')
        expect(error.message, name).toMatch(/belongs to another database/)
      }
      // Its own database still reads through it.
      expect(await other.get('a', { snapshot: foreign })).toBe('value-a')
    } finally {
      foreign.release()
      await mine.close()
      await other.close()
    }
  })

  it('refuses an object that is not a snapshot with a typed error, not a TypeError', async () => {
    const database = await filled()
    try {
      for (const snapshot of [{}, { seq: 3 }, 5, 'snapshot']) {
        for (const read of [
          () => database.get('a', { snapshot } as never),
          () => database.getSync('a', { snapshot } as never),
          () => database.iterator({ snapshot } as never),
        ]) {
          const error = await failure(read)
          expect(error.code).toBe('STRATA_INVALID_ARGUMENT')
          expect(error.message).toMatch(/must be a Snapshot taken with database\.snapshot\(\)/)
        }
      }
    } finally {
      await database.close()
    }
  })

  it('refuses a released snapshot in iterators and keys() at the call', async () => {
    const database = await filled()
    const snapshot = database.snapshot()
    snapshot.release()
    try {
      expect((await failure(() => database.iterator({ snapshot }))).message).toMatch(/released/)
      expect(() => database.keys({ snapshot })).toThrow(/released/)
    } finally {
      await database.close()
    }
  })
})

describe('iterator options', () => {
  const bad: [string, object, RegExp][] = [
    ['a fractional limit', { limit: 1.5 }, /options\.limit must be an integer from 0 up, or -1 or Infinity/],
    ['a limit below -1', { limit: -2 }, /options\.limit/],
    ['a NaN limit', { limit: Number.NaN }, /options\.limit/],
    ['a limit given as text', { limit: '2' }, /options\.limit .*not a string/],
    ['reverse as text', { reverse: 'yes' }, /options\.reverse must be true or false/],
    ['keys as a number', { keys: 0 }, /options\.keys must be true or false/],
    ['values as text', { values: 'false' }, /options\.values must be true or false/],
    ['gt and gte together', { gt: 'a', gte: 'b' }, /options\.gt and options\.gte were both given/],
    ['lt and lte together', { lt: 'a', lte: 'b' }, /options\.lt and options\.lte were both given/],
    ['a bound that is not a key', { gte: 42 }, /options\.gte must be/],
    [
      'an unknown name',
      { revers: true },
      /unknown iterator option 'revers'; allowed: gt, gte, lt, lte, reverse, limit/,
    ],
    ['two unknown names', { start: 'a', fillCache: true }, /unknown iterator options 'start', 'fillCache'/],
    ['options that are not an object', 'reverse' as unknown as object, /must be an object, not a string/],
  ]

  for (const [what, options, message] of bad) {
    it(`refuses ${what} with a typed error`, async () => {
      const database = await filled()
      try {
        const error = await failure(() => database.iterator(options as never))
        expect(error.code).toBe('STRATA_INVALID_ARGUMENT')
        expect(error.message).toMatch(message)
        // keys() and values() check at the call, not on the first step.
        if (typeof options === 'object' && !('keys' in options) && !('values' in options)) {
          expect(() => database.keys(options as never)).toThrow(message)
          expect(() => database.values(options as never)).toThrow(message)
        }
        expect(database.stats().openIterators).toBe(0)
      } finally {
        await database.close()
      }
    })
  }

  it('refuses keys and values as options of keys() and values()', async () => {
    const database = await filled()
    try {
      expect(() => database.keys({ values: true } as never)).toThrow(/unknown iterator option 'values'/)
      expect(() => database.values({ keys: false } as never)).toThrow(/unknown iterator option 'keys'/)
    } finally {
      await database.close()
    }
  })

  it('accepts every allowed spelling: -1, Infinity and integers as limit, undefined as absent', async () => {
    const database = await filled()
    try {
      const keys = async (options: object) => (await database.iterator(options).all()).map(([key]) => key)
      expect(await keys({ limit: -1 })).toHaveLength(5)
      expect(await keys({ limit: Number.POSITIVE_INFINITY })).toHaveLength(5)
      expect(await keys({ limit: 0 })).toEqual([])
      expect(await keys({ limit: 2, reverse: true })).toEqual(['e', 'd'])
      expect(await keys({ gt: 'a', lte: 'c', reverse: false, keys: true, values: true })).toEqual(['b', 'c'])
      expect(await keys({ gt: undefined, gte: 'd', snapshot: undefined, limit: undefined })).toEqual([
        'd',
        'e',
      ])
      const collected: string[] = []
      for await (const key of database.keys({ gte: 'c', limit: 2 })) collected.push(key)
      expect(collected).toEqual(['c', 'd'])
    } finally {
      await database.close()
    }
  })
})

describe('read and write options', () => {
  it('refuses unknown read options and a non-object in get, getSync, getMany and has', async () => {
    const database = await filled()
    try {
      for (const read of [
        () => database.get('a', { fillCache: false } as never),
        () => database.getSync('a', { fillCache: false } as never),
        () => database.getMany(['a'], { fillCache: false } as never),
        () => database.has('a', { fillCache: false } as never),
      ]) {
        const error = await failure(read)
        expect(error.code).toBe('STRATA_INVALID_ARGUMENT')
        expect(error.message).toMatch(/unknown read option 'fillCache'; allowed: snapshot/)
        expect(error.argument).toBe('options.fillCache')
      }
      expect((await failure(() => database.get('a', 7 as never))).message).toMatch(/must be an object/)
      expect(await database.get('a', { snapshot: undefined })).toBe('value-a')
      expect(await database.get('a', null as never)).toBe('value-a')
    } finally {
      await database.close()
    }
  })

  it('refuses unknown write options and a sync that is not a boolean', async () => {
    const database = await filled()
    try {
      for (const write of [
        () => database.put('x', 'y', { sync: 'yes' } as never),
        () => database.delete('a', { sync: 1 } as never),
        () => database.batch([{ type: 'put', key: 'x', value: 'y' }], { sync: null } as never),
      ]) {
        const error = await failure(write)
        expect(error.code).toBe('STRATA_INVALID_ARGUMENT')
        expect(error.message).toMatch(/options\.sync must be true or false/)
      }
      const unknown = await failure(() => database.put('x', 'y', { durable: true } as never))
      expect(unknown.message).toMatch(/unknown write option 'durable'; allowed: sync/)
      const chained = await failure(() =>
        database
          .batch()
          .put('x', 'y')
          .write({ fsync: true } as never),
      )
      expect(chained.message).toMatch(/unknown write option 'fsync'/)
      // Nothing refused was written.
      expect(await database.get('x')).toBeUndefined()
      expect(await database.get('a')).toBe('value-a')
      await database.put('x', 'y', { sync: false })
      expect(await database.get('x')).toBe('y')
    } finally {
      await database.close()
    }
  })
})
