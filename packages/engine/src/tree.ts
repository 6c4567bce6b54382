/**
 * The tree on disk: the manifest, the version set (the current version, older versions
 * still read, open tables) and file numbers. Edits go through `applyEdit`, one at a time: recorded in
 * the manifest, then installed; files no version reads any more are deleted once their last
 * reader lets go.
 */
import type { FileSystem } from '@strata/base'
import type { Table } from '@strata/sstable'
import { levelViews } from './event-views.js'
import { EventHub, type VersionEvent } from './events.js'
import { pathIn, tableFileName } from './filenames.js'
import { CHECK_INVARIANTS, checkVersion } from './invariants.js'
import type { Manifest, ManifestState } from './manifest.js'
import type { Version, VersionEdit, WalRecord } from './version.js'
import type { VersionHandle, VersionSet } from './version-set.js'

export class Tree {
  private manifestQueue: Promise<unknown> = Promise.resolve()
  /** Deletions started by a reader letting go (outside the manifest queue); `close` waits for
   *  them, so no file of this database changes after it closed. */
  private readonly deletions = new Set<Promise<void>>()
  private nextFile: number

  constructor(
    private readonly directory: string,
    private readonly fs: FileSystem,
    /** `undefined` in a read-only open: the tree then never edits, and never deletes a file. */
    private readonly manifest: Manifest | undefined,
    private readonly tables: VersionSet,
    nextFileNumber: number,
    private readonly events: EventHub = new EventHub(),
  ) {
    this.nextFile = nextFileNumber
  }

  /** The current version. */
  get current(): Version {
    return this.tables.current
  }

  /** The open table of `fileNumber` (it must be in a pinned or the current version). */
  table(fileNumber: number): Table {
    return this.tables.table(fileNumber)
  }

  /** The version set, for readers that walk tables of a pinned version. */
  get versions(): VersionSet {
    return this.tables
  }

  /** Takes the next free file number (recorded by the next edit that passes `nextFileNumber`). */
  newFileNumber(): number {
    return this.nextFile++
  }

  /** The next free file number. */
  get nextFileNumber(): number {
    return this.nextFile
  }

  /** The manifest's state as of its last edit (a writer's tree: a read-only one has none). */
  get manifestState(): ManifestState {
    if (this.manifest === undefined) throw new Error('a read-only tree has no manifest')
    return this.manifest.current
  }

  /** Records what the WAL holds (a clean close's record), after the edits in progress. A
   *  failure is ignored: the next open then checks against the previous record. */
  async recordWal(record: WalRecord): Promise<void> {
    await this.manifestQueue
    await this.manifest?.apply({ wal: record }).catch(() => {})
  }

  get manifestBytes(): number {
    return this.manifest?.sizeBytes ?? this.readOnlyManifestBytes
  }

  /** Size of the writer's manifest at the last read (read-only opens). */
  private readOnlyManifestBytes = 0

  /** A read-only open's refresh: installs `version` (its tables opened by the caller into the
   *  version set) and closes the tables nothing reads any more, deleting nothing. */
  installRead(version: Version, manifestBytes: number): void {
    this.readOnlyManifestBytes = manifestBytes
    this.tables.install(version)
    this.tables.retireUnlisted()
    this.startDeletion()
  }

  /** Pins the current version for a read; pair with `release`. */
  acquire(): VersionHandle {
    return this.tables.acquire()
  }

  /** Releases a pinned version; deletes the files it was the last to hold, if any. */
  release(handle: VersionHandle): void {
    this.tables.release(handle)
    if (handle.refs === 0 && this.tables.hasRetired) this.startDeletion()
  }

  private startDeletion(): void {
    const deletion: Promise<void> = this.deleteObsoleteFiles()
      .catch(() => {})
      .finally(() => this.deletions.delete(deletion))
    this.deletions.add(deletion)
  }

  /** Records `edit` in the manifest (one edit at a time), opens new tables, installs the
   *  version, and deletes files nothing reads any more. With invariants checked, a version of
   *  the wrong shape is refused before the manifest records it. With `job` (the flush or
   *  compaction making the edit), the new version is announced as a `version` event. */
  applyEdit(edit: VersionEdit, job?: Pick<VersionEvent, 'cause' | 'jobId'>): Promise<void> {
    const manifest = this.manifest
    if (manifest === undefined) return Promise.reject(new Error('a read-only tree takes no edits'))
    const run = async () => {
      const next = manifest.current.version.apply(edit)
      if (CHECK_INVARIANTS) checkVersion(next)
      await this.tables.openTables(next)
      const state = await manifest.apply(edit)
      this.tables.install(state.version)
      if (job !== undefined) {
        this.events.emit('version', () => ({
          ...job,
          added: (edit.added ?? []).map(({ table }) => table.fileNumber),
          removed: (edit.removed ?? []).map(({ fileNumber }) => fileNumber),
          levels: levelViews(state.version),
        }))
      }
      await this.deleteObsoleteFiles()
    }
    const result = this.manifestQueue.then(run, run)
    this.manifestQueue = result.catch(() => {})
    return result
  }

  private async deleteObsoleteFiles(): Promise<void> {
    for (const { fileNumber, table } of this.tables.takeObsolete()) {
      await table?.close().catch(() => {})
      if (this.manifest === undefined) continue
      await this.fs.unlink(pathIn(this.directory, tableFileName(fileNumber))).catch(() => {})
    }
  }

  /** Waits for the edits and deletions in progress, then closes the manifest and every table. */
  async close(): Promise<void> {
    await this.manifestQueue
    while (this.deletions.size > 0) await Promise.all(this.deletions)
    await this.manifest?.close()
    await this.tables.closeAll()
  }
}
