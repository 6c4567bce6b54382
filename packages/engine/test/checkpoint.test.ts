/**
 * Checkpoints under concurrent writes: the copy opens with exactly the writes acknowledged up to
 * the checkpoint's seq, its tables are hard links (or copies through a file system that cannot
 * link), and the source keeps writing, flushing and compacting meanwhile.
 */
import { statSync } from 'node:fs'
import { join } from 'node:path'
import { NodeFileSystem } from '@strata/base'
import { describe, expect, it } from 'vitest'
import { open } from '../src/index.js'
import { temporaryDirectory } from './helpers.js'

const pad = 'p'.repeat(100)
const key = (index: number) => `k:${String(index).padStart(6, '0')}`
const tiny = {
  keyEncoding: 'utf8',
  valueEncoding: 'utf8',
  sync: false,
  memtableBytes: 16 * 1024,
  level0CompactionTrigger: 2,
  level1Bytes: 16 * 1024,
  targetFileBytes: 4096,
} as const

/** A file system that cannot hard-link tables (as across devices); the LOCK's link works. */
class NoLinkFileSystem extends NodeFileSystem {
  override linkSync(existingPath: string, newPath: string): void {
    if (existingPath.endsWith('.sst')) {
      throw Object.assign(new Error('EXDEV: cross-device link not permitted'), { code: 'EXDEV' })
    }
    super.linkSync(existingPath, newPath)
  }
}

async function checkpointWhileWriting(fs?: NodeFileSystem) {
  const directory = temporaryDirectory()
  const target = join(temporaryDirectory(), 'copy')
  const database = await open(directory, { ...tiny, ...(fs ? { fs } : {}) })
  // Put i takes seq i: the copy at seq s must hold exactly keys 1..s.
  let stop = false
  let written = 0
  const writing = (async () => {
    for (let index = 1; !stop; index++) {
      await database.put(key(index), `value ${index} ${pad}`)
      written = index
    }
  })()
  while (written < 600 || database.stats().levels.reduce((total, level) => total + level.files, 0) < 3) {
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
  const result = await database.checkpoint(target)
  await new Promise((resolve) => setTimeout(resolve, 50))
  stop = true
  await writing
  await database.close()

  const copy = await open(target, { keyEncoding: 'utf8', valueEncoding: 'utf8' })
  const entries = await copy.iterator().all()
  expect(entries.length).toBe(result.seq)
  for (let index = 1; index <= result.seq; index++) {
    expect(entries[index - 1]).toEqual([key(index), `value ${index} ${pad}`])
  }
  await copy.close()
  return { result, target }
}

describe('checkpoint', () => {
  it('copies exactly the acknowledged writes up to its seq while writes go on, hard-linking tables', async () => {
    const { result, target } = await checkpointWhileWriting()
    expect(result.seq).toBeGreaterThan(0)
    expect(result.linkedTables).toBeGreaterThan(0)
    expect(result.copiedTables).toBe(0)
    expect(statSync(join(target, 'IDENTITY')).isFile()).toBe(true)
  })

  it('copies the tables when the file system cannot link them', async () => {
    const { result } = await checkpointWhileWriting(new NoLinkFileSystem())
    expect(result.linkedTables).toBe(0)
    expect(result.copiedTables).toBeGreaterThan(0)
    expect(result.bytesWritten).toBeGreaterThan(0)
  })

  it('refuses a target that is not a new or empty directory, and a read-only open', async () => {
    const directory = temporaryDirectory()
    const database = await open(directory, tiny)
    await database.put('a', '1')
    await expect(database.checkpoint(directory)).rejects.toMatchObject({ code: 'STRATA_EXISTS' })
    const reader = await open(directory, { ...tiny, readOnly: true })
    await expect(reader.checkpoint(temporaryDirectory())).rejects.toMatchObject({ code: 'STRATA_READ_ONLY' })
    await reader.close()
    await database.close()
  })
  it('opens when a compaction dropped the newest seqs the tables held', async () => {
    // The newest seqs of the tables (a tombstone and the key it deleted) are gone after the
    // compaction, so the tables' largest seq is below the first seq the memtable holds.
    const directory = temporaryDirectory()
    const target = join(temporaryDirectory(), 'copy')
    const database = await open(directory, { keyEncoding: 'utf8', valueEncoding: 'utf8', sync: false })
    for (let index = 0; index < 100; index++) await database.put(key(index), 'v')
    await database.flush()
    await database.del(key(99))
    await database.flush()
    await database.compactRange()
    await database.put('after', 'compaction')
    const { seq } = await database.checkpoint(target)
    expect(seq).toBe(102)
    await database.close()
    const copy = await open(target, { keyEncoding: 'utf8', valueEncoding: 'utf8' })
    try {
      expect(await copy.get('after')).toBe('compaction')
      expect(await copy.get(key(99))).toBeUndefined()
      expect(await copy.get(key(98))).toBe('v')
      await copy.put('in the copy', 'x')
      expect(await copy.get('in the copy')).toBe('x')
    } finally {
      await copy.close()
    }
  })
  it('a checkpoint made as a flush installs its table copies no entry twice', async () => {
    // The 'version' event of a flush is emitted as the new table is installed, before the frozen
    // memtable leaves the read path: the checkpoint then sees the same entries in both.
    const directory = temporaryDirectory()
    const target = join(temporaryDirectory(), 'copy')
    const utf8 = { keyEncoding: 'utf8', valueEncoding: 'utf8', sync: false } as const
    const database = await open(directory, utf8)
    for (let index = 0; index < 100; index++) await database.put(key(index), 'first')
    await database.flush()
    for (let index = 0; index < 100; index++) await database.put(key(index), 'second')
    await database.deleteRange({ gte: key(10), lt: key(20) })
    let copying: Promise<unknown> | undefined
    database.on('version', (event) => {
      if (event.cause === 'flush' && copying === undefined) copying = database.checkpoint(target)
    })
    await database.flush()
    expect(copying).toBeDefined()
    await copying
    await database.close()
    const copy = await open(target, utf8)
    try {
      // Each entry once: the 100 first values and the 100 second ones (the flush of the second
      // ones was installed as the copy was made), not the second ones again from the WAL.
      await copy.flush()
      const stored = copy
        .levels()
        .flatMap((level) => level.tables.reduce((sum, table) => sum + table.entries, 0))
      expect(stored.reduce((sum, entries) => sum + entries, 0)).toBe(200)
      await copy.compactRange()
      const entries = await copy.iterator().all()
      expect(entries.length).toBe(90)
      expect(entries.every(([, value]) => value === 'second')).toBe(true)
    } finally {
      await copy.close()
    }
  })
})
