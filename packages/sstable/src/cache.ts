/**
 * `BlockCache`: one LRU of data blocks shared by every open table, bounded in bytes. Index and
 * filter blocks of open tables are pinned (held for the table's lifetime) and counted in
 * `usedBytes` too; data blocks are evicted, least recently used first, to keep `usedBytes` at or
 * below `capacityBytes` (pinned bytes alone may exceed it: they are never evicted).
 */
import { InvalidArgumentError } from '@strata/base'
import type { Block } from './block.js'

/** Default capacity: 32 MiB. */
export const DEFAULT_CACHE_BYTES = 32 * 1024 * 1024

/** Bookkeeping bytes charged per cached block on top of its contents (objects, map entry). */
const BLOCK_OVERHEAD_BYTES = 128

/** @internal A table's slice of the cache: its cached blocks by block number (a plain array: a lookup is
 *  one indexed load, no hashing). */
export type CacheSpace = (CacheNode | undefined)[]

/** @internal One cached block, in the LRU list (most recent at the head). */
export class CacheNode {
  readonly block: Block
  readonly charge: number
  readonly space: CacheSpace
  readonly slot: number
  newer: CacheNode | undefined
  older: CacheNode | undefined

  constructor(block: Block, space: CacheSpace, slot: number) {
    this.block = block
    this.space = space
    this.slot = slot
    this.charge = block.bytes.length + BLOCK_OVERHEAD_BYTES
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

  /** `capacityBytes`: default 32 MiB; 0 caches no data blocks (every read goes to the file). */
  constructor(capacityBytes: number = DEFAULT_CACHE_BYTES) {
    if (!Number.isSafeInteger(capacityBytes) || capacityBytes < 0) {
      throw new InvalidArgumentError(
        `BlockCache capacityBytes must be a non-negative safe integer (bytes), got ${String(capacityBytes)}`,
        { argument: 'capacityBytes' },
      )
    }
    this.capacityBytes = capacityBytes
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
    if (node !== this.newest) {
      this.unlink(node)
      this.pushNewest(node)
    }
    return node.block
  }

  /** @internal Caches a block just read (replacing any copy), then evicts down to capacity. */
  insert(space: CacheSpace, slot: number, block: Block): void {
    const existing = space[slot]
    if (existing !== undefined) this.remove(existing)
    const node = new CacheNode(block, space, slot)
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
      this.remove(this.oldest)
    }
  }

  private remove(node: CacheNode): void {
    this.unlink(node)
    node.space[node.slot] = undefined
    this.blockBytes -= node.charge
    this._blockCount--
  }

  private pushNewest(node: CacheNode): void {
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
