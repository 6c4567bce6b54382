/**
 * The options of a table iterator (`Table.iterator`), checked: bounds copied and reduced to the
 * stricter of each pair, snapshot and mode checked. `checkTableIteratorOptions` does it once, so
 * that a reader opening an iterator on many tables with the same options (a merge over every
 * table of a read, a level walked table by table) checks and copies them once, not per table.
 */
import { InvalidArgumentError, type KeyRange, MAX_SEQ } from '@strata/base'
import { allocate, compareKeys } from './coding.js'

export interface TableIteratorOptions extends KeyRange {
  /** Walk from the largest key down. Default false. */
  reverse?: boolean
  /** Snapshot: entries with a larger seq are invisible. Default: everything (`MAX_SEQ`). */
  atSeq?: number
  /** `visible` (default): per key, the newest version with seq <= atSeq, tombstones included.
   *  `all`: every version with seq <= atSeq, in internal order (reversed when `reverse`). */
  versions?: 'visible' | 'all'
}

/** One end of the range: its key (a copy the options own) and whether it is included. */
export interface Bound {
  readonly key: Uint8Array
  readonly inclusive: boolean
}

/** Where a walk starts or resumes: at the first entry >= target (forward) / last <= target
 *  (reverse); `target` undefined means the start (forward) or the end (reverse). Never changed
 *  once made: iterators share these. */
export interface Position {
  readonly target: Uint8Array | undefined
  readonly inclusive: boolean
}

const FROM_THE_EDGE: Position = { target: undefined, inclusive: true }

/** Checked table iterator options, immutable: one instance serves any number of iterators
 *  (`Table.iterator` takes it as it is). Made by `checkTableIteratorOptions`. */
export class CheckedTableIteratorOptions {
  /** Where a walk starts: the lower bound (forward) or the upper one (reverse). */
  readonly start: Position

  /** @internal use `checkTableIteratorOptions` */
  constructor(
    readonly reverse: boolean,
    readonly atSeq: number,
    /** `versions: 'all'` */
    readonly all: boolean,
    readonly lower: Bound | undefined,
    readonly upper: Bound | undefined,
  ) {
    this.start = positionAt(reverse ? upper : lower)
  }
}

/** `options` checked (an `InvalidArgumentError` naming the bad option otherwise); checked
 *  options are returned as they are. */
export function checkTableIteratorOptions(
  options: TableIteratorOptions | CheckedTableIteratorOptions | undefined,
): CheckedTableIteratorOptions {
  if (options instanceof CheckedTableIteratorOptions) return options
  const given = (options ?? {}) as TableIteratorOptions
  if (typeof given !== 'object' || given === null) {
    throw new InvalidArgumentError('iterator options must be an object or undefined', {
      argument: 'options',
    })
  }
  const atSeq = given.atSeq ?? MAX_SEQ
  if (typeof atSeq !== 'number' || !Number.isSafeInteger(atSeq) || atSeq < 0) {
    throw new InvalidArgumentError(
      `options.atSeq must be an integer from 0 to 2^53 - 1, got ${String(atSeq)}`,
      {
        argument: 'options.atSeq',
      },
    )
  }
  const versions = given.versions ?? 'visible'
  if (versions !== 'visible' && versions !== 'all') {
    throw new InvalidArgumentError(`options.versions must be 'visible' or 'all', got ${String(versions)}`, {
      argument: 'options.versions',
    })
  }
  return new CheckedTableIteratorOptions(
    given.reverse === true,
    atSeq,
    versions === 'all',
    tighter(bound(given.gt, false, 'gt'), bound(given.gte, true, 'gte'), 1),
    tighter(bound(given.lt, false, 'lt'), bound(given.lte, true, 'lte'), -1),
  )
}

/** The position at `limit` (its key and inclusiveness), or at the edge when there is none. */
export function positionAt(limit: Bound | undefined): Position {
  return limit === undefined ? FROM_THE_EDGE : { target: limit.key, inclusive: limit.inclusive }
}

function bound(key: Uint8Array | undefined, inclusive: boolean, name: string): Bound | undefined {
  if (key === undefined) return undefined
  if (!(key instanceof Uint8Array)) {
    throw new InvalidArgumentError(`options.${name} must be a Uint8Array (or Buffer) or undefined`, {
      argument: `options.${name}`,
    })
  }
  // A copy (the caller may reuse its array), made by one native copy into a fresh array:
  // `new Uint8Array(key)` takes a slower generic path.
  const copy = allocate(key.length)
  copy.set(key)
  return { key: copy, inclusive }
}

/** The stricter of two bounds: for a lower bound (`direction` 1) the larger, for an upper the
 *  smaller; on equal keys the exclusive one. */
function tighter(a: Bound | undefined, b: Bound | undefined, direction: 1 | -1): Bound | undefined {
  if (a === undefined) return b
  if (b === undefined) return a
  const order = compareKeys(a.key, b.key) * direction
  if (order > 0) return a
  if (order < 0) return b
  return a.inclusive ? b : a
}
