/**
 * The database: a facade over its parts, each in its own file with one job — recovery (open),
 * the write queue, the flush scheduler, the compaction scheduler, the point reader, the open
 * iterators, stats — wired here from the fully recovered state. `Database` checks arguments and
 * state and keeps the public contracts; the parts do the work.
 */
import { ClosedError, InvalidArgumentError, MAX_SEQ, OpType } from '@strata/base'
import { BlockCache } from '@strata/sstable'
import { type ApproximateSize, approximateSize } from './approximate-size.js'
import { type BatchOperation, ChainedBatch, checkOperations, type WriteOptions } from './batch.js'
import { type CheckpointResult, makeCheckpoint } from './checkpoint.js'
import { mergeRunnerFor } from './compaction-runner.js'
import { CompactionScheduler } from './compaction-scheduler.js'
import { type DeleteRange, rangeDeleteOperation } from './delete-range.js'
import { type Decoded, type Encoding, resolveEncoding } from './encoding.js'
import { EntryCodec } from './entry-codec.js'
import { type LevelView, levelViews } from './event-views.js'
import { DatabaseEventSource } from './events.js'
import { FlushScheduler } from './flush-scheduler.js'
import { IdleTombstoneFlush } from './idle-tombstone-flush.js'
import { type DatabaseIterator, entryParts, type IteratorOptions } from './iterator.js'
import { OpenIterators } from './iterators.js'
import { type EncodedOpenOptions, type OpenOptions, type ResolvedOptions, resolveOptions } from './options.js'
import { PointReader } from './point-reader.js'
import { RangeDeletes } from './range-deletes.js'
import { ReadOnlyRefresher, recoverReadOnly } from './read-only-open.js'
import {
  checkIteratorOptions,
  ITERATOR_OPTION_NAMES,
  KEYS_OPTION_NAMES,
  type ReadOptions,
  readSeqOf,
} from './read-options.js'
import { ReadPolicy } from './read-policy.js'
import { type RecoveredState, recover } from './recovery.js'
import { type Snapshot, SnapshotList } from './snapshot.js'
import { collectStats, type DatabaseStats, type DatabaseStatus } from './stats.js'
import { Tree } from './tree.js'
import { type VerifyReport, verify } from './verify.js'
import { type EncodedOperation, WriteQueue } from './write-queue.js'

export type { DatabaseStats, DatabaseStatus, LevelStats } from './stats.js'
export { estimateLiveBytes } from './stats.js'

/** A database; its events (`on`, `off`, `once`): see events.ts and `DatabaseEvents`. */
export class Database<K = Uint8Array, V = Uint8Array> extends DatabaseEventSource {
  readonly directory: string
  private readonly fs: ResolvedOptions['fs']
  private statusValue: DatabaseStatus = 'opening'
  private closing: Promise<void> | undefined

  private readonly codec: EntryCodec<K, V>
  private readonly cache: BlockCache
  private readonly policy: ReadPolicy
  private readonly snapshots = new SnapshotList()
  private readonly lock: RecoveredState['lock']
  private readonly memtables: RecoveredState['memtables']
  private readonly tree: Tree
  private readonly writes: WriteQueue
  private readonly flushes: FlushScheduler
  private readonly compactions: CompactionScheduler
  private readonly idleFlush: IdleTombstoneFlush
  private readonly reader: PointReader
  private readonly iterators: OpenIterators<K, V>
  private readonly refresher: ReadOnlyRefresher | undefined

  private constructor(
    directory: string,
    options: ResolvedOptions,
    codec: EntryCodec<K, V>,
    cache: BlockCache,
    recovered: RecoveredState,
  ) {
    super()
    this.directory = directory
    this.fs = options.fs
    this.codec = codec
    this.cache = cache
    this.policy = new ReadPolicy(options.readMode)
    this.lock = recovered.lock
    this.memtables = recovered.memtables
    this.tree = new Tree(
      directory,
      options.fs,
      recovered.manifest,
      recovered.tables,
      recovered.nextFileNumber,
      this.events,
    )
    const isOpen = () => this.statusValue === 'open'
    this.writes = new WriteQueue(directory, options, recovered.wal, this.memtables, recovered.lastSeq, {
      isOpen,
      events: this.events,
      level0Files: () => this.tree.current.levels[0]?.length ?? 0,
      compactsInBackground: () => this.compactions.compactsInBackground,
      scheduleFlush: () => this.flushes.schedule(),
      scheduleCompaction: () => this.compactions.schedule(),
    })
    this.flushes = new FlushScheduler(
      directory,
      options,
      this.memtables,
      this.writes,
      this.tree,
      recovered.flushedSeq,
      {
        isOpen,
        events: this.events,
        scheduleCompaction: () => this.compactions.schedule(),
      },
    )
    this.compactions = new CompactionScheduler(
      directory,
      options,
      this.tree,
      this.writes,
      this.snapshots,
      mergeRunnerFor(options.fs),
      isOpen,
      this.events,
    )
    this.idleFlush = new IdleTombstoneFlush(this.memtables, this.writes, this.flushes, isOpen)
    const rangeDeletes = new RangeDeletes(this.memtables, this.tree)
    this.reader = new PointReader(this.memtables, this.tree, this.policy, rangeDeletes)
    this.iterators = new OpenIterators(
      this.memtables,
      this.tree,
      this.policy.iteratorReads,
      codec,
      rangeDeletes,
    )
    this.refresher = options.readOnly
      ? new ReadOnlyRefresher(directory, options, {
          tree: this.tree,
          memtables: this.memtables,
          writes: this.writes,
          snapshots: this.snapshots,
        })
      : undefined
  }

  /** Opens (and by default creates) the database in `directory`. Rejects with
   *  `STRATA_LOCKED` if it is open elsewhere, `STRATA_CORRUPTION` if its files are damaged,
   *  `STRATA_INVALID_ARGUMENT` for bad options. Background work starts on the turn after it
   *  resolves, so listeners added right after see every event of it. */
  static open<
    KeyEncoding extends Encoding<unknown> | undefined = undefined,
    ValueEncoding extends Encoding<unknown> | undefined = undefined,
  >(
    directory: string,
    options: EncodedOpenOptions<KeyEncoding, ValueEncoding>,
  ): Promise<Database<Decoded<KeyEncoding>, Decoded<ValueEncoding>>>
  static open<K = Uint8Array, V = Uint8Array>(
    directory: string,
    options?: OpenOptions<K, V>,
  ): Promise<Database<K, V>>
  static async open<K, V>(directory: string, options?: OpenOptions<K, V>): Promise<Database<K, V>> {
    if (typeof directory !== 'string' || directory.length === 0) {
      throw new InvalidArgumentError('directory must be a non-empty string path', { argument: 'directory' })
    }
    const resolved = resolveOptions(options)
    const codec = new EntryCodec<K, V>(
      resolveEncoding(options?.keyEncoding, 'keyEncoding'),
      resolveEncoding(options?.valueEncoding, 'valueEncoding'),
    )
    const cache = new BlockCache(resolved.blockCacheBytes)
    const recovered = resolved.readOnly
      ? await recoverReadOnly(directory, resolved, cache)
      : await recover(directory, resolved, cache)
    const database = new Database<K, V>(directory, resolved, codec, cache, recovered)
    database.statusValue = 'open'
    setImmediate(() => database.startBackgroundWork())
    return database
  }

  private startBackgroundWork(): void {
    if (this.statusValue !== 'open') return
    this.flushes.schedule()
    this.compactions.schedule()
    if (this.compactions.compactsInBackground && !this.readOnly) this.idleFlush.start()
  }

  /** True for a database opened with `readOnly: true` (beside another process's writer). */
  get readOnly(): boolean {
    return this.refresher !== undefined
  }

  get status(): DatabaseStatus {
    return this.statusValue
  }

  // --------------------------------------------------------------------------------- checks

  private checkOpen(): void {
    if (this.statusValue !== 'open') throw new ClosedError(`the database at ${this.directory}`)
  }

  private checkWritable(): void {
    this.checkOpen()
    this.writes.checkWritable()
  }

  private readSeq(options: ReadOptions | undefined): number {
    return readSeqOf(options, this.snapshots, this.writes.visibleSeq)
  }

  // ------------------------------------------------------------------------------ write path

  /** Writes `value` under `key`. Resolves once the write is durable under its `sync` rule
   *  (default: the database's `sync`, true: fsynced). */
  async put(key: K, value: V, options?: WriteOptions): Promise<void> {
    this.checkWritable()
    const keyBytes = this.codec.encodeKey(key)
    const valueBytes = this.codec.encodeValue(value)
    return this.writes.write([{ op: OpType.Put, key: keyBytes, value: valueBytes }], options)
  }

  /** Deletes `key` (a tombstone; deleting a missing key is not an error). */
  async delete(key: K, options?: WriteOptions): Promise<void> {
    this.checkWritable()
    return this.writes.write([{ op: OpType.Delete, key: this.codec.encodeKey(key), value: null }], options)
  }

  /** Alias of `delete`, as abstract-level names it. */
  del(key: K, options?: WriteOptions): Promise<void> {
    return this.delete(key, options)
  }

  /** Deletes every key in `range` (`{ gt?, gte?, lt?, lte? }` in the key encoding; `{}`: all)
   *  with one write, one range tombstone (delete-range.ts); earlier snapshots still see them.
   *  A range that holds no key, or is not a range, is an `InvalidArgumentError`. */
  async deleteRange(range: DeleteRange<K>, options?: WriteOptions): Promise<void> {
    this.checkWritable()
    return this.writes.write([rangeDeleteOperation(range, this.codec.keyEncoding, 'range')], options)
  }

  /** Applies `operations` atomically (all or none, even across a crash). With no argument,
   *  returns a chained batch: `database.batch().put(k, v).delete(k2).write()`. */
  batch(): ChainedBatch<K, V>
  batch(operations: BatchOperation<K, V>[], options?: WriteOptions): Promise<void>
  batch(operations?: BatchOperation<K, V>[], options?: WriteOptions): ChainedBatch<K, V> | Promise<void> {
    if (operations === undefined) {
      this.checkOpen()
      return new ChainedBatch<K, V>((queued, writeOptions) => this.batch(queued, writeOptions))
    }
    try {
      this.checkWritable()
      checkOperations(operations)
      const encoded = operations.map((operation, index): EncodedOperation => {
        if (operation.type === 'put') {
          return {
            op: OpType.Put,
            key: this.codec.encodeKey(operation.key),
            value: this.codec.encodeValue(operation.value),
          }
        }
        if (operation.type === 'del') {
          return { op: OpType.Delete, key: this.codec.encodeKey(operation.key), value: null }
        }
        return rangeDeleteOperation(operation, this.codec.keyEncoding, `operations[${index}]`, ['type'])
      })
      if (encoded.length === 0) return Promise.resolve()
      return this.writes.write(encoded, options)
    } catch (error) {
      return Promise.reject(error)
    }
  }

  /** Flushes the memtable to a level-0 table now and waits for every pending flush. */
  async flush(): Promise<void> {
    this.checkWritable()
    if (this.writes.lastSeq > this.writes.visibleSeq) await this.writes.waitAllVisible()
    await this.flushes.flushAll()
    if (this.writes.readOnlyReason !== undefined) throw this.writes.readOnlyWriteError()
  }

  /**
   * Compacts the keys in [start, end] (either bound open; both open: everything) down to the
   * bottom-most level holding data, dropping overwritten versions and tombstones nobody can see.
   * Use it to reclaim space after mass deletes. Flushes the memtable first.
   */
  async compactRange(start?: K, end?: K): Promise<void> {
    this.checkWritable()
    const startBytes = start === undefined ? undefined : this.codec.keyEncoding.encode(start, 'start')
    const endBytes = end === undefined ? undefined : this.codec.keyEncoding.encode(end, 'end')
    await this.flush()
    await this.compactions.compactRange(startBytes, endBytes)
  }

  // -------------------------------------------------------------------------------- reads

  /** The newest value of `key` visible at the read's snapshot, or `undefined` if absent or
   *  deleted. Rejects with STRATA_CLOSED once the database is closed. */
  get(key: K, options?: ReadOptions): Promise<V | undefined> {
    try {
      const found = this.getSyncOrPromise(key, options)
      return found instanceof Promise ? found : Promise.resolve(found)
    } catch (error) {
      return Promise.reject(error)
    }
  }

  /**
   * `get`'s answer, returned directly when it needs no wait for I/O (the memtables, a cached
   * block, or in `readMode` `'auto'`/`'sync'` a synchronous read), else as a promise: for
   * adapters and hot loops that await only when they must. Throws (rather than rejects) on a
   * bad key, a closed database or a damaged block read synchronously.
   */
  getSyncOrPromise(key: K, options?: ReadOptions): V | undefined | Promise<V | undefined> {
    this.checkOpen()
    const found = this.reader.getAt(this.codec.encodeReadKey(key), this.readSeq(options))
    if (found instanceof Promise) return found.then((entry) => this.codec.visibleValue(entry))
    return this.codec.visibleValue(found)
  }

  /** `get` without a promise, for callers who accept a blocking read: a cached read costs a
   *  lookup, an uncached one a synchronous disk read. Same answer as `get`. */
  getSync(key: K, options?: ReadOptions): V | undefined {
    this.checkOpen()
    const keyBytes = this.codec.encodeReadKey(key)
    return this.codec.visibleValue(this.reader.getSync(keyBytes, this.readSeq(options)))
  }

  /** Values of `keys` in order (`undefined` where absent), all read at one snapshot. */
  async getMany(keys: K[], options?: ReadOptions): Promise<(V | undefined)[]> {
    this.checkOpen()
    if (!Array.isArray(keys)) throw new InvalidArgumentError('keys must be an array', { argument: 'keys' })
    const seq = this.readSeq(options)
    const encoded = keys.map((key) => this.codec.encodeKey(key))
    // The read policy's window: in 'auto', synchronous reads for at most GET_MANY_SYNC_MS of
    // this call; the rest of the keys read on the thread pool (all of them started now, on the
    // same version), so a getMany of many uncached keys cannot hold the event loop for long.
    const inWindow = this.policy.getManyWindow()
    const entries = await Promise.all(encoded.map((key) => this.reader.getAt(key, seq, inWindow())))
    return entries.map((entry) => this.codec.visibleValue(entry))
  }

  /** True when `key` has a visible value. */
  async has(key: K, options?: ReadOptions): Promise<boolean> {
    this.checkOpen()
    return (await this.reader.getAt(this.codec.encodeReadKey(key), this.readSeq(options)))?.op === OpType.Put
  }

  /** An iterator over a consistent snapshot: what is written meanwhile is not seen. */
  iterator(options: IteratorOptions<K> = {}): DatabaseIterator<K, V> {
    this.checkOpen()
    return this.iterators.create(this.checkIterator(options))
  }

  private checkIterator(options: unknown, allowed = ITERATOR_OPTION_NAMES) {
    const encodeBound = (key: K, argument: string) => this.codec.keyEncoding.encode(key, argument)
    return checkIteratorOptions(options, encodeBound, this.snapshots, this.writes.visibleSeq, allowed)
  }

  /** Keys only: an async iterable of keys. Its options are checked by this call. */
  keys(options: Omit<IteratorOptions<K>, 'keys' | 'values'> = {}): AsyncGenerator<K> {
    this.checkOpen()
    this.checkIterator(options, KEYS_OPTION_NAMES)
    return entryParts(
      () => this.iterator({ ...options, values: false }),
      ([key]) => key,
    )
  }

  /** Values only: an async iterable of values. Its options are checked by this call. */
  values(options: Omit<IteratorOptions<K>, 'keys' | 'values'> = {}): AsyncGenerator<V> {
    this.checkOpen()
    this.checkIterator(options, KEYS_OPTION_NAMES)
    return entryParts(
      () => this.iterator({ ...options, keys: false }),
      ([, value]) => value,
    )
  }

  /** A handle for repeatable reads across gets and iterators; `release()` it when done. */
  snapshot(): Snapshot {
    this.checkOpen()
    return this.snapshots.create(this.writes.visibleSeq)
  }

  /** A database opened with `readOnly: true`: reads the writer's newest state (manifest, tables,
   *  WAL) and shows it to every later read; open iterators keep the state they read. Refused
   *  (`STRATA_INVALID_ARGUMENT`) on a writable open and while snapshots are held. */
  async refresh(): Promise<void> {
    this.checkOpen()
    if (this.refresher === undefined) {
      throw new InvalidArgumentError('refresh() is for databases opened with readOnly: true', {
        argument: 'readOnly',
      })
    }
    await this.refresher.refresh()
  }

  /** Makes an openable copy of the database in `targetDirectory` (new, or an empty directory)
   *  while writes continue: it holds exactly the writes acknowledged when the call was made
   *  (`seq` in the result). Tables are hard-linked where the file system allows, else copied. */
  async checkpoint(targetDirectory: string): Promise<CheckpointResult> {
    this.checkWritable()
    return makeCheckpoint(
      {
        fs: this.fs,
        directory: this.directory,
        tree: this.tree,
        memtables: this.memtables,
        visibleSeq: this.writes.visibleSeq,
      },
      targetDirectory,
    )
  }

  /** Estimates the bytes the keys in [start, end) occupy (either bound open), in tables and
   *  memtables (approximate-size.ts); reads no file. */
  approximateSize(start?: K, end?: K): ApproximateSize {
    this.checkOpen()
    const startBytes = start === undefined ? undefined : this.codec.keyEncoding.encode(start, 'start')
    const endBytes = end === undefined ? undefined : this.codec.keyEncoding.encode(end, 'end')
    return approximateSize(this.tree, this.memtables, startBytes, endBytes)
  }

  /** Checks every file of the database (verify.ts) while reads and writes go on. */
  async verify(): Promise<VerifyReport> {
    this.checkOpen()
    return verify(this.directory, { fs: this.fs })
  }

  // ------------------------------------------------------------------------------- stats

  stats(): DatabaseStats {
    return collectStats({
      directory: this.directory,
      status: this.statusValue,
      version: this.tree.current,
      memtables: this.memtables,
      writes: this.writes,
      flushes: this.flushes,
      compactions: this.compactions,
      cache: this.cache,
      governor: this.policy.governor,
      manifestBytes: this.tree.manifestBytes,
      snapshots: this.snapshots.size,
      openIterators: this.iterators.size,
    })
  }

  /** The tables of the current version, level by level, as `version` events give them. */
  levels(): LevelView[] {
    this.checkOpen()
    return levelViews(this.tree.current)
  }

  // ------------------------------------------------------------------------------- close

  /** Waits for pending writes and background work, then closes every file and releases the
   *  directory lock. Idempotent: a second call waits for the first. */
  async close(): Promise<void> {
    if (this.statusValue === 'closed') return
    if (this.closing !== undefined) return this.closing
    this.closing = this.closeOnce()
    return this.closing
  }

  private async closeOnce(): Promise<void> {
    const started = performance.now()
    this.statusValue = 'closing'
    this.writes.wakeRoomWaiters()
    this.idleFlush.stop()
    if (this.writes.lastSeq > this.writes.visibleSeq && this.writes.readOnlyReason === undefined) {
      await this.writes.waitAllVisible().catch(() => {})
    }
    await this.flushes.waitIdle()
    await this.compactions.close()
    await this.iterators.closeAll()
    this.snapshots.releaseAll()
    await this.writes.close()
    // A clean close records the WAL's last seq and length: a shorter WAL at open is damage.
    if (this.writes.readOnlyReason === undefined) {
      await this.tree.recordWal(this.writes.walRecordAtClose(this.tree.manifestState))
    }
    await this.tree.close()
    this.lock?.release()
    this.statusValue = 'closed'
    this.events.emit('close', { durationMs: performance.now() - started })
  }
}

/**
 * Opens (and by default creates) a database: `const db = await open('./data')`. Without type
 * arguments the key and value types follow the encodings (`{ keyEncoding: 'utf8' }` gives string
 * keys, a codec its type, `json` `unknown`); `open<K, V>(…)` states them.
 */
export function open<
  KeyEncoding extends Encoding<unknown> | undefined = undefined,
  ValueEncoding extends Encoding<unknown> | undefined = undefined,
>(
  directory: string,
  options: EncodedOpenOptions<KeyEncoding, ValueEncoding>,
): Promise<Database<Decoded<KeyEncoding>, Decoded<ValueEncoding>>>
export function open<K = Uint8Array, V = Uint8Array>(
  directory: string,
  options?: OpenOptions<K, V>,
): Promise<Database<K, V>>
export function open<K, V>(directory: string, options?: OpenOptions<K, V>): Promise<Database<K, V>> {
  return Database.open<K, V>(directory, options)
}

export { MAX_SEQ }
