/**
 * `BlockCache`: one LRU of data blocks shared by every open table, bounded in bytes. Index and
 * filter blocks of open tables are pinned (held for the table's lifetime) and counted in
 * `usedBytes` too; data blocks are evicted, least recently used first, to keep `usedBytes` at or
 * below `capacityBytes` (pinned bytes alone may exceed it: they are never evicted). A hit moves
 * a block to the newest end unless it is within the newest quarter of the list already.
 */
import { InvalidArgumentError } from '@strata/base'
import type { Block } from './block.js'

/** Default capacity: 32 MiB. */
export const DEFAULT_CACHE_BYTES = 32 * 1024 * 1024

/** Bookkeeping bytes charged per cached block on top of its contents (objects, map entry). */
const BLOCK_OVERHEAD_BYTES = 128

/** Free bytes below which the cache counts as full for admission (a few typical blocks). */
const ROOM_BYTES = 64 * 1024

/** Spare buffers are kept by capacity, in classes of this many bytes. */
const SPARE_CLASS_BYTES = 512
/** At most this many spare buffers wait for reuse (beyond, an evicted block's memory is left
 *  to the garbage collector). */
const SPARE_LIMIT = 64

/** @internal A table's slice of the cache: its cached blocks by block number (a plain array: a lookup is
 *  one indexed load, no hashing). */
export type CacheSpace = (CacheNode | undefined)[]

/**
 * @internal A table's empty slice of the cache, one slot per data block. Every slot exists
 * from the start (holding `undefined`): an array written at scattered indexes past its length
 * becomes a dictionary in V8 (a hash lookup per block, past ~1,000 blocks), one filled in
 * order stays a packed array (an indexed load). Costs 8 bytes of heap per data block.
 */
export function cacheSpace(blockCount: number): CacheSpace {
  const space: CacheSpace = []
  for (let slot = 0; slot < blockCount; slot++) space.push(undefined)
  return space
}

/** @internal One cached block, in the LRU list (most recent at the head). */
export class CacheNode {
  readonly block: Block
  readonly charge: number
  readonly space: CacheSpace
  readonly slot: number
  /** The buffer the block's bytes live in, when the cache may reuse it once the block is
   *  evicted (and never `viewed`). */
  readonly reusable: Buffer | undefined
  newer: CacheNode | undefined
  older: CacheNode | undefined
  /** The cache's `moves` when the node last became the newest. */
  movedAt = 0

  constructor(block: Block, space: CacheSpace, slot: number, reusable: Buffer | undefined) {
    this.block = block
    this.space = space
    this.slot = slot
    this.reusable = reusable
    this.charge = (reusable?.length ?? block.bytes.length) + BLOCK_OVERHEAD_BYTES
  }
}

export class BlockCache {
  /** The bound on `usedBytes`. */
  readonly capacityBytes: number
  private _hits = 0
  private _misses = 0
  private blockBytes = 0
  private _pinnedBytes = 0
  private _blockCount = 0
  private newest: CacheNode | undefined
  private oldest: CacheNode | undefined
  /** Times a node became the newest (insert or hit): at most `moves - node.movedAt` nodes are
   *  newer than `node`. */
  private moves = 0

  /** The doorkeeper of point reads (see `admitPointRead`): the last block missed per slot. */
  private readonly doorTables: Int32Array
  private readonly doorBlocks: Int32Array
  private readonly doorMask: number
  private _pointReadsAdmitted = 0
  private _pointReadsNotAdmitted = 0

  /** Buffers of evicted blocks no view can reach, by capacity, for the next block read. */
  private readonly spares = new Map<number, Buffer[]>()
  private spareCount = 0
  private _buffersReused = 0
  private _iteratorBytes = 0

  /** `capacityBytes`: default 32 MiB; 0 caches no data blocks (every read goes to the file). */
  constructor(capacityBytes: number = DEFAULT_CACHE_BYTES) {
    if (!Number.isSafeInteger(capacityBytes) || capacityBytes < 0) {
      throw new InvalidArgumentError(
        `BlockCache capacityBytes must be a non-negative safe integer (bytes), got ${String(capacityBytes)}`,
        { argument: 'capacityBytes' },
      )
    }
    this.capacityBytes = capacityBytes
    // About one slot per 4 KiB block the cache can hold, 1,024 to 65,536 slots.
    let slots = 1024
    while (slots < 65_536 && slots * 4096 < capacityBytes) slots *= 2
    this.doorTables = new Int32Array(slots).fill(-1)
    this.doorBlocks = new Int32Array(slots).fill(-1)
    this.doorMask = slots - 1
  }

  /** Point reads whose block was cached because it had been missed recently before. */
  get pointReadsAdmitted(): number {
    return this._pointReadsAdmitted
  }
  /** Point reads whose block was read, searched and dropped (first miss in a while). */
  get pointReadsNotAdmitted(): number {
    return this._pointReadsNotAdmitted
  }

  /**
   * @internal Whether block `slot` of table `tableId`, just missed by a point read, should be
   * cached. While the cache has room (`ROOM_BYTES` or more free) every such block is: caching
   * it evicts nothing, and the block is likely read again (a cold cache after open or a
   * compaction). Once the cache is full, a block is admitted on its second miss while the doorkeeper still remembers the
   * first (one remembered block per doorkeeper slot, about as many slots as the cache holds
   * blocks): a block read once in a random walk over a data set far larger than the cache is
   * not worth its allocation and the eviction it causes, a block read again soon is. (The idea
   * of TinyLFU's doorkeeper, reduced to one entry per slot.)
   */
  admitPointRead(tableId: number, slot: number): boolean {
    if (this.capacityBytes === 0) return false
    // While the cache has room, caching costs no eviction: admit at once.
    if (this.blockBytes + this._pinnedBytes + ROOM_BYTES <= this.capacityBytes) {
      this._pointReadsAdmitted++
      return true
    }
    const door = (Math.imul(tableId, 0x9e3779b1) ^ Math.imul(slot + 1, 0x85ebca6b)) & this.doorMask
    if (this.doorTables[door] === tableId && this.doorBlocks[door] === slot) {
      this.doorTables[door] = -1
      this._pointReadsAdmitted++
      return true
    }
    this.doorTables[door] = tableId
    this.doorBlocks[door] = slot
    this._pointReadsNotAdmitted++
    return false
  }

  /** Bytes of the readahead blocks that open table iterators of this cache's tables hold (a
   *  block may be cached as well). */
  get iteratorBytes(): number {
    return this._iteratorBytes
  }
  /** @internal Table iterators hold `bytes` more (negative: fewer) bytes of blocks. */
  holdIteratorBytes(bytes: number): void {
    this._iteratorBytes += bytes
  }

  /** Blocks read into the memory of an evicted block rather than fresh memory. */
  get buffersReused(): number {
    return this._buffersReused
  }
  /** Bytes of spare buffers waiting for reuse (at most `SPARE_LIMIT` buffers). */
  get spareBytes(): number {
    let bytes = 0
    for (const [capacity, list] of this.spares) bytes += capacity * list.length
    return bytes
  }

  /**
   * @internal A buffer of at least `length` bytes for a block about to be read and cached with
   * `insert(…, reusable)`: the memory of an evicted block when one of its size class is spare,
   * else fresh memory. Every block a random walk caches then evicts another of about its size,
   * so such reads allocate nothing: fresh memory per block (faulted in page by page, then
   * garbage that lingers until a major GC) cost more time than the read and, at a full cache,
   * as much resident memory again as the cache itself.
   */
  takeBuffer(length: number): Buffer {
    const capacity = Math.ceil(length / SPARE_CLASS_BYTES) * SPARE_CLASS_BYTES
    // Blocks vary in size (a block ends after the entry that crosses the target size): a spare
    // up to a quarter larger serves too, the cache charging its full length.
    if (this.spareCount > 0) {
      for (let size = capacity; size <= capacity * 1.25; size += SPARE_CLASS_BYTES) {
        const spare = this.spares.get(size)?.pop()
        if (spare !== undefined) {
          this.spareCount--
          this._buffersReused++
          return spare
        }
      }
    }
    return Buffer.allocUnsafeSlow(capacity)
  }

  /** @internal Returns a buffer from `takeBuffer` that holds nothing anyone reads. */
  giveBuffer(buffer: Buffer): void {
    if (this.spareCount >= SPARE_LIMIT) return
    let list = this.spares.get(buffer.length)
    if (list === undefined) {
      list = []
      this.spares.set(buffer.length, list)
    }
    list.push(buffer)
    this.spareCount++
  }

  /** Lookups that found their block in the cache. */
  get hits(): number {
    return this._hits
  }
  /** Lookups that had to read the file. */
  get misses(): number {
    return this._misses
  }
  /** Bytes held: cached data blocks plus pinned index and filter blocks. */
  get usedBytes(): number {
    return this.blockBytes + this._pinnedBytes
  }
  /** Bytes of index and filter blocks pinned by open tables. */
  get pinnedBytes(): number {
    return this._pinnedBytes
  }
  /** Data blocks currently cached. */
  get blockCount(): number {
    return this._blockCount
  }

  /** @internal The cached block `slot` of a table, counted as a hit or a miss. */
  lookup(space: CacheSpace, slot: number): Block | undefined {
    const node = space[slot]
    if (node === undefined) {
      this._misses++
      return undefined
    }
    this._hits++
    // A hit moves the block to the newest end unless it is among the newest quarter already
    // (at most `_blockCount / 4` nodes newer than it): such a block is evicted only after three
    // quarters of the cache turn over, and hot blocks skip relinking on most hits.
    if (this.moves - node.movedAt >= this._blockCount >>> 2 && node !== this.newest) {
      this.unlink(node)
      this.pushNewest(node)
    }
    return node.block
  }

  /** @internal Caches a block just read (replacing any copy), then evicts down to capacity.
   *  `reusable`: the buffer from `takeBuffer` its bytes live in; once the block is evicted, and
   *  if it was never `viewed`, that buffer serves the next `takeBuffer`. */
  insert(space: CacheSpace, slot: number, block: Block, reusable?: Buffer): void {
    const existing = space[slot]
    if (existing !== undefined) this.remove(existing)
    const node = new CacheNode(block, space, slot, reusable)
    if (node.charge + this._pinnedBytes > this.capacityBytes) return
    space[slot] = node
    this.pushNewest(node)
    this.blockBytes += node.charge
    this._blockCount++
    this.evict()
  }

  /** @internal Drops every cached block of a table (at close). */
  dropSpace(space: CacheSpace): void {
    for (const node of space) if (node !== undefined) this.remove(node)
  }

  /** @internal Counts `bytes` of index/filter held by an open table (negative to release). */
  pin(bytes: number): void {
    this._pinnedBytes += bytes
    this.evict()
  }

  private evict(): void {
    while (this.oldest !== undefined && this.blockBytes + this._pinnedBytes > this.capacityBytes) {
      const node = this.oldest
      this.remove(node)
      // Evicted: a block no view reaches holds nothing anyone reads any more (point reads copy
      // what they return), so its memory serves the next block read.
      if (node.reusable !== undefined && !node.block.viewed) this.giveBuffer(node.reusable)
    }
  }

  private remove(node: CacheNode): void {
    this.unlink(node)
    node.space[node.slot] = undefined
    this.blockBytes -= node.charge
    this._blockCount--
  }

  private pushNewest(node: CacheNode): void {
    node.movedAt = ++this.moves
    node.older = this.newest
    node.newer = undefined
    if (this.newest !== undefined) this.newest.newer = node
    this.newest = node
    if (this.oldest === undefined) this.oldest = node
  }

  private unlink(node: CacheNode): void {
    if (node.newer !== undefined) node.newer.older = node.older
    else this.newest = node.older
    if (node.older !== undefined) node.older.newer = node.newer
    else this.oldest = node.newer
    node.newer = undefined
    node.older = undefined
  }
}
