/**
 * The database: a facade over its parts, each in its own file with one job — recovery (open),
 * the write queue, the flush scheduler, the compaction scheduler, the point reader, the open
 * iterators, stats — built from the fully recovered state and wired in parts.ts. `Database`
 * checks arguments and state and keeps the public contracts; the parts do the work.
 */
import { ClosedError, InvalidArgumentError, MAX_SEQ, OpType } from '@strata/base'
import { type ApproximateSize, approximateSize } from './approximate-size.js'
import { type BatchOperation, ChainedBatch, checkOperations, type WriteOptions } from './batch.js'
import { type CheckpointResult, makeCheckpoint } from './checkpoint.js'
import { type DeleteRange, rangeDeleteOperation } from './delete-range.js'
import { encodeOperation, encodeOperations } from './encode-operations.js'
import type { Decoded, Encoding } from './encoding.js'
import { type LevelView, levelViews } from './event-views.js'
import { DatabaseEventSource } from './events.js'
import { type DatabaseIterator, entryParts, type IteratorOptions } from './iterator.js'
import { type EncodedOpenOptions, type OpenOptions, resolveOptions } from './options.js'
import { buildParts, closeParts, type DatabaseParts, type Recovered, recoverParts } from './parts.js'
import {
  checkIteratorOptions,
  ITERATOR_OPTION_NAMES,
  KEYS_OPTION_NAMES,
  type ReadOptions,
  readSeqOf,
} from './read-options.js'
import type { Snapshot } from './snapshot.js'
import { collectStats, type DatabaseStats, type DatabaseStatus } from './stats.js'
import { type VerifyReport, verify } from './verify.js'
import { type EncodedOperation, encodedOperation, ownBytes } from './write-queue.js'

export type { DatabaseStats, DatabaseStatus, LevelStats } from './stats.js'
export { estimateLiveBytes } from './stats.js'

/** A database; its events (`on`, `off`, `once`): see events.ts and `DatabaseEvents`. */
export class Database<K = Uint8Array, V = Uint8Array> extends DatabaseEventSource {
  readonly directory: string
  private statusValue: DatabaseStatus = 'opening'
  private closing: Promise<void> | undefined
  /** The parts doing the work, wired in parts.ts. */
  private readonly parts: DatabaseParts<K, V>

  private constructor(directory: string, recovered: Recovered<K, V>) {
    super()
    this.directory = directory
    this.parts = buildParts(directory, recovered, {
      isOpen: () => this.statusValue === 'open',
      events: this.events,
    })
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
    const recovered = await recoverParts<K, V>(
      directory,
      resolved,
      options?.keyEncoding,
      options?.valueEncoding,
    )
    const database = new Database<K, V>(directory, recovered)
    database.statusValue = 'open'
    setImmediate(() => database.startBackgroundWork())
    return database
  }

  private startBackgroundWork(): void {
    if (this.statusValue !== 'open') return
    this.parts.flushes.schedule()
    this.parts.compactions.schedule()
    if (this.parts.compactions.compactsInBackground && !this.readOnly) this.parts.idleFlush.start()
  }

  /** True for a database opened with `readOnly: true` (beside another process's writer). */
  get readOnly(): boolean {
    return this.parts.refresher !== undefined
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
    this.parts.writes.checkWritable()
  }

  private readSeq(options: ReadOptions | undefined): number {
    return readSeqOf(options, this.parts.snapshots, this.parts.writes.visibleSeq)
  }

  // ------------------------------------------------------------------------------ write path

  /** Writes `value` under `key`. Resolves once the write is durable under its `sync` rule
   *  (default: the database's `sync`, true: fsynced). */
  async put(key: K, value: V, options?: WriteOptions): Promise<void> {
    this.checkWritable()
    const { codec, writes } = this.parts
    return writes.write(
      [encodedOperation(OpType.Put, codec.encodeKey(key), codec.encodeValue(value))],
      options,
    )
  }

  /** Deletes `key` (a tombstone; deleting a missing key is not an error). */
  async delete(key: K, options?: WriteOptions): Promise<void> {
    this.checkWritable()
    const { codec, writes } = this.parts
    return writes.write([encodedOperation(OpType.Delete, codec.encodeKey(key), null)], options)
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
    const { codec, writes } = this.parts
    return writes.write([rangeDeleteOperation(range, codec.keyEncoding, 'range')], options)
  }

  /** Applies `operations` atomically (all or none, even across a crash). With no argument,
   *  returns a chained batch: `database.batch().put(k, v).delete(k2).write()`. */
  batch(): ChainedBatch<K, V>
  batch(operations: BatchOperation<K, V>[], options?: WriteOptions): Promise<void>
  batch(operations?: BatchOperation<K, V>[], options?: WriteOptions): ChainedBatch<K, V> | Promise<void> {
    if (operations === undefined) {
      this.checkOpen()
      const codec = this.parts.codec
      return new ChainedBatch<K, V>(
        (operation, index) => ownBytes(encodeOperation(operation, codec, index)),
        (encoded, writeOptions) => this.writeEncoded(encoded, writeOptions),
      )
    }
    try {
      this.checkWritable()
      checkOperations(operations)
      return this.writeEncoded(encodeOperations(operations, this.parts.codec), options)
    } catch (error) {
      return Promise.reject(error)
    }
  }

  /** Writes operations already encoded (a batch's), all or none. */
  private writeEncoded(encoded: EncodedOperation[], options: WriteOptions | undefined): Promise<void> {
    try {
      this.checkWritable()
      if (encoded.length === 0) return Promise.resolve()
      return this.parts.writes.write(encoded, options)
    } catch (error) {
      return Promise.reject(error)
    }
  }

  /** Flushes the memtable to a level-0 table now and waits for every pending flush. */
  async flush(): Promise<void> {
    this.checkWritable()
    const { writes, flushes } = this.parts
    if (writes.lastSeq > writes.visibleSeq) await writes.waitAllVisible()
    await flushes.flushAll()
    if (writes.readOnlyReason !== undefined) throw writes.readOnlyWriteError()
  }

  /**
   * Compacts the keys in [start, end] (either bound open; both open: everything) down to the
   * bottom-most level holding data, dropping overwritten versions and tombstones nobody can see.
   * Use it to reclaim space after mass deletes. Flushes the memtable first.
   */
  async compactRange(start?: K, end?: K): Promise<void> {
    this.checkWritable()
    const startBytes = this.parts.codec.encodeBound(start, 'start')
    const endBytes = this.parts.codec.encodeBound(end, 'end')
    await this.flush()
    await this.parts.compactions.compactRange(startBytes, endBytes)
  }

  // -------------------------------------------------------------------------------- reads

  /** The newest value of `key` visible at the read's snapshot, or `undefined` if absent or
   *  deleted. Rejects with STRATA_CLOSED once the database is closed. */
  get(key: K, options?: ReadOptions): Promise<V | undefined> {
    try {
      const found = this.getSyncOrPromise(key, options)
      if (found instanceof Promise) return found
      // Answered without I/O: at once, unless this turn's reads have had their budget.
      const turn = this.parts.readTurn
      return turn.spent() ? turn.next().then(() => found) : Promise.resolve(found)
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
    const { codec, reader } = this.parts
    const found = reader.getAt(codec.encodeReadKey(key), this.readSeq(options))
    if (found instanceof Promise) return found.then((entry) => codec.visibleValue(entry))
    return codec.visibleValue(found)
  }

  /** `get` without a promise, for callers who accept a blocking read: a cached read costs a
   *  lookup, an uncached one a synchronous disk read. Same answer as `get`. */
  getSync(key: K, options?: ReadOptions): V | undefined {
    this.checkOpen()
    const { codec, reader } = this.parts
    return codec.visibleValue(reader.getSync(codec.encodeReadKey(key), this.readSeq(options)))
  }

  /** Values of `keys` in order (`undefined` where absent), all read at one snapshot. */
  async getMany(keys: K[], options?: ReadOptions): Promise<(V | undefined)[]> {
    this.checkOpen()
    if (!Array.isArray(keys)) throw new InvalidArgumentError('keys must be an array', { argument: 'keys' })
    const { codec, reader, policy } = this.parts
    const seq = this.readSeq(options)
    const encoded = keys.map((key) => codec.encodeKey(key))
    // The read policy's window: in 'auto', synchronous reads for at most GET_MANY_SYNC_MS of
    // this call; the rest of the keys read on the thread pool (all of them started now, on the
    // same version), so a getMany of many uncached keys cannot hold the event loop for long.
    const inWindow = policy.getManyWindow()
    // An answer found without waiting is decoded (copied) at once: the memtable or block it is a
    // view into may be recycled while other keys wait for their reads.
    return Promise.all(
      encoded.map((key) => {
        const found = reader.getAt(key, seq, inWindow())
        return found instanceof Promise
          ? found.then((entry) => codec.visibleValue(entry))
          : codec.visibleValue(found)
      }),
    )
  }

  /** True when `key` has a visible value. */
  async has(key: K, options?: ReadOptions): Promise<boolean> {
    this.checkOpen()
    const { codec, reader } = this.parts
    return (await reader.getAt(codec.encodeReadKey(key), this.readSeq(options)))?.op === OpType.Put
  }

  /** An iterator over a consistent snapshot: what is written meanwhile is not seen. */
  iterator(options: IteratorOptions<K> = {}): DatabaseIterator<K, V> {
    this.checkOpen()
    return this.parts.iterators.create(this.checkIterator(options))
  }

  private checkIterator(options: unknown, allowed = ITERATOR_OPTION_NAMES) {
    const { codec, snapshots, writes } = this.parts
    const encodeBound = (key: K, argument: string) => codec.keyEncoding.encode(key, argument)
    return checkIteratorOptions(options, encodeBound, snapshots, writes.visibleSeq, allowed)
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
    return this.parts.snapshots.create(this.parts.writes.visibleSeq)
  }

  /** A database opened with `readOnly: true`: reads the writer's newest state (manifest, tables,
   *  WAL) and shows it to every later read; open iterators keep the state they read. Refused
   *  (`STRATA_INVALID_ARGUMENT`) on a writable open and while snapshots are held. */
  async refresh(): Promise<void> {
    this.checkOpen()
    if (this.parts.refresher === undefined) {
      throw new InvalidArgumentError('refresh() is for databases opened with readOnly: true', {
        argument: 'readOnly',
      })
    }
    await this.parts.refresher.refresh()
  }

  /** Makes an openable copy of the database in `targetDirectory` (new, or an empty directory)
   *  while writes continue: it holds exactly the writes acknowledged when the call was made
   *  (`seq` in the result). Tables are hard-linked where the file system allows, else copied. */
  async checkpoint(targetDirectory: string): Promise<CheckpointResult> {
    this.checkWritable()
    const { options, tree, memtables, writes } = this.parts
    const source = {
      fs: options.fs,
      directory: this.directory,
      tree,
      memtables,
      visibleSeq: writes.visibleSeq,
    }
    return makeCheckpoint(source, targetDirectory)
  }

  /** Estimates the bytes the keys in [start, end) occupy (either bound open), in tables and
   *  memtables (approximate-size.ts); reads no file. */
  approximateSize(start?: K, end?: K): ApproximateSize {
    this.checkOpen()
    const { codec, tree, memtables } = this.parts
    return approximateSize(tree, memtables, codec.encodeBound(start, 'start'), codec.encodeBound(end, 'end'))
  }

  /** Checks every file of the database (verify.ts) while reads and writes go on. */
  async verify(): Promise<VerifyReport> {
    this.checkOpen()
    return verify(this.directory, { fs: this.parts.options.fs })
  }

  // ------------------------------------------------------------------------------- stats

  stats(): DatabaseStats {
    const { tree, memtables, writes, flushes, compactions, cache, policy, snapshots, iterators } = this.parts
    return collectStats({
      directory: this.directory,
      status: this.statusValue,
      version: tree.current,
      memtables,
      writes,
      flushes,
      compactions,
      cache,
      governor: policy.governor,
      manifestBytes: tree.manifestBytes,
      snapshots: snapshots.size,
      openIterators: iterators.size,
    })
  }

  /** The tables of the current version, level by level, as `version` events give them. */
  levels(): LevelView[] {
    this.checkOpen()
    return levelViews(this.parts.tree.current)
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
    await closeParts(this.parts)
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
