import { describe, expect, it } from 'vitest'
import { HashIndex, hashKey } from './hash-index.js'
import { SlabPool } from './slab-pool.js'

/** A HashIndex over keys kept in an array: address i is keys[i]. */
function indexOver(keys: Uint8Array[]) {
  return new HashIndex((address, key) => Buffer.compare(keys[address]!, key) === 0)
}

describe('hashKey', () => {
  it('spreads keys that share a long prefix, differ in one bit, or are prefixes of each other', () => {
    const keys: Uint8Array[] = []
    for (let index = 0; index < 4096; index++) {
      const key = Buffer.alloc(24, 0x61)
      key.writeUInt16BE(index, 22)
      keys.push(key)
    }
    for (let length = 0; length < 64; length++) keys.push(Buffer.alloc(length, 0x61))
    keys.push(Buffer.from([0x00]), Buffer.from([0x80]), Buffer.from([0x00, 0x00]))
    const hashes = new Set(keys.map(hashKey))
    expect(hashes.size).toBe(keys.length)
    // The low bits pick the slot: 4,096 keys over 8,192 slots land in well over half as many.
    const slots = new Set(keys.slice(0, 4096).map((key) => hashKey(key) & 8191))
    expect(slots.size).toBeGreaterThan(3000)
  })
})

describe('HashIndex', () => {
  it('finds every key after growing many times, and nothing for absent keys', () => {
    const keys: Uint8Array[] = []
    const index = indexOver(keys)
    for (let number = 0; number < 20_000; number++) {
      const key = Buffer.from(`key:${number}`)
      keys.push(key)
      index.insertNew(hashKey(key), number)
    }
    expect(index.size).toBe(20_000)
    expect(index.bytes).toBe(65_536 * 8)
    for (let number = 0; number < 20_000; number++) {
      const key = Buffer.from(`key:${number}`)
      expect(index.get(key, hashKey(key))).toBe(number)
    }
    for (const absent of ['key:20000', 'key:', '', 'key:1 ']) {
      const key = Buffer.from(absent)
      expect(index.get(key, hashKey(key))).toBe(-1)
    }
  })

  it('release gives the table to the pool and leaves an index that finds nothing', () => {
    const keys: Uint8Array[] = []
    const pool = new SlabPool(1)
    const index = new HashIndex((address, key) => Buffer.compare(keys[address]!, key) === 0, 100, pool)
    for (let number = 0; number < 100; number++) {
      keys.push(Buffer.from(`key:${number}`))
      index.insertNew(hashKey(keys[number]!), number)
    }
    index.release()
    expect(pool.idleSlotTableBytes).toBe(256 * 8)
    expect(index.size).toBe(0)
    expect(index.get(keys[5]!, hashKey(keys[5]!))).toBe(-1)
    const next = new HashIndex((address, key) => Buffer.compare(keys[address]!, key) === 0, 100, pool)
    expect(pool.reusedSlotTables).toBe(1)
    expect(next.get(keys[5]!, hashKey(keys[5]!))).toBe(-1)
  })

  it('tells colliding keys apart by their bytes, and set replaces only the matching key', () => {
    const keys = [Buffer.from('a'), Buffer.from('b'), Buffer.from('c'), Buffer.from('a')]
    const index = indexOver(keys)
    // Every key under one hash: a single probe chain.
    for (const address of [0, 1, 2]) index.set(keys[address]!, 7, address)
    expect(index.size).toBe(3)
    expect(index.get(Buffer.from('b'), 7)).toBe(1)
    index.set(Buffer.from('a'), 7, 3)
    expect(index.size).toBe(3)
    expect(index.get(Buffer.from('a'), 7)).toBe(3)
    expect(index.get(Buffer.from('b'), 7)).toBe(1)
    expect(index.get(Buffer.from('c'), 7)).toBe(2)
    expect(index.get(Buffer.from('d'), 7)).toBe(-1)
    // The same bytes under another hash are another key as far as the table knows.
    expect(index.get(Buffer.from('b'), 8)).toBe(-1)
  })
})
