import { describe, expect, it } from 'vitest'
import {
  checkValue,
  KEY_BYTES,
  KeyList,
  keyNumberOf,
  keyOf,
  missingKeyNumber,
  randomKeys,
  sequentialKeys,
  shuffledKeys,
  storedKeyNumber,
  VALUE_BYTES,
  ValuePool,
} from './keys.js'
import { deriveSeed, Random } from './random.js'

const SEED = Number(process.env.BENCH_TEST_SEED ?? Date.now() % 0xffff_ffff)
console.log(`keys.test.ts seed ${SEED} (replay with BENCH_TEST_SEED=${SEED})`)

describe('keys', () => {
  it('are 16 ASCII digits of the key number', () => {
    expect(keyOf(0).toString('latin1')).toBe('0000000000000000')
    expect(keyOf(1234).toString('latin1')).toBe('0000000000001234')
    expect(keyOf(Number.MAX_SAFE_INTEGER).toString('latin1')).toBe('9007199254740991')
    expect(keyOf(42)).toHaveLength(KEY_BYTES)
  })

  it('sort bytewise in the order of their numbers', () => {
    const random = new Random(SEED)
    for (let round = 0; round < 1000; round++) {
      const a = random.below(2 ** 32) * 1000 + random.below(1000)
      const b = random.below(2 ** 32) * 1000 + random.below(1000)
      expect(Math.sign(Buffer.compare(keyOf(a), keyOf(b)))).toBe(Math.sign(a - b))
    }
  })

  it('decode back to their number', () => {
    const random = new Random(SEED)
    for (let round = 0; round < 1000; round++) {
      const number = random.below(2 ** 32) * 100 + random.below(100)
      expect(keyNumberOf(keyOf(number))).toBe(number)
    }
  })

  it('refuse numbers that do not fit', () => {
    expect(() => keyOf(-1)).toThrow(RangeError)
    expect(() => keyOf(1.5)).toThrow(RangeError)
    expect(() => keyOf(2 ** 60)).toThrow(RangeError)
  })

  it('put stored keys on even numbers and missing keys between them', () => {
    expect(storedKeyNumber(7)).toBe(14)
    expect(missingKeyNumber(7)).toBe(15)
    const key = keyOf(missingKeyNumber(7))
    expect(Buffer.compare(keyOf(storedKeyNumber(7)), key)).toBe(-1)
    expect(Buffer.compare(key, keyOf(storedKeyNumber(8)))).toBe(-1)
  })
})

describe('key generators', () => {
  it('sequentialKeys ascends through the stored keys', () => {
    expect(sequentialKeys(4)).toEqual([0, 2, 4, 6])
  })

  it('shuffledKeys is a permutation of the stored keys, the same for the same seed', () => {
    const first = shuffledKeys(1000, new Random(SEED))
    const again = shuffledKeys(1000, new Random(SEED))
    expect(again).toEqual(first)
    expect([...first].sort((a, b) => a - b)).toEqual(sequentialKeys(1000))
    expect(first).not.toEqual(sequentialKeys(1000))
    expect(shuffledKeys(1000, new Random(SEED + 1))).not.toEqual(first)
  })

  it('randomKeys draws stored (even) or missing (odd) keys within range, reproducibly', () => {
    const stored = randomKeys(5000, 100, new Random(SEED))
    expect(randomKeys(5000, 100, new Random(SEED))).toEqual(stored)
    for (const number of stored) {
      expect(number % 2).toBe(0)
      expect(number).toBeLessThan(200)
    }
    expect(new Set(stored).size).toBeGreaterThan(90) // uniform over 100 keys: nearly all drawn
    const missing = randomKeys(5000, 100, new Random(SEED), true)
    for (const number of missing) {
      expect(number % 2).toBe(1)
      expect(number).toBeLessThan(200)
    }
  })

  it('KeyList lays out every key as a 16-byte view in operation order', () => {
    const numbers = shuffledKeys(300, new Random(SEED))
    const list = new KeyList(numbers)
    expect(list.count).toBe(300)
    numbers.forEach((number, index) => {
      expect(list.key(index)).toHaveLength(KEY_BYTES)
      expect(list.key(index).equals(keyOf(number))).toBe(true)
    })
  })

  it('derived seeds differ by purpose and are stable', () => {
    expect(deriveSeed(SEED, 'fillrandom')).toBe(deriveSeed(SEED, 'fillrandom'))
    expect(deriveSeed(SEED, 'fillrandom')).not.toBe(deriveSeed(SEED, 'overwrite'))
    expect(deriveSeed(SEED, 'x')).not.toBe(deriveSeed(SEED + 1, 'x'))
  })

  it('Random.below stays within its bound', () => {
    const random = new Random(SEED)
    for (let index = 0; index < 10_000; index++) {
      const value = random.below(7)
      expect(Number.isInteger(value) && value >= 0 && value < 7).toBe(true)
    }
  })
})

describe('values', () => {
  it('ValuePool gives 100 printable bytes per value, reproducibly, varying between neighbours', () => {
    const pool = new ValuePool(new Random(SEED))
    const again = new ValuePool(new Random(SEED))
    for (let index = 0; index < 100; index++) {
      const value = pool.value(index)
      expect(value).toHaveLength(VALUE_BYTES)
      expect(value.equals(again.value(index))).toBe(true)
      for (const byte of value) expect(byte >= 0x21 && byte <= 0x7e).toBe(true)
      expect(value.equals(pool.value(index + 1))).toBe(false)
    }
  })

  it('checkValue depends on the key and the version only', () => {
    expect(checkValue(10, 0).equals(checkValue(10, 0))).toBe(true)
    expect(checkValue(10, 0).equals(checkValue(10, 1))).toBe(false)
    expect(checkValue(10, 0).equals(checkValue(12, 0))).toBe(false)
    expect(checkValue(10, 3)).toHaveLength(VALUE_BYTES)
    expect(checkValue(10, 3).toString('latin1')).toBe(
      Buffer.from(checkValue(10, 3).toString('latin1'), 'latin1').toString('latin1'),
    )
  })
})
