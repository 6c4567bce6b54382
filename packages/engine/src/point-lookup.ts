/**
 * The lookup core of point reads: over the tables that may hold a key (level 0 newest first, then
 * one table per deeper level), the newest version with seq <= the read's seq. `step()` answers
 * from filters and cached blocks without I/O; when a table needs a block that is not cached it
 * returns `NEED_BLOCK` and names it (`table`, `blockIndex`); the driver reads that block however
 * the read policy says and hands it to `resume()`. Pure of I/O itself: the same core serves the
 * synchronous and the asynchronous driver (point-reader.ts).
 */
import type { InternalEntry } from '@strata/base'
import type { Block, FilterHashes, Table } from '@strata/sstable'

export const NEED_BLOCK = Symbol('need block')
export type NeedBlock = typeof NEED_BLOCK

export class PointLookup {
  private key: Uint8Array = new Uint8Array(0)
  private seq = 0
  private tables: Table[] = []
  private hashes: FilterHashes | undefined
  private position = 0
  /** After `NEED_BLOCK`: the table and its block the lookup needs next. */
  table: Table | undefined
  blockIndex = -1

  /** (Re)starts the lookup of `key` at `seq` over `tables` in search order. */
  start(key: Uint8Array, seq: number, tables: Table[], hashes: FilterHashes | undefined): this {
    this.key = key
    this.seq = seq
    this.tables = tables
    this.hashes = hashes
    this.position = 0
    this.table = undefined
    this.blockIndex = -1
    return this
  }

  /** A copy of this lookup at its position, with `key` (a key that outlives the caller's
   *  transient buffer), for a driver that goes on asynchronously. The copy computes its own
   *  filter hashes: the shared ones belong to the next read. */
  detach(key: Uint8Array): PointLookup {
    const copy = new PointLookup().start(key, this.seq, this.tables, undefined)
    copy.position = this.position
    copy.table = this.table
    copy.blockIndex = this.blockIndex
    return copy
  }

  /** The answer (an entry, a tombstone included, or `undefined`: in no table), or `NEED_BLOCK`
   *  when the current table's block must be read first. */
  step(): InternalEntry | undefined | NeedBlock {
    const { key, seq, tables } = this
    while (this.position < tables.length) {
      const table = tables[this.position]!
      // The tables come from the version's file ranges (point-reader.ts), the key and seq from
      // the engine: no need for `locate`'s checks.
      const blockIndex = table.locateChecked(key, seq, this.hashes)
      if (blockIndex < 0) {
        this.position++
        continue
      }
      const block = table.cachedBlock(blockIndex)
      if (block === undefined) {
        this.table = table
        this.blockIndex = blockIndex
        return NEED_BLOCK
      }
      this.position++
      const entry = block.find(key, seq)
      if (entry !== undefined) return entry
    }
    return undefined
  }

  /** Searches the block `step()` asked for (`copyValue`: it lives in the scratch buffer); the
   *  entry if it holds one, else `undefined` — then `step()` goes on with the next table. */
  resume(block: Block, copyValue: boolean): InternalEntry | undefined {
    this.position++
    this.table = undefined
    return block.find(this.key, this.seq, copyValue)
  }
}
