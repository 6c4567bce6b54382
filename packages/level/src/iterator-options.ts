/**
 * The options of `iterator()`, `keys()`, `values()` and `clear()` that abstract-level would
 * otherwise bend silently (`limit: 1.5` or `-2` read as "no limit", `reverse: 'yes'` as false),
 * checked before abstract-level sees them, as the engine checks its own: a typed error naming the
 * option and what is allowed. Other names pass through, as abstract-level intends (options of
 * other implementations are ignored here).
 */
import { describeType, InvalidArgumentError } from '@strata/base'
import { checkSnapshotOption } from './snapshot.js'

const BOOLEAN_OPTIONS = ['reverse', 'keys', 'values'] as const

/** Throws `InvalidArgumentError` for a bad `limit`, `reverse`, `keys`, `values` or `snapshot`;
 *  `undefined` and `null` count as not given. */
export function checkIteratorOptions(options: unknown): void {
  if (options === undefined || options === null) return
  if (typeof options !== 'object') {
    throw new InvalidArgumentError(`iterator options must be an object, not ${describeType(options)}`, {
      argument: 'options',
    })
  }
  checkSnapshotOption(options)
  const given = options as Record<string, unknown>
  const limit = given.limit
  if (
    limit !== undefined &&
    limit !== null &&
    limit !== -1 &&
    limit !== Number.POSITIVE_INFINITY &&
    !(typeof limit === 'number' && Number.isInteger(limit) && limit >= 0)
  ) {
    throw new InvalidArgumentError(
      `options.limit must be an integer from 0 up, or -1 or Infinity for no limit, not ${
        typeof limit === 'number' ? String(limit) : describeType(limit)
      }`,
      { argument: 'options.limit' },
    )
  }
  for (const name of BOOLEAN_OPTIONS) {
    const value = given[name]
    if (value !== undefined && value !== null && typeof value !== 'boolean') {
      throw new InvalidArgumentError(`options.${name} must be true or false, not ${describeType(value)}`, {
        argument: `options.${name}`,
      })
    }
  }
}

/** `checkIteratorOptions`'s error as a rejected promise (for `clear()`); `undefined` when fine. */
export function refusedIteratorOptions(options: unknown): Promise<never> | undefined {
  try {
    checkIteratorOptions(options)
    return undefined
  } catch (error) {
    return Promise.reject(error)
  }
}
