/**
 * A table written by format version 1 (before block compression; `fixtures/format-v1.sst`,
 * committed, never rewritten) opens and reads back in full, exactly as it was written: every
 * entry through an iterator over all versions, through a compaction scan, and every key by `get`.
 */
import * as nodePath from 'node:path'
import { fileURLToPath } from 'node:url'
import { nodeFileSystem } from '@strata/base'
import { describe, expect, it } from 'vitest'
import { BlockCache, inspectTable, SCAN_CHUNK_BYTES, Table, TableScan } from '../src/index.js'
import { FORMAT_V1_OPTIONS, formatV1Entries } from './fixtures/format-v1-entries.js'
import { plain } from './helpers.js'

const FIXTURE = nodePath.join(nodePath.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'format-v1.sst')

describe('format version 1 fixture', () => {
  const expected = formatV1Entries().map(plain)

  it('iterates every version of every entry, in order', async () => {
    const table = await Table.open(FIXTURE, { cache: new BlockCache(1 << 20) })
    try {
      expect(table.meta.entryCount).toBe(expected.length)
      const seen = []
      for await (const entry of table.iterator({ versions: 'all' })) seen.push(plain(entry))
      expect(seen).toEqual(expected)
      const reversed = []
      for await (const entry of table.iterator({ versions: 'all', reverse: true }))
        reversed.push(plain(entry))
      expect(reversed).toEqual([...expected].reverse())
    } finally {
      await table.close()
    }
  })

  it('answers get for every key with its newest version', async () => {
    const table = Table.openSync(FIXTURE)
    try {
      const newest = new Map<string, ReturnType<typeof plain>>()
      for (const entry of expected) if (!newest.has(entry!.key)) newest.set(entry!.key, entry)
      for (const [key, entry] of newest) {
        expect(plain(await table.get(Buffer.from(key, 'hex')))).toEqual(entry)
        expect(plain(table.getSync(Buffer.from(key, 'hex')))).toEqual(entry)
      }
    } finally {
      await table.close()
    }
  })

  it('scans every entry for compaction', () => {
    const scan = TableScan.openSync(FIXTURE, nodeFileSystem, Buffer.alloc(SCAN_CHUNK_BYTES))
    const seen = []
    try {
      while (scan.next()) seen.push(plain({ key: scan.key, seq: scan.seq, op: scan.op, value: scan.value }))
    } finally {
      scan.close()
    }
    expect(seen).toEqual(expected)
  })

  it('inspects as a healthy table of its build options', async () => {
    const inspection = await inspectTable(FIXTURE)
    expect(inspection.problems).toEqual([])
    expect(inspection.footer?.formatVersion).toBe(1)
    expect(inspection.entryCount).toBe(expected.length)
    expect(inspection.properties?.blockBytes).toBe(FORMAT_V1_OPTIONS.blockBytes)
  })
})
