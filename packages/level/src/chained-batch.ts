/**
 * The adapter's chained batch: abstract-level's default one keeps each operation's encoded key
 * and value until `write()`, and with the `buffer` or `view` encoding those are the caller's own
 * buffers, so a buffer reused between `put()` and `write()` changed what was written. This one
 * copies the bytes of each operation as it is added (classic-level's batches copy too).
 */
import { AbstractChainedBatch } from 'abstract-level'

/** An operation as abstract-level hands it to `_add` (encoded, prefixed). */
interface AddedOperation {
  type: 'put' | 'del'
  key: unknown
  value?: unknown
  [option: string]: unknown
}

/** The database side the batch needs: abstract-level's private `_batch`. */
interface BatchTarget {
  _batch(operations: AddedOperation[], options: unknown): Promise<void>
}

/** `value`'s own copy when it is bytes (a Buffer stays a Buffer), else `value` (strings are
 *  immutable). */
function ownCopy(value: unknown): unknown {
  if (Buffer.isBuffer(value)) return Buffer.from(value)
  if (value instanceof Uint8Array) return value.slice()
  return value
}

export class CopyingChainedBatch extends AbstractChainedBatch<never, unknown, unknown> {
  private operations: AddedOperation[] = []

  constructor(private readonly target: BatchTarget) {
    // abstract-level's option: operations come to `_add` (not `_put` and `_del`), encoded and
    // prefixed. Its typings leave the second argument out.
    // @ts-expect-error abstract-level takes (db, { add }) at run time
    super(target as never, { add: true })
  }

  _add(operation: AddedOperation): void {
    const copy: AddedOperation = { ...operation, key: ownCopy(operation.key) }
    if (operation.type === 'put') copy.value = ownCopy(operation.value)
    this.operations.push(copy)
  }

  _clear(): void {
    this.operations = []
  }

  async _write(options: unknown): Promise<void> {
    return this.target._batch(this.operations, options)
  }
}
