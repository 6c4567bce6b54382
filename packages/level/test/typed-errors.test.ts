import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { StrataLevel } from '../src/index.js'
import { temporaryDirectory } from './helpers.js'

/** Runs `call` (which may throw, reject, or return an iterator read with `all()`) and returns the
 *  error it failed with. */
async function failure(call: () => unknown): Promise<Error & { code?: string }> {
  try {
    const result = call() as { then?: unknown; all?: () => Promise<unknown> } | undefined
    if (typeof result?.then === 'function') await result
    else if (typeof result?.all === 'function') await result.all()
  } catch (error) {
    return error as Error & { code?: string }
  }
  throw new Error('the call succeeded; expected a typed error')
}

async function opened(): Promise<StrataLevel<string, string>> {
  const db = new StrataLevel<string, string>(join(temporaryDirectory(), 'db'))
  await db.open()
  await db.batch(['a', 'b', 'c', 'd'].map((key) => ({ type: 'put' as const, key, value: `value-${key}` })))
  return db
}

/** Every method of abstract-level that takes a `snapshot` option, called with `options`. */
function readsWith(db: StrataLevel<string, string>, options: object): [string, () => unknown][] {
  const given = options as never
  return [
    ['get', () => db.get('a', given)],
    ['getMany', () => db.getMany(['a'], given)],
    ['has', () => db.has('a', given)],
    ['hasMany', () => db.hasMany(['a'], given)],
    ['iterator', () => db.iterator(given)],
    ['keys', () => db.keys(given)],
    ['values', () => db.values(given)],
    ['clear', () => db.clear(given)],
  ]
}

describe('typed errors through @strata/level', () => {
  it('refuses a snapshot option that is not a snapshot with STRATA_INVALID_ARGUMENT, not a TypeError', async () => {
    const db = await opened()
    try {
      for (const snapshot of [{}, { ref: 1 }, 'snapshot', 3]) {
        for (const [name, read] of readsWith(db, { snapshot })) {
          const error = await failure(read)
          expect(error, name).not.toBeInstanceOf(TypeError)
          expect(error.code, name).toBe('STRATA_INVALID_ARGUMENT')
          expect(error.message, name).toMatch(/options\.snapshot must be a snapshot taken with snapshot\(\)/)
        }
      }
      // Nothing was cleared.
      expect(await db.keys().all()).toEqual(['a', 'b', 'c', 'd'])
    } finally {
      await db.close()
    }
  })

  it('refuses a snapshot of another database in every read', async () => {
    const db = await opened()
    const other = await opened()
    const snapshot = other.snapshot()
    try {
      for (const [name, read] of readsWith(db, { snapshot })) {
        const error = await failure(read)
        expect(error.code, name).toBe('STRATA_INVALID_ARGUMENT')
        expect(error.message, name).toMatch(/of this database/)
      }
      expect(await db.keys().all()).toEqual(['a', 'b', 'c', 'd'])
    } finally {
      await snapshot.close()
      await Promise.all([db.close(), other.close()])
    }
  })

  it('refuses a bad limit, reverse, keys or values instead of reading them as defaults', async () => {
    const db = await opened()
    try {
      const bad: [object, RegExp][] = [
        [{ limit: 1.5 }, /options\.limit must be an integer from 0 up, or -1 or Infinity/],
        [{ limit: -2 }, /options\.limit/],
        [{ limit: '2' }, /options\.limit .*a string/],
        [{ reverse: 'yes' }, /options\.reverse must be true or false/],
        [{ keys: 0 }, /options\.keys must be true or false/],
        [{ values: 'no' }, /options\.values must be true or false/],
      ]
      for (const [options, message] of bad) {
        for (const make of [() => db.iterator(options as never), () => db.keys(options as never)]) {
          const error = await failure(make)
          expect(error.code).toBe('STRATA_INVALID_ARGUMENT')
          expect(error.message).toMatch(message)
        }
      }
      expect((await failure(() => db.clear({ limit: 0.5 } as never))).message).toMatch(/options\.limit/)
      expect(await db.keys().all()).toEqual(['a', 'b', 'c', 'd'])
      // The allowed spellings still work, and names of other implementations pass through.
      expect(await db.keys({ limit: -1 }).all()).toHaveLength(4)
      expect(await db.keys({ limit: Number.POSITIVE_INFINITY, reverse: true }).all()).toEqual([
        'd',
        'c',
        'b',
        'a',
      ])
      expect(await db.keys({ limit: 2, fillCache: false } as never).all()).toEqual(['a', 'b'])
    } finally {
      await db.close()
    }
  })

  it('reports an engine write option error with its code', async () => {
    const db = await opened()
    try {
      const error = await failure(() => db.put('x', 'y', { sync: 'yes' } as never))
      expect(error.code).toBe('STRATA_INVALID_ARGUMENT')
      expect(await db.get('x')).toBeUndefined()
    } finally {
      await db.close()
    }
  })
})
