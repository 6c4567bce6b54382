/**
 * Directories and bytes on disk: fresh directories under os.tmpdir() for every run, the space
 * a store takes after close, and the disk's raw fsync rate.
 */
import {
  closeSync,
  fdatasyncSync,
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
