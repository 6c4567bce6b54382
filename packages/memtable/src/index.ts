export { MemtableFrozenError, MemtableRecycledError } from './errors.js'
export type { MemtableIterator, MemtableIteratorOptions } from './iterator.js'
export { Memtable, type MemtableOptions } from './memtable.js'
export { SlabPool } from './slab-pool.js'
