export { MemtableFrozenError } from './errors.js'
export type { MemtableIterator, MemtableIteratorOptions } from './iterator.js'
export { Memtable, type MemtableOptions } from './memtable.js'
