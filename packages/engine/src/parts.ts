/**
 * The database's parts: built from the fully recovered state and wired to each other here, so
 * `Database` (database.ts) only checks arguments and state and keeps the public contracts. Each
 * part has one job in its own file; this file says which part talks to which, how they come
 * up at open and in which order they go down at close.
 */
import { BlockCache } from '@strata/sstable'
import { mergeRunnerFor } from './compaction-runner.js'
import { CompactionScheduler } from './compaction-scheduler.js'
import { type Encoding, resolveEncoding } from './encoding.js'
import { EntryCodec } from './entry-codec.js'
import type { EventHub } from './events.js'
import { FlushScheduler } from './flush-scheduler.js'
import { IdleTombstoneFlush } from './idle-tombstone-flush.js'
import { OpenIterators } from './iterators.js'
import type { Memtables } from './memtables.js'
import type { ResolvedOptions } from './options.js'
import { PointReader } from './point-reader.js'
import { RangeDeletes } from './range-deletes.js'
import { ReadOnlyRefresher, recoverReadOnly } from './read-only-open.js'
import { ReadPolicy } from './read-policy.js'
import { ReadTurn } from './read-turn.js'
import { type RecoveredState, recover } from './recovery.js'
import { SnapshotList } from './snapshot.js'
import { Tree } from './tree.js'
import { WriteQueue } from './write-queue.js'

/** Every part of an open database. */
export interface DatabaseParts<K, V> {
  readonly options: ResolvedOptions
  readonly codec: EntryCodec<K, V>
  readonly cache: BlockCache
  readonly policy: ReadPolicy
  readonly snapshots: SnapshotList
  readonly lock: RecoveredState['lock']
  readonly memtables: Memtables
  readonly tree: Tree
  readonly writes: WriteQueue
  readonly flushes: FlushScheduler
  readonly compactions: CompactionScheduler
  /** Flushes a memtable of mostly tombstones once writes stop (idle-tombstone-flush.ts). */
  readonly idleFlush: IdleTombstoneFlush
  readonly reader: PointReader
  /** The reads' event-loop budget (read-turn.ts). */
  readonly readTurn: ReadTurn
  readonly iterators: OpenIterators<K, V>
  /** Set for a read-only open (`readOnly: true`) only. */
  readonly refresher: ReadOnlyRefresher | undefined
}

/** What the parts need from the database that owns them. */
export interface PartsOwner {
  /** True while the database is open (not opening, closing or closed). */
  isOpen(): boolean
  /** The hub every part emits its events through. */
  readonly events: EventHub
}

/** What an open recovered, before any part is built: the state and the codec and cache it was
 *  read with. */
export interface Recovered<K, V> {
  readonly options: ResolvedOptions
  readonly codec: EntryCodec<K, V>
  readonly cache: BlockCache
  readonly state: RecoveredState
}

/** Recovers the state of the database in `directory` (read-only or writable, as `options`
 *  say): the first half of an open. Throws what recovery throws. */
export async function recoverParts<K, V>(
  directory: string,
  options: ResolvedOptions,
  keyEncoding: Encoding<K> | undefined,
  valueEncoding: Encoding<V> | undefined,
): Promise<Recovered<K, V>> {
  const codec = new EntryCodec<K, V>(
    resolveEncoding(keyEncoding, 'keyEncoding'),
    resolveEncoding(valueEncoding, 'valueEncoding'),
  )
  const cache = new BlockCache(options.blockCacheBytes)
  const state = options.readOnly
    ? await recoverReadOnly(directory, options, cache)
    : await recover(directory, options, cache)
  return { options, codec, cache, state }
}

/** Builds every part over the recovered state: the second half of an open. Starts no
 *  background work (the owner schedules it once open). */
export function buildParts<K, V>(
  directory: string,
  recovered: Recovered<K, V>,
  owner: PartsOwner,
): DatabaseParts<K, V> {
  const { options, codec, cache, state } = recovered
  const { events } = owner
  const isOpen = () => owner.isOpen()
  const policy = new ReadPolicy(options.readMode)
  const snapshots = new SnapshotList()
  const memtables = state.memtables
  const tree = new Tree(directory, options.fs, state.manifest, state.tables, state.nextFileNumber, events)
  // The write queue, the flush scheduler and the compaction scheduler call each other: each
  // reaches the others through these late-bound closures.
  let flushes: FlushScheduler | undefined
  let compactions: CompactionScheduler | undefined
  const writes = new WriteQueue(directory, options, state.wal, memtables, state.lastSeq, {
    isOpen,
    events,
    level0Files: () => tree.current.levels[0]?.length ?? 0,
    compactsInBackground: () => compactions!.compactsInBackground,
    scheduleFlush: () => flushes!.schedule(),
    scheduleCompaction: () => compactions!.schedule(),
  })
  const runner = mergeRunnerFor(options.fs, options.compactionThread)
  flushes = new FlushScheduler(directory, options, memtables, writes, tree, state.flushedSeq, {
    isOpen,
    events,
    scheduleCompaction: () => compactions!.schedule(),
    // The memtables' slabs are shared only when `flushThread` resolves to the worker
    // (flush-thread.ts, recovery.ts); otherwise `flushImage()` gives nothing to hand over.
    flushInWorker: runner.runFlush?.bind(runner),
  })
  compactions = new CompactionScheduler(directory, options, tree, writes, snapshots, runner, isOpen, events)
  const idleFlush = new IdleTombstoneFlush(memtables, writes, flushes, isOpen)
  const rangeDeletes = new RangeDeletes(memtables, tree)
  const reader = new PointReader(memtables, tree, policy, rangeDeletes)
  const readTurn = new ReadTurn(() => policy.governor.syncReads)
  const iterators = new OpenIterators(
    memtables,
    tree,
    policy.iteratorReads,
    codec,
    rangeDeletes,
    (version, key) => compactions!.chargeSeek(version, key),
    readTurn,
  )
  const refresher = options.readOnly
    ? new ReadOnlyRefresher(directory, options, { tree, memtables, writes, snapshots })
    : undefined
  return {
    options,
    codec,
    cache,
    policy,
    snapshots,
    lock: state.lock,
    memtables,
    tree,
    writes,
    flushes,
    compactions,
    idleFlush,
    reader,
    readTurn,
    iterators,
    refresher,
  }
}

/** Takes the parts down, in order: pending writes made visible (unless the database turned
 *  read-only), flushes and compactions finished, iterators and snapshots closed, the WAL
 *  closed and (after a clean run) its last seq and length recorded, the manifest and tables
 *  closed, the directory lock released. The owner has stopped accepting calls. */
export async function closeParts<K, V>(parts: DatabaseParts<K, V>): Promise<void> {
  const { writes, flushes, compactions, idleFlush, iterators, snapshots, tree } = parts
  writes.wakeRoomWaiters()
  idleFlush.stop()
  if (writes.lastSeq > writes.visibleSeq && writes.readOnlyReason === undefined) {
    await writes.waitAllVisible().catch(() => {})
  }
  await flushes.waitIdle()
  await compactions.close()
  await iterators.closeAll()
  snapshots.releaseAll()
  await writes.close()
  // A clean close records the WAL's last seq and length: a shorter WAL at open is damage.
  if (writes.readOnlyReason === undefined) {
    await tree.recordWal(writes.walRecordAtClose(tree.manifestState))
  }
  await tree.close()
  parts.lock?.release()
}
