import { ErrorCode } from '@strata/base'
import { describe, expect, it } from 'vitest'
import { MemtableRecycledError } from './errors.js'
import { Memtable } from './memtable.js'
import { MAX_SLAB_BYTES } from './record-log.js'
import { SlabPool } from './slab-pool.js'

const text = (value: string): Uint8Array => new Uint8Array(Buffer.from(value))
const key = (index: number) => text(`key-${String(index).padStart(6, '0')}`)
const value = (index: number, fill: string) => text(`${fill}-${index}-`.padEnd(300, fill))

/** Writes `count` entries whose values are made of `fill`: about 3 MiB of slabs for 10,000. */
function filled(pool: SlabPool | undefined, count: number, fill: string): Memtable {
  const memtable = new Memtable(pool === undefined ? {} : { slabPool: pool })
  for (let index = 0; index < count; index++) memtable.put(key(index), value(index, fill), index + 1)
  memtable.freeze()
  return memtable
}

const read = (memtable: Memtable, index: number) => Buffer.from(memtable.get(key(index))!.value!).toString()

describe('SlabPool and a memtable that retires', () => {
  it('a retired memtable gives its full-size slabs to the next memtable', () => {
    const pool = new SlabPool(8)
    const first = filled(pool, 10_000, 'a')
    expect(pool.idleBytes).toBe(0)
    first.retire()
    expect(first.isRecycled).toBe(true)
    const given = pool.idleBytes
    expect(given).toBeGreaterThanOrEqual(2 * MAX_SLAB_BYTES)
    const second = filled(pool, 10_000, 'b')
    expect(pool.reused).toBe(given / MAX_SLAB_BYTES)
    for (const index of [0, 1234, 9999])
      expect(read(second, index)).toBe(Buffer.from(value(index, 'b')).toString())
  })

  it('keeps at most maxIdleSlabs', () => {
    const pool = new SlabPool(1)
    filled(pool, 10_000, 'a').retire()
    expect(pool.idleBytes).toBe(MAX_SLAB_BYTES)
  })

  it('a pinned memtable keeps its slabs (and its views stay right) until the last unpin', () => {
    const pool = new SlabPool(8)
    const first = filled(pool, 10_000, 'a')
    first.pin()
    first.pin()
    const view = first.get(key(42))!.value!
    const iterator = first.iterator({ gte: key(100) })
    first.retire()
    first.unpin()
    expect(first.isRecycled).toBe(false)
    // Writes go on in other memtables: none gets this one's slabs while it is pinned.
    filled(pool, 10_000, 'b')
    expect(pool.reused).toBe(0)
    expect(Buffer.from(view).toString()).toBe(Buffer.from(value(42, 'a')).toString())
    expect(Buffer.from(iterator.next()!.value!).toString()).toBe(Buffer.from(value(100, 'a')).toString())
    first.unpin()
    expect(first.isRecycled).toBe(true)
    filled(pool, 10_000, 'c')
    expect(pool.reused).toBeGreaterThan(0)
  })

  it('a recycled memtable refuses reads and pins with a typed error', () => {
    const memtable = filled(new SlabPool(8), 100, 'a')
    memtable.retire()
    for (const call of [() => memtable.get(key(1)), () => memtable.iterator(), () => memtable.pin()]) {
      expect(call).toThrow(MemtableRecycledError)
      try {
        call()
      } catch (error) {
        expect((error as MemtableRecycledError).code).toBe(ErrorCode.Closed)
      }
    }
  })

  it('only a frozen memtable retires, and unpin needs a pin', () => {
    const memtable = new Memtable({ slabPool: new SlabPool(8) })
    memtable.put(key(1), value(1, 'a'), 1)
    expect(() => memtable.retire()).toThrow(/only a frozen memtable/)
    expect(() => memtable.unpin()).toThrow(/without a pin/)
    memtable.freeze()
    memtable.retire()
    memtable.retire()
    expect(memtable.isRecycled).toBe(true)
  })

  it('without a pool, a retired memtable is recycled all the same: its reads are refused', () => {
    const memtable = filled(undefined, 10_000, 'a')
    memtable.retire()
    expect(memtable.isRecycled).toBe(true)
    expect(() => memtable.get(key(1))).toThrow(MemtableRecycledError)
  })
})

describe('SlabPool and hash-index tables', () => {
  it("a retired memtable's hash table serves the next memtable of its size, cleared", () => {
    const pool = new SlabPool(8)
    const first = new Memtable({ slabPool: pool, expectedKeys: 5_000 })
    for (let index = 0; index < 5_000; index++) first.put(key(index), value(index, 'a'), index + 1)
    first.freeze()
    expect(pool.idleSlotTableBytes).toBe(0)
    first.retire()
    // 5,000 keys half fill 16,384 slot pairs of 8 bytes.
    expect(pool.idleSlotTableBytes).toBe(16_384 * 8)
    const second = new Memtable({ slabPool: pool, expectedKeys: 5_000 })
    expect(pool.reusedSlotTables).toBe(1)
    expect(pool.idleSlotTableBytes).toBe(0)
    // Nothing of the first memtable's keys is found through the reused table.
    expect(second.get(key(10))).toBeUndefined()
    for (let index = 0; index < 5_000; index += 2) second.put(key(index), value(index, 'b'), index + 1)
    expect(second.keyCount).toBe(2_500)
    expect(read(second, 4_998)).toBe(Buffer.from(value(4_998, 'b')).toString())
    expect(second.get(key(4_999))).toBeUndefined()
    // A memtable of another size does not take it.
    second.freeze()
    second.retire()
    new Memtable({ slabPool: pool, expectedKeys: 50 })
    expect(pool.reusedSlotTables).toBe(1)
  })

  it('a pinned memtable keeps its hash table until the last unpin', () => {
    const pool = new SlabPool(8)
    const first = filled(pool, 1_000, 'a')
    first.pin()
    first.retire()
    expect(pool.idleSlotTableBytes).toBe(0)
    expect(read(first, 999)).toBe(Buffer.from(value(999, 'a')).toString())
    first.unpin()
    expect(pool.idleSlotTableBytes).toBeGreaterThan(0)
  })

  it('keeps at most two tables, the newest', () => {
    const pool = new SlabPool(8)
    for (const keys of [100, 1_000, 10_000]) {
      const memtable = new Memtable({ slabPool: pool, expectedKeys: keys })
      memtable.freeze()
      memtable.retire()
    }
    // 1,000 and 10,000 expected keys: 2,048 and 32,768 slot pairs.
    expect(pool.idleSlotTableBytes).toBe((2_048 + 32_768) * 8)
  })
})

describe('expectedKeys', () => {
  it('makes the hash index that large at once, and a memtable still grows past it', () => {
    const small = new Memtable()
    const sized = new Memtable({ expectedKeys: 10_000 })
    // 10,000 keys fit at most half full: 32,768 slot pairs of 8 bytes, counted in approximateBytes.
    expect(sized.approximateBytes - small.approximateBytes).toBe((32_768 - 64) * 8)
    for (let index = 0; index < 10_000; index++) sized.put(key(index), value(index, 'a'), index + 1)
    const before = sized.approximateBytes
    sized.put(key(10_000), value(10_000, 'a'), 10_001)
    expect(sized.approximateBytes - before).toBeLessThan(1000) // no doubling at 10,001 keys
    expect(sized.keyCount).toBe(10_001)
    for (let index = 10_001; index < 20_000; index++) sized.put(key(index), value(index, 'a'), index + 1)
    for (const index of [0, 16_383, 19_999])
      expect(read(sized, index)).toBe(Buffer.from(value(index, 'a')).toString())
    sized.put(key(5), value(5, 'b'), 30_000)
    expect(sized.keyCount).toBe(20_000)
  })

  it('rejects a bad expectedKeys with a typed error', () => {
    for (const expectedKeys of [-1, 1.5, Number.NaN]) {
      expect(() => new Memtable({ expectedKeys })).toThrow(/options.expectedKeys must be an integer >= 0/)
    }
  })
})

describe('a small memtable', () => {
  it('is not counted full at its first key (the hash index starts small)', () => {
    const memtable = new Memtable()
    memtable.put(Uint8Array.of(1), new Uint8Array(100), 1)
    // An engine with memtableBytes of 8 KiB freezes at this size: one key is far below it.
    expect(memtable.approximateBytes).toBeLessThan(2048)
  })
})

describe('SlabPool and slice indexes', () => {
  it("a retired memtable's ordered index serves the next memtable, emptied", () => {
    const pool = new SlabPool(8)
    const first = filled(pool, 5_000, 'a')
    expect(pool.idleSliceIndexBytes).toBe(0)
    first.retire()
    const held = pool.idleSliceIndexBytes
    expect(held).toBeGreaterThan(5_000 * 12)
    const second = new Memtable({ slabPool: pool })
    expect(pool.reusedSliceIndexes).toBe(1)
    expect(pool.idleSliceIndexBytes).toBe(0)
    // Its size counts the nodes in use, not the arrays it inherited: not full at its first key.
    second.put(key(0), value(0, 'b'), 1)
    expect(second.approximateBytes).toBeLessThan(2048)
    // Nothing of the first memtable's keys is found or iterated through the reused index.
    expect([...second.iterator()].map((entry) => entry.seq)).toEqual([1])
    for (let index = 0; index < 5_000; index += 2) second.put(key(index), value(index, 'b'), index + 1)
    const keys = [...second.iterator()].map((entry) => Buffer.from(entry.key).toString())
    expect(keys).toEqual([...Array(2_500).keys()].map((index) => Buffer.from(key(index * 2)).toString()))
    expect(read(second, 4_998)).toBe(Buffer.from(value(4_998, 'b')).toString())
    // Same keys, half of them: the index needs no more room than the first one had.
    second.freeze()
    second.retire()
    expect(pool.idleSliceIndexBytes).toBe(held)
    // A memtable of another node size does not take it.
    new Memtable({ slabPool: pool, maxNodeSize: 8 })
    expect(pool.reusedSliceIndexes).toBe(1)
    // The recycled memtable's size no longer counts the index, which the next one writes into.
    const recycledBytes = second.approximateBytes
    const third = new Memtable({ slabPool: pool })
    expect(pool.reusedSliceIndexes).toBe(2)
    for (let index = 0; index < 1_000; index++) third.put(key(index), value(index, 'c'), index + 1)
    expect(second.approximateBytes).toBe(recycledBytes)
  })

  it('a pinned memtable keeps its index until the last unpin', () => {
    const pool = new SlabPool(8)
    const first = filled(pool, 1_000, 'a')
    first.pin()
    const iterator = first.iterator()
    first.retire()
    expect(pool.idleSliceIndexBytes).toBe(0)
    new Memtable({ slabPool: pool })
    expect(pool.reusedSliceIndexes).toBe(0)
    expect(Buffer.from(iterator.next()!.key)).toEqual(Buffer.from(key(0)))
    first.unpin()
    expect(pool.idleSliceIndexBytes).toBeGreaterThan(0)
  })
})
