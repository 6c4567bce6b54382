import { OpType } from '@strata/base'
import { describe, expect, it } from 'vitest'
import { encodedOperation, ownAllBytes } from './write-queue.js'

describe('ownAllBytes', () => {
  it('copies every key and value of a batch into one new buffer', () => {
    const keys = [Buffer.from('a1'), Buffer.from('b22'), Buffer.from('c333')]
    const value = Buffer.alloc(100, 5)
    const operations = [
      encodedOperation(OpType.Put, keys[0]!, value),
      encodedOperation(OpType.Delete, keys[1]!, null),
      encodedOperation(OpType.Put, keys[2]!, Buffer.from('v')),
    ]
    ownAllBytes(operations)
    for (const key of keys) key.fill(0)
    value.fill(0)
    expect(operations.map((operation) => Buffer.from(operation.key).toString())).toEqual([
      'a1',
      'b22',
      'c333',
    ])
    expect(operations[0]!.value).toEqual(new Uint8Array(100).fill(5))
    expect(operations[1]!.value).toBeNull()
    expect(Buffer.from(operations[2]!.value!).toString()).toBe('v')
    const buffers = new Set(
      operations.flatMap((operation) => [operation.key.buffer, operation.value?.buffer]),
    )
    buffers.delete(undefined)
    expect(buffers.size).toBe(1)
    expect(operations[0]!.key.buffer.byteLength).toBe(2 + 100 + 3 + 4 + 1)
  })
})
