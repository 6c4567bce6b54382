import { describe, expect, it } from 'vitest'
import { type TableFileMeta, Version } from './version.js'

const bytes = (text: string) => Buffer.from(text)
function table(fileNumber: number, smallest: string, largest: string, fileSize = 100): TableFileMeta {
  return {
    fileNumber,
    fileSize,
    smallestKey: bytes(smallest),
    largestKey: bytes(largest),
    minSeq: 1,
    maxSeq: 2,
    entryCount: 2,
    tombstoneCount: 0,
    rawKeyBytes: 2,
    rawValueBytes: 2,
  }
}

describe('Version', () => {
  it('keeps level 0 newest first and deeper levels sorted by smallest key', () => {
    const version = new Version().apply({
      added: [
        { level: 0, table: table(3, 'a', 'z') },
        { level: 0, table: table(7, 'c', 'd') },
        { level: 1, table: table(5, 'm', 'p') },
        { level: 1, table: table(4, 'a', 'f') },
      ],
    })
    expect(version.levels[0]!.map((file) => file.fileNumber)).toEqual([7, 3])
    expect(version.levels[1]!.map((file) => file.fileNumber)).toEqual([4, 5])
    expect(version.levelBytes(1)).toBe(200)
  })

  it('finds the one file of a sorted level that may hold a key', () => {
    const version = new Version().apply({
      added: [
        { level: 1, table: table(1, 'b', 'd') },
        { level: 1, table: table(2, 'f', 'h') },
      ],
    })
    expect(version.fileFor(1, bytes('a'))).toBeUndefined()
    expect(version.fileFor(1, bytes('c'))?.fileNumber).toBe(1)
    expect(version.fileFor(1, bytes('d'))?.fileNumber).toBe(1)
    expect(version.fileFor(1, bytes('e'))).toBeUndefined()
    expect(version.fileFor(1, bytes('h'))?.fileNumber).toBe(2)
    expect(version.fileFor(1, bytes('i'))).toBeUndefined()
    expect(version.overlapping(1, bytes('c'), bytes('g')).map((file) => file.fileNumber)).toEqual([1, 2])
    expect(version.overlapping(1, bytes('e'), bytes('e'))).toEqual([])
  })

  it('removes files and leaves the old version unchanged', () => {
    const first = new Version().apply({ added: [{ level: 0, table: table(1, 'a', 'b') }] })
    const second = first.apply({
      removed: [{ level: 0, fileNumber: 1 }],
      added: [{ level: 1, table: table(2, 'a', 'b') }],
    })
    expect(first.levels[0]!.length).toBe(1)
    expect(second.levels[0]!.length).toBe(0)
    expect(second.levels[1]!.length).toBe(1)
  })

  it('reports an edit that removes a file it does not hold as corruption', () => {
    expect(() => new Version().apply({ removed: [{ level: 2, fileNumber: 9 }] }, 'MANIFEST-000001')).toThrow(
      expect.objectContaining({ code: 'STRATA_CORRUPTION', file: 'MANIFEST-000001' }),
    )
  })
})
