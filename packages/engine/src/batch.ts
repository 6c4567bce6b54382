/**
 * Batches: several puts, deletes and range deletes applied atomically (one WAL frame,
 * consecutive seqs). Operations have abstract-level's shape, plus `{ type: 'deleteRange',
 * gt?, gte?, lt?, lte? }`.
 */
import { ClosedError, describeType, InvalidArgumentError } from '@strata/base'
import type { DeleteRange } from './delete-range.js'
import { givenOptions } from './given-options.js'
import type { EncodedOperation } from './write-queue.js'

export type BatchOperation<K, V> =
  | { type: 'put'; key: K; value: V }
  | { type: 'del'; key: K }
  | ({ type: 'deleteRange' } & DeleteRange<K>)

export interface WriteOptions {
  /** Overrides the database's `sync` option for this write. */
  sync?: boolean
}

/** The `sync` rule of a write with `options` (`fallback`: the database's). Options are checked as
 *  `open()` checks its own: an unknown name or a `sync` that is not a boolean is an
 *  `InvalidArgumentError`; `undefined` counts as not given. */
export function writeSyncOf(options: unknown, fallback: boolean): boolean {
  const given = givenOptions(options, ['sync'], 'write')
  if (given === undefined) return fallback
  const sync = given.sync
  if (sync === undefined) return fallback
  if (typeof sync !== 'boolean') {
    throw new InvalidArgumentError(`options.sync must be true or false, not ${describeType(sync)}`, {
      argument: 'options.sync',
    })
  }
  return sync
}

/**
 * `database.batch()`: collects operations, then `write()` applies them all or none. Each
 * operation is encoded and checked when it is added (a bad key, value or range throws its typed
 * error there): the batch holds its own bytes, so the caller may reuse its buffers at once.
 */
export class ChainedBatch<K, V> {
  private operations: EncodedOperation[] = []
  private done = false

  /** @internal `encode` returns the operation in bytes of its own (never the caller's). */
  constructor(
    private readonly encode: (operation: BatchOperation<K, V>, index: number) => EncodedOperation,
    private readonly commit: (operations: EncodedOperation[], options?: WriteOptions) => Promise<void>,
  ) {}

  /** Number of queued operations. */
  get length(): number {
    return this.operations.length
  }

  put(key: K, value: V): this {
    return this.add({ type: 'put', key, value })
  }

  delete(key: K): this {
    return this.add({ type: 'del', key })
  }

  /** Alias of `delete`, as abstract-level names it. */
  del(key: K): this {
    return this.delete(key)
  }

  /** Deletes every key in `range` (see `Database.deleteRange`), in order with the other
   *  operations: a put queued after it survives it. */
  deleteRange(range: DeleteRange<K>): this {
    return this.add({ ...range, type: 'deleteRange' })
  }

  /** Drops the queued operations. */
  clear(): this {
    this.check()
    this.operations = []
    return this
  }

  /** Applies every queued operation atomically. The batch cannot be used afterwards. */
  async write(options?: WriteOptions): Promise<void> {
    this.check()
    this.done = true
    await this.commit(this.operations, options)
  }

  /** Discards the batch without writing. */
  close(): void {
    this.done = true
  }

  private add(operation: BatchOperation<K, V>): this {
    this.check()
    this.operations.push(this.encode(operation, this.operations.length))
    return this
  }

  private check(): void {
    if (this.done) throw new ClosedError('this batch (already written or closed)')
  }
}

export function checkOperations(
  operations: unknown,
): asserts operations is BatchOperation<unknown, unknown>[] {
  if (!Array.isArray(operations)) {
    throw new InvalidArgumentError('batch operations must be an array of { type, key, value }', {
      argument: 'operations',
    })
  }
  for (let index = 0; index < operations.length; index++) {
    const operation = operations[index] as { type?: unknown } | null
    if (
      typeof operation !== 'object' ||
      operation === null ||
      (operation.type !== 'put' && operation.type !== 'del' && operation.type !== 'deleteRange')
    ) {
      throw new InvalidArgumentError(
        `batch operation ${index} must be { type: 'put', key, value }, { type: 'del', key } or { type: 'deleteRange', gt?, gte?, lt?, lte? }`,
        { argument: `operations[${index}]` },
      )
    }
  }
}
