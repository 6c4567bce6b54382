/**
 * The directory LOCK: one open database per directory, across this process and others.
 *
 * Node has no portable advisory file lock without a native addon, so the LOCK file records the
 * owner (pid and the process's start time). A second open sees a live owner and fails with
 * `DatabaseLockedError`; a LOCK left by a process that no longer runs (killed with SIGKILL, say)
 * is stale and is taken over. Within one process, a registry of held directories catches a
 * second open even before the file is read.
 */
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { type FileSystem, LockedError, toIOError } from '@strata/base'
import { LOCK_FILE, pathIn } from './filenames.js'

/** The directory is held by another open database. Code `STRATA_LOCKED`. */
export class DatabaseLockedError extends LockedError {
  /** The pid recorded as the owner, when known. */
  readonly ownerPid: number | undefined

  constructor(path: string, ownerPid?: number) {
    super(path)
    this.ownerPid = ownerPid
    if (ownerPid !== undefined) {
      this.message = `${path} is locked by another open database (process ${ownerPid}${
        ownerPid === process.pid ? ', this one' : ''
      }); close it first — one open database per directory`
    }
  }
}

/** Locks held in this process, per file system (each in-memory file system is its own disk). */
const heldInThisProcess = new WeakMap<FileSystem, Map<string, DirectoryLock>>()

function heldBy(fs: FileSystem): Map<string, DirectoryLock> {
  let held = heldInThisProcess.get(fs)
  if (held === undefined) {
    held = new Map()
    heldInThisProcess.set(fs, held)
  }
  return held
}

interface LockOwner {
  pid: number
  startTime: string | undefined
}

/** The kernel's start time of `pid` (Linux), so a recycled pid is not taken for the owner. */
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

function isAlive(owner: LockOwner): boolean {
  try {
    process.kill(owner.pid, 0)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false
  }
  const startTime = processStartTime(owner.pid)
  return owner.startTime === undefined || startTime === undefined || startTime === owner.startTime
}

function parseOwner(data: Uint8Array): LockOwner | undefined {
  try {
    const parsed = JSON.parse(Buffer.from(data).toString('utf8')) as { pid?: unknown; startTime?: unknown }
    if (typeof parsed.pid !== 'number') return undefined
    return { pid: parsed.pid, startTime: typeof parsed.startTime === 'string' ? parsed.startTime : undefined }
  } catch {
    return undefined
  }
}

export class DirectoryLock {
  private released = false

  private constructor(
    private readonly fs: FileSystem,
    private readonly directory: string,
    private readonly key: string,
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

  /** Takes the lock of `directory` (which must exist) or throws `DatabaseLockedError`. */
  static acquire(fs: FileSystem, directory: string): DirectoryLock {
    const key = resolve(directory)
    if (heldBy(fs).get(key)?.isHeld) throw new DatabaseLockedError(directory, process.pid)
    const path = pathIn(directory, LOCK_FILE)
    try {
      const existing = fs.statSync(path)
      if (existing !== undefined) {
        const owner = parseOwner(fs.readFileSync(path))
        if (owner !== undefined && owner.pid !== process.pid && isAlive(owner)) {
          throw new DatabaseLockedError(directory, owner.pid)
        }
        // Stale: its owner is gone (or it is ours from a database this process did not close).
      }
      const owner: LockOwner = { pid: process.pid, startTime: processStartTime(process.pid) }
      const temporary = `${path}.${process.pid}.tmp`
      const fd = fs.openSync(temporary, 'w')
      try {
        const data = Buffer.from(JSON.stringify(owner))
        fs.writeSync(fd, data, 0, data.length, 0)
      } finally {
        fs.closeSync(fd)
      }
      fs.renameSync(temporary, path)
      // Two processes racing past a stale LOCK: the last rename wins; the loser sees it here.
      const winner = parseOwner(fs.readFileSync(path))
      if (winner?.pid !== process.pid) throw new DatabaseLockedError(directory, winner?.pid)
    } catch (error) {
      if (error instanceof LockedError) throw error
      throw toIOError(error, 'taking the directory lock', path)
    }
    let fd: number
    try {
      fd = fs.openSync(path, 'r')
    } catch (error) {
      throw toIOError(error, 'taking the directory lock', path)
    }
    const lock = new DirectoryLock(fs, directory, key, fd)
    heldBy(fs).set(key, lock)
    return lock
  }

  /** Releases the lock; safe to call twice. */
  release(): void {
    if (this.released) return
    this.released = true
    const superseded = heldBy(this.fs).get(this.key) !== this
    if (!superseded) heldBy(this.fs).delete(this.key)
    try {
      this.fs.closeSync(this.fd)
    } catch {}
    // A lock taken over after this one's descriptor died belongs to another database now.
    if (superseded) return
    try {
      this.fs.unlinkSync(pathIn(this.directory, LOCK_FILE))
    } catch {
      // A LOCK that cannot be removed is stale for the next open: nothing to do.
    }
  }
}
