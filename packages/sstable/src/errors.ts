/**
 * `SSTableCorruptError`: a table failed a check (magic, version, handle, checksum, decoding).
 * Damaged bytes are never returned as data; the error says which file, which byte offset and
 * which block, so the engine can report it or drop just that table.
 */
import { CorruptionError } from '@strata/base'
import type { BlockKind } from './format.js'

export interface SSTableCorruptDetails {
  /** The table's path. */
  file: string
  /** Byte offset in the file of the damaged block (or field). */
  offset: number
  /** Which block: 'footer', 'index', 'filter', 'properties' or 'data'. */
  block: BlockKind
  /** What is wrong, in a few words. */
  reason: string
  cause?: unknown
}

/** A damaged table. `code` is `STRATA_CORRUPTION` (it is a `CorruptionError`). */
export class SSTableCorruptError extends CorruptionError {
  /** Which block is damaged. */
  readonly block: BlockKind

  constructor(details: SSTableCorruptDetails) {
    super(
      details,
      `SSTable ${details.file} is damaged in its ${details.block} block at byte ${details.offset}: ${details.reason}`,
    )
    this.block = details.block
  }
}
