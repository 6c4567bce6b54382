/**
 * Iterators: abstract-level's entry, key and value iterators over one engine iterator (a merged
 * walk of the memtables and tables at one snapshot, taken synchronously when the iterator is
 * created). After the first entry, entries are read ahead in batches (at most `READAHEAD`, never
 * past `limit`) so a `next()` loop costs one engine call per batch, not per entry; `seek()`
 * drops what was read ahead. Keys and values are copied out of the engine's memory (or decoded
 * to strings, for the 'utf8' format).
 */
import { inRange } from '@strata/base'
import type { Database, DatabaseIterator } from '@strata/engine'
import { AbstractIterator, AbstractKeyIterator, AbstractValueIterator } from 'abstract-level'
import { AbortError, toLevelError } from './errors.js'
import {
  type Format,
  fromStoredKey,
  type KeyData,
  type Range,
  storedRange,
  toOutput,
  toStoredBound,
} from './keys.js'
import { engineSnapshotOf } from './snapshot.js'

/** Entries read ahead per engine call once a caller has asked for more than one. */
export const READAHEAD = 1000

/** What abstract-level passes to `_iterator()`, `_keys()` and `_values()` (encoded bounds). */
export interface PrivateIteratorOptions extends Range {
  /** The format of keys (and of range bounds and seek targets): 'buffer' or 'utf8'. */
  keyEncoding: Format
  /** The format of values. */
  valueEncoding: Format
  reverse: boolean
  /** -1 for no limit. */
  limit: number
  keys?: boolean
  values?: boolean
  signal?: AbortSignal | null
  snapshot?: unknown
}

type Bytes = Uint8Array
type Shape = 'entries' | 'keys' | 'values'
type Output = Buffer | string
type Item = [Output | undefined, Output | undefined] | Output

/** The engine iterator for abstract-level's `options`; created synchronously, so it reads the
 *  database as it is at this call (the implicit snapshot). */
function openEngineIterator(
  database: Database,
  options: PrivateIteratorOptions,
  range: Range<Uint8Array>,
  keys: boolean,
  values: boolean,
): DatabaseIterator<Bytes, Bytes> {
  const reverse = options.reverse === true
  return database.iterator({
    ...range,
    reverse,
    keys,
    values,
    snapshot: engineSnapshotOf(options.snapshot, database),
  })
}

/** The reading shared by the three iterator kinds. */
class Cursor {
  /** `undefined` when it could not be created: `failure` says why, and every read throws it. */
  private readonly iterator: DatabaseIterator<Bytes, Bytes> | undefined
  private readonly failure: unknown
  private readonly shape: Shape
  private readonly wantKeys: boolean
  private readonly wantValues: boolean
  private readonly signal: AbortSignal | undefined
  private readonly limit: number
  /** The iterator's range, in stored form: seek targets outside it end the iterator. */
  private readonly range: Range<Uint8Array>
  private readonly keyFormat: Format
  private readonly valueFormat: Format
  /** Set by a seek outside the range: reads find nothing until the next seek. */
  private outOfRange = false
  /** Items handed to abstract-level so far (it stops asking at `limit`). */
  private yielded = 0
  private cache: Item[] = []
  private position = 0
  /** True until the first read after creation or a seek: that read fetches one entry. */
  private fresh = true

  constructor(database: Database, options: PrivateIteratorOptions, shape: Shape) {
    this.shape = shape
    this.wantKeys = shape === 'keys' || (shape === 'entries' && options.keys !== false)
    this.wantValues = shape === 'values' || (shape === 'entries' && options.values !== false)
    this.keyFormat = options.keyEncoding === 'utf8' ? 'utf8' : 'buffer'
    this.valueFormat = options.valueEncoding === 'utf8' ? 'utf8' : 'buffer'
    this.signal = options.signal ?? undefined
    this.limit = options.limit >= 0 ? options.limit : Number.POSITIVE_INFINITY
    // abstract-level has already registered the iterator with the database (which closes it on
    // close), so a failure here (a closed snapshot, say) must not leave it half-built: it is
    // reported by the first read instead, as abstract-level's own checks are.
    this.range = storedRange(options)
    let iterator: DatabaseIterator<Bytes, Bytes> | undefined
    let failure: unknown
    try {
      iterator = openEngineIterator(database, options, this.range, this.wantKeys, this.wantValues)
    } catch (error) {
      failure = toLevelError(error, 'iterator')
    }
    this.iterator = iterator
    this.failure = failure
  }

  /** The next item: synchronously from what was read ahead, else a promise for the next read.
   *  (abstract-level awaits the answer either way.) */
  next(): Item | undefined | Promise<Item | undefined> {
    if (this.position < this.cache.length) {
      this.yielded++
      return this.cache[this.position++]
    }
    return this.refill()
  }

  private async refill(): Promise<Item | undefined> {
    const size = this.fresh ? 1 : Math.min(READAHEAD, this.limit - this.yielded)
    this.fresh = false
    this.cache = await this.read(size)
    this.position = 0
    if (this.cache.length === 0) return undefined
    this.yielded++
    return this.cache[this.position++]
  }

  async nextv(size: number): Promise<Item[]> {
    this.fresh = false
    let items: Item[]
    if (this.position < this.cache.length) {
      items = this.cache.slice(this.position, this.position + size)
      this.position += items.length
    } else {
      items = await this.read(size)
    }
    this.yielded += items.length
    return items
  }

  async all(): Promise<Item[]> {
    const items = this.cache.slice(this.position)
    this.cache = []
    this.position = 0
    const rest = await this.read(this.limit - this.yielded - items.length)
    for (const item of rest) items.push(item)
    this.yielded += items.length
    return items
  }

  /** As abstract-level specifies (and classic-level does): the first key >= target (<= target
   *  when reverse); a target outside the range ends the iterator, rather than moving to the
   *  range's edge. */
  seek(target: KeyData): void {
    this.cache = []
    this.position = 0
    this.fresh = true
    const stored = toStoredBound(target)
    this.outOfRange = !inRange(stored, this.range)
    if (!this.outOfRange) this.iterator?.seek(stored)
  }

  async close(): Promise<void> {
    this.cache = []
    this.position = 0
    await this.iterator?.close()
  }

  /** Up to `size` items from the engine (fewer at the end). */
  private async read(size: number): Promise<Item[]> {
    const items: Item[] = []
    const { iterator, signal } = this
    if (iterator === undefined) throw this.failure
    if (this.outOfRange) return items
    try {
      // The engine gathers entries whose blocks are in memory without a promise each; a large
      // request is cut into slices so an abort is noticed between them.
      while (items.length < size) {
        const entries = await iterator.nextv(Math.min(size - items.length, READAHEAD))
        if (signal?.aborted) throw new AbortError(signal.reason)
        for (const entry of entries) items.push(this.item(entry))
        if (entries.length === 0) break
      }
    } catch (error) {
      throw toLevelError(error, 'iterator')
    }
    return items
  }

  /** The item for an engine entry, in the iterator's formats, never a view of the engine's
   *  memory (see `toOutput`). The entry array is the engine's own, fresh per entry: reused. */
  private item(entry: [Bytes, Bytes]): Item {
    if (this.shape === 'keys') return fromStoredKey(entry[0], this.keyFormat)
    if (this.shape === 'values') return toOutput(entry[1], this.valueFormat)
    const item = entry as unknown as [Output | undefined, Output | undefined]
    item[0] = this.wantKeys ? fromStoredKey(entry[0], this.keyFormat) : undefined
    item[1] = this.wantValues ? toOutput(entry[1], this.valueFormat) : undefined
    return item
  }
}

/** Casts abstract-level's typed options for its constructors (the private API's options are
 *  not in its typings). */
function asPublic<T>(options: PrivateIteratorOptions): T {
  return options as unknown as T
}

/** `db.iterator()`: entries `[key, value]`. */
export class StrataIterator<TDatabase, K, V> extends AbstractIterator<TDatabase, K, V> {
  private readonly cursor: Cursor

  /** @internal created by `StrataLevel._iterator()` */
  constructor(db: TDatabase, database: Database, options: PrivateIteratorOptions) {
    super(db, asPublic(options))
    this.cursor = new Cursor(database, options, 'entries')
  }

  _next(): Item | undefined | Promise<Item | undefined> {
    return this.cursor.next()
  }

  async _nextv(size: number): Promise<Item[]> {
    return this.cursor.nextv(size)
  }

  async _all(): Promise<Item[]> {
    return this.cursor.all()
  }

  _seek(target: KeyData): void {
    this.cursor.seek(target)
  }

  async _close(): Promise<void> {
    await this.cursor.close()
  }
}

/** `db.keys()`: keys only (values are not decoded or copied). */
export class StrataKeyIterator<TDatabase, K> extends AbstractKeyIterator<TDatabase, K> {
  private readonly cursor: Cursor

  /** @internal created by `StrataLevel._keys()` */
  constructor(db: TDatabase, database: Database, options: PrivateIteratorOptions) {
    super(db, asPublic(options))
    this.cursor = new Cursor(database, options, 'keys')
  }

  _next(): Item | undefined | Promise<Item | undefined> {
    return this.cursor.next()
  }

  async _nextv(size: number): Promise<Item[]> {
    return this.cursor.nextv(size)
  }

  async _all(): Promise<Item[]> {
    return this.cursor.all()
  }

  _seek(target: KeyData): void {
    this.cursor.seek(target)
  }

  async _close(): Promise<void> {
    await this.cursor.close()
  }
}

/** `db.values()`: values only (keys are not copied). */
export class StrataValueIterator<TDatabase, K, V> extends AbstractValueIterator<TDatabase, K, V> {
  private readonly cursor: Cursor

  /** @internal created by `StrataLevel._values()` */
  constructor(db: TDatabase, database: Database, options: PrivateIteratorOptions) {
    super(db, asPublic(options))
    this.cursor = new Cursor(database, options, 'values')
  }

  _next(): Item | undefined | Promise<Item | undefined> {
    return this.cursor.next()
  }

  async _nextv(size: number): Promise<Item[]> {
    return this.cursor.nextv(size)
  }

  async _all(): Promise<Item[]> {
    return this.cursor.all()
  }

  _seek(target: KeyData): void {
    this.cursor.seek(target)
  }

  async _close(): Promise<void> {
    await this.cursor.close()
  }
}
