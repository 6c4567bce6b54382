/**
 * The database's open iterators: each one built over a pinned version (the memtables, level 0's
 * tables newest first, one `LevelSource` per deeper level, merged), and the set of those open,
 * closed with the database.
 */
import type { KeyRange } from '@strata/base'
import { checkTableIteratorOptions } from '@strata/sstable'
import type { EntryCodec } from './entry-codec.js'
import { DatabaseIterator } from './iterator.js'
import { LevelSource } from './level-source.js'
import type { Memtables } from './memtables.js'
import { type EntrySource, MergeIterator, type SyncReads } from './merge-iterator.js'
import type { RangeDeletes } from './range-deletes.js'
import { RangeSkip } from './range-skip.js'
import type { CheckedIteratorOptions } from './read-options.js'
import type { ReadTurn } from './read-turn.js'
import type { Tree } from './tree.js'
import type { Version } from './version.js'

/** What every source of one iterator is opened with. */
type SourceOptions = KeyRange & {
  reverse: boolean
  atSeq: number
  versions: 'visible'
}

export class OpenIterators<K, V> {
  private readonly open = new Set<DatabaseIterator<K, V>>()
  /** The codec's functions as every iterator calls them, made once. */
  private readonly decodeKey: (data: Uint8Array) => K
  private readonly decodeValue: (data: Uint8Array) => V
  private readonly encodeTarget: (target: K) => Uint8Array

  constructor(
    private readonly memtables: Memtables,
    private readonly tree: Tree,
    private readonly reads: SyncReads,
    codec: EntryCodec<K, V>,
    private readonly rangeDeletes: RangeDeletes,
    /** A seek to a key over a version (seek-compaction.ts): an iterator's start and `seek()`. */
    private readonly chargeSeek: (version: Version, key: Uint8Array) => void,
    /** The reads' event-loop budget (read-turn.ts), shared with `get()`. */
    private readonly turn: ReadTurn,
  ) {
    const { keyEncoding, valueEncoding } = codec
    this.decodeKey = (data) => keyEncoding.decode(data)
    this.decodeValue = (data) => valueEncoding.decode(data)
    this.encodeTarget = (target) => keyEncoding.encode(target, 'target')
  }

  /** Open iterators. */
  get size(): number {
    return this.open.size
  }

  /** An iterator over the entries visible at `checked.seq`, as the checked options ask. */
  create(checked: CheckedIteratorOptions): DatabaseIterator<K, V> {
    const { range, reverse, limit, seq, keys, values } = checked
    const handle = this.tree.acquire()
    // The memtable sources read their memtables' slabs until the iterator closes.
    const unpinMemtables = this.memtables.pin()
    const version = handle.version
    const start = reverse ? (range.lte ?? range.lt) : (range.gte ?? range.gt)
    if (start !== undefined) this.chargeSeek(version, start)
    // One options object for the memtables and one, checked once, for every table (level 0's,
    // and those each level source opens), built once per iterator.
    const sourceOptions: SourceOptions = {
      gt: range.gt,
      gte: range.gte,
      lt: range.lt,
      lte: range.lte,
      reverse,
      atSeq: seq,
      versions: 'visible',
    }
    const tableOptions = checkTableIteratorOptions(sourceOptions)
    const tombstones = this.rangeDeletes.at(version)
    const sources: EntrySource[] = []
    // With range tombstones, `maxSeqs[rank]` is the largest seq source `rank` may yield (see
    // range-skip.ts), recorded as each source is added.
    const maxSeqs: number[] | undefined = tombstones === undefined ? undefined : []
    // An empty memtable has nothing to merge, and stays empty for this iterator (a snapshot).
    const active = this.memtables.active
    if (!active.isEmpty) {
      sources.push(active.iterator(sourceOptions))
      maxSeqs?.push(active.maxSeq ?? -1)
    }
    const frozen = this.memtables.frozen
    for (let index = frozen.length - 1; index >= 0; index--) {
      const memtable = frozen[index]!
      if (memtable.isEmpty) continue
      sources.push(memtable.iterator(sourceOptions))
      maxSeqs?.push(memtable.maxSeq ?? -1)
    }
    const levels = version.levels
    for (const file of levels[0] ?? []) {
      sources.push(this.tree.table(file.fileNumber).iterator(tableOptions))
      maxSeqs?.push(file.maxSeq)
    }
    for (let level = 1; level < levels.length; level++) {
      const files = levels[level]!
      if (files.length === 0) continue
      sources.push(new LevelSource(files, this.tree.versions, tableOptions))
      maxSeqs?.push(files.reduce((largest, file) => Math.max(largest, file.maxSeq), -1))
    }
    const skip = tombstones === undefined ? undefined : new RangeSkip(tombstones, seq, reverse, maxSeqs!)
    const iterator: DatabaseIterator<K, V> = new DatabaseIterator<K, V>({
      merge: new MergeIterator(sources, reverse, this.reads, skip?.covered, skip),
      limit,
      decodeKey: keys ? this.decodeKey : undefined,
      decodeValue: values ? this.decodeValue : undefined,
      encodeTarget: this.encodeTarget,
      turn: this.turn,
      onSeek: (target) => this.chargeSeek(version, target),
      release: () => {
        this.open.delete(iterator)
        unpinMemtables()
        this.tree.release(handle)
      },
    })
    this.open.add(iterator)
    return iterator
  }

  /** Closes every open iterator. */
  async closeAll(): Promise<void> {
    for (const iterator of [...this.open]) await iterator.close()
  }
}
