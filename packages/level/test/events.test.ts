/**
 * The engine's events on a StrataLevel: re-emitted under their own names beside
 * abstract-level's lifecycle events, wired again on every reopen, and a throwing listener
 * breaks neither the engine nor abstract-level.
 */
import { MemoryFileSystem } from '@strata/base'
import type { DatabaseEvents } from '@strata/engine'
import { describe, expect, it, vi } from 'vitest'
import { StrataLevel } from '../src/index.js'

function levelOn(fs: MemoryFileSystem) {
  return new StrataLevel<string, string>('/db', { fs, autoCompaction: false })
}

describe('StrataLevel events', () => {
  it("re-emits the engine's events beside abstract-level's own, on every open", async () => {
    const db = levelOn(new MemoryFileSystem())
    const seen: string[] = []
    for (const name of ['opening', 'open', 'closing', 'closed', 'write'])
      db.on(name, () => void seen.push(name))
    const flushes: DatabaseEvents['flush'][] = []
    db.on('flush', (event) => void flushes.push(event))
    db.on('version', () => void seen.push('version'))
    db.on('close', (event) => void seen.push(event.type))
    expect(db.supports.events).toMatchObject({ flush: true, compaction: true, stall: true, open: true })
    await db.open()
    await db.put('a', '1')
    await db.compactRange('a', 'z') // flushes the memtable first
    await db.close()
    // One version for the flush, one for the compaction that moves its table down.
    expect(seen).toEqual(['opening', 'open', 'write', 'version', 'version', 'closing', 'close', 'closed'])
    expect(flushes.map((event) => event.phase)).toEqual(['begin', 'end'])
    const end = flushes[1]
    if (end?.phase !== 'end') throw new Error('no flush end')
    expect(end.entries).toBe(1)
    // abstract-level stores 'a' as is: its hex is the stored key.
    expect(end.table.smallestKey).toBe(Buffer.from('a').toString('hex'))

    await db.open()
    await db.put('b', '2')
    await db.compactRange('a', 'z')
    expect(flushes).toHaveLength(4)
    const tables = db.levels().flatMap((level) => level.tables)
    expect(tables.reduce((total, table) => total + table.entries, 0)).toBe(2)
    await db.close()
  })

  it('a throwing listener breaks neither the engine nor abstract-level', async () => {
    const warning = vi.spyOn(process, 'emitWarning').mockImplementation(() => {})
    try {
      const db = levelOn(new MemoryFileSystem())
      const failures: DatabaseEvents['background-error'][] = []
      db.on('flush', () => {
        throw new Error('listener bug')
      })
      db.on('background-error', (event) => void failures.push(event))
      await db.open()
      await db.put('a', '1')
      await db.compactRange('a', 'z')
      expect(failures.map((event) => [event.operation, event.event, event.error.message])).toEqual([
        ['listener', 'flush', 'listener bug'],
        ['listener', 'flush', 'listener bug'],
      ])
      expect(await db.get('a')).toBe('1')
      expect(db.stats().readOnlyReason).toBeUndefined()
      await db.close()
      expect(db.status).toBe('closed')
      expect(warning).not.toHaveBeenCalled()
    } finally {
      warning.mockRestore()
    }
  })
})
