/**
 * A `FileSystem` wrapper that injects failures and counts operations, for tests: fail the Nth
 * fsync, tear a write after K bytes, fill the disk after a byte budget, fail a rename.
 */
import type { FileStat, FileSystem, OpenFlags } from './fs.js'

/** Operations that can be counted and failed. `fsync` covers fsync, fdatasync and syncDir. */
export type FaultOperation =
  | 'open'
  | 'read'
  | 'write'
  | 'fsync'
  | 'ftruncate'
  | 'rename'
  | 'unlink'
  | 'mkdir'
  | 'rmdir'
  | 'close'
  | 'stat'
  | 'readdir'
  | 'link'

export interface FaultRule {
  operation: FaultOperation
  /** Fail the nth matching operation from now (1 = the next one). Default 1. */
  nth?: number
  /** Only operations on paths matching this (descriptor operations use the opened path). */
  path?: RegExp
  /** The system error code to raise. Default `EIO`. */
  code?: string
  /** For `write`: write this many bytes of the buffer before failing (a torn write). */
  tornBytes?: number
  /** Keep failing every matching operation after the first failure. Default false. */
  persistent?: boolean
}

interface ActiveRule extends FaultRule {
  seen: number
  fired: boolean
}

function injected(code: string, operation: string, path: string | undefined): NodeJS.ErrnoException {
  const error = new Error(
    `${code}: injected ${operation} failure${path ? ` on '${path}'` : ''}`,
  ) as NodeJS.ErrnoException
  error.code = code
  error.syscall = operation
  if (path !== undefined) error.path = path
  return error
}

export class FaultyFileSystem implements FileSystem {
  readonly inner: FileSystem
  /** Operations performed so far, by kind (failed ones included). */
  readonly counts: Record<FaultOperation, number> = {
    open: 0,
    read: 0,
    write: 0,
    fsync: 0,
    ftruncate: 0,
    rename: 0,
    unlink: 0,
    mkdir: 0,
    rmdir: 0,
    close: 0,
    stat: 0,
    readdir: 0,
    link: 0,
  }
  /** Bytes written through this wrapper so far. */
  bytesWritten = 0
  /** When set, writes beyond this many total bytes fail with ENOSPC (the part that fits is written). */
  spaceLimitBytes: number | undefined
  private rules: ActiveRule[] = []
  private paths = new Map<number, string>()

  constructor(inner: FileSystem) {
    this.inner = inner
  }

  /** Adds a fault rule; returns a function that removes it. */
  inject(rule: FaultRule): () => void {
    const active: ActiveRule = { ...rule, seen: 0, fired: false }
    this.rules.push(active)
    return () => {
      this.rules = this.rules.filter((candidate) => candidate !== active)
    }
  }

  /** Removes every fault rule and the space limit. */
  heal(): void {
    this.rules = []
    this.spaceLimitBytes = undefined
  }

  private check(operation: FaultOperation, path: string | undefined): ActiveRule | undefined {
    this.counts[operation]++
    for (const rule of this.rules) {
      if (rule.operation !== operation) continue
      if (rule.path !== undefined && (path === undefined || !rule.path.test(path))) continue
      if (rule.fired && rule.persistent) return rule
      if (rule.fired) continue
      rule.seen++
      if (rule.seen >= (rule.nth ?? 1)) {
        rule.fired = true
        return rule
      }
    }
    return undefined
  }

  private before(operation: FaultOperation, path: string | undefined): void {
    const rule = this.check(operation, path)
    if (rule !== undefined) throw injected(rule.code ?? 'EIO', operation, path)
  }

  /** Decides how much of a write may go through; throws after writing the allowed part. */
  private writePlan(fd: number, length: number): { allowed: number; error?: NodeJS.ErrnoException } {
    const path = this.paths.get(fd)
    const rule = this.check('write', path)
    let allowed = length
    let error: NodeJS.ErrnoException | undefined
    if (rule !== undefined) {
      allowed = Math.min(length, rule.tornBytes ?? 0)
      error = injected(rule.code ?? 'EIO', 'write', path)
    }
    if (this.spaceLimitBytes !== undefined && this.bytesWritten + allowed > this.spaceLimitBytes) {
      allowed = Math.max(0, this.spaceLimitBytes - this.bytesWritten)
      error = injected('ENOSPC', 'write', path)
    }
    return error === undefined ? { allowed } : { allowed, error }
  }

  private track(fd: number, path: string): number {
    this.paths.set(fd, path)
    return fd
  }

  openSync(path: string, flags: OpenFlags): number {
    this.before('open', path)
    return this.track(this.inner.openSync(path, flags), path)
  }
  closeSync(fd: number): void {
    this.paths.delete(fd)
    this.counts.close++
    this.inner.closeSync(fd)
  }
  readSync(fd: number, buffer: Uint8Array, offset: number, length: number, position: number): number {
    this.before('read', this.paths.get(fd))
    return this.inner.readSync(fd, buffer, offset, length, position)
  }
  writeSync(fd: number, buffer: Uint8Array, offset: number, length: number, position: number | null): number {
    const plan = this.writePlan(fd, length)
    if (plan.allowed > 0)
      this.bytesWritten += this.inner.writeSync(fd, buffer, offset, plan.allowed, position)
    if (plan.error) throw plan.error
    return length
  }
  fsyncSync(fd: number): void {
    this.before('fsync', this.paths.get(fd))
    this.inner.fsyncSync(fd)
  }
  fdatasyncSync(fd: number): void {
    this.before('fsync', this.paths.get(fd))
    this.inner.fdatasyncSync(fd)
  }
  ftruncateSync(fd: number, length: number): void {
    this.before('ftruncate', this.paths.get(fd))
    this.inner.ftruncateSync(fd, length)
  }
  fstatSync(fd: number): FileStat {
    return this.inner.fstatSync(fd)
  }

  async open(path: string, flags: OpenFlags): Promise<number> {
    this.before('open', path)
    return this.track(await this.inner.open(path, flags), path)
  }
  close(fd: number): Promise<void> {
    this.paths.delete(fd)
    this.counts.close++
    return this.inner.close(fd)
  }
  async read(
    fd: number,
    buffer: Uint8Array,
    offset: number,
    length: number,
    position: number,
  ): Promise<number> {
    this.before('read', this.paths.get(fd))
    return this.inner.read(fd, buffer, offset, length, position)
  }
  async write(
    fd: number,
    buffer: Uint8Array,
    offset: number,
    length: number,
    position: number | null,
  ): Promise<number> {
    const plan = this.writePlan(fd, length)
    if (plan.allowed > 0)
      this.bytesWritten += await this.inner.write(fd, buffer, offset, plan.allowed, position)
    if (plan.error) throw plan.error
    return length
  }
  async fsync(fd: number): Promise<void> {
    this.before('fsync', this.paths.get(fd))
    return this.inner.fsync(fd)
  }
  async fdatasync(fd: number): Promise<void> {
    this.before('fsync', this.paths.get(fd))
    return this.inner.fdatasync(fd)
  }
  async ftruncate(fd: number, length: number): Promise<void> {
    this.before('ftruncate', this.paths.get(fd))
    return this.inner.ftruncate(fd, length)
  }
  fstat(fd: number): Promise<FileStat> {
    return this.inner.fstat(fd)
  }

  statSync(path: string): FileStat | undefined {
    this.before('stat', path)
    return this.inner.statSync(path)
  }
  async stat(path: string): Promise<FileStat | undefined> {
    this.before('stat', path)
    return this.inner.stat(path)
  }
  mkdirSync(path: string): void {
    this.before('mkdir', path)
    this.inner.mkdirSync(path)
  }
  async mkdir(path: string): Promise<void> {
    this.before('mkdir', path)
    return this.inner.mkdir(path)
  }
  rmdirSync(path: string): void {
    this.before('rmdir', path)
    this.inner.rmdirSync(path)
  }
  readdirSync(path: string): string[] {
    this.before('readdir', path)
    return this.inner.readdirSync(path)
  }
  async readdir(path: string): Promise<string[]> {
    this.before('readdir', path)
    return this.inner.readdir(path)
  }
  renameSync(from: string, to: string): void {
    this.before('rename', to)
    this.inner.renameSync(from, to)
  }
  async rename(from: string, to: string): Promise<void> {
    this.before('rename', to)
    return this.inner.rename(from, to)
  }
  unlinkSync(path: string): void {
    this.before('unlink', path)
    this.inner.unlinkSync(path)
  }
  async unlink(path: string): Promise<void> {
    this.before('unlink', path)
    return this.inner.unlink(path)
  }
  syncDirSync(path: string): void {
    this.before('fsync', path)
    this.inner.syncDirSync(path)
  }
  async syncDir(path: string): Promise<void> {
    this.before('fsync', path)
    return this.inner.syncDir(path)
  }
  readFileSync(path: string): Uint8Array {
    this.before('read', path)
    return this.inner.readFileSync(path)
  }
  async readFile(path: string): Promise<Uint8Array> {
    this.before('read', path)
    return this.inner.readFile(path)
  }
  realpathSync(path: string): string {
    this.before('stat', path)
    return this.inner.realpathSync(path)
  }
  linkSync(existingPath: string, newPath: string): void {
    this.before('link', newPath)
    this.inner.linkSync(existingPath, newPath)
  }
}
