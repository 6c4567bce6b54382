import { describe, expect, it } from 'vitest'
import { type CleanupFacts, obsoleteFiles } from './cleanup.js'

const facts: CleanupFacts = {
  liveTables: new Set([3, 5]),
  removedTables: new Set([2, 5]),
  nextFileNumber: 9,
  manifestFileNumber: 7,
  walMeetsManifest: true,
}

describe('obsoleteFiles', () => {
  it('deletes tables an edit removed or never handed out, older manifests and our temporaries', () => {
    const names = [
      '000002.sst', // removed by an edit
      '000003.sst', // live
      '000004.sst', // unlisted, below nextFileNumber, never removed: kept
      '000005.sst', // removed once, listed again (a move): live
      '000009.sst', // at nextFileNumber: a crashed flush or compaction output
      'MANIFEST-000006',
      'MANIFEST-000007',
      'MANIFEST-000010',
      'CURRENT.tmp',
      'IDENTITY.tmp',
      '000011.sst.tmp',
      'wal.log',
      'IDENTITY',
      'CURRENT',
      'notes.txt',
      '9.sst',
    ]
    expect(obsoleteFiles(names, facts)).toEqual([
      '000002.sst',
      '000009.sst',
      'MANIFEST-000006',
      'CURRENT.tmp',
      'IDENTITY.tmp',
      '000011.sst.tmp',
    ])
  })

  it('keeps a table never handed out when the WAL does not meet the manifest (an edit may be lost)', () => {
    expect(obsoleteFiles(['000009.sst', '000012.sst'], { ...facts, walMeetsManifest: false })).toEqual([])
  })
})
