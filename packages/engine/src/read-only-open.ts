/**
 * Open with `readOnly: true`: the database another process (or thread) may be writing, read
 * without the LOCK and without writing, deleting or renaming any file — not the IDENTITY of a
 * directory of format 1, not the cut of a torn manifest tail, not the cleanup of obsolete files.
 * What it reads, and why that is a consistent prefix of the writer's writes: writer-state.ts.
 */
import { ErrorCode, NotADatabaseError, StrataError } from '@strata/base'
import type { BlockCache } from '@strata/sstable'
import { inspectDirectory } from './directory.js'
import type { Memtables } from './memtables.js'
import type { ResolvedOptions } from './options.js'
import type { RecoveredState } from './recovery.js'
import type { SnapshotList } from './snapshot.js'
import type { Tree } from './tree.js'
import { Version } from './version.js'
import { VersionSet } from './version-set.js'
import type { WriteQueue } from './write-queue.js'
import { readWriterState } from './writer-state.js'

/** Reads the state of the database in `directory` for a read-only open. Writes nothing. */
export async function recoverReadOnly(
  directory: string,
  options: ResolvedOptions,
  cache: BlockCache,
): Promise<RecoveredState> {
  const { fs } = options
  const found = inspectDirectory(fs, directory)
  if (found.kind === 'missing') {
    throw new StrataError(
      ErrorCode.NotFound,
      `${directory} does not exist (a read-only open creates nothing)`,
    )
  }
  if (found.kind !== 'database') throw new NotADatabaseError(directory, found.names)
  const tables = new VersionSet(directory, new Version(), cache, fs)
  try {
    const state = await readWriterState(fs, directory, tables, options.walRecovery, options.memtableBytes)
    tables.install(state.manifest.version)
    tables.retireUnlisted()
    for (const { table } of tables.takeObsolete()) await table?.close().catch(() => {})
    return {
      lock: undefined,
      manifest: undefined,
      wal: undefined,
      tables,
      memtables: state.memtables,
      lastSeq: state.lastSeq,
      flushedSeq: state.manifest.flushedSeq,
      nextFileNumber: state.manifest.nextFileNumber,
      readBytes: { manifest: state.manifestBytes, wal: state.walBytes },
    }
  } catch (error) {
    await tables.closeAll()
    throw error
  }
}

/** What a refresh updates in place. */
export interface RefreshTargets {
  tree: Tree
  memtables: Memtables
  writes: WriteQueue
  snapshots: SnapshotList
}

/** `refresh()` of a read-only open: one at a time. */
export class ReadOnlyRefresher {
  private running: Promise<void> = Promise.resolve()

  constructor(
    private readonly directory: string,
    private readonly options: ResolvedOptions,
    private readonly targets: RefreshTargets,
  ) {}

  /** Reads the writer's newest state and installs it: later reads see it, open iterators keep
   *  what they read. Refused while snapshots are held (the writer's compactions may have dropped
   *  versions they read). */
  refresh(): Promise<void> {
    const { snapshots } = this.targets
    if (snapshots.size > 0) {
      return Promise.reject(
        new StrataError(
          ErrorCode.InvalidArgument,
          `refresh() with ${snapshots.size} snapshot(s) held: release them first (a snapshot reads one state of the writer, which the refresh would replace)`,
        ),
      )
    }
    const run = this.running.then(() => this.refreshOnce())
    this.running = run.catch(() => {})
    return run
  }

  private async refreshOnce(): Promise<void> {
    const { tree, memtables, writes } = this.targets
    const { fs, walRecovery, memtableBytes } = this.options
    const state = await readWriterState(fs, this.directory, tree.versions, walRecovery, memtableBytes)
    memtables.replaceWith(state.memtables)
    tree.installRead(state.manifest.version, state.manifestBytes)
    writes.advanceTo(state.lastSeq, state.walBytes)
  }
}
