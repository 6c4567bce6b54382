/**
 * The memtables: the active one that writes go to, and the frozen ones waiting for their flush
 * (oldest first). Reads consult them newest first.
 *
 * A flushed memtable's slabs serve the next memtables (one `SlabPool`): `dropOldestFrozen`
 * retires it, and the memtable recycles its slabs once no reader pins it. Every reader that may
 * use a memtable, an iterator of it or a view it handed out after the current task pins it
 * (`pin`): iterators until they close, a checkpoint until its copy is written. A read that uses
 * what it found before it yields (a point read decodes at once) needs no pin.
 */
import { type InternalEntry, OpType } from '@strata/base'
import { Memtable, SlabPool } from '@strata/memtable'

const MiB = 1024 * 1024

export class Memtables {
  private readonly slabPool: SlabPool
  private activeMemtable: Memtable
  /** Frozen memtables waiting for their flush, oldest first. */
  private readonly frozenMemtables: Memtable[] = []
  /** Changes whenever the set of memtables changes (for caches of their range tombstones). */
  private generationValue = 0

  /** `memtableBytes`: the size at which a memtable freezes; the pool keeps as many idle 1 MiB
   *  slabs as one such memtable fills, and one more. `sharedSlabs`: memtables keep their records
   *  in `SharedArrayBuffer`s, so that a worker thread can build a frozen one's table. */
  constructor(
    memtableBytes: number,
    private readonly sharedSlabs = false,
  ) {
    this.slabPool = new SlabPool(Math.ceil(memtableBytes / MiB) + 1)
    this.activeMemtable = new Memtable({ slabPool: this.slabPool, sharedSlabs })
  }

  /** The memtable writes go to. */
  get active(): Memtable {
    return this.activeMemtable
  }

  /** Frozen memtables waiting for their flush, oldest first. */
  get frozen(): readonly Memtable[] {
    return this.frozenMemtables
  }

  /** The oldest frozen memtable (the next to flush), or undefined. */
  get oldestFrozen(): Memtable | undefined {
    return this.frozenMemtables[0]
  }

  /** Drops the oldest frozen memtable once its table is committed. */
  dropOldestFrozen(): void {
    this.generationValue++
    this.frozenMemtables.shift()?.retire()
  }

  /** Freezes the active memtable (if it holds anything) and starts an empty one. */
  /** Applies one WAL entry being replayed (a put, a delete or a range delete) to the active
   *  memtable, and freezes it once it holds `memtableBytes`. */
  replay(
    entry: { seq: number; op: OpType; key: Uint8Array; value: Uint8Array | null },
    memtableBytes: number,
  ): void {
    const memtable = this.active
    if (entry.op === OpType.Delete) memtable.delete(entry.key, entry.seq)
    else if (entry.op === OpType.RangeDelete) memtable.deleteRange(entry.key, entry.value, entry.seq)
    else memtable.put(entry.key, entry.value as Uint8Array, entry.seq)
    if (memtable.approximateBytes >= memtableBytes) this.freeze()
  }

  freeze(): void {
    if (this.activeMemtable.isEmpty) return
    this.generationValue++
    this.activeMemtable.freeze()
    this.frozenMemtables.push(this.activeMemtable)
    // The next memtable will most likely hold about as many keys: its hash index starts there.
    this.activeMemtable = new Memtable({
      slabPool: this.slabPool,
      expectedKeys: this.activeMemtable.keyCount,
      sharedSlabs: this.sharedSlabs,
    })
  }

  /** Pins every memtable (see the module doc); the function returned ends those pins, once. */
  pin(): () => void {
    const pinned = this.newestFirst()
    for (const memtable of pinned) memtable.pin()
    let ended = false
    return () => {
      if (ended) return
      ended = true
      for (const memtable of pinned) memtable.unpin()
    }
  }

  /** Bytes of idle slabs, hash-index tables and ordered indexes waiting for the next memtables. */
  get pooledBytes(): number {
    return this.slabPool.idleBytes + this.slabPool.idleSlotTableBytes + this.slabPool.idleSliceIndexBytes
  }

  /** The newest version of `key` with seq <= `seq` in any memtable (a tombstone included). */
  get(key: Uint8Array, seq: number): InternalEntry | undefined {
    const found = this.activeMemtable.get(key, seq)
    if (found !== undefined) return found
    for (let index = this.frozenMemtables.length - 1; index >= 0; index--) {
      const entry = this.frozenMemtables[index]!.get(key, seq)
      if (entry !== undefined) return entry
    }
    return undefined
  }

  /** A number that changes whenever a memtable is frozen or dropped. */
  get generation(): number {
    return this.generationValue
  }

  /** Whether any memtable holds a range tombstone. */
  get hasRangeTombstones(): boolean {
    if (this.activeMemtable.rangeTombstones.length > 0) return true
    for (const memtable of this.frozenMemtables) if (memtable.rangeTombstones.length > 0) return true
    return false
  }

  /** Takes the memtables of `other` in place of its own (a read-only open's refresh): reads
   *  started before keep the memtables they hold. */
  replaceWith(other: Memtables): void {
    this.activeMemtable = other.activeMemtable
    this.frozenMemtables.splice(0, this.frozenMemtables.length, ...other.frozenMemtables)
    this.generationValue++
  }

  /** Every memtable, newest first. */
  newestFirst(): Memtable[] {
    return [this.activeMemtable, ...[...this.frozenMemtables].reverse()]
  }

  get frozenBytes(): number {
    return this.frozenMemtables.reduce((total, memtable) => total + memtable.approximateBytes, 0)
  }
}
