/**
 * The database's open iterators: each one built over a pinned version (the memtables, level 0's
 * tables newest first, one `LevelSource` per deeper level, merged), and the set of those open,
 * closed with the database.
 */
import type { EntryCodec } from './entry-codec.js'
import { DatabaseIterator } from './iterator.js'
import { LevelSource } from './level-source.js'
import type { Memtables } from './memtables.js'
import { type EntrySource, MergeIterator, type SyncReads } from './merge-iterator.js'
import type { RangeDeletes } from './range-deletes.js'
import { RangeSkip, sourceMaxSeqs } from './range-skip.js'
import type { CheckedIteratorOptions } from './read-options.js'
import type { Tree } from './tree.js'

export class OpenIterators<K, V> {
  private readonly open = new Set<DatabaseIterator<K, V>>()

  constructor(
    private readonly memtables: Memtables,
    private readonly tree: Tree,
    private readonly reads: SyncReads,
    private readonly codec: EntryCodec<K, V>,
    private readonly rangeDeletes: RangeDeletes,
  ) {}

  /** Open iterators. */
  get size(): number {
    return this.open.size
  }

  /** An iterator over the entries visible at `checked.seq`, as the checked options ask. */
  create(checked: CheckedIteratorOptions): DatabaseIterator<K, V> {
    const { range, reverse, limit, seq, keys, values } = checked
    const { keyEncoding, valueEncoding } = this.codec
    const handle = this.tree.acquire()
    const version = handle.version
    const sourceOptions = { ...range, reverse, atSeq: seq, versions: 'visible' as const }
    const sources: EntrySource[] = this.memtables
      .newestFirst()
      .map((memtable) => memtable.iterator(sourceOptions))
    for (const file of version.levels[0] ?? []) {
      sources.push(this.tree.table(file.fileNumber).iterator(sourceOptions))
    }
    for (let level = 1; level < version.levels.length; level++) {
      const files = version.levels[level] ?? []
      if (files.length > 0) sources.push(new LevelSource(files, this.tree.versions, range, reverse, seq))
    }
    const tombstones = this.rangeDeletes.at(version)
    const skip =
      tombstones === undefined
        ? undefined
        : new RangeSkip(tombstones, seq, reverse, sourceMaxSeqs(this.memtables, version))
    const iterator: DatabaseIterator<K, V> = new DatabaseIterator<K, V>({
      merge: new MergeIterator(sources, reverse, this.reads, skip?.covered, skip),
      limit,
      decodeKey: keys ? (data) => keyEncoding.decode(data) : undefined,
      decodeValue: values ? (data) => valueEncoding.decode(data) : undefined,
      encodeTarget: (target) => keyEncoding.encode(target, 'target'),
      release: () => {
        this.open.delete(iterator)
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
