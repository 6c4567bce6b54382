import { MAX_KEY_BYTES } from '@strata/engine'
import { describe, expect, it } from 'vitest'
import { random, seedFor } from '../test/helpers.js'
import { fromStoredKey, storedRange, toOutput, toStoredBound, toStoredKey } from './keys.js'

/** The stored form of a byte key, as bytes. */
const stored = (key: Uint8Array) => toStoredKey(key) as Buffer

const bytes = (...values: number[]) => Buffer.from(values)

/** A random key of 0-4 bytes drawn mostly from 00, 01 and ff, where the mapping has its edges. */
function randomKey(next: () => number): Buffer {
  const length = Math.floor(next() * 5)
  const alphabet = [0x00, 0x00, 0x01, 0x7f, 0xff]
  return Buffer.from(Array.from({ length }, () => alphabet[Math.floor(next() * alphabet.length)]!))
}

describe('stored keys', () => {
  it('stores the empty key and keys starting with a zero byte with one zero byte in front', () => {
    expect(toStoredKey(bytes())).toEqual(bytes(0))
    expect(toStoredKey(bytes(0))).toEqual(bytes(0, 0))
    expect(toStoredKey(bytes(0, 5))).toEqual(bytes(0, 0, 5))
  })

  it('stores every other key as it is, without a copy', () => {
    const key = bytes(1, 0, 2)
    expect(toStoredKey(key)).toBe(key)
    const text = Buffer.from('user:1')
    expect(toStoredKey(text)).toBe(text)
  })

  it('keeps byte order and reads every key back (random keys)', () => {
    const seed = seedFor('keys/order')
    const next = random(seed)
    for (let round = 0; round < 5000; round++) {
      const a = randomKey(next)
      const b = randomKey(next)
      const order = Math.sign(Buffer.compare(a, b))
      const storedOrder = Math.sign(Buffer.compare(stored(a), stored(b)))
      expect(storedOrder, `seed ${seed}: ${a.toString('hex')} vs ${b.toString('hex')}`).toBe(order)
      expect(fromStoredKey(stored(a)), `seed ${seed}: round trip of ${a.toString('hex')}`).toEqual(a)
      expect(stored(a).length).toBeGreaterThan(0)
    }
  })

  it('reads keys back as new buffers, never views of the stored bytes', () => {
    const storedKey = bytes(0, 0, 7)
    const key = fromStoredKey(storedKey) as Buffer
    key[0] = 9
    expect(storedKey).toEqual(bytes(0, 0, 7))
    const plain = bytes(5, 6)
    const copy = fromStoredKey(plain) as Buffer
    copy[0] = 1
    expect(plain).toEqual(bytes(5, 6))
  })

  it('refuses a key starting with a zero byte that would outgrow the engine limit, saying why', () => {
    const tooLong = Buffer.alloc(MAX_KEY_BYTES)
    expect(() => toStoredKey(tooLong)).toThrow(/starts with a zero byte; such keys may be at most 65535/)
    expect(toStoredKey(Buffer.alloc(MAX_KEY_BYTES - 1)).length).toBe(MAX_KEY_BYTES)
    // A bound only takes part in comparisons: no limit.
    expect(toStoredBound(tooLong).length).toBe(MAX_KEY_BYTES + 1)
  })

  it('maps string keys (the utf8 format) like their UTF-8 bytes, leaving most as they are', () => {
    expect(toStoredKey('user:1')).toBe('user:1')
    expect(toStoredKey('')).toEqual(bytes(0))
    expect(toStoredKey('\u0000a')).toEqual(bytes(0, 0, 0x61))
    expect(toStoredBound('é')).toEqual(Buffer.from('é'))
    expect(fromStoredKey(bytes(0, 0, 0x61), 'utf8')).toBe('\u0000a')
    expect(fromStoredKey(bytes(0), 'utf8')).toBe('')
    expect(toOutput(Buffer.from('héllo'), 'utf8')).toBe('héllo')
  })

  it('maps range bounds, gte winning over gt and lte over lt', () => {
    expect(storedRange({ gt: bytes(), lt: bytes(0, 1) })).toEqual({ gt: bytes(0), lt: bytes(0, 0, 1) })
    expect(storedRange({ gt: bytes(1), gte: bytes(2), lt: bytes(9), lte: bytes(8) })).toEqual({
      gte: bytes(2),
      lte: bytes(8),
    })
    expect(storedRange({})).toEqual({})
  })
})
