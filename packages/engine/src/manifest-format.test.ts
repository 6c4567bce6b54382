import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { decodeEdit, encodeEdit } from './manifest.js'
import { decodeManifestFrames, encodeManifestFrame } from './manifest-frames.js'
import type { VersionEdit } from './version.js'

/** The hex dump of docs/format.md's manifest worked example, read from the doc itself. */
function workedExampleOfTheDoc(): string {
  const doc = readFileSync(new URL('../../../docs/format.md', import.meta.url), 'utf8')
  const start = doc.indexOf('A flush that adds table 5 to level 0')
  expect(start, 'docs/format.md holds the manifest worked example').toBeGreaterThan(0)
  const block = /```\n([\s\S]*?)```/.exec(doc.slice(start))
  expect(block).not.toBeNull()
  return block![1]!
    .split('\n')
    .map((line) => line.replace(/^\d{4} /, ''))
    .join('')
    .replace(/\s+/g, '')
}

const EXAMPLE_EDIT: VersionEdit = {
  added: [
    {
      level: 0,
      table: {
        fileNumber: 5,
        fileSize: 1234,
        smallestKey: Buffer.from('a'),
        largestKey: Buffer.from('k'),
        minSeq: 1,
        maxSeq: 3,
        entryCount: 3,
        tombstoneCount: 1,
        rawKeyBytes: 3,
        rawValueBytes: 4,
      },
    },
  ],
  flushedSeq: 3,
  lastSeq: 3,
  nextFileNumber: 6,
  wal: { seq: 4 },
}

describe('manifest format', () => {
  it('writes the worked example of docs/format.md byte for byte, and reads it back', () => {
    const frame = encodeManifestFrame(encodeEdit(EXAMPLE_EDIT))
    expect(Buffer.from(frame).toString('hex')).toBe(workedExampleOfTheDoc())
    expect(frame.length).toBe(79)
    const { frames, validBytes } = decodeManifestFrames(frame, 'MANIFEST-000001')
    expect(validBytes).toBe(79)
    expect(frames).toHaveLength(1)
    const edit = decodeEdit(frames[0]!.payload, 'MANIFEST-000001', 0)
    expect({
      ...edit,
      added: edit.added?.map(({ level, table }) => ({
        level,
        table: {
          ...table,
          smallestKey: Buffer.from(table.smallestKey),
          largestKey: Buffer.from(table.largestKey),
        },
      })),
    }).toEqual(EXAMPLE_EDIT)
  })
})
