/**
 * A batch's operations as the write queue takes them: keys and values encoded and checked by
 * the database's codec, a range delete as its range tombstone (delete-range.ts).
 */
import { OpType } from '@strata/base'
import type { BatchOperation } from './batch.js'
import { rangeDeleteOperation } from './delete-range.js'
import type { EntryCodec } from './entry-codec.js'
import { type EncodedOperation, encodedOperation } from './write-queue.js'

/** `operations` encoded in order; the first bad one throws its typed error, naming its index. */
export function encodeOperations<K, V>(
  operations: BatchOperation<K, V>[],
  codec: EntryCodec<K, V>,
): EncodedOperation[] {
  const encoded = new Array<EncodedOperation>(operations.length)
  for (let index = 0; index < operations.length; index++) {
    encoded[index] = encodeOperation(operations[index]!, codec, index)
  }
  return encoded
}

/** One operation encoded (`index`: its place in the batch, named in errors). */
export function encodeOperation<K, V>(
  operation: BatchOperation<K, V>,
  codec: EntryCodec<K, V>,
  index: number,
): EncodedOperation {
  return operation.type === 'put'
    ? encodedOperation(OpType.Put, codec.encodeKey(operation.key), codec.encodeValue(operation.value))
    : operation.type === 'del'
      ? encodedOperation(OpType.Delete, codec.encodeKey(operation.key), null)
      : rangeDeleteOperation(operation, codec.keyEncoding, `operations[${index}]`, ['type'])
}
