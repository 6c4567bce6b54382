export { MemtableFrozenError } from './errors.js'
export type { IteratorOptions, MemtableIterator } from './iterator.js'
export { Memtable, type MemtableOptions } from './memtable.js'
