/**
 * `Database.stats()`: a plain JSON object gathered from the parts' own counters, and the live
 * data estimate behind space amplification.
 */
import type { BlockCache } from '@strata/sstable'
import type { ReadMode, ReadModeGovernor } from './read-mode.js'
import type { Version } from './version.js'

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
  /** Bytes of the level's table files on disk (after block compression). */
  bytes: number
  /** Bytes of the keys and values the level's tables hold, as written (before prefix and block
   *  compression); `bytes / uncompressedBytes` is the level's stored size ratio. */
  uncompressedBytes: number
}

/**
 * The memory the engine itself holds, by part, in bytes: what its options bound (memtables, block
 * cache) and what they do not (pinned index and filter blocks, iterators). Not counted: Node.js
 * and V8 themselves, garbage not yet collected, the compaction worker's thread, and what the
 * application holds (returned values are copies or views the application keeps alive).
 */
export interface MemoryStats {
  /** Approximate bytes of the active and the frozen memtables (`memtableBytes × (1 +
   *  maxFrozenMemtables)` at most, plus one write). */
  memtables: number
  /** Bytes of flushed memtables' slabs waiting for the next memtables to write into (at most
   *  `memtableBytes` + 1 MiB), and of their hash-index tables (at most two, of at most 8 MiB
   *  each; 512 KiB each for 4 MiB memtables of 100-byte values) and ordered indexes (at most two,
   *  of at most 16 MiB each). */
  pooledSlabBytes: number
  /** Bytes of decoded data blocks in the block cache (≤ `blockCacheBytes` − `pinned`). */
  blockCache: number
  /** Bytes of evicted blocks' buffers kept for the next blocks read (at most 64 blocks). */
  spareBlocks: number
  /** Bytes of the index and filter blocks of every open table, held for the table's lifetime
   *  (counted against `blockCacheBytes`, but never evicted). */
  pinned: number
  /** Open iterators, and the bytes of the readahead blocks they hold (a block may be in the
   *  block cache too). */
  iterators: { open: number; blockBytes: number }
  /** Bytes of the buffer the WAL keeps for copying its kept tail when it cuts its head after a
   *  flush: 1 MiB once a cut has run, 0 before. */
  wal: number
  /** The sum of the parts (blocks both cached and held by an iterator counted twice). */
  total: number
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
  /** The WAL's length: its header and frames. */
  walBytes: number
  /** Bytes of the WAL file (what `du` counts): `walBytes`, then space written ahead of the
   *  frames (zeros, up to 4 MiB; see docs/format.md) so a synced append changes no file size.
   *  `close()` gives that space back. */
  walFileBytes: number
  manifestBytes: number
  flushes: number
  /** Of `flushes`, those whose table the compaction worker built (from the memtable's shared
   *  slabs, while it had no merge to run); the others were built on the main thread. */
  flushesInWorker: number
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
  /** The engine's own memory by part, in bytes (see `MemoryStats`). */
  memory: MemoryStats
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

/** What the stats read of the parts (each part's own state and counters). */
export interface StatsSources {
  directory: string
  status: DatabaseStatus
  version: Version
  memtables: {
    active: { approximateBytes: number }
    frozen: readonly unknown[]
    frozenBytes: number
    pooledBytes: number
  }
  writes: {
    visibleSeq: number
    walBytes: number
    walFileBytes: number
    walBufferBytes: number
    readOnlyReason: Error | undefined
    counters: { userBytesWritten: number; walBytesWritten: number; stalls: number; stallMs: number }
  }
  flushes: {
    flushedSeq: number
    counters: { flushes: number; flushesInWorker: number; flushBytesWritten: number }
  }
  compactions: {
    running: boolean
    thread: 'worker' | 'main'
    threadReason: string | undefined
    counters: {
      compactions: number
      trivialMoves: number
      compactionBytesRead: number
      compactionBytesWritten: number
      compactionMs: number
      compactionsByLevel: number[]
      droppedVersions: number
      droppedTombstones: number
    }
  }
  cache: BlockCache
  governor: ReadModeGovernor
  manifestBytes: number
  snapshots: number
  openIterators: number
}

/** The engine's memory by part (see `MemoryStats`). */
export function memoryStats(
  memtables: StatsSources['memtables'],
  cache: BlockCache,
  openIterators: number,
  walBufferBytes: number,
): MemoryStats {
  const memtableBytes = memtables.active.approximateBytes + memtables.frozenBytes
  const blockCache = cache.usedBytes - cache.pinnedBytes
  const parts = {
    memtables: memtableBytes,
    pooledSlabBytes: memtables.pooledBytes,
    blockCache,
    spareBlocks: cache.spareBytes,
    pinned: cache.pinnedBytes,
    iterators: { open: openIterators, blockBytes: cache.iteratorBytes },
    wal: walBufferBytes,
  }
  return {
    ...parts,
    total:
      memtableBytes +
      parts.pooledSlabBytes +
      blockCache +
      parts.spareBlocks +
      parts.pinned +
      cache.iteratorBytes +
      walBufferBytes,
  }
}

export function collectStats(sources: StatsSources): DatabaseStats {
  const { version, writes, flushes, compactions, cache, governor } = sources
  const levels: LevelStats[] = version.levels.map((files, level) => ({
    level,
    files: files.length,
    bytes: files.reduce((total, file) => total + file.fileSize, 0),
    uncompressedBytes: files.reduce((total, file) => total + file.rawKeyBytes + file.rawValueBytes, 0),
  }))
  const tableBytes = levels.reduce((total, level) => total + level.bytes, 0)
  const liveBytes = estimateLiveBytes(version)
  const diskBytesWritten =
    writes.counters.walBytesWritten +
    flushes.counters.flushBytesWritten +
    compactions.counters.compactionBytesWritten
  const userBytesWritten = writes.counters.userBytesWritten
  return {
    directory: sources.directory,
    status: sources.status,
    levels,
    tableFiles: levels.reduce((total, level) => total + level.files, 0),
    tableBytes,
    memtableBytes: sources.memtables.active.approximateBytes,
    frozenMemtables: sources.memtables.frozen.length,
    frozenMemtableBytes: sources.memtables.frozenBytes,
    lastSeq: writes.visibleSeq,
    flushedSeq: flushes.flushedSeq,
    walBytes: sources.status === 'closed' ? 0 : writes.walBytes,
    walFileBytes: sources.status === 'closed' ? 0 : writes.walFileBytes,
    manifestBytes: sources.manifestBytes,
    flushes: flushes.counters.flushes,
    flushesInWorker: flushes.counters.flushesInWorker,
    snapshots: sources.snapshots,
    openIterators: sources.openIterators,
    cache: {
      hits: cache.hits,
      misses: cache.misses,
      usedBytes: cache.usedBytes,
      capacityBytes: cache.capacityBytes,
      pointReadsAdmitted: cache.pointReadsAdmitted,
      pointReadsNotAdmitted: cache.pointReadsNotAdmitted,
    },
    memory: memoryStats(sources.memtables, cache, sources.openIterators, writes.walBufferBytes),
    reads: {
      mode: governor.mode,
      syncReads: governor.syncReads,
      slowSyncReads: governor.slowSyncReads,
      switchesToAsync: governor.switchesToAsync,
    },
    userBytesWritten,
    diskBytesWritten,
    walBytesWritten: writes.counters.walBytesWritten,
    flushBytesWritten: flushes.counters.flushBytesWritten,
    writeAmplification: userBytesWritten === 0 ? 0 : diskBytesWritten / userBytesWritten,
    stalls: { count: writes.counters.stalls, totalMs: Math.round(writes.counters.stallMs) },
    compaction: {
      running: compactions.running,
      compactions: compactions.counters.compactions,
      trivialMoves: compactions.counters.trivialMoves,
      byLevel: [...compactions.counters.compactionsByLevel],
      bytesRead: compactions.counters.compactionBytesRead,
      bytesWritten: compactions.counters.compactionBytesWritten,
      droppedVersions: compactions.counters.droppedVersions,
      droppedTombstones: compactions.counters.droppedTombstones,
      totalMs: Math.round(compactions.counters.compactionMs),
      thread: compactions.thread,
      threadReason: compactions.threadReason,
    },
    estimatedLiveBytes: liveBytes,
    spaceAmplification: liveBytes === 0 ? 0 : tableBytes / liveBytes,
    readOnlyReason: writes.readOnlyReason?.message,
  }
}
