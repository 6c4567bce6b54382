import { MemoryFileSystem } from '@strata/base'
import { BlockCache } from '@strata/sstable'
import { describe, expect, it } from 'vitest'
import { fileMeta } from '../test/version-fixtures.js'
import { CHECK_INVARIANTS, checkVersion, InvariantViolation } from './invariants.js'
import { EMPTY_STATE, Manifest } from './manifest.js'
import { Tree } from './tree.js'
import { type TableFileMeta, Version } from './version.js'
import { VersionSet } from './version-set.js'

/** A table's record with a chosen file number (the checks compare numbers). */
const table = (fileNumber: number, smallest: string, largest: string) =>
  fileMeta(smallest, largest, { fileNumber })

function levels(...byLevel: TableFileMeta[][]): TableFileMeta[][] {
  return Array.from({ length: 7 }, (_, level) => byLevel[level] ?? [])
}

describe('invariants', () => {
  it('are checked in the test suites', () => {
    expect(CHECK_INVARIANTS).toBe(true)
  })

  it('accept a well-formed version', () => {
    expect(() =>
      checkVersion(
        new Version(
          levels([table(9, 'a', 'z'), table(4, 'b', 'c')], [table(2, 'a', 'f'), table(3, 'g', 'k')]),
        ),
      ),
    ).not.toThrow()
  })

  it('catch overlapping tables in a sorted level, level 0 out of order, a table twice, reversed keys', () => {
    const cases: [TableFileMeta[][], RegExp][] = [
      [levels([], [table(2, 'a', 'g'), table(3, 'f', 'k')]), /level 1: tables 2 and 3 overlap/],
      [levels([table(4, 'a', 'b'), table(9, 'a', 'b')]), /level 0 is not newest first/],
      [levels([table(4, 'a', 'b')], [table(4, 'c', 'd')]), /table 4 is in the tree twice/],
      [levels([], [table(5, 'k', 'a')]), /smallest key is above its largest/],
    ]
    for (const [shape, message] of cases) {
      expect(() => checkVersion(new Version(shape))).toThrow(InvariantViolation)
      expect(() => checkVersion(new Version(shape))).toThrow(message)
    }
  })

  it('refuse an edit that would make a level overlap, before the manifest records it', async () => {
    const fs = new MemoryFileSystem()
    fs.mkdirSync('/db')
    const manifest = await Manifest.create(fs, '/db', EMPTY_STATE, 1 << 20)
    const versions = new VersionSet('/db', manifest.current.version, new BlockCache(1 << 20), fs)
    const tree = new Tree('/db', fs, manifest, versions, 10)
    const sizeBefore = manifest.sizeBytes
    await expect(
      tree.applyEdit({
        added: [
          { level: 1, table: table(2, 'a', 'g') },
          { level: 1, table: table(3, 'f', 'k') },
        ],
      }),
    ).rejects.toThrow(InvariantViolation)
    expect(manifest.sizeBytes).toBe(sizeBefore)
    expect(tree.current.levels[1]).toEqual([])
    await tree.close()
  })

  it('catch a version released more often than pinned', () => {
    const versions = new VersionSet('/db', new Version(), new BlockCache(1 << 20), new MemoryFileSystem())
    const handle = versions.acquire()
    versions.release(handle)
    expect(() => versions.release(handle)).toThrow(/released more often than pinned/)
  })
})
