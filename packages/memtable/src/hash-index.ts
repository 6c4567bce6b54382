/**
 * A hash index from each key to the address of its newest version, beside the ordered trie: a
 * point read finds its key with one probe of a flat array (and one look at the record's key
 * bytes), instead of a descent through B-tree nodes that costs a cache miss per level.
 *
 * Open addressing with linear probing in one `Int32Array` of slot pairs: `[hash, address]`, the
 * address -1 for an empty slot. The full 32-bit hash is kept so that a probe compares key bytes
 * only when the hashes are equal, and so that growing never re-reads a key. The table doubles
 * when it is half full; nothing is ever removed (a memtable only grows, and a tombstone is a
 * version like any other).
 */

import type { SlabPool } from './slab-pool.js'

const EMPTY = -1
const INITIAL_SLOTS = 64
/** Largest table made up front (2^22 slot pairs, 32 MiB); beyond, it doubles as keys arrive. */
const MAX_INITIAL_SLOTS = 1 << 22

/** 32-bit hash of all of `key`'s bytes (FNV-1a's structure, a stronger multiply per 4 bytes, and a
 *  final mix), so keys sharing long prefixes or differing in their last byte spread evenly. */
export function hashKey(key: Uint8Array): number {
  const length = key.length
  let hash = 0x811c9dc5 ^ length
  let index = 0
  for (; index + 4 <= length; index += 4) {
    const word = key[index]! | (key[index + 1]! << 8) | (key[index + 2]! << 16) | (key[index + 3]! << 24)
    hash = Math.imul(hash ^ word, 0x9e3779b1)
    hash ^= hash >>> 15
  }
  for (; index < length; index++) hash = Math.imul(hash ^ key[index]!, 0x01000193)
  hash ^= hash >>> 16
  hash = Math.imul(hash, 0x85ebca6b)
  hash ^= hash >>> 13
  hash = Math.imul(hash, 0xc2b2ae35)
  return hash ^ (hash >>> 16)
}

/** Compares the key of the record at `address` with `key`: true when they are the same bytes. */
export type KeyMatcher = (address: number, key: Uint8Array) => boolean

export class HashIndex {
  private slots: Int32Array
  private mask: number
  private count = 0
  private readonly matches: KeyMatcher

  /** `expectedKeys`: keys the table should hold before it first doubles (a memtable after a
   *  flushed one expects about as many as that one held), at least 32. A small first table keeps a
   *  small memtable (`memtableBytes` of a few KiB) from counting as full at its first key. */
  constructor(
    matches: KeyMatcher,
    expectedKeys = 0,
    /** Where the first table is taken from, if one of its length waits there (`release` gives
     *  the table back). */
    private readonly pool?: SlabPool,
  ) {
    this.matches = matches
    let slots = INITIAL_SLOTS
    while (slots < 2 * expectedKeys && slots < MAX_INITIAL_SLOTS) slots *= 2
    this.slots = (pool?.takeSlotTable(slots * 2) ?? new Int32Array(slots * 2)).fill(EMPTY)
    this.mask = slots - 1
  }

  /**
   * Gives the table to the pool (if there is one) and leaves the index empty and unusable for
   * more keys: a `get` answers -1. Only once nothing reads the index again (`Memtable.recycle`).
   */
  release(): void {
    const table = this.slots
    this.slots = new Int32Array(2).fill(EMPTY)
    this.mask = 0
    this.count = 0
    this.pool?.giveSlotTable(table)
  }

  /** Bytes of the table (it is counted in the memtable's `approximateBytes`). */
  get bytes(): number {
    return this.slots.byteLength
  }

  /** Keys indexed. */
  get size(): number {
    return this.count
  }

  /** The address stored for `key` (whose `hashKey` is `hash`), or -1. */
  get(key: Uint8Array, hash: number): number {
    const slots = this.slots
    const mask = this.mask
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const address = slots[2 * slot + 1]!
      if (address === EMPTY) return EMPTY
      if (slots[2 * slot] === hash && this.matches(address, key)) return address
    }
  }

  /** Stores `address` for `key`: a new key, or a new newest version of one already indexed. */
  set(key: Uint8Array, hash: number, address: number): void {
    const slots = this.slots
    const mask = this.mask
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const at = 2 * slot
      const stored = slots[at + 1]!
      if (stored === EMPTY) {
        slots[at] = hash
        slots[at + 1] = address
        if (++this.count * 2 > mask + 1) this.grow()
        return
      }
      if (slots[at] === hash && this.matches(stored, key)) {
        slots[at + 1] = address
        return
      }
    }
  }

  /** Stores `address` for a key known not to be indexed yet (no key comparison). */
  insertNew(hash: number, address: number): void {
    const slots = this.slots
    const mask = this.mask
    let slot = hash & mask
    while (slots[2 * slot + 1] !== EMPTY) slot = (slot + 1) & mask
    slots[2 * slot] = hash
    slots[2 * slot + 1] = address
    if (++this.count * 2 > mask + 1) this.grow()
  }

  /** Doubles the table, placing every pair by its stored hash. */
  private grow(): void {
    const old = this.slots
    const size = (this.mask + 1) * 2
    const slots = new Int32Array(size * 2).fill(EMPTY)
    const mask = size - 1
    for (let at = 0; at < old.length; at += 2) {
      const address = old[at + 1]!
      if (address === EMPTY) continue
      const hash = old[at]!
      let slot = hash & mask
      while (slots[2 * slot + 1] !== EMPTY) slot = (slot + 1) & mask
      slots[2 * slot] = hash
      slots[2 * slot + 1] = address
    }
    this.slots = slots
    this.mask = mask
  }
}
