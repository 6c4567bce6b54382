/**
 * Read-only opens in one process: nothing in the directory is written, deleted or renamed (not
 * the IDENTITY of a directory of format 1, not a torn manifest tail), every write is refused
 * with STRATA_READ_ONLY, and `refresh()` catches up with a writer holding the LOCK.
 */
import { appendFileSync, cpSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { open } from '../src/index.js'
import { temporaryDirectory } from './helpers.js'

const formatOne = fileURLToPath(new URL('./fixtures/directory-format-1', import.meta.url))
const utf8 = { keyEncoding: 'utf8', valueEncoding: 'utf8' } as const

/** Every file of `directory` with its bytes. */
function contents(directory: string): Map<string, string> {
  const files = new Map<string, string>()
  for (const name of readdirSync(directory).sort()) {
    files.set(name, readFileSync(join(directory, name)).toString('base64'))
  }
  return files
}

describe('read-only open', () => {
  it('reads a directory of format 1 without writing its IDENTITY', async () => {
    const directory = temporaryDirectory()
    cpSync(formatOne, directory, { recursive: true })
    const before = contents(directory)
    const database = await open(directory, { readOnly: true })
    let count = 0
    for await (const _ of database.iterator()) count++
    expect(count).toBeGreaterThan(0)
    await database.close()
    expect(contents(directory)).toEqual(before)
  })

  it('ignores a torn manifest tail and a torn WAL tail without cutting either', async () => {
    const directory = temporaryDirectory()
    const writer = await open(directory, utf8)
    await writer.put('a', '1')
    await writer.flush()
    await writer.put('b', '2')
    await writer.close()
    const manifest = readdirSync(directory).find((name) => name.startsWith('MANIFEST-'))!
    appendFileSync(join(directory, manifest), Buffer.from([200, 0, 0, 0, 0x92, 1]))
    appendFileSync(join(directory, 'wal.log'), Buffer.from([200, 0, 0, 0, 0x92]))
    const before = contents(directory)
    const database = await open(directory, { ...utf8, readOnly: true })
    expect(await database.get('a')).toBe('1')
    expect(await database.get('b')).toBe('2')
    await database.close()
    expect(contents(directory)).toEqual(before)
  })

  it('refuses every write with STRATA_READ_ONLY, and refresh() on a writable open', async () => {
    const directory = temporaryDirectory()
    const writer = await open(directory, utf8)
    await writer.put('a', '1')
    const reader = await open(directory, { ...utf8, readOnly: true })
    const readOnly = { code: 'STRATA_READ_ONLY' }
    await expect(reader.put('k', 'v')).rejects.toMatchObject(readOnly)
    await expect(reader.delete('k')).rejects.toMatchObject(readOnly)
    await expect(reader.batch([{ type: 'put', key: 'k', value: 'v' }])).rejects.toMatchObject(readOnly)
    await expect(reader.batch().put('k', 'v').write()).rejects.toMatchObject(readOnly)
    await expect(reader.flush()).rejects.toMatchObject(readOnly)
    await expect(reader.compactRange()).rejects.toMatchObject(readOnly)
    await expect(writer.refresh()).rejects.toMatchObject({ code: 'STRATA_INVALID_ARGUMENT' })
    await reader.close()
    await writer.close()
  })

  it('refresh() catches up with a writer holding the LOCK, flushing and compacting', async () => {
    const directory = temporaryDirectory()
    const writer = await open(directory, {
      ...utf8,
      sync: false,
      memtableBytes: 4096,
      level0CompactionTrigger: 2,
    })
    await writer.put('first', 'one')
    const reader = await open(directory, { ...utf8, readOnly: true })
    expect(await reader.get('first')).toBe('one')
    for (let index = 0; index < 300; index++) await writer.put(`key:${index}`, 'v'.repeat(50))
    await writer.delete('first')
    expect(await reader.get('key:299')).toBeUndefined()
    await reader.refresh()
    expect(await reader.get('first')).toBeUndefined()
    expect(await reader.get('key:299')).toBe('v'.repeat(50))
    expect(reader.stats().levels.reduce((total, level) => total + level.files, 0)).toBeGreaterThan(0)
    const snapshot = reader.snapshot()
    await expect(reader.refresh()).rejects.toMatchObject({ code: 'STRATA_INVALID_ARGUMENT' })
    snapshot.release()
    await reader.refresh()
    await reader.close()
    await writer.close()
  })

  it('replays the WAL range deletes of a live writer, at open and at refresh', async () => {
    const directory = temporaryDirectory()
    const options = { keyEncoding: 'utf8', valueEncoding: 'utf8' } as const
    const writer = await open(directory, options)
    try {
      for (const key of ['a', 'b', 'c', 'd', 'e']) await writer.put(key, `value-${key}`)
      await writer.deleteRange({ gte: 'b', lt: 'd' })
      const reader = await open(directory, { ...options, readOnly: true })
      try {
        expect(await reader.get('b')).toBeUndefined()
        expect((await reader.iterator().all()).map(([key]) => key)).toEqual(['a', 'd', 'e'])
        await writer.deleteRange({ gte: 'd' })
        await reader.refresh()
        expect((await reader.iterator().all()).map(([key]) => key)).toEqual(['a'])
      } finally {
        await reader.close()
      }
    } finally {
      await writer.close()
    }
  })

  it('refuses a missing directory and a foreign one, creating nothing', async () => {
    const directory = temporaryDirectory()
    await expect(open(join(directory, 'none'), { readOnly: true })).rejects.toMatchObject({
      code: 'STRATA_NOT_FOUND',
    })
    expect(readdirSync(directory)).toEqual([])
    appendFileSync(join(directory, 'notes.txt'), 'mine')
    await expect(open(directory, { readOnly: true })).rejects.toMatchObject({ code: 'STRATA_NOT_A_DATABASE' })
    await expect(open(temporaryDirectory(), { readOnly: true })).rejects.toMatchObject({
      code: 'STRATA_NOT_A_DATABASE',
    })
  })
})
