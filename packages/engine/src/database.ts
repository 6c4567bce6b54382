/**
 * The database: the write path (WAL group commit, then memtable), the read path (memtable →
 * frozen memtables → level 0 newest first → deeper levels), flush (frozen memtable → level-0
 * table → manifest edit → WAL truncation), open and recovery.
 */
import {
  ClosedError,
  CorruptionError,
  compareBytes,
  ErrorCode,
  type FileSystem,
  type InternalEntry,
  InvalidArgumentError,
  type KeyRange,
  MAX_SEQ,
  OpType,
  ReadOnlyError,
  StrataError,
  toIOError,
} from '@strata/base'
import { Memtable } from '@strata/memtable'
import { BlockCache, FilterHashes, type ReadTimer, TableBuilder, type TableMeta } from '@strata/sstable'
import { WALEntry, WALManager } from '@strata/wal'
import { type BatchOperation, ChainedBatch, checkOperations, type WriteOptions } from './batch.js'
import type { KeySpan } from './compaction-merge.js'
import {
  type CompactionPlan,
  keyRange,
  maxGrandparentOverlapBytes,
  pickCompaction,
  planRangeCompaction,
} from './compaction-picker.js'
import { type MergeRunner, mergeRunnerFor } from './compaction-runner.js'
import { type Decoded, type Encoding, type ResolvedEncoding, resolveEncoding } from './encoding.js'
import { CURRENT_FILE, parseFileName, pathIn, tableFileName, WAL_FILE } from './filenames.js'
import { DatabaseIterator, type IteratorOptions } from './iterator.js'
import { LevelSource } from './level-source.js'
import { DirectoryLock } from './lock.js'
import { EMPTY_STATE, Manifest } from './manifest.js'
import { type EntrySource, MergeIterator } from './merge-iterator.js'
import {
  type EncodedOpenOptions,
  MAX_KEY_BYTES,
  MAX_VALUE_BYTES,
  type OpenOptions,
  type ResolvedOptions,
  resolveOptions,
} from './options.js'
import { type ReadMode, ReadModeGovernor } from './read-mode.js'
import { type Snapshot, SnapshotList } from './snapshot.js'
import { TableSet, type VersionHandle } from './table-set.js'
import { NUM_LEVELS, type TableFileMeta, type Version, type VersionEdit } from './version.js'

/** How long one `getMany` may read synchronously (see `readMode`) before its remaining keys go
 *  to the thread pool. */
const GET_MANY_SYNC_MS = 1

export interface ReadOptions {
  /** Read at this snapshot instead of the latest acknowledged write. */
  snapshot?: Snapshot
}

/** Manifests are rewritten from a snapshot once they grow past this. */
const MANIFEST_REWRITE_BYTES = 4 * 1024 * 1024
/** Flush yields to the event loop after this many entries. */
const FLUSH_YIELD_ENTRIES = 1024

interface PendingWrite {
  lastSeq: number
  done: boolean
  error: unknown
  resolve: () => void
  reject: (error: unknown) => void
}

interface Waiter {
  seq: number
  resolve: () => void
  reject: (error: unknown) => void
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}

function toFileMeta(fileNumber: number, meta: TableMeta): TableFileMeta {
  return {
    fileNumber,
    fileSize: meta.fileSize,
    smallestKey: meta.smallestKey,
    largestKey: meta.largestKey,
    minSeq: meta.minSeq,
    maxSeq: meta.maxSeq,
    entryCount: meta.entryCount,
    tombstoneCount: meta.tombstoneCount,
    rawKeyBytes: meta.rawKeyBytes,
    rawValueBytes: meta.rawValueBytes,
  }
}

function keyWithin(file: TableFileMeta, key: Uint8Array): boolean {
  return compareBytes(file.smallestKey, key) <= 0 && compareBytes(key, file.largestKey) <= 0
}

/**
 * Live data in the tables, estimated without reading them: walking from the bottom level up, a
 * table counts in full unless a deeper table's key range overlaps it, in which case only the
 * part of it that the deeper levels do not already account for (its size minus the overlapped
 * deeper bytes, at least 0) counts. Exact when every key lives in one level; an estimate when
 * upper levels hold overwrites of deeper keys. */
export function estimateLiveBytes(version: Version): number {
  let live = 0
  for (let level = version.levels.length - 1; level >= 0; level--) {
    for (const file of version.levels[level] ?? []) {
      let deeper = 0
      for (let below = level + 1; below < version.levels.length; below++) {
        for (const other of version.overlapping(below, file.smallestKey, file.largestKey))
          deeper += other.fileSize
      }
      live += deeper === 0 ? file.fileSize : Math.max(0, file.fileSize - deeper)
    }
  }
  return live
}

export type DatabaseStatus = 'opening' | 'open' | 'closing' | 'closed'

export interface LevelStats {
  level: number
  files: number
  bytes: number
}

/** A plain JSON object describing the database (see the README for each field). */
export interface DatabaseStats {
  directory: string
  status: DatabaseStatus
  levels: LevelStats[]
  tableFiles: number
  tableBytes: number
  memtableBytes: number
  frozenMemtables: number
  frozenMemtableBytes: number
  lastSeq: number
  flushedSeq: number
  walBytes: number
  manifestBytes: number
  flushes: number
  snapshots: number
  openIterators: number
  /** Block cache: hits, misses, bytes; and of the point reads that missed, how many cached
   *  their block (a second miss while the doorkeeper remembered the first) or did not. */
  cache: {
    hits: number
    misses: number
    usedBytes: number
    capacityBytes: number
    pointReadsAdmitted: number
    pointReadsNotAdmitted: number
  }
  /** How point reads read uncached blocks (see the `readMode` option): synchronous reads done,
   *  how many took longer than 0.2 ms, and how often `auto` fell back to the thread pool. */
  reads: { mode: ReadMode; syncReads: number; slowSyncReads: number; switchesToAsync: number }
  /** Key + value bytes the user asked to write. */
  userBytesWritten: number
  /** Bytes written to disk: WAL frames + table files (flush and compaction). */
  diskBytesWritten: number
  walBytesWritten: number
  flushBytesWritten: number
  /** diskBytesWritten / userBytesWritten (0 before any write). */
  writeAmplification: number
  stalls: { count: number; totalMs: number }
  compaction: {
    running: boolean
    compactions: number
    trivialMoves: number
    /** Compactions run, by the level they read from. */
    byLevel: number[]
    bytesRead: number
    bytesWritten: number
    droppedVersions: number
    droppedTombstones: number
    totalMs: number
    /** Where merges run: a worker thread, or the main thread (in slices) and why. */
    thread: 'worker' | 'main'
    threadReason: string | undefined
  }
  /** Estimated bytes of live data in tables (see `estimateLiveBytes`). */
  estimatedLiveBytes: number
  /** tableBytes / estimatedLiveBytes (0 when empty). */
  spaceAmplification: number
  readOnlyReason: string | undefined
}

export class Database<K = Uint8Array, V = Uint8Array> {
  readonly directory: string
  private readonly options: ResolvedOptions
  private readonly fs: FileSystem
  private readonly keyEncoding: ResolvedEncoding<K>
  private readonly valueEncoding: ResolvedEncoding<V>
  private statusValue: DatabaseStatus = 'opening'

  private lock!: DirectoryLock
  private manifest!: Manifest
  private wal!: WALManager
  private tables!: TableSet
  private readonly cache: BlockCache
  private readonly readModes: ReadModeGovernor
  /** Filter hashes of the key being looked up, shared by the tables one point read consults. */
  private readonly filterHashes = new FilterHashes()
  private readonly snapshots = new SnapshotList()
  private readonly iterators = new Set<DatabaseIterator<K, V>>()

  private memtable = new Memtable()
  /** Frozen memtables waiting for their flush, oldest first. */
  private frozen: Memtable[] = []
  private lastSeq = 0
  private visibleSeq = 0
  private flushedSeq = 0
  private nextFileNumber = 1

  /** WAL size when last looked at (for `walBytesWritten`). */
  private walSizeSeen = 0
  private pending: PendingWrite[] = []
  private pendingHead = 0
  private visibilityWaiters: Waiter[] = []
  private roomWaiters: (() => void)[] = []

  private flushing: Promise<void> | undefined
  /** The WAL truncations asked for so far, one after another. */
  private walTruncation: Promise<void> = Promise.resolve()
  private manifestQueue: Promise<unknown> = Promise.resolve()
  private readOnlyError: StrataError | undefined

  private readonly mergeRunner: MergeRunner
  private compacting: Promise<void> | undefined
  /** Per level, the largest key of its last compaction: the next one starts after it. */
  private readonly compactPointers: (Uint8Array | undefined)[] = []
  /** Files in a running compaction (its plan's inputs). */
  private readonly compactingFiles = new Set<number>()
  private compactionWaiters: (() => void)[] = []
  /** `compactRange` calls in progress: while any runs, background compactions wait. */
  private manualCompactions = 0

  private counters = {
    compactions: 0,
    trivialMoves: 0,
    compactionBytesRead: 0,
    compactionBytesWritten: 0,
    compactionMs: 0,
    compactionsByLevel: Array.from({ length: NUM_LEVELS }, () => 0),
    droppedVersions: 0,
    droppedTombstones: 0,
    flushes: 0,
    userBytesWritten: 0,
    walBytesWritten: 0,
    flushBytesWritten: 0,
    stalls: 0,
    stallMs: 0,
  }

  private constructor(
    directory: string,
    options: ResolvedOptions,
    keyEncoding: ResolvedEncoding<K>,
    valueEncoding: ResolvedEncoding<V>,
  ) {
    this.directory = directory
    this.options = options
    this.fs = options.fs
    this.keyEncoding = keyEncoding
    this.valueEncoding = valueEncoding
    this.cache = new BlockCache(options.blockCacheBytes)
    this.readModes = new ReadModeGovernor(options.readMode)
    this.mergeRunner = mergeRunnerFor(options.fs)
  }

  /** Opens (and by default creates) the database in `directory`. Rejects with
   *  `STRATA_LOCKED` if it is open elsewhere, `STRATA_CORRUPTION` if its files are damaged,
   *  `STRATA_INVALID_ARGUMENT` for bad options. */
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
    const database = new Database<K, V>(
      directory,
      resolved,
      resolveEncoding(options?.keyEncoding, 'keyEncoding'),
      resolveEncoding(options?.valueEncoding, 'valueEncoding'),
    )
    await database.recover()
    return database
  }

  get status(): DatabaseStatus {
    return this.statusValue
  }

  // ---------------------------------------------------------------------------------- open

  private async recover(): Promise<void> {
    const { fs, directory, options } = this
    const exists = fs.statSync(directory)
    if (exists === undefined) {
      if (!options.createIfMissing) {
        throw new StrataError(
          ErrorCode.NotFound,
          `${directory} does not exist; pass createIfMissing: true to create a database there`,
        )
      }
      try {
        fs.mkdirSync(directory)
      } catch (error) {
        throw toIOError(error, 'creating the database directory', directory)
      }
    } else if (!exists.isDirectory) {
      throw new InvalidArgumentError(`${directory} is a file, not a directory`, { argument: 'directory' })
    }
    this.lock = DirectoryLock.acquire(fs, directory)
    try {
      await this.recoverLocked()
    } catch (error) {
      await this.wal?.close().catch(() => {})
      await this.manifest?.close().catch(() => {})
      await this.tables?.closeAll().catch(() => {})
      this.lock.release()
      this.statusValue = 'closed'
      throw error
    }
    this.statusValue = 'open'
    this.scheduleFlush()
    this.scheduleCompaction()
  }

  private async recoverLocked(): Promise<void> {
    const { fs, directory, options } = this
    const hasCurrent = fs.statSync(pathIn(directory, CURRENT_FILE)) !== undefined
    if (hasCurrent && options.errorIfExists) {
      throw new StrataError(ErrorCode.Exists, `${directory} already holds a database (errorIfExists is set)`)
    }
    if (!hasCurrent && !options.createIfMissing) {
      throw new StrataError(
        ErrorCode.NotFound,
        `${directory} holds no database (no CURRENT file); pass createIfMissing: true to create one`,
      )
    }
    this.manifest = hasCurrent
      ? await Manifest.recover(fs, directory, MANIFEST_REWRITE_BYTES)
      : await Manifest.create(fs, directory, EMPTY_STATE, MANIFEST_REWRITE_BYTES)
    const state = this.manifest.current
    this.flushedSeq = state.flushedSeq
    this.lastSeq = state.lastSeq
    this.nextFileNumber = state.nextFileNumber

    this.tables = new TableSet(directory, state.version, this.cache, fs)
    for (const { table } of state.version.files()) {
      if (fs.statSync(pathIn(directory, tableFileName(table.fileNumber))) === undefined) {
        throw new CorruptionError({
          file: pathIn(directory, tableFileName(table.fileNumber)),
          offset: 0,
          reason: 'the manifest lists this table but the file is missing',
        })
      }
    }
    await this.tables.openTables(state.version)
    await this.removeOrphans()

    this.wal = WALManager.open(pathIn(directory, WAL_FILE), { fs, recovery: options.walRecovery })
    const entries = this.wal.replay()
    for (const entry of entries) {
      if (entry.seq <= this.flushedSeq) continue
      if (entry.op === OpType.Delete) this.memtable.delete(entry.key, entry.seq)
      else this.memtable.put(entry.key, entry.value as Uint8Array, entry.seq)
      if (entry.seq > this.lastSeq) this.lastSeq = entry.seq
      if (this.memtable.approximateBytes >= options.memtableBytes) this.freezeMemtable()
    }
    this.visibleSeq = this.lastSeq
    this.walSizeSeen = this.wal.sizeBytes
  }

  /** Deletes files no manifest references: tables from a flush or compaction that crashed before
   *  its manifest edit, old manifests, temporary files. */
  private async removeOrphans(): Promise<void> {
    const live = new Set<number>()
    for (const { table } of this.manifest.current.version.files()) live.add(table.fileNumber)
    for (const name of await this.fs.readdir(this.directory)) {
      const parsed = parseFileName(name)
      const orphan =
        (parsed.kind === 'table' && !live.has(parsed.fileNumber)) ||
        (parsed.kind === 'manifest' && parsed.fileNumber !== this.manifest.fileNumber) ||
        parsed.kind === 'temporary'
      if (orphan) await this.fs.unlink(pathIn(this.directory, name)).catch(() => {})
    }
  }

  // --------------------------------------------------------------------------------- checks

  private checkOpen(): void {
    if (this.statusValue !== 'open') throw new ClosedError(`the database at ${this.directory}`)
  }

  private checkWritable(): void {
    this.checkOpen()
    if (this.readOnlyError !== undefined) {
      throw new ReadOnlyError(
        `the database at ${this.directory} is read-only after an I/O failure (${this.readOnlyError.message}); ` +
          'reads still work; close and reopen it once the cause is fixed',
        { cause: this.readOnlyError },
      )
    }
  }

  /** `key`'s bytes for a write or a read that keeps them; checked (given, 1 to MAX_KEY_BYTES). */
  private encodeKey(key: K): Uint8Array {
    return this.checkKeyBytes(
      key,
      key === undefined || key === null ? undefined : this.keyEncoding.encode(key, 'key'),
    )
  }

  /** `encodeKey`'s bytes, possibly in a buffer the next call overwrites: for a point read, which
   *  uses them synchronously (a search that goes on asynchronously copies them first). */
  private encodeReadKey(key: K): Uint8Array {
    return this.checkKeyBytes(
      key,
      key === undefined || key === null ? undefined : this.keyEncoding.encodeTransient(key, 'key'),
    )
  }

  private checkKeyBytes(key: K, bytes: Uint8Array | undefined): Uint8Array {
    if (bytes === undefined) {
      throw new InvalidArgumentError(
        `key must be given (a ${this.keyEncoding.name} key), not ${String(key)}`,
        {
          argument: 'key',
        },
      )
    }
    if (bytes.length === 0)
      throw new InvalidArgumentError('key must not be empty (1 byte or more)', { argument: 'key' })
    if (bytes.length > MAX_KEY_BYTES) {
      throw new InvalidArgumentError(
        `key is ${bytes.length} bytes; the largest allowed is ${MAX_KEY_BYTES}`,
        {
          argument: 'key',
        },
      )
    }
    return bytes
  }

  private encodeValue(value: V): Uint8Array {
    if (value === undefined || value === null) {
      throw new InvalidArgumentError(
        `value must be given (a ${this.valueEncoding.name} value), not ${String(value)}; use delete() to remove a key`,
        { argument: 'value' },
      )
    }
    const bytes = this.valueEncoding.encode(value, 'value')
    if (bytes.length > MAX_VALUE_BYTES) {
      throw new InvalidArgumentError(
        `value is ${bytes.length} bytes; the largest allowed is ${MAX_VALUE_BYTES}`,
        {
          argument: 'value',
        },
      )
    }
    return bytes
  }

  private readSeq(options: ReadOptions | undefined): number {
    const snapshot = options?.snapshot
    if (snapshot === undefined) return this.visibleSeq
    snapshot.check()
    return snapshot.seq
  }

  // ------------------------------------------------------------------------------ write path

  /** Writes `value` under `key`. Resolves once the write is durable under its `sync` rule
   *  (default: the database's `sync`, true: fsynced). */
  async put(key: K, value: V, options?: WriteOptions): Promise<void> {
    this.checkWritable()
    const keyBytes = this.encodeKey(key)
    const valueBytes = this.encodeValue(value)
    return this.write([{ op: OpType.Put, key: keyBytes, value: valueBytes }], options)
  }

  /** Deletes `key` (a tombstone; deleting a missing key is not an error). */
  async delete(key: K, options?: WriteOptions): Promise<void> {
    this.checkWritable()
    return this.write([{ op: OpType.Delete, key: this.encodeKey(key), value: null }], options)
  }

  /** Alias of `delete`, as abstract-level names it. */
  del(key: K, options?: WriteOptions): Promise<void> {
    return this.delete(key, options)
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
      const encoded = operations.map((operation) =>
        operation.type === 'put'
          ? { op: OpType.Put, key: this.encodeKey(operation.key), value: this.encodeValue(operation.value) }
          : { op: OpType.Delete, key: this.encodeKey(operation.key), value: null },
      )
      if (encoded.length === 0) return Promise.resolve()
      return this.write(encoded, options)
    } catch (error) {
      return Promise.reject(error)
    }
  }

  private async write(
    operations: { op: OpType; key: Uint8Array; value: Uint8Array | null }[],
    options: WriteOptions | undefined,
  ): Promise<void> {
    const sync = options?.sync ?? this.options.sync
    if (typeof sync !== 'boolean') {
      throw new InvalidArgumentError(`options.sync must be true or false, not ${String(sync)}`, {
        argument: 'options.sync',
      })
    }
    if (this.needsRoom()) await this.makeRoom()
    this.checkWritable()
    // From here to the WAL call nothing awaits: seqs reach the WAL in order.
    const first = this.lastSeq + 1
    this.lastSeq += operations.length
    const now = Date.now()
    let userBytes = 0
    const entries = operations.map((operation, index) => {
      userBytes += operation.key.length + (operation.value?.length ?? 0)
      return new WALEntry(first + index, now, operation.op, operation.key, operation.value)
    })
    this.counters.userBytesWritten += userBytes
    const appended =
      entries.length === 1 ? this.wal.append(entries[0]!, { sync }) : this.wal.appendBatch(entries, { sync })
    this.memtable.apply(entries)
    const done = new Promise<void>((resolve, reject) => {
      const pending: PendingWrite = { lastSeq: this.lastSeq, done: false, error: undefined, resolve, reject }
      this.pending.push(pending)
      appended.then(
        () => {
          pending.done = true
          this.drainPending()
        },
        (error: unknown) => {
          pending.done = true
          pending.error = error
          this.drainPending()
        },
      )
    })
    if (this.memtable.approximateBytes >= this.options.memtableBytes) {
      this.freezeMemtable()
      this.scheduleFlush()
    }
    return done
  }

  /** Adds what the WAL grew by since last looked at to the bytes written to disk. */
  private countWalGrowth(): void {
    const size = this.wal.sizeBytes
    if (size > this.walSizeSeen) this.counters.walBytesWritten += size - this.walSizeSeen
    this.walSizeSeen = size
  }

  /** Acknowledges finished writes in seq order, so a write is visible only with all before it. */
  private drainPending(): void {
    this.countWalGrowth()
    const pending = this.pending
    while (this.pendingHead < pending.length) {
      const write = pending[this.pendingHead]!
      if (!write.done) break
      this.pendingHead++
      if (write.error !== undefined || this.readOnlyError !== undefined) {
        const error = write.error ?? this.readOnlyError
        this.enterReadOnly(error)
        write.reject(
          write.error === undefined ? this.readOnlyWriteError() : toIOError(error, 'writing to the WAL'),
        )
        continue
      }
      this.visibleSeq = write.lastSeq
      write.resolve()
    }
    if (this.pendingHead === pending.length) {
      this.pending = []
      this.pendingHead = 0
    } else if (this.pendingHead > 1024) {
      this.pending = pending.slice(this.pendingHead)
      this.pendingHead = 0
    }
    if (this.visibilityWaiters.length > 0) {
      const ready = this.visibilityWaiters.filter((waiter) => waiter.seq <= this.visibleSeq)
      this.visibilityWaiters = this.visibilityWaiters.filter((waiter) => waiter.seq > this.visibleSeq)
      for (const waiter of ready) waiter.resolve()
    }
  }

  private readOnlyWriteError(): ReadOnlyError {
    return new ReadOnlyError(
      `the database at ${this.directory} became read-only after an I/O failure; this write was not made durable`,
      { cause: this.readOnlyError },
    )
  }

  private enterReadOnly(error: unknown): void {
    if (this.readOnlyError !== undefined) return
    this.readOnlyError = toIOError(error, 'a background write')
    for (const waiter of this.visibilityWaiters) waiter.reject(this.readOnlyError)
    this.visibilityWaiters = []
    this.wakeRoomWaiters()
  }

  /** Resolves once every write up to `seq` is acknowledged. */
  private waitVisible(seq: number): Promise<void> {
    if (seq <= this.visibleSeq) return Promise.resolve()
    if (this.readOnlyError !== undefined) return Promise.reject(this.readOnlyError)
    return new Promise((resolve, reject) => this.visibilityWaiters.push({ seq, resolve, reject }))
  }

  // -------------------------------------------------------------------- memtable and flush

  private needsRoom(): boolean {
    return (
      this.frozen.length >= this.options.maxFrozenMemtables ||
      (this.compactsInBackground && this.level0Files() >= this.options.level0SlowdownTrigger)
    )
  }

  private level0Files(): number {
    return this.tables.current.levels[0]?.length ?? 0
  }

  /** Backpressure. Writers wait while too many frozen memtables wait for their flush, or while
   *  level 0 is at the stop threshold; at the slowdown threshold each write is delayed 1 ms once,
   *  giving compaction a share of the machine instead of stopping writes later. */
  private async makeRoom(): Promise<void> {
    const started = performance.now()
    this.counters.stalls++
    let delayed = false
    for (;;) {
      if (this.readOnlyError !== undefined || this.statusValue !== 'open') break
      if (this.frozen.length >= this.options.maxFrozenMemtables) {
        this.scheduleFlush()
        await new Promise<void>((resolve) => this.roomWaiters.push(resolve))
      } else if (this.compactsInBackground && this.level0Files() >= this.options.level0StopTrigger) {
        this.scheduleCompaction()
        await new Promise<void>((resolve) => this.roomWaiters.push(resolve))
      } else if (
        !delayed &&
        this.compactsInBackground &&
        this.level0Files() >= this.options.level0SlowdownTrigger
      ) {
        delayed = true
        await new Promise((resolve) => setTimeout(resolve, 1))
      } else break
    }
    this.counters.stallMs += performance.now() - started
  }

  private wakeRoomWaiters(): void {
    const waiters = this.roomWaiters
    this.roomWaiters = []
    for (const wake of waiters) wake()
  }

  private freezeMemtable(): void {
    if (this.memtable.isEmpty) return
    this.memtable.freeze()
    this.frozen.push(this.memtable)
    this.memtable = new Memtable()
  }

  private scheduleFlush(): void {
    if (this.flushing !== undefined || this.frozen.length === 0 || this.readOnlyError !== undefined) return
    this.flushing = this.runFlushes().finally(() => {
      this.flushing = undefined
      // A freeze may have happened while the last flush was finishing.
      if (this.statusValue === 'open') this.scheduleFlush()
    })
  }

  private async runFlushes(): Promise<void> {
    while (this.frozen.length > 0 && this.readOnlyError === undefined) {
      const memtable = this.frozen[0]!
      try {
        await this.flushMemtable(memtable)
      } catch (error) {
        this.enterReadOnly(error)
        return
      }
      this.frozen.shift()
      this.wakeRoomWaiters()
      this.scheduleCompaction()
    }
  }

  /** Truncates the WAL before `seq` once the truncations asked for earlier are done. It runs
   *  beside the next flush (the WAL stays appendable throughout), so writers do not wait for it;
   *  a failure turns the database read-only as any failed write of the WAL does. */
  private truncateWal(seq: number): void {
    this.walTruncation = this.walTruncation.then(async () => {
      if (this.readOnlyError !== undefined) return
      try {
        this.countWalGrowth()
        await this.wal.truncateBefore(seq)
        this.walSizeSeen = this.wal.sizeBytes
      } catch (error) {
        this.enterReadOnly(error)
      }
    })
  }

  /** Writes one frozen memtable to a level-0 table; commits it in the manifest; then truncates
   *  the WAL. Commit first, clean up after. */
  private async flushMemtable(memtable: Memtable): Promise<void> {
    const maxSeq = memtable.maxSeq ?? this.flushedSeq
    await this.waitVisible(maxSeq)
    const fileNumber = this.nextFileNumber++
    const path = pathIn(this.directory, tableFileName(fileNumber))
    const builder = new TableBuilder(path, {
      fs: this.fs,
      blockBytes: this.options.blockBytes,
      bloomBitsPerKey: this.options.bloomBitsPerKey,
    })
    let meta: TableMeta
    try {
      let count = 0
      for (const entry of memtable.iterator({ versions: 'all' })) {
        builder.add(entry)
        if (++count % FLUSH_YIELD_ENTRIES === 0) await yieldToEventLoop()
      }
      meta = await builder.finish()
      await this.fs.syncDir(this.directory)
    } catch (error) {
      await builder.abandon().catch(() => {})
      throw toIOError(error, 'flushing the memtable to a table', path)
    }
    this.counters.flushBytesWritten += meta.fileSize
    const table = toFileMeta(fileNumber, meta)
    await this.applyEdit({
      added: [{ level: 0, table }],
      flushedSeq: maxSeq,
      lastSeq: maxSeq,
      nextFileNumber: this.nextFileNumber,
    })
    this.flushedSeq = maxSeq
    this.counters.flushes++
    // The table is committed: the WAL no longer needs what it holds.
    this.truncateWal(maxSeq)
  }

  // ----------------------------------------------------------------------------- compaction

  private scheduleCompaction(): void {
    if (!this.compactsInBackground || this.compacting !== undefined) return
    if (this.statusValue !== 'open' || this.readOnlyError !== undefined) return
    this.compacting = this.runCompactions().finally(() => {
      this.compacting = undefined
      const waiters = this.compactionWaiters
      this.compactionWaiters = []
      for (const wake of waiters) wake()
    })
  }

  private async runCompactions(): Promise<void> {
    while (this.statusValue === 'open' && this.readOnlyError === undefined) {
      const plan = pickCompaction(
        this.tables.current,
        this.options,
        this.compactPointers,
        this.compactingFiles,
      )
      if (plan === undefined) return
      try {
        await this.runCompaction(plan)
      } catch (error) {
        if (this.statusValue !== 'open') return
        this.enterReadOnly(error)
        return
      }
      this.wakeRoomWaiters()
    }
  }

  /** Runs one plan: merge in the worker (or move), fsync, one manifest edit, then the inputs go
   *  once nothing reads them. */
  private async runCompaction(plan: CompactionPlan): Promise<void> {
    const started = performance.now()
    const inputs = [...plan.inputs, ...plan.outputInputs]
    for (const file of inputs) this.compactingFiles.add(file.fileNumber)
    try {
      if (plan.trivialMove) {
        await this.applyEdit({
          removed: plan.inputs.map((file) => ({ level: plan.level, fileNumber: file.fileNumber })),
          added: plan.inputs.map((table) => ({ level: plan.outputLevel, table })),
        })
        this.counters.trivialMoves++
      } else {
        const version = this.tables.current
        const inputBytes = inputs.reduce((total, file) => total + file.fileSize, 0)
        const fileNumbers: number[] = []
        const budget = inputs.length + Math.ceil(inputBytes / this.options.targetFileBytes) * 2 + 8
        for (let index = 0; index < budget; index++) fileNumbers.push(this.nextFileNumber++)
        const span = (file: TableFileMeta) => ({
          smallest: file.smallestKey,
          largest: file.largestKey,
          size: file.fileSize,
        })
        const { smallest, largest } = keyRange(inputs)
        const deeperLevels: KeySpan[][] = []
        for (let level = plan.outputLevel + 1; level < NUM_LEVELS; level++) {
          deeperLevels.push(version.overlapping(level, smallest, largest).map(span))
        }
        const result = await this.mergeRunner.run({
          inputs: inputs.map((file) => pathIn(this.directory, tableFileName(file.fileNumber))),
          directory: this.directory,
          fileNumbers,
          targetFileBytes: this.options.targetFileBytes,
          blockBytes: this.options.blockBytes,
          bloomBitsPerKey: this.options.bloomBitsPerKey,
          snapshots: this.snapshots.seqs(),
          deeperLevels,
          grandparents: version.overlapping(plan.outputLevel + 1, smallest, largest).map(span),
          maxGrandparentOverlapBytes: maxGrandparentOverlapBytes(this.options),
        })
        await this.fs.syncDir(this.directory)
        await this.applyEdit({
          removed: inputs.map((file) => ({
            level: plan.inputs.includes(file) ? plan.level : plan.outputLevel,
            fileNumber: file.fileNumber,
          })),
          added: result.outputs.map(({ fileNumber, meta }) => ({
            level: plan.outputLevel,
            table: toFileMeta(fileNumber, meta),
          })),
          nextFileNumber: this.nextFileNumber,
        })
        this.counters.compactions++
        this.counters.compactionsByLevel[plan.level]!++
        this.counters.compactionBytesRead += result.bytesRead
        this.counters.compactionBytesWritten += result.bytesWritten
        this.counters.droppedVersions += result.droppedVersions
        this.counters.droppedTombstones += result.droppedTombstones
      }
      this.compactPointers[plan.level] = keyRange(plan.inputs).largest
    } finally {
      for (const file of inputs) this.compactingFiles.delete(file.fileNumber)
      this.counters.compactionMs += performance.now() - started
    }
  }

  /** Background compactions run (and level-0 backpressure applies) when the options allow them
   *  and no `compactRange` holds the tree. */
  private get compactsInBackground(): boolean {
    return this.options.autoCompaction && this.manualCompactions === 0
  }

  /** Waits until no compaction is running. */
  private async waitForCompactions(): Promise<void> {
    while (this.compacting !== undefined) await this.compacting
  }

  /**
   * Compacts the keys in [start, end] (either bound open; both open: everything) down to the
   * bottom-most level holding data, dropping overwritten versions and tombstones nobody can see.
   * Use it to reclaim space after mass deletes. Flushes the memtable first.
   */
  async compactRange(start?: K, end?: K): Promise<void> {
    this.checkWritable()
    const startBytes = start === undefined ? undefined : this.keyEncoding.encode(start, 'start')
    const endBytes = end === undefined ? undefined : this.keyEncoding.encode(end, 'end')
    await this.flush()
    // The automatic compactions would race for the same files: let them finish, then hold them.
    this.manualCompactions++
    try {
      await this.waitForCompactions()
      let bottom = -1
      for (let level = 0; level < NUM_LEVELS; level++) {
        if ((this.tables.current.levels[level]?.length ?? 0) > 0) bottom = level
      }
      if (bottom < 0) return
      const target = Math.max(bottom, 1)
      const before = new Set([...this.tables.current.files()].map(({ table }) => table.fileNumber))
      for (let level = 0; level < target; level++) {
        const plan = planRangeCompaction(this.tables.current, level, startBytes, endBytes)
        if (plan !== undefined) await this.runCompaction(plan)
      }
      // Tables of the bottom level that no pass above rewrote may still hold versions or
      // tombstones nobody can see any more: one pass over them in place — run by run of
      // neighbours, so an output never spans a table rewritten above (levels stay disjoint).
      let run: TableFileMeta[] = []
      const runs: TableFileMeta[][] = []
      for (const file of this.tables.current.overlapping(target, startBytes, endBytes)) {
        if (before.has(file.fileNumber)) run.push(file)
        else if (run.length > 0) {
          runs.push(run)
          run = []
        }
      }
      if (run.length > 0) runs.push(run)
      for (const inputs of runs) {
        await this.runCompaction({
          reason: 'manual',
          level: target,
          outputLevel: target,
          inputs,
          outputInputs: [],
          trivialMove: false,
          score: 0,
        })
      }
    } catch (error) {
      this.enterReadOnly(error)
      throw toIOError(error, 'compacting a range')
    } finally {
      this.manualCompactions--
    }
    this.scheduleCompaction()
  }

  /** Records `edit` in the manifest (one edit at a time), opens new tables, installs the
   *  version, and deletes files nothing reads any more. */
  private applyEdit(edit: VersionEdit): Promise<void> {
    const run = async () => {
      const next = this.manifest.current.version.apply(edit)
      await this.tables.openTables(next)
      const state = await this.manifest.apply(edit)
      this.tables.install(state.version)
      await this.deleteObsoleteFiles()
    }
    const result = this.manifestQueue.then(run, run)
    this.manifestQueue = result.catch(() => {})
    return result
  }

  private async deleteObsoleteFiles(): Promise<void> {
    for (const { fileNumber, table } of this.tables.takeObsolete()) {
      await table?.close().catch(() => {})
      await this.fs.unlink(pathIn(this.directory, tableFileName(fileNumber))).catch(() => {})
    }
  }

  /** Flushes the memtable to a level-0 table now and waits for every pending flush. */
  async flush(): Promise<void> {
    this.checkWritable()
    if (this.lastSeq > this.visibleSeq) await this.waitVisible(this.lastSeq)
    this.freezeMemtable()
    this.scheduleFlush()
    while (this.flushing !== undefined) await this.flushing
    await this.walTruncation
    if (this.readOnlyError !== undefined) throw this.readOnlyWriteError()
  }

  // -------------------------------------------------------------------------------- reads

  /** The newest value of `key` visible at the read's snapshot, or `undefined` if absent or
   *  deleted. Rejects with STRATA_CLOSED once the database is closed. */
  get(key: K, options?: ReadOptions): Promise<V | undefined> {
    try {
      const found = this.getMaybeSync(key, options)
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
  getMaybeSync(key: K, options?: ReadOptions): V | undefined | Promise<V | undefined> {
    this.checkOpen()
    const found = this.getAt(this.encodeReadKey(key), this.readSeq(options))
    if (found instanceof Promise) return found.then((entry) => this.visibleValue(entry))
    return this.visibleValue(found)
  }

  private visibleValue(entry: InternalEntry | undefined): V | undefined {
    return entry?.op === OpType.Put ? this.valueEncoding.decode(entry.value!) : undefined
  }

  /**
   * The newest version of `key` with seq <= `seq` in any source (a tombstone included). While
   * the read-mode governor allows synchronous reads, answers synchronously (cached blocks, else
   * a timed `pread`). Otherwise answers synchronously while every table it consults has the
   * block it needs cached; the first table that must read turns the rest of the search
   * asynchronous (with the version pinned).
   */
  private getAt(
    key: Uint8Array,
    seq: number,
    allowSync = true,
  ): InternalEntry | undefined | Promise<InternalEntry | undefined> {
    const found = this.getFromMemtables(key, seq)
    if (found !== undefined) return found
    // Synchronous reads allowed: each table answers from the cache or with a timed pread.
    if (allowSync && this.readModes.readSync()) return this.getFromTablesSync(key, seq, this.readModes)
    const candidates = this.candidateTables(this.tables.current, key)
    const hashes = this.hashesFor(candidates, key)
    for (let index = 0; index < candidates.length; index++) {
      const entry = this.tables.table(candidates[index]!.fileNumber).getCached(key, seq, hashes)
      // Going on asynchronously: a transient key (encodeReadKey) would be overwritten meanwhile.
      if (entry === null) return this.getFromTables(candidates, index, key.slice(), seq)
      if (entry !== undefined) return entry
    }
    return undefined
  }

  /** `get` without a promise, for callers who accept a blocking read: a cached read costs a
   *  lookup, an uncached one a synchronous disk read. Same answer as `get`. */
  getSync(key: K, options?: ReadOptions): V | undefined {
    this.checkOpen()
    const keyBytes = this.encodeReadKey(key)
    const seq = this.readSeq(options)
    return this.visibleValue(this.getFromMemtables(keyBytes, seq) ?? this.getFromTablesSync(keyBytes, seq))
  }

  /** Values of `keys` in order (`undefined` where absent), all read at one snapshot. */
  async getMany(keys: K[], options?: ReadOptions): Promise<(V | undefined)[]> {
    this.checkOpen()
    if (!Array.isArray(keys)) throw new InvalidArgumentError('keys must be an array', { argument: 'keys' })
    const seq = this.readSeq(options)
    const encoded = keys.map((key) => this.encodeKey(key))
    // In 'auto' mode, synchronous reads for at most GET_MANY_SYNC_MS of this call; the rest of
    // the keys read on the thread pool (all of them started now, on the same version), so a
    // getMany of many uncached keys cannot hold the event loop for long.
    const bounded = this.readModes.mode === 'auto'
    const deadline = performance.now() + GET_MANY_SYNC_MS
    const entries = await Promise.all(
      encoded.map((key) => this.getAt(key, seq, !bounded || performance.now() < deadline)),
    )
    return entries.map((entry) => this.visibleValue(entry))
  }

  /** True when `key` has a visible value. */
  async has(key: K, options?: ReadOptions): Promise<boolean> {
    this.checkOpen()
    return (await this.getAt(this.encodeReadKey(key), this.readSeq(options)))?.op === OpType.Put
  }

  private getFromMemtables(key: Uint8Array, seq: number): InternalEntry | undefined {
    const found = this.memtable.get(key, seq)
    if (found !== undefined) return found
    for (let index = this.frozen.length - 1; index >= 0; index--) {
      const entry = this.frozen[index]!.get(key, seq)
      if (entry !== undefined) return entry
    }
    return undefined
  }

  /** The tables that may hold `key`, in search order: level 0 newest first, then one table per
   *  deeper level. */
  private candidateTables(version: Version, key: Uint8Array): TableFileMeta[] {
    const candidates: TableFileMeta[] = []
    for (const file of version.levels[0] ?? []) {
      if (keyWithin(file, key)) candidates.push(file)
    }
    for (let level = 1; level < version.levels.length; level++) {
      const file = version.fileFor(level, key)
      if (file !== undefined) candidates.push(file)
    }
    return candidates
  }

  /** `key`'s filter hashes when more than one table is consulted (computed once for them all;
   *  valid until the next read computes its own), else undefined. */
  private hashesFor(candidates: TableFileMeta[], key: Uint8Array): FilterHashes | undefined {
    return candidates.length > 1 ? this.filterHashes.of(key) : undefined
  }

  /** The tables' newest version of `key` with seq <= `seq`, a block that is not cached read
   *  synchronously (`timer`, when given, told of each read). */
  private getFromTablesSync(key: Uint8Array, seq: number, timer?: ReadTimer): InternalEntry | undefined {
    const candidates = this.candidateTables(this.tables.current, key)
    const hashes = this.hashesFor(candidates, key)
    for (let index = 0; index < candidates.length; index++) {
      const entry = this.tables.table(candidates[index]!.fileNumber).getSync(key, seq, timer, hashes)
      if (entry !== undefined) return entry
    }
    return undefined
  }

  /** Releases a pinned version; deletes the files it was the last to hold, if any. */
  private releaseVersion(handle: VersionHandle): void {
    this.tables.release(handle)
    if (handle.refs === 0 && this.tables.hasRetired) void this.deleteObsoleteFiles()
  }

  /** The rest of a search, from `candidates[from]`, with the current version pinned. */
  private async getFromTables(
    candidates: TableFileMeta[],
    from: number,
    key: Uint8Array,
    seq: number,
  ): Promise<InternalEntry | undefined> {
    const handle = this.tables.acquire()
    try {
      for (let index = from; index < candidates.length; index++) {
        const entry = await this.tables.table(candidates[index]!.fileNumber).get(key, seq)
        if (entry !== undefined) return entry
      }
      return undefined
    } finally {
      this.releaseVersion(handle)
    }
  }

  /** An iterator over a consistent snapshot: what is written meanwhile is not seen. */
  iterator(options: IteratorOptions<K> = {}): DatabaseIterator<K, V> {
    this.checkOpen()
    if (typeof options !== 'object' || options === null) {
      throw new InvalidArgumentError('iterator options must be an object', { argument: 'options' })
    }
    const seq = this.readSeq(options)
    const limit = options.limit === undefined || options.limit < 0 ? Number.POSITIVE_INFINITY : options.limit
    if (typeof limit !== 'number' || Number.isNaN(limit)) {
      throw new InvalidArgumentError('options.limit must be a number (-1 for no limit)', {
        argument: 'options.limit',
      })
    }
    const range: KeyRange = {}
    for (const bound of ['gt', 'gte', 'lt', 'lte'] as const) {
      const value = options[bound]
      if (value !== undefined) range[bound] = this.keyEncoding.encode(value, `options.${bound}`)
    }
    const reverse = options.reverse === true
    const handle = this.tables.acquire()
    const version = handle.version
    const sourceOptions = { ...range, reverse, atSeq: seq, versions: 'visible' as const }
    const sources: EntrySource[] = [this.memtable.iterator(sourceOptions)]
    for (let index = this.frozen.length - 1; index >= 0; index--) {
      sources.push(this.frozen[index]!.iterator(sourceOptions))
    }
    for (const file of version.levels[0] ?? []) {
      sources.push(this.tables.table(file.fileNumber).iterator(sourceOptions))
    }
    for (let level = 1; level < version.levels.length; level++) {
      const files = version.levels[level] ?? []
      if (files.length > 0) sources.push(new LevelSource(files, this.tables, range, reverse, seq))
    }
    const iterator: DatabaseIterator<K, V> = new DatabaseIterator<K, V>({
      merge: new MergeIterator(sources, reverse, this.readModes),
      limit,
      decodeKey: options.keys === false ? undefined : (data) => this.keyEncoding.decode(data),
      decodeValue: options.values === false ? undefined : (data) => this.valueEncoding.decode(data),
      encodeTarget: (target) => this.keyEncoding.encode(target, 'target'),
      release: () => {
        this.iterators.delete(iterator)
        this.releaseVersion(handle)
      },
    })
    this.iterators.add(iterator)
    return iterator
  }

  /** Keys only: an async iterable of keys. */
  async *keys(options: Omit<IteratorOptions<K>, 'keys' | 'values'> = {}): AsyncGenerator<K> {
    for await (const [key] of this.iterator({ ...options, values: false })) yield key
  }

  /** Values only: an async iterable of values. */
  async *values(options: Omit<IteratorOptions<K>, 'keys' | 'values'> = {}): AsyncGenerator<V> {
    for await (const [, value] of this.iterator({ ...options, keys: false })) yield value
  }

  /** A handle for repeatable reads across gets and iterators; `release()` it when done. */
  snapshot(): Snapshot {
    this.checkOpen()
    return this.snapshots.create(this.visibleSeq)
  }

  // ------------------------------------------------------------------------------- stats

  stats(): DatabaseStats {
    const version = this.tables?.current
    const levels: LevelStats[] = (version?.levels ?? []).map((files, level) => ({
      level,
      files: files.length,
      bytes: files.reduce((total, file) => total + file.fileSize, 0),
    }))
    const tableBytes = levels.reduce((total, level) => total + level.bytes, 0)
    const liveBytes = version === undefined ? 0 : estimateLiveBytes(version)
    const diskBytesWritten =
      this.counters.walBytesWritten + this.counters.flushBytesWritten + this.counters.compactionBytesWritten
    return {
      directory: this.directory,
      status: this.statusValue,
      levels,
      tableFiles: levels.reduce((total, level) => total + level.files, 0),
      tableBytes,
      memtableBytes: this.memtable.approximateBytes,
      frozenMemtables: this.frozen.length,
      frozenMemtableBytes: this.frozen.reduce((total, memtable) => total + memtable.approximateBytes, 0),
      lastSeq: this.visibleSeq,
      flushedSeq: this.flushedSeq,
      walBytes: this.statusValue === 'closed' ? 0 : this.wal.sizeBytes,
      manifestBytes: this.manifest?.sizeBytes ?? 0,
      flushes: this.counters.flushes,
      snapshots: this.snapshots.size,
      openIterators: this.iterators.size,
      cache: {
        hits: this.cache.hits,
        misses: this.cache.misses,
        usedBytes: this.cache.usedBytes,
        capacityBytes: this.cache.capacityBytes,
        pointReadsAdmitted: this.cache.pointReadsAdmitted,
        pointReadsNotAdmitted: this.cache.pointReadsNotAdmitted,
      },
      reads: {
        mode: this.readModes.mode,
        syncReads: this.readModes.syncReads,
        slowSyncReads: this.readModes.slowSyncReads,
        switchesToAsync: this.readModes.switchesToAsync,
      },
      userBytesWritten: this.counters.userBytesWritten,
      diskBytesWritten,
      walBytesWritten: this.counters.walBytesWritten,
      flushBytesWritten: this.counters.flushBytesWritten,
      writeAmplification:
        this.counters.userBytesWritten === 0 ? 0 : diskBytesWritten / this.counters.userBytesWritten,
      stalls: { count: this.counters.stalls, totalMs: Math.round(this.counters.stallMs) },
      compaction: {
        running: this.compacting !== undefined,
        compactions: this.counters.compactions,
        trivialMoves: this.counters.trivialMoves,
        byLevel: [...this.counters.compactionsByLevel],
        bytesRead: this.counters.compactionBytesRead,
        bytesWritten: this.counters.compactionBytesWritten,
        droppedVersions: this.counters.droppedVersions,
        droppedTombstones: this.counters.droppedTombstones,
        totalMs: Math.round(this.counters.compactionMs),
        thread: this.mergeRunner.thread,
        threadReason: this.mergeRunner.threadReason,
      },
      estimatedLiveBytes: liveBytes,
      spaceAmplification: liveBytes === 0 ? 0 : tableBytes / liveBytes,
      readOnlyReason: this.readOnlyError?.message,
    }
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

  private closing: Promise<void> | undefined

  private async closeOnce(): Promise<void> {
    this.statusValue = 'closing'
    this.wakeRoomWaiters()
    if (this.lastSeq > this.visibleSeq && this.readOnlyError === undefined) {
      await this.waitVisible(this.lastSeq).catch(() => {})
    }
    while (this.flushing !== undefined) await this.flushing
    await this.walTruncation
    await this.waitForCompactions()
    await this.manifestQueue
    await this.mergeRunner.close()
    for (const iterator of [...this.iterators]) await iterator.close()
    this.snapshots.releaseAll()
    await this.wal.close()
    await this.manifest.close()
    await this.tables.closeAll()
    this.lock.release()
    this.statusValue = 'closed'
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
