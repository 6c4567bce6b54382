/**
 * `WALEntry`: one logged write, with the seed's field order (which is also the order of the
 * msgpack tuple on disk: seq, timestampMs, op, key, value).
 */
import { type InternalEntry, OpType } from '@strata/base'

export { OpType } from '@strata/base'

/** What an append takes: a `WALEntry`, or any object with its five fields. */
export interface WALEntryFields {
  readonly seq: number
  readonly timestampMs: number
  readonly op: OpType
  readonly key: Uint8Array
  readonly value: Uint8Array | null
}

export class WALEntry implements InternalEntry, WALEntryFields {
  constructor(
    /** Sequence number: strictly increasing across the log. */
    readonly seq: number,
    /** Wall-clock time of the write, milliseconds since the Unix epoch. */
    readonly timestampMs: number,
    /** `OpType.Put` (1), `OpType.Delete` (2) or `OpType.RangeDelete` (3). */
    readonly op: OpType,
    /** The raw key bytes. */
    readonly key: Uint8Array,
    /** The raw value bytes for a Put; `null` for a Delete; a RangeDelete's exclusive end
     *  (`key` is its inclusive start), `null` when the range has no end. */
    readonly value: Uint8Array | null,
  ) {}

  /** True when this entry deletes its key. */
  get isTombstone(): boolean {
    return this.op === OpType.Delete
  }

  /** A Put of `value` at `key`, stamped `timestampMs` (default now). */
  static put(seq: number, key: Uint8Array, value: Uint8Array, timestampMs: number = Date.now()): WALEntry {
    return new WALEntry(seq, timestampMs, OpType.Put, key, value)
  }

  /** A Delete (tombstone) of `key`, stamped `timestampMs` (default now). */
  static delete(seq: number, key: Uint8Array, timestampMs: number = Date.now()): WALEntry {
    return new WALEntry(seq, timestampMs, OpType.Delete, key, null)
  }
}
