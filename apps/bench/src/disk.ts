/**
 * Directories and bytes on disk: fresh directories under os.tmpdir() for every run, the space
 * a store takes after close, and the disk's raw fsync rate.
 */
import {
  closeSync,
  fdatasyncSync,
  fsyncSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** A new empty directory under os.tmpdir(), named after what it is for. */
export function freshDirectory(label: string): string {
  return mkdtempSync(join(tmpdir(), `strata-bench-${label.replace(/[^a-z0-9-]/gi, '-')}-`))
}

export function removeDirectory(directory: string): void {
  rmSync(directory, { recursive: true, force: true })
}

/** Bytes the files under `directory` occupy on disk (allocated blocks, as `du` counts them:
 *  sparse regions are free, preallocated ones are not). */
export function diskBytes(directory: string): number {
  let total = 0
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const path = join(directory, entry.name)
    if (entry.isDirectory()) total += diskBytes(path)
    else if (entry.isFile()) total += statSync(path).blocks * 512
  }
  return total
}

export interface FsyncProbe {
  operations: number
  seconds: number
  opsPerSecond: number
}

/**
 * The disk's raw rate of one small synced append at a time: write `entryBytes` bytes to the end
 * of a file and fdatasync it (what a WAL does per synced write, with nothing else), `operations`
 * times, synchronously. The ceiling for any engine's one-at-a-time synced writes.
 */
export function probeFsync(directory: string, operations: number, entryBytes = 128): FsyncProbe {
  const path = join(directory, 'fsync-probe')
  const fd = openSync(path, 'a')
  const record = Buffer.alloc(entryBytes, 0x61)
  try {
    const started = performance.now()
    for (let index = 0; index < operations; index++) {
      writeSync(fd, record)
      fdatasyncSync(fd)
    }
    const seconds = (performance.now() - started) / 1000
    return { operations, seconds, opsPerSecond: operations / seconds }
  } finally {
    closeSync(fd)
  }
}

/** fillsync: puts between two runs of the interleaved probe (as many probe operations each). */
export const PROBE_BLOCK = 100

/** Bytes zero-filled ahead in the overwrite probe's file (and fsynced before the first probe). */
const OVERWRITE_PROBE_BYTES = 4 * 1024 * 1024

export interface InterleavedProbeRates {
  /** Appends + fdatasync to a growing file (as `probeFsync`) per second of their own time. */
  appendPerSecond: number
  /** Overwrites + fdatasync inside a zero-filled, fsynced file per second of their own time. */
  overwritePerSecond: number
  operations: number
}

/**
 * The disk's raw synced-write rate, measured in the same process and at the same moments as an
 * engine's synced writes: the workload calls `run` between blocks of its own operations, so a
 * neighbour's burst of I/O slows both alike (a probe taken before and after a run sees other
 * moments of a disk whose rate swings several-fold within minutes). Two kinds per call,
 * alternating which goes first: an append to a growing file (what `probeFsync` does: each
 * fdatasync also commits the new file size) and an overwrite inside space written and fsynced
 * beforehand (what a WAL with preallocated space does: the fdatasync commits data only).
 */
export class InterleavedProbe {
  private readonly appendFd: number
  private readonly overwriteFd: number
  private readonly record: Buffer
  private overwriteAt = 0
  private appendMillis = 0
  private overwriteMillis = 0
  private operations = 0
  private calls = 0

  constructor(
    private readonly directory: string,
    entryBytes = 128,
  ) {
    mkdirSync(directory, { recursive: true })
    this.record = Buffer.alloc(entryBytes, 0x61)
    this.appendFd = openSync(join(directory, 'append-probe'), 'a')
    this.overwriteFd = openSync(join(directory, 'overwrite-probe'), 'w')
    const zeros = Buffer.alloc(OVERWRITE_PROBE_BYTES)
    for (let written = 0; written < zeros.length; ) {
      written += writeSync(this.overwriteFd, zeros, written, zeros.length - written, written)
    }
    fsyncSync(this.overwriteFd)
  }

  /** `operations` synced appends and as many synced overwrites, timed apart from the caller. */
  run(operations: number): void {
    const appendFirst = this.calls++ % 2 === 0
    if (appendFirst) this.appendMillis += this.appends(operations)
    this.overwriteMillis += this.overwrites(operations)
    if (!appendFirst) this.appendMillis += this.appends(operations)
    this.operations += operations
  }

  private appends(operations: number): number {
    const started = performance.now()
    for (let index = 0; index < operations; index++) {
      writeSync(this.appendFd, this.record)
      fdatasyncSync(this.appendFd)
    }
    return performance.now() - started
  }

  private overwrites(operations: number): number {
    const started = performance.now()
    for (let index = 0; index < operations; index++) {
      if (this.overwriteAt + this.record.length > OVERWRITE_PROBE_BYTES) this.overwriteAt = 0
      writeSync(this.overwriteFd, this.record, 0, this.record.length, this.overwriteAt)
      this.overwriteAt += this.record.length
      fdatasyncSync(this.overwriteFd)
    }
    return performance.now() - started
  }

  /** The rates so far; `undefined` before the first `run`. */
  rates(): InterleavedProbeRates | undefined {
    if (this.operations === 0) return undefined
    return {
      appendPerSecond: this.operations / (this.appendMillis / 1000),
      overwritePerSecond: this.operations / (this.overwriteMillis / 1000),
      operations: this.operations,
    }
  }

  /** Closes the files and removes the probe's directory. */
  close(): void {
    closeSync(this.appendFd)
    closeSync(this.overwriteFd)
    rmSync(this.directory, { recursive: true, force: true })
  }
}
