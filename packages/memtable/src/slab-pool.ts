/**
 * Slabs a memtable gave back, waiting for the next memtable to write into them: a database
 * writes one memtable after another, each about as large as the last, and without a pool every
 * memtable allocates its slabs anew while the flushed one's wait as garbage for a major GC
 * (resident memory for nothing, and the cost of faulting fresh pages in).
 *
 * Only full-size slabs (`MAX_SLAB_BYTES`) are kept, at most `maxIdleSlabs` of them. A memtable
 * gives its slabs back only through `Memtable.recycle()`, whose caller promises that nothing
 * reads the memtable or a view it handed out again.
 */
import { MAX_SLAB_BYTES } from './record-log.js'

export class SlabPool {
  private readonly idle: ArrayBufferLike[] = []
  private reusedCount = 0

  /** At most `maxIdleSlabs` slabs (of `MAX_SLAB_BYTES` each) wait in the pool; beyond, a slab
   *  given back is left to the garbage collector. */
  constructor(readonly maxIdleSlabs: number) {}

  /** A slab of `MAX_SLAB_BYTES` from the pool (its bytes are whatever was written last), or
   *  undefined when none waits. */
  take(): ArrayBufferLike | undefined {
    const slab = this.idle.pop()
    if (slab !== undefined) this.reusedCount++
    return slab
  }

  /** Gives back a slab nothing reads any more (slabs of another size are not kept). */
  give(slab: ArrayBufferLike): void {
    if (slab.byteLength === MAX_SLAB_BYTES && this.idle.length < this.maxIdleSlabs) this.idle.push(slab)
  }

  /** Bytes of the slabs waiting in the pool. */
  get idleBytes(): number {
    return this.idle.length * MAX_SLAB_BYTES
  }

  /** Slabs taken from the pool instead of allocated, since it was made. */
  get reused(): number {
    return this.reusedCount
  }
}
