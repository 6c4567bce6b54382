/**
 * An in-memory `FileSystem` that models what survives a power cut: file bytes become durable at
 * `fsync`/`fdatasync`, directory entries (creates, renames, unlinks) at `syncDir` of their
 * directory. `powerLoss()` throws away everything not yet durable, as a real machine losing power
 * would; `crash()` models a process crash (the OS keeps every written byte) by closing all
 * descriptors. Async operations complete on a later macrotask, so concurrent work interleaves.
 */
import * as posix from 'node:path/posix'
import type { FileStat, FileSystem, OpenFlags } from './fs.js'

class FileNode {
  data: Uint8Array = new Uint8Array(0)
  length = 0
  durable: Uint8Array = new Uint8Array(0)

  bytes(): Uint8Array {
    return this.data.subarray(0, this.length)
  }

  ensure(capacity: number): void {
    if (capacity <= this.data.length) return
    const grown = new Uint8Array(Math.max(capacity, this.data.length * 2, 64))
    grown.set(this.data.subarray(0, this.length))
    this.data = grown
  }

  truncate(length: number): void {
    if (length > this.length) {
      this.ensure(length)
      this.data.fill(0, this.length, length)
    }
    this.length = length
  }
}

class DirectoryNode {
  entries = new Map<string, FileNode | DirectoryNode>()
  durable = new Map<string, FileNode | DirectoryNode>()
}

interface Descriptor {
  node: FileNode
  path: string
  flags: OpenFlags
  position: number
}

function systemError(code: string, syscall: string, path?: string): NodeJS.ErrnoException {
  const error = new Error(
    `${code}: ${syscall}${path === undefined ? '' : ` '${path}'`}`,
  ) as NodeJS.ErrnoException
  error.code = code
  error.syscall = syscall
  if (path !== undefined) error.path = path
  return error
}

function later<T>(work: () => T): Promise<T> {
  return new Promise((resolve, reject) =>
    setImmediate(() => {
      try {
        resolve(work())
      } catch (error) {
        reject(error)
      }
    }),
  )
}

export class MemoryFileSystem implements FileSystem {
  private root = new DirectoryNode()
  private descriptors = new Map<number, Descriptor>()
  private nextDescriptor = 3

  constructor() {
    this.root.durable = this.root.entries
  }

  /** Simulates a power cut: keeps only fsynced bytes and dir-synced entries; closes every fd. */
  powerLoss(): void {
    this.descriptors.clear()
    const restore = (directory: DirectoryNode) => {
      directory.entries = new Map(directory.durable)
      for (const node of directory.entries.values()) {
        if (node instanceof DirectoryNode) restore(node)
        else {
          node.data = node.durable.slice()
          node.length = node.durable.length
        }
      }
    }
    // The root always exists; its entries are durable only once synced like any other directory.
    restore(this.root)
  }

  /** Simulates a process crash: every written byte stays (the OS has it); every fd is closed. */
  crash(): void {
    this.descriptors.clear()
  }

  /** Number of open descriptors (tests use it to check that nothing leaks). */
  get openDescriptors(): number {
    return this.descriptors.size
  }

  private split(path: string): { parent: DirectoryNode; name: string; path: string } {
    const absolute = posix.resolve('/', path)
    const name = posix.basename(absolute)
    const parent = this.lookup(posix.dirname(absolute), 'open')
    if (!(parent instanceof DirectoryNode)) throw systemError('ENOTDIR', 'open', path)
    return { parent, name, path: absolute }
  }

  private lookup(path: string, syscall: string): FileNode | DirectoryNode {
    const absolute = posix.resolve('/', path)
    let node: FileNode | DirectoryNode = this.root
    for (const part of absolute.split('/')) {
      if (part === '') continue
      if (!(node instanceof DirectoryNode)) throw systemError('ENOTDIR', syscall, path)
      const child: FileNode | DirectoryNode | undefined = node.entries.get(part)
      if (child === undefined) throw systemError('ENOENT', syscall, path)
      node = child
    }
    return node
  }

  private descriptor(fd: number, syscall: string): Descriptor {
    const descriptor = this.descriptors.get(fd)
    if (descriptor === undefined) throw systemError('EBADF', syscall)
    return descriptor
  }

  openSync(path: string, flags: OpenFlags): number {
    const { parent, name, path: absolute } = this.split(path)
    let node = parent.entries.get(name)
    if (node instanceof DirectoryNode) {
      if (flags !== 'r') throw systemError('EISDIR', 'open', path)
    } else if (node === undefined) {
      if (flags === 'r' || flags === 'r+') throw systemError('ENOENT', 'open', path)
      node = new FileNode()
      parent.entries.set(name, node)
    } else if (flags === 'wx') {
      throw systemError('EEXIST', 'open', path)
    } else if (flags === 'w') {
      node.truncate(0)
    }
    const fd = this.nextDescriptor++
    // A directory descriptor is only good for fsync (syncDir); model it with a placeholder file.
    const fileNode = node instanceof FileNode ? node : new FileNode()
    this.descriptors.set(fd, { node: fileNode, path: absolute, flags, position: 0 })
    return fd
  }
  closeSync(fd: number): void {
    this.descriptor(fd, 'close')
    this.descriptors.delete(fd)
  }
  readSync(fd: number, buffer: Uint8Array, offset: number, length: number, position: number): number {
    const { node, flags } = this.descriptor(fd, 'read')
    if (flags === 'w' || flags === 'wx' || flags === 'a') throw systemError('EBADF', 'read')
    const available = Math.max(0, Math.min(length, node.length - position))
    buffer.set(node.data.subarray(position, position + available), offset)
    return available
  }
  writeSync(fd: number, buffer: Uint8Array, offset: number, length: number, position: number | null): number {
    const descriptor = this.descriptor(fd, 'write')
    const { node, flags } = descriptor
    if (flags === 'r') throw systemError('EBADF', 'write')
    const append = flags === 'a' || flags === 'a+'
    const at = append ? node.length : (position ?? descriptor.position)
    node.ensure(at + length)
    if (at > node.length) node.data.fill(0, node.length, at)
    node.data.set(buffer.subarray(offset, offset + length), at)
    node.length = Math.max(node.length, at + length)
    if (position === null || append) descriptor.position = at + length
    return length
  }
  fsyncSync(fd: number): void {
    const { node } = this.descriptor(fd, 'fsync')
    node.durable = node.bytes().slice()
  }
  fdatasyncSync(fd: number): void {
    this.fsyncSync(fd)
  }
  ftruncateSync(fd: number, length: number): void {
    const { node, flags } = this.descriptor(fd, 'ftruncate')
    if (flags === 'r') throw systemError('EINVAL', 'ftruncate')
    node.truncate(length)
  }
  fstatSync(fd: number): FileStat {
    const { node } = this.descriptor(fd, 'fstat')
    return { size: node.length, isDirectory: false }
  }

  open(path: string, flags: OpenFlags): Promise<number> {
    return later(() => this.openSync(path, flags))
  }
  close(fd: number): Promise<void> {
    return later(() => this.closeSync(fd))
  }
  read(fd: number, buffer: Uint8Array, offset: number, length: number, position: number): Promise<number> {
    return later(() => this.readSync(fd, buffer, offset, length, position))
  }
  write(
    fd: number,
    buffer: Uint8Array,
    offset: number,
    length: number,
    position: number | null,
  ): Promise<number> {
    return later(() => this.writeSync(fd, buffer, offset, length, position))
  }
  fsync(fd: number): Promise<void> {
    return later(() => this.fsyncSync(fd))
  }
  fdatasync(fd: number): Promise<void> {
    return later(() => this.fdatasyncSync(fd))
  }
  ftruncate(fd: number, length: number): Promise<void> {
    return later(() => this.ftruncateSync(fd, length))
  }
  fstat(fd: number): Promise<FileStat> {
    return later(() => this.fstatSync(fd))
  }

  statSync(path: string): FileStat | undefined {
    try {
      const node = this.lookup(path, 'stat')
      return node instanceof DirectoryNode
        ? { size: 0, isDirectory: true }
        : { size: node.length, isDirectory: false }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
      throw error
    }
  }
  stat(path: string): Promise<FileStat | undefined> {
    return later(() => this.statSync(path))
  }
  mkdirSync(path: string): void {
    let directory = this.root
    for (const part of posix.resolve('/', path).split('/')) {
      if (part === '') continue
      const child = directory.entries.get(part)
      if (child instanceof FileNode) throw systemError('EEXIST', 'mkdir', path)
      if (child === undefined) {
        const created = new DirectoryNode()
        directory.entries.set(part, created)
        directory = created
      } else directory = child
    }
  }
  mkdir(path: string): Promise<void> {
    return later(() => this.mkdirSync(path))
  }
  readdirSync(path: string): string[] {
    const node = this.lookup(path, 'scandir')
    if (!(node instanceof DirectoryNode)) throw systemError('ENOTDIR', 'scandir', path)
    return [...node.entries.keys()].sort()
  }
  readdir(path: string): Promise<string[]> {
    return later(() => this.readdirSync(path))
  }
  renameSync(from: string, to: string): void {
    const source = this.split(from)
    const node = source.parent.entries.get(source.name)
    if (node === undefined) throw systemError('ENOENT', 'rename', from)
    const target = this.split(to)
    const existing = target.parent.entries.get(target.name)
    if (existing instanceof DirectoryNode && existing.entries.size > 0) {
      throw systemError('ENOTEMPTY', 'rename', to)
    }
    source.parent.entries.delete(source.name)
    target.parent.entries.set(target.name, node)
  }
  rename(from: string, to: string): Promise<void> {
    return later(() => this.renameSync(from, to))
  }
  unlinkSync(path: string): void {
    const { parent, name } = this.split(path)
    const node = parent.entries.get(name)
    if (node === undefined) throw systemError('ENOENT', 'unlink', path)
    if (node instanceof DirectoryNode) throw systemError('EISDIR', 'unlink', path)
    parent.entries.delete(name)
  }
  unlink(path: string): Promise<void> {
    return later(() => this.unlinkSync(path))
  }
  rmdirSync(path: string): void {
    const { parent, name } = this.split(path)
    const node = parent.entries.get(name)
    if (node === undefined) throw systemError('ENOENT', 'rmdir', path)
    if (!(node instanceof DirectoryNode)) throw systemError('ENOTDIR', 'rmdir', path)
    if (node.entries.size > 0) throw systemError('ENOTEMPTY', 'rmdir', path)
    parent.entries.delete(name)
  }
  syncDirSync(path: string): void {
    const node = this.lookup(path, 'fsync')
    if (!(node instanceof DirectoryNode)) throw systemError('ENOTDIR', 'fsync', path)
    if (node !== this.root) node.durable = new Map(node.entries)
  }
  syncDir(path: string): Promise<void> {
    return later(() => this.syncDirSync(path))
  }
  readFileSync(path: string): Uint8Array {
    const node = this.lookup(path, 'open')
    if (node instanceof DirectoryNode) throw systemError('EISDIR', 'read', path)
    return node.bytes().slice()
  }
  readFile(path: string): Promise<Uint8Array> {
    return later(() => this.readFileSync(path))
  }

  realpathSync(path: string): string {
    this.lookup(path, 'realpath')
    return posix.resolve('/', path)
  }
  linkSync(existingPath: string, newPath: string): void {
    const node = this.lookup(existingPath, 'link')
    if (node instanceof DirectoryNode) throw systemError('EPERM', 'link', existingPath)
    const { parent, name } = this.split(newPath)
    if (parent.entries.has(name)) throw systemError('EEXIST', 'link', newPath)
    parent.entries.set(name, node)
  }

  /** Test helper: replaces a file's whole content (durably), e.g. to damage it on purpose. */
  writeFileSync(path: string, data: Uint8Array): void {
    const fd = this.openSync(path, 'w')
    this.writeSync(fd, data, 0, data.length, 0)
    this.fsyncSync(fd)
    this.closeSync(fd)
  }
}
