/**
 * The database's open iterators: each one built over a pinned version (the memtables, level 0's
 * tables newest first, one `LevelSource` per deeper level, merged), and the set of those open,
 * closed with the database.
 */
import { InvalidArgumentError, type KeyRange } from '@strata/base'
import type { EntryCodec } from './entry-codec.js'
import { DatabaseIterator, type IteratorOptions } from './iterator.js'
import { LevelSource } from './level-source.js'
import type { Memtables } from './memtables.js'
import { type EntrySource, MergeIterator, type SyncReads } from './merge-iterator.js'
import type { Tree } from './tree.js'

export class OpenIterators<K, V> {
  private readonly open = new Set<DatabaseIterator<K, V>>()

  constructor(
    private readonly memtables: Memtables,
    private readonly tree: Tree,
    private readonly reads: SyncReads,
    private readonly codec: EntryCodec<K, V>,
  ) {}

  /** Open iterators. */
  get size(): number {
    return this.open.size
  }

  /** An iterator over the entries visible at `seq`, as `options` ask. */
  create(options: IteratorOptions<K>, seq: number): DatabaseIterator<K, V> {
    const limit = options.limit === undefined || options.limit < 0 ? Number.POSITIVE_INFINITY : options.limit
    if (typeof limit !== 'number' || Number.isNaN(limit)) {
      throw new InvalidArgumentError('options.limit must be a number (-1 for no limit)', {
        argument: 'options.limit',
      })
    }
    const { keyEncoding, valueEncoding } = this.codec
    const range: KeyRange = {}
    for (const bound of ['gt', 'gte', 'lt', 'lte'] as const) {
      const value = options[bound]
      if (value !== undefined) range[bound] = keyEncoding.encode(value, `options.${bound}`)
    }
    const reverse = options.reverse === true
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
    const iterator: DatabaseIterator<K, V> = new DatabaseIterator<K, V>({
      merge: new MergeIterator(sources, reverse, this.reads),
      limit,
      decodeKey: options.keys === false ? undefined : (data) => keyEncoding.decode(data),
      decodeValue: options.values === false ? undefined : (data) => valueEncoding.decode(data),
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
