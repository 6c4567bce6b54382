/**
 * The directory LOCK: exactly one open database per directory, across processes, worker threads
 * and every spelling of the path (relative, trailing slash, symlinks). Protocol: docs/format.md,
 * "LOCK".
 *
 * Node has no portable advisory file lock without a native addon, so the lock is a file that
 * appears atomically: the owner record (pid, the process's start time, threadId, a random nonce)
 * is written to a private temporary file, which is then hard-linked to `LOCK`. `link` fails with
 * EEXIST when `LOCK` exists, so of any number of racers exactly one creates it, and nobody ever
 * sees a `LOCK` without its content. A `LOCK` whose owner is alive is never touched. A `LOCK`
 * whose owner process is gone (killed with SIGKILL, say) is stale and is taken over under a
 * claim: the taker creates `LOCK.claim-<stale nonce>` by the same exclusive link, re-reads `LOCK`
 * under it, and only then renames its own record over `LOCK`; a claim whose taker died is itself
 * claimed the same way, so two processes taking over at once never both win.
 */
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { threadId } from 'node:worker_threads'
import { crc32c, type FileSystem, LockedError, toIOError } from '@strata/base'
import { LOCK_FILE } from './filenames.js'

/** Who holds (or held) a LOCK. */
export interface LockOwner {
  pid: number
  /** The kernel's start time of `pid` (Linux), so a recycled pid is not taken for the owner. */
  startTime: string | undefined
  /** The worker thread of `pid` (0: the main thread); `undefined` in a LOCK of an older build. */
  threadId: number | undefined
  /** Random, unique per acquisition: tells this hold from any other hold by the same thread. */
  nonce: string
}

/** The directory is held by another open database. Code `STRATA_LOCKED`. */
export class DatabaseLockedError extends LockedError {
  /** The pid recorded as the owner, when known. */
  readonly ownerPid: number | undefined
  /** The owner's worker thread (0: main thread), when known. */
  readonly ownerThreadId: number | undefined

  constructor(path: string, owner?: Pick<LockOwner, 'pid' | 'threadId'>) {
    super(path)
    this.ownerPid = owner?.pid
    this.ownerThreadId = owner?.threadId
    if (owner !== undefined) {
      const thread = owner.threadId === undefined ? '' : `, thread ${owner.threadId}`
      const self = owner.pid === process.pid ? ', this process' : ''
      this.message = `${path} is locked by another open database (process ${owner.pid}${thread}${self}); close it first — one open database per directory`
    }
  }
}

/** How long `acquire` waits for a takeover by another live opener to finish. */
const TAKEOVER_WAIT_MS = 2000
/** Longest chain of claims left by takers that died, before giving up. */
const MAX_CLAIMS = 32
const sleeper = new Int32Array(new SharedArrayBuffer(4))

/** Locks held in this thread, per file system (each in-memory file system is its own disk),
 *  by the directory's real path. */
const heldInThisThread = new WeakMap<FileSystem, Map<string, DirectoryLock>>()

/** The file system under any wrappers (a `FaultyFileSystem` exposes `inner`): one disk, one
 *  registry, whichever wrapper a database opens it through. */
function diskOf(fs: FileSystem): FileSystem {
  let disk = fs
  while ('inner' in disk && typeof disk.inner === 'object' && disk.inner !== null)
    disk = disk.inner as FileSystem
  return disk
}

function heldBy(fs: FileSystem): Map<string, DirectoryLock> {
  const disk = diskOf(fs)
  let held = heldInThisThread.get(disk)
  if (held === undefined) {
    held = new Map()
    heldInThisThread.set(disk, held)
  }
  return held
}

function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // Field 22 (starttime); the command name in parentheses may contain spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return fields[19]
  } catch {
    return undefined
  }
}

function processIsAlive(pid: number, startTime: string | undefined): boolean {
  try {
    process.kill(pid, 0)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false
  }
  const actual = processStartTime(pid)
  return startTime === undefined || actual === undefined || actual === startTime
}

/** The record in a LOCK (or a claim, or a LOCK's temporary file); `undefined` if unreadable. */
export function parseOwner(data: Uint8Array): LockOwner | undefined {
  try {
    const parsed = JSON.parse(Buffer.from(data).toString('utf8')) as Record<string, unknown>
    if (typeof parsed.pid !== 'number') return undefined
    return {
      pid: parsed.pid,
      startTime: typeof parsed.startTime === 'string' ? parsed.startTime : undefined,
      threadId: typeof parsed.threadId === 'number' ? parsed.threadId : undefined,
      nonce: typeof parsed.nonce === 'string' ? parsed.nonce : `crc-${crc32c(data)}`,
    }
  } catch {
    return undefined
  }
}

/** The name a claim on a LOCK (or on a claim) with this content takes. */
function claimName(data: Uint8Array, owner: LockOwner | undefined): string {
  const id = owner?.nonce ?? `crc-${crc32c(data)}`
  return `${LOCK_FILE}.claim-${id.replace(/[^0-9A-Za-z-]/g, '')}`
}

/**
 * Whether the owner recorded in a LOCK still holds it. Another process: alive with the same start
 * time. This process, another thread: always (a thread cannot be observed from here). This
 * thread: unless the record is a hold of this thread whose descriptor is gone (an in-memory file
 * system's simulated crash).
 */
export function ownerIsLive(fs: FileSystem, owner: LockOwner | undefined): boolean {
  if (owner === undefined) return false
  if (owner.pid !== process.pid) return processIsAlive(owner.pid, owner.startTime)
  if (owner.threadId !== threadId) return true
  for (const lock of heldBy(fs).values()) {
    if (lock.owner.nonce === owner.nonce) return lock.isHeld
  }
  return true
}

function readIfExists(fs: FileSystem, path: string): Uint8Array | undefined {
  try {
    return fs.readFileSync(path)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
}

function linkExclusively(fs: FileSystem, from: string, to: string): boolean {
  try {
    fs.linkSync(from, to)
    return true
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false
    throw error
  }
}

function unlinkQuietly(fs: FileSystem, path: string): void {
  try {
    fs.unlinkSync(path)
  } catch {}
}

type Attempt =
  | { kind: 'acquired' }
  | { kind: 'locked'; owner: LockOwner }
  | { kind: 'wait'; owner?: LockOwner }

export class DirectoryLock {
  private released = false

  private constructor(
    private readonly fs: FileSystem,
    /** The directory's real path (the registry key). */
    readonly realPath: string,
    readonly owner: LockOwner,
    /** The LOCK file stays open while held: like an OS file lock, the hold ends with the
     *  descriptor (a simulated crash of an in-memory file system closes it). */
    private readonly fd: number,
  ) {}

  /** False once released or once its descriptor is gone. */
  get isHeld(): boolean {
    if (this.released) return false
    try {
      this.fs.fstatSync(this.fd)
      return true
    } catch {
      return false
    }
  }

  /** The real path of `directory` (which must exist); an fs failure is `STRATA_IO`. */
  static realPathOf(fs: FileSystem, directory: string): string {
    try {
      return fs.realpathSync(directory)
    } catch (error) {
      throw toIOError(error, 'resolving the database directory', directory)
    }
  }

  /** Takes the lock of `directory` (which must exist) or throws `DatabaseLockedError` naming
   *  the owner. Waits (up to TAKEOVER_WAIT_MS) only while another live opener is taking over a
   *  stale LOCK. */
  static acquire(fs: FileSystem, directory: string): DirectoryLock {
    const realPath = DirectoryLock.realPathOf(fs, directory)
    const held = heldBy(fs).get(realPath)
    if (held?.isHeld) throw new DatabaseLockedError(directory, held.owner)
    const owner: LockOwner = {
      pid: process.pid,
      startTime: processStartTime(process.pid),
      threadId,
      nonce: randomBytes(16).toString('hex'),
    }
    const lockPath = join(realPath, LOCK_FILE)
    const temporary = join(realPath, `${LOCK_FILE}.${owner.nonce}.tmp`)
    let fd: number
    try {
      fd = fs.openSync(temporary, 'wx')
      try {
        const data = Buffer.from(JSON.stringify(owner))
        fs.writeSync(fd, data, 0, data.length, 0)
      } catch (error) {
        fs.closeSync(fd)
        throw error
      }
    } catch (error) {
      unlinkQuietly(fs, temporary)
      throw toIOError(error, 'taking the directory lock', lockPath)
    }
    const deadline = Date.now() + TAKEOVER_WAIT_MS
    try {
      for (;;) {
        const attempt = DirectoryLock.attempt(fs, realPath, temporary)
        if (attempt.kind === 'acquired') break
        if (attempt.kind === 'locked') throw new DatabaseLockedError(directory, attempt.owner)
        if (Date.now() >= deadline) throw new DatabaseLockedError(directory, attempt.owner)
        Atomics.wait(sleeper, 0, 0, 5 + Math.floor(Math.random() * 10))
      }
    } catch (error) {
      fs.closeSync(fd)
      unlinkQuietly(fs, temporary)
      if (error instanceof LockedError) throw error
      throw toIOError(error, 'taking the directory lock', lockPath)
    }
    unlinkQuietly(fs, temporary)
    const lock = new DirectoryLock(fs, realPath, owner, fd)
    heldBy(fs).set(realPath, lock)
    return lock
  }

  /** One try: link our record to LOCK; else judge the LOCK found and take it over if stale. */
  private static attempt(fs: FileSystem, realPath: string, temporary: string): Attempt {
    const lockPath = join(realPath, LOCK_FILE)
    if (linkExclusively(fs, temporary, lockPath)) return { kind: 'acquired' }
    const staleData = readIfExists(fs, lockPath)
    if (staleData === undefined) return { kind: 'wait' } // released meanwhile: try again
    const staleOwner = parseOwner(staleData)
    if (ownerIsLive(fs, staleOwner)) return { kind: 'locked', owner: staleOwner! }
    // Stale. Walk the claims taken on it: a live claimer is mid-takeover (wait for it); a dead
    // one is claimed in turn.
    const chain: { path: string; data: Uint8Array }[] = []
    let claimPath = join(realPath, claimName(staleData, staleOwner))
    for (;;) {
      const data = readIfExists(fs, claimPath)
      if (data === undefined) break
      const claimer = parseOwner(data)
      if (ownerIsLive(fs, claimer)) return { kind: 'wait', owner: claimer! }
      chain.push({ path: claimPath, data })
      if (chain.length > MAX_CLAIMS) return { kind: 'wait' }
      claimPath = join(realPath, claimName(data, claimer))
    }
    if (!linkExclusively(fs, temporary, claimPath)) return { kind: 'wait' }
    // Under our claim: nothing we walked may have changed, else another taker finished first.
    const unchanged =
      sameBytes(readIfExists(fs, lockPath), staleData) &&
      chain.every(({ path, data }) => sameBytes(readIfExists(fs, path), data))
    if (!unchanged) {
      unlinkQuietly(fs, claimPath)
      return { kind: 'wait' }
    }
    fs.renameSync(temporary, lockPath)
    for (const { path } of chain) unlinkQuietly(fs, path)
    unlinkQuietly(fs, claimPath)
    return { kind: 'acquired' }
  }

  /** Releases the lock; safe to call twice. Removes LOCK only while it still holds our record. */
  release(): void {
    if (this.released) return
    const wasHeld = this.isHeld
    this.released = true
    if (heldBy(this.fs).get(this.realPath) === this) heldBy(this.fs).delete(this.realPath)
    try {
      this.fs.closeSync(this.fd)
    } catch {}
    // A lock taken over after this one's descriptor died belongs to another database now.
    if (!wasHeld) return
    const lockPath = join(this.realPath, LOCK_FILE)
    try {
      const data = readIfExists(this.fs, lockPath)
      if (data !== undefined && parseOwner(data)?.nonce === this.owner.nonce) this.fs.unlinkSync(lockPath)
    } catch {
      // A LOCK that cannot be removed is stale for the next open: nothing to do.
    }
  }
}

function sameBytes(left: Uint8Array | undefined, right: Uint8Array): boolean {
  return left !== undefined && Buffer.from(left).equals(right)
}

/** Names of the lock's own files: `LOCK`, `LOCK.<nonce>.tmp`, `LOCK.claim-<id>`. */
export function isLockFileName(name: string): boolean {
  return (
    name === LOCK_FILE || /^LOCK\.[0-9a-f]{32}\.tmp$/.test(name) || /^LOCK\.claim-[0-9A-Za-z-]+$/.test(name)
  )
}

/** Removes lock temporaries left by openers that died and claims left by takers that died
 *  after their takeover (each record names a dead owner). The holder calls it once it holds the
 *  LOCK: while the LOCK is live nobody walks the claims, and a taker that walked one before the
 *  LOCK changed finds its chain changed and starts again. */
export function removeDeadLockTemporaries(fs: FileSystem, realPath: string, names: string[]): void {
  for (const name of names) {
    if (!/^LOCK\.[0-9a-f]{32}\.tmp$/.test(name) && !/^LOCK\.claim-[0-9A-Za-z-]+$/.test(name)) continue
    const path = join(realPath, name)
    try {
      const data = readIfExists(fs, path)
      // An opener creates its temporary empty and writes its record next: one without a record
      // may be a live opener's, so only a recorded dead owner's is removed.
      const owner = data === undefined ? undefined : parseOwner(data)
      if (owner !== undefined && !ownerIsLive(fs, owner)) fs.unlinkSync(path)
    } catch {}
  }
}
