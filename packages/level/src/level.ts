/**
 * `StrataLevel`: an abstract-level database backed by `@strata/engine`. abstract-level does the
 * public API (argument checks, encodings, deferred open, sublevels, events, hooks); this class
 * implements its private API on the engine. The manifest declares the 'buffer' and 'utf8'
 * formats: keys and values arrive as Buffers or strings (every other encoding is transcoded to
 * one of them) and go back in the format each call asks for.
 */
import { mkdir } from 'node:fs/promises'
import { ErrorCode, InvalidArgumentError, StrataError, toIOError } from '@strata/base'
import {
  type BatchOperation,
  DATABASE_EVENT_NAMES,
  type Database,
  type DatabaseEventListener,
  type DatabaseEventName,
  type DatabaseStats,
  type LevelView,
  open,
  type ReadOptions,
  type WriteOptions,
} from '@strata/engine'
import {
  type AbstractClearOptions,
  type AbstractDatabaseOptions,
  type AbstractGetManyOptions,
  type AbstractGetOptions,
  type AbstractHasManyOptions,
  type AbstractHasOptions,
  type AbstractIterator,
  type AbstractIteratorOptions,
  type AbstractKeyIterator,
  type AbstractKeyIteratorOptions,
  AbstractLevel,
  type AbstractValueIterator,
  type AbstractValueIteratorOptions,
} from 'abstract-level'
import { CopyingChainedBatch } from './chained-batch.js'
import { LevelError, toLevelError } from './errors.js'
import {
  type PrivateIteratorOptions,
  StrataIterator,
  StrataKeyIterator,
  StrataValueIterator,
} from './iterator.js'
import { checkIteratorOptions, refusedIteratorOptions } from './iterator-options.js'
import { type Format, type KeyData, storedRange, toOutput, toStoredBound, toStoredKey } from './keys.js'
import { engineOptions, type StrataOpenOptions } from './options.js'
import { propertyOf } from './properties.js'
import { engineSnapshotOf, refusedSnapshot, StrataSnapshot } from './snapshot.js'

/** Constructor options: abstract-level's (`keyEncoding`, `valueEncoding`, default `'utf8'`)
 *  plus the open options, which `open()` calls may override. */
export type StrataLevelOptions<K, V> = Omit<AbstractDatabaseOptions<K, V>, keyof StrataOpenOptions> &
  Omit<StrataOpenOptions, 'passive'>

/** Options of the private API calls: the formats of keys and values ('buffer' or 'utf8'), and
 *  userland options. */
interface PrivateOptions {
  keyEncoding?: Format
  valueEncoding?: Format
  snapshot?: unknown
  sync?: unknown
}

/** An abstract-level (level-transcoder) encoding, in the format the manifest declares. */
interface DefaultEncoding<T> {
  readonly format: string
  encode(data: T): KeyData
  decode(data: Buffer | string): T
}

interface PrivateOperation {
  type: 'put' | 'del'
  key: KeyData
  value?: KeyData
}

/** Whether the stored range holds no key (its lower bound is not below its upper bound). */
function holdsNoKey(range: {
  gt?: Uint8Array
  gte?: Uint8Array
  lt?: Uint8Array
  lte?: Uint8Array
}): boolean {
  const after = (key: Uint8Array) => Buffer.concat([key, Buffer.alloc(1)])
  const lower = range.gte ?? (range.gt === undefined ? undefined : after(range.gt))
  const upper = range.lt ?? (range.lte === undefined ? undefined : after(range.lte))
  return lower !== undefined && upper !== undefined && Buffer.compare(lower, upper) >= 0
}

/** A listener as EventEmitter types it. */
// biome-ignore lint/suspicious/noExplicitAny: EventEmitter's own listener type
type EmitterListener = (...args: any[]) => void

/** Keys deleted per engine batch by `clear()`. */
export const CLEAR_BATCH = 1000

/** The engine's default 'binary' encoding takes a string as its UTF-8 bytes (its documented
 *  contract), so 'utf8' keys and values go to it unconverted; typed as bytes for its signatures. */
function engineData(data: KeyData): Uint8Array {
  return data as Uint8Array
}

/** The engine form of a key: mapped (see keys.ts), a string left for the engine to encode. */
function engineKey(key: KeyData): Uint8Array {
  return engineData(toStoredKey(key))
}

function format(encoding: string | undefined): Format {
  return encoding === 'utf8' ? 'utf8' : 'buffer'
}

/** The engine's read options for abstract-level's: its snapshot, if one was given. */
function readOptions(options: PrivateOptions, database: Database): ReadOptions | undefined {
  const snapshot = engineSnapshotOf(options.snapshot, database)
  return snapshot === undefined ? undefined : { snapshot }
}

function writeOptions(options: PrivateOptions): WriteOptions | undefined {
  return options.sync === undefined ? undefined : ({ sync: options.sync } as WriteOptions)
}

/** The engine's open error, with the wording abstract-level users (and its suite) look for when
 *  `createIfMissing` / `errorIfExists` refuse the open; same class and code, engine error as cause. */
function openFailure(error: unknown, location: string): unknown {
  if (!(error instanceof StrataError)) return error
  if (error.code === ErrorCode.NotFound) {
    return new StrataError(
      ErrorCode.NotFound,
      `the database at ${location} does not exist (createIfMissing is false): ${error.message}`,
      { cause: error },
    )
  }
  if (error.code === ErrorCode.Exists) {
    return new StrataError(
      ErrorCode.Exists,
      `the database at ${location} already exists (errorIfExists is true): ${error.message}`,
      { cause: error },
    )
  }
  return error
}

/** An engine value (or its absence) in `format`. */
function outputOf(value: Uint8Array | undefined, valueFormat: Format): Buffer | string | undefined {
  return value === undefined ? undefined : toOutput(value, valueFormat)
}

function notOpen(method: string): LevelError {
  return new LevelError('LEVEL_DATABASE_NOT_OPEN', `the database is not open: cannot call ${method}()`)
}

export class StrataLevel<KDefault = string, VDefault = string> extends AbstractLevel<
  Buffer | Uint8Array | string,
  KDefault,
  VDefault
> {
  private readonly strataLocation: string
  private strataDatabase: Database | undefined
  /** The default key and value encodings (fixed at construction), for `get`'s short path. */
  private readonly strataKeyEncoding: DefaultEncoding<KDefault>
  private readonly strataValueEncoding: DefaultEncoding<VDefault>
  /** Private API calls in progress: `_close()` waits for them before closing the engine. */
  private strataInFlight = 0
  private strataIdle: (() => void) | undefined

  /**
   * A database in the directory `location` (created, with its parents, on open unless
   * `createIfMissing: false`). Opens itself on the next tick, as every abstract-level database:
   * calls made meanwhile wait for the open. Throws `InvalidArgumentError` for a location that is
   * not a non-empty string.
   */
  constructor(location: string, options?: StrataLevelOptions<KDefault, VDefault>) {
    if (typeof location !== 'string' || location === '') {
      throw new InvalidArgumentError(
        `location must be a non-empty string (a directory path), not ${location === '' ? 'an empty string' : typeof location}`,
        { argument: 'location' },
      )
    }
    const manifest = {
      encodings: { buffer: true, utf8: true },
      implicitSnapshots: true,
      explicitSnapshots: true,
      permanence: true,
      seek: true,
      has: true,
      getSync: true,
      createIfMissing: true,
      errorIfExists: true,
      deferredOpen: true,
      signals: { iterators: true },
      additionalMethods: {
        compactRange: true,
        stats: true,
        levels: true,
        approximateSize: true,
        getProperty: true,
      },
      events: Object.fromEntries(DATABASE_EVENT_NAMES.map((name) => [name, true])),
    }
    super(manifest, options as AbstractDatabaseOptions<KDefault, VDefault>)
    this.strataLocation = location
    this.strataKeyEncoding = this.keyEncoding() as unknown as DefaultEncoding<KDefault>
    this.strataValueEncoding = this.valueEncoding() as unknown as DefaultEncoding<VDefault>
  }

  /** The directory given to the constructor. */
  get location(): string {
    return this.strataLocation
  }

  /** Opens the database (abstract-level calls it from the constructor; call it to see an open
   *  failure, or to reopen after `close()`). Options override the constructor's. A failure is
   *  `LEVEL_DATABASE_NOT_OPEN` with the reason as `cause`: `LEVEL_LOCKED` when the directory is
   *  open elsewhere, `LEVEL_CORRUPTION`, `LEVEL_IO_ERROR`, or strata's `STRATA_NOT_FOUND` /
   *  `STRATA_EXISTS` / `STRATA_INVALID_ARGUMENT` / `STRATA_NOT_A_DATABASE` (a non-empty directory
   *  that is not a strata database, left untouched) errors. */
  override open(options?: StrataOpenOptions): Promise<void> {
    return options === undefined ? super.open() : super.open(options)
  }

  // ------------------------------------------------------------------------- open / close

  async _open(options: StrataOpenOptions): Promise<void> {
    try {
      if (options.createIfMissing !== false && options.fs === undefined) {
        await mkdir(this.strataLocation, { recursive: true }).catch((error: unknown) => {
          // A file in the way: the engine says so, in its words.
          if ((error as { code?: unknown }).code === 'EEXIST') return
          throw toIOError(error, 'creating the database directory', this.strataLocation)
        })
      }
      const database = await open(this.strataLocation, engineOptions(options))
      // The engine's events, re-emitted under their own names (none is one of abstract-level's).
      for (const name of DATABASE_EVENT_NAMES) database.on(name, (event) => this.emit(name, event))
      this.strataDatabase = database
    } catch (error) {
      throw toLevelError(openFailure(error, this.strataLocation))
    }
  }

  async _close(): Promise<void> {
    if (this.strataInFlight > 0) await new Promise<void>((resolve) => (this.strataIdle = resolve))
    const database = this.strataDatabase
    try {
      await database?.close()
    } catch (error) {
      throw toLevelError(error)
    }
    this.strataDatabase = undefined
  }

  private strataBegin(): Database {
    const database = this.strataDatabase
    if (database === undefined) throw notOpen('this method')
    this.strataInFlight++
    return database
  }

  /** Runs `work` on the open engine, counted in flight (close waits for it), with engine
   *  errors turned into abstract-level's. */
  private async strataRun<T>(work: (database: Database) => Promise<T>): Promise<T> {
    const database = this.strataBegin()
    try {
      return await work(database)
    } catch (error) {
      throw toLevelError(error)
    } finally {
      this.strataEnd()
    }
  }

  /** Creates what `make` makes on the open engine (`method` names the call when it is not
   *  open), with engine errors turned into abstract-level's. */
  private strataCreate<T>(method: string, make: (database: Database) => T): T {
    const database = this.strataDatabase
    if (database === undefined) throw notOpen(method)
    try {
      return make(database)
    } catch (error) {
      throw toLevelError(error)
    }
  }

  private strataEnd(): void {
    if (--this.strataInFlight === 0 && this.strataIdle !== undefined) {
      const idle = this.strataIdle
      this.strataIdle = undefined
      idle()
    }
  }

  // -------------------------------------------------------------------------------- reads

  /**
   * abstract-level's `get`, with a shorter path for the common call (an open database, no
   * options: default encodings, no snapshot) that settles a read needing no wait for I/O
   * without an async function and an await of its own; any other call is abstract-level's.
   * Same answers and errors: `LEVEL_INVALID_KEY` for a null or undefined key, the key
   * encoding's own error, `LEVEL_DECODE_ERROR` when the value does not decode.
   */
  override get(key: KDefault): Promise<VDefault | undefined>
  override get<K = KDefault, V = VDefault>(key: K, options: AbstractGetOptions<K, V>): Promise<V | undefined>
  override get(key: unknown, options?: AbstractGetOptions<unknown, unknown>): Promise<unknown> {
    const database = this.strataDatabase
    if (options !== undefined || database === undefined || this.status !== 'open') {
      return refusedSnapshot(options) ?? super.get(key, options as AbstractGetOptions<unknown, unknown>)
    }
    try {
      if (key === null || key === undefined) {
        throw new LevelError('LEVEL_INVALID_KEY', 'Key cannot be null or undefined')
      }
      const found = database.getSyncOrPromise(engineKey(this.strataKeyEncoding.encode(key as KDefault)))
      if (!(found instanceof Promise)) return Promise.resolve(this.strataDecode(found))
      return this.strataPending(found, (value) => this.strataDecode(value))
    } catch (error) {
      return Promise.reject(toLevelError(error))
    }
  }

  // A `snapshot` option that is not a snapshot is a typed error (see checkSnapshotOption), in
  // every method of abstract-level that takes one; so are bad iterator options
  // (iterator-options.ts).

  override getMany(keys: KDefault[]): Promise<(VDefault | undefined)[]>
  override getMany<K = KDefault, V = VDefault>(
    keys: K[],
    options: AbstractGetManyOptions<K, V>,
  ): Promise<(V | undefined)[]>
  override getMany(keys: unknown[], options?: AbstractGetManyOptions<unknown, unknown>): Promise<unknown[]> {
    return (
      refusedSnapshot(options) ?? super.getMany(keys, options as AbstractGetManyOptions<unknown, unknown>)
    )
  }

  override has(key: KDefault): Promise<boolean>
  override has<K = KDefault>(key: K, options: AbstractHasOptions<K>): Promise<boolean>
  override has(key: unknown, options?: AbstractHasOptions<unknown>): Promise<boolean> {
    return refusedSnapshot(options) ?? super.has(key, options as AbstractHasOptions<unknown>)
  }

  override hasMany(keys: KDefault[]): Promise<boolean[]>
  override hasMany<K = KDefault>(keys: K[], options: AbstractHasManyOptions<K>): Promise<boolean[]>
  override hasMany(keys: unknown[], options?: AbstractHasManyOptions<unknown>): Promise<boolean[]> {
    return refusedSnapshot(options) ?? super.hasMany(keys, options as AbstractHasManyOptions<unknown>)
  }

  override clear(): Promise<void>
  override clear<K = KDefault>(options: AbstractClearOptions<K>): Promise<void>
  override clear(options?: AbstractClearOptions<unknown>): Promise<void> {
    return refusedIteratorOptions(options) ?? super.clear(options as AbstractClearOptions<unknown>)
  }

  override iterator(): AbstractIterator<typeof this, KDefault, VDefault>
  override iterator<K = KDefault, V = VDefault>(
    options: AbstractIteratorOptions<K, V>,
  ): AbstractIterator<typeof this, K, V>
  override iterator(
    options?: AbstractIteratorOptions<unknown, unknown>,
  ): AbstractIterator<typeof this, unknown, unknown> {
    checkIteratorOptions(options)
    return super.iterator(options as AbstractIteratorOptions<unknown, unknown>)
  }

  override keys(): AbstractKeyIterator<typeof this, KDefault>
  override keys<K = KDefault>(options: AbstractKeyIteratorOptions<K>): AbstractKeyIterator<typeof this, K>
  override keys(options?: AbstractKeyIteratorOptions<unknown>): AbstractKeyIterator<typeof this, unknown> {
    checkIteratorOptions(options)
    return super.keys(options as AbstractKeyIteratorOptions<unknown>)
  }

  override values(): AbstractValueIterator<typeof this, KDefault, VDefault>
  override values<K = KDefault, V = VDefault>(
    options: AbstractValueIteratorOptions<K, V>,
  ): AbstractValueIterator<typeof this, K, V>
  override values(
    options?: AbstractValueIteratorOptions<unknown, unknown>,
  ): AbstractValueIterator<typeof this, unknown, unknown> {
    checkIteratorOptions(options)
    return super.values(options as AbstractValueIteratorOptions<unknown, unknown>)
  }

  /** An engine value as `get` returns it in the default value encoding. */
  private strataDecode(value: Uint8Array | undefined): VDefault | undefined {
    if (value === undefined) return undefined
    const values = this.strataValueEncoding
    const output = toOutput(value, format(values.format))
    try {
      return values.decode(output)
    } catch (error) {
      throw new LevelError('LEVEL_DECODE_ERROR', 'Could not decode value', { cause: error })
    }
  }

  /** Answers directly when the engine needs no wait for I/O (abstract-level awaits whatever it
   *  gets), so a cached read costs no promise of its own; else a promise, counted in flight. */
  _get(
    key: KeyData,
    options: PrivateOptions,
  ): Buffer | string | undefined | Promise<Buffer | string | undefined> {
    try {
      const database = this.strataDatabase
      if (database === undefined) throw notOpen('this method')
      const found = database.getSyncOrPromise(engineKey(key), readOptions(options, database))
      const valueFormat = format(options.valueEncoding)
      if (!(found instanceof Promise)) return outputOf(found, valueFormat)
      return this.strataPending(found, (value) => outputOf(value, valueFormat))
    } catch (error) {
      return Promise.reject(toLevelError(error))
    }
  }

  /** An engine read that waits for I/O, as abstract-level gets it: counted in flight (`close`
   *  waits for it), its value mapped by `map`, engine errors turned into abstract-level's. */
  private strataPending<T>(
    found: Promise<Uint8Array | undefined>,
    map: (value: Uint8Array | undefined) => T,
  ): Promise<T> {
    this.strataBegin()
    return found
      .then(map, (error: unknown) => {
        throw toLevelError(error)
      })
      .finally(() => this.strataEnd())
  }

  _getSync(key: KeyData, options: PrivateOptions): Buffer | string | undefined {
    return this.strataCreate('getSync', (database) => {
      return outputOf(
        database.getSync(engineKey(key), readOptions(options, database)),
        format(options.valueEncoding),
      )
    })
  }

  async _getMany(keys: KeyData[], options: PrivateOptions): Promise<(Buffer | string | undefined)[]> {
    return this.strataRun(async (database) => {
      const values = await database.getMany(keys.map(engineKey), readOptions(options, database))
      const valueFormat = format(options.valueEncoding)
      return values.map((value) => outputOf(value, valueFormat))
    })
  }

  async _has(key: KeyData, options: PrivateOptions): Promise<boolean> {
    return this.strataRun((database) => database.has(engineKey(key), readOptions(options, database)))
  }

  /** All keys are looked up at one snapshot (the engine's `getMany`). */
  async _hasMany(keys: KeyData[], options: PrivateOptions): Promise<boolean[]> {
    return this.strataRun(async (database) => {
      const values = await database.getMany(keys.map(engineKey), readOptions(options, database))
      return values.map((value) => value !== undefined)
    })
  }

  _iterator(options: PrivateIteratorOptions): AbstractIterator<typeof this, KDefault, VDefault> {
    return this.strataCreate('iterator', (database) => new StrataIterator(this, database, options) as never)
  }

  _keys(options: PrivateIteratorOptions): AbstractKeyIterator<typeof this, KDefault> {
    return this.strataCreate('keys', (database) => new StrataKeyIterator(this, database, options) as never)
  }

  _values(options: PrivateIteratorOptions): AbstractValueIterator<typeof this, KDefault, VDefault> {
    return this.strataCreate(
      'values',
      (database) => new StrataValueIterator(this, database, options) as never,
    )
  }

  _snapshot(options: object): StrataSnapshot {
    return this.strataCreate('snapshot', (database) => new StrataSnapshot(options, database))
  }

  // ------------------------------------------------------------------------------- writes

  async _put(key: KeyData, value: KeyData, options: PrivateOptions): Promise<void> {
    return this.strataRun((database) =>
      database.put(engineKey(key), engineData(value), writeOptions(options)),
    )
  }

  async _del(key: KeyData, options: PrivateOptions): Promise<void> {
    return this.strataRun((database) => database.delete(engineKey(key), writeOptions(options)))
  }

  /** A chained batch that copies each operation's bytes as it is added (chained-batch.ts). */
  _chainedBatch(): CopyingChainedBatch {
    return new CopyingChainedBatch(this as never)
  }

  /** One engine batch: all operations or none, also across a crash. The operations are
   *  abstract-level's private copies (already encoded): their keys are mapped in place. */
  async _batch(operations: PrivateOperation[], options: PrivateOptions): Promise<void> {
    return this.strataRun((database) => {
      for (const operation of operations) operation.key = toStoredKey(operation.key)
      return database.batch(operations as BatchOperation<Uint8Array, Uint8Array>[], writeOptions(options))
    })
  }

  /**
   * Deletes the keys in range (at most `limit`, from the end when `reverse`), read at the given
   * snapshot or at an implicit one taken now: writes made after the call are never deleted.
   * Not atomic: deletes go in batches of `CLEAR_BATCH` keys.
   */
  async _clear(options: PrivateIteratorOptions): Promise<void> {
    const database = this.strataBegin()
    let iterator: ReturnType<Database['iterator']> | undefined
    try {
      // Without a limit or a snapshot: one range tombstone, atomic and independent of how many
      // keys the range holds. A range that holds no key has nothing to clear.
      if (!(options.limit >= 0) && options.snapshot === undefined) {
        const range = storedRange(options)
        if (!holdsNoKey(range)) await database.deleteRange(range)
        return
      }
      iterator = database.iterator({
        ...storedRange(options),
        reverse: options.reverse === true,
        values: false,
        snapshot: engineSnapshotOf(options.snapshot, database),
      })
      let remaining = options.limit >= 0 ? options.limit : Number.POSITIVE_INFINITY
      while (remaining > 0) {
        const keys: { type: 'del'; key: Buffer }[] = []
        while (keys.length < CLEAR_BATCH && remaining > 0) {
          const entry = await iterator.next()
          if (entry === undefined) break
          keys.push({ type: 'del', key: Buffer.from(entry[0]) })
          remaining--
        }
        if (keys.length === 0) break
        await database.batch(keys)
        if (keys.length < CLEAR_BATCH) break
      }
    } catch (error) {
      throw toLevelError(error)
    } finally {
      await iterator?.close()
      this.strataEnd()
    }
  }

  // ------------------------------------------------------------------- additional methods

  /**
   * Compacts the keys in [start, end] down to the bottom level, dropping overwritten versions
   * and tombstones no snapshot can see (reclaims space after mass deletes). Both bounds are
   * required, as on classic-level (`LEVEL_INVALID_KEY` when missing); they are encoded with `options.keyEncoding` (default: the
   * database's). Flushes the memtable first. Waits for the open if it is in progress.
   */
  async compactRange(start: KDefault, end: KDefault, options?: { keyEncoding?: string }): Promise<void> {
    checkBothBounds('compactRange', start, end)
    if (this.status === 'opening') return this.deferAsync(() => this.compactRange(start, end, options))
    if (this.status !== 'open') throw notOpen('compactRange')
    const [startKey, endKey] = this.strataStoredBounds(start, end, options?.keyEncoding)
    const database = this.strataBegin()
    try {
      await database.compactRange(startKey, endKey)
    } catch (error) {
      throw toLevelError(error)
    } finally {
      this.strataEnd()
    }
  }

  /**
   * Estimates the bytes the keys in [start, end) occupy on disk and in memory (classic-level's
   * `approximateSize`; strata counts the memtables too). Both bounds are required, encoded with
   * `options.keyEncoding` (default: the database's). Waits for the open if it is in progress.
   */
  async approximateSize(start: KDefault, end: KDefault, options?: { keyEncoding?: string }): Promise<number> {
    checkBothBounds('approximateSize', start, end)
    if (this.status === 'opening') return this.deferAsync(() => this.approximateSize(start, end, options))
    if (this.status !== 'open') throw notOpen('approximateSize')
    const [startKey, endKey] = this.strataStoredBounds(start, end, options?.keyEncoding)
    return this.strataCreate(
      'approximateSize',
      (database) => database.approximateSize(startKey, endKey).bytes,
    )
  }

  /** `start` and `end` encoded with `keyEncodingName` (default: the database's) as stored keys. */
  private strataStoredBounds(
    start: KDefault,
    end: KDefault,
    keyEncodingName: string | undefined,
  ): [Uint8Array, Uint8Array] {
    // Every encoding here encodes to one of the two formats: a Buffer or a string.
    const keyEncoding = this.keyEncoding(keyEncodingName as 'utf8') as unknown as {
      encode(key: KDefault): KeyData
    }
    return [toStoredBound(keyEncoding.encode(start)), toStoredBound(keyEncoding.encode(end))]
  }

  /** classic-level's `getProperty`: `leveldb.stats`, `leveldb.num-files-at-level<N>`,
   *  `leveldb.sstables`, `leveldb.approximate-memory-usage` (properties.ts). Synchronous; throws
   *  `LEVEL_DATABASE_NOT_OPEN` unless open, `LEVEL_INVALID_VALUE` for another name. */
  getProperty(name: string): string {
    const database = this.strataDatabase
    if (this.status !== 'open' || database === undefined) throw notOpen('getProperty')
    return propertyOf(name, database.stats())
  }

  /** The engine's statistics (files and bytes per level, cache, write amplification...; see
   *  @strata/engine). Synchronous; throws `LEVEL_DATABASE_NOT_OPEN` unless open. */
  stats(): DatabaseStats {
    const database = this.strataDatabase
    if (this.status !== 'open' || database === undefined) throw notOpen('stats')
    return database.stats()
  }

  // The engine's events, typed per name, beside abstract-level's own (EventEmitter's methods).

  override on<Name extends DatabaseEventName>(name: Name, listener: DatabaseEventListener<Name>): this
  override on(name: string | symbol, listener: EmitterListener): this
  override on(name: string | symbol, listener: EmitterListener): this {
    return super.on(name, listener)
  }

  override once<Name extends DatabaseEventName>(name: Name, listener: DatabaseEventListener<Name>): this
  override once(name: string | symbol, listener: EmitterListener): this
  override once(name: string | symbol, listener: EmitterListener): this {
    return super.once(name, listener)
  }

  override off<Name extends DatabaseEventName>(name: Name, listener: DatabaseEventListener<Name>): this
  override off(name: string | symbol, listener: EmitterListener): this
  override off(name: string | symbol, listener: EmitterListener): this {
    return super.off(name, listener)
  }

  /** The engine's tables, level by level (keys as hex of the stored bytes); see @strata/engine.
   *  Synchronous; throws `LEVEL_DATABASE_NOT_OPEN` unless open. */
  levels(): LevelView[] {
    const database = this.strataDatabase
    if (this.status !== 'open' || database === undefined) throw notOpen('levels')
    return database.levels()
  }
}

/** classic-level's range methods take both bounds: `LEVEL_INVALID_KEY` when one is missing. */
function checkBothBounds(method: string, start: unknown, end: unknown): void {
  if (start === undefined || start === null || end === undefined || end === null) {
    throw new LevelError(
      'LEVEL_INVALID_KEY',
      `${method}(start, end) needs both bounds; start and end must not be null or undefined`,
    )
  }
}
