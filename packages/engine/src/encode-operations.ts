/**
 * A batch's operations as the write queue takes them: keys and values encoded and checked by
 * the database's codec, a range delete as its range tombstone (delete-range.ts).
 */
import { OpType } from '@strata/base'
import type { BatchOperation } from './batch.js'
import { rangeDeleteOperation } from './delete-range.js'
import type { EntryCodec } from './entry-codec.js'
import type { EncodedOperation } from './write-queue.js'

/** `operations` encoded in order; the first bad one throws its typed error, naming its index. */
export function encodeOperations<K, V>(
  operations: BatchOperation<K, V>[],
  codec: EntryCodec<K, V>,
): EncodedOperation[] {
  return operations.map((operation, index) => encodeOperation(operation, codec, index))
}

/** One operation encoded (`index`: its place in the batch, named in errors). */
export function encodeOperation<K, V>(
  operation: BatchOperation<K, V>,
  codec: EntryCodec<K, V>,
  index: number,
): EncodedOperation {
  if (operation.type === 'put') {
    return {
      op: OpType.Put,
      key: codec.encodeKey(operation.key),
      value: codec.encodeValue(operation.value),
    }
  }
  if (operation.type === 'del') {
    return { op: OpType.Delete, key: codec.encodeKey(operation.key), value: null }
  }
  return rangeDeleteOperation(operation, codec.keyEncoding, `operations[${index}]`, ['type'])
}
