/**
 * The version set (LevelDB's name): the current `Version`, the older versions still pinned by an
 * iterator or a get, the open `Table` of every file they reference, and reference counts so that
 * a file leaves the disk only once nothing can read it any more.
 */
import { type FileSystem, nodeFileSystem } from '@strata/base'
import { type BlockCache, Table } from '@strata/sstable'
import { pathIn, tableFileName } from './filenames.js'
import { CHECK_INVARIANTS, invariant } from './invariants.js'
import type { Version } from './version.js'

/** A pinned version: reads through it stay valid until `release()`. */
export class VersionHandle {
  refs = 0
  constructor(readonly version: Version) {}
}

export class VersionSet {
  private readonly tables = new Map<number, Table>()
  private readonly pinned = new Set<VersionHandle>()
  private currentHandle: VersionHandle
  /** Files no version references any more, waiting for their readers to finish. */
  private readonly retired = new Set<number>()

  constructor(
    private readonly directory: string,
    version: Version,
    private readonly cache: BlockCache,
    private readonly fs: FileSystem = nodeFileSystem,
  ) {
    this.currentHandle = new VersionHandle(version)
  }

  get current(): Version {
    return this.currentHandle.version
  }

  /** The open table of `fileNumber` (it must be in a pinned or the current version). */
  table(fileNumber: number): Table {
    const table = this.tables.get(fileNumber)
    if (table === undefined) throw new Error(`table ${fileNumber} is not open`)
    return table
  }

  /** Opens every table of `version` that is not open yet. */
  async openTables(version: Version): Promise<void> {
    for (const { table } of version.files()) {
      if (this.tables.has(table.fileNumber)) continue
      const opened = await Table.open(pathIn(this.directory, tableFileName(table.fileNumber)), {
        fs: this.fs,
        cache: this.cache,
      })
      this.tables.set(table.fileNumber, opened)
    }
  }

  /** Pins the current version for a read; pair with `release`. */
  acquire(): VersionHandle {
    const handle = this.currentHandle
    handle.refs++
    this.pinned.add(handle)
    return handle
  }

  release(handle: VersionHandle): void {
    if (CHECK_INVARIANTS) invariant(handle.refs > 0, () => 'a version was released more often than pinned')
    handle.refs--
    if (handle.refs === 0) this.pinned.delete(handle)
  }

  /** Makes `version` current (its tables must be open). Files the previous current version
   *  referenced and `version` does not are retired: `takeObsolete()` hands them out once no
   *  pinned version reads them. */
  install(version: Version): void {
    const before = new Set<number>()
    for (const { table } of this.currentHandle.version.files()) before.add(table.fileNumber)
    for (const { table } of version.files()) before.delete(table.fileNumber)
    for (const fileNumber of before) this.retired.add(fileNumber)
    this.currentHandle = new VersionHandle(version)
  }

  /** Retired files that no pinned version reads any more: close them and remove them from the set. */
  takeObsolete(): { fileNumber: number; table: Table | undefined }[] {
    if (this.retired.size === 0) return []
    const inUse = new Set<number>()
    for (const handle of this.pinned) {
      for (const { table } of handle.version.files()) inUse.add(table.fileNumber)
    }
    const obsolete: { fileNumber: number; table: Table | undefined }[] = []
    for (const fileNumber of this.retired) {
      if (inUse.has(fileNumber)) continue
      this.retired.delete(fileNumber)
      obsolete.push({ fileNumber, table: this.tables.get(fileNumber) })
      this.tables.delete(fileNumber)
    }
    return obsolete
  }

  /** Retires every open table the current version does not list (tables opened for a state a
   *  read-only refresh then did not install). */
  retireUnlisted(): void {
    const listed = new Set<number>()
    for (const { table } of this.currentHandle.version.files()) listed.add(table.fileNumber)
    for (const fileNumber of this.tables.keys()) if (!listed.has(fileNumber)) this.retired.add(fileNumber)
  }

  /** True when some files wait for their readers before they can be deleted. */
  get hasRetired(): boolean {
    return this.retired.size > 0
  }

  get openTableCount(): number {
    return this.tables.size
  }

  async closeAll(): Promise<void> {
    const tables = [...this.tables.values()]
    this.tables.clear()
    await Promise.all(tables.map((table) => table.close().catch(() => {})))
  }
}
