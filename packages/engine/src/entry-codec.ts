/**
 * Keys and values between the caller's types and bytes: encoded through the database's
 * encodings and checked (a key 1 to MAX_KEY_BYTES bytes, a value given and at most
 * MAX_VALUE_BYTES), decoded for reads.
 */
import { type InternalEntry, InvalidArgumentError, OpType } from '@strata/base'
import type { ResolvedEncoding } from './encoding.js'
import { MAX_KEY_BYTES, MAX_VALUE_BYTES } from './options.js'

export class EntryCodec<K, V> {
  constructor(
    readonly keyEncoding: ResolvedEncoding<K>,
    readonly valueEncoding: ResolvedEncoding<V>,
  ) {}

  /** `key`'s bytes for a write or a read that keeps them; checked (given, 1 to MAX_KEY_BYTES). */
  encodeKey(key: K): Uint8Array {
    return this.checkKeyBytes(
      key,
      key === undefined || key === null ? undefined : this.keyEncoding.encode(key, 'key'),
    )
  }

  /** `encodeKey`'s bytes, possibly in a buffer the next call overwrites: for a point read, which
   *  uses them synchronously (a search that goes on asynchronously copies them first). */
  encodeReadKey(key: K): Uint8Array {
    return this.checkKeyBytes(
      key,
      key === undefined || key === null ? undefined : this.keyEncoding.encodeTransient(key, 'key'),
    )
  }

  private checkKeyBytes(key: K, bytes: Uint8Array | undefined): Uint8Array {
    if (bytes === undefined) {
      throw new InvalidArgumentError(
        `key must be given (a ${this.keyEncoding.name} key), not ${String(key)}`,
        {
          argument: 'key',
        },
      )
    }
    if (bytes.length === 0)
      throw new InvalidArgumentError('key must not be empty (1 byte or more)', { argument: 'key' })
    if (bytes.length > MAX_KEY_BYTES) {
      throw new InvalidArgumentError(
        `key is ${bytes.length} bytes; the largest allowed is ${MAX_KEY_BYTES}`,
        {
          argument: 'key',
        },
      )
    }
    return bytes
  }

  /** A range bound's bytes (`argument` names it in errors), `undefined` for an open bound. */
  encodeBound(key: K | undefined, argument: string): Uint8Array | undefined {
    return key === undefined ? undefined : this.keyEncoding.encode(key, argument)
  }

  encodeValue(value: V): Uint8Array {
    if (value === undefined || value === null) {
      throw new InvalidArgumentError(
        `value must be given (a ${this.valueEncoding.name} value), not ${String(value)}; use delete() to remove a key`,
        { argument: 'value' },
      )
    }
    const bytes = this.valueEncoding.encode(value, 'value')
    if (bytes.length > MAX_VALUE_BYTES) {
      throw new InvalidArgumentError(
        `value is ${bytes.length} bytes; the largest allowed is ${MAX_VALUE_BYTES}`,
        {
          argument: 'value',
        },
      )
    }
    return bytes
  }

  /** The decoded value of `entry` if it is a put, else undefined (absent or deleted). */
  visibleValue(entry: InternalEntry | undefined): V | undefined {
    return entry?.op === OpType.Put ? this.valueEncoding.decode(entry.value!) : undefined
  }
}
