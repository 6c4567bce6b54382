export type { Block } from './block.js'
export { FilterHashes } from './bloom.js'
export { TableBuilder } from './builder.js'
export { BlockCache, DEFAULT_CACHE_BYTES } from './cache.js'
export { lz4Implementation } from './compression/lz4.js'
export { type SSTableCorruptDetails, SSTableCorruptError } from './errors.js'
export { type BlockKind, FORMAT_VERSION, MAGIC } from './format.js'
export { type InspectTableOptions, inspectTable, type TableInspection, type TableProblem } from './inspect.js'
export type { TableIterator } from './iterator.js'
export {
  CheckedTableIteratorOptions,
  checkTableIteratorOptions,
  type TableIteratorOptions,
} from './iterator-options.js'
export {
  COMPRESSION_NAMES,
  type CompressionName,
  type TableBuilderOptions,
  type TableOpenOptions,
} from './options.js'
export type { TableMeta } from './properties.js'
export { SCAN_CHUNK_BYTES, TableScan } from './scan.js'
export { type ReadTimer, Table } from './table.js'
