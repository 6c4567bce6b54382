/**
 * Options of reads (`get`, `getSyncOrPromise`, `getSync`, `getMany`, `has`) and of iterators
 * (`iterator`, `keys`, `values`), checked as strictly as `open()` checks its options: an unknown
 * name, a value of the wrong type or out of range, or a snapshot of another database is an
 * `InvalidArgumentError` that names the option and says what is allowed. An option given as
 * `undefined` counts as not given; `null` or `undefined` options are no options.
 */
import { describeType, InvalidArgumentError, type KeyRange } from '@strata/base'
import { givenOptions } from './given-options.js'
import type { Snapshot, SnapshotList } from './snapshot.js'

export interface ReadOptions {
  /** Read at this snapshot (taken with this database's `snapshot()`) instead of the latest
   *  acknowledged write. */
  snapshot?: Snapshot
}

/** Names a read accepts. */
export const READ_OPTION_NAMES: readonly string[] = ['snapshot']
/** Names an iterator accepts (`keys()` and `values()`: all but `keys` and `values`). */
export const ITERATOR_OPTION_NAMES: readonly string[] = [
  'gt',
  'gte',
  'lt',
  'lte',
  'reverse',
  'limit',
  'snapshot',
  'keys',
  'values',
]
/** Names `keys()` and `values()` accept. */
export const KEYS_OPTION_NAMES: readonly string[] = ITERATOR_OPTION_NAMES.filter(
  (name) => name !== 'keys' && name !== 'values',
)

/** The seq a read with `options` sees: its snapshot's, else `latestSeq`. */
export function readSeqOf(options: unknown, snapshots: SnapshotList, latestSeq: number): number {
  const given = givenOptions(options, READ_OPTION_NAMES, 'read')
  const snapshot = given?.snapshot
  return snapshot === undefined ? latestSeq : snapshots.seqOf(snapshot)
}

export interface CheckedIteratorOptions {
  /** The bounds, encoded. */
  range: KeyRange
  reverse: boolean
  /** Entries to return at most; `Infinity` for no limit. */
  limit: number
  /** The seq the iterator reads at. */
  seq: number
  keys: boolean
  values: boolean
}

function booleanOption(given: Record<string, unknown> | undefined, name: string, fallback: boolean): boolean {
  const value = given?.[name]
  if (value === undefined) return fallback
  if (typeof value !== 'boolean') {
    throw new InvalidArgumentError(`options.${name} must be true or false, not ${describeType(value)}`, {
      argument: `options.${name}`,
    })
  }
  return value
}

/**
 * `limit` allows an integer from 0 up, or -1 or `Infinity` for no limit (abstract-level's
 * spellings of "no limit"); anything else (1.5, -2, NaN, '10') is refused.
 */
export function limitOf(value: unknown): number {
  if (value === undefined || value === -1 || value === Number.POSITIVE_INFINITY) {
    return Number.POSITIVE_INFINITY
  }
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new InvalidArgumentError(
      `options.limit must be an integer from 0 up, or -1 or Infinity for no limit, not ${
        typeof value === 'number' ? String(value) : describeType(value)
      }`,
      { argument: 'options.limit' },
    )
  }
  return value
}

/**
 * Checks an iterator's `options` and encodes its bounds with `encodeBound`. At most one lower
 * bound (`gt` or `gte`) and one upper bound (`lt` or `lte`).
 */
export function checkIteratorOptions<K>(
  options: unknown,
  encodeBound: (key: K, argument: string) => Uint8Array,
  snapshots: SnapshotList,
  latestSeq: number,
  allowed: readonly string[] = ITERATOR_OPTION_NAMES,
): CheckedIteratorOptions {
  const given = givenOptions(options, allowed, 'iterator')
  const gt = given?.gt
  const gte = given?.gte
  const lt = given?.lt
  const lte = given?.lte
  if (gt !== undefined && gte !== undefined) throw bothBounds('gt', 'gte')
  if (lt !== undefined && lte !== undefined) throw bothBounds('lt', 'lte')
  // Argument names spelled out (not built per call): this runs for every iterator.
  const range: KeyRange = {}
  if (gt !== undefined) range.gt = encodeBound(gt as K, 'options.gt')
  if (gte !== undefined) range.gte = encodeBound(gte as K, 'options.gte')
  if (lt !== undefined) range.lt = encodeBound(lt as K, 'options.lt')
  if (lte !== undefined) range.lte = encodeBound(lte as K, 'options.lte')
  const snapshot = given?.snapshot
  return {
    range,
    reverse: booleanOption(given, 'reverse', false),
    limit: limitOf(given?.limit),
    seq: snapshot === undefined ? latestSeq : snapshots.seqOf(snapshot),
    keys: booleanOption(given, 'keys', true),
    values: booleanOption(given, 'values', true),
  }
}

function bothBounds(first: string, second: string): InvalidArgumentError {
  return new InvalidArgumentError(
    `options.${first} and options.${second} were both given; give at most one of them`,
    {
      argument: `options.${second}`,
    },
  )
}
