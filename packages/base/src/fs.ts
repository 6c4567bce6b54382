/**
 * The FileSystem seam. Every strata package that touches files does it through this interface,
 * so tests can swap in `MemoryFileSystem` (with simulated power loss) or wrap any file system in
 * `FaultyFileSystem` (fail the Nth fsync, tear a write, fill the disk).
 *
 * Files are addressed by numeric descriptors, as in `node:fs`. Each operation exists in a
 * synchronous form (for the WAL writer, which the reference makes synchronous, and for recovery
 * at open) and an asynchronous form (for everything on the hot path of a running database, so
 * the event loop never waits on the disk).
 */
import * as fs from 'node:fs'
import * as nodePath from 'node:path'

/** `r` read; `r+` read/write, must exist; `w` create/truncate; `wx` create, must not exist;
 *  `a` append (create if missing); `a+` append and read. */
export type OpenFlags = 'r' | 'r+' | 'w' | 'wx' | 'a' | 'a+'

export interface FileStat {
  size: number
  isDirectory: boolean
}

export interface FileSystem {
  openSync(path: string, flags: OpenFlags): number
  closeSync(fd: number): void
  /** Reads up to `length` bytes at `position` into `buffer[offset..]`; returns bytes read. */
  readSync(fd: number, buffer: Uint8Array, offset: number, length: number, position: number): number
  /** Writes `buffer[offset..offset+length]` at `position` (`null`: at the file's current end
   *  for append-mode descriptors, else the current position); returns bytes written. */
  writeSync(fd: number, buffer: Uint8Array, offset: number, length: number, position: number | null): number
  fsyncSync(fd: number): void
  fdatasyncSync(fd: number): void
  ftruncateSync(fd: number, length: number): void
  fstatSync(fd: number): FileStat

  open(path: string, flags: OpenFlags): Promise<number>
  close(fd: number): Promise<void>
  read(fd: number, buffer: Uint8Array, offset: number, length: number, position: number): Promise<number>
  write(
    fd: number,
    buffer: Uint8Array,
    offset: number,
    length: number,
    position: number | null,
  ): Promise<number>
  fsync(fd: number): Promise<void>
  fdatasync(fd: number): Promise<void>
  ftruncate(fd: number, length: number): Promise<void>
  fstat(fd: number): Promise<FileStat>

  /** `undefined` when nothing exists at `path`. */
  statSync(path: string): FileStat | undefined
  stat(path: string): Promise<FileStat | undefined>
  mkdirSync(path: string): void
  mkdir(path: string): Promise<void>
  readdirSync(path: string): string[]
  readdir(path: string): Promise<string[]>
  renameSync(from: string, to: string): void
  rename(from: string, to: string): Promise<void>
  unlinkSync(path: string): void
  unlink(path: string): Promise<void>
  /** Removes an empty directory (ENOTEMPTY otherwise). */
  rmdirSync(path: string): void
  /** Makes the directory's entries (creations, renames, deletions) durable. */
  syncDirSync(path: string): void
  syncDir(path: string): Promise<void>
  readFileSync(path: string): Uint8Array
  readFile(path: string): Promise<Uint8Array>
  /** The canonical absolute path of an existing `path`: symlinks, `.` and `..` resolved. */
  realpathSync(path: string): string
  /** Creates `newPath` as a second name of the file at `existingPath`, atomically; fails with
   *  `EEXIST` if `newPath` exists (an exclusive create that appears with its content). */
  linkSync(existingPath: string, newPath: string): void
}

function callback<T>(resolve: (value: T) => void, reject: (error: unknown) => void) {
  return (error: NodeJS.ErrnoException | null, value: T) => (error ? reject(error) : resolve(value))
}

function toStat(stat: fs.Stats): FileStat {
  return { size: stat.size, isDirectory: stat.isDirectory() }
}

/** The real disk, through `node:fs` (callback API wrapped in promises: cheaper than `fs.promises`). */
export class NodeFileSystem implements FileSystem {
  openSync(path: string, flags: OpenFlags): number {
    return fs.openSync(path, flags)
  }
  closeSync(fd: number): void {
    fs.closeSync(fd)
  }
  readSync(fd: number, buffer: Uint8Array, offset: number, length: number, position: number): number {
    return fs.readSync(fd, buffer, offset, length, position)
  }
  writeSync(fd: number, buffer: Uint8Array, offset: number, length: number, position: number | null): number {
    return fs.writeSync(fd, buffer, offset, length, position)
  }
  fsyncSync(fd: number): void {
    fs.fsyncSync(fd)
  }
  fdatasyncSync(fd: number): void {
    fs.fdatasyncSync(fd)
  }
  ftruncateSync(fd: number, length: number): void {
    fs.ftruncateSync(fd, length)
  }
  fstatSync(fd: number): FileStat {
    return toStat(fs.fstatSync(fd))
  }

  open(path: string, flags: OpenFlags): Promise<number> {
    return new Promise((resolve, reject) => fs.open(path, flags, callback(resolve, reject)))
  }
  close(fd: number): Promise<void> {
    return new Promise((resolve, reject) => fs.close(fd, (error) => (error ? reject(error) : resolve())))
  }
  read(fd: number, buffer: Uint8Array, offset: number, length: number, position: number): Promise<number> {
    return new Promise((resolve, reject) =>
      fs.read(fd, buffer, offset, length, position, (error, bytesRead) =>
        error ? reject(error) : resolve(bytesRead),
      ),
    )
  }
  write(
    fd: number,
    buffer: Uint8Array,
    offset: number,
    length: number,
    position: number | null,
  ): Promise<number> {
    return new Promise((resolve, reject) =>
      fs.write(fd, buffer, offset, length, position, (error, written) =>
        error ? reject(error) : resolve(written),
      ),
    )
  }
  fsync(fd: number): Promise<void> {
    return new Promise((resolve, reject) => fs.fsync(fd, (error) => (error ? reject(error) : resolve())))
  }
  fdatasync(fd: number): Promise<void> {
    return new Promise((resolve, reject) => fs.fdatasync(fd, (error) => (error ? reject(error) : resolve())))
  }
  ftruncate(fd: number, length: number): Promise<void> {
    return new Promise((resolve, reject) =>
      fs.ftruncate(fd, length, (error) => (error ? reject(error) : resolve())),
    )
  }
  fstat(fd: number): Promise<FileStat> {
    return new Promise((resolve, reject) =>
      fs.fstat(fd, (error, stat) => (error ? reject(error) : resolve(toStat(stat)))),
    )
  }

  statSync(path: string): FileStat | undefined {
    const stat = fs.statSync(path, { throwIfNoEntry: false })
    return stat === undefined ? undefined : toStat(stat)
  }
  stat(path: string): Promise<FileStat | undefined> {
    return new Promise((resolve, reject) =>
      fs.stat(path, (error, stat) => {
        if (error) return error.code === 'ENOENT' ? resolve(undefined) : reject(error)
        resolve(toStat(stat))
      }),
    )
  }
  mkdirSync(path: string): void {
    fs.mkdirSync(path, { recursive: true })
  }
  mkdir(path: string): Promise<void> {
    return new Promise((resolve, reject) =>
      fs.mkdir(path, { recursive: true }, (error) => (error ? reject(error) : resolve())),
    )
  }
  readdirSync(path: string): string[] {
    return fs.readdirSync(path)
  }
  readdir(path: string): Promise<string[]> {
    return new Promise((resolve, reject) => fs.readdir(path, callback(resolve, reject)))
  }
  renameSync(from: string, to: string): void {
    fs.renameSync(from, to)
  }
  rename(from: string, to: string): Promise<void> {
    return new Promise((resolve, reject) =>
      fs.rename(from, to, (error) => (error ? reject(error) : resolve())),
    )
  }
  unlinkSync(path: string): void {
    fs.unlinkSync(path)
  }
  rmdirSync(path: string): void {
    fs.rmdirSync(path)
  }
  unlink(path: string): Promise<void> {
    return new Promise((resolve, reject) => fs.unlink(path, (error) => (error ? reject(error) : resolve())))
  }
  syncDirSync(path: string): void {
    const fd = fs.openSync(path, 'r')
    try {
      fs.fsyncSync(fd)
    } finally {
      fs.closeSync(fd)
    }
  }
  async syncDir(path: string): Promise<void> {
    const fd = await this.open(path, 'r')
    try {
      await this.fsync(fd)
    } finally {
      await this.close(fd)
    }
  }
  readFileSync(path: string): Uint8Array {
    return fs.readFileSync(path)
  }
  readFile(path: string): Promise<Uint8Array> {
    return new Promise((resolve, reject) => fs.readFile(path, callback(resolve, reject)))
  }
  realpathSync(path: string): string {
    return fs.realpathSync(path)
  }
  linkSync(existingPath: string, newPath: string): void {
    fs.linkSync(existingPath, newPath)
  }
}

/** The process-wide real file system. */
export const nodeFileSystem: FileSystem = new NodeFileSystem()

/** `path.dirname`, exported so packages need not import `node:path` for the seam's sake. */
export function parentDirectory(path: string): string {
  return nodePath.dirname(path)
}
