/**
 * Workload keys and values, db_bench style: 16-byte keys and 100-byte values.
 *
 * A key is the 16-digit zero-padded decimal form of a key number (ASCII, so byte order equals
 * numeric order and every peer, snap-db's string keys included, sorts them alike). Stored keys
 * use even numbers (2·i for i in [0, n)); `readmissing` asks for the odd numbers between them, so
 * a missing key falls inside the stored range and a store cannot answer by range alone.
 */
import { Random } from './random.js'

export const KEY_BYTES = 16
export const VALUE_BYTES = 100
/** Largest key number: every safe integer fits in 16 digits. */
const MAX_KEY_NUMBER = Number.MAX_SAFE_INTEGER

/** Writes the 16-digit decimal form of `keyNumber` into `target` at `offset`. */
export function writeKey(target: Buffer, offset: number, keyNumber: number): void {
  if (!Number.isSafeInteger(keyNumber) || keyNumber < 0 || keyNumber > MAX_KEY_NUMBER) {
    throw new RangeError(`key number must be an integer from 0 to ${MAX_KEY_NUMBER}, not ${keyNumber}`)
  }
  let rest = keyNumber
  for (let position = KEY_BYTES - 1; position >= 0; position--) {
    target[offset + position] = 0x30 + (rest % 10)
    rest = Math.floor(rest / 10)
  }
}

/** The 16-byte key of `keyNumber`. */
export function keyOf(keyNumber: number): Buffer {
  const key = Buffer.allocUnsafe(KEY_BYTES)
  writeKey(key, 0, keyNumber)
  return key
}

/** The key number a key encodes. */
export function keyNumberOf(key: Uint8Array): number {
  let value = 0
  for (let position = 0; position < KEY_BYTES; position++)
    value = value * 10 + ((key[position] ?? 0x30) - 0x30)
  return value
}

/** Stored keys are the even numbers, missing keys the odd ones. */
export function storedKeyNumber(index: number): number {
  return index * 2
}

export function missingKeyNumber(index: number): number {
  return index * 2 + 1
}

/** The keys of one workload's operations, in operation order, built before the timer starts:
 *  one buffer, and `key(i)` a 16-byte view of it (no allocation or formatting while timed). */
export class KeyList {
  readonly count: number
  private readonly bytes: Buffer

  constructor(keyNumbers: ArrayLike<number>) {
    this.count = keyNumbers.length
    this.bytes = Buffer.allocUnsafe(this.count * KEY_BYTES)
    for (let index = 0; index < this.count; index++)
      writeKey(this.bytes, index * KEY_BYTES, keyNumbers[index]!)
  }

  key(index: number): Buffer {
    return this.bytes.subarray(index * KEY_BYTES, index * KEY_BYTES + KEY_BYTES)
  }
}

/** Stored key numbers 0, 2, 4 … in ascending order (fillseq, fillbatch). */
export function sequentialKeys(count: number): number[] {
  const numbers = new Array<number>(count)
  for (let index = 0; index < count; index++) numbers[index] = storedKeyNumber(index)
  return numbers
}

/** Every stored key number exactly once, in a random order (fillrandom, deleterandom). */
export function shuffledKeys(count: number, random: Random): number[] {
  const numbers = sequentialKeys(count)
  for (let index = count - 1; index > 0; index--) {
    const other = random.below(index + 1)
    const swap = numbers[index]!
    numbers[index] = numbers[other]!
    numbers[other] = swap
  }
  return numbers
}

/** `count` key numbers drawn uniformly, with replacement, from the `stored` stored keys
 *  (readrandom, overwrite, seekrandom) or from the missing keys between them (readmissing). */
export function randomKeys(count: number, stored: number, random: Random, missing = false): number[] {
  const numbers = new Array<number>(count)
  for (let index = 0; index < count; index++) {
    const pick = random.below(stored)
    numbers[index] = missing ? missingKeyNumber(pick) : storedKeyNumber(pick)
  }
  return numbers
}

/** Printable ASCII, so values survive engines that store strings (snap-db) byte for byte. */
function printable(random: Random): number {
  return 0x21 + random.below(94)
}

/** Values for timed runs: 100-byte views into a 1 MiB block of random printable bytes, so no
 *  value is allocated while timed and neighbouring values differ (compression gains little). */
export class ValuePool {
  private readonly pool: Buffer
  private readonly slots: number

  constructor(random: Random, poolBytes = 1024 * 1024) {
    this.pool = Buffer.allocUnsafe(poolBytes + VALUE_BYTES)
    for (let index = 0; index < this.pool.length; index++) this.pool[index] = printable(random)
    this.slots = poolBytes
  }

  value(index: number): Buffer {
    const offset = (index * 131) % this.slots
    return this.pool.subarray(offset, offset + VALUE_BYTES)
  }
}

/** The value the pre-check writes for `keyNumber` at `version`: a pure function of both, so
 *  every adapter is given (and must return) exactly the same bytes. */
export function checkValue(keyNumber: number, version: number): Buffer {
  const random = new Random((Math.imul(keyNumber, 0x9e3779b1) ^ Math.imul(version + 1, 0x85ebca6b)) >>> 0)
  const value = Buffer.allocUnsafe(VALUE_BYTES)
  for (let index = 0; index < VALUE_BYTES; index++) value[index] = printable(random)
  return value
}

/** Puts keys 0 .. `count` - 1 (`keyOf`, VALUE_BYTES-byte values of one repeated byte) in atomic
 *  batches of 1,000, in key order: the stores the range-delete benchmarks start from. */
export async function putAscending(
  store: { batch(operations: { type: 'put'; key: Buffer; value: Buffer }[]): Promise<unknown> },
  count: number,
): Promise<void> {
  const value = Buffer.alloc(VALUE_BYTES, 0x61)
  for (let start = 0; start < count; start += 1000) {
    const operations = []
    for (let key = start; key < Math.min(count, start + 1000); key++) {
      operations.push({ type: 'put' as const, key: keyOf(key), value })
    }
    await store.batch(operations)
  }
}
