import { describe, expect, it } from 'vitest'
import { Block } from './block.js'
import { BlockCache, type CacheSpace, cacheSpace } from './cache.js'

/** A block whose contents are `size` bytes: the cache only looks at the size. */
function blockOf(size: number): Block {
  const block = new Block(Buffer.alloc(4), 'test.sst', 0, 'data')
  Object.defineProperty(block, 'bytes', { value: new Uint8Array(size) })
  return block
}

describe('BlockCache', () => {
  it('evicts the least recently used block to stay within its byte capacity', () => {
    const cache = new BlockCache(3 * (1000 + 128))
    const space: CacheSpace = []
    cache.insert(space, 0, blockOf(1000))
    cache.insert(space, 1, blockOf(1000))
    cache.insert(space, 2, blockOf(1000))
    expect(cache.blockCount).toBe(3)
    expect(cache.lookup(space, 0)).toBeDefined() // 0 is now the most recent
    cache.insert(space, 3, blockOf(1000))
    expect(cache.usedBytes).toBeLessThanOrEqual(cache.capacityBytes)
    expect(cache.lookup(space, 1)).toBeUndefined() // 1 was the least recent
    expect(cache.lookup(space, 0)).toBeDefined()
    expect(cache.lookup(space, 2)).toBeDefined()
    expect(cache.lookup(space, 3)).toBeDefined()
    expect(cache.hits).toBe(4)
    expect(cache.misses).toBe(1)
  })

  it('moves a hit block to the newest end unless it is within the newest quarter', () => {
    // 16 blocks fill the cache: a quarter is 4 blocks.
    const cache = new BlockCache(16 * (1000 + 128))
    const space = cacheSpace(32)
    for (let slot = 0; slot < 16; slot++) cache.insert(space, slot, blockOf(1000))
    expect(cache.lookup(space, 0)).toBeDefined() // the oldest: moved to the newest end
    expect(cache.lookup(space, 13)).toBeDefined() // 3 newer blocks (14, 15, 0): left in place
    // Each new block evicts the oldest: 1, 2, … 12, then 13 (not moved), then 14, 15, then 0.
    for (let slot = 16; slot < 32; slot++) {
      cache.insert(space, slot, blockOf(1000))
      const evicted = slot - 15
      const gone = evicted <= 13 ? evicted : evicted === 14 ? 14 : evicted === 15 ? 15 : 0
      expect(space[gone], `block ${gone} after inserting ${slot}`).toBeUndefined()
    }
    expect(space.slice(16).every((node) => node !== undefined)).toBe(true)
  })

  it('gives a table one slot per block from the start', () => {
    const space = cacheSpace(3000)
    expect(space.length).toBe(3000)
    expect(space.every((node) => node === undefined)).toBe(true)
    const cache = new BlockCache()
    cache.insert(space, 2999, blockOf(100))
    expect(space.length).toBe(3000)
    expect(cache.lookup(space, 2999)).toBeDefined()
  })

  it('counts pinned index and filter bytes in usedBytes and evicts blocks to make room', () => {
    const cache = new BlockCache(5000)
    const space: CacheSpace = []
    cache.insert(space, 0, blockOf(2000))
    cache.insert(space, 1, blockOf(2000))
    expect(cache.usedBytes).toBe(2 * 2128)
    cache.pin(1500)
    expect(cache.pinnedBytes).toBe(1500)
    expect(cache.blockCount).toBe(1)
    expect(cache.usedBytes).toBe(1500 + 2128)
    cache.pin(-1500)
    expect(cache.usedBytes).toBe(2128)
  })

  it('does not cache a block larger than its capacity, and caches nothing at capacity 0', () => {
    const cache = new BlockCache(1000)
    const space: CacheSpace = []
    cache.insert(space, 0, blockOf(5000))
    expect(cache.blockCount).toBe(0)
    const none = new BlockCache(0)
    none.insert(space, 0, blockOf(10))
    expect(none.usedBytes).toBe(0)
    expect(none.lookup(space, 0)).toBeUndefined()
  })

  it('drops every block of a table when its space is dropped, and keeps the others', () => {
    const cache = new BlockCache()
    const first: CacheSpace = []
    const second: CacheSpace = []
    cache.insert(first, 0, blockOf(100))
    cache.insert(first, 1, blockOf(100))
    cache.insert(second, 0, blockOf(100))
    cache.dropSpace(first)
    expect(first.filter((node) => node !== undefined)).toEqual([])
    expect(cache.blockCount).toBe(1)
    expect(cache.lookup(second, 0)).toBeDefined()
    expect(cache.usedBytes).toBe(228)
  })

  it('defaults to 32 MiB and rejects a capacity that is not a non-negative integer', () => {
    expect(new BlockCache().capacityBytes).toBe(32 * 1024 * 1024)
    for (const bad of [-1, 1.5, Number.NaN, '10' as unknown as number]) {
      expect(() => new BlockCache(bad)).toThrow(
        expect.objectContaining({ code: 'STRATA_INVALID_ARGUMENT', argument: 'capacityBytes' }),
      )
    }
  })
})
