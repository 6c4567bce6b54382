import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { MemoryFileSystem, type OpenFlags, seededRandom } from '@strata/base'
import { testSeed } from '@strata/base/testing'
import { afterEach, expect, vi } from 'vitest'
import type { Database } from '../src/index.js'

const made: string[] = []

/** A fresh directory under the OS temp dir, removed after the test. */
export function temporaryDirectory(prefix = 'strata-engine-'): string {
  const directory = mkdtempSync(join(tmpdir(), prefix))
  made.push(directory)
  return directory
}

afterEach(() => {
  for (const directory of made.splice(0)) rmSync(directory, { recursive: true, force: true })
})

export const bytes = (text: string) => Buffer.from(text, 'utf8')
export const text = (data: Uint8Array | undefined) =>
  data === undefined ? undefined : Buffer.from(data).toString('utf8')

/** The seeded PRNG every randomised test uses (mulberry32, from @strata/base). */
export const random = seededRandom

/** The seed of a randomised test: STRATA_SEED if set (to replay), else a fresh one. Printed. */
export function seedFor(name: string): number {
  return testSeed(name, 'STRATA_SEED')
}

/**
 * An in-memory file system that holds the asynchronous writes (or reads) of chosen files while
 * `hold()` is in force: each such call waits until `release()`. `matches` picks a file by path
 * when it is opened (it may keep state, e.g. to pick the first table only); `held` counts the
 * calls that waited.
 */
export class HeldFiles extends MemoryFileSystem {
  held = 0
  private readonly picked = new Set<number>()
  private gate: Promise<void> | undefined
  private open_: () => void = () => {}

  constructor(
    private readonly matches: (path: string) => boolean,
    private readonly calls: 'write' | 'read',
  ) {
    super()
  }

  hold(): void {
    this.gate = new Promise((resolve) => {
      this.open_ = resolve
    })
  }

  release(): void {
    this.gate = undefined
    this.open_()
  }

  private note(path: string, fd: number): number {
    if (this.matches(path)) this.picked.add(fd)
    return fd
  }

  private async wait(fd: number, calls: 'write' | 'read'): Promise<void> {
    if (calls !== this.calls || this.gate === undefined || !this.picked.has(fd)) return
    this.held++
    await this.gate
  }

  override async open(path: string, flags: OpenFlags): Promise<number> {
    return this.note(path, await super.open(path, flags))
  }

  override openSync(path: string, flags: OpenFlags): number {
    return this.note(path, super.openSync(path, flags))
  }

  override async write(
    fd: number,
    buffer: Uint8Array,
    offset: number,
    length: number,
    position: number | null,
  ) {
    await this.wait(fd, 'write')
    return super.write(fd, buffer, offset, length, position)
  }

  override async read(fd: number, buffer: Uint8Array, offset: number, length: number, position: number) {
    await this.wait(fd, 'read')
    return super.read(fd, buffer, offset, length, position)
  }
}

/** Key `index` of `overwriteUntilCompacted`: `key-` and six digits. */
export const paddedKey = (index: number) => `key-${String(index).padStart(6, '0')}`

/**
 * Writes 4,000 keys three times over (12,000 puts, put `i` writing `value-i` to
 * `paddedKey(i % 4000)`), flushes, and waits (up to 20 s) until a compaction has run: enough for
 * flushes and merges on a database of small memtables. Returns each key's last value.
 */
export async function overwriteUntilCompacted(
  database: Database<string, string>,
): Promise<Map<string, string>> {
  const model = new Map<string, string>()
  for (let index = 0; index < 12_000; index++) {
    const value = `value-${index}`
    await database.put(paddedKey(index % 4000), value)
    model.set(paddedKey(index % 4000), value)
  }
  await database.flush()
  await vi.waitFor(() => expect(database.stats().compaction.compactions).toBeGreaterThan(0), {
    timeout: 20_000,
  })
  return model
}
