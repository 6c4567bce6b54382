/**
 * The memtable's own error. Everything else it throws is `InvalidArgumentError` from
 * `@strata/base`.
 */
import { ErrorCode, ReadOnlyError, StrataError } from '@strata/base'

/**
 * A write (`put`, `delete`, `apply`) reached a memtable after `freeze()`. Its `code` is
 * `STRATA_READ_ONLY` (it is a `ReadOnlyError`); the engine treats it as a bug of its own, since it
 * swaps in a fresh memtable before freezing the old one. The table is unchanged by the refused write.
 */
export class MemtableFrozenError extends ReadOnlyError {
  constructor(operation: string) {
    super(
      `memtable.${operation}() was called on a frozen memtable; a frozen memtable only serves reads ` +
        `and iterators: write to a new Memtable instead`,
    )
  }
}

/**
 * A memtable was read after `retire()` gave its slabs back to the pool (code `STRATA_CLOSED`; it
 * is not a `ClosedError`: nothing reopens it). The engine treats it as a bug of its own: every
 * reader pins what it reads.
 */
export class MemtableRecycledError extends StrataError {
  constructor(operation: string) {
    super(
      ErrorCode.Closed,
      `memtable.${operation}() was called after retire() recycled the memtable: its memory serves ` +
        'another memtable now; pin() a memtable before reading it to keep it',
    )
  }
}
